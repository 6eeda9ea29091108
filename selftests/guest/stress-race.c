// SPDX-License-Identifier: GPL-2.0
/*
 * stress-race: every user operation of /dev/compactlab and sysfs at once,
 * from several processes and threads, on shared and on private files, while
 * compaction and reclaim run; every page's contents checked.
 *
 * Processes (the parent keeps --procs of them alive until the deadline;
 * each lives a few seconds and then either checks everything and exits, or
 * exits at once from one thread while the others are mid-operation):
 *
 *   --threads user threads each own a few mappings, half of them on a file
 *	shared by every process (opened before the forks) and half on the
 *	process's own file. A page carries a pattern of (seed, mapping
 *	serial, page, generation), checked on every touch and at the end.
 *	Operations: touch (check, write the next generation; a fault when
 *	the page was gone), DISCARD of a range, partial munmap and a
 *	MAP_FIXED_NOREPLACE mmap over the hole (fresh offsets, zero pages;
 *	another thread's mmap may have taken the hole meanwhile), a whole
 *	remap, a sweep that checks a mapping, and fork: a child that maps,
 *	fills and checks pages of its own and exits with them mapped.
 *   one kernel-block thread holds blocks of every order and migratetype
 *	(CLAB_IOC_ALLOC with each flag set, ALLOC_TIMED), MARKs the movable
 *	ones dirty, under writeback or pinned and clears them, TOUCHes the
 *	reclaimable ones, VERIFYs each block on every visit (reclaim may have
 *	dropped a reclaimable one: ENODATA) and FREEs them.
 *   one racer thread aims at the window of a page that changes between the
 *	migrate scanner's checks and its reference: it discards aligned runs
 *	of order-0 user pages (of the block's size, or 64 pages to get past
 *	the per-CPU list) and at once allocates order-1..3 MOVABLE kernel
 *	blocks (which the freed pages may merge into), VERIFYs and FREEs
 *	them, and checks its pages, in a tight loop. Its mapping is as large
 *	as two user threads' together.
 *   one migrator thread issues CLAB_IOC_MIGRATE (a pure migration, no
 *	scanner) over random ranges of the racer's mapping, while the racer
 *	discards and refaults them, and of the user threads' mappings, which
 *	they munmap and remap meanwhile (EINVAL, once a range is no longer
 *	one mapping of the file, is allowed).
 *
 * One compactor process: three threads issuing CLAB_IOC_COMPACT back to
 * back (every node, order and priority; mostly whole nodes), two writing
 * compact_memory and node<N>/compact, switching policy between linux,
 * tuned and min_moves, moving compaction_proactiveness (kcompactd) and
 * reading every sysfs and debugfs file, and one that pushes the free pages
 * below the watermarks with reclaimable blocks (kswapd and direct reclaim)
 * and holds them a moment.
 *
 * At the end everything is unmapped, freed and closed, the tunables are
 * restored, and the arena's free pages (buddy + per-CPU lists) must come
 * back to what they were at the start: a page that stays allocated is a
 * leak.
 *
 * Output: "# " lines (the seed first, then the counts per operation kind),
 * then one line:
 *   stress-race: <secs> s, <migrations> migrations, <ops> operations,
 *   <rounds> racer rounds, <mismatches> mismatches, <leaked> leaked pages,
 *   <errors> errors
 * (migrations: pgmigrate_success over the run; mismatches: 64-bit words,
 * user and kernel; errors: an operation failing in a way the ABI does not
 * allow).
 * Exit: 0 clean, 1 mismatches, leaks, unexpected errors or a child that
 * died, 2 usage, 4 skip (no device).
 * Run as root with the module loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/compactlab.h>

#define DEV		"/dev/compactlab"
#define SYSFS		"/sys/kernel/compactlab"
#define DEBUGFS		"/sys/kernel/debug/compactlab"
#define NMAPS		4	/* mappings per user thread */
#define MAX_HELD	48	/* blocks a kernel-block thread holds */
#define MAX_NODES	4
#define MAX_ORDER_SEEN	16
#define HANG_SECONDS	180	/* after the deadline: a hang */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Operation kinds, counted in the shared statistics. */
enum op {
	OP_TOUCH, OP_FAULT, OP_SWEEP, OP_DISCARD, OP_MUNMAP_PART, OP_REMAP,
	OP_FORK, OP_EXIT_CLEAN, OP_EXIT_ABRUPT, OP_ALLOC, OP_ALLOC_FAIL,
	OP_ALLOC_TIMED, OP_FREE, OP_MARK, OP_VERIFY, OP_DROPPED, OP_TOUCH_BLK,
	OP_HANDLE_PFN, OP_RACER, OP_COMPACT_IOCTL, OP_COMPACT_MEMORY,
	OP_NODE_COMPACT, OP_TRIGGER_BUSY, OP_POLICY, OP_PROACTIVE,
	OP_SYSFS_READ, OP_DEBUGFS_READ, OP_PRESSURE, OP_SIGBUS, OP_MIGRATE,
	OP_MIGRATE_GONE, OP_NR
};

static const char *const op_names[OP_NR] = {
	"touch", "fault", "sweep", "discard", "partial-munmap", "remap",
	"fork", "exit-clean", "exit-abrupt", "alloc", "alloc-enomem",
	"alloc-timed", "free", "mark", "verify", "verify-dropped",
	"touch-block", "handle-pfn", "racer-round", "compact-ioctl",
	"compact_memory", "node-compact", "trigger-busy", "policy",
	"proactiveness", "sysfs-read", "debugfs-read", "pressure-round",
	"sigbus", "migrate-ioctl", "migrate-unmapped",
};

