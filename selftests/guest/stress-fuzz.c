// SPDX-License-Identifier: GPL-2.0
/*
 * stress-fuzz: random use of every compactlab interface, to shake out
 * crashes, leaks and lock-order reports (run it on the debug kernel).
 *
 * Each step picks one of: an ioctl (a known number with a random or
 * half-valid struct, a bad user pointer, or an unknown number), an odd mmap
 * (non-zero offset, MAP_PRIVATE, PROT_EXEC, huge length, then touching,
 * mprotect, mremap, partial munmap, DISCARD of random ranges), a write of a
 * random value to a sysfs file under /sys/kernel/compactlab, a read of a
 * debugfs file under /sys/kernel/debug/compactlab, or closing and
 * reopening the device. The sysfs files are restored to their first values
 * at the end. Errors from the module are expected; only a crash of this
 * program or a kernel report (seen by the host's console scan) is a
 * failure. The seed is printed first: --seed N replays a run.
 *
 * Exit: 0 after --steps steps or --seconds, 1 setup failure, 4 skip.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include <linux/compactlab.h>

#define DEV	"/dev/compactlab"
#define SYSFS	"/sys/kernel/compactlab"
#define DEBUGFS	"/sys/kernel/debug/compactlab"
#define MAX_FILES	64
#define MAX_MAPS	16
#define MAX_HANDLES	256
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static __u64 rng;
static long psz;
static int fd = -1;
static sigjmp_buf fault_jmp;
static atomic_int faults;

static struct { void *addr; size_t len; } maps[MAX_MAPS];
static __u64 handles[MAX_HANDLES];
static unsigned int nhandles;

static char *sysfs_files[MAX_FILES], *sysfs_saved[MAX_FILES];
static unsigned int nsysfs;
static char *debugfs_files[MAX_FILES];
static unsigned int ndebugfs;

static unsigned long stats[8];
enum {
	S_IOCTL, S_IOCTL_OK, S_MMAP, S_MMAP_OK, S_SYSFS, S_SYSFS_OK, S_READ,
	S_REOPEN
};

static __u64 rnd(void)
{
	__u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 below(__u64 n)
{
	return n ? rnd() % n : 0;
}

/* A value that is often at an edge: 0, 1, -1, a power of two, or random. */
static __u64 edgy(void)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ULL;
	case 3: return 1ULL << below(64);
	case 4: return below(16);
	default: return rnd();
	}
}

/*
 * A user pointer that is certainly bad. Not edgy(): 1 << 22 or 1 << 23 lie
 * inside this static binary's own image and heap, where the kernel would
 * rightly write ioctl results over our globals.
 */
static void *bad_ptr(void)
{
	static const __u64 bad[] = {
		0, 1, 8, 4095, ~0ULL, 0xffff888000000000ULL, 0x8000000000000000ULL,
	};

	return (void *)(uintptr_t)bad[below(ARRAY_SIZE(bad))];
}

/* Set while touch() has a jump target: a fault anywhere else is a bug. */
static atomic_int in_touch;
static atomic_int cur_op;

/* Appends @v in hex to @p; async-signal-safe. */
static char *put_hex(char *p, unsigned long v)
{
	char d[16];
	int i = 0;

	do {
		d[i++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (i)
		*p++ = d[--i];
	return p;
}

/*
 * On the alternate stack (main()), so that a fault outside touch() is
 * reported with its address even if it was the stack that got lost.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "stress-fuzz: signal ";
	char buf[96], *p = buf;

	(void)uc;
	if (!in_touch) {
		memcpy(p, msg, sizeof(msg) - 1);
		p += sizeof(msg) - 1;
		*p++ = (char)('0' + sig / 10);
		*p++ = (char)('0' + sig % 10);
		memcpy(p, " at ", 4);
		p = put_hex(p + 4, (unsigned long)si->si_addr);
		memcpy(p, " outside touch(), op ", 21);
		p += 21;
		*p++ = (char)('0' + cur_op % 10);
		*p++ = '\n';
		(void)!write(2, buf, p - buf);
		_exit(3);
	}
	faults++;
	siglongjmp(fault_jmp, 1);
}

/* Triggers: written, never restored. */
static int is_trigger(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "compact_memory") || !strcmp(base, "compact");
}

/*
 * oom_kill=1 would let the module SIGKILL this process, the biggest arena
 * user; the fuzzer leaves it alone.
 */
static int is_excluded(const char *path)
{
	return !!strstr(path, "/oom_kill");
}

static void collect(const char *dir, char **files, unsigned int *n)
{
	struct dirent *de;
	char path[512];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && *n < MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			collect(path, files, n);
		else if (!is_excluded(path))
			files[(*n)++] = strdup(path);
	}
	closedir(d);
}

