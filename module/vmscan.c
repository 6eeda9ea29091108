// SPDX-License-Identifier: GPL-2.0
/*
 * vmscan.c - reclaim: the LRU lists of reclaimable pages, kswapd (one
 * thread per shadow node, keeping free memory above the high watermark)
 * and direct reclaim in the allocation slowpath.
 *
 * Reclaimable pages are kernel-held cache pages whose owner can drop them
 * (owner->ops->drop, a shrinker-like callback). The LRU mechanics are the
 * kernel's, simplified: a new page enters the head of the inactive list; a
 * second access promotes it to the active list; balancing moves the tail of
 * the active list to the inactive list, giving a referenced page a second
 * chance; reclaim takes from the tail of the inactive list.
 *
 * Lock order: owner lock, then node->lru_lock; never the other way.
 */
#include <compactlab/compaction.h>
#include <compactlab/owner.h>
#include <compactlab/vmstat.h>

#define CLAB_SWAP_CLUSTER_MAX	32
#define CLAB_DEF_PRIORITY	12

static struct clab_node *clab_page_node(struct clab_mem *mem,
					struct clab_page *page)
{
	return clab_idx_to_zone(mem, clab_page_to_idx(mem, page))->node;
}

/* Count a block entering (+1) or leaving (-1) the LRU in its zone. */
static void clab_lru_account_zone(struct clab_mem *mem, struct clab_page *page,
				  long sign)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, clab_page_to_idx(mem, page));

	lockdep_assert_held(&zone->node->lru_lock);
	WRITE_ONCE(zone->nr_lru_pages,
		   zone->nr_lru_pages + sign * (1L << page->order));
}

/**
 * clab_lru_add() - put a newly allocated reclaimable page on the LRU
 * @mem: the shadow memory
 * @page: the head of a RECLAIMABLE block, owned by an owner with ->drop
 *
 * It enters the head of the inactive list.
 */
