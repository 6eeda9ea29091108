/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compaction.h - memory compaction over the shadow memory: the control
 * struct that threads through both scanners, the kernel's enums, and the
 * entry points.
 */
#ifndef _COMPACTLAB_COMPACTION_H
#define _COMPACTLAB_COMPACTION_H

#include <compactlab/mmzone.h>

#define CLAB_COMPACT_CLUSTER_MAX	32	/* SWAP_CLUSTER_MAX */
#define CLAB_COMPACT_MAX_DEFER_SHIFT	6
#define CLAB_MAX_COMPACT_RETRIES	16

/* Lower is harder (the kernel's enum compact_priority). */
enum clab_compact_priority {
	CLAB_COMPACT_PRIO_SYNC_FULL,
	CLAB_MIN_COMPACT_PRIORITY = CLAB_COMPACT_PRIO_SYNC_FULL,
	CLAB_COMPACT_PRIO_SYNC_LIGHT,
	CLAB_MIN_COMPACT_COSTLY_PRIORITY = CLAB_COMPACT_PRIO_SYNC_LIGHT,
	CLAB_DEF_COMPACT_PRIORITY = CLAB_COMPACT_PRIO_SYNC_LIGHT,
	CLAB_COMPACT_PRIO_ASYNC,
	CLAB_INIT_COMPACT_PRIORITY = CLAB_COMPACT_PRIO_ASYNC
};

/* Ordered: callers keep the max() over zones (enum compact_result). */
enum clab_compact_result {
	CLAB_COMPACT_NOT_SUITABLE_ZONE,
	CLAB_COMPACT_SKIPPED,
	CLAB_COMPACT_DEFERRED,
	CLAB_COMPACT_NO_SUITABLE_PAGE,
	CLAB_COMPACT_CONTINUE,
	CLAB_COMPACT_COMPLETE,
	CLAB_COMPACT_PARTIAL_SKIPPED,
	CLAB_COMPACT_CONTENDED,
	CLAB_COMPACT_SUCCESS,
};

extern const char * const clab_compact_result_names[];

enum clab_migrate_mode {
	CLAB_MIGRATE_ASYNC,
	CLAB_MIGRATE_SYNC_LIGHT,
	CLAB_MIGRATE_SYNC,
};

extern const char * const clab_migrate_mode_names[];

struct clab_policy_ops;

/*
 * The policies compactlab provides, by name (include/compactlab/policy.h
 * declares them and the registry that other modules' policies join).
 * CLAB_POLICY_LINUX is the kernel's two scanners as Linux 6.1 runs them;
 * CLAB_POLICY_TUNED the same scanners with our improvements
 * (Documentation/design.rst lists them), to be measured against linux;
 * CLAB_POLICY_MIN_MOVES, for a target order, empties the aligned block that
 * needs the fewest migrations, moving exactly its pages.
 */
extern struct clab_policy_ops clab_policy_linux;
extern struct clab_policy_ops clab_policy_tuned;
extern struct clab_policy_ops clab_policy_min_moves;
#define CLAB_POLICY_LINUX	(&clab_policy_linux)
#define CLAB_POLICY_TUNED	(&clab_policy_tuned)
#define CLAB_POLICY_MIN_MOVES	(&clab_policy_min_moves)

/**
 * struct clab_capture_control - a direct compactor's claim on a freed block
 * @cc: the compaction that is running
 * @page: set when a block of cc->order was captured
 */
struct clab_capture_control {
	struct clab_compact_control *cc;
	struct clab_page *page;
};

