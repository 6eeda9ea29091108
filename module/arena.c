// SPDX-License-Identifier: GPL-2.0
/*
 * arena.c - the arena's index space: parameter checks, the chunk table,
 * index <-> PFN mapping and the pattern check.
 *
 * Core code: no interfaces here. The backends that find the memory are in
 * arena_backend.c.
 */
#include <compactlab/arena.h>

const char * const clab_arena_backend_names[CLAB_ARENA_NR_BACKENDS] = {
	[CLAB_ARENA_RESERVED] = "reserved",
	[CLAB_ARENA_BORROWED] = "borrowed",
	[CLAB_ARENA_VIRTUAL] = "virtual",
};

/**
 * clab_parse_size() - parse a size or address in memparse syntax
 * @s: the text: decimal or 0x-prefixed hexadecimal, optionally followed by
 *	one of the suffixes K, M, G, T, P, E (either case), e.g. "256M",
 *	"0x30000000", "1G"; one trailing newline is accepted so that
 *	sysfs-style input parses
 * @out: the value in bytes
 *
 * Unlike memparse(), the whole string must be consumed and overflow is an
 * error rather than a silent wrap.
 *
 * Return: 0, or -EINVAL if @s is empty, malformed or overflows 64 bits.
 */
int clab_parse_size(const char *s, u64 *out)
{
	static const char suffixes[] = "kmgtpe";
	unsigned int base = 10, shift = 0, digits = 0;
	const char *sfx;
	u64 val = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (val > (U64_MAX - d) / base)
			return -EINVAL;
		val = val * base + d;
	}
	if (!digits)
		return -EINVAL;
	sfx = *s ? strchr(suffixes, *s | 0x20) : NULL;
	if (sfx) {
		shift = 10 * (unsigned int)(sfx - suffixes + 1);
		s++;
	}
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	if (shift && val > (U64_MAX >> shift))
		return -EINVAL;
	*out = val << shift;
	return 0;
}

/* The backend named @name (arena_backend=), or -1. */
static int clab_arena_backend_of(const char *name)
{
	size_t len = strlen(name);
	int i;

	/* One trailing newline, as clab_parse_size() accepts. */
	if (len && name[len - 1] == '\n')
		len--;
	for (i = 0; i < CLAB_ARENA_NR_BACKENDS; i++)
		if (strlen(clab_arena_backend_names[i]) == len &&
		    !strncmp(name, clab_arena_backend_names[i], len))
			return i;
	return -1;
}

/**
 * clab_arena_parse_params() - turn the module parameters into a request
 * @backend: arena_backend= text ("reserved", "borrowed", "virtual"), or
 *	NULL/empty for the default: reserved when @base is given, else
 *	borrowed
 * @base: arena_base= text, or NULL/empty (required by, and only allowed
 *	with, the reserved backend)
 * @size: arena_size= text, or NULL/empty for the borrowed default size
 *	(the reserved and virtual backends require it)
 * @p: the parsed request
 * @why: set to a human-readable reason on failure
 *
 * Return: 0, or -EINVAL with @why set.
 */
int clab_arena_parse_params(const char *backend, const char *base,
			    const char *size, struct clab_arena_params *p,
			    const char **why)
{
	bool has_base = base && *base;
	int b;

	memset(p, 0, sizeof(*p));
	if (backend && *backend) {
		b = clab_arena_backend_of(backend);
		if (b < 0) {
			*why = "arena_backend is not one of reserved, borrowed, virtual";
			return -EINVAL;
		}
		p->backend = b;
	} else {
		p->backend = has_base ? CLAB_ARENA_RESERVED : CLAB_ARENA_BORROWED;
	}
	if (has_base && p->backend != CLAB_ARENA_RESERVED) {
		*why = p->backend == CLAB_ARENA_VIRTUAL ?
		       "a virtual arena has no physical base: drop arena_base" :
		       "a borrowed arena has no physical base: drop arena_base";
		return -EINVAL;
	}
	if (p->backend == CLAB_ARENA_RESERVED && !has_base) {
		*why = "a reserved arena needs arena_base";
		return -EINVAL;
	}
	if (has_base && clab_parse_size(base, &p->base)) {
		*why = "arena_base is not a number (e.g. 0x30000000)";
		return -EINVAL;
	}
	if (!size || !*size) {
		if (p->backend == CLAB_ARENA_RESERVED) {
			*why = "arena_base needs arena_size";
			return -EINVAL;
		}
		if (p->backend == CLAB_ARENA_VIRTUAL) {
			*why = "arena_backend=virtual needs arena_size (e.g. 16G)";
			return -EINVAL;
		}
		p->size = CLAB_ARENA_DEFAULT_SIZE;
	} else if (clab_parse_size(size, &p->size)) {
		*why = "arena_size is not a size (e.g. 128M)";
		return -EINVAL;
	}
	return clab_arena_check_params(p, why);
}

