// SPDX-License-Identifier: GPL-2.0
/*
 * clab-slowpath: drive the allocation slowpath, reclaim and the OOM killer
 * of /dev/compactlab for test-slowpath.sh and test-reclaim.sh.
 *
 *   clab-slowpath frag [--hold S] [--ready FILE]
 *	fill the whole arena with user pages (up to the first SIGBUS), then
 *	free pages 1-3 of every 4 (Gupta's pattern); hold S seconds (-1:
 *	until SIGTERM or SIGINT), then check the kept pages. Exit 1 on a
 *	mismatch.
 *   clab-slowpath alloc ORDER MT FLAGS [COUNT]
 *	COUNT (1) CLAB_IOC_ALLOC_TIMED calls; MT is unmovable, movable or
 *	reclaimable; FLAGS a comma list of reclaim, noretry, mayfail,
 *	atomic, nowarn, dma, dma32 (or 0). Prints "ok=N fail=N errno=E
 *	max_ns=N"; the blocks are checked, then freed on exit. Exit 0 even
 *	when they fail.
 *   clab-slowpath pins [--hold S] [--ready FILE]
 *	order-0 unmovable blocks until ENOMEM, then free every other one
 *   clab-slowpath fillrec N [--hold S] [--ready FILE] [--loop]
 *	N order-0 reclaimable blocks with RECLAIM|NOWARN; --loop frees and
 *	allocates them again until killed (a reclaim storm)
 *   clab-slowpath lru
 *	A, B, C reclaimable; B touched twice; then reclaimable blocks until
 *	C is dropped: prints when A and C went, whether B survived, and how
 *	long after C's drop was seen A's completed (0: before it)
 *   clab-slowpath oom MODE
 *	MODE 0: pin the arena (NOWARN), then two order-0 RECLAIM requests;
 *	prints their errnos. MODE 1: a child maps most of the arena, the
 *	parent pins the rest, then asks for one page with RECLAIM; prints
 *	how it went and how the child ended.
 *   clab-slowpath oompick MODE
 *	whom the OOM killer (oom_kill=1) picks. Holders map and fill parts
 *	of the arena, this process pins the rest and asks for one page with
 *	RECLAIM. MODE privs: this (root) process opens the file and pins on
 *	it; its child drops to uid 65534 and maps 7/8 through it. MODE
 *	orphan: a process opens, forks a child that maps 7/8 through its
 *	file, and exits. MODE adj: a holder of 1/2 with oom_score_adj -1000
 *	and a holder of 3/8. Prints "oompick: later=E h0=STATE h1=STATE"
 *	(STATE: alive, or signaled:SIG, or exited:CODE), holders in that
 *	order; every holder is gone on exit.
 * Exit status: 0, 1 on a content mismatch, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/compactlab.h>

static long psz;
static sigjmp_buf fault_jmp;
static atomic_int stop;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

static void on_stop(int sig)
{
	stop = 1;
}

static int open_dev(void)
{
	int fd = open("/dev/compactlab", O_RDWR);

	if (fd < 0)
		die("/dev/compactlab");
	return fd;
}

static unsigned long arena_pages(int fd)
{
	struct clab_version v;

	if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
		die("GET_VERSION");
	return v.arena_pages;
}

static __u64 pattern(unsigned long i, unsigned long w)
{
	return ((__u64)i << 32) ^ w ^ 0x51c0000000000000ULL;
}

/* Write the pattern into page @i of @map: 1, or 0 on a SIGBUS. */
static int fill_page(char *map, unsigned long i)
{
	unsigned long w, words = psz / 8;
	__u64 *p = (__u64 *)(map + i * psz);

	if (sigsetjmp(fault_jmp, 1))
		return 0;
	for (w = 0; w < words; w++)
		p[w] = pattern(i, w);
	return 1;
}

/* Write pages of @map until @npages or the first SIGBUS. */
static unsigned long fill(char *map, unsigned long npages)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	unsigned long i;

	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < npages; i++)
		if (!fill_page(map, i))
			break;
	signal(SIGBUS, SIG_DFL);
	return i;
}

