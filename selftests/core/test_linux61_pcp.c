// SPDX-License-Identifier: GPL-2.0
/*
 * test_linux61_pcp.c - the per-CPU lists against Linux 6.1's
 * (mm/page_alloc.c): lists per order and migratetype for orders 0 to 3 and
 * the pageblock (THP) order, counted in pages; rmqueue_pcplist()'s refill
 * scaled by order; free_unref_page_commit()'s high mark (nr_pcp_high(),
 * lowered while kswapd balances) and free count (nr_pcp_free(), the free
 * factor); free_pcppages_bulk()'s walk from the freed list; a HIGHATOMIC
 * block's page waiting on the MOVABLE list and going home.
 *
 * Every case runs on one CPU (migrate_disable(); a no-op in user space),
 * whose lists are the ones looked at.
 */
#include <compactlab/compaction.h>
#include "page_alloc_internal.h"
#include "mem_check.h"
#include "tap.h"

/* This CPU's lists of @zone. */
static struct clab_per_cpu_pages *this_pcp(struct clab_zone *zone)
{
	return per_cpu_ptr(zone->pcp, smp_processor_id());
}

static unsigned int list_len(struct clab_per_cpu_pages *pcp, unsigned int pindex)
{
	struct clab_page *page;
	unsigned int n = 0;

	list_for_each_entry(page, &pcp->lists[pindex], lru)
		n++;
	return n;
}

static void set_high(struct clab_per_cpu_pages *pcp, int high)
{
	spin_lock(&pcp->lock);
	pcp->high = high;
	spin_unlock(&pcp->lock);
}

/* Stay on this CPU; its lists of @zone, their high mark set to @high. */
static struct clab_per_cpu_pages *begin(struct clab_zone *zone, int high)
{
	struct clab_per_cpu_pages *pcp;

	migrate_disable();
	pcp = this_pcp(zone);
	if (high)
		set_high(pcp, high);
	return pcp;
}

/* Drain, leave the CPU, and check that every page came back. */
static void end(struct clab_mem *mem)
{
	struct clab_zone *zone = zone0(mem);

	clab_drain_local_pages(zone, NULL);
	migrate_enable();
	CHECK_EQ(zone->nr_free_pages, zone->managed_pages);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * Blocks of order 1 to 3 and of the pageblock order are freed to the CPU's
 * list of their order and migratetype (6.1's order_to_pindex(): 3 * order
 * + type, then the two THP lists, non-movable and movable), the count
 * goes up by their pages, and they merge only when drained. An order-4
 * block goes to the buddy lists at once.
 */
static void test_high_orders_wait_on_lists(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	struct clab_page *p[4];
	unsigned int order;

	pcp = begin(zone, 4096);
	for (order = 1; order <= 3; order++) {
		unsigned int pindex = clab_order_to_pindex(CLAB_MIGRATE_UNMOVABLE,
							   order);
		unsigned int len;
		int before;

		CHECK_EQ(pindex, 3 * order);
		p[order] = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, order);
		CHECK(p[order]);
		before = pcp->count;
		len = list_len(pcp, pindex);
		clab_free_pages(mem, p[order], order);
		CHECK_EQ(pcp->count, before + (1 << order));
		CHECK(clab_page_test(p[order], CLAB_PG_PCP));
		CHECK(!clab_page_is_buddy(p[order]));
		CHECK_EQ(list_len(pcp, pindex), len + 1);
	}
	p[0] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, CLAB_PAGEBLOCK_ORDER);
	CHECK(p[0]);
	clab_free_pages(mem, p[0], CLAB_PAGEBLOCK_ORDER);
	CHECK(clab_page_test(p[0], CLAB_PG_PCP));
	CHECK_EQ(list_len(pcp, CLAB_NR_LOWORDER_PCP_LISTS + 1), 2);
	CHECK_EQ(list_len(pcp, CLAB_NR_LOWORDER_PCP_LISTS), 0);
	CHECK_EQ(mem_check(mem), 0);
	p[1] = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 4);
	CHECK(p[1]);
	clab_free_pages(mem, p[1], 4);
	CHECK(clab_page_is_buddy(p[1]));
	clab_drain_local_pages(zone, NULL);
	CHECK_EQ(pcp->count, 0);
	for (order = 2; order <= 3; order++)
		CHECK(!clab_page_test(p[order], CLAB_PG_PCP));
	end(mem);
}

/*
 * An empty list is refilled with max(batch >> order, 2) blocks, batch > 1
 * (6.1's __rmqueue_pcplist()): with the 128 MiB zone's batch of 7, 7
 * order-0 pages, 3 order-1 blocks, 2 of order 2, 3 and 9.
 */
