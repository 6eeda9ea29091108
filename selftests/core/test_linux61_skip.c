// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_skip.c - skip hints and cached scanner positions as Linux
 * 6.1 keeps them: __reset_isolation_suitable() runs only when
 * compact_blockskip_flush is set, samples every 8th page of a block
 * (__reset_isolation_pfn()), keeps persistent skips and collapses the
 * cached positions when one side found nothing; a compaction that ignores
 * the hints still leaves them (update_pageblock_skip(),
 * update_cached_migrate()), except under policy tuned. Tuned also samples
 * every page in the reset, where a regular pattern hides from 6.1's.
 */
#include <compactlab/compaction.h>
#include <compactlab/policy.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

#define NR_BLOCKS	8	/* a "16M" arena: 4096 pages, 8 pageblocks of 512 */
#define BLOCK(b)	((unsigned long)(b) * CLAB_PAGEBLOCK_PAGES)

/* Free the pages of block @b whose offset is a multiple of @step, from @first. */
static void free_every(struct test_owner *o, unsigned int b,
		       unsigned long first, unsigned long step)
{
	unsigned long k;

	for (k = first; k < CLAB_PAGEBLOCK_PAGES; k += step)
		test_owner_free(o, BLOCK(b) + k);
	clab_drain_all_pages(o->mem, NULL);
}

/* Empty block @b and allocate it whole: an allocation of pageblock order. */
static struct clab_page *block_alloc(struct test_owner *o, unsigned int b)
{
	struct clab_page *page;

	free_every(o, b, 0, 1);
	page = clab_alloc_pages(o->mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK,
				CLAB_PAGEBLOCK_ORDER);
	TEST_ASSERT(page && clab_page_to_idx(o->mem, page) == BLOCK(b));
	return page;
}

static void set_all_skip(struct clab_mem *mem)
{
	unsigned int b;

	for (b = 0; b < NR_BLOCKS; b++)
		clab_set_pageblock_skip(mem, BLOCK(b));
}

static unsigned int skip_mask(struct clab_mem *mem)
{
	unsigned int b, mask = 0;

	for (b = 0; b < NR_BLOCKS; b++)
		if (clab_get_pageblock_skip(mem, BLOCK(b)))
			mask |= 1u << b;
	return mask;
}