static unsigned long verify(char *map, unsigned long npages,
			    unsigned long stride)
{
	unsigned long i, w, words = psz / 8, bad = 0;

	for (i = 0; i < npages; i += stride) {
		__u64 *p = (__u64 *)(map + i * psz);

		for (w = 0; w < words; w++)
			bad += p[w] != pattern(i, w);
	}
	return bad;
}

static void write_ready(const char *file)
{
	FILE *f;

	fflush(stdout);
	if (!file)
		return;
	f = fopen(file, "w");
	if (!f)
		die(file);
	fputs("ready\n", f);
	fclose(f);
}

static void hold(long secs)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (secs < 0) {
		while (!stop)
			pause();
	} else {
		unsigned int left = secs;

		while (left && !stop)
			left = sleep(left);
	}
}

static int mt_of(const char *s)
{
	if (!strcmp(s, "unmovable"))
		return CLAB_MT_UNMOVABLE;
	if (!strcmp(s, "movable"))
		return CLAB_MT_MOVABLE;
	if (!strcmp(s, "reclaimable"))
		return CLAB_MT_RECLAIMABLE;
	fprintf(stderr, "clab-slowpath: bad migratetype %s\n", s);
	exit(2);
}

static __u32 flags_of(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	__u32 f = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "reclaim"))
			f |= CLAB_ALLOC_F_RECLAIM;
		else if (!strcmp(tok, "noretry"))
			f |= CLAB_ALLOC_F_NORETRY;
		else if (!strcmp(tok, "mayfail"))
			f |= CLAB_ALLOC_F_RETRY_MAYFAIL;
		else if (!strcmp(tok, "atomic"))
			f |= CLAB_ALLOC_F_ATOMIC;
		else if (!strcmp(tok, "nowarn"))
			f |= CLAB_ALLOC_F_NOWARN;
		else if (!strcmp(tok, "dma"))
			f |= CLAB_ALLOC_F_DMA;
		else if (!strcmp(tok, "dma32"))
			f |= CLAB_ALLOC_F_DMA32;
		else if (strcmp(tok, "0"))
			fprintf(stderr, "clab-slowpath: bad flag %s\n", tok), exit(2);
	}
	free(copy);
	return f;
}

/* One timed allocation: its handle, 0 with errno set on failure. */
static __u64 alloc_timed(int fd, int order, int mt, __u32 flags,
			 unsigned long long *ns)
{
	struct clab_alloc_timed t = {
		.order = order, .migratetype = mt, .flags = flags,
	};

	if (ioctl(fd, CLAB_IOC_ALLOC_TIMED, &t)) {
		if (ns)
			*ns = t.latency_ns;
		return 0;
	}
	if (ns)
		*ns = t.latency_ns;
	return t.handle;
}

/* Up to @count blocks in one CLAB_IOC_ALLOC; the number allocated. */
static unsigned long alloc_many(int fd, int order, int mt, __u32 flags,
				unsigned long count, __u64 *handles)
{
	struct clab_alloc a = {
		.order = order, .migratetype = mt, .count = count,
		.handles = (uintptr_t)handles, .flags = flags,
	};

	if (ioctl(fd, CLAB_IOC_ALLOC, &a))
		return 0;
	return a.allocated;
}

static int free_handle(int fd, __u64 h)
{
	struct clab_handle ch = { .handle = h };

	return ioctl(fd, CLAB_IOC_FREE, &ch);
}

/* 0 intact, 1 mismatched, -errno (ENODATA: dropped). */
static int verify_handle(int fd, __u64 h)
{
	struct clab_verify v = { .handle = h };

	if (ioctl(fd, CLAB_IOC_VERIFY, &v))
		return -errno;
	return v.mismatches ? 1 : 0;
}

