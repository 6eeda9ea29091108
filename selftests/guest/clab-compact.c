// SPDX-License-Identifier: GPL-2.0
/*
 * clab-compact: the compaction scenarios of test-compaction.sh.
 *
 *   clab-compact compact NID ORDER PRIO MT    one CLAB_IOC_COMPACT
 *   clab-compact einval                       refused COMPACT/MARK/HANDLE_PFN
 *   clab-compact hold [--mb N] [--stride S] [--pin K] [--absorb]
 *                     [--writeback MS] [--ready FILE]
 *                                             fragment, wait, check moves
 *   clab-compact async                        ASYNC leaves non-movable blocks
 *   clab-compact marks                        dirty, writeback, pinned blocks
 *   clab-compact unevictable                  unevictable blocks against
 *                                             compact_unevictable_allowed
 *   clab-compact writers [--threads T] [--mb N] [--ready FILE]
 *                                             concurrent writers
 *
 * Each prints "key: value ..." lines for the script to check; "hold" and
 * "writers" run until SIGUSR1 or SIGTERM (after creating the --ready
 * file). Exit status: 0, 1 when a check inside the program failed (data
 * lost), 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
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
#define DEBUGFS		"/sys/kernel/debug/compactlab"
#define SYSFS		"/sys/kernel/compactlab"
#define MAX_BLOCKS	65536

static long psz;
static unsigned long words;
static struct clab_version ver;
static int fd;

static void die(const char *what)
{
	fprintf(stderr, "clab-compact: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void setup(void)
{
	psz = sysconf(_SC_PAGESIZE);
	words = psz / sizeof(__u64);
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		die(DEV);
	if (ioctl(fd, CLAB_IOC_GET_VERSION, &ver))
		die("GET_VERSION");
}

/* The pattern of word @w of the page at mapping index @i, generation @g. */
static __u64 pattern(unsigned long i, unsigned long w, unsigned long g)
{
	return ((__u64)i << 32) ^ ((__u64)g << 20) ^ w ^
	       0xc1ab000000000000ULL;
}

static void fill_page(char *p, unsigned long i, unsigned long g)
{
	__u64 *q = (__u64 *)p;
	unsigned long w;

	for (w = 0; w < words; w++)
		q[w] = pattern(i, w, g);
}

static unsigned long check_page(const char *p, unsigned long i,
				unsigned long g)
{
	const __u64 *q = (const __u64 *)p;
	unsigned long w, bad = 0;

	for (w = 0; w < words; w++)
		bad += q[w] != pattern(i, w, g);
	return bad;
}

/* Arena index behind a user address, or -1 when nothing is mapped. */
static long index_of(void *addr)
{
	struct clab_pfn_of p = { .addr = (uintptr_t)addr };

	if (ioctl(fd, CLAB_IOC_PFN_OF, &p))
		return -1;
	return p.index;
}

static long handle_index(__u64 h)
{
	struct clab_handle_pfn p = { .handle = h };

	if (ioctl(fd, CLAB_IOC_HANDLE_PFN, &p))
		return -1;
	return p.index;
}

static int discard(void *addr, unsigned long len)
{
	struct clab_range r = { .addr = (uintptr_t)addr, .len = len };

	return ioctl(fd, CLAB_IOC_DISCARD, &r);
}

static int do_compact(unsigned int nid, int order, unsigned int prio,
		      unsigned int mt, struct clab_compact *c)
{
	*c = (struct clab_compact){
		.nid = nid, .order = order, .priority = prio,
		.migratetype = mt,
	};
	return ioctl(fd, CLAB_IOC_COMPACT, c);
}

static void print_compact(const char *tag, const struct clab_compact *c)
{
	printf("%s: result %u migrate_scanned %llu free_scanned %llu ",
	       tag, c->result, (unsigned long long)c->migrate_scanned,
	       (unsigned long long)c->free_scanned);
	printf("isolated %llu migrated %llu failed %llu\n",
	       (unsigned long long)c->isolated,
	       (unsigned long long)c->migrated,
	       (unsigned long long)c->failed);
}

