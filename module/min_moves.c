// SPDX-License-Identifier: GPL-2.0
/*
 * min_moves.c - the min_moves compaction policy, beyond the kernel.
 *
 * The kernel's scanners move whatever the migrate scanner meets, from the
 * bottom of the zone up, until a block of the wanted order happens to come
 * free. min_moves instead looks at every aligned block of the target order,
 * picks the one that needs the fewest migrations (no unmovable page in it,
 * enough free pages elsewhere to take its pages), and moves exactly its
 * in-use pages. Targets come from the smallest free fragments outside it,
 * so that no other large free block is broken.
 *
 * For a whole-zone compaction (order -1) the target order is the pageblock
 * order, and blocks are emptied cheapest first until the fragments run out.
 */
#include <compactlab/policy.h>
#include <compactlab/owner.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"

#define CLAB_BLOCK_BLOCKED	(-1L)

/*
 * In-use pages of the aligned block [start, start + 2^order) that would
 * have to move, or CLAB_BLOCK_BLOCKED if one of them cannot. For
 * pageblock-sized blocks the pageblock counters answer without a scan.
 */
/*
 * The cost by looking at the block's pages, as isolation would: every
 * in-use block head in it (the in-use bitmap skips free memory, wherever
 * its buddy head is) must be a movable order-0 page with an owner; a block
 * that starts inside a larger allocation cannot be freed either.
 */
static long clab_block_cost_scan(struct clab_mem *mem, unsigned long start,
				 unsigned int order, unsigned long *scanned)
{
	unsigned long end = start + (1UL << order), pfn = start;
	long cost = 0;

	if (clab_page_test(clab_idx_to_page(mem, start), CLAB_PG_TAIL))
		return CLAB_BLOCK_BLOCKED;
	for (;; pfn++) {
		struct clab_page *page;

		pfn = find_next_bit(mem->inuse, end, pfn);
		if (pfn >= end)
			break;
		(*scanned)++;
		page = clab_idx_to_page(mem, pfn);
		if (!clab_page_test(page, CLAB_PG_HEAD) || page->order ||
		    page->migratetype != CLAB_MIGRATE_MOVABLE ||
		    clab_page_test(page, CLAB_PG_PINNED) || !READ_ONCE(page->owner))
			return CLAB_BLOCK_BLOCKED;
		cost++;
	}
	return cost;
}

/*
 * The cost of a block, quickly: pageblock counters for pageblock-sized
 * blocks (a page they count as movable may still turn out unable to move:
 * isolation then rejects the block), a page scan below.
 */
static long clab_block_cost(struct clab_mem *mem, unsigned long start,
			    unsigned int order, unsigned long *scanned)
{
	unsigned long end = start + (1UL << order), pfn;
	long cost = 0;

	if (order < CLAB_PAGEBLOCK_ORDER)
		return clab_block_cost_scan(mem, start, order, scanned);
	for (pfn = start; pfn < end; pfn += CLAB_PAGEBLOCK_PAGES) {
		struct clab_pageblock *pb = clab_idx_to_pageblock(mem, pfn);

		if (atomic_read(&pb->nr_alloc[CLAB_MIGRATE_UNMOVABLE]) ||
		    atomic_read(&pb->nr_alloc[CLAB_MIGRATE_RECLAIMABLE]))
			return CLAB_BLOCK_BLOCKED;
		cost += atomic_read(&pb->nr_alloc[CLAB_MIGRATE_MOVABLE]);
	}
	return cost;
}

/**
 * clab_min_moves_block_cost() - migrations needed to free an aligned block
 * @mem: the shadow memory
 * @start: first shadow PFN of the block, aligned to 1 << @order
 * @order: the block's order
 *
 * Looks at every page, as isolation would (racy against concurrent
 * allocation and freeing, as any snapshot).
 *
 * Return: the count of in-use movable pages in the block, or -1 when an
 * unmovable, pinned or ownerless page makes the block impossible to free.
 */
long clab_min_moves_block_cost(struct clab_mem *mem, unsigned long start,
			       unsigned int order)
{
	unsigned long scanned = 0;

	return clab_block_cost_scan(mem, start, order, &scanned);
}

