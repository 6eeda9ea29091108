// SPDX-License-Identifier: GPL-2.0
/*
 * kclone.c - read a zone of the running kernel into a page layout
 * (include/compactlab/layout.h), for the arena to be given the same one.
 *
 * Read-only: the kernel's struct pages, free lists, per-CPU lists and
 * pageblock bits are read, never written, and no page's contents are
 * touched. What is read and how far it can be trusted:
 *
 * - Free buddy blocks: PageBuddy() heads and their order (page_private(),
 *   which the kernel documents as the buddy order), read under zone->lock,
 *   one 1 << CLAB_MAX_ORDER block of pfns at a time, so that each such
 *   block is a consistent picture of the free lists; the lock is dropped
 *   and the CPU offered between blocks.
 * - Per-CPU free pages: each CPU's zone->per_cpu_pageset lists walked under
 *   pcp->lock, which is never taken inside zone->lock (the kernel takes
 *   pcp->lock first). The order of a list is its index's: the low-order
 *   lists hold MIGRATE_PCPTYPES lists per order, the lists after them
 *   PMD-sized pages.
 * - Everything else is read as the kernel's own lockless pfn walkers
 *   (compaction's migrate scanner, /proc/kpageflags) read it: racily.
 *   A compound order is kept only when it is positive, at most
 *   CLAB_MAX_ORDER and the head is aligned to it, else the page counts as
 *   a block of its own. A compound page larger than the largest buddy
 *   block (a gigantic hugetlb page) is cut into CLAB_MAX_ORDER blocks.
 *   A block that would run past the window's end is cut to the largest
 *   aligned block that does not.
 *
 * Kinds, first match wins: no online page of this zone -> HOLE; PageBuddy
 * -> FREE; on a per-CPU list -> PCP; PG_reserved -> RESERVED; hugetlb ->
 * HUGETLB; slab -> SLAB; page table -> PGTABLE; on an LRU list -> PINNED
 * if folio_maybe_dma_pinned(), else ANON or FILE; non-LRU movable
 * (__PageMovable(), balloon and zsmalloc pages) -> MOVABLE; PageOffline
 * (logically offline, e.g. unplugged by virtio-mem) -> HOLE; a page with a
 * reference and a mapping (an LRU page isolated or not yet on its list) ->
 * MOVABLE; anything else (kernel allocations, free pages in transit) ->
 * UNMOVABLE. Tail pages take the kind of their head.
 *
 * Pageblock migratetypes come from the section's usemap bits, as the
 * kernel stores them (get_pfnblock_flags_mask() is not exported): the
 * low bits of each pageblock's NR_PAGEBLOCK_BITS. The kernel's types map
 * to the layout's:
 *
 *	MIGRATE_UNMOVABLE	-> CLAB_MIGRATE_UNMOVABLE
 *	MIGRATE_MOVABLE		-> CLAB_MIGRATE_MOVABLE
 *	MIGRATE_RECLAIMABLE	-> CLAB_MIGRATE_RECLAIMABLE
 *	MIGRATE_HIGHATOMIC	-> CLAB_MIGRATE_HIGHATOMIC
 *	MIGRATE_CMA (arm64)	-> CLAB_MIGRATE_MOVABLE: the arena has no CMA;
 *				   CMA blocks take only movable allocations
 *	MIGRATE_ISOLATE		-> CLAB_MIGRATE_MOVABLE: isolation is
 *				   transient (memory offlining,
 *				   alloc_contig_range()), and isolated
 *				   blocks are movable or CMA ones in practice
 *	any other value		-> CLAB_MIGRATE_UNMOVABLE
 *
 * A pageblock whose first page is not an online page of the zone is
 * CLAB_MIGRATE_UNMOVABLE (as clab_layout_alloc() leaves it);
 * /proc/pagetypeinfo does not count such blocks.
 *
 * The window is read twice; out->nr_changed counts the pages whose
 * (kind, order) differ between the two readings, and the second reading
 * is the one kept.
 *
 * The zone state is read with the per-CPU lists: each list set's high
 * mark, batch and (6.1 only: clab_compat_pcp_free_factor()) free factor,
 * its blocks in list order, head first, and then the zone's watermarks and
 * boost under zone->lock (for a whole zone; a window's are 0, which leaves
 * the arena's own). A block met on two lists (it moved between CPUs
 * while they were read) is listed once; blocks beyond the room counted
 * before reading stay PCP without a list entry.
 *
 * No other version differences: every predicate used has the same name
 * and meaning on 6.1 and 6.12 and is inline or exported on both. PageSlab()
 * and PageHuge() (a page flag and an exported function on 6.1, page types
 * on 6.12) and compound_order() (page[1] on 6.1, folio->_flags_1 on 6.12)
 * are only ever asked of a head page; folio_maybe_dma_pinned() stands for
 * page_maybe_dma_pinned() (gone in 6.12) and __PageMovable() for
 * PageMovable() (not exported in 6.12).
 */
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/page-isolation.h>
#include <linux/pageblock-flags.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <compactlab/arena.h>
#include <compactlab/layout.h>
#include "kclone.h"

