// SPDX-License-Identifier: GPL-2.0
/*
 * test_compact_counting.c - what a pass counts for the benchmarks: the
 * time migration spends copying (never more than the pass's own time, one
 * copy per page migrated), the pfns each scanner examined and skipped
 * (together exactly the range it covered), and the cumulative counters
 * that debugfs compact_stats prints.
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

/* Index 0 is linux, 1 tuned, 2 min_moves. */
static const struct clab_policy_ops *policy(int pol)
{
	return pol == 0 ? CLAB_POLICY_LINUX :
	       pol == 1 ? CLAB_POLICY_TUNED : CLAB_POLICY_MIN_MOVES;
}

static const char * const policy_names[] = { "linux", "tuned", "min_moves" };

static unsigned long ev(enum clab_vm_event_item item)
{
	unsigned long all[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(all);
	return all[item];
}

/* One pass over zone0 and where its scanners were at its begin and end. */
struct pass {
	enum clab_compact_result ret;
	struct clab_compact_stats st;
	unsigned long migrate_start, migrate_end, free_start, free_end;
	u64 wall_ns;
};

/*
 * An order -1 pass (no fast searches), as compact_memory runs it, or with
 * @skip_hints, as a proactive pass does: skip hints honoured and set. The
 * scanners' positions are the ones mm_compaction_begin and _end report,
 * as the benchmark reads them from the trace.
 */
static void run_pass(struct clab_mem *mem, int pol, bool skip_hints,
		     struct pass *p)
{
	struct clab_compact_control cc = {
		.zone = zone0(mem),
		.order = -1,
		.gfp = CLAB_GFP_KERNEL,
		.mode = CLAB_MIGRATE_SYNC,
		.policy = policy(pol),
		.ignore_skip_hint = !skip_hints,
		.whole_zone = true,
	};
	unsigned long begins = clab_trace_counts.begin;
	unsigned long ends = clab_trace_counts.end;
	u64 start;

	start = clab_clock_ns();
	p->ret = clab_compact_zone(&cc);
	p->wall_ns = clab_clock_ns() - start;
	TEST_ASSERT(clab_trace_counts.begin == begins + 1);
	TEST_ASSERT(clab_trace_counts.end == ends + 1);
	p->migrate_start = clab_trace_counts.last_begin_migrate_pfn;
	p->migrate_end = clab_trace_counts.last_end_migrate_pfn;
	p->free_start = clab_trace_counts.last_begin_free_pfn;
	p->free_end = clab_trace_counts.last_end_free_pfn;
	p->st = (struct clab_compact_stats) {
		.migrate_scanned = cc.total_migrate_scanned,
		.free_scanned = cc.total_free_scanned,
		.migrate_skipped = cc.total_migrate_skipped,
		.free_skipped = cc.total_free_skipped,
		.migrated = cc.nr_migrated,
		.copy_ns = cc.copy_ns,
		.copies = cc.nr_copies,
	};
}

/*
 * examined + skipped == covered, for each scanner of a sweeping pass. The
 * figures are printed only on a mismatch: a KUnit case's log is short.
 */
static void check_covered(const struct pass *p, const char *what)
{
	unsigned long migrate_covered = p->migrate_end - p->migrate_start;
	unsigned long free_covered = clab_free_scanner_covered(p->free_start,
								p->free_end);

	if (p->st.migrate_scanned + p->st.migrate_skipped != migrate_covered)
		DIAG("%s: migrate %lu..%lu: %lu examined + %lu skipped of %lu",
		     what, p->migrate_start, p->migrate_end,
		     p->st.migrate_scanned, p->st.migrate_skipped,
		     migrate_covered);
	if (p->st.free_scanned + p->st.free_skipped != free_covered)
		DIAG("%s: free %lu..%lu: %lu examined + %lu skipped of %lu",
		     what, p->free_start, p->free_end, p->st.free_scanned,
		     p->st.free_skipped, free_covered);
	CHECK_EQ(p->st.migrate_scanned + p->st.migrate_skipped,
		 migrate_covered);
	CHECK_EQ(p->st.free_scanned + p->st.free_skipped, free_covered);
}

/*
 * After a pass on a Gupta-fragmented zone (one page in 4 kept), each page
 * migrated was copied once (nobody freed one meanwhile), and the copies
 * took some time, but no more than the pass as timed around it with the
 * same clock. The cumulative counters grew by the pass's figures, and
 * pages_migrated by what pgmigrate_success counted.
 */
static void test_copy_time(void)
{
	int pol;

	for (pol = 0; pol < 3; pol++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);
		unsigned long success = ev(CLAB_PGMIGRATE_SUCCESS);
		unsigned long migrate = ev(CLAB_COMPACTMIGRATE_SCANNED);
		unsigned long free = ev(CLAB_COMPACTFREE_SCANNED);
		u64 before[CLAB_NR_COMPACT_COUNTERS], after[CLAB_NR_COMPACT_COUNTERS];
		struct pass p;

		clab_all_compact_counters(mem, before);
		run_pass(mem, pol, false, &p);
		clab_all_compact_counters(mem, after);
		DIAG("%s: migrated %lu, copies %lu, copy %llu ns of %llu ns",
		     policy_names[pol], p.st.migrated, p.st.copies,
		     p.st.copy_ns, p.wall_ns);
		CHECK(p.st.migrated > 0);
		CHECK_EQ(p.st.copies, p.st.migrated);
		CHECK(p.st.copy_ns > 0);
		CHECK(p.st.copy_ns <= p.wall_ns);

		CHECK_EQ(after[CLAB_CCOUNT_PASSES] - before[CLAB_CCOUNT_PASSES], 1);
		CHECK_EQ(after[CLAB_CCOUNT_MIGRATE_COPY_NS] -
			 before[CLAB_CCOUNT_MIGRATE_COPY_NS], p.st.copy_ns);
		CHECK_EQ(after[CLAB_CCOUNT_MIGRATE_COPIES] -
			 before[CLAB_CCOUNT_MIGRATE_COPIES], p.st.copies);
		CHECK_EQ(after[CLAB_CCOUNT_PAGES_MIGRATED] -
			 before[CLAB_CCOUNT_PAGES_MIGRATED], p.st.migrated);
		CHECK_EQ(after[CLAB_CCOUNT_PAGES_MIGRATED] -
			 before[CLAB_CCOUNT_PAGES_MIGRATED],
			 ev(CLAB_PGMIGRATE_SUCCESS) - success);
		/* examined is the kernel's count, compact_*_scanned */
		CHECK_EQ(after[CLAB_CCOUNT_MIGRATE_EXAMINED] -
			 before[CLAB_CCOUNT_MIGRATE_EXAMINED],
			 ev(CLAB_COMPACTMIGRATE_SCANNED) - migrate);
		CHECK_EQ(after[CLAB_CCOUNT_FREE_EXAMINED] -
			 before[CLAB_CCOUNT_FREE_EXAMINED],
			 ev(CLAB_COMPACTFREE_SCANNED) - free);
		CHECK_EQ(after[CLAB_CCOUNT_MIGRATE_SKIPPED] -
			 before[CLAB_CCOUNT_MIGRATE_SKIPPED], p.st.migrate_skipped);
		CHECK_EQ(after[CLAB_CCOUNT_FREE_SKIPPED] -
			 before[CLAB_CCOUNT_FREE_SKIPPED], p.st.free_skipped);

		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

/*
 * A zone with something of every kind a scanner passes over, and the
 * Gupta pattern (one page in 4 kept) in the other blocks. Block 7, the
 * free scanner's first, and block 3 hold a block-sized allocation: no
 * source (the migrate scanner skips the block), no target (the free
 * scanner steps over it, and linux doubles its stride). Block 2 starts
 * with eight allocated order-3 blocks, stepped over by both. Block 1 is
 * UNMOVABLE and mostly free: no target (the free scanner skips it); the
 * migrate scanner steps over its free blocks. Returns the owner of the
 * pattern; @h gets the blocks allocated here, to free with free_held().
 */
#define NR_HELD		14

struct held {
	struct clab_page *page[NR_HELD];
	unsigned int order[NR_HELD];
	int nr;
};

/* Free the owner's pages of [lo, hi) and allocate @nr blocks there. */
static void hold(struct test_owner *o, struct held *h, unsigned int gfp,
		 unsigned int order, int nr, unsigned long lo, unsigned long hi)
{
	struct clab_mem *mem = o->mem;
	unsigned long k, idx;

	for (k = lo; k < hi; k++)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	while (nr-- && h->nr < NR_HELD) {
		struct clab_page *page;

		page = clab_alloc_pages(mem, 0, gfp | CLAB_GFP_NO_WMARK, order);
		TEST_ASSERT(page);
		if (!page)
			return;
		idx = clab_page_to_idx(mem, page);
		TEST_ASSERT(idx >= lo && idx + (1UL << order) <= hi);
		h->page[h->nr] = page;
		h->order[h->nr++] = order;
	}
}

static void free_held(struct clab_mem *mem, struct held *h)
{
	while (h->nr--)
		clab_free_pages(mem, h->page[h->nr], h->order[h->nr]);
}

/* Is @k in a block that mixed_zone() lays out by hand? */
static bool mixed_special(unsigned long k)
{
	unsigned long block = k >> CLAB_PAGEBLOCK_ORDER;

	return block == 7 || block == 3 || block == 1 || (k >= 1024 && k < 1088);
}

static struct test_owner *mixed_zone(struct clab_mem *mem, struct held *h)
{
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k;

	hold(o, h, CLAB_GFP_MOVABLE, CLAB_PAGEBLOCK_ORDER, 1, 3584, 4096);
	hold(o, h, CLAB_GFP_MOVABLE, CLAB_PAGEBLOCK_ORDER, 1, 1536, 2048);
	/* Four unmovable pages steal the whole free block. */
	hold(o, h, CLAB_GFP_KERNEL, 0, 4, 512, 1024);
	TEST_ASSERT(clab_get_pageblock_migratetype(mem, 512) ==
		    CLAB_MIGRATE_UNMOVABLE);
	hold(o, h, CLAB_GFP_MOVABLE, 3, 8, 1024, 1088);
	for (k = 0; k < mem->arena->nr_pages; k++)
		if (k % 4 && !mixed_special(k))
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	return o;
}

/*
 * For policies linux and tuned, a compact_memory pass and then two
 * passes that honour and set skip hints: every pfn a scanner covered is
 * examined or skipped, never both, never neither.
 */
static void test_examined_skipped(void)
{
	int pol, layout;

	for (pol = 0; pol < 2; pol++) {
		for (layout = 0; layout < 2; layout++) {
			struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
			struct held h = { 0 };
			struct test_owner *o = layout ? mixed_zone(mem, &h) :
						test_owner_fragment(mem, 4);
			unsigned long migrate_skipped = 0, free_skipped = 0;
			struct pass p;
			char what[48];
			int i;

			for (i = 0; i < 3; i++) {
				run_pass(mem, pol, i > 0, &p);
				snprintf(what, sizeof(what), "%s %s pass %d",
					 policy_names[pol],
					 layout ? "mixed" : "gupta", i);
				check_covered(&p, what);
				migrate_skipped += p.st.migrate_skipped;
				free_skipped += p.st.free_skipped;
			}
			DIAG("%s %s: skipped %lu migrate, %lu free",
			     policy_names[pol], layout ? "mixed" : "gupta",
			     migrate_skipped, free_skipped);
			/* The layouts do make the scanners skip. */
			CHECK(migrate_skipped > 0);
			CHECK(free_skipped > 0);
			CHECK_EQ(test_owner_verify(o), 0);
			free_held(mem, &h);
			test_owner_destroy(o);
			CHECK_EQ(mem_check(mem), 0);
			test_mem_destroy(mem);
		}
	}
}

#define COMPACT_COUNTING_CASES(X) \
	X(test_copy_time) \
	X(test_examined_skipped)

CLAB_TEST_SUITE(compact_counting, COMPACT_COUNTING_CASES);
