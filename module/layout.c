// SPDX-License-Identifier: GPL-2.0
/*
 * layout.c - page layouts: checking and counting them, giving an empty
 * arena one (apply), reading one off the arena (capture), and the clone
 * owner that holds the movable pages of an applied layout.
 */
#include <compactlab/layout.h>
#include <compactlab/mmzone.h>
#include <compactlab/owner.h>
#include "page_alloc_internal.h"

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
 * clab_layout_alloc_zone_state() - give a layout room for its zone state
 * @l: a layout from clab_layout_alloc()
 * @nr_cpus: the source's possible CPUs, at least 1
 * @max_pcp: room for this many per-CPU blocks
 *
 * Sets @l->has_zone_state, with every CPU's list set zeroed and no
 * per-CPU block listed yet.
 *
 * Return: 0, -EINVAL for no CPU or more than CLAB_LAYOUT_MAX_CPUS,
 * -ENOMEM.
 */
int clab_layout_alloc_zone_state(struct clab_layout *l, u32 nr_cpus,
				 unsigned long max_pcp)
{
	if (!nr_cpus || nr_cpus > CLAB_LAYOUT_MAX_CPUS)
		return -EINVAL;
	l->cpus = kvcalloc(nr_cpus, sizeof(*l->cpus), GFP_KERNEL);
	l->pcp = kvcalloc(max(max_pcp, 1UL), sizeof(*l->pcp), GFP_KERNEL);
	if (!l->cpus || !l->pcp) {
		kvfree(l->cpus);
		kvfree(l->pcp);
		l->cpus = NULL;
		l->pcp = NULL;
		return -ENOMEM;
	}
	l->has_zone_state = true;
	l->nr_cpus = nr_cpus;
	l->nr_pcp = 0;
	l->max_pcp = max_pcp;
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
	kvfree(l->cpus);
	kvfree(l->pcp);
	kvfree(l->scratch);
	l->pages = NULL;
	l->pageblock_mt = NULL;
	l->cpus = NULL;
	l->pcp = NULL;
	l->scratch = NULL;
	l->nr_pages = 0;
	l->has_zone_state = false;
	l->nr_cpus = 0;
	l->nr_pcp = 0;
	l->max_pcp = 0;
}

