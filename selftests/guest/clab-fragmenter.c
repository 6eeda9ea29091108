// SPDX-License-Identifier: GPL-2.0
/*
 * clab-fragmenter: named fragmentation patterns for experiments on the
 * compactlab arena, through /dev/compactlab (Documentation/experiments.rst).
 *
 *   clab-fragmenter PATTERN [--seed N] [--mb N] [--hold SECONDS] [options]
 *
 * Patterns:
 *   gupta            map --mb MiB (0: until the arena runs out), write every
 *                    page, then DISCARD pages 1-3 of every 4 as one run
 *   poison           map and write --mb MiB (0: the whole arena), put
 *                    --pins K (2) unmovable order-0 kernel blocks into
 *                    every pageblock (each lands in a hole just punched
 *                    into that block; min_free_kbytes and
 *                    watermark_scale_factor are 0 and 1 meanwhile), then
 *                    churn: --ops N random map/discard of movable pages
 *   compaction_test  tools/testing/selftests/mm/compaction_test.c scaled:
 *                    --mb MiB of order-0 chunks of --chunk-kb KiB, locked
 *                    by --lock pinned|unmovable|movable, every other chunk
 *                    freed, then as many order-9 MOVABLE blocks as the arena
 *                    gives (CLAB_IOC_COMPACT between --retries failures)
 *   churn            --ops N random alloc/free of kernel-held blocks up to
 *                    --mb MiB live, --unmovable PCT of them unmovable, orders
 *                    drawn from --orders ORDER:WEIGHT,... (0:8,1:2,2:2,3:1)
 *   replay           replay a kmem:mm_page_alloc/mm_page_free text trace
 *                    (--trace FILE): each kernel pfn maps to one of our
 *                    blocks; movable order-0 pages are mmap pages, others
 *                    ALLOC blocks of the traced order and migratetype
 *
 * Every pattern prints one "clab-fragmenter: PATTERN key=value ..." line
 * once its memory is in place, holds it for --hold SECONDS (-1: until
 * SIGINT or SIGTERM; default 0), then checks every page it still holds
 * against its pattern and prints one "clab-fragmenter: verify ..." line.
 * --pfns FILE writes "arena_index kind" lines for every page held (kind:
 * m mapped, M movable, R reclaimable, U unmovable block) for the per-page
 * map of scripts/plot-pages: on SIGUSR1 during the hold (then a line
 * "clab-fragmenter: pfns N pages to FILE" says it is complete) and once
 * more after the hold, so the file shows where the pages ended up.
 * Exit status: 0; 1 when a held page lost its contents; 2 on a usage or
 * setup error.
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
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/compactlab.h>

#define PROG		"clab-fragmenter"
#define MAX_ORDERS	16

/* A kernel-held block from CLAB_IOC_ALLOC. */
struct block {
	__u64 handle;
	unsigned int order;
	unsigned int mt;
};

/* The options and the state every pattern shares. */
struct frag {
	const char *pattern;
	__u64 seed;
	long mb;
	long hold;
	long ops;
	long pins;
	long chunk_kb;
	long retries;
	long unmovable_pct;
	const char *lock;
	const char *orders;
	const char *trace;
	const char *pfns;

	int fd;
	struct clab_version ver;
	long psz;
	unsigned long words;

	/* The mapping: @npages pages, @mapped[i] when page i holds data. */
	char *map;
	unsigned long npages;
	unsigned char *mapped;

	/* Kernel-held blocks; a freed slot has handle 0. */
	struct block *blocks;
	unsigned long nr_blocks, max_blocks;
};

static struct frag f = {
	.seed = 1, .mb = -1, .pins = 2, .chunk_kb = 0, .retries = 3,
	.unmovable_pct = 10, .lock = "pinned", .orders = "0:8,1:2,2:2,3:1",
};

