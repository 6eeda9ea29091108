// SPDX-License-Identifier: GPL-2.0
/*
 * test_virtual.c - the virtual arena: page descriptors without memory.
 * Compaction over a fragmented virtual arena moves ownership exactly as it
 * moves pages over an arena with contents (the same pages end at the same
 * places, the same counters), copies nothing and counts the bytes it would
 * have copied, CLAB_PAGE_SIZE per page moved; __GFP_ZERO and the
 * migration of an isolated list touch no contents; and the bookkeeping of
 * a virtual arena is its descriptors.
 */
#include <compactlab/compaction.h>
#include <compactlab/vmstat.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

static const char * const policy_names[] = { "linux", "tuned", "min_moves" };

static const struct clab_policy_ops *policy(int pol)
{
	return pol == 0 ? CLAB_POLICY_LINUX :
	       pol == 1 ? CLAB_POLICY_TUNED : CLAB_POLICY_MIN_MOVES;
}

static unsigned long event(enum clab_vm_event_item item)
{
	unsigned long events[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(events);
	return events[item];
}

/* Free pages in blocks of the pageblock order or above, in zone0. */
static unsigned long high_free(struct clab_mem *mem)
{
	struct clab_zone *zone = zone0(mem);
	unsigned long n = 0;
	unsigned int o;

	for (o = CLAB_PAGEBLOCK_ORDER; o < CLAB_NR_ORDERS; o++)
		n += zone->free_area[o].nr_free << o;
	return n;
}

/* What one whole-zone pass did, and where every key's page ended. */
struct outcome {
	enum clab_compact_result ret;
	unsigned long migrated, copies, moves, high_free;
	u64 copy_ns, virtual_bytes;
	u64 counters[CLAB_NR_COMPACT_COUNTERS];
	unsigned long success;
	unsigned long *where;
};

/*
 * Fragment a 16M arena of @backend as Gupta does (one page of 4 kept) and
 * compact zone0 once, whole, with policy @pol, as compact_memory does.
 */
static void compact_fragmented(const char *backend, int pol,
			       struct outcome *out)
{
	struct clab_mem *mem = test_mem_create_backend(backend, "16M", 1,
						       NULL, NULL);
	struct clab_compact_control cc = {
		.order = -1,
		.gfp = CLAB_GFP_KERNEL,
		.mode = CLAB_MIGRATE_SYNC,
		.policy = policy(pol),
		.ignore_skip_hint = true,
		.whole_zone = true,
	};
	u64 before[CLAB_NR_COMPACT_COUNTERS];
	unsigned long success0, key;
	struct test_owner *o;
	int i;

	TEST_ASSERT(mem);
	o = test_owner_fragment(mem, 4);
	cc.zone = zone0(mem);
	clab_all_compact_counters(mem, before);
	success0 = event(CLAB_PGMIGRATE_SUCCESS);
	out->ret = clab_compact_zone(&cc);
	clab_drain_all_pages(mem, NULL);
	out->migrated = cc.nr_migrated;
	out->copies = cc.nr_copies;
	out->copy_ns = cc.copy_ns;
	out->virtual_bytes = cc.virtual_bytes;
	out->moves = o->moves;
	out->high_free = high_free(mem);
	out->success = event(CLAB_PGMIGRATE_SUCCESS) - success0;
	clab_all_compact_counters(mem, out->counters);
	for (i = 0; i < CLAB_NR_COMPACT_COUNTERS; i++)
		out->counters[i] -= before[i];
	out->where = kvcalloc(o->nkeys, sizeof(*out->where), GFP_KERNEL);
	TEST_ASSERT(out->where);
	for (key = 0; key < o->nkeys; key++) {
		struct clab_page *page = o->table[key];

		out->where[key] = test_owner_pfn(o, key);
		/* Every kept page is still owned, by its key, once. */
		if (page) {
			CHECK(page->owner == &o->owner);
			CHECK_EQ(page->private, key);
			CHECK_EQ(atomic_read(&page->refcount), 1);
		}
	}
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(o->refs, 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * Each policy compacts a fragmented virtual arena: pages move (ownership
 * only: no copy, no copy time), the bytes not copied are 4096 per page
 * migrated in the pass, in migrate_virtual_bytes and in pgmigrate_success,
 * and high-order blocks come free.
 */
static void test_virtual_compacts(void)
{
	int pol;

	for (pol = 0; pol < 3; pol++) {
		struct outcome v;

		compact_fragmented("virtual", pol, &v);
		DIAG("%s: migrated %lu, virtual bytes %llu, copies %lu, free high-order %lu",
		     policy_names[pol], v.migrated, v.virtual_bytes, v.copies,
		     v.high_free);
		CHECK(v.migrated > 0);
		CHECK_EQ(v.moves, v.migrated);
		CHECK_EQ(v.copies, 0);
		CHECK(v.copy_ns == 0);
		CHECK(v.virtual_bytes == (u64)CLAB_PAGE_SIZE * v.migrated);
		CHECK(v.counters[CLAB_CCOUNT_MIGRATE_VIRTUAL_BYTES] ==
		      v.virtual_bytes);
		CHECK(v.counters[CLAB_CCOUNT_PAGES_MIGRATED] == v.migrated);
		CHECK_EQ(v.counters[CLAB_CCOUNT_MIGRATE_COPIES], 0);
		CHECK_EQ(v.counters[CLAB_CCOUNT_MIGRATE_COPY_NS], 0);
		CHECK_EQ(v.success, v.migrated);
		CHECK(v.high_free > 0);
		kvfree(v.where);
	}
}

/*
 * The same fragmentation and pass over a reserved arena and a virtual one
 * end the same: every kept page at the same index, the same counts, with
 * copies on one side and uncopied bytes on the other. Contents never
 * steer compaction.
 */
static void test_virtual_matches_reserved(void)
{
	int pol;

	for (pol = 0; pol < 3; pol++) {
		struct outcome r, v;
		unsigned long key, nkeys = 4096, differ = 0;

		compact_fragmented(NULL, pol, &r);
		compact_fragmented("virtual", pol, &v);
		for (key = 0; key < nkeys; key++)
			differ += r.where[key] != v.where[key];
		if (differ || r.migrated != v.migrated)
			DIAG("%s: reserved migrated %lu, virtual %lu; %lu pages placed differently",
			     policy_names[pol], r.migrated, v.migrated, differ);
		CHECK_EQ(differ, 0);
		CHECK_EQ(r.ret, v.ret);
		CHECK_EQ(r.migrated, v.migrated);
		CHECK_EQ(r.high_free, v.high_free);
		CHECK_EQ(r.copies, r.migrated);
		CHECK(r.virtual_bytes == 0);
		CHECK(v.virtual_bytes == (u64)CLAB_PAGE_SIZE * r.copies);
		CHECK(r.counters[CLAB_CCOUNT_MIGRATE_EXAMINED] ==
		      v.counters[CLAB_CCOUNT_MIGRATE_EXAMINED]);
		CHECK(r.counters[CLAB_CCOUNT_FREE_EXAMINED] ==
		      v.counters[CLAB_CCOUNT_FREE_EXAMINED]);
		kvfree(r.where);
		kvfree(v.where);
	}
}

/*
 * __GFP_ZERO on a virtual arena clears nothing (there is nothing: the
 * sanitizers would catch a write through the NULL address), and the
 * migration of an isolated list counts its bytes instead of copying.
 */
static void test_virtual_zero_and_migrate_list(void)
{
	struct clab_mem *mem = test_mem_create_backend("virtual", "8M", 1,
						       NULL, NULL);
	struct test_owner *o = test_owner_create(mem, 64);
	struct clab_migrate_stats st = { 0 };
	struct clab_page *page;
	unsigned long key, n = 0;
	LIST_HEAD(list);
	int ret;

	TEST_ASSERT(mem);
	page = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_ZERO, 3);
	CHECK(page);
	CHECK(!clab_arena_page_address(mem->arena,
				       clab_page_to_idx(mem, page)));
	if (page)
		clab_free_pages(mem, page, 3);
	for (key = 0; key < 64; key++)
		TEST_ASSERT(test_owner_alloc(o, key, CLAB_GFP_MOVABLE |
					     CLAB_GFP_ZERO));
	clab_drain_all_pages(mem, NULL);
	for (key = 0; key < 64; key++) {
		page = o->table[key];
		if (clab_isolate_page(mem, page, CLAB_MIGRATE_SYNC)) {
			list_add_tail(&page->lru, &list);
			n++;
		}
	}
	CHECK_EQ(n, 64);
	ret = clab_migrate_list(mem, &list, clab_alloc_migration_target,
				(unsigned long)mem, CLAB_MIGRATE_SYNC, &st);
	CHECK_EQ(ret, 0);
	CHECK_EQ(st.migrated, 64);
	CHECK(st.copy_ns == 0);
	CHECK(st.virtual_bytes == 64ULL * CLAB_PAGE_SIZE);
	CHECK_EQ(o->moves, 64);
	test_owner_destroy(o);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_free_pages(mem), mem->arena->nr_pages);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * A 1G virtual arena: 262144 pages at PFNs 0.., every one free in
 * largest-order blocks, no memory behind them; its bookkeeping is one
 * descriptor per page, one pageblock entry per 512 pages and an in-use
 * bit per page.
 */
static void test_virtual_large(void)
{
	struct clab_mem *mem = test_mem_create_backend("virtual", "1G", 1,
						       NULL, NULL);
	unsigned long pages = 262144;
	u64 want;

	TEST_ASSERT(mem);
	CHECK_EQ(mem->arena->nr_pages, pages);
	CHECK_EQ(clab_arena_index_to_pfn(mem->arena, pages - 1), pages - 1);
	CHECK_EQ(mem_free_pages(mem), pages);
	CHECK_EQ(zone0(mem)->free_area[CLAB_MAX_ORDER].nr_free,
		 pages >> CLAB_MAX_ORDER);
	want = pages * sizeof(struct clab_page) +
	       (pages >> CLAB_PAGEBLOCK_ORDER) * sizeof(struct clab_pageblock) +
	       pages / 8;
	CHECK(clab_mem_descriptor_bytes(pages) == want);
	DIAG("1G virtual arena: %llu bytes of descriptors (%zu per page)",
	     clab_mem_descriptor_bytes(pages), sizeof(struct clab_page));
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

#define VIRTUAL_CASES(X) \
	X(test_virtual_compacts) \
	X(test_virtual_matches_reserved) \
	X(test_virtual_zero_and_migrate_list) \
	X(test_virtual_large)

CLAB_TEST_SUITE(virtual, VIRTUAL_CASES);
