// SPDX-License-Identifier: GPL-2.0
/*
 * test_slowpath.c - the allocation slowpath, kcompactd and reclaim in user
 * space: should_compact_retry's escalation and retry counts, direct
 * compaction with capture, deferral interplay, proactive compaction's
 * score and marks, kcompactd's work, LRU movements, kswapd's balancing and
 * the OOM path.
 */
#include <compactlab/compaction.h>
#include <compactlab/policy.h>
#include <compactlab/extfrag.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

static unsigned long ev(enum clab_vm_event_item item)
{
	unsigned long all[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(all);
	return all[item];
}

static void test_escalation(void)
{
	enum clab_compact_priority prio;
	int retries, n;

	/* Order 0 never retries compaction. */
	prio = CLAB_INIT_COMPACT_PRIORITY;
	retries = 0;
	CHECK(!clab_should_compact_retry(0, CLAB_COMPACT_COMPLETE, false, &prio, &retries));

	/* Non-costly: a failed compaction escalates ASYNC -> LIGHT -> FULL. */
	prio = CLAB_COMPACT_PRIO_ASYNC;
	retries = 5;
	CHECK(clab_should_compact_retry(2, CLAB_COMPACT_COMPLETE, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_LIGHT);
	CHECK_EQ(retries, 0);
	CHECK(clab_should_compact_retry(2, CLAB_COMPACT_PARTIAL_SKIPPED, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_FULL);
	CHECK(!clab_should_compact_retry(2, CLAB_COMPACT_COMPLETE, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_FULL);

	/* Costly: no further than SYNC_LIGHT. */
	prio = CLAB_COMPACT_PRIO_ASYNC;
	CHECK(clab_should_compact_retry(9, CLAB_COMPACT_DEFERRED, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_LIGHT);
	CHECK(!clab_should_compact_retry(9, CLAB_COMPACT_CONTENDED, false, &prio, &retries));

	/*
	 * Success that lost its page to others: 16 retries, 4 if costly;
	 * then, as should_compact_retry() (6.1), one escalation if the
	 * priority allows and 16 retries more.
	 */
	for (n = 0, retries = 0, prio = CLAB_DEF_COMPACT_PRIORITY;
	     clab_should_compact_retry(2, CLAB_COMPACT_SUCCESS, false, &prio, &retries); n++)
		;
	CHECK_EQ(n, 2 * CLAB_MAX_COMPACT_RETRIES + 1);
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_FULL);
	for (n = 0, retries = 0, prio = CLAB_DEF_COMPACT_PRIORITY;
	     clab_should_compact_retry(9, CLAB_COMPACT_SUCCESS, false, &prio, &retries); n++)
		;
	CHECK_EQ(n, CLAB_MAX_COMPACT_RETRIES / 4);
	CHECK_EQ(prio, CLAB_DEF_COMPACT_PRIORITY);

	/* Skipped: retry only if reclaim could make compaction worthwhile. */
	CHECK(clab_should_compact_retry(9, CLAB_COMPACT_SKIPPED, true, &prio, &retries));
	CHECK(!clab_should_compact_retry(9, CLAB_COMPACT_SKIPPED, false, &prio, &retries));
}

static void test_direct_compaction(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	unsigned long stall = ev(CLAB_COMPACTSTALL), ok = ev(CLAB_COMPACTSUCCESS);
	struct clab_page *p;

	CHECK_EQ(zone0(mem)->free_area[9].nr_free + zone0(mem)->free_area[10].nr_free, 0);
	/* Atomic: no blocking, so no compaction: it fails. */
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_ATOMIC | CLAB_GFP_NOWARN, 9);
	CHECK(!p);
	CHECK_EQ(ev(CLAB_COMPACTSTALL), stall);
	/*
	 * Under linux, a hugetlb-like request fails on this pattern as it
	 * does in 6.1's slow path: an async compaction (whose free scanner
	 * samples only kept pages, and fast_isolate_freepages() finds no
	 * target either), reclaim that frees nothing, a sync-light
	 * compaction, and no retry without reclaim progress; no OOM kill for
	 * a costly order. Two stalls.
	 */
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
			     CLAB_GFP_RETRY_MAYFAIL | CLAB_GFP_NOWARN, 9);
	CHECK(!p);
	CHECK_EQ(ev(CLAB_COMPACTSTALL), stall + 2);
	CHECK_EQ(ev(CLAB_COMPACTSUCCESS), ok);
	if (p)
		clab_free_pages(mem, p, 9);
	/* Under tuned, which may escalate without reclaim progress, it works. */
	stall = ev(CLAB_COMPACTSTALL);
	mem->compact_policy = CLAB_POLICY_TUNED;
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
			     CLAB_GFP_RETRY_MAYFAIL, 9);
	CHECK(p);
	CHECK(p && clab_page_test(p, CLAB_PG_HEAD) && p->order == 9);
	CHECK(p && clab_page_to_idx(mem, p) % 512 == 0);
	CHECK(ev(CLAB_COMPACTSTALL) > stall);
	CHECK_EQ(ev(CLAB_COMPACTSUCCESS), ok + 1);
	/* The allocation's success reset the zone's backoff. */
	CHECK_EQ(zone0(mem)->compact_defer_shift, 0);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	if (p)
		clab_free_pages(mem, p, 9);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * min_moves and capture: the block it empties for a direct compactor is
 * captured, and it stops there, as 6.1's compaction stops once it has
 * captured (compact_zone() checks capc->page after each migration), and
 * compact_zone_order() reports the capture as a success. 16M, 1 page in 4
 * kept: each pageblock costs 128 migrations, and one block is emptied.
 */
static void test_capture_min_moves(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_capture_control capc = { };
	struct clab_zone *zone = zone0(mem);
	unsigned long migrated = ev(CLAB_PGMIGRATE_SUCCESS), flags, idx;
	enum clab_compact_result r;

	mem->compact_policy = CLAB_POLICY_MIN_MOVES;
	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_SYNC_LIGHT, &capc);
	DIAG("min_moves: result %d, captured %s, %lu migrations", r,
	     capc.page ? "yes" : "no", ev(CLAB_PGMIGRATE_SUCCESS) - migrated);
	CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
	CHECK(capc.page);
	CHECK_EQ(ev(CLAB_PGMIGRATE_SUCCESS) - migrated, 128);
	if (capc.page) {
		idx = clab_page_to_idx(mem, capc.page);
		CHECK_EQ(idx % 512, 0);
		spin_lock_irqsave(&zone->lock, flags);
		__clab_free_one_page(zone, idx, 9, CLAB_MIGRATE_MOVABLE, false, NULL);
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/* The block direct compaction frees is captured before anyone sees it. */
static void test_capture(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_capture_control capc = { };
	struct clab_zone *zone = zone0(mem);
	enum clab_compact_result r;
	unsigned long flags, idx;
	struct clab_page *p;

	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_SYNC_LIGHT, &capc);
	CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
	CHECK(capc.page);
	if (!capc.page)
		goto out;
	idx = clab_page_to_idx(mem, capc.page);
	CHECK_EQ(idx % 512, 0);
	/* It is on no free list: the free lists hold no order-9 block. */
	CHECK_EQ(zone->free_area[9].nr_free, 0);
	CHECK(!clab_page_is_buddy(capc.page));
	for (p = capc.page; p < capc.page + 512; p++)
		CHECK(!clab_page_test(p, CLAB_PG_HEAD));
	/* Give it back, and every invariant holds again. */
	spin_lock_irqsave(&zone->lock, flags);
	__clab_free_one_page(zone, idx, 9, CLAB_MIGRATE_MOVABLE, false, NULL);
	spin_unlock_irqrestore(&zone->lock, flags);
out:
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static void test_deferral_interplay(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_zone *zone = zone0(mem);
	struct clab_capture_control capc = { };
	unsigned long k;
	enum clab_compact_result r;

	/* As after an order-9 success: failures below 10 are deferred. */
	zone->compact_order_failed = 10;
	/* Pin every kept page: no order-9 block can be made. */
	for (k = 0; k < 4096; k += 4)
		set_bit(CLAB_PG_PINNED, &o->table[k]->flags);
	/* Async never defers. */
	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_ASYNC, &capc);
	CHECK(r == CLAB_COMPACT_COMPLETE || r == CLAB_COMPACT_PARTIAL_SKIPPED);
	CHECK_EQ(zone->compact_defer_shift, 0);
	/* Sync-light fails and defers: the next attempt is skipped. */
	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_SYNC_LIGHT, &capc);
	CHECK_EQ(zone->compact_defer_shift, 1);
	CHECK_EQ(zone->compact_order_failed, 9);
	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_SYNC_LIGHT, &capc);
	CHECK_EQ(r, CLAB_COMPACT_DEFERRED);
	/* SYNC_FULL ignores deferral, fails again, defers further. */
	r = clab_try_to_compact_pages(mem, 0, CLAB_GFP_MOVABLE, 9, CLAB_ALLOC_WMARK_MIN,
				      CLAB_COMPACT_PRIO_SYNC_FULL, &capc);
	CHECK_EQ(r, CLAB_COMPACT_COMPLETE);
	CHECK_EQ(zone->compact_defer_shift, 2);
	/* Lower orders than the failed one are not deferred. */
	CHECK(!clab_compaction_deferred(zone, 8));
	CHECK(!capc.page);
	CHECK_EQ(test_owner_verify(o), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static void test_proactive(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *o;
	unsigned int before, after;
	int p;

	for (p = 0; p <= 100; p++) {
		mem->compaction_proactiveness = p;
		CHECK_EQ(clab_fragmentation_score_wmark(mem, true), max(100 - p, 5));
		CHECK_EQ(clab_fragmentation_score_wmark(mem, false),
			 min(max(100 - p, 5) + 10, 100));
	}
	CHECK_EQ(clab_set_compaction_proactiveness(mem, 101), -EINVAL);
	CHECK_EQ(clab_set_compaction_proactiveness(mem, 20), 0);
	CHECK(node->proactive_compact_trigger);
	/* An idle arena scores 0; a Gupta-fragmented one 100. */
	CHECK_EQ(clab_fragmentation_score_node(node), 0);
	CHECK(!clab_should_proactive_compact_node(node));
	o = test_owner_fragment(mem, 4);
	before = clab_fragmentation_score_node(node);
	CHECK(before >= 99);
	CHECK(clab_should_proactive_compact_node(node));
	/* kswapd running: proactive compaction stands back. */
	node->kswapd_running = true;
	CHECK(!clab_should_proactive_compact_node(node));
	node->kswapd_running = false;
	clab_proactive_compact_node(node);
	after = clab_fragmentation_score_node(node);
	DIAG("proactive pass: score %u -> %u (low mark %u)", before, after,
	     clab_fragmentation_score_wmark(mem, true));
	CHECK(after <= clab_fragmentation_score_wmark(mem, true));
	/* Proactiveness 0 turns it off. */
	clab_set_compaction_proactiveness(mem, 0);
	CHECK(!clab_should_proactive_compact_node(node));
	CHECK_EQ(test_owner_verify(o), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static void test_kcompactd_work(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *o = test_owner_fragment(mem, 4);
	unsigned long wakes = ev(CLAB_KCOMPACTD_WAKE);

	clab_wakeup_kcompactd(node, 0, 0);
	CHECK_EQ(node->kcompactd_max_order, 0);
	clab_wakeup_kcompactd(node, 9, CLAB_ZONE_NORMAL);
	CHECK_EQ(node->kcompactd_max_order, 9);
	CHECK_EQ(node->kcompactd_highest_zoneidx, CLAB_ZONE_NORMAL);
	clab_kcompactd_do_work(node);
	CHECK_EQ(ev(CLAB_KCOMPACTD_WAKE), wakes + 1);
	CHECK(ev(CLAB_KCOMPACTD_MIGRATE_SCANNED) > 0);
	CHECK(zone0(mem)->free_area[9].nr_free + zone0(mem)->free_area[10].nr_free > 0);
	CHECK_EQ(node->kcompactd_max_order, 0);
	CHECK_EQ(node->kcompactd_highest_zoneidx, CLAB_MAX_NR_ZONES - 1);
	CHECK_EQ(test_owner_verify(o), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static unsigned long lru_nth(struct clab_mem *mem, enum clab_lru_list l, int n)
{
	struct clab_page *p;

	list_for_each_entry(p, &mem->nodes[0].lru[l], lru)
		if (!n--)
			return p->private;
	return ~0UL;
}

static void test_lru(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *c = test_cache_create(mem, 8);
	unsigned long k;

	for (k = 0; k < 4; k++)
		clab_lru_add(mem, test_owner_alloc(c, k, CLAB_GFP_RECLAIMABLE));
	/* New pages enter the inactive head: 3 2 1 0. */
	CHECK_EQ(node->nr_lru[CLAB_LRU_INACTIVE], 4);
	CHECK_EQ(lru_nth(mem, CLAB_LRU_INACTIVE, 0), 3);
	CHECK_EQ(lru_nth(mem, CLAB_LRU_INACTIVE, 3), 0);
	/* One access marks, the second promotes. */
	clab_mark_page_accessed(mem, c->table[1]);
	CHECK_EQ(node->nr_lru[CLAB_LRU_ACTIVE], 0);
	CHECK(clab_page_test(c->table[1], CLAB_PG_REFERENCED));
	clab_mark_page_accessed(mem, c->table[1]);
	clab_mark_page_accessed(mem, c->table[2]);
	clab_mark_page_accessed(mem, c->table[2]);
	CHECK_EQ(node->nr_lru[CLAB_LRU_ACTIVE], 2);
	CHECK_EQ(lru_nth(mem, CLAB_LRU_ACTIVE, 0), 2);
	CHECK(clab_page_test(c->table[1], CLAB_PG_ACTIVE));
	/*
	 * Page 0 (inactive tail) referenced: it survives one round. Page 2
	 * (active) referenced again: a second chance when balancing.
	 */
	clab_mark_page_accessed(mem, c->table[0]);
	clab_mark_page_accessed(mem, c->table[2]);
	/*
	 * Reclaim one page: the inactive tail is 0 (referenced, rotated),
	 * then 3 goes.
	 */
	CHECK_EQ(clab_shrink_node(node, 1, false), 1);
	CHECK_EQ(c->drops, 1);
	CHECK(!c->table[3]);
	CHECK(c->table[0]);
	/*
	 * Balancing: inactive (0) shorter than active (1, 2): the active
	 * tail 1 moves; 2 keeps its place (second chance).
	 */
	CHECK_EQ(clab_shrink_node(node, 1, true), 1);
	CHECK(clab_page_test(c->table[2], CLAB_PG_ACTIVE));
	CHECK(!c->table[0] || !c->table[1]);
	CHECK(ev(CLAB_PGDEACTIVATE) > 0);
	CHECK(ev(CLAB_PGSTEAL_KSWAPD) >= 1);
	CHECK(ev(CLAB_PGSTEAL_DIRECT) >= 1);
	/* Freeing a page takes it off the LRU. */
	test_owner_free(c, 2);
	CHECK_EQ(node->nr_lru[CLAB_LRU_ACTIVE] + node->nr_lru[CLAB_LRU_INACTIVE], 1);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(c);
	CHECK_EQ(node->nr_lru[CLAB_LRU_ACTIVE] + node->nr_lru[CLAB_LRU_INACTIVE], 0);
	test_mem_destroy(mem);
}

static void test_kswapd_and_direct_reclaim(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *zone = zone0(mem);
	struct test_owner *c = test_cache_create(mem, 3 * 4096);
	unsigned long k = 0, stalls = ev(CLAB_ALLOCSTALL_NORMAL);
	struct clab_page *p;

	/* Fill with cache pages down to the min watermark. */
	while ((p = test_owner_alloc(c, k, CLAB_GFP_RECLAIMABLE)))
		clab_lru_add(mem, p), k++;
	CHECK(!clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	clab_balance_node(node, 0, CLAB_ZONE_NORMAL);
	CHECK(clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(zone->nr_free_pages > clab_wmark_pages(zone, CLAB_WMARK_HIGH));
	CHECK(ev(CLAB_PGSTEAL_KSWAPD) > 0);
	CHECK(ev(CLAB_PAGEOUTRUN) > 0);
	/* Fill again; a blocking unmovable request reclaims directly. */
	while ((p = test_owner_alloc(c, k, CLAB_GFP_RECLAIMABLE)))
		clab_lru_add(mem, p), k++;
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM, 0);
	CHECK(p);
	CHECK(ev(CLAB_ALLOCSTALL_NORMAL) > stalls);
	CHECK(ev(CLAB_PGSTEAL_DIRECT) > 0);
	if (p)
		clab_free_pages(mem, p, 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(c);
	test_mem_destroy(mem);
}

/* Make pageblock @pb (free) a highatomic reserve, as a GFP_ATOMIC request would. */
static void reserve_highatomic(struct clab_mem *mem, struct clab_zone *zone,
			       unsigned long pb)
{
	unsigned long idx = pb << CLAB_PAGEBLOCK_ORDER, flags;

	spin_lock_irqsave(&zone->lock, flags);
	clab_set_pageblock_migratetype(mem, idx, CLAB_MIGRATE_HIGHATOMIC);
	clab_move_freepages_block(zone, idx, CLAB_MIGRATE_HIGHATOMIC, NULL);
	zone->nr_reserved_highatomic += CLAB_PAGEBLOCK_PAGES;
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * An arena of pinned pages with every even page of blocks 1-5 free: plenty
 * of order-0 memory, no order-1 block, nothing compaction can move.
 */
static struct test_owner *pinned_even_holes(struct clab_mem *mem)
{
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k;

	for (k = 0; k < 4096; k++)
		if (o->table[k])
			test_owner_pin(o, k);
	for (k = 512; k < 3072; k += 2)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	return o;
}

/*
 * 6.1's __alloc_pages_direct_reclaim(): only when reclaim made progress
 * does a failed allocation release a highatomic reserve (all but the last
 * block) and drain the per-CPU lists, then try once more.
 */
static void test_direct_reclaim_drain(void)
{
	static const struct clab_policy_ops *policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	const unsigned int gfp = CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM | CLAB_GFP_NOWARN;
	int i;

	/*
	 * No reclaim progress: the order-1 buddies of four free pages sit on
	 * a CPU's list. linux does not drain, and fails; tuned drains.
	 */
	for (i = 0; i < 2; i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = pinned_even_holes(mem);
		unsigned long k, stalls = ev(CLAB_ALLOCSTALL_NORMAL), on_pcp = 0;
		struct clab_page *p;

		for (k = 513; k < 520; k += 2) {
			o->table[k]->flags &= ~BIT(CLAB_PG_PINNED);
			test_owner_free(o, k);
			on_pcp += clab_page_test(&mem->pages[k], CLAB_PG_PCP);
		}
		CHECK_EQ(on_pcp, 4);
		mem->compact_policy = policies[i];
		p = clab_alloc_pages(mem, 0, gfp, 1);
		DIAG("%s, no reclaim progress: order-1 %s after %lu stalls",
		     policies[i]->name, p ? "allocated" : "failed",
		     ev(CLAB_ALLOCSTALL_NORMAL) - stalls);
		CHECK_EQ(!!p, i == 1);
		CHECK_EQ(!!clab_page_test(&mem->pages[513], CLAB_PG_PCP), i == 0);
		if (p)
			clab_free_pages(mem, p, 1);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}

	/*
	 * Progress: 32 cache pages at odd pfns of block 0 (their buddies
	 * pinned) are reclaimed; blocks 6 and 7 are a highatomic reserve.
	 * The first direct reclaim releases one reserved block, and the
	 * retry takes from it.
	 */
	for (i = 0; i < 2; i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fill(mem);
		struct test_owner *c = test_cache_create(mem, 32);
		struct clab_zone *zone = zone0(mem);
		unsigned long k, stalls;
		struct clab_page *p;

		for (k = 3072; k < 4096; k++)
			test_owner_free(o, k);
		for (k = 1; k < 64; k += 2)
			test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		reserve_highatomic(mem, zone, 6);
		reserve_highatomic(mem, zone, 7);
		for (k = 0; k < 32; k++) {
			p = test_owner_alloc(c, k, CLAB_GFP_RECLAIMABLE |
					     CLAB_GFP_NO_WMARK);
			CHECK(p && clab_page_to_idx(mem, p) < 64);
			if (p)
				clab_lru_add(mem, p);
		}
		for (k = 0; k < 3072; k++)
			if (o->table[k])
				test_owner_pin(o, k);
		for (k = 512; k < 3072; k += 2)
			test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		mem->compact_policy = policies[i];
		stalls = ev(CLAB_ALLOCSTALL_NORMAL);
		p = clab_alloc_pages(mem, 0, gfp, 1);
		stalls = ev(CLAB_ALLOCSTALL_NORMAL) - stalls;
		DIAG("%s, reclaim progress: order-1 %s after %lu stalls; reserve %lu",
		     policies[i]->name, p ? "allocated" : "failed", stalls,
		     zone->nr_reserved_highatomic);
		CHECK(p);
		CHECK_EQ(stalls, 1);
		CHECK_EQ(zone->nr_reserved_highatomic, CLAB_PAGEBLOCK_PAGES);
		if (p)
			clab_free_pages(mem, p, 1);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(c);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * 6.1's should_reclaim_retry() weighs each zone's own reclaimable pages
 * (zone_reclaimable_pages()), not its node's: 500 LRU pages that reclaim
 * cannot free sit in a full Normal zone, whose lowmem reserve against
 * movable requests (960 pages) they do not cover; the Movable zone is full
 * and has none. No zone could pass min with its reclaimable pages, so a
 * movable request fails after one direct reclaim; counted per node, the
 * Movable zone would seem to pass, and it retried 16 more times.
 */
static void test_reclaim_retry_per_zone(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, "8M", NULL);
	struct clab_zone *normal = &mem->nodes[0].zones[CLAB_ZONE_NORMAL];
	struct clab_zone *movable = &mem->nodes[0].zones[CLAB_ZONE_MOVABLE];
	struct test_owner *lru = test_owner_create(mem, 500);
	struct test_owner *k = test_owner_create(mem, 2048);
	struct test_owner *m = test_owner_create(mem, 30720);
	unsigned long i, n = 0, stalls;
	struct clab_page *p;

	CHECK_EQ(normal->lowmem_reserve[CLAB_ZONE_MOVABLE], 960);
	CHECK(clab_wmark_pages(movable, CLAB_WMARK_MIN) < 500);
	/* An owner without ->drop: its LRU pages are never reclaimed. */
	for (i = 0; i < 500; i++) {
		p = test_owner_alloc(lru, i, CLAB_GFP_RECLAIMABLE);
		CHECK(p);
		if (p)
			clab_lru_add(mem, p);
	}
	CHECK_EQ(clab_zone_reclaimable_pages(normal), 500);
	CHECK_EQ(clab_zone_reclaimable_pages(movable), 0);
	for (i = 0; i < 2; i++) {
		while (test_owner_alloc(k, n, CLAB_GFP_KERNEL | CLAB_GFP_NO_WMARK))
			n++;
		clab_drain_all_pages(mem, NULL);
	}
	n = 0;
	for (i = 0; i < 2; i++) {
		while (test_owner_alloc(m, n, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK))
			n++;
		clab_drain_all_pages(mem, NULL);
	}
	CHECK_EQ(normal->nr_free_pages + movable->nr_free_pages, 0);
	stalls = ev(CLAB_ALLOCSTALL_MOVABLE);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
			     CLAB_GFP_NOWARN, 0);
	stalls = ev(CLAB_ALLOCSTALL_MOVABLE) - stalls;
	DIAG("movable request, reclaimable pages only in Normal: %s after %lu stalls",
	     p ? "allocated" : "failed", stalls);
	CHECK(!p);
	CHECK_EQ(stalls, 1);
	CHECK_EQ(clab_zone_reclaimable_pages(normal), 500);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(m);
	test_owner_destroy(k);
	test_owner_destroy(lru);
	CHECK_EQ(clab_zone_reclaimable_pages(normal), 0);
	test_mem_destroy(mem);
}

/*
 * 6.1's gfp_to_alloc_flags(): every request that cannot reclaim directly is
 * ALLOC_NON_BLOCK (GFP_NOWAIT as much as GFP_ATOMIC), so the highatomic
 * reserve counts as free for it and its order-0 pages may come from there;
 * with __GFP_HIGH, an order > 0 request may reserve a block. A request that
 * may block leaves the reserve alone.
 */
static void test_non_block_without_direct_reclaim(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fill(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned int nowait = CLAB_GFP_MOVABLE | CLAB_GFP_KSWAPD_RECLAIM;
	struct clab_page *p;
	unsigned long k;

	CHECK(clab_gfp_to_alloc_flags(nowait, 0) & CLAB_ALLOC_NON_BLOCK);
	CHECK(!(clab_gfp_to_alloc_flags(nowait, 1) & CLAB_ALLOC_HIGHATOMIC));
	CHECK(clab_gfp_to_alloc_flags(CLAB_GFP_KERNEL | CLAB_GFP_HIGH, 1) &
	      CLAB_ALLOC_HIGHATOMIC);
	CHECK(!(clab_gfp_to_alloc_flags(CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM |
					CLAB_GFP_HIGH, 1) &
		(CLAB_ALLOC_NON_BLOCK | CLAB_ALLOC_HIGHATOMIC)));
	/* Block 7 free and reserved; everything else in use. */
	for (k = 3584; k < 4096; k++)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	reserve_highatomic(mem, zone, 7);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
			     CLAB_GFP_NOWARN, 0);
	CHECK(!p);
	p = clab_alloc_pages(mem, 0, nowait | CLAB_GFP_NOWARN, 0);
	CHECK(p && clab_page_to_idx(mem, p) >= 3584);
	if (p)
		clab_free_pages(mem, p, 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static struct test_owner *oom_victim;
static bool test_oom_hook(struct clab_mem *mem)
{
	if (!oom_victim)
		return false;
	test_owner_destroy(oom_victim);	/* the killed process exits */
	oom_victim = NULL;
	return true;
}

static void test_oom(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_create(mem, 2048);
	unsigned long k = 0;
	struct clab_page *p;

	while (test_owner_alloc(o, k, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK))
		k++;
	clab_drain_all_pages(mem, NULL);
	while (test_owner_alloc(o, k, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK))
		k++;
	CHECK_EQ(k, 2048);
	/* By default a request that cannot be met fails cleanly. */
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM | CLAB_GFP_NOWARN, 0);
	CHECK(!p);
	/* With oom_kill, the largest user goes and the request succeeds. */
	mem->oom_kill = 1;
	mem->oom_kill_hook = test_oom_hook;
	oom_victim = o;
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM, 0);
	CHECK(p);
	CHECK(!oom_victim);
	if (p)
		clab_free_pages(mem, p, 0);
	/* Costly orders never trigger a kill. */
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/* A victim still exiting on the first call; it has exited by the second. */
static int oom_calls;
static bool test_oom_slow_exit_hook(struct clab_mem *mem)
{
	if (!oom_victim)
		return false;
	if (++oom_calls == 2) {
		test_owner_destroy(oom_victim);
		oom_victim = NULL;
	}
	return true;
}

/*
 * 6.1's __alloc_pages_slowpath() retries as long as the OOM killer makes
 * progress (out_of_memory() is true while a victim is still exiting), not
 * once.
 */
static void test_oom_retries_while_progress(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fill(mem);
	struct clab_page *p;

	mem->oom_kill = 1;
	mem->oom_kill_hook = test_oom_slow_exit_hook;
	oom_victim = o;
	oom_calls = 0;
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM, 0);
	DIAG("OOM killer called %d times; %s", oom_calls,
	     p ? "allocated" : "failed");
	CHECK(p);
	CHECK_EQ(oom_calls, 2);
	CHECK(!oom_victim);
	if (p)
		clab_free_pages(mem, p, 0);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * A caller that meets the OOM path already dying: out_of_memory() marks it
 * a victim (task_will_free_mem(current)) and reports progress, so 6.1
 * retries it with ALLOC_OOM (__gfp_pfmemalloc_flags()). The hook stops
 * reporting progress after 3 calls, so that a slowpath without the rule
 * ends.
 */
static bool dying_caller_is_victim;
static int dying_caller_calls;
static bool test_oom_dying_caller_hook(struct clab_mem *mem)
{
	if (++dying_caller_calls > 3)
		return false;
	dying_caller_is_victim = true;
	return true;
}

static bool test_oom_victim_hook(struct clab_mem *mem)
{
	return dying_caller_is_victim;
}

/* Free pages at Normal's min mark, @n pages given back by @o. */
static unsigned long oom_victim_setup(struct clab_mem *mem, struct test_owner *o,
				      unsigned long n)
{
	unsigned long k;

	for (k = 0; k < n; k++)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	mem->oom_kill = 1;
	mem->oom_kill_hook = test_oom_dying_caller_hook;
	mem->oom_victim_hook = test_oom_victim_hook;
	dying_caller_is_victim = false;
	dying_caller_calls = 0;
	return mem->nodes[0].zones[CLAB_ZONE_NORMAL].nr_free_pages;
}

/*
 * 6.1's __alloc_pages_slowpath(): an OOM victim retries with ALLOC_OOM,
 * whose watermark is half the min mark, and fails, rather than loop, once
 * that round failed too.
 */
static void test_oom_victim_alloc_oom(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct clab_zone *normal = &mem->nodes[0].zones[CLAB_ZONE_NORMAL];
	unsigned long min = clab_wmark_pages(normal, CLAB_WMARK_MIN), free;
	struct test_owner *o = test_owner_fill(mem);
	unsigned int gfp = CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM | CLAB_GFP_NOWARN;
	struct clab_page *p;

	CHECK(min >= 8);
	/* At the min mark: only a victim's ALLOC_OOM gets a page. */
	free = oom_victim_setup(mem, o, min);
	CHECK_EQ(free, min);
	p = clab_alloc_pages(mem, 0, gfp, 0);
	DIAG("%lu free at min %lu: the dying caller %s, OOM path met %d times",
	     free, min, p ? "allocated" : "failed", dying_caller_calls);
	CHECK(p);
	CHECK_EQ(dying_caller_calls, 1);
	if (p)
		clab_free_pages(mem, p, 0);
	test_owner_destroy(o);

	/* At half the min mark: ALLOC_OOM fails too, and the victim gives up. */
	o = test_owner_fill(mem);
	free = oom_victim_setup(mem, o, min / 2);
	p = clab_alloc_pages(mem, 0, gfp, 0);
	DIAG("%lu free at min %lu: the victim %s, OOM path met %d times",
	     free, min, p ? "allocated" : "failed", dying_caller_calls);
	CHECK(!p);
	CHECK_EQ(dying_caller_calls, 2);
	mem->oom_kill_hook = NULL;
	mem->oom_victim_hook = NULL;
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define SLOWPATH_CASES(X) \
	X(test_escalation) \
	X(test_direct_compaction) \
	X(test_capture) \
	X(test_capture_min_moves) \
	X(test_deferral_interplay) \
	X(test_proactive) \
	X(test_kcompactd_work) \
	X(test_lru) \
	X(test_kswapd_and_direct_reclaim) \
	X(test_direct_reclaim_drain) \
	X(test_reclaim_retry_per_zone) \
	X(test_non_block_without_direct_reclaim) \
	X(test_oom) \
	X(test_oom_retries_while_progress) \
	X(test_oom_victim_alloc_oom)

CLAB_TEST_SUITE(slowpath, SLOWPATH_CASES);
