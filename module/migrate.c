// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c - moving an in-use page's contents to another page: find the
 * owner, lock it, unmap every user mapping, copy the 4 KiB, publish the new
 * page to the owner, free the old one. Up to ten passes over the list, as
 * the kernel's migrate_pages() makes; a page that cannot move stays where
 * it is, intact. Targets come from a callback, as in 6.1: compaction's
 * free scanner (clab_migrate_pages()), or the page allocator for a list
 * migrated without scanning (clab_migrate_list(), as move_pages() does).
 */
#include <compactlab/compaction.h>
#include <compactlab/owner.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include <compactlab/writeback.h>

#define CLAB_NR_MAX_MIGRATE_PAGES_RETRY	10

/* How one page's migration ended. */
enum clab_migrate_outcome {
	CLAB_MIGRATED,		/* moved, or freed by its owner meanwhile */
	CLAB_MIGRATE_AGAIN,	/* try again in a later pass */
	CLAB_MIGRATE_BUSY,	/* give up: dirty or under writeback */
	CLAB_MIGRATE_PINNED,	/* give up: pinned by its owner */
	CLAB_MIGRATE_NOT_MOVABLE, /* give up: not an order-0 movable page */
	CLAB_MIGRATE_NO_TARGET,	/* no free page left: stop everything */
};

/*
 * Lock the page's owner as the mode allows: never block in async mode, nor
 * in a direct compaction. 6.1's __unmap_and_move() does not lock_page()
 * under PF_MEMALLOC, which the allocator sets around direct compaction;
 * kcompactd and the compact_memory triggers may block.
 */
static bool clab_lock_owner(struct clab_compact_control *cc,
			    struct clab_owner *owner, struct clab_page *page,
			    bool force)
{
	if (owner->ops->trylock(owner, page))
		return true;
	if (cc->mode == CLAB_MIGRATE_ASYNC || !force || cc->direct_compaction)
		return false;
	owner->ops->lock(owner, page);
	return true;
}

/*
 * Copy @page's contents to @new with copy_page(), as the kernel's
 * migration does, and count the time it took into the pass: the copy's
 * share of a pass is then measured, never estimated. A virtual arena has
 * no contents: nothing is copied or timed, and the bytes a copy would
 * have moved are counted instead (cc->virtual_bytes).
 */
static void clab_copy_timed(struct clab_compact_control *cc,
			    struct clab_page *new, struct clab_page *page)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	u64 start;

	if (!clab_arena_has_contents(mem->arena)) {
		cc->virtual_bytes += CLAB_PAGE_SIZE;
		return;
	}
	start = clab_clock_ns();
	clab_copy_page(clab_arena_page_address(mem->arena,
					       clab_page_to_idx(mem, new)),
		       clab_arena_page_address(mem->arena,
					       clab_page_to_idx(mem, page)));
	cc->copy_ns += clab_clock_ns() - start;
	cc->nr_copies++;
}

static enum clab_migrate_outcome clab_migrate_one(struct clab_compact_control *cc,
						  struct clab_page *page,
						  bool force,
						  clab_new_page_t new_page,
						  unsigned long private)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	enum clab_migrate_outcome ret;
	struct clab_owner *owner;
	struct clab_page *new;

	/*
	 * Only order-0 movable pages move: copying one page of a larger
	 * block and freeing the block would lose the rest of its data. The
	 * scanners check this with the isolation reference held; refuse
	 * anything else here too.
	 */
	if (!clab_page_test(page, CLAB_PG_HEAD) || page->order ||
	    page->migratetype != CLAB_MIGRATE_MOVABLE)
		return CLAB_MIGRATE_NOT_MOVABLE;
	/*
	 * Async and sync-light compaction leave pages under writeback;
	 * sync waits for it, once the first passes moved the easy pages,
	 * and without any owner lock held.
	 */
	if (clab_page_test(page, CLAB_PG_WRITEBACK)) {
		if (cc->mode != CLAB_MIGRATE_SYNC)
			return CLAB_MIGRATE_BUSY;
		if (!force)
			return CLAB_MIGRATE_AGAIN;
		/* Killed while waiting: give the page up, intact. */
		if (!clab_wait_on_writeback(page))
			return CLAB_MIGRATE_BUSY;
	}
	rcu_read_lock();
	owner = READ_ONCE(page->owner);
	if (owner && !owner->ops->tryget(owner))
		owner = NULL;
	rcu_read_unlock();
	/* The owner let go of the page: our reference frees it. */
	if (!owner)
		return CLAB_MIGRATED;
	if (!clab_lock_owner(cc, owner, page, force)) {
		owner->ops->put(owner);
		return CLAB_MIGRATE_AGAIN;
	}
	if (!owner->ops->owns(owner, page)) {
		ret = CLAB_MIGRATED;
		goto unlock;
	}
	if (clab_page_test(page, CLAB_PG_PINNED)) {
		ret = force ? CLAB_MIGRATE_PINNED : CLAB_MIGRATE_AGAIN;
		goto unlock;
	}
	/* A dirty page must be written back first: only sync does that. */
	if (clab_page_test(page, CLAB_PG_DIRTY)) {
		if (cc->mode != CLAB_MIGRATE_SYNC) {
			ret = CLAB_MIGRATE_BUSY;
			goto unlock;
		}
		clab_start_writeback(mem, page);
		ret = CLAB_MIGRATE_AGAIN;
		goto unlock;
	}
	if (clab_page_test(page, CLAB_PG_WRITEBACK)) {
		ret = CLAB_MIGRATE_AGAIN;
		goto unlock;
	}
	new = new_page(page, private);
	if (!new) {
		ret = CLAB_MIGRATE_NO_TARGET;
		goto unlock;
	}
	/* From here the move cannot fail: zap, copy, publish. */
	owner->ops->unmap(owner, page);
	clab_copy_timed(cc, new, page);
	new->flags |= page->flags & (BIT(CLAB_PG_REFERENCED) | BIT(CLAB_PG_ACTIVE));
	owner->ops->move(owner, page, new);
	WRITE_ONCE(page->owner, NULL);
	/* The owner's reference moved to @new: drop it here. */
	atomic_dec(&page->refcount);
	ret = CLAB_MIGRATED;
