/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmzone.h - the shadow memory: nodes, zones, free areas, pageblocks,
 * watermarks, and the page allocator's API.
 *
 * The arena's index space is split into up to CLAB_MAX_NUMNODES shadow
 * nodes. A zone plan (clab_mem_config's @dma_limit and @dma32_limit, the
 * kernel's zone boundaries by address) makes the arena's lowest pages DMA
 * and DMA32; the rest is NORMAL, and a MOVABLE zone at the top of each
 * node is carved out of the highest zone below it (kernelcore=,
 * movablecore=). Node and zone boundaries fall on largest-order block
 * boundaries, so a buddy never crosses them.
 */
#ifndef _COMPACTLAB_MMZONE_H
#define _COMPACTLAB_MMZONE_H

#include <compactlab/env.h>
#include <compactlab/arena.h>
#include <compactlab/page.h>

#define CLAB_NR_ORDERS		(CLAB_MAX_ORDER + 1)
#define CLAB_MAX_NUMNODES	4
#define CLAB_COSTLY_ORDER	3	/* PAGE_ALLOC_COSTLY_ORDER */
#define CLAB_MAX_RECLAIM_RETRIES 16	/* MAX_RECLAIM_RETRIES */

/*
 * Per-CPU lists, as 6.1 with CONFIG_TRANSPARENT_HUGEPAGE (Debian's
 * kernels): one per (order, PCP migratetype) for orders 0 to
 * CLAB_COSTLY_ORDER, then two for the pageblock (THP) order, non-movable
 * and movable.
 */
#define CLAB_NR_LOWORDER_PCP_LISTS (CLAB_MIGRATE_PCPTYPES * (CLAB_COSTLY_ORDER + 1))
#define CLAB_NR_PCP_THP		2
#define CLAB_NR_PCP_LISTS	(CLAB_NR_LOWORDER_PCP_LISTS + CLAB_NR_PCP_THP)
#define CLAB_PCP_BATCH_SCALE_MAX 5	/* CONFIG_PCP_BATCH_SCALE_MAX's default */

/* The kernel's zone types of x86_64 and arm64, in its order (no HIGHMEM). */
enum clab_zone_type {
	CLAB_ZONE_DMA,
	CLAB_ZONE_DMA32,
	CLAB_ZONE_NORMAL,
	CLAB_ZONE_MOVABLE,
	CLAB_MAX_NR_ZONES
};

extern const char * const clab_zone_names[CLAB_MAX_NR_ZONES];

enum clab_wmark {
	CLAB_WMARK_MIN,
	CLAB_WMARK_LOW,
	CLAB_WMARK_HIGH,
	CLAB_NR_WMARK
};

/*
 * Allocation flags (the "gfp" of the shadow allocator). The low bits carry
 * the migratetype; the rest say where the page may come from.
 */
#define CLAB_GFP_MT_MASK	0x3u	/* UNMOVABLE, MOVABLE or RECLAIMABLE */
#define CLAB_GFP_MOVABLE_ZONE	BIT(2)	/* may use ZONE_MOVABLE (movable only) */
#define CLAB_GFP_THISNODE	BIT(3)	/* no other node */
#define CLAB_GFP_NOFALLBACK	BIT(4)	/* never steal from another migratetype */
#define CLAB_GFP_HIGH		BIT(5)	/* may dip below min (ALLOC_MIN_RESERVE) */
/* cannot block; may use the highatomic reserve for order > 0 */
#define CLAB_GFP_ATOMIC		BIT(6)
#define CLAB_GFP_NO_WMARK	BIT(7)	/* ignore watermarks (ALLOC_NO_WATERMARKS) */
#define CLAB_GFP_ZERO		BIT(8)	/* return zeroed memory */
/* may block: direct reclaim and direct compaction */
#define CLAB_GFP_DIRECT_RECLAIM	BIT(9)
#define CLAB_GFP_KSWAPD_RECLAIM	BIT(10)	/* wake kswapd and kcompactd */
#define CLAB_GFP_NORETRY	BIT(11)	/* one light attempt (THP-like) */
#define CLAB_GFP_RETRY_MAYFAIL	BIT(12)	/* try hard, fail rather than OOM */
#define CLAB_GFP_NOWARN		BIT(13)	/* no failure report */
#define CLAB_GFP_DMA		BIT(14)	/* ZONE_DMA only (__GFP_DMA) */
#define CLAB_GFP_DMA32		BIT(15)	/* ZONE_DMA32 and below (__GFP_DMA32) */
/* No bit above 15: the mirror's event record keeps 16 (mirror.h). */

#define CLAB_GFP_RECLAIM	(CLAB_GFP_DIRECT_RECLAIM | CLAB_GFP_KSWAPD_RECLAIM)

#define CLAB_GFP_KERNEL		(CLAB_MIGRATE_UNMOVABLE)
#define CLAB_GFP_RECLAIMABLE	(CLAB_MIGRATE_RECLAIMABLE)
#define CLAB_GFP_MOVABLE	(CLAB_MIGRATE_MOVABLE | CLAB_GFP_MOVABLE_ZONE)
#define CLAB_GFP_USER		(CLAB_GFP_MOVABLE | CLAB_GFP_ZERO)

static inline int clab_gfp_migratetype(unsigned int gfp)
{
	return gfp & CLAB_GFP_MT_MASK;
}

/*
 * The highest zone a request may use (the kernel's gfp_zone(), and the
 * lowmem reserve index): DMA before DMA32 before the movable zone.
 */
static inline int clab_gfp_highest_zoneidx(unsigned int gfp)
{
	if (gfp & CLAB_GFP_DMA)
		return CLAB_ZONE_DMA;
	if (gfp & CLAB_GFP_DMA32)
		return CLAB_ZONE_DMA32;
	return (gfp & CLAB_GFP_MOVABLE_ZONE) ? CLAB_ZONE_MOVABLE : CLAB_ZONE_NORMAL;
}

/* Internal allocation flags (the kernel's ALLOC_*), derived from gfp. */
#define CLAB_ALLOC_WMARK_MIN	CLAB_WMARK_MIN
#define CLAB_ALLOC_WMARK_LOW	CLAB_WMARK_LOW
#define CLAB_ALLOC_WMARK_HIGH	CLAB_WMARK_HIGH
#define CLAB_ALLOC_NO_WATERMARKS 0x04
#define CLAB_ALLOC_WMARK_MASK	(CLAB_ALLOC_NO_WATERMARKS - 1)
#define CLAB_ALLOC_OOM		0x08
#define CLAB_ALLOC_NON_BLOCK	0x10
#define CLAB_ALLOC_MIN_RESERVE	0x20
#define CLAB_ALLOC_HIGHATOMIC	0x40
#define CLAB_ALLOC_KSWAPD	0x80
#define CLAB_ALLOC_NOFALLBACK	0x100
/* steal whole pageblocks only, while another zone may do (6.1's) */
#define CLAB_ALLOC_NOFRAGMENT	0x200
#define CLAB_ALLOC_RESERVES	(CLAB_ALLOC_NON_BLOCK | CLAB_ALLOC_MIN_RESERVE | \
				 CLAB_ALLOC_HIGHATOMIC | CLAB_ALLOC_OOM)

