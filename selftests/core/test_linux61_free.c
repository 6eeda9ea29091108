// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_free.c - the free scanner of policy linux against Linux
 * 6.1's isolate_freepages() and isolate_freepages_block(): the sampling
 * stride and its no-op passes on a period-4 pattern, the migrate scanner's
 * next PFN as the low bound, the first-page block check, need_resched()
 * as no reason to stop, and compact_free_scanned counted per page looked
 * at; and policy tuned, which keeps its counters and its bound.
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

/* The Gupta pattern below @top: keep every 4th page, free the others. */
static struct test_owner *gupta_below(struct clab_mem *mem, unsigned long top)
{
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k;

	for (k = 0; k < top; k++)
		if (k % 4)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	return o;
}

static unsigned long ev(enum clab_vm_event_item item)
{
	unsigned long all[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(all);
	return all[item];
}

static unsigned long big_free(struct clab_zone *zone)
{
	return zone->free_area[9].nr_free * 512 +
	       zone->free_area[10].nr_free * 1024;
}

/*
 * Free @n separate pages (every other one) from index 1 up: enough free
 * memory that isolation passes the min watermark, out of the way of the
 * scans at the top of the arena.
 */
static void free_low(struct test_owner *o, unsigned long n)
{
	unsigned long k;

	for (k = 0; k < n; k++)
		test_owner_free(o, 2 * k + 1);
}

/*
 * A free scanner of its own, as compaction_alloc() runs it: order -1 (no
 * fast path in 6.1, whose fast_isolate_freepages() is for order > 0), the
 * scanners at @free_pfn and @migrate_pfn, wanting @want targets.
 */
/* Index 0 is linux, 1 tuned. */
#define POLICY(pol)	((pol) ? CLAB_POLICY_TUNED : CLAB_POLICY_LINUX)

#define FREE_CC(z, m, pol) {					\
		.zone = (z), .order = -1, .gfp = CLAB_GFP_MOVABLE,	\
		.mode = (m), .policy = POLICY(pol),				\
		.highest_zoneidx = CLAB_ZONE_MOVABLE,			\
	}

static void free_cc_start(struct clab_compact_control *cc,
			  unsigned long free_pfn, unsigned long migrate_pfn,
			  unsigned int want)
{
	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
	cc->free_pfn = free_pfn;
	cc->migrate_pfn = migrate_pfn;
	cc->nr_migratepages = want;
}

/*
 * 6.1's isolate_freepages(): a sync scan starts with stride 1 and doubles
 * it after every block that gave nothing (to COMPACT_CLUSTER_MAX). Two full
 * pageblocks at the top of the zone bring it to 4, and from then on it
 * lands only on the kept pages of the Gupta pattern below: compact_memory
 * makes a no-op pass, scanning 512 + 256 + 128 + 64 + 32 + 16 + 16 pages
 * of blocks 7..1. tuned passes the full blocks by their counters and
 * scans the others page by page.
 */
static void test_stride_noop_pass(void)
{
	unsigned long migrated[2], scanned[2];
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = gupta_below(mem, 3072);
		struct clab_compact_stats st = { 0 };
		unsigned long before = ev(CLAB_COMPACTFREE_SCANNED);

		mem->compact_policy = POLICY(pol);
		CHECK_EQ(clab_compact_node(mem, 0, &st), 0);
		CHECK_EQ(st.result, CLAB_COMPACT_COMPLETE);
		migrated[pol] = st.migrated;
		scanned[pol] = st.free_scanned;
		/* compact_free_scanned is the scanner's count. */
		CHECK_EQ(ev(CLAB_COMPACTFREE_SCANNED) - before,
			 st.free_scanned);
		clab_drain_all_pages(mem, NULL);	/* as 6.1, freed to CPU lists */
		if (pol)
			CHECK(big_free(zone0(mem)) >= 3 * 512);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
	DIAG("compact_memory: linux moved %lu (free scanned %lu), tuned moved %lu (%lu)",
	     migrated[0], scanned[0],
	     migrated[1], scanned[1]);
	CHECK_EQ(migrated[0], 0);
	CHECK_EQ(scanned[0], 512 + 256 + 128 + 64 + 32 + 16 + 16);
	CHECK(migrated[1] >= 512);
}

