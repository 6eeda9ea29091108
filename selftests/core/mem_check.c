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
	return test_mem_create_backend(NULL, size, nodes, kernelcore,
				       movablecore);
}

struct clab_mem *test_mem_create_backend(const char *backend, const char *size,
					 unsigned int nodes,
					 const char *kernelcore,
					 const char *movablecore)
{
	struct clab_mem_config cfg = {
		.nodes = nodes, .kernelcore = kernelcore,
		.movablecore = movablecore,
	};

	return test_mem_create_config(backend, size, &cfg);
}

struct clab_mem *test_mem_create_config(const char *backend, const char *size,
					const struct clab_mem_config *cfg)
{
	struct clab_arena_params p;
	struct clab_arena *arena;
	struct clab_mem *mem;
	const char *why = "";

	/* A reserved arena at 0x40000000 unless @backend says otherwise. */
	if (clab_arena_parse_params(backend, backend ? NULL : "0x40000000",
				    size, &p, &why))
		return NULL;
	arena = clab_arena_create(&p, &why);
	if (IS_ERR(arena))
		return NULL;
	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (clab_mem_init(mem, arena, cfg, &why)) {
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

/*
 * The checks below print the first thing they find wrong ("mem_check: ...")
 * and return -1; 0 if everything holds.
 */

/*
 * The free list of order @o and migratetype @mt: each block on it has that
 * order and type, is aligned, inside the zone and covers pages not seen
 * before; the list's length is nr_free_mt. Adds the blocks' pages (unless
 * isolated) to *@nr_free_pages and their number to *@nr_blocks.
 */
static int check_free_list(struct clab_mem *mem, struct clab_zone *zone,
			   unsigned int o, unsigned int mt, unsigned char *seen,
			   unsigned long *nr_free_pages, unsigned long *nr_blocks)
{
	struct clab_free_area *area = &zone->free_area[o];
	struct clab_page *page;
	unsigned long idx, n = 0;

	list_for_each_entry(page, &area->free_list[mt], lru) {
		idx = clab_page_to_idx(mem, page);
		if (!clab_page_is_buddy(page) || page->order != o ||
		    page->migratetype != mt) {
			DIAG("mem_check: page %lu on list o%u mt%u has order %u mt %u flags %lx",
			     idx, o, mt, page->order, page->migratetype,
			     page->flags);
			return -1;
		}
		if (idx & ((1UL << o) - 1)) {
			DIAG("mem_check: free block %lu misaligned for order %u",
			     idx, o);
			return -1;
		}
		if (idx < zone->start || idx + (1UL << o) > zone->end) {
			DIAG("mem_check: free block %lu o%u outside its zone",
			     idx, o);
			return -1;
		}
		for (unsigned long i = idx; i < idx + (1UL << o); i++) {
			if (seen[i]) {
				DIAG("mem_check: page %lu covered twice", i);
				return -1;
			}
			seen[i] = 1;
		}
		if (mt != CLAB_MIGRATE_ISOLATE)
			*nr_free_pages += 1UL << o;
		n++;
	}
	if (n != area->nr_free_mt[mt]) {
		DIAG("mem_check: order %u mt %u: %lu on list, nr_free_mt %lu", o,
		     mt, n, area->nr_free_mt[mt]);
		return -1;
	}
	*nr_blocks += n;
	return 0;
}

/* Every free list of the zone; nr_free and nr_free_pages match them. */
static int check_free_areas(struct clab_mem *mem, struct clab_zone *zone,
			    unsigned char *seen)
{
	unsigned long nr_free_pages = 0;
	unsigned int o, mt;

	for (o = 0; o < CLAB_NR_ORDERS; o++) {
		unsigned long total = 0;

		for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
			if (check_free_list(mem, zone, o, mt, seen,
					    &nr_free_pages, &total))
				return -1;
		if (total != zone->free_area[o].nr_free) {
			DIAG("mem_check: order %u: %lu on lists, nr_free %lu", o,
			     total, zone->free_area[o].nr_free);
			return -1;
		}
	}
	if (nr_free_pages != zone->nr_free_pages) {
		DIAG("mem_check: zone nr_free_pages %lu, lists hold %lu",
		     zone->nr_free_pages, nr_free_pages);
		return -1;
	}
	return 0;
}

/*
 * The per-CPU lists: blocks of the list's order, aligned, heads marked so,
 * pages not seen before, as many pages as counted.
 */
static int check_pcp_lists(struct clab_mem *mem, struct clab_zone *zone,
			   unsigned char *seen)
{
	unsigned long idx, i;
	unsigned int pindex;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct clab_page *page;
		int n = 0;

		for (pindex = 0; pindex < CLAB_NR_PCP_LISTS; pindex++) {
			unsigned int order = clab_pindex_to_order(pindex);

			list_for_each_entry(page, &pcp->lists[pindex], lru) {
				idx = clab_page_to_idx(mem, page);
				if (!clab_page_test(page, CLAB_PG_PCP) ||
				    page->order != order ||
				    idx & ((1UL << order) - 1) ||
				    idx + (1UL << order) > zone->end) {
					DIAG("mem_check: per-CPU block %lu (list %u) bad",
					     idx, pindex);
					return -1;
				}
				for (i = idx; i < idx + (1UL << order); i++) {
					if (seen[i]) {
						DIAG("mem_check: per-CPU page %lu covered twice",
						     i);
						return -1;
					}
					seen[i] = 1;
				}
				n += 1 << order;
			}
		}
		if (n != pcp->count) {
			DIAG("mem_check: pcp count %d, lists hold %d",
			     pcp->count, n);
			return -1;
		}
	}
	return 0;
}

/* Blocks of these two types may merge above pageblock_order. */
static bool types_may_merge(int a, int b)
{
	return a == b || (clab_migratetype_is_mergeable(a) &&
			  clab_migratetype_is_mergeable(b));
}

/*
 * The free block of @page, at @idx, and its buddy are not both free at the
 * same order where the two must have merged. Above pageblock_order, 6.1
 * merges by the type a block is freed with against its buddy's pageblock
 * type, and a pageblock's type can change under a free block (highatomic
 * reserve, stealing) or under a page on a per-CPU list (freed later with
 * its old type): a pair is only wrong when every combination of their list
 * and pageblock types allows the merge.
 */
static int check_merged(struct clab_mem *mem, struct clab_zone *zone,
			unsigned long idx, struct clab_page *page)
{
	unsigned long b = idx ^ (1UL << page->order);
	struct clab_page *bp;
	int m1, m2, l1, l2;

	if (page->order >= CLAB_MAX_ORDER || b < zone->start || b >= zone->end)
		return 0;
	bp = clab_idx_to_page(mem, b);
	if (!clab_page_is_buddy(bp) || bp->order != page->order)
		return 0;
	m1 = clab_get_pageblock_migratetype(mem, idx);
	m2 = clab_get_pageblock_migratetype(mem, b);
	l1 = page->migratetype;
	l2 = bp->migratetype;
	if (page->order < CLAB_PAGEBLOCK_ORDER ||
	    (types_may_merge(m1, m2) && types_may_merge(l1, l2) &&
	     types_may_merge(l1, m2) && types_may_merge(m1, l2))) {
		DIAG("mem_check: free buddies %lu and %lu of order %u not merged",
		     idx, b, page->order);
		DIAG("mem_check: pageblock types %d %d, lists %d %d", m1, m2,
		     l1, l2);
		return -1;
	}
	return 0;
}

/*
 * Every page of the zone, in order: a free block seen on a list (merged
 * with its buddy where allowed), or an allocated head followed by its
 * tails, none of them on a list.
 */
static int check_pages(struct clab_mem *mem, struct clab_zone *zone,
		       unsigned char *seen)
{
	unsigned long idx;

	for (idx = zone->start; idx < zone->end; ) {
		struct clab_page *page = clab_idx_to_page(mem, idx);

		if (seen[idx]) {
			if (clab_page_is_buddy(page)) {
				if (check_merged(mem, zone, idx, page))
					return -1;
				idx += 1UL << page->order;
			} else {
				idx++;
			}
			continue;
		}
		if (!clab_page_test(page, CLAB_PG_HEAD)) {
			DIAG("mem_check: page %lu neither free nor an allocated head (flags %lx)",
			     idx, page->flags);
			return -1;
		}
		for (unsigned long i = 1; i < (1UL << page->order); i++)
			if (!clab_page_test(page + i, CLAB_PG_TAIL) || seen[idx + i]) {
				DIAG("mem_check: allocated block %lu: page %lu not a tail",
				     idx, idx + i);
				return -1;
			}
		for (unsigned long i = 0; i < (1UL << page->order); i++)
			seen[idx + i] = 2;
		idx += 1UL << page->order;
	}
	return 0;
}

static int check_zone(struct clab_mem *mem, struct clab_zone *zone,
		      unsigned char *seen)
{
	if (check_free_areas(mem, zone, seen) ||
	    check_pcp_lists(mem, zone, seen))
		return -1;
	return check_pages(mem, zone, seen);
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
			DIAG("%s: page %lu not covered", __func__, i);
			ret = -1;
			goto out;
		}
	for (pb = 0; pb < mem->arena->nr_pageblocks; pb++) {
		struct clab_pageblock *b = &mem->pageblocks[pb];
		long sum = atomic_read(&b->nr_free);

		for (i = 0; i < CLAB_MIGRATE_PCPTYPES; i++)
			sum += atomic_read(&b->nr_alloc[i]);
		if (sum != (long)CLAB_PAGEBLOCK_PAGES) {
			DIAG("%s: pageblock %lu counts add to %ld", __func__,
			     pb, sum);
			ret = -1;
			goto out;
		}
	}
out:
	kvfree(seen);
	return ret;
}