static int cmd_frag(int argc, char **argv)
{
	unsigned long npages, n, i, kept = 0;
	const char *rfile = NULL;
	long secs = 0;
	char *map;
	int fd, k;

	for (k = 0; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "--hold"))
			secs = atol(argv[k + 1]);
		else if (!strcmp(argv[k], "--ready"))
			rfile = argv[k + 1];
	}
	fd = open_dev();
	npages = arena_pages(fd);
	map = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	n = fill(map, npages);
	for (i = 0; i < n; i += 4) {
		unsigned long len = n - i - 1 < 3 ? n - i - 1 : 3;
		struct clab_range r = { (uintptr_t)(map + (i + 1) * psz),
					len * psz };

		kept++;
		if (len && ioctl(fd, CLAB_IOC_DISCARD, &r))
			die("DISCARD");
	}
	printf("frag: filled=%lu kept=%lu\n", n, kept);
	write_ready(rfile);
	hold(secs);
	i = verify(map, n, 4);
	printf("frag: verify mismatches=%lu\n", i);
	return i ? 1 : 0;
}

static int cmd_alloc(int argc, char **argv)
{
	unsigned long long ns, max_ns = 0;
	long count = 1, n, ok = 0, fail = 0, bad = 0;
	int fd, order, mt, err = 0;
	__u64 *handles;
	__u32 flags;

	if (argc < 3)
		return 2;
	order = atoi(argv[0]);
	mt = mt_of(argv[1]);
	flags = flags_of(argv[2]);
	if (argc > 3)
		count = atol(argv[3]);
	fd = open_dev();
	handles = calloc(count, sizeof(*handles));
	if (!handles)
		die("calloc");
	for (n = 0; n < count; n++) {
		handles[n] = alloc_timed(fd, order, mt, flags, &ns);
		if (handles[n]) {
			ok++;
		} else {
			fail++;
			err = errno;
		}
		if (ns > max_ns)
			max_ns = ns;
	}
	for (n = 0; n < count; n++)
		if (handles[n] && verify_handle(fd, handles[n]) == 1)
			bad++;
	printf("ok=%ld fail=%ld errno=%s max_ns=%llu bad=%ld\n", ok, fail,
	       err ? strerrorname_np(err) : "0", max_ns, bad);
	return bad ? 1 : 0;
}

static int cmd_pins(int argc, char **argv)
{
	unsigned long n, i, freed = 0;
	const char *rfile = NULL;
	__u64 *handles;
	long secs = -1;
	int fd, k;

	for (k = 0; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "--hold"))
			secs = atol(argv[k + 1]);
		else if (!strcmp(argv[k], "--ready"))
			rfile = argv[k + 1];
	}
	fd = open_dev();
	n = arena_pages(fd);
	handles = calloc(n, sizeof(*handles));
	if (!handles)
		die("calloc");
	n = alloc_many(fd, 0, CLAB_MT_UNMOVABLE, CLAB_ALLOC_F_NOWARN, n,
		       handles);
	for (i = 1; i < n; i += 2)
		freed += !free_handle(fd, handles[i]);
	printf("pins: allocated=%lu freed=%lu\n", n, freed);
	write_ready(rfile);
	hold(secs);
	return 0;
}

static int cmd_fillrec(int argc, char **argv)
{
	const __u32 f = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NOWARN;
	unsigned long want, n, i, rounds = 0;
	const char *rfile = NULL;
	int fd, k, loop = 0;
	__u64 *handles;
	long secs = 0;

	if (argc < 1)
		return 2;
	want = atol(argv[0]);
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--loop"))
			loop = 1;
		else if (k + 1 < argc && !strcmp(argv[k], "--hold"))
			secs = atol(argv[++k]);
		else if (k + 1 < argc && !strcmp(argv[k], "--ready"))
			rfile = argv[++k];
	}
	fd = open_dev();
	handles = calloc(want, sizeof(*handles));
	if (!handles)
		die("calloc");
	signal(SIGTERM, on_stop);
	do {
		n = alloc_many(fd, 0, CLAB_MT_RECLAIMABLE, f, want, handles);
		if (!rounds++) {
			printf("fillrec: allocated=%lu\n", n);
			write_ready(rfile);
		}
		if (loop)
			for (i = 0; i < n; i++)
				free_handle(fd, handles[i]);
	} while (loop && !stop);
	hold(secs);
	return 0;
}