static char *read_file(const char *path)
{
	static char buf[65536];
	ssize_t len;
	int f = open(path, O_RDONLY);

	if (f < 0)
		return NULL;
	len = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (len < 0)
		return NULL;
	buf[len] = 0;
	return buf;
}

static int write_file(const char *path, const char *s, size_t len)
{
	int f = open(path, O_WRONLY), ret;

	if (f < 0)
		return -1;
	ret = write(f, s, len) < 0 ? -1 : 0;
	close(f);
	return ret;
}

static void reopen(void)
{
	if (fd >= 0)
		close(fd);
	fd = open(DEV, O_RDWR);
	nhandles = 0;	/* closing freed them */
	stats[S_REOPEN]++;
}

static void fuzz_ioctl(void)
{
	static const unsigned long cmds[] = {
		CLAB_IOC_GET_VERSION, CLAB_IOC_ALLOC, CLAB_IOC_FREE,
		CLAB_IOC_DISCARD, CLAB_IOC_PFN_OF, CLAB_IOC_COUNTERS,
		CLAB_IOC_VERIFY, CLAB_IOC_COMPACT, CLAB_IOC_MARK,
		CLAB_IOC_HANDLE_PFN, CLAB_IOC_ALLOC_TIMED, CLAB_IOC_TOUCH,
		CLAB_IOC_MIGRATE,
	};
	__u64 buf[(sizeof(struct clab_counters) + 7) / 8 + 4];
	__u64 hbuf[8] = { 0 };
	unsigned long cmd;
	void *arg = buf;
	unsigned int i;

	for (i = 0; i < sizeof(buf) / 8; i++)
		buf[i] = below(2) ? edgy() : 0;
	cmd = cmds[below(ARRAY_SIZE(cmds))];
	switch (below(10)) {
	case 0:		/* an unknown number, or a known one with a bad size */
		cmd = below(2) ? _IOWR(CLAB_IOC_MAGIC, below(32), __u64) :
				 (cmd & ~_IOC_SIZEMASK) |
				 ((below(256)) << _IOC_SIZESHIFT);
		/* A size that happens to be right: no pointer into ourselves. */
		if (cmd == CLAB_IOC_ALLOC) {
			struct clab_alloc *a = (void *)buf;

			a->handles = (uintptr_t)bad_ptr();
		}
		break;
	case 1:		/* a bad user pointer */
		arg = bad_ptr();
		break;
	default:	/* half-valid structs */
		if (cmd == CLAB_IOC_ALLOC) {
			struct clab_alloc *a = (void *)buf;

			a->order = below(12);
			a->migratetype = below(4);
			a->count = 1 + below(8);
			a->handles = below(8) ? (uintptr_t)hbuf : (uintptr_t)bad_ptr();
			a->flags = below(3) ? 0 : below(64);
			a->pad = below(8) ? 0 : 1;
		} else if (cmd == CLAB_IOC_ALLOC_TIMED) {
			struct clab_alloc_timed *a = (void *)buf;

			a->order = below(12);
			a->migratetype = below(4);
			a->flags = below(3) ? 0 : below(64);
			a->pad = 0;
		} else if (cmd == CLAB_IOC_COMPACT) {
			struct clab_compact *c = (void *)buf;

			c->nid = below(5);
			c->order = (int)below(13) - 1;
			c->priority = below(4);
			c->migratetype = below(4);
			c->pad = 0;
		} else if (cmd == CLAB_IOC_MARK) {
			struct clab_mark *m = (void *)buf;

			m->handle = nhandles ? handles[below(nhandles)] : edgy();
			m->flags = below(16);
			m->writeback_delay_ms = below(4) ? below(50) : edgy();
		} else if (cmd == CLAB_IOC_DISCARD || cmd == CLAB_IOC_PFN_OF) {
			unsigned int m = below(MAX_MAPS);

			if (maps[m].addr) {
				buf[0] = (uintptr_t)maps[m].addr +
					 below(maps[m].len / psz + 2) * psz +
					 (below(8) ? 0 : below(psz));
				buf[1] = below(8) * psz + (below(8) ? 0 : 1);
			}
		} else if (cmd == CLAB_IOC_MIGRATE) {
			/* A range in or around one of our mappings. */
			struct clab_migrate *mg = (void *)buf;
			unsigned int m = below(MAX_MAPS);

			if (maps[m].addr) {
				mg->addr = (uintptr_t)maps[m].addr +
					   below(maps[m].len / psz + 2) * psz +
					   (below(8) ? 0 : below(psz));
				mg->len = below(8) * psz + (below(8) ? 0 : 1);
			}
			mg->flags = below(4) ? 0 : below(4);
			mg->pad = below(8) ? 0 : 1;
		} else if (nhandles && below(4)) {
			/* FREE, VERIFY, HANDLE_PFN, TOUCH: a live handle */
			buf[0] = handles[below(nhandles)];
		}
	}
	stats[S_IOCTL]++;
	if (ioctl(fd, cmd, arg) == 0) {
		stats[S_IOCTL_OK]++;
		if (cmd == CLAB_IOC_ALLOC && arg == buf) {
			struct clab_alloc *a = (void *)buf;

			for (i = 0; a->handles == (uintptr_t)hbuf &&
			     i < a->allocated && i < 8 &&
			     nhandles < MAX_HANDLES; i++)
				handles[nhandles++] = hbuf[i];
		}
		if (cmd == CLAB_IOC_FREE && arg == buf)
			for (i = 0; i < nhandles; i++)
				if (handles[i] == buf[0])
					handles[i] = handles[--nhandles];
	}
}