static void test_refill_scaled_by_order(void)
{
	static const unsigned int orders[] = { 0, 1, 2, 3, 9 };
	static const int blocks[] = { 7, 3, 2, 2, 2 };
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	unsigned int i;

	pcp = begin(zone, 0);
	CHECK_EQ(pcp->batch, 7);
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned long free_before = zone->nr_free_pages;
		int count_before = pcp->count;
		struct clab_page *page;

		page = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, orders[i]);
		CHECK(page);
		DIAG("order %u: %lu pages left the buddy lists, list +%d",
		     orders[i], free_before - zone->nr_free_pages,
		     pcp->count - count_before);
		CHECK_EQ(free_before - zone->nr_free_pages,
			 (unsigned long)blocks[i] << orders[i]);
		CHECK_EQ(pcp->count - count_before, (blocks[i] - 1) << orders[i]);
	}
	migrate_enable();
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

/*
 * Order-0 frees over the high mark give back batch << free_factor pages,
 * the factor going up by one each time (to at most 5, while the doubled
 * batch is under high - batch) and halved by an allocation (6.1's
 * nr_pcp_free() and rmqueue_pcplist()). With high 120 and batch 7: 7, 14,
 * 28, 56, 112, then 113 (clamped to high - batch), the factor staying at 5.
 */
static void test_free_factor(void)
{
	static const int want[] = { 7, 14, 28, 56, 112, 113 };
	static const short factor[] = { 1, 2, 3, 4, 5, 5 };
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	struct clab_page **pages;
	unsigned int i, n = 0, k = 0;

	pages = kcalloc(1024, sizeof(*pages), GFP_KERNEL);
	TEST_ASSERT(pages);
	pcp = begin(zone, 120);
	for (n = 0; n < 1024; n++) {
		pages[n] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
		TEST_ASSERT(pages[n]);
	}
	clab_drain_local_pages(zone, NULL);
	CHECK_EQ(pcp->free_factor, 0);
	for (i = 0; i < ARRAY_SIZE(want) && k < n; i++) {
		int before;

		/* Free until a free triggers a bulk free. */
		do {
			before = pcp->count;
			clab_free_pages(mem, pages[k++], 0);
		} while (pcp->count == before + 1 && k < n);
		DIAG("bulk free %u: %d pages, free_factor %d", i,
		     before + 1 - pcp->count, pcp->free_factor);
		CHECK_EQ(before + 1, 120);
		CHECK_EQ(before + 1 - pcp->count, want[i]);
		CHECK_EQ(pcp->free_factor, factor[i]);
	}
	/* An allocation halves the factor. */
	pages[0] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	CHECK(pages[0]);
	CHECK_EQ(pcp->free_factor, 2);
	clab_free_pages(mem, pages[0], 0);
	while (k < n)
		clab_free_pages(mem, pages[k++], 0);
	kfree(pages);
	end(mem);
}

/*
 * free_high (6.1's free_unref_page_commit()): once frees have raised the
 * free factor, freeing an order-1 to 3 block sets the high mark to 0 and
 * empties the lists; with the factor at 0 it waits there. The pageblock
 * order is not "high" in this sense: it waits whatever the factor.
 */
static void test_free_high(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_page *b, *t, *p, *pages[16];
	struct clab_per_cpu_pages *pcp;
	unsigned int i;
	int before;

	pcp = begin(zone, 4096);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	p = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	b = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 2);
	t = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, CLAB_PAGEBLOCK_ORDER);
	CHECK(p && b && t);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		clab_free_pages(mem, pages[i], 0);
	CHECK_EQ(pcp->free_factor, 0);
	clab_free_pages(mem, b, 2);
	CHECK(clab_page_test(b, CLAB_PG_PCP));
	b = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 2);
	CHECK(b);
	/* A free at a lowered high mark raises the factor. */
	set_high(pcp, pcp->count + 1);
	clab_free_pages(mem, p, 0);
	set_high(pcp, 4096);
	CHECK_EQ(pcp->free_factor, 1);
	before = pcp->count;
	clab_free_pages(mem, t, CLAB_PAGEBLOCK_ORDER);
	CHECK_EQ(pcp->count, before + (int)CLAB_PAGEBLOCK_PAGES);
	CHECK(clab_page_test(t, CLAB_PG_PCP));
	DIAG("free_factor %d, %d pages listed before the order-2 free",
	     pcp->free_factor, pcp->count);
	clab_free_pages(mem, b, 2);
	CHECK_EQ(pcp->count, 0);
	CHECK(!clab_page_test(b, CLAB_PG_PCP));
	CHECK(!clab_page_test(t, CLAB_PG_PCP));
	end(mem);
}

/*
 * While kswapd balances the zone (6.1's ZONE_RECLAIM_ACTIVE), the high
 * mark is min(4 * batch, high): the 29th order-0 page freed pushes pages
 * back; and clab_balance_node() leaves the mark clear when it is done.
 */
