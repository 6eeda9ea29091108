// SPDX-License-Identifier: GPL-2.0
/*
 * free_scanner.c - the free scanner: from the top of the zone downwards,
 * pageblock by pageblock (inside a block from its first page to its last),
 * isolating free pages for migration to move into (the kernel's
 * isolate_freepages() and isolate_freepages_block()), and handing them to
 * migration one at a time (compaction_alloc()).
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"

/*
 * May free pages of this block be taken as targets? (The kernel's
 * suitable_migration_target().) Never a block whose first page heads a free
 * block of pageblock order or more (that is what compaction is building);
 * else only MOVABLE blocks, unless the caller asked for any block.
 */
static bool clab_suitable_migration_target(struct clab_compact_control *cc,
					   unsigned long pfn)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_page *page = clab_idx_to_page(mem, pfn);

	if (clab_page_is_buddy(page) &&
	    READ_ONCE(page->order) >= CLAB_PAGEBLOCK_ORDER)
		return false;
	/*
	 * tuned: nor a wholly free pageblock made of smaller blocks, or the
	 * upper half of a free block above pageblock order, which the
	 * kernel's check of the first page misses (and then scans in vain).
	 */
	if (clab_compact_is_tuned(cc) &&
	    atomic_read(&clab_idx_to_pageblock(mem, pfn)->nr_free) >=
	    CLAB_PAGEBLOCK_PAGES)
		return false;
	if (cc->ignore_block_suitable)
		return true;
	return clab_is_migrate_movable(clab_get_pageblock_migratetype(mem, pfn));
}

/*
 * Every COMPACT_CLUSTER_MAX pages (the lock, if held, was just dropped):
 * give up on a fatal signal, else let others run. Wanting the CPU is no
 * reason to stop. (The kernel's compact_unlock_should_abort().)
 */
static bool clab_compact_should_abort(struct clab_compact_control *cc)
{
	if (fatal_signal_pending(current)) {
		cc->contended = true;
		return true;
	}
	cond_resched();
	return false;
}

/*
 * Take the zone lock; async compaction notes contention (and aborts later)
 * rather than spin, as the kernel's compact_lock_irqsave() does.
 */
static void clab_compact_lock_irqsave(struct clab_compact_control *cc,
				      unsigned long *flags)
	__acquires(&cc->zone->lock)
{
	if (cc->mode == CLAB_MIGRATE_ASYNC && !cc->contended) {
		if (spin_trylock_irqsave(&cc->zone->lock, *flags))
			return;
		cc->contended = true;
	}
	spin_lock_irqsave(&cc->zone->lock, *flags);
}

/*
 * Is the page the head of an allocated block of more than one page? The
 * scanner steps over it at once (the kernel's PageCompound() step; the
 * arena's allocated blocks are its compound pages, as the migrate scanner
 * takes them).
 */
static unsigned int clab_free_scan_compound_order(const struct clab_page *page)
{
	unsigned int order;

	if (!clab_page_test(page, CLAB_PG_HEAD))
		return 0;
	order = READ_ONCE(page->order);
	return order <= CLAB_MAX_ORDER ? order : 0;
}

/**
 * struct clab_free_scan - one isolate_freepages_block() call in progress
 * @cc: the compaction
 * @pfn: the page being looked at
 * @end_pfn: the end of the range
 * @stride: pages between two looks
 * @nr_scanned: looks so far, plus the pages of isolated blocks
 * @nr_skipped: pages passed without a look: the rest of an allocated block
 *	stepped over, and the stride's gaps
 * @total_isolated: pages isolated so far
 */
struct clab_free_scan {
	struct clab_compact_control *cc;
	unsigned long pfn;
	unsigned long end_pfn;
	unsigned int stride;
	unsigned long nr_scanned;
	unsigned long nr_skipped;
	unsigned long total_isolated;
};

/*
 * From the page just looked at (or the last page of a block it stands
 * for) to the next look: the stride's gap is passed unseen.
 */
