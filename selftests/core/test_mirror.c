// SPDX-License-Identifier: GPL-2.0
/*
 * test_mirror.c - the live mirror's core (issue 15): the event rings in
 * sequence order and their overflow count; the replay of allocations and
 * frees onto a clone (binding, rebinding, unmatched and partial frees,
 * failed allocations on both sides, the counterfactual answers); the
 * census repairs of what no event showed; both sides' censuses of the
 * same layout agreeing; the per-CPU lists following the kernel's bulk
 * frees and refills, or their own high marks.
 */
#include <compactlab/mirror.h>
#include "mem_check.h"
#include "tap.h"

#define PB	CLAB_PAGEBLOCK_PAGES
#define START	0x40000UL

/*
 * Eight pageblocks as a kernel zone: the first 64 pages holes, the rest
 * of the first block slab pages and free pages; three movable blocks with
 * anonymous pages at every fourth page; four free blocks.
 */
static void make_zone(struct clab_layout *l)
{
	unsigned long i;

	TEST_ASSERT(!clab_layout_alloc(l, START, 8 * PB));
	for (i = 0; i < 64; i++)
		clab_layout_set_block(l, i, CLAB_LK_HOLE, 0);
	for (i = 64; i < PB; i += 64) {
		clab_layout_set_block(l, i, CLAB_LK_SLAB, 5);
		clab_layout_set_block(l, i + 32, CLAB_LK_FREE, 5);
	}
	l->pageblock_mt[0] = CLAB_MIGRATE_UNMOVABLE;
	for (i = PB; i < 4 * PB; i += 4) {
		clab_layout_set_block(l, i, CLAB_LK_ANON, 0);
		clab_layout_set_block(l, i + 1, CLAB_LK_FREE, 0);
		clab_layout_set_block(l, i + 2, CLAB_LK_FREE, 1);
	}
	for (i = 4 * PB; i < 8 * PB; i += 2 * PB)
		clab_layout_set_block(l, i, CLAB_LK_FREE, CLAB_MAX_ORDER);
	for (i = 1; i < 8; i++)
		l->pageblock_mt[i] = CLAB_MIGRATE_MOVABLE;
	strscpy(l->zone, "Normal", sizeof(l->zone));
	strscpy(l->arch, "x86_64", sizeof(l->arch));
	strscpy(l->release, "6.1.0-test", sizeof(l->release));
}

struct mirror_fixture {
	struct clab_mem *mem;
	struct clab_layout zone;
	struct clab_mirror *m;
};

static void fixture_create_pcp(struct mirror_fixture *f, bool pcp_follow)
{
	const char *why = "";

	f->mem = test_mem_create_backend("virtual", "16M", 1, NULL, NULL);
	make_zone(&f->zone);
	TEST_ASSERT(!clab_layout_apply(f->mem, &f->zone, &why));
	f->m = clab_mirror_create(f->mem, START, f->zone.nr_pages, pcp_follow,
				  &why);
	TEST_ASSERT(!IS_ERR(f->m));
}

static void fixture_create(struct mirror_fixture *f)
{
	fixture_create_pcp(f, true);
}

static void fixture_destroy(struct mirror_fixture *f)
{
	clab_mirror_destroy(f->m);
	CHECK_EQ(mem_check(f->mem), 0);
	clab_layout_free(&f->zone);
	test_mem_destroy(f->mem);
}

static void event_on(struct clab_mirror *m, unsigned int type,
		     unsigned long pfn, unsigned int order, u32 gfp,
		     unsigned int cpu)
{
	struct clab_mirror_event ev = {
		.type = type, .pfn = pfn, .order = order, .gfp = gfp,
		.cpu = cpu,
	};

	clab_mirror_apply(m, &ev);
}

static void event(struct clab_mirror *m, unsigned int type, unsigned long pfn,
		  unsigned int order, u32 gfp)
{
	event_on(m, type, pfn, order, gfp, 0);
}

