// SPDX-License-Identifier: GPL-2.0
/*
 * clab-privs: the permission and isolation checks of test-permissions.sh
 * that need system calls a shell cannot make.
 *
 *   clab-privs unpriv FILE...   become uid/gid 65534 (no capabilities),
 *                               then opening each FILE for writing (the
 *                               device: for reading and writing) must
 *                               fail with EACCES
 *   clab-privs noread FILE...   as uid/gid 65534, opening each FILE for
 *                               reading must fail with EACCES
 *   clab-privs canread FILE...  as uid/gid 65534, each FILE must open and
 *                               read (the control: 65534 is not refused
 *                               everything)
 *   clab-privs nocap            open /dev/compactlab as root, drop
 *                               CAP_SYS_ADMIN with capset(); the privileged
 *                               ioctls must fail with EPERM, GET_VERSION
 *                               and COUNTERS must work
 *   clab-privs setuid           the same after setresuid(65534) with the
 *                               file kept open
 *   clab-privs mmap             mmap with odd lengths and offsets: each
 *                               fails with a clean errno or maps pages whose
 *                               PFNs (CLAB_IOC_PFN_OF) all lie in the arena
 *                               (debugfs compactlab/arena)
 *
 * Prints one "PASS description" or "FAIL description" line per check, and
 * "# text" diagnostics. Exit status: 0 all passed, 1 a check failed, 2 a
 * usage or setup error.
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
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/compactlab.h>

#define DEV		"/dev/compactlab"
#define ARENA_FILE	"/sys/kernel/debug/compactlab/arena"
#define NOBODY		65534
#define PAGE		4096UL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int failed;

/* A result line, "PASS msg" or "FAIL msg"; any failure fails the run. */
static void report(int ok, const char *msg)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", msg);
	fflush(stdout);
	failed |= !ok;
}

/* report() with a printf() message, its format checked by the compiler. */
#define check(ok, ...) do {						\
	int __ok = (ok);						\
	char __msg[512];						\
									\
	snprintf(__msg, sizeof(__msg), __VA_ARGS__);			\
	report(__ok, __msg);						\
} while (0)

static void die(const char *what)
{
	fprintf(stderr, "clab-privs: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		die("dropping to uid 65534");
}

static int cmd_unpriv(int argc, char **argv)
{
	int i, fd;

	become_nobody();
	for (i = 0; i < argc; i++) {
		int dev = !strcmp(argv[i], DEV);

		fd = open(argv[i], dev ? O_RDWR : O_WRONLY);
		check(fd < 0 && errno == EACCES, "uid 65534: open(%s, %s): %s",
		      argv[i], dev ? "O_RDWR" : "O_WRONLY",
		      fd < 0 ? strerror(errno) : "succeeded");
		if (fd >= 0)
			close(fd);
	}
	return failed;
}

/* As uid 65534: read each file (@want_read) or be refused with EACCES. */
static int cmd_read(int argc, char **argv, int want_read)
{
	char buf[256];
	ssize_t n = -1;
	int i, fd, e;

	become_nobody();
	for (i = 0; i < argc; i++) {
		fd = open(argv[i], O_RDONLY);
		e = errno;
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf));
			e = errno;
			close(fd);
		}
		if (want_read)
			check(fd >= 0 && n >= 0, "uid 65534: can read %s%s%s",
			      argv[i], fd < 0 || n < 0 ? ": " : "",
			      fd < 0 || n < 0 ? strerror(e) : "");
		else
			check(fd < 0 && e == EACCES,
			      "uid 65534: open(%s, O_RDONLY): %s", argv[i],
			      fd < 0 ? strerror(e) : "succeeded");
	}
	return failed;
}

/* Clear CAP_SYS_ADMIN from the effective, permitted and inheritable sets. */
static void drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		die("capget");
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1U << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		die("capset");
}