/* Shared by every process: counters and the parent's stop word. */
struct shared {
	atomic_ullong ops[OP_NR];
	atomic_ullong alloc_by[MAX_ORDER_SEEN][3];
	atomic_ullong user_mismatch;	/* words */
	atomic_ullong kernel_mismatch;	/* words */
	atomic_ullong errors;
	atomic_ullong serial;		/* mapping serials */
	atomic_int stop;
};

static struct shared *sh;
static long psz;
static unsigned int nprocs = 3, nthreads = 2, seconds = 60, life = 12;
static unsigned int max_order, nr_nodes = 1, quiet;
static __u64 arena_pages, seed;
static size_t map_pages;	/* pages per user mapping */
static int shared_fd = -1;

/* Per-process: set to end this process's threads. */
static atomic_int proc_stop;

static __u64 splitmix(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd(__u64 *s, unsigned long n)
{
	return n ? splitmix(s) % n : 0;
}

static void count(enum op op)
{
	atomic_fetch_add_explicit(&sh->ops[op], 1, memory_order_relaxed);
}

static bool stopping(void)
{
	return atomic_load(&sh->stop) || atomic_load(&proc_stop);
}

/* An operation failed in a way the ABI does not allow: report a few. */
static void report_error(const char *fmt, ...)
{
	unsigned long long n = atomic_fetch_add(&sh->errors, 1);
	va_list ap;

	if (n >= 20)
		return;
	va_start(ap, fmt);
	printf("# error: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

/* --- user pages ------------------------------------------------------------ */

struct mapping {
	unsigned char *addr;
	int fd;
	__u64 serial;		/* names the mapping's contents */
	size_t pages;		/* 0 at first: map_pages */
	__u32 *gen;		/* per page; 0: no page (reads as zero) */
};

static __thread sigjmp_buf *fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	if (fault_jmp)
		siglongjmp(*fault_jmp, 1);
	abort();
}

static __u64 pattern_base(__u64 serial, size_t page, __u32 gen)
{
	__u64 s = seed ^ (serial << 32) ^ ((__u64)page << 12) ^ gen;

	return splitmix(&s) | 1;
}

/* Check a page against its generation; returns the words that differ. */
static __u64 check_page(const struct mapping *m, size_t page, const char *who)
{
	const __u64 *p = (const __u64 *)(m->addr + page * psz);
	size_t i, n = psz / sizeof(*p);
	__u32 gen = m->gen[page];
	__u64 base = gen ? pattern_base(m->serial, page, gen) : 0, bad = 0;

	for (i = 0; i < n; i++) {
		__u64 want = gen ? base ^ (i * 0x9e3779b97f4a7c15ULL) : 0;
		__u64 got = __atomic_load_n(&p[i], __ATOMIC_RELAXED);

		if (got != want) {
			if (!bad)
				printf("# mismatch (%s): mapping %llu page %zu gen %u ",
				       who, (unsigned long long)m->serial,
				       page, gen);
			if (!bad)
				printf("word %zu: %#llx, want %#llx\n", i,
				       (unsigned long long)got,
				       (unsigned long long)want);
			bad++;
		}
	}
	if (bad) {
		atomic_fetch_add(&sh->user_mismatch, bad);
		fflush(stdout);
	}
	return bad;
}

static void fill_page(struct mapping *m, size_t page, __u32 gen)
{
	__u64 *p = (__u64 *)(m->addr + page * psz);
	__u64 base = pattern_base(m->serial, page, gen);
	size_t i, n = psz / sizeof(*p);

	for (i = 0; i < n; i++)
		p[i] = base ^ (i * 0x9e3779b97f4a7c15ULL);
	m->gen[page] = gen;
}

/*
 * Check the page and write its next generation, under a SIGBUS guard: a
 * fault that finds the arena empty is refused with SIGBUS (the ABI), and
 * leaves the page absent.
 */
static void touch_page(struct mapping *m, size_t page, const char *who)
{
	sigjmp_buf jb;
	__u32 gen = m->gen[page];

	if (sigsetjmp(jb, 1)) {
		fault_jmp = NULL;
		count(OP_SIGBUS);
		return;
	}
	fault_jmp = &jb;
	check_page(m, page, who);
	fill_page(m, page, gen + 1 ? gen + 1 : 1);
	fault_jmp = NULL;
	count(gen ? OP_TOUCH : OP_FAULT);
}

static bool map_new(struct mapping *m, int fd, void *at)
{
	int flags = MAP_SHARED | (at ? MAP_FIXED : 0);
	size_t n = m->pages ? m->pages : map_pages;
	void *p = mmap(at, n * psz, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED) {
		if (errno != ENOMEM)
			report_error("mmap: %s", strerror(errno));
		m->addr = NULL;
		return false;
	}
	m->addr = p;
	m->pages = n;
	m->fd = fd;
	m->serial = atomic_fetch_add(&sh->serial, 1);
	memset(m->gen, 0, n * sizeof(*m->gen));
	return true;
}

static void sweep(struct mapping *m, const char *who)
{
	sigjmp_buf jb;
	size_t pg;

	if (!m->addr)
		return;
	if (sigsetjmp(jb, 1)) {
		fault_jmp = NULL;
		count(OP_SIGBUS);
		return;
	}
	fault_jmp = &jb;
	for (pg = 0; pg < m->pages; pg++)
		if (m->gen[pg])
			check_page(m, pg, who);
	fault_jmp = NULL;
	count(OP_SWEEP);
}

/*
 * DISCARD a range; one that a partial munmap and its refill split
 * into several mappings (EINVAL: not inside one) goes page by page.
 */
static bool discard(struct mapping *m, size_t pg, size_t len)
{
	struct clab_range cr = {
		.addr = (uintptr_t)(m->addr + pg * psz), .len = len * psz,
	};
	size_t i;

	if (ioctl(m->fd, CLAB_IOC_DISCARD, &cr)) {
		if (errno != EINVAL || len == 1) {
			report_error("DISCARD: %s", strerror(errno));
			return false;
		}
		for (i = 0; i < len; i++)
			if (!discard(m, pg + i, 1))
				return false;
	}
	memset(&m->gen[pg], 0, len * sizeof(*m->gen));
	return true;
}

struct uthread {
	pthread_t tid;
	unsigned int proc, idx;
	int own_fd;
	__u64 rng;
	struct mapping maps[NMAPS];
	__u32 *gens;
};

/* A child of fork: pages of its own on the inherited file, then exit. */
static void forked_child(int fd, __u64 rng)
{
	size_t n = 4 + rnd(&rng, 28), pg;
	struct mapping m = { .fd = fd };
	__u32 gen[32];

	fault_jmp = NULL;
	m.gen = gen;
	m.addr = mmap(NULL, n * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m.addr == MAP_FAILED)
		_exit(0);
	m.serial = atomic_fetch_add(&sh->serial, 1);
	for (pg = 0; pg < n; pg++)
		fill_page(&m, pg, 1);
	for (pg = 0; pg < n; pg++)
		check_page(&m, pg, "fork child");
	/* Half the time a partial munmap first; always exit mapped. */
	if (rnd(&rng, 2))
		munmap(m.addr, psz * (1 + rnd(&rng, n - 1)));
	_exit(0);
}

static void do_fork(struct uthread *u)
{
	int fd = rnd(&u->rng, 2) ? u->own_fd : shared_fd, status;
	__u64 r = splitmix(&u->rng);
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0)
		forked_child(fd, r);
	count(OP_FORK);
	if (waitpid(pid, &status, 0) == pid &&
	    (!WIFEXITED(status) || WEXITSTATUS(status)))
		report_error("fork child: status %#x", status);
}

static void *user_main(void *arg)
{
	struct uthread *u = arg;
	unsigned int i;

	for (i = 0; i < NMAPS; i++) {
		u->maps[i].gen = u->gens + i * map_pages;
		map_new(&u->maps[i], i % 2 ? shared_fd : u->own_fd, NULL);
	}
	while (!stopping()) {
		struct mapping *m = &u->maps[rnd(&u->rng, NMAPS)];
		unsigned long r = rnd(&u->rng, 1000);
		size_t pg, len, k;

		if (!m->addr) {
			map_new(m, rnd(&u->rng, 2) ? shared_fd : u->own_fd,
				NULL);
			continue;
		}
		pg = rnd(&u->rng, map_pages);
		if (r < 700) {
			/* A run of touches: faults and rewrites. */
			len = 1 + rnd(&u->rng, 16);
			for (k = 0; k < len && pg + k < map_pages; k++)
				touch_page(m, pg + k, "touch");
		} else if (r < 850) {
			len = 1 + rnd(&u->rng, 32);
			if (pg + len > map_pages)
				len = map_pages - pg;
			if (!discard(m, pg, len))
				continue;
			count(OP_DISCARD);
		} else if (r < 920) {
			/* Partial munmap, then fresh offsets over the hole. */
			unsigned char *at = m->addr + pg * psz;
			void *got;

			len = 1 + rnd(&u->rng, 16);
			if (pg + len > map_pages)
				len = map_pages - pg;
			if (munmap(at, len * psz)) {
				report_error("munmap: %s", strerror(errno));
				continue;
			}
			count(OP_MUNMAP_PART);
			/*
			 * Between the munmap and this mmap another thread's
			 * mmap may have taken the hole: MAP_FIXED would then
			 * replace that thread's pages with ours. NOREPLACE
			 * fails instead, and the mapping retires around the
			 * hole, leaving whatever is there alone.
			 */
			got = mmap(at, len * psz, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED_NOREPLACE, m->fd, 0);
			if (got != at) {
				if (got != MAP_FAILED)	/* taken as a hint */
					munmap(got, len * psz);
				if (pg)
					munmap(m->addr, pg * psz);
				if (pg + len < map_pages)
					munmap(at + len * psz,
					       (map_pages - pg - len) * psz);
				m->addr = NULL;
				continue;
			}
			memset(&m->gen[pg], 0, len * sizeof(*m->gen));
		} else if (r < 960) {
			sweep(m, "sweep");
		} else if (r < 985) {
			sweep(m, "before remap");
			munmap(m->addr, map_pages * psz);
			map_new(m, rnd(&u->rng, 2) ? shared_fd : u->own_fd,
				NULL);
			count(OP_REMAP);
		} else {
			do_fork(u);
		}
	}
	for (i = 0; i < NMAPS; i++)
		sweep(&u->maps[i], "final");
	return NULL;
}

/* --- kernel blocks --------------------------------------------------------- */

struct held {
	__u64 handle;
	int fd;
	unsigned int order, mt;
};

struct kthread_ctx {
	pthread_t tid;
	int own_fd;
	__u64 rng;
	struct held held[MAX_HELD];
	unsigned int nheld;
	__u64 held_pages, max_pages;
	bool shared_ok;		/* blocks on the shared file too */
};

static const __u32 alloc_flags[] = {
	0,
	CLAB_ALLOC_F_NOWARN,
	CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NORETRY | CLAB_ALLOC_F_NOWARN,
	CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_RETRY_MAYFAIL | CLAB_ALLOC_F_NOWARN,
	CLAB_ALLOC_F_ATOMIC | CLAB_ALLOC_F_NOWARN,
};

static bool verify(int fd, __u64 handle, unsigned int mt, const char *who)
{
	struct clab_verify v = { .handle = handle };

	if (ioctl(fd, CLAB_IOC_VERIFY, &v)) {
		if (errno == ENODATA && mt == CLAB_MT_RECLAIMABLE) {
			count(OP_DROPPED);
			return false;
		}
		report_error("VERIFY (%s) handle %#llx: %s", who,
			     (unsigned long long)handle, strerror(errno));
		return false;
	}
	count(OP_VERIFY);
	if (v.mismatches) {
		printf("# mismatch (%s): kernel block %#llx (migratetype %u): %llu words\n",
		       who, (unsigned long long)handle, mt,
		       (unsigned long long)v.mismatches);
		fflush(stdout);
		atomic_fetch_add(&sh->kernel_mismatch, v.mismatches);
	}
	return true;
}

static void free_block(int fd, __u64 handle, unsigned int mt)
{
	struct clab_handle h = { .handle = handle };

	verify(fd, handle, mt, "before FREE");
	if (ioctl(fd, CLAB_IOC_FREE, &h))
		report_error("FREE %#llx: %s", (unsigned long long)handle,
			     strerror(errno));
	else
		count(OP_FREE);
}

static unsigned int pick_order(__u64 *rng)
{
	unsigned long r = rnd(rng, 100);

	if (r < 60)
		return rnd(rng, 4 < max_order + 1 ? 4 : max_order + 1);
	if (r < 90)
		return rnd(rng, max_order + 1);
	return max_order - rnd(rng, 2 < max_order ? 2 : max_order);
}

static void kblk_alloc(struct kthread_ctx *k)
{
	unsigned int order = pick_order(&k->rng), mt = rnd(&k->rng, 3);
	__u64 handles[8];
	struct clab_alloc a = {
		.order = order, .migratetype = mt,
		.handles = (uintptr_t)handles,
		.flags = alloc_flags[rnd(&k->rng, ARRAY_SIZE(alloc_flags))],
	};
	int fd = k->shared_ok && rnd(&k->rng, 2) ? shared_fd : k->own_fd;
	unsigned int i;

	a.count = 1 + rnd(&k->rng, order < 4 ? 8 : 2);
	if (a.count > MAX_HELD - k->nheld)
		a.count = MAX_HELD - k->nheld;
	if (!a.count)
		return;
	if (k->held_pages + (a.count << order) > k->max_pages) {
		/*
		 * Over the budget: one block, held for a VERIFY only, with
		 * direct reclaim and compaction half of the time.
		 */
		struct clab_handle h;

		a.count = 1;
		if (rnd(&k->rng, 2))
			a.flags = CLAB_ALLOC_F_RECLAIM |
				  CLAB_ALLOC_F_RETRY_MAYFAIL |
				  CLAB_ALLOC_F_NOWARN;
		if (ioctl(fd, CLAB_IOC_ALLOC, &a)) {
			if (errno != ENOMEM)
				report_error("ALLOC order %u mt %u: %s", order, mt,
					     strerror(errno));
			count(OP_ALLOC_FAIL);
			return;
		}
		count(OP_ALLOC);
		atomic_fetch_add(&sh->alloc_by[order][mt], 1);
		h.handle = handles[0];
		free_block(fd, h.handle, mt);
		return;
	}
	if (rnd(&k->rng, 8) == 0) {
		struct clab_alloc_timed t = {
			.order = order, .migratetype = mt, .flags = a.flags,
		};

		if (ioctl(fd, CLAB_IOC_ALLOC_TIMED, &t)) {
			if (errno != ENOMEM)
				report_error("ALLOC_TIMED: %s", strerror(errno));
			count(OP_ALLOC_FAIL);
			return;
		}
		count(OP_ALLOC_TIMED);
		a.allocated = 1;
		handles[0] = t.handle;
	} else if (ioctl(fd, CLAB_IOC_ALLOC, &a)) {
		if (errno != ENOMEM)
			report_error("ALLOC order %u mt %u: %s", order, mt,
				     strerror(errno));
		count(OP_ALLOC_FAIL);
		return;
	}
	for (i = 0; i < a.allocated; i++) {
		k->held[k->nheld++] = (struct held){
			.handle = handles[i], .fd = fd, .order = order, .mt = mt,
		};
		k->held_pages += 1ULL << order;
		count(OP_ALLOC);
		atomic_fetch_add(&sh->alloc_by[order][mt], 1);
	}
}

static void kblk_visit(struct kthread_ctx *k)
{
	unsigned int i = rnd(&k->rng, k->nheld);
	struct held *h = &k->held[i];
	unsigned long r = rnd(&k->rng, 100);

	if (r < 35) {
		/* Free it (after a last VERIFY). */
		free_block(h->fd, h->handle, h->mt);
		k->held_pages -= 1ULL << h->order;
		*h = k->held[--k->nheld];
		return;
	}
	if (r < 60 && h->mt == CLAB_MT_MOVABLE) {
		static const __u32 marks[] = {
			CLAB_MARK_DIRTY, CLAB_MARK_WRITEBACK, CLAB_MARK_PINNED,
			CLAB_MARK_CLEAR, CLAB_MARK_CLEAR,
			CLAB_MARK_DIRTY | CLAB_MARK_WRITEBACK,
		};
		struct clab_mark mk = {
			.handle = h->handle,
			.flags = marks[rnd(&k->rng, ARRAY_SIZE(marks))],
		};

		if (mk.flags & CLAB_MARK_WRITEBACK)
			mk.writeback_delay_ms = rnd(&k->rng, 30);
		if (ioctl(h->fd, CLAB_IOC_MARK, &mk))
			report_error("MARK %#x: %s", mk.flags, strerror(errno));
		else
			count(OP_MARK);
	} else if (r < 70 && h->mt == CLAB_MT_RECLAIMABLE) {
		struct clab_handle th = { .handle = h->handle };

		if (ioctl(h->fd, CLAB_IOC_TOUCH, &th) == 0)
			count(OP_TOUCH_BLK);
		else if (errno != ENODATA)
			report_error("TOUCH: %s", strerror(errno));
	} else if (r < 75) {
		struct clab_handle_pfn hp = { .handle = h->handle };

		if (ioctl(h->fd, CLAB_IOC_HANDLE_PFN, &hp) == 0)
			count(OP_HANDLE_PFN);
		else if (errno != ENODATA)
			report_error("HANDLE_PFN: %s", strerror(errno));
	}
	verify(h->fd, h->handle, h->mt, "visit");
}

static void *kblk_main(void *arg)
{
	struct kthread_ctx *k = arg;

	while (!stopping()) {
		if (!k->nheld || (k->nheld < MAX_HELD && rnd(&k->rng, 3) == 0))
			kblk_alloc(k);
		else
			kblk_visit(k);
	}
	while (k->nheld) {
		struct held *h = &k->held[--k->nheld];

		free_block(h->fd, h->handle, h->mt);
	}
	return NULL;
}

/*
 * The racer: order-0 user pages freed by DISCARD and order-k MOVABLE kernel
 * blocks allocated at once, so that a page the migrate scanner looked at as
 * an order-0 user page may be the head of a kernel block by the time it
 * takes its reference. Every block is VERIFYd twice and every page checked.
 */
struct racer {
	pthread_t tid;
	int own_fd;
	__u64 rng;
	struct mapping m;
};

static void *racer_main(void *arg)
{
	struct racer *rc = arg;
	struct mapping *m = &rc->m;
	size_t pg;

	for (pg = 0; pg < m->pages; pg++)
		touch_page(m, pg, "racer");
	while (!stopping()) {
		unsigned int order = 1 + rnd(&rc->rng, 3), i;
		/*
		 * A run of the block's size, or one in four times 64 pages:
		 * more than the per-CPU list keeps, so that the freed pages
		 * reach the buddy lists and merge.
		 */
		size_t run = rnd(&rc->rng, 4) ? 1UL << order : 64;
		struct clab_range cr;
		__u64 handles[4];
		struct clab_alloc a = {
			.order = order, .migratetype = CLAB_MT_MOVABLE,
			.count = 1 + rnd(&rc->rng, 4),
			.handles = (uintptr_t)handles,
			.flags = CLAB_ALLOC_F_NOWARN,
		};

		pg = rnd(&rc->rng, m->pages / run) * run;
		for (i = 0; i < run; i++)
			if (m->gen[pg + i])
				check_page(m, pg + i, "racer");
		cr.addr = (uintptr_t)(m->addr + pg * psz);
		cr.len = run * psz;
		if (ioctl(m->fd, CLAB_IOC_DISCARD, &cr)) {
			report_error("racer DISCARD: %s", strerror(errno));
			break;
		}
		memset(&m->gen[pg], 0, run * sizeof(*m->gen));
		count(OP_DISCARD);
		if (ioctl(rc->own_fd, CLAB_IOC_ALLOC, &a) == 0) {
			for (i = 0; i < a.allocated; i++) {
				count(OP_ALLOC);
				atomic_fetch_add(&sh->alloc_by[order][CLAB_MT_MOVABLE], 1);
				verify(rc->own_fd, handles[i], CLAB_MT_MOVABLE,
				       "racer");
			}
			/* Refault elsewhere while the blocks are held. */
			for (i = 0; i < 4; i++)
				touch_page(m, rnd(&rc->rng, m->pages), "racer");
			for (i = 0; i < a.allocated; i++)
				free_block(rc->own_fd, handles[i],
					   CLAB_MT_MOVABLE);
		} else {
			if (errno != ENOMEM)
				report_error("racer ALLOC: %s", strerror(errno));
			count(OP_ALLOC_FAIL);
		}
		for (i = 0; i < run; i++)
			touch_page(m, pg + i, "racer");
		count(OP_RACER);
	}
	sweep(m, "racer final");
	return NULL;
}

/*
 * CLAB_IOC_MIGRATE over random ranges: of the racer's mapping (stable,
 * discarded and refaulted under us), or of a user thread's (read racily:
 * it may be unmapped or replaced at any moment, then EINVAL).
 */
struct migrator {
	pthread_t tid;
	__u64 rng;
	struct racer *rc;
	struct uthread *u;
	unsigned int nu;
};

static void *migrator_main(void *arg)
{
	struct migrator *mg = arg;

	while (!stopping()) {
		struct clab_migrate req = { 0 };
		unsigned char *addr;
		size_t pages, pg, len;
		int fd;

		if (rnd(&mg->rng, 2)) {
			addr = mg->rc->m.addr;
			pages = mg->rc->m.pages;
			fd = mg->rc->own_fd;
		} else {
			struct mapping *m = &mg->u[rnd(&mg->rng, mg->nu)]
					     .maps[rnd(&mg->rng, NMAPS)];

			addr = __atomic_load_n(&m->addr, __ATOMIC_RELAXED);
			fd = __atomic_load_n(&m->fd, __ATOMIC_RELAXED);
			pages = map_pages;
			if (!addr)
				continue;
		}
		pg = rnd(&mg->rng, pages);
		len = 1 + rnd(&mg->rng, 64);
		if (pg + len > pages)
			len = pages - pg;
		req.addr = (uintptr_t)(addr + pg * psz);
		req.len = len * psz;
		if (ioctl(fd, CLAB_IOC_MIGRATE, &req) == 0) {
			if (req.migrated + req.failed > len)
				report_error("MIGRATE: %llu migrated + %llu failed of %zu pages",
					     (unsigned long long)req.migrated,
					     (unsigned long long)req.failed, len);
			count(OP_MIGRATE);
		} else if (errno == EINVAL) {
			count(OP_MIGRATE_GONE);
		} else {
			report_error("MIGRATE: %s", strerror(errno));
		}
	}
	return NULL;
}

/* --- a mapper process ------------------------------------------------------ */

static int run_mapper(unsigned int proc, __u64 rng)
{
	unsigned int t, nu = nthreads, lifetime = 2 + rnd(&rng, life);
	bool abrupt = rnd(&rng, 3) == 0;
	struct uthread *u = calloc(nu, sizeof(*u));
	struct kthread_ctx *k = calloc(1, sizeof(*k));
	struct racer *rc = calloc(1, sizeof(*rc));
	struct migrator *mg = calloc(1, sizeof(*mg));
	struct timespec ts;
	int fd;

	fd = open(DEV, O_RDWR);
	if (fd < 0 || !u || !k || !rc || !mg) {
		report_error("mapper open: %s", strerror(errno));
		return 1;
	}
	for (t = 0; t < nu; t++) {
		u[t].proc = proc;
		u[t].idx = t;
		u[t].own_fd = fd;
		u[t].rng = splitmix(&rng);
		u[t].gens = calloc(NMAPS * map_pages, sizeof(__u32));
		if (!u[t].gens || pthread_create(&u[t].tid, NULL, user_main, &u[t]))
			return 1;
	}
	k->own_fd = fd;
	k->rng = splitmix(&rng);
	k->max_pages = arena_pages / (16 * nprocs);
	/* An abrupt exit would leave them until the parent's close. */
	k->shared_ok = !abrupt;
	if (pthread_create(&k->tid, NULL, kblk_main, k))
		return 1;
	rc->own_fd = fd;
	rc->rng = splitmix(&rng);
	/* The racer's pages: as many as two user threads' mappings. */
	rc->m.pages = 2 * NMAPS * map_pages;
	rc->m.gen = calloc(rc->m.pages, sizeof(__u32));
	if (!rc->m.gen || !map_new(&rc->m, fd, NULL) ||
	    pthread_create(&rc->tid, NULL, racer_main, rc))
		return 1;
	mg->rng = splitmix(&rng);
	mg->rc = rc;
	mg->u = u;
	mg->nu = nu;
	if (pthread_create(&mg->tid, NULL, migrator_main, mg))
		return 1;
	/* Live until the deadline or the end of this life. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += lifetime;
	while (!atomic_load(&sh->stop)) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= ts.tv_sec)
			break;
		usleep(50000);
	}
	if (abrupt && !atomic_load(&sh->stop)) {
		/* Exit under the threads' feet: mappings, blocks and file. */
		count(OP_EXIT_ABRUPT);
		_exit(0);
	}
	atomic_store(&proc_stop, 1);
	for (t = 0; t < nu; t++)
		pthread_join(u[t].tid, NULL);
	pthread_join(k->tid, NULL);
	pthread_join(rc->tid, NULL);
	pthread_join(mg->tid, NULL);
	count(OP_EXIT_CLEAN);
	/* Half of the clean exits leave the mappings to exit as well. */
	if (rnd(&rng, 2)) {
		for (t = 0; t < nu; t++) {
			unsigned int i;

			for (i = 0; i < NMAPS; i++)
				if (u[t].maps[i].addr)
					munmap(u[t].maps[i].addr,
					       map_pages * psz);
		}
		munmap(rc->m.addr, rc->m.pages * psz);
		close(fd);
	}
	return 0;
}

