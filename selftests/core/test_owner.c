// SPDX-License-Identifier: GPL-2.0
/*
 * test_owner.c - a table-based owner of arena pages (see test_owner.h).
 */
#include <compactlab/mmzone.h>
#include "test_owner.h"
#include "tap.h"

#define to_test_owner(o) container_of(o, struct test_owner, owner)

static bool t_tryget(struct clab_owner *o)
{
	to_test_owner(o)->refs++;
	return true;
}

static void t_put(struct clab_owner *o)
{
	to_test_owner(o)->refs--;
}

static bool t_trylock(struct clab_owner *o, struct clab_page *page)
{
	if (to_test_owner(o)->locked)
		return false;
	to_test_owner(o)->locked = 1;
	return true;
}

static void t_lock(struct clab_owner *o, struct clab_page *page)
{
	TEST_ASSERT(!to_test_owner(o)->locked);
	to_test_owner(o)->locked = 1;
}

static void t_unlock(struct clab_owner *o, struct clab_page *page)
{
	to_test_owner(o)->locked = 0;
}

static bool t_owns(struct clab_owner *o, struct clab_page *page)
{
	struct test_owner *t = to_test_owner(o);

	return page->private < t->nkeys && t->table[page->private] == page;
}

static void t_unmap(struct clab_owner *o, struct clab_page *page)
{
	TEST_ASSERT(to_test_owner(o)->locked);
	to_test_owner(o)->unmaps++;
}

static void t_move(struct clab_owner *o, struct clab_page *old,
		   struct clab_page *new)
{
	struct test_owner *t = to_test_owner(o);

	TEST_ASSERT(t->locked);
	t->table[old->private] = new;
	new->owner = o;
	new->private = old->private;
	t->moves++;
}

static void t_drop(struct clab_owner *o, struct clab_page *page)
{
	struct test_owner *t = to_test_owner(o);

	TEST_ASSERT(t->locked);
	t->table[page->private] = NULL;
	page->owner = NULL;
	t->drops++;
}

static const struct clab_owner_ops test_cache_owner_ops = {
	.tryget = t_tryget,
	.put = t_put,
	.trylock = t_trylock,
	.lock = t_lock,
	.unlock = t_unlock,
	.owns = t_owns,
	.unmap = t_unmap,
	.move = t_move,
	.drop = t_drop,
};

static const struct clab_owner_ops test_owner_ops = {
	.tryget = t_tryget,
	.put = t_put,
	.trylock = t_trylock,
	.lock = t_lock,
	.unlock = t_unlock,
	.owns = t_owns,
	.unmap = t_unmap,
	.move = t_move,
};

/* Write the key's pattern; a virtual arena's page has nowhere to keep it. */
static void fill(struct test_owner *o, unsigned long key, struct clab_page *p)
{
	u64 *w = clab_arena_page_address(o->mem->arena, clab_page_to_idx(o->mem, p));
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < CLAB_PAGE_SIZE / 8; i++)
		w[i] = key * 0x9e3779b97f4a7c15ULL + i;
}

struct test_owner *test_owner_create(struct clab_mem *mem, unsigned long nkeys)
{
	struct test_owner *o = kzalloc(sizeof(*o), GFP_KERNEL);

	o->owner.ops = &test_owner_ops;
	o->mem = mem;
	o->nkeys = nkeys;
	o->table = kvcalloc(nkeys, sizeof(*o->table), GFP_KERNEL);
	return o;
}

/* A cache: its pages are reclaimable, dropped under memory pressure. */
struct test_owner *test_cache_create(struct clab_mem *mem, unsigned long nkeys)
{
	struct test_owner *o = test_owner_create(mem, nkeys);

	o->owner.ops = &test_cache_owner_ops;
	return o;
}

struct clab_page *test_owner_alloc(struct test_owner *o, unsigned long key,
				   unsigned int gfp)
{
	struct clab_page *p = clab_alloc_pages(o->mem, 0, gfp, 0);

	if (!p)
		return NULL;
	p->owner = &o->owner;
	p->private = key;
	o->table[key] = p;
	fill(o, key, p);
	return p;
}

/* Pin the page under @key: its owner refuses to let it move. */
void test_owner_pin(struct test_owner *o, unsigned long key)
{
	set_bit(CLAB_PG_PINNED, &o->table[key]->flags);
}

/*
 * Take every free page of the arena as an owned movable page keyed by its
 * index (two rounds: the second gets what the first left on the per-CPU
 * lists), each filled with its key's pattern. Returns the pages taken: the
 * arena's size when it was empty.
 */
unsigned long test_owner_fill_arena(struct test_owner *o)
{
	unsigned long got = 0;
	struct clab_page *p;
	int round;

	for (round = 0; round < 2; round++) {
		while ((p = clab_alloc_pages(o->mem, 0, CLAB_GFP_MOVABLE |
					     CLAB_GFP_NO_WMARK, 0))) {
			unsigned long idx = clab_page_to_idx(o->mem, p);

			p->owner = &o->owner;
			p->private = idx;
			o->table[idx] = p;
			fill(o, idx, p);
			got++;
		}
		clab_drain_all_pages(o->mem, NULL);
	}
	return got;
}

void test_owner_free(struct test_owner *o, unsigned long key)
{
	struct clab_page *p = o->table[key];

	if (!p)
		return;
	o->table[key] = NULL;
	p->owner = NULL;
	clab_put_page(o->mem, p);
}

unsigned long test_owner_pfn(struct test_owner *o, unsigned long key)
{
	return o->table[key] ? clab_page_to_idx(o->mem, o->table[key]) : ~0UL;
}

/*
 * Words that differ from the key's pattern, over every page held; 0 on a
 * virtual arena, which has no contents to compare.
 */
unsigned long test_owner_verify(struct test_owner *o)
{
	unsigned long key, bad = 0;
	unsigned int i;

	if (!clab_arena_has_contents(o->mem->arena))
		return 0;
	for (key = 0; key < o->nkeys; key++) {
		u64 *w;

		if (!o->table[key])
			continue;
		w = clab_arena_page_address(o->mem->arena,
					    clab_page_to_idx(o->mem, o->table[key]));
		for (i = 0; i < CLAB_PAGE_SIZE / 8; i++)
			bad += w[i] != key * 0x9e3779b97f4a7c15ULL + i;
	}
	return bad;
}

void test_owner_destroy(struct test_owner *o)
{
	unsigned long key;

	for (key = 0; key < o->nkeys; key++)
		test_owner_free(o, key);
	kvfree(o->table);
	kfree(o);
}

/* Owned movable pages at every index of the arena; the keys are the indices. */
struct test_owner *test_owner_fill(struct clab_mem *mem)
{
	unsigned long n = mem->arena->nr_pages;
	struct test_owner *o = test_owner_create(mem, n);

	TEST_ASSERT(test_owner_fill_arena(o) == n);
	return o;
}

/* test_owner_fill(), then keep 1 of every @stride pages (Gupta: 4). */
struct test_owner *test_owner_fragment(struct clab_mem *mem, unsigned int stride)
{
	struct test_owner *o = test_owner_fill(mem);
	unsigned long k;

	for (k = 0; k < mem->arena->nr_pages; k++)
		if (k % stride)
			test_owner_free(o, k);
	clab_drain_all_pages(mem, NULL);
	return o;
}
