// SPDX-License-Identifier: GPL-2.0
/*
 * clab-failnth: the kernel's fault injection, one allocation at a time,
 * through the per-task fail-nth counter (Documentation/fault-injection/
 * fault-injection.rst; CONFIG_FAULT_INJECTION with failslab and
 * fail_page_alloc, their knobs set by the caller). Writing N to
 * /proc/thread-self/fail-nth makes the N-th slab or page allocation of this
 * task from then on fail; reading it back says whether that happened.
 *
 *   clab-failnth load N KO [PARAMS]
 *	finit_module(KO, PARAMS) with its N-th point failing. Prints
 *	"nth N rc R errno E injected 0|1 points P" and exits 0 whatever the
 *	load did. "injected 0" means the load passed fewer than N points (P
 *	of them): every point has been tried. With N large, P counts the
 *	points of a load.
 *
 *   clab-failnth ops [-v] [NAME...]
 *	Each operation of /dev/compactlab and sysfs that a user runs (open,
 *	mmap, faults, fork of a process that maps the device, ALLOC, FREE,
 *	DISCARD, COMPACT under both policies, writes to compact_memory and
 *	policy) is run with its first point failing, then its second, and so
 *	on until it passes all of them. It
 *	must succeed or fail with ENOMEM, no fault may end in a signal, and a
 *	fragmented 4 MB mapping kept through it all must hold its pattern
 *	after every run. Prints one "op NAME: ..." line per operation and a
 *	last "clab-failnth ops: B bad" line; exits 1 when B > 0. NAMEs pick
 *	operations (quote "COMPACT min_moves"); -v reports every point on
 *	stderr.
 *
 *   clab-failnth hammer [SECONDS [IDLE_US]]
 *	A user at every interface, for the loads above and fail_init_step=N
 *	(no fail-nth needed): two processes open /dev/compactlab in a tight
 *	loop and, whenever the open succeeds, issues GET_VERSION, maps and
 *	touches a page, ALLOCs a block, now and then COMPACTs the node, and
 *	closes; one writes 1 to compact_memory and node0/compact; one reads
 *	every file under /sys/kernel/compactlab. Each keeps trying while the
 *	files are absent, so that a load that creates them and then fails
 *	meets a user inside its window (after 64 tries that found nothing,
 *	each yields the CPU, or sleeps IDLE_US microseconds, so that a long
 *	sweep is not slowed down much). Runs until SIGTERM (or SECONDS),
 *	then prints "hammer: opens O, ioctls I, mmaps M, faults F, writes W,
 *	reads R, tries T" (W and R: successful writes to and reads of the
 *	sysfs files; T: open attempts of all four).
 *
 *   clab-failnth write FILE VALUE UNDO
 *	Writes VALUE to FILE with its first point failing, then its second,
 *	and so on until a write passes all of them; after each write that
 *	succeeded, writes UNDO (not failing). Each write must succeed or fail
 *	with ENOMEM. Prints "write FILE: P points, R refused with ENOMEM, S
 *	succeeded, O other errors" and exits 1 when O > 0 or UNDO failed.
 *	For the live mirror: FILE /sys/kernel/compactlab/mirror, VALUE
 *	"on ...", UNDO "off".
 *
 * Exit 2: a usage or setup error, or no fail-nth.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <sched.h>
#include <unistd.h>
#include <linux/compactlab.h>

#define DEV		"/dev/compactlab"
#define SYSFS		"/sys/kernel/compactlab/"
#define KEEP_PAGES	1024	/* the long-lived mapping: 4 MB */
#define KEEP_STRIDE	4	/* of which one page in four stays */
#define MAX_POINTS	2000	/* an operation with more is reported */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int nth_fd = -1;
static long psz;