unlock:
	owner->ops->unlock(owner, page);
	owner->ops->put(owner);
	return ret;
}

/*
 * Done with an isolated page: unmark it and drop the isolation reference.
 * A page that moved is freed here, to this CPU's list as in 6.1; the
 * block it completes merges when the list overflows or compaction drains
 * it, and a direct compactor may then capture it.
 */
static void clab_release_isolated(struct clab_compact_control *cc,
				  struct clab_page *page)
{
	list_del(&page->lru);
	clear_bit(CLAB_PG_ISOLATED, &page->flags);
	clab_put_page_capture(clab_zone_mem_of(cc), page, cc->capc);
}

/*
 * Migrate every page on cc->migratepages into pages from @new_page (6.1's
 * migrate_pages()). Pages that moved (or were freed meanwhile) leave the
 * list; pages that failed for good are put back to their owners and
 * counted. Passes repeat while pages asked to be retried; from the fourth
 * pass on, sync modes may block on the owner lock and on writeback.
 * Returns 0, the number of pages that failed, or -ENOMEM when @new_page
 * ran out (the rest stay on the list for the caller to put back).
 */
static int __clab_migrate_pages(struct clab_compact_control *cc,
				clab_new_page_t new_page, unsigned long private)
{
	unsigned long nr_succeeded = 0, nr_failed = 0;
	struct clab_page *page, *next;
	int pass, retry = 1, ret = 0;

	/* Earlier batches' writebacks that are done by now. */
	clab_writeback_complete_due();
	for (pass = 0; pass < CLAB_NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
		retry = 0;
		list_for_each_entry_safe(page, next, &cc->migratepages, lru) {
			cond_resched();
			switch (clab_migrate_one(cc, page, pass > 2, new_page,
						 private)) {
			case CLAB_MIGRATED:
				clab_release_isolated(cc, page);
				cc->nr_migratepages--;
				nr_succeeded++;
				break;
			case CLAB_MIGRATE_AGAIN:
				retry++;
				break;
			case CLAB_MIGRATE_BUSY:
				cc->fail_busy++;
				goto failed;
			case CLAB_MIGRATE_PINNED:
				cc->fail_pinned++;
				goto failed;
			case CLAB_MIGRATE_NOT_MOVABLE:
failed:
				clab_release_isolated(cc, page);
				cc->nr_migratepages--;
				nr_failed++;
				break;
			case CLAB_MIGRATE_NO_TARGET:
				cc->fail_no_target++;
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	/* What still asks for a retry after the last pass has failed. */
	list_for_each_entry_safe(page, next, &cc->migratepages, lru) {
		cc->fail_busy++;
		clab_release_isolated(cc, page);
		cc->nr_migratepages--;
		nr_failed++;
	}
out:
	cc->nr_migrated += nr_succeeded;
	cc->nr_migrate_failed += nr_failed;
	clab_count_vm_events(CLAB_PGMIGRATE_SUCCESS, nr_succeeded);
	clab_count_vm_events(CLAB_PGMIGRATE_FAIL, nr_failed);
	if (ret)
		return ret;
	return nr_failed;
}

/* compaction_alloc(): the next page the free scanner isolated. */
static struct clab_page *clab_compaction_new_page(struct clab_page *page,
						  unsigned long private)
{
	return clab_compaction_alloc((struct clab_compact_control *)private);
}

/**
 * clab_migrate_pages() - migrate every page on cc->migratepages
 * @cc: the compaction; targets come from its free scanner
 *
 * Pages that moved (or were freed meanwhile) leave the list; pages that
 * failed for good are put back to their owners and counted. Passes repeat
 * while pages asked to be retried; from the fourth pass on, sync modes may
 * block on the owner lock and on writeback.
 *
 * Return: 0, the number of pages that failed, or -ENOMEM when the free
 * scanner ran out (the rest stay on the list for the caller to put back).
 */
int clab_migrate_pages(struct clab_compact_control *cc)
{
	unsigned int nr_isolated = cc->nr_migratepages;
	unsigned long nr_migrated = cc->nr_migrated;
	int ret;

	ret = __clab_migrate_pages(cc, clab_compaction_new_page,
				   (unsigned long)cc);
	nr_migrated = cc->nr_migrated - nr_migrated;
	trace_mm_compaction_migratepages(nr_migrated, nr_isolated - nr_migrated);
	return ret;
}

/**
 * clab_alloc_migration_target() - a target from the page allocator
 * @page: the page to be moved
 * @private: the shadow memory (struct clab_mem *)
 *
 * A clab_new_page_t for clab_migrate_list(), as 6.1's
 * alloc_migration_target() is for move_pages(): an order-0 movable page of
 * @page's node, taken from the free lists above the low watermark. It
 * neither reclaims nor compacts (it is called under an owner lock, and a
 * pure migration must not scan), wakes no daemon and is not zeroed: the
 * copy fills it.
 *
 * Return: the page, or NULL when the node has none to give.
 */
struct clab_page *clab_alloc_migration_target(struct clab_page *page,
					      unsigned long private)
{
	struct clab_mem *mem = (struct clab_mem *)private;
	struct clab_zone *zone = clab_idx_to_zone(mem, clab_page_to_idx(mem, page));

	return clab_alloc_pages(mem, zone->node->id,
				CLAB_GFP_MOVABLE | CLAB_GFP_NOWARN, 0);
}

/**
 * clab_migrate_list() - migrate a list of isolated pages, without scanning
 * @mem: the shadow memory
 * @from: order-0 movable pages isolated with clab_isolate_page(); empty
 *	on return
 * @new_page: where targets come from, e.g. clab_alloc_migration_target()
 * @private: passed to @new_page
 * @mode: ASYNC, SYNC_LIGHT or SYNC (move_pages() migrates in SYNC)
 * @stats: out: pages migrated and failed, the copy time and the bytes not
 *	copied on a virtual arena are added to it
 *
 * 6.1's migrate_pages() for a caller other than compaction: the same
 * passes as compaction's clab_migrate_pages(), with the same counters
 * (pgmigrate_success, pgmigrate_fail), but no compaction tracepoint and no
 * capture. Every page that did not move, including those left when
 * @new_page ran out, is put back to its owner and counted as failed, so
 * the caller has nothing to undo. 6.1 also takes a put_new_page, for a
 * target it allocated and then could not use; ours takes its target only
 * once the move cannot fail, so there is none to give back.
 *
 * The compaction control is only the carrier of the migration's mode and
 * counters: its zone is that of the first page, from which the shadow
 * memory is reached, and no scanner runs.
 *
 * Return: 0, the number of pages that failed, or -ENOMEM when @new_page
 * ran out.
 */
int clab_migrate_list(struct clab_mem *mem, struct list_head *from,
		      clab_new_page_t new_page, unsigned long private,
		      enum clab_migrate_mode mode,
		      struct clab_migrate_stats *stats)
{
	struct clab_compact_control cc = {
		.mode = mode,
	};
	struct clab_page *page;
	int ret;

	if (list_empty(from))
		return 0;
	page = list_first_entry(from, struct clab_page, lru);
	cc.zone = clab_idx_to_zone(mem, clab_page_to_idx(mem, page));
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	list_for_each_entry(page, from, lru)
		cc.nr_migratepages++;
	list_splice(from, &cc.migratepages);
	INIT_LIST_HEAD(from);
	ret = __clab_migrate_pages(&cc, new_page, private);
	stats->migrated += cc.nr_migrated;
	stats->failed += cc.nr_migrate_failed + cc.nr_migratepages;
	stats->copy_ns += cc.copy_ns;
	stats->virtual_bytes += cc.virtual_bytes;
	clab_putback_movable_pages(&cc);
	return ret;
}
