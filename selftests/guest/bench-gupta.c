// SPDX-License-Identifier: GPL-2.0
/*
 * bench-gupta: one compaction pass over the Gupta pattern, timed, for the
 * guest kernel or for compactlab (Documentation/benchmarks.rst).
 *
 *   bench-gupta kernel MB    anonymous private memory, MADV_NOHUGEPAGE;
 *                            /proc/sys/vm/compact_memory, /proc/vmstat,
 *                            /proc/buddyinfo
 *   bench-gupta clab MB [PREFIX]
 *                            /dev/compactlab; the compact_memory,
 *                            vmstat and buddyinfo files of compactlab;
 *                            with PREFIX, the pageblocks view is copied
 *                            to PREFIX-before and PREFIX-after around the
 *                            pass (the arena maps of scripts/bench)
 *   bench-gupta moves        compactlab: fill the whole arena (up to the
 *                            first SIGBUS), keep one page in 4, 8, 16, 32
 *                            or 64 depending on the 2 MiB block, compute
 *                            the move minimum from the pageblocks view,
 *                            then run one order-9 request (CLAB_IOC_COMPACT,
 *                            or compact_memory on a module without it)
 *   bench-gupta latency P S [FILE]
 *                            compactlab: fill the whole arena (up to the
 *                            first SIGBUS), Gupta pattern, set
 *                            compaction_proactiveness to P and wait S
 *                            seconds, then allocate order-9 MOVABLE blocks
 *                            with CLAB_IOC_ALLOC_TIMED (RECLAIM |
 *                            RETRY_MAYFAIL | NOWARN) one at a time until
 *                            one fails; prints the latency percentiles,
 *                            the share of free memory obtained as order-9
 *                            blocks and compact_success / compact_stall;
 *                            with FILE, every latency (ns), one a line,
 *                            in request order (the CDF of scripts/bench)
 *   bench-gupta hugetlb MB   the guest kernel on the same pattern, no
 *                            compact_memory: echo N > nr_hugepages for all
 *                            free memory, direct compaction alone; prints
 *                            the share obtained, the time and the stalls
 *
 * Gupta pattern: write every page of an MB MiB region, then free pages 1-3
 * of every 4 as one 3-page run. Kept pages carry a full pattern and are
 * checked after compaction. Prints one line of key=value pairs:
 *   side mb pages kept time_ns migrated migrate_scanned free_scanned
 *   free_pages free_ge9 corrupted [min blocks_ge9_before request]
 * Exit status: 0, 1 when a kept page changed, 2 on a setup error. The
 * figures themselves never fail the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>
#include <linux/const.h>

#define PB_ORDER	9
#define PB_PAGES	_BITUL(PB_ORDER)

/* Where one side keeps its files. */
struct side {
	const char *name;
	const char *compact;
	const char *vmstat;
	const char *buddyinfo;
};

static const struct side kernel_side = {
	"kernel", "/proc/sys/vm/compact_memory", "/proc/vmstat",
	"/proc/buddyinfo",
};

static const struct side clab_side = {
	"clab", "/sys/kernel/compactlab/compact_memory",
	"/sys/kernel/debug/compactlab/vmstat",
	"/sys/kernel/debug/compactlab/buddyinfo",
};

struct counters {
	unsigned long long migrated, migrate_scanned, free_scanned;
};

static long psz;
static sigjmp_buf fault_jmp;

static void die(const char *what)
{
	fprintf(stderr, "bench-gupta: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

static __u64 pattern(unsigned long i, unsigned long w)
{
	return ((__u64)i << 32) ^ w ^ 0xbe2c000000000000ULL;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void read_counters(const struct side *s, struct counters *c)
{
	char name[64];
	unsigned long long v;
	FILE *f = fopen(s->vmstat, "r");

	if (!f)
		die(s->vmstat);
	memset(c, 0, sizeof(*c));
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "pgmigrate_success"))
			c->migrated = v;
		else if (!strcmp(name, "compact_migrate_scanned"))
			c->migrate_scanned = v;
		else if (!strcmp(name, "compact_free_scanned"))
			c->free_scanned = v;
	}
	fclose(f);
}

