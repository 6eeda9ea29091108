// SPDX-License-Identifier: GPL-2.0
/*
 * page_alloc.c - the shadow buddy allocator: free lists per order and
 * migratetype, split and merge, 6.1's per-CPU lists (orders 0 to 3 and the
 * pageblock order), the 6.1 fallback and stealing rules, the high-order
 * atomic reserve, and the order-aware watermark check.
 *
 * Lock order: per-CPU list lock, then zone lock.
 */
#include <compactlab/mmzone.h>
#include <compactlab/vmstat.h>
#include <compactlab/compaction.h>
#include "page_alloc_internal.h"

/* Where to look, in order, when a migratetype's lists are empty (6.1). */
const int clab_fallbacks[CLAB_MIGRATE_TYPES][3] = {
	[CLAB_MIGRATE_UNMOVABLE] = {
		CLAB_MIGRATE_RECLAIMABLE, CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_TYPES
	},
	[CLAB_MIGRATE_MOVABLE] = {
		CLAB_MIGRATE_RECLAIMABLE, CLAB_MIGRATE_UNMOVABLE, CLAB_MIGRATE_TYPES
	},
	[CLAB_MIGRATE_RECLAIMABLE] = {
		CLAB_MIGRATE_UNMOVABLE, CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_TYPES
	},
	[CLAB_MIGRATE_HIGHATOMIC]  = { CLAB_MIGRATE_TYPES },
	[CLAB_MIGRATE_CMA]         = { CLAB_MIGRATE_TYPES },
	[CLAB_MIGRATE_ISOLATE]     = { CLAB_MIGRATE_TYPES },
};

/**
 * clab_zone_batchsize() - pages moved between buddy and per-CPU lists
 * @zone: the zone
 *
 * The kernel's zone_batchsize(): about a quarter of 1/1024 of the zone,
 * at most 1 MiB worth, rounded to 2^n - 1 to avoid cache aliasing.
 *
 * Return: the batch, at least 1.
 */
int clab_zone_batchsize(const struct clab_zone *zone)
{
	unsigned long batch = min(zone->managed_pages >> 10,
				  (1UL << 20) / CLAB_PAGE_SIZE) / 4;

	if (batch < 1)
		batch = 1;
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return max(1UL, batch);
}

static bool clab_idx_in_zone(const struct clab_zone *zone, unsigned long idx)
{
	return idx >= zone->start && idx < zone->end;
}

/* Is the page at @idx the head of a free block of exactly @order? */
static bool clab_page_is_buddy_of_order(struct clab_mem *mem, unsigned long idx,
					unsigned int order)
{
	struct clab_page *page = clab_idx_to_page(mem, idx);

	return clab_page_is_buddy(page) && page->order == order;
}

void __clab_add_to_free_list(struct clab_zone *zone, struct clab_page *page,
			     unsigned int order, int migratetype, bool tail)
{
	struct clab_free_area *area = &zone->free_area[order];

	lockdep_assert_held(&zone->lock);
	page->order = order;
	page->migratetype = migratetype;
	__clab_page_set(page, CLAB_PG_BUDDY);
	if (tail)
		list_add_tail(&page->lru, &area->free_list[migratetype]);
	else
		list_add(&page->lru, &area->free_list[migratetype]);
	area->nr_free++;
	area->nr_free_mt[migratetype]++;
	if (migratetype != CLAB_MIGRATE_ISOLATE)
		zone->nr_free_pages += 1UL << order;
}

void __clab_del_from_free_list(struct clab_zone *zone, struct clab_page *page,
			       unsigned int order)
{
	struct clab_free_area *area = &zone->free_area[order];

	lockdep_assert_held(&zone->lock);
	list_del(&page->lru);
	__clab_page_clear(page, CLAB_PG_BUDDY);
	area->nr_free--;
	area->nr_free_mt[page->migratetype]--;
	if (page->migratetype != CLAB_MIGRATE_ISOLATE)
		zone->nr_free_pages -= 1UL << order;
}

void __clab_move_to_free_list(struct clab_zone *zone, struct clab_page *page,
			      unsigned int order, int migratetype)
{
	struct clab_free_area *area = &zone->free_area[order];
	int old = page->migratetype;

	lockdep_assert_held(&zone->lock);
	list_move_tail(&page->lru, &area->free_list[migratetype]);
	area->nr_free_mt[old]--;
	area->nr_free_mt[migratetype]++;
	if (old == CLAB_MIGRATE_ISOLATE && migratetype != CLAB_MIGRATE_ISOLATE)
		zone->nr_free_pages += 1UL << order;
	else if (old != CLAB_MIGRATE_ISOLATE && migratetype == CLAB_MIGRATE_ISOLATE)
		zone->nr_free_pages -= 1UL << order;
	page->migratetype = migratetype;
}

/*
 * Hand a block being freed to the direct compactor waiting for exactly its
 * order in its zone (the kernel's compaction_capture()): not from CMA or
 * isolated blocks, and not a small block from a movable pageblock, which
 * would let a small request pollute it.
 */
static bool clab_compaction_capture(struct clab_capture_control *capc,
				    struct clab_zone *zone, struct clab_page *page,
				    unsigned int order, int migratetype)
{
	if (!capc || !capc->cc || capc->page || capc->cc->zone != zone ||
	    order != (unsigned int)capc->cc->order)
		return false;
	if (migratetype == CLAB_MIGRATE_CMA || migratetype == CLAB_MIGRATE_ISOLATE)
		return false;
	if (order < CLAB_PAGEBLOCK_ORDER && migratetype == CLAB_MIGRATE_MOVABLE)
		return false;
	page->order = order;
	WRITE_ONCE(capc->page, page);
	return true;
}

/*
 * If the block we just freed and its buddy would merge one order up once
 * that order's buddy is freed, put it at the tail so it is not allocated
 * before that happens (the kernel's buddy_merge_likely()).
 */
static bool clab_buddy_merge_likely(struct clab_zone *zone, unsigned long idx,
				    unsigned long buddy_idx, unsigned int order)
{
	unsigned long higher, higher_buddy;

	if (order >= CLAB_MAX_ORDER - 1)
		return false;
	higher = buddy_idx & idx;
	higher_buddy = higher ^ (1UL << (order + 1));
	return clab_idx_in_zone(zone, higher_buddy) &&
	       clab_page_is_buddy_of_order(clab_zone_mem(zone), higher_buddy,
					   order + 1);
}

/**
 * __clab_free_one_page() - free a block into the buddy lists, merging
 * @zone: the zone, locked
 * @idx: arena index of the block's first page
 * @order: the block's order
 * @migratetype: the list to free to (the pageblock's type)
 * @to_tail: put the merged block at the tail of its list
 * @capc: a direct compactor's capture, or NULL
 *
 * Merges with free buddies up to CLAB_MAX_ORDER, but never across
 * pageblocks of different types when either is not mergeable (HIGHATOMIC,
 * CMA, ISOLATE). When the merged block reaches the order a direct
 * compactor waits for, it is handed to the compactor instead.
 */
