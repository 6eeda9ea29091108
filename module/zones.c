// SPDX-License-Identifier: GPL-2.0
/*
 * zones.c - lay the shadow memory out over the arena: shadow nodes, the
 * NORMAL and MOVABLE zones (kernelcore=, movablecore=), descriptors, and
 * the first free of every page into the buddy lists.
 */
#include <compactlab/mmzone.h>
#include <compactlab/layout.h>
#include <compactlab/policy.h>
#include <compactlab/vmstat.h>
#include <compactlab/writeback.h>
#include "page_alloc_internal.h"

const char * const clab_zone_names[CLAB_MAX_NR_ZONES] = {
	[CLAB_ZONE_DMA] = "DMA",
	[CLAB_ZONE_DMA32] = "DMA32",
	[CLAB_ZONE_NORMAL] = "Normal",
	[CLAB_ZONE_MOVABLE] = "Movable",
};

const char * const clab_migratetype_names[CLAB_MIGRATE_TYPES] = {
	[CLAB_MIGRATE_UNMOVABLE] = "Unmovable",
	[CLAB_MIGRATE_MOVABLE] = "Movable",
	[CLAB_MIGRATE_RECLAIMABLE] = "Reclaimable",
	[CLAB_MIGRATE_HIGHATOMIC] = "HighAtomic",
	[CLAB_MIGRATE_CMA] = "CMA",
	[CLAB_MIGRATE_ISOLATE] = "Isolate",
};

/**
 * clab_parse_core() - parse a kernelcore=/movablecore= value
 * @s: "SIZE" in memparse syntax or "N%" of @total_pages; NULL or "" for 0
 * @total_pages: what a percentage is taken of
 * @pages: the result in pages
 *
 * Return: 0, or -EINVAL for malformed text, a percentage over 100, or
 * "mirror" (there is no mirrored memory in an arena).
 */
int clab_parse_core(const char *s, unsigned long total_pages,
		    unsigned long *pages)
{
	size_t len = s ? strlen(s) : 0;
	u64 val;

	*pages = 0;
	if (!len)
		return 0;
	if (s[len - 1] == '%' || (len > 1 && s[len - 1] == '\n' && s[len - 2] == '%')) {
		char num[8];
		size_t n = len - (s[len - 1] == '\n' ? 2 : 1);

		if (!n || n >= sizeof(num))
			return -EINVAL;
		memcpy(num, s, n);
		num[n] = '\0';
		if (clab_parse_size(num, &val) || val > 100)
			return -EINVAL;
		*pages = (unsigned long)div_u64((u64)total_pages * val, 100);
		return 0;
	}
	if (clab_parse_size(s, &val))
		return -EINVAL;
	*pages = (unsigned long)min_t(u64, val >> CLAB_PAGE_SHIFT, ULONG_MAX);
	return 0;
}

/*
 * Spread required_kernelcore evenly over the nodes, as the kernel's
 * find_zone_movable_pfns_for_nodes() does: the pages below @usable (the
 * lowest address of the zone ZONE_MOVABLE is carved from) are kernelcore
 * of their node whatever its share; a node too small for its share is all
 * kernelcore and the rest is shared again among the others.
 */
static void clab_spread_kernelcore(struct clab_mem *mem,
				   unsigned long required, unsigned long usable,
				   unsigned long *kernelcore)
{
	unsigned int left = mem->nr_nodes, i;

	for (i = 0; i < mem->nr_nodes; i++) {
		struct clab_node *node = &mem->nodes[i];
		unsigned long below;

		if (node->start >= usable)
			continue;
		below = min(node->end, usable) - node->start;
		kernelcore[i] = below;
		required -= min(below, required);
	}
	while (required && left) {
		unsigned long share = max(required / left, 1UL);
		unsigned int still = 0;

		for (i = 0; i < mem->nr_nodes && required; i++) {
			struct clab_node *node = &mem->nodes[i];
			unsigned long room = node->end - node->start - kernelcore[i];
			unsigned long take = min3(share, room, required);

			if (!room)
				continue;
			kernelcore[i] += take;
			required -= take;
			still += kernelcore[i] < node->end - node->start;
		}
		left = still;
	}
}

/*
 * Parse a zone plan limit: a size, a multiple of the largest block;
 * 0 for none. Past the arena's end it is the arena's end.
 */
