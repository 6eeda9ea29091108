// SPDX-License-Identifier: GPL-2.0
/*
 * mirror.c - the live mirror's replay: the running kernel's allocations
 * and frees, made again in the shadow memory, which places every block by
 * its own rules (the selected policy, its own compaction).
 *
 * The mirror starts from a clone of the kernel's range (layout.c): arena
 * page i is kernel pfn start_pfn + i, and the clone's slot i holds the
 * block that stands for the kernel block at that pfn. From then on the
 * slots are the binding from kernel pfns to shadow blocks, which soon
 * lie elsewhere:
 *
 * - An allocation of the kernel (pfn, order, migratetype, gfp) is an
 *   allocation of the same order and gfp in the shadow, bound at the
 *   pfn's slot. Movable blocks go to the clone owner, so the shadow's
 *   compaction can move them (a metadata-only arena moves ownership).
 *   What the shadow did is counted by order: served without compaction,
 *   after direct compaction, or not at all (the block is then marked
 *   unserved, so its free is not mistaken for one of a block never seen).
 * - A free of the kernel frees the blocks bound inside its range. A free
 *   of part of a bound block (split_page(), free_pages_exact()) splits the
 *   shadow block into pages first.
 * - An allocation the kernel failed is tried in the shadow too, and what
 *   it served is freed at once: the kernel's caller got nothing.
 * - Per-CPU lists (when the mirror follows them, pcp_follow): a replayed
 *   free stays on the list of the event's CPU past the high mark
 *   (mem->pcp_hold), and each block the kernel gives back from a per-CPU
 *   list (mm_page_pcpu_drain) makes the shadow give back the oldest block
 *   of that order from the same CPU's lists (clab_drain_pcp_block()). So
 *   the shadow's lists empty when and as much as the kernel's do, drains
 *   included (drain_all_pages() has no other event), and it picks the
 *   blocks by the same rule. The kernel drains other CPUs' lists from
 *   its own, so the CPU is the one whose list the block went to: the CPU
 *   of its free, of its refill (mm_page_alloc_zone_locked), or of the
 *   clone's per-CPU lists (@pcp_cpu_of). Each block of a kernel refill
 *   (mm_page_alloc_zone_locked with percpu_refill) makes the shadow move
 *   one block of its own choosing to the same list
 *   (clab_refill_pcp_block()), and a replayed allocation that finds its
 *   list empty takes one block, not a batch (mem->pcp_take_one): so the
 *   lists also fill when and as much as the kernel's, whatever batch the
 *   kernel used (6.12 scales it with demand).
 *
 * The tracepoints do not show every change (compaction's free scanner,
 * the bulk allocator and alloc_contig_range() take pages silently, and a
 * full ring drops events). Each census of the kernel
 * (clab_mirror_reconcile()) compares the kernel's range with the
 * bindings; a block found different in two censuses in a row, with no
 * event between that explains it, is repaired: allocated in the shadow if
 * the kernel holds it, freed if the kernel does not. Repairs and the
 * other mismatches are counted, never hidden.
 *
 * One worker applies events and censuses; readers take the counters
 * racily (clab_mirror_read_counters()).
 */
#include <compactlab/mirror.h>
#include <compactlab/extfrag.h>
#include <compactlab/vmstat.h>

/**
 * struct clab_mirror - the replay of one kernel range
 * @mem: the shadow memory
 * @clone: its clone, pinned for the mirror's lifetime
 * @start_pfn: the kernel pfn of arena page 0
 * @nr_pages: pages of the range
 * @unserved: kernel pages of blocks the shadow failed to allocate
 * @suspect: kernel block heads the last census found different
 * @touched: kernel block heads an allocation or free event named since
 *	the last census
 * @holes: pages of each pageblock that the clone made holes (no page of
 *	the kernel's zone): never allocated nor freed, left out of the census
 * @pageblocks: pageblocks not wholly holes
 * @pcp_cpu_of: for each kernel block head, 1 + the CPU whose per-CPU list
 *	the kernel put it on, 0 when none is known
 * @pcp_follow: follow the kernel's per-CPU lists (see above)
 * @c: the counters (written by the worker only)
 */
