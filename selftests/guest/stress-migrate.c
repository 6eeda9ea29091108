// SPDX-License-Identifier: GPL-2.0
/*
 * stress-migrate: user data must survive compaction moving it underneath.
 *
 * --procs P processes each map --mb MB of /dev/compactlab and run --threads
 * T threads over disjoint slices of the mapping. A thread fills its pages
 * with a pattern derived from (seed, process, page, generation), then loops:
 * pick a page, check every word against the page's current generation,
 * write the next generation; now and then discard a page (it must read back
 * as zeroes) to keep the arena fragmented. Meanwhile one compactor process
 * cycles through the module's compaction entry points: compact_memory,
 * node<N>/compact, CLAB_IOC_COMPACT (full and order 9 sync-light), and
 * order-9 CLAB_IOC_ALLOC with RECLAIM (direct compaction).
 *
 * Prints the seed first (to replay a run), then one line:
 *   stress-migrate: <checks> checks, <migrations> migrations, <mismatches>
 *   mismatches, <compactions> compactions, <order9> order-9 allocations
 * Exit: 0 no mismatch, 1 mismatches or a setup failure, 4 skip (no device).
 * Run as root with the module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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

/* Per-process totals, kept in a shared mapping for the parent to sum. */
struct totals {
	uint64_t checks;
	uint64_t mismatches;
	uint64_t discards;
	uint64_t compactions;
	uint64_t order9;
	uint64_t order9_failed;
};

static long psz;
static unsigned int nprocs = 2, nthreads = 2, mb = 8, seconds = 20;
static uint64_t seed;
static volatile int stop;

struct worker {
	pthread_t tid;
	unsigned int proc;
	int fd;
	unsigned char *base;	/* first page of this thread's slice */
	size_t first_page;	/* index of that page in the mapping */
	size_t npages;
	uint32_t *gen;		/* per page; 0: discarded (reads as zero) */
	uint64_t rng;
	struct totals *tot;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The word @i of a page at generation @gen: unique per page and version. */
static uint64_t pattern(const struct worker *w, size_t page, uint32_t gen,
			size_t i)
{
	uint64_t s = seed ^ ((uint64_t)w->proc << 56) ^
		     ((uint64_t)(w->first_page + page) << 24) ^ gen;
	uint64_t v = s * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;

	return v ^ (v >> 29);
}

static void fill(struct worker *w, size_t page, uint32_t gen)
{
	uint64_t *p = (uint64_t *)(w->base + page * psz);
	size_t i, n = psz / sizeof(*p);

	for (i = 0; i < n; i++)
		p[i] = pattern(w, page, gen, i);
	w->gen[page] = gen;
}

/* Words of @page that differ from what its generation says. */
static uint64_t check(struct worker *w, size_t page)
{
	const volatile uint64_t *p = (uint64_t *)(w->base + page * psz);
	size_t i, n = psz / sizeof(*p);
	uint32_t gen = w->gen[page];
	uint64_t bad = 0, want;

	for (i = 0; i < n; i++) {
		want = gen ? pattern(w, page, gen, i) : 0;
		if (p[i] != want) {
			if (!bad)
				printf("# mismatch: proc %u page %zu gen %u word %zu: %#llx, want %#llx\n",
				       w->proc, w->first_page + page, gen, i,
				       (unsigned long long)p[i],
				       (unsigned long long)want);
			bad++;
		}
	}
	return bad;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t checks = 0, bad = 0, discards = 0;
	uint32_t gen;
	size_t pg;

	for (pg = 0; pg < w->npages; pg++)
		fill(w, pg, 1);
	while (!stop) {
		pg = splitmix(&w->rng) % w->npages;
		bad += check(w, pg);
		checks++;
		if (splitmix(&w->rng) % 16 == 0) {
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
		/*
		 * The next generation (0 is "discarded"); a write faults a
		 * discarded page back in.
		 */
		gen = w->gen[pg] + 1;
		fill(w, pg, gen ? gen : 1);
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
	uint32_t *gen;
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
	uint64_t rng = seed ^ 0xc0ffee;
	int fd, step;

	fd = open(DEV, O_RDWR);
	if (fd < 0 || ioctl(fd, CLAB_IOC_GET_VERSION, &ver)) {
		perror(DEV);
		return 1;
	}
	signal(SIGALRM, on_alarm);
	alarm(seconds);
	while (!stop) {
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
			uint64_t h = 0;
			struct clab_alloc a = {
				.order = 9, .migratetype = CLAB_MT_MOVABLE,
				.count = 1, .handles = (uintptr_t)&h,
				.flags = CLAB_ALLOC_F_RECLAIM |
					 CLAB_ALLOC_F_RETRY_MAYFAIL |
					 CLAB_ALLOC_F_NOWARN,
			};

			if (ioctl(fd, CLAB_IOC_ALLOC, &a) == 0 && a.allocated) {
				struct clab_handle ch = { .handle = h };

				tot->order9++;
				ioctl(fd, CLAB_IOC_FREE, &ch);
			} else {
				tot->order9_failed++;
			}
		}
		usleep(splitmix(&rng) % 20000);
	}
	close(fd);
	return 0;
}

static int migrations(uint64_t *out)
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

static void usage(void)
{
	fprintf(stderr,
		"usage: stress-migrate [--procs P] [--threads T] [--mb MB] [--seconds S] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t mig0 = 0, mig1 = 0;
	struct totals *tot, sum = { 0 };
	unsigned int p;
	int i, status, failed = 0;
	pid_t pid;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--procs"))
			nprocs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--mb"))
			mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (!nprocs || !nthreads || !mb || !seconds)
		usage();
	psz = sysconf(_SC_PAGESIZE);
	if (((size_t)mb << 20) / psz < nthreads)
		usage();
	if (access(DEV, R_OK | W_OK)) {
		printf("# %s: %s\n", DEV, strerror(errno));
		return 4;
	}
	printf("# stress-migrate: seed %#llx, %u procs x %u threads, %u MB each, %u s\n",
	       (unsigned long long)seed, nprocs, nthreads, mb, seconds);
	fflush(stdout);
	tot = mmap(NULL, (nprocs + 1) * sizeof(*tot), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tot == MAP_FAILED)
		return 1;
	memset(tot, 0, (nprocs + 1) * sizeof(*tot));
	if (migrations(&mig0))
		return 1;
	for (p = 0; p <= nprocs; p++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(p < nprocs ? run_mapper(p, &tot[p]) :
					   run_compactor(&tot[p]));
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
	printf("stress-migrate: %llu checks, %llu migrations, %llu mismatches, %llu compactions, %llu order-9 allocations (%llu failed), %llu discards\n",
	       (unsigned long long)sum.checks,
	       (unsigned long long)(mig1 - mig0),
	       (unsigned long long)sum.mismatches,
	       (unsigned long long)sum.compactions,
	       (unsigned long long)sum.order9,
	       (unsigned long long)sum.order9_failed,
	       (unsigned long long)sum.discards);
	return failed || sum.mismatches ? 1 : 0;
}
