/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arena.h - the physical range that the shadow allocator manages.
 *
 * The arena is an index space of pages, 0 .. nr_pages - 1, laid over one or
 * more physical chunks. Every chunk is aligned to, and (except perhaps the
 * last) exactly as large as, the largest buddy block (1 << CLAB_MAX_ORDER
 * pages), and chunks are kept sorted by physical address. So an index that
 * is a multiple of 1 << k maps to a PFN that is a multiple of 1 << k for
 * every k <= CLAB_MAX_ORDER: buddy alignment in index space is buddy
 * alignment in physical memory.
 *
 * The arena never uses the kernel's struct page for its pages: a reserved
 * range usually has none. Per-page and per-pageblock state lives in our own
 * descriptor arrays.
 *
 * A virtual arena has descriptors and nothing else: no memory behind its
 * pages, chunks with a NULL address, and PFNs that are the arena indices
 * (a virtual PFN space from 0). It clones a large zone for the price of its
 * descriptors. Code that reads or writes page contents asks
 * clab_arena_has_contents() first.
 */
#ifndef _COMPACTLAB_ARENA_H
#define _COMPACTLAB_ARENA_H

#include <compactlab/env.h>

#define CLAB_CHUNK_ORDER	CLAB_MAX_ORDER
#define CLAB_CHUNK_PAGES	BIT(CLAB_CHUNK_ORDER)
#define CLAB_PAGEBLOCK_PAGES	BIT(CLAB_PAGEBLOCK_ORDER)

/* Default borrowed arena size when arena_size= is not given. */
#define CLAB_ARENA_DEFAULT_SIZE	(64ULL << 20)

/* The largest reserved or borrowed arena we agree to describe. */
#define CLAB_ARENA_MAX_SIZE	(64ULL << 30)

/*
 * The largest virtual arena: its only cost is its descriptors, which the
 * kernel backend also bounds by RAM (clab_arena_create()).
 */
#define CLAB_ARENA_VIRTUAL_MAX_SIZE	(1024ULL << 30)

/**
 * enum clab_arena_backend - where the arena's memory comes from
 * @CLAB_ARENA_RESERVED: a physical range the kernel does not use
 *	(x86 memmap=, a DT reserved-memory node with no-map), claimed with
 *	request_mem_region and mapped with memremap.
 * @CLAB_ARENA_BORROWED: max-order chunks allocated from the running kernel
 *	and given back on unload.
 * @CLAB_ARENA_VIRTUAL: no memory at all: page descriptors over a virtual
 *	PFN space (PFN = arena index), for allocation and compaction studies
 *	of zones larger than the machine can spare. Migration moves ownership
 *	and counts the bytes it would have copied; nothing reads or writes
 *	page contents.
 * @CLAB_ARENA_NR_BACKENDS: the number of backends
 */
enum clab_arena_backend {
	CLAB_ARENA_RESERVED,
	CLAB_ARENA_BORROWED,
	CLAB_ARENA_VIRTUAL,
	CLAB_ARENA_NR_BACKENDS
};

/* The arena_backend= names, indexed by enum clab_arena_backend. */
extern const char * const clab_arena_backend_names[CLAB_ARENA_NR_BACKENDS];

/**
 * struct clab_arena_chunk - one physically contiguous piece of the arena
 * @pfn: first physical page frame number, aligned to CLAB_CHUNK_PAGES
 *	(virtual backend: the first arena index of the chunk)
 * @nr_pages: pages in this chunk (CLAB_CHUNK_PAGES but for the last one)
 * @vaddr: kernel virtual address of the first page; NULL for a virtual
 *	arena, whose pages have no contents
 * @cookie: backend private (the struct page of a borrowed chunk)
 */
struct clab_arena_chunk {
	unsigned long pfn;
	unsigned long nr_pages;
	void *vaddr;
	void *cookie;
};

