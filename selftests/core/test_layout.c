// SPDX-License-Identifier: GPL-2.0
/*
 * test_layout.c - page layouts in and out of the arena (issue 14): a layout
 * applied to an empty arena reads back the same; refusals leave the arena
 * as it was; snapshots encode and decode to the same layout and reject
 * every truncation, every corruption and every mismatch of this kernel's
 * sizes; a compaction of a clone keeps every cloned page's contents, and a
 * release gives the whole arena back.
 */
#include <compactlab/compaction.h>
#include <compactlab/snapshot.h>
#include "mem_check.h"
#include "tap.h"

#define PB	CLAB_PAGEBLOCK_PAGES

/*
 * Four pageblocks, as a fragmented zone: an unmovable block of slab pages,
 * page tables and a pinned page with free holes of orders 0-2; a movable
 * block where
 * every other page is anonymous (the Gupta pattern) and the others free;
 * a free order-9 block; a THP and file pages in a reclaimable block. Free
 * blocks are the largest their neighbours allow, as the buddy keeps them.
 */
static void make_layout(struct clab_layout *l, unsigned long nr_pages)
{
	unsigned long i;

	TEST_ASSERT(!clab_layout_alloc(l, 0x40000, nr_pages));
	for (i = 0; i < nr_pages; i++)
		clab_layout_set_block(l, i, CLAB_LK_HOLE, 0);
	l->pageblock_mt[0] = CLAB_MIGRATE_UNMOVABLE;
	for (i = 0; i < PB; i += 16) {
		clab_layout_set_block(l, i, CLAB_LK_SLAB, 3);
		clab_layout_set_block(l, i + 8, CLAB_LK_PGTABLE, 0);
		clab_layout_set_block(l, i + 9, CLAB_LK_FREE, 0);
		clab_layout_set_block(l, i + 10, CLAB_LK_FREE, 1);
		clab_layout_set_block(l, i + 12, CLAB_LK_FREE, 2);
	}
	clab_layout_set_block(l, 9, CLAB_LK_PINNED, 0);
	l->pageblock_mt[1] = CLAB_MIGRATE_MOVABLE;
	for (i = PB; i < 2 * PB; i += 2) {
		clab_layout_set_block(l, i, CLAB_LK_ANON, 0);
		clab_layout_set_block(l, i + 1, CLAB_LK_FREE, 0);
	}
	l->pageblock_mt[2] = CLAB_MIGRATE_MOVABLE;
	clab_layout_set_block(l, 2 * PB, CLAB_LK_FREE, CLAB_PAGEBLOCK_ORDER);
	l->pageblock_mt[3] = CLAB_MIGRATE_RECLAIMABLE;
	clab_layout_set_block(l, 3 * PB, CLAB_LK_ANON, CLAB_PAGEBLOCK_ORDER);
	for (i = 4 * PB; i < nr_pages; i += PB) {
		unsigned long j;

		l->pageblock_mt[i / PB] = CLAB_MIGRATE_MOVABLE;
		for (j = 0; j < PB; j += 4) {
			clab_layout_set_block(l, i + j, CLAB_LK_FILE, 0);
			clab_layout_set_block(l, i + j + 1, CLAB_LK_FREE, 0);
			clab_layout_set_block(l, i + j + 2, CLAB_LK_FREE, 1);
		}
	}
	/* One free page on a per-CPU list, as the kernel keeps some. */
	if (nr_pages > 4 * PB)
		clab_layout_set_block(l, 4 * PB + 1, CLAB_LK_PCP, 0);
	strscpy(l->zone, "Normal", sizeof(l->zone));
	strscpy(l->arch, "x86_64", sizeof(l->arch));
	strscpy(l->release, "6.1.0-test", sizeof(l->release));
	l->nr_changed = 7;
}

static bool layouts_equal(const struct clab_layout *a,
			  const struct clab_layout *b)
{
	return a->nr_pages == b->nr_pages && a->start_pfn == b->start_pfn &&
	       !memcmp(a->pages, b->pages, a->nr_pages * sizeof(*a->pages)) &&
	       !memcmp(a->pageblock_mt, b->pageblock_mt,
		       clab_layout_nr_pageblocks(a));
}

