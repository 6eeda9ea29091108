// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_slowpath.c - what clab_alloc_pages() does when the free lists
 * cannot serve a request at the low watermark, in the kernel's order
 * (__alloc_pages_slowpath(), 6.1):
 *
 *  1. wake kswapd (and through it kcompactd);
 *  2. retry at the min watermark, with the reserves the flags allow;
 *  3. for costly or non-movable high orders, an early async compaction;
 *  4. direct reclaim (and one drain of the per-CPU lists), then direct
 *     compaction at the current priority,
 *     whose freed block is captured so that no racing allocator steals it;
 *  5. retries: should_reclaim_retry(), then should_compact_retry(), which
 *     escalates ASYNC -> SYNC_LIGHT -> SYNC_FULL;
 *  6. the OOM path: a rate-limited report in the kernel's style, and with
 *     oom_kill set, SIGKILL for the largest user of the arena; its victim
 *     (or a task that met the OOM path already dying) then retries with
 *     ALLOC_OOM, below half the min watermark, and fails if that fails.
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>
#include "page_alloc_internal.h"

#define CLAB_MAX_RECLAIM_RETRIES	16
#define CLAB_OOM_REPORT_INTERVAL	(5 * HZ)

/**
 * clab_try_to_compact_pages() - direct compaction over a request's zones
 * @mem: the shadow memory
 * @nid: the preferred node
 * @gfp: the request's flags
 * @order: its order
 * @alloc_flags: its watermark flags
 * @prio: the compaction priority
 * @capc: where a freed block of @order is captured
 *
 * Deferred zones are skipped unless at the highest priority; a zone that
 * succeeds resets its deferral, one that fails at a sync priority defers.
 *
 * Return: the highest result over the zones tried.
 */
enum clab_compact_result clab_try_to_compact_pages(struct clab_mem *mem, int nid,
						   unsigned int gfp, unsigned int order,
						   unsigned int alloc_flags,
						   enum clab_compact_priority prio,
						   struct clab_capture_control *capc)
{
	enum clab_compact_result rc = CLAB_COMPACT_SKIPPED;
	int highest = clab_gfp_highest_zoneidx(gfp);
	unsigned int cursor = 0;
	struct clab_zone *zone;

	trace_mm_compaction_try_to_compact_pages(order, gfp, prio);
	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		struct clab_node *node = zone->node;
		enum clab_compact_result status;

		if (prio > CLAB_MIN_COMPACT_PRIORITY &&
		    clab_compaction_deferred(zone, order)) {
			rc = max(rc, CLAB_COMPACT_DEFERRED);
			continue;
		}
		atomic_inc(&node->nr_direct_compactors);
		status = clab_compact_zone_order(zone, order, gfp, prio, alloc_flags,
						 highest, capc, NULL);
		atomic_dec(&node->nr_direct_compactors);
		rc = max(status, rc);
		if (status == CLAB_COMPACT_SUCCESS) {
			clab_compaction_defer_reset(zone, order, false);
			break;
		}
		if (prio != CLAB_COMPACT_PRIO_ASYNC &&
		    (status == CLAB_COMPACT_COMPLETE ||
		     status == CLAB_COMPACT_PARTIAL_SKIPPED))
			clab_defer_compaction(zone, order);
		if ((prio == CLAB_COMPACT_PRIO_ASYNC && need_resched()) ||
		    fatal_signal_pending(current))
			break;
	}
	return rc;
}

static struct clab_page *clab_alloc_pages_direct_compact(struct clab_mem *mem,
							 int nid, unsigned int gfp,
							 unsigned int order,
							 unsigned int alloc_flags,
							 enum clab_compact_priority prio,
							 enum clab_compact_result *result)
{
	struct clab_capture_control capc = { };
	struct clab_page *page;

	if (!order)
		return NULL;
	*result = clab_try_to_compact_pages(mem, nid, gfp, order, alloc_flags,
					    prio, &capc);
	if (*result == CLAB_COMPACT_SKIPPED)
		return NULL;
	clab_count_vm_event(CLAB_COMPACTSTALL);
	page = capc.page;
	if (!page)
		page = clab_get_page_from_freelist(mem, nid, gfp, order,
						   alloc_flags & ~CLAB_ALLOC_NO_WATERMARKS);
	if (page) {
		struct clab_zone *zone = clab_idx_to_zone(mem, clab_page_to_idx(mem, page));

		zone->compact_blockskip_flush = false;
		clab_compaction_defer_reset(zone, order, true);
		clab_count_vm_event(CLAB_COMPACTSUCCESS);
		return page;
	}
	clab_count_vm_event(CLAB_COMPACTFAIL);
	cond_resched();
	return NULL;
}

