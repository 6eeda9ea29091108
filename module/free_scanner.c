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
 * May free pages of this block be taken as targets? Never a wholly free
 * pageblock (that is what compaction is building); else only MOVABLE
 * blocks, unless the caller asked for any block.
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
	 * Nor a wholly free pageblock made of smaller blocks, or the upper
	 * half of a free block above pageblock order, which the kernel's
	 * check of the first page misses (and then scans in vain).
	 */
	if (atomic_read(&clab_idx_to_pageblock(mem, pfn)->nr_free) >=
	    CLAB_PAGEBLOCK_PAGES)
		return false;
	if (cc->ignore_block_suitable)
		return true;
	return clab_is_migrate_movable(clab_get_pageblock_migratetype(mem, pfn));
}

/* Async compaction gives up rather than wait for the CPU. */
static bool clab_compact_should_abort(struct clab_compact_control *cc)
{
	if (cc->mode == CLAB_MIGRATE_ASYNC && need_resched()) {
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
 * Isolate free pages from [*start_pfn, end_pfn), every @stride pages,
 * until there are as many targets as pages to migrate. Moves *start_pfn to
 * where the scan stopped. Returns pages isolated.
 */
static unsigned long clab_isolate_freepages_block(struct clab_compact_control *cc,
						  unsigned long *start_pfn,
						  unsigned long end_pfn,
						  unsigned int stride)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	unsigned long blockpfn = *start_pfn, nr_scanned = 0, total_isolated = 0;
	unsigned long flags;

	/* The caller only sends blocks that hold free pages: lock at once. */
	clab_compact_lock_irqsave(cc, &flags);
	for (; blockpfn < end_pfn; blockpfn += stride) {
		struct clab_page *page = clab_idx_to_page(mem, blockpfn);
		unsigned long isolated;
		unsigned int order;

		/* Let others at the lock every so often. */
		if (!(blockpfn % CLAB_COMPACT_CLUSTER_MAX) && blockpfn != *start_pfn) {
			if (fatal_signal_pending(current)) {
				cc->contended = true;
				break;
			}
			spin_unlock_irqrestore(&cc->zone->lock, flags);
			cond_resched();
			clab_compact_lock_irqsave(cc, &flags);
		}
		nr_scanned++;
		if (!clab_page_is_buddy(page))
			continue;
		order = page->order;
		isolated = __clab_isolate_free_page(cc->zone, page, order);
		if (!isolated)
			break;
		clab_prep_isolated_pages(mem, page, order, &cc->freepages);
		nr_scanned += isolated - 1;
		total_isolated += isolated;
		cc->nr_freepages += isolated;
		if (cc->nr_migratepages <= cc->nr_freepages) {
			blockpfn += isolated;
			break;
		}
		blockpfn += isolated - 1;
	}
	spin_unlock_irqrestore(&cc->zone->lock, flags);
	if (blockpfn > end_pfn)
		blockpfn = end_pfn;
	trace_mm_compaction_isolate_freepages(*start_pfn, blockpfn, nr_scanned,
					      total_isolated);
	*start_pfn = blockpfn;
	cc->total_free_scanned += nr_scanned;
	cc->total_isolated += total_isolated;
	if (total_isolated)
		clab_count_vm_events(CLAB_COMPACTISOLATED, total_isolated);
	return total_isolated;
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
 * Walks pageblocks downward from cc->free_pfn, never below the migrate
 * scanner's block, and scans each block that has free pages page by page.
 *
 * Beyond the kernel: blocks without a free page are passed over by their
 * pageblock counter, in O(1). The kernel cannot tell, so it samples blocks
 * sparsely instead, doubling its stride up to 32 after barren blocks; on a
 * regular pattern of kept pages (every 4th page, say) that stride lands
 * only on kept pages, finds nothing, and whole compactions fail
 * (benchmarks.md). With the counter there is no need to sample.
 */
void clab_isolate_freepages(struct clab_compact_control *cc)
{
	unsigned long isolate_start_pfn = cc->free_pfn;
	unsigned long block_start_pfn = clab_pageblock_start_pfn(isolate_start_pfn);
	unsigned long block_end_pfn = min(block_start_pfn + CLAB_PAGEBLOCK_PAGES,
					  cc->zone->end);
	/*
	 * Never take free pages from the migrate scanner's block: the one
	 * holding its last scanned page, migrate_pfn - 1. (The kernel uses
	 * migrate_pfn itself, so a batch that ends on a pageblock boundary
	 * also loses the whole block above it, and fails for want of targets
	 * just as the scanners meet: one pageblock short of the best result.)
	 */
	unsigned long low_pfn = clab_pageblock_end_pfn(max(cc->migrate_pfn,
							   cc->zone->start + 1) - 1);

	for (; block_start_pfn >= low_pfn && block_start_pfn >= cc->zone->start;
	     block_end_pfn = block_start_pfn,
	     block_start_pfn -= CLAB_PAGEBLOCK_PAGES,
	     isolate_start_pfn = block_start_pfn) {
		if (!(block_start_pfn % (CLAB_COMPACT_CLUSTER_MAX * CLAB_PAGEBLOCK_PAGES)) &&
		    clab_compact_should_abort(cc))
			break;
		if (!clab_suitable_migration_target(cc, block_start_pfn))
			continue;
		if (!clab_isolation_suitable(cc, block_start_pfn))
			continue;
		if (!clab_pageblock_has_free(cc, block_start_pfn)) {
			clab_update_pageblock_skip(cc, block_start_pfn);
			continue;
		}
		clab_isolate_freepages_block(cc, &isolate_start_pfn, block_end_pfn, 1);
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
	}
	cc->free_pfn = isolate_start_pfn;
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
		clab_put_page_to_buddy(mem, page, NULL);
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