/* The free blocks of each order in the arena's zones. */
static unsigned long arena_free_blocks(struct clab_mem *mem, unsigned int order)
{
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long n = 0;

	clab_for_each_populated_zone(mem, node, zone)
		n += zone->free_area[order].nr_free;
	return n;
}

/*
 * A 16 MiB arena takes an 8 MiB layout: the capture of the first 8 MiB is
 * the layout itself, kinds, orders and pageblock types; the free lists
 * hold the layout's free blocks, order by order, and its per-CPU page is
 * on a per-CPU list; the rest of the arena is unmovable holes; the buddy
 * allocator is consistent.
 */
static void test_apply_and_capture(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_layout l, back;
	struct clab_layout_stats st;
	const char *why = NULL;
	unsigned int order;
	int ret;

	make_layout(&l, 8 * PB);
	ret = clab_layout_apply(mem, &l, &why);
	if (ret)
		DIAG("apply: %d (%s)", ret, why);
	CHECK_EQ(ret, 0);
	CHECK_EQ(mem_check(mem), 0);
	clab_layout_count(&l, &st);
	/* The per-CPU page is on a per-CPU list, not the buddy's. */
	CHECK_EQ(st.kind[CLAB_LK_PCP], 1);
	CHECK_EQ(arena_free_blocks(mem, 0), st.free_blocks[0] - 1);
	for (order = 1; order <= CLAB_MAX_ORDER; order++)
		CHECK_EQ(arena_free_blocks(mem, order), st.free_blocks[order]);
	CHECK_EQ(mem_free_pages(mem), st.kind[CLAB_LK_FREE]);
	CHECK_EQ(clab_layout_nr_cloned(mem), mem->arena->nr_pages -
		 st.kind[CLAB_LK_FREE] - st.kind[CLAB_LK_PCP]);

	TEST_ASSERT(!clab_layout_alloc(&back, 0, l.nr_pages));
	CHECK_EQ(clab_layout_capture(mem, &back), 0);
	CHECK(layouts_equal(&l, &back));
	CHECK(!strcmp(back.zone, "Normal"));
	CHECK_EQ(back.nr_changed, 7);
	CHECK_EQ(clab_layout_verify(mem), 0);

	clab_layout_release(mem);
	CHECK_EQ(clab_layout_nr_cloned(mem), 0);
	CHECK_EQ(mem_free_pages(mem), mem->arena->nr_pages);
	CHECK_EQ(mem_check(mem), 0);
	clab_layout_free(&back);
	clab_layout_free(&l);
	test_mem_destroy(mem);
}

/*
 * Refusals change nothing: a layout larger than the arena (-ENOSPC), a
 * malformed one (-EINVAL: a tail without its block, a misaligned block),
 * an arena with an allocation of its own (-EBUSY). A second apply
 * replaces the first clone.
 */
static void test_apply_refusals(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	unsigned long free0 = mem_free_pages(mem);
	struct clab_layout l, big;
	struct clab_page *page;
	const char *why = NULL;

	make_layout(&big, 16 * PB);
	CHECK_EQ(clab_layout_apply(mem, &big, &why), -ENOSPC);
	DIAG("too large: %s", why);
	clab_layout_free(&big);

	make_layout(&l, 4 * PB);
	l.pages[PB + 1].order = CLAB_LAYOUT_TAIL;
	CHECK_EQ(clab_layout_apply(mem, &l, &why), -EINVAL);
	DIAG("tail without block: %s", why);
	clab_layout_set_block(&l, PB + 1, CLAB_LK_FREE, 0);
	clab_layout_set_block(&l, PB + 2, CLAB_LK_FREE, 1);
	l.pages[PB + 2].order = 2;
	CHECK_EQ(clab_layout_apply(mem, &l, &why), -EINVAL);
	DIAG("misaligned: %s", why);
	clab_layout_set_block(&l, PB + 2, CLAB_LK_ANON, 0);
	clab_layout_set_block(&l, PB + 3, CLAB_LK_FREE, 0);
	CHECK_EQ(mem_free_pages(mem), free0);

	page = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0);
	TEST_ASSERT(page);
	CHECK_EQ(clab_layout_apply(mem, &l, &why), -EBUSY);
	DIAG("in use: %s", why);
	clab_free_pages(mem, page, 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_free_pages(mem), free0);
	CHECK_EQ(mem_check(mem), 0);

	CHECK_EQ(clab_layout_apply(mem, &l, &why), 0);
	CHECK_EQ(clab_layout_apply(mem, &l, &why), 0);
	CHECK_EQ(mem_check(mem), 0);
	clab_layout_release(mem);
	CHECK_EQ(mem_free_pages(mem), free0);
	clab_layout_free(&l);
	test_mem_destroy(mem);
}