static int write_file(const char *path, const char *val)
{
	int f = open(path, O_WRONLY);
	ssize_t n;

	if (f < 0)
		return -1;
	n = write(f, val, strlen(val));
	close(f);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Allocate kernel blocks; returns how many, handles in @h. */
static unsigned long alloc_blocks(unsigned int order, unsigned int mt,
				  unsigned long count, __u64 *h)
{
	struct clab_alloc a = {
		.order = order, .migratetype = mt, .count = count,
		.handles = (uintptr_t)h,
	};

	if (ioctl(fd, CLAB_IOC_ALLOC, &a))
		return 0;
	return a.allocated;
}

static void free_block(__u64 h)
{
	struct clab_handle f = { .handle = h };

	ioctl(fd, CLAB_IOC_FREE, &f);
}

/*
 * Take every free block of a pageblock's order or more, so that a
 * compaction for that order has work to do (held until exit).
 */
static unsigned long absorb_high_order(void)
{
	static __u64 h[256];
	unsigned int order, pb_order = __builtin_ctz(ver.pageblock_pages);
	unsigned long n = 0;

	for (order = ver.max_order; order >= pb_order && n < 256; order--)
		n += alloc_blocks(order, CLAB_MT_MOVABLE, 256 - n, h + n);
	return n;
}

/* Pageblock types from debugfs, by block number. */
static int block_mt[MAX_BLOCKS];

static void read_pageblocks(unsigned long *nr_unmov, unsigned long *nr_recl)
{
	char line[256], mt[32];
	unsigned long blk;
	FILE *f = fopen(DEBUGFS "/pageblocks", "r");

	if (!f)
		die("pageblocks");
	*nr_unmov = *nr_recl = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' ||
		    sscanf(line, "%lu %*s %*s %*s %31s", &blk, mt) != 2 ||
		    blk >= MAX_BLOCKS)
			continue;
		if (!strcmp(mt, "Unmovable")) {
			block_mt[blk] = CLAB_MT_UNMOVABLE;
			++*nr_unmov;
		} else if (!strcmp(mt, "Reclaimable")) {
			block_mt[blk] = CLAB_MT_RECLAIMABLE;
			++*nr_recl;
		} else if (!strcmp(mt, "Movable")) {
			block_mt[blk] = CLAB_MT_MOVABLE;
		} else {
			block_mt[blk] = -1;
		}
	}
	fclose(f);
}

static int index_block_mt(long idx)
{
	return block_mt[idx / ver.pageblock_pages];
}

/* Touching a page the arena cannot back raises SIGBUS: catch it. */
static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * Map @npages and write the pattern into as many as the arena backs, in
 * order; returns how many (the rest stay untouched).
 */
static unsigned long map_fill(char **mapp, unsigned long npages)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	unsigned long i;
	char *map;

	map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	sigaction(SIGBUS, &sa, &old);
	for (i = 0; i < npages; i++) {
		/* A SIGBUS on page i returns here, i unchanged since. */
		if (sigsetjmp(bus_jmp, 1))
			break;
		fill_page(map + i * psz, i, 0);
	}
	sigaction(SIGBUS, &old, NULL);
	*mapp = map;
	return i;
}

static atomic_int stop;

static void on_stop(int sig)
{
	stop = 1;
}

static void wait_for_stop(const char *ready)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t mask, old;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (ready) {
		int f = open(ready, O_WRONLY | O_CREAT, 0600);

		if (f < 0)
			die(ready);
		close(f);
	}
	while (!stop)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int cmd_compact(int argc, char **argv)
{
	struct clab_compact c;

	if (argc != 6)
		return 2;
	if (do_compact(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
		       atoi(argv[5]), &c)) {
		printf("compact: error %s\n", strerror(errno));
		return 1;
	}
	print_compact("compact", &c);
	return 0;
}

static int nr_checks, nr_bad;

static void expect_errno(int ret, int err, const char *what)
{
	nr_checks++;
	if (ret == -1 && errno == err)
		return;
	nr_bad++;
	printf("einval: %s: got %d (%s), want %s\n", what, ret,
	       ret ? strerror(errno) : "success", strerror(err));
}

static int compact_req(struct clab_compact *c, struct clab_compact req)
{
	*c = req;
	return ioctl(fd, CLAB_IOC_COMPACT, c);
}