static int clab_parse_zone_limit(const char *s, unsigned long total,
				 unsigned long *pages)
{
	u64 val;

	*pages = 0;
	if (!s || !*s)
		return 0;
	if (clab_parse_size(s, &val) || !IS_ALIGNED(val, CLAB_CHUNK_PAGES << CLAB_PAGE_SHIFT))
		return -EINVAL;
	*pages = (unsigned long)min_t(u64, val >> CLAB_PAGE_SHIFT, total);
	return 0;
}

/*
 * The zone plan: the arena offset where each zone below MOVABLE ends, as
 * the kernel's max_zone_pfn[]. A zone not in the plan ends where the one
 * below it does, and so is empty.
 */
static int clab_zone_plan(const struct clab_mem_config *cfg,
			  unsigned long total,
			  unsigned long limit[CLAB_ZONE_MOVABLE],
			  const char **why)
{
	unsigned long dma, dma32;

	if (clab_parse_zone_limit(cfg->dma_limit, total, &dma)) {
		*why = "dma_limit must be a multiple of the largest block (e.g. 16M)";
		return -EINVAL;
	}
	if (clab_parse_zone_limit(cfg->dma32_limit, total, &dma32)) {
		*why = "dma32_limit must be a multiple of the largest block (e.g. 4G)";
		return -EINVAL;
	}
	if (cfg->dma32_limit && *cfg->dma32_limit && dma32 < dma) {
		*why = "dma32_limit is below dma_limit";
		return -EINVAL;
	}
	limit[CLAB_ZONE_DMA] = dma;
	limit[CLAB_ZONE_DMA32] = max(dma, dma32);
	limit[CLAB_ZONE_NORMAL] = total;
	return 0;
}

/*
 * The lowest address of the zone ZONE_MOVABLE is carved from: the highest
 * zone of the plan with pages (the kernel's find_usable_zone_for_movable()).
 */
static unsigned long clab_movable_usable_start(const unsigned long *limit)
{
	int z;

	for (z = CLAB_ZONE_NORMAL; z > CLAB_ZONE_DMA; z--)
		if (limit[z] > limit[z - 1])
			return limit[z - 1];
	return 0;
}

static int clab_layout_nodes(struct clab_mem *mem,
			     const struct clab_mem_config *cfg,
			     const char **why)
{
	struct clab_arena *arena = mem->arena;
	unsigned long total = arena->nr_pages, kc = 0, mc = 0, required;
	unsigned long kernelcore[CLAB_MAX_NUMNODES] = { 0 };
	unsigned long limit[CLAB_ZONE_MOVABLE], usable;
	unsigned int n = cfg->nodes ? cfg->nodes : 1, i;
	int ret;

	if (n > CLAB_MAX_NUMNODES) {
		*why = "nodes must be 1 to 4";
		return -EINVAL;
	}
	if (arena->nr_chunks < n) {
		*why = "the arena has fewer largest-order blocks than nodes";
		return -EINVAL;
	}
	if (clab_parse_core(cfg->kernelcore, total, &kc)) {
		*why = "kernelcore must be a size (e.g. 64M) or a percentage (e.g. 50%)";
		return -EINVAL;
	}
	if (clab_parse_core(cfg->movablecore, total, &mc)) {
		*why = "movablecore must be a size (e.g. 64M) or a percentage (e.g. 50%)";
		return -EINVAL;
	}
	ret = clab_zone_plan(cfg, total, limit, why);
	if (ret)
		return ret;
	usable = clab_movable_usable_start(limit);
	mem->nr_nodes = n;
	for (i = 0; i < n; i++) {
		struct clab_node *node = &mem->nodes[i];

		node->mem = mem;
		node->id = i;
		node->start = ((unsigned long)(arena->nr_chunks * i / n)) << CLAB_CHUNK_ORDER;
		node->end = min(((unsigned long)(arena->nr_chunks * (i + 1) / n))
				<< CLAB_CHUNK_ORDER, total);
	}

	/* The kernel's rules: movablecore rounds up, kernelcore wins ties. */
	required = kc;
	if (mc) {
		mc = min(ALIGN(mc, CLAB_CHUNK_PAGES), total);
		required = max(required, total - mc);
	}
	if (!required || required >= total) {
		for (i = 0; i < n; i++)
			kernelcore[i] = mem->nodes[i].end - mem->nodes[i].start;
	} else {
		clab_spread_kernelcore(mem, required, usable, kernelcore);
	}

	for (i = 0; i < n; i++) {
		struct clab_node *node = &mem->nodes[i];
		unsigned long split, lo = 0;
		int z;

		split = min(node->start + ALIGN(kernelcore[i], CLAB_CHUNK_PAGES),
			    node->end);
		split = min(max(split, usable), node->end);
		for (z = CLAB_ZONE_DMA; z < CLAB_ZONE_MOVABLE; z++) {
			struct clab_zone *zone = &node->zones[z];

			zone->node = node;
			zone->start = clamp(lo, node->start, split);
			zone->end = clamp(limit[z], node->start, split);
			lo = limit[z];
		}
		node->zones[CLAB_ZONE_MOVABLE].node = node;
		node->zones[CLAB_ZONE_MOVABLE].start = split;
		node->zones[CLAB_ZONE_MOVABLE].end = node->end;
	}
	return 0;
}

