// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_fast.c - the two fast paths of Linux 6.1's scanners, which
 * search the free lists before scanning linearly: fast_isolate_freepages()
 * (the free scanner takes its first targets from a free block in the top
 * part of the zone, with fast_search_fail, the round robin of search_order
 * and the rotation of the list it searched, move_freelist_head()) and
 * fast_find_migrateblock() (for a costly order the migrate scanner starts
 * at a block that already holds a large free block, move_freelist_tail(),
 * update_fast_start_pfn() and reinit_migrate_pfn()).
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

/*
 * The arena wholly allocated to an owner, one movable page per index,
 * with no watermark in the way of taking free pages.
 */
static struct test_owner *full_arena(struct clab_mem *mem)
{
	struct test_owner *o = test_owner_create(mem, mem->arena->nr_pages);

	TEST_ASSERT(test_owner_fill_arena(o) == mem->arena->nr_pages);
	clab_set_min_free_kbytes(mem, 0);
	return o;
}

static void free_range(struct test_owner *o, unsigned long from,
		       unsigned long to, unsigned long step)
{
	unsigned long k;

	for (k = from; k < to; k += step)
		test_owner_free(o, k);
	clab_drain_all_pages(o->mem, NULL);
}

/*
 * fast_isolate_freepages(): the zone's top part (block 3072, in the top
 * quarter of the space between the scanners) holds a free order-3 block on
 * the MOVABLE free list; the top block holds a free page too. The first
 * target of an order-4 direct compaction is the order-3 block, taken from
 * the free list without a linear scan (the linear scanner would take the
 * page in the top block first); the search looked at one entry.
 */
static void test_fast_isolate_freepages_top_block(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = {
		.zone = zone,
		.order = 4,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.direct_compaction = true,
		.migrate_pfn = zone->start,
		.free_pfn = clab_pageblock_start_pfn(zone->end - 1),
		.nr_migratepages = 8,
	};
	unsigned long isolate_blocks = clab_trace_counts.isolate_freepages;
	struct clab_page *page;
	unsigned long pfn;

	free_range(o, 3200, 3208, 1);
	free_range(o, 3600, 3601, 1);
	CHECK_EQ(zone->free_area[3].nr_free_mt[CLAB_MIGRATE_MOVABLE], 1);
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);

	page = clab_compaction_alloc(&cc);
	CHECK(page);
	pfn = page ? clab_page_to_idx(mem, page) : 0;
	CHECK(pfn >= 3200 && pfn < 3208);
	/* The whole order-3 block, and no pageblock scanned linearly. */
	CHECK_EQ(cc.nr_freepages, 7);
	CHECK_EQ(clab_trace_counts.isolate_freepages, isolate_blocks);
	CHECK_EQ(cc.total_free_scanned, 1 + 7);
	CHECK_EQ(cc.fast_search_fail, 0);
	CHECK_EQ(cc.search_order, 3);
	CHECK(clab_page_is_buddy(clab_idx_to_page(mem, 3600)));
	CHECK_EQ(cc.free_pfn, 3584);

	if (page)
		clab_compaction_free(&cc, page);
	clab_release_freepages(&cc);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * fast_isolate_freepages() failing: the only free pages lie below the top
 * half of the scan space. Each failed search counts in fast_search_fail,
 * which shrinks freelist_scan_limit(), and moves search_order one down,
 * round robin below the order (next_search_order()). The first search, at
 * the free scanner's start, moves a direct compactor's free scanner down
 * to min_pfn and isolates around it (nothing is free there).
 */
static void test_fast_search_fail_and_search_order(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = {
		.zone = zone,
		.order = 4,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.direct_compaction = true,
		.migrate_pfn = zone->start,
		.free_pfn = clab_pageblock_start_pfn(zone->end - 1),
		.nr_migratepages = 8,
	};
	static const short orders[] = { 2, 1, 0, 3, 2 };
	unsigned int i;

	free_range(o, 100, 101, 1);
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	CHECK_EQ(clab_freelist_scan_limit(&cc), 33);

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		CHECK_EQ(clab_fast_isolate_freepages(&cc), cc.free_pfn);
		CHECK_EQ(cc.nr_freepages, 0);
		CHECK_EQ(cc.fast_search_fail, i + 1);
		CHECK_EQ(cc.search_order, orders[i]);
		/* min_pfn: the top half of [0, 3584) starts at 1792 -> 1536. */
		if (!i)
			CHECK_EQ(cc.free_pfn, 1536);
	}
	CHECK_EQ(clab_freelist_scan_limit(&cc), (32 >> 5) + 1);

	/* A success resets the count and keeps the order it succeeded at. */
	free_range(o, 1600, 1602, 1);
	CHECK_EQ(zone->free_area[1].nr_free_mt[CLAB_MIGRATE_MOVABLE], 1);
	cc.free_pfn = 2048;
	clab_fast_isolate_freepages(&cc);
	CHECK_EQ(cc.nr_freepages, 2);
	CHECK_EQ(cc.fast_search_fail, 0);
	CHECK_EQ(cc.search_order, 1);

	clab_release_freepages(&cc);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * The scanners crossed in the middle of a batch: the linear free scanner
 * stopped at the migrate scanner's block (free_pfn 512, below migrate_pfn
 * 1000), and the migration of the batch asks for another target. A skip
 * hint reset left compact_init_free_pfn low, so this search counts as one
 * at the free scanner's start. free_pfn - migrate_pfn wraps, and so does
 * min_pfn: 6.1 checks it with pfn_valid() before moving the free scanner
 * there. Without the check the free scanner moved to min_pfn, about 2^63
 * (whose page pointer wraps around to a valid page, so nothing faulted
 * yet), and the linear scan then read or wrote that pfn's pageblock, far
 * outside the arena: a general protection fault in
 * clab_set_pageblock_skip() on the debug kernel, under stress-migrate.
 * Nothing is free here, so no target is found, and the free scanner must
 * stay put.
 */
