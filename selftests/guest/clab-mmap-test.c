// SPDX-License-Identifier: GPL-2.0
/*
 * clab-mmap-test: the /dev/compactlab ABI from user space, as TAP.
 *
 * Mapping on fault, write and read back, PFN_OF, DISCARD, a partial munmap
 * in the middle of a mapping, fork (the child has no mapping), MAP_PRIVATE
 * and mremap refused (also among 300 vmas of one file, whose closes query
 * the file's i_mmap tree), kernel-held blocks (ALLOC, VERIFY, FREE), every
 * ioctl refusal with its errno (EPERM after dropping CAP_SYS_ADMIN with
 * capset), arena exhaustion (ENOMEM, SIGBUS on fault), and that closing or
 * exiting gives every page back. Page accounting uses CLAB_IOC_COUNTERS:
 * free = nr_free_pages + nr_free_pcp. Run as root with the module loaded.
 *
 * CLAB_IOC_MIGRATE: every page of a range moves (PFN_OF changes) with its
 * data, and each refusal has its errno. "clab-mmap-test migrate-rate N R"
 * instead maps N pages and migrates them R times, printing the rate of
 * each round (in-kernel time_ns, and wall time with the re-touch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/compactlab.h>

#define DEV "/dev/compactlab"

static int tap_n, tap_failed;
static long psz;
static int cfd;			/* a file used only for COUNTERS */
static struct clab_version ver;