/* Pages on the shadow's per-CPU lists of @cpu, every zone. */
static int shadow_pcp(struct clab_mem *mem, int cpu)
{
	struct clab_node *node;
	struct clab_zone *zone;
	int n = 0;

	clab_for_each_populated_zone(mem, node, zone)
		n += per_cpu_ptr(zone->pcp, cpu)->count;
	return n;
}

/* Blocks on @cpu's shadow list of @mt and @order, every zone. */
static int shadow_list_blocks(struct clab_mem *mem, int cpu, int mt,
			      unsigned int order)
{
	struct clab_node *node;
	struct clab_zone *zone;
	struct list_head *pos;
	int n = 0;

	clab_for_each_populated_zone(mem, node, zone) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);

		list_for_each(pos, &pcp->lists[clab_order_to_pindex(mt, order)])
			n++;
	}
	return n;
}

/* Pages the shadow allocated, by its pageblock counters. */
static unsigned long shadow_allocated(struct clab_mem *mem)
{
	unsigned long idx, n = 0;
	int mt;

	for (idx = 0; idx < mem->arena->nr_pages; idx += PB)
		for (mt = 0; mt < CLAB_MIGRATE_PCPTYPES; mt++)
			n += atomic_read(&clab_idx_to_pageblock(mem, idx)->nr_alloc[mt]);
	return n;
}

/*
 * An allocation binds a shadow block, its free frees it; a free of
 * nothing, a second allocation of a bound pfn and a pfn outside the range
 * are counted as such.
 */
static void test_alloc_free(void)
{
	struct clab_mirror_counters c;
	struct mirror_fixture f;
	unsigned long bound, used;

	fixture_create(&f);
	bound = clab_mirror_nr_bound(f.m);
	used = shadow_allocated(f.mem);
	event(f.m, CLAB_MEV_ALLOC, START + 4 * PB + 8, 3, CLAB_GFP_MOVABLE);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound + 8);
	CHECK_EQ(shadow_allocated(f.mem), used + 8);
	event(f.m, CLAB_MEV_ALLOC, START + 4 * PB + 8, 3, CLAB_GFP_MOVABLE);
	event(f.m, CLAB_MEV_FREE, START + 4 * PB + 8, 3, 0);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound);
	event(f.m, CLAB_MEV_FREE, START + 4 * PB + 8, 3, 0);
	event(f.m, CLAB_MEV_ALLOC, START + 100 * PB, 0, CLAB_GFP_KERNEL);
	/* A page the clone made anonymous, freed by the kernel. */
	event(f.m, CLAB_MEV_FREE, START + PB, 0, 0);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound - 1);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.events, 6);
	CHECK_EQ(c.allocs, 2);
	CHECK_EQ(c.frees, 3);
	CHECK_EQ(c.outside, 1);
	CHECK_EQ(c.rebound, 1);
	CHECK_EQ(c.unmatched_frees, 1);
	CHECK_EQ(c.answer[3][CLAB_MIRROR_FAST], 2);
	fixture_destroy(&f);
}

/*
 * A block the kernel frees in parts (split_page()): the shadow splits its
 * block at the first partial free, and each part is freed once.
 */
static void test_partial_free(void)
{
	struct clab_mirror_counters c;
	struct mirror_fixture f;
	unsigned long bound, pfn = START + 6 * PB;

	fixture_create(&f);
	bound = clab_mirror_nr_bound(f.m);
	event(f.m, CLAB_MEV_ALLOC, pfn, 4, CLAB_GFP_KERNEL);
	event(f.m, CLAB_MEV_FREE, pfn + 3, 0, 0);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound + 15);
	event(f.m, CLAB_MEV_FREE, pfn + 8, 3, 0);
	event(f.m, CLAB_MEV_FREE, pfn, 1, 0);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound + 5);
	event(f.m, CLAB_MEV_FREE, pfn + 2, 0, 0);
	event(f.m, CLAB_MEV_FREE, pfn + 4, 2, 0);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.splits, 1);
	CHECK_EQ(c.unmatched_frees, 0);
	fixture_destroy(&f);
}