/**
 * struct clab_free_area - free blocks of one order
 * @free_list: one list of block heads per migratetype
 * @nr_free: blocks on all lists (what buddyinfo shows)
 * @nr_free_mt: blocks per list (what pagetypeinfo shows)
 */
struct clab_free_area {
	struct list_head free_list[CLAB_MIGRATE_TYPES];
	unsigned long nr_free;
	unsigned long nr_free_mt[CLAB_MIGRATE_TYPES];
};

/**
 * struct clab_per_cpu_pages - a CPU's cache of free blocks of a zone
 * @lock: protects the lists, @count and @free_factor; taken by the owning
 *	CPU and by drains from other CPUs
 * @count: pages (not blocks) on all lists
 * @high: free back to the buddy allocator at this many
 * @batch: pages moved to or from the buddy allocator at once
 * @free_factor: frees since the last allocation double the pages a bulk
 *	free gives back, up to 2^CLAB_PCP_BATCH_SCALE_MAX times @batch
 * @lists: indexed by clab_order_to_pindex(); each block's head page
 *	carries CLAB_PG_PCP and its order
 */
struct clab_per_cpu_pages {
	spinlock_t lock;	/* the lists and count (see above) */
	int count;
	int high;
	int batch;
	short free_factor;
	struct list_head lists[CLAB_NR_PCP_LISTS];
};

