// SPDX-License-Identifier: GPL-2.0
/*
 * stress-migrate: user data must survive compaction moving it underneath.
 *
 * --procs P processes each map --mb MB of /dev/compactlab and run --threads
 * T threads over disjoint slices of the mapping. A thread fills its pages
 * with a pattern derived from (seed, process, page, generation), then loops:
 * check every word of every page against the page's current generation,
 * discarding one page in --churn (2: half of them) on the way and writing
 * the next generation into half of the others; then check
 * that the discarded pages read back as zeroes (a fault: a new page) and
 * write them again. The churn keeps the arena fragmented, so that
 * compaction always has pages to move. Meanwhile one compactor process
 * cycles through the module's compaction entry points: compact_memory,
 * node<N>/compact, CLAB_IOC_COMPACT (full and order 9 sync-light), and
 * bursts of 16 order-9 CLAB_IOC_ALLOC with RECLAIM, held together (direct
 * compaction once the free blocks run out); kcompactd joins
 * in when the caller raises compaction_proactiveness.
 *
 * The run ends after --seconds, or earlier once --migrations pages have
 * migrated (pgmigrate_success, polled by the parent).
 *
 * Prints the seed first (to replay a run), then one line:
 *   stress-migrate: <checks> checks, <migrations> migrations, <mismatches>
 *   mismatches, <compactions> compactions, <order9> order-9 allocations
 *   (<failed> failed), <discards> discards, <secs> s
 * Exit: 0 no mismatch, 1 mismatches or a setup failure, 4 skip (no device).
 * Run as root with the module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include <sys/wait.h>
#include <linux/compactlab.h>

#define DEV	"/dev/compactlab"
#define SYSFS	"/sys/kernel/compactlab"
#define ORDER9_BURST	16

/* Per-process totals, kept in a shared mapping for the parent to sum. */
struct totals {
	__u64 checks;
	__u64 mismatches;
	__u64 discards;
	__u64 compactions;
	__u64 order9;
	__u64 order9_failed;
};

static long psz;
static unsigned int nprocs = 2, nthreads = 2, mb = 8, seconds = 20;
static unsigned int churn = 2;
static __u64 seed, target;
static atomic_int stop;
/* Shared with every child: set by the parent when the target is reached. */
static atomic_int *halt;

struct worker {
	pthread_t tid;
	unsigned int proc;
	int fd;
	unsigned char *base;	/* first page of this thread's slice */
	size_t first_page;	/* index of that page in the mapping */
	size_t npages;
	__u32 *gen;		/* per page; 0: discarded (reads as zero) */
	__u64 rng;
	struct totals *tot;
};

static __u64 splitmix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The word @i of a page at generation @gen: unique per page and version. */
static __u64 pattern(const struct worker *w, size_t page, __u32 gen,
		     size_t i)
{
	__u64 s = seed ^ ((__u64)w->proc << 56) ^
		     ((__u64)(w->first_page + page) << 24) ^ gen;
	__u64 v = s * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;

	return v ^ (v >> 29);
}

static void fill(struct worker *w, size_t page, __u32 gen)
{
	__u64 *p = (__u64 *)(w->base + page * psz);
	size_t i, n = psz / sizeof(*p);

	for (i = 0; i < n; i++)
		p[i] = pattern(w, page, gen, i);
	w->gen[page] = gen;
}