/*
 * The kernel's failed allocation is tried in the shadow and given back;
 * an allocation the shadow cannot serve is marked, and its free is not
 * taken for a free of a block never seen.
 */
static void test_failed(void)
{
	struct clab_mirror_counters c;
	struct mirror_fixture f;
	unsigned long used;
	const unsigned int top = CLAB_MAX_ORDER;

	fixture_create(&f);
	used = shadow_allocated(f.mem);
	event(f.m, CLAB_MEV_ALLOC_FAILED, 0, top, CLAB_GFP_MOVABLE);
	CHECK_EQ(shadow_allocated(f.mem), used);
	/* Two free largest blocks, then none. */
	event(f.m, CLAB_MEV_ALLOC, START + 4 * PB, top, CLAB_GFP_MOVABLE);
	event(f.m, CLAB_MEV_ALLOC, START + 6 * PB, top, CLAB_GFP_MOVABLE);
	event(f.m, CLAB_MEV_ALLOC_FAILED, 0, top,
	      CLAB_GFP_MOVABLE | CLAB_GFP_NOWARN);
	/* No reclaimable block, and no stealing from another type. */
	event(f.m, CLAB_MEV_ALLOC, START + 2 * PB, top,
	      CLAB_GFP_RECLAIMABLE | CLAB_GFP_NOFALLBACK | CLAB_GFP_NOWARN);
	event(f.m, CLAB_MEV_FREE, START + 2 * PB, top, 0);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.kernel_failed, 2);
	CHECK_EQ(c.kfail_answer[top][CLAB_MIRROR_FAST], 1);
	CHECK_EQ(c.kfail_answer[top][CLAB_MIRROR_FAILED], 1);
	CHECK_EQ(c.answer[top][CLAB_MIRROR_FAST], 2);
	CHECK_EQ(c.answer[top][CLAB_MIRROR_FAILED], 1);
	/* The anonymous pages in the unserved block's range went first. */
	CHECK_EQ(c.rebound, 1);
	CHECK_EQ(c.unserved_frees, 1);
	CHECK_EQ(c.unmatched_frees, 0);
	fixture_destroy(&f);
}

/*
 * A census that finds a block the bindings do not show is remembered the
 * first time and repaired the second: a page the kernel took silently is
 * allocated, a page it gave back silently is freed; a difference seen once
 * only is forgotten, and one an event named between is not repaired yet.
 */
static void test_reconcile(void)
{
	struct clab_mirror_counters c;
	struct mirror_fixture f;
	unsigned long bound;

	fixture_create(&f);
	bound = clab_mirror_nr_bound(f.m);
	clab_layout_set_block(&f.zone, 4 * PB, CLAB_LK_ANON, 0);
	clab_layout_set_block(&f.zone, PB, CLAB_LK_FREE, 0);
	clab_layout_set_block(&f.zone, 2 * PB, CLAB_LK_FREE, 0);
	clab_mirror_reconcile(f.m, &f.zone);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.repaired_allocs + c.repaired_frees, 0);
	/* The event for pfn 2 * PB arrives between the censuses. */
	event(f.m, CLAB_MEV_FREE, START + 2 * PB, 0, 0);
	clab_mirror_reconcile(f.m, &f.zone);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.repaired_allocs, 1);
	CHECK_EQ(c.repaired_frees, 1);
	CHECK_EQ(clab_mirror_nr_bound(f.m), bound - 1);
	clab_mirror_reconcile(f.m, &f.zone);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.repaired_allocs + c.repaired_frees, 2);
	/*
	 * A page found different twice, but named by an event between (a
	 * page the kernel reuses at once, in flight at both readings): not
	 * repaired until a census with no event of it between.
	 */
	clab_layout_set_block(&f.zone, PB + 4, CLAB_LK_FREE, 0);
	clab_mirror_reconcile(f.m, &f.zone);
	event(f.m, CLAB_MEV_ALLOC, START + PB + 4, 0, CLAB_GFP_MOVABLE);
	clab_mirror_reconcile(f.m, &f.zone);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.repaired_frees, 1);
	clab_mirror_reconcile(f.m, &f.zone);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.repaired_frees, 2);
	fixture_destroy(&f);
}

