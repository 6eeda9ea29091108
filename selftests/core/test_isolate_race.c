// SPDX-License-Identifier: GPL-2.0
/*
 * test_isolate_race.c - the race windows around taking a page reference,
 * made deterministic: the shim's atomic_inc_not_zero() calls a hook just
 * before and just after it takes the reference, and the hook does there
 * what another CPU could (free and reallocate the page, or its owner
 * letting go of it). Also: migration refuses a block that is not an
 * order-0 movable page, and the writeback wait reads the time once.
 *
 * User space only: the hooks are the shim's (the kernel's atomics have
 * none), so these cases are not part of the KUnit suites.
 */
#include <compactlab/compaction.h>
#include <compactlab/writeback.h>
#include "mem_check.h"
#include "test_owner.h"
#include "tap.h"

#define RACE_ORDER	2
#define RACE_BYTE(i)	(0xa0 + (i))

/* What the hook does, to which page, and whether it has run. */
static struct {
	struct clab_mem *mem;
	struct clab_page *page;
	struct test_owner *owner;	/* the page's owner */
	struct test_owner *thief;	/* owns the reallocated block */
	bool after;			/* act once the reference is taken */
	bool realloc;			/* reallocate as an order-2 block */
	int ran;
} race;

/* The page at @pfn, freed by its owner; order-2, owned by the thief. */
static void race_realloc(void)
{
	struct clab_mem *mem = race.mem;
	unsigned long pfn = clab_page_to_idx(mem, race.page), i;
	struct clab_page *p;

	test_owner_free(race.owner, pfn);
	clab_drain_all_pages(mem, NULL);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK, RACE_ORDER);
	TEST_ASSERT(p == race.page);
	p->owner = &race.thief->owner;
	p->private = 0;
	race.thief->table[0] = p;
	for (i = 0; i < (1UL << RACE_ORDER); i++)
		memset(clab_arena_page_address(mem->arena, pfn + i), RACE_BYTE(i),
		       CLAB_PAGE_SIZE);
}

static void race_hook(atomic_t *v, bool taken)
{
	if (race.ran || v != &race.page->refcount || taken != race.after)
		return;
	race.ran++;
	if (race.realloc)
		race_realloc();
	else
		test_owner_free(race.owner, clab_page_to_idx(race.mem, race.page));
}

/* Bytes of the thief's block that lost their pattern. */
static unsigned long thief_block_damage(struct clab_mem *mem)
{
	unsigned long pfn = clab_page_to_idx(mem, race.page), i, j, bad = 0;

	for (i = 0; i < (1UL << RACE_ORDER); i++) {
		const u8 *b = clab_arena_page_address(mem->arena, pfn + i);

		for (j = 0; j < CLAB_PAGE_SIZE; j++)
			bad += b[j] != RACE_BYTE(i);
	}
	return bad;
}

/*
 * An 8 MB zone, all of it owned: pfn 0 in use with 1-3 free (so that
 * freeing 0 makes the only free order-2 block), or with the rest of its
 * pageblock free (@free_block: the cheapest block for min_moves); four
 * unmergeable free pages at the top for the free scanner; everything else
 * pinned.
 */
static struct test_owner *race_layout(struct clab_mem *mem, bool free_block)
{
	unsigned long last_free = free_block ? CLAB_PAGEBLOCK_PAGES : 4;
	unsigned long n = mem->arena->nr_pages, k;
	struct test_owner *o = test_owner_create(mem, n);

	TEST_ASSERT(test_owner_fill_arena(o) == n);
	clab_set_min_free_kbytes(mem, 0);
	for (k = 1; k < n; k++) {
		if (k < last_free || (k >= n - 8 && !(k % 2)))
			test_owner_free(o, k);
		else
			set_bit(CLAB_PG_PINNED, &o->table[k]->flags);
	}
	clab_drain_all_pages(mem, NULL);
	memset(&race, 0, sizeof(race));
	race.mem = mem;
	race.owner = o;
	race.page = o->table[0];
	return o;
}

/*
 * Freed and reallocated as an order-2 movable block between the scanner's
 * checks and its reference: the block must be left alone, whole.
 */
