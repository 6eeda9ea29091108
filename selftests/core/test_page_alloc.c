// SPDX-License-Identifier: GPL-2.0
/*
 * test_page_alloc.c - the shadow buddy allocator in user space: split and
 * merge, buddy alignment, the 6.1 fallback and stealing rules, the movable
 * zone, watermarks, the highatomic reserve, and a long randomized run with
 * every invariant checked (mem_check.c).
 */
#include <compactlab/mmzone.h>
#include "mem_check.h"
#include "tap.h"

static unsigned long nr_free_at(struct clab_zone *zone, unsigned int order)
{
	return zone->free_area[order].nr_free;
}

/* Free pages on every CPU's lists of @zone. */
static int pcp_pages(struct clab_zone *zone)
{
	int cpu, n = 0;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(zone->pcp, cpu)->count;
	return n;
}

static struct clab_zone *normal0(struct clab_mem *mem)
{
	return &mem->nodes[0].zones[CLAB_ZONE_NORMAL];
}

static void test_init_layout(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone;

	CHECK(mem);
	if (!mem)
		return;
	zone = normal0(mem);
	CHECK_EQ(mem->nr_nodes, 1);
	CHECK_EQ(zone->managed_pages, 32768);
	CHECK(!clab_zone_is_populated(&mem->nodes[0].zones[CLAB_ZONE_MOVABLE]));
	CHECK_EQ(nr_free_at(zone, CLAB_MAX_ORDER), 32);
	CHECK_EQ(zone->nr_free_pages, 32768);
	CHECK_EQ(clab_get_pageblock_migratetype(mem, 0), CLAB_MIGRATE_MOVABLE);
	/* min_free_kbytes = int_sqrt(131072 * 16) = 1448 -> 362 pages. */
	CHECK_EQ(mem->min_free_kbytes, 1448);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_MIN], 362);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_LOW], 362 + 90);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_HIGH], 362 + 180);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