static void setup_error(const char *what)
{
	fprintf(stderr, "clab-failnth: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void open_fail_nth(void)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		setup_error("/proc/thread-self/fail-nth");
}

static int armed;
static unsigned long left_at_disarm;

/* Make the @n-th point from now fail (0: none). */
static void arm(unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		setup_error("writing fail-nth");
	armed = n > 0;
	left_at_disarm = n;
}

/*
 * Stop counting; returns what was left of the count then (0 once the fault
 * was injected). A second call returns the same, so that an operation may
 * disarm for a step it does not test, and re-arm with what is left.
 */
static unsigned long disarm(void)
{
	char buf[32];
	ssize_t len;
	int saved = errno;

	if (!armed)
		return left_at_disarm;
	len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0)
		setup_error("reading fail-nth");
	buf[len] = '\0';
	arm(0);
	left_at_disarm = strtoul(buf, NULL, 10);
	errno = saved;
	return left_at_disarm;
}

static int do_load(int argc, char **argv)
{
	unsigned long n, left;
	int ko, rc, err;
	char *end;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: clab-failnth load N KO [PARAMS]\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || *end || n == 0) {
		fprintf(stderr, "clab-failnth: N must be a positive integer: %s\n",
			argv[2]);
		return 2;
	}
	ko = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		setup_error(argv[3]);
	open_fail_nth();
	arm(n);
	rc = syscall(SYS_finit_module, ko, argc == 5 ? argv[4] : "", 0);
	err = rc ? errno : 0;
	left = disarm();
	printf("nth %lu rc %d errno %d injected %d points %lu\n", n, rc, err,
	       left == 0, n - left);
	return 0;
}

/* --- ops ------------------------------------------------------------------ */

static int dev_fd;		/* the long-lived file */
static char *keep;		/* its fragmented mapping */
static sigjmp_buf fault_jmp;
static atomic_int fault_sig;

static uint64_t pattern(unsigned long page, unsigned long word, unsigned int seed)
{
	return ((uint64_t)seed << 48) ^ ((uint64_t)page << 20) ^ word ^
	       0xfa11000000000000ULL;
}

static void fill(char *p, unsigned long pages, unsigned int seed)
{
	unsigned long i, w, words = psz / 8;

	for (i = 0; i < pages; i++)
		for (w = 0; w < words; w++)
			((uint64_t *)(p + i * psz))[w] = pattern(i, w, seed);
}

/* Mismatched words in every @stride-th of @pages pages. */
static unsigned long check(const char *p, unsigned long pages,
			   unsigned long stride, unsigned int seed)
{
	unsigned long i, w, words = psz / 8, bad = 0;

	for (i = 0; i < pages; i += stride)
		for (w = 0; w < words; w++)
			bad += ((const uint64_t *)(p + i * psz))[w] !=
			       pattern(i, w, seed);
	return bad;
}

/* A new shared mapping of @pages of the device, outside any sweep. */
static char *map_dev(unsigned long pages)
{
	char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       dev_fd, 0);

	if (p == MAP_FAILED)
		setup_error("mmap");
	return p;
}

static void on_fault_signal(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * One run of an operation: 0 when it succeeded, an errno when it failed
 * cleanly, or -1 with @why set when it did something wrong.
 */
typedef int (*op_fn)(const char **why);

static int op_open(const char **why)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_mmap(const char **why)
{
	unsigned long pages = 64;
	char *p;
	int ret = 0;

	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dev_fd, 0);
	if (p == MAP_FAILED)
		return errno;
	disarm();
	fill(p, pages, 1);
	if (check(p, pages, 1, 1)) {
		*why = "pages of a new mapping lost their data";
		ret = -1;
	}
	munmap(p, pages * psz);
	return ret;
}

/* Faults on a new mapping, each page written while a point may fail. */
static int op_faults(const char **why)
{
	unsigned long pages = 16, left;
	char *p;
	int ret = 0;

	left = disarm();
	p = map_dev(pages);
	fault_sig = 0;
	arm(left);
	if (sigsetjmp(fault_jmp, 1) == 0)
		fill(p, pages, 2);
	if (fault_sig) {
		disarm();
		*why = fault_sig == SIGBUS ? "a fault ended in SIGBUS" :
					     "a fault ended in SIGSEGV";
		munmap(p, pages * psz);
		return -1;
	}
	disarm();
	if (check(p, pages, 1, 2)) {
		*why = "faulted pages lost their data";
		ret = -1;
	}
	munmap(p, pages * psz);
	return ret;
}