struct clab_mirror {
	struct clab_mem *mem;
	struct clab_layout_clone *clone;
	unsigned long start_pfn;
	unsigned long nr_pages;
	unsigned long *unserved;
	unsigned long *suspect;
	unsigned long *touched;
	u16 *holes;
	unsigned long pageblocks;
	u16 *pcp_cpu_of;
	bool pcp_follow;
	struct clab_mirror_counters c;
};

/* The layout kind a shadow block of gfp @gfp stands for. */
static unsigned int clab_mirror_kind(u32 gfp)
{
	switch (clab_gfp_migratetype(gfp)) {
	case CLAB_MIGRATE_MOVABLE:
		return CLAB_LK_MOVABLE;
	case CLAB_MIGRATE_RECLAIMABLE:
		return CLAB_LK_SLAB;
	}
	return CLAB_LK_UNMOVABLE;
}

/* Does the kernel block at @pfn of @order lie in the mirrored range? */
static bool clab_mirror_covers(const struct clab_mirror *m, u64 pfn,
			       unsigned int order)
{
	return order <= CLAB_MAX_ORDER && pfn >= m->start_pfn &&
	       pfn - m->start_pfn < m->nr_pages &&
	       (1UL << order) <= m->nr_pages - (pfn - m->start_pfn);
}

/*
 * Allocate a block of @order with @gfp in the shadow, and say how it was
 * served. The worker is the arena's only allocator in mirror mode, so a
 * direct compaction counted meanwhile is its own.
 */
static struct clab_page *clab_mirror_alloc(struct clab_mirror *m, u32 gfp,
					   unsigned int order,
					   enum clab_mirror_answer *answer)
{
	unsigned long stalls = clab_sum_vm_event(CLAB_COMPACTSTALL);
	struct clab_page *page = clab_alloc_pages(m->mem, 0, gfp, order);

	if (!page)
		*answer = CLAB_MIRROR_FAILED;
	else if (clab_sum_vm_event(CLAB_COMPACTSTALL) != stalls)
		*answer = CLAB_MIRROR_COMPACTED;
	else
		*answer = CLAB_MIRROR_FAST;
	return page;
}

/*
 * A bound block that starts before @key and covers it: split it, so that
 * @key starts a block of its own.
 */
static void clab_mirror_split_cover(struct clab_mirror *m, unsigned long key)
{
	unsigned int o;

	for (o = 1; o <= CLAB_MAX_ORDER; o++) {
		unsigned long head = round_down(key, 1UL << o);
		struct clab_page *page;

		if (head == key)
			continue;
		page = clab_layout_clone_get(m->clone, head);
		if (!page)
			continue;
		if (head + (1UL << READ_ONCE(page->order)) > key) {
			clab_layout_clone_split(m->clone, head);
			m->c.splits++;
		}
		return;
	}
}

/*
 * Free every block bound in the kernel pages [@key, @key + @n); one that
 * reaches past either end is split first and only its pages inside are
 * freed. Return: the blocks freed.
 */
static unsigned long clab_mirror_release(struct clab_mirror *m,
					 unsigned long key, unsigned long n)
{
	unsigned long end = key + n, freed = 0;
	struct clab_page *page;

	if (!clab_layout_clone_get(m->clone, key))
		clab_mirror_split_cover(m, key);
	while (key < end) {
		unsigned int order;

		page = clab_layout_clone_get(m->clone, key);
		if (!page) {
			key++;
			continue;
		}
		if (key + (1UL << READ_ONCE(page->order)) > end) {
			clab_layout_clone_split(m->clone, key);
			m->c.splits++;
		}
		page = clab_layout_clone_unbind(m->clone, key);
		order = page->order;
		WRITE_ONCE(m->mem->pcp_hold, m->pcp_follow);
		clab_put_page(m->mem, page);
		WRITE_ONCE(m->mem->pcp_hold, false);
		freed++;
		key += 1UL << order;
	}
	return freed;
}

