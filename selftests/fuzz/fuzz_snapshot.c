// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_snapshot.c - clab_snapshot_decode() and clab_layout_apply() on
 * arbitrary snapshots (CLAB_IOC_SNAPSHOT_LOAD hands them user bytes).
 *
 * The input's two CRC-32s are set right before decoding, so that the
 * fuzzer explores the header's fields and the runs rather than the
 * checksums (test_layout.c covers those). Beyond "no sanitizer report":
 * an accepted snapshot re-encodes to one that decodes to the same layout
 * and zone state;
 * applied to an empty 16 MiB arena it leaves a consistent buddy allocator
 * whose free pages are the layout's, and a release frees every page.
 */
#include <string.h>
#include <compactlab/snapshot.h>
#include <compactlab/mmzone.h>
#include "mem_check.h"
#include "fuzz_common.h"

#define ARENA_PAGES	4096	/* "16M" */

static struct clab_mem *mem;

static void put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct clab_layout l, again;
	struct clab_layout_stats st;
	const char *why = "";
	size_t len;
	u8 *buf, *enc;

	if (!mem) {
		mem = test_mem_create("16M", 1, NULL, NULL);
		FUZZ_ASSERT(mem, "no arena");
	}
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (size >= CLAB_SNAPSHOT_HEADER_SIZE) {
		put32(buf + 168, clab_crc32(0, buf + CLAB_SNAPSHOT_HEADER_SIZE,
					    size - CLAB_SNAPSHOT_HEADER_SIZE));
		put32(buf + 172, clab_crc32(0, buf, 172));
	}
	if (clab_snapshot_decode(buf, size, &l, ARENA_PAGES, &why)) {
		free(buf);
		return 0;
	}
	FUZZ_ASSERT(!clab_layout_check(&l, &why), "decoded, yet malformed: %s", why);

	len = clab_snapshot_size(&l);
	enc = malloc(len);
	FUZZ_ASSERT(clab_snapshot_encode(&l, enc, len) == len, "encode");
	FUZZ_ASSERT(!clab_snapshot_decode(enc, len, &again, ARENA_PAGES, &why),
		    "re-encoded snapshot refused: %s", why);
	FUZZ_ASSERT(again.nr_pages == l.nr_pages &&
		    !memcmp(again.pages, l.pages, l.nr_pages * sizeof(*l.pages)) &&
		    !memcmp(again.pageblock_mt, l.pageblock_mt,
			    clab_layout_nr_pageblocks(&l)), "round trip differs");
	FUZZ_ASSERT(again.has_zone_state == l.has_zone_state &&
		    again.nr_cpus == l.nr_cpus && again.nr_pcp == l.nr_pcp &&
		    !memcmp(again.wmark, l.wmark, sizeof(l.wmark)) &&
		    (!l.has_zone_state ||
		     !memcmp(again.cpus, l.cpus, l.nr_cpus * sizeof(*l.cpus))),
		    "zone state round trip differs");
	clab_layout_free(&again);
	free(enc);

	FUZZ_ASSERT(!clab_layout_apply(mem, &l, &why), "apply: %s", why);
	FUZZ_ASSERT(!mem_check(mem), "buddy inconsistent after apply");
	clab_layout_count(&l, &st);
	FUZZ_ASSERT(mem_free_pages(mem) == st.kind[CLAB_LK_FREE],
		    "free %lu, layout %lu", mem_free_pages(mem), st.kind[CLAB_LK_FREE]);
	clab_layout_release(mem);
	FUZZ_ASSERT(mem_free_pages(mem) == ARENA_PAGES, "release left %lu free",
		    mem_free_pages(mem));
	FUZZ_ASSERT(!mem_check(mem), "buddy inconsistent after release");
	clab_layout_free(&l);
	free(buf);
	return 0;
}