static void test_split_merge(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = normal0(mem);
	struct clab_page *p0, *p3;
	unsigned int o;

	p3 = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 3);
	CHECK(p3);
	CHECK_EQ(clab_page_to_idx(mem, p3) % 8, 0);
	/*
	 * 6.1's rmqueue_pcplist() refills the order-3 list with
	 * max(batch >> 3, 2) = 2 blocks: one order-10 block split into
	 * 4,5,...,9 and two order-3 blocks, one handed out, one on the list.
	 */
	CHECK_EQ(per_cpu_ptr(zone->pcp, 0)->batch, 7);
	CHECK_EQ(nr_free_at(zone, CLAB_MAX_ORDER), 31);
	CHECK_EQ(nr_free_at(zone, 3), 0);
	for (o = 4; o < CLAB_MAX_ORDER; o++)
		CHECK_EQ(nr_free_at(zone, o), 1);
	CHECK_EQ(pcp_pages(zone), 8);
	CHECK_EQ(mem_check(mem), 0);
	p0 = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	CHECK(p0 && clab_page_test(p0, CLAB_PG_HEAD));
	CHECK_EQ(mem_check(mem), 0);
	clab_free_pages(mem, p3, 3);
	clab_free_pages(mem, p0, 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(nr_free_at(zone, CLAB_MAX_ORDER), 32);
	for (o = 0; o < CLAB_MAX_ORDER; o++)
		CHECK_EQ(nr_free_at(zone, o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/* Allocate every page of the arena as order 0; returns them by index. */
static struct clab_page **take_all(struct clab_mem *mem, unsigned int gfp)
{
	unsigned long n = mem->arena->nr_pages, i;
	struct clab_page **by_idx = kcalloc(n, sizeof(*by_idx), GFP_KERNEL);
	struct clab_page *p;

	while ((p = clab_alloc_pages(mem, 0, gfp | CLAB_GFP_NO_WMARK, 0)))
		by_idx[clab_page_to_idx(mem, p)] = p;
	clab_drain_all_pages(mem, NULL);
	while ((p = clab_alloc_pages(mem, 0, gfp | CLAB_GFP_NO_WMARK, 0)))
		by_idx[clab_page_to_idx(mem, p)] = p;
	for (i = 0; i < n; i++)
		if (!by_idx[i])
			return by_idx;
	return by_idx;
}

static void test_buddy_alignment(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct clab_zone *zone = normal0(mem);
	struct clab_page **pg = take_all(mem, CLAB_GFP_MOVABLE);
	unsigned long i;

	CHECK_EQ(zone->nr_free_pages, 0);
	for (i = 0; i < 2048; i++)
		CHECK(pg[i]);
	/* 1 and 2 are neighbours but not buddies: two order-0 blocks. */
	clab_free_pages(mem, pg[1], 0);
	clab_free_pages(mem, pg[2], 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(nr_free_at(zone, 0), 2);
	CHECK_EQ(nr_free_at(zone, 1), 0);
	/* Freeing 0 merges 0+1 into an order-1 block; 2 waits for 3. */
	clab_free_pages(mem, pg[0], 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(nr_free_at(zone, 0), 1);
	CHECK_EQ(nr_free_at(zone, 1), 1);
	clab_free_pages(mem, pg[3], 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(nr_free_at(zone, 0), 0);
	CHECK_EQ(nr_free_at(zone, 1), 0);
	CHECK_EQ(nr_free_at(zone, 2), 1);
	CHECK_EQ(mem_check(mem), 0);
	for (i = 4; i < 2048; i++)
		clab_free_pages(mem, pg[i], 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(nr_free_at(zone, CLAB_MAX_ORDER), 2);
	CHECK_EQ(mem_check(mem), 0);
	kfree(pg);
	test_mem_destroy(mem);
}

static void test_fallback_rules(void)
{
	static const int expect[3][3] = {
		{ CLAB_MIGRATE_RECLAIMABLE, CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_TYPES },
		{ CLAB_MIGRATE_RECLAIMABLE, CLAB_MIGRATE_UNMOVABLE, CLAB_MIGRATE_TYPES },
		{ CLAB_MIGRATE_UNMOVABLE, CLAB_MIGRATE_MOVABLE, CLAB_MIGRATE_TYPES },
	};
	struct clab_free_area area;
	unsigned int o, mt, i;
	bool steal;

	for (mt = 0; mt < 3; mt++)
		for (i = 0; i < 3; i++)
			CHECK_EQ(clab_fallbacks[mt][i], expect[mt][i]);
	CHECK_EQ(clab_fallbacks[CLAB_MIGRATE_HIGHATOMIC][0], CLAB_MIGRATE_TYPES);
	CHECK_EQ(clab_fallbacks[CLAB_MIGRATE_ISOLATE][0], CLAB_MIGRATE_TYPES);
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		CHECK_EQ(clab_can_steal_fallback(o, CLAB_MIGRATE_UNMOVABLE), true);
		CHECK_EQ(clab_can_steal_fallback(o, CLAB_MIGRATE_RECLAIMABLE), true);
		CHECK_EQ(clab_can_steal_fallback(o, CLAB_MIGRATE_MOVABLE), o >= 4);
	}

	memset(&area, 0, sizeof(area));
	for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
		INIT_LIST_HEAD(&area.free_list[mt]);
	CHECK_EQ(clab_find_suitable_fallback(&area, 2, CLAB_MIGRATE_MOVABLE, false,
					     &steal), -1);
	{
		struct clab_page a, b;

		list_add(&a.lru, &area.free_list[CLAB_MIGRATE_UNMOVABLE]);
		area.nr_free = 1;
		/* MOVABLE falls back to RECLAIMABLE first, then UNMOVABLE. */
		CHECK_EQ(clab_find_suitable_fallback(&area, 2, CLAB_MIGRATE_MOVABLE,
						     false, &steal),
			 CLAB_MIGRATE_UNMOVABLE);
		CHECK_EQ(steal, false);
		CHECK_EQ(clab_find_suitable_fallback(&area, 2, CLAB_MIGRATE_MOVABLE,
						     true, &steal), -1);
		CHECK_EQ(clab_find_suitable_fallback(&area, 5, CLAB_MIGRATE_MOVABLE,
						     true, &steal),
			 CLAB_MIGRATE_UNMOVABLE);
		list_add(&b.lru, &area.free_list[CLAB_MIGRATE_RECLAIMABLE]);
		area.nr_free = 2;
		CHECK_EQ(clab_find_suitable_fallback(&area, 2, CLAB_MIGRATE_MOVABLE,
						     false, &steal),
			 CLAB_MIGRATE_RECLAIMABLE);
		CHECK_EQ(clab_find_suitable_fallback(&area, 0, CLAB_MIGRATE_UNMOVABLE,
						     false, &steal),
			 CLAB_MIGRATE_RECLAIMABLE);
		CHECK_EQ(steal, true);
		/* HIGHATOMIC is never a fallback. */
		CHECK_EQ(clab_find_suitable_fallback(&area, 0, CLAB_MIGRATE_HIGHATOMIC,
						     false, &steal), -1);
	}
}

static void test_steal_and_claim(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = normal0(mem);
	struct clab_page *u, *m, **movable;
	unsigned long idx, pb, i;
	int n = 0;

	/*
	 * An unmovable page in an all-movable arena steals a whole order-10
	 * block: both of its pageblocks become UNMOVABLE.
	 */
	u = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0);
	CHECK(u);
	idx = clab_page_to_idx(mem, u);
	pb = idx >> CLAB_PAGEBLOCK_ORDER;
	CHECK_EQ(clab_get_pageblock_migratetype(mem, idx), CLAB_MIGRATE_UNMOVABLE);
	CHECK_EQ(clab_get_pageblock_migratetype(mem, (pb ^ 1) << CLAB_PAGEBLOCK_ORDER),
		 CLAB_MIGRATE_UNMOVABLE);
	CHECK_EQ(mem_check(mem), 0);

	/*
	 * Fill what is left with movable pages, then free a few in a movable
	 * block: a small unmovable request may steal single pages there, but
	 * cannot claim a block with few free pages.
	 */
	movable = kcalloc(4096, sizeof(*movable), GFP_KERNEL);
	while ((m = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK, 0)))
		movable[clab_page_to_idx(mem, m)] = m;
	clab_drain_all_pages(mem, NULL);
	while ((m = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK, 0)))
		movable[clab_page_to_idx(mem, m)] = m;
	for (i = 0; i < 4096; i++) {
		int mt = clab_get_pageblock_migratetype(mem, i);

		if (mt == CLAB_MIGRATE_MOVABLE && movable[i] && n < 8 && i % 64 == 0) {
			clab_free_pages(mem, movable[i], 0);
			movable[i] = NULL;
			n++;
		}
	}
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	{
		/* Use up the unmovable blocks' own free pages first. */
		struct clab_page *x;
		int before = 0, after = 0;

		for (i = 0; i < 4096; i += CLAB_PAGEBLOCK_PAGES)
			before += clab_get_pageblock_migratetype(mem, i) ==
				  CLAB_MIGRATE_UNMOVABLE;
		x = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_NO_WMARK, 0);
		CHECK(x);
		for (i = 0; i < 4096; i += CLAB_PAGEBLOCK_PAGES)
			after += clab_get_pageblock_migratetype(mem, i) ==
				 CLAB_MIGRATE_UNMOVABLE;
		/*
		 * 1 free + 511 movable-in-movable: alike = 0 for an unmovable
		 * request, so no block with under 256 free pages is claimed.
		 */
		CHECK_EQ(after, before);
		CHECK(x->migratetype == CLAB_MIGRATE_UNMOVABLE);
		CHECK_EQ(mem_check(mem), 0);
	}
	/* A boost was applied by the fragmenting fallback. */
	CHECK(zone->watermark_boost > 0);
	kfree(movable);
	test_mem_destroy(mem);
}

static void test_movable_zone(void)
{
	struct clab_mem *mem;
	struct clab_zone *normal, *movable;
	struct clab_page *p;
	unsigned long pages;
	bool in_movable = false;

	CHECK_EQ(clab_parse_core("50%", 1000, &pages), 0);
	CHECK_EQ(pages, 500);
	CHECK_EQ(clab_parse_core("64M", 1000, &pages), 0);
	CHECK_EQ(pages, 16384);
	CHECK_EQ(clab_parse_core("101%", 1000, &pages), -EINVAL);
	CHECK_EQ(clab_parse_core("mirror", 1000, &pages), -EINVAL);
	CHECK_EQ(clab_parse_core("%", 1000, &pages), -EINVAL);
	CHECK_EQ(clab_parse_core("", 1000, &pages), 0);
	CHECK_EQ(pages, 0);

	mem = test_mem_create("128M", 1, "50%", NULL);
	CHECK(mem);
	if (!mem)
		return;
	normal = normal0(mem);
	movable = &mem->nodes[0].zones[CLAB_ZONE_MOVABLE];
	CHECK_EQ(normal->managed_pages, 16384);
	CHECK_EQ(movable->managed_pages, 16384);
	/* Normal keeps a reserve against movable-capable requests. */
	CHECK_EQ(normal->lowmem_reserve[CLAB_ZONE_MOVABLE], 16384 / 32);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	CHECK(p && clab_page_to_idx(mem, p) >= movable->start);
	clab_free_pages(mem, p, 0);
	/* Non-movable requests never land in ZONE_MOVABLE. */
	while ((p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_NO_WMARK, 0)))
		in_movable |= clab_page_to_idx(mem, p) >= movable->start;
	CHECK(!in_movable);
	CHECK_EQ(normal->nr_free_pages, 0);
	CHECK(movable->nr_free_pages > 16000);
	/*
	 * Movable requests fall back to NORMAL only when MOVABLE is short:
	 * here NORMAL is full, so they all come from MOVABLE.
	 */
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/* movablecore rounds up to the largest block; kernelcore wins. */
	mem = test_mem_create("128M", 1, NULL, "30M");
	CHECK_EQ(mem->nodes[0].zones[CLAB_ZONE_MOVABLE].managed_pages, 8192);
	test_mem_destroy(mem);
	mem = test_mem_create("128M", 1, "100M", "64M");
	CHECK_EQ(mem->nodes[0].zones[CLAB_ZONE_MOVABLE].managed_pages, 7168);
	test_mem_destroy(mem);
	/* Two nodes: kernelcore spread evenly, each node gets its own zones. */
	mem = test_mem_create("128M", 2, "32M", NULL);
	CHECK_EQ(mem->nr_nodes, 2);
	CHECK_EQ(mem->nodes[1].start, 16384);
	CHECK_EQ(mem->nodes[0].zones[CLAB_ZONE_NORMAL].managed_pages, 4096);
	CHECK_EQ(mem->nodes[1].zones[CLAB_ZONE_NORMAL].managed_pages, 4096);
	CHECK_EQ(mem->nodes[1].zones[CLAB_ZONE_MOVABLE].managed_pages, 12288);
	p = clab_alloc_pages(mem, 1, CLAB_GFP_KERNEL, 0);
	CHECK(p && clab_page_to_idx(mem, p) >= 16384 &&
	      clab_page_to_idx(mem, p) < 16384 + 4096);
	clab_free_pages(mem, p, 0);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
	/* Bad layouts are refused. */
	CHECK(!test_mem_create("128M", 5, NULL, NULL));
	CHECK(!test_mem_create("8M", 3, NULL, NULL));
	CHECK(!test_mem_create("128M", 1, "lots", NULL));
}

static void test_watermarks(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = normal0(mem);
	unsigned long flags;

	CHECK_EQ(clab_set_min_free_kbytes(mem, 4096), 0);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_MIN], 1024);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_LOW], 1280);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_HIGH], 1536);
	CHECK_EQ(clab_set_watermark_scale_factor(mem, 100), 0);
	/* delta = max(1024 / 4, 32768 * 100 / 10000 = 327) */
	CHECK_EQ(zone->_watermark[CLAB_WMARK_LOW], 1024 + 327);
	CHECK_EQ(zone->_watermark[CLAB_WMARK_HIGH], 1024 + 654);
	CHECK_EQ(clab_set_watermark_scale_factor(mem, 0), -EINVAL);
	CHECK_EQ(clab_set_watermark_scale_factor(mem, 3001), -EINVAL);
	CHECK_EQ(mem->watermark_scale_factor, 100);
	CHECK_EQ(clab_set_min_free_kbytes(mem, -1), -EINVAL);
	CHECK_EQ(mem->min_free_kbytes, 4096);
	CHECK_EQ(clab_set_watermark_boost_factor(mem, -5), -EINVAL);
	CHECK_EQ(clab_set_watermark_boost_factor(mem, 0), 0);

	/* The order-0 check: free must exceed min (+ reserve). */
	CHECK(clab_zone_watermark_ok(zone, 0, 1024, 0, 0, 1025));
	CHECK(!clab_zone_watermark_ok(zone, 0, 1024, 0, 0, 1024));
	/* ALLOC_MIN_RESERVE halves min, NON_BLOCK takes a quarter more. */
	CHECK(clab_zone_watermark_ok(zone, 0, 1024, 0, CLAB_ALLOC_MIN_RESERVE, 513));
	CHECK(!clab_zone_watermark_ok(zone, 0, 1024, 0, CLAB_ALLOC_MIN_RESERVE, 512));
	CHECK(clab_zone_watermark_ok(zone, 0, 1024, 0,
				     CLAB_ALLOC_MIN_RESERVE | CLAB_ALLOC_NON_BLOCK, 385));
	/* Order 9 needs a free block of order >= 9 and (1 << 9) - 1 more. */
	CHECK(clab_zone_watermark_ok(zone, 9, 1024, 0, 0, 32768));
	CHECK(!clab_zone_watermark_ok(zone, 9, 1024, 0, 0, 1024 + 511));

	/* Boost: +512 a time, capped at max(512, high * factor / 10000). */
	CHECK_EQ(clab_set_watermark_boost_factor(mem, 15000), 0);
	spin_lock_irqsave(&zone->lock, flags);
	CHECK(clab_boost_watermark(zone));
	CHECK_EQ(zone->watermark_boost, 512);
	CHECK(clab_boost_watermark(zone));
	CHECK_EQ(zone->watermark_boost, 1024);
	for (int i = 0; i < 10; i++)
		clab_boost_watermark(zone);
	CHECK_EQ(zone->watermark_boost, (1024 + 654) * 15000 / 10000);
	spin_unlock_irqrestore(&zone->lock, flags);
	CHECK_EQ(clab_wmark_pages(zone, CLAB_WMARK_MIN), 1024 + 2517);
	test_mem_destroy(mem);
}