/* Was any page of [@key, @key + @n) in a block the shadow failed to get? */
static bool clab_mirror_clear_unserved(struct clab_mirror *m,
				       unsigned long key, unsigned long n)
{
	unsigned long bit = find_next_bit(m->unserved, key + n, key);

	if (bit >= key + n)
		return false;
	bitmap_clear(m->unserved, key, n);
	return true;
}

/* The kernel allocated the block at @key: allocate and bind one. */
static void clab_mirror_do_alloc(struct clab_mirror *m, unsigned long key,
				 unsigned int order, u32 gfp)
{
	enum clab_mirror_answer answer;
	struct clab_page *page;

	/* A free the shadow never saw: the old binding goes first. */
	if (clab_mirror_release(m, key, 1UL << order))
		m->c.rebound++;
	clab_mirror_clear_unserved(m, key, 1UL << order);
	WRITE_ONCE(m->mem->pcp_take_one, m->pcp_follow);
	page = clab_mirror_alloc(m, gfp, order, &answer);
	WRITE_ONCE(m->mem->pcp_take_one, false);
	m->c.answer[order][answer]++;
	if (!page) {
		bitmap_set(m->unserved, key, 1UL << order);
		return;
	}
	clab_layout_clone_bind(m->clone, key, page, clab_mirror_kind(gfp));
}

/* The kernel freed the block at @key. */
static void clab_mirror_do_free(struct clab_mirror *m, unsigned long key,
				unsigned int order)
{
	bool unserved = clab_mirror_clear_unserved(m, key, 1UL << order);

	if (clab_mirror_release(m, key, 1UL << order))
		return;
	if (unserved)
		m->c.unserved_frees++;
	else
		m->c.unmatched_frees++;
}

/*
 * The kernel gave the block at @key back from a per-CPU list: the shadow
 * gives back the oldest block of the order from the same CPU's lists, or,
 * when they hold none, from another CPU's (a block whose CPU no event
 * told: 6.12 refills from a stolen pageblock without the refill event).
 */
static void clab_mirror_do_drain(struct clab_mirror *m, unsigned long key,
				 unsigned int order,
				 const struct clab_mirror_event *ev)
{
	int cpu = m->pcp_cpu_of[key] ? m->pcp_cpu_of[key] - 1 : ev->cpu;
	int other;

	m->pcp_cpu_of[key] = 0;
	if (!m->pcp_follow)
		return;
	m->c.pcp_drains++;
	if (clab_drain_pcp_block(m->mem, cpu, order, ev->gfp))
		return;
	/* Placed on another CPU's lists: the count still follows. */
	for_each_possible_cpu(other) {
		if (other != cpu &&
		    clab_drain_pcp_block(m->mem, other, order, ev->gfp)) {
			m->c.pcp_drains_elsewhere++;
			return;
		}
	}
	m->c.pcp_drains_missed++;
}

/*
 * The kernel moved the block at @key from its buddy lists to a per-CPU list
 * of the event's CPU: the shadow moves one of its own blocks of the order,
 * picked by its own rules, to the same list.
 */
static void clab_mirror_do_refill(struct clab_mirror *m, unsigned long key,
				  unsigned int order,
				  const struct clab_mirror_event *ev)
{
	m->pcp_cpu_of[key] = ev->cpu + 1;
	if (!m->pcp_follow)
		return;
	m->c.pcp_refills++;
	if (!clab_refill_pcp_block(m->mem, ev->cpu, order, ev->gfp))
		m->c.pcp_refills_missed++;
}

/**
 * clab_mirror_apply() - apply one kernel event to the shadow
 * @priv: the mirror
 * @ev: the event, in sequence order
 *
 * May allocate with direct compaction, so it sleeps: worker context only.
 */
