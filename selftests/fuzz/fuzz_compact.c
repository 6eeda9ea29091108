// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_compact.c - compaction driven by fuzz input.
 *
 * The arena starts full of owned movable pages (selftests/core's
 * test_owner, every page filled with a pattern of its key). Then each
 * operation is three bytes: free a strided run of keys (fragmenting),
 * allocate keys back, mark a page dirty, under writeback or pinned (or
 * clear it), set the policy or extfrag_threshold, or run one compaction
 * entry point: compact_node (sync full, as compact_memory), one zone at a
 * priority and order (as CLAB_IOC_COMPACT), direct compaction
 * (try_to_compact_pages), a proactive pass, or kcompactd's work. After
 * every compaction: every owned page still holds its pattern, no pinned
 * page moved, and mem_check() finds every invariant intact.
 */
#include <compactlab/writeback.h>
#include <compactlab/compaction.h>
#include "mem_check.h"
#include "test_owner.h"
#include "fuzz_common.h"

#define FUZZ_MAX_OPS		256
#define FUZZ_MAX_COMPACTIONS	8

static const unsigned int fuzz_gfps[] = {
	CLAB_GFP_MOVABLE, CLAB_GFP_KERNEL, CLAB_GFP_RECLAIMABLE,
	CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM,
};

static const enum clab_compact_priority fuzz_prios[] = {
	CLAB_COMPACT_PRIO_SYNC_FULL, CLAB_COMPACT_PRIO_SYNC_LIGHT,
	CLAB_COMPACT_PRIO_ASYNC,
};

static const unsigned int fuzz_alloc_flags[] = {
	CLAB_ALLOC_WMARK_MIN, CLAB_ALLOC_WMARK_LOW, CLAB_ALLOC_WMARK_HIGH,
	CLAB_ALLOC_WMARK_LOW | CLAB_ALLOC_KSWAPD,
};

static const struct clab_policy_ops * const fuzz_policies[] = {
	CLAB_POLICY_LINUX, CLAB_POLICY_TUNED, CLAB_POLICY_MIN_MOVES,
};

static void clear_marks(struct clab_page *p)
{
	clear_bit(CLAB_PG_DIRTY, &p->flags);
	clear_bit(CLAB_PG_WRITEBACK, &p->flags);
	clear_bit(CLAB_PG_PINNED, &p->flags);
}

/* Every page owned, keyed by its index, filled with its pattern. */
static void fill_arena(struct clab_mem *mem, struct test_owner *o)
{
	unsigned long n = mem->arena->nr_pages, got;

	got = test_owner_fill_arena(o);
	FUZZ_ASSERT(got == n, "%lu of %lu pages filled", got, n);
}