/**
 * struct clab_pageblock - state of one pageblock
 * @migratetype: the block's migratetype
 * @skip: compaction skip hint (PB_migrate_skip)
 * @nr_free: pages of the block not allocated to a client (in the buddy
 *	lists or on per-CPU lists)
 * @nr_alloc: pages of the block allocated to clients, by the migratetype
 *	they were allocated with
 *
 * @migratetype is written under the zone lock; readers outside it get a
 * racy but valid value, as in the kernel. The counters are atomic: they
 * change on the per-CPU fast paths too. They add up to the pageblock size
 * whenever no allocation or free is in flight.
 */
struct clab_pageblock {
	u8 migratetype;
	u8 skip;
	atomic_t nr_free;
	atomic_t nr_alloc[CLAB_MIGRATE_PCPTYPES];
};

struct clab_node;
struct clab_mem;
struct clab_policy_ops;
struct task_struct;

enum clab_lru_list {
	CLAB_LRU_INACTIVE,
	CLAB_LRU_ACTIVE,
	CLAB_NR_LRU_LISTS
};

/**
 * struct clab_zone - a zone of a shadow node
 * @node: the node the zone belongs to
 * @type: DMA, DMA32, NORMAL or MOVABLE
 * @start: first arena index (largest-order aligned)
 * @end: one past the last arena index
 * @managed_pages: pages the allocator manages (end - start)
 * @_watermark: min, low and high, in pages, without the boost
 * @watermark_boost: temporary boost after fragmenting fallbacks
 * @boosted_wake: a fallback boosted the watermark: wake kswapd (the
 *	kernel's ZONE_BOOSTED_WATERMARK)
 * @reclaim_active: kswapd is balancing the zone, which lowers the per-CPU
 *	lists' high mark (the kernel's ZONE_RECLAIM_ACTIVE)
 * @lowmem_reserve: pages kept back from allocations that could use a
 *	higher zone, indexed by the highest zone they may use
 * @nr_reserved_highatomic: pages in HIGHATOMIC pageblocks
 * @lock: protects @free_area, @nr_free_pages, @nr_reserved_highatomic,
 *	@watermark_boost, the buddy state of the zone's page descriptors and
 *	the zone's pageblock migratetypes and counters
 * @free_area: free blocks per order
 * @nr_free_pages: free pages in the buddy lists, not counting per-CPU
 *	pages and free pages of ISOLATE blocks (NR_FREE_PAGES)
 * @nr_lru_pages: pages of the zone on its node's LRU lists, under the
 *	node's @lru_lock (zone_reclaimable_pages())
 * @pcp: per-CPU page lists
 * @compact_cached_free_pfn: where the free scanner resumes
 * @compact_cached_migrate_pfn: where the migrate scanner resumes, [0] for
 *	async and [1] for sync compaction
 * @compact_init_migrate_pfn: lowest block a skip reset left scannable
 * @compact_init_free_pfn: highest block a skip reset left scannable
 * @compact_considered: attempts since the last deferral (deferral.c)
 * @compact_defer_shift: 1 << shift attempts are skipped after failures
 * @compact_order_failed: lowest order that failed
 * @compact_blockskip_flush: a direct compaction's scanners met: reset the
 *	skip hints when kswapd next sleeps
 *
 * The compact_* fields are updated without a lock, as in the kernel: they
 * are hints, and a race only costs a rescan or a skipped attempt.
 */