void clab_lru_add(struct clab_mem *mem, struct clab_page *page)
{
	struct clab_node *node = clab_page_node(mem, page);
	unsigned long flags;

	if (WARN_ON_ONCE(page->migratetype != CLAB_MIGRATE_RECLAIMABLE))
		return;
	spin_lock_irqsave(&node->lru_lock, flags);
	if (!clab_page_test(page, CLAB_PG_LRU)) {
		clear_bit(CLAB_PG_ACTIVE, &page->flags);
		clear_bit(CLAB_PG_REFERENCED, &page->flags);
		set_bit(CLAB_PG_LRU, &page->flags);
		list_add(&page->lru, &node->lru[CLAB_LRU_INACTIVE]);
		node->nr_lru[CLAB_LRU_INACTIVE]++;
		clab_lru_account_zone(mem, page, 1);
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
}

/**
 * __clab_lru_del() - take a page being freed off the LRU
 * @mem: the shadow memory
 * @page: the page, whose last reference is gone
 */
void __clab_lru_del(struct clab_mem *mem, struct clab_page *page)
{
	struct clab_node *node = clab_page_node(mem, page);
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	if (test_and_clear_bit(CLAB_PG_LRU, &page->flags)) {
		list_del(&page->lru);
		node->nr_lru[clab_page_test(page, CLAB_PG_ACTIVE)]--;
		clab_lru_account_zone(mem, page, -1);
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
}

/**
 * clab_mark_page_accessed() - the page was used again
 * @mem: the shadow memory
 * @page: a page on the LRU
 *
 * The first access marks it referenced; a second one, while it is
 * inactive and referenced, promotes it to the head of the active list.
 */
void clab_mark_page_accessed(struct clab_mem *mem, struct clab_page *page)
{
	struct clab_node *node = clab_page_node(mem, page);
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	if (clab_page_test(page, CLAB_PG_LRU) &&
	    !clab_page_test(page, CLAB_PG_ACTIVE) &&
	    clab_page_test(page, CLAB_PG_REFERENCED)) {
		list_move(&page->lru, &node->lru[CLAB_LRU_ACTIVE]);
		node->nr_lru[CLAB_LRU_INACTIVE]--;
		node->nr_lru[CLAB_LRU_ACTIVE]++;
		set_bit(CLAB_PG_ACTIVE, &page->flags);
		clear_bit(CLAB_PG_REFERENCED, &page->flags);
		clab_count_vm_event(CLAB_PGACTIVATE);
	} else {
		set_bit(CLAB_PG_REFERENCED, &page->flags);
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
}

/*
 * Balance: keep the inactive list at least as long as the active one by
 * moving pages from the active tail; a referenced page gets a second chance
 * at the active head instead.
 */
static void clab_shrink_active_list(struct clab_node *node,
				    unsigned long nr_to_scan)
{
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	while (nr_to_scan-- && node->nr_lru[CLAB_LRU_ACTIVE] &&
	       node->nr_lru[CLAB_LRU_INACTIVE] < node->nr_lru[CLAB_LRU_ACTIVE]) {
		struct clab_page *page = list_last_entry(&node->lru[CLAB_LRU_ACTIVE],
							 struct clab_page, lru);

		if (test_and_clear_bit(CLAB_PG_REFERENCED, &page->flags)) {
			list_move(&page->lru, &node->lru[CLAB_LRU_ACTIVE]);
			continue;
		}
		list_move(&page->lru, &node->lru[CLAB_LRU_INACTIVE]);
		clear_bit(CLAB_PG_ACTIVE, &page->flags);
		node->nr_lru[CLAB_LRU_ACTIVE]--;
		node->nr_lru[CLAB_LRU_INACTIVE]++;
		clab_count_vm_event(CLAB_PGDEACTIVATE);
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
}

/*
 * Take the inactive tail off the LRU with a reference held, or rotate it
 * (a referenced page gets a second chance). Returns NULL when the list is
 * empty or only busy pages remain in this round.
 */
static struct clab_page *clab_isolate_lru_page(struct clab_node *node)
{
	struct list_head *list = &node->lru[CLAB_LRU_INACTIVE];
	struct clab_page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	if (list_empty(list))
		goto out;
	page = list_last_entry(list, struct clab_page, lru);
	if (test_and_clear_bit(CLAB_PG_REFERENCED, &page->flags) ||
	    !clab_get_page_unless_zero(page)) {
		list_move(&page->lru, list);
		page = ERR_PTR(-EAGAIN);
		goto out;
	}
	list_del(&page->lru);
	clear_bit(CLAB_PG_LRU, &page->flags);
	node->nr_lru[CLAB_LRU_INACTIVE]--;
	clab_lru_account_zone(node->mem, page, -1);
out:
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return page;
}

/* Ask the page's owner to drop it; the pages freed, 0 if it kept it. */
static unsigned long clab_reclaim_page(struct clab_mem *mem,
				       struct clab_page *page)
{
	unsigned long nr = 1UL << page->order;
	struct clab_owner *owner;
	bool dropped = false;

	rcu_read_lock();
	owner = READ_ONCE(page->owner);
	if (owner && !owner->ops->tryget(owner))
		owner = NULL;
	rcu_read_unlock();
	if (owner) {
		owner->ops->lock(owner, page);
		if (owner->ops->drop && owner->ops->owns(owner, page)) {
			owner->ops->drop(owner, page);
			dropped = true;
		}
		owner->ops->unlock(owner, page);
		owner->ops->put(owner);
	}
	if (dropped) {
		clab_put_page(mem, page);	/* the owner's reference */
		clab_put_page(mem, page);	/* ours: frees it */
		return nr;
	}
	/* Kept (or freed by its owner meanwhile): back on the LRU if alive. */
	if (atomic_read(&page->refcount) > 1)
		clab_lru_add(mem, page);
	clab_put_page(mem, page);
	return 0;
}

/*
 * The kernel's shrink_node() for one node: reclaim up to @nr_to_reclaim
 * pages, counting the pages scanned in *@nr_scanned. Any progress revives
 * a node kswapd had given up on, whoever reclaimed it.
 */
static unsigned long __clab_shrink_node(struct clab_node *node,
					unsigned long nr_to_reclaim, bool kswapd,
					unsigned long *nr_scanned)
{
	unsigned long reclaimed = 0, scanned = 0, budget;
	struct clab_mem *mem = node->mem;

	clab_shrink_active_list(node, CLAB_SWAP_CLUSTER_MAX);
	budget = 2 * READ_ONCE(node->nr_lru[CLAB_LRU_INACTIVE]) + CLAB_SWAP_CLUSTER_MAX;
	while (reclaimed < nr_to_reclaim && budget--) {
		struct clab_page *page = clab_isolate_lru_page(node);

		if (!page) {
			/* Inactive empty: demote from active, if any. */
			if (!READ_ONCE(node->nr_lru[CLAB_LRU_ACTIVE]))
				break;
			clab_shrink_active_list(node, CLAB_SWAP_CLUSTER_MAX);
			continue;
		}
		scanned++;
		if (IS_ERR(page))
			continue;
		reclaimed += clab_reclaim_page(mem, page);
		cond_resched();
	}
	clab_count_vm_events(kswapd ? CLAB_PGSCAN_KSWAPD : CLAB_PGSCAN_DIRECT, scanned);
	clab_count_vm_events(kswapd ? CLAB_PGSTEAL_KSWAPD : CLAB_PGSTEAL_DIRECT,
			     reclaimed);
	if (reclaimed)
		WRITE_ONCE(node->kswapd_failures, 0);
	*nr_scanned = scanned;
	return reclaimed;
}

/**
 * clab_shrink_node() - reclaim up to @nr_to_reclaim pages from a node
 * @node: the node
 * @nr_to_reclaim: the goal, in pages
 * @kswapd: counted as kswapd's work rather than direct reclaim
 *
 * Progress resets the node's kswapd_failures, as the kernel's
 * shrink_node() does: a successful direct reclaim revives a kswapd that
 * had given the node up.
 *
 * Return: pages freed.
 */
unsigned long clab_shrink_node(struct clab_node *node, unsigned long nr_to_reclaim,
			       bool kswapd)
{
	unsigned long scanned;

	return __clab_shrink_node(node, nr_to_reclaim, kswapd, &scanned);
}

/**
 * clab_zone_reclaimable_pages() - pages reclaim could free in a zone
 * @zone: the zone
 *
 * 6.1's zone_reclaimable_pages(): the zone's pages on the LRU lists.
 *
 * Return: a snapshot, in base pages.
 */
unsigned long clab_zone_reclaimable_pages(struct clab_zone *zone)
{
	return READ_ONCE(zone->nr_lru_pages);
}

/**
 * clab_try_to_free_pages() - direct reclaim for a stalled allocation
 * @mem: the shadow memory
 * @nid: the allocating node
 * @gfp: the allocation's flags
 * @order: its order
 *
 * Return: pages freed.
 */
unsigned long clab_try_to_free_pages(struct clab_mem *mem, int nid,
				     unsigned int gfp, unsigned int order)
{
	unsigned long reclaimed = 0, goal = max(CLAB_SWAP_CLUSTER_MAX, 1UL << order);
	unsigned int n;

	clab_count_vm_event(CLAB_ALLOCSTALL_DMA + clab_gfp_highest_zoneidx(gfp));
	for (n = 0; n < mem->nr_nodes && reclaimed < goal; n++)
		reclaimed += clab_shrink_node(&mem->nodes[(nid + n) % mem->nr_nodes],
					      goal - reclaimed, false);
	return reclaimed;
}

/**
 * clab_node_balanced() - may kswapd rest? (the kernel's pgdat_balanced())
 * @node: the node
 * @order: the order kswapd balances for
 * @highest_zoneidx: the highest zone the request may use
 *
 * As Linux 6.1: one zone up to @highest_zoneidx that passes its high
 * watermark (boost included) *at @order* is enough, so a node with plenty
 * of free pages but no free block of @order is not balanced. A node with
 * no populated zone that low needs no balancing.
 *
 * Return: true when kswapd has nothing to do for @order.
 */
bool clab_node_balanced(struct clab_node *node, int order, int highest_zoneidx)
{
	bool eligible = false;
	int z;

	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];

		if (!clab_zone_is_populated(zone))
			continue;
		eligible = true;
		if (clab_zone_watermark_ok(zone, order,
					   clab_wmark_pages(zone, CLAB_WMARK_HIGH),
					   highest_zoneidx, 0,
					   READ_ONCE(zone->nr_free_pages)))
			return true;
	}
	return !eligible;
}

/* The kernel's pgdat_watermark_boosted(): a zone kswapd may reclaim for. */
static bool clab_node_boosted(struct clab_node *node, int highest_zoneidx)
{
	int z;

	for (z = highest_zoneidx; z >= 0; z--)
		if (z < CLAB_MAX_NR_ZONES && READ_ONCE(node->zones[z].watermark_boost))
			return true;
	return false;
}

/* The kernel's kswapd_failures test: reclaim has given this node up. */
static bool clab_node_hopeless(struct clab_node *node)
{
	return READ_ONCE(node->kswapd_failures) >= CLAB_MAX_RECLAIM_RETRIES;
}

/*
 * The kernel's kswapd_shrink_node(): one round of reclaim sized by the
 * high watermarks of the zones it may take from. Once twice the request's
 * size has been reclaimed (compact_gap()), the node is judged at order 0:
 * fragmentation may keep it from ever being balanced at *@order, and the
 * rest is compaction's work. Returns whether enough pages were scanned
 * (no need to scan harder); *@reclaimed accumulates the pages freed.
 */
static bool clab_kswapd_shrink_node(struct clab_node *node, int highest_zoneidx,
				    int *order, unsigned long *reclaimed)
{
	unsigned long nr_to_reclaim = 0, scanned;
	int z;

	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];

		if (clab_zone_is_populated(zone))
			nr_to_reclaim += max(clab_wmark_pages(zone, CLAB_WMARK_HIGH),
					     (unsigned long)CLAB_SWAP_CLUSTER_MAX);
	}
	*reclaimed += __clab_shrink_node(node, nr_to_reclaim, true, &scanned);
	if (*order && *reclaimed >= 2UL << *order)	/* compact_gap() */
		*order = 0;
	return scanned >= nr_to_reclaim;
}