void clab_mirror_apply(void *priv, const struct clab_mirror_event *ev)
{
	struct clab_mirror *m = priv;
	enum clab_mirror_answer answer;
	struct clab_page *page;
	unsigned int order = ev->order;
	unsigned long key;

	m->c.events++;
	if (order > CLAB_MAX_ORDER)
		return;
	/* Replayed on the per-CPU lists of the CPU the event came from. */
	if (ev->cpu < nr_cpu_ids && cpu_possible(ev->cpu)) {
		WRITE_ONCE(m->mem->pcp_cpu, ev->cpu);
		WRITE_ONCE(m->mem->pcp_task, current);
	}
	switch (ev->type) {
	case CLAB_MEV_ALLOC_FAILED:
		m->c.kernel_failed++;
		page = clab_mirror_alloc(m, ev->gfp, order, &answer);
		m->c.kfail_answer[order][answer]++;
		if (page)
			clab_free_pages(m->mem, page, order);
		return;
	case CLAB_MEV_ALLOC:
	case CLAB_MEV_FREE:
	case CLAB_MEV_PCP_REFILL:
	case CLAB_MEV_PCP_DRAIN:
		break;
	default:
		return;
	}
	if (!clab_mirror_covers(m, ev->pfn, order)) {
		m->c.outside++;
		return;
	}
	key = ev->pfn - m->start_pfn;
	if (ev->type == CLAB_MEV_ALLOC || ev->type == CLAB_MEV_FREE)
		__set_bit(key, m->touched);
	switch (ev->type) {
	case CLAB_MEV_ALLOC:
		m->c.allocs++;
		m->pcp_cpu_of[key] = 0;
		clab_mirror_do_alloc(m, key, order, ev->gfp);
		break;
	case CLAB_MEV_FREE:
		m->c.frees++;
		m->pcp_cpu_of[key] = ev->cpu + 1;
		clab_mirror_do_free(m, key, order);
		break;
	case CLAB_MEV_PCP_REFILL:
		clab_mirror_do_refill(m, key, order, ev);
		break;
	case CLAB_MEV_PCP_DRAIN:
		clab_mirror_do_drain(m, key, order, ev);
		break;
	}
}

/* The gfp of a block the kernel holds as @kind, for a repair. */
static u32 clab_mirror_kind_gfp(unsigned int kind)
{
	if (clab_layout_kind_is_movable(kind) || kind == CLAB_LK_HUGETLB)
		return CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK;
	if (kind == CLAB_LK_SLAB)
		return CLAB_GFP_RECLAIMABLE | CLAB_GFP_NO_WMARK;
	return CLAB_GFP_KERNEL | CLAB_GFP_NO_WMARK;
}

/*
 * Is the kernel block at @key (@kind, @order) as the bindings say? A free
 * block must have nothing bound inside; a block in use must be
 * bound at its head with its order, or lie in a bound block (a block the
 * kernel split, or the shadow did).
 */
static bool clab_mirror_agrees(struct clab_mirror *m, unsigned long key,
			       unsigned int kind, unsigned int order)
{
	unsigned long i, n = 1UL << order;
	struct clab_page *page;
	unsigned int o;

	/* Holes stay the clone's: never allocated, never freed. */
	if (kind == CLAB_LK_HOLE)
		return true;
	if (clab_layout_kind_is_free(kind)) {
		for (i = key; i < key + n; i++)
			if (clab_layout_clone_get(m->clone, i))
				return false;
		return true;
	}
	if (test_bit(key, m->unserved))
		return true;
	page = clab_layout_clone_get(m->clone, key);
	if (page)
		return true;
	for (o = 1; o <= CLAB_MAX_ORDER; o++) {
		unsigned long head = round_down(key, 1UL << o);

		if (head == key)
			continue;
		page = clab_layout_clone_get(m->clone, head);
		if (page)
			return head + (1UL << READ_ONCE(page->order)) > key;
	}
	return false;
}

/* Make the bindings of the kernel block at @key say what the kernel does. */
static void clab_mirror_repair(struct clab_mirror *m, unsigned long key,
			       unsigned int kind, unsigned int order)
{
	enum clab_mirror_answer answer;
	struct clab_page *page;

	if (clab_layout_kind_is_free(kind)) {
		m->c.repaired_frees += clab_mirror_release(m, key, 1UL << order);
		return;
	}
	clab_mirror_release(m, key, 1UL << order);
	page = clab_mirror_alloc(m, clab_mirror_kind_gfp(kind), order, &answer);
	if (!page) {
		bitmap_set(m->unserved, key, 1UL << order);
		return;
	}
	clab_layout_clone_bind(m->clone, key, page, kind);
	m->c.repaired_allocs++;
}

