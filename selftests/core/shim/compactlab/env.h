/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env.h (user-space shim) - the kernel facilities the compactlab core uses,
 * on top of libc, so that the core compiles unchanged into test programs
 * run under ASan and UBSan (the tools/testing/vma approach).
 *
 * This directory comes first on the include path of the user-space build and
 * so replaces include/compactlab/env.h there.
 */
#ifndef _COMPACTLAB_ENV_H
#define _COMPACTLAB_ENV_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The kernel's fixed-size types, as asm-generic/int-ll64.h defines them. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

#define __bitwise
typedef unsigned int __bitwise gfp_t;

#define U64_MAX			((u64)~0ULL)
#define min3(a, b, c)		min(min(a, b), c)
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define round_down(x, y)	((x) & ~((__typeof__(x))(y) - 1))
#define num_online_cpus()	1
#define num_possible_cpus()	1
static inline unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (63 - __builtin_clzl(n));
}

typedef struct { int counter; } atomic_t;
#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_set_release(v, i) __atomic_store_n(&(v)->counter, (i), __ATOMIC_RELEASE)
#define atomic_add(i, v)	((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_RELAXED))

/*
 * Race windows for the single-threaded tests: when set, called by every
 * atomic_inc_not_zero() just before it reads the counter (@taken false)
 * and, if it took a reference, just after (@taken true), so that a test
 * can do there what another CPU could do in that window.
 */
extern void (*clab_shim_get_hook)(atomic_t *v, bool taken);

static inline bool atomic_inc_not_zero(atomic_t *v)
{
	int c;

	if (clab_shim_get_hook)
		clab_shim_get_hook(v, false);
	c = atomic_read(v);
	while (c && !__atomic_compare_exchange_n(&v->counter, &c, c + 1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		;
	if (c && clab_shim_get_hook)
		clab_shim_get_hook(v, true);
	return c != 0;
}

#define atomic_inc(v)		((void)__atomic_fetch_add(&(v)->counter, 1, __ATOMIC_RELAXED))
#define atomic_dec(v)		((void)__atomic_fetch_sub(&(v)->counter, 1, __ATOMIC_RELAXED))
#define atomic_dec_and_test(v)	(__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_ACQ_REL) == 0)
#define atomic_sub(i, v)	((void)__atomic_fetch_sub(&(v)->counter, (i), __ATOMIC_RELAXED))
typedef struct { s64 counter; } atomic64_t;
#define atomic64_read(v)	__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic64_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic64_add(i, v)	((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_RELAXED))
#define atomic64_inc(v)		atomic64_add(1, v)
/* Value-returning atomics are fully ordered, as the kernel's. */
#define atomic64_inc_return(v)	__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
/* A full barrier, as the kernel's. */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
/* An acquiring load, as the kernel's. */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
/* A releasing store, as the kernel's. */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cpu_relax()		__builtin_ia32_pause()
#define GFP_KERNEL		0u
#define __user
#define __acquires(x)
#define __releases(x)
#define __init
#define __exit
#define __must_check		__attribute__((warn_unused_result))
#define __maybe_unused		__attribute__((__unused__))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
/* Single, untorn accesses: relaxed atomics, as READ_ONCE() guarantees. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
/* As the kernel's, these evaluate each argument once. */
#define min(a, b) ({							\
	__typeof__(a) __min_a = (a);					\
	__typeof__(b) __min_b = (b);					\
	__min_a < __min_b ? __min_a : __min_b;				\
})
#define max(a, b) ({							\
	__typeof__(a) __max_a = (a);					\
	__typeof__(b) __max_b = (b);					\
	__max_a > __max_b ? __max_a : __max_b;				\
})
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define max_t(type, a, b)	max((type)(a), (type)(b))
#define div_u64(a, b)		((u64)(a) / (u32)(b))

#define CLAB_MAX_ORDER		10
#define CLAB_PAGEBLOCK_ORDER	9u
#define CLAB_PAGE_SHIFT		12
#define CLAB_PAGE_SIZE		BIT(CLAB_PAGE_SHIFT)
#define PAGE_SHIFT		CLAB_PAGE_SHIFT
#define PAGE_SIZE		CLAB_PAGE_SIZE

/* copy_page(), clear_page() and ktime_get_ns() (CLOCK_MONOTONIC). */
static inline void clab_copy_page(void *to, void *from)
{
	memcpy(to, from, CLAB_PAGE_SIZE);
}

static inline void clab_clear_page(void *addr)
{
	memset(addr, 0, CLAB_PAGE_SIZE);
}