/**
 * struct clab_kclone_control - one clone of a kernel zone
 * @zone: the kernel zone read (never written)
 * @zone_start: its first pfn
 * @zone_end: its end pfn (exclusive)
 * @out: the layout filled in; its range is the window read
 */
struct clab_kclone_control {
	struct zone *zone;
	unsigned long zone_start;
	unsigned long zone_end;
	struct clab_layout *out;
};

/**
 * clab_kclone_migratetype_of() - a kernel migratetype as the arena's
 * @mt: MIGRATE_*
 *
 * Return: the CLAB_MIGRATE_* of the table in the file comment.
 */
u8 clab_kclone_migratetype_of(int mt)
{
	switch (mt) {
	case MIGRATE_UNMOVABLE:
		return CLAB_MIGRATE_UNMOVABLE;
	case MIGRATE_MOVABLE:
		return CLAB_MIGRATE_MOVABLE;
	case MIGRATE_RECLAIMABLE:
		return CLAB_MIGRATE_RECLAIMABLE;
	case MIGRATE_HIGHATOMIC:
		return CLAB_MIGRATE_HIGHATOMIC;
	}
	if (is_migrate_cma(mt) || is_migrate_isolate(mt))
		return CLAB_MIGRATE_MOVABLE;
	return CLAB_MIGRATE_UNMOVABLE;
}

/* The online page of @pfn if it belongs to the zone read, else NULL. */
static struct page *clab_kclone_page(const struct clab_kclone_control *cc,
				     unsigned long pfn)
{
	struct page *page;

	if (pfn < cc->zone_start || pfn >= cc->zone_end)
		return NULL;
	page = pfn_to_online_page(pfn);
	if (!page || page_zone(page) != cc->zone)
		return NULL;
	return page;
}

/*
 * The migratetype of the pageblock of @pfn, from its section's usemap.
 * Called with zone->lock held, under which the allocator changes the
 * bits; the section cannot go away meanwhile, as the lock keeps the CPU
 * in an RCU-sched read side, which hot-remove waits for.
 */
static u8 clab_kclone_migratetype(const struct clab_kclone_control *cc,
				  unsigned long pfn)
{
	unsigned long bit, word, *usemap;
	int mt;

	if (!clab_kclone_page(cc, pfn))
		return CLAB_MIGRATE_UNMOVABLE;
	usemap = section_to_usemap(__pfn_to_section(pfn));
	bit = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) *
	      NR_PAGEBLOCK_BITS;
	word = READ_ONCE(usemap[BIT_WORD(bit)]);
	mt = (word >> (bit % BITS_PER_LONG)) & MIGRATETYPE_MASK;
	return clab_kclone_migratetype_of(mt);
}

/*
 * The order a racily read block of @order at @pfn keeps: the kernel's
 * lockless readers' test (at most the largest order, aligned to it), else
 * 0; then lowered until the block ends by @limit, the window's end.
 */
static unsigned int clab_kclone_fit_order(unsigned long pfn,
					  unsigned long order,
					  unsigned long limit)
{
	if (order > CLAB_MAX_ORDER || !IS_ALIGNED(pfn, 1UL << order))
		return 0;
	while (order && pfn + (1UL << order) > limit)
		order--;
	return order;
}

