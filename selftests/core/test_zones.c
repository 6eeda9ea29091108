// SPDX-License-Identifier: GPL-2.0
/*
 * test_zones.c - the zone plan against 6.1: DMA, DMA32 and NORMAL by
 * address, ZONE_MOVABLE carved from the highest of them, the lowmem
 * reserve of every pair of zones, the node-ordered zonelist with the gfp
 * zone bits, and ALLOC_NOFRAGMENT (alloc_flags_nofragment() and its two
 * retries in get_page_from_freelist()).
 */
#include <compactlab/mmzone.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "tap.h"

static struct clab_mem *plan_mem(const char *size, unsigned int nodes,
				 const char *kernelcore, const char *movablecore,
				 const char *dma, const char *dma32)
{
	struct clab_mem_config cfg = {
		.nodes = nodes, .kernelcore = kernelcore,
		.movablecore = movablecore, .dma_limit = dma,
		.dma32_limit = dma32,
	};

	return test_mem_create_config(NULL, size, &cfg);
}

static int plan_refused(const char *size, const char *dma, const char *dma32,
			const char **why)
{
	struct clab_mem_config cfg = {
		.nodes = 1, .dma_limit = dma, .dma32_limit = dma32,
	};
	struct clab_arena_params p;
	struct clab_arena *arena;
	struct clab_mem *mem;
	int ret;

	*why = "";
	if (clab_arena_parse_params(NULL, "0x40000000", size, &p, why))
		return -EFAULT;
	arena = clab_arena_create(&p, why);
	if (IS_ERR(arena))
		return -EFAULT;
	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	ret = clab_mem_init(mem, arena, &cfg, why);
	if (!ret)
		clab_mem_exit(mem);
	clab_arena_destroy(arena);
	kfree(mem);
	return ret;
}

static struct clab_zone *zone_of(struct clab_mem *mem, struct clab_page *p)
{
	return clab_idx_to_zone(mem, clab_page_to_idx(mem, p));
}

#define CHECK_SPAN(zone, s, e) do {					\
	const struct clab_zone *span_ = (zone);				\
									\
	CHECK_EQ(span_->start, (unsigned long)(s));			\
	CHECK_EQ(span_->end, (unsigned long)(e));			\
} while (0)

