// SPDX-License-Identifier: GPL-2.0
/*
 * bench-gupta: the guest side of scripts/bench (Documentation/benchmarks.rst).
 * Each mode does the same work on either side and prints one line of
 * key=value pairs. MB is a size in MiB, or "free-MB": all the side's free
 * memory above its high watermarks (the arena's free pages; the node's
 * MemFree) but MB MiB, so that the region is nearly all of the side's
 * memory on both sides, as the Gupta benchmark means it. SIDE is "clab"
 * (/dev/compactlab, the arena) or "kernel@N" (anonymous memory bound to
 * the guest kernel's NUMA node N, MADV_NOHUGEPAGE; the benchmark guest's
 * node 1 holds nothing else).
 *
 *   bench-gupta gupta SIDE MB PHASE [PREFIX]
 *	the Gupta pattern over an MB MiB region, one compaction pass of the
 *	side's memory (ours: /sys/kernel/compactlab/compact_memory; the
 *	kernel: /sys/devices/system/node/nodeN/compact), then a re-touch of
 *	every kept page (ours zaps the mappings of the pages it moves and
 *	refaults them later, the kernel remaps in the pass: the same window
 *	holds both); with PREFIX, our pageblocks view is copied to
 *	PREFIX-before and PREFIX-after around the pass
 *   bench-gupta pure SIDE MB
 *	migrate every page of an MB MiB region with no scanning: ours
 *	CLAB_IOC_MIGRATE, the kernel move_pages() from node N to node 0;
 *	timed with the re-touch
 *   bench-gupta latency SIDE MB PHASE P S [FILE]
 *	the Gupta pattern, proactiveness P, a wait of S s, then
 *	free/512 order-9 requests one at a time (ours CLAB_IOC_ALLOC_TIMED
 *	with RECLAIM | RETRY_MAYFAIL | NOWARN; the kernel one more 2 MiB
 *	page in node N's hugetlb pool, which allocates with
 *	__GFP_RETRY_MAYFAIL | __GFP_THISNODE), every one timed in user
 *	space; a failure stays in the sample as an infinite latency; with
 *	FILE, one request a line: "ns ok stalled" ("inf 0 S" on a failure)
 *   bench-gupta proactive SIDE MB PHASE P S
 *	the Gupta pattern, then proactiveness P: the side's fragmentation
 *	score (order 9) every 250 ms until it is under the low mark
 *	max(100 - P, 5) or S seconds have passed; the time it took, the
 *	share of free memory in order >= 9 blocks at the end, the pages
 *	migrated and the kcompactd passes traced
 *   bench-gupta idle SIDE MB PHASE P S
 *	the same for the whole S seconds: with a score between the low mark
 *	and min(low + 10, 100) a kcompactd should do nothing
 *   bench-gupta free SIDE
 *	the side's free memory above its zones' high watermarks, MiB (what
 *	"free-MB" counts from)
 *   bench-gupta moves
 *	ours only: fill the whole arena, keep one page in 4 to 64 depending
 *	on the 2 MiB block, compute the move minimum from the pageblocks
 *	view, then one order-9 request (CLAB_IOC_COMPACT)
 *
 * PHASE is the physical Gupta pattern: every page of the region is
 * faulted in, its page frame read from /proc/self/pagemap, and the pages
 * whose pfn % 4 == PHASE keep a full pattern while the others are freed,
 * run by run (in the region's virtual order). "virtual" keeps virtual page
 * i % 4 == 0 instead, whatever its frame (the old rule). coverage= is the
 * share of the region's pages that lie in 4-page-aligned groups wholly
 * inside the region: only there is the pattern exactly one kept page, one
 * free order-0 and one free order-1 block per 4. 6.1's free scanner
 * strides over a barren block, and on this period-4 pattern it only ever
 * lands on kept pages when their phase is 0 (Documentation/benchmarks.rst).
 *
 * Every time is CLOCK_MONOTONIC in this process. Exit status: 0; 1 when a
 * kept page changed; 2 on a setup error. The figures never fail it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/compactlab.h>
#include <linux/const.h>

#define PB_ORDER	9
#define PB_PAGES	_BITUL(PB_ORDER)
#define MAX_ORDER_NR	11
#define DBG		"/sys/kernel/debug/compactlab"
#define TRACE		"/sys/kernel/tracing"
#define MPOL_BIND_	2
#define MPOL_MF_MOVE_	_BITUL(1)
#define PM_PRESENT	_BITULL(63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

/* Where one side keeps its files. */
struct side {
	const char *name;	/* "clab" or "kernel" */
	int node;		/* the kernel's node; -1 for ours */
	char compact[128];
	char vmstat[64];
	char buddyinfo[64];
	char proactiveness[64];
};

struct counters {
	unsigned long long migrated, migrate_scanned, free_scanned, stall,
			   success, daemon;
};

/* What the trace saw of the pass: the ranges its scanners covered. */
struct trace_sum {
	unsigned long long migrate_covered, free_covered;
	unsigned int passes;	/* begin events from this process */
	unsigned int foreign;	/* begin events from any other task */
	char foreign_comm[32];
	unsigned long long zone_start, zone_end;	/* the last zone's span */
};

/* One region of the pattern, either side. */
struct region {
	char *map;
	unsigned long npages;
	int fd;			/* /dev/compactlab, or -1 */
	unsigned long long *pfn;
	unsigned char *keep;
	unsigned long kept;
	int phase;		/* 0-3, or -1: the virtual rule */
	double coverage;
	unsigned long phase_hist[4];	/* kept pages by pfn % 4 */
};