static int mark_req(struct clab_mark *m, struct clab_mark req)
{
	*m = req;
	return ioctl(fd, CLAB_IOC_MARK, m);
}

static int cmd_einval(void)
{
	struct clab_compact c;
	struct clab_mark m;
	struct clab_handle_pfn hp = { .handle = 0 };
	__u64 h[2];
	int ret;

	if (alloc_blocks(0, CLAB_MT_MOVABLE, 1, h) != 1 ||
	    alloc_blocks(0, CLAB_MT_UNMOVABLE, 1, h + 1) != 1)
		die("ALLOC");
#define COMPACT(...) compact_req(&c, (struct clab_compact){ __VA_ARGS__ })
	expect_errno(COMPACT(.nid = 4, .order = 0), EINVAL, "COMPACT nid 4");
	expect_errno(COMPACT(.nid = 0xffffffff, .order = 0), EINVAL,
		     "COMPACT nid -1");
	expect_errno(COMPACT(.order = -2), EINVAL, "COMPACT order -2");
	expect_errno(COMPACT(.order = ver.max_order + 1), EINVAL,
		     "COMPACT order max+1");
	expect_errno(COMPACT(.order = 0, .priority = 3), EINVAL,
		     "COMPACT priority 3");
	expect_errno(COMPACT(.order = 0, .migratetype = 3), EINVAL,
		     "COMPACT migratetype 3");
	expect_errno(COMPACT(.order = 0, .pad = 1), EINVAL, "COMPACT pad");
	expect_errno(COMPACT(.order = -1, .priority = CLAB_PRIO_ASYNC), EINVAL,
		     "COMPACT order -1 with ASYNC");
	nr_checks++;
	ret = COMPACT(.order = 0, .priority = CLAB_PRIO_ASYNC,
		      .migratetype = CLAB_MT_MOVABLE, .result = 99);
	if (ret || c.result > CLAB_RESULT_SUCCESS) {
		nr_bad++;
		printf("einval: a valid COMPACT failed: %s\n", strerror(errno));
	}
#define MARK(...) mark_req(&m, (struct clab_mark){ __VA_ARGS__ })
	expect_errno(MARK(.handle = h[0]), EINVAL, "MARK flags 0");
	expect_errno(MARK(.handle = h[0], .flags = 32), EINVAL, "MARK flags 32");
	expect_errno(MARK(.handle = h[0], .flags = CLAB_MARK_CLEAR |
			  CLAB_MARK_UNEVICTABLE), EINVAL,
		     "MARK CLEAR|UNEVICTABLE");
	expect_errno(MARK(.handle = h[1], .flags = CLAB_MARK_UNEVICTABLE),
		     EINVAL, "MARK UNEVICTABLE on an unmovable block");
	expect_errno(MARK(.handle = h[0], .flags = CLAB_MARK_CLEAR |
			  CLAB_MARK_DIRTY), EINVAL, "MARK CLEAR|DIRTY");
	expect_errno(MARK(.handle = h[0], .flags = CLAB_MARK_WRITEBACK,
			  .writeback_delay_ms = 10001), EINVAL,
		     "MARK delay 10001");
	expect_errno(MARK(.handle = h[0], .flags = CLAB_MARK_DIRTY,
			  .writeback_delay_ms = 5), EINVAL,
		     "MARK delay without WRITEBACK");
	expect_errno(MARK(.handle = h[1], .flags = CLAB_MARK_DIRTY), EINVAL,
		     "MARK an unmovable block");
	expect_errno(MARK(.handle = 12345, .flags = CLAB_MARK_DIRTY), EINVAL,
		     "MARK an unknown handle");
	expect_errno(MARK(.handle = 1ULL << 40, .flags = CLAB_MARK_DIRTY),
		     EINVAL, "MARK handle 2^40");
	nr_checks++;
	ret = MARK(.handle = h[0], .flags = CLAB_MARK_PINNED);
	if (!ret)
		ret = MARK(.handle = h[0], .flags = CLAB_MARK_CLEAR);
	if (!ret)
		ret = MARK(.handle = h[0], .flags = CLAB_MARK_UNEVICTABLE |
			   CLAB_MARK_DIRTY);
	if (!ret)
		ret = MARK(.handle = h[0], .flags = CLAB_MARK_CLEAR);
	if (ret) {
		nr_bad++;
		printf("einval: a valid MARK failed: %s\n", strerror(errno));
	}
	expect_errno(ioctl(fd, CLAB_IOC_HANDLE_PFN, &hp), EINVAL,
		     "HANDLE_PFN handle 0");
	hp.handle = h[0];
	nr_checks++;
	if (ioctl(fd, CLAB_IOC_HANDLE_PFN, &hp) || !hp.pfn ||
	    hp.index >= ver.arena_pages) {
		nr_bad++;
		printf("einval: a valid HANDLE_PFN failed\n");
	}
	expect_errno(ioctl(fd, CLAB_IOC_COMPACT, (void *)8), EFAULT,
		     "COMPACT bad pointer");
	expect_errno(ioctl(fd, CLAB_IOC_MARK, (void *)8), EFAULT,
		     "MARK bad pointer");
	printf("einval: checks %d failed %d\n", nr_checks, nr_bad);
	return nr_bad ? 1 : 0;
}