/**
 * clab_arena_check_params() - refuse a request the arena cannot honour
 * @p: the request
 * @why: set to a human-readable reason on failure
 *
 * Every arena holds at least two pageblocks. A reserved range must start
 * on a largest-order boundary and be made of whole pageblocks; a borrowed
 * arena is made of whole largest-order chunks; both are at most
 * CLAB_ARENA_MAX_SIZE. A virtual arena is made of whole pageblocks, at most
 * CLAB_ARENA_VIRTUAL_MAX_SIZE (the kernel backend also bounds it by RAM).
 *
 * Return: 0, or -EINVAL with @why set.
 */
int clab_arena_check_params(const struct clab_arena_params *p,
			    const char **why)
{
	u64 chunk_bytes = (u64)CLAB_CHUNK_PAGES << CLAB_PAGE_SHIFT;
	u64 block_bytes = (u64)CLAB_PAGEBLOCK_PAGES << CLAB_PAGE_SHIFT;

	if (p->backend >= CLAB_ARENA_NR_BACKENDS) {
		*why = "unknown arena backend";
		return -EINVAL;
	}
	if (p->size < 2 * block_bytes) {
		*why = "arena_size is smaller than two pageblocks";
		return -EINVAL;
	}
	if (p->backend == CLAB_ARENA_VIRTUAL) {
		if (p->size > CLAB_ARENA_VIRTUAL_MAX_SIZE) {
			*why = "a virtual arena_size is larger than 1T";
			return -EINVAL;
		}
		if (p->size % block_bytes) {
			*why = "arena_size is not a whole number of pageblocks";
			return -EINVAL;
		}
		return 0;
	}
	if (p->size > CLAB_ARENA_MAX_SIZE) {
		*why = "arena_size is larger than 64G";
		return -EINVAL;
	}
	if (p->backend == CLAB_ARENA_BORROWED) {
		if (p->size % chunk_bytes) {
			*why = "a borrowed arena_size must be whole largest buddy blocks";
			return -EINVAL;
		}
		return 0;
	}
	if (p->base % chunk_bytes) {
		*why = "arena_base is not aligned to the largest buddy block";
		return -EINVAL;
	}
	if (p->size % block_bytes) {
		*why = "arena_size is not a whole number of pageblocks";
		return -EINVAL;
	}
	if (p->base + p->size < p->base) {
		*why = "arena_base + arena_size overflows";
		return -EINVAL;
	}
	return 0;
}

/**
 * clab_arena_alloc() - allocate an empty arena for a backend to fill
 * @p: the checked request
 * @nr_chunks: how many chunks the backend will add
 *
 * Return: the arena, or NULL when out of memory.
 */
struct clab_arena *clab_arena_alloc(const struct clab_arena_params *p,
				    unsigned int nr_chunks)
{
	struct clab_arena *arena;

	arena = kzalloc(sizeof(*arena), GFP_KERNEL);
	if (!arena)
		return NULL;
	/* 32 bytes per 4 MiB: a virtual arena of 1T has 256K chunks. */
	arena->chunks = kvcalloc(nr_chunks, sizeof(*arena->chunks), GFP_KERNEL);
	if (!arena->chunks) {
		kfree(arena);
		return NULL;
	}
	arena->backend = p->backend;
	arena->base = p->base;
	arena->size = p->size;
	return arena;
}

/**
 * clab_arena_add_chunk() - record one physically contiguous chunk
 * @arena: the arena being built
 * @pfn: first PFN, aligned to CLAB_CHUNK_PAGES
 * @nr_pages: pages, at most CLAB_CHUNK_PAGES and a whole number of pageblocks
 * @vaddr: kernel virtual address of the first page; NULL for a virtual arena
 * @cookie: backend private
 *
 * Return: 0, or -EINVAL for a misaligned chunk or a full table.
 */
int clab_arena_add_chunk(struct clab_arena *arena, unsigned long pfn,
			 unsigned long nr_pages, void *vaddr, void *cookie)
{
	struct clab_arena_chunk *c;

	if (pfn & (CLAB_CHUNK_PAGES - 1) || !nr_pages ||
	    nr_pages > CLAB_CHUNK_PAGES || nr_pages & (CLAB_PAGEBLOCK_PAGES - 1))
		return -EINVAL;
	c = &arena->chunks[arena->nr_chunks++];
	c->pfn = pfn;
	c->nr_pages = nr_pages;
	c->vaddr = vaddr;
	c->cookie = cookie;
	return 0;
}

