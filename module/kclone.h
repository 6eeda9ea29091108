/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kclone.h - reading the running kernel's zone layout into a page layout
 * (module/kclone.c). Kernel-only: not part of the core.
 */
#ifndef _CLAB_KCLONE_H
#define _CLAB_KCLONE_H

#include <compactlab/layout.h>

/**
 * struct clab_kclone_request - which part of which kernel zone to read
 * @nid: the kernel's node id (online)
 * @zone: the zone's name as the kernel spells it ("DMA32", "Normal", ...),
 *	NUL-terminated
 * @start_pfn: first pfn, inside the zone; 0 for the zone's start
 * @nr_pages: pages from @start_pfn; 0 for up to the zone's end. A window
 *	past the zone's end stops there.
 *
 * The window is then widened: its start down to a multiple of
 * 1 << CLAB_MAX_ORDER pages, its end up to a pageblock boundary.
 */
struct clab_kclone_request {
	int nid;
	char zone[16];
	unsigned long start_pfn;
	unsigned long nr_pages;
};

u8 clab_kclone_migratetype_of(int mt);
int clab_kclone(const struct clab_kclone_request *req, unsigned long max_pages,
		struct clab_layout *out, const char **why);
int clab_kclone_reread(const struct clab_kclone_request *req,
		       struct clab_layout *l, const char **why);

#endif /* _CLAB_KCLONE_H */