static void clab_free_scan_step(struct clab_free_scan *s)
{
	s->pfn += s->stride;
	s->nr_skipped += s->stride - 1;
}

/* Step over the rest of an allocated block of @order, unseen. */
static void clab_free_scan_step_over(struct clab_free_scan *s,
				     unsigned int order)
{
	s->pfn += (1UL << order) - 1;
	s->nr_skipped += (1UL << order) - 1;
}

/*
 * The free page at s->pfn was seen without the lock: take the lock and
 * carry on under it up to the next COMPACT_CLUSTER_MAX boundary, where the
 * kernel drops it (the lock is taken only once a free page is seen, as
 * isolate_freepages_block() does). Leaves s->pfn at the next page to look
 * at, unseen. Return: true when the scan is over (enough targets, or the
 * watermark forbids more).
 */
static bool clab_isolate_freepages_locked(struct clab_free_scan *s)
{
	struct clab_compact_control *cc = s->cc;
	struct clab_mem *mem = clab_zone_mem_of(cc);
	unsigned long flags;
	bool first = true, done = false;

	clab_compact_lock_irqsave(cc, &flags);
	for (;;) {
		struct clab_page *page = clab_idx_to_page(mem, s->pfn);
		unsigned long isolated;
		unsigned int order;

		if (!first)
			s->nr_scanned++;
		if (clab_page_is_buddy(page)) {
			order = page->order;
			isolated = __clab_isolate_free_page(cc->zone, page, order);
			if (!isolated) {
				done = true;
				break;
			}
			clab_prep_isolated_pages(mem, page, order, &cc->freepages);
			s->nr_scanned += isolated - 1;
			s->total_isolated += isolated;
			cc->nr_freepages += isolated;
			if (cc->nr_migratepages <= cc->nr_freepages) {
				s->pfn += isolated;
				done = true;
				break;
			}
			s->pfn += isolated - 1;
		} else if (!first) {
			/* (The page first seen free is not rechecked for this.) */
			order = clab_free_scan_compound_order(page);
			if (order)
				clab_free_scan_step_over(s, order);
		}
		first = false;
		clab_free_scan_step(s);
		if (s->pfn >= s->end_pfn || !(s->pfn % CLAB_COMPACT_CLUSTER_MAX))
			break;
	}
	spin_unlock_irqrestore(&cc->zone->lock, flags);
	return done;
}

/*
 * Isolate free pages from [*start_pfn, end_pfn), looking at every @stride
 * pages, until there are as many targets as pages to migrate (the kernel's
 * isolate_freepages_block(), not strict). Counts every page looked at into
 * cc->total_free_scanned, an isolated block as its size, an allocated block
 * stepped over as one. Moves *start_pfn to where the scan stopped. Returns
 * pages isolated.
 */
static unsigned long clab_isolate_freepages_block(struct clab_compact_control *cc,
						  unsigned long *start_pfn,
						  unsigned long end_pfn,
						  unsigned int stride)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_free_scan s = {
		.cc = cc, .pfn = *start_pfn, .end_pfn = end_pfn, .stride = stride,
	};

	while (s.pfn < end_pfn) {
		struct clab_page *page = clab_idx_to_page(mem, s.pfn);
		unsigned int order;

		if (!(s.pfn % CLAB_COMPACT_CLUSTER_MAX) &&
		    clab_compact_should_abort(cc))
			break;
		s.nr_scanned++;
		if (clab_page_is_buddy(page)) {
			if (clab_isolate_freepages_locked(&s))
				break;
			continue;
		}
		order = clab_free_scan_compound_order(page);
		if (order)
			clab_free_scan_step_over(&s, order);
		clab_free_scan_step(&s);
	}
	/* A step may end past the range: the scan ends at its end. */
	if (s.pfn > end_pfn) {
		s.nr_skipped -= s.pfn - end_pfn;
		s.pfn = end_pfn;
	}
	trace_mm_compaction_isolate_freepages(*start_pfn, s.pfn, s.nr_scanned,
					      s.total_isolated);
	*start_pfn = s.pfn;
	cc->total_free_scanned += s.nr_scanned;
	cc->total_free_skipped += s.nr_skipped;
	cc->total_isolated += s.total_isolated;
	if (s.total_isolated)
		clab_count_vm_events(CLAB_COMPACTISOLATED, s.total_isolated);
	return s.total_isolated;
}