static int cmd_lru(void)
{
	const __u32 f = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NOWARN;
	long n, limit, a_at = -1, c_at = -1;
	int fd, k, a_late = 0, b_state = 0;
	__u64 a, b, c, h;
	struct clab_handle t;

	fd = open_dev();
	limit = 4 * arena_pages(fd);
	a = alloc_timed(fd, 0, CLAB_MT_RECLAIMABLE, f, NULL);
	b = alloc_timed(fd, 0, CLAB_MT_RECLAIMABLE, f, NULL);
	c = alloc_timed(fd, 0, CLAB_MT_RECLAIMABLE, f, NULL);
	if (!a || !b || !c)
		die("ALLOC_TIMED");
	t.handle = b;
	if (ioctl(fd, CLAB_IOC_TOUCH, &t) || ioctl(fd, CLAB_IOC_TOUCH, &t))
		die("TOUCH");
	for (n = 1; n <= limit && c_at < 0; n++) {
		h = alloc_timed(fd, 0, CLAB_MT_RECLAIMABLE, f, NULL);
		if (!h)
			die("ALLOC_TIMED (filling)");
		if (a_at < 0 && verify_handle(fd, a) == -ENODATA)
			a_at = n;
		if (verify_handle(fd, c) == -ENODATA) {
			c_at = n;
			b_state = verify_handle(fd, b);
		}
	}
	/*
	 * kswapd and direct reclaim run at once: kswapd may have taken A off
	 * the LRU first and still be waiting for the file's lock to drop it
	 * when direct reclaim's drop of C is seen. A must then go within a
	 * second; one that stays was passed over.
	 */
	for (k = 0; a_at < 0 && c_at > 0 && k < 100; k++) {
		if (verify_handle(fd, a) == -ENODATA) {
			a_at = c_at;
			a_late = k + 1;
			break;
		}
		usleep(10000);
	}
	printf("lru: a_dropped_at=%ld c_dropped_at=%ld b_at_c=%s a_late_ms=%d\n",
	       a_at, c_at, b_state == 0 ? "intact" :
	       b_state == -ENODATA ? "dropped" : "bad", a_late * 10);
	return b_state == 1 ? 1 : 0;
}