/* Give block @b's free pages and its type to @mt, as a steal would. */
static void block_set_type(struct clab_mem *mem, unsigned int b, int mt)
{
	struct clab_zone *zone = zone0(mem);
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	clab_move_freepages_block(zone, BLOCK(b), mt, NULL);
	clab_set_pageblock_migratetype(mem, BLOCK(b), mt);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * The blocks of the sampling case, each testing one rule of 6.1's
 * __reset_isolation_pfn() (the walk visits 0-3 upward as the migrate
 * side and 7-4 downward as the free side):
 *  0: in use but at every 8th page, which is free: the source sample
 *     sees no LRU page, and the migrate side does not look for free
 *     pages before it found its start: kept
 *  1: all in use: the source sample sees LRU pages: cleared, the start
 *  2: free at every 8th page: once the start is set, a free page also
 *     qualifies: cleared
 *  3, 5: one allocation of pageblock order: a persistent skip: kept
 *  7: free at every odd page only: the target sample (even pages) sees
 *     no buddy page: kept
 *  6: free at every 8th page but UNMOVABLE: not a starting point for the
 *     free side: kept
 *  4: free at every 8th page, MOVABLE: cleared, the free side's start
 */
static struct test_owner *sample_layout(struct clab_mem *mem,
					struct clab_page **big)
{
	struct test_owner *o = test_owner_fill(mem);

	free_every(o, 0, 0, 8);
	free_every(o, 2, 0, 8);
	big[0] = block_alloc(o, 3);
	free_every(o, 4, 0, 8);
	big[1] = block_alloc(o, 5);
	free_every(o, 6, 0, 8);
	block_set_type(mem, 6, CLAB_MIGRATE_UNMOVABLE);
	free_every(o, 7, 1, 2);
	return o;
}

static void sample_layout_destroy(struct clab_mem *mem, struct test_owner *o,
				  struct clab_page **big)
{
	clab_free_pages(mem, big[0], CLAB_PAGEBLOCK_ORDER);
	clab_free_pages(mem, big[1], CLAB_PAGEBLOCK_ORDER);
	block_set_type(mem, 6, CLAB_MIGRATE_MOVABLE);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1's __reset_isolation_suitable() returns at once unless
 * compact_blockskip_flush is set, whether kswapd (reset_isolation_suitable())
 * or a restarting compact_zone() (compaction_restarting()) calls it.
 */
static void test_reset_needs_flush(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_stats st = { 0 };
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k, migrate, free;

	for (k = 1; k < mem->arena->nr_pages; k += 2)
		test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	set_all_skip(mem);
	zone->compact_cached_migrate_pfn[0] = BLOCK(2);
	zone->compact_cached_migrate_pfn[1] = BLOCK(2);
	zone->compact_cached_free_pfn = BLOCK(5);
	migrate = zone->compact_init_migrate_pfn;
	free = zone->compact_init_free_pfn;

	/* No flush pending: nothing changes. */
	zone->compact_blockskip_flush = false;
	__clab_reset_isolation_suitable(zone);
	clab_reset_isolation_suitable(zone->node);
	CHECK_EQ(skip_mask(mem), 0xff);
	CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(2));
	CHECK_EQ(zone->compact_cached_migrate_pfn[1], BLOCK(2));
	CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(5));
	CHECK_EQ(zone->compact_init_migrate_pfn, migrate);
	CHECK_EQ(zone->compact_init_free_pfn, free);

	/*
	 * A compaction restarting after the deferrals ran out, with no flush
	 * pending, honours every hint: async, it scans nothing.
	 */
	zone->compact_order_failed = 0;
	zone->compact_defer_shift = CLAB_COMPACT_MAX_DEFER_SHIFT;
	zone->compact_considered = 1u << CLAB_COMPACT_MAX_DEFER_SHIFT;
	CHECK(clab_compaction_restarting(zone, 4));
	clab_compact_zone_order(zone, 4, CLAB_GFP_MOVABLE, CLAB_COMPACT_PRIO_ASYNC,
				CLAB_ALLOC_WMARK_LOW, CLAB_ZONE_MOVABLE, NULL, &st);
	CHECK_EQ(st.migrate_scanned, 0);
	CHECK_EQ(st.migrated, 0);
	CHECK_EQ(skip_mask(mem), 0xff);

	/*
	 * With the flush pending, it runs once and clears the flag. The
	 * source side clears the lower half. The free side samples only even
	 * pages, all in use: it clears nothing (the kernel's weakness on
	 * this pattern), so the cached positions collapse to where the two
	 * walks met.
	 */
	zone->compact_blockskip_flush = true;
	__clab_reset_isolation_suitable(zone);
	CHECK(!zone->compact_blockskip_flush);
	CHECK_EQ(skip_mask(mem), 0xf0);
	CHECK_EQ(zone->compact_init_migrate_pfn, BLOCK(0));
	CHECK_EQ(zone->compact_init_free_pfn, free);
	CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(4));
	CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(4) - 1);

	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * 6.1's __reset_isolation_pfn(): a block's hint goes only when a sample of
 * every 8th page shows an LRU page (source side) or a buddy page (target
 * side, MOVABLE blocks only until the free side has its start); blocks of
 * a pageblock-order allocation keep theirs (pageblock_skip_persistent());
 * the first block cleared from each end is where the scanners start, the
 * free side's at the walk's pfn (the block's last page).
 */
static void test_reset_samples(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_page *big[2];
	struct test_owner *o = sample_layout(mem, big);

	set_all_skip(mem);
	zone->compact_blockskip_flush = true;
	__clab_reset_isolation_suitable(zone);

	/* Kept: 0, 3, 5, 6, 7; cleared: 1, 2, 4. */
	CHECK_EQ(skip_mask(mem), BIT(0) | BIT(3) | BIT(5) | BIT(6) | BIT(7));
	CHECK_EQ(zone->compact_init_migrate_pfn, BLOCK(1));
	CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(1));
	CHECK_EQ(zone->compact_cached_migrate_pfn[1], BLOCK(1));
	CHECK_EQ(zone->compact_init_free_pfn, BLOCK(5) - 1);
	CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(5) - 1);

	sample_layout_destroy(mem, o, big);
}