/* Free pages, those in blocks of order >= 9, and such blocks, all zones. */
static void read_buddyinfo(const struct side *s, unsigned long long *free,
			   unsigned long long *ge9, unsigned long long *blocks)
{
	char line[512], *p;
	FILE *f = fopen(s->buddyinfo, "r");
	unsigned long long n;
	int order, used;

	if (!f)
		die(s->buddyinfo);
	*free = *ge9 = *blocks = 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "zone");
		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')	/* the zone name */
			p++;
		for (order = 0; sscanf(p, "%llu%n", &n, &used) == 1; order++) {
			p += used;
			*free += n << order;
			if (order >= PB_ORDER) {
				*ge9 += n << order;
				*blocks += n << (order - PB_ORDER);
			}
		}
	}
	fclose(f);
}

static unsigned long long compact(const struct side *s)
{
	unsigned long long t0, t1;
	int fd = open(s->compact, O_WRONLY);

	if (fd < 0)
		die(s->compact);
	t0 = now_ns();
	if (write(fd, "1", 1) != 1)
		die(s->compact);
	t1 = now_ns();
	close(fd);
	return t1 - t0;
}

/*
 * One order-9 request for a movable block on node 0: CLAB_IOC_COMPACT when
 * the module has it, else (ENOTTY) one compact_memory pass. Sets @how.
 */
static unsigned long long request_order9(int fd, const char **how)
{
#ifdef CLAB_IOC_COMPACT
	unsigned long long t0, t1;
	struct clab_compact req = {
		.nid = 0, .order = PB_ORDER, .priority = CLAB_PRIO_SYNC_LIGHT,
		.migratetype = CLAB_MT_MOVABLE,
	};
	int ret;

	t0 = now_ns();
	ret = ioctl(fd, CLAB_IOC_COMPACT, &req);
	t1 = now_ns();
	if (!ret) {
		*how = "ioctl_order9_sync_light";
		return t1 - t0;
	}
	if (errno != ENOTTY)
		die("CLAB_IOC_COMPACT");
#endif
	*how = "compact_memory";
	return compact(&clab_side);
}

/* Write page @i of @map: the pattern if @kept, else one word. 0 on SIGBUS. */
static int fill_page(char *map, unsigned long i, int kept)
{
	unsigned long w, words = psz / sizeof(__u64);
	__u64 *p = (__u64 *)(map + i * psz);

	if (sigsetjmp(fault_jmp, 1))
		return 0;
	if (!kept) {
		p[0] = i;
		return 1;
	}
	for (w = 0; w < words; w++)
		p[w] = pattern(i, w);
	return 1;
}

/*
 * Touch pages of @map until @npages or the first SIGBUS; kept pages (those
 * with @keep(i)) get the full pattern, the others one word. Returns the
 * pages touched.
 */
static unsigned long fill(char *map, unsigned long npages,
			  int (*keep)(unsigned long))
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	unsigned long i;

	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < npages; i++)
		if (!fill_page(map, i, keep(i)))
			break;
	signal(SIGBUS, SIG_DFL);
	return i;
}