/**
 * struct clab_compact_control - one compaction of one zone
 *
 * The two-scanner invariant: the migrate scanner rises from the bottom of
 * the zone (@migrate_pfn), isolating in-use movable pages; the free scanner
 * falls from the top (@free_pfn), isolating free pages to move them into.
 * The operation ends where the two meet, or earlier when the goal is met.
 * Positions are shadow PFNs: arena indices.
 *
 * Built on the stack by each entry point and passed to clab_compact_zone().
 * Fields marked const are the caller's inputs.
 *
 * @freepages: isolated free pages (order 0), the migration targets
 * @migratepages: isolated in-use pages to migrate
 * @nr_freepages: pages on @freepages
 * @nr_migratepages: pages on @migratepages
 * @free_pfn: where the free scanner resumes (falls, pageblock aligned)
 * @migrate_pfn: where the migrate scanner resumes (rises)
 * @fast_start_pfn: the lowest block start fast_find_migrateblock() found,
 *	where the linear migrate scanner restarts after a failed fast search;
 *	0 before any, ULONG_MAX once used (fast_find_migrateblock.c)
 * @zone: the zone being compacted
 * @total_migrate_scanned: pages the migrate scanner looked at
 * @total_free_scanned: pages the free scanner looked at
 * @total_migrate_skipped: pfns the migrate scanner passed without looking
 *	at them (see "Examined and skipped" below)
 * @total_free_skipped: pfns the free scanner passed without looking at them
 * @copy_ns: time migration spent copying page contents, clab_clock_ns()
 *	read around each clab_copy_page()
 * @nr_copies: pages migration copied (none on a virtual arena)
 * @virtual_bytes: on a virtual arena, which has no contents to copy: the
 *	bytes migration would have copied, CLAB_PAGE_SIZE per page moved
 * @fast_search_fail: free-list searches in a row that found nothing; each
 *	halves how far the next one looks (clab_freelist_scan_limit())
 * @search_order: the order fast_isolate_freepages() searches first, round
 *	robin below @order (fast_isolate_freepages.c)
 * @search_order_set: @search_order holds a value; the first search starts
 *	it at @order (6.1's entry points initialise it to the order)
 * @total_isolated: pages isolated by either scanner
 * @nr_migrated: pages moved
 * @nr_migrate_failed: pages that could not be moved
 * @fail_busy: of those, busy (owner locked, dirty, under writeback)
 * @fail_pinned: of those, pinned by their owner
 * @fail_no_target: of those, no free page to move into
 * @gfp: the requester's allocation flags (migratetype)
 * @order: the order wanted; -1 to compact the whole zone
 * @migratetype: the migratetype of the request
 * @alloc_flags: the requester's watermark and reserve flags
 * @highest_zoneidx: the highest zone the requester may use
 * @mode: ASYNC, SYNC_LIGHT or SYNC
 * @policy: the policy choosing what to move; NULL or a stale pointer
 *	stands for the shadow memory's selected policy: clab_compact_zone()
 *	replaces it with a registered policy that it holds for the run
 * @ignore_skip_hint: scan blocks marked skip, and do not mark them
 * @no_set_skip_hint: never set skip hints or cached positions
 * @ignore_block_suitable: the free scanner may use non-movable blocks
 * @direct_compaction: run on behalf of an allocation
 * @proactive_compaction: kcompactd's proactive pass
 * @whole_zone: the scanners start at the zone's ends
 * @contended: aborted on lock contention or a fatal signal
 * @rescan: the migrate scanner is in the block it migrated from last
 * @capc: a direct compactor's capture, or NULL
 *
 * Examined and skipped. Each linear scanner counts every pfn it stops at
 * (examined: @total_migrate_scanned, @total_free_scanned, as 6.1 counts
 * compact_*_scanned) and every pfn its cursor passes without stopping
 * (skipped): blocks passed by skip hint, unsuitable source or target, or
 * tuned's free counter; the rest of a free or allocated block stepped
 * over; the rest of an order-aligned piece an async direct compactor gave
 * up; the free scanner's stride gaps. For a pass without fast searches
 * (order -1: compact_memory, a node's compact, a proactive pass), per
 * scanner, examined + skipped == covered, where the migrate scanner covers
 * @migrate_pfn at the end minus @migrate_pfn at the start, and the free
 * scanner clab_free_scanner_covered() of its start and end @free_pfn. Two
 * exceptions, both as in 6.1: a free page the watermark refuses to
 * isolate is examined but stays under the cursor, to be examined again;
 * an isolated free block counts examined by its size. The fast searches
 * (order > 0) move the cursors by jumps that are neither; min_moves has no
 * sweeping scanners and skips nothing.
 */
