// SPDX-License-Identifier: GPL-2.0
/*
 * test_migrate.c - migration of an isolated list without scanning
 * (clab_migrate_list(), the core of CLAB_IOC_MIGRATE, as 6.1's
 * move_pages() calls migrate_pages()): every page moves into a page from
 * the allocator with its contents, the old pages go back, the migration
 * events count the moves; when no target is left, every page is given
 * back where it was, intact.
 */
#include <compactlab/compaction.h>
#include <compactlab/vmstat.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

#define NR_KEYS	64

static unsigned long event(enum clab_vm_event_item item)
{
	unsigned long events[CLAB_NR_VM_EVENT_ITEMS];

	clab_all_vm_events(events);
	return events[item];
}

/* Isolate the pages of keys first..last onto @list; returns how many. */
static unsigned long isolate_keys(struct test_owner *o, unsigned long first,
				  unsigned long last, struct list_head *list)
{
	unsigned long key, n = 0;

	for (key = first; key <= last; key++) {
		struct clab_page *page = o->table[key];

		if (page && clab_isolate_page(o->mem, page, CLAB_MIGRATE_SYNC)) {
			list_add_tail(&page->lru, list);
			n++;
		}
	}
	return n;
}

static int migrate(struct clab_mem *mem, struct list_head *list,
		   struct clab_migrate_stats *st)
{
	return clab_migrate_list(mem, list, clab_alloc_migration_target,
				 (unsigned long)mem, CLAB_MIGRATE_SYNC, st);
}

/*
 * 64 owned pages, isolated and migrated as one list: all 64 move, to
 * other pages, with their patterns; the owner saw 64 moves and holds no
 * reference; pgmigrate_success rose by 64, pgmigrate_fail did not; the
 * free count is what it was (each old page went back as its target was
 * taken), and the buddy allocator is consistent.
 */
