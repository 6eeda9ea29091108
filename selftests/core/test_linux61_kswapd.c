// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_kswapd.c - kswapd and kcompactd as Linux 6.1 runs them
 * (mm/vmscan.c, mm/compaction.c): the balance test at the requested order,
 * the drop to order 0 after compact_gap() pages, the wakeups of kswapd for
 * a fragmented node and of kcompactd from kswapd's sleep path, hopeless
 * nodes, and what proactive compaction counts and stands back for.
 */
#include <compactlab/compaction.h>
#include <compactlab/extfrag.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

static unsigned long ev(enum clab_vm_event_item item)
{
	unsigned long all[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(all);
	return all[item];
}

/*
 * Someone on a wait queue, so that waitqueue_active() is true: in the
 * kernel an entry whose wake function does nothing, in user space the
 * shim's count of sleepers.
 */
struct fake_sleeper {
	wait_queue_head_t *head;
#ifdef __KERNEL__
	struct wait_queue_entry entry;
#endif
};

#ifdef __KERNEL__
static int fake_sleeper_wake(struct wait_queue_entry *entry, unsigned int mode,
			     int flags, void *key)
{
	return 0;
}

static void fake_sleeper_add(struct fake_sleeper *s, wait_queue_head_t *head)
{
	s->head = head;
	init_waitqueue_func_entry(&s->entry, fake_sleeper_wake);
	add_wait_queue(head, &s->entry);
}

static void fake_sleeper_del(struct fake_sleeper *s)
{
	remove_wait_queue(s->head, &s->entry);
}
#else
static void fake_sleeper_add(struct fake_sleeper *s, wait_queue_head_t *head)
{
	s->head = head;
	head->sleepers++;
}

static void fake_sleeper_del(struct fake_sleeper *s)
{
	s->head->sleepers--;
}
#endif

/*
 * A node with plenty of free pages and reclaimable cache, but no free
 * block above order 1: movable pages pinned at every pfn 4k + 2, cache
 * pages in most of the pfns 4k, the rest free. Returns the cache owner
 * (*@pinned: the movable one).
 */
static struct test_owner *fragment_with_cache(struct clab_mem *mem,
					      struct test_owner **pinned,
					      unsigned long *nr_cache)
{
	unsigned long n = mem->arena->nr_pages, k;
	struct test_owner *o = test_owner_create(mem, n);
	struct test_owner *c = test_cache_create(mem, n);
	struct clab_page *p;

	test_owner_fill_arena(o);
	for (k = 0; k < n; k += 4)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	for (k = 0; k < n && (p = test_owner_alloc(c, k, CLAB_GFP_RECLAIMABLE)); k++)
		clab_lru_add(mem, p);
	*nr_cache = k;
	for (k = 0; k < n; k++)
		if (k % 4 == 1 || k % 4 == 3)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	*pinned = o;
	return c;
}

static bool has_free_block(struct clab_zone *zone, unsigned int order)
{
	for (; order < CLAB_NR_ORDERS; order++)
		if (zone->free_area[order].nr_free)
			return true;
	return false;
}

/*
 * pgdat_balanced(): one eligible zone above its high watermark *at the
 * requested order* balances the node; a fragmented node with plenty of
 * order-0 memory is not balanced for order 9.
 */
static void test_pgdat_balanced(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *normal, *movable;
	struct test_owner *o = test_owner_fragment(mem, 4);
	unsigned long k;

	normal = &node->zones[CLAB_ZONE_NORMAL];
	CHECK(normal->nr_free_pages > 4 * clab_wmark_pages(normal, CLAB_WMARK_HIGH));
	CHECK(!has_free_block(normal, 9));
	CHECK(clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(clab_node_balanced(node, 1, CLAB_ZONE_NORMAL));
	CHECK(!clab_node_balanced(node, 9, CLAB_ZONE_NORMAL));
	test_owner_destroy(o);
	CHECK(clab_node_balanced(node, 9, CLAB_ZONE_NORMAL));
	test_mem_destroy(mem);

	/* Two zones: NORMAL full, MOVABLE free; one balanced zone is enough. */
	mem = test_mem_create("32M", 1, NULL, "16M");
	node = &mem->nodes[0];
	normal = &node->zones[CLAB_ZONE_NORMAL];
	movable = &node->zones[CLAB_ZONE_MOVABLE];
	o = test_owner_create(mem, mem->arena->nr_pages);
	for (k = 0; test_owner_alloc(o, k, CLAB_GFP_KERNEL); k++)
		;
	CHECK(normal->nr_free_pages < clab_wmark_pages(normal, CLAB_WMARK_HIGH));
	CHECK(movable->nr_free_pages > clab_wmark_pages(movable, CLAB_WMARK_HIGH));
	CHECK(!clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(clab_node_balanced(node, 0, CLAB_ZONE_MOVABLE));
	CHECK(clab_node_balanced(node, 9, CLAB_ZONE_MOVABLE));
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * wakeup_kswapd() and wake_all_kswapds(): a high-order request failing
 * its watermark on a fragmented node wakes kswapd (not kcompactd: kswapd
 * wakes it when it goes to sleep); a balanced node, or a hopeless one,
 * wakes kcompactd directly for a request that cannot compact itself.
 */
static void test_wakeup_kswapd(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct fake_sleeper kswapd;
	struct clab_page *p;

	fake_sleeper_add(&kswapd, &node->kswapd_wait);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_KSWAPD_RECLAIM |
			     CLAB_GFP_NOWARN, 9);
	CHECK(!p);
	CHECK_EQ(node->kswapd_order, 9);
	CHECK(node->kswapd_woken);
	CHECK_EQ(node->kcompactd_max_order, 0);

	/* Balanced at the order: kcompactd only, unless it may compact. */
	node->kswapd_woken = false;
	clab_wakeup_kswapd(node, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM, 1,
			   CLAB_ZONE_NORMAL);
	CHECK(!node->kswapd_woken);
	CHECK_EQ(node->kcompactd_max_order, 0);
	clab_wakeup_kswapd(node, CLAB_GFP_MOVABLE | CLAB_GFP_KSWAPD_RECLAIM, 1,
			   CLAB_ZONE_NORMAL);
	CHECK(!node->kswapd_woken);
	CHECK_EQ(node->kcompactd_max_order, 1);

	/* Hopeless: left to direct reclaim, kcompactd for the rest. */
	node->kswapd_failures = CLAB_MAX_RECLAIM_RETRIES;
	clab_wakeup_kswapd(node, CLAB_GFP_MOVABLE | CLAB_GFP_KSWAPD_RECLAIM, 9,
			   CLAB_ZONE_NORMAL);
	CHECK(!node->kswapd_woken);
	CHECK_EQ(node->kcompactd_max_order, 9);
	node->kswapd_failures = CLAB_MAX_RECLAIM_RETRIES - 1;
	clab_wakeup_kswapd(node, CLAB_GFP_MOVABLE | CLAB_GFP_KSWAPD_RECLAIM, 9,
			   CLAB_ZONE_NORMAL);
	CHECK(node->kswapd_woken);
	fake_sleeper_del(&kswapd);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * kswapd_shrink_node() and balance_pgdat(): woken for order 9 on a node
 * that fragmentation keeps from ever balancing at order 9, kswapd reclaims
 * in rounds of the high watermark until compact_gap(9) = 1024 pages are
 * reclaimed, then judges the node at order 0 and stops; its sleep path
 * (kswapd_try_to_sleep()) then resets the skip hints and wakes kcompactd
 * for order 9, which builds the block.
 */
static void test_kswapd_compact_gap(void)
{
	struct clab_mem *mem = test_mem_create("64M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *zone = &node->zones[CLAB_ZONE_NORMAL];
	unsigned long high = clab_wmark_pages(zone, CLAB_WMARK_HIGH);
	unsigned long stolen, nr_cache;
	struct test_owner *o, *c;
	int reclaim_order;

	c = fragment_with_cache(mem, &o, &nr_cache);
	/* The cache's fallbacks boosted the marks: not this test's subject. */
	zone->watermark_boost = 0;
	stolen = ev(CLAB_PGSTEAL_KSWAPD);
	DIAG("%lu cache pages, %lu free, high mark %lu", nr_cache,
	     zone->nr_free_pages, high);
	CHECK(nr_cache > 1024 + 2 * high);
	CHECK(clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(!clab_node_balanced(node, 9, CLAB_ZONE_NORMAL));

	reclaim_order = clab_balance_node(node, 9, CLAB_ZONE_NORMAL);
	stolen = ev(CLAB_PGSTEAL_KSWAPD) - stolen;
	DIAG("kswapd for order 9: %lu pages reclaimed, finished at order %d",
	     stolen, reclaim_order);
	CHECK_EQ(reclaim_order, 0);
	CHECK(stolen >= 1024);
	CHECK(stolen < 1024 + high);
	CHECK(!clab_node_balanced(node, 9, CLAB_ZONE_NORMAL));
	CHECK_EQ(node->kswapd_failures, 0);

	/* Going to sleep at order 0, it wakes kcompactd for order 9. */
	CHECK(clab_kswapd_settle(node, 9, reclaim_order, CLAB_ZONE_NORMAL));
	CHECK_EQ(node->kcompactd_max_order, 9);
	CHECK_EQ(node->kcompactd_highest_zoneidx, CLAB_ZONE_NORMAL);
	clab_kcompactd_do_work(node);
	DIAG("kcompactd: %lu blocks of order 9 or more",
	     zone->free_area[9].nr_free + zone->free_area[10].nr_free);
	CHECK(has_free_block(zone, 9));
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(c);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * balance_pgdat(), prepare_kswapd_sleep() and shrink_node(): a balance
 * that reclaims nothing is a kswapd failure; after MAX_RECLAIM_RETRIES of
 * them the node is hopeless and kswapd sleeps on it, but does not wake
 * kcompactd, nor reset the skip hints, unless it may sleep; any reclaim
 * progress revives the node.
 */
static void test_kswapd_failures(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *zone = &node->zones[CLAB_ZONE_NORMAL];
	struct test_owner *o = test_owner_create(mem, mem->arena->nr_pages);
	struct test_owner *c = test_cache_create(mem, 1);
	struct clab_page *p;
	unsigned long k = 0;
	int n;

	while ((p = test_owner_alloc(o, k, CLAB_GFP_KERNEL)))
		k++;
	CHECK(!clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(!clab_prepare_kswapd_sleep(node, 0, CLAB_ZONE_NORMAL));
	/* kswapd that may not sleep keeps the skip hints, leaves kcompactd. */
	zone->compact_blockskip_flush = true;
	CHECK(!clab_kswapd_settle(node, 9, 0, CLAB_ZONE_NORMAL));
	CHECK(zone->compact_blockskip_flush);
	CHECK_EQ(node->kcompactd_max_order, 0);
	for (n = 1; n <= CLAB_MAX_RECLAIM_RETRIES; n++) {
		CHECK_EQ(clab_balance_node(node, 0, CLAB_ZONE_NORMAL), 0);
		CHECK_EQ(node->kswapd_failures, n);
	}
	CHECK(!clab_node_balanced(node, 0, CLAB_ZONE_NORMAL));
	CHECK(clab_prepare_kswapd_sleep(node, 0, CLAB_ZONE_NORMAL));
	/* It may sleep: the skip hints go (reset_isolation_suitable()). */
	CHECK(clab_kswapd_settle(node, 2, 0, CLAB_ZONE_NORMAL));
	CHECK(!zone->compact_blockskip_flush);
	CHECK_EQ(node->kcompactd_max_order, 2);

	/* A direct reclaim that frees a page revives the node. */
	p = test_owner_alloc(c, 0, CLAB_GFP_RECLAIMABLE | CLAB_GFP_NO_WMARK);
	CHECK(p);
	if (p)
		clab_lru_add(mem, p);
	CHECK_EQ(clab_shrink_node(node, 1, false), 1);
	CHECK_EQ(node->kswapd_failures, 0);
	CHECK(!clab_prepare_kswapd_sleep(node, 0, CLAB_ZONE_NORMAL));
	test_owner_destroy(c);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * proactive_compact_node(): a proactive pass counts as compaction
 * (compact_migrate_scanned...) but not as kcompactd's work: 6.1 counts
 * compact_daemon_* for kcompactd_do_work() only.
 */
static void test_proactive_counters(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *o = test_owner_fragment(mem, 4);
	unsigned long scanned = ev(CLAB_COMPACTMIGRATE_SCANNED);
	unsigned long d_wake = ev(CLAB_KCOMPACTD_WAKE);
	unsigned long d_migrate = ev(CLAB_KCOMPACTD_MIGRATE_SCANNED);
	unsigned long d_free = ev(CLAB_KCOMPACTD_FREE_SCANNED);

	clab_proactive_compact_node(node);
	CHECK(ev(CLAB_COMPACTMIGRATE_SCANNED) > scanned);
	CHECK_EQ(ev(CLAB_KCOMPACTD_WAKE), d_wake);
	CHECK_EQ(ev(CLAB_KCOMPACTD_MIGRATE_SCANNED), d_migrate);
	CHECK_EQ(ev(CLAB_KCOMPACTD_FREE_SCANNED), d_free);
	CHECK_EQ(test_owner_verify(o), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * should_proactive_compact_node(): 6.1 stands back for a running kswapd
 * only; standing back for direct compactors is policy tuned's.
 */
static void test_proactive_direct_compactor(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_node *node = &mem->nodes[0];
	struct test_owner *o = test_owner_fragment(mem, 4);

	CHECK_EQ(clab_set_compaction_proactiveness(mem, 20), 0);
	atomic_inc(&node->nr_direct_compactors);
	mem->compact_policy = CLAB_POLICY_LINUX;
	CHECK(clab_should_proactive_compact_node(node));
	mem->compact_policy = CLAB_POLICY_MIN_MOVES;
	CHECK(clab_should_proactive_compact_node(node));
	mem->compact_policy = CLAB_POLICY_TUNED;
	CHECK(!clab_should_proactive_compact_node(node));
	atomic_dec(&node->nr_direct_compactors);
	CHECK(clab_should_proactive_compact_node(node));
	node->kswapd_running = true;
	mem->compact_policy = CLAB_POLICY_LINUX;
	CHECK(!clab_should_proactive_compact_node(node));
	node->kswapd_running = false;
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * kcompactd_node_suitable() judges every zone with the watermark of the
 * pending request's highest zone index: a NORMAL zone's lowmem reserve for
 * MOVABLE requests counts. 128M, 8M of it NORMAL: the reserve is 30720 /
 * 32 = 960 pages. NORMAL keeps 1 page in 4 (1536 free, no block above
 * order 1), MOVABLE is full. Order 9 wants the low watermark plus
 * compact_gap(9) = 1024 pages: NORMAL passes for a NORMAL request, not
 * for a MOVABLE one (1536 < 1024 + 960), so a MOVABLE request does not
 * wake kcompactd.
 */
static void test_kcompactd_node_suitable_highest_zoneidx(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, "120M");
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *normal = &node->zones[CLAB_ZONE_NORMAL];
	struct test_owner *o = test_owner_create(mem, mem->arena->nr_pages);
	unsigned long k;

	clab_set_min_free_kbytes(mem, 0);
	TEST_ASSERT(test_owner_fill_arena(o) == mem->arena->nr_pages);
	for (k = normal->start; k < normal->end; k++)
		if (k % 4)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(normal->nr_free_pages, 1536);
	CHECK_EQ(normal->lowmem_reserve[CLAB_ZONE_MOVABLE], 960);

	WRITE_ONCE(node->kcompactd_max_order, 9);
	WRITE_ONCE(node->kcompactd_highest_zoneidx, CLAB_ZONE_MOVABLE);
	CHECK(!clab_kcompactd_node_suitable(node));
	WRITE_ONCE(node->kcompactd_highest_zoneidx, CLAB_ZONE_NORMAL);
	CHECK(clab_kcompactd_node_suitable(node));

	WRITE_ONCE(node->kcompactd_max_order, 0);
	WRITE_ONCE(node->kcompactd_highest_zoneidx, CLAB_MAX_NR_ZONES - 1);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1's kcompactd_do_work() runs every zone with one compact_control: a
 * normal zone compacted from its start (whole_zone) leaves whole_zone set,
 * so the movable zone's run also starts at its ends, not where its last
 * run stopped. (So do the fast searches' fast_search_fail and
 * search_order.)
 */
static void test_kcompactd_one_control(void)
{
	struct clab_mem *mem = test_mem_create("32M", 1, "16M", NULL);
	struct clab_node *node = &mem->nodes[0];
	struct clab_zone *normal = &node->zones[CLAB_ZONE_NORMAL];
	struct clab_zone *movable = &node->zones[CLAB_ZONE_MOVABLE];
	struct test_owner *o = test_owner_fragment(mem, 4);
	unsigned long begins = clab_trace_counts.begin, mid;

	mid = movable->start + (movable->end - movable->start) / 2;
	CHECK_EQ(normal->compact_cached_migrate_pfn[1], normal->start);
	movable->compact_cached_migrate_pfn[0] = mid;
	movable->compact_cached_migrate_pfn[1] = mid;
	node->kcompactd_max_order = 9;
	node->kcompactd_highest_zoneidx = CLAB_ZONE_MOVABLE;
	clab_kcompactd_do_work(node);
	DIAG("%lu runs; the movable zone's began at %#lx (zone start %#lx, cached %#lx)",
	     clab_trace_counts.begin - begins,
	     clab_trace_counts.last_begin_migrate_pfn, movable->start, mid);
	CHECK_EQ(clab_trace_counts.begin - begins, 2);
	CHECK_EQ(clab_trace_counts.last_begin_migrate_pfn, movable->start);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define LINUX61_KSWAPD_CASES(X) \
	X(test_kcompactd_node_suitable_highest_zoneidx) \
	X(test_pgdat_balanced) \
	X(test_wakeup_kswapd) \
	X(test_kswapd_compact_gap) \
	X(test_kswapd_failures) \
	X(test_proactive_counters) \
	X(test_proactive_direct_compactor) \
	X(test_kcompactd_one_control)

CLAB_TEST_SUITE(linux61_kswapd, LINUX61_KSWAPD_CASES);