struct clab_compact_control {
	struct list_head freepages;
	struct list_head migratepages;
	unsigned int nr_freepages;
	unsigned int nr_migratepages;
	unsigned long free_pfn;
	unsigned long migrate_pfn;
	unsigned long fast_start_pfn;
	struct clab_zone *zone;
	unsigned long total_migrate_scanned;
	unsigned long total_free_scanned;
	unsigned long total_migrate_skipped;
	unsigned long total_free_skipped;
	u64 copy_ns;
	unsigned long nr_copies;
	u64 virtual_bytes;
	unsigned short fast_search_fail;
	short search_order;
	bool search_order_set;
	unsigned long total_isolated;
	unsigned long nr_migrated;
	unsigned long nr_migrate_failed;
	unsigned long fail_busy;
	unsigned long fail_pinned;
	unsigned long fail_no_target;
	const unsigned int gfp;
	const int order;
	int migratetype;
	const unsigned int alloc_flags;
	const int highest_zoneidx;
	enum clab_migrate_mode mode;
	const struct clab_policy_ops *policy;
	bool ignore_skip_hint;
	bool no_set_skip_hint;
	bool ignore_block_suitable;
	bool direct_compaction;
	bool proactive_compaction;
	bool whole_zone;
	bool contended;
	bool rescan;
	struct clab_capture_control *capc;
};

bool clab_policy_has_tuned_rules(const struct clab_policy_ops *ops);
bool clab_selected_policy_has_tuned_rules(struct clab_mem *mem);

/*
 * Does this compaction run compactlab's improvements on the kernel's
 * scanners (policy tuned, or a policy that asks for tuned's rules), rather
 * than Linux 6.1's rules (policy linux)?
 */
static inline bool clab_compact_is_tuned(const struct clab_compact_control *cc)
{
	return clab_policy_has_tuned_rules(cc->policy);
}

/*
 * How many free-list entries a fast search may look at: fewer after each
 * search in a row that found nothing (the kernel's freelist_scan_limit()).
 */
static inline unsigned int
clab_freelist_scan_limit(const struct clab_compact_control *cc)
{
	return (CLAB_COMPACT_CLUSTER_MAX >>
		min_t(unsigned int, BITS_PER_LONG - 1, cc->fast_search_fail)) + 1;
}

/* isolate_migrate_t */
enum clab_isolate_result {
	CLAB_ISOLATE_ABORT,
	CLAB_ISOLATE_NONE,
	CLAB_ISOLATE_SUCCESS,
};

/**
 * struct clab_compact_stats - what one whole-memory compaction did
 * @result: the highest result over the zones
 * @migrate_scanned: pages scanned (examined) by the migrate scanner
 * @free_scanned: pages scanned (examined) by the free scanner
 * @migrate_skipped: pfns the migrate scanner passed without examining
 * @free_skipped: pfns the free scanner passed without examining
 * @isolated: pages isolated
 * @migrated: pages migrated
 * @failed: pages that failed to migrate
 * @copy_ns: ns migration spent copying pages (clab_clock_ns())
 * @copies: pages migration copied
 * @virtual_bytes: bytes migration would have copied on an arena with
 *	contents (virtual arena only)
 */
struct clab_compact_stats {
	enum clab_compact_result result;
	unsigned long migrate_scanned;
	unsigned long free_scanned;
	unsigned long migrate_skipped;
	unsigned long free_skipped;
	unsigned long isolated;
	unsigned long migrated;
	unsigned long failed;
	u64 copy_ns;
	unsigned long copies;
	u64 virtual_bytes;
};

static inline bool clab_is_via_compact_memory(int order)
{
	return order == -1;
}

/* compaction.c: the engine and its entry points */
enum clab_compact_result clab_compact_zone(struct clab_compact_control *cc);
enum clab_compact_result __clab_compaction_suitable(struct clab_zone *zone,
						    int order,
						    unsigned int alloc_flags,
						    int highest_zoneidx,
						    unsigned long wmark_target);
enum clab_compact_result clab_compaction_suitable(struct clab_zone *zone,
						  int order,
						  unsigned int alloc_flags,
						  int highest_zoneidx);
int clab_compact_node(struct clab_mem *mem, int nid,
		      struct clab_compact_stats *stats);