static unsigned long verify(char *map, unsigned long npages,
			    int (*keep)(unsigned long))
{
	unsigned long i, w, words = psz / sizeof(__u64), bad = 0;

	for (i = 0; i < npages; i++) {
		__u64 *p = (__u64 *)(map + i * psz);

		if (!keep(i))
			continue;
		for (w = 0; w < words; w++)
			if (p[w] != pattern(i, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

static int keep_gupta(unsigned long i)
{
	return i % 4 == 0;
}

/* Varied density: block j of 512 pages keeps one page in 4 << (j % 5). */
static int keep_varied(unsigned long i)
{
	return i % (4UL << ((i / PB_PAGES) % 5)) == 0;
}

/* Release the pages of [i, j) of @map that @keep rejects, run by run. */
static void release(int fd, char *map, unsigned long npages,
		    int (*keep)(unsigned long))
{
	unsigned long i = 0, j;

	while (i < npages) {
		if (keep(i)) {
			i++;
			continue;
		}
		for (j = i; j < npages && !keep(j); j++)
			;
		if (fd < 0) {
			if (madvise(map + i * psz, (j - i) * psz, MADV_DONTNEED))
				die("madvise(MADV_DONTNEED)");
		} else {
			struct clab_range r = {
				(uintptr_t)(map + i * psz), (j - i) * psz
			};

			if (ioctl(fd, CLAB_IOC_DISCARD, &r))
				die("CLAB_IOC_DISCARD");
		}
		i = j;
	}
}

/*
 * The move minimum from the pageblocks view: the fewest in-use pages of any
 * pageblock (order 9) with no unmovable page, given that the free pages
 * outside it can take them. -1 when there is no such block.
 */
static long move_minimum(unsigned long long total_free)
{
	FILE *f = fopen("/sys/kernel/debug/compactlab/pageblocks", "r");
	char line[256], zone[32], mt[32];
	unsigned long block, pfn;
	int node, skip, nfree, mov, rec, unmov;
	long best = -1;

	if (!f)
		die("pageblocks");
	while (fgets(line, sizeof(line), f)) {
		long used;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%lu %lx %d %31s %31s %d %d %d %d %d", &block,
			   &pfn, &node, zone, mt, &skip, &nfree, &mov, &rec,
			   &unmov) != 10)
			continue;
		if (unmov || !strcmp(mt, "Isolate"))
			continue;
		used = mov + rec;
		if ((long long)total_free - nfree < used)
			continue;
		if (best < 0 || used < best)
			best = used;
	}
	fclose(f);
	return best;
}

/* compact_stall and compact_success of a vmstat file. */
static void read_stalls(const char *path, unsigned long long *stall,
			unsigned long long *success)
{
	char name[64];
	unsigned long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	*stall = *success = 0;
	while (fscanf(f, "%63s %llu", name, &v) == 2) {
		if (!strcmp(name, "compact_stall"))
			*stall = v;
		else if (!strcmp(name, "compact_success"))
			*success = v;
	}
	fclose(f);
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die(path);
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(fd);
}

/* Copy the file @from to @to (a seq_file view to a snapshot). */
static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "r"), *out;
	size_t n;

	if (!in)
		die(from);
	out = fopen(to, "w");
	if (!out)
		die(to);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			die(to);
	fclose(in);
	if (fclose(out))
		die(to);
}