/* Mark the zones kswapd balances: their per-CPU lists hold fewer pages. */
static void clab_update_reclaim_active(struct clab_node *node,
				       int highest_zoneidx, bool active)
{
	int z;

	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++)
		if (clab_zone_is_populated(&node->zones[z]))
			WRITE_ONCE(node->zones[z].reclaim_active, active);
}

/**
 * clab_balance_node() - kswapd's work (the kernel's balance_pgdat())
 * @node: the node
 * @order: the order it was woken for
 * @highest_zoneidx: the highest zone to balance
 *
 * Marks the eligible zones reclaim-active while it runs, and reclaims
 * until one eligible zone is balanced at the order (which drops
 * to 0 once compact_gap() pages are reclaimed), lowering a notional scan
 * priority from 12 to 1 on rounds that reclaim nothing or scan too little;
 * a watermark boost is reclaimed for even on a balanced node, without
 * raising the priority past 10, and abandoned once the node is unbalanced
 * or the boost reclaim makes no progress. A balance that freed nothing
 * counts a kswapd failure. The boosts that were there at the start are
 * then paid off and kcompactd is asked to rebuild the pageblocks that the
 * fallbacks broke.
 *
 * Return: the order reclaim finished at (0 if it dropped), which kswapd
 * then tests before sleeping.
 */
