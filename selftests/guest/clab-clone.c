// SPDX-License-Identifier: GPL-2.0
/*
 * clab-clone: CLAB_IOC_CLONE from user space, for test-clone.sh.
 *
 *   clab-clone [OPTIONS] ZONE     one clone of ZONE of the running kernel
 *     --nid N           node (0)
 *     --start PFN       first pfn (0: the zone's start)
 *     --nr N            pages (0: to the zone's end)
 *     --flags F         CLAB_CLONE_F_* (default COUNT_ONLY)
 *     --movable-orders  add CLAB_CLONE_F_MOVABLE_ORDERS
 *     --apply           no COUNT_ONLY: the arena takes the clone
 *     --pad             put a non-zero byte after the zone name's NUL
 *     --nobody          issue the ioctl as uid/gid 65534 (the device is
 *                       opened before dropping privileges)
 *     --cpu N           run on CPU N only (sched_setaffinity)
 *     --then-compact F  open F first (/proc/sys/vm/compact_memory), and
 *                       write "1" to it as soon as the clone returns:
 *                       nothing starts, ends or prints in between; then
 *                       print what /proc/vmstat counted during that
 *                       write: pass_pgalloc (pages allocated, by anyone:
 *                       a compaction pass allocates none), pass_pgfree,
 *                       pass_migrated (pgmigrate_success)
 *   clab-clone info               CLAB_IOC_CLONE_INFO: the applied clone
 *   clab-clone release            CLAB_IOC_CLONE_RELEASE: free it
 *   clab-clone thp MB ZONE        map MB of anonymous memory with
 *                                 MADV_HUGEPAGE, touch it, and clone the
 *                                 window of each THP found (pagemap)
 *
 * Prints key=value lines: err (0 or the errno name), time_ns of the
 * ioctl, out_start_pfn, out_nr_pages, nr_changed, kind_<name> (pages),
 * free_<order> (blocks), pb_<migratetype> (pageblocks). "thp" prints
 * thp_found (THP-backed 2 MiB ranges, by pagemap and kpageflags),
 * thp_windows (clone windows of ZONE holding them), thp_ok (windows whose
 * clone has at least as many ANON pages and movable order-9 blocks as
 * THPs) and thp_other_zone (windows refused with ERANGE: another zone).
 * "info" prints nr_pages, start_pfn, held_pages, mismatches, nr_changed,
 * node and zone. Exit status: 0, 1 when the ioctl failed (its errno is in
 * "err"), 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>

#define DEV		"/dev/compactlab"
#define NOBODY		65534
#define THP_PAGES	512UL
#define KPF_THP		22
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const kind_names[CLAB_KIND_NR] = {
	[CLAB_KIND_HOLE] = "hole",
	[CLAB_KIND_FREE] = "free",
	[CLAB_KIND_PCP] = "pcp",
	[CLAB_KIND_ANON] = "anon",
	[CLAB_KIND_FILE] = "file",
	[CLAB_KIND_MOVABLE] = "movable",
	[CLAB_KIND_PINNED] = "pinned",
	[CLAB_KIND_SLAB] = "slab",
	[CLAB_KIND_PGTABLE] = "pgtable",
	[CLAB_KIND_RESERVED] = "reserved",
	[CLAB_KIND_HUGETLB] = "hugetlb",
	[CLAB_KIND_UNMOVABLE] = "unmovable",
};

static const char * const mt_names[] = {
	"unmovable", "movable", "reclaimable", "highatomic",
};

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ EINVAL, "EINVAL" }, { ENODEV, "ENODEV" }, { ENOENT, "ENOENT" },
	{ ERANGE, "ERANGE" }, { E2BIG, "E2BIG" }, { EPERM, "EPERM" },
	{ EFAULT, "EFAULT" }, { ENOMEM, "ENOMEM" }, { ENOTTY, "ENOTTY" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EBUSY, "EBUSY" },
};

static void die(const char *what)
{
	fprintf(stderr, "clab-clone: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The sum of /proc/vmstat's counters whose names start with @prefix. */
static unsigned long long vmstat_sum(const char *buf, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned long long sum = 0;
	const char *p;

	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n) && strchr(p, ' '))
			sum += strtoull(strchr(p, ' ') + 1, NULL, 10);
	return sum;
}

/* /proc/vmstat (opened as @fd) into @buf; reads allocate nothing here. */
static void vmstat_read(int fd, char *buf, size_t size)
{
	ssize_t n, got = 0;

	while ((n = pread(fd, buf + got, size - 1 - got, got)) > 0)
		got += n;
	buf[got] = 0;
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: clab-clone [--nid N] [--start PFN] [--nr N] [--flags F]\n"
			"                  [--movable-orders] [--apply] [--pad] [--nobody]\n"
			"                  [--cpu N] [--then-compact FILE] ZONE\n"
			"       clab-clone info | release\n"
			"       clab-clone thp MB ZONE\n");
	exit(2);
}