static int cmp_idx(const void *a, const void *b);
static int mark(__u64 h, unsigned int flags, unsigned int ms);
static void alloc_lowest(unsigned long nkeep, __u64 *keep, long *where);

#define NR_SLOW		2	/* pages under writeback of hold --writeback */

/*
 * Fragment: map, fill, keep one page of every @stride, pin @pin unmovable
 * pages into the holes; with --writeback MS, put two pages at the bottom of
 * the arena under a writeback of MS ms, which a sync compaction waits for;
 * record where the kept pages are, wait, then count which moved and check
 * their contents.
 */
static int cmd_hold(int argc, char **argv)
{
	unsigned long mb = 96, stride = 4, pin = 0, absorbed = 0, wb_ms = 0;
	__u64 slow[NR_SLOW];
	long slow_where[NR_SLOW];
	unsigned long i, npages, kept = 0, moved = 0, gone = 0, bad = 0;
	const char *ready = NULL;
	__u64 *pins;
	long *where;
	int k, absorb = 0;
	char *map;

	for (k = 2; k < argc; k++) {
		if (!strcmp(argv[k], "--absorb"))
			absorb = 1;
		else if (k + 1 >= argc)
			return 2;
		else if (!strcmp(argv[k], "--mb"))
			mb = atol(argv[++k]);
		else if (!strcmp(argv[k], "--stride"))
			stride = atol(argv[++k]);
		else if (!strcmp(argv[k], "--pin"))
			pin = atol(argv[++k]);
		else if (!strcmp(argv[k], "--ready"))
			ready = argv[++k];
		else if (!strcmp(argv[k], "--writeback"))
			wb_ms = atol(argv[++k]);
		else
			return 2;
	}
	if (!mb || !stride)
		return 2;
	if (wb_ms)
		alloc_lowest(NR_SLOW, slow, slow_where);
	npages = (mb << 20) / psz;
	if (map_fill(&map, npages) != npages)
		die("arena too small for --mb");
	for (i = 0; i < npages; i++)
		if (i % stride && discard(map + i * psz, psz))
			die("DISCARD");
	pins = calloc(pin + 1, sizeof(*pins));
	if (pin)
		pin = alloc_blocks(0, CLAB_MT_UNMOVABLE, pin, pins);
	if (absorb)
		absorbed = absorb_high_order();
	for (k = 0; wb_ms && k < NR_SLOW; k++)
		if (mark(slow[k], CLAB_MARK_WRITEBACK, wb_ms))
			die("MARK");
	where = calloc(npages, sizeof(*where));
	for (i = 0; i < npages; i += stride, kept++)
		where[i] = index_of(map + i * psz);
	printf("hold: mapped %lu kept %lu pinned %lu absorbed %lu\n",
	       npages, kept, pin, absorbed);
	fflush(stdout);
	wait_for_stop(ready);
	for (i = 0; i < npages; i += stride) {
		long now = index_of(map + i * psz);

		if (now < 0)
			gone++;
		else if (now != where[i])
			moved++;
		bad += check_page(map + i * psz, i, 0);
	}
	printf("hold: kept %lu moved %lu missing %lu mismatches %lu\n",
	       kept, moved, gone, bad);
	return bad || gone ? 1 : 0;
}

