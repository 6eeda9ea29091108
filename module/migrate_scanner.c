// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_scanner.c - the migrate scanner: from the bottom of the zone
 * upwards, pageblock by pageblock and page by page, isolating in-use
 * movable pages to migrate (the kernel's isolate_migratepages() and
 * isolate_migratepages_block()).
 */
#include <compactlab/compaction.h>
#include <compactlab/owner.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>

/* Isolate only pages that migrate without blocking (async and sync-light). */
#define CLAB_ISOLATE_ASYNC_MIGRATE	BIT(0)
/* Unevictable pages may be isolated (compact_unevictable_allowed). */
#define CLAB_ISOLATE_UNEVICTABLE	BIT(1)

/*
 * May pages of this block be migrated by this compaction? Async direct
 * compaction only takes blocks of the requester's own migratetype; the
 * others take every block, as page-by-page checks follow.
 */
static bool clab_suitable_migration_source(struct clab_compact_control *cc,
					   unsigned long pfn)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_page *page = clab_idx_to_page(mem, pfn);
	int block_mt;

	/* A block-sized allocation never moves: skip it for good. */
	if (clab_page_test(page, CLAB_PG_HEAD) && page->order >= CLAB_PAGEBLOCK_ORDER)
		return false;
	if (cc->mode != CLAB_MIGRATE_ASYNC || !cc->direct_compaction)
		return true;
	block_mt = clab_get_pageblock_migratetype(mem, pfn);
	if (cc->migratetype == CLAB_MIGRATE_MOVABLE)
		return clab_is_migrate_movable(block_mt);
	return block_mt == cc->migratetype;
}

/**
 * clab_putback_movable_pages() - give isolated pages back to their owners
 * @cc: the compaction whose migratepages list to empty
 */
void clab_putback_movable_pages(struct clab_compact_control *cc)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_page *page, *next;

	list_for_each_entry_safe(page, next, &cc->migratepages, lru) {
		list_del(&page->lru);
		clear_bit(CLAB_PG_ISOLATED, &page->flags);
		clab_put_page(mem, page);
	}
	cc->nr_migratepages = 0;
}

/*
 * Can this page be isolated for migration now? Unmovable and reclaimable
 * pages never are (reclaim frees the latter); pinned pages cannot be;
 * unevictable pages only while compact_unevictable_allowed is set; dirty
 * pages need writeback first and pages under writeback must be waited on,
 * which only full sync compaction does. The checks come in the order of
 * 6.1's isolate_migratepages_block(), though any failure ends alike.
 */
static bool clab_page_is_isolatable(struct clab_page *page, unsigned int mode)
{
	if (!clab_page_test(page, CLAB_PG_HEAD) || page->order)
		return false;
	if (page->migratetype != CLAB_MIGRATE_MOVABLE)
		return false;
	if (clab_page_test(page, CLAB_PG_PINNED))
		return false;
	if (!(mode & CLAB_ISOLATE_UNEVICTABLE) &&
	    clab_page_test(page, CLAB_PG_UNEVICTABLE))
		return false;
	if ((mode & CLAB_ISOLATE_ASYNC_MIGRATE) &&
	    (clab_page_test(page, CLAB_PG_WRITEBACK) ||
	     clab_page_test(page, CLAB_PG_DIRTY)))
		return false;
	return true;
}

/*
 * Take a reference and the isolation mark; false if the page is not ours.
 *
 * The checks made before the reference was taken raced with freeing: the
 * page may have been freed and reallocated since, as the head of a larger
 * block or with another migratetype. Once the reference is held the block
 * cannot be freed, so its head bit, order and migratetype are stable:
 * check them again. A failure drops the reference with a real put, as it
 * may be the last one (the owner let go of the page meanwhile).
 */
static bool clab_isolate_movable_page(struct clab_mem *mem,
				      struct clab_page *page, unsigned int mode)
{
	struct clab_owner *owner;

	if (!clab_get_page_unless_zero(page))
		return false;
	if (!clab_page_is_isolatable(page, mode))
		goto put_page;
	owner = READ_ONCE(page->owner);
	if (!owner || !owner->ops->move)
		goto put_page;
	if (test_and_set_bit(CLAB_PG_ISOLATED, &page->flags))
		goto put_page;
	return true;

put_page:
	clab_put_page(mem, page);
	return false;
}

/**
 * clab_isolate_page() - isolate one page for a migration without scanning
 * @mem: the shadow memory
 * @page: an in-use page its owner holds (the caller holds the owner lock,
 *	or otherwise knows the page is still allocated)
 * @mode: the migration's mode: what may be isolated, as for the migrate
 *	scanner of a compaction in that mode
 *
 * 6.1's isolate_lru_page() for move_pages(): the checks and the reference
 * of the migrate scanner, without the scanner. On success the caller adds
 * the page to its list (by its lru) and hands the list to
 * clab_migrate_list(), which gives back every page that does not move.
 *
 * Return: true if the page was isolated.
 */