/**
 * struct clab_arena - the arena: index space, chunks and descriptors
 * @backend: where the memory comes from
 * @nr_pages: pages in the index space
 * @nr_pageblocks: whole pageblocks in the index space
 * @nr_chunks: entries in @chunks
 * @chunks: physical chunks sorted by @pfn; chunk i holds the indices
 *	[i * CLAB_CHUNK_PAGES, i * CLAB_CHUNK_PAGES + chunks[i].nr_pages)
 * @base: reserved backend: first physical address claimed
 * @size: bytes in the arena
 * @pattern_seed: seed of the last pattern check
 * @pattern_pages: pages written and verified by the last pattern check
 * @pattern_mismatches: words that read back wrong in the last pattern check
 *
 * Everything but the pattern_* results is fixed between
 * clab_arena_create() and clab_arena_destroy() and read without locks.
 */
struct clab_arena {
	enum clab_arena_backend backend;
	unsigned long nr_pages;
	unsigned long nr_pageblocks;
	unsigned int nr_chunks;
	struct clab_arena_chunk *chunks;
	u64 base;
	u64 size;
	u64 pattern_seed;
	unsigned long pattern_pages;
	unsigned long pattern_mismatches;
};

/**
 * struct clab_arena_params - what the user asked for
 * @backend: where the memory comes from
 * @base: reserved backend's physical base address
 * @size: bytes
 */
struct clab_arena_params {
	enum clab_arena_backend backend;
	u64 base;
	u64 size;
};

int clab_parse_size(const char *s, u64 *out);
int clab_arena_parse_params(const char *backend, const char *base,
			    const char *size, struct clab_arena_params *p,
			    const char **why);
int clab_arena_check_params(const struct clab_arena_params *p,
			    const char **why);

struct clab_arena *clab_arena_alloc(const struct clab_arena_params *p,
				    unsigned int nr_chunks);
int clab_arena_add_chunk(struct clab_arena *arena, unsigned long pfn,
			 unsigned long nr_pages, void *vaddr, void *cookie);
int clab_arena_finish(struct clab_arena *arena, const char **why);
void clab_arena_free(struct clab_arena *arena);

/*
 * Implemented by the backend (module/arena_backend.c in the kernel, a
 * malloc-backed one in the user-space tests). create returns an ERR_PTR.
 */
struct clab_arena *clab_arena_create(const struct clab_arena_params *p,
				     const char **why);
void clab_arena_destroy(struct clab_arena *arena);

int clab_arena_pfn_to_index(const struct clab_arena *arena, unsigned long pfn,
			    unsigned long *index);
int clab_arena_pattern_check(struct clab_arena *arena, u64 seed);

/**
 * clab_arena_has_contents() - is there memory behind the arena's pages?
 * @arena: the arena
 *
 * Return: false for a virtual arena, whose pages are descriptors only:
 * nothing may read, write, clear, copy or map their contents.
 */
static inline bool clab_arena_has_contents(const struct clab_arena *arena)
{
	return arena->backend != CLAB_ARENA_VIRTUAL;
}

/**
 * clab_arena_index_to_pfn() - physical page frame of an arena page
 * @arena: the arena
 * @index: arena page index, below @arena->nr_pages
 *
 * Return: the PFN that backs @index; for a virtual arena, @index itself.
 */
static inline unsigned long clab_arena_index_to_pfn(const struct clab_arena *arena,
						    unsigned long index)
{
	return arena->chunks[index >> CLAB_CHUNK_ORDER].pfn +
	       (index & (CLAB_CHUNK_PAGES - 1));
}

/**
 * clab_arena_page_address() - kernel virtual address of an arena page
 * @arena: the arena
 * @index: arena page index, below @arena->nr_pages
 *
 * Return: the address through which the module reads and writes the page;
 * NULL when the arena has no contents (clab_arena_has_contents()).
 */
static inline void *clab_arena_page_address(const struct clab_arena *arena,
					    unsigned long index)
{
	char *vaddr = arena->chunks[index >> CLAB_CHUNK_ORDER].vaddr;

	if (!vaddr)
		return NULL;
	return vaddr + ((index & (CLAB_CHUNK_PAGES - 1)) << CLAB_PAGE_SHIFT);
}

#endif /* _COMPACTLAB_ARENA_H */