/* Encode, decode: the same layout and names, in the size announced. */
static void test_snapshot_roundtrip(void)
{
	struct clab_layout l, back;
	const char *why = NULL;
	size_t size, n;
	void *buf;

	make_layout(&l, 8 * PB);
	size = clab_snapshot_size(&l);
	buf = kvzalloc(size, GFP_KERNEL);
	TEST_ASSERT(buf);
	CHECK_EQ(clab_snapshot_encode(&l, buf, size - 1), 0);
	n = clab_snapshot_encode(&l, buf, size);
	CHECK_EQ(n, size);
	DIAG("%lu pages in %zu bytes", l.nr_pages, size);
	CHECK_EQ(clab_snapshot_decode(buf, size, &back, l.nr_pages, &why), 0);
	CHECK(layouts_equal(&l, &back));
	CHECK(!strcmp(back.release, "6.1.0-test"));
	CHECK_EQ(back.nr_changed, 7);
	clab_layout_free(&back);
	kvfree(buf);
	clab_layout_free(&l);
}

/* Fix both checksums after an edit, so that only the edit is judged. */
static void reseal(u8 *buf, size_t size)
{
	u32 body = clab_crc32(0, buf + CLAB_SNAPSHOT_HEADER_SIZE,
			      size - CLAB_SNAPSHOT_HEADER_SIZE), head;
	int i;

	for (i = 0; i < 4; i++)
		buf[168 + i] = body >> (8 * i);
	head = clab_crc32(0, buf, 172);
	for (i = 0; i < 4; i++)
		buf[172 + i] = head >> (8 * i);
}

/*
 * Every truncation and every corruption of a byte (each of the header's,
 * a sample of the body's) is refused, with
 * nothing allocated left behind (ASan); so are another page size,
 * pageblock order and largest order, an unknown kind, a snapshot larger
 * than the arena, and a well-sealed but malformed layout.
 */
