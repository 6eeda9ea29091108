// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_migrate.c - the migrate scanner against Linux 6.1's rules:
 * what isolate_migratepages_block() counts as scanned, the order-aligned
 * piece a per-CPU list page makes an async direct compactor give up, and
 * the unevictable pages isolate_migratepages() takes only while
 * compact_unevictable_allowed is set, and __unmap_and_move()'s rule that
 * a direct compactor never waits for a page lock.
 *
 * Each case lays out the first pageblock of an 8M arena page by page and
 * runs the migrate scanner once on it, as clab_compact_zone() would.
 */
#include <compactlab/compaction.h>
#include <compactlab/policy.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

/* Owned movable pages at every index, every one of them pinned. */
static struct test_owner *fill_pinned(struct clab_mem *mem)
{
	unsigned long n = mem->arena->nr_pages, k;
	struct test_owner *o = test_owner_create(mem, n);

	TEST_ASSERT(test_owner_fill_arena(o) == n);
	for (k = 0; k < n; k++)
		set_bit(CLAB_PG_PINNED, &o->table[k]->flags);
	return o;
}

static void unpin(struct test_owner *o, unsigned long key)
{
	clear_bit(CLAB_PG_PINNED, &o->table[key]->flags);
}

/*
 * One isolate_migratepages() call from the zone's start: the first block
 * only (the scanner stops after the first suitable block). Leaves skip
 * hints alone. Returns the pages isolated; *scanned gets nr_scanned and
 * *isolated_first the lowest isolated index (or -1).
 */
static unsigned int isolate_first_block(struct clab_mem *mem,
					enum clab_migrate_mode mode,
					bool direct, int order,
					unsigned long *scanned,
					long *isolated_first)
{
	struct clab_compact_control cc = {
		.zone = zone0(mem),
		.order = order,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = mode,
		.direct_compaction = direct,
		.no_set_skip_hint = true,
	};
	struct clab_page *page;
	unsigned int n;

	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	cc.migrate_pfn = cc.zone->start;
	cc.free_pfn = cc.zone->end;
	clab_isolate_migratepages(&cc);
	*scanned = cc.total_migrate_scanned;
	*isolated_first = -1;
	list_for_each_entry(page, &cc.migratepages, lru) {
		long idx = clab_page_to_idx(mem, page);

		if (*isolated_first < 0 || idx < *isolated_first)
			*isolated_first = idx;
	}
	n = cc.nr_migratepages;
	clab_putback_movable_pages(&cc);
	return n;
}

/*
 * 6.1 isolate_migratepages_block(): nr_scanned counts every pfn the loop
 * stops at. A free buddy block counts once (its head; the scanner steps
 * over the rest), a free page on a per-CPU list once (not buddy, not LRU,
 * not movable: a failed isolation), every in-use page once.
 *
 * Block 0: 0-7 a free order-3 block, 8 in use, 9 on a per-CPU list,
 * 10-15 a free order-1 and an order-2 block (10-11, 12-15), 16-511 in
 * use. Every in-use page is pinned: nothing is isolated and the scan goes
 * to the block's end. Scanned: 1 + 1 + 1 + 2 + 496 = 501.
 */