/* --- the compactor process ------------------------------------------------- */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* Read every regular file under @dir (all of it), recursively. */
static void read_tree(const char *dir, enum op op)
{
	static __thread char buf[65536];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512];
		struct stat st;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			/* The benchmarks are timed runs: not here. */
			if (strcmp(de->d_name, "bench"))
				read_tree(path, op);
			continue;
		}
		if (!(st.st_mode & 0444) || !strcmp(de->d_name, "pattern_check"))
			continue;
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		count(op);
	}
	closedir(d);
}

static void *compact_ioctl_main(void *arg)
{
	__u64 rng = (uintptr_t)arg;
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		return NULL;
	while (!stopping()) {
		struct clab_compact cc = {
			.migratetype = rnd(&rng, 3),
		};

		/* Node 0 most of the time: the three threads meet there. */
		cc.nid = rnd(&rng, 4) ? 0 : rnd(&rng, nr_nodes);
		/*
		 * Mostly whole-node compactions: they ignore the skip hints,
		 * so that two of them (and compact_memory, node<N>/compact,
		 * kcompactd) scan the same blocks at once and meet each
		 * other's isolated pages.
		 */
		if (rnd(&rng, 3)) {
			cc.order = -1;
			cc.priority = CLAB_PRIO_SYNC_FULL;
		} else {
			cc.order = rnd(&rng, max_order + 1);
			cc.priority = rnd(&rng, 3);
		}
		if (ioctl(fd, CLAB_IOC_COMPACT, &cc))
			report_error("COMPACT order %d prio %u: %s", cc.order,
				     cc.priority, strerror(errno));
		else
			count(OP_COMPACT_IOCTL);
	}
	close(fd);
	return NULL;
}

