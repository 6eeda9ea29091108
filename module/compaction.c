// SPDX-License-Identifier: GPL-2.0
/*
 * compaction.c - the compaction engine: suitability, termination, the main
 * loop over both scanners and migration, and the entry points that build a
 * struct clab_compact_control (compact_memory, a node, a direct compactor).
 */
#include <compactlab/compaction.h>
#include <compactlab/extfrag.h>
#include <compactlab/policy.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>

const char * const clab_compact_result_names[] = {
	[CLAB_COMPACT_NOT_SUITABLE_ZONE] = "not_suitable_zone",
	[CLAB_COMPACT_SKIPPED] = "skipped",
	[CLAB_COMPACT_DEFERRED] = "deferred",
	[CLAB_COMPACT_NO_SUITABLE_PAGE] = "no_suitable_page",
	[CLAB_COMPACT_CONTINUE] = "continue",
	[CLAB_COMPACT_COMPLETE] = "complete",
	[CLAB_COMPACT_PARTIAL_SKIPPED] = "partial_skipped",
	[CLAB_COMPACT_CONTENDED] = "contended",
	[CLAB_COMPACT_SUCCESS] = "success",
};

const char * const clab_migrate_mode_names[] = {
	[CLAB_MIGRATE_ASYNC] = "MIGRATE_ASYNC",
	[CLAB_MIGRATE_SYNC_LIGHT] = "MIGRATE_SYNC_LIGHT",
	[CLAB_MIGRATE_SYNC] = "MIGRATE_SYNC",
};

/* compact_gap(): free pages needed on top of the watermark to compact. */
static unsigned long clab_compact_gap(unsigned int order)
{
	return 2UL << order;
}

/**
 * clab_compact_scanners_met() - have the two scanners met?
 * @cc: the compaction
 *
 * Return: true once the free scanner's block is at or below the migrate
 * scanner's block.
 */
bool clab_compact_scanners_met(const struct clab_compact_control *cc)
{
	return (cc->free_pfn >> CLAB_PAGEBLOCK_ORDER) <=
	       (cc->migrate_pfn >> CLAB_PAGEBLOCK_ORDER);
}

/**
 * __clab_compaction_suitable() - the watermark part of suitability
 * @zone: the zone
 * @order: the order wanted
 * @alloc_flags: the requester's watermark flags
 * @highest_zoneidx: the highest zone the requester may use
 * @wmark_target: the free pages to judge by
 *
 * Return: SUCCESS, SKIPPED or CONTINUE, as compaction_suitable().
 */
enum clab_compact_result __clab_compaction_suitable(struct clab_zone *zone,
						    int order,
						    unsigned int alloc_flags,
						    int highest_zoneidx,
						    unsigned long wmark_target)
{
	unsigned long watermark;

	if (clab_is_via_compact_memory(order))
		return CLAB_COMPACT_CONTINUE;
	watermark = clab_wmark_pages(zone, alloc_flags & CLAB_ALLOC_WMARK_MASK);
	if (clab_zone_watermark_ok(zone, order, watermark, highest_zoneidx,
				   alloc_flags, READ_ONCE(zone->nr_free_pages)))
		return CLAB_COMPACT_SUCCESS;
	/*
	 * Migration needs free pages to move into: the watermark plus twice
	 * the request, order-0 pages. The kernel checks with ALLOC_CMA alone,
	 * a flag that grants no reserve (it only lets CMA pages count, and
	 * the arena has none): the highatomic reserve is not usable as
	 * targets, so it is subtracted, as for any request without
	 * ALLOC_RESERVES.
	 */
	watermark = (order > CLAB_COSTLY_ORDER ?
		     clab_wmark_pages(zone, CLAB_WMARK_LOW) :
		     clab_wmark_pages(zone, CLAB_WMARK_MIN)) +
		    clab_compact_gap(order);
	if (!clab_zone_watermark_ok(zone, 0, watermark, highest_zoneidx, 0,
				    wmark_target))
		return CLAB_COMPACT_SKIPPED;
	return CLAB_COMPACT_CONTINUE;
}

/**
 * clab_compaction_suitable() - is compaction worth running for @order?
 * @zone: the zone
 * @order: the order wanted (-1: the whole zone)
 * @alloc_flags: the requester's watermark flags
 * @highest_zoneidx: the highest zone the requester may use
 *
 * SUCCESS when a block is already there, SKIPPED when too little is free
 * to compact (reclaim first), and SKIPPED too for costly orders whose
 * fragmentation index says the failure is for lack of memory, not
 * fragmentation (at or below extfrag_threshold).
 *
 * Return: CONTINUE when compaction should run.
 */