static void test_realloc_before_get(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = race_layout(mem, false);
	struct clab_compact_stats st = { 0 };

	race.thief = test_owner_create(mem, 1);
	race.realloc = true;
	clab_shim_get_hook = race_hook;
	clab_compact_node(mem, 0, &st);
	clab_shim_get_hook = NULL;
	CHECK_EQ(race.ran, 1);
	CHECK_EQ(st.migrated, 0);
	CHECK(race.thief->table[0] == race.page);
	CHECK(clab_page_test(race.page, CLAB_PG_HEAD));
	CHECK_EQ(race.page->order, RACE_ORDER);
	CHECK_EQ(thief_block_damage(mem), 0);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(race.thief);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * The owner lets go of the page just after the scanner took its
 * reference: the scanner's reference is then the last, and its put must
 * free the page, for either policy.
 */
static void disown_after_get(const struct clab_policy_ops *policy)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = race_layout(mem, true);
	struct clab_compact_stats st = { 0 };
	unsigned long before;

	mem->compact_policy = policy;
	before = zone0(mem)->nr_free_pages;
	race.after = true;
	clab_shim_get_hook = race_hook;
	clab_compact_node(mem, 0, &st);
	clab_shim_get_hook = NULL;
	clab_drain_all_pages(mem, NULL);
	CHECK_EQ(race.ran, 1);
	CHECK_EQ(atomic_read(&race.page->refcount), 0);
	CHECK_EQ(zone0(mem)->nr_free_pages, before + 1);
	CHECK_EQ(test_owner_verify(o), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

static void test_disown_after_get_linux(void)
{
	disown_after_get(CLAB_POLICY_LINUX);
}

static void test_disown_after_get_min_moves(void)
{
	disown_after_get(CLAB_POLICY_MIN_MOVES);
}

/*
 * A block that is not an order-0 page, isolated all the same (as the old
 * scanners could): migration refuses it and it stays whole where it is.
 */
static void test_migrate_refuses_large_block(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct test_owner *o = race_layout(mem, false);
	struct clab_zone *zone = zone0(mem);
	struct clab_compact_control cc = {
		.zone = zone,
		.order = -1,
		.mode = CLAB_MIGRATE_SYNC,
		.ignore_skip_hint = true,
		.whole_zone = true,
	};

	race.thief = test_owner_create(mem, 1);
	race_realloc();
	INIT_LIST_HEAD(&cc.freepages);
	INIT_LIST_HEAD(&cc.migratepages);
	cc.migrate_pfn = zone->start;
	cc.free_pfn = zone->end - CLAB_PAGEBLOCK_PAGES;
	TEST_ASSERT(clab_get_page_unless_zero(race.page));
	set_bit(CLAB_PG_ISOLATED, &race.page->flags);
	list_add(&race.page->lru, &cc.migratepages);
	cc.nr_migratepages = 1;
	CHECK_EQ(clab_migrate_pages(&cc), 1);
	clab_release_freepages(&cc);
	CHECK_EQ(cc.nr_migrated, 0);
	CHECK(race.thief->table[0] == race.page);
	CHECK_EQ(race.page->order, RACE_ORDER);
	CHECK_EQ(atomic_read(&race.page->refcount), 1);
	CHECK(!clab_page_test(race.page, CLAB_PG_ISOLATED));
	CHECK_EQ(thief_block_damage(mem), 0);
	CHECK_EQ(mem_check(mem), 0);
	test_owner_destroy(race.thief);
	test_owner_destroy(o);
	test_mem_destroy(mem);
}

/*
 * A tick between two readings of jiffies, just at the deadline, must not
 * turn the writeback wait into a sleep of days: it sleeps at most the
 * writeback delay.
 */
static void test_writeback_wait_reads_time_once(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct clab_page *page = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	const unsigned int delay = 10;
	unsigned long step;

	TEST_ASSERT(page);
	clab_set_writeback_delay(delay);
	for (step = 1; step <= 2 * delay; step++) {
		clab_start_writeback(mem, page);
		clab_shim_longest_sleep = 0;
		clab_shim_jiffies_step = step;
		CHECK(clab_wait_on_writeback(page));
		clab_shim_jiffies_step = 0;
		CHECK(!clab_page_test(page, CLAB_PG_WRITEBACK));
		CHECK(clab_shim_longest_sleep <= msecs_to_jiffies(delay));
	}
	clab_put_page(mem, page);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * A writeback that migration started completes at its deadline on its own,
 * with nobody waiting and no migration batch after it: its page, freed by
 * its owner meanwhile, goes back to the free lists. The completion is
 * armed for the earliest deadline in flight, also when a shorter delay
 * follows a longer one.
 */
static void test_writeback_completes_unattended(void)
{
	struct clab_mem *mem = test_mem_create("8M", 1, NULL, NULL);
	struct clab_page *slow = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	struct clab_page *fast = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	unsigned long t0 = clab_shim_jiffies;

	TEST_ASSERT(slow && fast);
	clab_set_writeback_delay(100);
	clab_start_writeback(mem, slow);
	clab_set_writeback_delay(10);
	clab_start_writeback(mem, fast);
	/* The owners let go: the writebacks' references keep both pages. */
	clab_put_page(mem, slow);
	clab_put_page(mem, fast);
	CHECK_EQ(atomic_read(&slow->refcount), 1);
	CHECK_EQ(atomic_read(&fast->refcount), 1);
	TEST_ASSERT(clab_shim_delayed_work && clab_shim_delayed_work->pending);
	CHECK(!clab_shim_run_delayed_work());
	clab_shim_jiffies = t0 + 10;
	CHECK(clab_shim_run_delayed_work());
	CHECK_EQ(atomic_read(&fast->refcount), 0);
	CHECK(clab_page_test(slow, CLAB_PG_WRITEBACK));
	/* Re-armed for the one still in flight. */
	CHECK(clab_shim_delayed_work->pending);
	CHECK(!clab_shim_run_delayed_work());
	clab_shim_jiffies = t0 + 100;
	CHECK(clab_shim_run_delayed_work());
	CHECK_EQ(atomic_read(&slow->refcount), 0);
	CHECK(!clab_shim_delayed_work->pending);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

#define ISOLATE_RACE_CASES(X) \
	X(test_realloc_before_get) \
	X(test_disown_after_get_linux) \
	X(test_disown_after_get_min_moves) \
	X(test_migrate_refuses_large_block) \
	X(test_writeback_wait_reads_time_once) \
	X(test_writeback_completes_unattended)

CLAB_TEST_SUITE(isolate_race, ISOLATE_RACE_CASES);
