/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layout.h - a page layout: what every page of a pfn range was, and the
 * migratetype of every pageblock, with no page contents.
 *
 * A layout comes from the running kernel's own memory (module/kclone.c
 * reads a zone of it), from a snapshot file (snapshot.c decodes one), or
 * from the arena itself (clab_layout_capture()). clab_layout_apply() gives
 * an empty arena the same layout, page offset for page offset: free blocks
 * free with their order, movable pages as movable pages of the clone owner,
 * everything else as unmovable blocks, the pageblock types as they were.
 *
 * Page i of a layout is the source's pfn @start_pfn + i, and arena page i.
 * @start_pfn is a multiple of the largest block (1 << CLAB_MAX_ORDER
 * pages), so the source's buddy alignment is the arena's.
 */
#ifndef _COMPACTLAB_LAYOUT_H
#define _COMPACTLAB_LAYOUT_H

#include <compactlab/env.h>
#include <compactlab/arena.h>
#include <compactlab/page.h>

/**
 * enum clab_layout_kind - what a page of the source was
 * @CLAB_LK_HOLE: no usable page: outside the zone, a hole, offline memory,
 *	or a page of another zone inside this one's span
 * @CLAB_LK_FREE: in a free buddy block
 * @CLAB_LK_PCP: in a free block on a per-CPU list
 * @CLAB_LK_ANON: an anonymous page on an LRU list (movable)
 * @CLAB_LK_FILE: a page-cache page on an LRU list (movable)
 * @CLAB_LK_MOVABLE: a movable page off the LRU (non-LRU movable, or an
 *	LRU page isolated at the time of reading)
 * @CLAB_LK_PINNED: an LRU page pinned for DMA: movable type, cannot move
 * @CLAB_LK_SLAB: a slab page
 * @CLAB_LK_PGTABLE: a page table
 * @CLAB_LK_RESERVED: a reserved page (PG_reserved)
 * @CLAB_LK_HUGETLB: a hugetlbfs page
 * @CLAB_LK_UNMOVABLE: any other page in use (kernel allocations)
 * @CLAB_LK_NR: the number of kinds
 *
 * The values are part of the snapshot format (Documentation/snapshot.rst):
 * new kinds are added at the end.
 */
enum clab_layout_kind {
	CLAB_LK_HOLE,
	CLAB_LK_FREE,
	CLAB_LK_PCP,
	CLAB_LK_ANON,
	CLAB_LK_FILE,
	CLAB_LK_MOVABLE,
	CLAB_LK_PINNED,
	CLAB_LK_SLAB,
	CLAB_LK_PGTABLE,
	CLAB_LK_RESERVED,
	CLAB_LK_HUGETLB,
	CLAB_LK_UNMOVABLE,
	CLAB_LK_NR
};

/* clab_layout_page.order of a page that is not the first of its block. */
#define CLAB_LAYOUT_TAIL	0xff

/**
 * struct clab_layout_page - one page of a layout
 * @kind: enum clab_layout_kind
 * @order: the block's order on its first page, CLAB_LAYOUT_TAIL on the
 *	others; a free block's buddy order, a compound page's order, 0 for a
 *	page that is a block of its own
 */
struct clab_layout_page {
	u8 kind;
	u8 order;
};

/**
 * struct clab_layout - a page layout
 * @start_pfn: the source pfn of page 0, a multiple of 1 << CLAB_MAX_ORDER
 * @nr_pages: pages, a multiple of the pageblock size
 * @pages: one entry per page (kvmalloc'ed)
 * @pageblock_mt: one CLAB_MIGRATE_* per pageblock (kvmalloc'ed)
 * @node: the source's node id
 * @zone: the source zone's name, NUL-terminated
 * @arch: the source machine's architecture (UTS machine), NUL-terminated
 * @release: the source kernel's release, NUL-terminated
 * @nr_changed: pages whose state differed between two readings of the
 *	source (how racy the clone was); 0 for a layout read from the arena
 */
struct clab_layout {
	unsigned long start_pfn;
	unsigned long nr_pages;
	struct clab_layout_page *pages;
	u8 *pageblock_mt;
	u32 node;
	char zone[16];
	char arch[16];
	char release[64];
	unsigned long nr_changed;
};

/**
 * struct clab_layout_stats - what a layout holds, in pages
 * @kind: pages of each kind
 * @free_blocks: free blocks (FREE and PCP) of each order
 * @pageblocks: pageblocks of each migratetype
 */
struct clab_layout_stats {
	unsigned long kind[CLAB_LK_NR];
	unsigned long free_blocks[CLAB_MAX_ORDER + 1];
	unsigned long pageblocks[CLAB_MIGRATE_TYPES];
};

/* Page @i of @l starts a block of @kind and @order: write it and its tails. */
static inline void clab_layout_set_block(struct clab_layout *l, unsigned long i,
					 unsigned int kind, unsigned int order)
{
	unsigned long j;

	l->pages[i].kind = kind;
	l->pages[i].order = order;
	for (j = 1; j < 1UL << order; j++) {
		l->pages[i + j].kind = kind;
		l->pages[i + j].order = CLAB_LAYOUT_TAIL;
	}
}

static inline unsigned long clab_layout_nr_pageblocks(const struct clab_layout *l)
{
	return l->nr_pages >> CLAB_PAGEBLOCK_ORDER;
}

static inline bool clab_layout_kind_is_free(unsigned int kind)
{
	return kind == CLAB_LK_FREE || kind == CLAB_LK_PCP;
}

static inline bool clab_layout_kind_is_movable(unsigned int kind)
{
	return kind == CLAB_LK_ANON || kind == CLAB_LK_FILE ||
	       kind == CLAB_LK_MOVABLE || kind == CLAB_LK_PINNED;
}

int clab_layout_alloc(struct clab_layout *l, unsigned long start_pfn,
		      unsigned long nr_pages);
void clab_layout_free(struct clab_layout *l);
int clab_layout_check(const struct clab_layout *l, const char **why);
void clab_layout_count(const struct clab_layout *l,
		       struct clab_layout_stats *st);

struct clab_mem;
struct clab_layout_clone;

struct clab_layout_clone *clab_layout_prepare(struct clab_mem *mem);
void clab_layout_unprepare(struct clab_layout_clone *clone);
int clab_layout_apply(struct clab_mem *mem, const struct clab_layout *l,
		      const char **why);
int clab_layout_apply_prepared(struct clab_mem *mem, const struct clab_layout *l,
			       struct clab_layout_clone *clone, const char **why);
int clab_layout_capture(struct clab_mem *mem, struct clab_layout *l);
void clab_layout_release(struct clab_mem *mem);
unsigned long clab_layout_verify(struct clab_mem *mem);
unsigned long clab_layout_nr_cloned(struct clab_mem *mem);
bool clab_layout_source(struct clab_mem *mem, struct clab_layout *src);

#endif /* _COMPACTLAB_LAYOUT_H */
