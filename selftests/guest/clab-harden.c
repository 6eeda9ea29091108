// SPDX-License-Identifier: GPL-2.0
/*
 * clab-harden: helpers for test-hardening.sh.
 *
 *   clab-harden pattern-race SECONDS
 *	debugfs pattern_check against allocations racing it (below)
 *   clab-harden hold-writeback N
 *	allocate N movable order-0 blocks, free every other one, mark the
 *	rest under writeback for CLAB_MARK_MAX_DELAY_MS, print "ready", and
 *	hold them until SIGTERM: a sync compaction must then wait on them
 *   clab-harden orphan-writeback N DELAY_MS
 *	allocate N movable order-0 blocks, free every other one, mark the
 *	rest dirty; a child runs sync compaction of every node, which starts
 *	their writebacks (DELAY_MS each) and waits on them; kill it while it
 *	waits, free every block, and time how long the arena's free pages
 *	take to come back: the writebacks must complete on their own, though
 *	no compaction runs after them
 *
 * pattern-race: a child allocates kernel-held blocks (CLAB_IOC_ALLOC fills each with its
 * handle's pattern), verifies and frees them, again and again; the parent
 * writes a seed to /sys/kernel/debug/compactlab/pattern_check as fast as
 * it is accepted. pattern_check writes every arena page, so it must keep
 * every page from being allocated while it runs: a block allocated in
 * that window would be overwritten, and its VERIFY would find mismatches.
 *
 * It prints "checks N refused N allocs N verified N mismatches N".
 * orphan-writeback prints "pages back after N ms" or "N pages still
 * allocated after N ms".
 *
 * Exit status: 0 if no block lost its pattern and both sides made
 * progress (pattern-race), on SIGTERM (hold-writeback), or when every
 * page came back within 3 delays (orphan-writeback); 1 if not, 2 on a
 * setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/compactlab.h>

#define BATCH	64
#define PATTERN	"/sys/kernel/debug/compactlab/pattern_check"

/* What the child counts, shared with the parent (read after it exits). */
struct counts {
	long allocs, verified, mismatches;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void allocate_and_verify(struct counts *c, double end)
{
	__u64 handles[BATCH];
	int fd = open("/dev/compactlab", O_RDWR), i;

	if (fd < 0) {
		perror("clab-harden: /dev/compactlab");
		exit(2);
	}
	while (now() < end) {
		struct clab_alloc a = {
			.order = 0,
			.migratetype = CLAB_MT_MOVABLE,
			.count = BATCH,
			.handles = (unsigned long)handles,
			.flags = CLAB_ALLOC_F_NORETRY | CLAB_ALLOC_F_NOWARN,
		};

		if (ioctl(fd, CLAB_IOC_ALLOC, &a)) {
			if (errno != ENOMEM) {
				perror("clab-harden: ALLOC");
				exit(2);
			}
			continue;
		}
		c->allocs += a.allocated;
		/* Give a pattern write time to start over the blocks. */
		usleep(1000);
		for (i = 0; i < (int)a.allocated; i++) {
			struct clab_verify v = { .handle = handles[i] };
			struct clab_handle h = { .handle = handles[i] };

			if (ioctl(fd, CLAB_IOC_VERIFY, &v) == 0) {
				c->verified++;
				c->mismatches += v.mismatches != 0;
			}
			ioctl(fd, CLAB_IOC_FREE, &h);
		}
	}
	close(fd);
	exit(0);
}

static void on_term(int sig)
{
	_exit(0);
}

static int hold_writeback(long n)
{
	int fd = open("/dev/compactlab", O_RDWR);
	__u64 *handles = calloc(n, sizeof(*handles));
	struct clab_alloc a = {
		.order = 0,
		.migratetype = CLAB_MT_MOVABLE,
		.count = n,
		.flags = CLAB_ALLOC_F_NOWARN,
	};
	long i, marked = 0;

	if (fd < 0 || !handles) {
		perror("clab-harden: /dev/compactlab");
		return 2;
	}
	a.handles = (unsigned long)handles;
	if (ioctl(fd, CLAB_IOC_ALLOC, &a) || a.allocated != (__u64)n) {
		perror("clab-harden: ALLOC");
		return 2;
	}
	for (i = 0; i < n; i++) {
		struct clab_handle h = { .handle = handles[i] };
		struct clab_mark m = {
			.handle = handles[i],
			.flags = CLAB_MARK_WRITEBACK,
			.writeback_delay_ms = CLAB_MARK_MAX_DELAY_MS,
		};

		if (i % 2) {
			if (ioctl(fd, CLAB_IOC_FREE, &h))
				return 2;
		} else if (ioctl(fd, CLAB_IOC_MARK, &m) == 0) {
			marked++;
		}
	}
	signal(SIGTERM, on_term);
	printf("ready: %ld blocks under writeback for %d ms\n", marked,
	       CLAB_MARK_MAX_DELAY_MS);
	fflush(stdout);
	for (;;)
		pause();
}

/* The arena's free pages: the buddy lists and the per-CPU lists. */
static int free_pages_now(int fd, __u64 *free)
{
	struct clab_counters c;

	memset(&c, 0, sizeof(c));
	if (ioctl(fd, CLAB_IOC_COUNTERS, &c))
		return -1;
	*free = c.nr_free_pages + c.nr_free_pcp;
	return 0;
}

/* The child: sync compaction of every node, until killed or done. */
static void compact_every_node(int fd)
{
	struct clab_compact cc = { .order = -1, .priority = CLAB_PRIO_SYNC_FULL };

	for (cc.nid = 0; ioctl(fd, CLAB_IOC_COMPACT, &cc) == 0; cc.nid++)
		;
	_exit(0);
}

static int orphan_writeback(long n, long delay_ms)
{
	int fd = open("/dev/compactlab", O_RDWR), status;
	__u64 *handles = calloc(n, sizeof(*handles)), free0, free1 = 0;
	struct clab_alloc a = {
		.order = 0,
		.migratetype = CLAB_MT_MOVABLE,
		.count = n,
		.flags = CLAB_ALLOC_F_NOWARN,
	};
	struct clab_mark m = {
		.flags = CLAB_MARK_WRITEBACK,
		.writeback_delay_ms = delay_ms,
	};
	double t0, t;
	long i;
	pid_t pid;

	if (fd < 0 || !handles || n < 2) {
		perror("clab-harden: /dev/compactlab");
		return 2;
	}
	if (free_pages_now(fd, &free0))
		return 2;
	a.handles = (unsigned long)handles;
	if (ioctl(fd, CLAB_IOC_ALLOC, &a) || a.allocated != (__u64)n) {
		perror("clab-harden: ALLOC");
		return 2;
	}
	/* The writeback delay is global: set it with one mark, cleared. */
	m.handle = handles[0];
	if (ioctl(fd, CLAB_IOC_MARK, &m))
		return 2;
	m.flags = CLAB_MARK_CLEAR;
	m.writeback_delay_ms = 0;
	if (ioctl(fd, CLAB_IOC_MARK, &m))
		return 2;
	m.flags = CLAB_MARK_DIRTY;
	for (i = 0; i < n; i++) {
		struct clab_handle h = { .handle = handles[i] };

		m.handle = handles[i];
		if (i % 2 == 0 ? ioctl(fd, CLAB_IOC_FREE, &h) :
				 ioctl(fd, CLAB_IOC_MARK, &m))
			return 2;
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid)
		compact_every_node(fd);
	/* Into its wait on the writebacks it started, then killed there. */
	usleep(delay_ms * 1000 / 3);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	for (i = 1; i < n; i += 2) {
		struct clab_handle h = { .handle = handles[i] };

		if (ioctl(fd, CLAB_IOC_FREE, &h))
			return 2;
	}
	t0 = now();
	do {
		if (free_pages_now(fd, &free1))
			return 2;
		if (free1 >= free0)
			break;
		usleep(10000);
		t = now();
	} while (t - t0 < 3 * delay_ms / 1000.0);
	if (free1 >= free0) {
		printf("pages back after %.0f ms\n", (now() - t0) * 1000);
		return 0;
	}
	printf("%llu pages still allocated after %.0f ms\n",
	       (unsigned long long)(free0 - free1), (now() - t0) * 1000);
	return 1;
}

static int pattern_race(double seconds)
{
	double end = now() + seconds;
	long checks = 0, refused = 0, seed = 1;
	struct counts *c;
	int status;
	pid_t pid;

	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid)
		allocate_and_verify(c, end);
	while (now() < end) {
		char buf[32];
		int fd = open(PATTERN, O_WRONLY), n;

		if (fd < 0) {
			perror("clab-harden: " PATTERN);
			kill(pid, SIGKILL);
			return 2;
		}
		n = snprintf(buf, sizeof(buf), "%ld\n", seed++);
		if (write(fd, buf, n) == n)
			checks++;
		else if (errno == EBUSY)
			refused++;
		close(fd);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 2;
	printf("checks %ld refused %ld allocs %ld verified %ld mismatches %ld\n",
	       checks, refused, c->allocs, c->verified, c->mismatches);
	return c->mismatches || !checks || !c->verified;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "pattern-race"))
		return pattern_race(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "hold-writeback"))
		return hold_writeback(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "orphan-writeback"))
		return orphan_writeback(atol(argv[2]), atol(argv[3]));
	fprintf(stderr, "usage: clab-harden pattern-race SECONDS | hold-writeback N |\n"
		"                   orphan-writeback N DELAY_MS\n");
	return 2;
}
