// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot.c - encode a page layout as a snapshot file and decode one,
 * checking every field of what it reads (format: snapshot.h and
 * Documentation/snapshot.rst).
 *
 * Header, 192 bytes, little endian:
 *
 *	  0  magic "CLABSNAP"        8  version (2)     12  header size (192)
 *	 16  page shift             20  pageblock order 24  largest order
 *	 28  kinds known to writer  32  start pfn (u64) 40  pages (u64)
 *	 48  runs (u64)             56  pages changed while cloning (u64)
 *	 64  node                   68  flags           72  zone name [16]
 *	 88  architecture [16]     104  kernel release [64]
 *	168  CRC-32 of the body    172  CRC-32 of bytes 0-171
 *	176  per-CPU entries (u64) 184  CPUs            188  reserved, zero
 *
 * Body: one byte per pageblock (its migratetype), then the runs, 8 bytes
 * each: kind, order (0xff for a block's later pages), 2 zero bytes, and
 * the count of consecutive pages with that kind and order. With flag
 * CLAB_SNAPSHOT_ZONE_STATE, the zone state follows: the min, low and high
 * watermarks and the boost (u64 each), then per CPU its high, batch and
 * free factor (u32 each), then the per-CPU entries in list order, 16 bytes
 * each: page (u64), CPU (u32), order, migratetype, 2 zero bytes.
 * Version 1 is version 2 without flags, and the module reads both.
 */
#include <compactlab/snapshot.h>

#define CLAB_SNAP_OFF_VERSION	8
#define CLAB_SNAP_OFF_HSIZE	12
#define CLAB_SNAP_OFF_SHIFT	16
#define CLAB_SNAP_OFF_PBORDER	20
#define CLAB_SNAP_OFF_MAXORDER	24
#define CLAB_SNAP_OFF_KINDS	28
#define CLAB_SNAP_OFF_START	32
#define CLAB_SNAP_OFF_PAGES	40
#define CLAB_SNAP_OFF_RUNS	48
#define CLAB_SNAP_OFF_CHANGED	56
#define CLAB_SNAP_OFF_NODE	64
#define CLAB_SNAP_OFF_FLAGS	68
#define CLAB_SNAP_OFF_ZONE	72
#define CLAB_SNAP_OFF_ARCH	88
#define CLAB_SNAP_OFF_RELEASE	104
#define CLAB_SNAP_OFF_BODY_CRC	168
#define CLAB_SNAP_OFF_HEAD_CRC	172
#define CLAB_SNAP_OFF_NR_PCP	176
#define CLAB_SNAP_OFF_NR_CPUS	184
#define CLAB_SNAP_OFF_RESERVED	188

#define CLAB_SNAP_WMARKS_SIZE	32
#define CLAB_SNAP_CPU_SIZE	12
#define CLAB_SNAP_PCP_SIZE	16

static void clab_put_le32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void clab_put_le64(u8 *p, u64 v)
{
	clab_put_le32(p, (u32)v);
	clab_put_le32(p + 4, (u32)(v >> 32));
}

static u32 clab_get_le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 clab_get_le64(const u8 *p)
{
	return clab_get_le32(p) | (u64)clab_get_le32(p + 4) << 32;
}

/**
 * clab_crc32() - the CRC-32 of IEEE 802.3 (as zlib's crc32() and cksum -o3)
 * @crc: the CRC of what came before (0 to start)
 * @buf: the bytes
 * @len: their count
 *
 * Return: the CRC of everything so far.
 */
u32 clab_crc32(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	unsigned int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/*
 * Does page @i of @l start a run? Its (kind, order) differs from the page
 * before it; and as a run counts at most U32_MAX pages, one also starts at
 * every multiple of 2^32.
 */
static bool clab_run_starts(const struct clab_layout *l, unsigned long i)
{
	return !i || (i & 0xffffffffUL) == 0 ||
	       l->pages[i - 1].kind != l->pages[i].kind ||
	       l->pages[i - 1].order != l->pages[i].order;
}

static unsigned long clab_snapshot_nr_runs(const struct clab_layout *l)
{
	unsigned long i, runs = 0;

	for (i = 0; i < l->nr_pages; i++)
		runs += clab_run_starts(l, i);
	return runs;
}

/**
 * clab_snapshot_size() - bytes the snapshot of a layout takes
 * @l: the layout
 *
 * Return: the size clab_snapshot_encode() needs.
 */
size_t clab_snapshot_size(const struct clab_layout *l)
{
	size_t zs = 0;

	if (l->has_zone_state)
		zs = CLAB_SNAP_WMARKS_SIZE + l->nr_cpus * CLAB_SNAP_CPU_SIZE +
		     l->nr_pcp * CLAB_SNAP_PCP_SIZE;
	return CLAB_SNAPSHOT_HEADER_SIZE + clab_layout_nr_pageblocks(l) +
	       clab_snapshot_nr_runs(l) * CLAB_SNAPSHOT_RUN_SIZE + zs;
}

/* Write the zone state of @l at @p. */
static void clab_snapshot_put_zone_state(const struct clab_layout *l, u8 *p)
{
	unsigned long i;

	for (i = 0; i < CLAB_NR_WMARK; i++, p += 8)
		clab_put_le64(p, l->wmark[i]);
	clab_put_le64(p, l->wmark_boost);
	p += 8;
	for (i = 0; i < l->nr_cpus; i++, p += CLAB_SNAP_CPU_SIZE) {
		clab_put_le32(p, l->cpus[i].high);
		clab_put_le32(p + 4, l->cpus[i].batch);
		clab_put_le32(p + 8, l->cpus[i].free_factor);
	}
	for (i = 0; i < l->nr_pcp; i++, p += CLAB_SNAP_PCP_SIZE) {
		clab_put_le64(p, l->pcp[i].idx);
		clab_put_le32(p + 8, l->pcp[i].cpu);
		p[12] = l->pcp[i].order;
		p[13] = l->pcp[i].migratetype;
		p[14] = 0;
		p[15] = 0;
	}
}

/* Read the zone state at @p into @l (its arrays allocated). */
static int clab_snapshot_get_zone_state(const u8 *p, struct clab_layout *l,
					const char **why)
{
	unsigned long i;

	for (i = 0; i < CLAB_NR_WMARK; i++, p += 8)
		l->wmark[i] = clab_get_le64(p);
	l->wmark_boost = clab_get_le64(p);
	p += 8;
	for (i = 0; i < l->nr_cpus; i++, p += CLAB_SNAP_CPU_SIZE) {
		l->cpus[i].high = clab_get_le32(p);
		l->cpus[i].batch = clab_get_le32(p + 4);
		l->cpus[i].free_factor = clab_get_le32(p + 8);
	}
	for (i = 0; i < l->nr_pcp; i++, p += CLAB_SNAP_PCP_SIZE) {
		if (p[14] || p[15]) {
			*why = "corrupted: non-zero padding in a per-CPU entry";
			return -EBADMSG;
		}
		l->pcp[i].idx = clab_get_le64(p);
		l->pcp[i].cpu = clab_get_le32(p + 8);
		l->pcp[i].order = p[12];
		l->pcp[i].migratetype = p[13];
	}
	return 0;
}

static void clab_put_str(u8 *p, const char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	memset(p, 0, size);
	memcpy(p, s, n);
}

/**
 * clab_snapshot_encode() - write the snapshot of a layout
 * @l: a well-formed layout
 * @buf: where to write
 * @len: bytes at @buf
 *
 * Return: the bytes written, or 0 when @len is smaller than
 * clab_snapshot_size().
 */
size_t clab_snapshot_encode(const struct clab_layout *l, void *buf, size_t len)
{
	size_t need = clab_snapshot_size(l);
	unsigned long i, runs = 0, pbs = clab_layout_nr_pageblocks(l);
	u8 *h = buf, *r;

	if (len < need)
		return 0;
	memset(h, 0, CLAB_SNAPSHOT_HEADER_SIZE);
	memcpy(h, CLAB_SNAPSHOT_MAGIC, 8);
	clab_put_le32(h + CLAB_SNAP_OFF_VERSION, CLAB_SNAPSHOT_VERSION);
	clab_put_le32(h + CLAB_SNAP_OFF_HSIZE, CLAB_SNAPSHOT_HEADER_SIZE);
	clab_put_le32(h + CLAB_SNAP_OFF_SHIFT, CLAB_PAGE_SHIFT);
	clab_put_le32(h + CLAB_SNAP_OFF_PBORDER, CLAB_PAGEBLOCK_ORDER);
	clab_put_le32(h + CLAB_SNAP_OFF_MAXORDER, CLAB_MAX_ORDER);
	clab_put_le32(h + CLAB_SNAP_OFF_KINDS, CLAB_LK_NR);
	clab_put_le64(h + CLAB_SNAP_OFF_START, l->start_pfn);
	clab_put_le64(h + CLAB_SNAP_OFF_PAGES, l->nr_pages);
	clab_put_le64(h + CLAB_SNAP_OFF_CHANGED, l->nr_changed);
	clab_put_le32(h + CLAB_SNAP_OFF_NODE, l->node);
	clab_put_str(h + CLAB_SNAP_OFF_ZONE, l->zone, sizeof(l->zone));
	clab_put_str(h + CLAB_SNAP_OFF_ARCH, l->arch, sizeof(l->arch));
	clab_put_str(h + CLAB_SNAP_OFF_RELEASE, l->release, sizeof(l->release));

	memcpy(h + CLAB_SNAPSHOT_HEADER_SIZE, l->pageblock_mt, pbs);
	r = h + CLAB_SNAPSHOT_HEADER_SIZE + pbs;
	for (i = 0; i < l->nr_pages; i++) {
		if (!clab_run_starts(l, i)) {
			clab_put_le32(r - 4, clab_get_le32(r - 4) + 1);
			continue;
		}
		r[0] = l->pages[i].kind;
		r[1] = l->pages[i].order;
		r[2] = 0;
		r[3] = 0;
		clab_put_le32(r + 4, 1);
		r += CLAB_SNAPSHOT_RUN_SIZE;
		runs++;
		if ((i & 0xfffff) == 0)
			cond_resched();
	}
	clab_put_le64(h + CLAB_SNAP_OFF_RUNS, runs);
	if (l->has_zone_state) {
		clab_put_le32(h + CLAB_SNAP_OFF_FLAGS, CLAB_SNAPSHOT_ZONE_STATE);
		clab_put_le64(h + CLAB_SNAP_OFF_NR_PCP, l->nr_pcp);
		clab_put_le32(h + CLAB_SNAP_OFF_NR_CPUS, l->nr_cpus);
		clab_snapshot_put_zone_state(l, r);
	}
	clab_put_le32(h + CLAB_SNAP_OFF_BODY_CRC,
		      clab_crc32(0, h + CLAB_SNAPSHOT_HEADER_SIZE,
				 need - CLAB_SNAPSHOT_HEADER_SIZE));
	clab_put_le32(h + CLAB_SNAP_OFF_HEAD_CRC,
		      clab_crc32(0, h, CLAB_SNAP_OFF_HEAD_CRC));
	return need;
}

static bool clab_is_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Copy a NUL-terminated string field; false when it is not terminated. */
static bool clab_get_str(char *dst, const u8 *p, size_t size)
{
	if (strnlen((const char *)p, size) == size)
		return false;
	memcpy(dst, p, size);
	return true;
}

/*
 * Check the header alone; set *pages, *runs, and for a snapshot with a
 * zone state *nr_cpus and *nr_pcp (0 without one).
 */
static int clab_snapshot_check_header(const u8 *h, size_t len,
				      unsigned long max_pages, u64 *pages,
				      u64 *runs, u32 *nr_cpus, u64 *nr_pcp,
				      const char **why)
{
	u32 version, flags;
	u64 pbs, want;

	if (len < CLAB_SNAPSHOT_HEADER_SIZE) {
		*why = "truncated: shorter than a snapshot header";
		return -EBADMSG;
	}
	if (memcmp(h, CLAB_SNAPSHOT_MAGIC, 8)) {
		*why = "not a compactlab snapshot (no CLABSNAP magic)";
		return -EINVAL;
	}
	if (clab_get_le32(h + CLAB_SNAP_OFF_HEAD_CRC) !=
	    clab_crc32(0, h, CLAB_SNAP_OFF_HEAD_CRC)) {
		*why = "corrupted: the header's checksum does not match";
		return -EBADMSG;
	}
	version = clab_get_le32(h + CLAB_SNAP_OFF_VERSION);
	if (version < 1 || version > CLAB_SNAPSHOT_VERSION ||
	    clab_get_le32(h + CLAB_SNAP_OFF_HSIZE) != CLAB_SNAPSHOT_HEADER_SIZE) {
		*why = "snapshot format version not supported (this module reads versions 1 and 2)";
		return -EINVAL;
	}
	if (clab_get_le32(h + CLAB_SNAP_OFF_SHIFT) != CLAB_PAGE_SHIFT) {
		*why = "the snapshot was taken with another page size than this kernel's";
		return -EINVAL;
	}
	if (clab_get_le32(h + CLAB_SNAP_OFF_PBORDER) != CLAB_PAGEBLOCK_ORDER) {
		*why = "the snapshot was taken with another pageblock order than this kernel's";
		return -EINVAL;
	}
	if (clab_get_le32(h + CLAB_SNAP_OFF_MAXORDER) != CLAB_MAX_ORDER) {
		*why = "the snapshot was taken with another largest buddy order than this kernel's";
		return -EINVAL;
	}
	flags = clab_get_le32(h + CLAB_SNAP_OFF_FLAGS);
	*nr_pcp = clab_get_le64(h + CLAB_SNAP_OFF_NR_PCP);
	*nr_cpus = clab_get_le32(h + CLAB_SNAP_OFF_NR_CPUS);
	if ((flags & ~CLAB_SNAPSHOT_ZONE_STATE) ||
	    (version == 1 && flags) ||
	    (!flags && (*nr_pcp || *nr_cpus)) ||
	    !clab_is_zero(h + CLAB_SNAP_OFF_RESERVED,
			  CLAB_SNAPSHOT_HEADER_SIZE - CLAB_SNAP_OFF_RESERVED)) {
		*why = "unknown flags or non-zero reserved bytes in the header";
		return -EINVAL;
	}
	if (flags && (!*nr_cpus || *nr_cpus > CLAB_LAYOUT_MAX_CPUS)) {
		*why = "the zone state names no CPU or too many";
		return -EINVAL;
	}
	*pages = clab_get_le64(h + CLAB_SNAP_OFF_PAGES);
	*runs = clab_get_le64(h + CLAB_SNAP_OFF_RUNS);
	if (!*pages || *pages % CLAB_PAGEBLOCK_PAGES ||
	    clab_get_le64(h + CLAB_SNAP_OFF_START) % CLAB_CHUNK_PAGES) {
		*why = "the range is empty or not aligned to the pageblock and largest-block sizes";
		return -EINVAL;
	}
	if (*pages > max_pages) {
		*why = "the arena is smaller than the snapshot: load with a larger arena_size";
		return -ENOSPC;
	}
	if (!*runs || *runs > *pages) {
		*why = "corrupted: impossible number of runs";
		return -EBADMSG;
	}
	if (*nr_pcp > *pages) {
		*why = "corrupted: more per-CPU entries than pages";
		return -EBADMSG;
	}
	pbs = *pages >> CLAB_PAGEBLOCK_ORDER;
	want = CLAB_SNAPSHOT_HEADER_SIZE + pbs + *runs * CLAB_SNAPSHOT_RUN_SIZE;
	if (flags)
		want += CLAB_SNAP_WMARKS_SIZE + *nr_cpus * CLAB_SNAP_CPU_SIZE +
			*nr_pcp * CLAB_SNAP_PCP_SIZE;
	if (len != want) {
		*why = len < want ? "truncated: shorter than its header says" :
				    "trailing bytes after the snapshot";
		return -EBADMSG;
	}
	if (clab_get_le32(h + CLAB_SNAP_OFF_BODY_CRC) !=
	    clab_crc32(0, h + CLAB_SNAPSHOT_HEADER_SIZE,
		       len - CLAB_SNAPSHOT_HEADER_SIZE)) {
		*why = "corrupted: the body's checksum does not match";
		return -EBADMSG;
	}
	return 0;
}

/* Expand the runs into @l; -EBADMSG/-EINVAL with *why on a bad run. */
static int clab_snapshot_expand(const u8 *r, u64 runs, struct clab_layout *l,
				const char **why)
{
	unsigned long at = 0, i;
	u64 k;

	for (k = 0; k < runs; k++, r += CLAB_SNAPSHOT_RUN_SIZE) {
		u32 count = clab_get_le32(r + 4);

		if (r[0] >= CLAB_LK_NR) {
			*why = "a page kind this module does not know (a newer snapshot?)";
			return -EINVAL;
		}
		if (r[2] || r[3] || !count || count > l->nr_pages - at) {
			*why = "corrupted: an empty run, a run past the end, or non-zero padding";
			return -EBADMSG;
		}
		for (i = 0; i < count; i++) {
			l->pages[at + i].kind = r[0];
			l->pages[at + i].order = r[1];
		}
		at += count;
		if ((k & 0xffff) == 0)
			cond_resched();
	}
	if (at != l->nr_pages) {
		*why = "corrupted: the runs cover fewer pages than the header says";
		return -EBADMSG;
	}
	return 0;
}

/**
 * clab_snapshot_decode() - read a snapshot into a new layout
 * @buf: the snapshot's bytes
 * @len: their count
 * @l: the layout to allocate and fill; freed again on failure
 * @max_pages: the largest layout the caller can use (the arena's size)
 * @why: set to a human-readable reason on failure
 *
 * Everything is checked before it is used: magic, checksums, version,
 * page size, pageblock and largest order (they must be this kernel's),
 * sizes, every run, and finally the layout itself (clab_layout_check()).
 *
 * Return: 0; -EINVAL for a snapshot that is not one or does not fit this
 * kernel, -EBADMSG for a truncated or corrupted one, -ENOSPC when it has
 * more than @max_pages pages, -ENOMEM.
 */
int clab_snapshot_decode(const void *buf, size_t len, struct clab_layout *l,
			 unsigned long max_pages, const char **why)
{
	const u8 *h = buf, *r;
	u64 pages, runs, nr_pcp;
	u32 nr_cpus;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = clab_snapshot_check_header(h, len, max_pages, &pages, &runs,
					 &nr_cpus, &nr_pcp, why);
	if (ret)
		return ret;
	ret = clab_layout_alloc(l, clab_get_le64(h + CLAB_SNAP_OFF_START),
				pages);
	if (!ret && nr_cpus)
		ret = clab_layout_alloc_zone_state(l, nr_cpus, nr_pcp);
	if (ret) {
		*why = "out of memory for the layout";
		goto free_layout;
	}
	if (!clab_get_str(l->zone, h + CLAB_SNAP_OFF_ZONE, sizeof(l->zone)) ||
	    !clab_get_str(l->arch, h + CLAB_SNAP_OFF_ARCH, sizeof(l->arch)) ||
	    !clab_get_str(l->release, h + CLAB_SNAP_OFF_RELEASE,
			  sizeof(l->release))) {
		*why = "a name in the header is not NUL-terminated";
		ret = -EINVAL;
		goto free_layout;
	}
	l->node = clab_get_le32(h + CLAB_SNAP_OFF_NODE);
	l->nr_changed = clab_get_le64(h + CLAB_SNAP_OFF_CHANGED);
	memcpy(l->pageblock_mt, h + CLAB_SNAPSHOT_HEADER_SIZE,
	       clab_layout_nr_pageblocks(l));
	r = h + CLAB_SNAPSHOT_HEADER_SIZE + clab_layout_nr_pageblocks(l);
	ret = clab_snapshot_expand(r, runs, l, why);
	if (ret)
		goto free_layout;
	if (l->has_zone_state) {
		l->nr_pcp = nr_pcp;
		ret = clab_snapshot_get_zone_state(r + runs * CLAB_SNAPSHOT_RUN_SIZE,
						   l, why);
		if (ret)
			goto free_layout;
	}
	ret = clab_layout_check(l, why);
	if (ret)
		goto free_layout;
	return 0;

free_layout:
	clab_layout_free(l);
	return ret;
}
