// SPDX-License-Identifier: GPL-2.0
/*
 * mem_check.c - invariants of the shadow buddy allocator, checked by walking
 * every descriptor and every list:
 *  - each page is covered by exactly one thing: a free block, a per-CPU
 *    page, or an allocated block;
 *  - a free block is aligned to its order, inside its zone, and on exactly
 *    the list its descriptor names; list lengths match nr_free and
 *    nr_free_mt; nr_free_pages adds up;
 *  - no two free buddies of the same order are left unmerged where merging
 *    is allowed;
 *  - pageblock counters add up to the pageblock size.
 */
#include <compactlab/mmzone.h>
#include "mem_check.h"
#include "tap.h"

struct clab_mem *test_mem_create(const char *size, unsigned int nodes,
				 const char *kernelcore, const char *movablecore)
{
	struct clab_mem_config cfg = {
		.nodes = nodes, .kernelcore = kernelcore,
		.movablecore = movablecore,
	};
	struct clab_arena_params p;
	struct clab_arena *arena;
	struct clab_mem *mem;
	const char *why = "";

	if (clab_arena_parse_params("0x40000000", size, &p, &why))
		return NULL;
	arena = clab_arena_create(&p, &why);
	if (IS_ERR(arena))
		return NULL;
	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (clab_mem_init(mem, arena, &cfg, &why)) {
		DIAG("clab_mem_init: %s", why);
		clab_arena_destroy(arena);
		kfree(mem);
		return NULL;
	}
	return mem;
}

void test_mem_destroy(struct clab_mem *mem)
{
	struct clab_arena *arena = mem->arena;

	clab_mem_exit(mem);
	clab_arena_destroy(arena);
	kfree(mem);
}

unsigned long mem_free_pages(struct clab_mem *mem)
{
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long n = 0;

	clab_for_each_populated_zone(mem, node, zone)
		n += zone->nr_free_pages;
	return n;
}

#define FAIL(...) do { DIAG("mem_check: " __VA_ARGS__); return -1; } while (0)

static int check_zone(struct clab_mem *mem, struct clab_zone *zone,
		      unsigned char *seen)
{
	unsigned long nr_free_pages = 0, idx;
	unsigned int o, mt;
	int cpu;

	for (o = 0; o < CLAB_NR_ORDERS; o++) {
		struct clab_free_area *area = &zone->free_area[o];
		unsigned long total = 0;

		for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++) {
			struct clab_page *page;
			unsigned long n = 0;

			list_for_each_entry(page, &area->free_list[mt], lru) {
				idx = clab_page_to_idx(mem, page);
				if (!clab_page_is_buddy(page) || page->order != o ||
				    page->migratetype != mt)
					FAIL("page %lu on list o%u mt%u has order %u mt %u flags %lx",
					     idx, o, mt, page->order, page->migratetype,
					     page->flags);
				if (idx & ((1UL << o) - 1))
					FAIL("free block %lu misaligned for order %u", idx, o);
				if (idx < zone->start || idx + (1UL << o) > zone->end)
					FAIL("free block %lu o%u outside its zone", idx, o);
				for (unsigned long i = idx; i < idx + (1UL << o); i++) {
					if (seen[i])
						FAIL("page %lu covered twice", i);
					seen[i] = 1;
				}
				if (mt != CLAB_MIGRATE_ISOLATE)
					nr_free_pages += 1UL << o;
				n++;
			}
			if (n != area->nr_free_mt[mt])
				FAIL("order %u mt %u: %lu on list, nr_free_mt %lu", o, mt,
				     n, area->nr_free_mt[mt]);
			total += n;
		}
		if (total != area->nr_free)
			FAIL("order %u: %lu on lists, nr_free %lu", o, total, area->nr_free);
	}
	if (nr_free_pages != zone->nr_free_pages)
		FAIL("zone nr_free_pages %lu, lists hold %lu", zone->nr_free_pages,
		     nr_free_pages);

	for_each_possible_cpu(cpu) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct clab_page *page;
		int n = 0;

		for (mt = 0; mt < CLAB_MIGRATE_PCPTYPES; mt++)
			list_for_each_entry(page, &pcp->lists[mt], lru) {
				idx = clab_page_to_idx(mem, page);
				if (!clab_page_test(page, CLAB_PG_PCP) || seen[idx])
					FAIL("per-CPU page %lu bad or covered twice", idx);
				seen[idx] = 1;
				n++;
			}
		if (n != pcp->count)
			FAIL("pcp count %d, lists hold %d", pcp->count, n);
	}

	for (idx = zone->start; idx < zone->end; ) {
		struct clab_page *page = clab_idx_to_page(mem, idx);

		if (seen[idx]) {
			if (clab_page_is_buddy(page)) {
				unsigned long b = idx ^ (1UL << page->order);
				struct clab_page *bp;

				if (page->order < CLAB_MAX_ORDER && b >= zone->start &&
				    b < zone->end) {
					bp = clab_idx_to_page(mem, b);
					if (clab_page_is_buddy(bp) && bp->order == page->order) {
						int m1 = clab_get_pageblock_migratetype(mem, idx);
						int m2 = clab_get_pageblock_migratetype(mem, b);

						if (page->order < CLAB_PAGEBLOCK_ORDER ||
						    m1 == m2 ||
						    (clab_migratetype_is_mergeable(m1) &&
						     clab_migratetype_is_mergeable(m2)))
							FAIL("free buddies %lu and %lu of order %u not merged",
							     idx, b, page->order);
					}
				}
				idx += 1UL << page->order;
			} else {
				idx++;
			}
			continue;
		}
		if (!clab_page_test(page, CLAB_PG_HEAD))
			FAIL("page %lu neither free nor an allocated head (flags %lx)",
			     idx, page->flags);
		for (unsigned long i = 1; i < (1UL << page->order); i++)
			if (!clab_page_test(page + i, CLAB_PG_TAIL) || seen[idx + i])
				FAIL("allocated block %lu: page %lu not a tail", idx, idx + i);
		for (unsigned long i = 0; i < (1UL << page->order); i++)
			seen[idx + i] = 2;
		idx += 1UL << page->order;
	}
	return 0;
}

int mem_check(struct clab_mem *mem)
{
	unsigned char *seen = kvzalloc(mem->arena->nr_pages, GFP_KERNEL);
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long pb, i;
	int ret = 0;

	clab_for_each_populated_zone(mem, node, zone) {
		ret = check_zone(mem, zone, seen);
		if (ret)
			goto out;
	}
	for (i = 0; i < mem->arena->nr_pages; i++)
		if (!seen[i]) {
			DIAG("mem_check: page %lu not covered", i);
			ret = -1;
			goto out;
		}
	for (pb = 0; pb < mem->arena->nr_pageblocks; pb++) {
		struct clab_pageblock *b = &mem->pageblocks[pb];
		long sum = atomic_read(&b->nr_free);

		for (i = 0; i < CLAB_MIGRATE_PCPTYPES; i++)
			sum += atomic_read(&b->nr_alloc[i]);
		if (sum != (long)CLAB_PAGEBLOCK_PAGES) {
			DIAG("mem_check: pageblock %lu counts add to %ld", pb,
			     sum);
			ret = -1;
			goto out;
		}
	}
out:
	kvfree(seen);
	return ret;
}