static void test_snapshot_rejects(void)
{
	struct clab_layout l, back;
	const char *why = NULL;
	unsigned long refused = 0, tries = 0;
	size_t size, len, at;
	u8 *buf, *copy;

	make_layout(&l, 4 * PB);
	size = clab_snapshot_size(&l);
	buf = kvzalloc(size, GFP_KERNEL);
	copy = kvzalloc(size, GFP_KERNEL);
	TEST_ASSERT(buf && copy);
	TEST_ASSERT(clab_snapshot_encode(&l, buf, size) == size);

	for (len = 0; len < size; len++, tries++)
		if (clab_snapshot_decode(buf, len, &back, l.nr_pages, &why))
			refused++;
	CHECK_EQ(refused, tries);
	refused = 0;
	tries = 0;
	/* Every header byte, and body bytes 61 apart (CRCs cost under KASAN). */
	for (at = 0; at < size;
	     at += at < CLAB_SNAPSHOT_HEADER_SIZE ? 1 : 61, tries++) {
		memcpy(copy, buf, size);
		copy[at] ^= 0x5a;
		if (clab_snapshot_decode(copy, size, &back, l.nr_pages, &why))
			refused++;
	}
	CHECK_EQ(refused, tries);
	DIAG("%lu corruptions refused of %lu", refused, tries);

	memcpy(copy, buf, size);
	copy[16]++;	/* page shift */
	reseal(copy, size);
	CHECK_EQ(clab_snapshot_decode(copy, size, &back, l.nr_pages, &why), -EINVAL);
	DIAG("page size: %s", why);
	memcpy(copy, buf, size);
	copy[20]++;	/* pageblock order */
	reseal(copy, size);
	CHECK_EQ(clab_snapshot_decode(copy, size, &back, l.nr_pages, &why), -EINVAL);
	DIAG("pageblock order: %s", why);
	memcpy(copy, buf, size);
	copy[24]--;	/* largest order */
	reseal(copy, size);
	CHECK_EQ(clab_snapshot_decode(copy, size, &back, l.nr_pages, &why), -EINVAL);
	memcpy(copy, buf, size);
	copy[CLAB_SNAPSHOT_HEADER_SIZE + 4] = CLAB_LK_NR;	/* first run's kind */
	reseal(copy, size);
	CHECK_EQ(clab_snapshot_decode(copy, size, &back, l.nr_pages, &why), -EINVAL);
	DIAG("unknown kind: %s", why);
	memcpy(copy, buf, size);
	copy[CLAB_SNAPSHOT_HEADER_SIZE + 5] = 1;	/* a hole of order 1 */
	reseal(copy, size);
	CHECK_EQ(clab_snapshot_decode(copy, size, &back, l.nr_pages, &why), -EINVAL);
	DIAG("malformed: %s", why);
	CHECK_EQ(clab_snapshot_decode(buf, size, &back, l.nr_pages - 1, &why), -ENOSPC);
	CHECK_EQ(clab_snapshot_decode(buf, size, &back, l.nr_pages, &why), 0);
	clab_layout_free(&back);

	kvfree(copy);
	kvfree(buf);
	clab_layout_free(&l);
}

/*
 * Compaction of a clone: compact_memory migrates the Gupta block's and the
 * file blocks' pages, leaves the pinned page, the THP and the unmovable
 * block where they were, frees more order-9 blocks than the layout had,
 * and every migrated page keeps its contents; the capture after it is a
 * well-formed layout with the same count of movable pages.
 */
static void test_compact_clone(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_layout_stats before, after;
	struct clab_compact_stats cst = { 0 };
	struct clab_layout l, back;
	const char *why = NULL;

	make_layout(&l, 8 * PB);
	TEST_ASSERT(!clab_layout_apply(mem, &l, &why));
	clab_layout_count(&l, &before);
	clab_compact_memory(mem, &cst);
	DIAG("migrated %lu, failed %lu", cst.migrated, cst.failed);
	CHECK(cst.migrated > 0);
	CHECK_EQ(clab_layout_verify(mem), 0);
	CHECK_EQ(mem_check(mem), 0);

	TEST_ASSERT(!clab_layout_alloc(&back, 0, l.nr_pages));
	CHECK_EQ(clab_layout_capture(mem, &back), 0);
	CHECK_EQ(clab_layout_check(&back, &why), 0);
	clab_layout_count(&back, &after);
	DIAG("order-9 free blocks: %lu before, %lu after",
	     before.free_blocks[CLAB_PAGEBLOCK_ORDER],
	     after.free_blocks[CLAB_PAGEBLOCK_ORDER]);
	CHECK(after.free_blocks[CLAB_PAGEBLOCK_ORDER] +
	      after.free_blocks[CLAB_MAX_ORDER] * 2 >
	      before.free_blocks[CLAB_PAGEBLOCK_ORDER]);
	CHECK_EQ(after.kind[CLAB_LK_ANON], before.kind[CLAB_LK_ANON]);
	CHECK_EQ(after.kind[CLAB_LK_FILE], before.kind[CLAB_LK_FILE]);
	CHECK_EQ(after.kind[CLAB_LK_PINNED], before.kind[CLAB_LK_PINNED]);
	CHECK(!memcmp(&back.pages[0], &l.pages[0], PB * sizeof(l.pages[0])));
	CHECK(!memcmp(&back.pages[3 * PB], &l.pages[3 * PB],
		      PB * sizeof(l.pages[0])));

	clab_layout_release(mem);
	CHECK_EQ(mem_free_pages(mem), mem->arena->nr_pages);
	CHECK_EQ(mem_check(mem), 0);
	clab_layout_free(&back);
	clab_layout_free(&l);
	test_mem_destroy(mem);
}