/*
 * fork(): the device's mappings are VM_DONTCOPY, so the child has none of
 * them; a failed or successful fork must leave the parent's intact (the
 * caller checks the kept mapping after every run).
 */
static int op_fork(const char **why)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	disarm();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		*why = "the child of a fork did not exit cleanly";
		return -1;
	}
	return 0;
}

static int free_handles(const __u64 *handles, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct clab_handle h = { .handle = handles[i] };

		if (ioctl(dev_fd, CLAB_IOC_FREE, &h))
			return -1;
	}
	return 0;
}

static int op_alloc(const char **why)
{
	__u64 handles[4];
	struct clab_alloc a = {
		.order = 0, .migratetype = CLAB_MT_MOVABLE, .count = 4,
		.handles = (uintptr_t)handles,
	};
	unsigned long i;

	if (ioctl(dev_fd, CLAB_IOC_ALLOC, &a))
		return errno;
	disarm();
	for (i = 0; i < a.allocated; i++) {
		struct clab_verify v = { .handle = handles[i] };

		if (ioctl(dev_fd, CLAB_IOC_VERIFY, &v) || v.mismatches) {
			*why = "an allocated block does not hold its pattern";
			return -1;
		}
	}
	if (!a.allocated || free_handles(handles, a.allocated)) {
		*why = "ALLOC said success without a block, or FREE failed";
		return -1;
	}
	return 0;
}

static int op_free(const char **why)
{
	__u64 handle;
	struct clab_alloc a = {
		.order = 0, .migratetype = CLAB_MT_UNMOVABLE, .count = 1,
		.handles = (uintptr_t)&handle,
	};
	struct clab_handle h;
	unsigned long left;
	int err;

	left = disarm();
	if (ioctl(dev_fd, CLAB_IOC_ALLOC, &a))
		setup_error("ALLOC");
	arm(left);
	h.handle = handle;
	if (!ioctl(dev_fd, CLAB_IOC_FREE, &h))
		return 0;
	err = errno;
	disarm();
	if (ioctl(dev_fd, CLAB_IOC_FREE, &h)) {
		*why = "a FREE that failed left the block unfreeable";
		return -1;
	}
	return err;
}

static int op_discard(const char **why)
{
	unsigned long pages = 16, left;
	struct clab_range r;
	char *p;
	int err = 0;

	left = disarm();
	p = map_dev(pages);
	fill(p, pages, 3);
	arm(left);
	/* The second half goes; the first must stay as it was. */
	r.addr = (uintptr_t)(p + pages / 2 * psz);
	r.len = pages / 2 * psz;
	if (ioctl(dev_fd, CLAB_IOC_DISCARD, &r))
		err = errno;
	disarm();
	if (check(p, err ? pages : pages / 2, 1, 3)) {
		*why = "DISCARD lost data it was not asked to drop";
		err = -1;
	}
	munmap(p, pages * psz);
	return err;
}

static int write_sysfs(const char *file, const char *val)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = errno;
	close(fd);
	return err;
}

static int compact(int order, const char **why)
{
	struct clab_compact c = {
		.nid = 0, .order = order, .priority = CLAB_PRIO_SYNC_FULL,
		.migratetype = CLAB_MT_MOVABLE,
	};

	if (ioctl(dev_fd, CLAB_IOC_COMPACT, &c))
		return errno;
	return 0;
}

static int op_compact(const char **why)
{
	return compact(-1, why);
}

static int op_compact_min_moves(const char **why)
{
	unsigned long left = disarm();
	int err;

	if (write_sysfs(SYSFS "policy", "min_moves"))
		setup_error("policy min_moves");
	arm(left);
	err = compact(-1, why);
	disarm();
	if (write_sysfs(SYSFS "policy", "linux"))
		setup_error("policy linux");
	return err;
}