/* Indices of user pages, by the type of their pageblock. */
struct upage {
	unsigned long i;	/* page in the mapping */
	long where;		/* arena index when recorded */
	int mt;			/* its pageblock's type then */
};

static void count_moves(char *map, struct upage *u, unsigned long n,
			const char *tag)
{
	unsigned long i, moved_nm = 0, moved_m = 0, nm = 0, m = 0;

	for (i = 0; i < n; i++) {
		long now = index_of(map + u[i].i * psz);
		int movable = u[i].mt == CLAB_MT_MOVABLE;

		nm += !movable;
		m += movable;
		if (now != u[i].where) {
			moved_nm += !movable;
			moved_m += movable;
		}
		u[i].where = now;
	}
	printf("%s: moved in non-movable blocks %lu of %lu ", tag, moved_nm, nm);
	printf("in movable blocks %lu of %lu\n", moved_m, m);
}

/*
 * ASYNC direct compaction for a movable request scans only movable
 * pageblocks: user pages that fell back into unmovable and reclaimable
 * blocks stay where they are.
 */
static int cmd_async(void)
{
	unsigned long n_unmov = 8 * ver.pageblock_pages;
	unsigned long n_recl = ver.pageblock_pages, n, i, nu = 0;
	unsigned long unmov0, recl0, unmov1, recl1, mapped, npages;
	unsigned long in_unmov = 0, in_recl = 0, in_mov = 0, bad = 0;
	__u64 *hu, *hr;
	struct upage *u;
	struct clab_compact c;
	char *map;

	/* Whole pageblocks claimed by unmovable and reclaimable pages. */
	hu = calloc(n_unmov, sizeof(*hu));
	hr = calloc(n_recl, sizeof(*hr));
	n = alloc_blocks(0, CLAB_MT_UNMOVABLE, n_unmov, hu);
	for (i = 1; i < n; i += 2)
		free_block(hu[i]);
	n = alloc_blocks(0, CLAB_MT_RECLAIMABLE, n_recl, hr);
	for (i = 1; i < n; i += 2)
		free_block(hr[i]);
	/* Fill the arena: movable faults fall back into the holes. */
	npages = ver.arena_pages;
	mapped = map_fill(&map, npages);
	read_pageblocks(&unmov0, &recl0);
	u = calloc(mapped, sizeof(*u));
	for (i = 0; i < mapped; i++) {
		long idx = index_of(map + i * psz);
		int mt;

		if (idx < 0)
			continue;
		mt = index_block_mt(idx);
		if (mt == CLAB_MT_MOVABLE) {
			in_mov++;
			/*
			 * Holes in the movable blocks: 3 of 4 go, the kept
			 * one off the async free scanner's 32-page stride.
			 */
			if (i % 4 != 1) {
				discard(map + i * psz, psz);
				continue;
			}
		} else if (mt == CLAB_MT_UNMOVABLE) {
			in_unmov++;
		} else if (mt == CLAB_MT_RECLAIMABLE) {
			in_recl++;
		}
		u[nu++] = (struct upage){ .i = i, .where = idx, .mt = mt };
	}
	printf("async: mapped %lu user pages: in unmovable blocks %lu ",
	       mapped, in_unmov);
	printf("in reclaimable blocks %lu in movable blocks %lu\n",
	       in_recl, in_mov);
	printf("async: absorbed %lu high-order blocks\n", absorb_high_order());
	if (do_compact(0, __builtin_ctz(ver.pageblock_pages),
		       CLAB_PRIO_ASYNC, CLAB_MT_MOVABLE, &c))
		die("COMPACT");
	print_compact("async", &c);
	read_pageblocks(&unmov1, &recl1);
	printf("async: pageblocks unmovable %lu -> %lu reclaimable %lu -> %lu\n",
	       unmov0, unmov1, recl0, recl1);
	count_moves(map, u, nu, "async");

	absorb_high_order();
	if (do_compact(0, __builtin_ctz(ver.pageblock_pages),
		       CLAB_PRIO_SYNC_LIGHT, CLAB_MT_MOVABLE, &c))
		die("COMPACT");
	print_compact("sync_light", &c);
	count_moves(map, u, nu, "sync_light");
	if (write_file(SYSFS "/compact_memory", "1"))
		die("compact_memory");
	count_moves(map, u, nu, "compact_memory");
	for (i = 0; i < nu; i++)
		bad += check_page(map + u[i].i * psz, u[i].i, 0);
	printf("async: mismatches %lu\n", bad);
	return bad ? 1 : 0;
}

