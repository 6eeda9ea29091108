// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_finish.c - policy linux against Linux 6.1, rule by rule:
 * when a compaction is finished (__compact_finished()), when it is worth
 * running (__compaction_suitable()), when the allocator retries it
 * (should_compact_retry() and __alloc_pages_slowpath()), and what becomes
 * of a watermark boost direct reclaim cannot pay back. Where policy tuned
 * keeps an improvement, the case checks tuned too.
 */
#include <compactlab/compaction.h>
#include <compactlab/extfrag.h>
#include <compactlab/policy.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

/*
 * Owned movable pages at every index, then keep 1 of every 4: free runs of
 * 3 pages, so no free block above order 1, and nothing reclaimable (the
 * pages are on no LRU).
 */
static void finish(struct clab_mem *mem, struct test_owner *o)
{
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * __compact_finished() (6.1): at a pageblock boundary, a free block of the
 * order on a usable list ends a direct compaction with SUCCESS; no order-0
 * watermark is checked there. Here the request's own mark (low) is above
 * the zone's free pages while compaction_suitable()'s (min plus the gap) is
 * met, as for a zone between its min and low marks: the first pageblock
 * emptied ends the run.
 */
static void test_finished_has_no_watermark_gate(void)
{
	static const struct clab_policy_ops *const policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);
		struct clab_zone *zone = zone0(mem);
		struct clab_compact_stats st = { 0 };
		enum clab_compact_result r;
		unsigned long flags;

		mem->compact_policy = policies[i];
		spin_lock_irqsave(&zone->lock, flags);
		zone->_watermark[CLAB_WMARK_MIN] = 64;
		zone->_watermark[CLAB_WMARK_LOW] = zone->nr_free_pages + 64;
		zone->_watermark[CLAB_WMARK_HIGH] = zone->nr_free_pages + 128;
		spin_unlock_irqrestore(&zone->lock, flags);
		CHECK_EQ(clab_compaction_suitable(zone, 2, CLAB_ALLOC_WMARK_LOW,
						  CLAB_ZONE_NORMAL),
			 CLAB_COMPACT_CONTINUE);
		r = clab_compact_zone_order(zone, 2, CLAB_GFP_MOVABLE,
					    CLAB_COMPACT_PRIO_SYNC_LIGHT,
					    CLAB_ALLOC_WMARK_LOW, CLAB_ZONE_NORMAL,
					    NULL, &st);
		DIAG("%s: result %s, %lu migrated",
		     policies[i]->name,
		     clab_compact_result_names[r], st.migrated);
		CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
		/* One pageblock's kept pages: 512 / 4. */
		CHECK(st.migrated <= CLAB_PAGEBLOCK_PAGES / 4);
		clab_setup_per_zone_wmarks(mem);
		finish(mem, o);
	}
}

/*
 * __compact_finished() (6.1): a proactive pass above its low mark goes on
 * only if it is neither contended nor killed; the same check as a direct
 * compaction's. Contention recorded by the last round (cc->contended, as
 * the free scanner sets it) stops the pass before it isolates anything.
 */
static void test_finished_proactive_contended(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_compact_control cc = {
		.zone = zone0(mem),
		.order = -1,
		.gfp = CLAB_GFP_KERNEL,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.policy = CLAB_POLICY_LINUX,
		.ignore_skip_hint = true,
		.whole_zone = true,
		.proactive_compaction = true,
		.contended = true,
	};
	enum clab_compact_result r;

	mem->compaction_proactiveness = 20;
	CHECK(clab_fragmentation_score_zone(cc.zone) >
	      clab_fragmentation_score_wmark(mem, true));
	r = clab_compact_zone(&cc);
	CHECK_EQ(r, CLAB_COMPACT_CONTENDED);
	CHECK_EQ(cc.nr_migrated, 0);
	CHECK_EQ(cc.total_migrate_scanned, 0);
	finish(mem, o);
}

/*
 * __compact_finished() (6.1): a proactive pass stands back for kswapd
 * only; under policy linux it runs beside a direct compactor. With tuned
 * selected it also stands back for direct compactors.
 */