/* DMA, DMA32 and NORMAL by address; the movable zone from the highest. */
static void test_zone_plan_layout(void)
{
	struct clab_mem *mem;
	struct clab_zone *z;
	const char *why;

	/* The spans below are in 4 KiB pages, with 4 MiB largest blocks. */
	CHECK_EQ(CLAB_CHUNK_PAGES, 1024);
	/* 64M: DMA the first 4M, DMA32 up to 16M, NORMAL the rest. */
	mem = plan_mem("64M", 1, NULL, NULL, "4M", "16M");
	CHECK(mem);
	if (!mem)
		return;
	z = mem->nodes[0].zones;
	CHECK_SPAN(&z[CLAB_ZONE_DMA], 0, 1024);
	CHECK_SPAN(&z[CLAB_ZONE_DMA32], 1024, 4096);
	CHECK_SPAN(&z[CLAB_ZONE_NORMAL], 4096, 16384);
	CHECK(!clab_zone_is_populated(&z[CLAB_ZONE_MOVABLE]));
	CHECK(clab_idx_to_zone(mem, 1023) == &z[CLAB_ZONE_DMA]);
	CHECK(clab_idx_to_zone(mem, 1024) == &z[CLAB_ZONE_DMA32]);
	CHECK(clab_idx_to_zone(mem, 4096) == &z[CLAB_ZONE_NORMAL]);
	CHECK_EQ(z[CLAB_ZONE_DMA32].type, CLAB_ZONE_DMA32);
	CHECK(!strcmp(clab_zone_names[CLAB_ZONE_DMA], "DMA"));
	CHECK(!strcmp(clab_zone_names[CLAB_ZONE_DMA32], "DMA32"));
	CHECK_EQ(z[CLAB_ZONE_DMA].nr_free_pages, 1024);
	CHECK_EQ(z[CLAB_ZONE_DMA32].nr_free_pages, 3072);
	/*
	 * min_free_kbytes = int_sqrt(65536 * 16) = 1024: 256 pages, shared
	 * by managed pages (__setup_per_zone_wmarks()).
	 */
	CHECK_EQ(z[CLAB_ZONE_DMA]._watermark[CLAB_WMARK_MIN], 16);
	CHECK_EQ(z[CLAB_ZONE_DMA32]._watermark[CLAB_WMARK_MIN], 48);
	CHECK_EQ(z[CLAB_ZONE_NORMAL]._watermark[CLAB_WMARK_MIN], 192);
	/*
	 * setup_per_zone_lowmem_reserve(): zone i against requests up to j,
	 * the managed pages of zones i+1..j over i's ratio (256, 256, 32).
	 */
	CHECK_EQ(z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_DMA], 0);
	CHECK_EQ(z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_DMA32], 3072 / 256);
	CHECK_EQ(z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_NORMAL],
		 (3072 + 12288) / 256);
	CHECK_EQ(z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_MOVABLE],
		 (3072 + 12288) / 256);
	CHECK_EQ(z[CLAB_ZONE_DMA32].lowmem_reserve[CLAB_ZONE_DMA], 0);
	CHECK_EQ(z[CLAB_ZONE_DMA32].lowmem_reserve[CLAB_ZONE_NORMAL], 12288 / 256);
	CHECK_EQ(z[CLAB_ZONE_NORMAL].lowmem_reserve[CLAB_ZONE_MOVABLE], 0);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/* movablecore comes out of NORMAL, the highest zone with pages. */
	mem = plan_mem("64M", 1, NULL, "16M", "4M", "16M");
	z = mem->nodes[0].zones;
	CHECK_SPAN(&z[CLAB_ZONE_NORMAL], 4096, 12288);
	CHECK_SPAN(&z[CLAB_ZONE_MOVABLE], 12288, 16384);
	CHECK_EQ(z[CLAB_ZONE_NORMAL].lowmem_reserve[CLAB_ZONE_MOVABLE], 4096 / 32);
	CHECK_EQ(z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_MOVABLE],
		 (3072 + 8192 + 4096) / 256);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/* A DMA32 limit past the arena: no NORMAL, MOVABLE out of DMA32. */
	mem = plan_mem("64M", 1, NULL, "16M", "4M", "4G");
	z = mem->nodes[0].zones;
	CHECK_SPAN(&z[CLAB_ZONE_DMA32], 1024, 12288);
	CHECK(!clab_zone_is_populated(&z[CLAB_ZONE_NORMAL]));
	CHECK_SPAN(&z[CLAB_ZONE_MOVABLE], 12288, 16384);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/*
	 * kernelcore=2M is less than the zones below NORMAL: they stay
	 * whole (find_zone_movable_pfns_for_nodes() counts them as
	 * kernelcore) and ZONE_MOVABLE starts where NORMAL would.
	 */
	mem = plan_mem("64M", 1, "2M", NULL, "4M", "16M");
	z = mem->nodes[0].zones;
	CHECK_SPAN(&z[CLAB_ZONE_DMA32], 1024, 4096);
	CHECK(!clab_zone_is_populated(&z[CLAB_ZONE_NORMAL]));
	CHECK_SPAN(&z[CLAB_ZONE_MOVABLE], 4096, 16384);
	test_mem_destroy(mem);

	/* Two nodes: the low zones are node 0's, kernelcore charged there. */
	mem = plan_mem("64M", 2, "24M", NULL, "4M", "16M");
	CHECK_SPAN(&mem->nodes[0].zones[CLAB_ZONE_DMA32], 1024, 4096);
	CHECK_SPAN(&mem->nodes[0].zones[CLAB_ZONE_NORMAL], 4096, 5120);
	CHECK(!clab_zone_is_populated(&mem->nodes[1].zones[CLAB_ZONE_DMA]));
	CHECK(!clab_zone_is_populated(&mem->nodes[1].zones[CLAB_ZONE_DMA32]));
	CHECK_SPAN(&mem->nodes[1].zones[CLAB_ZONE_NORMAL], 8192, 9216);
	CHECK_SPAN(&mem->nodes[1].zones[CLAB_ZONE_MOVABLE], 9216, 16384);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/* A plan the kernel could not have: refused, with the reason. */
	CHECK_EQ(plan_refused("64M", "3M", NULL, &why), -EINVAL);
	CHECK(strstr(why, "dma_limit"));
	CHECK_EQ(plan_refused("64M", NULL, "6M", &why), -EINVAL);
	CHECK(strstr(why, "dma32_limit"));
	CHECK_EQ(plan_refused("64M", "8M", "4M", &why), -EINVAL);
	CHECK(strstr(why, "below"));
	CHECK_EQ(plan_refused("64M", "lots", NULL, &why), -EINVAL);
}

