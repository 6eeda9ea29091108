// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - /sys/kernel/debug/compactlab/bench/: micro-benchmarks that need
 * kernel context. Observability, not ABI; Documentation/benchmarks.rst says
 * what the figures mean and scripts/bench drives them.
 *
 *   order0  write N: N order-0 allocate+free pairs through the shadow
 *           allocator (clab_alloc_pages/clab_free_pages) and N through the
 *           kernel's (alloc_pages/__free_pages), one pair at a time and in
 *           batches of CLAB_BENCH_BATCH (all allocated, then all freed);
 *           read: ns per pair for each and the ratio ours/kernel, and the
 *           same for ours with CLAB_GFP_ZERO ("zero": the kernel zeroes
 *           each page it hands out when init_on_alloc is on)
 *   copy    write N: N copies of 4 KiB arena pages with copy_page(), with
 *           memcpy() of PAGE_SIZE and, on x86_64, with "rep movsq" (the
 *           kernel's page copy), each over one page pair ("hot") and over
 *           CLAB_BENCH_SPREAD distinct pairs ("_spread", as compaction
 *           copies); read: the rate of each in MB/s (10^6 bytes/s)
 *
 * Each benchmark runs in CLAB_BENCH_ROUNDS rounds that alternate which side
 * goes first, so that a slow spell of the (shared, emulated) host falls on
 * both. Timed stretches are CLAB_BENCH_CHUNK operations long; cond_resched()
 * runs between them, outside the timed part, and a fatal signal ends the
 * run there (-EINTR, no result). N is at most CLAB_BENCH_MAX_N. One
 * benchmark runs at a time: a write while another runs gets -EBUSY.
 *
 * The shadow pages a benchmark holds are movable pages with no owner, so
 * compaction never isolates them (a concurrent compaction only skips them).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <compactlab/arena.h>
#include <compactlab/mmzone.h>
#include "bench.h"
#include "interfaces.h"

#define CLAB_BENCH_ROUNDS	4
#define CLAB_BENCH_CHUNK	1024
#define CLAB_BENCH_BATCH	512
#define CLAB_BENCH_SPREAD	4096	/* page pairs: 32 MiB in all */
#define CLAB_BENCH_MAX_N	(1000UL * 1000)

/* A side of an allocator comparison. */
enum clab_bench_side {
	CLAB_BENCH_OURS,
	CLAB_BENCH_KERNEL,
	CLAB_BENCH_OURS_ZERO,
	CLAB_BENCH_NR_SIDES
};

/*
 * The shadow allocator's flags per side. OURS_ZERO zeroes each page, the
 * work the kernel's side does too when init_on_alloc is on (Debian's
 * default), so that the two can also be compared like for like.
 */
static const unsigned int clab_bench_gfp[CLAB_BENCH_NR_SIDES] = {
	[CLAB_BENCH_OURS] = CLAB_GFP_MOVABLE,
	[CLAB_BENCH_OURS_ZERO] = CLAB_GFP_MOVABLE | CLAB_GFP_ZERO,
};

/* A page copy method. */
enum clab_bench_copy {
	CLAB_BENCH_COPY_PAGE,
	CLAB_BENCH_MEMCPY,
	CLAB_BENCH_REP_MOVSQ,
	CLAB_BENCH_NR_COPIES
};

static const char * const clab_bench_copy_names[CLAB_BENCH_NR_COPIES] = {
	[CLAB_BENCH_COPY_PAGE] = "copy_page",
	[CLAB_BENCH_MEMCPY] = "memcpy",
	[CLAB_BENCH_REP_MOVSQ] = "rep_movsq",
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

static struct dentry *clab_bench_dir;
/* Serialises runs and protects the two results below. */
static DEFINE_MUTEX(clab_bench_lock);
static struct clab_bench_order0 clab_bench_order0_result;
static struct clab_bench_copy_result clab_bench_copy_result;

/* Time @n one-at-a-time allocate+free pairs of @side; -ENOMEM if one fails. */
static int clab_bench_single(struct clab_mem *mem, enum clab_bench_side side,
			     unsigned long n, u64 *ns)
{
	unsigned long done, i, len;
	u64 t0;

	for (done = 0; done < n; done += len) {
		len = min_t(unsigned long, n - done, CLAB_BENCH_CHUNK);
		t0 = ktime_get_ns();
		if (side != CLAB_BENCH_KERNEL) {
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
				struct page *page = alloc_pages(GFP_KERNEL, 0);

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
		if (side != CLAB_BENCH_KERNEL) {
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
				slots[got] = alloc_pages(GFP_KERNEL, 0);
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
		/* Even rounds start with ours, odd rounds with the kernel's. */
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

/* The kernel's page copy on x86_64 with REP_GOOD: 512 quadwords. */
static bool clab_copy_rep_movsq(void *to, const void *from)
{
#ifdef CONFIG_X86_64
	unsigned long cnt = PAGE_SIZE / 8;

	asm volatile("rep movsq"
		     : "+c" (cnt), "+D" (to), "+S" (from)
		     : : "memory");
	return true;
#else
	return false;
#endif
}

/*
 * Time @n copies with @how, pair i % @npairs each time (from[i] to to[i]),
 * in chunks; false if this architecture lacks @how.
 */
static bool clab_bench_copies(enum clab_bench_copy how, void **to,
			      void **from, unsigned long npairs,
			      unsigned long n, u64 *ns)
{
	unsigned long done, i, len, k = 0;
	u64 t0;

	/* After a fatal signal, nothing: the caller discards the run. */
	for (done = 0; done < n && !fatal_signal_pending(current); done += len) {
		len = min_t(unsigned long, n - done, CLAB_BENCH_CHUNK);
		t0 = ktime_get_ns();
		for (i = 0; i < len; i++) {
			switch (how) {
			case CLAB_BENCH_COPY_PAGE:
				copy_page(to[k], from[k]);
				break;
			case CLAB_BENCH_MEMCPY:
				memcpy(to[k], from[k], PAGE_SIZE);
				break;
			default:
				if (!clab_copy_rep_movsq(to[k], from[k]))
					return false;
				break;
			}
			if (++k == npairs)
				k = 0;
		}
		*ns += ktime_get_ns() - t0;
		cond_resched();
	}
	return true;
}

/* Free the first @nr shadow pages of @pages. */
static void clab_bench_free_pages(struct clab_mem *mem,
				  struct clab_page **pages, unsigned long nr)
{
	while (nr)
		clab_free_pages(mem, pages[--nr], 0);
}

/*
 * One copy run of @n copies per method and working set, into @res: "hot"
 * copies one page to another again and again, "spread" walks
 * CLAB_BENCH_SPREAD distinct page pairs, as compaction does.
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
		memset(addr[nr], 0xc1, PAGE_SIZE);
	}
	/* A busy arena gives a smaller spread set: say so in the result. */
	npairs = nr / 2;
	if (!npairs)
		goto free_pages;
	memset(res, 0, sizeof(*res));
	memset(have, 1, sizeof(have));
	res->spread = npairs;
	for (round = 0; round < CLAB_BENCH_ROUNDS; round++) {
		for (set = 0; set < CLAB_BENCH_NR_SETS; set++) {
			unsigned long np = set ? npairs : 1;

			for (k = 0; k < CLAB_BENCH_NR_COPIES; k++) {
				how = (k + round) % CLAB_BENCH_NR_COPIES;
				if (!have[how])
					continue;
				have[how] = clab_bench_copies(how,
							      addr + npairs,
							      addr, np,
							      per_round,
							      &res->ns[set][how]);
			}
		}
	}
	/* Killed: the copies stopped early, their times mean nothing. */
	if (fatal_signal_pending(current)) {
		memset(res, 0, sizeof(*res));
		ret = -EINTR;
		goto free_pages;
	}
	for (how = 0; how < CLAB_BENCH_NR_COPIES; how++)
		for (set = 0; set < CLAB_BENCH_NR_SETS && !have[how]; set++)
			res->ns[set][how] = 0;
	res->copies = per_round * CLAB_BENCH_ROUNDS;
	ret = 0;
	/* The copies are not optimised away: check the last destination. */
	for (i = 0; i < npairs; i++)
		if (WARN_ON_ONCE(memcmp(addr[npairs + i], addr[i], PAGE_SIZE)))
			break;
free_pages:
	clab_bench_free_pages(mem, pages, nr);
free_arrays:
	kvfree(addr);
	kvfree(pages);
	return ret;
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
		seq_puts(m, " zero_ratio ");
		clab_bench_print_ratio(m, ns[CLAB_BENCH_OURS_ZERO],
				       ns[CLAB_BENCH_KERNEL]);
		seq_putc(m, '\n');
	}
unlock:
	mutex_unlock(&clab_bench_lock);
	return 0;
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
			/* bytes per ns * 1000 = MB/s */
			seq_printf(m, "%s%s_mbps ", clab_bench_copy_names[how],
				   clab_bench_set_names[set]);
			clab_bench_print_ratio(m, (u64)r->copies * PAGE_SIZE * 1000,
					       r->ns[set][how]);
			seq_putc(m, '\n');
		}
	}
unlock:
	mutex_unlock(&clab_bench_lock);
	return 0;
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
				size_t len,
				int (*run)(struct clab_mem *mem, unsigned long n))
{
	struct clab_mem *mem = file_inode(file)->i_private;
	unsigned long n;
	int ret;

	if (!clab_interfaces_ready("bench"))
		return -ENODEV;
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
	return clab_bench_write(file, ubuf, len, clab_bench_order0_run);
}

static ssize_t clab_bench_copy_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	return clab_bench_write(file, ubuf, len, clab_bench_copy_run);
}

static int clab_bench_order0_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_bench_order0_show, inode->i_private);
}

static int clab_bench_copy_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_bench_copy_show, inode->i_private);
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
}

/**
 * clab_bench_exit() - remove /sys/kernel/debug/compactlab/bench/
 *
 * Call before clab_debugfs_exit(), which removes the parent.
 */
void clab_bench_exit(void)
{
	debugfs_remove(clab_bench_dir);
	clab_bench_dir = NULL;
}