/* Snapshot the pageblocks view to @prefix-@when, when @prefix is set. */
static void snapshot_pageblocks(const char *prefix, const char *when)
{
	char path[512];

	if (!prefix)
		return;
	snprintf(path, sizeof(path), "%s-%s", prefix, when);
	copy_file("/sys/kernel/debug/compactlab/pageblocks", path);
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile @p of @n sorted values. */
static unsigned long long pct(const unsigned long long *v, unsigned long n,
			      int p)
{
	unsigned long k = (n * p + 99) / 100;

	if (!n)
		return 0;
	return v[k ? k - 1 : 0];
}

/* 100 * (free - free in order >= 9) / free, from buddyinfo. */
static unsigned long long score(const struct side *s)
{
	unsigned long long free, ge9, blocks;

	read_buddyinfo(s, &free, &ge9, &blocks);
	return free ? 100 * (free - ge9) / free : 0;
}

static int bench_latency(int proactiveness, int wait_s, const char *raw)
{
	const char *pro = "/sys/kernel/compactlab/compaction_proactiveness";
	unsigned long long st0, su0, st1, su1, free, ge9, blocks, *lat;
	unsigned long long score0, score1, fail_ns = 0, t0, total_ns = 0;
	unsigned long npages, kept = 0, n = 0, i, bad;
	struct clab_version v;
	char buf[16];
	char *map;
	int fd;

	fd = open("/dev/compactlab", O_RDWR);
	if (fd < 0)
		die("/dev/compactlab");
	if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
		die("CLAB_IOC_GET_VERSION");
	npages = v.arena_pages;
	lat = calloc(npages / PB_PAGES + 1, sizeof(*lat));
	if (!lat)
		die("calloc");
	write_file(pro, "0");
	map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap /dev/compactlab");
	npages = fill(map, npages, keep_gupta);
	release(fd, map, npages, keep_gupta);
	for (i = 0; i < npages; i++)
		kept += keep_gupta(i);
	score0 = score(&clab_side);
	snprintf(buf, sizeof(buf), "%d", proactiveness);
	write_file(pro, buf);
	if (wait_s)
		sleep(wait_s);
	score1 = score(&clab_side);
	read_buddyinfo(&clab_side, &free, &ge9, &blocks);
	read_stalls(clab_side.vmstat, &st0, &su0);
	t0 = now_ns();
	for (;;) {
		struct clab_alloc_timed a = {
			.order = PB_ORDER, .migratetype = CLAB_MT_MOVABLE,
			.flags = CLAB_ALLOC_F_RECLAIM |
				 CLAB_ALLOC_F_RETRY_MAYFAIL |
				 CLAB_ALLOC_F_NOWARN,
		};

		if (ioctl(fd, CLAB_IOC_ALLOC_TIMED, &a)) {
			if (errno != ENOMEM)
				die("CLAB_IOC_ALLOC_TIMED");
			fail_ns = a.latency_ns;
			break;
		}
		lat[n++] = a.latency_ns;
		total_ns += a.latency_ns;
		if (n > npages / PB_PAGES)
			break;
	}
	t0 = now_ns() - t0;
	read_stalls(clab_side.vmstat, &st1, &su1);
	write_file(pro, "0");
	bad = verify(map, npages, keep_gupta);
	if (raw) {
		FILE *out = fopen(raw, "w");

		if (!out)
			die(raw);
		for (i = 0; i < n; i++)
			fprintf(out, "%llu\n", lat[i]);
		if (fclose(out))
			die(raw);
	}
	qsort(lat, n, sizeof(*lat), cmp_ull);
	printf("side=clab proactiveness=%d wait_s=%d pages=%lu kept=%lu",
	       proactiveness, wait_s, npages, kept);
	printf(" score_before=%llu score_after_wait=%llu free_pages=%llu",
	       score0, score1, free);
	printf(" free_ge9_before=%llu blocks=%lu share=%.4f", ge9, n,
	       free ? (double)(n * PB_PAGES) / free : 0.0);
	printf(" p50_ns=%llu p90_ns=%llu p99_ns=%llu max_ns=%llu",
	       pct(lat, n, 50), pct(lat, n, 90), pct(lat, n, 99),
	       n ? lat[n - 1] : 0);
	printf(" mean_ns=%llu fail_ns=%llu wall_ns=%llu",
	       n ? total_ns / n : 0, fail_ns, t0);
	printf(" compact_stall=%llu compact_success=%llu success_rate=%.3f",
	       st1 - st0, su1 - su0,
	       st1 > st0 ? (double)(su1 - su0) / (st1 - st0) : 0.0);
	printf(" corrupted=%lu\n", bad);
	return bad ? 1 : 0;
}

/* nr_hugepages of the guest kernel: the 2 MiB pages it holds now. */
static unsigned long hugepages(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	unsigned long n = 0;

	if (!f || fscanf(f, "%lu", &n) != 1)
		die("/proc/sys/vm/nr_hugepages");
	fclose(f);
	return n;
}

static int bench_hugetlb(long mb)
{
	const char *nr = "/proc/sys/vm/nr_hugepages";
	unsigned long long st0, su0, st1, su1, free, ge9, blocks, t;
	unsigned long npages, kept = 0, i, bad, got;
	char buf[32];
	char *map;

	if (hugepages())
		write_file(nr, "0");
	npages = ((unsigned long)mb << 20) / psz;
	map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die("mmap");
	if (madvise(map, npages * psz, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	npages = fill(map, npages, keep_gupta);
	release(-1, map, npages, keep_gupta);
	for (i = 0; i < npages; i++)
		kept += keep_gupta(i);
	read_buddyinfo(&kernel_side, &free, &ge9, &blocks);
	read_stalls(kernel_side.vmstat, &st0, &su0);
	/* Ask for all free memory: the kernel stops where it fails. */
	snprintf(buf, sizeof(buf), "%llu", free / PB_PAGES);
	t = now_ns();
	write_file(nr, buf);
	t = now_ns() - t;
	got = hugepages();
	read_stalls(kernel_side.vmstat, &st1, &su1);
	write_file(nr, "0");
	bad = verify(map, npages, keep_gupta);
	printf("side=kernel_hugetlb mb=%ld pages=%lu kept=%lu", mb, npages,
	       kept);
	printf(" free_pages=%llu free_ge9_before=%llu asked=%llu", free, ge9,
	       free / PB_PAGES);
	printf(" blocks=%lu share=%.4f", got,
	       free ? (double)(got * PB_PAGES) / free : 0.0);
	printf(" wall_ns=%llu mean_ns=%llu", t, got ? t / got : 0);
	printf(" compact_stall=%llu compact_success=%llu success_rate=%.3f",
	       st1 - st0, su1 - su0,
	       st1 > st0 ? (double)(su1 - su0) / (st1 - st0) : 0.0);
	printf(" corrupted=%lu\n", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int (*keep)(unsigned long) = keep_gupta;
	unsigned long long t, free, ge9, blocks, blocks_before = 0;
	unsigned long npages, kept = 0, bad, i;
	const char *request = "none", *snap = NULL;
	const struct side *s;
	struct counters c0, c1;
	long mb = 0, min = -2;
	int fd = -1, moves = 0;
	char *map;

	psz = sysconf(_SC_PAGESIZE);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "latency"))
		return bench_latency(atoi(argv[2]), atoi(argv[3]),
				     argc == 5 ? argv[4] : NULL);
	if (argc == 3 && !strcmp(argv[1], "hugetlb"))
		return bench_hugetlb(atol(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "kernel") && argc == 3) {
		s = &kernel_side;
	} else if (argc >= 2 && !strcmp(argv[1], "clab") &&
		   (argc == 3 || argc == 4)) {
		s = &clab_side;
		if (argc == 4)
			snap = argv[3];
	} else if (argc == 2 && !strcmp(argv[1], "moves")) {
		s = &clab_side;
		moves = 1;
		keep = keep_varied;
	} else {
		fprintf(stderr,
			"usage: bench-gupta kernel|hugetlb MB | clab MB [PREFIX] | moves | latency P S [FILE]\n");
		return 2;
	}
	if (argc >= 3)
		mb = atol(argv[2]);
	if (s == &clab_side) {
		struct clab_version v;

		fd = open("/dev/compactlab", O_RDWR);
		if (fd < 0)
			die("/dev/compactlab");
		if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
			die("CLAB_IOC_GET_VERSION");
		if (moves)
			mb = (long)(v.arena_pages * psz >> 20);
	}
	if (mb <= 0) {
		fprintf(stderr, "bench-gupta: bad size\n");
		return 2;
	}
	npages = ((unsigned long)mb << 20) / psz;
	if (fd < 0) {
		map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			die("mmap");
		if (madvise(map, npages * psz, MADV_NOHUGEPAGE))
			die("madvise(MADV_NOHUGEPAGE)");
	} else {
		map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap /dev/compactlab");
	}
	npages = fill(map, npages, keep);
	release(fd, map, npages, keep);
	for (i = 0; i < npages; i++)
		kept += keep(i);

	if (moves) {
		read_buddyinfo(s, &free, &ge9, &blocks_before);
		min = move_minimum(free);
	}
	snapshot_pageblocks(snap, "before");
	read_counters(s, &c0);
	if (moves)
		t = request_order9(fd, &request);
	else
		t = compact(s);
	read_counters(s, &c1);
	snapshot_pageblocks(snap, "after");
	read_buddyinfo(s, &free, &ge9, &blocks);
	bad = verify(map, npages, keep);

	printf("side=%s mb=%ld pages=%lu kept=%lu time_ns=%llu",
	       moves ? "moves" : s->name, mb, npages, kept, t);
	printf(" migrated=%llu migrate_scanned=%llu free_scanned=%llu",
	       c1.migrated - c0.migrated,
	       c1.migrate_scanned - c0.migrate_scanned,
	       c1.free_scanned - c0.free_scanned);
	printf(" free_pages=%llu free_ge9=%llu corrupted=%lu", free, ge9, bad);
	if (moves)
		printf(" min=%ld blocks_ge9_before=%llu request=%s",
		       min, blocks_before, request);
	printf("\n");
	return bad ? 1 : 0;
}