/* The kind of a page in use, from its head (the file comment's order). */
static unsigned int clab_kclone_page_kind(struct page *head)
{
	if (PageReserved(head))
		return CLAB_LK_RESERVED;
	if (PageHuge(head))
		return CLAB_LK_HUGETLB;
	if (PageSlab(head))
		return CLAB_LK_SLAB;
	if (PageTable(head))
		return CLAB_LK_PGTABLE;
	if (PageLRU(head)) {
		if (folio_maybe_dma_pinned(page_folio(head)))
			return CLAB_LK_PINNED;
		return PageAnon(head) ? CLAB_LK_ANON : CLAB_LK_FILE;
	}
	if (__PageMovable(head))
		return CLAB_LK_MOVABLE;
	if (PageOffline(head))
		return CLAB_LK_HOLE;
	/* Racy, as the rest: a page cache or anon page off its LRU list. */
	if (page_ref_count(head) > 0 && READ_ONCE(head->mapping))
		return CLAB_LK_MOVABLE;
	return CLAB_LK_UNMOVABLE;
}

/*
 * The block that starts at @pfn: its kind, and its order in *@order.
 * Called with zone->lock held, so a free block is read consistently; the
 * rest is read racily (the file comment).
 */
static unsigned int clab_kclone_block(const struct clab_kclone_control *cc,
				      unsigned long pfn, unsigned long limit,
				      unsigned int *order)
{
	unsigned long horder, hpfn, o = 0;
	struct page *page, *head;
	unsigned int kind;

	lockdep_assert_held(&cc->zone->lock);
	*order = 0;
	page = clab_kclone_page(cc, pfn);
	if (!page)
		return CLAB_LK_HOLE;
	if (PageBuddy(page)) {
		*order = clab_kclone_fit_order(pfn, page_private(page), limit);
		return CLAB_LK_FREE;
	}
	head = compound_head(page);
	if (PageHead(head)) {
		horder = compound_order(head);
		hpfn = page_to_pfn(head);
		if (horder > CLAB_MAX_ORDER) {
			/* Gigantic: its CLAB_MAX_ORDER blocks, if whole. */
			if (horder < BITS_PER_LONG &&
			    IS_ALIGNED(hpfn, 1UL << horder) &&
			    pfn + CLAB_CHUNK_PAGES <= hpfn + (1UL << horder))
				o = CLAB_MAX_ORDER;
		} else if (head == page) {
			o = horder;
		}
		/* else a tail whose head was not read as one: order 0. */
		*order = clab_kclone_fit_order(pfn, o, limit);
	}
	kind = clab_kclone_page_kind(head);
	if (kind == CLAB_LK_HOLE)
		*order = 0;
	return kind;
}

/* Read pfns [@pfn, @end), inside one CLAB_MAX_ORDER block, under zone->lock. */
static void clab_kclone_read_chunk(const struct clab_kclone_control *cc,
				   unsigned long pfn, unsigned long end)
{
	struct clab_layout *l = cc->out;
	unsigned int kind, order;
	unsigned long flags, p;

	spin_lock_irqsave(&cc->zone->lock, flags);
	for (p = pfn; p < end; p += CLAB_PAGEBLOCK_PAGES)
		l->pageblock_mt[(p - l->start_pfn) >> CLAB_PAGEBLOCK_ORDER] =
			clab_kclone_migratetype(cc, p);
	for (p = pfn; p < end; p += 1UL << order) {
		kind = clab_kclone_block(cc, p, end, &order);
		clab_layout_set_block(l, p - l->start_pfn, kind, order);
	}
	spin_unlock_irqrestore(&cc->zone->lock, flags);
}

/*
 * The order of the pages on per-CPU list @pindex: MIGRATE_PCPTYPES lists
 * per order up to PAGE_ALLOC_COSTLY_ORDER, then PMD-sized pages.
 */
static unsigned int clab_kclone_pcp_order(unsigned int pindex)
{
	if (pindex < NR_LOWORDER_PCP_LISTS)
		return pindex / MIGRATE_PCPTYPES;
	return PMD_SHIFT - PAGE_SHIFT;
}