static inline u64 clab_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define pr_err(...)		fprintf(stderr, __VA_ARGS__)
#define pr_warn(...)		fprintf(stderr, __VA_ARGS__)
#define pr_info(...)		((void)0)
#define pr_debug(...)		((void)0)

/* A warning in the core is a test failure: abort so that ASan prints where. */
#define WARN_ON_ONCE(c)		({ bool __c = !!(c); if (__c) { \
	fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #c, __FILE__, __LINE__); \
	abort(); } __c; })
#define WARN_ON(c)		WARN_ON_ONCE(c)

/*
 * A test may ask for the CPU (clab_shim_need_resched, the kernel's
 * TIF_NEED_RESCHED); cond_resched() gives it up, which clears the request.
 */
extern bool clab_shim_need_resched;
static inline void cond_resched(void)
{
	clab_shim_need_resched = false;
}

static inline bool need_resched(void) { return clab_shim_need_resched; }
struct task_struct { int pid; };
extern struct task_struct *current;
static inline bool fatal_signal_pending(struct task_struct *t) { return false; }
static inline void rcu_read_lock(void) { }
static inline void rcu_read_unlock(void) { }
/* Single threaded: nobody can be inside a read-side section. */
struct rcu_head { void *next; };
#define kfree_rcu(p, field)	kfree(p)
#define LONG_MAX_		LONG_MAX
#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	DIV_ROUND_UP(n, BITS_PER_LONG)
#define TASK_UNINTERRUPTIBLE	2
#define TASK_KILLABLE		(TASK_UNINTERRUPTIBLE | 0x100)
#define msecs_to_jiffies(ms)	(ms)
#define jiffies_to_msecs(j)	(j)
#define DEFINE_SPINLOCK(x)	spinlock_t x
/* A full barrier, as the kernel's is after a non-value-returning atomic. */
#define smp_mb__after_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define clear_bit_unlock(nr, addr)	clear_bit(nr, addr)
static inline void wake_up_bit(void *word, int bit) { }
/* Time and threads: the tests call the threads' work functions directly. */
#define HZ			100
/*
 * jiffies advances by clab_shim_jiffies_step at every reading (0 unless a
 * test asks), so that a test can put a tick between two readings.
 */
extern unsigned long clab_shim_jiffies, clab_shim_jiffies_step;
static inline unsigned long *clab_shim_read_jiffies(void)
{
	static unsigned long snapshot;

	snapshot = clab_shim_jiffies;
	clab_shim_jiffies += clab_shim_jiffies_step;
	return &snapshot;
}

#define jiffies			(*clab_shim_read_jiffies())
#define time_before(a, b)	((long)((a) - (b)) < 0)
#define time_after(a, b)	time_before(b, a)
#define MAX_SCHEDULE_TIMEOUT	LONG_MAX
#define cmpxchg(p, o, n)	__sync_val_compare_and_swap(p, o, n)
#define might_sleep_if(c)	((void)(c))
#define scnprintf(buf, size, ...) ({					\
	__typeof__(size) __size = (size);				\
	int __n = snprintf(buf, __size, __VA_ARGS__);			\
	__size ? min(__n, (int)__size - 1) : 0;				\
})
/* The longest sleep asked for, in jiffies, for the tests to check. */
extern unsigned long clab_shim_longest_sleep;
static inline void clab_shim_sleep(unsigned long j)
{
	if (j > clab_shim_longest_sleep)
		clab_shim_longest_sleep = j;
	clab_shim_jiffies += j;
}

static inline void msleep(unsigned int ms) { clab_shim_sleep(ms + 1); }
static inline long schedule_timeout_killable(long timeout)
{
	clab_shim_sleep(timeout);
	return 0;
}

typedef struct { int sleepers; } wait_queue_head_t;
#define init_waitqueue_head(w)	((w)->sleepers = 0)
/* Nothing sleeps in user space: no barrier is needed before this test. */
#define waitqueue_active(w)	((w)->sleepers != 0)
static inline void wake_up_interruptible(wait_queue_head_t *w) { }
#define wait_event_interruptible(w, c)	({ assert(c); 0; })
#define wait_event_interruptible_timeout(w, c, t) ({ (void)(t); (c) ? 1L : 0L; })
static inline bool kthread_should_stop(void) { return false; }
#define kthread_run(fn, data, ...) ((void)(fn), (void)(data), \
				    (struct task_struct *)ERR_PTR(-EOPNOTSUPP))
static inline int kthread_stop(struct task_struct *t) { return 0; }

/*
 * Delayed work never runs by itself in user space: the shim remembers the
 * last one armed, and a test runs it, once it is due, with
 * clab_shim_run_delayed_work().
 */