/* Is the zone state of @l (if any) one an arena can take? */
static int clab_layout_check_zone_state(const struct clab_layout *l,
					const char **why)
{
	unsigned long i;

	if (!l->has_zone_state)
		return 0;
	if (l->wmark[CLAB_WMARK_MIN] > l->wmark[CLAB_WMARK_LOW] ||
	    l->wmark[CLAB_WMARK_LOW] > l->wmark[CLAB_WMARK_HIGH] ||
	    l->wmark[CLAB_WMARK_HIGH] > CLAB_LAYOUT_MAX_WMARK ||
	    l->wmark_boost > CLAB_LAYOUT_MAX_WMARK) {
		*why = "the zone's watermarks are out of order or beyond 2^40 pages";
		return -EINVAL;
	}
	for (i = 0; i < l->nr_cpus; i++) {
		const struct clab_layout_cpu *c = &l->cpus[i];

		if (c->high > CLAB_LAYOUT_MAX_PCP_HIGH || !c->batch ||
		    c->batch > CLAB_LAYOUT_MAX_PCP_BATCH ||
		    c->free_factor > CLAB_PCP_BATCH_SCALE_MAX) {
			*why = "a CPU's per-CPU high mark, batch or free factor is out of range";
			return -EINVAL;
		}
	}
	if (l->nr_pcp > l->max_pcp) {
		*why = "more per-CPU blocks than room for them";
		return -EINVAL;
	}
	for (i = 0; i < l->nr_pcp; i++) {
		const struct clab_layout_pcp *e = &l->pcp[i];

		if (e->idx >= l->nr_pages || e->cpu >= l->nr_cpus ||
		    l->pages[e->idx].kind != CLAB_LK_PCP ||
		    l->pages[e->idx].order != e->order ||
		    e->migratetype >= CLAB_MIGRATE_TYPES ||
		    e->migratetype == CLAB_MIGRATE_ISOLATE) {
			*why = "a per-CPU entry names no per-CPU block, an unknown CPU or type";
			return -EINVAL;
		}
	}
	return 0;
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
	return clab_layout_check_zone_state(l, why);
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

/*
 * The clone: the blocks an applied layout put in the arena, keyed by the
 * layout index of the block's first page, and the owner of its movable
 * ones. Their contents are our own pattern (never the source's): the
 * pattern of key k is clab_clone_pattern(k, word), so a migration that
 * loses or mixes contents shows in clab_layout_verify().
 */
struct clab_layout_clone {
	struct clab_owner owner;
	atomic_t refs;
	struct mutex lock;	/* @slots, and the clone pages' owner fields */
	struct clab_mem *mem;
	unsigned long nr_keys;
	struct clab_page **slots;
	u8 *kinds;
	struct clab_layout src;
	struct clab_layout held;
	bool pinned;
	struct rcu_head rcu;
};

static u64 clab_clone_pattern(unsigned long key, unsigned long word)
{
	return (u64)key * 0xd6e8feb86659fd93ULL + word + 1;
}

static struct clab_layout_clone *owner_to_clone(struct clab_owner *owner)
{
	return container_of(owner, struct clab_layout_clone, owner);
}

static bool clab_clone_tryget(struct clab_owner *owner)
{
	return atomic_inc_not_zero(&owner_to_clone(owner)->refs);
}

static void clab_clone_put(struct clab_layout_clone *clone)
{
	if (!atomic_dec_and_test(&clone->refs))
		return;
	kvfree(clone->slots);
	kvfree(clone->kinds);
	clab_layout_free(&clone->held);
	kfree_rcu(clone, rcu);
}

static void clab_clone_owner_put(struct clab_owner *owner)
{
	clab_clone_put(owner_to_clone(owner));
}

static bool clab_clone_trylock(struct clab_owner *owner, struct clab_page *page)
{
	return mutex_trylock(&owner_to_clone(owner)->lock);
}

static void clab_clone_lock(struct clab_owner *owner, struct clab_page *page)
{
	mutex_lock(&owner_to_clone(owner)->lock);
}

static void clab_clone_unlock(struct clab_owner *owner, struct clab_page *page)
{
	mutex_unlock(&owner_to_clone(owner)->lock);
}

static bool clab_clone_owns(struct clab_owner *owner, struct clab_page *page)
{
	struct clab_layout_clone *clone = owner_to_clone(owner);

	lockdep_assert_held(&clone->lock);
	return page->owner == owner && page->private < clone->nr_keys &&
	       clone->slots[page->private] == page;
}

/* Nobody maps clone pages. */
static void clab_clone_unmap(struct clab_owner *owner, struct clab_page *page)
{
	lockdep_assert_held(&owner_to_clone(owner)->lock);
}

static void clab_clone_move(struct clab_owner *owner, struct clab_page *old,
			    struct clab_page *new)
{
	struct clab_layout_clone *clone = owner_to_clone(owner);

	if (WARN_ON_ONCE(!clab_clone_owns(owner, old)))
		return;
	new->private = old->private;
	WRITE_ONCE(new->owner, owner);
	WRITE_ONCE(clone->slots[old->private], new);
}

static const struct clab_owner_ops clab_clone_owner_ops = {
	.tryget = clab_clone_tryget,
	.put = clab_clone_owner_put,
	.trylock = clab_clone_trylock,
	.lock = clab_clone_lock,
	.unlock = clab_clone_unlock,
	.owns = clab_clone_owns,
	.unmap = clab_clone_unmap,
	.move = clab_clone_move,
	.drop = NULL,
};

/*
 * The migratetype a block of @kind was allocated with. The source does not
 * say; a slab page in a reclaimable pageblock is taken for a reclaimable
 * cache, every other page that is not movable for an unmovable one.
 */
static int clab_layout_alloc_mt(unsigned int kind, int block_mt)
{
	if (clab_layout_kind_is_movable(kind))
		return CLAB_MIGRATE_MOVABLE;
	if (kind == CLAB_LK_SLAB && block_mt == CLAB_MIGRATE_RECLAIMABLE)
		return CLAB_MIGRATE_RECLAIMABLE;
	return CLAB_MIGRATE_UNMOVABLE;
}

static void clab_layout_fill(struct clab_mem *mem, unsigned long idx,
			     unsigned long key, unsigned int order)
{
	const unsigned long words = CLAB_PAGE_SIZE / sizeof(u64);
	unsigned long i, w;

	if (!clab_arena_has_contents(mem->arena))
		return;
	for (i = 0; i < 1UL << order; i++) {
		u64 *p = clab_arena_page_address(mem->arena, idx + i);

		for (w = 0; w < words; w++)
			p[w] = clab_clone_pattern(key, i * words + w);
	}
}

/* Make the taken pages [idx, idx + 2^order) one allocated block of @clone. */
static void clab_layout_claim(struct clab_layout_clone *clone, unsigned long idx,
			      unsigned int order, unsigned int kind)
{
	struct clab_mem *mem = clone->mem;
	struct clab_page *page = clab_idx_to_page(mem, idx);
	int mt = clab_layout_alloc_mt(kind,
				      clab_get_pageblock_migratetype(mem, idx));

	clab_prep_claimed_block(mem, page, order, mt);
	clone->slots[idx] = page;
	clone->kinds[idx] = kind;
	if (!clab_layout_kind_is_movable(kind))
		return;
	if (kind == CLAB_LK_PINNED)
		set_bit(CLAB_PG_PINNED, &page->flags);
	clab_layout_fill(mem, idx, idx, order);
	page->private = idx;
	WRITE_ONCE(page->owner, &clone->owner);
}

/* Free the taken pages [idx, idx + 2^order) as one block, merging. */
static void clab_layout_give(struct clab_mem *mem, unsigned long idx,
			     unsigned int order)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, idx);
	unsigned long i, flags;

	for (i = 0; i < 1UL << order; i++)
		clab_idx_to_page(mem, idx + i)->flags = 0;
	spin_lock_irqsave(&zone->lock, flags);
	__clab_free_one_page(zone, idx, order,
			     clab_get_pageblock_migratetype(mem, idx), true,
			     NULL);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * Put the taken pages [idx, idx + 2^order) on @cpu's per-CPU list for
 * migratetype @mt, after the blocks already there: off the buddy lists,
 * where no free scanner isolates them and nothing merges with them until
 * a drain. An order the lists do not take is freed to the buddy instead.
 */