static void touch(void *addr, size_t len, int write)
{
	unsigned char *p = addr;
	size_t off;

	if (sigsetjmp(fault_jmp, 1)) {
		in_touch = 0;
		return;
	}
	in_touch = 1;
	for (off = 0; off < len; off += psz * (1 + below(4))) {
		/* Each access made, in order: a fault lands in touch(). */
		if (write)
			__atomic_store_n(&p[off], (unsigned char)off,
					 __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(&p[off], __ATOMIC_RELAXED);
	}
	in_touch = 0;
}

static void fuzz_mmap(void)
{
	unsigned int m = below(MAX_MAPS);
	size_t len, pages, off;
	void *a;
	int prot, flags;

	stats[S_MMAP]++;
	if (maps[m].addr) {
		switch (below(5)) {
		case 0:
			/*
			 * A partial munmap, possibly in the middle, never past
			 * the end: above a mapping lie the older ones, then our
			 * stack and vDSO. An overrun of up to the length of a
			 * huge mapping (an edgy() one) unmapped them, and the
			 * next call died of a SIGSEGV no handler could take.
			 */
			pages = (maps[m].len + psz - 1) / psz;
			off = below(pages);
			munmap((char *)maps[m].addr + off * psz,
			       (1 + below(pages - off)) * psz);
			touch(maps[m].addr, maps[m].len, below(2));
			break;
		case 1:
			mprotect(maps[m].addr, maps[m].len,
				 below(2) ? PROT_READ : PROT_READ | PROT_WRITE);
			touch(maps[m].addr, maps[m].len, below(2));
			break;
		case 2:
			a = mremap(maps[m].addr, maps[m].len,
				   maps[m].len * 2, MREMAP_MAYMOVE);
			if (a != MAP_FAILED) {
				maps[m].addr = a;
				maps[m].len *= 2;
				stats[S_MMAP_OK]++;
			}
			break;
		case 3:
			touch(maps[m].addr, maps[m].len, 1);
			break;
		default:
			munmap(maps[m].addr, maps[m].len);
			maps[m].addr = NULL;
		}
		return;
	}
	len = below(8) ? (1 + below(64)) * psz : edgy();
	prot = below(6) ? PROT_READ | PROT_WRITE : below(8);
	flags = below(6) ? MAP_SHARED : MAP_PRIVATE;
	if (!below(8))
		flags |= MAP_POPULATE;
	a = mmap(NULL, len, prot, flags, fd, below(6) ? 0 : edgy() & ~(psz - 1));
	if (a == MAP_FAILED)
		return;
	stats[S_MMAP_OK]++;
	maps[m].addr = a;
	maps[m].len = len;
	if (prot & PROT_WRITE)
		touch(a, len, 1);
}

static void fuzz_sysfs(void)
{
	static const char *const words[] = {
		"0", "1", "2", "-1", "100", "1000", "65536", "4294967296",
		"99999999999999999999", "", "\n", "abc", "1\n", " 1", "0x10",
		"-0", "1 2", "movable", "default",
	};
	const char *path;
	char val[64];

	if (!nsysfs)
		return;
	path = sysfs_files[below(nsysfs)];
	/* Keep the watermarks and the OOM killer sane: small values only. */
	if (below(2))
		snprintf(val, sizeof(val), "%s",
			 words[below(ARRAY_SIZE(words))]);
	else
		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)below(below(2) ? 200 : 100000));
	if (strstr(path, "min_free_kbytes") && strtoull(val, NULL, 0) > 8192)
		strcpy(val, "1024");
	stats[S_SYSFS]++;
	if (write_file(path, val, strlen(val)) == 0)
		stats[S_SYSFS_OK]++;
}