static long psz;
static sigjmp_buf fault_jmp;

static void die(const char *what)
{
	fprintf(stderr, "bench-gupta: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void bad_args(void)
{
	fprintf(stderr,
		"usage: bench-gupta gupta SIDE MB PHASE [PREFIX] | pure SIDE MB |\n"
		"       latency SIDE MB PHASE P S [FILE] | proactive|idle SIDE MB PHASE P S |\n"
		"       free SIDE | moves\n"
		"  SIDE: clab | kernel@NODE   PHASE: 0-3 | virtual\n");
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

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0)
		die(path);
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(fd);
}

/* Write @val to @path if it exists; 0 or -1. */
static int try_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static unsigned long read_ulong(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long n = 0;

	if (!f || fscanf(f, "%lu", &n) != 1)
		die(path);
	fclose(f);
	return n;
}

static void parse_side(const char *arg, struct side *s)
{
	char *end;

	memset(s, 0, sizeof(*s));
	if (!strcmp(arg, "clab")) {
		s->name = "clab";
		s->node = -1;
		snprintf(s->compact, sizeof(s->compact),
			 "/sys/kernel/compactlab/compact_memory");
		snprintf(s->vmstat, sizeof(s->vmstat), DBG "/vmstat");
		snprintf(s->buddyinfo, sizeof(s->buddyinfo), DBG "/buddyinfo");
		snprintf(s->proactiveness, sizeof(s->proactiveness),
			 "/sys/kernel/compactlab/compaction_proactiveness");
		return;
	}
	if (strncmp(arg, "kernel@", 7))
		bad_args();
	s->name = "kernel";
	s->node = strtol(arg + 7, &end, 10);
	if (*end || end == arg + 7 || s->node < 0 || s->node > 63)
		bad_args();
	snprintf(s->compact, sizeof(s->compact),
		 "/sys/devices/system/node/node%d/compact", s->node);
	snprintf(s->vmstat, sizeof(s->vmstat), "/proc/vmstat");
	snprintf(s->buddyinfo, sizeof(s->buddyinfo), "/proc/buddyinfo");
	snprintf(s->proactiveness, sizeof(s->proactiveness),
		 "/proc/sys/vm/compaction_proactiveness");
	if (access(s->compact, W_OK)) {
		fprintf(stderr, "bench-gupta: no node %d to compact (%s)\n",
			s->node, s->compact);
		exit(2);
	}
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
		else if (!strcmp(name, "compact_stall"))
			c->stall = v;
		else if (!strcmp(name, "compact_success"))
			c->success = v;
		else if (!strncmp(name, "compact_daemon_", 15))
			c->daemon += v;
	}
	fclose(f);
}

/*
 * Free blocks by order of the side's memory: our arena (all its zones), or
 * the kernel's node (all its zones).
 */
static void read_buddyinfo(const struct side *s,
			   unsigned long long nr[MAX_ORDER_NR])
{
	char line[512], want[32], *p;
	FILE *f = fopen(s->buddyinfo, "r");
	unsigned long long n;
	int order, used;

	if (!f)
		die(s->buddyinfo);
	memset(nr, 0, MAX_ORDER_NR * sizeof(*nr));
	snprintf(want, sizeof(want), "Node %d,", s->node);
	while (fgets(line, sizeof(line), f)) {
		if (s->node >= 0 && strncmp(line, want, strlen(want)))
			continue;
		p = strstr(line, "zone");
		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')	/* the zone name */
			p++;
		for (order = 0; order < MAX_ORDER_NR &&
		     sscanf(p, "%llu%n", &n, &used) == 1; order++) {
			p += used;
			nr[order] += n;
		}
	}
	fclose(f);
}

static unsigned long long free_pages(const unsigned long long *nr,
				     int min_order)
{
	unsigned long long sum = 0;
	int o;

	for (o = min_order; o < MAX_ORDER_NR; o++)
		sum += nr[o] << o;
	return sum;
}

static void print_buddyinfo(const char *key, const unsigned long long *nr)
{
	int o;

	printf(" %s=", key);
	for (o = 0; o < MAX_ORDER_NR; o++)
		printf("%s%llu", o ? "/" : "", nr[o]);
}

/* 100 * (free - free in order >= 9) / free: the fragmentation score. */
static unsigned long long score(const struct side *s)
{
	unsigned long long nr[MAX_ORDER_NR], f;

	read_buddyinfo(s, nr);
	f = free_pages(nr, 0);
	return f ? 100 * (f - free_pages(nr, PB_ORDER)) / f : 0;
}

/* Our cumulative compact_stats, as name/value pairs (none: n = 0). */
#define MAX_STATS	32
struct stats {
	int n;
	char name[MAX_STATS][40];
	unsigned long long val[MAX_STATS];
};

static void read_stats(struct stats *st)
{
	FILE *f = fopen(DBG "/compact_stats", "r");

	st->n = 0;
	if (!f)
		return;
	while (st->n < MAX_STATS &&
	       fscanf(f, "%39s %llu", st->name[st->n], &st->val[st->n]) == 2)
		st->n++;
	fclose(f);
}

static void print_stats_delta(const struct stats *a, const struct stats *b)
{
	int i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (!strcmp(a->name[i], b->name[i]))
			printf(" cs_%s=%llu", a->name[i], b->val[i] - a->val[i]);
}

/* Enable the trace event @ev if it is not on already. */
static void trace_enable(const char *ev)
{
	char path[160], on = '0';
	int fd;

	snprintf(path, sizeof(path), TRACE "/events/%s/enable", ev);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (read(fd, &on, 1) != 1)
		on = '0';
	close(fd);
	if (on != '1')
		try_write_file(path, "1");
}