int clab_balance_node(struct clab_node *node, int order, int highest_zoneidx)
{
	unsigned long zone_boosts[CLAB_MAX_NR_ZONES] = { 0 };
	unsigned long nr_boost_reclaim = 0, reclaimed = 0;
	int z, priority, sc_order = order;
	bool boosted;

	clab_count_vm_event(CLAB_PAGEOUTRUN);
	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++) {
		if (!clab_zone_is_populated(&node->zones[z]))
			continue;
		zone_boosts[z] = READ_ONCE(node->zones[z].watermark_boost);
		nr_boost_reclaim += zone_boosts[z];
	}
	boosted = nr_boost_reclaim;
restart:
	clab_update_reclaim_active(node, highest_zoneidx, true);
	priority = CLAB_DEF_PRIORITY;
	do {
		unsigned long before = reclaimed;
		bool raise_priority = true;
		bool balanced;

		/* Unbalanced: the boost waits for a later time; plain reclaim. */
		balanced = clab_node_balanced(node, sc_order, highest_zoneidx);
		if (!balanced && nr_boost_reclaim) {
			nr_boost_reclaim = 0;
			goto restart;
		}
		if (!nr_boost_reclaim && balanced)
			goto out;
		if (nr_boost_reclaim && priority == CLAB_DEF_PRIORITY - 2)
			raise_priority = false;
		if (clab_kswapd_shrink_node(node, highest_zoneidx, &sc_order,
					    &reclaimed))
			raise_priority = false;
		if (kthread_should_stop())
			break;
		nr_boost_reclaim -= min(nr_boost_reclaim, reclaimed - before);
		/* A boost reclaim that frees nothing would loop forever. */
		if (nr_boost_reclaim && reclaimed == before)
			break;
		if (raise_priority || reclaimed == before)
			priority--;
		cond_resched();
	} while (priority >= 1);
	if (!reclaimed)
		WRITE_ONCE(node->kswapd_failures, node->kswapd_failures + 1);