/* The cheapest block to free that is not free already and not excluded. */
static unsigned long clab_find_cheapest_block(struct clab_compact_control *cc,
					      unsigned int order,
					      unsigned long *excluded,
					      long *best_cost)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_zone *zone = cc->zone;
	unsigned long size = 1UL << order, pfn, best = ULONG_MAX;
	unsigned long free_pages = READ_ONCE(zone->nr_free_pages);
	unsigned long reserve = zone->_watermark[CLAB_WMARK_MIN];

	*best_cost = LONG_MAX;
	for (pfn = ALIGN(zone->start, size); pfn + size <= zone->end; pfn += size) {
		long cost;

		if (test_bit((pfn - zone->start) >> order, excluded))
			continue;
		cost = clab_block_cost(mem, pfn, order, &cc->total_migrate_scanned);
		if (cost <= 0 || cost >= *best_cost)
			continue;
		/* Its pages must fit in free memory outside it, above min. */
		if ((unsigned long)cost + reserve + size > free_pages)
			continue;
		*best_cost = cost;
		best = pfn;
	}
	return best;
}

/* Is the page an order-0 movable page this compaction's mode may move? */
static bool clab_page_can_move(struct clab_compact_control *cc,
			       struct clab_page *page)
{
	if (!clab_page_test(page, CLAB_PG_HEAD) || page->order ||
	    page->migratetype != CLAB_MIGRATE_MOVABLE)
		return false;
	/* As the kernel's scanners: mlocked pages move only if allowed. */
	if (clab_page_test(page, CLAB_PG_UNEVICTABLE) &&
	    !READ_ONCE(clab_zone_mem_of(cc)->compact_unevictable_allowed))
		return false;
	return cc->mode == CLAB_MIGRATE_SYNC ||
	       (!clab_page_test(page, CLAB_PG_DIRTY) &&
		!clab_page_test(page, CLAB_PG_WRITEBACK));
}

/*
 * Isolate every in-use page of the block; false if one cannot be. A free
 * block held on a CPU's list is not in use, but keeps the block from
 * merging until the lists are drained (after the migration).
 */
static bool clab_isolate_block(struct clab_compact_control *cc,
			       unsigned long start, unsigned int order)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	unsigned long pfn, end = start + (1UL << order);

	for (pfn = start; pfn < end; pfn++) {
		struct clab_page *page = clab_idx_to_page(mem, pfn);
		struct clab_owner *owner;

		cc->total_migrate_scanned++;
		if (clab_page_is_buddy(page)) {
			unsigned int o = READ_ONCE(page->order);

			if (o <= CLAB_MAX_ORDER)
				pfn += (1UL << o) - 1;
			continue;
		}
		if (clab_page_test(page, CLAB_PG_PCP)) {
			unsigned int o = READ_ONCE(page->order);

			if (o <= CLAB_MAX_ORDER)
				pfn += (1UL << o) - 1;
			continue;
		}
		if (!clab_page_can_move(cc, page))
			return false;
		if (!clab_get_page_unless_zero(page))
			continue;	/* freed under us: one less to move */
		/*
		 * Freed and reallocated since the check? With the reference
		 * held the head, order and migratetype are stable: check
		 * again. A failure puts for real: the owner may have let go
		 * meanwhile, leaving ours the last reference.
		 */
		owner = READ_ONCE(page->owner);
		if (!clab_page_can_move(cc, page) || !owner || !owner->ops->move ||
		    test_and_set_bit(CLAB_PG_ISOLATED, &page->flags)) {
			clab_put_page(mem, page);
			return false;
		}
		list_add_tail(&page->lru, &cc->migratepages);
		cc->nr_migratepages++;
		cc->total_isolated++;
	}
	return true;
}

/*
 * Take cc->nr_migratepages targets from free fragments outside the block,
 * smallest orders first, MOVABLE blocks only (as the free scanner).
 */
static bool clab_isolate_fragments(struct clab_compact_control *cc,
				   unsigned long start, unsigned int order)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	struct clab_zone *zone = cc->zone;
	unsigned long end = start + (1UL << order), flags;
	unsigned int o;

	spin_lock_irqsave(&zone->lock, flags);
	for (o = 0; o < order && cc->nr_freepages < cc->nr_migratepages; o++) {
		struct list_head *list =
			&zone->free_area[o].free_list[CLAB_MIGRATE_MOVABLE];
		struct clab_page *page, *next;

		list_for_each_entry_safe(page, next, list, lru) {
			unsigned long pfn = clab_page_to_idx(mem, page), got;

			cc->total_free_scanned++;
			if (pfn >= start && pfn < end)
				continue;
			got = __clab_isolate_free_page(zone, page, o);
			if (!got)
				goto out;
			clab_prep_isolated_pages(mem, page, o, &cc->freepages);
			cc->nr_freepages += got;
			cc->total_isolated += got;
			if (cc->nr_freepages >= cc->nr_migratepages)
				break;
		}
	}