static void fuzz_read(void)
{
	const char *path;
	char buf[256];
	int f;

	if (!ndebugfs && !nsysfs)
		return;
	stats[S_READ]++;
	if (ndebugfs && below(4))
		path = debugfs_files[below(ndebugfs)];
	else if (nsysfs)
		path = sysfs_files[below(nsysfs)];
	else
		return;
	f = open(path, O_RDONLY);
	if (f < 0)
		return;
	/* Odd reads: small buffers, seeks into the middle. */
	if (below(3) == 0)
		lseek(f, below(4096), SEEK_SET);
	while (read(f, buf, 1 + below(sizeof(buf))) > 0)
		if (!below(16))
			break;
	close(f);
}

static void restore_sysfs(void)
{
	unsigned int i, pass;

	/* Twice: one tunable may bound another. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nsysfs; i++)
			if (sysfs_saved[i] && !is_trigger(sysfs_files[i]))
				write_file(sysfs_files[i], sysfs_saved[i],
					   strlen(sysfs_saved[i]));
}

int main(int argc, char **argv)
{
	static char altstack[65536];
	unsigned long steps = 5000, seconds = 30, n;
	struct sigaction sa = { 0 };
	stack_t ss = { 0 };
	time_t end;
	unsigned int i;
	char *s;

	rng = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	for (i = 1; i + 1 < (unsigned int)argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			rng = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--steps"))
			steps = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[i + 1], NULL, 0);
	}
	printf("# stress-fuzz: seed %#llx, %lu steps, %lu s\n",
	       (unsigned long long)rng, steps, seconds);
	fflush(stdout);
	psz = sysconf(_SC_PAGESIZE);
	if (access(DEV, R_OK | W_OK))
		return 4;
	collect(SYSFS, sysfs_files, &nsysfs);
	collect(DEBUGFS, debugfs_files, &ndebugfs);
	for (i = 0; i < nsysfs; i++) {
		s = read_file(sysfs_files[i]);
		/* A choice ("[linux] min_moves") is restored by its name. */
		if (s && strchr(s, '[') && strchr(s, ']')) {
			s = strchr(s, '[') + 1;
			*strchr(s, ']') = 0;
		}
		sysfs_saved[i] = s ? strdup(s) : NULL;
	}
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	if (sigaltstack(&ss, NULL) || sigaction(SIGBUS, &sa, NULL) ||
	    sigaction(SIGSEGV, &sa, NULL))
		return 1;
	reopen();
	if (fd < 0)
		return 1;
	end = time(NULL) + seconds;
	for (n = 0; n < steps && time(NULL) < end; n++) {
		switch (below(20)) {
		case 0 ... 8:
			cur_op = 1;
			fuzz_ioctl();
			break;
		case 9 ... 13:
			cur_op = 2;
			fuzz_mmap();
			break;
		case 14 ... 15:
			cur_op = 3;
			fuzz_sysfs();
			break;
		case 16 ... 18:
			cur_op = 4;
			fuzz_read();
			break;
		default:
			if (!below(4))
				reopen();
		}
		if (fd < 0)
			reopen();
	}
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
	close(fd);
	restore_sysfs();
	printf("stress-fuzz: %lu steps: %lu ioctls (%lu ok), ", n,
	       stats[S_IOCTL], stats[S_IOCTL_OK]);
	printf("%lu mmap ops (%lu ok), %lu sysfs writes (%lu ok), ",
	       stats[S_MMAP], stats[S_MMAP_OK], stats[S_SYSFS],
	       stats[S_SYSFS_OK]);
	printf("%lu reads, %lu reopens, %d faults\n", stats[S_READ],
	       stats[S_REOPEN], (int)faults);
	return 0;
}
