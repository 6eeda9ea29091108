// SPDX-License-Identifier: GPL-2.0
/*
 * test_arena.c - the arena core in user space: size parsing, parameter
 * checks, chunk sorting, index <-> PFN mapping and buddy alignment, and the
 * pattern check.
 */
#include <compactlab/arena.h>
#include "tap.h"

#define MB(x)	((u64)(x) << 20)

static void test_parse_size(void)
{
	static const struct { const char *s; int ret; u64 val; } cases[] = {
		{ "128M", 0, MB(128) },
		{ "128m\n", 0, MB(128) },
		{ "0x30000000", 0, 0x30000000ULL },
		{ "0X1G", 0, 1ULL << 30 },
		{ "4096", 0, 4096 },
		{ "1k", 0, 1024 },
		{ "2T", 0, 2ULL << 40 },
		{ "1E", 0, 1ULL << 60 },
		{ "16E", -EINVAL, 0 },			/* overflows */
		{ "18446744073709551615", 0, U64_MAX },
		{ "18446744073709551616", -EINVAL, 0 },	/* overflows */
		{ "0xffffffffffffffffff", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ " 12", -EINVAL, 0 },
		{ "12 ", -EINVAL, 0 },
		{ "12MB", -EINVAL, 0 },
		{ "12Q", -EINVAL, 0 },
		{ "1\n\n", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0;
		int ret = clab_parse_size(cases[i].s, &v);

		CHECK_EQ(ret, cases[i].ret);
		if (!ret)
			CHECK(v == cases[i].val);
	}
	CHECK_EQ(clab_parse_size(NULL, &(u64){0}), -EINVAL);
}

static void test_params(void)
{
	enum { R = CLAB_ARENA_RESERVED, B = CLAB_ARENA_BORROWED,
	       V = CLAB_ARENA_VIRTUAL };
	static const struct {
		const char *backend, *base, *size;
		int ret;
		int backend_out;
		u64 expect_size;
	} cases[] = {
		{ NULL, NULL, NULL, 0, B, MB(64) },		/* default borrowed */
		{ "", "", "", 0, B, MB(64) },
		{ NULL, NULL, "8M", 0, B, MB(8) },
		{ NULL, NULL, "6M", -EINVAL, B, 0 },	/* not whole 4M chunks */
		{ NULL, NULL, "2M", -EINVAL, B, 0 },
		{ NULL, "0x30000000", "128M", 0, R, MB(128) },
		{ NULL, "0x30000000", "4M", 0, R, MB(4) },	/* two pageblocks */
		{ NULL, "0x30000000", "6144K", 0, R, MB(6) },
		{ NULL, "0x30000000", "2M", -EINVAL, R, 0 },	/* one pageblock */
		{ NULL, "0x30000000", "0", -EINVAL, R, 0 },
		{ NULL, "0x30000000", "5M", -EINVAL, R, 0 },	/* partial pageblock */
		{ NULL, "0x30100000", "128M", -EINVAL, R, 0 },	/* misaligned base */
		{ NULL, "0x30000000", NULL, -EINVAL, R, 0 },	/* base needs size */
		{ NULL, "banana", "128M", -EINVAL, R, 0 },
		{ NULL, "0x30000000", "lots", -EINVAL, R, 0 },
		{ NULL, "0xfffffffffffff000", "128M", -EINVAL, R, 0 },
		{ NULL, NULL, "128G", -EINVAL, B, 0 },		/* over 64G */
		/* arena_backend= named */
		{ "reserved", "0x30000000", "8M", 0, R, MB(8) },
		{ "reserved", NULL, "8M", -EINVAL, R, 0 },	/* needs a base */
		{ "borrowed", NULL, "8M", 0, B, MB(8) },
		{ "borrowed\n", NULL, NULL, 0, B, MB(64) },
		{ "borrowed", "0x30000000", "8M", -EINVAL, B, 0 },
		{ "virtual", NULL, "16G", 0, V, 16ULL << 30 },
		{ "virtual", NULL, "6M", 0, V, MB(6) },	/* whole pageblocks */
		{ "virtual", NULL, "4M", 0, V, MB(4) },
		{ "virtual", NULL, "128G", 0, V, 128ULL << 30 },
		{ "virtual", NULL, "1T", 0, V, 1ULL << 40 },
		{ "virtual", NULL, "2T", -EINVAL, V, 0 },	/* over 1T */
		{ "virtual", NULL, "2M", -EINVAL, V, 0 },	/* one pageblock */
		{ "virtual", NULL, "5M", -EINVAL, V, 0 },	/* partial pageblock */
		{ "virtual", NULL, NULL, -EINVAL, V, 0 },	/* needs a size */
		{ "virtual", "0x30000000", "8M", -EINVAL, V, 0 },
		{ "Virtual", NULL, "8M", -EINVAL, V, 0 },	/* names are exact */
		{ "virt", NULL, "8M", -EINVAL, V, 0 },
		{ "virtualx", NULL, "8M", -EINVAL, V, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct clab_arena_params p;
		const char *why = NULL;
		int ret = clab_arena_parse_params(cases[i].backend,
						  cases[i].base, cases[i].size,
						  &p, &why);

		CHECK_EQ(ret, cases[i].ret);
		if (ret) {
			CHECK(why && *why);
			continue;
		}
		CHECK_EQ(p.backend, cases[i].backend_out);
		CHECK(p.size == cases[i].expect_size);
	}
	for (i = 0; i < CLAB_ARENA_NR_BACKENDS; i++)
		CHECK(clab_arena_backend_names[i] &&
		      *clab_arena_backend_names[i]);
}

/* Every index aligned to 1 << k maps to a PFN aligned to 1 << k. */
static void check_mapping(struct clab_arena *arena)
{
	unsigned long i, idx;
	unsigned int k;

	for (i = 0; i < arena->nr_pages; i++) {
		unsigned long pfn = clab_arena_index_to_pfn(arena, i);

		for (k = 0; k <= CLAB_MAX_ORDER; k++)
			if (IS_ALIGNED(i, 1UL << k))
				CHECK(IS_ALIGNED(pfn, 1UL << k));
		idx = ~0UL;
		CHECK_EQ(clab_arena_pfn_to_index(arena, pfn, &idx), 0);
		CHECK(idx == i);
		if (i)
			CHECK(pfn > clab_arena_index_to_pfn(arena, i - 1));
		if (!clab_arena_has_contents(arena)) {
			CHECK(!clab_arena_page_address(arena, i));
			continue;
		}
		CHECK((char *)clab_arena_page_address(arena, i) ==
		      (char *)arena->chunks[i >> CLAB_CHUNK_ORDER].vaddr +
		      ((i & (CLAB_CHUNK_PAGES - 1)) << CLAB_PAGE_SHIFT));
	}
}

static void test_reserved_mapping(void)
{
	struct clab_arena_params p;
	struct clab_arena *arena;
	const char *why = "";
	unsigned long idx;

	/* 10M: two whole chunks and a partial third of one pageblock. */
	CHECK_EQ(clab_arena_parse_params(NULL, "0x30000000", "10M", &p, &why), 0);
	arena = clab_arena_create(&p, &why);
	CHECK(!IS_ERR(arena));
	if (IS_ERR(arena))
		return;
	CHECK_EQ(arena->nr_pages, 2560);
	CHECK_EQ(arena->nr_pageblocks, 5);
	CHECK_EQ(arena->nr_chunks, 3);
	CHECK_EQ(clab_arena_index_to_pfn(arena, 0), 0x30000);
	CHECK_EQ(clab_arena_index_to_pfn(arena, 2559), 0x30000 + 2559);
	check_mapping(arena);
	CHECK_EQ(clab_arena_pfn_to_index(arena, 0x30000 - 1, &idx), -ERANGE);
	CHECK_EQ(clab_arena_pfn_to_index(arena, 0x30000 + 2560, &idx), -ERANGE);
	clab_arena_destroy(arena);
}

static void test_borrowed_mapping(void)
{
	struct clab_arena_params p;
	struct clab_arena *arena;
	const char *why = "";
	unsigned long idx;
	unsigned int i;

	CHECK_EQ(clab_arena_parse_params(NULL, NULL, "64M", &p, &why), 0);
	arena = clab_arena_create(&p, &why);
	CHECK(!IS_ERR(arena));
	if (IS_ERR(arena))
		return;
	CHECK_EQ(arena->nr_chunks, 16);
	CHECK_EQ(arena->nr_pages, 16384);
	CHECK_EQ(arena->nr_pageblocks, 32);
	for (i = 1; i < arena->nr_chunks; i++)
		CHECK(arena->chunks[i].pfn > arena->chunks[i - 1].pfn);
	check_mapping(arena);
	/* The holes between scattered chunks are not in the arena. */
	CHECK_EQ(clab_arena_pfn_to_index(arena, 0, &idx), -ERANGE);
	CHECK_EQ(clab_arena_pfn_to_index(arena, arena->chunks[15].pfn +
					 CLAB_CHUNK_PAGES, &idx), -ERANGE);
	clab_arena_destroy(arena);
}

static void test_bad_chunks(void)
{
	struct clab_arena_params p = {
		.backend = CLAB_ARENA_RESERVED, .size = MB(12),
	};
	struct clab_arena *arena = clab_arena_alloc(&p, 3);
	static char mem[1];
	const char *why = "";

	CHECK(arena);
	if (!arena)
		return;
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30001, 1024, mem, NULL), -EINVAL);
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30000, 2048, mem, NULL), -EINVAL);
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30000, 100, mem, NULL), -EINVAL);
	CHECK_EQ(clab_arena_finish(arena, &why), -EINVAL);	/* empty */
	/* A partial chunk below a whole one breaks the index space. */
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30400, 1024, mem, NULL), 0);
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30000, 512, mem, NULL), 0);
	CHECK_EQ(clab_arena_finish(arena, &why), -EINVAL);
	CHECK(strstr(why, "partial"));
	clab_arena_free(arena);

	arena = clab_arena_alloc(&p, 2);
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30000, 1024, mem, NULL), 0);
	CHECK_EQ(clab_arena_add_chunk(arena, 0x30000, 1024, mem, NULL), 0);
	CHECK_EQ(clab_arena_finish(arena, &why), -EINVAL);
	CHECK(strstr(why, "overlap"));
	clab_arena_free(arena);
}