/* Right after the clone both censuses count the same, index for index. */
static void test_census(void)
{
	struct clab_mirror_census k, s;
	struct mirror_fixture f;
	unsigned int o;

	fixture_create(&f);
	clab_mirror_layout_census(&f.zone, &k);
	clab_mirror_shadow_census(f.m, &s);
	CHECK_EQ(k.pageblocks, 8);
	CHECK_EQ(s.pageblocks, 8);
	CHECK_EQ(k.free_pages, s.free_pages);
	CHECK_EQ(k.unmovable_pages, PB - 64 - (PB - 64) / 2);
	CHECK_EQ(s.unmovable_pages, k.unmovable_pages);
	CHECK_EQ(k.unmovable_blocks, 1);
	CHECK_EQ(s.unmovable_blocks, 1);
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		CHECK_EQ(k.free_blocks[o], s.free_blocks[o]);
		CHECK_EQ(clab_mirror_unusable_index(&k, o),
			 clab_mirror_unusable_index(&s, o));
		CHECK_EQ(clab_mirror_extfrag_index(&k, o),
			 clab_mirror_extfrag_index(&s, o));
	}
	CHECK_EQ(clab_mirror_unusable_index(&k, CLAB_MAX_ORDER),
		 (k.free_pages - (2UL << CLAB_MAX_ORDER)) * 1000 / k.free_pages);
	fixture_destroy(&f);
}

/* The anonymous pages of make_zone(), every fourth of blocks 1 to 3. */
#define NR_ANON		(3 * PB / 4)
#define ANON_PFN(i)	(START + PB + 4 * (i))

/*
 * pcp=follow: the kernel's frees stay on the event CPU's list past the
 * high mark; each kernel drain gives back the oldest block of the order,
 * from the list of the CPU the block was freed or refilled on, whichever
 * CPU the drain ran on; a drain the lists cannot match is counted. Each
 * kernel refill moves one block to the list; a replayed allocation that
 * finds its list empty takes one block, not a batch.
 */