static void tap(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Free arena pages: buddy lists plus per-CPU lists. */
static long long free_pages(void)
{
	struct clab_counters c;

	if (ioctl(cfd, CLAB_IOC_COUNTERS, &c))
		return -1;
	return (long long)(c.nr_free_pages + c.nr_free_pcp);
}

/* ioctl expected to fail with @err. */
static int fails_with(int fd, unsigned long cmd, void *arg, int err)
{
	int ret = ioctl(fd, cmd, arg);

	if (ret == 0 || errno != err) {
		diag("ioctl 0x%lx: ret %d errno %d (%s), want %s", cmd, ret,
		     ret ? errno : 0, strerror(ret ? errno : 0), strerror(err));
		return 0;
	}
	return 1;
}

static char *map(int fd, size_t pages)
{
	char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fill(char *page, int tag)
{
	memset(page, tag, psz);
}

static int holds(const char *page, int tag)
{
	long i;

	for (i = 0; i < psz; i++)
		if ((unsigned char)page[i] != (unsigned char)tag)
			return 0;
	return 1;
}

static int pfn_of(int fd, void *addr, struct clab_pfn_of *p)
{
	memset(p, 0, sizeof(*p));
	p->addr = (uintptr_t)addr;
	return ioctl(fd, CLAB_IOC_PFN_OF, p);
}

/* Run @fn in a child; return its wait status. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int child_touch(void *addr)
{
	__atomic_store_n((char *)addr, 1, __ATOMIC_RELAXED);
	return 0;
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d);
}

static int child_eperm(void *arg)
{
	int fd = *(int *)arg;
	__u64 handles[1];
	struct clab_alloc a = {
		.order = 0, .migratetype = CLAB_MT_UNMOVABLE, .count = 1,
		.handles = (uintptr_t)handles,
	};
	struct clab_pfn_of p = { 0 };
	struct clab_migrate m = { 0 };
	struct clab_version v;

	if (drop_sys_admin())
		return 10;
	if (!fails_with(fd, CLAB_IOC_ALLOC, &a, EPERM))
		return 11;
	if (!fails_with(fd, CLAB_IOC_PFN_OF, &p, EPERM))
		return 12;
	if (ioctl(fd, CLAB_IOC_GET_VERSION, &v))
		return 13;
	if (!fails_with(fd, CLAB_IOC_MIGRATE, &m, EPERM))
		return 14;
	return 0;
}

/* A process that maps, touches, holds kernel blocks, and just exits. */
static int child_leaves_everything(void *arg)
{
	int fd = open(DEV, O_RDWR);
	__u64 handles[8];
	struct clab_alloc a = {
		.order = 1, .migratetype = CLAB_MT_MOVABLE, .count = 8,
		.handles = (uintptr_t)handles,
	};
	char *p;
	int i;

	if (fd < 0)
		return 1;
	p = map(fd, 64);
	if (!p)
		return 2;
	for (i = 0; i < 64; i++)
		p[i * psz] = 1;
	if (ioctl(fd, CLAB_IOC_ALLOC, &a) || a.allocated != 8)
		return 3;
	return 0;
}

static int child_sigbus(void *arg)
{
	int fd = open(DEV, O_RDWR);
	char *p;

	if (fd < 0)
		return 1;
	p = map(fd, 1);
	if (!p)
		return 2;
	/* The arena is exhausted: SIGBUS. */
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	return 0;
}

static void test_mapping(int fd)
{
	const int n = 16;
	struct clab_pfn_of pf[16], q;
	long long f0, f1, f2, f3;
	int i, j, good;
	char *p, *u;

	f0 = free_pages();
	p = map(fd, n);
	tap(!!p, "mmap MAP_SHARED of %d pages", n);
	if (!p)
		exit(1);
	tap(free_pages() == f0, "mmap alone allocates nothing");
	tap(pfn_of(fd, p, &q) < 0 && errno == ENOENT,
	    "PFN_OF of a page never touched: ENOENT");

	for (i = 0; i < n; i++)
		fill(p + i * psz, 0x40 + i);
	for (i = 0, good = 1; i < n; i++)
		good &= holds(p + i * psz, 0x40 + i);
	tap(good, "write %d pages and read them back", n);
	f1 = free_pages();
	tap(f0 - f1 == n, "faults took exactly %d pages (took %lld)", n, f0 - f1);

	for (i = 0, good = 1; i < n; i++) {
		good &= pfn_of(fd, p + i * psz, &pf[i]) == 0;
		good &= pf[i].index < ver.arena_pages;
		for (j = 0; j < i; j++)
			good &= pf[j].pfn != pf[i].pfn;
	}
	tap(good, "PFN_OF: %d distinct arena pages (first pfn 0x%llx index %llu)",
	    n, (unsigned long long)pf[0].pfn, (unsigned long long)pf[0].index);

	/* DISCARD page 3: freed, and a new touch reads zeroes. */
	{
		struct clab_range r = { (uintptr_t)(p + 3 * psz), psz };

		tap(ioctl(fd, CLAB_IOC_DISCARD, &r) == 0 &&
		    free_pages() == f1 + 1, "DISCARD frees exactly one page");
		tap(pfn_of(fd, p + 3 * psz, &q) < 0 && errno == ENOENT,
		    "PFN_OF after DISCARD: ENOENT");
		tap(holds(p + 3 * psz, 0) && holds(p + 2 * psz, 0x42) &&
		    holds(p + 4 * psz, 0x44),
		    "discarded page refaults zeroed, neighbours intact");
		tap(free_pages() == f1, "the refault took one page");
	}

	/* Partial munmap of page 8. */
	tap(munmap(p + 8 * psz, psz) == 0, "munmap one page in the middle");
	f2 = free_pages();
	tap(f2 == f1 + 1, "partial munmap freed exactly one page (freed %lld)",
	    f2 - f1);
	tap(holds(p + 7 * psz, 0x47) && holds(p + 9 * psz, 0x49) &&
	    holds(p, 0x40) && holds(p + 15 * psz, 0x4f),
	    "pages around the hole keep their data");
	tap(pfn_of(fd, p + 9 * psz, &q) == 0 && q.pfn == pf[9].pfn,
	    "the page after the hole is still the same arena page");

	/* fork: VM_DONTCOPY, the child has no mapping. */
	{
		int st = in_child(child_touch, p);

		tap(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		    "fork: the child's touch of the mapping gets SIGSEGV");
		tap(holds(p + 10 * psz, 0x4a) && free_pages() == f2,
		    "fork: the parent's mapping and page count unchanged");
	}

	/*
	 * mremap is refused and the mapping survives. The kernel refuses
	 * after copying the vma and unmaps the copy: its close must not
	 * free the pages the original still maps.
	 */
	f3 = free_pages();
	u = mmap(NULL, 2 * psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tap(u != MAP_FAILED &&
	    mremap(p + 10 * psz, psz, psz, MREMAP_MAYMOVE | MREMAP_FIXED, u) ==
	    MAP_FAILED && errno == EINVAL && holds(p + 10 * psz, 0x4a),
	    "mremap to a new address refused with EINVAL");
	tap(pfn_of(fd, p + 10 * psz, &q) == 0 && free_pages() == f3,
	    "the refused move freed nothing: PFN_OF still finds the page");
	tap(mremap(p, 7 * psz, 8 * psz, 0) == MAP_FAILED,
	    "mremap growing in place refused");
	if (u != MAP_FAILED)
		munmap(u, 2 * psz);

	munmap(p, 8 * psz);
	munmap(p + 9 * psz, 7 * psz);
	tap(free_pages() == f0, "munmap of the rest gives every page back");
}

#define MANY_VMAS	300

/*
 * Many vmas of one file: a close asks the file's i_mmap interval tree
 * whether another vma (a transient copy) maps its offsets. Refused moves
 * of vmas all over the tree free nothing; each munmap frees its own page.
 */
static void test_many_vmas(int fd)
{
	long long f = free_pages();
	char *v[MANY_VMAS], *u;
	int i, n, ok;

	for (n = 0; n < MANY_VMAS; n++) {
		v[n] = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    0);
		if (v[n] == MAP_FAILED)
			break;
		fill(v[n], n & 0x7f);
	}
	tap(n == MANY_VMAS && free_pages() == f - n,
	    "%d one-page mappings of one file, %lld pages taken", n,
	    f - free_pages());
	u = mmap(NULL, psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = u != MAP_FAILED;
	for (i = 0; ok && i < n; i += 37)
		ok = mremap(v[i], psz, psz, MREMAP_MAYMOVE | MREMAP_FIXED, u) ==
		     MAP_FAILED && errno == EINVAL;
	if (u != MAP_FAILED)
		munmap(u, psz);
	for (i = 0; ok && i < n; i++)
		ok = holds(v[i], i & 0x7f);
	tap(ok && free_pages() == f - n,
	    "refused moves of every 37th vma free nothing, every page intact");
	for (i = 1; i < n; i += 2)
		munmap(v[i], psz);
	for (ok = 1, i = 0; ok && i < n; i += 2)
		ok = holds(v[i], i & 0x7f);
	tap(ok && free_pages() == f - (n + 1) / 2,
	    "munmap of every other vma frees exactly its pages, the rest intact");
	for (i = 0; i < n; i += 2)
		munmap(v[i], psz);
	tap(free_pages() == f, "munmap of the rest gives every page back");
}

#define RACE_PAGES	256
#define RACE_THREADS	4

struct racer {
	pthread_t tid;
	char *map;
	int start;
	long sum;
};

/* Read-fault every page of the mapping, starting at a different page. */
static void *race_faults(void *arg)
{
	struct racer *r = arg;
	int i;

	for (i = 0; i < RACE_PAGES; i++)
		r->sum += __atomic_load_n(r->map + ((r->start + i) % RACE_PAGES) * psz,
					  __ATOMIC_RELAXED);
	return NULL;
}

/* Threads fault the same pages at once: one page per offset, none lost. */
static void test_concurrent_faults(int fd)
{
	struct racer r[RACE_THREADS];
	long long f0 = free_pages();
	int i, good = 1;
	char *p = map(fd, RACE_PAGES);

	if (!p)
		exit(1);
	for (i = 0; i < RACE_THREADS; i++) {
		r[i] = (struct racer){ .map = p, .start = i * 7 };
		good &= pthread_create(&r[i].tid, NULL, race_faults, &r[i]) == 0;
	}
	for (i = 0; i < RACE_THREADS; i++)
		good &= pthread_join(r[i].tid, NULL) == 0 && r[i].sum == 0;
	tap(good && f0 - free_pages() == RACE_PAGES,
	    "%d threads faulting the same %d pages take exactly %d pages",
	    RACE_THREADS, RACE_PAGES, RACE_PAGES);
	munmap(p, RACE_PAGES * psz);
	tap(free_pages() == f0, "and munmap gives them back");
}

static void test_refusals(int fd)
{
	struct clab_pfn_of q;
	char *p, *priv;
	int stackvar = 0;

	priv = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	tap(priv == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE refused: EINVAL");
	priv = mmap(NULL, psz, PROT_READ, MAP_PRIVATE, fd, 0);
	tap(priv == MAP_FAILED && errno == EINVAL,
	    "read-only MAP_PRIVATE refused: EINVAL");
	priv = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, psz);
	tap(priv == MAP_FAILED && errno == EINVAL, "offset != 0 refused: EINVAL");

	p = map(fd, 4);
	if (!p)
		exit(1);
	p[0] = 1;
	{
		struct clab_range r;

		r = (struct clab_range){ (uintptr_t)p + 1, psz };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD misaligned address: EINVAL");
		r = (struct clab_range){ (uintptr_t)p, psz / 2 };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD misaligned length: EINVAL");
		r = (struct clab_range){ (uintptr_t)p, 0 };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD zero length: EINVAL");
		r = (struct clab_range){ (uintptr_t)p, 5 * psz };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD past the mapping: EINVAL");
		r = (struct clab_range){ (uintptr_t)&stackvar & ~(psz - 1), psz };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD outside any mapping of the file: EINVAL");
		r = (struct clab_range){ ~0ULL & ~(psz - 1), psz };
		tap(fails_with(fd, CLAB_IOC_DISCARD, &r, EINVAL),
		    "DISCARD at the top of the address space: EINVAL");
	}
	q = (struct clab_pfn_of){ .addr = (uintptr_t)&stackvar & ~(psz - 1) };
	tap(fails_with(fd, CLAB_IOC_PFN_OF, &q, EINVAL),
	    "PFN_OF of an address outside the file: EINVAL");
	q = (struct clab_pfn_of){ .addr = (uintptr_t)p + 8 };
	tap(fails_with(fd, CLAB_IOC_PFN_OF, &q, EINVAL),
	    "PFN_OF of a misaligned address: EINVAL");
	munmap(p, 4 * psz);

	{
		__u64 h[4];
		struct clab_alloc a, good = {
			.order = 0, .migratetype = CLAB_MT_MOVABLE, .count = 1,
			.handles = (uintptr_t)h,
		};
		struct clab_handle fr = { 12345 };
		struct clab_verify v = { 12345 };

		a = good;
		a.order = ver.max_order + 1;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC order > max_order: EINVAL");
		a = good;
		a.migratetype = 3;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC migratetype 3: EINVAL");
		a = good;
		a.count = 0;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC count 0: EINVAL");
		a = good;
		a.count = ver.arena_pages + 1;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC count > arena pages: EINVAL");
		a = good;
		a.flags = 1u << 31;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC unknown flag: EINVAL");
		a = good;
		a.pad = 1;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EINVAL),
		    "ALLOC pad != 0: EINVAL");
		tap(fails_with(fd, CLAB_IOC_FREE, &fr, EINVAL),
		    "FREE unknown handle: EINVAL");
		fr.handle = 0;
		tap(fails_with(fd, CLAB_IOC_FREE, &fr, EINVAL),
		    "FREE handle 0: EINVAL");
		tap(fails_with(fd, CLAB_IOC_VERIFY, &v, EINVAL),
		    "VERIFY unknown handle: EINVAL");

		tap(fails_with(fd, CLAB_IOC_ALLOC, (void *)8, EFAULT) &&
		    fails_with(fd, CLAB_IOC_COUNTERS, (void *)8, EFAULT) &&
		    fails_with(fd, CLAB_IOC_GET_VERSION, NULL, EFAULT) &&
		    fails_with(fd, CLAB_IOC_DISCARD, (void *)8, EFAULT),
		    "bad struct pointers: EFAULT");
		long long f0 = free_pages();

		a = good;
		a.handles = 8;
		tap(fails_with(fd, CLAB_IOC_ALLOC, &a, EFAULT) &&
		    free_pages() == f0,
		    "ALLOC with a bad handle array: EFAULT, nothing kept");
		tap(fails_with(fd, _IO(CLAB_IOC_MAGIC, 0x1f), NULL, ENOTTY) &&
		    fails_with(fd, _IOR(CLAB_IOC_MAGIC, 0x00, __u64), h,
			       ENOTTY) &&
		    fails_with(fd, _IO('x', 1), NULL, ENOTTY),
		    "unknown ioctls (and a wrong size): ENOTTY");
	}
	{
		int st = in_child(child_eperm, &fd);

		tap(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "without CAP_SYS_ADMIN: ALLOC, PFN_OF and MIGRATE EPERM, GET_VERSION works (status %d)",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

static void test_kpages(int fd)
{
	static const char * const names[] = { "unmovable", "movable", "reclaimable" };
	long long f0 = free_pages();
	__u64 h[3][4];
	int mt, i, good = 1;

	for (mt = 0; mt < 3; mt++) {
		struct clab_alloc a = {
			.order = 2, .migratetype = mt, .count = 4,
			.handles = (uintptr_t)h[mt],
		};
		int ret = ioctl(fd, CLAB_IOC_ALLOC, &a);

		tap(ret == 0 && a.allocated == 4,
		    "ALLOC 4 %s order-2 blocks: handles %llu..%llu", names[mt],
		    (unsigned long long)h[mt][0], (unsigned long long)h[mt][3]);
	}
	tap(f0 - free_pages() == 48, "they took 48 pages");
	for (mt = 0; mt < 3; mt++)
		for (i = 0; i < 4; i++) {
			struct clab_verify v = { h[mt][i], ~0ULL };

			good &= ioctl(fd, CLAB_IOC_VERIFY, &v) == 0 &&
				v.mismatches == 0;
		}
	tap(good, "VERIFY: every block holds its pattern");
	for (mt = 0, good = 1; mt < 3; mt++) {
		struct clab_handle fr = { h[mt][0] };

		good &= ioctl(fd, CLAB_IOC_FREE, &fr) == 0;
		good &= fails_with(fd, CLAB_IOC_FREE, &fr, EINVAL);
	}
	tap(good && f0 - free_pages() == 36,
	    "FREE by handle gives the block back; a second FREE: EINVAL");
}

static unsigned long long event(int i)
{
	struct clab_counters c;

	return ioctl(cfd, CLAB_IOC_COUNTERS, &c) ? 0 : c.events[i];
}

static int migrate_range(int fd, void *addr, size_t len, struct clab_migrate *m)
{
	memset(m, 0, sizeof(*m));
	m->addr = (uintptr_t)addr;
	m->len = len;
	return ioctl(fd, CLAB_IOC_MIGRATE, m);
}

/*
 * CLAB_IOC_MIGRATE: 64 pages written with a pattern each move to other
 * arena pages with their data; pages never touched are skipped; every
 * refusal has its errno (a range not mapped by this file: EINVAL).
 */
static void test_migrate(int fd)
{
	const int n = 64;
	unsigned long long success0;
	struct clab_pfn_of pf[64], q;
	struct clab_migrate m;
	int i, good, moved, st;
	long long f0, f1;
	char *p, *u;

	f0 = free_pages();
	p = map(fd, n);
	if (!p)
		exit(1);
	for (i = 0, good = 1; i < n; i++) {
		fill(p + i * psz, 0x80 + i);
		good &= pfn_of(fd, p + i * psz, &pf[i]) == 0;
	}
	tap(good, "MIGRATE: %d pages mapped, written, PFN_OF each", n);
	f1 = free_pages();
	success0 = event(CLAB_EVENT_PGMIGRATE_SUCCESS);
	st = migrate_range(fd, p, n * psz, &m);
	tap(st == 0 && m.migrated == n && m.failed == 0 && m.time_ns > 0,
	    "MIGRATE of %d pages: migrated %llu, failed %llu, %llu ns", n,
	    (unsigned long long)m.migrated, (unsigned long long)m.failed,
	    (unsigned long long)m.time_ns);
	tap(st == 0 && m.copy_ns > 0 && m.copy_ns <= m.time_ns,
	    "MIGRATE copy time %llu ns within the call's %llu ns",
	    (unsigned long long)m.copy_ns, (unsigned long long)m.time_ns);
	for (i = 0, moved = 0, good = 1; i < n; i++) {
		good &= pfn_of(fd, p + i * psz, &q) == 0 &&
			q.index < ver.arena_pages;
		moved += q.pfn != pf[i].pfn;
	}
	tap(good && moved == n, "every page's pfn changed (%d of %d)", moved, n);
	for (i = 0, good = 1; i < n; i++)
		good &= holds(p + i * psz, 0x80 + i);
	tap(good, "every page kept its pattern");
	tap(free_pages() == f1, "the moves took no page and lost none");
	success0 = event(CLAB_EVENT_PGMIGRATE_SUCCESS) - success0;
	tap(success0 >= (unsigned long long)n,
	    "pgmigrate_success rose by at least %d (%llu)", n, success0);

	/* Pages never touched are skipped. */
	tap(munmap(p, n * psz) == 0 && free_pages() == f0,
	    "munmap gives the moved pages back");
	p = map(fd, 8);
	if (!p)
		exit(1);
	for (i = 0; i < 8; i += 2)
		fill(p + i * psz, 0x20 + i);
	st = migrate_range(fd, p, 8 * psz, &m);
	tap(st == 0 && m.migrated == 4 && m.failed == 0,
	    "MIGRATE of 8 pages with 4 touched: migrated %llu",
	    (unsigned long long)m.migrated);
	for (i = 0, good = 1; i < 8; i++)
		good &= holds(p + i * psz, i % 2 ? 0 : 0x20 + i);
	tap(good, "touched pages keep their data, untouched read zeroes");

	/* Refusals. */
	migrate_range(fd, p, psz, &m);
	m.flags = 1;
	good = fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	m.flags = 0;
	m.pad = 1;
	good &= fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	tap(good, "MIGRATE with flags or pad set: EINVAL");
	migrate_range(fd, p + 1, psz, &m);
	good = fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	migrate_range(fd, p, psz / 2, &m);
	good &= fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	migrate_range(fd, p, 0, &m);
	good &= fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	tap(good, "MIGRATE of an unaligned or empty range: EINVAL");
	migrate_range(fd, p, 9 * psz, &m);
	good = fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	u = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	migrate_range(fd, u, psz, &m);
	good &= u != MAP_FAILED && fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	munmap(u, psz);
	munmap(p, 8 * psz);
	migrate_range(fd, p, psz, &m);
	good &= fails_with(fd, CLAB_IOC_MIGRATE, &m, EINVAL);
	tap(good, "MIGRATE past a mapping's end, of another mapping, of an unmapped range: EINVAL");
	tap(fails_with(fd, CLAB_IOC_MIGRATE, (void *)8, EFAULT),
	    "MIGRATE with a bad struct pointer: EFAULT");
	tap(free_pages() == f0, "free pages back to %lld", f0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * migrate-rate N R: map N pages, write them, then R rounds of one MIGRATE
 * of the whole range followed by a re-touch (read) of every page, which
 * faults the new pages in. Prints one line per round and exits 1 when a
 * round did not move every page or a page lost its data.
 */
static int migrate_rate(long n, int rounds)
{
	int fd = open(DEV, O_RDWR), r, bad = 0;
	unsigned long sum, want = 0;
	struct clab_migrate m;
	double t0, wall;
	char *p;
	long i;

	if (fd < 0 || n <= 0 || rounds <= 0)
		return 2;
	p = map(fd, n);
	if (!p)
		return 2;
	for (i = 0; i < n; i++) {
		memset(p + i * psz, (int)(i & 0xff), psz);
		want += i & 0xff;
	}
	for (r = 0; r < rounds; r++) {
		t0 = now_s();
		if (migrate_range(fd, p, n * psz, &m))
			return 2;
		/* The re-touch: each read faults the new page in. */
		for (i = 0, sum = 0; i < n; i++)
			sum += (unsigned char)p[i * psz];
		wall = now_s() - t0;
		bad |= m.migrated != (unsigned long long)n || sum != want;
		printf("round %d: pages %ld migrated %llu failed %llu time_ns %llu copy_ns %llu ",
		       r + 1, n, (unsigned long long)m.migrated,
		       (unsigned long long)m.failed,
		       (unsigned long long)m.time_ns,
		       (unsigned long long)m.copy_ns);
		printf("kernel_pages_per_s %.0f wall_with_retouch_pages_per_s %.0f\n",
		       m.migrated * 1e9 / (m.time_ns ? m.time_ns : 1),
		       m.migrated / wall);
	}
	for (i = 0; i < n; i++)
		bad |= p[i * psz] != (char)(i & 0xff) ||
		       p[i * psz + psz - 1] != (char)(i & 0xff);
	printf("data %s\n", bad ? "BAD" : "intact");
	return bad;
}

/* Write a sysfs tunable; returns its old value, or -1. */
static long set_tunable(const char *name, long val)
{
	char path[128], buf[32];
	long old = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/compactlab/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			old = atol(buf);
		fclose(f);
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", val);
		fclose(f);
	}
	return old;
}

/*
 * Exhaust the arena with unmovable blocks, then a fault gets SIGBUS. The
 * watermark boost is off meanwhile: each fallback of the pins would raise
 * it, and kswapd dropping it later would hand the fault the headroom.
 */
static void test_exhaustion(void)
{
	long boost = set_tunable("watermark_boost_factor", 0);
	long long f0 = free_pages();
	__u64 *h = calloc(ver.arena_pages, sizeof(*h));
	/*
	 * RECLAIM: like the fault, the pins may block and drain the per-CPU
	 * lists, so that they take every page the fault could.
	 */
	struct clab_alloc a = {
		.order = 0, .migratetype = CLAB_MT_UNMOVABLE,
		.count = ver.arena_pages, .handles = (uintptr_t)h,
		.flags = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NOWARN,
	};
	int fd = open(DEV, O_RDWR);
	int ret, st;

	ret = ioctl(fd, CLAB_IOC_ALLOC, &a);
	tap(ret == 0 && a.allocated > 0 && a.allocated < ver.arena_pages,
	    "ALLOC of arena_pages blocks fills what it can: %llu of %llu",
	    (unsigned long long)a.allocated, (unsigned long long)a.count);
	a.count = 1;
	tap(fails_with(fd, CLAB_IOC_ALLOC, &a, ENOMEM),
	    "ALLOC once exhausted: ENOMEM");
	st = in_child(child_sigbus, NULL);
	tap(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS,
	    "a fault once exhausted gets SIGBUS");
	close(fd);
	tap(free_pages() == f0, "close gives all %llu blocks back",
	    (unsigned long long)a.allocated);
	free(h);
	if (boost >= 0)
		set_tunable("watermark_boost_factor", boost);
}

int main(int argc, char **argv)
{
	long long f0;
	int fd, st;

	psz = sysconf(_SC_PAGESIZE);
	if (argc == 4 && !strcmp(argv[1], "migrate-rate")) {
		cfd = open(DEV, O_RDWR);
		return migrate_rate(atol(argv[2]), atoi(argv[3]));
	}
	printf("TAP version 13\n");
	cfd = open(DEV, O_RDWR);
	fd = open(DEV, O_RDWR);
	if (cfd < 0 || fd < 0) {
		printf("1..0 # SKIP cannot open %s: %s\n", DEV, strerror(errno));
		return 4;
	}
	st = ioctl(fd, CLAB_IOC_GET_VERSION, &ver);
	tap(st == 0 && ver.abi_version == CLAB_ABI_VERSION &&
	    ver.page_size == psz,
	    "GET_VERSION: abi %u, max_order %u, %llu arena pages, pageblock %u pages",
	    ver.abi_version, ver.max_order, (unsigned long long)ver.arena_pages,
	    ver.pageblock_pages);
	f0 = free_pages();
	diag("free pages at start: %lld", f0);
	tap(f0 > 0 && f0 <= (long long)ver.arena_pages,
	    "COUNTERS: %lld free of %llu", f0,
	    (unsigned long long)ver.arena_pages);

	test_mapping(fd);
	test_many_vmas(fd);
	test_concurrent_faults(fd);
	test_refusals(fd);
	test_kpages(fd);
	test_migrate(fd);
	close(fd);
	tap(free_pages() == f0, "close frees every kernel block left");

	st = in_child(child_leaves_everything, NULL);
	tap(WIFEXITED(st) && WEXITSTATUS(st) == 0 && free_pages() == f0,
	    "a process that exits with pages mapped and blocks held gives all back");
	test_exhaustion();
	tap(free_pages() == f0, "free pages back to %lld at the end", f0);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