static void test_highatomic(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = normal0(mem);
	struct clab_page *p, *a;
	unsigned long low = clab_wmark_pages(zone, CLAB_WMARK_LOW), i;
	int reserved = 0;

	/* Bring free memory just under the low watermark. */
	while (zone->nr_free_pages > low &&
	       clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0))
		;
	a = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_ATOMIC | CLAB_GFP_HIGH, 1);
	CHECK(a);
	CHECK_EQ(zone->nr_reserved_highatomic, CLAB_PAGEBLOCK_PAGES);
	for (i = 0; i < mem->arena->nr_pages; i += CLAB_PAGEBLOCK_PAGES)
		reserved += clab_get_pageblock_migratetype(mem, i) ==
			    CLAB_MIGRATE_HIGHATOMIC;
	CHECK_EQ(reserved, 1);
	CHECK_EQ(mem_check(mem), 0);
	/* Ordinary requests cannot see the reserve's free pages. */
	CHECK(!clab_zone_watermark_ok(zone, 0, 0, 0, 0,
				      zone->nr_reserved_highatomic));
	/* Under pressure the reserve is released (force: even the last). */
	CHECK(clab_unreserve_highatomic_pageblock(mem, 0, CLAB_GFP_MOVABLE,
						  true) > 0);
	CHECK_EQ(zone->nr_reserved_highatomic, 0);
	CHECK_EQ(mem_check(mem), 0);
	p = a;
	clab_free_pages(mem, p, 1);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/* xorshift64*: reproducible randomness for the property test. */