static __u64 rng_state;
/* clab_alloc.flags of the next CLAB_IOC_ALLOC calls. */
static unsigned int alloc_flags;
static sigjmp_buf fault_jmp;
static atomic_int stop, dump_now;

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(2);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: " PROG " gupta|poison|compaction_test|churn|replay\n"
		"       [--seed N] [--mb N] [--hold SECONDS] [--pfns FILE]\n"
		"       [--ops N] [--pins K] [--chunk-kb N] [--retries N]\n"
		"       [--lock pinned|unmovable|movable] [--unmovable PCT]\n"
		"       [--orders ORDER:WEIGHT,...] [--trace FILE]\n");
	exit(2);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_now = 1;
	else
		stop = 1;
}

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, 1);
}

/* splitmix64: small, seedable, good enough to draw pages and orders. */
static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long rnd_below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

/* The contents of 64-bit word @w of mapped page @i. */
static __u64 pattern(unsigned long i, unsigned long w)
{
	return ((__u64)i << 32) ^ w ^ (f.seed << 16) ^ 0xf7a6000000000000ULL;
}

static long long free_pages(void)
{
	struct clab_counters c;

	if (ioctl(f.fd, CLAB_IOC_COUNTERS, &c))
		return -1;
	return (long long)(c.nr_free_pages + c.nr_free_pcp);
}

static void setup(void)
{
	f.psz = sysconf(_SC_PAGESIZE);
	f.words = f.psz / sizeof(__u64);
	f.fd = open("/dev/compactlab", O_RDWR);
	if (f.fd < 0)
		die("/dev/compactlab");
	if (ioctl(f.fd, CLAB_IOC_GET_VERSION, &f.ver))
		die("GET_VERSION");
	/* Room for a replay that allocates more blocks than the arena holds. */
	f.max_blocks = 4 * f.ver.arena_pages + 1;
	f.blocks = calloc(f.max_blocks, sizeof(*f.blocks));
	if (!f.blocks)
		die("calloc");
}

/* Reserve a mapping of @npages pages; nothing is faulted in yet. */
static void map_pages(unsigned long npages)
{
	f.npages = npages;
	f.map = mmap(NULL, npages * f.psz, PROT_READ | PROT_WRITE, MAP_SHARED,
		     f.fd, 0);
	if (f.map == MAP_FAILED)
		die("mmap");
	f.mapped = calloc(npages, 1);
	if (!f.mapped)
		die("calloc");
}

/*
 * Fault in page @i and write its pattern. Returns false when the arena had
 * no page for it (SIGBUS).
 */
static bool touch(unsigned long i)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	__u64 *p = (__u64 *)(f.map + i * f.psz);
	unsigned long w;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(fault_jmp, 1)) {
		sigaction(SIGBUS, &old, NULL);
		return false;
	}
	for (w = 0; w < f.words; w++)
		p[w] = pattern(i, w);
	sigaction(SIGBUS, &old, NULL);
	f.mapped[i] = 1;
	return true;
}

/* DISCARD @n mapped pages from page @i on. */
static void discard(unsigned long i, unsigned long n)
{
	struct clab_range r = {
		.addr = (uintptr_t)(f.map + i * f.psz), .len = n * f.psz,
	};

	if (ioctl(f.fd, CLAB_IOC_DISCARD, &r))
		die("DISCARD");
	memset(f.mapped + i, 0, n);
}

/* Fault in pages 0 .. @n - 1, stopping at the first SIGBUS; the count. */
static unsigned long touch_all(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (!touch(i))
			break;
	return i;
}

/* The arena page index behind mapped page @i, or -1. */
static long index_of_page(unsigned long i)
{
	struct clab_pfn_of p = { .addr = (uintptr_t)(f.map + i * f.psz) };

	if (ioctl(f.fd, CLAB_IOC_PFN_OF, &p))
		return -1;
	return (long)p.index;
}

/*
 * Allocate up to @count blocks of @order and @mt; returns how many (0 when
 * the arena had none). The blocks go to f.blocks from slot f.nr_blocks on.
 */