static void test_finished_proactive_beside_direct(void)
{
	static const struct clab_policy_ops *const policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);
		struct clab_node *node = &mem->nodes[0];
		struct clab_compact_control cc = {
			.zone = zone0(mem),
			.order = -1,
			.gfp = CLAB_GFP_KERNEL,
			.mode = CLAB_MIGRATE_SYNC_LIGHT,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.proactive_compaction = true,
		};
		enum clab_compact_result r;

		/* As kcompactd: the selected policy, the kernel's scanners. */
		mem->compact_policy = policies[i];
		cc.policy = CLAB_POLICY_LINUX;
		mem->compaction_proactiveness = 20;
		atomic_inc(&node->nr_direct_compactors);
		r = clab_compact_zone(&cc);
		atomic_dec(&node->nr_direct_compactors);
		DIAG("%s: result %s, %lu migrated",
		     policies[i]->name,
		     clab_compact_result_names[r], cc.nr_migrated);
		if (policies[i] == CLAB_POLICY_LINUX) {
			CHECK_EQ(r, CLAB_COMPACT_SUCCESS);
			CHECK(cc.nr_migrated > 0);
			CHECK(clab_fragmentation_score_zone(cc.zone) <=
			      clab_fragmentation_score_wmark(mem, true));
		} else {
			CHECK_EQ(r, CLAB_COMPACT_PARTIAL_SKIPPED);
			CHECK_EQ(cc.nr_migrated, 0);
		}
		finish(mem, o);
	}
}

/*
 * __compaction_suitable() (6.1): the order-0 check of free pages for
 * migration targets passes ALLOC_CMA, which grants no reserve: the
 * highatomic reserve is not counted as usable.
 */
static void test_suitable_excludes_highatomic(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fragment(mem, 4);
	struct clab_zone *zone = zone0(mem);
	unsigned long mark = clab_wmark_pages(zone, CLAB_WMARK_MIN) + (2UL << 2);
	unsigned long reserve = CLAB_PAGEBLOCK_PAGES;

	/* No order-2 block, so the first test fails and the second decides. */
	CHECK_EQ(__clab_compaction_suitable(zone, 2, CLAB_ALLOC_WMARK_MIN,
					    CLAB_ZONE_NORMAL, mark + 1),
		 CLAB_COMPACT_CONTINUE);
	CHECK_EQ(__clab_compaction_suitable(zone, 2, CLAB_ALLOC_WMARK_MIN,
					    CLAB_ZONE_NORMAL, mark),
		 CLAB_COMPACT_SKIPPED);
	/* Enough free pages only if the reserve counted. */
	zone->nr_reserved_highatomic = reserve;
	CHECK_EQ(__clab_compaction_suitable(zone, 2, CLAB_ALLOC_WMARK_MIN,
					    CLAB_ZONE_NORMAL, mark + reserve / 2),
		 CLAB_COMPACT_SKIPPED);
	CHECK_EQ(__clab_compaction_suitable(zone, 2, CLAB_ALLOC_WMARK_MIN,
					    CLAB_ZONE_NORMAL, mark + reserve + 1),
		 CLAB_COMPACT_CONTINUE);
	zone->nr_reserved_highatomic = 0;
	finish(mem, o);
}

/*
 * should_compact_retry() (6.1): a compaction that keeps succeeding while
 * others take its page runs out of retries, and then goes to the priority
 * check: one more round of retries at a higher priority, if there is one.
 */
static void test_compact_retry_escalates_after_retries(void)
{
	enum clab_compact_priority prio = CLAB_DEF_COMPACT_PRIORITY;
	int retries = 0, n;

	for (n = 0; n < CLAB_MAX_COMPACT_RETRIES; n++)
		CHECK(clab_should_compact_retry(2, CLAB_COMPACT_SUCCESS, false,
						&prio, &retries));
	CHECK_EQ(prio, CLAB_DEF_COMPACT_PRIORITY);
	/* Out of retries: escalate to SYNC_FULL, count again from 0. */
	CHECK(clab_should_compact_retry(2, CLAB_COMPACT_SUCCESS, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_FULL);
	CHECK_EQ(retries, 0);
	for (n = 0; clab_should_compact_retry(2, CLAB_COMPACT_SUCCESS, false,
					      &prio, &retries); n++)
		;
	CHECK_EQ(n, CLAB_MAX_COMPACT_RETRIES);
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_FULL);

	/* Costly: already at its highest priority, 4 retries and no more. */
	prio = CLAB_DEF_COMPACT_PRIORITY;
	for (n = 0, retries = 0;
	     clab_should_compact_retry(9, CLAB_COMPACT_SUCCESS, false, &prio, &retries);
	     n++)
		;
	CHECK_EQ(n, CLAB_MAX_COMPACT_RETRIES / 4);
	CHECK_EQ(prio, CLAB_DEF_COMPACT_PRIORITY);
	/* From ASYNC, out of retries: up to SYNC_LIGHT. */
	prio = CLAB_COMPACT_PRIO_ASYNC;
	retries = CLAB_MAX_COMPACT_RETRIES / 4;
	CHECK(clab_should_compact_retry(9, CLAB_COMPACT_SUCCESS, false, &prio, &retries));
	CHECK_EQ(prio, CLAB_COMPACT_PRIO_SYNC_LIGHT);
}