/* Words of @page that differ from what its generation says. */
static __u64 check(struct worker *w, size_t page)
{
	const __u64 *p = (__u64 *)(w->base + page * psz);
	size_t i, n = psz / sizeof(*p);
	__u32 gen = w->gen[page];
	__u64 bad = 0, want;

	for (i = 0; i < n; i++) {
		/* Each word read once, from memory (the page may move). */
		__u64 got = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

		want = gen ? pattern(w, page, gen, i) : 0;
		if (got != want) {
			if (!bad) {
				printf("# mismatch: proc %u page %zu gen %u",
				       w->proc, w->first_page + page, gen);
				printf(" word %zu: %#llx, want %#llx\n", i,
				       (unsigned long long)got,
				       (unsigned long long)want);
			}
			bad++;
		}
	}
	return bad;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	__u64 checks = 0, bad = 0, discards = 0;
	__u32 gen;
	size_t pg;

	for (pg = 0; pg < w->npages; pg++)
		fill(w, pg, 1);
	/*
	 * Rounds of a shrink and a grow. The shrink checks every page and
	 * discards one in --churn (the arena gets holes wherever the pages
	 * were); the grow checks that those read back as zeroes (a fault: a
	 * new page, taken wherever the allocator finds one) and writes them
	 * again. Used memory rising and falling is what gives compaction
	 * pages to move: discarding and refaulting one page at a time would
	 * get the same page back from the per-CPU list.
	 */
	while (!stop && !*halt) {
		for (pg = 0; pg < w->npages && !stop && !*halt; pg++) {
			bad += check(w, pg);
			checks++;
			if (splitmix(&w->rng) % churn == 0) {
				struct clab_range r = {
					.addr = (uintptr_t)(w->base + pg * psz),
					.len = psz,
				};

				if (ioctl(w->fd, CLAB_IOC_DISCARD, &r) == 0) {
					w->gen[pg] = 0;
					discards++;
					continue;
				}
			}
			/* Half of the others: the next generation. */
			if (splitmix(&w->rng) % 2) {
				gen = w->gen[pg] + 1;
				fill(w, pg, gen ? gen : 1);
			}
		}
		for (pg = 0; pg < w->npages; pg++) {
			if (w->gen[pg])
				continue;
			bad += check(w, pg);
			checks++;
			fill(w, pg, 1);
		}
	}
	/* A last full pass. */
	for (pg = 0; pg < w->npages; pg++, checks++)
		bad += check(w, pg);
	__atomic_add_fetch(&w->tot->checks, checks, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->tot->mismatches, bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->tot->discards, discards, __ATOMIC_RELAXED);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_mapper(unsigned int proc, struct totals *tot)
{
	size_t len = (size_t)mb << 20, npages = len / psz, per;
	struct worker *w;
	unsigned char *map;
	__u32 *gen;
	unsigned int t;
	int fd;

	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		perror(DEV);
		return 1;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	gen = calloc(npages, sizeof(*gen));
	w = calloc(nthreads, sizeof(*w));
	if (!gen || !w)
		return 1;
	per = npages / nthreads;
	signal(SIGALRM, on_alarm);
	alarm(seconds);
	for (t = 0; t < nthreads; t++) {
		w[t] = (struct worker){
			.proc = proc, .fd = fd, .tot = tot,
			.base = map + t * per * psz, .first_page = t * per,
			.npages = per, .gen = gen + t * per,
			.rng = seed ^ (proc * 1000003ULL + t),
		};
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(w[t].tid, NULL);
	munmap(map, len);
	close(fd);
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

static int run_compactor(struct totals *tot)
{
	struct clab_version ver;
	__u64 rng = seed ^ 0xc0ffee;
	int fd, step;

	fd = open(DEV, O_RDWR);
	if (fd < 0 || ioctl(fd, CLAB_IOC_GET_VERSION, &ver)) {
		perror(DEV);
		return 1;
	}
	signal(SIGALRM, on_alarm);
	alarm(seconds);
	while (!stop && !*halt) {
		step = splitmix(&rng) % 4;
		if (step == 0) {
			if (write_str(SYSFS "/compact_memory", "1") == 0)
				tot->compactions++;
		} else if (step == 1) {
			if (write_str(SYSFS "/node0/compact", "1") == 0)
				tot->compactions++;
		} else if (step == 2) {
			struct clab_compact cc = {
				.nid = 0,
				.order = splitmix(&rng) % 2 ? -1 : 9,
				.migratetype = CLAB_MT_MOVABLE,
			};

			cc.priority = cc.order < 0 ? CLAB_PRIO_SYNC_FULL :
						     CLAB_PRIO_SYNC_LIGHT;
			if (ioctl(fd, CLAB_IOC_COMPACT, &cc) == 0)
				tot->compactions++;
		} else if (ver.max_order >= 9) {
			/*
			 * A burst of order-9 allocations, held until the last
			 * one: the free blocks run out and the later ones go
			 * through direct compaction.
			 */
			__u64 h[ORDER9_BURST];
			unsigned int n, got = 0;

			for (n = 0; n < ORDER9_BURST; n++) {
				struct clab_alloc a = {
					.order = 9, .migratetype = CLAB_MT_MOVABLE,
					.count = 1, .handles = (uintptr_t)&h[got],
					.flags = CLAB_ALLOC_F_RECLAIM |
						 CLAB_ALLOC_F_RETRY_MAYFAIL |
						 CLAB_ALLOC_F_NOWARN,
				};

				if (ioctl(fd, CLAB_IOC_ALLOC, &a) == 0 &&
				    a.allocated) {
					tot->order9++;
					got++;
				} else {
					tot->order9_failed++;
				}
			}
			while (got) {
				struct clab_handle ch = { .handle = h[--got] };

				ioctl(fd, CLAB_IOC_FREE, &ch);
			}
		}
		usleep(splitmix(&rng) % 2000);
	}
	close(fd);
	return 0;
}

static int migrations(__u64 *out)
{
	struct clab_counters c;
	int fd = open(DEV, O_RDWR), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, CLAB_IOC_COUNTERS, &c);
	close(fd);
	if (ret || c.nr_events <= CLAB_EVENT_PGMIGRATE_SUCCESS)
		return -1;
	*out = c.events[CLAB_EVENT_PGMIGRATE_SUCCESS];
	return 0;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: stress-migrate [--procs P] [--threads T] [--mb MB] [--seconds S]\n"
		"                      [--migrations N] [--churn N] [--seed N]\n");
	exit(2);
}

static unsigned int elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - t0->tv_sec;
}