struct clab_zone {
	struct clab_node *node;
	enum clab_zone_type type;
	unsigned long start;
	unsigned long end;
	unsigned long managed_pages;
	unsigned long _watermark[CLAB_NR_WMARK];
	unsigned long watermark_boost;
	bool boosted_wake;
	bool reclaim_active;
	long lowmem_reserve[CLAB_MAX_NR_ZONES];
	unsigned long nr_reserved_highatomic;
	spinlock_t lock;	/* the free lists and buddy state (see above) */
	struct clab_free_area free_area[CLAB_NR_ORDERS];
	unsigned long nr_free_pages;
	unsigned long nr_lru_pages;
	struct clab_per_cpu_pages __percpu *pcp;
	unsigned long compact_cached_free_pfn;
	unsigned long compact_cached_migrate_pfn[2];
	unsigned long compact_init_migrate_pfn;
	unsigned long compact_init_free_pfn;
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	bool compact_blockskip_flush;
};

/**
 * struct clab_node - a shadow NUMA node
 * @mem: the shadow memory it belongs to
 * @id: node number
 * @start: first arena index
 * @end: one past the last arena index
 * @zones: indexed by type, lowest first; an empty zone has start == end
 * @kcompactd: the node's background compaction thread (kcompactd.c)
 * @kcompactd_wait: where it sleeps
 * @kcompactd_max_order: the largest order a wakeup asked for
 * @kcompactd_highest_zoneidx: the highest zone a wakeup asked for
 * @proactive_compact_trigger: evaluate proactive compaction now
 * @nr_direct_compactors: direct compactions running on the node; under
 *	policy tuned, proactive compaction stands back while there are any
 * @kswapd: the node's reclaim thread (vmscan.c)
 * @kswapd_wait: where it sleeps
 * @kswapd_order: the largest order a wakeup asked for since kswapd last
 *	read it (0 then)
 * @kswapd_highest_zoneidx: the highest zone a wakeup asked for;
 *	CLAB_MAX_NR_ZONES when none did since kswapd last read it
 * @kswapd_running: kswapd is balancing the node now
 * @kswapd_woken: clab_wakeup_kswapd() woke kswapd; it clears this before
 *	it decides to sleep
 * @kswapd_failures: balance runs in a row that reclaimed nothing; from
 *	CLAB_MAX_RECLAIM_RETRIES the node is hopeless and left to direct
 *	reclaim; any reclaim progress resets it
 * @lru_lock: protects @lru, @nr_lru and the LRU flags of pages on them
 * @lru: the inactive and active lists of reclaimable pages
 * @nr_lru: pages (block heads) on each list
 *
 * The wakeup fields are written racily, as in the kernel: a lost update
 * costs one wakeup at a lower order.
 */
struct clab_node {
	struct clab_mem *mem;
	int id;
	unsigned long start;
	unsigned long end;
	struct clab_zone zones[CLAB_MAX_NR_ZONES];
	struct task_struct *kcompactd;
	wait_queue_head_t kcompactd_wait;
	int kcompactd_max_order;
	int kcompactd_highest_zoneidx;
	bool proactive_compact_trigger;
	atomic_t nr_direct_compactors;
	struct task_struct *kswapd;
	wait_queue_head_t kswapd_wait;
	int kswapd_order;
	int kswapd_highest_zoneidx;
	bool kswapd_running;
	bool kswapd_woken;
	int kswapd_failures;
	spinlock_t lru_lock;	/* the LRU lists (see above) */
	struct list_head lru[CLAB_NR_LRU_LISTS];
	unsigned long nr_lru[CLAB_NR_LRU_LISTS];
};

/**
 * struct clab_mem_config - how to lay out the shadow memory
 * @nodes: shadow nodes, 1 .. CLAB_MAX_NUMNODES
 * @kernelcore: kernelcore= text (size or percentage), or NULL
 * @movablecore: movablecore= text (size or percentage), or NULL
 * @dma_limit: the zone plan: the arena offset where ZONE_DMA ends, as a
 *	size ("16M"); NULL or "" for no DMA zone
 * @dma32_limit: where ZONE_DMA32 ends (the kernel's 4G); NULL or "" for
 *	no DMA32 zone. Both are multiples of the largest block; a limit past
 *	the arena's end makes the zone end there.
 */
struct clab_mem_config {
	unsigned int nodes;
	const char *kernelcore;
	const char *movablecore;
	const char *dma_limit;
	const char *dma32_limit;
};