static int mark(__u64 h, unsigned int flags, unsigned int ms)
{
	struct clab_mark m = {
		.handle = h, .flags = flags, .writeback_delay_ms = ms,
	};

	return ioctl(fd, CLAB_IOC_MARK, &m);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define NR_MARKED	8	/* control, dirty, writeback, pinned: 2 each */

static const char * const mark_names[] = {
	"control", "dirty", "writeback", "pinned",
};

/* Print which of the marked blocks moved since the last call. */
static void report_marked(const char *tag, __u64 *h, long *where)
{
	int k;

	printf("%s:", tag);
	for (k = 0; k < NR_MARKED; k++) {
		long now = handle_index(h[k]);

		printf(" %s%d %s", mark_names[k / 2], k % 2,
		       now == where[k] ? "stayed" : "moved");
		where[k] = now;
	}
	printf("\n");
}

static int cmp_idx(const void *a, const void *b)
{
	const long *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/*
 * Allocate movable blocks and keep the @nkeep lowest (handles in @keep,
 * arena indexes in @where), so that the migrate scanner, rising from the
 * zone's start, reaches them; the others are freed.
 */
static void alloc_lowest(unsigned long nkeep, __u64 *keep, long *where)
{
	unsigned long n = 2 * ver.pageblock_pages, i;
	long (*pairs)[2];
	__u64 *h;

	h = calloc(n, sizeof(*h));
	pairs = calloc(n, sizeof(*pairs));
	if (!h || !pairs)
		die("calloc");
	n = alloc_blocks(0, CLAB_MT_MOVABLE, n, h);
	if (n < nkeep)
		die("ALLOC");
	for (i = 0; i < n; i++) {
		pairs[i][0] = handle_index(h[i]);
		pairs[i][1] = h[i];
	}
	qsort(pairs, n, sizeof(*pairs), cmp_idx);
	for (i = 0; i < n; i++) {
		if (i < nkeep) {
			keep[i] = pairs[i][1];
			where[i] = pairs[i][0];
		} else {
			free_block(pairs[i][1]);
		}
	}
	free(pairs);
	free(h);
}

/*
 * Dirty and writeback blocks move only under sync compaction; pinned
 * blocks never move. The marked blocks are the lowest of a batch, so the
 * migrate scanner (rising from the zone's start) reaches them.
 */
static int cmd_marks(void)
{
	unsigned long i, mapped, bad = 0;
	long where[NR_MARKED];
	__u64 marked[NR_MARKED];
	struct clab_compact c;
	double t0, t1;
	char *map;
	int k;

	alloc_lowest(NR_MARKED, marked, where);
	printf("marks: blocks at arena index %ld .. %ld\n", where[0],
	       where[NR_MARKED - 1]);
	/* Fragment the rest of the arena with user pages. */
	mapped = map_fill(&map, ver.arena_pages);
	for (i = 0; i < mapped; i++)
		if (i % 4)
			discard(map + i * psz, psz);
	printf("marks: mapped %lu user pages, kept 1 of 4\n", mapped);
	for (k = 0; k < 2; k++) {
		if (mark(marked[2 + k], CLAB_MARK_DIRTY, 0) ||
		    mark(marked[4 + k], CLAB_MARK_WRITEBACK, 2000) ||
		    mark(marked[6 + k], CLAB_MARK_PINNED, 0))
			die("MARK");
	}
	t0 = now_s();
	printf("marks: absorbed %lu high-order blocks\n", absorb_high_order());
	if (do_compact(0, __builtin_ctz(ver.pageblock_pages),
		       CLAB_PRIO_ASYNC, CLAB_MT_MOVABLE, &c))
		die("COMPACT");
	print_compact("marks async", &c);
	report_marked("marks after async", marked, where);
	printf("marks: absorbed %lu high-order blocks\n", absorb_high_order());
	if (do_compact(0, __builtin_ctz(ver.pageblock_pages),
		       CLAB_PRIO_SYNC_LIGHT, CLAB_MT_MOVABLE, &c))
		die("COMPACT");
	print_compact("marks sync_light", &c);
	report_marked("marks after sync_light", marked, where);
	/*
	 * SYNC_FULL: still MIGRATE_SYNC_LIGHT, but over the whole zone from
	 * its start, skip hints ignored: the scanner surely meets the
	 * marked blocks, and the control blocks move.
	 */
	printf("marks: absorbed %lu high-order blocks\n", absorb_high_order());
	if (do_compact(0, __builtin_ctz(ver.pageblock_pages),
		       CLAB_PRIO_SYNC_FULL, CLAB_MT_MOVABLE, &c))
		die("COMPACT");
	print_compact("marks sync_full", &c);
	report_marked("marks after sync_full", marked, where);
	t1 = now_s();
	printf("marks: async, sync_light and sync_full took %.2f s (writeback delay 2 s)\n",
	       t1 - t0);
	if (write_file(SYSFS "/compact_memory", "1"))
		die("compact_memory");
	printf("marks: compact_memory took %.2f s\n", now_s() - t1);
	report_marked("marks after compact_memory", marked, where);
	for (k = 0; k < NR_MARKED; k++) {
		struct clab_verify v = { .handle = marked[k] };

		if (ioctl(fd, CLAB_IOC_VERIFY, &v))
			die("VERIFY");
		bad += v.mismatches;
	}
	for (i = 0; i < mapped; i += 4)
		bad += check_page(map + i * psz, i, 0);
	printf("marks: mismatches %lu\n", bad);
	return bad ? 1 : 0;
}

/* Print whether the control and unevictable blocks moved since last time. */
static void report_unevictable(const char *tag, __u64 *h, long *where)
{
	static const char * const names[] = { "control", "unevictable" };
	int k;

	printf("%s:", tag);
	for (k = 0; k < 4; k++) {
		long now = handle_index(h[k]);

		printf(" %s%d %s", names[k / 2], k % 2,
		       now == where[k] ? "stayed" : "moved");
		where[k] = now;
	}
	printf("\n");
}

/*
 * Unevictable blocks (as mlocked page cache) move under compaction only
 * while compact_unevictable_allowed is 1, in every migrate mode (6.1's
 * isolate_migratepages()); the mark follows a block that moved. Blocks:
 * two unmarked controls and two unevictable, the lowest of a batch.
 */
static int cmd_unevictable(void)
{
	unsigned long i, mapped, bad = 0;
	__u64 h[4];
	long where[4];
	char *map;
	int k;

	alloc_lowest(4, h, where);
	printf("unevictable: blocks at arena index %ld .. %ld\n", where[0],
	       where[3]);
	mapped = map_fill(&map, ver.arena_pages);
	for (i = 0; i < mapped; i++)
		if (i % 4)
			discard(map + i * psz, psz);
	printf("unevictable: mapped %lu user pages, kept 1 of 4\n", mapped);
	for (k = 2; k < 4; k++)
		if (mark(h[k], CLAB_MARK_UNEVICTABLE, 0))
			die("MARK");
	if (write_file(SYSFS "/compact_unevictable_allowed", "0") ||
	    write_file(SYSFS "/compact_memory", "1"))
		die("compact_memory");
	report_unevictable("unevictable after allowed=0", h, where);
	if (write_file(SYSFS "/compact_unevictable_allowed", "1") ||
	    write_file(SYSFS "/compact_memory", "1"))
		die("compact_memory");
	report_unevictable("unevictable after allowed=1", h, where);
	/* MARK works on a block wherever it is now: CLEAR the moved ones. */
	for (k = 2; k < 4; k++)
		if (mark(h[k], CLAB_MARK_CLEAR, 0))
			die("MARK CLEAR");
	for (k = 0; k < 4; k++) {
		struct clab_verify v = { .handle = h[k] };

		if (ioctl(fd, CLAB_IOC_VERIFY, &v))
			die("VERIFY");
		bad += v.mismatches;
	}
	for (i = 0; i < mapped; i += 4)
		bad += check_page(map + i * psz, i, 0);
	printf("unevictable: mismatches %lu\n", bad);
	return bad ? 1 : 0;
}

/* Concurrent writers: each thread owns a range and rewrites it forever. */
#define WRITERS_READY_DISCARDS	512

struct writer {
	pthread_t tid;
	char *base;
	unsigned long first, count;
	unsigned long passes, mismatches;
};

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	unsigned long g, i;

	for (g = 0; !stop; g++) {
		for (i = 0; i < wr->count; i++) {
			unsigned long pg = wr->first + i;
			char *p = wr->base + pg * psz;

			if (g && check_page(p, pg, g - 1))
				wr->mismatches++;
			fill_page(p, pg, g);
		}
		wr->passes++;
	}
	return NULL;
}

static int cmd_writers(int argc, char **argv)
{
	unsigned long mb = 16, threads = 4, npages, churn, per, i;
	unsigned long mism = 0, passes = 0, discards = 0;
	struct sigaction sa = { .sa_handler = on_stop };
	const char *ready = NULL;
	struct writer *wr;
	char *map, *cmap;
	int k;

	for (k = 2; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "--mb"))
			mb = atol(argv[k + 1]);
		else if (!strcmp(argv[k], "--threads"))
			threads = atol(argv[k + 1]);
		else if (!strcmp(argv[k], "--ready"))
			ready = argv[k + 1];
		else
			return 2;
	}
	if (!threads || threads > 64 || !mb)
		return 2;
	npages = (mb << 20) / psz;
	per = npages / threads;
	if (map_fill(&map, npages) != npages)
		die("arena too small for --mb");
	/* The churn: as much again, refaulted and discarded in holes. */
	churn = npages;
	if (map_fill(&cmap, churn) != churn)
		die("arena too small for the churn");
	wr = calloc(threads, sizeof(*wr));
	for (i = 0; i < threads; i++) {
		wr[i] = (struct writer){
			.base = map, .first = i * per, .count = per,
		};
		if (pthread_create(&wr[i].tid, NULL, writer_main, &wr[i]))
			die("pthread_create");
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	srand(1);
	while (!stop) {
		unsigned long pg = rand() % churn;

		/* Discard a page, touch another: holes all over the arena. */
		if (!discard(cmap + pg * psz, psz))
			discards++;
		cmap[(rand() % churn) * psz] = 1;
		/*
		 * Ready once there are holes to compact: on a slow guest the
		 * writer threads can leave this loop little CPU, and the
		 * compactions would find nothing to move.
		 */
		if (ready && discards >= WRITERS_READY_DISCARDS) {
			int f = open(ready, O_WRONLY | O_CREAT, 0600);

			if (f < 0)
				die(ready);
			close(f);
			ready = NULL;
		}
		if (!(discards % 256))
			usleep(1000);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(wr[i].tid, NULL);
		mism += wr[i].mismatches;
		passes += wr[i].passes;
	}
	printf("writers: threads %lu pages %lu passes %lu discards %lu mismatches %lu\n",
	       threads, per * threads, passes, discards, mism);
	return mism ? 1 : 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc < 2)
		goto usage;
	setup();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "compact"))
		ret = cmd_compact(argc, argv);
	else if (!strcmp(argv[1], "einval"))
		ret = cmd_einval();
	else if (!strcmp(argv[1], "hold"))
		ret = cmd_hold(argc, argv);
	else if (!strcmp(argv[1], "async"))
		ret = cmd_async();
	else if (!strcmp(argv[1], "marks"))
		ret = cmd_marks();
	else if (!strcmp(argv[1], "unevictable"))
		ret = cmd_unevictable();
	else if (!strcmp(argv[1], "writers"))
		ret = cmd_writers(argc, argv);
	if (ret != 2)
		return ret;
usage:
	fprintf(stderr, "usage: see the comment at the top of clab-compact.c\n");
	return 2;
}