static void test_migrate_list_moves_every_page(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_create(mem, NR_KEYS);
	unsigned long old[NR_KEYS], free0, success0, fail0, key, moved = 0;
	struct clab_migrate_stats st = { 0 };
	LIST_HEAD(list);
	int ret;

	for (key = 0; key < NR_KEYS; key++) {
		TEST_ASSERT(test_owner_alloc(o, key, CLAB_GFP_MOVABLE));
		old[key] = test_owner_pfn(o, key);
	}
	clab_drain_all_pages(mem, NULL);
	free0 = mem_free_pages(mem);
	success0 = event(CLAB_PGMIGRATE_SUCCESS);
	fail0 = event(CLAB_PGMIGRATE_FAIL);

	CHECK_EQ(isolate_keys(o, 0, NR_KEYS - 1, &list), NR_KEYS);
	ret = migrate(mem, &list, &st);
	DIAG("migrated %lu, failed %lu, ret %d", st.migrated, st.failed, ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(st.migrated, NR_KEYS);
	CHECK_EQ(st.failed, 0);
	/* 64 copies were timed: the clock advanced over them. */
	CHECK(st.copy_ns > 0);
	CHECK(list_empty(&list));
	for (key = 0; key < NR_KEYS; key++) {
		struct clab_page *page = o->table[key];

		moved += test_owner_pfn(o, key) != old[key];
		CHECK(!clab_page_test(page, CLAB_PG_ISOLATED));
		CHECK_EQ(atomic_read(&page->refcount), 1);
	}
	CHECK_EQ(moved, NR_KEYS);
	CHECK_EQ(o->moves, NR_KEYS);
	CHECK_EQ(o->refs, 0);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(event(CLAB_PGMIGRATE_SUCCESS) - success0, NR_KEYS);
	CHECK_EQ(event(CLAB_PGMIGRATE_FAIL) - fail0, 0);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_free_pages(mem), free0);
	CHECK_EQ(mem_check(mem), 0);

	test_owner_destroy(o);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * A page pinned after it was isolated cannot move: it is given back to
 * its owner, where it was, and counted as failed (and in pgmigrate_fail);
 * the others move.
 */
static void test_migrate_list_pinned_page_stays(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_create(mem, NR_KEYS);
	struct clab_migrate_stats st = { 0 };
	unsigned long key, fail0, pinned_pfn;
	LIST_HEAD(list);

	for (key = 0; key < CLAB_COMPACT_CLUSTER_MAX; key++)
		TEST_ASSERT(test_owner_alloc(o, key, CLAB_GFP_MOVABLE));
	CHECK_EQ(isolate_keys(o, 0, CLAB_COMPACT_CLUSTER_MAX - 1, &list),
		 CLAB_COMPACT_CLUSTER_MAX);
	test_owner_pin(o, 5);
	pinned_pfn = test_owner_pfn(o, 5);
	fail0 = event(CLAB_PGMIGRATE_FAIL);
	CHECK_EQ(migrate(mem, &list, &st), 1);
	CHECK_EQ(st.migrated, CLAB_COMPACT_CLUSTER_MAX - 1);
	CHECK_EQ(st.failed, 1);
	CHECK_EQ(event(CLAB_PGMIGRATE_FAIL) - fail0, 1);
	CHECK_EQ(test_owner_pfn(o, 5), pinned_pfn);
	CHECK(!clab_page_test(o->table[5], CLAB_PG_ISOLATED));
	CHECK_EQ(atomic_read(&o->table[5]->refcount), 1);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(o->refs, 0);

	clear_bit(CLAB_PG_PINNED, &o->table[5]->flags);
	test_owner_destroy(o);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * No target: the arena is full. Every page of the list is given back,
 * where it was, with its pattern, no longer isolated, and counted as
 * failed; the call says -ENOMEM. Once pages are freed, the same pages
 * move.
 */
static void test_migrate_list_no_target(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = test_owner_fill(mem);
	unsigned long n = CLAB_COMPACT_CLUSTER_MAX, key, stayed = 0, moved = 0;
	struct clab_migrate_stats st = { 0 };
	LIST_HEAD(list);
	int ret;

	clab_set_min_free_kbytes(mem, 0);
	CHECK_EQ(isolate_keys(o, 0, n - 1, &list), n);
	ret = migrate(mem, &list, &st);
	DIAG("full arena: migrated %lu, failed %lu, ret %d", st.migrated,
	     st.failed, ret);
	CHECK_EQ(ret, -ENOMEM);
	CHECK_EQ(st.migrated, 0);
	CHECK_EQ(st.failed, n);
	CHECK(list_empty(&list));
	for (key = 0; key < n; key++) {
		struct clab_page *page = o->table[key];

		stayed += test_owner_pfn(o, key) == key;
		CHECK(!clab_page_test(page, CLAB_PG_ISOLATED));
		CHECK_EQ(atomic_read(&page->refcount), 1);
	}
	CHECK_EQ(stayed, n);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(o->refs, 0);
	CHECK_EQ(mem_check(mem), 0);

	/* Two pageblocks' worth freed: the same pages now move. */
	for (key = 1024; key < 2048; key++)
		test_owner_free(o, key);
	clab_drain_all_pages(mem, NULL);
	st = (struct clab_migrate_stats){ 0 };
	CHECK_EQ(isolate_keys(o, 0, n - 1, &list), n);
	CHECK_EQ(migrate(mem, &list, &st), 0);
	CHECK_EQ(st.migrated, n);
	CHECK_EQ(st.failed, 0);
	for (key = 0; key < n; key++)
		moved += test_owner_pfn(o, key) != key;
	CHECK_EQ(moved, n);
	CHECK_EQ(test_owner_verify(o), 0);

	test_owner_destroy(o);
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

#define MIGRATE_CASES(X) \
	X(test_migrate_list_moves_every_page) \
	X(test_migrate_list_pinned_page_stays) \
	X(test_migrate_list_no_target)

CLAB_TEST_SUITE(migrate, MIGRATE_CASES);