static void clab_layout_put_pcp(struct clab_mem *mem, unsigned long idx,
				unsigned int order, int cpu, int mt)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, idx);
	struct clab_page *page = clab_idx_to_page(mem, idx);
	struct clab_per_cpu_pages *pcp;
	unsigned long i, flags;

	if (!clab_pcp_allowed_order(order)) {
		clab_layout_give(mem, idx, order);
		return;
	}
	for (i = 0; i < 1UL << order; i++)
		clab_idx_to_page(mem, idx + i)->flags = 0;
	pcp = per_cpu_ptr(zone->pcp, cpu);
	spin_lock_irqsave(&pcp->lock, flags);
	page->migratetype = mt;
	page->order = order;
	__clab_page_set(page, CLAB_PG_PCP);
	list_add_tail(&page->lru,
		      &pcp->lists[clab_order_to_pindex(mt < CLAB_MIGRATE_PCPTYPES ?
						       mt : CLAB_MIGRATE_MOVABLE,
						       order)]);
	pcp->count += 1 << order;
	spin_unlock_irqrestore(&pcp->lock, flags);
}

/* A per-CPU block no list entry places: onto the applying CPU's lists. */
static void clab_layout_give_pcp(struct clab_mem *mem, unsigned long idx,
				 unsigned int order)
{
	clab_layout_put_pcp(mem, idx, order, get_cpu(),
			    clab_get_pageblock_migratetype(mem, idx));
	put_cpu();
}

/**
 * clab_layout_cpu() - the arena CPU of a source CPU
 * @rank: the source CPU's rank among the source's possible CPUs
 *
 * Return: the CPU that takes the source CPU's per-CPU lists: the one of
 * rank @rank modulo this machine's possible CPUs (the same CPU, for a
 * clone of this machine).
 */
int clab_layout_cpu(u32 rank)
{
	unsigned int n = rank % num_possible_cpus();
	int cpu;

	for_each_possible_cpu(cpu)
		if (!n--)
			return cpu;
	return 0;
}

/*
 * Give the arena the zone state of @l: the watermarks and each CPU's
 * per-CPU marks, when the layout lies in one arena zone; then every
 * per-CPU block onto its CPU's list in the source's list order, and the
 * ones no entry names (a racy clone) onto this CPU's.
 *
 * The blocks waiting for their list are marked CLAB_LK_PCP in
 * @clone->kinds (slots no claimed block uses), and each is placed once:
 * a block already on a list may meanwhile have gone to the buddy (a
 * compaction running on the arena frees, and a bulk free moves it), so
 * its page flags cannot say whether it was placed.
 */
