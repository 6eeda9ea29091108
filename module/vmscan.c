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

static struct clab_node *clab_page_node(struct clab_mem *mem,
					struct clab_page *page)
{
	return clab_idx_to_zone(mem, clab_page_to_idx(mem, page))->node;
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

/**
 * clab_shrink_node() - reclaim up to @nr_to_reclaim pages from a node
 * @node: the node
 * @nr_to_reclaim: the goal, in pages
 * @kswapd: counted as kswapd's work rather than direct reclaim
 *
 * Return: pages freed.
 */
unsigned long clab_shrink_node(struct clab_node *node, unsigned long nr_to_reclaim,
			       bool kswapd)
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
	return reclaimed;
}

/**
 * clab_node_reclaimable_pages() - pages reclaim could free on a node
 * @node: the node
 *
 * Return: an estimate (block heads on the LRU, in base pages at order 0).
 */
unsigned long clab_node_reclaimable_pages(struct clab_node *node)
{
	return READ_ONCE(node->nr_lru[CLAB_LRU_INACTIVE]) +
	       READ_ONCE(node->nr_lru[CLAB_LRU_ACTIVE]);
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

	clab_count_vm_event((gfp & CLAB_GFP_MOVABLE_ZONE) ?
			    CLAB_ALLOCSTALL_MOVABLE : CLAB_ALLOCSTALL_NORMAL);
	for (n = 0; n < mem->nr_nodes && reclaimed < goal; n++)
		reclaimed += clab_shrink_node(&mem->nodes[(nid + n) % mem->nr_nodes],
					      goal - reclaimed, false);
	return reclaimed;
}

/**
 * clab_node_balanced() - is every zone of the node above its high mark?
 * @node: the node
 * @order: the order kswapd was woken for
 * @highest_zoneidx: the highest zone to look at
 *
 * The high watermark includes the boost. A free block of @order is not
 * required: high-order work is kcompactd's.
 *
 * Return: true when kswapd has nothing to do.
 */
bool clab_node_balanced(struct clab_node *node, int order, int highest_zoneidx)
{
	int z;

	for (z = 0; z <= highest_zoneidx && z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];

		if (!clab_zone_is_populated(zone))
			continue;
		if (!clab_zone_watermark_ok(zone, 0,
					    clab_wmark_pages(zone, CLAB_WMARK_HIGH),
					    z, 0, READ_ONCE(zone->nr_free_pages)))
			return false;
	}
	return true;
}

static bool clab_node_boosted(struct clab_node *node)
{
	int z;

	for (z = 0; z < CLAB_MAX_NR_ZONES; z++)
		if (READ_ONCE(node->zones[z].watermark_boost))
			return true;
	return false;
}

/**
 * clab_balance_node() - kswapd's work: reclaim until the node is balanced
 * @node: the node
 * @order: the order it was woken for
 * @highest_zoneidx: the highest zone to balance
 *
 * Reclaims in batches while reclaimable pages exist; then drops any
 * watermark boost and, if there was one, asks kcompactd to rebuild the
 * pageblocks the fallbacks broke.
 */
void clab_balance_node(struct clab_node *node, int order, int highest_zoneidx)
{
	bool boosted = clab_node_boosted(node);
	int z;

	clab_count_vm_event(CLAB_PAGEOUTRUN);
	while (!clab_node_balanced(node, order, highest_zoneidx) &&
	       !kthread_should_stop()) {
		if (!clab_shrink_node(node, CLAB_SWAP_CLUSTER_MAX, true))
			break;
		cond_resched();
	}
	if (!boosted)
		return;
	for (z = 0; z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];
		unsigned long flags;

		spin_lock_irqsave(&zone->lock, flags);
		zone->watermark_boost = 0;
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	clab_wakeup_kcompactd(node, CLAB_PAGEBLOCK_ORDER, highest_zoneidx);
}

/**
 * clab_wakeup_kswapd() - an allocation found a zone below its low mark
 * @node: the node
 * @gfp: the allocation's flags
 * @order: its order
 * @highest_zoneidx: the highest zone it may use
 *
 * A node that is balanced and not boosted has nothing for kswapd: a
 * high-order failure there is kcompactd's business, so kcompactd is woken
 * directly for requests that cannot compact themselves.
 */
void clab_wakeup_kswapd(struct clab_node *node, unsigned int gfp, int order,
			int highest_zoneidx)
{
	/* Record the request first: a busy kswapd picks it up when done. */
	if (READ_ONCE(node->kswapd_order) < order)
		WRITE_ONCE(node->kswapd_order, order);
	if (READ_ONCE(node->kswapd_highest_zoneidx) < highest_zoneidx)
		WRITE_ONCE(node->kswapd_highest_zoneidx, highest_zoneidx);
	/* Racy peek, as the kernel's: nobody to wake while kswapd runs. */
	if (!waitqueue_active(&node->kswapd_wait))
		return;
	if (clab_node_balanced(node, order, highest_zoneidx) &&
	    !clab_node_boosted(node)) {
		if (!(gfp & CLAB_GFP_DIRECT_RECLAIM))
			clab_wakeup_kcompactd(node, order, highest_zoneidx);
		return;
	}
	wake_up_interruptible(&node->kswapd_wait);
}

static bool clab_kswapd_work_requested(struct clab_node *node)
{
	return READ_ONCE(node->kswapd_order) >= 0 || kthread_should_stop();
}

static int clab_kswapd(void *data)
{
	struct clab_node *node = data;

	while (!kthread_should_stop()) {
		int order, highest;

		wait_event_interruptible(node->kswapd_wait,
					 clab_kswapd_work_requested(node));
		if (kthread_should_stop())
			break;
		order = READ_ONCE(node->kswapd_order);
		highest = READ_ONCE(node->kswapd_highest_zoneidx);
		WRITE_ONCE(node->kswapd_order, -1);
		WRITE_ONCE(node->kswapd_highest_zoneidx, 0);
		if (order < 0)
			continue;
		WRITE_ONCE(node->kswapd_running, true);
		clab_balance_node(node, order, highest);
		WRITE_ONCE(node->kswapd_running, false);
		/* Going to sleep: stale skip hints go, kcompactd gets a turn. */
		if (clab_node_balanced(node, order, highest)) {
			clab_reset_isolation_suitable(node);
			clab_wakeup_kcompactd(node, order, highest);
		}
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

	WRITE_ONCE(node->kswapd_order, -1);
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