static void test_fast_isolate_freepages_scanners_crossed(void)
{
	static const enum clab_migrate_mode modes[] = {
		CLAB_MIGRATE_SYNC_LIGHT, CLAB_MIGRATE_ASYNC,
	};
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned int i;

	zone->compact_init_free_pfn = 512;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct clab_compact_control cc = {
			.zone = zone,
			.order = 4,
			.gfp = CLAB_GFP_MOVABLE,
			.migratetype = CLAB_MIGRATE_MOVABLE,
			.mode = modes[i],
			.direct_compaction = true,
			.migrate_pfn = 1000,
			.free_pfn = 512,
			.nr_migratepages = 8,
		};

		INIT_LIST_HEAD(&cc.freepages);
		INIT_LIST_HEAD(&cc.migratepages);
		CHECK_EQ(clab_fast_isolate_freepages(&cc), 512);
		CHECK_EQ(cc.free_pfn, 512);
		CHECK_EQ(cc.fast_search_fail, 1);
		/* The linear scan has nothing between them to scan either. */
		CHECK(!clab_compaction_alloc(&cc));
		CHECK_EQ(cc.free_pfn, 512);
		CHECK_EQ(cc.nr_freepages, 0);
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * move_freelist_head(): a search that stops at its limit without a
 * candidate rotates the list so that the entries it did not look at are
 * searched first next time. 40 free pages, all below the scan space; not
 * at the free scanner's start, the limit is (33 >> 1) = 16 entries.
 */
static void test_move_freelist_head(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	struct list_head *list =
		&zone->free_area[0].free_list[CLAB_MIGRATE_MOVABLE];
	struct clab_compact_control cc = {
		.zone = zone,
		.order = 1,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.migrate_pfn = 512,
		.free_pfn = 3072,
		.nr_migratepages = 1,
	};
	unsigned long before[40], tail_first = 0, k;
	struct clab_page *page;
	unsigned int n = 0;

	free_range(o, 0, 80, 2);
	list_for_each_entry(page, list, lru) {
		if (n < ARRAY_SIZE(before))
			before[n] = clab_page_to_idx(mem, page);
		n++;
	}
	CHECK_EQ(n, 40);
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	clab_fast_isolate_freepages(&cc);
	CHECK_EQ(cc.nr_freepages, 0);
	CHECK_EQ(cc.fast_search_fail, 1);
	CHECK_EQ(cc.total_free_scanned, 16);
	/* The 16th entry from the tail now heads the list ... */
	CHECK_EQ(clab_page_to_idx(mem, list_first_entry(list, struct clab_page, lru)),
		 before[40 - 16]);
	/* ... and the 24 not looked at follow the 16, at the tail. */
	tail_first = clab_page_to_idx(mem, list_last_entry(list, struct clab_page, lru));
	CHECK_EQ(tail_first, before[40 - 16 - 1]);
	for (k = 0; k < 80; k += 2)
		CHECK(clab_page_is_buddy(clab_idx_to_page(mem, k)));
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/* The control of an order-@order direct compaction of the whole zone. */
static struct clab_compact_control migrate_cc(struct clab_zone *zone, int order,
					      unsigned int gfp)
{
	struct clab_compact_control cc = {
		.zone = zone,
		.order = order,
		.gfp = gfp,
		.migratetype = clab_gfp_migratetype(gfp),
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.direct_compaction = true,
		.migrate_pfn = zone->start,
		.free_pfn = clab_pageblock_start_pfn(zone->end - 1),
	};

	return cc;
}

/*
 * Where a fresh migrate scanner of an order-@order compaction starts
 * (fast_find_migrateblock()): from @migrate_pfn, direct or kcompactd,
 * honouring skip hints or not. *@fail gets its fast_search_fail.
 */
static unsigned long fast_start(struct clab_zone *zone, int order,
				unsigned int gfp, bool direct, bool ignore_skip,
				unsigned long migrate_pfn, unsigned int *fail)
{
	struct clab_compact_control cc = migrate_cc(zone, order, gfp);
	unsigned long pfn;

	cc.direct_compaction = direct;
	cc.ignore_skip_hint = ignore_skip;
	cc.migrate_pfn = migrate_pfn;
	pfn = clab_fast_find_migrateblock(&cc);
	*fail = cc.fast_search_fail;
	return pfn;
}

/* One isolation pass of @cc; returns where the migrate scanner got to. */
static unsigned long isolate_once(struct clab_compact_control *cc)
{
	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
	clab_isolate_migratepages(cc);
	clab_putback_movable_pages(cc);
	return cc->migrate_pfn;
}

/*
 * fast_find_migrateblock(): an order-9 direct compaction of a movable
 * request starts its migrate scanner at block 1024, which holds a free
 * order-3 block, below the search window (the first half of the space
 * between the scanners, [0, 1792) -> 1536), rather than at block 0. The
 * block is marked skip and remembered as fast_start_pfn. Not for order 3
 * (PAGE_ALLOC_COSTLY_ORDER), nor when skip hints are ignored, nor for an
 * unmovable request, nor from inside a pageblock. A second search finds
 * the block marked and fails: the scanner restarts linearly at
 * fast_start_pfn (reinit_migrate_pfn()), once.
 */
static void test_fast_find_migrateblock(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = migrate_cc(zone, 9, CLAB_GFP_MOVABLE);
	struct clab_compact_control small = migrate_cc(zone, 3, CLAB_GFP_MOVABLE);
	unsigned int fail;
	unsigned long pfn;

	free_range(o, 1024, 1032, 1);
	CHECK_EQ(zone->free_area[3].nr_free_mt[CLAB_MIGRATE_MOVABLE], 1);

	pfn = isolate_once(&cc);
	CHECK(pfn > 1024 && pfn <= 1536);
	CHECK(clab_get_pageblock_skip(mem, 1024));
	CHECK(!clab_get_pageblock_skip(mem, 0));
	CHECK_EQ(cc.fast_start_pfn, 1024);
	CHECK_EQ(cc.fast_search_fail, 0);
	CHECK(cc.total_migrate_scanned >= 1);

	/* The block is marked now: the next search fails, once. */
	cc.migrate_pfn = 2048;
	CHECK_EQ(clab_fast_find_migrateblock(&cc), 1024);
	CHECK_EQ(cc.fast_search_fail, 1);
	CHECK_EQ(cc.fast_start_pfn, ULONG_MAX);
	CHECK_EQ(clab_fast_find_migrateblock(&cc), 1024);
	CHECK_EQ(cc.fast_search_fail, 2);
	CHECK_EQ(clab_freelist_scan_limit(&cc), 9);

	/* The rules that keep the scanner linear. */
	clab_idx_to_pageblock(mem, 1024)->skip = 0;
	CHECK_EQ(isolate_once(&small), CLAB_COMPACT_CLUSTER_MAX);
	clab_idx_to_pageblock(mem, 0)->skip = 0;
	CHECK_EQ(fast_start(zone, 9, CLAB_GFP_KERNEL, true, false, 0, &fail), 0);
	CHECK_EQ(fast_start(zone, 9, CLAB_GFP_MOVABLE, true, true, 0, &fail), 0);
	CHECK_EQ(fast_start(zone, 9, CLAB_GFP_MOVABLE, true, false, 64, &fail), 64);
	CHECK_EQ(fail, 0);
	/* kcompactd searches too, whatever woke it. */
	CHECK_EQ(fast_start(zone, 9, CLAB_GFP_KERNEL, false, false, 0, &fail), 1024);
	CHECK_EQ(fail, 0);

	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * End to end: an order-9 direct compaction (SYNC_LIGHT) with a free
 * order-3 block in block 1024 and targets in the top half never touches
 * blocks 0 and 512: its migrate scanner starts at the block the free
 * lists pointed to.
 */
static void test_order9_direct_starts_at_found_block(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = full_arena(mem);
	struct clab_zone *zone = zone0(mem);
	enum clab_compact_result r;
	unsigned long k, moved = 0;

	free_range(o, 1024, 1032, 1);
	for (k = 4096; k-- > 2048;)
		if (k % 2)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	r = clab_compact_zone_order(zone, 9, CLAB_GFP_MOVABLE,
				    CLAB_COMPACT_PRIO_SYNC_LIGHT,
				    CLAB_ALLOC_WMARK_LOW, CLAB_ZONE_MOVABLE,
				    NULL, NULL);
	CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
	for (k = 0; k < 1024; k++)
		moved += test_owner_pfn(o, k) != k;
	CHECK_EQ(moved, 0);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define LINUX61_FAST_CASES(X) \
	X(test_fast_isolate_freepages_top_block) \
	X(test_fast_search_fail_and_search_order) \
	X(test_fast_isolate_freepages_scanners_crossed) \
	X(test_move_freelist_head) \
	X(test_fast_find_migrateblock) \
	X(test_order9_direct_starts_at_found_block)

CLAB_TEST_SUITE(linux61_fast, LINUX61_FAST_CASES);