/*
 * The benchmark's Gupta pattern, modelled at a smaller scale (48 MiB for
 * its 768 MiB arena): the low 5/6 of the arena hold one page in 4, at
 * arena pfn % 4 == @phase, and the top 1/6 is free. compact_memory's free
 * scanner, under linux, passes the lower half of each free order-10 block
 * above (its first page is no buddy) and finds nothing there: two such
 * blocks bring its stride to 4. At phase 0 every page it then looks at is
 * a kept one, and the pass migrates nothing; at phases 1 to 3 it lands on
 * free pages and the stride is 1 again. tuned scans page by page and
 * migrates at every phase. Examined + skipped is what each scanner covered.
 */
static void test_stride_phase(void)
{
	unsigned long migrated[2][4];
	int pol, phase;

	for (pol = 0; pol < 2; pol++) {
		for (phase = 0; phase < 4; phase++) {
			struct clab_mem *mem = test_mem_create("48M", 1, NULL, NULL);
			struct test_owner *o = test_owner_fill(mem);
			unsigned long n = mem->arena->nr_pages, k;
			unsigned long free_begin, free_end;
			struct clab_compact_stats st = { 0 };

			for (k = 0; k < n; k++)
				if (k >= n / 6 * 5 || k % 4 != phase)
					test_owner_free(o, k);
			clab_drain_all_pages(mem, NULL);
			mem->compact_policy = POLICY(pol);
			CHECK_EQ(clab_compact_node(mem, 0, &st), 0);
			migrated[pol][phase] = st.migrated;
			/* One zone, one pass: the trace has its positions. */
			CHECK_EQ(st.migrate_scanned + st.migrate_skipped,
				 clab_trace_counts.last_end_migrate_pfn -
				 clab_trace_counts.last_begin_migrate_pfn);
			free_begin = clab_trace_counts.last_begin_free_pfn;
			free_end = clab_trace_counts.last_end_free_pfn;
			CHECK_EQ(st.free_scanned + st.free_skipped,
				 clab_free_scanner_covered(free_begin, free_end));
			CHECK_EQ(test_owner_verify(o), 0);
			CHECK_EQ(mem_check(mem), 0);
			test_owner_destroy(o);
			test_mem_destroy(mem);
		}
		DIAG("%s: migrated at phase 0..3: %lu %lu %lu %lu",
		     pol ? "tuned" : "linux", migrated[pol][0],
		     migrated[pol][1], migrated[pol][2], migrated[pol][3]);
	}
	CHECK_EQ(migrated[0][0], 0);
	for (phase = 1; phase < 4; phase++)
		CHECK(migrated[0][phase] > 0);
	for (phase = 0; phase < 4; phase++)
		CHECK(migrated[1][phase] > 0);
}

/*
 * 6.1's isolate_freepages(): async starts sampling every
 * COMPACT_CLUSTER_MAX-th page, so on the Gupta pattern a whole pass finds
 * nothing (16 looks a block) and marks every block skip; a block that gave
 * a page brings the stride back to 1.
 */
static void test_stride_async(void)
{
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = gupta_below(mem, 4096);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_ASYNC, pol);
		unsigned long k;

		free_cc_start(&cc, 3584, 0, 8);
		clab_isolate_freepages(&cc);
		if (!pol) {
			CHECK_EQ(cc.nr_freepages, 0);
			CHECK_EQ(cc.total_free_scanned, 7 * 16);
			CHECK(clab_compact_scanners_met(&cc));
			for (k = 512; k < 4096; k += 512)
				CHECK(clab_get_pageblock_skip(mem, k));
		} else {
			/* The order-1 block at 3594 brings 9 (of 8). */
			CHECK_EQ(cc.nr_freepages, 9);
			CHECK_EQ(cc.free_pfn, 3584 + 12);
		}
		clab_release_freepages(&cc);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}

	/*
	 * Block 7 full but for page 3584 + 32, which the stride of 32 finds:
	 * block 6 is then scanned page by page: 1 kept, 1 free, 2 (an order-1
	 * block) per 4 pages, up to the 7 more targets wanted.
	 */
	{
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = gupta_below(mem, 3584);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_ASYNC, 0);

		test_owner_free(o, 3584 + 32);
		clab_drain_all_pages(mem, NULL);
		free_cc_start(&cc, 3584, 0, 8);
		clab_isolate_freepages(&cc);
		CHECK_EQ(cc.nr_freepages, 8);
		CHECK_EQ(cc.total_free_scanned, 16 + 10);
		CHECK_EQ(cc.free_pfn, 3072 + 10);
		clab_release_freepages(&cc);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * 6.1's isolate_freepages() stops above pageblock_end_pfn(cc->migrate_pfn):
 * with the migrate scanner's next page the first of block 1, block 1 gives
 * no targets. tuned's bound is the block of the last page scanned (0).
 */