static const char *errno_name(int err)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One CLAB_IOC_CLONE on @fd; its errno, 0 on success; *@ns its duration. */
static int clone_once(int fd, struct clab_clone *c, __u64 *ns)
{
	__u64 t0 = now_ns();
	int ret = ioctl(fd, CLAB_IOC_CLONE, c);

	*ns = now_ns() - t0;
	return ret ? errno : 0;
}

static void print_clone(const struct clab_clone *c, int err, __u64 ns)
{
	unsigned int i;

	printf("err=%s\ntime_ns=%llu\n", err ? errno_name(err) : "0",
	       (unsigned long long)ns);
	if (err)
		return;
	printf("out_start_pfn=%llu\nout_nr_pages=%llu\nnr_changed=%llu\n",
	       (unsigned long long)c->out_start_pfn,
	       (unsigned long long)c->out_nr_pages,
	       (unsigned long long)c->nr_changed);
	for (i = 0; i < CLAB_KIND_NR; i++)
		printf("kind_%s=%llu\n", kind_names[i],
		       (unsigned long long)c->kinds[i]);
	for (i = 0; i < 16; i++)
		printf("free_%u=%llu\n", i, (unsigned long long)c->free_blocks[i]);
	for (i = 0; i < ARRAY_SIZE(mt_names); i++)
		printf("pb_%s=%llu\n", mt_names[i],
		       (unsigned long long)c->pageblocks[i]);
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		die(DEV);
	return fd;
}

static void set_zone(struct clab_clone *c, const char *zone)
{
	if (strlen(zone) >= sizeof(c->zone)) {
		errno = ENAMETOOLONG;
		die(zone);
	}
	strncpy(c->zone, zone, sizeof(c->zone));
}