void __clab_free_one_page(struct clab_zone *zone, unsigned long idx,
			  unsigned int order, int migratetype, bool to_tail,
			  struct clab_capture_control *capc)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	unsigned long buddy_idx = idx;

	lockdep_assert_held(&zone->lock);
	while (order < CLAB_MAX_ORDER) {
		if (clab_compaction_capture(capc, zone, clab_idx_to_page(mem, idx),
					    order, migratetype))
			return;
		buddy_idx = idx ^ (1UL << order);
		if (!clab_idx_in_zone(zone, buddy_idx) ||
		    !clab_page_is_buddy_of_order(mem, buddy_idx, order))
			break;
		if (order >= CLAB_PAGEBLOCK_ORDER) {
			int buddy_mt = clab_get_pageblock_migratetype(mem, buddy_idx);

			if (migratetype != buddy_mt &&
			    (!clab_migratetype_is_mergeable(migratetype) ||
			     !clab_migratetype_is_mergeable(buddy_mt)))
				break;
		}
		__clab_del_from_free_list(zone, clab_idx_to_page(mem, buddy_idx),
					  order);
		idx &= buddy_idx;
		order++;
	}
	if (!to_tail && buddy_idx != idx)
		to_tail = clab_buddy_merge_likely(zone, idx, buddy_idx, order);
	__clab_add_to_free_list(zone, clab_idx_to_page(mem, idx), order,
				migratetype, to_tail);
}

/* Split a block of order @high down to @low, freeing the upper halves. */
static void clab_expand(struct clab_zone *zone, unsigned long idx,
			unsigned int low, unsigned int high, int migratetype)
{
	struct clab_mem *mem = clab_zone_mem(zone);

	while (high > low) {
		high--;
		__clab_add_to_free_list(zone, clab_idx_to_page(mem, idx + (1UL << high)),
					high, migratetype, false);
	}
}

/* Take the smallest free block of @migratetype that fits @order. */
static struct clab_page *__clab_rmqueue_smallest(struct clab_zone *zone,
						 unsigned int order,
						 int migratetype)
{
	unsigned int current_order;

	for (current_order = order; current_order < CLAB_NR_ORDERS; current_order++) {
		struct clab_free_area *area = &zone->free_area[current_order];
		struct clab_page *page;

		if (clab_free_area_empty(area, migratetype))
			continue;
		page = list_first_entry(&area->free_list[migratetype],
					struct clab_page, lru);
		__clab_del_from_free_list(zone, page, current_order);
		clab_expand(zone, clab_page_to_idx(clab_zone_mem(zone), page),
			    order, current_order, migratetype);
		page->migratetype = migratetype;
		return page;
	}
	return NULL;
}

/**
 * clab_can_steal_fallback() - may a fallback take the whole pageblock?
 * @order: order of the free block found on the fallback list
 * @start_mt: the migratetype asked for
 *
 * Return: true for blocks of at least half a pageblock, and always for
 * unmovable and reclaimable requests (they should not scatter).
 */
bool clab_can_steal_fallback(unsigned int order, int start_mt)
{
	if (order >= CLAB_PAGEBLOCK_ORDER)
		return true;
	return order >= CLAB_PAGEBLOCK_ORDER / 2 ||
	       start_mt == CLAB_MIGRATE_RECLAIMABLE ||
	       start_mt == CLAB_MIGRATE_UNMOVABLE;
}

/**
 * clab_find_suitable_fallback() - the first fallback type with free blocks
 * @area: the free area of one order
 * @order: its order
 * @migratetype: the type asked for
 * @only_stealable: return only a type whose block may be stolen whole
 * @can_steal: set to whether the block may be stolen whole
 *
 * Return: the fallback migratetype, or -1.
 */
int clab_find_suitable_fallback(struct clab_free_area *area, unsigned int order,
				int migratetype, bool only_stealable,
				bool *can_steal)
{
	int i;

	*can_steal = false;
	if (!area->nr_free)
		return -1;
	for (i = 0; i < 3; i++) {
		int fallback_mt = clab_fallbacks[migratetype][i];

		if (fallback_mt == CLAB_MIGRATE_TYPES)
			break;
		if (clab_free_area_empty(area, fallback_mt))
			continue;
		if (clab_can_steal_fallback(order, migratetype))
			*can_steal = true;
		if (!only_stealable || *can_steal)
			return fallback_mt;
	}
	return -1;
}

static void clab_change_pageblock_range(struct clab_mem *mem, unsigned long idx,
					unsigned int order, int migratetype)
{
	unsigned long n = 1UL << (order - CLAB_PAGEBLOCK_ORDER);

	while (n--) {
		clab_set_pageblock_migratetype(mem, idx, migratetype);
		idx += CLAB_PAGEBLOCK_PAGES;
	}
}

/*
 * Move a fallback block to @start_type's lists; with @whole_block, take the
 * free pages of its whole pageblock too, and claim the pageblock when at
 * least half of it is free or already of a compatible kind (6.1's
 * steal_suitable_fallback()).
 */
static void clab_steal_suitable_fallback(struct clab_zone *zone,
					 struct clab_page *page,
					 unsigned int alloc_flags,
					 int start_type, bool whole_block)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	unsigned long idx = clab_page_to_idx(mem, page);
	unsigned int current_order = page->order;
	int old_block_type = clab_get_pageblock_migratetype(mem, idx);
	unsigned long free_pages, alike_pages;
	int movable_pages;

	if (old_block_type == CLAB_MIGRATE_HIGHATOMIC)
		goto single_page;
	if (current_order >= CLAB_PAGEBLOCK_ORDER) {
		clab_change_pageblock_range(mem, idx, current_order, start_type);
		goto single_page;
	}
	/* Boosted: kswapd is woken once the allocation is done. */
	if (clab_boost_watermark(zone) && (alloc_flags & CLAB_ALLOC_KSWAPD))
		WRITE_ONCE(zone->boosted_wake, true);
	if (!whole_block)
		goto single_page;
	free_pages = clab_move_freepages_block(zone, idx, start_type,
					       &movable_pages);
	if (!free_pages)
		goto single_page;
	if (start_type == CLAB_MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (old_block_type == CLAB_MIGRATE_MOVABLE)
		alike_pages = CLAB_PAGEBLOCK_PAGES - (free_pages + movable_pages);
	else
		alike_pages = 0;
	if (free_pages + alike_pages >= (1UL << (CLAB_PAGEBLOCK_ORDER - 1)))
		clab_set_pageblock_migratetype(mem, idx, start_type);
	return;

single_page:
	__clab_move_to_free_list(zone, page, current_order, start_type);
}

/*
 * Steal from another migratetype: the largest block first, so that the
 * pageblock is claimed and future requests of this type group there; but
 * for a movable request that may not claim, the smallest block instead, so
 * that no large block is broken for a few movable pages.
 */