static int clab_chunk_cmp(const void *a, const void *b)
{
	const struct clab_arena_chunk *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/**
 * clab_arena_finish() - sort the chunks and build the index space
 * @arena: the arena with all chunks added
 * @why: set to a human-readable reason on failure
 *
 * Only the chunk with the highest PFN may be partial: every other index
 * range must be whole so that alignment carries over.
 *
 * Return: 0, or -EINVAL with @why set.
 */
int clab_arena_finish(struct clab_arena *arena, const char **why)
{
	unsigned int i;

	if (!arena->nr_chunks) {
		*why = "the arena has no memory";
		return -EINVAL;
	}
	sort(arena->chunks, arena->nr_chunks, sizeof(*arena->chunks),
	     clab_chunk_cmp, NULL);
	arena->nr_pages = 0;
	for (i = 0; i < arena->nr_chunks; i++) {
		struct clab_arena_chunk *c = &arena->chunks[i];

		if (i && c->pfn < arena->chunks[i - 1].pfn +
				  arena->chunks[i - 1].nr_pages) {
			*why = "arena chunks overlap";
			return -EINVAL;
		}
		if (i + 1 < arena->nr_chunks && c->nr_pages != CLAB_CHUNK_PAGES) {
			*why = "only the last arena chunk may be partial";
			return -EINVAL;
		}
		arena->nr_pages += c->nr_pages;
	}
	arena->nr_pageblocks = arena->nr_pages >> CLAB_PAGEBLOCK_ORDER;
	return 0;
}

/**
 * clab_arena_free() - free the arena's bookkeeping (not its memory)
 * @arena: the arena, or NULL
 */
void clab_arena_free(struct clab_arena *arena)
{
	if (!arena)
		return;
	kvfree(arena->chunks);
	kfree(arena);
}

/**
 * clab_arena_pfn_to_index() - arena index of a physical page
 * @arena: the arena
 * @pfn: the page frame number
 * @index: set to the arena index
 *
 * Return: 0, or -ERANGE if @pfn is not in the arena.
 */
int clab_arena_pfn_to_index(const struct clab_arena *arena, unsigned long pfn,
			    unsigned long *index)
{
	unsigned int lo = 0, hi = arena->nr_chunks;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct clab_arena_chunk *c = &arena->chunks[mid];

		if (pfn < c->pfn) {
			hi = mid;
		} else if (pfn >= c->pfn + c->nr_pages) {
			lo = mid + 1;
		} else {
			*index = ((unsigned long)mid << CLAB_CHUNK_ORDER) +
				 (pfn - c->pfn);
			return 0;
		}
	}
	return -ERANGE;
}

/* A word of the test pattern: distinct per seed, page frame and offset. */
static u64 clab_pattern_word(u64 seed, unsigned long pfn, unsigned int word)
{
	u64 x = seed ^ ((u64)pfn << 12 | word);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/**
 * clab_arena_pattern_check() - write a pattern over the arena and verify it
 * @arena: the arena; its pages must not be in use
 * @seed: pattern seed
 *
 * Every page is written first and read back afterwards, so that two indices
 * aliasing one physical page show up as mismatches. The result is left in
 * @arena->pattern_*. The caller serialises against other users of the pages.
 *
 * Return: 0, or -EOPNOTSUPP for an arena without contents (virtual), which
 * is left alone.
 */
int clab_arena_pattern_check(struct clab_arena *arena, u64 seed)
{
	unsigned int words = CLAB_PAGE_SIZE / sizeof(u64), w;
	unsigned long i, bad = 0;

	if (!clab_arena_has_contents(arena))
		return -EOPNOTSUPP;

	for (i = 0; i < arena->nr_pages; i++) {
		u64 *p = clab_arena_page_address(arena, i);
		unsigned long pfn = clab_arena_index_to_pfn(arena, i);

		for (w = 0; w < words; w++)
			p[w] = clab_pattern_word(seed, pfn, w);
		if (!(i & (CLAB_PAGEBLOCK_PAGES - 1)))
			cond_resched();
	}
	for (i = 0; i < arena->nr_pages; i++) {
		u64 *p = clab_arena_page_address(arena, i);
		unsigned long pfn = clab_arena_index_to_pfn(arena, i);

		for (w = 0; w < words; w++)
			bad += p[w] != clab_pattern_word(seed, pfn, w);
		if (!(i & (CLAB_PAGEBLOCK_PAGES - 1)))
			cond_resched();
	}
	arena->pattern_seed = seed;
	arena->pattern_pages = arena->nr_pages;
	arena->pattern_mismatches = bad;
	return 0;
}