/*
 * The migratetype of the blocks on per-CPU list @pindex: the list's own
 * for the low orders; the PMD-sized lists take several types, so there
 * the block's pageblock type (layout page @i) stands for it.
 */
static u8 clab_kclone_pcp_migratetype(const struct clab_layout *l,
				      unsigned int pindex, unsigned long i)
{
	if (pindex < NR_LOWORDER_PCP_LISTS)
		return clab_kclone_migratetype_of(pindex % MIGRATE_PCPTYPES);
	return l->pageblock_mt[i >> CLAB_PAGEBLOCK_ORDER];
}

/*
 * A free page of @order at @pfn on list @pindex of the CPU of rank @rank:
 * mark it PCP and list it, provided that it lies in the window, in the
 * zone, covers whole blocks of this reading (the lists moved on since,
 * else) and was not met on another list already.
 */
static void clab_kclone_mark_pcp(const struct clab_kclone_control *cc,
				 unsigned long pfn, unsigned int pindex,
				 u32 rank)
{
	unsigned int order = clab_kclone_pcp_order(pindex);
	struct clab_layout *l = cc->out;
	unsigned long i, n = 1UL << order;

	if (order > CLAB_MAX_ORDER || !IS_ALIGNED(pfn, n) ||
	    pfn < l->start_pfn || pfn - l->start_pfn >= l->nr_pages ||
	    n > l->nr_pages - (pfn - l->start_pfn))
		return;
	i = pfn - l->start_pfn;
	if (l->pages[i].kind == CLAB_LK_HOLE ||
	    l->pages[i].kind == CLAB_LK_PCP ||
	    l->pages[i].order == CLAB_LAYOUT_TAIL ||
	    (i + n < l->nr_pages && l->pages[i + n].order == CLAB_LAYOUT_TAIL))
		return;
	clab_layout_set_block(l, i, CLAB_LK_PCP, order);
	if (l->nr_pcp < l->max_pcp)
		l->pcp[l->nr_pcp++] = (struct clab_layout_pcp) {
			.idx = i, .cpu = rank, .order = order,
			.migratetype = clab_kclone_pcp_migratetype(l, pindex, i),
		};
}

/*
 * Mark and list the pages on every CPU's lists of the zone, head first,
 * with each CPU's high mark, batch and free factor; takes each pcp->lock.
 * Then the zone's watermarks, under zone->lock.
 */
static void clab_kclone_read_pcp(const struct clab_kclone_control *cc)
{
	struct clab_layout *l = cc->out;
	struct per_cpu_pages *pcp;
	unsigned long flags;
	struct page *page;
	unsigned int i;
	u32 rank = 0;
	int cpu;

	l->nr_pcp = 0;
	for_each_possible_cpu(cpu) {
		if (rank == l->nr_cpus)
			break;
		pcp = per_cpu_ptr(cc->zone->per_cpu_pageset, cpu);
		spin_lock_irqsave(&pcp->lock, flags);
		l->cpus[rank].high = clamp_t(int, pcp->high, 0,
					     CLAB_LAYOUT_MAX_PCP_HIGH);
		l->cpus[rank].batch = clamp_t(int, pcp->batch, 1,
					      CLAB_LAYOUT_MAX_PCP_BATCH);
		l->cpus[rank].free_factor =
			min_t(u32, clab_compat_pcp_free_factor(pcp),
			      CLAB_PCP_BATCH_SCALE_MAX);
		for (i = 0; i < NR_PCP_LISTS; i++)
			list_for_each_entry(page, &pcp->lists[i], pcp_list)
				clab_kclone_mark_pcp(cc, page_to_pfn(page), i,
						     rank);
		spin_unlock_irqrestore(&pcp->lock, flags);
		rank++;
		cond_resched();
	}
	/* The watermarks are the whole zone's: a window has none (0). */
	if (l->start_pfn > cc->zone_start ||
	    l->start_pfn + l->nr_pages < cc->zone_end)
		return;
	spin_lock_irqsave(&cc->zone->lock, flags);
	l->wmark[CLAB_WMARK_MIN] = cc->zone->_watermark[WMARK_MIN];
	l->wmark[CLAB_WMARK_LOW] = cc->zone->_watermark[WMARK_LOW];
	l->wmark[CLAB_WMARK_HIGH] = cc->zone->_watermark[WMARK_HIGH];
	l->wmark_boost = cc->zone->watermark_boost;
	spin_unlock_irqrestore(&cc->zone->lock, flags);
}