static void test_migrate_scanned_counts_free_and_pcp(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	unsigned long k, scanned;
	long first;

	for (k = 0; k < 16; k++)
		if (k != 8 && k != 9)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	test_owner_free(o, 9);		/* stays on the per-CPU list */
	TEST_ASSERT(clab_page_test(clab_idx_to_page(mem, 9), CLAB_PG_PCP));
	TEST_ASSERT(clab_page_is_buddy(clab_idx_to_page(mem, 0)));
	CHECK_EQ(clab_idx_to_page(mem, 0)->order, 3);

	CHECK_EQ(isolate_first_block(mem, CLAB_MIGRATE_SYNC_LIGHT, false, -1,
				     &scanned, &first), 0);
	DIAG("block 0 scanned %lu (6.1: 501)", scanned);
	CHECK_EQ(scanned, 501);

	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1 isolate_migratepages_block(), skip_on_failure: async direct
 * compaction works in cc->order aligned pieces, and a page that fails
 * isolation gives its piece up, putting back what the piece had isolated.
 * A page on a per-CPU list is such a failure (neither LRU nor movable).
 *
 * Order 2, block 0: 0-3 movable with 2 on a per-CPU list, 4-7 movable,
 * the rest pinned. 0 and 1 are isolated, 2 fails and gives the piece up,
 * 4-7 are isolated and the scan stops at 8: 4 pages, from 4, 7 scanned.
 */
static void test_pcp_page_skips_order_piece(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	unsigned long k, scanned;
	unsigned int n;
	long first;

	for (k = 0; k < 8; k++)
		unpin(o, k);
	test_owner_free(o, 2);		/* stays on the per-CPU list */
	TEST_ASSERT(clab_page_test(clab_idx_to_page(mem, 2), CLAB_PG_PCP));
	TEST_ASSERT(clab_get_pageblock_migratetype(mem, 0) == CLAB_MIGRATE_MOVABLE);

	n = isolate_first_block(mem, CLAB_MIGRATE_ASYNC, true, 2, &scanned,
				&first);
	DIAG("isolated %u from %ld, scanned %lu (6.1: 4 from 4, 7)", n, first,
	     scanned);
	CHECK_EQ(n, 4);
	CHECK_EQ(first, 4);
	CHECK_EQ(scanned, 7);

	/* Without skip_on_failure (not direct) the same layout gives 0-7. */
	n = isolate_first_block(mem, CLAB_MIGRATE_ASYNC, false, 2, &scanned,
				&first);
	CHECK_EQ(n, 7);
	CHECK_EQ(first, 0);

	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1 isolate_migratepages(): the isolate mode has ISOLATE_UNEVICTABLE
 * when sysctl_compact_unevictable_allowed is set, in every migrate mode,
 * and isolate_migratepages_block() fails an unevictable page without it.
 *
 * Block 0: 0 movable and unevictable, 1 movable, the rest pinned.
 */
static void test_unevictable_allowed(void)
{
	static const enum clab_migrate_mode modes[] = {
		CLAB_MIGRATE_ASYNC, CLAB_MIGRATE_SYNC_LIGHT, CLAB_MIGRATE_SYNC,
	};
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	unsigned long scanned;
	unsigned int i;
	long first;

	unpin(o, 0);
	unpin(o, 1);
	set_bit(CLAB_PG_UNEVICTABLE, &o->table[0]->flags);
	CHECK_EQ(mem->compact_unevictable_allowed, 1);	/* the default */
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 0), 0);
		CHECK_EQ(isolate_first_block(mem, modes[i], false, -1,
					     &scanned, &first), 1);
		CHECK_EQ(first, 1);
		CHECK_EQ(scanned, 512);
		CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 1), 0);
		CHECK_EQ(isolate_first_block(mem, modes[i], false, -1,
					     &scanned, &first), 2);
		CHECK_EQ(first, 0);
	}

	/*
	 * A whole compaction leaves it where it is, then moves it (eight
	 * free targets, and no watermark to keep them from the free scanner).
	 */
	clab_set_min_free_kbytes(mem, 0);
	CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 0), 0);
	for (i = 1500; i < 1508; i++)	/* targets for the free scanner */
		test_owner_free(o, i);
	clab_drain_all_pages(mem, NULL);
	clab_compact_node(mem, 0, &(struct clab_compact_stats){ 0 });
	CHECK_EQ(test_owner_pfn(o, 0), 0);
	CHECK(test_owner_pfn(o, 1) != 1);
	CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 1), 0);
	clab_compact_node(mem, 0, &(struct clab_compact_stats){ 0 });
	CHECK(test_owner_pfn(o, 0) != 0);

	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * An async direct compaction of @order under @policy, from the zone's
 * ends: the start of the cached-position cases below, which then call
 * async_direct_reset().
 */
static struct clab_compact_control
async_direct_cc(struct clab_zone *zone, int order,
		const struct clab_policy_ops *policy)
{
	return (struct clab_compact_control) {
		.zone = zone,
		.order = order,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = CLAB_MIGRATE_ASYNC,
		.direct_compaction = true,
		.policy = policy,
		.migrate_pfn = zone->start,
		.free_pfn = clab_pageblock_start_pfn(zone->end - 1),
	};
}

/* @cc's lists, and its zone with no skip hint and its cached positions reset. */
static void async_direct_reset(struct clab_compact_control *cc)
{
	struct clab_zone *zone = cc->zone;
	unsigned long pfn;

	for (pfn = zone->start; pfn < zone->end; pfn += CLAB_PAGEBLOCK_PAGES)
		clab_idx_to_pageblock(zone->node->mem, pfn)->skip = 0;
	clab_reset_cached_positions(zone);
	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
}