/*
 * 6.1's __reset_isolation_suitable(): "leave no distance if no suitable
 * block was reset". A wholly free zone has no LRU page for the source
 * side: the cached positions collapse to where the two walks met, so the
 * next compaction's scanners meet at once; compact_init_* keep what the
 * walk set. Its free pages are order-10 blocks, so only every other
 * pageblock starts with a buddy page: the target sample finds blocks 6
 * and 4, and 6 (at its last page) was the free side's start.
 */
static void test_reset_collapses(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	unsigned long init_migrate = zone->compact_init_migrate_pfn;
	struct clab_compact_control cc = { .zone = zone };

	set_all_skip(mem);
	zone->compact_blockskip_flush = true;
	__clab_reset_isolation_suitable(zone);
	CHECK_EQ(skip_mask(mem), 0xff & ~(BIT(4) | BIT(6)));
	CHECK_EQ(zone->compact_init_free_pfn, BLOCK(7) - 1);
	CHECK_EQ(zone->compact_init_migrate_pfn, init_migrate);
	/* The walks met between blocks 3 and 4. */
	CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(4));
	CHECK_EQ(zone->compact_cached_migrate_pfn[1], BLOCK(4));
	CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(4) - 1);
	cc.migrate_pfn = zone->compact_cached_migrate_pfn[0];
	cc.free_pfn = zone->compact_cached_free_pfn;
	CHECK(clab_compact_scanners_met(&cc));

	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * The two lowest blocks pinned (barren for the migrate scanner); the rest
 * every other page free. (With half the zone pinned, 6.1's fast free-list
 * search lets the scanners meet before a block is free: COMPLETE, which
 * resets the cached positions.)
 */
static struct test_owner *pinned_low_blocks(struct clab_mem *mem)
{
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k;

	for (k = 0; k < 4096; k++) {
		if (k < 1024)
			set_bit(CLAB_PG_PINNED, &o->table[k]->flags);
		else if (k % 2)
			test_owner_free(o, k);
	}
	clab_drain_all_pages(mem, NULL);
	return o;
}

/*
 * One compaction that ignores the hints, under @policy: a SYNC_FULL
 * direct compaction for order 4 (@full false) or compact_memory's whole
 * node (@full true). Returns the hints left, and the sync cached migrate
 * position in *@migrate.
 */
static unsigned int ignore_skip_run(const struct clab_policy_ops *policy, bool full,
				    unsigned long *migrate)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct test_owner *o = pinned_low_blocks(mem);
	struct clab_zone *zone = zone0(mem);
	unsigned int mask;

	WRITE_ONCE(mem->compact_policy, policy);
	if (full)
		clab_compact_node(mem, 0, NULL);
	else
		CHECK_EQ(clab_compact_zone_order(zone, 4, CLAB_GFP_MOVABLE,
						 CLAB_COMPACT_PRIO_SYNC_FULL,
						 CLAB_ALLOC_WMARK_LOW,
						 CLAB_ZONE_MOVABLE, NULL, NULL),
			 CLAB_COMPACT_SUCCESS);
	mask = skip_mask(mem);
	*migrate = zone->compact_cached_migrate_pfn[1];
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
	return mask;
}

/*
 * 6.1's update_cached_migrate() and update_pageblock_skip() refuse only
 * for no_set_skip_hint: a compaction that ignores the hints (SYNC_FULL,
 * compact_memory, proactive) still raises the cached migrate position past
 * the barren blocks it scanned and marks the free blocks it scanned out.
 * Policy tuned leaves nothing behind.
 */