static int cmd_oom(int mode)
{
	const __u32 rf = CLAB_ALLOC_F_RECLAIM;
	unsigned long n, free_now, child_pages;
	int fd, st, pfd[2], e1, e2;
	struct clab_counters cnt;
	__u64 *handles, h;
	char ch;
	pid_t pid = -1;

	if (mode == 1) {
		fd = open_dev();
		if (ioctl(fd, CLAB_IOC_COUNTERS, &cnt))
			die("COUNTERS");
		free_now = cnt.nr_free_pages + cnt.nr_free_pcp;
		close(fd);
		/* Most of the arena, but not so much that the child OOMs. */
		child_pages = free_now - free_now / 8;
		if (pipe(pfd))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			char *map;

			fd = open_dev();
			map = mmap(NULL, child_pages * psz,
				   PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (map == MAP_FAILED)
				die("child mmap");
			n = fill(map, child_pages);
			if (write(pfd[1], "r", 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		close(pfd[1]);
		if (read(pfd[0], &ch, 1) != 1) {
			fprintf(stderr, "clab-slowpath: child died early\n");
			return 2;
		}
		printf("child: pid=%d pages=%lu\n", pid, child_pages);
	}
	fd = open_dev();
	n = arena_pages(fd);
	handles = calloc(n, sizeof(*handles));
	if (!handles)
		die("calloc");
	/*
	 * Pin everything that is left. With oom_kill=1 the pins may reclaim
	 * and drain (so nothing is left over for the request below) but not
	 * kill: RETRY_MAYFAIL never calls the OOM killer, as in the kernel.
	 */
	n = alloc_many(fd, 0, CLAB_MT_UNMOVABLE, mode == 1 ?
		       CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_RETRY_MAYFAIL |
		       CLAB_ALLOC_F_NOWARN : CLAB_ALLOC_F_NOWARN, n, handles);
	if (mode == 0) {
		/*
		 * What reclaim's side effects (per-CPU drains, the highatomic
		 * reserve, kswapd dropping a watermark boost) set free,
		 * silently: until two requests in a row fail.
		 */
		for (st = 0; st < 2; usleep(100000))
			st = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE,
					 rf | CLAB_ALLOC_F_NOWARN, NULL) ? 0 : st + 1;
	}
	h = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE, rf, NULL);
	e1 = h ? 0 : errno;
	if (mode == 0) {
		h = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE, rf, NULL);
		e2 = h ? 0 : errno;
		printf("oom: pinned=%lu first=%s second=%s\n", n,
		       e1 ? strerrorname_np(e1) : "ok",
		       e2 ? strerrorname_np(e2) : "ok");
		return 0;
	}
	/* The kill frees the child's pages: a later request gets one. */
	for (st = 0; st < 50 && !h; st++) {
		usleep(100000);
		h = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE, rf, NULL);
	}
	e2 = h ? 0 : errno;
	/* Bounded: a child that was not killed is killed here, and says so. */
	for (st = 0; st < 50 && waitpid(pid, &st, WNOHANG) == 0; st++)
		usleep(100000);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		printf("oom: the child was not killed by the OOM path\n");
		return 1;
	}
	printf("oom: pinned=%lu first=%s later=%s child=%s sig=%d\n", n,
	       e1 ? strerrorname_np(e1) : "ok",
	       e2 ? strerrorname_np(e2) : "ok",
	       WIFSIGNALED(st) ? "signaled" : "exited",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}

/*
 * A holder: a child that maps @pages of @fd (or of a file of its own when
 * @fd < 0) and fills them, as uid 65534 when @drop, with @adj written to
 * its oom_score_adj when non-zero; it writes its pid to @ready, then waits.
 * It lets go of stdout, and its pid goes to /tmp/clab-oompick.pids, so
 * that a holder outliving a killed parent neither holds up nor escapes
 * the test.
 */
static pid_t spawn_holder(int fd, unsigned long pages, int adj, int drop,
			  int ready)
{
	pid_t pid = fork();
	char *map;
	FILE *f;

	if (pid)
		return pid;
	f = fopen("/tmp/clab-oompick.pids", "a");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		_exit(2);
	if (!freopen("/dev/null", "w", stdout))
		_exit(2);
	if (adj) {
		f = fopen("/proc/self/oom_score_adj", "w");
		if (!f || fprintf(f, "%d\n", adj) < 0 || fclose(f))
			_exit(2);
	}
	if (drop && (setgid(65534) || setuid(65534)))
		_exit(2);
	if (fd < 0)
		fd = open_dev();
	map = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED)
		_exit(2);
	fill(map, pages);
	pid = getpid();
	if (write(ready, &pid, sizeof(pid)) != sizeof(pid))
		_exit(2);
	for (;;)
		pause();
}

static pid_t read_pid(int rfd)
{
	pid_t pid;

	if (read(rfd, &pid, sizeof(pid)) != sizeof(pid)) {
		fprintf(stderr, "clab-slowpath: a holder died early\n");
		exit(2);
	}
	return pid;
}

static int holder_dead(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == pid;
}

static void holder_state(pid_t pid, char *buf, size_t len)
{
	int st;

	if (waitpid(pid, &st, WNOHANG) == 0) {
		snprintf(buf, len, "alive");
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	} else if (WIFSIGNALED(st)) {
		snprintf(buf, len, "signaled:%d", WTERMSIG(st));
	} else {
		snprintf(buf, len, "exited:%d", WEXITSTATUS(st));
	}
}