static bool __clab_rmqueue_fallback(struct clab_zone *zone, unsigned int order,
				    int start_mt, unsigned int alloc_flags)
{
	struct clab_free_area *area;
	int current_order, fallback_mt = -1, min_order = order;
	struct clab_page *page;
	bool can_steal;

	/* Only whole pageblocks while another zone may still do (6.1). */
	if (order < CLAB_PAGEBLOCK_ORDER && (alloc_flags & CLAB_ALLOC_NOFRAGMENT))
		min_order = CLAB_PAGEBLOCK_ORDER;
	for (current_order = CLAB_MAX_ORDER; current_order >= min_order;
	     current_order--) {
		area = &zone->free_area[current_order];
		fallback_mt = clab_find_suitable_fallback(area, current_order,
							  start_mt, false,
							  &can_steal);
		if (fallback_mt == -1)
			continue;
		if (!can_steal && start_mt == CLAB_MIGRATE_MOVABLE &&
		    current_order > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;

find_smallest:
	for (current_order = order; current_order < CLAB_NR_ORDERS; current_order++) {
		area = &zone->free_area[current_order];
		fallback_mt = clab_find_suitable_fallback(area, current_order,
							  start_mt, false,
							  &can_steal);
		if (fallback_mt != -1)
			break;
	}
	if (WARN_ON_ONCE(fallback_mt == -1))
		return false;

do_steal:
	page = list_first_entry(&area->free_list[fallback_mt], struct clab_page,
				lru);
	clab_steal_suitable_fallback(zone, page, alloc_flags, start_mt, can_steal);
	return true;
}

static struct clab_page *__clab_rmqueue(struct clab_zone *zone,
					unsigned int order, int migratetype,
					unsigned int alloc_flags)
{
	struct clab_page *page;

	for (;;) {
		page = __clab_rmqueue_smallest(zone, order, migratetype);
		if (page || (alloc_flags & CLAB_ALLOC_NOFALLBACK))
			return page;
		if (!__clab_rmqueue_fallback(zone, order, migratetype, alloc_flags))
			return NULL;
	}
}

/* Fill a per-CPU list with up to @count blocks of @order (6.1's rmqueue_bulk()). */
static int clab_rmqueue_bulk(struct clab_zone *zone, unsigned int order,
			     int count, struct list_head *list, int migratetype,
			     unsigned int alloc_flags)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&zone->lock, flags);
	for (i = 0; i < count; i++) {
		struct clab_page *page = __clab_rmqueue(zone, order, migratetype,
							alloc_flags);

		if (!page)
			break;
		page->migratetype = migratetype;
		page->order = order;
		__clab_page_set(page, CLAB_PG_PCP);
		list_add_tail(&page->lru, list);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return i;
}

/*
 * The CPU whose per-CPU lists the caller uses: its own, or for the live
 * mirror's worker the CPU of the kernel event it replays (mem->pcp_task).
 * Preemption is off until put_cpu(), as for get_cpu().
 */
static int clab_get_pcp_cpu(struct clab_mem *mem)
{
	int cpu = get_cpu();

	if (READ_ONCE(mem->pcp_task) == current)
		cpu = READ_ONCE(mem->pcp_cpu);
	return cpu;
}

/*
 * Does an empty list take one block, not a batch? The live mirror's replay
 * of a kernel allocation does, when it follows the kernel's per-CPU lists
 * (mem->pcp_take_one): the kernel's refills come as events of their own
 * (clab_refill_pcp_block()), and one the kernel made without an event
 * (6.12 refills from a claimed pageblock so) is made up one block at a time.
 */
static bool clab_pcp_refills_followed(struct clab_mem *mem)
{
	return READ_ONCE(mem->pcp_take_one) && READ_ONCE(mem->pcp_task) == current;
}

/*
 * Take a block of @order from this CPU's list for @migratetype, refilling
 * an empty list from the buddy lists (6.1's rmqueue_pcplist()). An
 * allocation halves the free factor that bulk frees scale with.
 */
static struct clab_page *clab_rmqueue_pcplist(struct clab_zone *zone,
					      unsigned int order,
					      int migratetype,
					      unsigned int alloc_flags)
{
	struct clab_per_cpu_pages *pcp;
	struct clab_page *page = NULL;
	struct list_head *list;

	pcp = per_cpu_ptr(zone->pcp, clab_get_pcp_cpu(clab_zone_mem(zone)));
	spin_lock(&pcp->lock);
	pcp->free_factor >>= 1;
	list = &pcp->lists[clab_order_to_pindex(migratetype, order)];
	if (list_empty(list)) {
		int batch = READ_ONCE(pcp->batch);

		/* A batch is scaled down by the order, to at least 2 blocks. */
		if (batch > 1)
			batch = max(batch >> order, 2);
		if (clab_pcp_refills_followed(clab_zone_mem(zone)))
			batch = 1;
		pcp->count += clab_rmqueue_bulk(zone, order, batch, list,
						migratetype, alloc_flags) << order;
	}
	if (!list_empty(list)) {
		page = list_first_entry(list, struct clab_page, lru);
		list_del(&page->lru);
		__clab_page_clear(page, CLAB_PG_PCP);
		pcp->count -= 1 << order;
	}
	spin_unlock(&pcp->lock);
	put_cpu();
	return page;
}

/* Make a pageblock part of the high-order atomic reserve (~1% of the zone). */
static void clab_reserve_highatomic_pageblock(struct clab_zone *zone,
					      struct clab_page *page)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	unsigned long idx = clab_page_to_idx(mem, page), flags, max_managed;
	int mt;

	max_managed = zone->managed_pages / 100 + CLAB_PAGEBLOCK_PAGES;
	if (READ_ONCE(zone->nr_reserved_highatomic) >= max_managed)
		return;
	spin_lock_irqsave(&zone->lock, flags);
	if (zone->nr_reserved_highatomic >= max_managed)
		goto out_unlock;
	mt = clab_get_pageblock_migratetype(mem, idx);
	if (clab_migratetype_is_mergeable(mt)) {
		zone->nr_reserved_highatomic += CLAB_PAGEBLOCK_PAGES;
		clab_set_pageblock_migratetype(mem, idx, CLAB_MIGRATE_HIGHATOMIC);
		clab_move_freepages_block(zone, idx, CLAB_MIGRATE_HIGHATOMIC, NULL);
	}
out_unlock:
	spin_unlock_irqrestore(&zone->lock, flags);
}