static int op_compact_memory(const char **why)
{
	return write_sysfs(SYSFS "compact_memory", "1");
}

static int op_policy(const char **why)
{
	char buf[64] = "";
	int err, fd;
	ssize_t len;

	err = write_sysfs(SYSFS "policy", "min_moves");
	disarm();
	fd = open(SYSFS "policy", O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (len <= 0)
		setup_error("reading policy");
	buf[len] = '\0';
	if (!err != !!strstr(buf, "[min_moves]")) {
		*why = "the policy read back disagrees with the write's result";
		err = -1;
	}
	if (write_sysfs(SYSFS "policy", "linux"))
		setup_error("policy linux");
	return err;
}

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
	{ "open", op_open },
	{ "mmap", op_mmap },
	{ "faults", op_faults },
	{ "fork", op_fork },
	{ "ALLOC", op_alloc },
	{ "FREE", op_free },
	{ "DISCARD", op_discard },
	{ "COMPACT", op_compact },
	{ "COMPACT min_moves", op_compact_min_moves },
	{ "compact_memory", op_compact_memory },
	{ "policy", op_policy },
};

static int do_ops(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault_signal };
	unsigned int i, total_bad = 0;
	bool verbose = false;
	int first = 2, k;

	if (argc > 2 && !strcmp(argv[2], "-v")) {
		verbose = true;
		first = 3;
	}
	for (k = first; k < argc; k++) {
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			if (!strcmp(argv[k], ops[i].name))
				break;
		if (i == ARRAY_SIZE(ops)) {
			fprintf(stderr, "clab-failnth: no operation %s\n",
				argv[k]);
			return 2;
		}
	}

	psz = sysconf(_SC_PAGESIZE);
	open_fail_nth();
	dev_fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		setup_error(DEV);
	keep = map_dev(KEEP_PAGES);
	fill(keep, KEEP_PAGES, 0);
	for (i = 0; i < KEEP_PAGES; i++) {
		struct clab_range r = { (uintptr_t)(keep + i * psz), psz };

		if (i % KEEP_STRIDE && ioctl(dev_fd, CLAB_IOC_DISCARD, &r))
			setup_error("DISCARD");
	}
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		unsigned long n, left = 0, ok = 0, refused = 0, other = 0;
		const char *why = NULL;
		char bad[256] = "";
		int ret = 0;

		for (k = first; k < argc; k++)
			if (!strcmp(argv[k], ops[i].name))
				break;
		if (first < argc && k == argc)
			continue;

		for (n = 1; !left && n <= MAX_POINTS; n++) {
			why = NULL;
			arm(n);
			ret = ops[i].fn(&why);
			left = disarm();
			if (verbose)
				fprintf(stderr, "op %s: point %lu: %s%s\n",
					ops[i].name, n,
					ret < 0 ? why : strerror(ret),
					left ? " (not reached)" : "");
			if (ret == 0)
				ok++;
			else if (ret == ENOMEM)
				refused++;
			else if (ret > 0)
				other++;
			if (ret > 0 && ret != ENOMEM && !*bad)
				snprintf(bad, sizeof(bad), "; point %lu: %s",
					 n, strerror(ret));
			if (ret < 0 && !*bad)
				snprintf(bad, sizeof(bad), "; point %lu: %s",
					 n, why);
			if (check(keep, KEEP_PAGES, KEEP_STRIDE, 0) && !*bad)
				snprintf(bad, sizeof(bad),
					 "; point %lu: the kept mapping lost data",
					 n);
		}
		if (left && ret && !*bad)
			snprintf(bad, sizeof(bad),
				 "; it fails with no point failed");
		if (!left && !*bad)
			snprintf(bad, sizeof(bad), "; more than %d points",
				 MAX_POINTS);
		ok -= left && !ret;
		printf("op %s: %lu points, %lu refused with ENOMEM, ",
		       ops[i].name, n - 2, refused);
		printf("%lu succeeded, %lu other errors%s\n", ok, other, bad);
		total_bad += !!*bad;
	}
	printf("clab-failnth ops: %u bad\n", total_bad);
	return total_bad ? 1 : 0;
}