out:
	clab_update_reclaim_active(node, highest_zoneidx, false);
	if (!boosted)
		return sc_order;
	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];
		unsigned long flags;

		if (!zone_boosts[z])
			continue;
		spin_lock_irqsave(&zone->lock, flags);
		zone->watermark_boost -= min(zone->watermark_boost, zone_boosts[z]);
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	clab_wakeup_kcompactd(node, CLAB_PAGEBLOCK_ORDER, highest_zoneidx);
	return sc_order;
}

/**
 * clab_wakeup_kswapd() - an allocation wants kswapd (the kernel's wakeup_kswapd())
 * @node: the node
 * @gfp: the allocation's flags
 * @order: its order
 * @highest_zoneidx: the highest zone it may use
 *
 * Records the request, then wakes kswapd unless the node is hopeless or
 * balanced at @order without a boost; in that case a request that cannot
 * compact itself wakes kcompactd instead: there may be plenty of free
 * memory, too fragmented for @order.
 */
void clab_wakeup_kswapd(struct clab_node *node, unsigned int gfp, int order,
			int highest_zoneidx)
{
	int curr = READ_ONCE(node->kswapd_highest_zoneidx);

	/* Record the request first: a busy kswapd picks it up when done. */
	if (curr == CLAB_MAX_NR_ZONES || curr < highest_zoneidx)
		WRITE_ONCE(node->kswapd_highest_zoneidx, highest_zoneidx);
	if (READ_ONCE(node->kswapd_order) < order)
		WRITE_ONCE(node->kswapd_order, order);
	/* Racy peek, as the kernel's: nobody to wake while kswapd runs. */
	if (!waitqueue_active(&node->kswapd_wait))
		return;
	if (clab_node_hopeless(node) ||
	    (clab_node_balanced(node, order, highest_zoneidx) &&
	     !clab_node_boosted(node, highest_zoneidx))) {
		if (!(gfp & CLAB_GFP_DIRECT_RECLAIM))
			clab_wakeup_kcompactd(node, order, highest_zoneidx);
		return;
	}
	WRITE_ONCE(node->kswapd_woken, true);
	wake_up_interruptible(&node->kswapd_wait);
}

/**
 * clab_prepare_kswapd_sleep() - may kswapd sleep? (prepare_kswapd_sleep())
 * @node: the node
 * @order: the order reclaim finished at
 * @highest_zoneidx: the highest zone it balanced
 *
 * Return: true when the node is balanced at @order, or hopeless (left to
 * direct reclaim).
 */
bool clab_prepare_kswapd_sleep(struct clab_node *node, int order,
			       int highest_zoneidx)
{
	return clab_node_hopeless(node) ||
	       clab_node_balanced(node, order, highest_zoneidx);
}

/**
 * clab_kswapd_settle() - what kswapd does before it sleeps
 * @node: the node
 * @alloc_order: the order it was woken for
 * @reclaim_order: the order its reclaim finished at
 * @highest_zoneidx: the highest zone it balanced
 *
 * The first half of the kernel's kswapd_try_to_sleep(): only when kswapd
 * may sleep, the skip hints compaction left go (reset_isolation_suitable():
 * reclaim freed pages that may make those blocks worth scanning again) and
 * kcompactd is woken for @alloc_order, to turn the freed pages into the
 * block the request wanted. A kswapd that cannot keep a zone balanced does
 * not wake kcompactd: compaction would not succeed either.
 *
 * Return: true when kswapd may sleep.
 */
bool clab_kswapd_settle(struct clab_node *node, int alloc_order,
			int reclaim_order, int highest_zoneidx)
{
	if (!clab_prepare_kswapd_sleep(node, reclaim_order, highest_zoneidx))
		return false;
	clab_reset_isolation_suitable(node);
	clab_wakeup_kcompactd(node, alloc_order, highest_zoneidx);
	return true;
}