static int clab_zone_init(struct clab_node *node, enum clab_zone_type type)
{
	struct clab_zone *zone = &node->zones[type];
	unsigned int o, mt, pindex;
	int cpu;

	zone->node = node;
	zone->type = type;
	zone->managed_pages = zone->end - zone->start;
	zone->compact_cached_migrate_pfn[0] = zone->start;
	zone->compact_cached_migrate_pfn[1] = zone->start;
	zone->compact_init_migrate_pfn = zone->start;
	zone->compact_cached_free_pfn = zone->end > zone->start ?
		round_down(zone->end - 1, CLAB_PAGEBLOCK_PAGES) : zone->start;
	zone->compact_init_free_pfn = zone->compact_cached_free_pfn;
	spin_lock_init(&zone->lock);
	for (o = 0; o < CLAB_NR_ORDERS; o++)
		for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	zone->pcp = alloc_percpu(struct clab_per_cpu_pages);
	if (!zone->pcp)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);

		spin_lock_init(&pcp->lock);
		for (pindex = 0; pindex < CLAB_NR_PCP_LISTS; pindex++)
			INIT_LIST_HEAD(&pcp->lists[pindex]);
		pcp->batch = clab_zone_batchsize(zone);
		pcp->high = 4 * pcp->batch;
	}
	return 0;
}