/* The order of the layout block at @i, 0 for one read as no block. */
static unsigned int clab_mirror_layout_order(const struct clab_layout *l,
					     unsigned long i)
{
	unsigned int order = l->pages[i].order;

	return order > CLAB_MAX_ORDER ? 0 : order;
}

/**
 * clab_mirror_reconcile() - compare a census of the kernel with the shadow
 * @m: the mirror
 * @l: a fresh reading of the kernel's range (same start and size)
 *
 * A block that differs now and differed at the same head in the census
 * before, with no allocation or free event of that head between, is
 * repaired; one that differs for the first time, or again after such an
 * event, is remembered. Events in flight during the reading explain a
 * difference; a page the kernel reuses at once (the head of a per-CPU
 * list) can be in flight at many readings in a row, each time with its
 * events applied after.
 */
void clab_mirror_reconcile(struct clab_mirror *m, const struct clab_layout *l)
{
	unsigned long key, n;

	if (l->start_pfn != m->start_pfn || l->nr_pages != m->nr_pages)
		return;
	for (key = 0; key < l->nr_pages; key += n) {
		unsigned int kind = l->pages[key].kind;
		unsigned int order = clab_mirror_layout_order(l, key);

		n = 1UL << order;
		if (clab_mirror_agrees(m, key, kind, order)) {
			clear_bit(key, m->suspect);
			continue;
		}
		if (!test_and_set_bit(key, m->suspect) || test_bit(key, m->touched))
			continue;
		clear_bit(key, m->suspect);
		clab_mirror_repair(m, key, kind, order);
		if ((key & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
	bitmap_clear(m->touched, 0, m->nr_pages);
}

/**
 * clab_mirror_create() - start replaying on the clone applied to @mem
 * @mem: the shadow memory, with a clone of the kernel's range applied
 * @start_pfn: the clone's first kernel pfn
 * @nr_pages: its pages
 * @pcp_follow: follow the kernel's per-CPU lists: replayed frees stay on
 *	them past the high mark until the kernel's own bulk frees give them
 *	back; false: the shadow's lists keep their own high marks
 * @why: set to a human-readable reason on failure
 *
 * Return: the mirror, or an ERR_PTR(): -ENOENT with no clone applied,
 * -EBUSY when another mirror holds it, -ENOMEM.
 */
struct clab_mirror *clab_mirror_create(struct clab_mem *mem,
				       unsigned long start_pfn,
				       unsigned long nr_pages, bool pcp_follow,
				       const char **why)
{
	unsigned long pb, i, nr_pb = nr_pages >> CLAB_PAGEBLOCK_ORDER;
	struct clab_mirror *m;
	int ret = -ENOMEM;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		goto no_memory;
	m->unserved = bitmap_zalloc(nr_pages, GFP_KERNEL);
	m->suspect = bitmap_zalloc(nr_pages, GFP_KERNEL);
	m->touched = bitmap_zalloc(nr_pages, GFP_KERNEL);
	m->holes = kvcalloc(max(nr_pb, 1UL), sizeof(*m->holes), GFP_KERNEL);
	m->pcp_cpu_of = kvcalloc(nr_pages, sizeof(*m->pcp_cpu_of), GFP_KERNEL);
	if (!m->unserved || !m->suspect || !m->touched || !m->holes ||
	    !m->pcp_cpu_of)
		goto free_mirror;
	m->mem = mem;
	m->pcp_follow = pcp_follow;
	m->start_pfn = start_pfn;
	m->nr_pages = nr_pages;
	m->clone = clab_layout_pin(mem);
	if (!m->clone) {
		*why = "no clone applied, or the mirror holds it already";
		ret = -EBUSY;
		goto free_mirror;
	}
	/* The clone's holes: unmovable blocks bound at their first pages. */
	for (i = 0; i < nr_pages; i++) {
		unsigned long n = clab_layout_clone_hole_pages(m->clone, i), j;

		for (j = i; j < i + n && j < nr_pages; j++)
			m->holes[j >> CLAB_PAGEBLOCK_ORDER]++;
		if (n)
			i += n - 1;
	}
	for (pb = 0; pb < nr_pb; pb++)
		if (m->holes[pb] < CLAB_PAGEBLOCK_PAGES)
			m->pageblocks++;
	return m;

free_mirror:
	bitmap_free(m->unserved);
	bitmap_free(m->suspect);
	bitmap_free(m->touched);
	kvfree(m->holes);
	kvfree(m->pcp_cpu_of);
	kfree(m);
no_memory:
	if (ret == -ENOMEM)
		*why = "out of memory for the mirror's tables";
	return ERR_PTR(ret);
}

/**
 * clab_mirror_destroy() - stop replaying and release the clone
 * @m: the mirror; no event may be applied any more
 *
 * Every block the clone and the mirror bound is freed.
 */
void clab_mirror_destroy(struct clab_mirror *m)
{
	WRITE_ONCE(m->mem->pcp_task, NULL);
	clab_layout_unpin(m->mem);
	bitmap_free(m->unserved);
	bitmap_free(m->suspect);
	bitmap_free(m->touched);
	kvfree(m->holes);
	kvfree(m->pcp_cpu_of);
	kfree(m);
}

/**
 * clab_mirror_note_pcp() - learn where the clone's per-CPU blocks lie
 * @m: the mirror
 * @l: the layout of its clone
 *
 * The blocks on the kernel's per-CPU lists at the clone are on the lists
 * of the same CPUs in the shadow (clab_layout_apply()); a later drain of
 * one gives back from that CPU's lists.
 */
void clab_mirror_note_pcp(struct clab_mirror *m, const struct clab_layout *l)
{
	unsigned long i;

	for (i = 0; i < l->nr_pcp; i++) {
		const struct clab_layout_pcp *e = &l->pcp[i];

		if (e->idx < m->nr_pages && e->cpu < l->nr_cpus)
			m->pcp_cpu_of[e->idx] = clab_layout_cpu(e->cpu) + 1;
	}
}

/**
 * clab_mirror_shadow_census() - the shadow's side of a sample
 * @m: the mirror
 * @c: filled in
 *
 * Free blocks as buddyinfo counts them, every zone of the arena; per-CPU
 * pages; pages allocated unmovable or reclaimable, and the pageblocks
 * holding any, the clone's holes left out.
 */
void clab_mirror_shadow_census(struct clab_mirror *m,
			       struct clab_mirror_census *c)
{
	struct clab_mem *mem = m->mem;
	unsigned long pb, flags, nr_pb = m->nr_pages >> CLAB_PAGEBLOCK_ORDER;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned int o;
	int cpu;

	memset(c, 0, sizeof(*c));
	clab_for_each_zone(mem, node, zone) {
		spin_lock_irqsave(&zone->lock, flags);
		for (o = 0; o <= CLAB_MAX_ORDER; o++)
			c->free_blocks[o] += zone->free_area[o].nr_free;
		spin_unlock_irqrestore(&zone->lock, flags);
		for_each_possible_cpu(cpu)
			c->pcp_pages += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
	}
	for (o = 0; o <= CLAB_MAX_ORDER; o++)
		c->free_pages += c->free_blocks[o] << o;
	for (pb = 0; pb < nr_pb; pb++) {
		struct clab_pageblock *b =
			clab_idx_to_pageblock(mem, pb << CLAB_PAGEBLOCK_ORDER);
		long n = atomic_read(&b->nr_alloc[CLAB_MIGRATE_UNMOVABLE]) +
			 atomic_read(&b->nr_alloc[CLAB_MIGRATE_RECLAIMABLE]) -
			 m->holes[pb];

		if (n <= 0)
			continue;
		c->unmovable_pages += n;
		c->unmovable_blocks++;
	}
	c->pageblocks = m->pageblocks;
}

/**
 * clab_mirror_layout_census() - the kernel's side of a sample
 * @l: a reading of the kernel's range
 * @c: filled in
 *
 * The same counts as clab_mirror_shadow_census(), from the kinds: slab,
 * page-table, reserved and other kernel pages are the unmovable ones;
 * LRU, movable and hugetlb pages are not.
 */
void clab_mirror_layout_census(const struct clab_layout *l,
			       struct clab_mirror_census *c)
{
	unsigned long i, n, pb, pb_last = ULONG_MAX;

	memset(c, 0, sizeof(*c));
	for (pb = 0; pb < clab_layout_nr_pageblocks(l); pb++)
		for (i = pb << CLAB_PAGEBLOCK_ORDER;
		     i < (pb + 1) << CLAB_PAGEBLOCK_ORDER; i++)
			if (l->pages[i].kind != CLAB_LK_HOLE) {
				c->pageblocks++;
				break;
			}
	for (i = 0; i < l->nr_pages; i += n) {
		unsigned int kind = l->pages[i].kind;
		unsigned int order = clab_mirror_layout_order(l, i);

		n = 1UL << order;
		switch (kind) {
		case CLAB_LK_FREE:
			c->free_blocks[order]++;
			c->free_pages += n;
			continue;
		case CLAB_LK_PCP:
			c->pcp_pages += n;
			continue;
		case CLAB_LK_SLAB:
		case CLAB_LK_PGTABLE:
		case CLAB_LK_RESERVED:
		case CLAB_LK_UNMOVABLE:
			break;
		default:
			continue;
		}
		c->unmovable_pages += n;
		/* A block of order > pageblock spans several: count each. */
		for (pb = i >> CLAB_PAGEBLOCK_ORDER;
		     pb <= (i + n - 1) >> CLAB_PAGEBLOCK_ORDER; pb++) {
			if (pb != pb_last)
				c->unmovable_blocks++;
			pb_last = pb;
		}
	}
}

/* A census's free memory for @order, as the kernel's indices take it. */
static void clab_mirror_contig_info(const struct clab_mirror_census *c,
				    unsigned int order,
				    struct clab_contig_page_info *info)
{
	unsigned int o;

	memset(info, 0, sizeof(*info));
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		info->free_blocks_total += c->free_blocks[o];
		info->free_pages += c->free_blocks[o] << o;
		if (o >= order)
			info->free_blocks_suitable += c->free_blocks[o] << (o - order);
	}
}

/**
 * clab_mirror_unusable_index() - a census's unusable free index at @order
 * @c: the census
 * @order: 0 .. CLAB_MAX_ORDER
 *
 * Return: 0 to 1000, as clab_unusable_free_index().
 */
int clab_mirror_unusable_index(const struct clab_mirror_census *c,
			       unsigned int order)
{
	struct clab_contig_page_info info;

	clab_mirror_contig_info(c, order, &info);
	return clab_unusable_free_index(order, &info);
}

/**
 * clab_mirror_extfrag_index() - a census's fragmentation index at @order
 * @c: the census
 * @order: 0 .. CLAB_MAX_ORDER
 *
 * Return: -1000 or 0 to 1000, as __clab_fragmentation_index().
 */
int clab_mirror_extfrag_index(const struct clab_mirror_census *c,
			      unsigned int order)
{
	struct clab_contig_page_info info;

	clab_mirror_contig_info(c, order, &info);
	return __clab_fragmentation_index(order, &info);
}

/**
 * clab_mirror_read_counters() - copy the counters
 * @m: the mirror
 * @c: filled in; racy against the worker, each field untorn
 */
void clab_mirror_read_counters(struct clab_mirror *m,
			       struct clab_mirror_counters *c)
{
	const u64 *src = (const u64 *)&m->c;
	u64 *dst = (u64 *)c;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(u64); i++)
		dst[i] = READ_ONCE(src[i]);
}

/**
 * clab_mirror_nr_bound() - shadow pages bound to kernel pfns
 * @m: the mirror
 *
 * Return: pages of the blocks the clone and the mirror hold.
 */
unsigned long clab_mirror_nr_bound(struct clab_mirror *m)
{
	unsigned long key, nr = 0;
	struct clab_page *page;

	for (key = 0; key < m->nr_pages; key++) {
		page = clab_layout_clone_get(m->clone, key);
		if (page)
			nr += 1UL << READ_ONCE(page->order);
		if ((key & (CLAB_CHUNK_PAGES - 1)) == 0)
			cond_resched();
	}
	return nr;
}
