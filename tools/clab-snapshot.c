// SPDX-License-Identifier: GPL-2.0
/*
 * clab-snapshot - page-layout snapshots of the compactlab arena.
 *
 *   clab-snapshot clone ZONE [NID [START_PFN [PAGES]]]
 *                                     give the arena the layout of the
 *                                     running kernel's zone ZONE (as named
 *                                     in /proc/zoneinfo) of node NID (0),
 *                                     all of it or PAGES pages from
 *                                     START_PFN; prints what it cloned
 *   clab-snapshot save FILE [PAGES]   the arena's layout now, to FILE
 *   clab-snapshot load FILE           give the arena FILE's layout
 *   clab-snapshot info                the applied layout (key=value lines)
 *   clab-snapshot release             free the applied layout's blocks
 *   clab-snapshot show FILE           what FILE holds, without the module:
 *                                     header, pages per kind, free blocks
 *                                     per order, pageblocks per type, free
 *                                     pages in blocks of pageblock order or
 *                                     more, and a map, one letter per
 *                                     pageblock: F wholly free, M free and
 *                                     movable pages only, U some page that
 *                                     compaction cannot move
 *
 * FILE "-" is standard input or output; compress with xz or gzip in a
 * pipe. The format is Documentation/snapshot.rst's; "show" reads it here,
 * in user space, and checks its checksums.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/compactlab.h>

#define DEV		"/dev/compactlab"
#define HEADER_SIZE	192
#define MAX_SIZE	(256UL << 20)

static const char * const kind_names[] = {
	"hole", "free", "pcp", "anon", "file", "movable", "pinned", "slab",
	"pgtable", "reserved", "hugetlb", "unmovable",
};

static const char * const mt_names[] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

static int usage(void)
{
	fprintf(stderr,
		"usage: clab-snapshot clone ZONE [NID [START_PFN [PAGES]]] | save FILE [PAGES] |\n"
		"       load FILE | info | release | show FILE\n");
	return 2;
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		fprintf(stderr, "clab-snapshot: %s: %s\n", DEV, strerror(errno));
	return fd;
}

/* Read all of @path ("-": stdin) into a new buffer; 0 or -1. */
static int read_all(const char *path, unsigned char **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	size_t cap = 1 << 20, n = 0;
	unsigned char *buf;
	ssize_t r;

	if (fd < 0) {
		fprintf(stderr, "clab-snapshot: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= MAX_SIZE * 2)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				fprintf(stderr, "clab-snapshot: %s: %s\n", path,
					strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += r;
	}
	if (fd)
		close(fd);
	if (!buf) {
		fprintf(stderr, "clab-snapshot: %s: cannot read it\n", path);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int write_all(const char *path, const unsigned char *buf, size_t len)
{
	int fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
	ssize_t w;

	if (fd < 0) {
		fprintf(stderr, "clab-snapshot: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (len) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "clab-snapshot: %s: %s\n", path, strerror(errno));
			return -1;
		}
		buf += w;
		len -= w;
	}
	return fd == 1 ? 0 : close(fd);
}

static int cmd_clone(int argc, char **argv)
{
	struct clab_clone req = { 0 };
	int fd, i;

	if (strlen(argv[0]) >= sizeof(req.zone)) {
		fprintf(stderr, "clab-snapshot: zone name '%s' too long\n", argv[0]);
		return 2;
	}
	strcpy(req.zone, argv[0]);
	req.nid = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	req.start_pfn = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
	req.nr_pages = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
	fd = open_dev();
	if (fd < 0)
		return 1;
	if (ioctl(fd, CLAB_IOC_CLONE, &req)) {
		fprintf(stderr, "clab-snapshot: clone %s: %s (the kernel log says why)\n",
			req.zone, strerror(errno));
		close(fd);
		return 1;
	}
	printf("start_pfn=0x%llx\nnr_pages=%llu\nnr_changed=%llu\n",
	       (unsigned long long)req.out_start_pfn,
	       (unsigned long long)req.out_nr_pages,
	       (unsigned long long)req.nr_changed);
	for (i = 0; i < (int)(sizeof(kind_names) / sizeof(kind_names[0])); i++)
		printf("pages_%s=%llu\n", kind_names[i],
		       (unsigned long long)req.kinds[i]);
	for (i = 0; i < 6; i++)
		printf("pageblocks_%s=%llu\n", mt_names[i],
		       (unsigned long long)req.pageblocks[i]);
	close(fd);
	return 0;
}

static int cmd_save(const char *path, const char *pages)
{
	struct clab_snapshot req = { 0 };
	unsigned char *buf = NULL;
	int fd = open_dev(), tries, ret = 1;

	if (fd < 0)
		return 1;
	req.pages = pages ? strtoull(pages, NULL, 0) : 0;
	/* Ask for the size, then save; the layout may grow in between. */
	for (tries = 0; tries < 5; tries++) {
		req.buf = (uintptr_t)buf;
		if (!ioctl(fd, CLAB_IOC_SNAPSHOT_SAVE, &req)) {
			ret = write_all(path, buf, req.len) ? 1 : 0;
			if (!ret)
				fprintf(stderr, "saved %llu pages in %llu bytes\n",
					(unsigned long long)req.pages,
					(unsigned long long)req.len);
			break;
		}
		if (errno != ENOSPC) {
			fprintf(stderr, "clab-snapshot: save: %s (the kernel log says why)\n",
				strerror(errno));
			break;
		}
		free(buf);
		req.len += req.len / 8 + 4096;
		buf = malloc(req.len);
		if (!buf)
			break;
	}
	free(buf);
	close(fd);
	return ret;
}

static int cmd_load(const char *path)
{
	struct clab_snapshot req = { 0 };
	unsigned char *buf;
	size_t len;
	int fd, ret = 0;

	if (read_all(path, &buf, &len))
		return 1;
	fd = open_dev();
	if (fd < 0) {
		free(buf);
		return 1;
	}
	req.buf = (uintptr_t)buf;
	req.len = len;
	if (ioctl(fd, CLAB_IOC_SNAPSHOT_LOAD, &req)) {
		fprintf(stderr, "clab-snapshot: load %s: %s (the kernel log says why)\n",
			path, strerror(errno));
		ret = 1;
	} else {
		printf("pages=%llu\n", (unsigned long long)req.pages);
	}
	close(fd);
	free(buf);
	return ret;
}

static int cmd_info(void)
{
	struct clab_clone_info info;
	int fd = open_dev();

	if (fd < 0)
		return 1;
	if (ioctl(fd, CLAB_IOC_CLONE_INFO, &info)) {
		fprintf(stderr, "clab-snapshot: info: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	printf("start_pfn=0x%llx\nnr_pages=%llu\nheld_pages=%llu\nmismatches=%llu\nnr_changed=%llu\nnode=%u\nzone=%.16s\n",
	       (unsigned long long)info.start_pfn,
	       (unsigned long long)info.nr_pages,
	       (unsigned long long)info.held_pages,
	       (unsigned long long)info.mismatches,
	       (unsigned long long)info.nr_changed, info.node, info.zone);
	close(fd);
	return 0;
}

static int cmd_release(void)
{
	int fd = open_dev(), ret = 0;

	if (fd < 0)
		return 1;
	if (ioctl(fd, CLAB_IOC_CLONE_RELEASE)) {
		fprintf(stderr, "clab-snapshot: release: %s\n", strerror(errno));
		ret = 1;
	}
	close(fd);
	return ret;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t crc32(const unsigned char *p, size_t len)
{
	uint32_t crc = ~0u;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/*
 * The zone state at @z: watermarks, then per CPU its high mark and batch
 * and the pages its entries hold ("cpuN=pages/high/batch").
 */
static void show_zone_state(const unsigned char *z, unsigned int nr_cpus,
			    uint64_t nr_pcp)
{
	const unsigned char *e = z + 32 + (size_t)nr_cpus * 12;
	unsigned int c;
	uint64_t i;

	printf("wmark_min=%llu\nwmark_low=%llu\nwmark_high=%llu\nwmark_boost=%llu\n",
	       (unsigned long long)le64(z), (unsigned long long)le64(z + 8),
	       (unsigned long long)le64(z + 16), (unsigned long long)le64(z + 24));
	printf("cpus=%u\npcp_entries=%llu\npcp=", nr_cpus, (unsigned long long)nr_pcp);
	for (c = 0; c < nr_cpus; c++) {
		unsigned long long held = 0;

		for (i = 0; i < nr_pcp; i++)
			if (le32(e + i * 16 + 8) == c && e[i * 16 + 12] < 16)
				held += 1ULL << e[i * 16 + 12];
		printf("%scpu%u=%llu/%u/%u", c ? "," : "", c, held,
		       le32(z + 32 + c * 12), le32(z + 32 + c * 12 + 4));
	}
	printf("\n");
}

/* The header, then pages per kind, free blocks per order, pageblocks per type. */
static int cmd_show(const char *path)
{
	unsigned long long kinds[32] = { 0 }, free_blocks[16] = { 0 }, mts[8] = { 0 };
	uint64_t pages, runs, pbs, k, i, at, high_free = 0, nr_pcp = 0, zs = 0;
	unsigned int pb_order, version, flags, nr_cpus = 0;
	unsigned char *buf, *r;
	uint32_t *pb_free;
	char *map;
	size_t len;

	if (read_all(path, &buf, &len))
		return 1;
	if (len < HEADER_SIZE || memcmp(buf, "CLABSNAP", 8) ||
	    le32(buf + 172) != crc32(buf, 172) || le32(buf + 8) < 1 ||
	    le32(buf + 8) > 2) {
		fprintf(stderr, "clab-snapshot: %s: not a version 1 or 2 snapshot, or its header is corrupted\n",
			path);
		free(buf);
		return 1;
	}
	version = le32(buf + 8);
	flags = le32(buf + 68);
	if (flags & 1) {
		nr_pcp = le64(buf + 176);
		nr_cpus = le32(buf + 184);
		zs = 32 + (uint64_t)nr_cpus * 12 + nr_pcp * 16;
	}
	pages = le64(buf + 40);
	runs = le64(buf + 48);
	pb_order = le32(buf + 20);
	if (pb_order > 20 || pages > (1ULL << 40)) {
		fprintf(stderr, "clab-snapshot: %s: impossible pageblock order or page count\n",
			path);
		free(buf);
		return 1;
	}
	pbs = pages >> pb_order;
	if (runs > pages || nr_pcp > pages || nr_cpus > 65536 ||
	    len != HEADER_SIZE + pbs + runs * 8 + zs ||
	    le32(buf + 168) != crc32(buf + HEADER_SIZE, len - HEADER_SIZE)) {
		fprintf(stderr, "clab-snapshot: %s: truncated or corrupted\n", path);
		free(buf);
		return 1;
	}
	printf("version=%u\npage_size=%u\npageblock_order=%u\nmax_order=%u\n",
	       version, 1u << le32(buf + 16), le32(buf + 20), le32(buf + 24));
	printf("start_pfn=0x%llx\nnr_pages=%llu\nruns=%llu\nnr_changed=%llu\n",
	       (unsigned long long)le64(buf + 32), (unsigned long long)pages,
	       (unsigned long long)runs, (unsigned long long)le64(buf + 56));
	printf("node=%u\nzone=%.16s\narch=%.16s\nrelease=%.64s\n", le32(buf + 64),
	       (char *)buf + 72, (char *)buf + 88, (char *)buf + 104);
	for (i = 0; i < pbs; i++)
		mts[buf[HEADER_SIZE + i] & 7]++;
	map = calloc(pbs + 1, 1);
	pb_free = calloc(pbs + 1, sizeof(*pb_free));
	if (!map || !pb_free) {
		free(map);
		free(pb_free);
		free(buf);
		return 1;
	}
	memset(map, 'F', pbs);
	r = buf + HEADER_SIZE + pbs;
	for (k = 0, at = 0; k < runs; k++, r += 8) {
		uint64_t n = le32(r + 4), p;
		/* free, pcp: free; anon, file, movable: movable; else unmovable */
		char c = r[0] == 1 || r[0] == 2 ? 'F' :
			 r[0] >= 3 && r[0] <= 5 ? 'M' : 'U';

		kinds[r[0] & 31] += n;
		if (c == 'F' && r[1] < 16) {
			free_blocks[r[1]] += n;
			if (r[1] >= pb_order)
				high_free += n << r[1];
		}
		for (p = at >> pb_order; c != 'F' && p <= (at + n - 1) >> pb_order && p < pbs; p++)
			if (map[p] != 'U')
				map[p] = c;
		/* Free pages on the buddy, per pageblock (what a free scanner sees). */
		for (p = at; r[0] == 1 && p < at + n; p++)
			if ((p >> pb_order) < pbs)
				pb_free[p >> pb_order]++;
		at += n;
	}
	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		printf("pages_%s=%llu\n", kind_names[i], kinds[i]);
	for (i = 0; i <= le32(buf + 24) && i < 16; i++)
		printf("free_order%llu=%llu\n", (unsigned long long)i, free_blocks[i]);
	for (i = 0; i < 6; i++)
		printf("pageblocks_%s=%llu\n", mt_names[i], mts[i]);
	printf("high_free_pages=%llu\n", (unsigned long long)high_free);
	if (flags & 1)
		show_zone_state(buf + HEADER_SIZE + pbs + runs * 8, nr_cpus, nr_pcp);
	printf("pageblock_map=%s\n", map);
	printf("pageblock_buddy_free=");
	for (i = 0; i < pbs; i++)
		printf("%s%u", i ? "," : "", pb_free[i]);
	printf("\n");
	free(pb_free);
	free(map);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "clone") && argc >= 3 && argc <= 6)
		return cmd_clone(argc - 2, argv + 2);
	if (!strcmp(argv[1], "save") && (argc == 3 || argc == 4))
		return cmd_save(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "load") && argc == 3)
		return cmd_load(argv[2]);
	if (!strcmp(argv[1], "info") && argc == 2)
		return cmd_info();
	if (!strcmp(argv[1], "release") && argc == 2)
		return cmd_release();
	if (!strcmp(argv[1], "show") && argc == 3)
		return cmd_show(argv[2]);
	return usage();
}