out:
	spin_unlock_irqrestore(&zone->lock, flags);
	return cc->nr_freepages >= cc->nr_migratepages;
}

static bool clab_zone_has_free_block(struct clab_zone *zone, unsigned int order)
{
	for (; order < CLAB_NR_ORDERS; order++)
		if (READ_ONCE(zone->free_area[order].nr_free))
			return true;
	return false;
}

/**
 * clab_compact_zone_min_moves() - compact a zone with the min_moves policy
 * @cc: the control, placed and checked by clab_compact_zone()
 *
 * It sweeps no range: its scanned counts are the pages it looked at to
 * cost and empty blocks, and it skips nothing (total_*_skipped stay 0);
 * its begin and end events carry the zone's bounds.
 *
 * Return: SUCCESS when a free block of the wanted order exists at the end
 * of an order-specific run, COMPLETE otherwise.
 */
enum clab_compact_result clab_compact_zone_min_moves(struct clab_compact_control *cc)
{
	bool whole = clab_is_via_compact_memory(cc->order);
	unsigned int order = whole ? CLAB_PAGEBLOCK_ORDER : cc->order;
	struct clab_zone *zone = cc->zone;
	unsigned long nr_blocks = (zone->end - zone->start) >> order;
	bool sync = cc->mode != CLAB_MIGRATE_ASYNC;
	enum clab_compact_result ret = CLAB_COMPACT_COMPLETE;
	unsigned long *excluded;

	excluded = kcalloc(BITS_TO_LONGS(nr_blocks + 1), sizeof(long), GFP_KERNEL);
	if (!excluded)
		return CLAB_COMPACT_CONTENDED;
	trace_mm_compaction_begin(zone->start, zone->start,
				  clab_pageblock_start_pfn(zone->end - 1),
				  zone->end, sync);
	for (;;) {
		unsigned long block;
		long cost;

		if (!whole && clab_zone_has_free_block(zone, order)) {
			ret = CLAB_COMPACT_SUCCESS;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = CLAB_COMPACT_CONTENDED;
			break;
		}
		block = clab_find_cheapest_block(cc, order, excluded, &cost);
		if (block == ULONG_MAX)
			break;
		set_bit((block - zone->start) >> order, excluded);
		if (!clab_isolate_block(cc, block, order) ||
		    !clab_isolate_fragments(cc, block, order)) {
			clab_putback_movable_pages(cc);
			clab_release_freepages(cc);
			continue;
		}
		trace_mm_compaction_isolate_migratepages(block, block + (1UL << order),
							 1UL << order,
							 cc->nr_migratepages);
		if (clab_migrate_pages(cc))
			clab_putback_movable_pages(cc);
		clab_release_freepages(cc);
		/*
		 * The pages it moved out wait on the lists of the CPUs it ran
		 * on, and its free pages may wait on any CPU's: all go back,
		 * to merge into the emptied block. This CPU's first, with the
		 * capture of a direct compactor.
		 */
		clab_drain_local_pages(zone, cc->capc);
		clab_drain_all_pages(clab_zone_mem_of(cc), zone);
		/* The block it emptied went to a direct compactor's capture. */
		if (cc->capc && READ_ONCE(cc->capc->page)) {
			ret = CLAB_COMPACT_SUCCESS;
			break;
		}
		cond_resched();
	}
	if (!whole && ret != CLAB_COMPACT_SUCCESS &&
	    clab_zone_has_free_block(zone, order))
		ret = CLAB_COMPACT_SUCCESS;
	kfree(excluded);
	clab_count_vm_events(CLAB_COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	clab_count_vm_events(CLAB_COMPACTFREE_SCANNED, cc->total_free_scanned);
	clab_count_vm_events(CLAB_COMPACTISOLATED, cc->total_isolated);
	trace_mm_compaction_end(zone->start, zone->end, zone->start, zone->end,
				sync, ret);
	return ret;
}

struct clab_policy_ops clab_policy_min_moves = {
	.name = "min_moves",
	.compact_zone = clab_compact_zone_min_moves,
};
