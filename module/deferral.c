// SPDX-License-Identifier: GPL-2.0
/*
 * deferral.c - per-zone exponential backoff of compaction after failures
 * (the kernel's defer_compaction(), compaction_deferred(),
 * compaction_defer_reset() and compaction_restarting()).
 *
 * After k consecutive failures at or above compact_order_failed, the next
 * 2^k - 1 attempts are skipped and the 2^k-th runs, k capped at 6.
 */
#include <compactlab/compaction.h>
#include <compactlab/trace.h>

static void clab_trace_defer(struct clab_zone *zone, int order,
			     void (*fn)(int, int, int, unsigned int,
					unsigned int, int))
{
	fn(zone->node->id, zone->type, order, zone->compact_considered,
	   zone->compact_defer_shift, zone->compact_order_failed);
}

/**
 * clab_defer_compaction() - record a failure to compact for @order
 * @zone: the zone
 * @order: the order that failed
 */
void clab_defer_compaction(struct clab_zone *zone, int order)
{
	zone->compact_considered = 0;
	zone->compact_defer_shift++;
	if (order < zone->compact_order_failed)
		zone->compact_order_failed = order;
	if (zone->compact_defer_shift > CLAB_COMPACT_MAX_DEFER_SHIFT)
		zone->compact_defer_shift = CLAB_COMPACT_MAX_DEFER_SHIFT;
	clab_trace_defer(zone, order, trace_mm_compaction_defer_compaction);
}

/**
 * clab_compaction_deferred() - should this attempt be skipped?
 * @zone: the zone
 * @order: the order wanted
 *
 * Counts the attempt.
 *
 * Return: true to skip compaction this time.
 */
bool clab_compaction_deferred(struct clab_zone *zone, int order)
{
	unsigned long defer_limit = 1UL << zone->compact_defer_shift;

	if (order < zone->compact_order_failed)
		return false;
	if (++zone->compact_considered >= defer_limit) {
		zone->compact_considered = defer_limit;
		return false;
	}
	clab_trace_defer(zone, order, trace_mm_compaction_deferred);
	return true;
}

/**
 * clab_compaction_defer_reset() - compaction succeeded for @order
 * @zone: the zone
 * @order: the order that succeeded
 * @alloc_success: an allocation was satisfied (not only "would succeed")
 *
 * Only a real allocation success clears the backoff.
 */
void clab_compaction_defer_reset(struct clab_zone *zone, int order,
				 bool alloc_success)
{
	if (alloc_success) {
		zone->compact_considered = 0;
		zone->compact_defer_shift = 0;
	}
	if (order >= zone->compact_order_failed)
		zone->compact_order_failed = order + 1;
	clab_trace_defer(zone, order, trace_mm_compaction_defer_reset);
}

/**
 * clab_compaction_restarting() - has backoff reached its limit?
 * @zone: the zone
 * @order: the order wanted
 *
 * Then the skip hints are stale enough to be flushed before scanning.
 *
 * Return: true at the maximum shift with the full count of attempts.
 */
bool clab_compaction_restarting(struct clab_zone *zone, int order)
{
	if (order < zone->compact_order_failed)
		return false;
	return zone->compact_defer_shift == CLAB_COMPACT_MAX_DEFER_SHIFT &&
	       zone->compact_considered >= 1UL << zone->compact_defer_shift;
}
