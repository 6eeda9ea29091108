// SPDX-License-Identifier: GPL-2.0
/*
 * kcompactd.c - background compaction, one thread per shadow node: woken by
 * failed high-order allocations and by kswapd going to sleep, it compacts
 * with MIGRATE_SYNC_LIGHT and sleeps again; every 500 ms it also checks the
 * node's fragmentation score and compacts proactively above the high mark
 * (Nitin Gupta's proactive compaction, 5.9), backing off for 1 << 6 checks
 * when a pass makes no progress.
 */
#include <compactlab/compaction.h>
#include <compactlab/extfrag.h>
#include <compactlab/trace.h>
#include <compactlab/vmstat.h>

#define CLAB_HPAGE_FRAG_CHECK_INTERVAL_MSEC	500

/**
 * clab_kcompactd_node_suitable() - is compaction for the node's pending
 * order worth waking kcompactd for?
 * @node: the node
 *
 * 6.1's kcompactd_node_suitable(): any populated zone up to the pending
 * highest zone index for which compaction_suitable() says CONTINUE, each
 * judged with the watermark of a request that may use zones up to that
 * index (its lowmem reserve for them counts), not only up to the zone.
 *
 * Return: true if one is.
 */
bool clab_kcompactd_node_suitable(struct clab_node *node)
{
	int highest = READ_ONCE(node->kcompactd_highest_zoneidx);
	int order = READ_ONCE(node->kcompactd_max_order);
	int z;

	for (z = 0; z <= highest && z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];

		if (!clab_zone_is_populated(zone))
			continue;
		if (clab_compaction_suitable(zone, order, CLAB_ALLOC_WMARK_MIN,
					     highest) == CLAB_COMPACT_CONTINUE)
			return true;
	}
	return false;
}

/**
 * clab_wakeup_kcompactd() - ask a node's kcompactd to compact for @order
 * @node: the node
 * @order: the order wanted (0 is ignored)
 * @highest_zoneidx: the highest zone wanted
 *
 * Raises the pending order and wakes the thread if it sleeps and the work
 * looks worthwhile.
 */
void clab_wakeup_kcompactd(struct clab_node *node, int order,
			   int highest_zoneidx)
{
	if (!order)
		return;
	if (READ_ONCE(node->kcompactd_max_order) < order)
		WRITE_ONCE(node->kcompactd_max_order, order);
	if (READ_ONCE(node->kcompactd_highest_zoneidx) > highest_zoneidx)
		WRITE_ONCE(node->kcompactd_highest_zoneidx, highest_zoneidx);
	/* Racy peek, as the kernel's: a missed sleeper wakes on its timeout. */
	if (!waitqueue_active(&node->kcompactd_wait))
		return;
	if (!clab_kcompactd_node_suitable(node))
		return;
	trace_mm_compaction_wakeup_kcompactd(node->id, order, highest_zoneidx);
	wake_up_interruptible(&node->kcompactd_wait);
}

/**
 * clab_kcompactd_do_work() - compact for the order the wakeups asked for
 * @node: the node
 *
 * Per zone: honours deferral and suitability, compacts SYNC_LIGHT with
 * skip hints, resets deferral on success and defers on failure.
 */
void clab_kcompactd_do_work(struct clab_node *node)
{
	int order = READ_ONCE(node->kcompactd_max_order);
	int highest = READ_ONCE(node->kcompactd_highest_zoneidx);
	struct clab_mem *mem = node->mem;
	/*
	 * One control for every zone, as 6.1's: what a zone's run leaves in
	 * it (the fast searches' failures and order, whole_zone) carries into
	 * the next zone's run.
	 */
	struct clab_compact_control cc = {
		.order = order,
		.gfp = CLAB_GFP_KERNEL,
		.mode = CLAB_MIGRATE_SYNC_LIGHT,
		.alloc_flags = CLAB_ALLOC_WMARK_MIN,
		.highest_zoneidx = highest,
	};
	int z;

	trace_mm_compaction_kcompactd_wake(node->id, order, highest);
	clab_count_vm_event(CLAB_KCOMPACTD_WAKE);
	for (z = 0; z <= highest && z < CLAB_MAX_NR_ZONES; z++) {
		enum clab_compact_result status;

		cc.zone = &node->zones[z];
		cc.policy = READ_ONCE(mem->compact_policy);
		if (!clab_zone_is_populated(cc.zone))
			continue;
		if (clab_compaction_deferred(cc.zone, order))
			continue;
		if (clab_compaction_suitable(cc.zone, order, CLAB_ALLOC_WMARK_MIN, z) !=
		    CLAB_COMPACT_CONTINUE)
			continue;
		if (kthread_should_stop())
			return;
		status = clab_compact_zone(&cc);
		if (status == CLAB_COMPACT_SUCCESS) {
			clab_compaction_defer_reset(cc.zone, order, false);
		} else if (status == CLAB_COMPACT_PARTIAL_SKIPPED ||
			   status == CLAB_COMPACT_COMPLETE) {
			clab_drain_all_pages(mem, cc.zone);
			clab_defer_compaction(cc.zone, order);
		}
		clab_count_vm_events(CLAB_KCOMPACTD_MIGRATE_SCANNED,
				     cc.total_migrate_scanned);
		clab_count_vm_events(CLAB_KCOMPACTD_FREE_SCANNED,
				     cc.total_free_scanned);
	}
	/* Unless a larger request came in meanwhile, the work is done. */
	if (READ_ONCE(node->kcompactd_max_order) <= order)
		WRITE_ONCE(node->kcompactd_max_order, 0);
	if (READ_ONCE(node->kcompactd_highest_zoneidx) >= highest)
		WRITE_ONCE(node->kcompactd_highest_zoneidx, CLAB_MAX_NR_ZONES - 1);
}