static void test_low_bound(void)
{
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = gupta_below(mem, 4096);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_SYNC, pol);

		free_cc_start(&cc, 512, 512, 4);
		clab_isolate_freepages(&cc);
		CHECK_EQ(cc.nr_freepages, !pol ? 0 : 4);
		CHECK_EQ(cc.total_free_scanned, !pol ? 0 : 6);
		clab_release_freepages(&cc);
		/* Released to a CPU's list, as 6.1: back to the buddy lists. */
		clab_drain_all_pages(mem, NULL);

		/* One page lower, both take block 1. */
		free_cc_start(&cc, 512, 511, 4);
		cc.total_free_scanned = 0;
		clab_isolate_freepages(&cc);
		CHECK_EQ(cc.nr_freepages, 4);
		clab_release_freepages(&cc);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * The same bound over a whole compact_memory on the Gupta pattern: 1024
 * kept pages fit in two pageblocks, but the batch that ends block 1 (the
 * migrate scanner's next page 1024) stops linux's free scanner above block
 * 2, which then stays unused: 5 blocks come free of 6 (tuned: 6).
 */
static void test_low_bound_full(void)
{
	unsigned long big[2];
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = gupta_below(mem, 4096);
		struct clab_compact_stats st = { 0 };

		mem->compact_policy = POLICY(pol);
		CHECK_EQ(clab_compact_node(mem, 0, &st), 0);
		CHECK_EQ(st.result, CLAB_COMPACT_COMPLETE);
		/* The pages it freed wait on a CPU's list, as in 6.1. */
		clab_drain_all_pages(mem, NULL);
		big[pol] = big_free(zone0(mem));
		CHECK_EQ(zone0(mem)->nr_free_pages, 6 * 512);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
	CHECK_EQ(big[0], 5 * 512);
	CHECK_EQ(big[1], 6 * 512);
}

/*
 * 6.1's suitable_migration_target() looks at the block's first page only:
 * the upper half of a free order-10 block passes, and is scanned in vain
 * (512 pages, nothing isolated, marked skip). tuned passes it by its
 * counter, and the full block below too.
 */
static void test_block_checks(void)
{
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fill(mem);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_SYNC, pol);
		unsigned long k;

		for (k = 3072; k < 4096; k++)
			test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		CHECK(clab_page_is_buddy(clab_idx_to_page(mem, 3072)));
		CHECK_EQ(clab_idx_to_page(mem, 3072)->order, 10);
		free_cc_start(&cc, 3584, 2560, 1);
		clab_isolate_freepages(&cc);
		CHECK_EQ(cc.nr_freepages, 0);
		CHECK_EQ(cc.total_free_scanned, !pol ? 512 : 0);
		CHECK_EQ(clab_get_pageblock_skip(mem, 3584), !pol);
		CHECK(!clab_get_pageblock_skip(mem, 3072));
		CHECK_EQ(zone0(mem)->free_area[10].nr_free, 1);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * 6.1's isolate_freepages_block() counts into nr_scanned (and so into
 * compact_free_scanned) every page it looks at, an isolated free block as
 * its size, and an allocated block of more than one page (PageCompound)
 * as one look, stepping over the rest. Block 7: an allocated order-3 block
 * at its start, free pages at +16 and +18, the rest in use: 1 + 504 looks.
 * linux then scans the full block 6 as well; tuned passes it (counter).
 */