static void *trigger_main(void *arg)
{
	static const char *const policies[] = { "linux", "tuned", "min_moves" };
	__u64 rng = (uintptr_t)arg;
	char path[128], val[16];

	while (!stopping()) {
		unsigned long r = rnd(&rng, 100);
		int ret;

		if (r < 25) {
			ret = write_str(SYSFS "/compact_memory", "1");
			if (ret == -EBUSY)
				count(OP_TRIGGER_BUSY);
			else if (ret)
				report_error("compact_memory: %s", strerror(-ret));
			else
				count(OP_COMPACT_MEMORY);
		} else if (r < 50) {
			snprintf(path, sizeof(path), SYSFS "/node%lu/compact",
				 rnd(&rng, nr_nodes));
			ret = write_str(path, "1");
			if (ret == -EBUSY)
				count(OP_TRIGGER_BUSY);
			else if (ret)
				report_error("%s: %s", path, strerror(-ret));
			else
				count(OP_NODE_COMPACT);
		} else if (r < 65) {
			ret = write_str(SYSFS "/policy",
					policies[rnd(&rng, 3)]);
			if (ret)
				report_error("policy: %s", strerror(-ret));
			else
				count(OP_POLICY);
		} else if (r < 75) {
			static const unsigned int pro[] = { 0, 20, 60, 100 };

			snprintf(val, sizeof(val), "%u",
				 pro[rnd(&rng, ARRAY_SIZE(pro))]);
			ret = write_str(SYSFS "/compaction_proactiveness", val);
			if (ret)
				report_error("compaction_proactiveness: %s",
					     strerror(-ret));
			else
				count(OP_PROACTIVE);
		} else if (r < 90) {
			read_tree(SYSFS, OP_SYSFS_READ);
		} else {
			read_tree(DEBUGFS, OP_DEBUGFS_READ);
		}
		usleep(rnd(&rng, 3000));
	}
	return NULL;
}