static void test_reclaim_active_high(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	struct clab_page *pages[40];
	unsigned int i;
	int max_count = 0;

	pcp = begin(zone, 4096);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	clab_drain_local_pages(zone, NULL);
	WRITE_ONCE(zone->reclaim_active, true);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		clab_free_pages(mem, pages[i], 0);
		max_count = max(max_count, pcp->count);
	}
	DIAG("reclaim active: at most %d pages listed (batch %d)", max_count,
	     pcp->batch);
	CHECK_EQ(max_count, 4 * pcp->batch - 1);
	clab_balance_node(&mem->nodes[0], 0, CLAB_ZONE_NORMAL);
	CHECK(!READ_ONCE(zone->reclaim_active));
	end(mem);
}

/*
 * free_pcppages_bulk() starts at the list just freed to, takes whole
 * blocks, then goes round the others. Twelve order-0 pages wait; an
 * order-1 block that brings the count to a high mark of 14 (free count:
 * the batch, 7) goes first (2 pages), then the five oldest order-0 pages.
 */
static void test_bulk_starts_at_freed_list(void)
{
	struct clab_mem *mem = test_mem_create("128M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	struct clab_page *pages[12], *b;
	unsigned int i;

	pcp = begin(zone, 4096);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
	b = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 1);
	CHECK(b);
	clab_drain_local_pages(zone, NULL);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		clab_free_pages(mem, pages[i], 0);
	CHECK_EQ(pcp->count, 12);
	CHECK_EQ(pcp->free_factor, 0);
	set_high(pcp, 14);
	clab_free_pages(mem, b, 1);
	DIAG("after the order-1 free: %d pages listed", pcp->count);
	CHECK(!clab_page_test(b, CLAB_PG_PCP));
	CHECK_EQ(pcp->count, 7);
	/* Lists give back from the tail: the oldest pages went. */
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		CHECK_EQ(clab_page_test(pages[i], CLAB_PG_PCP), i >= 5);
	end(mem);
}

/*
 * A page of a HIGHATOMIC pageblock waits on the MOVABLE list but keeps its
 * block's type, so the drain gives it back to the HIGHATOMIC free list
 * (6.1's free_unref_page(): pcpmigratetype MOVABLE, the page's own
 * HIGHATOMIC).
 */
static void test_highatomic_page_goes_home(void)
{
	struct clab_mem *mem = test_mem_create("16M", 1, NULL, NULL);
	struct clab_zone *zone = zone0(mem);
	struct clab_per_cpu_pages *pcp;
	struct clab_page *page;
	unsigned long idx, flags, before;

	pcp = begin(zone, 0);
	page = clab_alloc_pages(mem, 0, CLAB_GFP_KERNEL, 0);
	CHECK(page);
	clab_drain_local_pages(zone, NULL);
	idx = clab_page_to_idx(mem, page);
	spin_lock_irqsave(&zone->lock, flags);
	zone->nr_reserved_highatomic += CLAB_PAGEBLOCK_PAGES;
	clab_set_pageblock_migratetype(mem, idx, CLAB_MIGRATE_HIGHATOMIC);
	clab_move_freepages_block(zone, idx, CLAB_MIGRATE_HIGHATOMIC, NULL);
	spin_unlock_irqrestore(&zone->lock, flags);
	before = zone->free_area[0].nr_free_mt[CLAB_MIGRATE_HIGHATOMIC];
	clab_free_pages(mem, page, 0);
	CHECK(clab_page_test(page, CLAB_PG_PCP));
	CHECK_EQ(list_len(pcp, clab_order_to_pindex(CLAB_MIGRATE_MOVABLE, 0)), 1);
	CHECK_EQ(page->migratetype, CLAB_MIGRATE_HIGHATOMIC);
	clab_drain_local_pages(zone, NULL);
	migrate_enable();
	CHECK(clab_page_is_buddy(page));
	/* Its buddy was on the HIGHATOMIC list: the pair merged there. */
	DIAG("page %lu freed; order-0 HIGHATOMIC free %lu -> %lu", idx, before,
	     zone->free_area[0].nr_free_mt[CLAB_MIGRATE_HIGHATOMIC]);
	page = clab_idx_to_page(mem, round_down(idx, CLAB_PAGEBLOCK_PAGES));
	CHECK(clab_page_is_buddy(page));
	CHECK_EQ(page->migratetype, CLAB_MIGRATE_HIGHATOMIC);
	CHECK_EQ(page->order, CLAB_PAGEBLOCK_ORDER);
	CHECK_EQ(mem_check(mem), 0);
	test_mem_destroy(mem);
}

#define LINUX61_PCP_CASES(X) \
	X(test_high_orders_wait_on_lists) \
	X(test_refill_scaled_by_order) \
	X(test_free_factor) \
	X(test_free_high) \
	X(test_reclaim_active_high) \
	X(test_bulk_starts_at_freed_list) \
	X(test_highatomic_page_goes_home)

CLAB_TEST_SUITE(linux61_pcp, LINUX61_PCP_CASES);
