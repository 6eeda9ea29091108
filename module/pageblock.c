// SPDX-License-Identifier: GPL-2.0
/*
 * pageblock.c - pageblocks: their migratetype, and moving the free pages
 * of a whole pageblock to another migratetype's lists.
 */
#include <compactlab/mmzone.h>
#include "page_alloc_internal.h"

/**
 * clab_get_pageblock_migratetype() - migratetype of the block of a page
 * @mem: the shadow memory
 * @idx: arena index of any page of the block
 *
 * Racy without the zone lock, but always a valid type (as in the kernel).
 *
 * Return: the block's migratetype.
 */
int clab_get_pageblock_migratetype(struct clab_mem *mem, unsigned long idx)
{
	return READ_ONCE(clab_idx_to_pageblock(mem, idx)->migratetype);
}

/**
 * clab_set_pageblock_migratetype() - change a block's migratetype
 * @mem: the shadow memory
 * @idx: arena index of any page of the block
 * @migratetype: the new type
 *
 * The caller holds the zone lock and moves the free pages itself
 * (clab_move_freepages_block()).
 */
void clab_set_pageblock_migratetype(struct clab_mem *mem, unsigned long idx,
				    int migratetype)
{
	if (WARN_ON_ONCE(migratetype < 0 || migratetype >= CLAB_MIGRATE_TYPES))
		migratetype = CLAB_MIGRATE_UNMOVABLE;
	WRITE_ONCE(clab_idx_to_pageblock(mem, idx)->migratetype, migratetype);
}

/**
 * clab_move_freepages_block() - move a block's free pages to other lists
 * @zone: the zone, locked
 * @idx: arena index of any page of the block
 * @migratetype: the lists to move to
 * @num_movable: if not NULL, set to the count of allocated movable pages
 *	in the block
 *
 * Free blocks go to the tail of the target lists, as in the kernel.
 *
 * Return: the number of free pages moved; 0 if the block is not wholly
 * inside @zone.
 */
unsigned long clab_move_freepages_block(struct clab_zone *zone,
					unsigned long idx, int migratetype,
					int *num_movable)
{
	struct clab_mem *mem = clab_zone_mem(zone);
	unsigned long start = round_down(idx, CLAB_PAGEBLOCK_PAGES);
	unsigned long end = start + CLAB_PAGEBLOCK_PAGES;
	unsigned long moved = 0;

	lockdep_assert_held(&zone->lock);
	if (num_movable)
		*num_movable = 0;
	if (start < zone->start || end > zone->end)
		return 0;
	idx = start;
	while (idx < end) {
		struct clab_page *page = clab_idx_to_page(mem, idx);

		if (!clab_page_is_buddy(page)) {
			if (num_movable &&
			    (clab_page_test(page, CLAB_PG_HEAD) ||
			     clab_page_test(page, CLAB_PG_TAIL)) &&
			    page->migratetype == CLAB_MIGRATE_MOVABLE)
				(*num_movable)++;
			idx++;
			continue;
		}
		__clab_move_to_free_list(zone, page, page->order, migratetype);
		moved += 1UL << page->order;
		idx += 1UL << page->order;
	}
	return moved;
}