/*
 * make_layout() with a zone state: watermarks, the CPUs' marks, and five
 * per-CPU blocks on three lists of the first CPU, listed in the order a capture reads them
 * (by list, head first) but not in pfn order.
 */
static const unsigned long zs_idx[] = {
	7 * PB + 1, 4 * PB + 1, 6 * PB + 1, 5 * PB + 1, 5 * PB + 2,
};

static const u8 zs_order[] = { 0, 0, 0, 0, 1 };

static const u8 zs_mt[] = {
	CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_MOVABLE,
	CLAB_MIGRATE_RECLAIMABLE, CLAB_MIGRATE_UNMOVABLE,
};

static void make_zone_state_layout(struct clab_layout *l)
{
	unsigned int i;

	make_layout(l, 8 * PB);
	/* As a capture here reads it: every possible CPU, all alike. */
	TEST_ASSERT(!clab_layout_alloc_zone_state(l, num_possible_cpus(), 8));
	l->wmark[CLAB_WMARK_MIN] = 300;
	l->wmark[CLAB_WMARK_LOW] = 400;
	l->wmark[CLAB_WMARK_HIGH] = 500;
	l->wmark_boost = 9;
	for (i = 0; i < l->nr_cpus; i++)
		l->cpus[i] = (struct clab_layout_cpu) {
			.high = 1000, .batch = 7, .free_factor = 2,
		};
	for (i = 0; i < ARRAY_SIZE(zs_idx); i++) {
		clab_layout_set_block(l, zs_idx[i], CLAB_LK_PCP, zs_order[i]);
		l->pcp[l->nr_pcp++] = (struct clab_layout_pcp) {
			.idx = zs_idx[i], .order = zs_order[i],
			.migratetype = zs_mt[i],
		};
	}
}

static bool zone_states_equal(const struct clab_layout *a,
			      const struct clab_layout *b)
{
	unsigned long i;

	if (!a->has_zone_state || !b->has_zone_state ||
	    memcmp(a->wmark, b->wmark, sizeof(a->wmark)) ||
	    a->wmark_boost != b->wmark_boost || a->nr_cpus != b->nr_cpus ||
	    memcmp(a->cpus, b->cpus, a->nr_cpus * sizeof(*a->cpus)) ||
	    a->nr_pcp != b->nr_pcp)
		return false;
	for (i = 0; i < a->nr_pcp; i++)
		if (a->pcp[i].idx != b->pcp[i].idx ||
		    a->pcp[i].cpu != b->pcp[i].cpu ||
		    a->pcp[i].order != b->pcp[i].order ||
		    a->pcp[i].migratetype != b->pcp[i].migratetype)
			return false;
	return true;
}

/*
 * A zone state travels whole: applied, the arena zone has the layout's
 * watermarks and per-CPU marks and its per-CPU blocks in the listed order;
 * captured, encoded, decoded and applied to a second arena, the same
 * again. A version 1 snapshot (no zone state) still loads; a version 1
 * header with the zone-state flag, and an entry naming a page that is not
 * a per-CPU block, are refused.
 */
