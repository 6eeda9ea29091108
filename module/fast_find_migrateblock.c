// SPDX-License-Identifier: GPL-2.0
/*
 * fast_find_migrateblock.c - the migrate scanner's fast path (Linux 6.1's
 * fast_find_migrateblock(), Mel Gorman, 5.1): for a costly order, start
 * the migrate scanner at a pageblock that already holds a large free block,
 * found through the MOVABLE free lists, since fewer pages must move before
 * such a block is free. A found block is marked skip so that the search
 * does not return to it; when a search fails, the linear scanner restarts
 * from the lowest block earlier searches found.
 */
#include <compactlab/compaction.h>

/*
 * Rotate @freelist so that @page and the entries before it, which a
 * forward search has looked at, go to the tail (the kernel's
 * move_freelist_tail()).
 */
static void clab_move_freelist_tail(struct list_head *freelist,
				    struct clab_page *page)
{
	if (freelist->prev != &page->lru)
		list_move(freelist, &page->lru);
}

/* Remember the lowest block found, unless a failed search used it. */
static void clab_update_fast_start_pfn(struct clab_compact_control *cc,
				       unsigned long pfn)
{
	if (cc->fast_start_pfn == ULONG_MAX)
		return;
	if (!cc->fast_start_pfn)
		cc->fast_start_pfn = pfn;
	cc->fast_start_pfn = min(cc->fast_start_pfn, pfn);
}

/* A failed search: the linear scan restarts at the lowest block found. */
static unsigned long clab_reinit_migrate_pfn(struct clab_compact_control *cc)
{
	if (!cc->fast_start_pfn || cc->fast_start_pfn == ULONG_MAX)
		return cc->migrate_pfn;
	cc->migrate_pfn = cc->fast_start_pfn;
	cc->fast_start_pfn = ULONG_MAX;
	return cc->migrate_pfn;
}

/**
 * clab_fast_find_migrateblock() - where the migrate scanner starts next
 * @cc: the compaction
 *
 * Linux 6.1's fast_find_migrateblock(), rule for rule. The search runs only
 * when skip hints are honoured (they keep it from finding the same block
 * again), when the scanner is at the start of the zone or of a pageblock
 * (not resuming inside one), for orders above PAGE_ALLOC_COSTLY_ORDER, and
 * not for direct compaction of a non-movable request (a movable block must
 * not be emptied for an unmovable allocation). It walks the MOVABLE free
 * lists from cc->order - 1 down to PAGE_ALLOC_COSTLY_ORDER, at most
 * clab_freelist_scan_limit() entries in all, for a free block below the
 * search window whose pageblock is not marked skip: the first half of the
 * space between the scanners on a scan from the zone's start, the first
 * eighth otherwise. The block found is marked skip, and its list rotated
 * past it. Entries looked at count as migrate-scanned.
 *
 * A search that finds nothing counts in cc->fast_search_fail, and the
 * scanner restarts linearly at the lowest block an earlier search of this
 * compaction found (once).
 *
 * Return: the pfn the migrate scanner should scan from.
 */
unsigned long clab_fast_find_migrateblock(struct clab_compact_control *cc)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_zone *zone = cc->zone;
	unsigned int limit = clab_freelist_scan_limit(cc);
	unsigned long pfn = cc->migrate_pfn;
	unsigned int nr_scanned = 0;
	unsigned long distance, high_pfn;
	bool found_block = false;
	int order;

	if (cc->ignore_skip_hint)
		return pfn;
	/* Inside a pageblock: the continuation of a batch, go on linearly. */
	if (pfn != zone->start && pfn != clab_pageblock_start_pfn(pfn))
		return pfn;
	/* Small orders need few moves: a linear scan will do. */
	if (cc->order <= CLAB_COSTLY_ORDER)
		return pfn;
	if (cc->direct_compaction && cc->migratetype != CLAB_MIGRATE_MOVABLE)
		return pfn;

	/*
	 * From the zone's start, any block in the first half of the space
	 * between the scanners; later, only the first eighth, so that a
	 * block the free scanner may take from is not emptied.
	 */
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != zone->start)
		distance >>= 2;
	high_pfn = clab_pageblock_start_pfn(cc->migrate_pfn + distance);

	for (order = cc->order - 1;
	     order >= CLAB_COSTLY_ORDER && !found_block && nr_scanned < limit;
	     order--) {
		struct clab_free_area *area = &zone->free_area[order];
		struct list_head *freelist;
		struct clab_page *freepage;
		unsigned long flags;

		/* Racy peek: an empty order is not worth the lock. */
		if (!READ_ONCE(area->nr_free))
			continue;

		spin_lock_irqsave(&zone->lock, flags);
		freelist = &area->free_list[CLAB_MIGRATE_MOVABLE];
		list_for_each_entry(freepage, freelist, lru) {
			unsigned long free_pfn;

			if (nr_scanned++ >= limit) {
				clab_move_freelist_tail(freelist, freepage);
				break;
			}
			free_pfn = clab_page_to_idx(mem, freepage);
			if (free_pfn >= high_pfn)
				continue;
			/* Recently found, or found barren: leave it. */
			if (clab_get_pageblock_skip(mem, free_pfn))
				continue;

			clab_move_freelist_tail(freelist, freepage);
			clab_update_fast_start_pfn(cc, free_pfn);
			pfn = clab_pageblock_start_pfn(free_pfn);
			if (pfn < zone->start)
				pfn = zone->start;
			cc->fast_search_fail = 0;
			found_block = true;
			clab_set_pageblock_skip(mem, free_pfn);
			break;
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}

	cc->total_migrate_scanned += nr_scanned;

	if (!found_block) {
		cc->fast_search_fail++;
		pfn = clab_reinit_migrate_pfn(cc);
	}
	return pfn;
}