/*
 * The policy of a proactive pass: tuned when the selected policy follows
 * tuned's rules, the kernel's scanners otherwise. min_moves empties an
 * aligned block for a target order and a proactive pass has none (order
 * -1), so it runs linux's scanners too. (A selected policy with a
 * proactive_compact_zone callback runs that instead: clab_compact_zone().)
 */
static const struct clab_policy_ops *clab_proactive_policy(struct clab_mem *mem)
{
	return clab_selected_policy_has_tuned_rules(mem) ?
	       CLAB_POLICY_TUNED : CLAB_POLICY_LINUX;
}

/**
 * clab_should_proactive_compact_node() - is the node fragmented enough?
 * @node: the node
 *
 * As the kernel's should_proactive_compact_node(): proactive compaction is
 * on, kswapd is not running and the node's score is above the high mark.
 * Under policy tuned it also stands back while a direct compactor works on
 * the node, so that the two do not fight over the same free pages.
 *
 * Return: true when a proactive pass should run.
 */
bool clab_should_proactive_compact_node(struct clab_node *node)
{
	struct clab_mem *mem = node->mem;

	if (!READ_ONCE(mem->compaction_proactiveness) ||
	    READ_ONCE(node->kswapd_running))
		return false;
	if (clab_proactive_policy(mem) == CLAB_POLICY_TUNED &&
	    atomic_read(&node->nr_direct_compactors))
		return false;
	return clab_fragmentation_score_node(node) >
	       clab_fragmentation_score_wmark(mem, false);
}

/**
 * clab_proactive_compact_node() - one proactive pass over a node
 * @node: the node
 *
 * Whole zones, SYNC_LIGHT, skip hints ignored; each zone stops at the low
 * mark (see __clab_compact_finished()). As in the kernel's
 * proactive_compact_node(), the pages it scans are not kcompactd's
 * compact_daemon_*_scanned: those count reactive work only.
 */
void clab_proactive_compact_node(struct clab_node *node)
{
	const struct clab_policy_ops *policy = clab_proactive_policy(node->mem);
	int z;

	for (z = 0; z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_compact_control cc = {
			.zone = &node->zones[z],
			.order = -1,
			.gfp = CLAB_GFP_KERNEL,
			.mode = CLAB_MIGRATE_SYNC_LIGHT,
			.policy = policy,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.proactive_compaction = true,
		};

		if (!clab_zone_is_populated(cc.zone))
			continue;
		clab_compact_zone(&cc);
	}
}

static bool clab_kcompactd_work_requested(struct clab_node *node)
{
	return READ_ONCE(node->kcompactd_max_order) > 0 || kthread_should_stop() ||
	       READ_ONCE(node->proactive_compact_trigger);
}

static int clab_kcompactd(void *data)
{
	struct clab_node *node = data;
	long default_timeout = msecs_to_jiffies(CLAB_HPAGE_FRAG_CHECK_INTERVAL_MSEC);
	long timeout = default_timeout;

	while (!kthread_should_stop()) {
		unsigned int prev_score, score;
		long ret;

		trace_mm_compaction_kcompactd_sleep(node->id);
		if (!READ_ONCE(node->mem->compaction_proactiveness))
			timeout = MAX_SCHEDULE_TIMEOUT;
		ret = wait_event_interruptible_timeout(node->kcompactd_wait,
						       clab_kcompactd_work_requested(node),
						       timeout);
		if (kthread_should_stop())
			break;
		if (ret > 0 && !READ_ONCE(node->proactive_compact_trigger)) {
			clab_kcompactd_do_work(node);
			timeout = default_timeout;
			continue;
		}
		/* Timed out, or the tunable was written: proactive check. */
		timeout = default_timeout;
		if (clab_should_proactive_compact_node(node)) {
			prev_score = clab_fragmentation_score_node(node);
			clab_proactive_compact_node(node);
			score = clab_fragmentation_score_node(node);
			/* No progress: back off for 1 << 6 checks. */
			if (score >= prev_score)
				timeout = default_timeout << CLAB_COMPACT_MAX_DEFER_SHIFT;
		}
		WRITE_ONCE(node->proactive_compact_trigger, false);
	}
	return 0;
}

/**
 * clab_kcompactd_run() - start a node's kcompactd
 * @node: the node
 *
 * Return: 0 or the error of kthread_run().
 */
int clab_kcompactd_run(struct clab_node *node)
{
	struct task_struct *t;

	WRITE_ONCE(node->kcompactd_highest_zoneidx, CLAB_MAX_NR_ZONES - 1);
	t = kthread_run(clab_kcompactd, node, "clab_kcompactd%d", node->id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	node->kcompactd = t;
	return 0;
}

/**
 * clab_kcompactd_stop() - stop a node's kcompactd and wait for it
 * @node: the node
 */
void clab_kcompactd_stop(struct clab_node *node)
{
	if (node->kcompactd) {
		kthread_stop(node->kcompactd);
		node->kcompactd = NULL;
	}
}

/**
 * clab_set_compaction_proactiveness() - the compaction_proactiveness tunable
 * @mem: the shadow memory
 * @val: 0 (off) to 100
 *
 * A non-zero value triggers an immediate evaluation on every node.
 *
 * Return: 0, or -EINVAL out of range.
 */
int clab_set_compaction_proactiveness(struct clab_mem *mem, long val)
{
	struct clab_node *node;

	if (val < 0 || val > 100)
		return -EINVAL;
	WRITE_ONCE(mem->compaction_proactiveness, val);
	if (!val)
		return 0;
	clab_for_each_node(mem, node) {
		WRITE_ONCE(node->proactive_compact_trigger, true);
		wake_up_interruptible(&node->kcompactd_wait);
	}
	return 0;
}