static unsigned long alloc_blocks(unsigned int order, unsigned int mt,
				  unsigned long count)
{
	struct clab_alloc a = {
		.order = order, .migratetype = mt, .count = count,
	};
	__u64 *h;
	unsigned long n;
	int ret;

	a.flags = alloc_flags;
	if (f.nr_blocks + count > f.max_blocks)
		count = f.max_blocks - f.nr_blocks;
	if (!count)
		return 0;
	a.count = count;
	h = calloc(count, sizeof(*h));
	if (!h)
		die("calloc");
	a.handles = (uintptr_t)h;
	ret = ioctl(f.fd, CLAB_IOC_ALLOC, &a);
	if (ret && errno == EINVAL && a.flags) {
		/* A module without the ALLOC flags: ask without them. */
		alloc_flags = 0;
		a.flags = 0;
		ret = ioctl(f.fd, CLAB_IOC_ALLOC, &a);
	}
	if (ret) {
		if (errno != ENOMEM)
			die("ALLOC");
		a.allocated = 0;
	}
	for (n = 0; n < a.allocated; n++)
		f.blocks[f.nr_blocks++] = (struct block){ h[n], order, mt };
	free(h);
	return a.allocated;
}

static void free_block(struct block *b)
{
	struct clab_handle h = { b->handle };

	if (!b->handle)
		return;
	if (ioctl(f.fd, CLAB_IOC_FREE, &h))
		die("FREE");
	b->handle = 0;
}

static long index_of_block(const struct block *b)
{
	struct clab_handle_pfn p = { .handle = b->handle };

	if (!b->handle || ioctl(f.fd, CLAB_IOC_HANDLE_PFN, &p))
		return -1;
	return (long)p.index;
}

static unsigned long mapped_pages(void)
{
	unsigned long i, n = 0;

	for (i = 0; i < f.npages; i++)
		n += f.mapped[i];
	return n;
}

static unsigned long held_blocks(unsigned long *pages)
{
	unsigned long i, n = 0;

	*pages = 0;
	for (i = 0; i < f.nr_blocks; i++) {
		if (!f.blocks[i].handle)
			continue;
		n++;
		*pages += 1UL << f.blocks[i].order;
	}
	return n;
}

/* Pages of --mb, or of the whole arena when --mb is 0 (or unset). */
static unsigned long mb_pages(long dflt_mb)
{
	long mb = f.mb < 0 ? dflt_mb : f.mb;

	if (!mb)
		return f.ver.arena_pages;
	return ((unsigned long)mb << 20) / f.psz;
}

static int do_gupta(void)
{
	unsigned long n, i, freed = 0;

	map_pages(mb_pages(0));
	n = touch_all(f.npages);
	for (i = 0; i + 1 < n; i += 4) {
		unsigned long run = n - i - 1 < 3 ? n - i - 1 : 3;

		discard(i + 1, run);
		freed += run;
	}
	printf(PROG ": gupta seed=%llu mb=%lu pages=%lu kept=%lu freed=%lu free_pages=%lld\n",
	       (unsigned long long)f.seed, n * f.psz >> 20, n, n - freed,
	       freed, free_pages());
	return 0;
}

/* Read or write a /sys/kernel/compactlab tunable; -1 when absent. */
static long tunable(const char *name, long val)
{
	char path[128], buf[32];
	long old = -1;
	FILE *t;

	snprintf(path, sizeof(path), "/sys/kernel/compactlab/%s", name);
	t = fopen(path, "r");
	if (!t)
		return -1;
	if (fgets(buf, sizeof(buf), t))
		old = atol(buf);
	fclose(t);
	if (val >= 0) {
		t = fopen(path, "w");
		if (t) {
			fprintf(t, "%ld\n", val);
			fclose(t);
		}
	}
	return old;
}