struct work_struct { int unused; };
struct delayed_work {
	struct work_struct work;
	void (*func)(struct work_struct *work);
	bool pending;
	unsigned long expires;
};

#define DECLARE_DELAYED_WORK(n, f)	struct delayed_work n = { .func = (f) }
#define system_wq			NULL
extern struct delayed_work *clab_shim_delayed_work;

static inline bool mod_delayed_work(void *wq, struct delayed_work *dw,
				    unsigned long delay)
{
	bool was_pending = dw->pending;

	dw->pending = true;
	dw->expires = clab_shim_jiffies + delay;
	clab_shim_delayed_work = dw;
	return was_pending;
}

static inline bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was_pending = dw->pending;

	dw->pending = false;
	return was_pending;
}

/* Run the armed delayed work if it is due; whether it ran. */
static inline bool clab_shim_run_delayed_work(void)
{
	struct delayed_work *dw = clab_shim_delayed_work;

	if (!dw || !dw->pending || time_before(clab_shim_jiffies, dw->expires))
		return false;
	dw->pending = false;
	dw->func(&dw->work);
	return true;
}

/* Nothing completes asynchronously in user space: a wait times out at once. */
static inline int wait_on_bit_timeout(unsigned long *word, int bit,
				      unsigned int mode, unsigned long timeout)
{
	return (*word >> bit) & 1UL ? -EAGAIN : 0;
}

static inline void *kzalloc(size_t n, gfp_t gfp) { (void)gfp; return calloc(1, n); }
static inline void *kmalloc(size_t n, gfp_t gfp) { (void)gfp; return malloc(n); }
static inline void *kcalloc(size_t n, size_t s, gfp_t gfp) { (void)gfp; return calloc(n, s); }
static inline void *kvcalloc(size_t n, size_t s, gfp_t gfp) { (void)gfp; return calloc(n, s); }
static inline void kfree(const void *p) { free((void *)p); }
static inline void kvfree(const void *p) { free((void *)p); }
static inline void *kvzalloc(size_t n, gfp_t gfp) { (void)gfp; return calloc(1, n); }
static inline unsigned long *bitmap_zalloc(unsigned long nbits, gfp_t gfp)
{
	(void)gfp;
	return calloc((nbits + 63) / 64 ?: 1, sizeof(unsigned long));
}

static inline void bitmap_free(const unsigned long *p) { free((void *)p); }

/* Page-aligned, as the kernel's. */
static inline void *vmalloc(unsigned long n)
{
	return aligned_alloc(4096, (n + 4095) & ~4095UL);
}

static inline void vfree(const void *p) { free((void *)p); }

#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }

static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	(void)swap;
	qsort(base, num, size, cmp);
}

/* Locks: the user-space tests are single threaded; holding is tracked. */
typedef struct { int held; } spinlock_t;
struct mutex { int held; };
#define spin_lock_init(l)	((l)->held = 0)
#define spin_lock(l) do {						\
	int *__held = &(l)->held;					\
	assert(!*__held);						\
	*__held = 1;							\
} while (0)
#define spin_unlock(l) do {						\
	int *__held = &(l)->held;					\
	assert(*__held);						\
	*__held = 0;							\
} while (0)
#define spin_lock_irqsave(l, f)	do { (void)(f); spin_lock(l); } while (0)
#define spin_trylock_irqsave(l, f) ({ (void)(f); spin_lock(l); true; })
#define spin_unlock_irqrestore(l, f) spin_unlock(l)
#define mutex_init(l)		((l)->held = 0)
#define mutex_lock(l)		spin_lock(l)
#define mutex_unlock(l)		spin_unlock(l)
#define mutex_trylock(l) ({						\
	int *__held = &(l)->held;					\
	bool __ok = !*__held;						\
	*__held = 1;							\
	__ok;								\
})
#define lockdep_assert_held(l)	assert((l)->held)

/* Doubly linked lists with the kernel's names and semantics. */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	__list_add(n, h, h->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	__list_add(n, h->prev, h);
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = (struct list_head *)0x100;
	e->prev = (struct list_head *)0x122;
}

static inline void list_del_init(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	INIT_LIST_HEAD(e);
}

static inline void list_move(struct list_head *e, struct list_head *h)
{
	list_del(e);
	list_add(e, h);
}