static void check_all(struct clab_mem *mem, struct test_owner *o,
		      const unsigned long *pinned_at, const char *what)
{
	unsigned long k;

	FUZZ_ASSERT(!test_owner_verify(o), "%s: page contents differ", what);
	for (k = 0; k < o->nkeys; k++)
		if (pinned_at[k] != ~0UL)
			FUZZ_ASSERT(test_owner_pfn(o, k) == pinned_at[k],
				    "%s: pinned key %lu moved %lu -> %lu", what,
				    k, pinned_at[k], test_owner_pfn(o, k));
	FUZZ_ASSERT(!mem_check(mem), "%s", what);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int cfg = fuzz_u8(&in), ops = 0, compactions = 0;
	struct clab_compact_stats st;
	struct test_owner *o;
	struct clab_mem *mem;
	unsigned long n, k, *pinned_at;

	mem = test_mem_create("4M", 1, cfg & 1 ? "50%" : NULL, NULL);
	FUZZ_ASSERT(mem, "test_mem_create");
	n = mem->arena->nr_pages;
	o = test_owner_create(mem, n);
	pinned_at = malloc(n * sizeof(*pinned_at));
	for (k = 0; k < n; k++)
		pinned_at[k] = ~0UL;
	fill_arena(mem, o);
	if (cfg & 2)
		clab_set_min_free_kbytes(mem, 0);

	while (fuzz_more(&in) && ops++ < FUZZ_MAX_OPS) {
		unsigned int op = fuzz_u8(&in), a = fuzz_u8(&in), b = fuzz_u8(&in);
		unsigned int order = a % (CLAB_MAX_ORDER + 1);
		struct clab_node *node = &mem->nodes[0];
		const char *what = NULL;

		k = (a | b << 8) % n;
		switch (op % 12) {
		case 0 ... 2: {		/* fragment: free every stride-th key */
			unsigned long start = a * n / 256, i;
			unsigned int stride = 1 + (b & 7);
			unsigned long len = 16UL << (b >> 5);

			for (i = start; i < start + len && i < n; i++) {
				if ((i - start) % stride == 0 || !o->table[i])
					continue;
				clear_marks(o->table[i]);
				pinned_at[i] = ~0UL;
				test_owner_free(o, i);
			}
			break;
		}
		case 3: {		/* allocate keys back */
			unsigned long want = 1 + a, i;
			unsigned int gfp = CLAB_GFP_NOWARN | (b & 1 ? CLAB_GFP_MOVABLE :
				CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK);

			for (i = 0; i < n && want; i++) {
				unsigned long key = (k + i) % n;

				if (o->table[key])
					continue;
				if (!test_owner_alloc(o, key, gfp))
					break;
				want--;
			}
			break;
		}
		case 4:			/* mark one page */
			if (!o->table[k])
				break;
			switch (op >> 4 & 3) {
			case 0:
				set_bit(CLAB_PG_DIRTY, &o->table[k]->flags);
				break;
			case 1:
				set_bit(CLAB_PG_WRITEBACK, &o->table[k]->flags);
				break;
			case 2:
				set_bit(CLAB_PG_PINNED, &o->table[k]->flags);
				pinned_at[k] = test_owner_pfn(o, k);
				break;
			default:
				clear_marks(o->table[k]);
				pinned_at[k] = ~0UL;
				break;
			}
			break;
		case 5:
			mem->compact_policy = fuzz_policies[a % ARRAY_SIZE(fuzz_policies)];
			clab_set_extfrag_threshold(mem, (long)b * 4);
			break;
		case 6:
			memset(&st, 0, sizeof(st));
			clab_compact_node(mem, 0, &st);
			what = "compact_node";
			break;
		case 7:
		case 8: {
			int z = mem->nodes[0].zones[CLAB_ZONE_MOVABLE].managed_pages &&
				(b & 1) ? CLAB_ZONE_MOVABLE : CLAB_ZONE_NORMAL;

			memset(&st, 0, sizeof(st));
			clab_compact_zone_order(&node->zones[z], order,
						fuzz_gfps[b >> 1 & 3],
						fuzz_prios[(b >> 3) % 3],
						fuzz_alloc_flags[b >> 5 & 3],
						b & 0x80 ? CLAB_ZONE_MOVABLE :
							   CLAB_ZONE_NORMAL,
						NULL, &st);
			what = "compact_zone_order";
			break;
		}
		case 9:
			clab_try_to_compact_pages(mem, 0, fuzz_gfps[b & 3], order,
						  fuzz_alloc_flags[b >> 2 & 3],
						  fuzz_prios[(b >> 4) % 3], NULL);
			what = "try_to_compact_pages";
			break;
		case 10:
			clab_set_compaction_proactiveness(mem, b % 101);
			if (clab_should_proactive_compact_node(node))
				clab_proactive_compact_node(node);
			what = "proactive";
			break;
		default:
			clab_wakeup_kcompactd(node, order, b & 1 ?
					      CLAB_ZONE_MOVABLE : CLAB_ZONE_NORMAL);
			clab_kcompactd_do_work(node);
			what = "kcompactd";
			break;
		}
		if (what) {
			check_all(mem, o, pinned_at, what);
			if (++compactions >= FUZZ_MAX_COMPACTIONS)
				break;
		}
	}
	check_all(mem, o, pinned_at, "at the end");
	for (k = 0; k < n; k++)
		if (o->table[k])
			clear_marks(o->table[k]);
	/*
	 * Writebacks that migration started hold a page reference until a
	 * waiter completes them (time does not pass here): complete them, as
	 * module exit does, before counting free pages and freeing the arena.
	 */
	clab_writeback_flush();
	test_owner_destroy(o);
	clab_drain_all_pages(mem, NULL);
	FUZZ_ASSERT(!mem_check(mem), "after freeing everything");
	FUZZ_ASSERT(mem_free_pages(mem) == n, "%lu of %lu pages free",
		    mem_free_pages(mem), n);
	free(pinned_at);
	test_mem_destroy(mem);
	return 0;
}
