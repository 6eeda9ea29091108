/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extfrag.h - external fragmentation indices of a zone's free memory.
 *
 * The kernel's mm/vmstat.c and mm/compaction.c arithmetic, computed from
 * free_area[].nr_free only: the unusable free index and the fragmentation
 * index of /sys/kernel/debug/extfrag/, and the proactive compaction score.
 */
#ifndef _COMPACTLAB_EXTFRAG_H
#define _COMPACTLAB_EXTFRAG_H

#include <compactlab/env.h>
#include <compactlab/mmzone.h>

/**
 * struct clab_contig_page_info - a zone's free memory seen from one order
 * @free_pages: free base pages in blocks of every order
 * @free_blocks_total: free blocks of every order
 * @free_blocks_suitable: blocks of the suitable order that the free blocks
 *	of that order and above could provide
 */
struct clab_contig_page_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

void clab_fill_contig_page_info(struct clab_zone *zone,
				unsigned int suitable_order,
				struct clab_contig_page_info *info);
int clab_unusable_free_index(unsigned int order,
			     const struct clab_contig_page_info *info);
int __clab_fragmentation_index(unsigned int order,
			       const struct clab_contig_page_info *info);
int clab_fragmentation_index(struct clab_zone *zone, unsigned int order);
unsigned int clab_extfrag_for_order(struct clab_zone *zone,
				    unsigned int order);
unsigned int clab_fragmentation_score_zone(struct clab_zone *zone);
unsigned int clab_fragmentation_score_zone_weighted(struct clab_zone *zone);
unsigned int clab_fragmentation_score_node(struct clab_node *node);

#endif /* _COMPACTLAB_EXTFRAG_H */