int clab_compact_memory(struct clab_mem *mem, struct clab_compact_stats *stats);
enum clab_compact_result clab_compact_zone_order(struct clab_zone *zone,
						 int order, unsigned int gfp,
						 enum clab_compact_priority prio,
						 unsigned int alloc_flags,
						 int highest_zoneidx,
						 struct clab_capture_control *capc,
						 struct clab_compact_stats *stats);
bool clab_compact_scanners_met(const struct clab_compact_control *cc);
int clab_set_extfrag_threshold(struct clab_mem *mem, long val);
int clab_set_compact_unevictable_allowed(struct clab_mem *mem, long val);
extern const char * const clab_compact_counter_names[CLAB_NR_COMPACT_COUNTERS];
void clab_all_compact_counters(struct clab_mem *mem, u64 *ret);

/* alloc_slowpath.c: direct compaction */
enum clab_compact_result clab_try_to_compact_pages(struct clab_mem *mem, int nid,
						   unsigned int gfp, unsigned int order,
						   unsigned int alloc_flags,
						   enum clab_compact_priority prio,
						   struct clab_capture_control *capc);
bool clab_should_compact_retry(unsigned int order, enum clab_compact_result result,
			       bool zonelist_suitable,
			       enum clab_compact_priority *compact_priority,
			       int *compaction_retries);

/* migrate_scanner.c */
enum clab_isolate_result clab_isolate_migratepages(struct clab_compact_control *cc);
bool clab_isolate_page(struct clab_mem *mem, struct clab_page *page,
		       enum clab_migrate_mode mode);
void clab_putback_movable_pages(struct clab_compact_control *cc);

/* free_scanner.c */
void clab_isolate_freepages(struct clab_compact_control *cc);
unsigned long clab_isolate_freepages_range(struct clab_compact_control *cc,
					   unsigned long *start_pfn,
					   unsigned long end_pfn);
struct clab_page *clab_compaction_alloc(struct clab_compact_control *cc);
void clab_compaction_free(struct clab_compact_control *cc,
			  struct clab_page *page);
unsigned long clab_release_freepages(struct clab_compact_control *cc);

/* fast_find_migrateblock.c */
unsigned long clab_fast_find_migrateblock(struct clab_compact_control *cc);

/* fast_isolate_freepages.c */
unsigned long clab_fast_isolate_freepages(struct clab_compact_control *cc);

/* migrate.c */

/*
 * Where migration takes the page to move @page into (6.1's new_page_t):
 * a free, prepared order-0 page, or NULL when there is none. Called with
 * @page's owner lock held, once nothing can make the move fail: it must
 * not block, and the page it returns is always used.
 */
typedef struct clab_page *(*clab_new_page_t)(struct clab_page *page,
					     unsigned long private);

/**
 * struct clab_migrate_stats - what one clab_migrate_list() did
 * @migrated: pages moved (or freed by their owner meanwhile)
 * @failed: pages that stayed where they were, given back to their owners
 * @copy_ns: time spent copying page contents, in nanoseconds
 * @virtual_bytes: bytes the moves would have copied on an arena with
 *	contents (virtual arena only; nothing was copied)
 */
struct clab_migrate_stats {
	unsigned long migrated;
	unsigned long failed;
	u64 copy_ns;
	u64 virtual_bytes;
};

int clab_migrate_pages(struct clab_compact_control *cc);
int clab_migrate_list(struct clab_mem *mem, struct list_head *from,
		      clab_new_page_t new_page, unsigned long private,
		      enum clab_migrate_mode mode,
		      struct clab_migrate_stats *stats);
struct clab_page *clab_alloc_migration_target(struct clab_page *page,
					      unsigned long private);

/* deferral.c */
void clab_defer_compaction(struct clab_zone *zone, int order);
bool clab_compaction_deferred(struct clab_zone *zone, int order);
void clab_compaction_defer_reset(struct clab_zone *zone, int order,
				 bool alloc_success);
bool clab_compaction_restarting(struct clab_zone *zone, int order);

/* skip_hints.c */
bool clab_isolation_suitable(struct clab_compact_control *cc, unsigned long pfn);
bool clab_get_pageblock_skip(struct clab_mem *mem, unsigned long pfn);
void clab_set_pageblock_skip(struct clab_mem *mem, unsigned long pfn);
bool clab_test_and_set_skip(struct clab_compact_control *cc, unsigned long pfn);
bool clab_compact_leaves_skip_hints(const struct clab_compact_control *cc);
void clab_update_cached_migrate(struct clab_compact_control *cc,
				unsigned long pfn);