static int do_poison(void)
{
	unsigned long pb_pages = f.ver.pageblock_pages;
	unsigned long nr_pb = f.ver.arena_pages / pb_pages;
	unsigned long n, i, b, pins = 0, poisoned = 0, ops, sponge, k;
	long *count, *blk, idx, mfk, wsf, wbf;
	unsigned char *hit;

	/*
	 * The pins must land in the holes punched for them: with the
	 * watermarks at zero, the mapping and then a sponge of unmovable
	 * blocks take every free page first, so that the holes are all the
	 * free memory there is. The tunables are restored after the pins.
	 */
	mfk = tunable("min_free_kbytes", 0);
	wsf = tunable("watermark_scale_factor", 1);
	/* Each pin's fallback would boost the watermarks by a pageblock. */
	wbf = tunable("watermark_boost_factor", 0);
	map_pages(mb_pages(0));
	n = touch_all(f.npages);
	f.npages = n;
	sponge = f.nr_blocks;
	alloc_blocks(0, CLAB_MT_UNMOVABLE, f.ver.arena_pages);
	sponge = f.nr_blocks - sponge;

	/* Which pageblock each of our pages sits in. */
	count = calloc(nr_pb, sizeof(*count));
	blk = calloc(n, sizeof(*blk));
	hit = calloc(nr_pb, 1);
	if (!count || !blk || !hit)
		die("calloc");
	for (i = 0; i < n; i++) {
		idx = index_of_page(i);
		blk[i] = idx < 0 ? -1 : idx / (long)pb_pages;
		if (idx >= 0)
			count[blk[i]]++;
	}
	/*
	 * For each block: discard @pins of our pages in it, pin @pins. The
	 * pins may block (as GFP_KERNEL would): the slowpath then drains the
	 * per-CPU lists, where the discarded movable pages wait.
	 */
	alloc_flags = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NOWARN;
	for (b = 0; b < nr_pb; b++) {
		unsigned long want = f.pins, start = rnd_below(n), k, got;

		if (count[b] < f.pins)
			continue;
		for (k = 0; k < n && want; k++) {
			i = (start + k) % n;
			if (blk[i] == (long)b && f.mapped[i]) {
				discard(i, 1);
				want--;
			}
		}
		got = alloc_blocks(0, CLAB_MT_UNMOVABLE, f.pins - want);
		pins += got;
		for (k = f.nr_blocks - got; k < f.nr_blocks; k++) {
			idx = index_of_block(&f.blocks[k]);
			if (idx >= 0)
				hit[idx / pb_pages] = 1;
		}
	}
	alloc_flags = 0;
	for (k = 0; k < sponge; k++)
		free_block(&f.blocks[k]);
	if (mfk >= 0)
		tunable("min_free_kbytes", mfk);
	if (wsf >= 0)
		tunable("watermark_scale_factor", wsf);
	if (wbf >= 0)
		tunable("watermark_boost_factor", wbf);
	for (b = 0; b < nr_pb; b++)
		poisoned += hit[b];
	/* Churn: random map/discard of movable pages. */
	ops = f.ops ? (unsigned long)f.ops : n;
	for (i = 0; i < ops; i++) {
		unsigned long p = rnd_below(n);

		if (f.mapped[p])
			discard(p, 1);
		else
			touch(p);
	}
	printf(PROG ": poison seed=%llu mb=%lu pages=%lu pageblocks=%lu",
	       (unsigned long long)f.seed, n * f.psz >> 20, n, nr_pb);
	printf(" poisoned=%lu pins=%lu ops=%lu mapped=%lu free_pages=%lld\n",
	       poisoned, pins, ops, mapped_pages(), free_pages());
	free(count);
	free(blk);
	free(hit);
	return 0;
}

/* A compaction for one movable order-9 request; false without the ioctl. */
static bool compact_order9(void)
{
	struct clab_compact c = {
		.nid = 0, .order = 9, .priority = CLAB_PRIO_SYNC_FULL,
		.migratetype = CLAB_MT_MOVABLE,
	};

	return ioctl(f.fd, CLAB_IOC_COMPACT, &c) == 0;
}