static u64 rnd_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

static void test_random_property(void)
{
	static const unsigned int gfps[] = {
		CLAB_GFP_MOVABLE, CLAB_GFP_MOVABLE, CLAB_GFP_MOVABLE,
		CLAB_GFP_KERNEL, CLAB_GFP_RECLAIMABLE,
		CLAB_GFP_KERNEL | CLAB_GFP_ATOMIC | CLAB_GFP_HIGH,
	};
	struct clab_mem *mem = test_mem_create("64M", 2, "50%", NULL);
	struct { struct clab_page *p; unsigned int order; } *live;
	unsigned long nlive = 0, ops, fails = 0, total = 0;
	int bad = 0;

	CHECK(mem);
	if (!mem)
		return;
	live = kcalloc(mem->arena->nr_pages, sizeof(*live), GFP_KERNEL);
	for (ops = 0; ops < 40000 && !bad; ops++) {
		u64 r = rnd();

		if (nlive && (r % 100 < 45 || nlive > 12000)) {
			unsigned long k = (r >> 8) % nlive;

			clab_free_pages(mem, live[k].p, live[k].order);
			live[k] = live[--nlive];
		} else {
			unsigned int order = (r >> 16) % 100 < 80 ? 0 : (r >> 24) % 11;
			unsigned int gfp = gfps[(r >> 32) % ARRAY_SIZE(gfps)];
			struct clab_page *p = clab_alloc_pages(mem, (r >> 40) & 1, gfp, order);

			if (!p) {
				fails++;
				continue;
			}
			live[nlive].p = p;
			live[nlive].order = order;
			nlive++;
			total++;
		}
		if (ops % 2000 == 0)
			bad |= mem_check(mem);
		if (ops % 7001 == 0)
			clab_drain_all_pages(mem, NULL);
	}
	DIAG("%lu ops, %lu allocations, %lu failed, %lu live", ops, total,
	     fails, nlive);
	CHECK(!bad);
	CHECK_EQ(mem_check(mem), 0);
	while (nlive) {
		nlive--;
		clab_free_pages(mem, live[nlive].p, live[nlive].order);
	}
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	CHECK_EQ(mem_free_pages(mem), mem->arena->nr_pages);
	kfree(live);
	test_mem_destroy(mem);
}

#define PAGE_ALLOC_CASES(X) \
	X(test_init_layout) \
	X(test_split_merge) \
	X(test_buddy_alignment) \
	X(test_fallback_rules) \
	X(test_steal_and_claim) \
	X(test_movable_zone) \
	X(test_watermarks) \
	X(test_highatomic) \
	X(test_random_property)

CLAB_TEST_SUITE(page_alloc, PAGE_ALLOC_CASES);
