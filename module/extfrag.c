// SPDX-License-Identifier: GPL-2.0
/*
 * extfrag.c - external fragmentation indices (mm/vmstat.c) and the
 * proactive compaction score (mm/compaction.c), with the kernel's integer
 * arithmetic.
 *
 * Everything here reads free_area[].nr_free without the zone lock, as the
 * kernel does: the values are advisory (a view, a heuristic) and a torn
 * snapshot only shifts a percentage. Callers that want a consistent
 * snapshot of a zone, such as the debugfs views, hold zone->lock.
 */
#include <compactlab/extfrag.h>

/**
 * clab_fill_contig_page_info() - count a zone's free memory for one order
 * @zone: the zone
 * @suitable_order: the order an allocation would ask for
 * @info: filled in
 *
 * Reads free_area[].nr_free of every order without the zone lock.
 */
void clab_fill_contig_page_info(struct clab_zone *zone,
				unsigned int suitable_order,
				struct clab_contig_page_info *info)
{
	unsigned int order;

	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;

	for (order = 0; order < CLAB_NR_ORDERS; order++) {
		unsigned long blocks;

		/* Lockless: nr_free is only used for diagnostics here. */
		blocks = READ_ONCE(zone->free_area[order].nr_free);

		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable += blocks <<
						      (order - suitable_order);
	}
}

/**
 * clab_unusable_free_index() - how much free memory is useless at @order
 * @order: the allocation order
 * @info: the zone's free memory for @order (clab_fill_contig_page_info())
 *
 * Return: 0 (every free page is in a block of @order or larger) to 1000
 * (none is); 1000 when there is no free memory at all.
 */
int clab_unusable_free_index(unsigned int order,
			     const struct clab_contig_page_info *info)
{
	if (!info->free_pages)
		return 1000;

	return div_u64((info->free_pages -
			(info->free_blocks_suitable << order)) * 1000ULL,
		       info->free_pages);
}

/**
 * __clab_fragmentation_index() - why an allocation of @order would fail
 * @order: the allocation order, at most CLAB_MAX_ORDER
 * @info: the zone's free memory for @order (clab_fill_contig_page_info())
 *
 * Return: -1000 if a free block of @order exists (the allocation would
 * succeed, watermarks permitting); otherwise 0 (it would fail for lack of
 * memory) to 1000 (it would fail for fragmentation); 0 if nothing is free.
 */
int __clab_fragmentation_index(unsigned int order,
			       const struct clab_contig_page_info *info)
{
	unsigned long requested = 1UL << order;

	if (WARN_ON_ONCE(order >= CLAB_NR_ORDERS))
		return 0;
	if (!info->free_blocks_total)
		return 0;
	/* The index only makes sense when a request would fail. */
	if (info->free_blocks_suitable)
		return -1000;

	return 1000 - div_u64(1000 + div_u64(info->free_pages * 1000ULL,
					     requested),
			      info->free_blocks_total);
}

/**
 * clab_fragmentation_index() - the extfrag index of @zone at @order
 * @zone: the zone
 * @order: the allocation order, at most CLAB_MAX_ORDER
 *
 * Compared against extfrag_threshold by compaction_suitable() for costly
 * orders. Reads nr_free without the zone lock.
 *
 * Return: -1000 .. 1000, see __clab_fragmentation_index().
 */
int clab_fragmentation_index(struct clab_zone *zone, unsigned int order)
{
	struct clab_contig_page_info info;

	clab_fill_contig_page_info(zone, order, &info);
	return __clab_fragmentation_index(order, &info);
}

/**
 * clab_extfrag_for_order() - percentage of free memory below @order
 * @zone: the zone
 * @order: the order of interest
 *
 * Reads nr_free without the zone lock.
 *
 * Return: 0 .. 100, the share of free pages in blocks smaller than @order;
 * 0 when nothing is free.
 */
unsigned int clab_extfrag_for_order(struct clab_zone *zone,
				    unsigned int order)
{
	struct clab_contig_page_info info;

	clab_fill_contig_page_info(zone, order, &info);
	if (!info.free_pages)
		return 0;

	return div_u64((info.free_pages -
			(info.free_blocks_suitable << order)) * 100,
		       info.free_pages);
}

/**
 * clab_fragmentation_score_zone() - proactive compaction score of a zone
 * @zone: the zone
 *
 * COMPACTION_HPAGE_ORDER is the pageblock order here: the arena has no
 * transparent huge pages of its own.
 *
 * Return: 0 .. 100, clab_extfrag_for_order() at the pageblock order.
 */
unsigned int clab_fragmentation_score_zone(struct clab_zone *zone)
{
	return clab_extfrag_for_order(zone, CLAB_PAGEBLOCK_ORDER);
}

/**
 * clab_fragmentation_score_zone_weighted() - a zone's share of its node's
 *	score
 * @zone: the zone
 *
 * Return: the zone's score weighted by its managed pages over its node's
 * pages (plus one, as the kernel divides by node_present_pages + 1).
 */
unsigned int clab_fragmentation_score_zone_weighted(struct clab_zone *zone)
{
	unsigned long score;

	score = zone->managed_pages * clab_fragmentation_score_zone(zone);
	return score / (zone->node->end - zone->node->start + 1);
}

/**
 * clab_fragmentation_score_node() - proactive compaction score of a node
 * @node: the node
 *
 * Return: 0 .. 100, the sum of the weighted scores of its populated zones.
 */
unsigned int clab_fragmentation_score_node(struct clab_node *node)
{
	unsigned int score = 0;
	int i;

	for (i = 0; i < CLAB_MAX_NR_ZONES; i++) {
		struct clab_zone *zone = &node->zones[i];

		if (!clab_zone_is_populated(zone))
			continue;
		score += clab_fragmentation_score_zone_weighted(zone);
	}
	return score;
}