/* Hand every page of a zone to the buddy allocator in the largest blocks. */
static void clab_zone_free_all(struct clab_mem *mem, struct clab_zone *zone)
{
	unsigned long idx = zone->start, flags;
	unsigned long pb;

	for (pb = zone->start >> CLAB_PAGEBLOCK_ORDER;
	     pb < zone->end >> CLAB_PAGEBLOCK_ORDER; pb++) {
		mem->pageblocks[pb].migratetype = CLAB_MIGRATE_MOVABLE;
		atomic_set(&mem->pageblocks[pb].nr_free, CLAB_PAGEBLOCK_PAGES);
	}
	spin_lock_irqsave(&zone->lock, flags);
	while (idx < zone->end) {
		unsigned int order = CLAB_MAX_ORDER;

		while (!IS_ALIGNED(idx, 1UL << order) || idx + (1UL << order) > zone->end)
			order--;
		__clab_free_one_page(zone, idx, order, CLAB_MIGRATE_MOVABLE, true, NULL);
		idx += 1UL << order;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

/**
 * clab_mem_descriptor_bytes() - what clab_mem_init() allocates per arena
 * @nr_pages: pages in the arena
 *
 * One struct clab_page per page, one struct clab_pageblock per pageblock
 * and one in-use bit per page: the memory a virtual arena costs, bar the
 * chunk table (32 bytes per largest block) and a few fixed structures.
 *
 * Return: the bytes, rounded as the allocations are not (allocator slack
 * comes on top).
 */
u64 clab_mem_descriptor_bytes(unsigned long nr_pages)
{
	return (u64)nr_pages * sizeof(struct clab_page) +
	       (u64)(nr_pages >> CLAB_PAGEBLOCK_ORDER) *
	       sizeof(struct clab_pageblock) +
	       (u64)BITS_TO_LONGS(nr_pages) * sizeof(long);
}

/**
 * clab_mem_init() - build the shadow memory over an arena
 * @mem: zeroed storage for it
 * @arena: the arena
 * @cfg: nodes and zone sizes
 * @why: set to a human-readable reason on failure
 *
 * Every page starts free, every pageblock MOVABLE, as after boot.
 *
 * Return: 0, -EINVAL for a layout that cannot be honoured, or -ENOMEM.
 */
int clab_mem_init(struct clab_mem *mem, struct clab_arena *arena,
		  const struct clab_mem_config *cfg, const char **why)
{
	struct clab_node *node;
	struct clab_zone *zone;
	int ret;

	mem->arena = arena;
	mem->user_min_free_kbytes = -1;
	mem->watermark_scale_factor = 10;
	mem->watermark_boost_factor = 15000;
	mem->extfrag_threshold = 500;
	mem->compact_unevictable_allowed = 1;
	mem->compaction_proactiveness = 20;
	mutex_init(&mem->tunable_lock);
	mutex_init(&mem->clone_lock);
	ret = clab_layout_nodes(mem, cfg, why);
	if (ret)
		return ret;
	mem->pages = kvcalloc(arena->nr_pages, sizeof(*mem->pages), GFP_KERNEL);
	mem->pageblocks = kvcalloc(arena->nr_pageblocks, sizeof(*mem->pageblocks),
				   GFP_KERNEL);
	mem->inuse = kvcalloc(BITS_TO_LONGS(arena->nr_pages), sizeof(long),
			      GFP_KERNEL);
	if (!mem->pages || !mem->pageblocks || !mem->inuse) {
		*why = "out of memory for page descriptors";
		ret = -ENOMEM;
		goto free_descriptors;
	}
	clab_for_each_node(mem, node) {
		spin_lock_init(&node->lru_lock);
		INIT_LIST_HEAD(&node->lru[CLAB_LRU_INACTIVE]);
		INIT_LIST_HEAD(&node->lru[CLAB_LRU_ACTIVE]);
		init_waitqueue_head(&node->kcompactd_wait);
		init_waitqueue_head(&node->kswapd_wait);
		node->kswapd_order = -1;
		node->kcompactd_highest_zoneidx = CLAB_MAX_NR_ZONES - 1;
	}
	clab_for_each_zone(mem, node, zone) {
		ret = clab_zone_init(node, zone - node->zones);
		if (ret) {
			*why = "out of memory for per-CPU lists";
			goto free_pcp;
		}
	}
	clab_for_each_populated_zone(mem, node, zone)
		clab_zone_free_all(mem, zone);
	clab_init_min_free_kbytes(mem);
	clab_setup_per_zone_wmarks(mem);
	clab_policy_attach(mem);
	return 0;

free_pcp:
	clab_for_each_zone(mem, node, zone)
		free_percpu(zone->pcp);
free_descriptors:
	kvfree(mem->inuse);
	kvfree(mem->pageblocks);
	kvfree(mem->pages);
	return ret;
}

/**
 * clab_mem_exit() - tear the shadow memory down
 * @mem: the shadow memory; its clients must have freed their pages
 *
 * A cloned layout's blocks are freed here. The writebacks still in flight
 * end first: they hold page references.
 */
void clab_mem_exit(struct clab_mem *mem)
{
	struct clab_node *node;
	struct clab_zone *zone;

	clab_layout_release(mem);
	clab_policy_detach(mem);
	clab_writeback_flush();
	clab_for_each_zone(mem, node, zone)
		free_percpu(zone->pcp);
	kvfree(mem->inuse);
	kvfree(mem->pageblocks);
	kvfree(mem->pages);
}

/**
 * clab_idx_to_zone() - the zone an arena page belongs to
 * @mem: the shadow memory
 * @idx: arena index
 *
 * Return: the zone.
 */
struct clab_zone *clab_idx_to_zone(struct clab_mem *mem, unsigned long idx)
{
	struct clab_node *node = mem->nodes;
	int z;

	while (node + 1 < mem->nodes + mem->nr_nodes && idx >= node->end)
		node++;
	for (z = CLAB_ZONE_DMA; z < CLAB_ZONE_MOVABLE; z++)
		if (idx < node->zones[z].end)
			return &node->zones[z];
	return &node->zones[CLAB_ZONE_MOVABLE];
}