enum clab_compact_result clab_compaction_suitable(struct clab_zone *zone,
						  int order,
						  unsigned int alloc_flags,
						  int highest_zoneidx)
{
	enum clab_compact_result ret;
	int fragindex;

	ret = __clab_compaction_suitable(zone, order, alloc_flags, highest_zoneidx,
					 READ_ONCE(zone->nr_free_pages));
	if (ret == CLAB_COMPACT_CONTINUE && order > CLAB_COSTLY_ORDER) {
		fragindex = clab_fragmentation_index(zone, order);
		if (fragindex >= 0 &&
		    fragindex <= READ_ONCE(zone->node->mem->extfrag_threshold))
			ret = CLAB_COMPACT_NOT_SUITABLE_ZONE;
	}
	trace_mm_compaction_suitable(zone->node->id, zone->type, order, ret);
	if (ret == CLAB_COMPACT_NOT_SUITABLE_ZONE)
		ret = CLAB_COMPACT_SKIPPED;
	return ret;
}

/*
 * The kernel's __compact_finished(): the scanners met; or, for a proactive
 * pass, the zone's score fell to the low mark or kswapd is running; or,
 * at a pageblock boundary, a free block of the order is on a list the
 * request may use or steal from. No watermark is checked here: that was
 * compaction_suitable()'s job, and the allocation checks its own.
 */
static enum clab_compact_result __clab_compact_finished(struct clab_compact_control *cc)
{
	struct clab_zone *zone = cc->zone;
	enum clab_compact_result ret;
	unsigned int order;

	if (clab_compact_scanners_met(cc)) {
		clab_reset_cached_positions(zone);
		if (cc->direct_compaction)
			zone->compact_blockskip_flush = true;
		return cc->whole_zone ? CLAB_COMPACT_COMPLETE :
					CLAB_COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->proactive_compaction) {
		unsigned int low = clab_fragmentation_score_wmark(zone->node->mem,
								  true);

		/* Stand back for kswapd, as the kernel does. */
		if (READ_ONCE(zone->node->kswapd_running))
			return CLAB_COMPACT_PARTIAL_SKIPPED;
		/*
		 * tuned: and for direct compactors too, whose free pages and
		 * blocks a concurrent proactive pass would otherwise take.
		 * kcompactd runs its passes with the kernel's scanners
		 * whatever the policy, so the selected policy decides here.
		 */
		if (clab_selected_policy_has_tuned_rules(zone->node->mem) &&
		    atomic_read(&zone->node->nr_direct_compactors))
			return CLAB_COMPACT_PARTIAL_SKIPPED;

		if (clab_fragmentation_score_zone(zone) > low)
			ret = CLAB_COMPACT_CONTINUE;
		else
			ret = CLAB_COMPACT_SUCCESS;
		goto out;
	}
	if (clab_is_via_compact_memory(cc->order))
		return CLAB_COMPACT_CONTINUE;
	/* Always finish a pageblock: its freed pages may merge across it. */
	if (!IS_ALIGNED(cc->migrate_pfn, CLAB_PAGEBLOCK_PAGES))
		return CLAB_COMPACT_CONTINUE;

	ret = CLAB_COMPACT_NO_SUITABLE_PAGE;
	for (order = cc->order; order < CLAB_NR_ORDERS; order++) {
		struct clab_free_area *area = &zone->free_area[order];
		bool can_steal;

		if (!READ_ONCE(area->nr_free))
			continue;
		if (READ_ONCE(area->nr_free_mt[cc->migratetype]))
			return CLAB_COMPACT_SUCCESS;
		if (clab_find_suitable_fallback(area, order, cc->migratetype,
						true, &can_steal) != -1)
			return CLAB_COMPACT_SUCCESS;
	}
out:
	/* Contended or killed: stop short of the goal (a proactive pass too). */
	if (cc->contended || fatal_signal_pending(current))
		ret = CLAB_COMPACT_CONTENDED;
	return ret;
}

static enum clab_compact_result clab_compact_finished(struct clab_compact_control *cc)
{
	enum clab_compact_result ret = __clab_compact_finished(cc);