int main(int argc, char **argv)
{
	__u64 mig0 = 0, mig1 = 0;
	struct timespec t0;
	struct totals *tot, sum = { 0 };
	unsigned int p;
	int i, status, failed = 0;
	pid_t pid;

	seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			bad_usage();
		if (!strcmp(argv[i], "--procs"))
			nprocs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mb"))
			mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--migrations"))
			target = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--churn"))
			churn = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else
			bad_usage();
	}
	if (!nprocs || !nthreads || !mb || !seconds || !churn)
		bad_usage();
	psz = sysconf(_SC_PAGESIZE);
	if (((size_t)mb << 20) / psz < nthreads)
		bad_usage();
	if (access(DEV, R_OK | W_OK)) {
		printf("# %s: %s\n", DEV, strerror(errno));
		return 4;
	}
	printf("# stress-migrate: seed %#llx, %u procs x %u threads, %u MB each, ",
	       (unsigned long long)seed, nprocs, nthreads, mb);
	printf("at most %u s, until %llu migrations, churn 1/%u\n", seconds,
	       (unsigned long long)target, churn);
	fflush(stdout);
	/* The totals, one per child, then the halt word. */
	tot = mmap(NULL, (nprocs + 2) * sizeof(*tot), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tot == MAP_FAILED)
		return 1;
	memset(tot, 0, (nprocs + 2) * sizeof(*tot));
	halt = (atomic_int *)&tot[nprocs + 1];
	if (migrations(&mig0))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (p = 0; p <= nprocs; p++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(p < nprocs ? run_mapper(p, &tot[p]) :
					   run_compactor(&tot[p]));
	}
	/* Stop everyone at the target (the children's alarms bound the time). */
	while (target && !*halt) {
		usleep(200000);
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			/* Only a failure or the time limit ends a child. */
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				printf("# child %d failed (status %#x)\n", pid,
				       status);
				failed = 1;
			}
			*halt = 1;
		} else if (migrations(&mig1) == 0 && mig1 - mig0 >= target) {
			*halt = 1;
		}
	}
	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# child %d failed (status %#x)\n", pid, status);
			failed = 1;
		}
	migrations(&mig1);
	for (p = 0; p <= nprocs; p++) {
		sum.checks += tot[p].checks;
		sum.mismatches += tot[p].mismatches;
		sum.discards += tot[p].discards;
		sum.compactions += tot[p].compactions;
		sum.order9 += tot[p].order9;
		sum.order9_failed += tot[p].order9_failed;
	}
	printf("stress-migrate: %llu checks, %llu migrations, %llu mismatches, ",
	       (unsigned long long)sum.checks,
	       (unsigned long long)(mig1 - mig0),
	       (unsigned long long)sum.mismatches);
	printf("%llu compactions, %llu order-9 allocations (%llu failed), ",
	       (unsigned long long)sum.compactions,
	       (unsigned long long)sum.order9,
	       (unsigned long long)sum.order9_failed);
	printf("%llu discards, %u s\n", (unsigned long long)sum.discards,
	       elapsed(&t0));
	return failed || sum.mismatches ? 1 : 0;
}