/*
 * The zonelist, highest zone first, each zone above its watermark plus the
 * lowmem reserve against the request's highest zone; the gfp zone bits.
 */
static void test_zonelist_and_reserve(void)
{
	struct clab_mem *mem = plan_mem("64M", 1, NULL, NULL, "4M", "16M");
	unsigned long seen[CLAB_MAX_NR_ZONES] = { 0 }, early = 0;
	unsigned long before[2];
	struct clab_page *p;
	struct clab_zone *z;

	CHECK(mem);
	if (!mem)
		return;
	z = mem->nodes[0].zones;
	before[0] = clab_sum_vm_event(CLAB_PGALLOC_DMA);
	before[1] = clab_sum_vm_event(CLAB_PGALLOC_DMA32);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0);
	CHECK(p && zone_of(mem, p) == &z[CLAB_ZONE_NORMAL]);
	/*
	 * Fill with GFP_KERNEL. A page comes from a lower zone only once
	 * each zone above it failed its low watermark (plus, for DMA, its
	 * reserve against NORMAL requests): NORMAL, then DMA32, then DMA.
	 */
	while ((p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0))) {
		struct clab_zone *zone = zone_of(mem, p);

		if (zone->type < CLAB_ZONE_NORMAL &&
		    z[CLAB_ZONE_NORMAL].nr_free_pages >
		    clab_wmark_pages(&z[CLAB_ZONE_NORMAL], CLAB_WMARK_LOW))
			early++;
		if (zone->type == CLAB_ZONE_DMA &&
		    z[CLAB_ZONE_DMA32].nr_free_pages >
		    clab_wmark_pages(&z[CLAB_ZONE_DMA32], CLAB_WMARK_LOW) +
		    z[CLAB_ZONE_DMA32].lowmem_reserve[CLAB_ZONE_NORMAL])
			early++;
		seen[zone->type]++;
	}
	DIAG("GFP_KERNEL took %lu Normal, %lu DMA32, %lu DMA pages",
	     seen[CLAB_ZONE_NORMAL], seen[CLAB_ZONE_DMA32], seen[CLAB_ZONE_DMA]);
	CHECK_EQ(early, 0);
	CHECK(seen[CLAB_ZONE_NORMAL] > 11000);
	CHECK(seen[CLAB_ZONE_DMA32] > 2500);
	CHECK(seen[CLAB_ZONE_DMA] > 500);
	CHECK(!seen[CLAB_ZONE_MOVABLE]);
	CHECK(clab_sum_vm_event(CLAB_PGALLOC_DMA) - before[0] >= seen[CLAB_ZONE_DMA]);
	CHECK(clab_sum_vm_event(CLAB_PGALLOC_DMA32) - before[1] >= seen[CLAB_ZONE_DMA32]);
	/*
	 * The lowmem reserve held DMA32's and DMA's last pages back from a
	 * request that could use NORMAL: their own requests still succeed.
	 */
	CHECK(z[CLAB_ZONE_DMA32].nr_free_pages >
	      z[CLAB_ZONE_DMA32].lowmem_reserve[CLAB_ZONE_NORMAL] / 2);
	CHECK(z[CLAB_ZONE_DMA].nr_free_pages >
	      z[CLAB_ZONE_DMA].lowmem_reserve[CLAB_ZONE_NORMAL] / 2);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_DMA32, 0);
	CHECK(p && zone_of(mem, p) == &z[CLAB_ZONE_DMA32]);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_DMA, 0);
	CHECK(p && zone_of(mem, p) == &z[CLAB_ZONE_DMA]);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);

	/* DMA32 and DMA requests never take a page of a higher zone. */
	mem = plan_mem("64M", 1, NULL, NULL, "4M", "16M");
	z = mem->nodes[0].zones;
	memset(seen, 0, sizeof(seen));
	while ((p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_DMA32 |
				     CLAB_GFP_NO_WMARK, 0)))
		seen[zone_of(mem, p)->type]++;
	CHECK_EQ(seen[CLAB_ZONE_NORMAL] + seen[CLAB_ZONE_MOVABLE], 0);
	CHECK_EQ(seen[CLAB_ZONE_DMA32] + seen[CLAB_ZONE_DMA], 4096);
	CHECK_EQ(z[CLAB_ZONE_NORMAL].nr_free_pages, 12288);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL | CLAB_GFP_DMA, 0);
	CHECK(!p);
	CHECK_EQ(clab_gfp_highest_zoneidx(CLAB_GFP_MOVABLE | CLAB_GFP_DMA),
		 CLAB_ZONE_DMA);
	CHECK_EQ(clab_gfp_highest_zoneidx(CLAB_GFP_MOVABLE), CLAB_ZONE_MOVABLE);
	CHECK_EQ(clab_gfp_highest_zoneidx(CLAB_GFP_KERNEL), CLAB_ZONE_NORMAL);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/* When 6.1 sets ALLOC_NOFRAGMENT: the preferred zone is NORMAL. */