	trace_mm_compaction_finished(cc->zone->node->id, cc->zone->type,
				     cc->order, ret);
	if (ret == CLAB_COMPACT_NO_SUITABLE_PAGE)
		ret = CLAB_COMPACT_CONTINUE;
	/* The policy's own stop rule, if it has one. */
	if (cc->policy->finished)
		ret = cc->policy->finished(cc, ret);
	return ret;
}

/* Where the scanners start: the zone's ends, or where they stopped last. */
static void clab_compact_start_positions(struct clab_compact_control *cc)
{
	struct clab_zone *zone = cc->zone;
	bool sync = cc->mode != CLAB_MIGRATE_ASYNC;
	unsigned long start = zone->start, end = zone->end;

	if (cc->whole_zone) {
		cc->migrate_pfn = start;
		cc->free_pfn = clab_pageblock_start_pfn(end - 1);
		return;
	}
	cc->migrate_pfn = zone->compact_cached_migrate_pfn[sync];
	cc->free_pfn = zone->compact_cached_free_pfn;
	if (cc->free_pfn < start || cc->free_pfn >= end) {
		cc->free_pfn = clab_pageblock_start_pfn(end - 1);
		zone->compact_cached_free_pfn = cc->free_pfn;
	}
	if (cc->migrate_pfn < start || cc->migrate_pfn >= end) {
		cc->migrate_pfn = start;
		zone->compact_cached_migrate_pfn[0] = start;
		zone->compact_cached_migrate_pfn[1] = start;
	}
	if (cc->migrate_pfn <= zone->compact_init_migrate_pfn)
		cc->whole_zone = true;
}

const char * const clab_compact_counter_names[CLAB_NR_COMPACT_COUNTERS] = {
	[CLAB_CCOUNT_PASSES] = "passes",
	[CLAB_CCOUNT_MIGRATE_COPY_NS] = "migrate_copy_ns",
	[CLAB_CCOUNT_MIGRATE_COPIES] = "migrate_copies",
	[CLAB_CCOUNT_MIGRATE_EXAMINED] = "migrate_examined",
	[CLAB_CCOUNT_MIGRATE_SKIPPED] = "migrate_skipped",
	[CLAB_CCOUNT_FREE_EXAMINED] = "free_examined",
	[CLAB_CCOUNT_FREE_SKIPPED] = "free_skipped",
	[CLAB_CCOUNT_PAGES_MIGRATED] = "pages_migrated",
	[CLAB_CCOUNT_MIGRATE_VIRTUAL_BYTES] = "migrate_virtual_bytes",
};

/* Add a pass that ran to the shadow memory's cumulative counters. */
static void clab_count_compact_pass(const struct clab_compact_control *cc)
{
	atomic64_t *c = clab_zone_mem_of(cc)->compact_counters;

	atomic64_inc(&c[CLAB_CCOUNT_PASSES]);
	atomic64_add(cc->copy_ns, &c[CLAB_CCOUNT_MIGRATE_COPY_NS]);
	atomic64_add(cc->nr_copies, &c[CLAB_CCOUNT_MIGRATE_COPIES]);
	atomic64_add(cc->total_migrate_scanned,
		     &c[CLAB_CCOUNT_MIGRATE_EXAMINED]);
	atomic64_add(cc->total_migrate_skipped,
		     &c[CLAB_CCOUNT_MIGRATE_SKIPPED]);
	atomic64_add(cc->total_free_scanned, &c[CLAB_CCOUNT_FREE_EXAMINED]);
	atomic64_add(cc->total_free_skipped, &c[CLAB_CCOUNT_FREE_SKIPPED]);
	atomic64_add(cc->nr_migrated, &c[CLAB_CCOUNT_PAGES_MIGRATED]);
	atomic64_add(cc->virtual_bytes, &c[CLAB_CCOUNT_MIGRATE_VIRTUAL_BYTES]);
}

/**
 * clab_all_compact_counters() - read the cumulative compaction counters
 * @mem: the shadow memory
 * @ret: CLAB_NR_COMPACT_COUNTERS entries to fill, in the order of enum
 *	clab_compact_counter_item
 *
 * Each counter is read once, untorn; a pass ending meanwhile may show in
 * some and not yet in others (each pass adds to them one after the other).
 */
void clab_all_compact_counters(struct clab_mem *mem, u64 *ret)
{
	int i;

	for (i = 0; i < CLAB_NR_COMPACT_COUNTERS; i++)
		ret[i] = atomic64_read(&mem->compact_counters[i]);
}

