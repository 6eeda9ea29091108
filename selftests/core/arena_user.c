// SPDX-License-Identifier: GPL-2.0
/*
 * arena_user.c - the tests' arena backend: real memory from vmalloc() (the
 * C library's in user space), with made-up but properly aligned page frame
 * numbers. The same file backs the user-space tests and the KUnit suites
 * (selftests/kunit), where the pages are the kernel's but their PFNs are
 * not: the core only names pages by PFN and reaches them by address.
 *
 * A reserved arena gets consecutive PFNs from its base. A borrowed arena
 * gets chunks at scattered, out-of-order PFNs (as the kernel hands them out),
 * so that the core's sorting and lookup are exercised. A virtual arena gets
 * no memory at all, as in the kernel: chunks with a NULL address over PFNs
 * from 0 (the arena indices).
 */
#include <compactlab/arena.h>

#define CLAB_USER_PFN_SLOTS	251	/* prime: i * 97 mod 251 is a permutation */

struct clab_arena *clab_arena_create(const struct clab_arena_params *p,
				     const char **why)
{
	unsigned long pages = p->size >> CLAB_PAGE_SHIFT, done;
	unsigned int nr = DIV_ROUND_UP(pages, CLAB_CHUNK_PAGES), i;
	struct clab_arena *arena;
	int ret;

	if (p->backend == CLAB_ARENA_BORROWED && nr > CLAB_USER_PFN_SLOTS) {
		*why = "too large for the test backend";
		return ERR_PTR(-ENOMEM);
	}
	arena = clab_arena_alloc(p, nr);
	if (!arena) {
		*why = "out of memory";
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0, done = 0; i < nr; i++, done += CLAB_CHUNK_PAGES) {
		unsigned long n = min(pages - done, CLAB_CHUNK_PAGES);
		unsigned long pfn;
		void *mem = NULL;

		if (p->backend != CLAB_ARENA_VIRTUAL)
			mem = vmalloc(n << CLAB_PAGE_SHIFT);
		if (!mem && p->backend != CLAB_ARENA_VIRTUAL) {
			*why = "out of memory";
			ret = -ENOMEM;
			goto fail;
		}
		if (p->backend == CLAB_ARENA_VIRTUAL)
			pfn = done;
		else if (p->backend == CLAB_ARENA_RESERVED)
			pfn = (p->base >> CLAB_PAGE_SHIFT) + done;
		else
			pfn = (unsigned long)((i * 97UL) % CLAB_USER_PFN_SLOTS + 1)
			      << CLAB_CHUNK_ORDER;
		ret = clab_arena_add_chunk(arena, pfn, n, mem, mem);
		if (ret) {
			vfree(mem);
			*why = "misaligned chunk";
			goto fail;
		}
	}
	ret = clab_arena_finish(arena, why);
	if (ret)
		goto fail;
	return arena;
fail:
	for (i = 0; i < arena->nr_chunks; i++)
		vfree(arena->chunks[i].cookie);
	clab_arena_free(arena);
	return ERR_PTR(ret);
}

void clab_arena_destroy(struct clab_arena *arena)
{
	unsigned int i;

	for (i = 0; i < arena->nr_chunks; i++)
		vfree(arena->chunks[i].cookie);
	clab_arena_free(arena);
}