/* Does the block hold any free page? (Its counter, racy but cheap.) */
static bool clab_pageblock_has_free(struct clab_compact_control *cc,
				    unsigned long pfn)
{
	return atomic_read(&clab_idx_to_pageblock(clab_zone_mem_of(cc),
						  pfn)->nr_free) > 0;
}

/**
 * clab_isolate_freepages() - refill cc->freepages
 * @cc: the compaction
 *
 * Walks pageblocks downward from cc->free_pfn to the migrate scanner's
 * block and isolates free pages from the suitable ones (the kernel's
 * isolate_freepages()).
 *
 * policy linux, as Linux 6.1: the walk stops above the block of
 * cc->migrate_pfn, the migrate scanner's next page. Blocks are sampled:
 * every COMPACT_CLUSTER_MAX-th page at first in async mode, every page
 * otherwise; after a block that gave nothing the stride doubles (up to
 * COMPACT_CLUSTER_MAX), after one that gave pages it is 1 again. On a
 * regular pattern of kept pages (every 4th page, say) that stride lands
 * only on kept pages, finds nothing, and a whole compaction can pass
 * without moving a page: the kernel's weakness, kept.
 *
 * policy tuned: blocks without a free page, and wholly free ones, are
 * passed over by their pageblock counters, in O(1), and the others are
 * scanned page by page: no need to sample. And the walk stops above the
 * block of the migrate scanner's last scanned page, migrate_pfn - 1 (the
 * kernel's bound also loses the block above it when a batch ends on a
 * pageblock boundary, and fails for want of targets just as the scanners
 * meet: one pageblock short of the best result).
 */
void clab_isolate_freepages(struct clab_compact_control *cc)
{
	unsigned long isolate_start_pfn = cc->free_pfn;
	unsigned long block_start_pfn = clab_pageblock_start_pfn(isolate_start_pfn);
	unsigned long block_end_pfn = min(block_start_pfn + CLAB_PAGEBLOCK_PAGES,
					  cc->zone->end);
	bool tuned = clab_compact_is_tuned(cc);
	unsigned int stride = 1;
	unsigned long low_pfn;

	if (tuned) {
		low_pfn = clab_pageblock_end_pfn(max(cc->migrate_pfn,
						     cc->zone->start + 1) - 1);
	} else {
		low_pfn = clab_pageblock_end_pfn(cc->migrate_pfn);
		if (cc->mode == CLAB_MIGRATE_ASYNC)
			stride = CLAB_COMPACT_CLUSTER_MAX;
	}

	for (; block_start_pfn >= low_pfn && block_start_pfn >= cc->zone->start;
	     block_end_pfn = block_start_pfn,
	     block_start_pfn -= CLAB_PAGEBLOCK_PAGES,
	     isolate_start_pfn = block_start_pfn) {
		unsigned long nr_isolated;

		/* A long walk lets others run; it does not give up. */
		if (!(block_start_pfn % (CLAB_COMPACT_CLUSTER_MAX * CLAB_PAGEBLOCK_PAGES)))
			cond_resched();
		if (!clab_suitable_migration_target(cc, block_start_pfn) ||
		    !clab_isolation_suitable(cc, block_start_pfn)) {
			cc->total_free_skipped +=
				block_end_pfn - isolate_start_pfn;
			continue;
		}
		if (tuned && !clab_pageblock_has_free(cc, block_start_pfn)) {
			clab_update_pageblock_skip(cc, block_start_pfn);
			cc->total_free_skipped +=
				block_end_pfn - isolate_start_pfn;
			continue;
		}
		nr_isolated = clab_isolate_freepages_block(cc, &isolate_start_pfn,
							   block_end_pfn, stride);
		if (isolate_start_pfn == block_end_pfn)
			clab_update_pageblock_skip(cc, block_start_pfn);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			/* Resume in this block if it may hold more. */
			if (isolate_start_pfn >= block_end_pfn)
				isolate_start_pfn = block_start_pfn - CLAB_PAGEBLOCK_PAGES;
			break;
		} else if (isolate_start_pfn < block_end_pfn) {
			/* Isolation stopped early (watermark or signal). */
			break;
		}
		if (tuned)
			continue;
		/* linux: sample barren stretches ever more sparsely. */
		if (nr_isolated)
			stride = 1;
		else
			stride = min_t(unsigned int, CLAB_COMPACT_CLUSTER_MAX,
				       stride << 1);
	}
	cc->free_pfn = isolate_start_pfn;
}