static inline void list_move_tail(struct list_head *e, struct list_head *h)
{
	list_del(e);
	list_add_tail(e, h);
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

/* Put the entries of @l (left as it was) at the front of @h. */
static inline void list_splice(const struct list_head *l, struct list_head *h)
{
	struct list_head *first = l->next, *last = l->prev, *at = h->next;

	if (list_empty(l))
		return;
	first->prev = h;
	h->next = first;
	last->next = at;
	at->prev = last;
}

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_last_entry(h, type, member) list_entry((h)->prev, type, member)
#define list_for_each(p, h)	for (p = (h)->next; p != (h); p = p->next)
#define list_for_each_safe(p, n, h) \
	for (p = (h)->next, n = p->next; p != (h); p = n, n = p->next)
#define list_for_each_entry(p, h, m) \
	for (p = list_entry((h)->next, __typeof__(*p), m); &p->m != (h); \
	     p = list_entry(p->m.next, __typeof__(*p), m))
#define list_for_each_entry_safe(p, n, h, m) \
	for (p = list_entry((h)->next, __typeof__(*p), m), \
	     n = list_entry(p->m.next, __typeof__(*p), m); &p->m != (h); \
	     p = n, n = list_entry(n->m.next, __typeof__(*n), m))

/* Per-CPU data: the tests run on one CPU. */
#define __percpu
#define DEFINE_PER_CPU(t, name)		__typeof__(t) name
#define DECLARE_PER_CPU(t, name)	extern __typeof__(t) name
#define per_cpu_ptr(ptr, cpu)		((void)(cpu), (ptr))
#define this_cpu_ptr(ptr)		(ptr)
#define this_cpu_add(var, n)		((var) += (n))
#define this_cpu_inc(var)		((var)++)
#define for_each_possible_cpu(cpu)	for ((cpu) = 0; (cpu) < 1; (cpu)++)
#define for_each_online_cpu(cpu)	for_each_possible_cpu(cpu)
#define alloc_percpu(t)			((__typeof__(t) *)calloc(1, sizeof(t)))
#define free_percpu(p)			free(p)
static inline int get_cpu(void) { return 0; }
#define nr_cpu_ids		1U
#define cpu_possible(cpu)	((cpu) == 0)
static inline void put_cpu(void) { }
static inline void migrate_disable(void) { }
static inline void migrate_enable(void) { }
static inline int smp_processor_id(void) { return 0; }

/* Non-atomic and atomic bit operations on an unsigned long. */
static inline bool test_bit(long nr, const unsigned long *addr)
{
	return (addr[nr / 64] >> (nr % 64)) & 1UL;
}

static inline void __set_bit(long nr, unsigned long *addr)
{
	addr[nr / 64] |= 1UL << (nr % 64);
}

static inline void __clear_bit(long nr, unsigned long *addr)
{
	addr[nr / 64] &= ~(1UL << (nr % 64));
}

#define set_bit(nr, addr)	__set_bit(nr, addr)
#define clear_bit(nr, addr)	__clear_bit(nr, addr)

static inline bool test_and_set_bit(long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__set_bit(nr, addr);
	return old;
}

static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__clear_bit(nr, addr);
	return old;
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long offset)
{
	while (offset < size) {
		unsigned long w = addr[offset / 64] >> (offset % 64);

		if (w)
			return min(offset + __builtin_ctzl(w), size);
		offset = (offset / 64 + 1) * 64;
	}
	return size;
}

static inline void bitmap_set(unsigned long *map, unsigned long start,
			      unsigned long n)
{
	while (n--)
		__set_bit(start++, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned long start,
				unsigned long n)
{
	while (n--)
		__clear_bit(start++, map);
}

/* The kernel's strscpy(): always terminated; -E2BIG when truncated. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	int n;

	if (!size)
		return -E2BIG;
	n = snprintf(dst, size, "%s", src);
	return n < 0 || (size_t)n >= size ? -E2BIG : n;
}

static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

static inline unsigned long __ffs(unsigned long w)
{
	return __builtin_ctzl(w);
}

static inline unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/*
 * Modules, as the policy registry uses them: the owner of a registered
 * policy. refcnt counts the references compactions hold; a test sets going
 * to play a module whose unload has begun (try_module_get() then fails).
 */
struct module {
	int refcnt;
	bool going;
};

#define THIS_MODULE		((struct module *)NULL)

static inline bool try_module_get(struct module *m)
{
	if (!m)
		return true;
	if (m->going)
		return false;
	m->refcnt++;
	return true;
}

static inline int module_refcount(struct module *m)
{
	return m ? m->refcnt : 0;
}

static inline void module_put(struct module *m)
{
	if (!m)
		return;
	assert(m->refcnt > 0);
	m->refcnt--;
}

#endif /* _COMPACTLAB_ENV_H */