static int cmd_oompick(const char *mode)
{
	const __u32 rf = CLAB_ALLOC_F_RECLAIM;
	unsigned long n, free_now;
	pid_t holder[2] = { -1, -1 }, opener;
	char state[2][32] = { "none", "none" };
	struct clab_counters cnt;
	int fd, pfd[2], st, i, nr;
	__u64 *handles, h;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die("PR_SET_CHILD_SUBREAPER");
	fd = open_dev();
	if (ioctl(fd, CLAB_IOC_COUNTERS, &cnt))
		die("COUNTERS");
	free_now = cnt.nr_free_pages + cnt.nr_free_pcp;
	n = arena_pages(fd);
	if (pipe(pfd))
		die("pipe");
	if (!strcmp(mode, "privs")) {
		/* This process opened fd; the child maps through it. */
		holder[0] = spawn_holder(fd, free_now - free_now / 8, 0, 1,
					 pfd[1]);
		nr = 1;
	} else if (!strcmp(mode, "orphan")) {
		opener = fork();
		if (opener < 0)
			die("fork");
		if (!opener) {
			int ofd = open_dev(), cfd[2];

			if (pipe(cfd))
				_exit(2);
			spawn_holder(ofd, free_now - free_now / 8, 0, 0,
				     cfd[1]);
			holder[0] = read_pid(cfd[0]);
			if (write(pfd[1], &holder[0], sizeof(holder[0])) !=
			    sizeof(holder[0]))
				_exit(2);
			_exit(0);
		}
		waitpid(opener, &st, 0);
		nr = 1;
	} else if (!strcmp(mode, "adj")) {
		holder[0] = spawn_holder(-1, free_now / 2, -1000, 0, pfd[1]);
		read_pid(pfd[0]);
		holder[1] = spawn_holder(-1, free_now * 3 / 8, 0, 0, pfd[1]);
		nr = 2;
	} else {
		fprintf(stderr, "clab-slowpath: unknown oompick mode %s\n",
			mode);
		return 2;
	}
	holder[nr - 1] = read_pid(pfd[0]);
	printf("holders: %d %d free=%lu\n", holder[0], holder[1], free_now);

	/* Pin the rest without killing (RETRY_MAYFAIL), then ask. */
	handles = calloc(n, sizeof(*handles));
	if (!handles)
		die("calloc");
	alloc_many(fd, 0, CLAB_MT_UNMOVABLE, rf | CLAB_ALLOC_F_RETRY_MAYFAIL |
		   CLAB_ALLOC_F_NOWARN, n, handles);
	h = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE, rf, NULL);
	for (i = 0; i < 50 && !h; i++) {
		usleep(100000);
		h = alloc_timed(fd, 0, CLAB_MT_UNMOVABLE, rf | CLAB_ALLOC_F_NOWARN,
				NULL);
	}
	/*
	 * Give a kill time to land before looking: a victim with 7/8 of the
	 * arena takes seconds to exit on the debug kernel.
	 */
	for (i = 0; i < 300 && !holder_dead(holder[0]) &&
	     (nr < 2 || !holder_dead(holder[1])); i++)
		usleep(100000);
	for (i = 0; i < nr; i++)
		holder_state(holder[i], state[i], sizeof(state[i]));
	printf("oompick: later=%s h0=%s h1=%s\n", h ? "ok" : "ENOMEM",
	       state[0], state[1]);
	return 0;
}

int main(int argc, char **argv)
{
	psz = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "frag"))
		return cmd_frag(argc - 2, argv + 2);
	if (!strcmp(argv[1], "alloc"))
		return cmd_alloc(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pins"))
		return cmd_pins(argc - 2, argv + 2);
	if (!strcmp(argv[1], "fillrec"))
		return cmd_fillrec(argc - 2, argv + 2);
	if (!strcmp(argv[1], "lru"))
		return cmd_lru();
	if (!strcmp(argv[1], "oom") && argc > 2)
		return cmd_oom(atoi(argv[2]));
	if (!strcmp(argv[1], "oompick") && argc > 2)
		return cmd_oompick(argv[2]);
usage:
	fprintf(stderr, "usage: see the comment at the top of clab-slowpath.c\n");
	return 2;
}