/*
 * 6.1 isolate_migratepages(): an async direct compaction passes over a
 * block of another migratetype and calls update_cached_migrate() with the
 * block's end, which that function rounds up to the end of the next
 * block. Blocks 0 and 1 UNMOVABLE, block 2 movable with 1024-1027 movable
 * and the rest pinned: the scanner passes over blocks 0 and 1 and isolates
 * 1024-1027. Under linux each unsuitable block raises
 * cached_migrate_pfn[0] to the end of the block after it, 1536 in the end,
 * past block 2 which still holds pages to move; under tuned to its own
 * end, 1024.
 */
static void test_cached_migrate_past_unsuitable_block(void)
{
	const struct clab_policy_ops *policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	static const unsigned long want[] = { 1536, 1024 };
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned int i;

	clab_set_pageblock_migratetype(mem, 0, CLAB_MIGRATE_UNMOVABLE);
	clab_set_pageblock_migratetype(mem, 512, CLAB_MIGRATE_UNMOVABLE);
	for (i = 1024; i < 1028; i++)
		unpin(o, i);
	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_compact_control cc =
			async_direct_cc(zone, 2, policies[i]);

		/* The hints go: the first run claimed block 2 (test_and_set_skip()). */
		async_direct_reset(&cc);
		CHECK_EQ(clab_isolate_migratepages(&cc), CLAB_ISOLATE_SUCCESS);
		CHECK_EQ(cc.nr_migratepages, 4);
		clab_putback_movable_pages(&cc);
		DIAG("%s: cached_migrate_pfn[0] %lu (6.1: 1536)",
		     policies[i]->name, zone->compact_cached_migrate_pfn[0]);
		CHECK_EQ(zone->compact_cached_migrate_pfn[0], want[i]);
		/* Async: the sync position stays. */
		CHECK_EQ(zone->compact_cached_migrate_pfn[1], zone->start);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1 isolate_migratepages_block(): a block scanned to its end with nothing
 * isolated in that round calls update_cached_migrate() with low_pfn, the
 * block's end, which it rounds up to the end of the next block. Block 0
 * holds 32 movable pages at 0-31, the rest pinned: an async direct
 * order-9 compaction isolates them in one full batch, and its next round
 * scans 32-511, isolates nothing and moves the cached position: under
 * linux past block 1 (1024), which holds pages to move, under tuned to
 * block 0's end (512).
 */
static void test_cached_migrate_after_scanned_block(void)
{
	const struct clab_policy_ops *policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	static const unsigned long want[] = { 1024, 512 };
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned int i;

	for (i = 0; i < CLAB_COMPACT_CLUSTER_MAX; i++)
		unpin(o, i);
	for (i = 512; i < 1024; i++)
		unpin(o, i);
	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_compact_control cc =
			async_direct_cc(zone, CLAB_PAGEBLOCK_ORDER, policies[i]);

		async_direct_reset(&cc);
		CHECK_EQ(clab_isolate_migratepages(&cc), CLAB_ISOLATE_SUCCESS);
		CHECK_EQ(cc.nr_migratepages, CLAB_COMPACT_CLUSTER_MAX);
		CHECK_EQ(cc.migrate_pfn, CLAB_COMPACT_CLUSTER_MAX);
		clab_putback_movable_pages(&cc);
		/* The round that finishes block 0. */
		CHECK_EQ(clab_isolate_migratepages(&cc), CLAB_ISOLATE_NONE);
		CHECK_EQ(cc.migrate_pfn, CLAB_PAGEBLOCK_PAGES);
		DIAG("%s: cached_migrate_pfn[0] %lu (6.1: 1024)",
		     policies[i]->name, zone->compact_cached_migrate_pfn[0]);
		CHECK_EQ(zone->compact_cached_migrate_pfn[0], want[i]);
		CHECK_EQ(zone->compact_cached_migrate_pfn[1], zone->start);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1's test_and_set_skip() is given the pfn of the page being isolated
 * and acts only when that is the block's first pfn: a scanner that
 * isolates the block's first page claims the block (marks it skip), one
 * whose first isolation is further in does not. Block 0 all movable,
 * scanned once with page 0 pinned and once without: 32 pages isolated
 * each time (a full batch), the hint set only the second time.
 */
static void test_and_set_skip_at_first_page(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned long k;
	int pass;

	for (k = 1; k < CLAB_PAGEBLOCK_PAGES; k++)
		unpin(o, k);
	for (pass = 0; pass < 2; pass++) {
		struct clab_compact_control cc = {
			.zone = zone,
			.order = -1,
			.gfp = CLAB_GFP_MOVABLE,
			.migratetype = CLAB_MIGRATE_MOVABLE,
			.mode = CLAB_MIGRATE_SYNC_LIGHT,
			.migrate_pfn = zone->start,
			.free_pfn = clab_pageblock_start_pfn(zone->end - 1),
		};

		if (pass)
			unpin(o, 0);
		clab_idx_to_pageblock(mem, 0)->skip = 0;
		INIT_LIST_HEAD(&cc.freepages);
		INIT_LIST_HEAD(&cc.migratepages);
		CHECK_EQ(clab_isolate_migratepages(&cc), CLAB_ISOLATE_SUCCESS);
		CHECK_EQ(cc.nr_migratepages, CLAB_COMPACT_CLUSTER_MAX);
		DIAG("page 0 %s: block 0 skip %d (6.1: %d)",
		     pass ? "movable" : "pinned",
		     clab_get_pageblock_skip(mem, 0), pass);
		CHECK_EQ(clab_get_pageblock_skip(mem, 0), pass == 1);
		clab_putback_movable_pages(&cc);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * min_moves honours compact_unevictable_allowed as the kernel's scanners
 * do. Order 2: block 0-3 holds one page to move, unevictable, at 0, block
 * 8-11 one ordinary page at 8, both with the rest free; every other page
 * is pinned but for free single pages at 1500, 1502, ... (targets). With
 * unevictable pages not allowed to move, min_moves empties 8-11 instead
 * of 0-3.
 */
static void test_min_moves_unevictable(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = {
		.zone = zone,
		.order = 2,
		.gfp = CLAB_GFP_MOVABLE,
		.mode = CLAB_MIGRATE_SYNC,
		.policy = CLAB_POLICY_MIN_MOVES,
		.alloc_flags = CLAB_ALLOC_WMARK_MIN,
	};
	unsigned long k;

	clab_set_min_free_kbytes(mem, 0);
	unpin(o, 0);
	set_bit(CLAB_PG_UNEVICTABLE, &o->table[0]->flags);
	unpin(o, 8);
	for (k = 1; k < 4; k++) {
		test_owner_free(o, k);
		test_owner_free(o, 8 + k);
	}
	for (k = 1500; k < 1540; k += 2)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 0), 0);
	CHECK_EQ(clab_compact_zone(&cc), CLAB_COMPACT_SUCCESS);
	DIAG("unevictable page at %lu, ordinary page at %lu",
	     test_owner_pfn(o, 0), test_owner_pfn(o, 8));
	CHECK_EQ(test_owner_pfn(o, 0), 0);
	CHECK(test_owner_pfn(o, 8) != 8);
	CHECK_EQ(clab_set_compact_unevictable_allowed(mem, 1), 0);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/* An owner lock someone else holds: lock() is counted, as if it waited. */
static int lock_waits;
static void lock_waiting(struct clab_owner *owner, struct clab_page *page)
{
	struct test_owner *o = container_of(owner, struct test_owner, owner);

	lock_waits++;
	o->locked = 1;
}

/*
 * 6.1's __unmap_and_move(): a direct compactor (PF_MEMALLOC) never sleeps
 * on a page lock, even in its forced last pass; kcompactd and the
 * compact_memory triggers do. With every owner lock taken, a SYNC_LIGHT
 * direct compaction moves nothing and never waits.
 */
static void test_direct_compaction_never_waits_for_lock(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_owner_ops ops = *o->owner.ops;
	struct clab_compact_stats st = { 0 };

	ops.lock = lock_waiting;
	o->owner.ops = &ops;
	o->locked = 1;
	lock_waits = 0;
	clab_compact_zone_order(zone0(mem), 9, CLAB_GFP_MOVABLE,
				CLAB_COMPACT_PRIO_SYNC_LIGHT, CLAB_ALLOC_WMARK_LOW,
				CLAB_ZONE_MOVABLE, NULL, &st);
	DIAG("direct SYNC_LIGHT, owner locked: %d waits, %lu moved, %lu failed",
	     lock_waits, st.migrated, st.failed);
	CHECK_EQ(lock_waits, 0);
	CHECK_EQ(st.migrated, 0);
	CHECK(st.failed > 0);
	o->locked = 0;
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/* Free pages on CPU lists in [start, end). */
static unsigned int pcp_pages_in(struct clab_mem *mem, unsigned long start,
				 unsigned long end)
{
	unsigned int n = 0;

	for (; start < end; start++)
		n += clab_page_test(clab_idx_to_page(mem, start), CLAB_PG_PCP);
	return n;
}

/*
 * 6.1 frees a migrated page to the CPU's list (putback of the source page
 * through free_unref_page()), and compact_zone() drains this CPU's lists
 * (lru_add_drain_cpu_zone()) once its migrate scanner has left the
 * cc->order block it migrated from, so that the block merges and
 * compact_finished() sees it. Block 0-7 holds pages to move at 1, 3, 4
 * and 6, the rest of it free; everything else is pinned but for free
 * single pages at 1500, 1502, ... (targets).
 *  - compact_memory (order -1) has no drain point: the moved pages wait
 *    on a CPU's list (all but those the list's high of 8 MiB's batch of 1
 *    pushed back), and 0-7 is no order-3 block until a drain;
 *  - an order-3 compaction leaves block 0 for 512 and drains: 0-7 is a
 *    free order-3 block and the compaction ends with SUCCESS.
 */
static void test_migrated_pages_to_pcp_and_drain(void)
{
	int order;

	for (order = -1; order <= 3; order += 4) {
		struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
		struct test_owner *o = fill_pinned(mem);
		struct clab_zone *zone = zone0(mem);
		struct clab_compact_control cc = {
			.zone = zone,
			.order = order,
			.gfp = CLAB_GFP_MOVABLE,
			.mode = CLAB_MIGRATE_SYNC,
			.policy = CLAB_POLICY_LINUX,
			.alloc_flags = CLAB_ALLOC_WMARK_MIN,
			.ignore_skip_hint = true,
			.whole_zone = true,
		};
		struct clab_page *head = clab_idx_to_page(mem, 0);
		enum clab_compact_result r;
		unsigned int on_pcp;
		unsigned long k;

		clab_set_min_free_kbytes(mem, 0);
		for (k = 0; k < 8; k++) {
			if (k == 1 || k == 3 || k == 4 || k == 6)
				unpin(o, k);
			else
				test_owner_free(o, k);
		}
		for (k = 1500; k < 1540; k += 2)
			test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		/* On one CPU (KUnit), whose list is the one drained. */
		migrate_disable();
		r = clab_compact_zone(&cc);
		migrate_enable();
		on_pcp = pcp_pages_in(mem, 0, 8);
		DIAG("order %d: result %d, %u of 0-7 on a CPU list, page 0 %s of order %u",
		     order, r, on_pcp,
		     clab_page_is_buddy(head) ? "a free head" : "not a free head",
		     head->order);
		for (k = 0; k < 8; k++)
			CHECK(!test_bit(k, mem->inuse));
		if (order < 0) {
			CHECK_EQ(r, CLAB_COMPACT_COMPLETE);
			CHECK(on_pcp >= 1);
			CHECK(!clab_page_is_buddy(head) || head->order < 3);
			clab_drain_all_pages(mem, NULL);
		} else {
			CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
			CHECK_EQ(on_pcp, 0);
		}
		CHECK(clab_page_is_buddy(head) && head->order == 3);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * 6.1's compact_node() (compact_memory, nodeN/compact) drains no per-CPU
 * list first: lru_add_drain_all() drains LRU batches. A page freed to a
 * CPU's list just before stays there through the compaction.
 */
static void test_compact_node_leaves_pcp(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = fill_pinned(mem);
	struct clab_compact_stats st = { 0 };

	test_owner_free(o, 7);
	CHECK(clab_page_test(clab_idx_to_page(mem, 7), CLAB_PG_PCP));
	CHECK_EQ(clab_compact_node(mem, 0, &st), 0);
	DIAG("compact_node: page 7 %s", clab_page_test(clab_idx_to_page(mem, 7),
						       CLAB_PG_PCP) ?
	     "still on a CPU list" : "drained");
	CHECK(clab_page_test(clab_idx_to_page(mem, 7), CLAB_PG_PCP));
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define LINUX61_MIGRATE_CASES(X) \
	X(test_min_moves_unevictable) \
	X(test_and_set_skip_at_first_page) \
	X(test_cached_migrate_past_unsuitable_block) \
	X(test_cached_migrate_after_scanned_block) \
	X(test_migrate_scanned_counts_free_and_pcp) \
	X(test_pcp_page_skips_order_piece) \
	X(test_unevictable_allowed) \
	X(test_direct_compaction_never_waits_for_lock) \
	X(test_migrated_pages_to_pcp_and_drain) \
	X(test_compact_node_leaves_pcp)

CLAB_TEST_SUITE(linux61_migrate, LINUX61_MIGRATE_CASES);