/* The pfn behind @addr (pagemap; root), 0 if none. */
static __u64 pfn_of(int pm, void *addr)
{
	__u64 e;

	if (pread(pm, &e, sizeof(e), (uintptr_t)addr / getpagesize() *
		  sizeof(e)) != sizeof(e))
		die("/proc/self/pagemap");
	if (!(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* Does /proc/kpageflags say @pfn is a THP? */
static int kpf_thp(int kpf, __u64 pfn)
{
	__u64 f;

	if (pread(kpf, &f, sizeof(f), pfn * sizeof(f)) != sizeof(f))
		die("/proc/kpageflags");
	return !!(f & (1ULL << KPF_THP));
}

/*
 * Find the THPs of a fresh MADV_HUGEPAGE mapping (2 MiB ranges whose
 * pfns are contiguous from a 512-aligned one, flagged THP by kpageflags),
 * and clone the window of each: the 1 << max_order pages that hold it.
 */
static int thp(int argc, char **argv)
{
	unsigned long mb, len, i, j, found = 0, windows = 0, good = 0, other = 0;
	__u64 *pfns, ns, win;
	int fd, pm, kpf, err;
	char *map, *p;

	if (argc != 4)
		bad_usage();
	mb = strtoul(argv[2], NULL, 0);
	len = mb << 20;
	fd = open_dev();
	pm = open("/proc/self/pagemap", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (pm < 0 || kpf < 0)
		die("pagemap/kpageflags");
	map = mmap(NULL, len + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die("mmap");
	p = (char *)(((uintptr_t)map + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	if (madvise(p, len, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	for (i = 0; i < len; i += getpagesize())
		p[i] = 1;
	pfns = calloc(len >> 21, sizeof(*pfns));
	if (!pfns)
		die("calloc");
	for (i = 0; i < len >> 21; i++) {
		char *r = p + (i << 21);
		__u64 pfn = pfn_of(pm, r);

		if (!pfn || pfn % THP_PAGES || !kpf_thp(kpf, pfn) ||
		    pfn_of(pm, r + (2UL << 20) - getpagesize()) !=
		    pfn + THP_PAGES - 1)
			continue;
		pfns[i] = pfn;
		found++;
	}
	win = 2 * THP_PAGES;	/* 1 << max_order, both kernels' */
	for (i = 0; i < len >> 21; i++) {
		struct clab_clone c = {
			.flags = CLAB_CLONE_F_COUNT_ONLY |
				 CLAB_CLONE_F_MOVABLE_ORDERS,
		};
		unsigned long ours = 0;

		if (!pfns[i])
			continue;
		/* Each window once: from its first THP of ours. */
		for (j = 0; j < i; j++)
			if (pfns[j] && pfns[j] / win == pfns[i] / win)
				break;
		if (j < i)
			continue;
		for (j = 0; j < len >> 21; j++)
			if (pfns[j] && pfns[j] / win == pfns[i] / win)
				ours++;
		set_zone(&c, argv[3]);
		c.start_pfn = pfns[i];
		c.nr_pages = win - pfns[i] % win;
		err = clone_once(fd, &c, &ns);
		if (err == ERANGE) {	/* a THP of another zone */
			other++;
			continue;
		}
		windows++;
		if (err) {
			printf("thp_err=%s\n", errno_name(err));
			continue;
		}
		if (c.kinds[CLAB_KIND_ANON] >= ours * THP_PAGES &&
		    c.free_blocks[9] >= ours)
			good++;
		else
			printf("thp_miss=pfn:%llu,ours:%lu,anon:%llu,movable9:%llu\n",
			       (unsigned long long)pfns[i], ours,
			       (unsigned long long)c.kinds[CLAB_KIND_ANON],
			       (unsigned long long)c.free_blocks[9]);
	}
	printf("thp_found=%lu\nthp_windows=%lu\nthp_ok=%lu\nthp_other_zone=%lu\n",
	       found, windows, good, other);
	return 0;
}

static int info(void)
{
	struct clab_clone_info ci;
	int fd = open_dev();

	if (ioctl(fd, CLAB_IOC_CLONE_INFO, &ci)) {
		printf("err=%s\n", errno_name(errno));
		return 1;
	}
	printf("err=0\nnr_pages=%llu\nstart_pfn=%llu\nheld_pages=%llu\n"
	       "mismatches=%llu\nnr_changed=%llu\nnode=%u\nzone=%.16s\n",
	       (unsigned long long)ci.nr_pages,
	       (unsigned long long)ci.start_pfn,
	       (unsigned long long)ci.held_pages,
	       (unsigned long long)ci.mismatches,
	       (unsigned long long)ci.nr_changed, ci.node, ci.zone);
	return 0;
}

int main(int argc, char **argv)
{
	struct clab_clone c = { .flags = CLAB_CLONE_F_COUNT_ONLY };
	int fd, err, pad = 0, nobody = 0, cpu = -1, cfd = -1, vfd = -1, i;
	static char vm0[16384], vm1[16384];
	const char *compact = NULL;
	__u64 ns;

	if (argc > 1 && !strcmp(argv[1], "thp"))
		return thp(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "info"))
		return info();
	if (argc == 2 && !strcmp(argv[1], "release")) {
		fd = open_dev();
		err = ioctl(fd, CLAB_IOC_CLONE_RELEASE) ? errno : 0;
		printf("err=%s\n", err ? errno_name(err) : "0");
		return !!err;
	}
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--nid") && i + 1 < argc - 1)
			c.nid = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--start") && i + 1 < argc - 1)
			c.start_pfn = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--nr") && i + 1 < argc - 1)
			c.nr_pages = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--flags") && i + 1 < argc - 1)
			c.flags = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--movable-orders"))
			c.flags |= CLAB_CLONE_F_MOVABLE_ORDERS;
		else if (!strcmp(argv[i], "--apply"))
			c.flags &= ~CLAB_CLONE_F_COUNT_ONLY;
		else if (!strcmp(argv[i], "--pad"))
			pad = 1;
		else if (!strcmp(argv[i], "--nobody"))
			nobody = 1;
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc - 1)
			cpu = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--then-compact") && i + 1 < argc - 1)
			compact = argv[++i];
		else
			bad_usage();
	}
	if (i != argc - 1)
		bad_usage();
	set_zone(&c, argv[argc - 1]);
	if (pad)
		c.zone[sizeof(c.zone) - 1] = 'x';
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	if (compact) {
		cfd = open(compact, O_WRONLY);
		vfd = open("/proc/vmstat", O_RDONLY);
		if (cfd < 0 || vfd < 0)
			die(compact);
	}
	fd = open_dev();
	if (nobody && (setresgid(NOBODY, NOBODY, NOBODY) ||
		       setresuid(NOBODY, NOBODY, NOBODY)))
		die("dropping to uid 65534");
	err = clone_once(fd, &c, &ns);
	if (cfd >= 0 && !err) {
		vmstat_read(vfd, vm0, sizeof(vm0));
		if (write(cfd, "1", 1) != 1)
			die(compact);
		vmstat_read(vfd, vm1, sizeof(vm1));
	}
	print_clone(&c, err, ns);
	if (cfd >= 0 && !err)
		printf("pass_pgalloc=%llu\npass_pgfree=%llu\npass_migrated=%llu\n",
		       vmstat_sum(vm1, "pgalloc_") - vmstat_sum(vm0, "pgalloc_"),
		       vmstat_sum(vm1, "pgfree ") - vmstat_sum(vm0, "pgfree "),
		       vmstat_sum(vm1, "pgmigrate_success ") -
		       vmstat_sum(vm0, "pgmigrate_success "));
	return !!err;
}
