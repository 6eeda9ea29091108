// SPDX-License-Identifier: GPL-2.0
/*
 * arena_backend.c - find the arena's memory: a reserved physical range, or
 * max-order chunks borrowed from the running kernel.
 */
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <compactlab/arena.h>

static struct clab_arena *clab_arena_create_reserved(const struct clab_arena_params *p,
						     const char **why)
{
	unsigned long pfn = p->base >> PAGE_SHIFT;
	unsigned long pages = p->size >> PAGE_SHIFT;
	unsigned long done;
	struct clab_arena *arena;
	void *vaddr;
	int ret;

	if (region_intersects(p->base, p->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		*why = "the range overlaps System RAM (reserve it with memmap= or no-map)";
		return ERR_PTR(-EINVAL);
	}
	if (region_intersects(p->base, p->size, IORESOURCE_MEM,
			      IORES_DESC_NONE) != REGION_INTERSECTS) {
		*why = "the range is not wholly described as memory in /proc/iomem";
		return ERR_PTR(-EINVAL);
	}
	if (!request_mem_region(p->base, p->size, KBUILD_MODNAME)) {
		/*
		 * Either a busy resource overlaps the range, or there was no
		 * memory for our resource entry: tell the two apart.
		 */
		if (region_intersects(p->base, p->size,
				      IORESOURCE_MEM | IORESOURCE_BUSY,
				      IORES_DESC_NONE) == REGION_DISJOINT) {
			*why = "out of memory for the /proc/iomem entry";
			return ERR_PTR(-ENOMEM);
		}
		*why = "the range is already claimed by another driver";
		return ERR_PTR(-EBUSY);
	}
	vaddr = memremap(p->base, p->size, MEMREMAP_WB);
	if (!vaddr) {
		*why = "memremap of the range failed";
		ret = -ENOMEM;
		goto release_region;
	}
	arena = clab_arena_alloc(p, DIV_ROUND_UP(pages, CLAB_CHUNK_PAGES));
	if (!arena) {
		*why = "out of memory for the arena's bookkeeping";
		ret = -ENOMEM;
		goto unmap;
	}
	for (done = 0; done < pages; done += CLAB_CHUNK_PAGES) {
		ret = clab_arena_add_chunk(arena, pfn + done,
					   min(pages - done, CLAB_CHUNK_PAGES),
					   (char *)vaddr + (done << PAGE_SHIFT),
					   NULL);
		if (ret) {
			*why = "the range is misaligned";
			goto free_arena;
		}
	}
	ret = clab_arena_finish(arena, why);
	if (ret)
		goto free_arena;
	return arena;

free_arena:
	clab_arena_free(arena);
unmap:
	memunmap(vaddr);
release_region:
	release_mem_region(p->base, p->size);
	return ERR_PTR(ret);
}

static void clab_arena_give_back(struct clab_arena *arena)
{
	unsigned int i;

	for (i = 0; i < arena->nr_chunks; i++)
		__free_pages(arena->chunks[i].cookie, CLAB_CHUNK_ORDER);
}

static struct clab_arena *clab_arena_create_borrowed(const struct clab_arena_params *p,
						     const char **why)
{
	unsigned int nr = p->size >> (PAGE_SHIFT + CLAB_CHUNK_ORDER), i;
	struct clab_arena *arena;
	int ret;

	if (p->size > ((u64)totalram_pages() << PAGE_SHIFT) / 2) {
		*why = "a borrowed arena_size may be at most half of RAM";
		return ERR_PTR(-EINVAL);
	}
	arena = clab_arena_alloc(p, nr);
	if (!arena) {
		*why = "out of memory for the arena's bookkeeping";
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < nr; i++) {
		struct page *page;

		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL,
				   CLAB_CHUNK_ORDER);
		if (!page) {
			*why = "too few free largest-order blocks; use a smaller arena_size";
			ret = -ENOMEM;
			goto give_back;
		}
		clab_arena_add_chunk(arena, page_to_pfn(page), CLAB_CHUNK_PAGES,
				     page_address(page), page);
	}
	ret = clab_arena_finish(arena, why);
	if (ret)
		goto give_back;
	return arena;

give_back:
	clab_arena_give_back(arena);
	clab_arena_free(arena);
	return ERR_PTR(ret);
}

/**
 * clab_arena_create() - claim and map the memory a request names
 * @p: the checked request
 * @why: set to a human-readable reason on failure
 *
 * Return: the arena, or an ERR_PTR: -EINVAL for a range the kernel uses,
 * -EBUSY for a range already claimed, -ENOMEM when memory is short.
 */
struct clab_arena *clab_arena_create(const struct clab_arena_params *p,
				     const char **why)
{
	if (p->reserved)
		return clab_arena_create_reserved(p, why);
	return clab_arena_create_borrowed(p, why);
}

/**
 * clab_arena_destroy() - unmap and give back the arena's memory
 * @arena: the arena from clab_arena_create()
 */
void clab_arena_destroy(struct clab_arena *arena)
{
	if (arena->backend == CLAB_ARENA_RESERVED) {
		memunmap(arena->chunks[0].vaddr);
		release_mem_region(arena->base, arena->size);
	} else {
		clab_arena_give_back(arena);
	}
	clab_arena_free(arena);
}