/* The kernel's compaction_withdrawn(). */
static bool clab_compaction_withdrawn(enum clab_compact_result result)
{
	return result == CLAB_COMPACT_DEFERRED || result == CLAB_COMPACT_CONTENDED ||
	       result == CLAB_COMPACT_PARTIAL_SKIPPED;
}

/**
 * clab_should_compact_retry() - retry direct compaction, and how hard?
 * @order: the request's order
 * @result: how the last direct compaction ended
 * @zonelist_suitable: for SKIPPED: would compaction run after reclaim?
 * @compact_priority: in/out: raised (lowered in value) on failure
 * @compaction_retries: in/out: successes that still did not allocate
 *
 * The kernel's should_compact_retry(): a failed or withdrawn compaction
 * escalates the priority (down to SYNC_LIGHT for costly orders, SYNC_FULL
 * otherwise) and resets the count; a compaction that succeeded but lost
 * its page to others is retried up to 16 times (4 for costly orders), and
 * then escalates as a failed one does.
 *
 * Return: true to retry.
 */
bool clab_should_compact_retry(unsigned int order, enum clab_compact_result result,
			       bool zonelist_suitable,
			       enum clab_compact_priority *compact_priority,
			       int *compaction_retries)
{
	int max_retries = CLAB_MAX_COMPACT_RETRIES;
	enum clab_compact_priority min_priority;

	if (!order || fatal_signal_pending(current))
		return false;
	if (result == CLAB_COMPACT_SUCCESS)
		(*compaction_retries)++;
	if (result == CLAB_COMPACT_COMPLETE)
		goto check_priority;
	if (result == CLAB_COMPACT_SKIPPED)
		return zonelist_suitable;
	if (clab_compaction_withdrawn(result))
		goto check_priority;
	if (order > CLAB_COSTLY_ORDER)
		max_retries /= 4;
	if (*compaction_retries <= max_retries)
		return true;
	/* Out of retries: one more round at a higher priority, if any. */
check_priority:
	min_priority = order > CLAB_COSTLY_ORDER ? CLAB_MIN_COMPACT_COSTLY_PRIORITY :
						   CLAB_MIN_COMPACT_PRIORITY;
	if (*compact_priority > min_priority) {
		(*compact_priority)--;
		*compaction_retries = 0;
		return true;
	}
	return false;
}