/* Every CAP_SYS_ADMIN ioctl answers EPERM; the others still work. */
static int privileged_ioctls(int fd, const char *who)
{
	static const struct { unsigned long cmd; const char *name; } priv[] = {
		{ CLAB_IOC_ALLOC, "ALLOC" },
		{ CLAB_IOC_PFN_OF, "PFN_OF" },
		{ CLAB_IOC_COMPACT, "COMPACT" },
		{ CLAB_IOC_MARK, "MARK" },
		{ CLAB_IOC_HANDLE_PFN, "HANDLE_PFN" },
		{ CLAB_IOC_ALLOC_TIMED, "ALLOC_TIMED" },
		{ CLAB_IOC_MIGRATE, "MIGRATE" },
	};
	union {
		struct clab_version v;
		struct clab_counters c;
		char raw[sizeof(struct clab_counters)];
	} u;
	__u64 handle;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(priv); i++) {
		memset(&u, 0, sizeof(u));
		/* Valid-looking arguments: only the capability is missing. */
		if (priv[i].cmd == CLAB_IOC_ALLOC) {
			struct clab_alloc *a = (void *)u.raw;

			a->count = 1;
			a->handles = (unsigned long)&handle;
		}
		r = ioctl(fd, priv[i].cmd, u.raw);
		check(r == -1 && errno == EPERM, "%s: %s: %s", who,
		      priv[i].name, r ? strerror(errno) : "succeeded");
	}
	memset(&u, 0, sizeof(u));
	r = ioctl(fd, CLAB_IOC_GET_VERSION, &u.v);
	check(!r && u.v.abi_version == CLAB_ABI_VERSION,
	      "%s: GET_VERSION works (abi %u)", who, u.v.abi_version);
	r = ioctl(fd, CLAB_IOC_COUNTERS, &u.c);
	check(!r && u.c.arena_pages, "%s: COUNTERS works", who);
	return failed;
}

static int cmd_nocap(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		die("open " DEV);
	drop_cap_sys_admin();
	return privileged_ioctls(fd, "root without CAP_SYS_ADMIN");
}

static int cmd_setuid(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		die("open " DEV);
	become_nobody();
	return privileged_ioctls(fd, "uid 65534 with root's file");
}

/* The arena's PFN ranges, from debugfs. */
static struct { unsigned long lo, hi; } ranges[64];
static int nr_ranges;

static void read_arena(void)
{
	FILE *f = fopen(ARENA_FILE, "r");
	char line[256];

	if (!f)
		die("open " ARENA_FILE);
	while (fgets(line, sizeof(line), f) && nr_ranges < 64) {
		char *p = strstr(line, " pfn 0x");

		if (!strncmp(line, "range ", 6) && p &&
		    sscanf(p, " pfn 0x%lx-0x%lx", &ranges[nr_ranges].lo,
			   &ranges[nr_ranges].hi) == 2)
			nr_ranges++;
	}
	fclose(f);
	if (!nr_ranges) {
		errno = ENOENT;
		die("no range in " ARENA_FILE);
	}
}

static int pfn_in_arena(unsigned long pfn)
{
	int i;

	for (i = 0; i < nr_ranges; i++)
		if (pfn >= ranges[i].lo && pfn <= ranges[i].hi)
			return 1;
	return 0;
}

static sigjmp_buf on_bus;

static void sigbus(int sig)
{
	siglongjmp(on_bus, 1);
}

/* Write a byte at @addr, faulting its page in: 1, or 0 on a SIGBUS. */
static int touch(char *addr)
{
	if (sigsetjmp(on_bus, 1))
		return 0;
	*addr = 1;
	return 1;
}

/*
 * Touch up to @max pages of [p, p + len) spread over the range (first and
 * last included); then every page PFN_OF knows must be inside the arena.
 * Returns how many pages were outside; *touched and *sigbus say what
 * happened.
 */
static unsigned long touch_and_check(int fd, char *p, size_t len,
				     unsigned long max, unsigned long *touched,
				     int *bus)
{
	unsigned long pages = (len + PAGE - 1) / PAGE, step, i, bad = 0;
	unsigned long n = 0;

	step = pages > max ? pages / max : 1;
	*bus = 0;
	for (i = 0; i < pages; i += step) {
		if (!touch(p + i * PAGE) ||
		    (i + step >= pages && i != pages - 1 &&
		     !touch(p + (pages - 1) * PAGE))) {
			*bus = 1;	/* arena exhausted: a clean SIGBUS */
			break;
		}
		n++;
	}
	*touched = n;
	for (i = 0; i < pages; i += step) {
		struct clab_pfn_of q = { .addr = (unsigned long)p + i * PAGE };

		if (ioctl(fd, CLAB_IOC_PFN_OF, &q))
			continue;	/* ENOENT: never faulted in */
		if (!pfn_in_arena(q.pfn)) {
			printf("# page %lu of the mapping: pfn 0x%llx outside the arena\n",
			       i, (unsigned long long)q.pfn);
			bad++;
		}
	}
	return bad;
}

