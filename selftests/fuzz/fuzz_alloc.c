// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_alloc.c - the shadow buddy allocator driven by fuzz input.
 *
 * The first byte picks the memory layout (one or two nodes, a movable zone
 * or not); then each operation is three bytes: what to do, and two bytes
 * of arguments. Operations: allocate (order, migratetype and the gfp flags
 * /dev/compactlab and the kernel-internal callers use), free a live block,
 * drain the per-CPU lists, change a watermark tunable. mem_check() (every
 * invariant of selftests/core/mem_check.c) runs every FUZZ_CHECK_EVERY
 * operations and at the end; after everything is freed and drained, every
 * page must be free again.
 */
#include <compactlab/mmzone.h>
#include "mem_check.h"
#include "fuzz_common.h"

#define FUZZ_CHECK_EVERY	16
#define FUZZ_MAX_OPS		4096

/* What the interfaces pass: chardev's flag sets and the core's own users. */
static const unsigned int fuzz_gfps[] = {
	CLAB_GFP_MOVABLE,
	CLAB_GFP_KERNEL,
	CLAB_GFP_RECLAIMABLE,
	CLAB_GFP_USER,
	CLAB_GFP_MOVABLE | CLAB_GFP_NO_WMARK,
	CLAB_GFP_KERNEL | CLAB_GFP_ATOMIC | CLAB_GFP_HIGH | CLAB_GFP_KSWAPD_RECLAIM,
	CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM,
	CLAB_GFP_KERNEL | CLAB_GFP_RECLAIM | CLAB_GFP_NORETRY,
	CLAB_GFP_MOVABLE | CLAB_GFP_RECLAIM | CLAB_GFP_RETRY_MAYFAIL,
	CLAB_GFP_RECLAIMABLE | CLAB_GFP_NOFALLBACK,
	CLAB_GFP_MOVABLE | CLAB_GFP_THISNODE,
	CLAB_GFP_KERNEL | CLAB_GFP_KSWAPD_RECLAIM,
};

struct live_block {
	struct clab_page *page;
	unsigned int order;
};

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int cfg = fuzz_u8(&in), ops = 0;
	struct clab_mem *mem;
	struct live_block *live;
	unsigned long nlive = 0, total;

	mem = test_mem_create("8M", 1 + (cfg & 1),
			      cfg & 2 ? "50%" : NULL, NULL);
	FUZZ_ASSERT(mem, "test_mem_create");
	total = mem->arena->nr_pages;
	live = calloc(total, sizeof(*live));

	while (fuzz_more(&in) && ops++ < FUZZ_MAX_OPS) {
		unsigned int op = fuzz_u8(&in), a = fuzz_u8(&in), b = fuzz_u8(&in);

		switch (op % 8) {
		case 0 ... 3: {		/* allocate */
			unsigned int order = a & 0x80 ? (a & 0x7f) % (CLAB_MAX_ORDER + 1) : (a & 3);
			unsigned int gfp = fuzz_gfps[b % ARRAY_SIZE(fuzz_gfps)] |
					   CLAB_GFP_NOWARN;
			int nid = (op >> 3) % mem->nr_nodes;
			struct clab_page *p = clab_alloc_pages(mem, nid, gfp, order);

			if (!p)
				break;
			FUZZ_ASSERT(nlive < total, "%lu live blocks", nlive);
			FUZZ_ASSERT(clab_page_to_idx(mem, p) % (1UL << order) == 0,
				    "order-%u block at index %lu", order,
				    clab_page_to_idx(mem, p));
			live[nlive].page = p;
			live[nlive].order = order;
			nlive++;
			break;
		}
		case 4 ... 5:		/* free */
			if (nlive) {
				unsigned long k = (a | b << 8) % nlive;

				clab_free_pages(mem, live[k].page, live[k].order);
				live[k] = live[--nlive];
			}
			break;
		case 6:
			clab_drain_all_pages(mem, NULL);
			break;
		case 7:			/* a tunable, as sysfs writes it */
			switch (a % 3) {
			case 0:
				clab_set_min_free_kbytes(mem, (long)b * 64 - 64);
				break;
			case 1:
				clab_set_watermark_scale_factor(mem, (long)b * 12);
				break;
			default:
				clab_set_watermark_boost_factor(mem, (long)b * 100);
				break;
			}
			break;
		}
		if (ops % FUZZ_CHECK_EVERY == 0)
			FUZZ_ASSERT(!mem_check(mem), "after %u operations", ops);
	}
	FUZZ_ASSERT(!mem_check(mem), "at the end, %lu live", nlive);
	while (nlive) {
		nlive--;
		clab_free_pages(mem, live[nlive].page, live[nlive].order);
	}
	clab_drain_all_pages(mem, NULL);
	FUZZ_ASSERT(!mem_check(mem), "after freeing everything");
	FUZZ_ASSERT(mem_free_pages(mem) == total, "%lu of %lu pages free",
		    mem_free_pages(mem), total);
	free(live);
	test_mem_destroy(mem);
	return 0;
}