static void test_pattern_check(void)
{
	struct clab_arena_params p;
	struct clab_arena *arena;
	const char *why = "";
	void *saved;

	CHECK_EQ(clab_arena_parse_params(NULL, NULL, "8M", &p, &why), 0);
	arena = clab_arena_create(&p, &why);
	CHECK(!IS_ERR(arena));
	if (IS_ERR(arena))
		return;
	CHECK_EQ(clab_arena_pattern_check(arena, 42), 0);
	CHECK_EQ(arena->pattern_pages, 2048);
	CHECK_EQ(arena->pattern_mismatches, 0);
	CHECK_EQ(arena->pattern_seed, 42);
	/* Two chunks aliasing one piece of memory must be caught. */
	saved = arena->chunks[1].vaddr;
	arena->chunks[1].vaddr = arena->chunks[0].vaddr;
	clab_arena_pattern_check(arena, 7);
	CHECK(arena->pattern_mismatches > 0);
	arena->chunks[1].vaddr = saved;
	clab_arena_destroy(arena);
}

/*
 * A virtual arena: PFN == index from 0, no addresses, and the pattern
 * check refuses it, leaving the last result alone.
 */
static void test_virtual_mapping(void)
{
	struct clab_arena_params p;
	struct clab_arena *arena;
	const char *why = "";
	unsigned long idx;
	unsigned int i;

	/* 10M: two whole chunks and a partial third of one pageblock. */
	CHECK_EQ(clab_arena_parse_params("virtual", NULL, "10M", &p, &why), 0);
	arena = clab_arena_create(&p, &why);
	CHECK(!IS_ERR(arena));
	if (IS_ERR(arena))
		return;
	CHECK_EQ(arena->backend, CLAB_ARENA_VIRTUAL);
	CHECK(!clab_arena_has_contents(arena));
	CHECK_EQ(arena->nr_pages, 2560);
	CHECK_EQ(arena->nr_pageblocks, 5);
	CHECK_EQ(arena->nr_chunks, 3);
	for (i = 0; i < arena->nr_chunks; i++)
		CHECK(!arena->chunks[i].vaddr);
	for (idx = 0; idx < arena->nr_pages; idx++)
		CHECK_EQ(clab_arena_index_to_pfn(arena, idx), idx);
	check_mapping(arena);
	CHECK_EQ(clab_arena_pfn_to_index(arena, 2560, &idx), -ERANGE);
	CHECK_EQ(clab_arena_pattern_check(arena, 42), -EOPNOTSUPP);
	CHECK_EQ(arena->pattern_pages, 0);
	CHECK_EQ(arena->pattern_seed, 0);
	clab_arena_destroy(arena);
}

#define ARENA_CASES(X) \
	X(test_parse_size) \
	X(test_params) \
	X(test_reserved_mapping) \
	X(test_borrowed_mapping) \
	X(test_bad_chunks) \
	X(test_pattern_check) \
	X(test_virtual_mapping)

CLAB_TEST_SUITE(arena, ARENA_CASES);
