// SPDX-License-Identifier: GPL-2.0
/*
 * layout.c - page layouts: checking and counting them, giving an empty
 * arena one (apply), reading one off the arena (capture), and the clone
 * owner that holds the movable pages of an applied layout.
 */
#include <compactlab/layout.h>
#include <compactlab/mmzone.h>

const char * const clab_layout_kind_names[CLAB_LK_NR] = {
	[CLAB_LK_HOLE] = "hole",
	[CLAB_LK_FREE] = "free",
	[CLAB_LK_PCP] = "pcp",
	[CLAB_LK_ANON] = "anon",
	[CLAB_LK_FILE] = "file",
	[CLAB_LK_MOVABLE] = "movable",
	[CLAB_LK_PINNED] = "pinned",
	[CLAB_LK_SLAB] = "slab",
	[CLAB_LK_PGTABLE] = "pgtable",
	[CLAB_LK_RESERVED] = "reserved",
	[CLAB_LK_HUGETLB] = "hugetlb",
	[CLAB_LK_UNMOVABLE] = "unmovable",
};

/**
 * clab_layout_alloc() - make an empty layout (every page a hole)
 * @l: the layout to fill in; its other fields are zeroed
 * @start_pfn: source pfn of page 0, a multiple of 1 << CLAB_MAX_ORDER
 * @nr_pages: pages, a positive multiple of the pageblock size
 *
 * Every page starts as an order-0 hole and every pageblock as unmovable.
 *
 * Return: 0, -EINVAL for a misaligned range, -ENOMEM.
 */
int clab_layout_alloc(struct clab_layout *l, unsigned long start_pfn,
		      unsigned long nr_pages)
{
	memset(l, 0, sizeof(*l));
	if (!nr_pages || !IS_ALIGNED(start_pfn, CLAB_CHUNK_PAGES) ||
	    !IS_ALIGNED(nr_pages, CLAB_PAGEBLOCK_PAGES))
		return -EINVAL;
	l->pages = kvcalloc(nr_pages, sizeof(*l->pages), GFP_KERNEL);
	l->pageblock_mt = kvcalloc(nr_pages >> CLAB_PAGEBLOCK_ORDER, 1,
				   GFP_KERNEL);
	if (!l->pages || !l->pageblock_mt) {
		clab_layout_free(l);
		return -ENOMEM;
	}
	l->start_pfn = start_pfn;
	l->nr_pages = nr_pages;
	return 0;
}

/**
 * clab_layout_free() - free a layout's arrays
 * @l: a layout from clab_layout_alloc(), or a zeroed one
 */
void clab_layout_free(struct clab_layout *l)
{
	kvfree(l->pages);
	kvfree(l->pageblock_mt);
	l->pages = NULL;
	l->pageblock_mt = NULL;
	l->nr_pages = 0;
}

/*
 * May a block of @kind have order @order? Free blocks up to the largest
 * order; a compound page (THP, hugetlb, slab, a movable folio) as large as
 * the kernel makes them; a hole is always order 0.
 */
static bool clab_layout_order_ok(unsigned int kind, unsigned int order)
{
	if (order > CLAB_MAX_ORDER)
		return false;
	return kind != CLAB_LK_HOLE || order == 0;
}

/**
 * clab_layout_check() - is a layout well formed?
 * @l: the layout
 * @why: set to a human-readable reason when it is not
 *
 * Every kind and pageblock type is known; every block starts on a page
 * aligned to its order, lies inside the layout and inside one pageblock
 * or a run of whole pageblocks, and its other pages are tails of the same
 * kind; no tail stands without its block.
 *
 * Return: 0, or -EINVAL.
 */
int clab_layout_check(const struct clab_layout *l, const char **why)
{
	unsigned long i, j, n;

	if (!l->nr_pages || !IS_ALIGNED(l->start_pfn, CLAB_CHUNK_PAGES) ||
	    !IS_ALIGNED(l->nr_pages, CLAB_PAGEBLOCK_PAGES)) {
		*why = "the range is not aligned to the largest block and the pageblock size";
		return -EINVAL;
	}
	for (i = 0; i < clab_layout_nr_pageblocks(l); i++) {
		if (l->pageblock_mt[i] >= CLAB_MIGRATE_TYPES ||
		    l->pageblock_mt[i] == CLAB_MIGRATE_ISOLATE) {
			*why = "a pageblock has an unknown or isolated migratetype";
			return -EINVAL;
		}
	}
	for (i = 0; i < l->nr_pages; i += n) {
		const struct clab_layout_page *p = &l->pages[i];

		if (p->kind >= CLAB_LK_NR) {
			*why = "a page has an unknown kind";
			return -EINVAL;
		}
		if (p->order == CLAB_LAYOUT_TAIL) {
			*why = "a tail page without its block";
			return -EINVAL;
		}
		if (!clab_layout_order_ok(p->kind, p->order)) {
			*why = "a block's order is too large for its kind";
			return -EINVAL;
		}
		n = 1UL << p->order;
		if (!IS_ALIGNED(i, n) || n > l->nr_pages - i) {
			*why = "a block is misaligned or runs past the end";
			return -EINVAL;
		}
		for (j = 1; j < n; j++) {
			if (p[j].kind != p->kind ||
			    p[j].order != CLAB_LAYOUT_TAIL) {
				*why = "a block's pages are not all its tails";
				return -EINVAL;
			}
		}
		if ((i & 1023) == 0)
			cond_resched();
	}
	return 0;
}

/**
 * clab_layout_count() - what a layout holds
 * @l: a well-formed layout (clab_layout_check())
 * @st: filled in
 */
void clab_layout_count(const struct clab_layout *l,
		       struct clab_layout_stats *st)
{
	unsigned long i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < l->nr_pages; i++) {
		const struct clab_layout_page *p = &l->pages[i];

		st->kind[p->kind]++;
		if (p->order != CLAB_LAYOUT_TAIL &&
		    clab_layout_kind_is_free(p->kind))
			st->free_blocks[p->order]++;
	}
	for (i = 0; i < clab_layout_nr_pageblocks(l); i++)
		st->pageblocks[l->pageblock_mt[i]]++;
}
