// SPDX-License-Identifier: GPL-2.0
/*
 * arena_backend.c - find the arena's memory: a reserved physical range,
 * max-order chunks borrowed from the running kernel, or none at all (a
 * virtual arena: descriptors only).
 */
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <compactlab/arena.h>
#include <compactlab/mmzone.h>
#ifdef CONFIG_X86
#include <asm/e820/api.h>
#endif

/* The compatible a reserved-memory node carries to hand its range to us. */
#define CLAB_DT_COMPATIBLE	"compactlab,arena"

#ifdef CONFIG_X86
/* Every E820 type of 6.1 to 6.12: what "no entry of another type" walks. */
static const enum e820_type clab_e820_types[] = {
	E820_TYPE_RAM, E820_TYPE_RESERVED, E820_TYPE_ACPI, E820_TYPE_NVS,
	E820_TYPE_UNUSABLE, E820_TYPE_PMEM, E820_TYPE_PRAM,
	E820_TYPE_SOFT_RESERVED, E820_TYPE_RESERVED_KERN,
};

/*
 * Is [start, end) wholly of @type in the firmware's original E820 table
 * (@firmware) or in the kernel's current one? The exported queries only say
 * whether some entry meets a range, so: no entry of another type meets the
 * range, and every page meets an entry of @type (no hole of a page or more).
 */
static bool clab_e820_all(bool firmware, u64 start, u64 end,
			  enum e820_type type)
{
	bool (*meets)(u64 start, u64 end, enum e820_type type);
	unsigned int i;
	u64 addr;

	meets = firmware ? e820__mapped_raw_any : e820__mapped_any;
	for (i = 0; i < ARRAY_SIZE(clab_e820_types); i++)
		if (clab_e820_types[i] != type &&
		    meets(start, end, clab_e820_types[i]))
			return false;
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (!meets(addr, addr + PAGE_SIZE, type))
			return false;
		cond_resched();
	}
	return true;
}

/*
 * Was the range set aside with memmap=SIZE$BASE? That option turns RAM of
 * the firmware's map into Reserved in the kernel's: the range must be
 * Reserved now, and RAM in the map the firmware gave (the one
 * /sys/firmware/memmap shows), over all of it. A firmware Reserved range, a
 * PCI window or a BAR never was RAM.
 */
static bool clab_range_set_aside(u64 base, u64 size, const char **why)
{
	if (!clab_e820_all(false, base, base + size, E820_TYPE_RESERVED)) {
		*why = "not wholly Reserved in the kernel's E820 map (use memmap=SIZE$BASE)";
		return false;
	}
	if (!clab_e820_all(true, base, base + size, E820_TYPE_RAM)) {
		*why = "not RAM in the firmware's E820 map: not a memmap= reservation";
		return false;
	}
	return true;
}
#else
/*
 * Was the range set aside for us in the device tree? Only a no-map
 * reserved-memory node whose compatible is CLAB_DT_COMPATIBLE says so:
 * other no-map ranges belong to firmware (secure world, co-processors).
 */
static bool clab_range_set_aside(u64 base, u64 size, const char **why)
{
	struct device_node *np;
	bool found = false;

	for_each_compatible_node(np, NULL, CLAB_DT_COMPATIBLE) {
		struct reserved_mem *rmem = of_reserved_mem_lookup(np);

		if (rmem && of_device_is_available(np) &&
		    of_property_read_bool(np, "no-map") &&
		    base >= rmem->base &&
		    base + size <= rmem->base + rmem->size) {
			found = true;
			of_node_put(np);
			break;
		}
	}
	if (!found)
		*why = "no \"" CLAB_DT_COMPATIBLE "\" no-map reserved-memory node covers the range";
	return found;
}
#endif