void clab_update_pageblock_skip(struct clab_compact_control *cc,
				unsigned long pfn);
void clab_reset_cached_positions(struct clab_zone *zone);
void __clab_reset_isolation_suitable(struct clab_zone *zone);
void clab_reset_isolation_suitable(struct clab_node *node);

/* min_moves.c: the min_moves policy */
enum clab_compact_result clab_compact_zone_min_moves(struct clab_compact_control *cc);
long clab_min_moves_block_cost(struct clab_mem *mem, unsigned long start,
			       unsigned int order);

/**
 * clab_fragmentation_score_wmark() - proactive compaction's marks
 * @mem: the shadow memory
 * @low: the low mark (stop) rather than the high mark (start)
 *
 * low = max(100 - proactiveness, 5), high = min(low + 10, 100).
 *
 * Return: the mark, 0..100.
 */
static inline unsigned int clab_fragmentation_score_wmark(struct clab_mem *mem,
							  bool low)
{
	int wmark_low = max(100 - READ_ONCE(mem->compaction_proactiveness), 5);

	return low ? wmark_low : min(wmark_low + 10, 100);
}

static inline struct clab_mem *clab_zone_mem_of(const struct clab_compact_control *cc)
{
	return cc->zone->node->mem;
}

static inline unsigned long clab_pageblock_start_pfn(unsigned long pfn)
{
	return round_down(pfn, CLAB_PAGEBLOCK_PAGES);
}

static inline unsigned long clab_pageblock_end_pfn(unsigned long pfn)
{
	return round_down(pfn, CLAB_PAGEBLOCK_PAGES) + CLAB_PAGEBLOCK_PAGES;
}

/**
 * clab_free_scanner_covered() - pfns the free scanner covered
 * @start_free_pfn: cc->free_pfn when the pass began
 * @end_free_pfn: cc->free_pfn when it ended, at or below @start_free_pfn's
 *	block
 *
 * The free scanner walks pageblocks downwards but each block upwards from
 * its first page, and cc->free_pfn is where it resumes: the pages of its
 * block from there up are still to do. So it covered the blocks from
 * @end_free_pfn's up to (not including) @start_free_pfn's, less the pages
 * of @start_free_pfn's block below it, plus those of @end_free_pfn's
 * block below it. Within a pageblock, @start_free_pfn - @end_free_pfn.
 * (Zones are pageblock aligned, so the top block is a whole one.)
 *
 * Return: the count, for examined + skipped == covered.
 */
static inline unsigned long
clab_free_scanner_covered(unsigned long start_free_pfn,
			  unsigned long end_free_pfn)
{
	return clab_pageblock_start_pfn(start_free_pfn) -
	       clab_pageblock_start_pfn(end_free_pfn) -
	       (start_free_pfn - clab_pageblock_start_pfn(start_free_pfn)) +
	       (end_free_pfn - clab_pageblock_start_pfn(end_free_pfn));
}

/*
 * Is @pfn a page of the arena? (The kernel's pfn_valid(): a pfn computed
 * from the scanners' positions may be anything once they have crossed.)
 */
static inline bool clab_pfn_valid(const struct clab_mem *mem, unsigned long pfn)
{
	return pfn < mem->arena->nr_pages;
}

/*
 * The first page of [start_pfn, end_pfn), a part of one pageblock, if the
 * whole range lies in @zone, else NULL (the kernel's pageblock_pfn_to_page(),
 * which the fast free search relies on to refuse a pfn outside the zone).
 */
static inline struct clab_page *
clab_pageblock_pfn_to_page(struct clab_zone *zone, unsigned long start_pfn,
			   unsigned long end_pfn)
{
	if (start_pfn >= end_pfn || start_pfn < zone->start ||
	    end_pfn > zone->end)
		return NULL;
	return clab_idx_to_page(zone->node->mem, start_pfn);
}

#endif /* _COMPACTLAB_COMPACTION_H */