/*
 * Room for the zone's per-CPU blocks: a list set holds at most its high
 * mark plus a batch and a PMD-sized block, read racily here; twice that
 * for the lists growing meanwhile, at most one per page.
 */
static unsigned long clab_kclone_max_pcp(const struct clab_kclone_control *cc)
{
	unsigned long max = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct per_cpu_pages *pcp =
			per_cpu_ptr(cc->zone->per_cpu_pageset, cpu);

		max += 2 * (max(READ_ONCE(pcp->count), READ_ONCE(pcp->high)) +
			    READ_ONCE(pcp->batch) + (1UL << (PMD_SHIFT - PAGE_SHIFT)));
	}
	return min(max, cc->out->nr_pages);
}

/* One reading of the whole window into cc->out. Return: 0 or -EINTR. */
static int clab_kclone_read(const struct clab_kclone_control *cc)
{
	const struct clab_layout *l = cc->out;
	unsigned long pfn, end = l->start_pfn + l->nr_pages;

	for (pfn = l->start_pfn; pfn < end; pfn += CLAB_CHUNK_PAGES) {
		clab_kclone_read_chunk(cc, pfn,
				       min(pfn + CLAB_CHUNK_PAGES, end));
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	clab_kclone_read_pcp(cc);
	return 0;
}

/* The populated zone @req names, in *@zonep. */
static int clab_kclone_find_zone(const struct clab_kclone_request *req,
				 struct zone **zonep, const char **why)
{
	struct zone *zone;
	size_t len;
	int z;

	if (req->nid < 0 || req->nid >= MAX_NUMNODES ||
	    !node_online(req->nid)) {
		*why = "no such online node";
		return -ENODEV;
	}
	len = strnlen(req->zone, sizeof(req->zone));
	if (!len || len == sizeof(req->zone)) {
		*why = "the zone name is empty or not NUL-terminated";
		return -EINVAL;
	}
	for (z = 0; z < MAX_NR_ZONES; z++) {
		zone = &NODE_DATA(req->nid)->node_zones[z];
		if (!zone->name || strcmp(zone->name, req->zone))
			continue;
		if (!populated_zone(zone)) {
			*why = "the zone has no pages on this node";
			return -ENODEV;
		}
		*zonep = zone;
		return 0;
	}
	*why = "the node has no zone of that name";
	return -ENOENT;
}

/* The window of @req in @cc's zone, widened, in *@start and *@nr. */
static int clab_kclone_window(const struct clab_kclone_control *cc,
			      const struct clab_kclone_request *req,
			      unsigned long max_pages, unsigned long *start,
			      unsigned long *nr, const char **why)
{
	unsigned long first = req->start_pfn ?: cc->zone_start, last;

	if (first < cc->zone_start || first >= cc->zone_end) {
		*why = "start_pfn is outside the zone";
		return -ERANGE;
	}
	if (req->nr_pages && req->nr_pages < cc->zone_end - first)
		last = first + req->nr_pages;
	else
		last = cc->zone_end;
	first = round_down(first, CLAB_CHUNK_PAGES);
	last = round_up(last, CLAB_PAGEBLOCK_PAGES);
	max_pages = round_down(max_pages, CLAB_PAGEBLOCK_PAGES);
	if (last - first > max_pages) {
		if (req->nr_pages || !max_pages) {
			*why = "the window is larger than the clone may be";
			return -E2BIG;
		}
		last = first + max_pages;
	}
	*start = first;
	*nr = last - first;
	return 0;
}

/**
 * clab_kclone() - read a zone of the running kernel into a page layout
 * @req: the node, zone and pfn window (struct clab_kclone_request)
 * @max_pages: the most pages the layout may have: a window to the zone's
 *	end is cut there, a larger explicit one refused
 * @out: filled in (see the file comment); on error, left empty
 * @why: set to a human-readable reason on error
 *
 * Never changes any kernel state. Takes zone->lock and each CPU's
 * pcp->lock of the zone, briefly and one at a time; sleeps (allocation,
 * cond_resched()), so the caller may hold no spinlock.
 *
 * Return: 0; -ENODEV for an unknown or offline node or a zone with no
 * pages; -EINVAL for an empty zone name; -ENOENT for a zone name the node
 * does not have; -ERANGE for a start outside the zone; -E2BIG for a
 * window larger than @max_pages; -ENOMEM; -EINTR on a fatal signal.
 */
int clab_kclone(const struct clab_kclone_request *req, unsigned long max_pages,
		struct clab_layout *out, const char **why)
{
	struct clab_kclone_control cc = { .out = out };
	struct clab_layout_page *first;
	unsigned long start, nr, i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = clab_kclone_find_zone(req, &cc.zone, why);
	if (ret)
		return ret;
	cc.zone_start = cc.zone->zone_start_pfn;
	cc.zone_end = zone_end_pfn(cc.zone);
	ret = clab_kclone_window(&cc, req, max_pages, &start, &nr, why);
	if (ret)
		return ret;
	/* Every buffer before any lock: zone->lock forbids allocating. */
	ret = clab_layout_alloc(out, start, nr);
	if (!ret)
		ret = clab_layout_alloc_zone_state(out,
						   min_t(unsigned int, num_possible_cpus(),
							 CLAB_LAYOUT_MAX_CPUS),
						   clab_kclone_max_pcp(&cc));
	if (ret) {
		*why = "no memory for the layout";
		goto free_layout;
	}
	first = kvmalloc_array(nr, sizeof(*first), GFP_KERNEL);
	if (!first) {
		*why = "no memory for the layout";
		ret = -ENOMEM;
		goto free_layout;
	}
	ret = clab_kclone_read(&cc);
	if (ret)
		goto free_first;
	memcpy(first, out->pages, nr * sizeof(*first));
	ret = clab_kclone_read(&cc);
	if (ret)
		goto free_first;
	for (i = 0; i < nr; i++)
		if (first[i].kind != out->pages[i].kind ||
		    first[i].order != out->pages[i].order)
			out->nr_changed++;
	/* Freed with the layout, which the caller may hold on to. */
	out->scratch = first;

	out->node = req->nid;
	strscpy(out->zone, cc.zone->name, sizeof(out->zone));
	strscpy(out->arch, utsname()->machine, sizeof(out->arch));
	strscpy(out->release, utsname()->release, sizeof(out->release));
	ret = clab_layout_check(out, why);
	if (WARN_ON_ONCE(ret))
		goto free_layout;
	return 0;

free_first:
	kvfree(first);
	*why = "interrupted by a fatal signal";
free_layout:
	clab_layout_free(out);
	return ret;
}

/**
 * clab_kclone_reread() - read the same window again into a layout
 * @req: the request that made @l with clab_kclone()
 * @l: a layout clab_kclone() filled; read again in place, once
 * @why: set to a human-readable reason on error
 *
 * For a reader that samples the kernel again and again (the live mirror):
 * allocates nothing, so the reading itself changes nothing it reads. The
 * per-CPU list entries that do not fit in the room @l has stay PCP
 * without an entry; @l->nr_changed is left as it was.
 *
 * Return: 0; -ERANGE when the zone's window is no longer @l's; the errors
 * of clab_kclone() otherwise.
 */
int clab_kclone_reread(const struct clab_kclone_request *req,
		       struct clab_layout *l, const char **why)
{
	struct clab_kclone_control cc = { .out = l };
	unsigned long start, nr;
	int ret;

	ret = clab_kclone_find_zone(req, &cc.zone, why);
	if (ret)
		return ret;
	cc.zone_start = cc.zone->zone_start_pfn;
	cc.zone_end = zone_end_pfn(cc.zone);
	ret = clab_kclone_window(&cc, req, l->nr_pages, &start, &nr, why);
	if (ret)
		return ret;
	if (start != l->start_pfn || nr != l->nr_pages) {
		*why = "the zone's span changed (memory hotplug?)";
		return -ERANGE;
	}
	ret = clab_kclone_read(&cc);
	if (ret)
		*why = "interrupted by a fatal signal";
	return ret;
}
