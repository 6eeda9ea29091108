/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot.h - page layouts as files (format version 2; version 1 read).
 *
 * A snapshot is a header, one byte per pageblock (its migratetype), and
 * the pages as runs of equal (kind, order) entries, and optionally the
 * zone state (watermarks, per-CPU marks and lists); all integers little
 * endian. Documentation/snapshot.rst describes the format byte by byte.
 */
#ifndef _COMPACTLAB_SNAPSHOT_H
#define _COMPACTLAB_SNAPSHOT_H

#include <compactlab/layout.h>

#define CLAB_SNAPSHOT_MAGIC		"CLABSNAP"
#define CLAB_SNAPSHOT_VERSION		2
/* Header flag: a zone state follows the runs (version 2). */
#define CLAB_SNAPSHOT_ZONE_STATE	0x1
#define CLAB_SNAPSHOT_HEADER_SIZE	192
#define CLAB_SNAPSHOT_RUN_SIZE		8
/* The largest snapshot the module reads: 32 M runs of 8 bytes. */
#define CLAB_SNAPSHOT_MAX_SIZE		(256UL << 20)

size_t clab_snapshot_size(const struct clab_layout *l);
size_t clab_snapshot_encode(const struct clab_layout *l, void *buf,
			    size_t len);
int clab_snapshot_decode(const void *buf, size_t len, struct clab_layout *l,
			 unsigned long max_pages, const char **why);
u32 clab_crc32(u32 crc, const void *buf, size_t len);

#endif /* _COMPACTLAB_SNAPSHOT_H */