/* Would any zone be worth compacting once reclaim has run? (order > 0) */
static bool clab_compaction_zonelist_suitable(struct clab_mem *mem, int nid,
					      unsigned int gfp, unsigned int order,
					      unsigned int alloc_flags)
{
	int highest = clab_gfp_highest_zoneidx(gfp);
	unsigned int cursor = 0;
	struct clab_zone *zone;

	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		unsigned long available = clab_zone_reclaimable_pages(zone) / order +
					  READ_ONCE(zone->nr_free_pages);

		if (__clab_compaction_suitable(zone, order, alloc_flags, highest,
					       available) == CLAB_COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/*
 * Retry after reclaim? Yes while some zone could meet the min watermark
 * for this order with its free and reclaimable pages together, up to 16
 * rounds without progress; then release the highatomic reserve as a last
 * resort.
 */
static bool clab_should_reclaim_retry(struct clab_mem *mem, int nid,
				      unsigned int gfp, unsigned int order,
				      unsigned int alloc_flags, bool did_progress,
				      int *no_progress_loops)
{
	int highest = clab_gfp_highest_zoneidx(gfp);
	unsigned int cursor = 0;
	struct clab_zone *zone;

	if (did_progress && order <= CLAB_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > CLAB_MAX_RECLAIM_RETRIES)
		return clab_unreserve_highatomic_pageblock(mem, nid, gfp, true) > 0;
	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		long available = clab_zone_reclaimable_pages(zone) +
				 READ_ONCE(zone->nr_free_pages);

		if (clab_zone_watermark_ok(zone, order,
					   clab_wmark_pages(zone, CLAB_WMARK_MIN),
					   highest, alloc_flags, available))
			return true;
	}
	return false;
}

/*
 * tuned: direct reclaim found nothing to reclaim, so a watermark boost,
 * which only asks reclaim to free more after fragmenting fallbacks, cannot
 * be paid back: drop it rather than fail the allocation on it. In the
 * kernel only kswapd drops a boost, after a fruitless pass, later.
 */
static void clab_drop_unpayable_boost(struct clab_mem *mem, int nid,
				      unsigned int gfp)
{
	unsigned int cursor = 0;
	struct clab_zone *zone;

	while ((zone = clab_next_zone(mem, nid, gfp, &cursor))) {
		unsigned long flags;

		if (!READ_ONCE(zone->watermark_boost))
			continue;
		spin_lock_irqsave(&zone->lock, flags);
		zone->watermark_boost = 0;
		spin_unlock_irqrestore(&zone->lock, flags);
	}
}

/*
 * The allocation after a direct reclaim, 6.1's __alloc_pages_direct_reclaim():
 * only when reclaim made progress, try; on failure release a highatomic
 * reserve block (all but a zone's last) and drain every CPU's list, and
 * try once more. tuned also drains once per allocation without progress:
 * free pages held on other CPUs' lists are then all that is left, and the
 * kernel would fail or kill over memory that is free.
 */
static struct clab_page *
clab_alloc_after_direct_reclaim(struct clab_mem *mem, int nid, unsigned int gfp,
				unsigned int order, unsigned int alloc_flags,
				unsigned long progress, bool tuned,
				bool *drained_once)
{
	struct clab_page *page;

	if (!progress) {
		if (!tuned || *drained_once)
			return NULL;
		*drained_once = true;
		clab_drain_all_pages(mem, NULL);
		return clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
	}
	page = clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
	if (page)
		return page;
	clab_unreserve_highatomic_pageblock(mem, nid, gfp, false);
	clab_drain_all_pages(mem, NULL);
	return clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
}

static void clab_wake_all_kswapds(struct clab_mem *mem, int nid,
				  unsigned int gfp, unsigned int order)
{
	int highest = clab_gfp_highest_zoneidx(gfp);
	unsigned int n;

	for (n = 0; n < mem->nr_nodes; n++)
		clab_wakeup_kswapd(&mem->nodes[(nid + n) % mem->nr_nodes], gfp,
				   order, highest);
}

static const char clab_migratetype_letters[CLAB_MIGRATE_TYPES] = "UMEHCI";

/**
 * clab_show_free_areas() - the free-area dump of an allocation failure
 * @mem: the shadow memory
 *
 * The kernel's show_free_areas() lines: per zone the watermarks, then
 * "Node N Zone: count*sizekB (types) ... = totalkB".
 */
void clab_show_free_areas(struct clab_mem *mem)
{
	struct clab_node *node;
	struct clab_zone *zone;

	clab_for_each_populated_zone(mem, node, zone) {
		unsigned long nr[CLAB_NR_ORDERS], flags, total = 0;
		unsigned char types[CLAB_NR_ORDERS];
		char line[CLAB_NR_ORDERS * 24 + 64];
		unsigned int o, mt;
		int len;

		pr_warn("Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB managed:%lukB\n",
			node->id, clab_zone_names[zone->type],
			zone->nr_free_pages << (CLAB_PAGE_SHIFT - 10),
			zone->watermark_boost << (CLAB_PAGE_SHIFT - 10),
			clab_wmark_pages(zone, CLAB_WMARK_MIN) << (CLAB_PAGE_SHIFT - 10),
			clab_wmark_pages(zone, CLAB_WMARK_LOW) << (CLAB_PAGE_SHIFT - 10),
			clab_wmark_pages(zone, CLAB_WMARK_HIGH) << (CLAB_PAGE_SHIFT - 10),
			zone->managed_pages << (CLAB_PAGE_SHIFT - 10));
		spin_lock_irqsave(&zone->lock, flags);
		for (o = 0; o < CLAB_NR_ORDERS; o++) {
			nr[o] = zone->free_area[o].nr_free;
			types[o] = 0;
			for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
				if (zone->free_area[o].nr_free_mt[mt])
					types[o] |= 1U << mt;
			total += nr[o] << o;
		}
		spin_unlock_irqrestore(&zone->lock, flags);
		len = scnprintf(line, sizeof(line), "Node %d %s: ", node->id,
				clab_zone_names[zone->type]);
		for (o = 0; o < CLAB_NR_ORDERS; o++) {
			len += scnprintf(line + len, sizeof(line) - len, "%lu*%lukB ",
					 nr[o], (CLAB_PAGE_SIZE >> 10) << o);
			if (!nr[o])
				continue;
			len += scnprintf(line + len, sizeof(line) - len, "(");
			for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
				if (types[o] & (1U << mt))
					len += scnprintf(line + len, sizeof(line) - len,
							 "%c", clab_migratetype_letters[mt]);
			len += scnprintf(line + len, sizeof(line) - len, ") ");
		}
		pr_warn("%s= %lukB\n", line, total << (CLAB_PAGE_SHIFT - 10));
	}
}

static void clab_warn_alloc(struct clab_mem *mem, unsigned int gfp,
			    unsigned int order)
{
	unsigned long last = READ_ONCE(mem->oom_last_report);

	if (gfp & CLAB_GFP_NOWARN)
		return;
	if (last && time_before(jiffies, last + CLAB_OOM_REPORT_INTERVAL))
		return;
	if (cmpxchg(&mem->oom_last_report, last, jiffies | 1) != last)
		return;
	pr_warn("page allocation failure: order:%u, mode:%#x, migratetype:%s\n",
		order, gfp, clab_migratetype_names[clab_gfp_migratetype(gfp)]);
	clab_show_free_areas(mem);
}

/*
 * Whether the current task is an OOM victim (6.1: tsk_is_oom_victim()):
 * killed by the OOM killer of the arena, or met its OOM path already dying.
 * The device knows; without it, nobody is.
 */
static bool clab_is_oom_victim(struct clab_mem *mem)
{
	bool (*victim)(struct clab_mem *mem) = READ_ONCE(mem->oom_victim_hook);

	return victim && victim(mem);
}

/*
 * The OOM killer, when asked for (oom_kill=1): only for cheap orders and
 * requests that may not fail; the kill frees the victim's pages when it
 * exits, so wait a little for them, unless the victim is the current task
 * (6.1's out_of_memory() marks a dying caller and returns at once).
 */
static struct clab_page *clab_alloc_pages_may_oom(struct clab_mem *mem, int nid,
						  unsigned int gfp,
						  unsigned int order,
						  unsigned int alloc_flags,
						  bool *did_some_progress)
{
	bool (*kill)(struct clab_mem *mem);
	struct clab_page *page;
	int i;

	*did_some_progress = false;
	if (order > CLAB_COSTLY_ORDER || (gfp & (CLAB_GFP_RETRY_MAYFAIL |
						 CLAB_GFP_NORETRY | CLAB_GFP_THISNODE)))
		return NULL;
	/* One reading: the interface may unset the hook meanwhile. */
	kill = READ_ONCE(mem->oom_kill_hook);
	if (!READ_ONCE(mem->oom_kill) || !kill || !kill(mem))
		return NULL;
	*did_some_progress = true;
	if (clab_is_oom_victim(mem))
		return NULL;
	for (i = 0; i < 40; i++) {
		page = clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
		if (page || fatal_signal_pending(current))
			return page;
		msleep(25);
	}
	return NULL;
}

/**
 * __clab_alloc_pages_slowpath() - the allocation slowpath
 * @mem: the shadow memory
 * @nid: the preferred node
 * @gfp: CLAB_GFP_* flags
 * @order: the order
 *
 * Return: a free block taken off the lists (or captured), not yet
 * prepared, or NULL.
 */
struct clab_page *__clab_alloc_pages_slowpath(struct clab_mem *mem, int nid,
					      unsigned int gfp,
					      unsigned int order)
{
	bool can_direct_reclaim = gfp & CLAB_GFP_DIRECT_RECLAIM;
	bool costly = order > CLAB_COSTLY_ORDER, oom_progress, drained = false;
	enum clab_compact_result compact_result = CLAB_COMPACT_SKIPPED;
	enum clab_compact_priority compact_priority = CLAB_DEF_COMPACT_PRIORITY;
	int compaction_retries = 0, no_progress_loops = 0;
	unsigned int alloc_flags = clab_gfp_to_alloc_flags(gfp, order);
	unsigned long did_some_progress = 0;
	struct clab_page *page;
	bool tuned;

	if (alloc_flags & CLAB_ALLOC_KSWAPD)
		clab_wake_all_kswapds(mem, nid, gfp, order);
	page = clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
	if (page)
		return page;

	/* Costly orders and non-movable high orders: try async compaction first. */
	if (can_direct_reclaim &&
	    (costly || (order > 0 && clab_gfp_migratetype(gfp) != CLAB_MIGRATE_MOVABLE))) {
		page = clab_alloc_pages_direct_compact(mem, nid, gfp, order, alloc_flags,
						       CLAB_INIT_COMPACT_PRIORITY,
						       &compact_result);
		if (page)
			return page;
		if (costly && (gfp & CLAB_GFP_NORETRY)) {
			if (compact_result == CLAB_COMPACT_SKIPPED ||
			    compact_result == CLAB_COMPACT_DEFERRED)
				goto nopage;
			compact_priority = CLAB_INIT_COMPACT_PRIORITY;
		}
	}

retry:
	/* Read at each round, as the policy may change meanwhile. */
	tuned = clab_selected_policy_has_tuned_rules(mem);
	/*
	 * As 6.1's __gfp_pfmemalloc_flags(): an OOM victim may use part of
	 * the min reserve (ALLOC_OOM) so that it can exit.
	 */
	if (!(alloc_flags & CLAB_ALLOC_NO_WATERMARKS) && clab_is_oom_victim(mem))
		alloc_flags = CLAB_ALLOC_OOM | (alloc_flags & CLAB_ALLOC_KSWAPD);
	if (alloc_flags & CLAB_ALLOC_KSWAPD)
		clab_wake_all_kswapds(mem, nid, gfp, order);
	page = clab_get_page_from_freelist(mem, nid, gfp, order, alloc_flags);
	if (page)
		return page;
	if (!can_direct_reclaim)
		goto nopage;

	did_some_progress = clab_try_to_free_pages(mem, nid, gfp, order);
	if (!did_some_progress && tuned)
		clab_drop_unpayable_boost(mem, nid, gfp);
	page = clab_alloc_after_direct_reclaim(mem, nid, gfp, order, alloc_flags,
					       did_some_progress, tuned, &drained);
	if (page)
		return page;
	page = clab_alloc_pages_direct_compact(mem, nid, gfp, order, alloc_flags,
					       compact_priority, &compact_result);
	if (page)
		return page;
	if (gfp & CLAB_GFP_NORETRY)
		goto nopage;
	if (costly && !(gfp & CLAB_GFP_RETRY_MAYFAIL))
		goto nopage;
	if (clab_should_reclaim_retry(mem, nid, gfp, order, alloc_flags,
				      did_some_progress > 0, &no_progress_loops))
		goto retry;
	/*
	 * The kernel asks should_compact_retry() only after reclaim made
	 * progress. tuned goes beyond it: a compaction that withdrew
	 * (deferred, contended, or met the scanners having skipped part of
	 * the zone) may also escalate without: free memory is there,
	 * fragmented, and a harder priority scans the whole zone. Escalation
	 * is bounded by the top priority.
	 */
	if ((did_some_progress > 0 ||
	     (tuned && clab_compaction_withdrawn(compact_result))) &&
	    order &&
	    clab_should_compact_retry(order, compact_result,
				      compact_result == CLAB_COMPACT_SKIPPED &&
				      clab_compaction_zonelist_suitable(mem, nid, gfp, order,
									alloc_flags),
				      &compact_priority, &compaction_retries))
		goto retry;
	page = clab_alloc_pages_may_oom(mem, nid, gfp, order, alloc_flags,
					&oom_progress);
	if (page)
		return page;
	/* As 6.1: a victim that has had its ALLOC_OOM round fails, not loops. */
	if ((alloc_flags & CLAB_ALLOC_OOM) && clab_is_oom_victim(mem))
		goto nopage;
	/* As 6.1: retry as long as the OOM killer makes progress. */
	if (oom_progress) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	clab_warn_alloc(mem, gfp, order);
	return NULL;
}