/*
 * compactlab's own counters of compaction, cumulative since the shadow
 * memory was set up, summed over every pass of every entry point (not in
 * the kernel's /proc/vmstat, whose format stays the kernel's). A pass is a
 * run of a policy over one zone, once clab_compact_zone() found compaction
 * suitable. The order is the order of debugfs compact_stats; the names
 * (clab_compact_counter_names[]) are its lines'.
 */
enum clab_compact_counter_item {
	CLAB_CCOUNT_PASSES,		/* passes run */
	CLAB_CCOUNT_MIGRATE_COPY_NS,	/* ns migration spent copying pages */
	CLAB_CCOUNT_MIGRATE_COPIES,	/* pages copied in migration */
	CLAB_CCOUNT_MIGRATE_EXAMINED,	/* as compact_migrate_scanned */
	CLAB_CCOUNT_MIGRATE_SKIPPED,	/* pfns passed unexamined */
	CLAB_CCOUNT_FREE_EXAMINED,	/* as compact_free_scanned */
	CLAB_CCOUNT_FREE_SKIPPED,	/* pfns passed unexamined */
	CLAB_CCOUNT_PAGES_MIGRATED,	/* migrated, or freed meanwhile */
	CLAB_CCOUNT_MIGRATE_VIRTUAL_BYTES, /* virtual arena: bytes not copied */
	CLAB_NR_COMPACT_COUNTERS
};

struct clab_layout_clone;

/**
 * struct clab_mem - the shadow memory over an arena
 * @arena: the physical range
 * @pages: one descriptor per arena page
 * @pageblocks: one entry per pageblock
 * @inuse: one bit per page, set for the head of every allocated block:
 *	the migrate scanner's test for a block it may isolate, and the
 *	min_moves policy's walk over in-use pages (atomic bitops)
 * @nr_nodes: nodes in @nodes
 * @nodes: the shadow nodes
 * @min_free_kbytes: vm.min_free_kbytes of the shadow memory
 * @user_min_free_kbytes: the value a user set, or -1
 * @watermark_scale_factor: vm.watermark_scale_factor (1..3000)
 * @watermark_boost_factor: vm.watermark_boost_factor (>= 0)
 * @extfrag_threshold: vm.extfrag_threshold (0..1000)
 * @compact_unevictable_allowed: vm.compact_unevictable_allowed (0 or 1)
 * @compact_policy: the selected compaction policy (struct
 *	clab_policy_ops); written under the policy registry's lock
 *	(module/policy.c), read with READ_ONCE() by the entry points, which
 *	clab_compact_zone() checks against the registry
 * @compaction_proactiveness: vm.compaction_proactiveness (0..100)
 * @oom_kill: on allocation failure, kill the largest user of the arena
 * @oom_kill_hook: how (set by the device, which knows the users); returns
 *	true if it sent a kill, a victim is still exiting, or the caller is
 *	dying itself (it is then marked as a victim)
 * @oom_victim_hook: whether the current task is an OOM victim (set by the
 *	device, which marks them); victims may allocate with ALLOC_OOM
 * @oom_last_report: jiffies of the last failure report (rate limit)
 * @tunable_lock: serialises watermark recomputation
 * @compact_counters: enum clab_compact_counter_item, added to at the end of
 *	each pass (atomic: passes run concurrently); read them with
 *	clab_all_compact_counters()
 * @clone_lock: serialises applying, capturing and releasing a layout
 * @clone: the blocks of the applied layout and their owner (layout.c), or
 *	NULL
 * @pcp_task: the live mirror's worker (mirror.c), or NULL: while it is
 *	current, allocations and frees use the per-CPU lists of @pcp_cpu (the
 *	CPU the kernel's event came from), under their lock, instead of
 *	this CPU's
 * @pcp_cpu: see @pcp_task
 * @pcp_hold: set by @pcp_task while it frees a block as the kernel did:
 *	the block stays on the list past the high mark (page_alloc.c,
 *	clab_pcp_held())
 * @pcp_take_one: set by @pcp_task while it allocates a block as the
 *	kernel did: an empty list takes one block from the buddy lists, not
 *	a batch, since the kernel's refills come as events of their own
 *	(clab_refill_pcp_block(); page_alloc.c, clab_pcp_refills_followed())
 */