/*
 * The kernel's compact_zone() up to the scanners: check suitability and
 * place them; then the policy compacts.
 */
static enum clab_compact_result __clab_compact_zone(struct clab_compact_control *cc)
{
	struct clab_zone *zone = cc->zone;
	enum clab_compact_result ret;

	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
	cc->nr_freepages = 0;
	cc->nr_migratepages = 0;
	cc->total_migrate_scanned = 0;
	cc->total_free_scanned = 0;
	cc->total_migrate_skipped = 0;
	cc->total_free_skipped = 0;
	cc->copy_ns = 0;
	cc->nr_copies = 0;
	cc->virtual_bytes = 0;
	cc->migratetype = clab_gfp_migratetype(cc->gfp);

	if (!clab_is_via_compact_memory(cc->order)) {
		ret = clab_compaction_suitable(zone, cc->order, cc->alloc_flags,
					       cc->highest_zoneidx);
		if (ret == CLAB_COMPACT_SUCCESS || ret == CLAB_COMPACT_SKIPPED)
			return ret;
	}
	if (clab_compaction_restarting(zone, cc->order))
		__clab_reset_isolation_suitable(zone);
	cc->fast_start_pfn = 0;
	clab_compact_start_positions(cc);
	if (cc->proactive_compaction && cc->policy->proactive_compact_zone)
		ret = cc->policy->proactive_compact_zone(cc);
	else
		ret = cc->policy->compact_zone(cc);
	clab_count_compact_pass(cc);
	return ret;
}

/**
 * clab_compact_zone_scanners() - compact a zone with the kernel's scanners
 * @cc: the control, checked and placed by clab_compact_zone()
 *
 * The main loop of the kernel's compact_zone(): alternate isolating a
 * batch of in-use pages from below with migrating them into free pages
 * found from above, until compact_finished() (and the policy's finished
 * callback) says the scanners met, the goal is met, or the run was
 * contended. The compact_zone callback of policies linux and tuned, and
 * of any policy that changes only the kernel's stop rule.
 *
 * Return: how it ended.
 */
enum clab_compact_result clab_compact_zone_scanners(struct clab_compact_control *cc)
{
	struct clab_zone *zone = cc->zone;
	bool sync = cc->mode != CLAB_MIGRATE_ASYNC;
	unsigned long last_migrated_pfn = 0;
	enum clab_compact_result ret;
	bool update_cached;
	/*
	 * 6.1 keeps "nothing to drain" as last_migrated_pfn 0; our pfns
	 * count from 0, so it is a flag of its own here.
	 */
	bool drain_pending = false;

	update_cached = !sync && zone->compact_cached_migrate_pfn[0] ==
				 zone->compact_cached_migrate_pfn[1];
	trace_mm_compaction_begin(zone->start, cc->migrate_pfn, cc->free_pfn,
				  zone->end, sync);