static void test_nofragment_flags(void)
{
	struct clab_mem *mem;

	/* One node: always for NORMAL (6.1 assumes UMA has DMA32). */
	mem = plan_mem("16M", 1, NULL, NULL, NULL, NULL);
	CHECK(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL) &
	      CLAB_ALLOC_NOFRAGMENT);
	CHECK(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_MOVABLE) &
	      CLAB_ALLOC_NOFRAGMENT);
	CHECK_EQ(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL |
					     CLAB_GFP_KSWAPD_RECLAIM),
		 CLAB_ALLOC_NOFRAGMENT | CLAB_ALLOC_KSWAPD);
	test_mem_destroy(mem);

	/* DMA32 preferred (no NORMAL), or asked for: never. */
	mem = plan_mem("16M", 1, NULL, NULL, NULL, "4G");
	CHECK_EQ(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL), 0);
	test_mem_destroy(mem);
	mem = plan_mem("64M", 1, NULL, NULL, "4M", "16M");
	CHECK_EQ(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL |
					     CLAB_GFP_DMA32), 0);
	test_mem_destroy(mem);

	/* MOVABLE preferred: never. */
	mem = plan_mem("64M", 1, NULL, "16M", "4M", "16M");
	CHECK_EQ(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_MOVABLE), 0);
	CHECK(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL) &
	      CLAB_ALLOC_NOFRAGMENT);
	test_mem_destroy(mem);

	/* Several nodes: only where the node's DMA32 zone has pages. */
	mem = plan_mem("64M", 2, NULL, NULL, "4M", "16M");
	CHECK(clab_alloc_flags_nofragment(mem, 0, CLAB_GFP_KERNEL) &
	      CLAB_ALLOC_NOFRAGMENT);
	CHECK_EQ(clab_alloc_flags_nofragment(mem, 1, CLAB_GFP_KERNEL), 0);
	test_mem_destroy(mem);
}

/*
 * Fill node @nid with movable pages, its NORMAL zone first; with
 * @fill_lower the zones below NORMAL too, else they stay free. Then free
 * one page in 16 of the NORMAL zone: free pages above the watermark, but
 * none in a whole free pageblock.
 */
static struct clab_page **fragment_normal(struct clab_mem *mem, int nid,
					  bool fill_lower)
{
	struct clab_zone *normal = &mem->nodes[nid].zones[CLAB_ZONE_NORMAL];
	struct clab_page **pages, *p;
	unsigned long i;

	pages = kcalloc(mem->arena->nr_pages, sizeof(*pages), GFP_KERNEL);
	TEST_ASSERT(pages);
	while ((p = clab_alloc_pages(mem, nid, CLAB_GFP_MOVABLE | CLAB_GFP_THISNODE |
				     CLAB_GFP_NO_WMARK, 0))) {
		if (!fill_lower && zone_of(mem, p) != normal) {
			clab_free_pages(mem, p, 0);
			break;
		}
		pages[clab_page_to_idx(mem, p)] = p;
	}
	clab_drain_all_pages(mem, NULL);
	for (i = normal->start; i < normal->end; i += 16) {
		if (pages[i]) {
			clab_free_pages(mem, pages[i], 0);
			pages[i] = NULL;
		}
	}
	clab_drain_all_pages(mem, NULL);
	return pages;
}