struct clab_mem {
	struct clab_arena *arena;
	struct clab_page *pages;
	struct clab_pageblock *pageblocks;
	unsigned long *inuse;
	unsigned int nr_nodes;
	struct clab_node nodes[CLAB_MAX_NUMNODES];
	int min_free_kbytes;
	int user_min_free_kbytes;
	int watermark_scale_factor;
	int watermark_boost_factor;
	int extfrag_threshold;
	int compact_unevictable_allowed;
	const struct clab_policy_ops *compact_policy;
	int compaction_proactiveness;
	int oom_kill;
	bool (*oom_kill_hook)(struct clab_mem *mem);
	bool (*oom_victim_hook)(struct clab_mem *mem);
	unsigned long oom_last_report;
	struct mutex tunable_lock;	/* watermark recomputation */
	atomic64_t compact_counters[CLAB_NR_COMPACT_COUNTERS];
	struct mutex clone_lock;	/* @clone, and layouts in and out */
	struct clab_layout_clone *clone;
	struct task_struct *pcp_task;
	int pcp_cpu;
	bool pcp_hold;
	bool pcp_take_one;
};

/* Layout and lifetime (module/zones.c). */
int clab_parse_core(const char *s, unsigned long total_pages,
		    unsigned long *pages);
int clab_mem_init(struct clab_mem *mem, struct clab_arena *arena,
		  const struct clab_mem_config *cfg, const char **why);
void clab_mem_exit(struct clab_mem *mem);
u64 clab_mem_descriptor_bytes(unsigned long nr_pages);

/* The page allocator (module/page_alloc.c). */
struct clab_page *clab_alloc_pages(struct clab_mem *mem, int nid,
				   unsigned int gfp, unsigned int order);
void clab_free_pages(struct clab_mem *mem, struct clab_page *page,
		     unsigned int order);
void clab_put_page(struct clab_mem *mem, struct clab_page *page);
struct clab_capture_control;
void clab_put_page_capture(struct clab_mem *mem, struct clab_page *page,
			   struct clab_capture_control *capc);
unsigned long __clab_isolate_free_page(struct clab_zone *zone,
				       struct clab_page *page,
				       unsigned int order);
void clab_prep_isolated_pages(struct clab_mem *mem, struct clab_page *page,
			      unsigned int order, struct list_head *list);
void clab_drain_all_pages(struct clab_mem *mem, struct clab_zone *zone);
bool clab_drain_pcp_block(struct clab_mem *mem, int cpu, unsigned int order,
			  int mt);
bool clab_refill_pcp_block(struct clab_mem *mem, int cpu, unsigned int order,
			   int mt);
void clab_drain_local_pages(struct clab_zone *zone,
			    struct clab_capture_control *capc);
unsigned long clab_take_free_pages(struct clab_mem *mem, struct list_head *list);
void clab_give_back_free_pages(struct clab_mem *mem, struct list_head *list);
bool clab_zone_watermark_ok(struct clab_zone *zone, unsigned int order,
			    unsigned long mark, int highest_zoneidx,
			    unsigned int alloc_flags, long free_pages);
int clab_unreserve_highatomic_pageblock(struct clab_mem *mem, int nid,
					unsigned int gfp, bool force);

/* The allocation slowpath (module/alloc_slowpath.c). */
struct clab_page *__clab_alloc_pages_slowpath(struct clab_mem *mem, int nid,
					      unsigned int gfp,
					      unsigned int order);
void clab_show_free_areas(struct clab_mem *mem);

/* Reclaim and the LRU (module/vmscan.c). */
void clab_lru_add(struct clab_mem *mem, struct clab_page *page);
void clab_mark_page_accessed(struct clab_mem *mem, struct clab_page *page);
void __clab_lru_del(struct clab_mem *mem, struct clab_page *page);
unsigned long clab_shrink_node(struct clab_node *node, unsigned long nr_to_reclaim,
			       bool kswapd);