	while ((ret = clab_compact_finished(cc)) == CLAB_COMPACT_CONTINUE) {
		unsigned long iteration_start_pfn = cc->migrate_pfn;
		int err;

		cc->rescan = last_migrated_pfn &&
			     clab_pageblock_start_pfn(last_migrated_pfn) ==
			     clab_pageblock_start_pfn(iteration_start_pfn);

		switch (clab_isolate_migratepages(cc)) {
		case CLAB_ISOLATE_ABORT:
			ret = CLAB_COMPACT_CONTENDED;
			clab_putback_movable_pages(cc);
			goto out;
		case CLAB_ISOLATE_NONE:
			if (update_cached)
				zone->compact_cached_migrate_pfn[1] =
					zone->compact_cached_migrate_pfn[0];
			/* Pages freed from the last block may wait on a list. */
			goto check_drain;
		case CLAB_ISOLATE_SUCCESS:
			update_cached = false;
			last_migrated_pfn = iteration_start_pfn;
			drain_pending = true;
		}

		err = clab_migrate_pages(cc);
		if (err) {
			clab_putback_movable_pages(cc);
			if (err == -ENOMEM && !clab_compact_scanners_met(cc)) {
				ret = CLAB_COMPACT_CONTENDED;
				goto out;
			}
			/* Async direct: the rest of this order-aligned block is lost. */
			if (cc->direct_compaction && cc->mode == CLAB_MIGRATE_ASYNC &&
			    cc->order > 0) {
				unsigned long next = ALIGN(cc->migrate_pfn,
							   1UL << cc->order);

				cc->total_migrate_skipped +=
					next - cc->migrate_pfn;
				cc->migrate_pfn = next;
				/* Nothing there to merge: no drain for it. */
				last_migrated_pfn = 0;
				drain_pending = false;
			}
		}
check_drain:
		/*
		 * As 6.1: once the migrate scanner has left the cc->order
		 * block it migrated from, this CPU's list gives back the
		 * pages freed there, so that they merge and the finish test
		 * (or the capture) sees the block at once.
		 */
		if (cc->order > 0 && drain_pending &&
		    last_migrated_pfn < round_down(cc->migrate_pfn, 1UL << cc->order)) {
			clab_drain_local_pages(zone, cc->capc);
			drain_pending = false;
		}
		if (cc->capc && READ_ONCE(cc->capc->page)) {
			ret = CLAB_COMPACT_SUCCESS;
			break;
		}
	}

out:
	if (cc->nr_freepages > 0) {
		unsigned long free_pfn = clab_release_freepages(cc);

		free_pfn = clab_pageblock_start_pfn(free_pfn);
		if (free_pfn > zone->compact_cached_free_pfn)
			zone->compact_cached_free_pfn = free_pfn;
	}
	clab_count_vm_events(CLAB_COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	clab_count_vm_events(CLAB_COMPACTFREE_SCANNED, cc->total_free_scanned);
	trace_mm_compaction_end(zone->start, cc->migrate_pfn, cc->free_pfn,
				zone->end, sync, ret);
	return ret;
}

/**
 * clab_compact_zone() - compact one zone
 * @cc: the control, with zone, order, mode and flags filled in; @cc->policy
 *	the policy to run, or NULL for the shadow memory's selection
 *
 * The kernel's compact_zone(): check suitability, place the scanners, and
 * let the policy compact (for linux, the kernel's two scanners:
 * clab_compact_zone_scanners()). A proactive pass runs the selected
 * policy's proactive_compact_zone when it has one. The policy's module is
 * held for the run, and @cc->policy is what ran.
 *
 * Return: how it ended.
 */
enum clab_compact_result clab_compact_zone(struct clab_compact_control *cc)
{
	struct clab_mem *mem = cc->zone->node->mem;
	enum clab_compact_result ret;

	cc->policy = clab_policy_get(mem, cc->policy);
	/* The selected policy may have a proactive pass of its own. */
	if (cc->proactive_compaction && !cc->policy->proactive_compact_zone) {
		const struct clab_policy_ops *selected = clab_policy_get(mem, NULL);

		if (selected->proactive_compact_zone) {
			clab_policy_put(cc->policy);
			cc->policy = selected;
		} else {
			clab_policy_put(selected);
		}
	}
	ret = __clab_compact_zone(cc);
	clab_policy_put(cc->policy);
	return ret;
}

static void clab_stats_add(struct clab_compact_stats *stats,
			   const struct clab_compact_control *cc,
			   enum clab_compact_result ret)
{
	if (!stats)
		return;
	stats->result = max(stats->result, ret);
	stats->migrate_scanned += cc->total_migrate_scanned;
	stats->free_scanned += cc->total_free_scanned;
	stats->migrate_skipped += cc->total_migrate_skipped;
	stats->free_skipped += cc->total_free_skipped;
	stats->copy_ns += cc->copy_ns;
	stats->copies += cc->nr_copies;
	stats->virtual_bytes += cc->virtual_bytes;
	stats->isolated += cc->total_isolated;
	stats->migrated += cc->nr_migrated;
	stats->failed += cc->nr_migrate_failed;
}

/**
 * clab_compact_node() - compact every zone of a node, fully
 * @mem: the shadow memory
 * @nid: the node
 * @stats: if not NULL, totals are added here
 *
 * What writing to /sys/devices/system/node/nodeN/compact does: whole
 * zones, MIGRATE_SYNC, skip hints ignored. As in 6.1 (whose
 * lru_add_drain_all() drains LRU batches, not free pages), the per-CPU
 * lists are not drained: a free page there is no target, and the pages
 * the compaction frees wait there too.
 *
 * Return: 0, or -EINVAL for a node that does not exist.
 */
int clab_compact_node(struct clab_mem *mem, int nid,
		      struct clab_compact_stats *stats)
{
	struct clab_node *node;
	int z;