static void test_pcp_follow(void)
{
	struct clab_mirror_counters c;
	struct clab_mirror_census s0, s1;
	struct clab_page *first, *second;
	struct mirror_fixture f;
	int base, refilled, other = -1, cpu;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned int i;

	fixture_create_pcp(&f, true);
	base = shadow_pcp(f.mem, 0);
	first = clab_layout_clone_get(f.mem->clone, ANON_PFN(0) - START);
	second = clab_layout_clone_get(f.mem->clone, ANON_PFN(1) - START);
	TEST_ASSERT(first && second);
	for (i = 0; i < NR_ANON; i++)
		event(f.m, CLAB_MEV_FREE, ANON_PFN(i), 0, 0);
	CHECK_EQ(shadow_pcp(f.mem, 0), base + NR_ANON);
	clab_mirror_shadow_census(f.m, &s0);
	/* The oldest goes first: the first page freed, not the second. */
	event(f.m, CLAB_MEV_PCP_DRAIN, ANON_PFN(0), 0, CLAB_MIGRATE_MOVABLE);
	CHECK(!clab_page_test(first, CLAB_PG_PCP));
	CHECK(clab_page_test(second, CLAB_PG_PCP));
	for (i = 1; i < 100; i++)
		event(f.m, CLAB_MEV_PCP_DRAIN, ANON_PFN(i), 0,
		      CLAB_MIGRATE_MOVABLE);
	clab_mirror_shadow_census(f.m, &s1);
	CHECK_EQ(shadow_pcp(f.mem, 0), base + NR_ANON - 100);
	CHECK_EQ(s1.pcp_pages, s0.pcp_pages - 100);
	CHECK_EQ(s1.free_pages, s0.free_pages + 100);
	/* A refill moves one block to the list; its drain gives it back. */
	refilled = shadow_list_blocks(f.mem, 0, CLAB_MIGRATE_UNMOVABLE, 0);
	event(f.m, CLAB_MEV_PCP_REFILL, START + 5 * PB, 0, CLAB_MIGRATE_UNMOVABLE);
	CHECK_EQ(shadow_list_blocks(f.mem, 0, CLAB_MIGRATE_UNMOVABLE, 0),
		 refilled + 1);
	CHECK_EQ(shadow_pcp(f.mem, 0), base + NR_ANON - 99);
	event(f.m, CLAB_MEV_PCP_DRAIN, START + 5 * PB, 0, CLAB_MIGRATE_UNMOVABLE);
	CHECK_EQ(shadow_pcp(f.mem, 0), base + NR_ANON - 100);
	/* An order the lists do not hold. */
	event(f.m, CLAB_MEV_PCP_DRAIN, START + 5 * PB, 3, CLAB_MIGRATE_MOVABLE);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.pcp_drains, 102);
	CHECK_EQ(c.pcp_drains_missed, 1);
	CHECK_EQ(c.pcp_refills, 1);
	CHECK_EQ(c.pcp_refills_missed, 0);
	/*
	 * An allocation whose list is empty takes one block, not a batch
	 * (the arena's own batch is 1: make it 8).
	 */
	TEST_ASSERT(!shadow_list_blocks(f.mem, 0, CLAB_MIGRATE_RECLAIMABLE, 0));
	clab_for_each_populated_zone(f.mem, node, zone)
		per_cpu_ptr(zone->pcp, 0)->batch = 8;
	base = shadow_pcp(f.mem, 0);
	event(f.m, CLAB_MEV_ALLOC, START + 5 * PB + 16, 0, CLAB_GFP_RECLAIMABLE);
	CHECK_EQ(shadow_pcp(f.mem, 0), base);
	CHECK(clab_layout_clone_get(f.mem->clone, 5 * PB + 16));
	/* Three refills, then three allocations: they take what came. */
	for (i = 0; i < 3; i++)
		event(f.m, CLAB_MEV_PCP_REFILL, START + 5 * PB + 17 + i, 0,
		      CLAB_MIGRATE_RECLAIMABLE);
	CHECK_EQ(shadow_pcp(f.mem, 0), base + 3);
	for (i = 0; i < 3; i++)
		event(f.m, CLAB_MEV_ALLOC, START + 5 * PB + 17 + i, 0,
		      CLAB_GFP_RECLAIMABLE);
	CHECK_EQ(shadow_pcp(f.mem, 0), base);
	CHECK(!shadow_list_blocks(f.mem, 0, CLAB_MIGRATE_RECLAIMABLE, 0));
	/* A drain run on another CPU gives back from the freeing CPU's list. */
	for_each_possible_cpu(cpu)
		if (cpu)
			other = cpu;
	if (other > 0) {
		event(f.m, CLAB_MEV_ALLOC, ANON_PFN(0), 0, CLAB_GFP_MOVABLE);
		event_on(f.m, CLAB_MEV_FREE, ANON_PFN(0), 0, 0, other);
		base = shadow_pcp(f.mem, other);
		event_on(f.m, CLAB_MEV_PCP_DRAIN, ANON_PFN(0), 0,
			 CLAB_MIGRATE_MOVABLE, 0);
		CHECK_EQ(shadow_pcp(f.mem, other), base - 1);
		/*
		 * A block refilled on that CPU, which an allocation there
		 * takes: its lists then hold none when the refilled pfn is
		 * drained, and another CPU's lists give one back.
		 */
		base = shadow_pcp(f.mem, 0);
		refilled = shadow_pcp(f.mem, other);
		event_on(f.m, CLAB_MEV_PCP_REFILL, START + 6 * PB, 0,
			 CLAB_MIGRATE_MOVABLE, other);
		CHECK_EQ(shadow_pcp(f.mem, other), refilled + 1);
		event_on(f.m, CLAB_MEV_ALLOC, START + 6 * PB + 1, 0,
			 CLAB_GFP_MOVABLE, other);
		if (!shadow_pcp(f.mem, other)) {
			event(f.m, CLAB_MEV_PCP_DRAIN, START + 6 * PB, 0,
			      CLAB_MIGRATE_MOVABLE);
			CHECK_EQ(shadow_pcp(f.mem, 0), base - 1);
			clab_mirror_read_counters(f.m, &c);
			CHECK_EQ(c.pcp_drains_elsewhere, 1);
		}
	}
	fixture_destroy(&f);
}