unsigned long clab_try_to_free_pages(struct clab_mem *mem, int nid,
				     unsigned int gfp, unsigned int order);
unsigned long clab_zone_reclaimable_pages(struct clab_zone *zone);
bool clab_node_balanced(struct clab_node *node, int order, int highest_zoneidx);
void clab_wakeup_kswapd(struct clab_node *node, unsigned int gfp, int order,
			int highest_zoneidx);
int clab_balance_node(struct clab_node *node, int order, int highest_zoneidx);
bool clab_prepare_kswapd_sleep(struct clab_node *node, int order,
			       int highest_zoneidx);
bool clab_kswapd_settle(struct clab_node *node, int alloc_order,
			int reclaim_order, int highest_zoneidx);
int clab_kswapd_run(struct clab_node *node);
void clab_kswapd_stop(struct clab_node *node);

/* Background compaction (module/kcompactd.c). */
void clab_wakeup_kcompactd(struct clab_node *node, int order,
			   int highest_zoneidx);
void clab_kcompactd_do_work(struct clab_node *node);
bool clab_kcompactd_node_suitable(struct clab_node *node);
bool clab_should_proactive_compact_node(struct clab_node *node);
void clab_proactive_compact_node(struct clab_node *node);
int clab_kcompactd_run(struct clab_node *node);
void clab_kcompactd_stop(struct clab_node *node);
int clab_set_compaction_proactiveness(struct clab_mem *mem, long val);

/* Fallbacks and stealing (module/page_alloc.c), exposed for tests. */
extern const int clab_fallbacks[CLAB_MIGRATE_TYPES][3];
bool clab_can_steal_fallback(unsigned int order, int start_mt);
int clab_find_suitable_fallback(struct clab_free_area *area, unsigned int order,
				int migratetype, bool only_stealable,
				bool *can_steal);

/* Pageblocks (module/pageblock.c). */
int clab_get_pageblock_migratetype(struct clab_mem *mem, unsigned long idx);
void clab_set_pageblock_migratetype(struct clab_mem *mem, unsigned long idx,
				    int migratetype);
unsigned long clab_move_freepages_block(struct clab_zone *zone,
					unsigned long idx, int migratetype,
					int *num_movable);

/* Watermarks (module/watermark.c). */
void clab_setup_per_zone_wmarks(struct clab_mem *mem);
int clab_set_min_free_kbytes(struct clab_mem *mem, long val);
int clab_set_watermark_scale_factor(struct clab_mem *mem, long val);
int clab_set_watermark_boost_factor(struct clab_mem *mem, long val);
bool clab_boost_watermark(struct clab_zone *zone);

static inline unsigned long clab_wmark_pages(const struct clab_zone *zone,
					     enum clab_wmark w)
{
	return zone->_watermark[w] + zone->watermark_boost;
}

static inline bool clab_zone_is_populated(const struct clab_zone *zone)
{
	return zone->end > zone->start;
}

static inline unsigned long clab_page_to_idx(const struct clab_mem *mem,
					     const struct clab_page *page)
{
	return page - mem->pages;
}

static inline struct clab_page *clab_idx_to_page(const struct clab_mem *mem,
						 unsigned long idx)
{
	return &mem->pages[idx];
}

static inline struct clab_pageblock *clab_idx_to_pageblock(const struct clab_mem *mem,
							   unsigned long idx)
{
	return &mem->pageblocks[idx >> CLAB_PAGEBLOCK_ORDER];
}

/* The zone an arena index belongs to. */
struct clab_zone *clab_idx_to_zone(struct clab_mem *mem, unsigned long idx);

/* May a block of @order be freed to and taken from a per-CPU list? */
static inline bool clab_pcp_allowed_order(unsigned int order)
{
	return order <= CLAB_COSTLY_ORDER || order == CLAB_PAGEBLOCK_ORDER;
}

/* The per-CPU list of a block of @order (clab_pcp_allowed_order()) and @mt. */
static inline unsigned int clab_order_to_pindex(int mt, unsigned int order)
{
	if (order > CLAB_COSTLY_ORDER)
		return CLAB_NR_LOWORDER_PCP_LISTS + (mt == CLAB_MIGRATE_MOVABLE);
	return CLAB_MIGRATE_PCPTYPES * order + mt;
}