/*
 * Trace: the compaction events of both systems, from an empty buffer. The
 * events are switched on once and left on (bench-run.sh switches them off
 * at its end): each switch patches kernel text on every CPU, and under
 * QEMU's TCG that patching, done while the other vCPU runs the patched
 * code, has hung a guest (a CPU spinning at the int3 it had hit, the
 * other waiting for it in smp_call_function_many_cond()).
 */
static void trace_start(void)
{
	trace_enable("compaction/mm_compaction_begin");
	trace_enable("compaction/mm_compaction_end");
	trace_enable("compactlab/mm_compaction_begin");
	trace_enable("compactlab/mm_compaction_end");
	try_write_file(TRACE "/trace", "");
	try_write_file(TRACE "/tracing_on", "1");
}

/*
 * Parse the trace: each begin/end pair of this process adds what its
 * scanners covered (the migrate scanner moves up, the free scanner down);
 * a begin from another task (a kcompactd) is foreign work in the window.
 * The task is told by its pid: the comm may be "<...>".
 */
static void trace_stop(struct trace_sum *t)
{
	unsigned long long zs, mp, fp, ze, b_mp = 0, b_fp = 0;
	char line[512], comm[32], *ev, *dash;
	long pid, self = getpid();
	int have_begin = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	f = fopen(TRACE "/trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int begin;

		if (line[0] == '#')
			continue;
		ev = strstr(line, ": mm_compaction_begin: ");
		begin = !!ev;
		if (!ev)
			ev = strstr(line, ": mm_compaction_end: ");
		if (!ev)
			continue;
		if (sscanf(line, " %31s", comm) != 1)
			continue;
		/* "comm-pid": the comm may be "<...>" when not cached */
		dash = strrchr(comm, '-');
		if (!dash)
			continue;
		*dash = '\0';
		pid = strtol(dash + 1, NULL, 10);
		ev = strstr(ev, "zone_start=");
		if (!ev || sscanf(ev,
				  "zone_start=%llx migrate_pfn=%llx free_pfn=%llx zone_end=%llx",
				  &zs, &mp, &fp, &ze) != 4)
			continue;
		if (pid != self) {
			if (begin) {
				t->foreign++;
				snprintf(t->foreign_comm,
					 sizeof(t->foreign_comm), "%s", comm);
			}
			continue;
		}
		if (begin) {
			t->zone_start = zs;
			t->zone_end = ze;
			b_mp = mp;
			b_fp = fp;
			have_begin = 1;
			t->passes++;
			continue;
		}
		if (!have_begin)
			continue;
		if (mp > b_mp)
			t->migrate_covered += mp - b_mp;
		if (b_fp > fp)
			t->free_covered += b_fp - fp;
		have_begin = 0;
	}
	fclose(f);
}

/* Map an MB MiB region of the side's memory. */
static void region_map(const struct side *s, long mb, struct region *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->npages = ((unsigned long)mb << 20) / psz;
	if (!r->npages)
		bad_args();
	if (s->node < 0) {
		r->fd = open("/dev/compactlab", O_RDWR);
		if (r->fd < 0)
			die("/dev/compactlab");
		r->map = mmap(NULL, r->npages * psz, PROT_READ | PROT_WRITE,
			      MAP_SHARED, r->fd, 0);
		if (r->map == MAP_FAILED)
			die("mmap /dev/compactlab");
	} else {
		unsigned long mask = 1UL << s->node;

		r->map = mmap(NULL, r->npages * psz, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r->map == MAP_FAILED)
			die("mmap");
		if (madvise(r->map, r->npages * psz, MADV_NOHUGEPAGE))
			die("madvise(MADV_NOHUGEPAGE)");
		if (syscall(SYS_mbind, r->map, r->npages * psz, MPOL_BIND_,
			    &mask, sizeof(mask) * 8, 0))
			die("mbind");
	}
	r->pfn = calloc(r->npages, sizeof(*r->pfn));
	r->keep = calloc(r->npages, 1);
	if (!r->pfn || !r->keep)
		die("calloc");
}

/* Touch page @i with one word; 0 on SIGBUS (the arena is full). */
static int touch_page(char *map, unsigned long i)
{
	if (sigsetjmp(fault_jmp, 1))
		return 0;
	__atomic_store_n((__u64 *)(map + i * psz), i, __ATOMIC_RELAXED);
	return 1;
}