/*
 * pcp=own: the lists keep their own high marks; drains and refills change
 * nothing.
 */
static void test_pcp_own(void)
{
	struct clab_mirror_counters c;
	struct mirror_fixture f;
	struct clab_node *node;
	struct clab_zone *zone;
	int base, high = 0;
	unsigned int i;

	fixture_create_pcp(&f, false);
	base = shadow_pcp(f.mem, 0);
	for (i = 0; i < NR_ANON; i++)
		event(f.m, CLAB_MEV_FREE, ANON_PFN(i), 0, 0);
	clab_for_each_populated_zone(f.mem, node, zone)
		high = max(high, per_cpu_ptr(zone->pcp, 0)->high);
	DIAG("pcp=own: %d pages on the list after %lu frees (high %d)",
	     shadow_pcp(f.mem, 0) - base, (unsigned long)NR_ANON, high);
	CHECK(shadow_pcp(f.mem, 0) < base + (int)NR_ANON);
	base = shadow_pcp(f.mem, 0);
	event(f.m, CLAB_MEV_PCP_DRAIN, ANON_PFN(0), 0, CLAB_MIGRATE_MOVABLE);
	event(f.m, CLAB_MEV_PCP_REFILL, START + 5 * PB, 0, CLAB_MIGRATE_MOVABLE);
	CHECK_EQ(shadow_pcp(f.mem, 0), base);
	clab_mirror_read_counters(f.m, &c);
	CHECK_EQ(c.pcp_drains + c.pcp_drains_missed, 0);
	CHECK_EQ(c.pcp_refills + c.pcp_refills_missed, 0);
	fixture_destroy(&f);
}

static u64 ring_last;
static unsigned long ring_seen;

static void ring_take(void *priv, const struct clab_mirror_event *ev)
{
	if (ev->seq <= ring_last)
		CLAB_TEST_FAIL("seq %llu after %llu", ev->seq, ring_last);
	ring_last = ev->seq;
	ring_seen++;
}

/*
 * Records of two producers come out in the order they were numbered; a
 * full ring drops and counts; @max bounds a drain.
 */
static void test_ring(void)
{
	struct clab_mirror_rings *rings = clab_mirror_rings_alloc(2, 8);
	struct clab_mirror_event ev = { .type = CLAB_MEV_FREE };
	unsigned int i;

	TEST_ASSERT(rings);
	CHECK(!clab_mirror_rings_alloc(2, 6));
	for (i = 0; i < 12; i++)
		clab_mirror_ring_emit(rings, i % 3 ? 0 : 1, &ev);
	CHECK_EQ(clab_mirror_rings_pending(rings), 12);
	ring_last = 0;
	ring_seen = 0;
	CHECK_EQ(clab_mirror_rings_drain(rings, 5, ring_take, NULL), 5);
	CHECK_EQ(clab_mirror_rings_drain(rings, 100, ring_take, NULL), 7);
	CHECK_EQ(ring_last, 12);
	for (i = 0; i < 10; i++)
		clab_mirror_ring_emit(rings, 1, &ev);
	CHECK_EQ(clab_mirror_rings_lost(rings), 2);
	CHECK_EQ(clab_mirror_rings_drain(rings, 100, ring_take, NULL), 8);
	CHECK_EQ(ring_seen, 20);
	CHECK_EQ(clab_mirror_rings_pending(rings), 0);
	clab_mirror_rings_free(rings);
}

#define MIRROR_CASES(X) X(test_ring) X(test_alloc_free) X(test_partial_free) \
	X(test_failed) X(test_reconcile) X(test_census) X(test_pcp_follow) \
	X(test_pcp_own)

CLAB_TEST_SUITE(mirror, MIRROR_CASES);