static int do_compaction_test(void)
{
	unsigned long total = mb_pages(0), chunk, n = 0, chunks, c, k;
	unsigned long first_chunk, kept = 0, freed = 0, got = 0, direct = 0;
	unsigned int mt = CLAB_MT_MOVABLE;
	bool pin = false, first_pass = true;
	long long before;
	long tries;

	if (!strcmp(f.lock, "pinned"))
		pin = true;
	else if (!strcmp(f.lock, "unmovable"))
		mt = CLAB_MT_UNMOVABLE;
	else if (strcmp(f.lock, "movable"))
		bad_usage();
	/* The selftest's 100 MB chunks of a few GB: 1/32 of the region. */
	chunk = f.chunk_kb ? ((unsigned long)f.chunk_kb << 10) / f.psz
			   : total / 32;
	if (!chunk)
		chunk = 1;
	chunks = total / chunk;
	/* Fill: chunk after chunk of order-0 blocks, locked. */
	for (c = 0; c < chunks; c++) {
		first_chunk = f.nr_blocks;
		k = alloc_blocks(0, mt, chunk);
		n += k;
		if (pin)
			for (k = first_chunk; k < f.nr_blocks; k++) {
				struct clab_mark m = {
					.handle = f.blocks[k].handle,
					.flags = CLAB_MARK_PINNED,
				};

				if (ioctl(f.fd, CLAB_IOC_MARK, &m))
					die("MARK");
			}
		if (f.nr_blocks - first_chunk < chunk)
			break;
	}
	chunks = (n + chunk - 1) / chunk;
	/* Free every other chunk (the selftest munmaps every other one). */
	for (c = 0; c < chunks; c++)
		for (k = c * chunk; k < (c + 1) * chunk && k < n; k++) {
			if (c % 2) {
				free_block(&f.blocks[k]);
				freed++;
			} else {
				kept++;
			}
		}
	before = free_pages();
	/* As many order-9 blocks as the arena gives, as nr_hugepages asks. */
	tries = f.retries;
#ifdef CLAB_ALLOC_F_RETRY_MAYFAIL
	/* What nr_hugepages asks for: __GFP_RETRY_MAYFAIL | __GFP_NOWARN. */
	alloc_flags = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_RETRY_MAYFAIL |
		      CLAB_ALLOC_F_NOWARN;
#endif
	for (;;) {
		if (alloc_blocks(9, CLAB_MT_MOVABLE, 1)) {
			got++;
			continue;
		}
		if (first_pass)
			direct = got;
		first_pass = false;
		if (tries-- <= 0 || !compact_order9())
			break;
	}
	printf(PROG ": compaction_test seed=%llu mb=%lu lock=%s chunk_pages=%lu",
	       (unsigned long long)f.seed, n * f.psz >> 20, f.lock, chunk);
	printf(" chunks=%lu kept=%lu freed=%lu free_pages=%lld", chunks, kept,
	       freed, before);
	printf(" order9_first_pass=%lu order9=%lu possible=%lld result=%s\n",
	       direct, got, before >> 9,
	       got * 3 >= (unsigned long long)(before >> 9) ? "pass" : "fail");
	return 0;
}

/* Parse "ORDER:WEIGHT,..." into @weight; the weights' sum. */
static unsigned long parse_orders(const char *s, unsigned long *weight)
{
	unsigned long sum = 0, o, w;
	char *end;

	while (*s) {
		o = strtoul(s, &end, 10);
		if (end == s || *end != ':' || o > f.ver.max_order ||
		    o >= MAX_ORDERS)
			bad_usage();
		s = end + 1;
		w = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ','))
			bad_usage();
		weight[o] += w;
		sum += w;
		s = *end ? end + 1 : end;
	}
	if (!sum)
		bad_usage();
	return sum;
}