static void test_ignore_skip_leaves_hints(void)
{
	unsigned long migrate;
	unsigned int mask;

	/* SYNC_FULL stops once order 4 is free: past the two pinned blocks. */
	mask = ignore_skip_run(CLAB_POLICY_LINUX, false, &migrate);
	CHECK(migrate >= BLOCK(2));
	DIAG("linux, SYNC_FULL: hints %#x, cached sync migrate pfn %lu", mask, migrate);
	mask = ignore_skip_run(CLAB_POLICY_TUNED, false, &migrate);
	CHECK_EQ(mask, 0);
	CHECK_EQ(migrate, 0);

	/* compact_memory: the free blocks it scanned out are marked. */
	mask = ignore_skip_run(CLAB_POLICY_LINUX, true, &migrate);
	CHECK(mask & (BIT(4) | BIT(5) | BIT(6) | BIT(7)));
	DIAG("linux, compact_memory: hints %#x", mask);
	mask = ignore_skip_run(CLAB_POLICY_TUNED, true, &migrate);
	CHECK_EQ(mask, 0);
}

/*
 * The Gupta pattern: every 4th page kept, from offset 1 (pfn % 4 == 1),
 * the rest free, all hints set and a flush pending. 6.1 samples pages 0,
 * 8, 16... of a block: all free, so no block qualifies as a source, and
 * the cached positions collapse to the middle of the zone: the next
 * compactions' scanners meet at once. Policy tuned samples every page: the
 * lowest block is the source, the highest the target, and a compaction
 * after the flush finds the order it wants.
 */
static void test_reset_regular_pattern(void)
{
	const struct clab_policy_ops *policies[] = {
		CLAB_POLICY_LINUX, CLAB_POLICY_TUNED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
		struct test_owner *o = test_owner_fill(mem);
		struct clab_zone *zone = zone0(mem);
		bool tuned = policies[i] == CLAB_POLICY_TUNED;
		struct clab_compact_stats st = { 0 };
		unsigned long k;

		WRITE_ONCE(mem->compact_policy, policies[i]);
		for (k = 0; k < mem->arena->nr_pages; k++)
			if (k % 4 != 1)
				test_owner_free(o, k);
		clab_drain_all_pages(mem, NULL);
		set_all_skip(mem);
		zone->compact_blockskip_flush = true;
		__clab_reset_isolation_suitable(zone);
		DIAG("%s: hints %#x, cached migrate %lu, free %lu",
		     policies[i]->name, skip_mask(mem),
		     zone->compact_cached_migrate_pfn[0],
		     zone->compact_cached_free_pfn);
		if (tuned) {
			CHECK_EQ(skip_mask(mem), 0);
			CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(0));
			CHECK_EQ(zone->compact_cached_migrate_pfn[1], BLOCK(0));
			CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(NR_BLOCKS) - 1);
		} else {
			/* Sources kept their hints; targets were cleared. */
			CHECK_EQ(skip_mask(mem), 0x0f);
			CHECK_EQ(zone->compact_cached_migrate_pfn[0], BLOCK(4));
			CHECK_EQ(zone->compact_cached_free_pfn, BLOCK(4) - 1);
		}
		/* The next sync-light compaction for order 9. */
		CHECK_EQ(clab_compact_zone_order(zone, CLAB_PAGEBLOCK_ORDER,
						 CLAB_GFP_MOVABLE,
						 CLAB_DEF_COMPACT_PRIORITY,
						 CLAB_ALLOC_WMARK_LOW,
						 CLAB_ZONE_MOVABLE, NULL, &st),
			 tuned ? CLAB_COMPACT_SUCCESS : CLAB_COMPACT_PARTIAL_SKIPPED);
		DIAG("%s: then order 9: migrated %lu", policies[i]->name,
		     st.migrated);
		CHECK(tuned ? st.migrated > 0 : st.migrated == 0);
		CHECK_EQ(test_owner_verify(o), 0);
		CHECK_EQ(mem_check(mem), 0);
		test_owner_destroy(o);
		test_mem_destroy(mem);
	}
}

#define LINUX61_SKIP_CASES(X) \
	X(test_reset_needs_flush) \
	X(test_reset_samples) \
	X(test_reset_collapses) \
	X(test_reset_regular_pattern) \
	X(test_ignore_skip_leaves_hints)

CLAB_TEST_SUITE(linux61_skip, LINUX61_SKIP_CASES);
