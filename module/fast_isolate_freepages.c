// SPDX-License-Identifier: GPL-2.0
/*
 * fast_isolate_freepages.c - the free scanner's fast path (Linux 6.1's
 * fast_isolate_freepages(), Mel Gorman, 5.1): before scanning pageblocks
 * linearly, look for a migration target in the MOVABLE free lists of the
 * orders below the request, preferring a block in the top quarter of the
 * space between the scanners and settling for the top half. Each search
 * looks at few entries (fewer after failures) and rotates the list so the
 * next one sees other entries first.
 */
#include <compactlab/compaction.h>
#include <compactlab/vmstat.h>

/*
 * Rotate @freelist so that @page comes first: the entries before it, which
 * a reverse search has not looked at yet, go to the tail, where the next
 * reverse search starts (the kernel's move_freelist_head()).
 */
static void clab_move_freelist_head(struct list_head *freelist,
				    struct clab_page *page)
{
	if (freelist->next != &page->lru)
		list_move_tail(freelist, &page->lru);
}

/*
 * Take the rest of the pageblock around a page the fast search isolated,
 * unless there are targets enough or this is async direct compaction; a
 * block that still leaves us short is marked skip, as full or nearly full
 * (the kernel's fast_isolate_around(), which sets the hint even when the
 * compaction ignores hints).
 */
static void clab_fast_isolate_around(struct clab_compact_control *cc,
				     unsigned long pfn)
{
	struct clab_zone *zone = cc->zone;
	unsigned long start_pfn, end_pfn;

	if (cc->nr_freepages >= cc->nr_migratepages)
		return;
	if (cc->direct_compaction && cc->mode == CLAB_MIGRATE_ASYNC)
		return;
	start_pfn = max(clab_pageblock_start_pfn(pfn), zone->start);
	end_pfn = min(clab_pageblock_end_pfn(pfn), zone->end);
	if (!clab_pageblock_pfn_to_page(zone, start_pfn, end_pfn))
		return;
	clab_isolate_freepages_range(cc, &start_pfn, end_pfn);
	if (cc->nr_freepages < cc->nr_migratepages)
		clab_set_pageblock_skip(clab_zone_mem_of(cc), pfn);
}

/*
 * The order to search after @order: the orders below cc->order, round
 * robin downwards. Returns -1 when the search came back to where it began,
 * which also moves the next search's first order one down (the kernel's
 * next_search_order()).
 */
static int clab_next_search_order(struct clab_compact_control *cc, int order)
{
	order--;
	if (order < 0)
		order = cc->order - 1;
	if (order == cc->search_order) {
		cc->search_order--;
		if (cc->search_order < 0)
			cc->search_order = cc->order - 1;
		return -1;
	}
	return order;
}

/*
 * Isolate a found free block: 1 << order targets, or none when the
 * watermark forbids it. Called with the zone lock held.
 */
static unsigned long clab_fast_isolate_page(struct clab_compact_control *cc,
					    struct clab_page *page,
					    unsigned int order)
{
	unsigned long nr_isolated;

	nr_isolated = __clab_isolate_free_page(cc->zone, page, order);
	if (!nr_isolated)
		return 0;
	clab_prep_isolated_pages(clab_zone_mem_of(cc), page, order,
				 &cc->freepages);
	cc->nr_freepages += nr_isolated;
	cc->total_isolated += nr_isolated;
	clab_count_vm_events(CLAB_COMPACTISOLATED, nr_isolated);
	return nr_isolated;
}

/**
 * clab_fast_isolate_freepages() - take targets from the free lists first
 * @cc: the compaction; cc->freepages is empty
 *
 * Linux 6.1's fast_isolate_freepages(), rule for rule. Only for a given
 * order above 0. The MOVABLE free lists of the orders below cc->order are
 * searched from their tails, starting at cc->search_order, for a block at
 * or above low_pfn (the top quarter of the space between the scanners);
 * failing that the highest one seen in the top half (above min_pfn) is
 * taken. A search looks at half of clab_freelist_scan_limit() entries (a
 * whole half pageblock's worth when the free scanner is at its start),
 * halved again for each candidate and for each following order. The list
 * searched is rotated so the next search sees other entries first. The
 * isolated block's pageblock is then scanned for more targets
 * (fast_isolate_around()).
 *
 * A search that isolates nothing counts in cc->fast_search_fail; at the
 * start of the free scanner it also moves cc->free_pfn down to the highest
 * block seen in the top half or, for direct compaction, to min_pfn, if
 * that is a valid pfn: once the free scanner has passed the migrate
 * scanner in the middle of a batch, the distance between them wraps and
 * min_pfn is far outside the arena (6.1 checks pfn_valid() and
 * pageblock_pfn_to_page() here, and so do we). The zone's cached free
 * position drops below the highest free block seen.
 *
 * Return: the pfn of the block the search settled on, or cc->free_pfn.
 */