/* The zone an unmovable order-0 request of node 0 is served from, or NULL. */
static struct clab_zone *unmovable_page_zone(struct clab_mem *mem)
{
	struct clab_page *p = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0);
	struct clab_zone *zone;

	if (!p)
		return NULL;
	zone = zone_of(mem, p);
	clab_free_pages(mem, p, 0);
	return zone;
}

static void free_all(struct clab_mem *mem, struct clab_page **pages)
{
	unsigned long i;

	for (i = 0; i < mem->arena->nr_pages; i++)
		if (pages[i])
			clab_free_pages(mem, pages[i], 0);
	kfree(pages);
}

static bool normal_all_movable(struct clab_mem *mem, struct clab_zone *normal)
{
	unsigned long i;

	for (i = normal->start; i < normal->end; i += CLAB_PAGEBLOCK_PAGES)
		if (clab_get_pageblock_migratetype(mem, i) != CLAB_MIGRATE_MOVABLE)
			return false;
	return true;
}

/*
 * ALLOC_NOFRAGMENT at work: an unmovable request whose preferred NORMAL
 * zone has only fragments takes a whole pageblock of DMA32 rather than
 * mixing a NORMAL pageblock; with no whole block anywhere it retries and
 * mixes NORMAL (not DMA32); and it does not go to a remote node for a
 * whole block, but retries locally (locality first).
 */
static void test_nofragment_fallback(void)
{
	struct clab_page **pages;
	struct clab_mem *mem;
	struct clab_zone *z;

	/* DMA32 [0, 4096) free, NORMAL [4096, 8192) fragmented. */
	mem = plan_mem("32M", 1, NULL, NULL, NULL, "16M");
	CHECK(mem);
	if (!mem)
		return;
	z = mem->nodes[0].zones;
	pages = fragment_normal(mem, 0, false);
	CHECK(z[CLAB_ZONE_NORMAL].nr_free_pages >
	      clab_wmark_pages(&z[CLAB_ZONE_NORMAL], CLAB_WMARK_HIGH));
	CHECK(unmovable_page_zone(mem) == &z[CLAB_ZONE_DMA32]);
	CHECK(normal_all_movable(mem, &z[CLAB_ZONE_NORMAL]));
	CHECK_EQ(mem_check(mem), 0);
	free_all(mem, pages);
	test_mem_destroy(mem);

	/* No whole free pageblock in either zone: the retry mixes NORMAL. */
	mem = plan_mem("32M", 1, NULL, NULL, NULL, "16M");
	z = mem->nodes[0].zones;
	pages = fragment_normal(mem, 0, true);
	CHECK_EQ(z[CLAB_ZONE_DMA32].nr_free_pages, 0);
	CHECK(unmovable_page_zone(mem) == &z[CLAB_ZONE_NORMAL]);
	CHECK_EQ(mem_check(mem), 0);
	free_all(mem, pages);
	test_mem_destroy(mem);

	/*
	 * Two nodes; node 0 full but for NORMAL fragments, node 1 free.
	 * Reaching node 1 drops ALLOC_NOFRAGMENT and starts over at node 0,
	 * whose NORMAL zone gives a fragment.
	 */
	mem = plan_mem("64M", 2, NULL, NULL, NULL, "16M");
	z = mem->nodes[0].zones;
	pages = fragment_normal(mem, 0, true);
	CHECK_EQ(mem->nodes[1].zones[CLAB_ZONE_NORMAL].nr_free_pages, 8192);
	CHECK(unmovable_page_zone(mem) == &z[CLAB_ZONE_NORMAL]);
	CHECK_EQ(mem_check(mem), 0);
	free_all(mem, pages);
	test_mem_destroy(mem);
}

#define ZONES_CASES(X) \
	X(test_zone_plan_layout) \
	X(test_zonelist_and_reserve) \
	X(test_nofragment_flags) \
	X(test_nofragment_fallback)

CLAB_TEST_SUITE(zones, ZONES_CASES);
