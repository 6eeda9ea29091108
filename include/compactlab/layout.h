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
#include <compactlab/mmzone.h>
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

/* The largest watermark a layout's zone state may give, in pages. */
#define CLAB_LAYOUT_MAX_WMARK	BIT_ULL(40)

/*
 * The largest per-CPU high mark and batch it may give: the kernel's
 * batch is at most 63 and its high mark a share of the low watermark;
 * these bounds keep the list arithmetic (batch << free factor) in an int.
 */
#define CLAB_LAYOUT_MAX_PCP_HIGH	BIT(30)
#define CLAB_LAYOUT_MAX_PCP_BATCH	BIT(16)

/* The most source CPUs a layout's zone state describes. */
#define CLAB_LAYOUT_MAX_CPUS	65536

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
 * struct clab_layout_pcp - a block on a per-CPU list of the source
 * @idx: the block's first page in the layout
 * @cpu: the list set's CPU, as a rank among the source's possible CPUs
 * @order: the block's order
 * @migratetype: the list's migratetype (the block's, when the list takes
 *	blocks of every type)
 *
 * A layout's entries are in list order: per CPU and list, head first.
 */
struct clab_layout_pcp {
	unsigned long idx;
	u32 cpu;
	u8 order;
	u8 migratetype;
};

/**
 * struct clab_layout_cpu - a source CPU's per-CPU list set for the zone
 * @high: free back to the buddy allocator at this many pages
 * @batch: pages moved to or from the buddy allocator at once
 * @free_factor: 6.1's scaling of bulk frees (0 where the source kernel has
 *	none)
 */
struct clab_layout_cpu {
	u32 high;
	u32 batch;
	u32 free_factor;
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
 * @has_zone_state: the fields below are set (clab_layout_alloc_zone_state());
 *	a version 1 snapshot has none, and an applied layout without them
 *	leaves the arena's watermarks and per-CPU marks as they were and
 *	puts every per-CPU block on the applying CPU's lists
 * @wmark: the source zone's min, low and high watermarks, in pages,
 *	without the boost; all 0 for a window of a zone (a window has none
 *	of its own), which leaves the arena's as they are
 * @wmark_boost: the source zone's watermark boost
 * @nr_cpus: entries of @cpus: the source's possible CPUs
 * @cpus: each source CPU's list set (kvmalloc'ed)
 * @nr_pcp: entries of @pcp in use
 * @max_pcp: entries @pcp has room for
 * @pcp: the blocks on per-CPU lists, in list order (kvmalloc'ed)
 * @scratch: the reader's working memory, freed with the layout (kvmalloc'ed
 *	or NULL)
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
	bool has_zone_state;
	unsigned long wmark[CLAB_NR_WMARK];
	unsigned long wmark_boost;
	u32 nr_cpus;
	struct clab_layout_cpu *cpus;
	unsigned long nr_pcp;
	unsigned long max_pcp;
	struct clab_layout_pcp *pcp;
	void *scratch;
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
int clab_layout_alloc_zone_state(struct clab_layout *l, u32 nr_cpus,
				 unsigned long max_pcp);
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
void clab_layout_hold(struct clab_mem *mem, struct clab_layout *l);
int clab_layout_release(struct clab_mem *mem);
int clab_layout_cpu(u32 rank);
struct clab_layout_clone *clab_layout_pin(struct clab_mem *mem);
void clab_layout_unpin(struct clab_mem *mem);
struct clab_page *clab_layout_clone_get(struct clab_layout_clone *clone,
					unsigned long key);
unsigned long clab_layout_clone_hole_pages(struct clab_layout_clone *clone,
					   unsigned long key);
void clab_layout_clone_bind(struct clab_layout_clone *clone, unsigned long key,
			    struct clab_page *page, unsigned int kind);
struct clab_page *clab_layout_clone_unbind(struct clab_layout_clone *clone,
					   unsigned long key);
void clab_layout_clone_split(struct clab_layout_clone *clone,
			     unsigned long key);
unsigned long clab_layout_verify(struct clab_mem *mem);
unsigned long clab_layout_nr_cloned(struct clab_mem *mem);
bool clab_layout_source(struct clab_mem *mem, struct clab_layout *src);

#endif /* _COMPACTLAB_LAYOUT_H */