/* --- hammer ------------------------------------------------------------------ */

struct hammer_stats {
	atomic_ulong opens, ioctls, mmaps, faults, writes, reads, tries;
};

static atomic_int hammer_stop;
static unsigned int hammer_idle_us;

/* After 64 tries that found nothing: yield, or sleep when asked to. */
static void hammer_idle(void)
{
	if (hammer_idle_us)
		usleep(hammer_idle_us);
	else
		sched_yield();
}

static void on_hammer_stop(int sig)
{
	(void)sig;
	hammer_stop = 1;
}

/*
 * Has the module finished its init? The hammer is after the loads that
 * fail: once a load succeeded it steps back (20 ms after each use, no
 * compaction), so that the sweep's rmmod finds no reference.
 */
static bool module_live(void)
{
	char buf[16] = "";
	int fd = open("/sys/module/compactlab/initstate", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return !strncmp(buf, "live", 4);
}

/* GET_VERSION, ALLOC, a mapping with two faults. */
static void hammer_use_dev(int fd, struct hammer_stats *st)
{
	struct clab_version ver;
	char *p;

	if (ioctl(fd, CLAB_IOC_GET_VERSION, &ver) == 0) {
		__u64 h;
		struct clab_alloc a = {
			.order = 0, .migratetype = CLAB_MT_MOVABLE,
			.count = 1, .handles = (uintptr_t)&h,
		};

		st->ioctls++;
		if (ioctl(fd, CLAB_IOC_ALLOC, &a) == 0)
			st->ioctls++;
	}
	p = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		st->mmaps++;
		if (sigsetjmp(fault_jmp, 1) == 0) {
			p[0] = 1;
			p[psz] = 2;
			st->faults++;
		}
		munmap(p, 2 * psz);
	}
}

/*
 * The device: whenever it is there, use it, then close it. A file opened
 * while init runs is kept past the end of the load, whatever it was, and
 * used again then.
 */
static void hammer_dev(struct hammer_stats *st)
{
	unsigned long n = 0;

	while (!hammer_stop) {
		int fd = open(DEV, O_RDWR | O_CLOEXEC);

		st->tries++;
		if (fd < 0) {
			if (!(++n % 64))
				hammer_idle();
			continue;
		}
		st->opens++;
		hammer_use_dev(fd, st);
		if (!module_live()) {
			usleep(100000);
			hammer_use_dev(fd, st);
		}
		if (module_live()) {
			close(fd);
			usleep(20000);
			continue;
		}
		if (!(st->opens % 8)) {
			struct clab_compact cc = {
				.order = -1, .priority = CLAB_PRIO_SYNC_FULL,
				.migratetype = CLAB_MT_MOVABLE,
			};

			if (ioctl(fd, CLAB_IOC_COMPACT, &cc) == 0)
				st->ioctls++;
		}
		close(fd);
	}
}

/* compact_memory and node0/compact: a compaction whenever they are there. */
static void hammer_write(struct hammer_stats *st)
{
	static const char *const files[] = {
		SYSFS "compact_memory", SYSFS "node0/compact",
	};
	unsigned long n = 0;

	while (!hammer_stop) {
		int fd = open(files[n % 2], O_WRONLY | O_CLOEXEC);

		st->tries++;
		if (fd < 0) {
			if (!(++n % 64))
				hammer_idle();
			continue;
		}
		n++;
		if (module_live()) {
			close(fd);
			usleep(20000);
			continue;
		}
		if (write(fd, "1", 1) == 1)
			st->writes++;
		close(fd);
	}
}

/* Read every file under @dir, recursively; false if @dir is absent. */
static bool hammer_read_tree(const char *dir, struct hammer_stats *st)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char buf[4096];

	if (!d)
		return false;
	while ((de = readdir(d)) && !hammer_stop) {
		char path[512];
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			hammer_read_tree(path, st);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) >= 0)
			st->reads++;
		close(fd);
	}
	closedir(d);
	return true;
}