/* The order of the blocks on per-CPU list @pindex. */
static inline unsigned int clab_pindex_to_order(unsigned int pindex)
{
	if (pindex >= CLAB_NR_LOWORDER_PCP_LISTS)
		return CLAB_PAGEBLOCK_ORDER;
	return pindex / CLAB_MIGRATE_PCPTYPES;
}

static inline bool clab_free_area_empty(const struct clab_free_area *area,
					int mt)
{
	return list_empty(&area->free_list[mt]);
}

/*
 * The state of the iterators below: the memory and the caller's cursors.
 * Each macro names its arguments once (they may have side effects) and
 * works through this copy of them.
 */
struct __clab_mem_iter {
	struct clab_mem *m;
	struct clab_node **nodep;
	struct clab_zone **zonep;
	bool populated;
};

/* Start clab_for_each_node(): *@node is the first node. */
static inline struct __clab_mem_iter __clab_node_iter(struct clab_mem *mem,
						      struct clab_node **node)
{
	*node = mem->nodes;
	return (struct __clab_mem_iter){ .m = mem, .nodep = node };
}

/* Whether the node iterator's cursor is still on a node. */
static inline bool __clab_node_iter_valid(const struct __clab_mem_iter *it)
{
	return *it->nodep < it->m->nodes + it->m->nr_nodes;
}

/* Every node, in id order; afterwards @node points past the last one. */
#define clab_for_each_node(mem, node)					\
	for (struct __clab_mem_iter __clab_it =				\
		__clab_node_iter(mem, &(node));				\
	     __clab_node_iter_valid(&__clab_it); (*__clab_it.nodep)++)

/*
 * The zone after @zone in node order (the first for NULL), skipping empty
 * zones if @populated, or NULL; *@node is set to its node.
 */
static inline struct clab_zone *__clab_next_zone(struct clab_mem *mem,
						 struct clab_zone *zone,
						 struct clab_node **node,
						 bool populated)
{
	struct clab_node *n = zone ? zone->node : mem->nodes;
	int z = zone ? zone - n->zones + 1 : 0;

	for (; n < mem->nodes + mem->nr_nodes; n++, z = 0) {
		for (; z < CLAB_MAX_NR_ZONES; z++) {
			if (!populated || clab_zone_is_populated(&n->zones[z])) {
				*node = n;
				return &n->zones[z];
			}
		}
	}
	return NULL;
}

/* Start a zone iterator: *@zone is the first zone, *@node its node. */
static inline struct __clab_mem_iter __clab_zone_iter(struct clab_mem *mem,
						      struct clab_node **node,
						      struct clab_zone **zone,
						      bool populated)
{
	*zone = __clab_next_zone(mem, NULL, node, populated);
	return (struct __clab_mem_iter){ .m = mem, .nodep = node, .zonep = zone,
					 .populated = populated };
}

/* Step a zone iterator: the next zone, or NULL with *node left as it was. */
static inline void __clab_zone_iter_next(struct __clab_mem_iter *it)
{
	*it->zonep = __clab_next_zone(it->m, *it->zonep, it->nodep,
				      it->populated);
}

/*
 * Every zone of every node (zone->node is set when the nodes are laid out);
 * @node is the zone's node. Afterwards @zone is NULL.
 */
#define clab_for_each_zone(mem, node, zone)				\
	for (struct __clab_mem_iter __clab_it =				\
		__clab_zone_iter(mem, &(node), &(zone), false);		\
	     *__clab_it.zonep; __clab_zone_iter_next(&__clab_it))

/* As clab_for_each_zone(), skipping the zones without pages. */
#define clab_for_each_populated_zone(mem, node, zone)			\
	for (struct __clab_mem_iter __clab_it =				\
		__clab_zone_iter(mem, &(node), &(zone), true);		\
	     *__clab_it.zonep; __clab_zone_iter_next(&__clab_it))

#endif /* _COMPACTLAB_MMZONE_H */