/*
 * 6.1's split_map_pages(): each isolated block is split and its pages are
 * pushed, lowest first, onto the front of a new list, so migration takes
 * the last isolated block's highest page first and fills blocks from the
 * top down. Our blocks were split as they were isolated, in order, onto
 * the tail of the list: reversing it gives the kernel's order.
 */
static void clab_split_map_pages(struct list_head *list)
{
	struct list_head *pos, *next;
	LIST_HEAD(reversed);

	list_for_each_safe(pos, next, list)
		list_move(pos, &reversed);
	list_splice(&reversed, list);
}

/**
 * clab_compaction_alloc() - the next target page for migration
 * @cc: the compaction
 *
 * Return: an isolated free page, or NULL when the free scanner found none.
 */
struct clab_page *clab_compaction_alloc(struct clab_compact_control *cc)
{
	struct clab_page *page;

	if (list_empty(&cc->freepages)) {
		/* isolate_freepages(): the free lists first, then the scan. */
		clab_fast_isolate_freepages(cc);
		if (!cc->nr_freepages)
			clab_isolate_freepages(cc);
		if (list_empty(&cc->freepages))
			return NULL;
		clab_split_map_pages(&cc->freepages);
	}
	page = list_first_entry(&cc->freepages, struct clab_page, lru);
	list_del(&page->lru);
	cc->nr_freepages--;
	return page;
}

/**
 * clab_compaction_free() - return an unused target page
 * @cc: the compaction
 * @page: the page from clab_compaction_alloc()
 */
void clab_compaction_free(struct clab_compact_control *cc,
			  struct clab_page *page)
{
	list_add(&page->lru, &cc->freepages);
	cc->nr_freepages++;
}

/**
 * clab_release_freepages() - give every unused target back
 * @cc: the compaction
 *
 * Return: the highest shadow PFN released, 0 if none.
 */
unsigned long clab_release_freepages(struct clab_compact_control *cc)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_page *page, *next;
	unsigned long high = 0;

	list_for_each_entry_safe(page, next, &cc->freepages, lru) {
		unsigned long pfn = clab_page_to_idx(mem, page);

		list_del(&page->lru);
		if (pfn > high)
			high = pfn;
		clab_put_page_capture(mem, page, cc->capc);
	}
	cc->nr_freepages = 0;
	return high;
}

/**
 * clab_isolate_freepages_range() - isolate every free page of a range
 * @cc: the compaction
 * @start_pfn: where to start; moved to where the scan stopped
 * @end_pfn: one past the end, in the same pageblock
 *
 * For fast_isolate_freepages(), which takes the rest of a pageblock it
 * found a target in (fast_isolate_around()): stops early once there are
 * as many targets as pages to migrate.
 *
 * Return: pages isolated.
 */
unsigned long clab_isolate_freepages_range(struct clab_compact_control *cc,
					   unsigned long *start_pfn,
					   unsigned long end_pfn)
{
	return clab_isolate_freepages_block(cc, start_pfn, end_pfn, 1);
}