/* Free pages now: the buddy lists and the per-CPU lists. */
static int free_pages_now(int fd, __u64 *free, __u64 *migrated)
{
	struct clab_counters c;

	if (ioctl(fd, CLAB_IOC_COUNTERS, &c))
		return -1;
	*free = c.nr_free_pages + c.nr_free_pcp;
	if (migrated)
		*migrated = c.events[CLAB_EVENT_PGMIGRATE_SUCCESS];
	return 0;
}

/*
 * kswapd and direct reclaim at work: reclaimable blocks until the free
 * pages drop below an eighth of the arena (or the allocator says no), held
 * a moment, then freed.
 */
static void *pressure_main(void *arg)
{
	__u64 rng = (uintptr_t)arg, *h = NULL;
	size_t cap = arena_pages / 2, n;
	int fd = open(DEV, O_RDWR);

	h = calloc(cap, sizeof(*h));
	if (fd < 0 || !h)
		return NULL;
	while (!stopping()) {
		__u64 free;

		n = 0;
		while (!stopping() && n + 64 <= cap) {
			struct clab_alloc a = {
				.order = 0, .migratetype = CLAB_MT_RECLAIMABLE,
				.count = 64, .handles = (uintptr_t)&h[n],
				.flags = CLAB_ALLOC_F_RECLAIM |
					 CLAB_ALLOC_F_RETRY_MAYFAIL |
					 CLAB_ALLOC_F_NOWARN,
			};

			if (free_pages_now(fd, &free, NULL) ||
			    free < arena_pages / 8)
				break;
			if (ioctl(fd, CLAB_IOC_ALLOC, &a))
				break;
			n += a.allocated;
		}
		usleep(100000 + rnd(&rng, 300000));
		while (n) {
			struct clab_handle ch = { .handle = h[--n] };

			/* Reclaim may have dropped it: FREE still works. */
			if (ioctl(fd, CLAB_IOC_FREE, &ch))
				report_error("pressure FREE: %s", strerror(errno));
		}
		count(OP_PRESSURE);
		usleep(200000 + rnd(&rng, 800000));
	}
	free(h);
	close(fd);
	return NULL;
}