static struct clab_arena *clab_arena_create_reserved(const struct clab_arena_params *p,
						     const char **why)
{
	unsigned long pfn = p->base >> PAGE_SHIFT;
	unsigned long pages = p->size >> PAGE_SHIFT;
	unsigned long done;
	struct clab_arena *arena;
	void *vaddr;
	int ret;

	/* Decide before anything maps or touches the range. */
	if (security_locked_down(LOCKDOWN_DEV_MEM)) {
		*why = "the kernel is locked down: no access to physical memory (lockdown=)";
		return ERR_PTR(-EPERM);
	}
	if (region_intersects(p->base, p->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		*why = "the range overlaps System RAM (reserve it with memmap= or no-map)";
		return ERR_PTR(-EINVAL);
	}
	if (!clab_range_set_aside(p->base, p->size, why))
		return ERR_PTR(-EINVAL);
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

/*
 * A virtual arena: chunks without memory over PFNs 0 .. nr_pages - 1. Its
 * cost is its bookkeeping, allocated later by clab_mem_init(): refuse here
 * a size whose bookkeeping would take more than half of RAM, before
 * anything is allocated.
 */
static struct clab_arena *clab_arena_create_virtual(const struct clab_arena_params *p,
						    const char **why)
{
	unsigned long pages = p->size >> PAGE_SHIFT, done;
	unsigned int nr = DIV_ROUND_UP(pages, CLAB_CHUNK_PAGES);
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	struct clab_arena *arena;
	u64 cost;
	int ret;

	cost = clab_mem_descriptor_bytes(pages) +
	       (u64)nr * sizeof(struct clab_arena_chunk);
	if (cost > ram / 2) {
		pr_info("a virtual arena of %llu MiB needs %llu MiB of page descriptors, more than half of RAM (%llu MiB)\n",
			p->size >> 20, cost >> 20, ram >> 20);
		*why = "a virtual arena's descriptors may take at most half of RAM";
		return ERR_PTR(-EINVAL);
	}
	arena = clab_arena_alloc(p, nr);
	if (!arena) {
		*why = "out of memory for the arena's bookkeeping";
		return ERR_PTR(-ENOMEM);
	}
	for (done = 0; done < pages; done += CLAB_CHUNK_PAGES) {
		ret = clab_arena_add_chunk(arena, done,
					   min(pages - done, CLAB_CHUNK_PAGES),
					   NULL, NULL);
		if (ret) {
			*why = "arena_size is not a whole number of pageblocks";
			goto free_arena;
		}
	}
	ret = clab_arena_finish(arena, why);
	if (ret)
		goto free_arena;
	return arena;

free_arena:
	clab_arena_free(arena);
	return ERR_PTR(ret);
}

/**
 * clab_arena_create() - claim and map the memory a request names
 * @p: the checked request
 * @why: set to a human-readable reason on failure
 *
 * A reserved range must have been set aside for compactlab: on x86 with
 * memmap=SIZE$BASE (Reserved in the kernel's E820 map, RAM in the
 * firmware's), elsewhere by a no-map reserved-memory node with compatible
 * "compactlab,arena". It is checked before it is mapped. A virtual arena
 * claims nothing; its descriptors may take at most half of RAM.
 *
 * Return: the arena, or an ERR_PTR: -EPERM when the kernel is locked down
 * against /dev/mem, -EINVAL for a range the kernel uses or that was not set
 * aside for us, or for a borrowed arena or a virtual arena's descriptors
 * over half of RAM, -EBUSY for a range already claimed, -ENOMEM when memory
 * is short.
 */
struct clab_arena *clab_arena_create(const struct clab_arena_params *p,
				     const char **why)
{
	switch (p->backend) {
	case CLAB_ARENA_RESERVED:
		return clab_arena_create_reserved(p, why);
	case CLAB_ARENA_BORROWED:
		return clab_arena_create_borrowed(p, why);
	case CLAB_ARENA_VIRTUAL:
		return clab_arena_create_virtual(p, why);
	default:
		*why = "unknown arena backend";
		return ERR_PTR(-EINVAL);
	}
}

/**
 * clab_arena_destroy() - unmap and give back the arena's memory
 * @arena: the arena from clab_arena_create()
 */
void clab_arena_destroy(struct clab_arena *arena)
{
	switch (arena->backend) {
	case CLAB_ARENA_RESERVED:
		memunmap(arena->chunks[0].vaddr);
		release_mem_region(arena->base, arena->size);
		break;
	case CLAB_ARENA_BORROWED:
		clab_arena_give_back(arena);
		break;
	default:
		/* A virtual arena holds no memory. */
		break;
	}
	clab_arena_free(arena);
}