static void hammer_read(struct hammer_stats *st)
{
	unsigned long n = 0;

	while (!hammer_stop) {
		st->tries++;
		if (!hammer_read_tree("/sys/kernel/compactlab", st)) {
			if (!(++n % 64))
				hammer_idle();
		} else if (module_live()) {
			usleep(20000);
		}
	}
}

static int do_hammer(int argc, char **argv)
{
	static void (*const fn[])(struct hammer_stats *) = {
		hammer_dev, hammer_dev, hammer_write, hammer_read,
	};
	struct sigaction sa = { .sa_handler = on_hammer_stop };
	struct sigaction sf = { .sa_handler = on_fault_signal };
	pid_t pids[ARRAY_SIZE(fn)];
	struct hammer_stats *st;
	unsigned int i;
	int status, bad = 0;

	if (argc > 4) {
		fprintf(stderr, "usage: clab-failnth hammer [SECONDS [IDLE_US]]\n");
		return 2;
	}
	if (argc == 4)
		hammer_idle_us = strtoul(argv[3], NULL, 0);
	psz = sysconf(_SC_PAGESIZE);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED)
		setup_error("mmap");
	memset(st, 0, sizeof(*st));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGBUS, &sf, NULL);
	for (i = 0; i < ARRAY_SIZE(fn); i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			setup_error("fork");
		if (pids[i] == 0) {
			fn[i](st);
			_exit(0);
		}
	}
	if (argc >= 3)
		alarm(strtoul(argv[2], NULL, 0));
	while (!hammer_stop)
		pause();
	for (i = 0; i < ARRAY_SIZE(fn); i++) {
		kill(pids[i], SIGTERM);
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# hammer child %u: status %#x\n", i, status);
			bad = 1;
		}
	}
	printf("hammer: opens %lu, ioctls %lu, mmaps %lu, faults %lu, ",
	       (unsigned long)st->opens, (unsigned long)st->ioctls,
	       (unsigned long)st->mmaps, (unsigned long)st->faults);
	printf("writes %lu, reads %lu, tries %lu\n",
	       (unsigned long)st->writes, (unsigned long)st->reads,
	       (unsigned long)st->tries);
	return bad;
}

/* --- write ------------------------------------------------------------------- */

static int do_write(int argc, char **argv)
{
	unsigned long n, left = 0, ok = 0, refused = 0, other = 0;
	const char *file, *val, *undo;
	int err = 0, undo_err = 0;

	if (argc != 5)
		return 2;
	file = argv[2];
	val = argv[3];
	undo = argv[4];
	open_fail_nth();
	for (n = 1; !left && n <= MAX_POINTS; n++) {
		arm(n);
		err = write_sysfs(file, val);
		left = disarm();
		if (!err) {
			ok++;
			if (write_sysfs(file, undo) && !undo_err) {
				undo_err = errno ? errno : EIO;
				fprintf(stderr, "point %lu: undo failed: %s\n",
					n, strerror(undo_err));
			}
		} else if (err == ENOMEM) {
			refused++;
		} else {
			if (!other)
				fprintf(stderr, "point %lu: %s\n", n,
					strerror(err));
			other++;
		}
	}
	printf("write %s: %lu points, %lu refused with ENOMEM, %lu succeeded, %lu other errors%s\n",
	       file, n - 2, refused, ok - (left && !err), other,
	       left ? "" : " (more than MAX_POINTS)");
	return other || undo_err || !left ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "load"))
		return do_load(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "ops"))
		return do_ops(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "hammer"))
		return do_hammer(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "write"))
		return do_write(argc, argv);
	fprintf(stderr, "usage: clab-failnth load N KO [PARAMS]\n"
		"       clab-failnth ops [-v] [NAME...]\n"
		"       clab-failnth hammer [SECONDS [IDLE_US]]\n"
		"       clab-failnth write FILE VALUE UNDO\n");
	return 2;
}