/*
 * __alloc_pages_slowpath() (6.1): should_compact_retry() is asked only
 * after direct reclaim made progress. With nothing reclaimable and direct
 * compaction deferred, policy linux fails the order-2 request (the
 * kernel's weakness); tuned escalates to SYNC_FULL, which ignores the
 * deferral, and allocates.
 */
static void test_withdrawn_retry_needs_reclaim_progress(void)
{
	static const struct clab_policy_ops *const policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);
		struct clab_zone *zone = zone0(mem);
		struct clab_page *p;
		int k;

		mem->compact_policy = policies[i];
		for (k = 0; k < CLAB_COMPACT_MAX_DEFER_SHIFT; k++)
			clab_defer_compaction(zone, 2);
		CHECK_EQ(clab_zone_reclaimable_pages(zone), 0);
		p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
				     CLAB_GFP_NOWARN, 2);
		DIAG("%s: order-2 allocation %s",
		     policies[i]->name,
		     p ? "succeeded" : "failed");
		if (policies[i] == CLAB_POLICY_LINUX)
			CHECK(!p);
		else
			CHECK(p);
		if (p)
			clab_free_pages(mem, p, 2);
		finish(mem, o);
	}
}

/*
 * __alloc_pages_slowpath() and balance_pgdat() (6.1): only kswapd gives up
 * a watermark boost it cannot pay back; direct reclaim that finds nothing
 * leaves it, and a request that fails the boosted min mark fails. tuned
 * drops the boost and allocates.
 */
static void test_unpayable_boost_kept(void)
{
	static const struct clab_policy_ops *const policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fragment(mem, 4);
		struct clab_zone *zone = zone0(mem);
		unsigned long flags, boost;
		struct clab_page *p;

		mem->compact_policy = policies[i];
		/* The boosted min mark is above the free pages. */
		spin_lock_irqsave(&zone->lock, flags);
		boost = zone->nr_free_pages;
		zone->watermark_boost = boost;
		spin_unlock_irqrestore(&zone->lock, flags);
		CHECK_EQ(clab_zone_reclaimable_pages(zone), 0);
		/* Movable, as the free pages: no fallback raises a boost. */
		p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM |
				     CLAB_GFP_NOWARN, 0);
		DIAG("%s: order-0 allocation %s, boost %lu -> %lu",
		     policies[i]->name,
		     p ? "succeeded" : "failed", boost, zone->watermark_boost);
		if (policies[i] == CLAB_POLICY_LINUX) {
			CHECK(!p);
			CHECK_EQ(zone->watermark_boost, boost);
		} else {
			CHECK(p);
			CHECK_EQ(zone->watermark_boost, 0);
		}
		if (p)
			clab_free_pages(mem, p, 0);
		zone->watermark_boost = 0;
		finish(mem, o);
	}
}

#define LINUX61_FINISH_CASES(X) \
	X(test_finished_has_no_watermark_gate) \
	X(test_finished_proactive_contended) \
	X(test_finished_proactive_beside_direct) \
	X(test_suitable_excludes_highatomic) \
	X(test_compact_retry_escalates_after_retries) \
	X(test_withdrawn_retry_needs_reclaim_progress) \
	X(test_unpayable_boost_kept)

CLAB_TEST_SUITE(linux61_finish, LINUX61_FINISH_CASES);