static void test_zone_state(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_mem *mem2 = test_mem_create("16M", 1, NULL, NULL);
	struct clab_per_cpu_pages *pcp;
	struct clab_layout l, back, again;
	const char *why = NULL;
	struct clab_zone *zone;
	struct clab_page *page;
	unsigned int i = 0;
	size_t size;
	int cpu;
	u8 *buf;

	make_zone_state_layout(&l);
	CHECK_EQ(clab_layout_apply(mem, &l, &why), 0);
	CHECK_EQ(mem_check(mem), 0);
	zone = clab_idx_to_zone(mem, 0);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_LOW], 400);
	CHECK_EQ(zone->watermark_boost, 9);
	for_each_possible_cpu(cpu)
		break;	/* rank 0: the first possible CPU */
	pcp = per_cpu_ptr(zone->pcp, cpu);
	CHECK_EQ(pcp->high, 1000);
	CHECK_EQ(pcp->batch, 7);
	CHECK_EQ(pcp->free_factor, 2);
	CHECK_EQ(pcp->count, 6);
	list_for_each_entry(page, &pcp->lists[clab_order_to_pindex(CLAB_MIGRATE_MOVABLE, 0)], lru)
		CHECK_EQ(clab_page_to_idx(mem, page), zs_idx[i++]);
	CHECK_EQ(i, 3);

	TEST_ASSERT(!clab_layout_alloc(&back, 0, l.nr_pages));
	CHECK_EQ(clab_layout_capture(mem, &back), 0);
	CHECK(layouts_equal(&l, &back));
	CHECK(zone_states_equal(&l, &back));

	size = clab_snapshot_size(&back);
	buf = kvzalloc(size, GFP_KERNEL);
	TEST_ASSERT(buf);
	TEST_ASSERT(clab_snapshot_encode(&back, buf, size) == size);
	CHECK_EQ(buf[8], 2);
	CHECK_EQ(clab_snapshot_decode(buf, size, &again, l.nr_pages, &why), 0);
	CHECK(zone_states_equal(&l, &again));
	CHECK_EQ(clab_layout_apply(mem2, &again, &why), 0);
	clab_layout_free(&again);
	TEST_ASSERT(!clab_layout_alloc(&again, 0, l.nr_pages));
	CHECK_EQ(clab_layout_capture(mem2, &again), 0);
	CHECK(layouts_equal(&l, &again));
	CHECK(zone_states_equal(&l, &again));
	clab_layout_free(&again);

	/* The same snapshot as version 1 is refused: v1 has no flags. */
	buf[8] = 1;
	reseal(buf, size);
	CHECK_EQ(clab_snapshot_decode(buf, size, &again, l.nr_pages, &why), -EINVAL);
	DIAG("version 1 with a zone state: %s", why);
	buf[8] = 2;
	/* The last entry names a free page instead of a per-CPU block. */
	buf[size - 16] = 0;
	buf[size - 15] = 0;
	reseal(buf, size);
	CHECK_EQ(clab_snapshot_decode(buf, size, &again, l.nr_pages, &why), -EINVAL);
	DIAG("bad entry: %s", why);
	kvfree(buf);

	/* A batch the list arithmetic cannot take (found by fuzz_snapshot). */
	l.cpus[0].batch = CLAB_LAYOUT_MAX_PCP_BATCH + 1;
	CHECK_EQ(clab_layout_check(&l, &why), -EINVAL);
	CHECK_EQ(clab_layout_apply(mem2, &l, &why), -EINVAL);
	l.cpus[0].batch = 7;

	/* Version 1: no zone state; the per-CPU blocks go on this CPU's lists. */
	clab_layout_free(&back);
	make_layout(&back, 8 * PB);
	size = clab_snapshot_size(&back);
	buf = kvzalloc(size, GFP_KERNEL);
	TEST_ASSERT(buf && clab_snapshot_encode(&back, buf, size) == size);
	buf[8] = 1;
	reseal(buf, size);
	CHECK_EQ(clab_snapshot_decode(buf, size, &again, l.nr_pages, &why), 0);
	CHECK(!again.has_zone_state);
	CHECK_EQ(clab_layout_apply(mem2, &again, &why), 0);
	CHECK_EQ(mem_check(mem2), 0);
	clab_layout_free(&again);
	kvfree(buf);

	clab_layout_release(mem);
	clab_layout_release(mem2);
	CHECK_EQ(mem_free_pages(mem), mem->arena->nr_pages);
	CHECK_EQ(mem_check(mem), 0);
	CHECK_EQ(mem_check(mem2), 0);
	clab_layout_free(&back);
	clab_layout_free(&l);
	test_mem_destroy(mem2);
	test_mem_destroy(mem);
}

#define LAYOUT_CASES(X) X(test_apply_and_capture) X(test_apply_refusals) \
	X(test_snapshot_roundtrip) X(test_snapshot_rejects) \
	X(test_compact_clone) X(test_zone_state)

CLAB_TEST_SUITE(layout, LAYOUT_CASES);