static int cmd_mmap(void)
{
	struct { size_t len; off_t off; const char *what; } maps[] = {
		{ 0, 0, "length 0" },
		{ PAGE, PAGE, "offset one page" },
		{ PAGE, 1, "unaligned offset" },
		{ PAGE, -(off_t)PAGE, "negative offset" },
		{ PAGE, (off_t)1 << 62, "huge offset" },
		{ 1, 0, "length 1 byte" },
		{ PAGE + 1, 0, "length one page + 1" },
		{ 0, 0, "length arena + 1 page" },	/* set below */
		{ (size_t)1 << 46, 0, "length 64 TiB" },
		{ SIZE_MAX & ~(PAGE - 1), 0, "length SIZE_MAX" },
	};
	struct sigaction sa = { .sa_handler = sigbus };
	struct clab_version v;
	unsigned int i;
	int fd;

	read_arena();
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		die("open " DEV);
	if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
		die("GET_VERSION");
	sigaction(SIGBUS, &sa, NULL);
	maps[7].len = (v.arena_pages + 1) * PAGE;
	printf("# arena: %llu pages in %d PFN ranges, first 0x%lx-0x%lx\n",
	       (unsigned long long)v.arena_pages, nr_ranges, ranges[0].lo,
	       ranges[0].hi);
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		unsigned long touched = 0, bad;
		int bus = 0;
		char *p;

		p = mmap(NULL, maps[i].len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, maps[i].off);
		if (p == MAP_FAILED) {
			int e = errno;

			check(e == EINVAL || e == ENOMEM || e == EOVERFLOW,
			      "mmap %s (len %zu, offset %lld): fails with %s",
			      maps[i].what, maps[i].len,
			      (long long)maps[i].off, strerror(e));
			continue;
		}
		bad = touch_and_check(fd, p, maps[i].len,
				      v.arena_pages + 16, &touched, &bus);
		check(!bad,
		      "mmap %s (len %zu, offset %lld): mapped; %lu pages touched%s, %lu outside the arena",
		      maps[i].what, maps[i].len, (long long)maps[i].off,
		      touched, bus ? " until SIGBUS" : "", bad);
		munmap(p, maps[i].len);
	}
	/* Growing a mapping past its file range must not reach other memory. */
	{
		char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0), *q;
		unsigned long touched, bad;
		int bus;

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		q = mremap(p, 4 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			check(errno == EINVAL || errno == ENOMEM || errno == EFAULT,
			      "mremap to grow a mapping: fails with %s",
			      strerror(errno));
			munmap(p, 4 * PAGE);
		} else {
			bad = touch_and_check(fd, q, 64 * PAGE, 64, &touched, &bus);
			check(!bad,
			      "mremap to grow a mapping: allowed; %lu pages touched, %lu outside the arena",
			      touched, bad);
			munmap(q, 64 * PAGE);
		}
	}
	close(fd);
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "unpriv"))
		return cmd_unpriv(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "noread"))
		return cmd_read(argc - 2, argv + 2, 0);
	if (argc >= 3 && !strcmp(argv[1], "canread"))
		return cmd_read(argc - 2, argv + 2, 1);
	if (argc == 2 && !strcmp(argv[1], "nocap"))
		return cmd_nocap();
	if (argc == 2 && !strcmp(argv[1], "setuid"))
		return cmd_setuid();
	if (argc == 2 && !strcmp(argv[1], "mmap"))
		return cmd_mmap();
	fprintf(stderr,
		"usage: clab-privs unpriv|noread|canread FILE... | nocap | setuid | mmap\n");
	return 2;
}