bool clab_isolate_page(struct clab_mem *mem, struct clab_page *page,
		       enum clab_migrate_mode mode)
{
	unsigned int isolate_mode = 0;

	if (READ_ONCE(mem->compact_unevictable_allowed))
		isolate_mode |= CLAB_ISOLATE_UNEVICTABLE;
	if (mode != CLAB_MIGRATE_SYNC)
		isolate_mode |= CLAB_ISOLATE_ASYNC_MIGRATE;
	return clab_isolate_movable_page(mem, page, isolate_mode);
}

/*
 * Scan [low_pfn, end_pfn) of one pageblock and isolate what can move.
 * Returns 0, or -EINTR when a fatal signal aborted the scan.
 */
static int clab_isolate_migratepages_block(struct clab_compact_control *cc,
					   unsigned long low_pfn,
					   unsigned long end_pfn,
					   unsigned int mode)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	unsigned long start_pfn = low_pfn, nr_scanned = 0, nr_isolated = 0;
	/* pfns stepped over unseen: with nr_scanned, the distance moved */
	unsigned long nr_skipped = 0;
	unsigned long next_skip_pfn = 0;
	bool skip_on_failure = false, skip_updated = false;
	/* Only a block scanned from its start may be judged as a whole. */
	bool valid = IS_ALIGNED(low_pfn, CLAB_PAGEBLOCK_PAGES);
	int ret = 0;

	/*
	 * Async direct compaction works in cc->order aligned pieces: one
	 * page that cannot move makes its piece useless, so give it up.
	 */
	if (cc->direct_compaction && cc->mode == CLAB_MIGRATE_ASYNC &&
	    cc->order > 0) {
		skip_on_failure = true;
		next_skip_pfn = ALIGN(low_pfn + 1, 1UL << cc->order);
	}

	for (; low_pfn < end_pfn; low_pfn++) {
		struct clab_page *page;

		if (skip_on_failure && low_pfn >= next_skip_pfn) {
			if (nr_isolated)
				break;
			next_skip_pfn = ALIGN(low_pfn + 1, 1UL << cc->order);
		}
		if (!(low_pfn % CLAB_COMPACT_CLUSTER_MAX)) {
			if (fatal_signal_pending(current)) {
				cc->contended = true;
				ret = -EINTR;
				goto isolate_abort;
			}
			cond_resched();
		}
		/*
		 * Every pfn the loop stops at counts, as in 6.1: a free block
		 * once (its head; the rest is stepped over), a free page on a
		 * per-CPU list, an allocated block's head, and each page
		 * inside a block the scan began in.
		 */
		nr_scanned++;
		page = clab_idx_to_page(mem, low_pfn);

		if (clab_page_is_buddy(page)) {
			unsigned int order = READ_ONCE(page->order);

			if (order > 0 && order <= CLAB_MAX_ORDER) {
				low_pfn += (1UL << order) - 1;
				nr_skipped += (1UL << order) - 1;
			}
			continue;
		}
		/*
		 * No allocated block starts here: a per-CPU list page, or a
		 * page inside a free or allocated block. The kernel finds it
		 * neither on an LRU nor movable: a failure, which makes an
		 * async direct compactor give up its cc->order piece.
		 */
		if (!test_bit(low_pfn, mem->inuse))
			goto isolate_fail;
		/* A block above order 0 never moves: step over it, a failure. */
		if (READ_ONCE(page->order)) {
			unsigned int order = READ_ONCE(page->order);

			if (order <= CLAB_MAX_ORDER) {
				low_pfn += (1UL << order) - 1;
				nr_skipped += (1UL << order) - 1;
			}
			goto isolate_fail;
		}
		if (!clab_page_is_isolatable(page, mode))
			goto isolate_fail;
		/*
		 * The first isolation claims the block (6.1's
		 * test_and_set_skip(), given the page's own pfn: only an
		 * isolation at the block's first page tests and sets the
		 * hint, and a block another scanner holds ends this one).
		 */
		if (!skip_updated) {
			skip_updated = true;
			if (clab_test_and_set_skip(cc, low_pfn)) {
				nr_skipped += end_pfn - low_pfn - 1;
				low_pfn = end_pfn;
				goto isolate_abort;
			}
		}
		if (!clab_isolate_movable_page(mem, page, mode))
			goto isolate_fail;
		list_add(&page->lru, &cc->migratepages);
		cc->nr_migratepages++;
		nr_isolated++;
		if (cc->nr_migratepages >= CLAB_COMPACT_CLUSTER_MAX &&
		    !cc->rescan && !cc->contended) {
			low_pfn++;
			break;
		}
		continue;

isolate_fail:
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			clab_putback_movable_pages(cc);
			nr_isolated = 0;
		}
		if (low_pfn < next_skip_pfn) {
			nr_skipped += next_skip_pfn - 1 - low_pfn;
			low_pfn = next_skip_pfn - 1;
			next_skip_pfn += 1UL << cc->order;
		}
	}
	/* A step over a block may end past the range: it ends here. */
	if (low_pfn > end_pfn) {
		nr_skipped -= low_pfn - end_pfn;
		low_pfn = end_pfn;
	}