static struct clab_page *clab_rmqueue_buddy(struct clab_zone *zone,
					    unsigned int order, int migratetype,
					    unsigned int alloc_flags)
{
	struct clab_page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	if (order && (alloc_flags & CLAB_ALLOC_HIGHATOMIC))
		page = __clab_rmqueue_smallest(zone, order, CLAB_MIGRATE_HIGHATOMIC);
	if (!page) {
		page = __clab_rmqueue(zone, order, migratetype, alloc_flags);
		if (!page && (alloc_flags & (CLAB_ALLOC_OOM | CLAB_ALLOC_NON_BLOCK)))
			page = __clab_rmqueue_smallest(zone, order,
						       CLAB_MIGRATE_HIGHATOMIC);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return page;
}

static struct clab_page *clab_rmqueue(struct clab_zone *zone, unsigned int order,
				      int migratetype, unsigned int alloc_flags)
{
	struct clab_page *page;

	/*
	 * Orders 0 to 3 and the pageblock order come from the per-CPU lists;
	 * a list that cannot be refilled falls back on the buddy lists (and
	 * their highatomic reserve), as 6.1's rmqueue() does.
	 */
	if (clab_pcp_allowed_order(order) && migratetype < CLAB_MIGRATE_PCPTYPES) {
		page = clab_rmqueue_pcplist(zone, order, migratetype, alloc_flags);
		if (page)
			return page;
	}
	return clab_rmqueue_buddy(zone, order, migratetype, alloc_flags);
}

/**
 * clab_zone_watermark_ok() - the kernel's __zone_watermark_ok()
 * @zone: the zone
 * @order: the order asked for
 * @mark: the watermark in pages
 * @highest_zoneidx: the highest zone the request may use (lowmem reserve)
 * @alloc_flags: CLAB_ALLOC_* flags
 * @free_pages: the zone's free pages to judge by
 *
 * Enough free pages above the mark (less the reserves this request may not
 * use), and for order > 0 a free block of at least @order on a list the
 * request may use.
 *
 * Return: true if the allocation may proceed.
 */
bool clab_zone_watermark_ok(struct clab_zone *zone, unsigned int order,
			    unsigned long mark, int highest_zoneidx,
			    unsigned int alloc_flags, long free_pages)
{
	long min = mark;
	unsigned int o;
	int mt;

	free_pages -= (1L << order) - 1;
	if (!(alloc_flags & CLAB_ALLOC_RESERVES))
		free_pages -= READ_ONCE(zone->nr_reserved_highatomic);
	if (alloc_flags & CLAB_ALLOC_RESERVES) {
		if (alloc_flags & CLAB_ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & CLAB_ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & CLAB_ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + zone->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (o = order; o < CLAB_NR_ORDERS; o++) {
		struct clab_free_area *area = &zone->free_area[o];

		if (!READ_ONCE(area->nr_free))
			continue;
		for (mt = 0; mt < CLAB_MIGRATE_PCPTYPES; mt++)
			if (READ_ONCE(area->nr_free_mt[mt]))
				return true;
		if ((alloc_flags & (CLAB_ALLOC_HIGHATOMIC | CLAB_ALLOC_OOM)) &&
		    READ_ONCE(area->nr_free_mt[CLAB_MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

/*
 * Atomic order-0 requests ignore the watermark boost at the min mark, the
 * point where kswapd has long been woken (the kernel's zone_watermark_fast()).
 */
static bool clab_atomic_ignores_boost(struct clab_zone *zone, unsigned int order,
				      unsigned int gfp, unsigned int alloc_flags)
{
	if (order || !(gfp & CLAB_GFP_ATOMIC) || !READ_ONCE(zone->watermark_boost) ||
	    (alloc_flags & CLAB_ALLOC_WMARK_MASK) != CLAB_ALLOC_WMARK_MIN)
		return false;
	return clab_zone_watermark_ok(zone, 0, zone->_watermark[CLAB_WMARK_MIN],
				      clab_gfp_highest_zoneidx(gfp), alloc_flags,
				      READ_ONCE(zone->nr_free_pages));
}

/*
 * The zones a request may use, in the order it should try them (6.1's
 * node-ordered zonelist): its own node first, from the highest zone the
 * gfp allows down to DMA (MOVABLE only for a movable request), then each
 * other node the same way.
 */
struct clab_zone *clab_next_zone(struct clab_mem *mem, int nid,
				 unsigned int gfp, unsigned int *cursor)
{
	bool movable = (gfp & CLAB_GFP_MOVABLE_ZONE) &&
		       clab_gfp_migratetype(gfp) == CLAB_MIGRATE_MOVABLE;
	unsigned int nodes = (gfp & CLAB_GFP_THISNODE) ? 1 : mem->nr_nodes;
	int highest = clab_gfp_highest_zoneidx(gfp);

	while (*cursor < nodes * CLAB_MAX_NR_ZONES) {
		unsigned int n = *cursor / CLAB_MAX_NR_ZONES;
		int type = highest - (int)(*cursor % CLAB_MAX_NR_ZONES);
		struct clab_node *node = &mem->nodes[(nid + n) % mem->nr_nodes];

		(*cursor)++;
		if (type < 0 || (type == CLAB_ZONE_MOVABLE && !movable))
			continue;
		if (clab_zone_is_populated(&node->zones[type]))
			return &node->zones[type];
	}
	return NULL;
}

/*
 * 6.1's alloc_flags_nofragment(): ALLOC_KSWAPD as the gfp says, and
 * ALLOC_NOFRAGMENT when the request's preferred zone (the first of its
 * zonelist) is NORMAL and, on a machine of several nodes, the node's DMA32
 * zone has pages: a fallback then steals only whole pageblocks until
 * every zone failed (or a remote node is next), so that the DMA32 zone's
 * free pages are taken before a NORMAL pageblock is mixed.
 */
unsigned int clab_alloc_flags_nofragment(struct clab_mem *mem, int nid,
					 unsigned int gfp)
{
	unsigned int alloc_flags = 0, cursor = 0;
	struct clab_zone *preferred;

	if (gfp & CLAB_GFP_KSWAPD_RECLAIM)
		alloc_flags |= CLAB_ALLOC_KSWAPD;
	preferred = clab_next_zone(mem, nid, gfp, &cursor);
	if (!preferred || preferred->type != CLAB_ZONE_NORMAL)
		return alloc_flags;
	if (mem->nr_nodes > 1 &&
	    !clab_zone_is_populated(&preferred->node->zones[CLAB_ZONE_DMA32]))
		return alloc_flags;
	return alloc_flags | CLAB_ALLOC_NOFRAGMENT;
}

struct clab_page *clab_get_page_from_freelist(struct clab_mem *mem, int nid,
					      unsigned int gfp, unsigned int order,
					      unsigned int alloc_flags)
{
	int highest = clab_gfp_highest_zoneidx(gfp);
	int mt = clab_gfp_migratetype(gfp);
	struct clab_zone *zone, *preferred;
	unsigned int cursor;
	bool no_fallback;

retry:
	no_fallback = alloc_flags & CLAB_ALLOC_NOFRAGMENT;
	cursor = 0;
	preferred = NULL;
	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		struct clab_page *page;

		if (!preferred)
			preferred = zone;
		/* Locality before fragmentation avoidance: not remotely. */
		if (no_fallback && mem->nr_nodes > 1 &&
		    zone->node != preferred->node) {
			alloc_flags &= ~CLAB_ALLOC_NOFRAGMENT;
			goto retry;
		}
		if (!(alloc_flags & CLAB_ALLOC_NO_WATERMARKS)) {
			unsigned long mark = clab_wmark_pages(zone,
					alloc_flags & CLAB_ALLOC_WMARK_MASK);

			if (!clab_zone_watermark_ok(zone, order, mark, highest,
						    alloc_flags,
						    READ_ONCE(zone->nr_free_pages)) &&
			    !clab_atomic_ignores_boost(zone, order, gfp, alloc_flags))
				continue;
		}
		page = clab_rmqueue(zone, order, mt, alloc_flags);
		/*
		 * 6.1's rmqueue() wakes kswapd for a boost with no gfp mask
		 * and order 0, whatever the request was.
		 */
		if (unlikely(READ_ONCE(zone->boosted_wake))) {
			WRITE_ONCE(zone->boosted_wake, false);
			clab_wakeup_kswapd(zone->node, 0, 0, zone->type);
		}
		if (page) {
			if (order && (alloc_flags & CLAB_ALLOC_HIGHATOMIC))
				clab_reserve_highatomic_pageblock(zone, page);
			return page;
		}
	}
	/* Every zone would have fragmented: try again, allowing it. */
	if (no_fallback) {
		alloc_flags &= ~CLAB_ALLOC_NOFRAGMENT;
		goto retry;
	}
	return NULL;
}

/* Account a block handed to or taken back from a client in its pageblocks. */
static void clab_account_block(struct clab_mem *mem, unsigned long idx,
			       unsigned int order, int mt, int sign)
{
	unsigned long left = 1UL << order;

	while (left) {
		struct clab_pageblock *pb = clab_idx_to_pageblock(mem, idx);
		unsigned long n = min(left, CLAB_PAGEBLOCK_PAGES);

		atomic_sub(sign * (int)n, &pb->nr_free);
		atomic_add(sign * (int)n, &pb->nr_alloc[mt]);
		left -= n;
		idx += n;
	}
}

/**
 * clab_prep_claimed_block() - make pages nobody holds an allocated block
 * @mem: the shadow memory
 * @page: the block's first page; the block's pages are off every list
 *	(taken with clab_take_free_pages(), or just allocated)
 * @order: the block's order
 * @mt: the migratetype it is allocated with
 *
 * The block gets one reference, no owner, and is counted in its
 * pageblocks; no event is counted and nothing is cleared.
 */
void clab_prep_claimed_block(struct clab_mem *mem, struct clab_page *page,
			     unsigned int order, int mt)
{
	unsigned long idx = clab_page_to_idx(mem, page), i;

	page->flags = BIT(CLAB_PG_HEAD);
	page->order = order;
	page->migratetype = mt;
	page->owner = NULL;
	page->private = 0;
	/*
	 * Publish head, order and type before the reference: a scanner that
	 * takes a reference (get_page_unless_zero) then reads them stable.
	 */
	atomic_set_release(&page->refcount, 1);
	set_bit(idx, mem->inuse);
	for (i = 1; i < (1UL << order); i++) {
		struct clab_page *tail = page + i;

		tail->flags = BIT(CLAB_PG_TAIL);
		tail->migratetype = mt;
		tail->owner = NULL;
	}
	clab_account_block(mem, idx, order, mt, 1);
}

static void clab_prep_new_page(struct clab_mem *mem, struct clab_page *page,
			       unsigned int order, unsigned int gfp)
{
	unsigned long idx = clab_page_to_idx(mem, page), i;

	clab_prep_claimed_block(mem, page, order, clab_gfp_migratetype(gfp));
	/*
	 * clear_page() per page, as the kernel's __GFP_ZERO; a virtual
	 * arena has nothing to clear.
	 */
	if ((gfp & CLAB_GFP_ZERO) && clab_arena_has_contents(mem->arena))
		for (i = 0; i < (1UL << order); i++)
			clab_clear_page(clab_arena_page_address(mem->arena,
								idx + i));
	clab_count_vm_events(CLAB_PGALLOC_DMA + clab_idx_to_zone(mem, idx)->type,
			     1L << order);
}

/*
 * The kernel's gfp_to_alloc_flags(), for the retry after the fast path:
 * whatever cannot reclaim directly (GFP_ATOMIC, GFP_NOWAIT) is NON_BLOCK,
 * and with __GFP_HIGH an order > 0 request may reserve a highatomic block.
 */
unsigned int clab_gfp_to_alloc_flags(unsigned int gfp, unsigned int order)
{
	unsigned int alloc_flags = CLAB_ALLOC_WMARK_MIN;

	if (gfp & CLAB_GFP_KSWAPD_RECLAIM)
		alloc_flags |= CLAB_ALLOC_KSWAPD;
	if (gfp & CLAB_GFP_HIGH)
		alloc_flags |= CLAB_ALLOC_MIN_RESERVE;
	if (!(gfp & CLAB_GFP_DIRECT_RECLAIM)) {
		alloc_flags |= CLAB_ALLOC_NON_BLOCK;
		if (order > 0 && (alloc_flags & CLAB_ALLOC_MIN_RESERVE))
			alloc_flags |= CLAB_ALLOC_HIGHATOMIC;
	}
	if (gfp & CLAB_GFP_NOFALLBACK)
		alloc_flags |= CLAB_ALLOC_NOFALLBACK;
	if (gfp & CLAB_GFP_NO_WMARK)
		alloc_flags |= CLAB_ALLOC_NO_WATERMARKS;
	return alloc_flags;
}

/**
 * clab_alloc_pages() - allocate a block of 2^order arena pages
 * @mem: the shadow memory
 * @nid: the preferred node
 * @gfp: CLAB_GFP_* flags: the migratetype, the zones and reserves allowed
 * @order: 0 .. CLAB_MAX_ORDER
 *
 * The fast path at the low watermark; then the slowpath (reclaim,
 * compaction, retries; see alloc_slowpath.c) as far as @gfp allows.
 *
 * Return: the head page of the block, or NULL.
 */
struct clab_page *clab_alloc_pages(struct clab_mem *mem, int nid,
				   unsigned int gfp, unsigned int order)
{
	unsigned int alloc_flags = CLAB_ALLOC_WMARK_LOW;
	int mt = clab_gfp_migratetype(gfp);
	struct clab_page *page;

	might_sleep_if(gfp & CLAB_GFP_DIRECT_RECLAIM);

	if (WARN_ON_ONCE(order > CLAB_MAX_ORDER || mt >= CLAB_MIGRATE_PCPTYPES))
		return NULL;
	if (nid < 0 || nid >= (int)mem->nr_nodes)
		nid = 0;
	if (gfp & CLAB_GFP_NOFALLBACK)
		alloc_flags |= CLAB_ALLOC_NOFALLBACK;
	alloc_flags |= clab_alloc_flags_nofragment(mem, nid, gfp);
	page = clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
	if (!page)
		page = __clab_alloc_pages_slowpath(mem, nid, gfp, order);
	if (page)
		clab_prep_new_page(mem, page, order, gfp);
	return page;
}

/*
 * Give the last block of @list, of @order, back to the buddy lists: to the
 * free list of its ->migratetype, or ISOLATE's when its pageblock is
 * isolated. Both locks held.
 */
static void clab_pcp_free_last(struct clab_zone *zone,
			       struct clab_per_cpu_pages *pcp,
			       struct list_head *list, unsigned int order,
			       struct clab_capture_control *capc)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	struct clab_page *page;
	unsigned long idx;
	int free_mt;

	lockdep_assert_held(&pcp->lock);
	lockdep_assert_held(&zone->lock);
	page = list_last_entry(list, struct clab_page, lru);
	list_del(&page->lru);
	__clab_page_clear(page, CLAB_PG_PCP);
	pcp->count -= 1 << order;
	idx = clab_page_to_idx(mem, page);
	free_mt = page->migratetype;
	if (clab_get_pageblock_migratetype(mem, idx) == CLAB_MIGRATE_ISOLATE)
		free_mt = CLAB_MIGRATE_ISOLATE;
	__clab_free_one_page(zone, idx, order, free_mt, false, capc);
}

/*
 * Give at least @count pages of a per-CPU list set back to the buddy lists
 * (6.1's free_pcppages_bulk()): the lists are taken round-robin from
 * @pindex on, each for as many blocks as it holds and @count still asks
 * for, whole blocks only. @capc: the capture of the direct compactor doing
 * it, or NULL (6.1's __free_one_page() captures through task_capc() on
 * this path too).
 */
static void clab_free_pcppages_bulk(struct clab_zone *zone, int count,
				    struct clab_per_cpu_pages *pcp,
				    unsigned int pindex,
				    struct clab_capture_control *capc)
{
	int min_pindex = 0, max_pindex = CLAB_NR_PCP_LISTS - 1;
	unsigned long flags;
	int p = (int)pindex - 1;

	lockdep_assert_held(&pcp->lock);
	count = min(count, pcp->count);
	spin_lock_irqsave(&zone->lock, flags);
	while (count > 0) {
		struct list_head *list;
		unsigned int order;

		for (;;) {
			if (++p > max_pindex)
				p = min_pindex;
			list = &pcp->lists[p];
			if (!list_empty(list))
				break;
			/* An empty list at either end narrows the walk. */
			if (p == max_pindex)
				max_pindex--;
			if (p == min_pindex)
				min_pindex++;
		}
		order = clab_pindex_to_order(p);
		do {
			clab_pcp_free_last(zone, pcp, list, order, capc);
			count -= 1 << order;
		} while (count > 0 && !list_empty(list));
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * Does a replayed per-CPU list event name a list the arena has: a possible
 * CPU, an order the lists take, a migratetype with lists?
 */
static bool clab_is_pcp_event_valid(int cpu, unsigned int order, int mt)
{
	return clab_pcp_allowed_order(order) && mt >= 0 &&
	       mt < CLAB_MIGRATE_PCPTYPES && cpu >= 0 && cpu < nr_cpu_ids &&
	       cpu_possible(cpu);
}

/**
 * clab_drain_pcp_block() - give a CPU's oldest block of an order back
 * @mem: the shadow memory
 * @cpu: the CPU whose lists give it
 * @order: the block's order (clab_pcp_allowed_order())
 * @mt: the list's migratetype, below CLAB_MIGRATE_PCPTYPES
 *
 * The live mirror's replay of one page of the kernel's bulk free
 * (mm_page_pcpu_drain): the last block of the list, the oldest, which
 * 6.1's free_pcppages_bulk() takes first, goes to the buddy lists. When
 * that list is empty, another list of the order gives its last block. The
 * first zone of the arena holding such a block gives it.
 *
 * Return: true if a block was given back.
 */
bool clab_drain_pcp_block(struct clab_mem *mem, int cpu, unsigned int order,
			  int mt)
{
	struct clab_node *node;
	struct clab_zone *zone;

	if (!clab_is_pcp_event_valid(cpu, order, mt))
		return false;
	clab_for_each_populated_zone(mem, node, zone) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct list_head *list = NULL;
		unsigned long flags;
		int t;

		spin_lock(&pcp->lock);
		for (t = 0; t < CLAB_MIGRATE_PCPTYPES; t++) {
			/* The event's own list first, then the others. */
			int lt = t ? (mt + t) % CLAB_MIGRATE_PCPTYPES : mt;

			list = &pcp->lists[clab_order_to_pindex(lt, order)];
			if (!list_empty(list))
				break;
		}
		if (t == CLAB_MIGRATE_PCPTYPES) {
			spin_unlock(&pcp->lock);
			continue;
		}
		spin_lock_irqsave(&zone->lock, flags);
		clab_pcp_free_last(zone, pcp, list, order, NULL);
		spin_unlock_irqrestore(&zone->lock, flags);
		spin_unlock(&pcp->lock);
		return true;
	}
	return false;
}

/**
 * clab_refill_pcp_block() - put one block of the buddy lists on a CPU's list
 * @mem: the shadow memory
 * @cpu: the CPU whose list takes it
 * @order: the block's order (clab_pcp_allowed_order())
 * @mt: the list's migratetype, below CLAB_MIGRATE_PCPTYPES
 *
 * The live mirror's replay of one block of the kernel's refill of a per-CPU
 * list (mm_page_alloc_zone_locked, percpu_refill): the shadow takes a block
 * by its own rules (6.1's __rmqueue(), fallback and stealing included), at
 * the tail of the list, as 6.1's rmqueue_bulk() does; no watermark is
 * checked, as the kernel checked its own before refilling. The first zone
 * of the arena that has such a block gives it.
 *
 * Return: true if a block went to the list.
 */
bool clab_refill_pcp_block(struct clab_mem *mem, int cpu, unsigned int order,
			   int mt)
{
	struct clab_node *node;
	struct clab_zone *zone;

	if (!clab_is_pcp_event_valid(cpu, order, mt))
		return false;
	clab_for_each_populated_zone(mem, node, zone) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);
		int got;

		spin_lock(&pcp->lock);
		got = clab_rmqueue_bulk(zone, order, 1,
					&pcp->lists[clab_order_to_pindex(mt, order)],
					mt, 0);
		pcp->count += got << order;
		spin_unlock(&pcp->lock);
		if (got)
			return true;
	}
	return false;
}

/*
 * The list set's high mark for this free (6.1's nr_pcp_high()): 0 (free
 * everything) for a batch of order-1 to 3 frees; lowered to 4 batches
 * while kswapd balances the zone.
 */
static int clab_nr_pcp_high(struct clab_per_cpu_pages *pcp,
			    struct clab_zone *zone, bool free_high)
{
	int high = READ_ONCE(pcp->high);

	if (!high || free_high)
		return 0;
	if (!READ_ONCE(zone->reclaim_active))
		return high;
	return min(READ_ONCE(pcp->batch) << 2, high);
}

/*
 * How many pages a free over the high mark gives back (6.1's
 * nr_pcp_free()): everything for a batch of order-1 to 3 frees, else a
 * batch doubled for each free since the last allocation, leaving at least
 * a batch on the lists.
 */
static int clab_nr_pcp_free(struct clab_per_cpu_pages *pcp, int high,
			    int batch, bool free_high)
{
	int min_nr_free, max_nr_free;

	if (free_high)
		return pcp->count;
	if (high < batch)
		return 1;
	min_nr_free = batch;
	max_nr_free = high - batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr_free && pcp->free_factor < CLAB_PCP_BATCH_SCALE_MAX)
		pcp->free_factor++;
	return clamp(batch, min_nr_free, max_nr_free);
}

/*
 * Does this free wait on the list past the high mark? The live mirror's
 * replay of a kernel free does, when it follows the kernel's bulk frees
 * (mem->pcp_hold): the kernel's mm_page_pcpu_drain events give the blocks
 * back (clab_drain_pcp_block()), the high mark does not.
 */
static bool clab_pcp_held(struct clab_mem *mem)
{
	return READ_ONCE(mem->pcp_hold) && READ_ONCE(mem->pcp_task) == current;
}

/*
 * Put a freed block of a pageblock of type @mt on this CPU's list (6.1's
 * free_unref_page() and free_unref_page_commit()). Types without a list
 * (HIGHATOMIC) use the MOVABLE one; the block keeps @mt in ->migratetype,
 * which the bulk free uses, so a HIGHATOMIC page returns to the HIGHATOMIC
 * free list.
 */
static void clab_free_unref_page(struct clab_zone *zone, struct clab_page *page,
				 unsigned int order, int mt,
				 struct clab_capture_control *capc)
{
	int list_mt = mt < CLAB_MIGRATE_PCPTYPES ? mt : CLAB_MIGRATE_MOVABLE;
	unsigned int pindex = clab_order_to_pindex(list_mt, order);
	struct clab_per_cpu_pages *pcp;
	bool free_high;
	int high;

	pcp = per_cpu_ptr(zone->pcp, clab_get_pcp_cpu(clab_zone_mem(zone)));
	spin_lock(&pcp->lock);
	page->migratetype = mt;
	page->order = order;
	__clab_page_set(page, CLAB_PG_PCP);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	/*
	 * Order-1 to 3 blocks freed with no allocation in between are taken
	 * for the start of a run of frees: they all go back.
	 */
	free_high = pcp->free_factor && order && order <= CLAB_COSTLY_ORDER;
	high = clab_nr_pcp_high(pcp, zone, free_high);
	if (pcp->count >= high && !clab_pcp_held(clab_zone_mem(zone)))
		clab_free_pcppages_bulk(zone,
					clab_nr_pcp_free(pcp, high,
							 READ_ONCE(pcp->batch),
							 free_high),
					pcp, pindex, capc);
	spin_unlock(&pcp->lock);
	put_cpu();
}

static void clab_free_one_page(struct clab_zone *zone, unsigned long idx,
			       unsigned int order, int migratetype,
			       struct clab_capture_control *capc)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	__clab_free_one_page(zone, idx, order, migratetype, false, capc);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* Free a block whose last reference is gone. */
static void __clab_free_pages(struct clab_mem *mem, struct clab_page *page,
			      unsigned int order,
			      struct clab_capture_control *capc)
{
	unsigned long idx = clab_page_to_idx(mem, page), i;
	struct clab_zone *zone = clab_idx_to_zone(mem, idx);
	int mt;

	if (clab_page_test(page, CLAB_PG_LRU))
		__clab_lru_del(mem, page);
	clab_account_block(mem, idx, order, page->migratetype, -1);
	clear_bit(idx, mem->inuse);
	for (i = 0; i < (1UL << order); i++) {
		page[i].flags = 0;
		page[i].owner = NULL;
	}
	clab_count_vm_events(CLAB_PGFREE, 1L << order);

	/*
	 * Orders 0 to 3 and the pageblock order wait on this CPU's list,
	 * HIGHATOMIC (and other non-PCP) blocks on the MOVABLE one; blocks of
	 * ISOLATE pageblocks and other orders go to the buddy lists at once.
	 */
	mt = clab_get_pageblock_migratetype(mem, idx);
	if (!clab_pcp_allowed_order(order) || mt == CLAB_MIGRATE_ISOLATE) {
		clab_free_one_page(zone, idx, order, mt, capc);
		return;
	}
	clab_free_unref_page(zone, page, order, mt, capc);
}

/**
 * clab_free_pages() - drop the allocation's reference to a block
 * @mem: the shadow memory
 * @page: its head page
 * @order: the order it was allocated with
 *
 * The block is freed when no other reference (compaction's isolation) is
 * left. Blocks of order 0 to 3 and of the pageblock order go to the CPU's
 * list (and back to the buddy lists in batches); others merge into the
 * buddy lists at once.
 */
void clab_free_pages(struct clab_mem *mem, struct clab_page *page,
		     unsigned int order)
{
	if (WARN_ON_ONCE(!clab_page_test(page, CLAB_PG_HEAD) || page->order != order))
		return;
	if (atomic_dec_and_test(&page->refcount))
		__clab_free_pages(mem, page, order, NULL);
}

/**
 * clab_put_page() - drop a reference to an allocated block
 * @mem: the shadow memory
 * @page: its head page
 */
void clab_put_page(struct clab_mem *mem, struct clab_page *page)
{
	clab_free_pages(mem, page, page->order);
}

/**
 * clab_put_page_capture() - drop a compactor's reference to a block
 * @mem: the shadow memory
 * @page: its head page
 * @capc: the compactor's capture, or NULL
 *
 * For migration's source pages and unused targets: freed as any page is
 * (to this CPU's list), and a merge the free causes, now or when
 * the list overflows, may complete the block @capc waits for, as 6.1's
 * task_capc() lets any free by a direct compactor capture.
 */
void clab_put_page_capture(struct clab_mem *mem, struct clab_page *page,
			   struct clab_capture_control *capc)
{
	if (WARN_ON_ONCE(!clab_page_test(page, CLAB_PG_HEAD)))
		return;
	if (atomic_dec_and_test(&page->refcount))
		__clab_free_pages(mem, page, page->order, capc);
}

/**
 * __clab_isolate_free_page() - take a free block for compaction's use
 * @zone: the zone, locked
 * @page: head of a free block
 * @order: its order
 *
 * Keeps the zone above its min watermark (boost not counted), and turns a
 * nearly-whole pageblock being taken into MOVABLE, as the kernel does.
 *
 * Return: pages taken, or 0 when the watermark forbids it.
 */
unsigned long __clab_isolate_free_page(struct clab_zone *zone,
				       struct clab_page *page,
				       unsigned int order)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	unsigned long idx = clab_page_to_idx(mem, page), end;
	int mt = page->migratetype;

	lockdep_assert_held(&zone->lock);
	if (mt != CLAB_MIGRATE_ISOLATE) {
		unsigned long mark = zone->_watermark[CLAB_WMARK_MIN] + (1UL << order);

		if (!clab_zone_watermark_ok(zone, 0, mark, 0, 0,
					    zone->nr_free_pages))
			return 0;
	}
	__clab_del_from_free_list(zone, page, order);
	if (order >= CLAB_PAGEBLOCK_ORDER - 1) {
		for (end = idx + (1UL << order); idx < end; idx += CLAB_PAGEBLOCK_PAGES) {
			int bmt = clab_get_pageblock_migratetype(mem, idx);

			if (bmt < CLAB_MIGRATE_PCPTYPES)
				clab_set_pageblock_migratetype(mem, idx,
							       CLAB_MIGRATE_MOVABLE);
		}
	}
	return 1UL << order;
}

/**
 * clab_prep_isolated_pages() - split an isolated free block into targets
 * @mem: the shadow memory
 * @page: head of the block from __clab_isolate_free_page()
 * @order: its order
 * @list: where to add the order-0 pages
 *
 * Each page becomes an allocated MOVABLE order-0 page with one reference
 * and no owner, ready to receive a migrated page's contents.
 */
void clab_prep_isolated_pages(struct clab_mem *mem, struct clab_page *page,
			      unsigned int order, struct list_head *list)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		struct clab_page *p = page + i;

		p->flags = BIT(CLAB_PG_HEAD);
		p->order = 0;
		p->migratetype = CLAB_MIGRATE_MOVABLE;
		p->owner = NULL;
		p->private = 0;
		atomic_set_release(&p->refcount, 1);
		set_bit(clab_page_to_idx(mem, p), mem->inuse);
		list_add_tail(&p->lru, list);
	}
	clab_account_block(mem, clab_page_to_idx(mem, page), order,
			   CLAB_MIGRATE_MOVABLE, 1);
}

/*
 * Empty one CPU's lists of a zone (6.1's drain_pages_zone()), in bulk frees
 * of at most 2^CLAB_PCP_BATCH_SCALE_MAX batches, each starting at list 0.
 */
static void clab_drain_pages_zone(struct clab_zone *zone,
				  struct clab_per_cpu_pages *pcp,
				  struct clab_capture_control *capc)
{
	int count;

	do {
		spin_lock(&pcp->lock);
		count = pcp->count;
		if (count) {
			int to_drain = min(count, READ_ONCE(pcp->batch) <<
						  CLAB_PCP_BATCH_SCALE_MAX);

			clab_free_pcppages_bulk(zone, to_drain, pcp, 0, capc);
			count -= to_drain;
		}
		spin_unlock(&pcp->lock);
	} while (count);
}

/**
 * clab_drain_all_pages() - return every CPU's free pages to the buddy lists
 * @mem: the shadow memory
 * @zone: one zone, or NULL for all
 */
void clab_drain_all_pages(struct clab_mem *mem, struct clab_zone *zone)
{
	struct clab_node *node;
	struct clab_zone *z;
	int cpu;

	clab_for_each_populated_zone(mem, node, z) {
		if (zone && z != zone)
			continue;
		for_each_possible_cpu(cpu)
			clab_drain_pages_zone(z, per_cpu_ptr(z->pcp, cpu), NULL);
	}
}

/**
 * clab_drain_local_pages() - return this CPU's free pages of a zone
 * @zone: the zone
 * @capc: the capture of the direct compactor draining, or NULL
 *
 * 6.1's drain_local_pages(zone), as compaction calls it (through
 * lru_add_drain_cpu_zone()) when its migrate scanner leaves a cc->order
 * block it migrated from, so that the freed pages merge.
 */
void clab_drain_local_pages(struct clab_zone *zone,
			    struct clab_capture_control *capc)
{
	clab_drain_pages_zone(zone,
			      per_cpu_ptr(zone->pcp,
					  clab_get_pcp_cpu(clab_zone_mem(zone))),
			      capc);
	put_cpu();
}

/**
 * clab_take_free_pages() - take every free block off the free lists
 * @mem: the shadow memory
 * @list: receives the blocks' head pages, linked by lru; each keeps its
 *	order and free-list migratetype
 *
 * Per-CPU pages are drained first. The blocks taken are neither free nor
 * allocated: nobody can allocate, compact or merge them until
 * clab_give_back_free_pages() returns them. Whoever holds them may write
 * them.
 *
 * Return: the pages taken (the arena's size when nothing was in use).
 */
unsigned long clab_take_free_pages(struct clab_mem *mem, struct list_head *list)
{
	unsigned long taken = 0, flags;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned int order;
	int mt;

	clab_drain_all_pages(mem, NULL);
	clab_for_each_populated_zone(mem, node, zone) {
		spin_lock_irqsave(&zone->lock, flags);
		for (order = 0; order < CLAB_NR_ORDERS; order++) {
			for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++) {
				struct list_head *fl =
					&zone->free_area[order].free_list[mt];
				struct clab_page *page;

				while (!list_empty(fl)) {
					page = list_first_entry(fl, struct clab_page, lru);
					__clab_del_from_free_list(zone, page, order);
					list_add_tail(&page->lru, list);
					taken += 1UL << order;
				}
			}
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return taken;
}

/**
 * clab_give_back_free_pages() - return blocks taken by clab_take_free_pages()
 * @mem: the shadow memory
 * @list: the blocks; emptied
 */
void clab_give_back_free_pages(struct clab_mem *mem, struct list_head *list)
{
	struct clab_page *page, *next;
	unsigned long flags;

	list_for_each_entry_safe(page, next, list, lru) {
		unsigned long idx = clab_page_to_idx(mem, page);
		struct clab_zone *zone = clab_idx_to_zone(mem, idx);

		list_del(&page->lru);
		spin_lock_irqsave(&zone->lock, flags);
		__clab_free_one_page(zone, idx, page->order, page->migratetype,
				     false, NULL);
		spin_unlock_irqrestore(&zone->lock, flags);
		cond_resched();
	}
}

/**
 * clab_unreserve_highatomic_pageblock() - give a highatomic block back
 * @mem: the shadow memory
 * @nid: the node whose zones come first
 * @gfp: the request: its zones are searched, and the block becomes its
 *	migratetype
 * @force: also release a zone's last reserved block
 *
 * Called under memory pressure before an allocation fails (6.1's
 * unreserve_highatomic_pageblock()).
 *
 * Return: free pages moved, or 0 when nothing was released.
 */
int clab_unreserve_highatomic_pageblock(struct clab_mem *mem, int nid,
					unsigned int gfp, bool force)
{
	int migratetype = clab_gfp_migratetype(gfp);
	struct clab_zone *zone;
	unsigned int cursor = 0;

	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		unsigned long flags;
		unsigned int order;

		if (!force && READ_ONCE(zone->nr_reserved_highatomic) <=
			      CLAB_PAGEBLOCK_PAGES)
			continue;
		spin_lock_irqsave(&zone->lock, flags);
		for (order = 0; order < CLAB_NR_ORDERS; order++) {
			struct clab_free_area *area = &zone->free_area[order];
			struct clab_page *page;
			unsigned long idx, moved;

			if (clab_free_area_empty(area, CLAB_MIGRATE_HIGHATOMIC))
				continue;
			page = list_first_entry(&area->free_list[CLAB_MIGRATE_HIGHATOMIC],
						struct clab_page, lru);
			idx = clab_page_to_idx(mem, page);
			if (clab_get_pageblock_migratetype(mem, idx) ==
			    CLAB_MIGRATE_HIGHATOMIC) {
				zone->nr_reserved_highatomic -=
					min(CLAB_PAGEBLOCK_PAGES,
					    zone->nr_reserved_highatomic);
			}
			clab_set_pageblock_migratetype(mem, idx, migratetype);
			moved = clab_move_freepages_block(zone, idx, migratetype,
							  NULL);
			if (moved) {
				spin_unlock_irqrestore(&zone->lock, flags);
				return moved;
			}
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return 0;
}
