// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - /sys/kernel/debug/compactlab/bench/: micro-benchmarks that need
 * kernel context. Observability, not ABI; Documentation/benchmarks.rst says
 * what the figures mean and scripts/bench drives them.
 *
 *   order0  write N: N order-0 allocate+free pairs through the shadow
 *           allocator (clab_alloc_pages/clab_free_pages, CLAB_GFP_MOVABLE)
 *           and N through the kernel's (alloc_pages/__free_pages,
 *           GFP_HIGHUSER_MOVABLE), one pair at a time and in batches of
 *           CLAB_BENCH_BATCH (all allocated, then all freed), and the same
 *           again zeroing on both sides (CLAB_GFP_ZERO, __GFP_ZERO); read:
 *           ns per pair for each, the ratios ours/kernel, the flags used
 *           and whether the kernel zeroes every page anyway (init_on_alloc)
 *   copy    write N: N copies of 4 KiB arena pages per method: copy_page(),
 *           memcpy() of PAGE_SIZE, an unrolled loop of u64 ("u64x8") and,
 *           on x86_64, "rep movsq" (the kernel's page copy), "rep movsb"
 *           and SSE2 and AVX loops inside kernel_fpu_begin(), each over one
 *           page pair ("hot") and over CLAB_BENCH_SPREAD distinct pairs
 *           ("_spread", as compaction copies); read: the rate of each in
 *           MB/s (10^6 bytes/s), "-" where the CPU lacks the method, and
 *           the fastest method of each working set
 *   bracket write "setup arena" or "setup node NID": hold
 *           CLAB_BENCH_BRACKET_PAIRS page pairs, unmovable, from the arena
 *           or from the kernel's node NID; "run N": time N copy_page()
 *           calls cycling over the pairs; "release": give the pages back;
 *           read: one line, "side=none" when nothing is held. The same
 *           copy over the same amount of memory on either side, to bracket
 *           a compaction pass with the copy rate its side can reach
 *
 * Each benchmark runs in CLAB_BENCH_ROUNDS rounds that alternate which side
 * goes first, so that a slow spell of the (shared, emulated) host falls on
 * both. Timed stretches are CLAB_BENCH_CHUNK operations long; cond_resched()
 * runs between them, outside the timed part, and a fatal signal ends the
 * run there (-EINTR, no result). N is at most CLAB_BENCH_MAX_N. One
 * benchmark runs at a time: a write while another runs gets -EBUSY.
 *
 * A virtual arena has no page contents: order0 (whose zeroing sides clear
 * pages), copy and "bracket setup arena" are refused there with
 * -EOPNOTSUPP and a log line; "bracket setup node NID" still runs.
 *
 * The shadow pages order0 and copy hold are movable pages with no owner,
 * so compaction never isolates them (a concurrent compaction only skips
 * them); bracket's are unmovable. bracket's pages stay held between writes
 * until "release", the next "setup" or module exit.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <compactlab/arena.h>
#include <compactlab/mmzone.h>
#include "bench.h"
#include "interfaces.h"
#ifdef CONFIG_X86_64
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#endif

#define CLAB_BENCH_ROUNDS	4
#define CLAB_BENCH_CHUNK	1024
#define CLAB_BENCH_BATCH	512
#define CLAB_BENCH_SPREAD	4096	/* page pairs: 32 MiB in all */
#define CLAB_BENCH_MAX_N	(1000UL * 1000)
#define CLAB_BENCH_FPU_BATCH	16	/* pages per kernel_fpu_begin() */
#define CLAB_BENCH_BRACKET_PAIRS 2048	/* page pairs: 16 MiB in all */

/* A side of an allocator comparison. */
enum clab_bench_side {
	CLAB_BENCH_OURS,
	CLAB_BENCH_KERNEL,
	CLAB_BENCH_OURS_ZERO,
	CLAB_BENCH_KERNEL_ZERO,
	CLAB_BENCH_NR_SIDES
};

/*
 * The flags per side: user pages, movable, as an anonymous fault takes
 * them. The _ZERO sides zero each page, each allocator its own way (the
 * kernel's with clear_page()). The kernel's plain side zeroes too when
 * init_on_alloc is on (Debian's default); the result says so.
 */
static const unsigned int clab_bench_gfp[CLAB_BENCH_NR_SIDES] = {
	[CLAB_BENCH_OURS] = CLAB_GFP_MOVABLE,
	[CLAB_BENCH_OURS_ZERO] = CLAB_GFP_MOVABLE | CLAB_GFP_ZERO,
};

static const gfp_t clab_bench_kernel_gfp[CLAB_BENCH_NR_SIDES] = {
	[CLAB_BENCH_KERNEL] = GFP_HIGHUSER_MOVABLE,
	[CLAB_BENCH_KERNEL_ZERO] = GFP_HIGHUSER_MOVABLE | __GFP_ZERO,
};

/* Is @side the kernel's page allocator? */
static bool clab_bench_is_kernel(enum clab_bench_side side)
{
	return side == CLAB_BENCH_KERNEL || side == CLAB_BENCH_KERNEL_ZERO;
}

/* A page copy method. */
enum clab_bench_copy {
	CLAB_BENCH_COPY_PAGE,
	CLAB_BENCH_MEMCPY,
	CLAB_BENCH_REP_MOVSQ,
	CLAB_BENCH_U64X8,
	CLAB_BENCH_REP_MOVSB,
	CLAB_BENCH_SIMD,
	CLAB_BENCH_AVX,
	CLAB_BENCH_NR_COPIES
};

static const char * const clab_bench_copy_names[CLAB_BENCH_NR_COPIES] = {
	[CLAB_BENCH_COPY_PAGE] = "copy_page",
	[CLAB_BENCH_MEMCPY] = "memcpy",
	[CLAB_BENCH_REP_MOVSQ] = "rep_movsq",
	[CLAB_BENCH_U64X8] = "u64x8",
	[CLAB_BENCH_REP_MOVSB] = "rep_movsb",
	[CLAB_BENCH_SIMD] = "simd",
	[CLAB_BENCH_AVX] = "avx",
};

/**
 * struct clab_bench_order0 - the last order0 run
 * @pairs: allocate+free pairs per side and variant (0: never run)
 * @single_ns: total ns of one-at-a-time pairs, per side
 * @batch_ns: total ns of batched pairs, per side
 * @batch_pairs: pairs done batched per side (whole batches)
 */
struct clab_bench_order0 {
	unsigned long pairs;
	u64 single_ns[CLAB_BENCH_NR_SIDES];
	u64 batch_ns[CLAB_BENCH_NR_SIDES];
	unsigned long batch_pairs;
};

/* The copy working sets: one page pair, or CLAB_BENCH_SPREAD pairs. */
enum clab_bench_set {
	CLAB_BENCH_HOT,
	CLAB_BENCH_SPREAD_SET,
	CLAB_BENCH_NR_SETS
};

static const char * const clab_bench_set_names[CLAB_BENCH_NR_SETS] = {
	[CLAB_BENCH_HOT] = "",
	[CLAB_BENCH_SPREAD_SET] = "_spread",
};

/**
 * struct clab_bench_copy_result - the last copy run
 * @copies: copies per method and working set (0: never run)
 * @spread: page pairs of the spread working set
 * @ns: total ns per working set and method; 0 for a method this
 *	architecture lacks
 */
struct clab_bench_copy_result {
	unsigned long copies;
	unsigned long spread;
	u64 ns[CLAB_BENCH_NR_SETS][CLAB_BENCH_NR_COPIES];
};

/* Whose pages bench/bracket holds. */
enum clab_bench_bracket_side {
	CLAB_BRACKET_NONE,
	CLAB_BRACKET_ARENA,
	CLAB_BRACKET_NODE,
};

static const char * const clab_bench_bracket_names[] = {
	[CLAB_BRACKET_NONE] = "none",
	[CLAB_BRACKET_ARENA] = "arena",
	[CLAB_BRACKET_NODE] = "node",
};

/**
 * struct clab_bench_bracket - the pages bench/bracket holds, and its last run
 * @side: whose pages: none, the arena's or a kernel node's
 * @nid: the node they come from (the arena's node for the arena side)
 * @mem: the shadow memory of the arena side
 * @nr: pages held, 2 * CLAB_BENCH_BRACKET_PAIRS once set up
 * @arena_pages: the arena side's pages
 * @pages: the node side's pages
 * @addr: each held page's kernel address; pair i copies @addr[i] to
 *	@addr[CLAB_BENCH_BRACKET_PAIRS + i]
 * @copies: copy_page() calls of the last complete run (0: none since setup)
 * @ns: their time
 */
struct clab_bench_bracket {
	enum clab_bench_bracket_side side;
	int nid;
	struct clab_mem *mem;
	unsigned long nr;
	struct clab_page **arena_pages;
	struct page **pages;
	void **addr;
	unsigned long copies;
	u64 ns;
};

/* A parsed write to bench/bracket. */
struct clab_bench_bracket_cmd {
	enum {
		CLAB_BRACKET_SETUP,
		CLAB_BRACKET_RUN,
		CLAB_BRACKET_RELEASE,
	} op;
	enum clab_bench_bracket_side side;	/* setup */
	int nid;				/* setup node */
	unsigned long n;			/* run */
};

static struct dentry *clab_bench_dir;
/*
 * Serialises runs and the bracket's setup and release, and protects the
 * three results below and the bracket's pages.
 */
static DEFINE_MUTEX(clab_bench_lock);
static struct clab_bench_order0 clab_bench_order0_result;
static struct clab_bench_copy_result clab_bench_copy_result;
static struct clab_bench_bracket clab_bench_bracket;

/* Time @n one-at-a-time allocate+free pairs of @side; -ENOMEM if one fails. */
static int clab_bench_single(struct clab_mem *mem, enum clab_bench_side side,
			     unsigned long n, u64 *ns)
{
	unsigned long done, i, len;
	u64 t0;

	for (done = 0; done < n; done += len) {
		len = min_t(unsigned long, n - done, CLAB_BENCH_CHUNK);
		t0 = ktime_get_ns();
		if (!clab_bench_is_kernel(side)) {
			for (i = 0; i < len; i++) {
				struct clab_page *page;

				page = clab_alloc_pages(mem, 0,
							clab_bench_gfp[side], 0);
				if (!page)
					return -ENOMEM;
				clab_free_pages(mem, page, 0);
			}
		} else {
			for (i = 0; i < len; i++) {
				struct page *page;

				page = alloc_pages(clab_bench_kernel_gfp[side],
						   0);

				if (!page)
					return -ENOMEM;
				__free_pages(page, 0);
			}
		}
		*ns += ktime_get_ns() - t0;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Time @batches batches of @side: CLAB_BENCH_BATCH allocations, then as
 * many frees, so that the per-CPU lists are refilled and drained.
 */
static int clab_bench_batched(struct clab_mem *mem, enum clab_bench_side side,
			      unsigned long batches, void **slots, u64 *ns)
{
	unsigned long b;
	int i, got;
	u64 t0;

	for (b = 0; b < batches; b++) {
		got = 0;
		t0 = ktime_get_ns();
		if (!clab_bench_is_kernel(side)) {
			for (; got < CLAB_BENCH_BATCH; got++) {
				slots[got] = clab_alloc_pages(mem, 0,
							      clab_bench_gfp[side],
							      0);
				if (!slots[got])
					break;
			}
			for (i = 0; i < got; i++)
				clab_free_pages(mem, slots[i], 0);
		} else {
			for (; got < CLAB_BENCH_BATCH; got++) {
				slots[got] = alloc_pages(clab_bench_kernel_gfp[side],
							 0);
				if (!slots[got])
					break;
			}
			for (i = 0; i < got; i++)
				__free_pages(slots[i], 0);
		}
		*ns += ktime_get_ns() - t0;
		if (got < CLAB_BENCH_BATCH)
			return -ENOMEM;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* One order0 run of @n pairs per side and variant, into @res. */
static int clab_bench_run_order0(struct clab_mem *mem, unsigned long n,
				 struct clab_bench_order0 *res)
{
	unsigned long per_round = DIV_ROUND_UP(n, CLAB_BENCH_ROUNDS);
	unsigned long batches = DIV_ROUND_UP(per_round, CLAB_BENCH_BATCH);
	enum clab_bench_side side;
	void **slots;
	int round, k, ret = 0;

	slots = kmalloc_array(CLAB_BENCH_BATCH, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	memset(res, 0, sizeof(*res));
	for (round = 0; round < CLAB_BENCH_ROUNDS && !ret; round++) {
		/* Each side goes first in one round. */
		for (k = 0; k < CLAB_BENCH_NR_SIDES && !ret; k++) {
			side = (k + round) % CLAB_BENCH_NR_SIDES;
			ret = clab_bench_single(mem, side, per_round,
						&res->single_ns[side]);
		}
		for (k = 0; k < CLAB_BENCH_NR_SIDES && !ret; k++) {
			side = (k + round) % CLAB_BENCH_NR_SIDES;
			ret = clab_bench_batched(mem, side, batches, slots,
						 &res->batch_ns[side]);
		}
	}
	kfree(slots);
	if (ret) {
		memset(res, 0, sizeof(*res));
		return ret;
	}
	res->pairs = per_round * CLAB_BENCH_ROUNDS;
	res->batch_pairs = batches * CLAB_BENCH_BATCH * CLAB_BENCH_ROUNDS;
	return 0;
}

/*
 * 64 bytes per step: eight u64 loads, then eight stores. The barrier ends
 * each step, so that the compiler can neither turn the loop into a call to
 * memcpy() nor fuse the steps. Not inlined, so that the eight values stay
 * in registers rather than spill in a large caller.
 */
static noinline void clab_copy_u64x8(void *to, const void *from)
{
	const u64 *s = from;
	u64 *d = to;
	u64 a0, a1, a2, a3, a4, a5, a6, a7;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); i += 8) {
		a0 = s[i];
		a1 = s[i + 1];
		a2 = s[i + 2];
		a3 = s[i + 3];
		a4 = s[i + 4];
		a5 = s[i + 5];
		a6 = s[i + 6];
		a7 = s[i + 7];
		d[i] = a0;
		d[i + 1] = a1;
		d[i + 2] = a2;
		d[i + 3] = a3;
		d[i + 4] = a4;
		d[i + 5] = a5;
		d[i + 6] = a6;
		d[i + 7] = a7;
		barrier();
	}
}

#ifdef CONFIG_X86_64
/* The kernel's page copy on x86_64 with REP_GOOD: 512 quadwords. */
static void clab_copy_rep_movsq(void *to, const void *from)
{
	unsigned long cnt = PAGE_SIZE / 8;

	asm volatile("rep movsq"
		     : "+c" (cnt), "+D" (to), "+S" (from)
		     : : "memory");
}

/* The same as 4096 bytes: what memcpy() does with ERMS or FSRM. */
static void clab_copy_rep_movsb(void *to, const void *from)
{
	unsigned long cnt = PAGE_SIZE;

	asm volatile("rep movsb"
		     : "+c" (cnt), "+D" (to), "+S" (from)
		     : : "memory");
}

/*
 * SSE2, 64 bytes per step: four 16-byte aligned loads, then four stores.
 * Only between kernel_fpu_begin() and kernel_fpu_end(). The kernel is built
 * without SSE, so the compiler keeps nothing in %xmm0-3 and, as in
 * lib/raid6/sse2.c, no clobbers are declared.
 */
static void clab_copy_sse2(void *to, const void *from)
{
	const char *s = from;
	char *d = to;
	unsigned int off;

	for (off = 0; off < PAGE_SIZE; off += 64)
		asm volatile("movdqa   (%0), %%xmm0\n\t"
			     "movdqa 16(%0), %%xmm1\n\t"
			     "movdqa 32(%0), %%xmm2\n\t"
			     "movdqa 48(%0), %%xmm3\n\t"
			     "movdqa %%xmm0,   (%1)\n\t"
			     "movdqa %%xmm1, 16(%1)\n\t"
			     "movdqa %%xmm2, 32(%1)\n\t"
			     "movdqa %%xmm3, 48(%1)"
			     : : "r" (s + off), "r" (d + off) : "memory");
}

/* AVX, 64 bytes per step in two 32-byte registers; as clab_copy_sse2(). */
static void clab_copy_avx(void *to, const void *from)
{
	const char *s = from;
	char *d = to;
	unsigned int off;

	for (off = 0; off < PAGE_SIZE; off += 64)
		asm volatile("vmovdqa   (%0), %%ymm0\n\t"
			     "vmovdqa 32(%0), %%ymm1\n\t"
			     "vmovdqa %%ymm0,   (%1)\n\t"
			     "vmovdqa %%ymm1, 32(%1)"
			     : : "r" (s + off), "r" (d + off) : "memory");
}

/* Can this CPU copy with @how? SSE2 is part of x86_64. */
static bool clab_bench_arch_has(enum clab_bench_copy how)
{
	if (how == CLAB_BENCH_AVX)
		return boot_cpu_has(X86_FEATURE_AVX) &&
		       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM,
					 NULL);
	return true;
}

/* Copy a page with one of the x86_64 methods. */
static void clab_bench_arch_copy(enum clab_bench_copy how, void *to,
				 const void *from)
{
	switch (how) {
	case CLAB_BENCH_REP_MOVSQ:
		clab_copy_rep_movsq(to, from);
		break;
	case CLAB_BENCH_REP_MOVSB:
		clab_copy_rep_movsb(to, from);
		break;
	case CLAB_BENCH_SIMD:
		clab_copy_sse2(to, from);
		break;
	default:
		clab_copy_avx(to, from);
		break;
	}
}

static void clab_bench_simd_begin(void)
{
	kernel_fpu_begin();
}

static void clab_bench_simd_end(enum clab_bench_copy how)
{
	/* Leave no dirty upper halves to slow down SSE code after us. */
	if (how == CLAB_BENCH_AVX)
		asm volatile("vzeroupper");
	kernel_fpu_end();
}
#else
/* Other architectures have none of the x86_64 methods: "-" in the result. */
static bool clab_bench_arch_has(enum clab_bench_copy how)
{
	return false;
}

static void clab_bench_arch_copy(enum clab_bench_copy how, void *to,
				 const void *from)
{
}

static void clab_bench_simd_begin(void)
{
}

static void clab_bench_simd_end(enum clab_bench_copy how)
{
}
#endif

/* Can this CPU copy with @how? The x86_64 methods depend on the CPU. */
static bool clab_bench_copy_available(enum clab_bench_copy how)
{
	switch (how) {
	case CLAB_BENCH_COPY_PAGE:
	case CLAB_BENCH_MEMCPY:
	case CLAB_BENCH_U64X8:
		return true;
	default:
		return clab_bench_arch_has(how);
	}
}

/* Does @how use SIMD registers, so that it needs kernel_fpu_begin()? */
static bool clab_bench_copy_is_simd(enum clab_bench_copy how)
{
	return how == CLAB_BENCH_SIMD || how == CLAB_BENCH_AVX;
}

/*
 * Copy @len pages with @how, pair *@k onwards (from[k] to to[k], wrapping
 * at @npairs). A SIMD method holds the FPU, with preemption off, for these
 * @len pages only: the caller keeps @len at CLAB_BENCH_FPU_BATCH or less.
 */
static void clab_bench_copy_batch(enum clab_bench_copy how, void **to,
				  void **from, unsigned long npairs,
				  unsigned long *k, unsigned long len)
{
	bool simd = clab_bench_copy_is_simd(how);
	unsigned long i;

	if (simd)
		clab_bench_simd_begin();
	for (i = 0; i < len; i++) {
		switch (how) {
		case CLAB_BENCH_COPY_PAGE:
			copy_page(to[*k], from[*k]);
			break;
		case CLAB_BENCH_MEMCPY:
			memcpy(to[*k], from[*k], PAGE_SIZE);
			break;
		case CLAB_BENCH_U64X8:
			clab_copy_u64x8(to[*k], from[*k]);
			break;
		default:
			clab_bench_arch_copy(how, to[*k], from[*k]);
			break;
		}
		if (++*k == npairs)
			*k = 0;
	}
	if (simd)
		clab_bench_simd_end(how);
}

/*
 * Time @n copies with @how, pair i % @npairs each time (from[i] to to[i]),
 * in chunks. After a fatal signal it stops; the caller discards the run.
 */
static void clab_bench_copies(enum clab_bench_copy how, void **to,
			      void **from, unsigned long npairs,
			      unsigned long n, u64 *ns)
{
	unsigned long done, i, len, step, k = 0;
	u64 t0;

	for (done = 0; done < n && !fatal_signal_pending(current); done += len) {
		len = min_t(unsigned long, n - done, CLAB_BENCH_CHUNK);
		t0 = ktime_get_ns();
		for (i = 0; i < len; i += step) {
			step = min_t(unsigned long, len - i,
				     CLAB_BENCH_FPU_BATCH);
			clab_bench_copy_batch(how, to, from, npairs, &k, step);
		}
		*ns += ktime_get_ns() - t0;
		cond_resched();
	}
}

/* Free the first @nr shadow pages of @pages. */
static void clab_bench_free_pages(struct clab_mem *mem,
				  struct clab_page **pages, unsigned long nr)
{
	while (nr)
		clab_free_pages(mem, pages[--nr], 0);
}

/*
 * Give source page @i of a copy set its own content, so that a method that
 * copies the wrong bytes, or none, shows in clab_bench_copied().
 */
static void clab_bench_fill(void *page, unsigned long i)
{
	u64 *w = page;
	unsigned int k;

	for (k = 0; k < PAGE_SIZE / sizeof(u64); k++)
		w[k] = ((u64)i << 32) ^ (k * 0x9e3779b97f4a7c15ULL);
}

/* Did the last copy of @how land? Clear @to, then copy: equal to @from. */
static bool clab_bench_copied(const void *to, const void *from)
{
	return !memcmp(to, from, PAGE_SIZE);
}

/*
 * One copy run of @n copies per method and working set, into @res: "hot"
 * copies one page to another again and again, "spread" walks
 * CLAB_BENCH_SPREAD distinct page pairs, as compaction does. Each method's
 * first destination page is cleared before its copies and checked after.
 */
static int clab_bench_run_copy(struct clab_mem *mem, unsigned long n,
			       struct clab_bench_copy_result *res)
{
	unsigned long per_round = DIV_ROUND_UP(n, CLAB_BENCH_ROUNDS);
	unsigned long nr = 0, npairs, i;
	struct clab_page **pages;
	bool have[CLAB_BENCH_NR_COPIES];
	void **addr;
	int round, k, how, set;
	int ret = -ENOMEM;

	pages = kvmalloc_array(2 * CLAB_BENCH_SPREAD, sizeof(*pages),
			       GFP_KERNEL);
	addr = kvmalloc_array(2 * CLAB_BENCH_SPREAD, sizeof(*addr),
			      GFP_KERNEL);
	if (!pages || !addr)
		goto free_arrays;
	for (; nr < 2 * CLAB_BENCH_SPREAD && !fatal_signal_pending(current); nr++) {
		pages[nr] = clab_alloc_pages(mem, 0, CLAB_GFP_MOVABLE, 0);
		if (!pages[nr])
			break;
		addr[nr] = clab_arena_page_address(mem->arena,
						   clab_page_to_idx(mem, pages[nr]));
	}
	/* A busy arena gives a smaller spread set: say so in the result. */
	npairs = nr / 2;
	if (!npairs)
		goto free_pages;
	for (i = 0; i < npairs; i++) {
		clab_bench_fill(addr[i], i);
		memset(addr[npairs + i], 0, PAGE_SIZE);
	}
	memset(res, 0, sizeof(*res));
	for (how = 0; how < CLAB_BENCH_NR_COPIES; how++)
		have[how] = clab_bench_copy_available(how);
	res->spread = npairs;
	for (round = 0; round < CLAB_BENCH_ROUNDS; round++) {
		for (set = 0; set < CLAB_BENCH_NR_SETS; set++) {
			unsigned long np = set ? npairs : 1;

			for (k = 0; k < CLAB_BENCH_NR_COPIES; k++) {
				how = (k + round) % CLAB_BENCH_NR_COPIES;
				if (!have[how])
					continue;
				memset(addr[npairs], 0, PAGE_SIZE);
				clab_bench_copies(how, addr + npairs, addr, np,
						  per_round, &res->ns[set][how]);
				if (fatal_signal_pending(current))
					continue;
				if (!clab_bench_copied(addr[npairs], addr[0])) {
					pr_err("bench: copy: %s did not copy the page\n",
					       clab_bench_copy_names[how]);
					ret = -EIO;
					goto discard;
				}
			}
		}
	}
	/* Killed: the copies stopped early, their times mean nothing. */
	if (fatal_signal_pending(current)) {
		ret = -EINTR;
		goto discard;
	}
	res->copies = per_round * CLAB_BENCH_ROUNDS;
	ret = 0;
	goto free_pages;
discard:
	memset(res, 0, sizeof(*res));
free_pages:
	clab_bench_free_pages(mem, pages, nr);
free_arrays:
	kvfree(addr);
	kvfree(pages);
	return ret;
}

/* Give back every page @b holds; it holds none after. */
static void clab_bench_bracket_release(struct clab_bench_bracket *b)
{
	lockdep_assert_held(&clab_bench_lock);
	while (b->nr) {
		b->nr--;
		if (b->side == CLAB_BRACKET_ARENA)
			clab_free_pages(b->mem, b->arena_pages[b->nr], 0);
		else
			__free_pages(b->pages[b->nr], 0);
	}
	kvfree(b->arena_pages);
	kvfree(b->pages);
	kvfree(b->addr);
	*b = (struct clab_bench_bracket){ .side = CLAB_BRACKET_NONE };
}

/*
 * Take page @i of @b: unmovable, as the kernel's GFP_KERNEL pages are, from
 * node @b->nid only; false if there is none.
 */
static bool clab_bench_bracket_take(struct clab_bench_bracket *b,
				    unsigned long i)
{
	struct clab_page *cp;
	struct page *page;

	if (b->side == CLAB_BRACKET_ARENA) {
		cp = clab_alloc_pages(b->mem, b->nid,
				      CLAB_GFP_KERNEL | CLAB_GFP_THISNODE |
				      CLAB_GFP_NOWARN, 0);
		if (!cp)
			return false;
		b->arena_pages[i] = cp;
		b->addr[i] = clab_arena_page_address(b->mem->arena,
						     clab_page_to_idx(b->mem, cp));
	} else {
		page = alloc_pages_node(b->nid, GFP_KERNEL | __GFP_THISNODE |
					__GFP_NOWARN, 0);
		if (!page)
			return false;
		b->pages[i] = page;
		b->addr[i] = page_address(page);
	}
	return true;
}

/*
 * Hold CLAB_BENCH_BRACKET_PAIRS page pairs of @side on node @nid in @b,
 * after giving back what it held. The sources get a pattern and the
 * destinations zeroes, the same on both sides.
 */
static int clab_bench_bracket_setup(struct clab_bench_bracket *b,
				    struct clab_mem *mem,
				    enum clab_bench_bracket_side side, int nid)
{
	const unsigned long want = 2 * CLAB_BENCH_BRACKET_PAIRS;
	unsigned long i;

	lockdep_assert_held(&clab_bench_lock);
	clab_bench_bracket_release(b);
	b->side = side;
	b->nid = nid;
	b->mem = mem;
	b->addr = kvmalloc_array(want, sizeof(*b->addr), GFP_KERNEL);
	if (side == CLAB_BRACKET_ARENA)
		b->arena_pages = kvmalloc_array(want, sizeof(*b->arena_pages),
						GFP_KERNEL);
	else
		b->pages = kvmalloc_array(want, sizeof(*b->pages), GFP_KERNEL);
	if (!b->addr || (!b->arena_pages && !b->pages))
		goto release;
	for (i = 0; i < want; i++) {
		if (!clab_bench_bracket_take(b, i)) {
			pr_info_ratelimited("bench/bracket: setup %s: only %lu of %lu free pages on node %d\n",
					    clab_bench_bracket_names[side], i,
					    want, nid);
			goto release;
		}
		b->nr = i + 1;
		if (i < CLAB_BENCH_BRACKET_PAIRS)
			clab_bench_fill(b->addr[i], i);
		else
			memset(b->addr[i], 0, PAGE_SIZE);
		if (i % CLAB_BENCH_CHUNK == CLAB_BENCH_CHUNK - 1) {
			if (fatal_signal_pending(current)) {
				clab_bench_bracket_release(b);
				return -EINTR;
			}
			cond_resched();
		}
	}
	return 0;
release:
	clab_bench_bracket_release(b);
	return -ENOMEM;
}

/*
 * Time @n copy_page() calls over the pairs @b holds, pair i % pairs each
 * time, in chunks; a fatal signal ends the run between chunks with no
 * result.
 */
static int clab_bench_bracket_run(struct clab_bench_bracket *b,
				  unsigned long n)
{
	const unsigned long pairs = CLAB_BENCH_BRACKET_PAIRS;
	unsigned long done, i, len, k = 0;
	u64 ns = 0, t0;

	lockdep_assert_held(&clab_bench_lock);
	b->copies = 0;
	b->ns = 0;
	for (done = 0; done < n; done += len) {
		len = min_t(unsigned long, n - done, CLAB_BENCH_CHUNK);
		t0 = ktime_get_ns();
		for (i = 0; i < len; i++) {
			copy_page(b->addr[pairs + k], b->addr[k]);
			if (++k == pairs)
				k = 0;
		}
		ns += ktime_get_ns() - t0;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (WARN_ON_ONCE(memcmp(b->addr[pairs], b->addr[0], PAGE_SIZE)))
		return -EIO;
	b->copies = n;
	b->ns = ns;
	return 0;
}

/* Print @num / @den with three decimals; "-" when @den is 0. */
static void clab_bench_print_ratio(struct seq_file *m, u64 num, u64 den)
{
	u64 milli;

	if (!den) {
		seq_puts(m, "-");
		return;
	}
	milli = div64_u64(num * 1000 + den / 2, den);
	seq_printf(m, "%llu.%03llu", milli / 1000, milli % 1000);
}

static int clab_bench_order0_show(struct seq_file *m, void *v)
{
	struct clab_bench_order0 *r = &clab_bench_order0_result;
	static const char * const variant[] = { "single", "batch512" };
	int i;

	mutex_lock(&clab_bench_lock);
	if (!r->pairs) {
		seq_puts(m, "# write N to run N order-0 allocate+free pairs per side\n");
		goto unlock;
	}
	seq_printf(m, "pairs %lu rounds %d batch %d\n", r->pairs,
		   CLAB_BENCH_ROUNDS, CLAB_BENCH_BATCH);
	for (i = 0; i < 2; i++) {
		const u64 *ns = i ? r->batch_ns : r->single_ns;
		u64 pairs = i ? r->batch_pairs : r->pairs;

		seq_printf(m, "%s ours_ns ", variant[i]);
		clab_bench_print_ratio(m, ns[CLAB_BENCH_OURS], pairs);
		seq_puts(m, " kernel_ns ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_KERNEL], pairs);
		seq_puts(m, " ratio ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_OURS],
				       ns[CLAB_BENCH_KERNEL]);
		seq_puts(m, " ours_zero_ns ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_OURS_ZERO], pairs);
		seq_puts(m, " kernel_zero_ns ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_KERNEL_ZERO], pairs);
		seq_puts(m, " zero_ratio ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_OURS_ZERO],
				       ns[CLAB_BENCH_KERNEL_ZERO]);
		seq_putc(m, '\n');
	}
	/* Does the kernel's plain side zero each page too? */
	seq_puts(m, "ours_gfp CLAB_GFP_MOVABLE kernel_gfp GFP_HIGHUSER_MOVABLE");
	seq_printf(m, " zero_gfp +CLAB_GFP_ZERO/+__GFP_ZERO init_on_alloc %d\n",
		   want_init_on_alloc(GFP_HIGHUSER_MOVABLE));
unlock:
	mutex_unlock(&clab_bench_lock);
	return 0;
}

/* The method of the working set @set with the least time; -1 if none ran. */
static int clab_bench_fastest(const struct clab_bench_copy_result *r, int set)
{
	int how, best = -1;

	for (how = 0; how < CLAB_BENCH_NR_COPIES; how++)
		if (r->ns[set][how] &&
		    (best < 0 || r->ns[set][how] < r->ns[set][best]))
			best = how;
	return best;
}

/* Print @r's rate of @how over @set in MB/s; "-" if it did not run. */
static void clab_bench_print_mbps(struct seq_file *m,
				  const struct clab_bench_copy_result *r,
				  int set, int how)
{
	/* bytes per ns * 1000 = MB/s */
	clab_bench_print_ratio(m, (u64)r->copies * PAGE_SIZE * 1000,
			       how < 0 ? 0 : r->ns[set][how]);
}

static int clab_bench_copy_show(struct seq_file *m, void *v)
{
	struct clab_bench_copy_result *r = &clab_bench_copy_result;
	int how, set;

	mutex_lock(&clab_bench_lock);
	if (!r->copies) {
		seq_puts(m, "# write N to run N 4 KiB page copies per method\n");
		goto unlock;
	}
	seq_printf(m, "copies %lu rounds %d page_size %lu spread_pairs %lu\n",
		   r->copies, CLAB_BENCH_ROUNDS, PAGE_SIZE, r->spread);
	for (set = 0; set < CLAB_BENCH_NR_SETS; set++) {
		for (how = 0; how < CLAB_BENCH_NR_COPIES; how++) {
			seq_printf(m, "%s%s_mbps ", clab_bench_copy_names[how],
				   clab_bench_set_names[set]);
			clab_bench_print_mbps(m, r, set, how);
			seq_putc(m, '\n');
		}
	}
	/* The fastest copy this CPU does in kernel code, spread set first. */
	how = clab_bench_fastest(r, CLAB_BENCH_SPREAD_SET);
	seq_printf(m, "fastest %s fastest_mbps ",
		   how < 0 ? "-" : clab_bench_copy_names[how]);
	clab_bench_print_mbps(m, r, CLAB_BENCH_SPREAD_SET, how);
	how = clab_bench_fastest(r, CLAB_BENCH_HOT);
	seq_printf(m, "\nfastest_hot %s fastest_hot_mbps ",
		   how < 0 ? "-" : clab_bench_copy_names[how]);
	clab_bench_print_mbps(m, r, CLAB_BENCH_HOT, how);
	seq_putc(m, '\n');
unlock:
	mutex_unlock(&clab_bench_lock);
	return 0;
}

static int clab_bench_bracket_show(struct seq_file *m, void *v)
{
	struct clab_bench_bracket *b = &clab_bench_bracket;

	if (mutex_lock_killable(&clab_bench_lock))
		return -EINTR;
	if (b->side == CLAB_BRACKET_NONE) {
		seq_puts(m, "side=none\n");
		goto unlock;
	}
	seq_printf(m, "side=%s nid=%d pairs=%lu copies=%lu ns=%llu mbps=",
		   clab_bench_bracket_names[b->side], b->nid, b->nr / 2,
		   b->copies, b->ns);
	/* bytes per ns * 1000 = MB/s */
	clab_bench_print_ratio(m, (u64)b->copies * PAGE_SIZE * 1000, b->ns);
	seq_putc(m, '\n');
unlock:
	mutex_unlock(&clab_bench_lock);
	return 0;
}

/* The next word of *@s, or NULL when none is left. */
static char *clab_bench_word(char **s)
{
	char *w;

	do {
		w = strsep(s, " \t");
	} while (w && !*w);
	return w;
}

/* Parse "setup arena", "setup node NID", "run N" or "release" into @cmd. */
static int clab_bench_bracket_parse(char *s, struct clab_bench_bracket_cmd *cmd)
{
	char *verb = clab_bench_word(&s);
	char *arg = clab_bench_word(&s);
	char *arg2 = clab_bench_word(&s);

	if (!verb)
		goto usage;
	if (!strcmp(verb, "release") && !arg) {
		cmd->op = CLAB_BRACKET_RELEASE;
		return 0;
	}
	if (!strcmp(verb, "run") && arg && !arg2) {
		cmd->op = CLAB_BRACKET_RUN;
		if (kstrtoul(arg, 0, &cmd->n) || !cmd->n ||
		    cmd->n > CLAB_BENCH_MAX_N) {
			pr_info_ratelimited("bench/bracket: run: '%s' is not a count from 1 to %lu\n",
					    arg, CLAB_BENCH_MAX_N);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(verb, "setup") || !arg)
		goto usage;
	cmd->op = CLAB_BRACKET_SETUP;
	if (!strcmp(arg, "arena") && !arg2) {
		cmd->side = CLAB_BRACKET_ARENA;
		cmd->nid = 0;
		return 0;
	}
	if (strcmp(arg, "node") || !arg2 || clab_bench_word(&s))
		goto usage;
	cmd->side = CLAB_BRACKET_NODE;
	if (kstrtoint(arg2, 10, &cmd->nid) || cmd->nid < 0 ||
	    cmd->nid >= MAX_NUMNODES || !node_online(cmd->nid)) {
		pr_info_ratelimited("bench/bracket: setup node: '%s' is not an online node\n",
				    arg2);
		return -EINVAL;
	}
	if (!node_state(cmd->nid, N_MEMORY)) {
		pr_info_ratelimited("bench/bracket: setup node: node %d has no memory\n",
				    cmd->nid);
		return -EINVAL;
	}
	return 0;
usage:
	pr_info_ratelimited("bench/bracket: expected 'setup arena', 'setup node NID', 'run N' or 'release'\n");
	return -EINVAL;
}

/*
 * Does the benchmark @what have page contents to work on? Not on a virtual
 * arena: say so in the log.
 */
static bool clab_bench_has_contents(struct clab_mem *mem, const char *what)
{
	if (clab_arena_has_contents(mem->arena))
		return true;
	pr_info_ratelimited("bench/%s: refused: a virtual arena has no page contents\n",
			    what);
	return false;
}

static ssize_t clab_bench_bracket_write(struct file *file,
					const char __user *ubuf, size_t len,
					loff_t *ppos)
{
	struct clab_mem *mem = file_inode(file)->i_private;
	struct clab_bench_bracket *b = &clab_bench_bracket;
	struct clab_bench_bracket_cmd cmd = {};
	char buf[32];
	int ret;

	if (!clab_interfaces_ready("bench/bracket"))
		return -ENODEV;
	if (len >= sizeof(buf)) {
		pr_info_ratelimited("bench/bracket: a command is shorter than %zu bytes\n",
				    sizeof(buf));
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	ret = clab_bench_bracket_parse(strim(buf), &cmd);
	if (ret)
		return ret;
	if (cmd.op == CLAB_BRACKET_SETUP && cmd.side == CLAB_BRACKET_ARENA &&
	    !clab_bench_has_contents(mem, "bracket"))
		return -EOPNOTSUPP;
	if (!mutex_trylock(&clab_bench_lock))
		return -EBUSY;
	switch (cmd.op) {
	case CLAB_BRACKET_SETUP:
		ret = clab_bench_bracket_setup(b, mem, cmd.side, cmd.nid);
		break;
	case CLAB_BRACKET_RUN:
		if (b->side == CLAB_BRACKET_NONE) {
			pr_info_ratelimited("bench/bracket: run: nothing held; write 'setup arena' or 'setup node NID' first\n");
			ret = -EINVAL;
			break;
		}
		ret = clab_bench_bracket_run(b, cmd.n);
		break;
	case CLAB_BRACKET_RELEASE:
		clab_bench_bracket_release(b);
		break;
	}
	mutex_unlock(&clab_bench_lock);
	return ret ?: len;
}

/* Parse a count from user space: 1 .. CLAB_BENCH_MAX_N. */
static int clab_bench_parse(const char __user *ubuf, size_t len,
			    unsigned long *n)
{
	int ret = kstrtoul_from_user(ubuf, len, 0, n);

	if (ret || !*n || *n > CLAB_BENCH_MAX_N) {
		pr_info_ratelimited("bench: expected a count from 1 to %lu\n",
				    CLAB_BENCH_MAX_N);
		return ret ?: -EINVAL;
	}
	return 0;
}

static int clab_bench_order0_run(struct clab_mem *mem, unsigned long n)
{
	return clab_bench_run_order0(mem, n, &clab_bench_order0_result);
}

static int clab_bench_copy_run(struct clab_mem *mem, unsigned long n)
{
	return clab_bench_run_copy(mem, n, &clab_bench_copy_result);
}

/* A write of N runs one benchmark N times; one benchmark at a time. */
static ssize_t clab_bench_write(struct file *file, const char __user *ubuf,
				size_t len, const char *what,
				int (*run)(struct clab_mem *mem, unsigned long n))
{
	struct clab_mem *mem = file_inode(file)->i_private;
	unsigned long n;
	int ret;

	if (!clab_interfaces_ready("bench"))
		return -ENODEV;
	if (!clab_bench_has_contents(mem, what))
		return -EOPNOTSUPP;
	ret = clab_bench_parse(ubuf, len, &n);
	if (ret)
		return ret;
	if (!mutex_trylock(&clab_bench_lock))
		return -EBUSY;
	ret = run(mem, n);
	mutex_unlock(&clab_bench_lock);
	return ret ?: len;
}

static ssize_t clab_bench_order0_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	return clab_bench_write(file, ubuf, len, "order0",
				clab_bench_order0_run);
}

static ssize_t clab_bench_copy_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	return clab_bench_write(file, ubuf, len, "copy", clab_bench_copy_run);
}

static int clab_bench_order0_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_bench_order0_show, inode->i_private);
}

static int clab_bench_copy_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_bench_copy_show, inode->i_private);
}

static int clab_bench_bracket_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_bench_bracket_show, inode->i_private);
}

static const struct file_operations clab_bench_order0_fops = {
	.owner = THIS_MODULE,
	.open = clab_bench_order0_open,
	.read = seq_read,
	.write = clab_bench_order0_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations clab_bench_copy_fops = {
	.owner = THIS_MODULE,
	.open = clab_bench_copy_open,
	.read = seq_read,
	.write = clab_bench_copy_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations clab_bench_bracket_fops = {
	.owner = THIS_MODULE,
	.open = clab_bench_bracket_open,
	.read = seq_read,
	.write = clab_bench_bracket_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * clab_bench_init() - create /sys/kernel/debug/compactlab/bench/
 * @mem: the shadow memory the benchmarks allocate from
 *
 * Call after clab_debugfs_init(), which creates the parent directory. As
 * with the rest of debugfs, failures are not errors: without the parent
 * (no debugfs) there is simply no bench directory.
 */
void clab_bench_init(struct clab_mem *mem)
{
	struct dentry *parent = debugfs_lookup(KBUILD_MODNAME, NULL);

	if (IS_ERR_OR_NULL(parent))
		return;
	clab_bench_dir = debugfs_create_dir("bench", parent);
	dput(parent);
	debugfs_create_file("order0", 0600, clab_bench_dir, mem,
			    &clab_bench_order0_fops);
	debugfs_create_file("copy", 0600, clab_bench_dir, mem,
			    &clab_bench_copy_fops);
	debugfs_create_file("bracket", 0600, clab_bench_dir, mem,
			    &clab_bench_bracket_fops);
}

/**
 * clab_bench_exit() - remove /sys/kernel/debug/compactlab/bench/
 *
 * Call before clab_debugfs_exit(), which removes the parent, and before the
 * shadow memory goes: the pages bench/bracket holds go back to it here.
 */
void clab_bench_exit(void)
{
	/* Waits for the writes in progress; none can start after. */
	debugfs_remove(clab_bench_dir);
	clab_bench_dir = NULL;
	mutex_lock(&clab_bench_lock);
	clab_bench_bracket_release(&clab_bench_bracket);
	mutex_unlock(&clab_bench_lock);
}