isolate_abort:
	/*
	 * A block scanned to its end with nothing isolated, or scanned a
	 * second time in a row, is not worth scanning again soon. 6.1 hands
	 * update_cached_migrate() the block's end, which it rounds up to the
	 * end of the next block: the round that finishes a block whose pages
	 * all went in full batches isolates nothing, so after each block it
	 * migrated, the next compaction starts a block further on, past a
	 * block no scanner looked at. tuned hands it the block itself.
	 */
	if (low_pfn == end_pfn && (!nr_isolated || cc->rescan)) {
		if (valid && !skip_updated && clab_compact_leaves_skip_hints(cc))
			clab_set_pageblock_skip(mem, start_pfn);
		clab_update_cached_migrate(cc, clab_compact_is_tuned(cc) ?
					   end_pfn - 1 : end_pfn);
	}
	trace_mm_compaction_isolate_migratepages(start_pfn, low_pfn, nr_scanned,
						 nr_isolated);
	cc->total_migrate_scanned += nr_scanned;
	cc->total_migrate_skipped += nr_skipped;
	cc->total_isolated += nr_isolated;
	if (nr_isolated)
		clab_count_vm_events(CLAB_COMPACTISOLATED, nr_isolated);
	cc->migrate_pfn = low_pfn;
	return ret;
}

/**
 * clab_isolate_migratepages() - isolate pages from the next suitable block
 * @cc: the compaction
 *
 * Walks pageblocks upward from cc->migrate_pfn, never past the free
 * scanner, and isolates from the first block that is suitable.
 *
 * Return: SUCCESS if pages were isolated, NONE if not, ABORT on a fatal
 * signal.
 */
enum clab_isolate_result clab_isolate_migratepages(struct clab_compact_control *cc)
{
	unsigned int mode = 0;
	unsigned long low_pfn = clab_fast_find_migrateblock(cc);
	unsigned long block_start_pfn = max(clab_pageblock_start_pfn(low_pfn),
					    cc->zone->start);
	unsigned long block_end_pfn = clab_pageblock_end_pfn(low_pfn);
	/* The fast search marked its block skip: scan it all the same. */
	bool fast_find_block = low_pfn != cc->migrate_pfn && !cc->fast_search_fail;

	/* 6.1's isolate_migratepages(): unevictable pages in every mode. */
	if (READ_ONCE(clab_zone_mem_of(cc)->compact_unevictable_allowed))
		mode |= CLAB_ISOLATE_UNEVICTABLE;
	if (cc->mode != CLAB_MIGRATE_SYNC)
		mode |= CLAB_ISOLATE_ASYNC_MIGRATE;

	for (; block_end_pfn <= cc->free_pfn;
	     fast_find_block = false,
	     low_pfn = block_end_pfn, cc->migrate_pfn = low_pfn,
	     block_start_pfn = block_end_pfn,
	     block_end_pfn += CLAB_PAGEBLOCK_PAGES) {
		if (!(low_pfn % (CLAB_COMPACT_CLUSTER_MAX * CLAB_PAGEBLOCK_PAGES)))
			cond_resched();
		if (IS_ALIGNED(low_pfn, CLAB_PAGEBLOCK_PAGES) && !fast_find_block &&
		    !clab_isolation_suitable(cc, low_pfn)) {
			cc->total_migrate_skipped += block_end_pfn - low_pfn;
			continue;
		}
		/*
		 * An unsuitable block raises the cached position past it.
		 * 6.1 hands update_cached_migrate() the block's end, which it
		 * rounds up to the end of the next block: the next compaction
		 * also passes over a block no scanner looked at. tuned hands
		 * it the block itself.
		 */
		if (!clab_suitable_migration_source(cc, block_start_pfn)) {
			clab_update_cached_migrate(cc, clab_compact_is_tuned(cc) ?
						   block_start_pfn : block_end_pfn);
			cc->total_migrate_skipped += block_end_pfn - low_pfn;
			continue;
		}
		if (clab_isolate_migratepages_block(cc, low_pfn, block_end_pfn,
						    mode))
			return CLAB_ISOLATE_ABORT;
		break;
	}
	return cc->nr_migratepages ? CLAB_ISOLATE_SUCCESS : CLAB_ISOLATE_NONE;
}