/* Fault every page in (up to the first SIGBUS) and read its frame. */
static void region_fault(struct region *r)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	unsigned long i;
	int fd;

	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < r->npages; i++)
		if (!touch_page(r->map, i))
			break;
	signal(SIGBUS, SIG_DFL);
	r->npages = i;
	if (r->fd >= 0) {
		/* A VM_PFNMAP mapping: pagemap shows no frame, ask the module. */
		for (i = 0; i < r->npages; i++) {
			struct clab_pfn_of q = {
				.addr = (uintptr_t)(r->map + i * psz),
			};

			if (ioctl(r->fd, CLAB_IOC_PFN_OF, &q))
				die("CLAB_IOC_PFN_OF");
			/*
			 * The arena index: what our trace events record as
			 * a pfn. The arena's base is pageblock-aligned, so
			 * index % 4 == pfn % 4.
			 */
			r->pfn[i] = q.index;
		}
		return;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap");
	for (i = 0; i < r->npages; i += 4096) {
		unsigned long n = r->npages - i < 4096 ? r->npages - i : 4096;
		off_t off = ((uintptr_t)r->map / psz + i) * 8;
		ssize_t want = n * 8;

		if (pread(fd, r->pfn + i, want, off) != want)
			die("read /proc/self/pagemap");
	}
	close(fd);
	for (i = 0; i < r->npages; i++) {
		if (!(r->pfn[i] & PM_PRESENT) || !(r->pfn[i] & PM_PFN_MASK)) {
			fprintf(stderr,
				"bench-gupta: page %lu has no frame in pagemap (root needed)\n",
				i);
			exit(2);
		}
		r->pfn[i] &= PM_PFN_MASK;
	}
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Which pages to keep, and the coverage of whole 4-page groups. */
static void region_choose(struct region *r, int phase)
{
	unsigned long long *sorted;
	unsigned long i, j, whole = 0;

	r->phase = phase;
	r->kept = 0;
	memset(r->phase_hist, 0, sizeof(r->phase_hist));
	for (i = 0; i < r->npages; i++) {
		r->keep[i] = phase < 0 ? i % 4 == 0 : r->pfn[i] % 4 == (unsigned long)phase;
		if (r->keep[i]) {
			r->kept++;
			r->phase_hist[r->pfn[i] % 4]++;
		}
	}
	sorted = malloc(r->npages * sizeof(*sorted));
	if (!sorted)
		die("malloc");
	memcpy(sorted, r->pfn, r->npages * sizeof(*sorted));
	qsort(sorted, r->npages, sizeof(*sorted), cmp_ull);
	for (i = 0; i < r->npages; i = j) {
		for (j = i + 1; j < r->npages && sorted[j] / 4 == sorted[i] / 4; j++)
			;
		if (j - i == 4)
			whole += 4;
	}
	free(sorted);
	r->coverage = r->npages ? (double)whole / r->npages : 0;
}

/* The kept pages get the full pattern; the others are released run by run. */
static void region_pattern(struct region *r)
{
	unsigned long i, j, w, words = psz / sizeof(__u64);

	for (i = 0; i < r->npages; i++) {
		__u64 *p = (__u64 *)(r->map + i * psz);

		if (r->keep[i])
			for (w = 0; w < words; w++)
				p[w] = pattern(i, w);
	}
	for (i = 0; i < r->npages; i = j) {
		if (r->keep[i]) {
			j = i + 1;
			continue;
		}
		for (j = i; j < r->npages && !r->keep[j]; j++)
			;
		if (r->fd < 0) {
			if (madvise(r->map + i * psz, (j - i) * psz,
				    MADV_DONTNEED))
				die("madvise(MADV_DONTNEED)");
		} else {
			struct clab_range rg = {
				(uintptr_t)(r->map + i * psz), (j - i) * psz
			};

			if (ioctl(r->fd, CLAB_IOC_DISCARD, &rg))
				die("CLAB_IOC_DISCARD");
		}
	}
}

/* Read one word of every kept page: the refaults of moved pages. */
static unsigned long long region_retouch(const struct region *r)
{
	unsigned long long t = now_ns();
	__u64 sink = 0;
	unsigned long i;

	for (i = 0; i < r->npages; i++)
		if (r->keep[i])
			sink += __atomic_load_n((__u64 *)(r->map + i * psz),
						__ATOMIC_RELAXED);
	/* The loads must happen: the sum goes nowhere but here. */
	asm volatile("" : : "r"(sink));
	return now_ns() - t;
}

static unsigned long region_verify(const struct region *r)
{
	unsigned long i, w, words = psz / sizeof(__u64), bad = 0;

	for (i = 0; i < r->npages; i++) {
		const __u64 *p = (const __u64 *)(r->map + i * psz);

		if (!r->keep[i])
			continue;
		for (w = 0; w < words; w++)
			if (p[w] != pattern(i, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

/*
 * Where the region lies in its zone: its lowest and highest frame as a
 * share of the zone's span (0 = the bottom, where the migrate scanner
 * starts; 1 = the top, where the free scanner starts).
 */
static void region_where(const struct region *r, unsigned long long start,
			 unsigned long long end)
{
	unsigned long long lo = ~0ULL, hi = 0;
	unsigned long i;

	for (i = 0; i < r->npages; i++) {
		if (r->pfn[i] < lo)
			lo = r->pfn[i];
		if (r->pfn[i] > hi)
			hi = r->pfn[i];
	}
	printf(" zone_pfns=0x%llx-0x%llx region_pfns=0x%llx-0x%llx", start,
	       end, lo, hi);
	if (end > start && lo >= start && hi < end)
		printf(" region_low=%.3f region_high=%.3f",
		       (double)(lo - start) / (end - start),
		       (double)(hi - start) / (end - start));
}

static int parse_phase(const char *arg)
{
	if (!strcmp(arg, "virtual"))
		return -1;
	if (strlen(arg) != 1 || arg[0] < '0' || arg[0] > '3')
		bad_args();
	return arg[0] - '0';
}

static void print_region(const struct side *s, const struct region *r,
			 long mb)
{
	char phase[12];

	if (r->phase < 0)
		snprintf(phase, sizeof(phase), "virtual");
	else
		snprintf(phase, sizeof(phase), "%d", r->phase);
	printf("side=%s node=%d mb=%ld pages=%lu kept=%lu phase=%s coverage=%.4f",
	       s->name, s->node, mb, r->npages, r->kept, phase, r->coverage);
	printf(" kept_pfn_mod4=%lu/%lu/%lu/%lu", r->phase_hist[0],
	       r->phase_hist[1], r->phase_hist[2], r->phase_hist[3]);
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
	copy_file(DBG "/pageblocks", path);
}

static unsigned long long timed_write(const char *path, const char *val)
{
	unsigned long long t0 = now_ns();

	write_file(path, val);
	return now_ns() - t0;
}

/* One timed run of the held bracket set: MB/s, or 0. */
static double bracket_run(void)
{
	unsigned long long copies = 0, ns = 0;
	char line[256], *p;
	FILE *f;

	if (try_write_file(DBG "/bench/bracket", "run 4096"))
		return 0;
	f = fopen(DBG "/bench/bracket", "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		p = strstr(line, "copies=");
		if (p)
			copies = strtoull(p + 7, NULL, 10);
		p = strstr(line, " ns=");
		if (p)
			ns = strtoull(p + 4, NULL, 10);
	}
	fclose(f);
	return ns ? copies * (double)psz / ns * 1e3 : 0;
}

/*
 * One bracket: the median of three runs of 4096 copy_page() calls over the
 * set scripts/bench's guest side holds in bench/bracket (the same routine
 * and 16 MiB on either side), after one untimed run; MB/s, or 0 when
 * nothing is held. Under TCG about one run in five is ten times slower
 * than its neighbours (the host took the vCPU away for a moment): the
 * median keeps such a blip from deciding the bracket, while a change that
 * lasts moves all three.
 */
static double copy_bracket(void)
{
	double r[3], t;

	if (!bracket_run())
		return 0;
	r[0] = bracket_run();
	r[1] = bracket_run();
	r[2] = bracket_run();
	if (r[0] > r[1]) {
		t = r[0];
		r[0] = r[1];
		r[1] = t;
	}
	if (r[1] > r[2])
		r[1] = r[2];
	return r[0] > r[1] ? r[0] : r[1];
}

static int bench_gupta(const struct side *s, long mb, int phase,
		       const char *snap)
{
	unsigned long long bi0[MAX_ORDER_NR], bi1[MAX_ORDER_NR], pass, retouch;
	double br0, br1;
	struct counters c0, c1;
	struct stats st0, st1;
	struct trace_sum t;
	struct region r;
	unsigned long bad;

	region_map(s, mb, &r);
	region_fault(&r);
	region_choose(&r, phase);
	region_pattern(&r);
	read_buddyinfo(s, bi0);
	snapshot_pageblocks(s->node < 0 ? snap : NULL, "before");
	/*
	 * Let the emulator settle after the pattern's burst of unmaps (under
	 * TCG the copy rate stays low for a while after one): outside the
	 * window, and the same on both sides.
	 */
	usleep(300000);
	br0 = copy_bracket();
	read_counters(s, &c0);
	read_stats(&st0);
	trace_start();
	pass = timed_write(s->compact, "1");
	retouch = region_retouch(&r);
	trace_stop(&t);
	read_counters(s, &c1);
	read_stats(&st1);
	br1 = copy_bracket();
	snapshot_pageblocks(s->node < 0 ? snap : NULL, "after");
	read_buddyinfo(s, bi1);
	bad = region_verify(&r);

	print_region(s, &r, mb);
	printf(" pass_ns=%llu retouch_ns=%llu time_ns=%llu", pass, retouch,
	       pass + retouch);
	printf(" migrated=%llu migrate_scanned=%llu free_scanned=%llu",
	       c1.migrated - c0.migrated,
	       c1.migrate_scanned - c0.migrate_scanned,
	       c1.free_scanned - c0.free_scanned);
	printf(" migrate_covered=%llu free_covered=%llu zone_passes=%u",
	       t.migrate_covered, t.free_covered, t.passes);
	printf(" foreign_passes=%u foreign_comm=%s daemon_delta=%llu",
	       t.foreign, t.foreign ? t.foreign_comm : "-",
	       c1.daemon - c0.daemon);
	region_where(&r, t.zone_start, t.zone_end);
	print_buddyinfo("bi_before", bi0);
	print_buddyinfo("bi_after", bi1);
	printf(" free_pages=%llu free_ge9=%llu", free_pages(bi1, 0),
	       free_pages(bi1, PB_ORDER));
	if (s->node < 0)
		print_stats_delta(&st0, &st1);
	printf(" bracket_before_mbps=%.1f bracket_after_mbps=%.1f", br0, br1);
	printf(" corrupted=%lu\n", bad);
	return bad ? 1 : 0;
}

/* Fill the whole region with the pattern (every page kept). */
static void region_fill_all(struct region *r)
{
	unsigned long i;

	region_fault(r);
	r->phase = -1;
	for (i = 0; i < r->npages; i++) {
		r->keep[i] = 1;
		r->phase_hist[r->pfn[i] % 4]++;
	}
	r->kept = r->npages;
	region_pattern(r);
}

static int bench_pure(const struct side *s, long mb)
{
	unsigned long long t, retouch, moved = 0, failed = 0, kns = 0;
	long long copy_ns = -1;
	unsigned long i, bad;
	struct region r;

	region_map(s, mb, &r);
	region_fill_all(&r);
	if (s->node < 0) {
#ifdef CLAB_IOC_MIGRATE
		struct clab_migrate m = {
			.addr = (uintptr_t)r.map, .len = r.npages * psz,
		};

		t = now_ns();
		if (ioctl(r.fd, CLAB_IOC_MIGRATE, &m)) {
			if (errno == ENOTTY) {
				printf("side=clab skipped=no_migrate_ioctl\n");
				return 0;
			}
			die("CLAB_IOC_MIGRATE");
		}
		t = now_ns() - t;
		moved = m.migrated;
		failed = m.failed;
		kns = m.time_ns;
		copy_ns = m.copy_ns;
#else
		printf("side=clab skipped=no_migrate_ioctl\n");
		return 0;
#endif
	} else {
		void **pages = malloc(r.npages * sizeof(*pages));
		int *nodes = malloc(r.npages * sizeof(*nodes));
		int *status = malloc(r.npages * sizeof(*status));

		if (!pages || !nodes || !status)
			die("malloc");
		for (i = 0; i < r.npages; i++) {
			pages[i] = r.map + i * psz;
			nodes[i] = 0;
			status[i] = -1;
		}
		t = now_ns();
		if (syscall(SYS_move_pages, 0, r.npages, pages, nodes, status,
			    MPOL_MF_MOVE_) < 0)
			die("move_pages");
		t = now_ns() - t;
		for (i = 0; i < r.npages; i++) {
			if (status[i] == 0)
				moved++;
			else
				failed++;
		}
		free(pages);
		free(nodes);
		free(status);
	}
	retouch = region_retouch(&r);
	bad = region_verify(&r);
	printf("side=%s node=%d mb=%ld pages=%lu migrated=%llu failed=%llu",
	       s->name, s->node, mb, r.npages, moved, failed);
	printf(" call_ns=%llu kernel_ns=%llu retouch_ns=%llu time_ns=%llu",
	       t, kns, retouch, t + retouch);
	/* Only our side can time its copies; move_pages() cannot. */
	if (copy_ns >= 0)
		printf(" copy_ns=%lld", copy_ns);
	printf(" corrupted=%lu\n", bad);
	return bad ? 1 : 0;
}

/* Pages of node @nid's 2 MiB hugetlb pool. */
static void pool_path(char *buf, size_t len, int nid)
{
	snprintf(buf, len,
		 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages",
		 nid);
}

/* One order-9 request, timed in user space; true when it succeeded. */
static bool request(const struct side *s, int fd, unsigned long *held,
		    unsigned long long *ns)
{
	char path[160], buf[32];
	unsigned long long t0;
	unsigned long now;
	int ret;

	if (s->node < 0) {
		struct clab_alloc_timed a = {
			.order = PB_ORDER, .migratetype = CLAB_MT_MOVABLE,
			.flags = CLAB_ALLOC_F_RECLAIM |
				 CLAB_ALLOC_F_RETRY_MAYFAIL |
				 CLAB_ALLOC_F_NOWARN,
		};

		t0 = now_ns();
		ret = ioctl(fd, CLAB_IOC_ALLOC_TIMED, &a);
		*ns = now_ns() - t0;
		if (ret && errno != ENOMEM)
			die("CLAB_IOC_ALLOC_TIMED");
		if (!ret)
			(*held)++;
		return !ret;
	}
	pool_path(path, sizeof(path), s->node);
	snprintf(buf, sizeof(buf), "%lu", *held + 1);
	t0 = now_ns();
	write_file(path, buf);
	*ns = now_ns() - t0;
	now = read_ulong(path);
	if (now <= *held)
		return false;
	*held = now;
	return true;
}

/*
 * Nearest-rank percentile @p of @asked requests, @n of them successes
 * sorted in @v; the failures rank after every success (infinite). Prints
 * "inf" when the rank lands on a failure.
 */
static void print_pct(const char *key, const unsigned long long *v,
		      unsigned long n, unsigned long asked, int p)
{
	unsigned long k = (asked * p + 99) / 100;

	if (!asked)
		printf(" %s=nan", key);
	else if ((k ? k : 1) > n)
		printf(" %s=inf", key);
	else
		printf(" %s=%llu", key, v[k ? k - 1 : 0]);
}

static int bench_latency(const struct side *s, long mb, int phase,
			 int proactiveness, int wait_s, const char *raw)
{
	unsigned long long bi[MAX_ORDER_NR], *lat, ns, fr, score0, score1;
	unsigned long asked, ok = 0, held = 0, stalled = 0, i, bad;
	unsigned long long unstalled_ns_max = 0;
	struct counters c0, c1, a, b;
	struct region r;
	char buf[16], path[160];
	FILE *out = NULL;

	region_map(s, mb, &r);
	if (s->node >= 0) {
		pool_path(path, sizeof(path), s->node);
		if (access(path, W_OK)) {
			printf("side=kernel skipped=no_hugetlb\n");
			return 0;
		}
		write_file(path, "0");
	}
	write_file(s->proactiveness, "0");
	region_fault(&r);
	region_choose(&r, phase);
	region_pattern(&r);
	score0 = score(s);
	snprintf(buf, sizeof(buf), "%d", proactiveness);
	write_file(s->proactiveness, buf);
	if (wait_s)
		sleep(wait_s);
	score1 = score(s);
	read_buddyinfo(s, bi);
	fr = free_pages(bi, 0);
	asked = fr / PB_PAGES;
	lat = calloc(asked + 1, sizeof(*lat));
	if (!lat)
		die("calloc");
	if (raw) {
		out = fopen(raw, "w");
		if (!out)
			die(raw);
	}
	read_counters(s, &c0);
	for (i = 0; i < asked; i++) {
		bool got, st;

		read_counters(s, &a);
		got = request(s, r.fd, &held, &ns);
		read_counters(s, &b);
		st = b.stall != a.stall;
		stalled += st;
		if (got) {
			lat[ok++] = ns;
			if (!st && ns > unstalled_ns_max)
				unstalled_ns_max = ns;
		}
		if (out && got)
			fprintf(out, "%llu 1 %d\n", ns, st);
		else if (out)
			fprintf(out, "inf 0 %d\n", st);
	}
	read_counters(s, &c1);
	write_file(s->proactiveness, "0");
	if (s->node >= 0)
		write_file(path, "0");
	if (out && fclose(out))
		die(raw);
	bad = region_verify(&r);
	qsort(lat, ok, sizeof(*lat), cmp_ull);
	print_region(s, &r, mb);
	printf(" proactiveness=%d wait_s=%d score_before=%llu score_after_wait=%llu",
	       proactiveness, wait_s, score0, score1);
	printf(" free_pages=%llu free_ge9_before=%llu asked=%lu ok=%lu failed=%lu",
	       fr, free_pages(bi, PB_ORDER), asked, ok, asked - ok);
	printf(" share=%.4f", fr ? (double)(ok * PB_PAGES) / fr : 0.0);
	print_pct("p50_ns", lat, ok, asked, 50);
	print_pct("p90_ns", lat, ok, asked, 90);
	print_pct("p99_ns", lat, ok, asked, 99);
	printf(" stalled=%lu compact_stall=%llu compact_success=%llu",
	       stalled, c1.stall - c0.stall, c1.success - c0.success);
	printf(" corrupted=%lu\n", bad);
	return bad ? 1 : 0;
}

/*
 * Proactive compaction on the Gupta pattern: proactiveness P, the side's
 * fragmentation score (order 9, its memory) sampled every 250 ms for up to
 * S seconds; with @until_low, stop once the score is under the low mark
 * max(100 - P, 5).
 */
static int bench_proactive(const struct side *s, long mb, int phase,
			   int proactiveness, int secs, bool until_low)
{
	unsigned long long bi[MAX_ORDER_NR], t0, t, t_low = 0, score0, sc;
	unsigned long long max_sc, min_sc;
	int low = 100 - proactiveness < 5 ? 5 : 100 - proactiveness;
	struct counters c0, c1;
	struct trace_sum tr;
	struct region r;
	char buf[16];
	unsigned long bad;
	bool reached = false;

	region_map(s, mb, &r);
	write_file(s->proactiveness, "0");
	region_fault(&r);
	region_choose(&r, phase);
	region_pattern(&r);
	score0 = score(s);
	max_sc = score0;
	min_sc = score0;
	read_counters(s, &c0);
	trace_start();
	snprintf(buf, sizeof(buf), "%d", proactiveness);
	t0 = now_ns();
	write_file(s->proactiveness, buf);
	do {
		usleep(250000);
		t = now_ns() - t0;
		sc = score(s);
		if (sc > max_sc)
			max_sc = sc;
		if (sc < min_sc)
			min_sc = sc;
		if (!reached && sc < (unsigned long long)low) {
			reached = true;
			t_low = t;
		}
	} while (t < (unsigned long long)secs * 1000000000ULL &&
		 !(until_low && reached));
	write_file(s->proactiveness, "0");
	trace_stop(&tr);
	read_counters(s, &c1);
	read_buddyinfo(s, bi);
	bad = region_verify(&r);
	print_region(s, &r, mb);
	printf(" proactiveness=%d window_s=%d low=%d score_before=%llu",
	       proactiveness, secs, low, score0);
	printf(" score_end=%llu score_min=%llu score_max=%llu", sc, min_sc,
	       max_sc);
	if (reached)
		printf(" time_to_low_s=%.2f", t_low / 1e9);
	else
		printf(" time_to_low_s=inf");
	printf(" elapsed_s=%.2f share_ge9=%.4f migrated=%llu", t / 1e9,
	       free_pages(bi, 0) ?
	       (double)free_pages(bi, PB_ORDER) / free_pages(bi, 0) : 0.0,
	       c1.migrated - c0.migrated);
	printf(" kcompactd_passes=%u corrupted=%lu\n", tr.foreign, bad);
	return bad ? 1 : 0;
}

/*
 * The move minimum from the pageblocks view: the fewest in-use pages of any
 * pageblock (order 9) with no unmovable page, given that the free pages
 * outside it can take them. -1 when there is no such block.
 */
static long move_minimum(unsigned long long total_free)
{
	FILE *f = fopen(DBG "/pageblocks", "r");
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

/* Varied density: block j of 512 pages keeps one page in 4 << (j % 5). */
static int keep_varied(unsigned long i)
{
	return i % (4UL << ((i / PB_PAGES) % 5)) == 0;
}

static int bench_moves(void)
{
	unsigned long long bi0[MAX_ORDER_NR], bi1[MAX_ORDER_NR], t0, t;
	struct clab_compact req = {
		.nid = 0, .order = PB_ORDER, .priority = CLAB_PRIO_SYNC_LIGHT,
		.migratetype = CLAB_MT_MOVABLE,
	};
	struct clab_version v;
	struct counters c0, c1;
	struct region r;
	struct side s;
	unsigned long i, bad;
	long mb, min;

	parse_side("clab", &s);
	r.fd = open("/dev/compactlab", O_RDWR);
	if (r.fd < 0)
		die("/dev/compactlab");
	if (ioctl(r.fd, CLAB_IOC_GET_VERSION, &v))
		die("CLAB_IOC_GET_VERSION");
	close(r.fd);
	mb = (long)(v.arena_pages * psz >> 20);
	region_map(&s, mb, &r);
	region_fault(&r);
	r.phase = -1;
	for (i = 0; i < r.npages; i++) {
		r.keep[i] = keep_varied(i);
		r.kept += r.keep[i];
	}
	region_pattern(&r);
	read_buddyinfo(&s, bi0);
	min = move_minimum(free_pages(bi0, 0));
	read_counters(&s, &c0);
	t0 = now_ns();
	if (ioctl(r.fd, CLAB_IOC_COMPACT, &req))
		die("CLAB_IOC_COMPACT");
	t = now_ns() - t0;
	read_counters(&s, &c1);
	read_buddyinfo(&s, bi1);
	bad = region_verify(&r);
	printf("side=moves mb=%ld pages=%lu kept=%lu time_ns=%llu", mb,
	       r.npages, r.kept, t);
	printf(" migrated=%llu migrate_scanned=%llu free_scanned=%llu",
	       c1.migrated - c0.migrated,
	       c1.migrate_scanned - c0.migrate_scanned,
	       c1.free_scanned - c0.free_scanned);
	printf(" free_pages=%llu free_ge9=%llu corrupted=%lu",
	       free_pages(bi1, 0), free_pages(bi1, PB_ORDER), bad);
	printf(" min=%ld blocks_ge9_before=%llu request=ioctl_order9_sync_light\n",
	       min, free_pages(bi0, PB_ORDER) / PB_PAGES);
	return bad ? 1 : 0;
}

/*
 * The high watermarks of the side's zones, pages: our arena's (debugfs
 * zoneinfo) or the kernel's node's (/proc/zoneinfo). Both print a
 * "Node N, zone Z" line, then "high N" among the zone's watermarks (the
 * per-CPU "high:" lines have a colon).
 */
static unsigned long long side_high_wmarks(const struct side *s)
{
	const char *path = s->node < 0 ? DBG "/zoneinfo" : "/proc/zoneinfo";
	unsigned long long sum = 0, v;
	char line[256], word[16];
	int node = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			continue;
		if (s->node >= 0 && node != s->node)
			continue;
		if (sscanf(line, " %15s %llu", word, &v) == 2 &&
		    !strcmp(word, "high"))
			sum += v;
	}
	fclose(f);
	return sum;
}

/*
 * Free memory of the side above its high watermarks, MiB: our arena's, or
 * the kernel's node's. (With THP the kernel raises min_free_kbytes, and a
 * node's share of it can be tens of MiB: a region that reaches into it
 * ends in the OOM killer on the kernel's side.)
 */
static long side_free_mb(const struct side *s)
{
	unsigned long long pages = 0, kb, high = side_high_wmarks(s);
	char path[96], line[256];
	FILE *f;

	if (s->node < 0) {
		struct clab_counters c = { 0 };
		int fd = open("/dev/compactlab", O_RDWR);

		if (fd < 0)
			die("/dev/compactlab");
		if (ioctl(fd, CLAB_IOC_COUNTERS, &c))
			die("CLAB_IOC_COUNTERS");
		close(fd);
		pages = c.nr_free_pages + c.nr_free_pcp;
	} else {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/meminfo", s->node);
		f = fopen(path, "r");
		if (!f)
			die(path);
		while (fgets(line, sizeof(line), f)) {
			char *p = strstr(line, "MemFree:");

			if (p && sscanf(p + 8, "%llu", &kb) == 1)
				pages = kb * 1024 / psz;
		}
		fclose(f);
	}
	pages = pages > high ? pages - high : 0;
	return (long)(pages * psz >> 20);
}

/* "MB", or "free-MB": all the side's free memory but MB MiB. */
static long parse_mb(const struct side *s, const char *arg)
{
	bool rest = !strncmp(arg, "free-", 5);
	char *end;
	long mb = strtol(rest ? arg + 5 : arg, &end, 10);

	if (*end || mb < 0 || (!rest && !mb))
		bad_args();
	if (rest)
		mb = side_free_mb(s) - mb;
	if (mb <= 0) {
		fprintf(stderr, "bench-gupta: %s: no memory left\n", arg);
		exit(2);
	}
	return mb;
}

int main(int argc, char **argv)
{
	struct side s;

	psz = sysconf(_SC_PAGESIZE);
	if (argc == 2 && !strcmp(argv[1], "moves"))
		return bench_moves();
	if (argc == 3 && !strcmp(argv[1], "free")) {
		parse_side(argv[2], &s);
		printf("%ld\n", side_free_mb(&s));
		return 0;
	}
	if (argc < 4)
		bad_args();
	parse_side(argv[2], &s);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "gupta"))
		return bench_gupta(&s, parse_mb(&s, argv[3]), parse_phase(argv[4]),
				   argc == 6 ? argv[5] : NULL);
	if (argc == 4 && !strcmp(argv[1], "pure"))
		return bench_pure(&s, parse_mb(&s, argv[3]));
	if (argc == 7 && !strcmp(argv[1], "proactive"))
		return bench_proactive(&s, parse_mb(&s, argv[3]),
				       parse_phase(argv[4]), atoi(argv[5]),
				       atoi(argv[6]), true);
	if (argc == 7 && !strcmp(argv[1], "idle"))
		return bench_proactive(&s, parse_mb(&s, argv[3]),
				       parse_phase(argv[4]), atoi(argv[5]),
				       atoi(argv[6]), false);
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "latency"))
		return bench_latency(&s, parse_mb(&s, argv[3]),
				     parse_phase(argv[4]), atoi(argv[5]),
				     atoi(argv[6]), argc == 8 ? argv[7] : NULL);
	bad_args();
	return 2;
}
