/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page_alloc_internal.h - helpers shared by the page allocator's files
 * (page_alloc.c, pageblock.c, watermark.c, zones.c, layout.c) and nobody
 * else.
 */
#ifndef _CLAB_PAGE_ALLOC_INTERNAL_H
#define _CLAB_PAGE_ALLOC_INTERNAL_H

#include <compactlab/mmzone.h>

static inline struct clab_mem *clab_zone_mem(const struct clab_zone *zone)
{
	return zone->node->mem;
}

struct clab_capture_control;
void __clab_free_one_page(struct clab_zone *zone, unsigned long idx,
			  unsigned int order, int migratetype, bool to_tail,
			  struct clab_capture_control *capc);
struct clab_zone *clab_next_zone(struct clab_mem *mem, int nid,
				 unsigned int gfp, unsigned int *cursor);
unsigned int clab_alloc_flags_nofragment(struct clab_mem *mem, int nid,
					 unsigned int gfp);
struct clab_page *clab_get_page_from_freelist(struct clab_mem *mem, int nid,
					      unsigned int gfp, unsigned int order,
					      unsigned int alloc_flags);
unsigned int clab_gfp_to_alloc_flags(unsigned int gfp, unsigned int order);

void __clab_add_to_free_list(struct clab_zone *zone, struct clab_page *page,
			     unsigned int order, int migratetype, bool tail);
void __clab_del_from_free_list(struct clab_zone *zone, struct clab_page *page,
			       unsigned int order);
void __clab_move_to_free_list(struct clab_zone *zone, struct clab_page *page,
			      unsigned int order, int migratetype);
int clab_zone_batchsize(const struct clab_zone *zone);
void clab_prep_claimed_block(struct clab_mem *mem, struct clab_page *page,
			     unsigned int order, int mt);
void clab_init_min_free_kbytes(struct clab_mem *mem);

#endif /* _CLAB_PAGE_ALLOC_INTERNAL_H */