	if (nid < 0 || nid >= (int)mem->nr_nodes)
		return -EINVAL;
	node = &mem->nodes[nid];
	for (z = 0; z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_compact_control cc = {
			.zone = &node->zones[z],
			.order = -1,
			.gfp = CLAB_GFP_KERNEL,
			.mode = CLAB_MIGRATE_SYNC,
			.policy = READ_ONCE(mem->compact_policy),
			.ignore_skip_hint = true,
			.whole_zone = true,
		};
		enum clab_compact_result ret;

		if (!clab_zone_is_populated(cc.zone))
			continue;
		ret = clab_compact_zone(&cc);
		clab_stats_add(stats, &cc, ret);
		if (fatal_signal_pending(current))
			break;
	}
	return 0;
}

/**
 * clab_compact_memory() - compact every node (vm.compact_memory)
 * @mem: the shadow memory
 * @stats: if not NULL, totals are added here
 *
 * Return: 0.
 */
int clab_compact_memory(struct clab_mem *mem, struct clab_compact_stats *stats)
{
	unsigned int nid;

	for (nid = 0; nid < mem->nr_nodes; nid++)
		clab_compact_node(mem, nid, stats);
	return 0;
}

/**
 * clab_compact_zone_order() - one direct compaction of a zone
 * @zone: the zone
 * @order: the order wanted
 * @gfp: the requester's flags (its migratetype)
 * @prio: the priority: ASYNC compacts asynchronously; SYNC_LIGHT and
 *	SYNC_FULL both use MIGRATE_SYNC_LIGHT, the latter over the whole zone,
 *	ignoring skip hints and taking targets from any block
 * @alloc_flags: the requester's watermark flags
 * @highest_zoneidx: the highest zone the requester may use
 * @capc: where a freed block of @order may be captured, or NULL
 * @stats: if not NULL, totals are added here
 *
 * Return: how it ended.
 */
enum clab_compact_result clab_compact_zone_order(struct clab_zone *zone,
						 int order, unsigned int gfp,
						 enum clab_compact_priority prio,
						 unsigned int alloc_flags,
						 int highest_zoneidx,
						 struct clab_capture_control *capc,
						 struct clab_compact_stats *stats)
{
	enum clab_compact_result ret;
	struct clab_compact_control cc = {
		.zone = zone,
		.order = order,
		.gfp = gfp,
		.mode = prio == CLAB_COMPACT_PRIO_ASYNC ? CLAB_MIGRATE_ASYNC :
							  CLAB_MIGRATE_SYNC_LIGHT,
		.policy = READ_ONCE(zone->node->mem->compact_policy),
		.alloc_flags = alloc_flags,
		.highest_zoneidx = highest_zoneidx,
		.direct_compaction = true,
		.whole_zone = prio == CLAB_MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == CLAB_MIN_COMPACT_PRIORITY,
		.ignore_block_suitable = prio == CLAB_MIN_COMPACT_PRIORITY,
		.capc = capc,
	};

	if (capc)
		capc->cc = &cc;
	ret = clab_compact_zone(&cc);
	/*
	 * 6.1's compact_zone_order(): a captured page is a success whatever
	 * the scanners said (even a skipped run may capture, by luck).
	 */
	if (capc) {
		capc->cc = NULL;
		if (READ_ONCE(capc->page))
			ret = CLAB_COMPACT_SUCCESS;
	}
	clab_stats_add(stats, &cc, ret);
	return ret;
}

/**
 * clab_set_extfrag_threshold() - the extfrag_threshold tunable
 * @mem: the shadow memory
 * @val: 0 to 1000
 *
 * Return: 0, or -EINVAL out of range.
 */
int clab_set_extfrag_threshold(struct clab_mem *mem, long val)
{
	if (val < 0 || val > 1000)
		return -EINVAL;
	WRITE_ONCE(mem->extfrag_threshold, val);
	return 0;
}

/**
 * clab_set_compact_unevictable_allowed() - the compact_unevictable_allowed
 * tunable
 * @mem: the shadow memory
 * @val: 0 or 1
 *
 * Return: 0, or -EINVAL out of range.
 */
int clab_set_compact_unevictable_allowed(struct clab_mem *mem, long val)
{
	if (val < 0 || val > 1)
		return -EINVAL;
	WRITE_ONCE(mem->compact_unevictable_allowed, val);
	return 0;
}