static void clab_layout_apply_zone_state(struct clab_mem *mem,
					 const struct clab_layout *l,
					 struct clab_layout_clone *clone)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, 0);
	unsigned long i, flags;
	u32 rank;

	if (zone == clab_idx_to_zone(mem, l->nr_pages - 1)) {
		/* A window of a zone has no watermarks of its own (all 0). */
		spin_lock_irqsave(&zone->lock, flags);
		if (l->wmark[CLAB_WMARK_HIGH]) {
			for (i = 0; i < CLAB_NR_WMARK; i++)
				zone->_watermark[i] = l->wmark[i];
			zone->watermark_boost = l->wmark_boost;
		}
		spin_unlock_irqrestore(&zone->lock, flags);
		for (rank = 0; rank < l->nr_cpus; rank++) {
			struct clab_per_cpu_pages *pcp =
				per_cpu_ptr(zone->pcp, clab_layout_cpu(rank));

			spin_lock_irqsave(&pcp->lock, flags);
			pcp->high = l->cpus[rank].high;
			pcp->batch = l->cpus[rank].batch;
			pcp->free_factor = l->cpus[rank].free_factor;
			spin_unlock_irqrestore(&pcp->lock, flags);
		}
	} else {
		pr_info("the layout spans several arena zones: they keep their own watermarks and per-CPU marks\n");
	}
	for (i = 0; i < l->nr_pcp; i++) {
		const struct clab_layout_pcp *e = &l->pcp[i];

		/* Placed already (listed twice: the lists moved while read)? */
		if (clone->kinds[e->idx] != CLAB_LK_PCP)
			continue;
		clone->kinds[e->idx] = CLAB_LK_FREE;
		clab_layout_put_pcp(mem, e->idx, e->order,
				    clab_layout_cpu(e->cpu), e->migratetype);
	}
	for (i = 0; i < l->nr_pages; i += 1UL << l->pages[i].order) {
		if (clone->kinds[i] == CLAB_LK_PCP) {
			clone->kinds[i] = CLAB_LK_FREE;
			clab_layout_give_pcp(mem, i, l->pages[i].order);
		}
		if ((i & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
}

static bool clab_arena_in_use(struct clab_mem *mem)
{
	return find_first_bit(mem->inuse, mem->arena->nr_pages) <
	       mem->arena->nr_pages;
}

static void __clab_layout_release(struct clab_mem *mem);

/**
 * clab_layout_prepare() - allocate what applying a layout needs
 * @mem: the shadow memory
 *
 * For a caller that reads its layout from the running kernel: allocating
 * afterwards would change the memory it just read. Pass the result to
 * clab_layout_apply_prepared(), or free it with clab_layout_unprepare().
 *
 * Return: the clone's tables, or NULL when memory is short.
 */
struct clab_layout_clone *clab_layout_prepare(struct clab_mem *mem)
{
	unsigned long n = mem->arena->nr_pages;
	struct clab_layout_clone *clone;

	clone = kzalloc(sizeof(*clone), GFP_KERNEL);
	if (!clone)
		return NULL;
	clone->slots = kvcalloc(n, sizeof(*clone->slots), GFP_KERNEL);
	clone->kinds = kvcalloc(n, 1, GFP_KERNEL);
	if (!clone->slots || !clone->kinds) {
		kvfree(clone->slots);
		kvfree(clone->kinds);
		kfree(clone);
		return NULL;
	}
	clone->owner.ops = &clab_clone_owner_ops;
	atomic_set(&clone->refs, 1);
	mutex_init(&clone->lock);
	clone->mem = mem;
	clone->nr_keys = n;
	return clone;
}

/**
 * clab_layout_unprepare() - free what clab_layout_prepare() allocated
 * @clone: its result, not applied
 */
void clab_layout_unprepare(struct clab_layout_clone *clone)
{
	clab_clone_put(clone);
}

/**
 * clab_layout_apply() - give the arena a layout
 * @mem: the shadow memory; nothing may be allocated in it but an earlier
 *	clone, which this replaces
 * @l: a layout at most as large as the arena
 * @why: set to a human-readable reason on failure
 *
 * clab_layout_prepare(), then clab_layout_apply_prepared().
 *
 * Return: as clab_layout_apply_prepared(), or -ENOMEM.
 */
int clab_layout_apply(struct clab_mem *mem, const struct clab_layout *l,
		      const char **why)
{
	struct clab_layout_clone *clone = clab_layout_prepare(mem);

	if (!clone) {
		*why = "out of memory for the clone's tables";
		return -ENOMEM;
	}
	return clab_layout_apply_prepared(mem, l, clone, why);
}

/**
 * clab_layout_apply_prepared() - give the arena a layout, tables allocated
 * @mem: the shadow memory; nothing may be allocated in it but an earlier
 *	clone, which this replaces
 * @l: a layout at most as large as the arena
 * @clone: from clab_layout_prepare() for @mem; consumed
 * @why: set to a human-readable reason on failure
 *
 * Arena page i becomes what page i of @l was: free blocks are freed with
 * their order (to the lists of their pageblock's type, where the buddy
 * merges them as it merges any free), per-CPU blocks go on a per-CPU list,
 * allocated blocks are allocated with their order, movable ones to the
 * clone owner, which fills them with its pattern; every pageblock takes
 * its type. A layout with a zone state also gives the arena zone it lies
 * in the source's watermarks and per-CPU marks, and puts each per-CPU
 * block on its source CPU's list (the CPU of the same rank, modulo this
 * machine's CPUs) in the source's list order; without one, per-CPU
 * blocks go on this CPU's lists. Arena pages past the layout
 * become unmovable holes, and no pageblock keeps a skip hint. On failure
 * the arena is left as it was. Allocates nothing.
 *
 * Return: 0; -EINVAL for a malformed layout, -ENOSPC when the arena is
 * too small, -EBUSY when the arena has allocations of its own.
 */
int clab_layout_apply_prepared(struct clab_mem *mem, const struct clab_layout *l,
			       struct clab_layout_clone *clone, const char **why)
{
	unsigned long idx, n, end = mem->arena->nr_pages;
	LIST_HEAD(taken);
	int ret;

	ret = clab_layout_check(l, why);
	if (ret)
		goto unprepare;
	if (l->nr_pages > end) {
		*why = "the arena is smaller than the layout: load with a larger arena_size";
		ret = -ENOSPC;
		goto unprepare;
	}
	clone->src = *l;
	clone->src.pages = NULL;
	clone->src.pageblock_mt = NULL;
	mutex_lock(&mem->clone_lock);
	if (mem->clone && mem->clone->pinned) {
		mutex_unlock(&mem->clone_lock);
		clab_clone_put(clone);
		*why = "the live mirror holds the clone: turn the mirror off first";
		return -EBUSY;
	}
	if (mem->clone)
		__clab_layout_release(mem);
	/*
	 * With every free block taken nothing can be allocated: what is in
	 * use now stays all there is until the blocks go back.
	 */
	clab_take_free_pages(mem, &taken);
	if (clab_arena_in_use(mem)) {
		clab_give_back_free_pages(mem, &taken);
		mutex_unlock(&mem->clone_lock);
		clab_clone_put(clone);
		*why = "the arena has allocations: close the users of /dev/compactlab first";
		return -EBUSY;
	}
	for (idx = 0; idx < end; idx += CLAB_PAGEBLOCK_PAGES) {
		clab_set_pageblock_migratetype(mem, idx, idx < l->nr_pages ?
					       l->pageblock_mt[idx >> CLAB_PAGEBLOCK_ORDER] :
					       CLAB_MIGRATE_UNMOVABLE);
		/* A new layout has no compaction history. */
		clab_idx_to_pageblock(mem, idx)->skip = false;
	}
	for (idx = 0; idx < end; idx += n) {
		unsigned int order, kind;
		unsigned long i;

		if (idx < l->nr_pages) {
			order = l->pages[idx].order;
			kind = l->pages[idx].kind;
		} else {
			/* The largest aligned blocks that fit. */
			order = __ffs(idx | CLAB_CHUNK_PAGES);
			while ((1UL << order) > end - idx)
				order--;
			kind = CLAB_LK_HOLE;
		}
		n = 1UL << order;
		if (kind == CLAB_LK_PCP && l->has_zone_state &&
		    clab_pcp_allowed_order(order)) {
			/* Onto its lists once all is in place, in their order. */
			for (i = 0; i < n; i++)
				clab_idx_to_page(mem, idx + i)->flags = 0;
			clone->kinds[idx] = CLAB_LK_PCP;
		} else if (kind == CLAB_LK_PCP) {
			clab_layout_give_pcp(mem, idx, order);
		} else if (kind == CLAB_LK_FREE) {
			clab_layout_give(mem, idx, order);
		} else {
			clab_layout_claim(clone, idx, order, kind);
		}
		if ((idx & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
	if (l->has_zone_state)
		clab_layout_apply_zone_state(mem, l, clone);
	mem->clone = clone;
	mutex_unlock(&mem->clone_lock);
	return 0;

unprepare:
	clab_layout_unprepare(clone);
	return ret;
}

/*
 * Let go of every block of the clone: movable ones under the owner lock
 * (a migrator that isolated one frees it when it puts its reference), the
 * others at once. The caller holds mem->clone_lock.
 */
static void __clab_layout_release(struct clab_mem *mem)
{
	struct clab_layout_clone *clone = mem->clone;
	unsigned long key;

	lockdep_assert_held(&mem->clone_lock);
	if (!clone)
		return;
	mem->clone = NULL;
	for (key = 0; key < clone->nr_keys; key++) {
		struct clab_page *page;

		mutex_lock(&clone->lock);
		page = clone->slots[key];
		clone->slots[key] = NULL;
		if (page && page->owner == &clone->owner) {
			WRITE_ONCE(page->owner, NULL);
			page->private = 0;
		}
		mutex_unlock(&clone->lock);
		if (page) {
			clear_bit(CLAB_PG_PINNED, &page->flags);
			clab_put_page(mem, page);
		}
		if ((key & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
	clab_layout_free(&clone->held);
	clab_clone_put(clone);
	/* The arena is then as a fresh one: every free page on the buddy. */
	clab_drain_all_pages(mem, NULL);
}

/**
 * clab_layout_hold() - let the applied clone keep a layout's arrays
 * @mem: the shadow memory
 * @l: the layout just applied; left empty
 *
 * A clone of the running kernel frees nothing until it is released:
 * freeing its buffers at once would put their pages on the kernel's
 * per-CPU lists between the reading and what the caller does next (the
 * kernel's own compaction, to compare with), a change the clone does not
 * show. Without an applied clone, the arrays are freed now.
 */
void clab_layout_hold(struct clab_mem *mem, struct clab_layout *l)
{
	mutex_lock(&mem->clone_lock);
	if (mem->clone) {
		clab_layout_free(&mem->clone->held);
		mem->clone->held = *l;
		memset(l, 0, sizeof(*l));
	}
	mutex_unlock(&mem->clone_lock);
	clab_layout_free(l);
}

/**
 * clab_layout_release() - free the blocks of the applied layout, if any
 * @mem: the shadow memory
 *
 * Return: 0; -EBUSY while the live mirror holds the clone
 * (clab_layout_pin()).
 */
int clab_layout_release(struct clab_mem *mem)
{
	int ret = 0;

	mutex_lock(&mem->clone_lock);
	if (mem->clone && mem->clone->pinned)
		ret = -EBUSY;
	else
		__clab_layout_release(mem);
	mutex_unlock(&mem->clone_lock);
	return ret;
}

/**
 * clab_layout_pin() - take the applied clone for the live mirror
 * @mem: the shadow memory
 *
 * While pinned, the clone is neither replaced nor released by anyone but
 * clab_layout_unpin(); the mirror binds and unbinds its blocks with the
 * clab_layout_clone_*() calls below.
 *
 * Return: the clone; NULL when none is applied or it is pinned already.
 */
struct clab_layout_clone *clab_layout_pin(struct clab_mem *mem)
{
	struct clab_layout_clone *clone;

	mutex_lock(&mem->clone_lock);
	clone = mem->clone;
	if (clone && clone->pinned)
		clone = NULL;
	if (clone)
		clone->pinned = true;
	mutex_unlock(&mem->clone_lock);
	return clone;
}

/**
 * clab_layout_unpin() - give the clone back, and release it
 * @mem: the shadow memory, whose clone clab_layout_pin() took
 */
void clab_layout_unpin(struct clab_mem *mem)
{
	mutex_lock(&mem->clone_lock);
	if (mem->clone)
		mem->clone->pinned = false;
	__clab_layout_release(mem);
	mutex_unlock(&mem->clone_lock);
}

/**
 * clab_layout_clone_get() - the block bound at @key
 * @clone: a pinned clone
 * @key: a slot, below the clone's pages
 *
 * For the binder only (the mirror's one worker): it alone makes a slot
 * empty or not, so the answer to "is anything bound" is exact without the
 * lock. A migration may move an order-0 block meanwhile (the slot then
 * names its new page), so the pointer is good for the block's order, not
 * for its place.
 *
 * Return: the head page of the block bound at @key, or NULL.
 */
struct clab_page *clab_layout_clone_get(struct clab_layout_clone *clone,
					unsigned long key)
{
	return READ_ONCE(clone->slots[key]);
}

/**
 * clab_layout_clone_hole_pages() - pages of a hole block the clone made
 * @clone: a pinned clone
 * @key: a slot
 *
 * Return: the pages of the hole block (no page of the source zone) that
 * starts at @key, 0 when none does.
 */
unsigned long clab_layout_clone_hole_pages(struct clab_layout_clone *clone,
					   unsigned long key)
{
	struct clab_page *page = READ_ONCE(clone->slots[key]);

	if (!page || clone->kinds[key] != CLAB_LK_HOLE)
		return 0;
	return 1UL << page->order;
}

/**
 * clab_layout_clone_bind() - make an allocated block the clone's at @key
 * @clone: a pinned clone
 * @key: an empty slot
 * @page: the head of a block just allocated, holding its one reference
 * @kind: what it stands for (enum clab_layout_kind); a movable kind gives
 *	the block to the clone owner, so that compaction can move it
 */
void clab_layout_clone_bind(struct clab_layout_clone *clone, unsigned long key,
			    struct clab_page *page, unsigned int kind)
{
	mutex_lock(&clone->lock);
	WARN_ON_ONCE(clone->slots[key]);
	clone->kinds[key] = kind;
	WRITE_ONCE(clone->slots[key], page);
	if (clab_layout_kind_is_movable(kind)) {
		page->private = key;
		WRITE_ONCE(page->owner, &clone->owner);
	}
	mutex_unlock(&clone->lock);
}

/**
 * clab_layout_clone_unbind() - let go of the block bound at @key
 * @clone: a pinned clone
 * @key: a slot
 *
 * The block's allocation reference passes to the caller, which drops it
 * with clab_put_page(); a migrator that isolated the block meanwhile
 * finds it no longer owned and frees it when it puts its own.
 *
 * Return: the block's head page, or NULL when nothing is bound at @key.
 */
struct clab_page *clab_layout_clone_unbind(struct clab_layout_clone *clone,
					   unsigned long key)
{
	struct clab_page *page;

	mutex_lock(&clone->lock);
	page = clone->slots[key];
	WRITE_ONCE(clone->slots[key], NULL);
	if (page && page->owner == &clone->owner) {
		WRITE_ONCE(page->owner, NULL);
		page->private = 0;
	}
	mutex_unlock(&clone->lock);
	if (page)
		clear_bit(CLAB_PG_PINNED, &page->flags);
	return page;
}

/**
 * clab_layout_clone_split() - split the block bound at @key into pages
 * @clone: a pinned clone
 * @key: the slot of a block of order > 0
 *
 * The kernel's split_page(): each page of the block becomes an order-0
 * block of its own, bound at @key plus its offset, with the block's kind.
 * Blocks of order > 0 are never isolated for migration, so only a
 * scanner's passing reference can be held on the head meanwhile, and it
 * stays on the head page.
 */
void clab_layout_clone_split(struct clab_layout_clone *clone, unsigned long key)
{
	struct clab_mem *mem = clone->mem;
	struct clab_page *page;
	unsigned long i, n;

	mutex_lock(&clone->lock);
	page = clone->slots[key];
	if (!page || !page->order)
		goto unlock;
	n = 1UL << page->order;
	for (i = 1; i < n; i++) {
		struct clab_page *p = page + i;

		p->flags = BIT(CLAB_PG_HEAD);
		p->order = 0;
		p->private = 0;
		p->owner = NULL;
		atomic_set_release(&p->refcount, 1);
		set_bit(clab_page_to_idx(mem, p), mem->inuse);
		clone->kinds[key + i] = clone->kinds[key];
		WRITE_ONCE(clone->slots[key + i], p);
		if (page->owner == &clone->owner) {
			p->private = key + i;
			WRITE_ONCE(p->owner, &clone->owner);
		}
	}
	WRITE_ONCE(page->order, 0);
unlock:
	mutex_unlock(&clone->lock);
}

/* What the arena block at @idx (head @page, in use) holds, for capture. */
static unsigned int clab_layout_kind_of(struct clab_mem *mem,
					struct clab_page *page,
					unsigned long idx)
{
	struct clab_layout_clone *clone = mem->clone;
	struct clab_owner *owner = READ_ONCE(page->owner);
	unsigned long key = READ_ONCE(page->private);

	if (clone) {
		if (owner == &clone->owner && key < clone->nr_keys)
			return clone->kinds[key];
		if (!owner && clone->slots[idx] == page)
			return clone->kinds[idx];
	}
	if (READ_ONCE(page->migratetype) == CLAB_MIGRATE_MOVABLE)
		return CLAB_LK_MOVABLE;
	return CLAB_LK_UNMOVABLE;
}

/* Capture the pages [idx, idx + CLAB_CHUNK_PAGES) of @l; zone lock held. */
static void clab_layout_capture_chunk(struct clab_mem *mem,
				      struct clab_layout *l, unsigned long idx)
{
	unsigned long end = min(idx + CLAB_CHUNK_PAGES, l->nr_pages), n;

	for (; idx < end; idx += n) {
		struct clab_page *page = clab_idx_to_page(mem, idx);
		unsigned int order = READ_ONCE(page->order), kind;

		if (clab_page_test(page, CLAB_PG_BUDDY))
			kind = CLAB_LK_FREE;
		else if (clab_page_test(page, CLAB_PG_PCP))
			kind = CLAB_LK_PCP;
		else if (clab_page_test(page, CLAB_PG_HEAD))
			kind = clab_layout_kind_of(mem, page, idx);
		else
			order = 0, kind = CLAB_LK_UNMOVABLE;
		/* A block read mid-change is taken page by page. */
		if (order > CLAB_MAX_ORDER || !IS_ALIGNED(idx, 1UL << order) ||
		    (1UL << order) > end - idx)
			order = 0;
		if (kind == CLAB_LK_HOLE)
			order = 0;
		n = 1UL << order;
		clab_layout_set_block(l, idx, kind, order);
	}
}

/*
 * Read the zone state of the arena zone @l lies in into @l (allocated):
 * its watermarks, each CPU's per-CPU marks, and the per-CPU blocks in
 * list order, each list under its lock. Blocks that moved since the pages
 * were read are left out (a load puts them on the loading CPU's lists).
 */
static void clab_layout_capture_zone_state(struct clab_mem *mem,
					   struct clab_layout *l)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, 0);
	unsigned long i, n, flags;
	u32 rank = 0;
	int cpu;

	spin_lock_irqsave(&zone->lock, flags);
	for (i = 0; i < CLAB_NR_WMARK; i++)
		l->wmark[i] = zone->_watermark[i];
	l->wmark_boost = zone->watermark_boost;
	spin_unlock_irqrestore(&zone->lock, flags);
	for_each_possible_cpu(cpu) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct clab_page *page;

		spin_lock_irqsave(&pcp->lock, flags);
		l->cpus[rank].high = pcp->high;
		l->cpus[rank].batch = pcp->batch;
		l->cpus[rank].free_factor = pcp->free_factor;
		for (i = 0; i < CLAB_NR_PCP_LISTS; i++) {
			list_for_each_entry(page, &pcp->lists[i], lru) {
				unsigned long idx = clab_page_to_idx(mem, page);

				if (idx >= l->nr_pages || l->nr_pcp == l->max_pcp)
					continue;
				l->pcp[l->nr_pcp++] = (struct clab_layout_pcp) {
					.idx = idx, .cpu = rank,
					.order = page->order,
					.migratetype = page->migratetype,
				};
			}
		}
		spin_unlock_irqrestore(&pcp->lock, flags);
		rank++;
	}
	for (i = n = 0; i < l->nr_pcp; i++) {
		const struct clab_layout_pcp *e = &l->pcp[i];

		if (l->pages[e->idx].kind == CLAB_LK_PCP &&
		    l->pages[e->idx].order == e->order &&
		    e->migratetype < CLAB_MIGRATE_TYPES &&
		    e->migratetype != CLAB_MIGRATE_ISOLATE)
			l->pcp[n++] = *e;
	}
	l->nr_pcp = n;
}

/* Room for the per-CPU blocks of the zone @l lies in, and their order. */
static int clab_layout_alloc_capture(struct clab_mem *mem,
				     struct clab_layout *l)
{
	struct clab_zone *zone = clab_idx_to_zone(mem, 0);
	unsigned long max = 0;
	int cpu;

	if (zone != clab_idx_to_zone(mem, l->nr_pages - 1))
		return 0;
	/* Pages bound blocks; the slack covers frees while reading. */
	for_each_possible_cpu(cpu)
		max += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count) + 1024;
	return clab_layout_alloc_zone_state(l, num_possible_cpus(), max);
}

/**
 * clab_layout_capture() - read the arena's layout
 * @mem: the shadow memory
 * @l: from clab_layout_alloc() with @nr_pages at most the arena's; its
 *	start_pfn and source fields are set from the applied clone if there
 *	is one
 *
 * Free blocks are read under their zone's lock, one largest block at a
 * time; a block that changes meanwhile (a compaction running) is read
 * either before or after the change. Blocks of the clone keep their kind;
 * other allocated blocks are MOVABLE or UNMOVABLE by their migratetype.
 * When @l lies in one arena zone, its zone state is read too: the zone's
 * watermarks, each CPU's per-CPU marks and lists.
 *
 * Return: 0, -EINVAL when @l is larger than the arena, -ENOMEM.
 */
int clab_layout_capture(struct clab_mem *mem, struct clab_layout *l)
{
	unsigned long idx, flags;
	int ret;

	if (l->nr_pages > mem->arena->nr_pages || l->has_zone_state)
		return -EINVAL;
	ret = clab_layout_alloc_capture(mem, l);
	if (ret)
		return ret;
	mutex_lock(&mem->clone_lock);
	if (mem->clone) {
		const struct clab_layout *src = &mem->clone->src;

		l->start_pfn = src->start_pfn;
		l->node = src->node;
		memcpy(l->zone, src->zone, sizeof(l->zone));
		memcpy(l->arch, src->arch, sizeof(l->arch));
		memcpy(l->release, src->release, sizeof(l->release));
		l->nr_changed = src->nr_changed;
	}
	for (idx = 0; idx < l->nr_pages; idx += CLAB_CHUNK_PAGES) {
		struct clab_zone *zone = clab_idx_to_zone(mem, idx);

		spin_lock_irqsave(&zone->lock, flags);
		clab_layout_capture_chunk(mem, l, idx);
		spin_unlock_irqrestore(&zone->lock, flags);
		cond_resched();
	}
	for (idx = 0; idx < l->nr_pages; idx += CLAB_PAGEBLOCK_PAGES)
		l->pageblock_mt[idx >> CLAB_PAGEBLOCK_ORDER] =
			clab_get_pageblock_migratetype(mem, idx);
	if (l->has_zone_state)
		clab_layout_capture_zone_state(mem, l);
	mutex_unlock(&mem->clone_lock);
	return 0;
}

/**
 * clab_layout_verify() - check the contents of the clone's movable pages
 * @mem: the shadow memory
 *
 * Return: 64-bit words that differ from the pattern the clone wrote (0
 * when there is no clone, or the arena has no contents).
 */
unsigned long clab_layout_verify(struct clab_mem *mem)
{
	const unsigned long words = CLAB_PAGE_SIZE / sizeof(u64);
	struct clab_layout_clone *clone;
	unsigned long key, bad = 0, i, w;

	mutex_lock(&mem->clone_lock);
	clone = mem->clone;
	if (!clone || !clab_arena_has_contents(mem->arena))
		goto unlock;
	for (key = 0; key < clone->nr_keys; key++) {
		struct clab_page *page;

		mutex_lock(&clone->lock);
		page = clone->slots[key];
		if (page && page->owner == &clone->owner) {
			unsigned long idx = clab_page_to_idx(mem, page);

			for (i = 0; i < 1UL << page->order; i++) {
				u64 *p = clab_arena_page_address(mem->arena,
								 idx + i);

				for (w = 0; w < words; w++)
					if (p[w] != clab_clone_pattern(key, i * words + w))
						bad++;
			}
		}
		mutex_unlock(&clone->lock);
		if ((key & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
unlock:
	mutex_unlock(&mem->clone_lock);
	return bad;
}

/**
 * clab_layout_nr_cloned() - pages the clone still holds
 * @mem: the shadow memory
 *
 * Return: pages of the blocks of the applied layout, 0 without one.
 */
unsigned long clab_layout_nr_cloned(struct clab_mem *mem)
{
	unsigned long key, nr = 0;
	struct clab_layout_clone *clone;

	mutex_lock(&mem->clone_lock);
	clone = mem->clone;
	for (key = 0; clone && key < clone->nr_keys; key++) {
		mutex_lock(&clone->lock);
		if (clone->slots[key])
			nr += 1UL << clone->slots[key]->order;
		mutex_unlock(&clone->lock);
	}
	mutex_unlock(&mem->clone_lock);
	return nr;
}

/**
 * clab_layout_source() - the header of the applied layout
 * @mem: the shadow memory
 * @src: filled in with the applied layout's fields but its arrays
 *	(pages and pageblock_mt are NULL)
 *
 * Return: true if a layout is applied; @src is zeroed otherwise.
 */
bool clab_layout_source(struct clab_mem *mem, struct clab_layout *src)
{
	bool applied;

	mutex_lock(&mem->clone_lock);
	applied = mem->clone;
	if (applied)
		*src = mem->clone->src;
	else
		memset(src, 0, sizeof(*src));
	mutex_unlock(&mem->clone_lock);
	return applied;
}