static int run_compactor(__u64 rng)
{
	static void *(*const fn[])(void *) = {
		compact_ioctl_main, compact_ioctl_main, compact_ioctl_main,
		trigger_main, trigger_main, pressure_main,
	};
	pthread_t t[ARRAY_SIZE(fn)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fn); i++)
		if (pthread_create(&t[i], NULL, fn[i],
				   (void *)(uintptr_t)splitmix(&rng)))
			return 1;
	for (i = 0; i < ARRAY_SIZE(fn); i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* --- the parent ------------------------------------------------------------ */

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: stress-race [--seconds S] [--procs P] [--threads T] [--life S]\n"
		"                   [--seed N] [--quiet]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static pid_t spawn(unsigned int slot, __u64 r)
{
	pid_t pid = fork();

	if (pid == 0) {
		fflush(stdout);
		_exit(slot < nprocs ? run_mapper(slot, r) : run_compactor(r));
	}
	return pid;
}

int main(int argc, char **argv)
{
	char policy[64], pro[16], oom[16], node[64], *cur, *end;
	__u64 free0, free1 = 0, mig0, mig1, total = 0, leaked = 0, rng;
	struct clab_version ver;
	struct sigaction sa = { .sa_handler = on_sigbus };
	pid_t *pids;
	unsigned int i, p, spawned = 0;
	double t0, deadline;
	int fd, status, failed = 0, hung = 0;
	pid_t pid;

	seed = (__u64)time(NULL) ^ ((__u64)getpid() << 32);
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			quiet = 1;
			continue;
		}
		if (i + 1 >= (unsigned int)argc)
			bad_usage();
		if (!strcmp(argv[i], "--procs"))
			nprocs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--life"))
			life = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else
			bad_usage();
	}
	if (!nprocs || !nthreads || !seconds || !life)
		bad_usage();
	psz = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		printf("# %s: %s\n", DEV, strerror(errno));
		return 4;
	}
	if (ioctl(fd, CLAB_IOC_GET_VERSION, &ver)) {
		perror("GET_VERSION");
		return 1;
	}
	max_order = ver.max_order < MAX_ORDER_SEEN ? ver.max_order :
						    MAX_ORDER_SEEN - 1;
	arena_pages = ver.arena_pages;
	for (nr_nodes = 0; nr_nodes < MAX_NODES; nr_nodes++) {
		snprintf(node, sizeof(node), SYSFS "/node%u", nr_nodes);
		if (access(node, F_OK))
			break;
	}
	if (!nr_nodes)
		nr_nodes = 1;
	/* A third of the arena for user pages, over every mapping. */
	map_pages = arena_pages / 3 / (nprocs * (nthreads + 2) * NMAPS);
	if (map_pages < 16)
		map_pages = 16;
	map_pages &= ~7UL;
	printf("# stress-race: seed %#llx, %u s, %u mapper procs x ",
	       (unsigned long long)seed, seconds, nprocs);
	printf("(%u user + kernel-block + racer threads), compactor x 6 threads\n",
	       nthreads);
	printf("# arena %llu pages, max order %u, %u node(s), %zu pages per mapping\n",
	       (unsigned long long)arena_pages, max_order, nr_nodes, map_pages);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	sigaction(SIGBUS, &sa, NULL);
	/* The tunables the compactor moves, restored at the end. */
	if (read_str(SYSFS "/policy", policy, sizeof(policy)) ||
	    read_str(SYSFS "/compaction_proactiveness", pro, sizeof(pro)) ||
	    read_str(SYSFS "/oom_kill", oom, sizeof(oom))) {
		perror("sysfs");
		return 1;
	}
	/* An OOM kill would end a checker: allocations fail instead. */
	write_str(SYSFS "/oom_kill", "0");
	if (free_pages_now(fd, &free0, &mig0))
		return 1;
	printf("# free pages at the start: %llu\n", (unsigned long long)free0);
	shared_fd = open(DEV, O_RDWR);
	if (shared_fd < 0)
		return 1;
	pids = calloc(nprocs + 1, sizeof(*pids));
	rng = seed;
	t0 = now_s();
	deadline = t0 + seconds;
	for (p = 0; p <= nprocs; p++) {
		pids[p] = spawn(p, splitmix(&rng));
		spawned++;
	}
	/* Keep the mapper slots filled until the deadline. */
	for (;;) {
		double t = now_s();

		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0)
			break;
		if (pid == 0) {
			if (t >= deadline)
				atomic_store(&sh->stop, 1);
			if (t >= deadline + HANG_SECONDS && !hung) {
				/* A process stuck in the kernel: report. */
				printf("# hang: processes still running %u s after the deadline\n",
				       HANG_SECONDS);
				hung = 1;
				for (p = 0; p <= nprocs; p++)
					if (pids[p])
						kill(pids[p], SIGKILL);
			}
			if (hung && t >= deadline + 2 * HANG_SECONDS)
				break;
			usleep(100000);
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# child %d failed (status %#x)\n", pid, status);
			failed = 1;
		}
		for (p = 0; p <= nprocs; p++)
			if (pids[p] == pid)
				break;
		if (p > nprocs)
			continue;
		pids[p] = 0;
		if (p < nprocs && t < deadline) {
			pids[p] = spawn(p, splitmix(&rng));
			spawned++;
		}
	}
	close(shared_fd);
	write_str(SYSFS "/compaction_proactiveness", "0");
	/* Everything is closed: the free count must come back. */
	for (i = 0; i < 100; i++) {
		if (free_pages_now(fd, &free1, &mig1))
			return 1;
		if (free1 >= free0)
			break;
		usleep(100000);
	}
	if (free1 < free0)
		leaked = free0 - free1;
	/* Restore the tunables as found. */
	cur = strchr(policy, '[');
	end = cur ? strchr(cur, ']') : NULL;
	if (end) {
		*end = 0;
		write_str(SYSFS "/policy", cur + 1);
	}
	write_str(SYSFS "/compaction_proactiveness", pro);
	write_str(SYSFS "/oom_kill", oom);
	close(fd);
	for (i = 0; i < OP_NR; i++)
		total += sh->ops[i];
	if (!quiet) {
		char line[4096];
		int len = 0;

		for (i = 0; i < OP_NR; i++)
			len += snprintf(line + len, sizeof(line) - len, "%s%s %llu",
					i ? ", " : "", op_names[i],
					(unsigned long long)sh->ops[i]);
		printf("# ops: %s\n", line);
		len = 0;
		for (i = 0; i <= max_order; i++)
			len += snprintf(line + len, sizeof(line) - len,
					"%s%u: %llu/%llu/%llu", i ? ", " : "", i,
					(unsigned long long)sh->alloc_by[i][0],
					(unsigned long long)sh->alloc_by[i][1],
					(unsigned long long)sh->alloc_by[i][2]);
		printf("# blocks by order (unmovable/movable/reclaimable): %s\n",
		       line);
		printf("# mapper processes: %u; free pages %llu -> %llu\n",
		       spawned - 1, (unsigned long long)free0,
		       (unsigned long long)free1);
	}
	printf("stress-race: %.0f s, %llu migrations, %llu operations, ",
	       now_s() - t0, (unsigned long long)(mig1 - mig0),
	       (unsigned long long)total);
	printf("%llu racer rounds, %llu mismatches, %llu leaked pages, %llu errors\n",
	       (unsigned long long)sh->ops[OP_RACER],
	       (unsigned long long)(sh->user_mismatch + sh->kernel_mismatch),
	       (unsigned long long)leaked, (unsigned long long)sh->errors);
	return failed || hung || leaked || sh->errors || sh->user_mismatch ||
	       sh->kernel_mismatch ? 1 : 0;
}