static void test_free_scanned(void)
{
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fill(mem);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_SYNC, pol);
		struct clab_page *head;
		unsigned long k;

		clab_set_min_free_kbytes(mem, 0);
		for (k = 3584; k < 3592; k++)
			test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		head = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 3);
		CHECK(head && clab_page_to_idx(mem, head) == 3584);
		test_owner_free(o, 3584 + 16);
		test_owner_free(o, 3584 + 18);
		free_low(o, 200);
		clab_drain_all_pages(mem, NULL);
		free_cc_start(&cc, 3584, 2560, 64);
		clab_isolate_freepages(&cc);
		CHECK_EQ(cc.nr_freepages, 2);
		CHECK_EQ(cc.total_free_scanned,
			 !pol ? 505 + 512 : 505);
		clab_release_freepages(&cc);
		if (head)
			clab_free_pages(mem, head, 3);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

static void want_cpu(void)
{
#ifdef __KERNEL__
	set_tsk_need_resched(current);
#else
	clab_shim_need_resched = true;
#endif
}

/*
 * 6.1's isolate_freepages() only cond_resched()s every COMPACT_CLUSTER_MAX
 * pageblocks (and compact_unlock_should_abort() stops for a fatal signal
 * only): an async scan asked for the CPU gives it and goes on; it is not
 * contended. The check falls on block 16384 of a 128M arena.
 */
static void test_need_resched(void)
{
	int pol;

	for (pol = 0; pol < 2; pol++) {
		struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fill(mem);
		struct clab_compact_control cc =
			FREE_CC(zone0(mem), CLAB_MIGRATE_ASYNC, pol);

		clab_set_min_free_kbytes(mem, 0);
		test_owner_free(o, 16384 + 32);
		free_low(o, 200);
		clab_drain_all_pages(mem, NULL);
		free_cc_start(&cc, 16384, 0, 1);
		want_cpu();
		clab_isolate_freepages(&cc);
		/*
		 * Not contended: the scanner rescheduled and went on. (Whether
		 * need_resched() is clear afterwards is not checked: in the
		 * kernel, the tick may set it again at any time.)
		 */
		if (need_resched())
			cond_resched();
		CHECK(!cc.contended);
		CHECK_EQ(cc.nr_freepages, 1);
		clab_release_freepages(&cc);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * 6.1's split_map_pages() hands the targets of one isolation out last
 * isolated block first, highest page first. The top block holds free
 * pages 3600, 3610-3611 (an order-1 block) and 3620; a SYNC_LIGHT
 * compaction of order -1 (no fast search) isolates them in that order and
 * migration gets 3620, 3611, 3610, 3600. (Free pages below the free
 * scanner's range keep the zone above the watermark isolation checks.)
 */
static void test_targets_highest_first(void)
{
	static const unsigned long want[] = { 3620, 3611, 3610, 3600 };
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fill(mem);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = {
		.zone = zone,
		.order = -1,
		.gfp = CLAB_GFP_MOVABLE,
		.migratetype = CLAB_MIGRATE_MOVABLE,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.migrate_pfn = zone->start,
		.free_pfn = 3584,
		.nr_migratepages = 4,
	};
	struct clab_page *got[ARRAY_SIZE(want)];
	unsigned int i;

	test_owner_free(o, 3600);
	test_owner_free(o, 3610);
	test_owner_free(o, 3611);
	test_owner_free(o, 3620);
	for (i = 100; i < 108; i++)
		test_owner_free(o, i);
	clab_drain_all_pages(mem, NULL);
	clab_set_min_free_kbytes(mem, 0);
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		got[i] = clab_compaction_alloc(&cc);
		CHECK(got[i]);
		if (!got[i])
			break;
		DIAG("target %u: %lu", i, clab_page_to_idx(mem, got[i]));
		CHECK_EQ(clab_page_to_idx(mem, got[i]), want[i]);
	}
	while (i--)
		clab_compaction_free(&cc, got[i]);
	clab_release_freepages(&cc);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

#define LINUX61_FREE_CASES(X) \
	X(test_targets_highest_first) \
	X(test_stride_noop_pass) \
	X(test_stride_phase) \
	X(test_stride_async) \
	X(test_low_bound) \
	X(test_low_bound_full) \
	X(test_block_checks) \
	X(test_free_scanned) \
	X(test_need_resched)

CLAB_TEST_SUITE(linux61_free, LINUX61_FREE_CASES);