unsigned long clab_fast_isolate_freepages(struct clab_compact_control *cc)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_zone *zone = cc->zone;
	unsigned int limit = max(1U, clab_freelist_scan_limit(cc) >> 1);
	unsigned long low_pfn, min_pfn, highest = 0, distance;
	unsigned long nr_scanned = 0;
	struct clab_page *page = NULL;
	bool scan_start = false;
	int order;

	/* compact_memory and proactive compaction pass order -1. */
	if (cc->order <= 0)
		return cc->free_pfn;

	/* Fresh from the top of the zone: search deeper. */
	if (cc->free_pfn >= zone->compact_init_free_pfn) {
		limit = CLAB_PAGEBLOCK_PAGES >> 1;
		scan_start = true;
	}

	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = clab_pageblock_start_pfn(cc->free_pfn - (distance >> 2));
	min_pfn = clab_pageblock_start_pfn(cc->free_pfn - (distance >> 1));
	if (WARN_ON_ONCE(min_pfn > low_pfn))
		low_pfn = min_pfn;

	/* Resume at the last order that worked, or the one after a failure. */
	if (!cc->search_order_set) {
		cc->search_order = cc->order;
		cc->search_order_set = true;
	}
	cc->search_order = min_t(unsigned int, cc->order - 1, cc->search_order);

	for (order = cc->search_order; !page && order >= 0;
	     order = clab_next_search_order(cc, order)) {
		struct clab_free_area *area = &zone->free_area[order];
		struct clab_page *freepage, *last = NULL;
		unsigned int order_scanned = 0;
		unsigned long high_pfn = 0;
		struct list_head *freelist, *pos;
		unsigned long flags;

		/* Racy peek: an empty order is not worth the lock. */
		if (!READ_ONCE(area->nr_free))
			continue;

		spin_lock_irqsave(&zone->lock, flags);
		freelist = &area->free_list[CLAB_MIGRATE_MOVABLE];
		for (pos = freelist->prev; pos != freelist; pos = pos->prev) {
			unsigned long pfn;

			freepage = list_entry(pos, struct clab_page, lru);
			last = freepage;
			order_scanned++;
			nr_scanned++;
			pfn = clab_page_to_idx(mem, freepage);

			if (pfn >= highest)
				highest = max(clab_pageblock_start_pfn(pfn),
					      zone->start);

			if (pfn >= low_pfn) {
				cc->fast_search_fail = 0;
				cc->search_order = order;
				page = freepage;
				break;
			}

			if (pfn >= min_pfn && pfn > high_pfn) {
				high_pfn = pfn;
				/* A candidate: look at fewer entries. */
				limit >>= 1;
			}

			if (order_scanned >= limit)
				break;
		}

		/* Settle for the best of the top half. */
		if (!page && high_pfn) {
			page = clab_idx_to_page(mem, high_pfn);
			last = page;
		}

		/*
		 * The next search starts past what this one looked at. A
		 * search that ran off the end leaves the list as it was.
		 */
		if (last && (page || pos != freelist))
			clab_move_freelist_head(freelist, last);

		if (page && !clab_fast_isolate_page(cc, page, order)) {
			/* The watermark forbids: end the search here. */
			order = cc->search_order + 1;
			page = NULL;
		} else if (page) {
			nr_scanned += (1UL << order) - 1;
		}
		spin_unlock_irqrestore(&zone->lock, flags);

		/* Keep the whole search near clab_freelist_scan_limit(). */
		if (order_scanned >= limit)
			limit = max(1U, limit >> 1);
	}

	if (!page) {
		cc->fast_search_fail++;
		if (scan_start) {
			/*
			 * Start the linear scan at the highest free block seen
			 * in the top half; failing that, direct compaction
			 * pessimistically starts at min_pfn.
			 */
			if (highest >= min_pfn) {
				page = clab_idx_to_page(mem, highest);
				cc->free_pfn = highest;
			} else if (cc->direct_compaction &&
				   clab_pfn_valid(mem, min_pfn)) {
				unsigned long end_pfn;

				end_pfn = min(clab_pageblock_end_pfn(min_pfn),
					      zone->end);
				page = clab_pageblock_pfn_to_page(zone, min_pfn,
								  end_pfn);
				cc->free_pfn = min_pfn;
			}
		}
	}

	if (highest && highest >= zone->compact_cached_free_pfn) {
		highest -= CLAB_PAGEBLOCK_PAGES;
		zone->compact_cached_free_pfn = highest;
	}

	cc->total_free_scanned += nr_scanned;
	if (!page)
		return cc->free_pfn;

	low_pfn = clab_page_to_idx(mem, page);
	clab_fast_isolate_around(cc, low_pfn);
	return low_pfn;
}