static int do_churn(void)
{
	unsigned long weight[MAX_ORDERS] = { 0 }, sum, target, live = 0;
	unsigned long ops, i, allocs = 0, frees = 0, failed = 0, *slots, nr = 0;
	unsigned long pages, held;
	unsigned int o, mt;

	sum = parse_orders(f.orders, weight);
	target = mb_pages(32);
	ops = f.ops ? (unsigned long)f.ops : 8 * target;
	slots = calloc(f.max_blocks, sizeof(*slots));
	if (!slots)
		die("calloc");
	for (i = 0; i < ops; i++) {
		bool alloc = live < target && (!nr || rnd_below(3) < 2);

		if (alloc) {
			unsigned long r = rnd_below(sum);

			for (o = 0; r >= weight[o]; o++)
				r -= weight[o];
			mt = rnd_below(100) < (unsigned long)f.unmovable_pct ?
			     CLAB_MT_UNMOVABLE : CLAB_MT_MOVABLE;
			if (!alloc_blocks(o, mt, 1)) {
				failed++;
				continue;
			}
			slots[nr++] = f.nr_blocks - 1;
			live += 1UL << o;
			allocs++;
		} else if (nr) {
			unsigned long s = rnd_below(nr);
			struct block *b = &f.blocks[slots[s]];

			live -= 1UL << b->order;
			free_block(b);
			slots[s] = slots[--nr];
			frees++;
		}
		/* Compact the block table now and then. */
		if (f.nr_blocks + 1 >= f.max_blocks) {
			unsigned long j, m = 0;

			for (j = 0; j < nr; j++) {
				f.blocks[m] = f.blocks[slots[j]];
				slots[j] = m++;
			}
			f.nr_blocks = m;
		}
	}
	free(slots);
	held = held_blocks(&pages);
	printf(PROG ": churn seed=%llu mb=%lu unmovable_pct=%ld orders=%s",
	       (unsigned long long)f.seed, target * f.psz >> 20,
	       f.unmovable_pct, f.orders);
	printf(" ops=%lu allocs=%lu frees=%lu failed=%lu", ops, allocs, frees,
	       failed);
	printf(" blocks=%lu pages=%lu free_pages=%lld\n", held, pages,
	       free_pages());
	return 0;
}

/* replay: kernel pfn -> our page or block, open addressing. */
struct pfn_slot {
	__u64 pfn;		/* key + 1; 0: empty */
	long page;		/* mapped page, or -1 */
	long block;		/* f.blocks slot, or -1 */
};

static struct pfn_slot *pfn_table;
static unsigned long pfn_table_size;

static unsigned long pfn_home(__u64 key);

static struct pfn_slot *pfn_lookup(__u64 pfn, bool insert)
{
	unsigned long h = pfn_home(pfn + 1);

	for (;; h = (h + 1) % pfn_table_size) {
		struct pfn_slot *s = &pfn_table[h];

		if (s->pfn == pfn + 1)
			return s;
		if (!s->pfn)
			return insert ? s : NULL;
	}
}

static unsigned long pfn_home(__u64 key)
{
	return ((key - 1) * 0x9e3779b97f4a7c15ULL) % pfn_table_size;
}