/* Woken by clab_wakeup_kswapd(), or told to stop. */
static bool clab_kswapd_woken(struct clab_node *node)
{
	return READ_ONCE(node->kswapd_woken) || kthread_should_stop();
}

/*
 * The kernel's kswapd_try_to_sleep(): settle, nap for HZ / 10, and sleep
 * until woken if the node is still balanced after the nap. A wakeup during
 * the nap keeps the request that slept prematurely.
 */
static void clab_kswapd_try_to_sleep(struct clab_node *node, int alloc_order,
				     int reclaim_order, int highest_zoneidx)
{
	long remaining = 0;

	if (kthread_should_stop())
		return;
	/* Cleared before the tests: a wakeup from now on ends the sleep. */
	WRITE_ONCE(node->kswapd_woken, false);
	if (clab_kswapd_settle(node, alloc_order, reclaim_order, highest_zoneidx)) {
		remaining = wait_event_interruptible_timeout(node->kswapd_wait,
							     clab_kswapd_woken(node),
							     HZ / 10);
		if (remaining > 0) {
			int curr = READ_ONCE(node->kswapd_highest_zoneidx);

			if (curr == CLAB_MAX_NR_ZONES)
				WRITE_ONCE(node->kswapd_highest_zoneidx,
					   highest_zoneidx);
			if (READ_ONCE(node->kswapd_order) < reclaim_order)
				WRITE_ONCE(node->kswapd_order, reclaim_order);
		}
	}
	if (remaining <= 0 && !clab_kswapd_woken(node) &&
	    clab_prepare_kswapd_sleep(node, reclaim_order, highest_zoneidx))
		wait_event_interruptible(node->kswapd_wait, clab_kswapd_woken(node));
}

/* The request's highest zone, or the previous one's if none was recorded. */
static int clab_kswapd_highest_zoneidx(struct clab_node *node, int prev)
{
	int curr = READ_ONCE(node->kswapd_highest_zoneidx);

	return curr == CLAB_MAX_NR_ZONES ? prev : curr;
}

/* The kernel's kswapd(): sleep, balance for the recorded request, repeat. */
static int clab_kswapd(void *data)
{
	int alloc_order, reclaim_order, highest = CLAB_MAX_NR_ZONES - 1;
	struct clab_node *node = data;

	for (;;) {
		alloc_order = READ_ONCE(node->kswapd_order);
		reclaim_order = alloc_order;
		highest = clab_kswapd_highest_zoneidx(node, highest);
try_sleep:
		clab_kswapd_try_to_sleep(node, alloc_order, reclaim_order, highest);
		alloc_order = READ_ONCE(node->kswapd_order);
		highest = clab_kswapd_highest_zoneidx(node, highest);
		WRITE_ONCE(node->kswapd_order, 0);
		WRITE_ONCE(node->kswapd_highest_zoneidx, CLAB_MAX_NR_ZONES);
		if (kthread_should_stop())
			break;
		/*
		 * Reclaim that dropped to order 0 sleeps at that order, but
		 * kcompactd still compacts for the order requested.
		 */
		WRITE_ONCE(node->kswapd_running, true);
		reclaim_order = clab_balance_node(node, alloc_order, highest);
		WRITE_ONCE(node->kswapd_running, false);
		if (reclaim_order < alloc_order)
			goto try_sleep;
	}
	return 0;
}

/**
 * clab_kswapd_run() - start a node's kswapd
 * @node: the node
 *
 * Return: 0 or the error of kthread_run().
 */
int clab_kswapd_run(struct clab_node *node)
{
	struct task_struct *t;

	WRITE_ONCE(node->kswapd_order, 0);
	WRITE_ONCE(node->kswapd_highest_zoneidx, CLAB_MAX_NR_ZONES);
	WRITE_ONCE(node->kswapd_failures, 0);
	t = kthread_run(clab_kswapd, node, "clab_kswapd%d", node->id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	node->kswapd = t;
	return 0;
}

/**
 * clab_kswapd_stop() - stop a node's kswapd and wait for it
 * @node: the node
 */
void clab_kswapd_stop(struct clab_node *node)
{
	if (node->kswapd) {
		kthread_stop(node->kswapd);
		node->kswapd = NULL;
	}
}