/* Remove @s keeping the probe chains intact (backward shift). */
static void pfn_remove(struct pfn_slot *s)
{
	unsigned long i = s - pfn_table, j = i, k;

	pfn_table[i].pfn = 0;
	for (;;) {
		j = (j + 1) % pfn_table_size;
		if (!pfn_table[j].pfn)
			return;
		k = pfn_home(pfn_table[j].pfn);
		/* An entry whose home lies in (i, j] stays where it is. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		pfn_table[i] = pfn_table[j];
		pfn_table[j].pfn = 0;
		i = j;
	}
}

/* Mapped pages free for reuse, and the live kernel pfns. */
static unsigned long *free_pg, nr_free_pg, replay_live;

/* Give back what @s holds. */
static void replay_release(struct pfn_slot *s)
{
	if (s->page >= 0) {
		discard(s->page, 1);
		free_pg[nr_free_pg++] = s->page;
	} else if (s->block >= 0) {
		free_block(&f.blocks[s->block]);
	}
	pfn_remove(s);
	replay_live--;
}

static int do_replay(void)
{
	unsigned long allocs = 0, frees = 0, unmatched = 0, failed = 0;
	unsigned long lines = 0, next = 0;
	unsigned long pages;
	char line[1024];
	FILE *in;

	if (!f.trace)
		bad_usage();
	in = strcmp(f.trace, "-") ? fopen(f.trace, "r") : stdin;
	if (!in)
		die(f.trace);
	map_pages(mb_pages(0));
	free_pg = calloc(f.npages, sizeof(*free_pg));
	pfn_table_size = 2 * f.ver.arena_pages + 1;
	pfn_table = calloc(pfn_table_size, sizeof(*pfn_table));
	if (!free_pg || !pfn_table)
		die("calloc");
	while (fgets(line, sizeof(line), in)) {
		unsigned long long pfn;
		unsigned int order;
		int mt;
		struct pfn_slot *s;
		char *alloc = strstr(line, "mm_page_alloc: ");
		/* mm_page_free: and mm_page_free_batched: */
		char *freed = alloc ? NULL : strstr(line, "mm_page_free");
		char *p;

		if (alloc) {
			p = strstr(alloc, "pfn=");
			if (!p || sscanf(p, "pfn=%llx order=%u migratetype=%d",
					 &pfn, &order, &mt) != 3)
				continue;
			lines++;
			if (order > f.ver.max_order)
				continue;
			s = pfn_lookup(pfn, false);
			if (s)		/* its free was not traced */
				replay_release(s);
			if (replay_live + 1 >= pfn_table_size / 2) {
				failed++;
				continue;
			}
			s = pfn_lookup(pfn, true);
			s->page = -1;
			s->block = -1;
			if (mt == CLAB_MT_MOVABLE && !order) {
				unsigned long pg = nr_free_pg ?
					free_pg[--nr_free_pg] : next++;

				if (pg >= f.npages || !touch(pg)) {
					if (pg < f.npages)
						free_pg[nr_free_pg++] = pg;
					failed++;
					continue;
				}
				s->page = pg;
			} else {
				if (mt != CLAB_MT_MOVABLE &&
				    mt != CLAB_MT_RECLAIMABLE)
					mt = CLAB_MT_UNMOVABLE;
				if (!alloc_blocks(order, mt, 1)) {
					failed++;
					continue;
				}
				s->block = f.nr_blocks - 1;
			}
			s->pfn = pfn + 1;
			replay_live++;
			allocs++;
		} else if (freed) {
			p = strstr(freed, "pfn=");
			if (!p || sscanf(p, "pfn=%llx", &pfn) != 1)
				continue;
			lines++;
			s = pfn_lookup(pfn, false);
			if (!s) {
				unmatched++;
				continue;
			}
			replay_release(s);
			frees++;
		}
		if (f.nr_blocks + 1 >= f.max_blocks) {
			fprintf(stderr, PROG ": replay: block table full\n");
			break;
		}
	}
	if (in != stdin)
		fclose(in);
	held_blocks(&pages);
	printf(PROG ": replay seed=%llu trace=%s events=%lu allocs=%lu",
	       (unsigned long long)f.seed, f.trace, lines, allocs);
	printf(" frees=%lu unmatched_frees=%lu failed=%lu live=%lu", frees,
	       unmatched, failed, replay_live);
	printf(" mapped=%lu block_pages=%lu free_pages=%lld\n", mapped_pages(),
	       pages, free_pages());
	return 0;
}

static void dump_pfns(void);

/* Wait as --hold says; SIGUSR1 dumps the pages meanwhile. */
static void hold(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int left = f.hold;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	while (!stop && (f.hold == -1 || left)) {
		if (f.hold == -1)
			pause();
		else
			left = sleep(left);
		if (dump_now && f.pfns)
			dump_pfns();
		dump_now = 0;
	}
}

/* Check everything still held; the number of bad pages or blocks. */
static unsigned long verify_held(void)
{
	unsigned long i, w, bad = 0, pages = 0, blocks = 0, dropped = 0;

	for (i = 0; i < f.npages; i++) {
		__u64 *p = (__u64 *)(f.map + i * f.psz);
		unsigned long miss = 0;

		if (!f.mapped[i])
			continue;
		pages++;
		for (w = 0; w < f.words; w++)
			miss += p[w] != pattern(i, w);
		bad += !!miss;
	}
	for (i = 0; i < f.nr_blocks; i++) {
		struct clab_verify v = { .handle = f.blocks[i].handle };

		if (!v.handle)
			continue;
		blocks++;
		if (ioctl(f.fd, CLAB_IOC_VERIFY, &v)) {
			if (errno != ENODATA)
				die("VERIFY");
			dropped++;	/* reclaim dropped a reclaimable block */
			continue;
		}
		bad += !!v.mismatches;
	}
	printf(PROG ": verify %s mapped_pages=%lu blocks=%lu reclaimed=%lu bad=%lu\n",
	       f.pattern, pages, blocks, dropped, bad);
	return bad;
}

/* --pfns: "arena_index kind" for every page held now. */
static void dump_pfns(void)
{
	static const char kinds[] = "UMR";
	unsigned long i, k, n = 0;
	FILE *out = fopen(f.pfns, "w");
	long idx;

	if (!out)
		die(f.pfns);
	for (i = 0; i < f.npages; i++) {
		idx = f.mapped[i] ? index_of_page(i) : -1;
		if (idx >= 0) {
			fprintf(out, "%ld m\n", idx);
			n++;
		}
	}
	for (i = 0; i < f.nr_blocks; i++) {
		idx = index_of_block(&f.blocks[i]);
		if (idx < 0)
			continue;
		for (k = 0; k < 1UL << f.blocks[i].order; k++)
			fprintf(out, "%lu %c\n", idx + k,
				kinds[f.blocks[i].mt % 3]);
		n += 1UL << f.blocks[i].order;
	}
	if (fclose(out))
		die(f.pfns);
	printf(PROG ": pfns %lu pages to %s\n", n, f.pfns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int k, ret;

	if (argc < 2)
		bad_usage();
	f.pattern = argv[1];
	for (k = 2; k < argc; k++) {
		const char *o = argv[k];

		if (k + 1 >= argc)
			bad_usage();
		if (!strcmp(o, "--seed"))
			f.seed = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(o, "--mb"))
			f.mb = atol(argv[++k]);
		else if (!strcmp(o, "--hold"))
			f.hold = atol(argv[++k]);
		else if (!strcmp(o, "--ops"))
			f.ops = atol(argv[++k]);
		else if (!strcmp(o, "--pins"))
			f.pins = atol(argv[++k]);
		else if (!strcmp(o, "--chunk-kb"))
			f.chunk_kb = atol(argv[++k]);
		else if (!strcmp(o, "--retries"))
			f.retries = atol(argv[++k]);
		else if (!strcmp(o, "--lock"))
			f.lock = argv[++k];
		else if (!strcmp(o, "--unmovable"))
			f.unmovable_pct = atol(argv[++k]);
		else if (!strcmp(o, "--orders"))
			f.orders = argv[++k];
		else if (!strcmp(o, "--trace"))
			f.trace = argv[++k];
		else if (!strcmp(o, "--pfns"))
			f.pfns = argv[++k];
		else
			bad_usage();
	}
	if (f.hold < -1 || f.ops < 0 || f.pins < 1 || f.chunk_kb < 0 ||
	    f.retries < 0 || f.unmovable_pct < 0 || f.unmovable_pct > 100)
		bad_usage();
	rng_state = f.seed;
	setup();

	if (!strcmp(f.pattern, "gupta"))
		ret = do_gupta();
	else if (!strcmp(f.pattern, "poison"))
		ret = do_poison();
	else if (!strcmp(f.pattern, "compaction_test"))
		ret = do_compaction_test();
	else if (!strcmp(f.pattern, "churn"))
		ret = do_churn();
	else if (!strcmp(f.pattern, "replay"))
		ret = do_replay();
	else
		bad_usage();
	fflush(stdout);
	if (ret)
		return ret;
	hold();
	if (f.pfns)
		dump_pfns();
	return verify_held() ? 1 : 0;
}
