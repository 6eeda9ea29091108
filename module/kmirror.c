// SPDX-License-Identifier: GPL-2.0
/*
 * kmirror.c - the live mirror's kernel side: the running kernel's page
 * allocator tracepoints, the worker that replays them (mirror.c), and the
 * kernel's own census to compare with. Kernel-only: not part of the core.
 *
 * Tracepoints. No mm_page_* tracepoint is exported to modules, so they are
 * found by name with for_each_kernel_tracepoint() and attached with
 * tracepoint_probe_register(), both exported (GPL) on every kernel of the
 * matrix. Four are listened to, with the same prototypes on 6.1 and 6.12:
 *
 *	mm_page_alloc(page, order, gfp, migratetype)	end of __alloc_pages(),
 *		the block handed to the caller; page NULL when it failed
 *	mm_page_free(page, order)			start of every free
 *	mm_page_alloc_zone_locked(page, order, migratetype, percpu_refill)
 *		a block off the buddy lists; kept only with percpu_refill,
 *		a refill of this CPU's per-CPU list
 *	mm_page_pcpu_drain(page, order, migratetype)	a block given back from
 *		a per-CPU list (free_pcppages_bulk(): over the high mark, or
 *		a drain, of any CPU's list)
 *
 * The last two only say which CPU's list holds a block and when the kernel
 * empties its lists; they are not attached with pcp=own. mm_page_free_batched,
 * which 6.1 and 6.12 emit after mm_page_free for the same page when it
 * reaches a per-CPU list, is not listened to: each free counts once; nor is
 * mm_page_alloc_extfrag: the shadow steals pageblocks by its own rules.
 *
 * The probes run wherever the allocator runs, hard IRQ included, never in
 * NMI. Each translates the event into a fixed-size record and appends it
 * to its CPU's ring with interrupts off (mirror_ring.c); it allocates
 * nothing, takes no lock and never waits. Events of pfns outside the
 * mirrored range are dropped in the probe, failed allocations kept.
 *
 * Lifetime. Start: allocate every buffer, register the probes, note the
 * sequence number, clone the kernel's zone into the arena (kclone.c,
 * layout.c), pin it for the replay (mirror.c), start the worker, which
 * applies every event numbered after the clone began: one the clone
 * already shows is applied again and counted (rebound, unmatched), never
 * lost. Stop: unregister the probes, wait with
 * tracepoint_synchronize_unregister() until no CPU is inside one, stop the
 * worker, free the replay (which releases the clone) and the buffers.
 *
 * The worker drains the rings every millisecond while events come, every
 * 10 ms otherwise, and every interval_ms reads the kernel's zone again
 * (clab_kclone_reread(), into a layout allocated at start), takes both
 * sides' censuses into the time series, and lets the replay repair what
 * no event showed (clab_mirror_reconcile()).
 *
 * Divergence. A full ring drops events (counted per CPU): the mirror then
 * says it diverged, and a resync (stop and start again, the counters and
 * the time series kept) takes a fresh clone.
 *
 * Locking: clab_kmirror_lock serialises start, stop, resync and the
 * readers of the counters; the worker never takes it. The samples are
 * written by the worker under clab_kmirror.sample_lock.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <compactlab/arena.h>
#include <compactlab/mirror.h>
#include "kclone.h"
#include "kmirror.h"

/* Records drained before the worker offers the CPU and looks at the time. */
#define CLAB_KMIRROR_BATCH	4096

/**
 * struct clab_kmirror - the one live mirror of the module
 * @mem: the shadow memory
 * @req: the kernel zone mirrored
 * @start_pfn: the kernel pfn of arena page 0
 * @end_pfn: the end of the mirrored range (exclusive)
 * @interval_ms: milliseconds between censuses
 * @pcp_follow: the shadow's per-CPU lists follow the kernel's
 * @rings: the per-CPU event rings
 * @mirror: the replay
 * @census: the kernel's range, read again at each census
 * @worker: drains and censuses
 * @skip_until: events numbered up to this are older than the clone
 * @lost_at_start: events lost before the current clone was taken
 * @base: the counters of the replays before the last resync
 * @resyncs: resyncs since the mirror was turned on
 * @started: when the mirror was turned on
 * @sample_lock: @samples, @nr_samples, @next_sample
 * @samples: the time series, a ring of @max_samples
 * @max_samples: samples the ring holds
 * @nr_samples: samples taken (the newest @max_samples are kept)
 * @census_error: the last census's error, 0 if it worked
 * @warned_lost: the divergence of the current clone was logged
 */
struct clab_kmirror {
	struct clab_mem *mem;
	struct clab_kclone_request req;
	unsigned long start_pfn;
	unsigned long end_pfn;
	unsigned int interval_ms;
	bool pcp_follow;
	struct clab_mirror_rings *rings;
	struct clab_mirror *mirror;
	struct clab_layout census;
	struct task_struct *worker;
	u64 skip_until;
	unsigned long lost_at_start;
	struct clab_mirror_counters base;
	unsigned long resyncs;
	ktime_t started;
	spinlock_t sample_lock;	/* the time series */
	struct clab_mirror_sample *samples;
	unsigned long max_samples;
	unsigned long nr_samples;
	int census_error;
	bool warned_lost;
};

/* Start, stop, resync and readers of the counters. */
static DEFINE_MUTEX(clab_kmirror_lock);
/* The running mirror, or NULL; written under clab_kmirror_lock. */
static struct clab_kmirror *clab_kmirror;

static struct tracepoint *clab_tp_alloc, *clab_tp_free, *clab_tp_refill,
	*clab_tp_drain;

/*
 * The page allocator's gfp, as the shadow's. The zone bits follow
 * gfp_zone(): __GFP_DMA, else __GFP_DMA32, else ZONE_MOVABLE only for
 * __GFP_MOVABLE with __GFP_HIGHMEM (GFP_HIGHUSER_MOVABLE).
 */
static u32 clab_kmirror_gfp(gfp_t gfp, int mt)
{
	u32 g = CLAB_GFP_NOWARN;

	switch (mt) {
	case MIGRATE_MOVABLE:
		g |= CLAB_MIGRATE_MOVABLE;
		if ((gfp & (__GFP_MOVABLE | __GFP_HIGHMEM)) ==
		    (__GFP_MOVABLE | __GFP_HIGHMEM))
			g |= CLAB_GFP_MOVABLE_ZONE;
		break;
	case MIGRATE_RECLAIMABLE:
		g |= CLAB_MIGRATE_RECLAIMABLE;
		break;
	default:
		g |= CLAB_MIGRATE_UNMOVABLE;
	}
	if (gfp & __GFP_DMA)
		g |= CLAB_GFP_DMA;
	else if (gfp & __GFP_DMA32)
		g |= CLAB_GFP_DMA32;
	if (gfp & __GFP_HIGH)
		g |= CLAB_GFP_HIGH;
	/* GFP_ATOMIC on 6.1 and 6.12 alike: high, and may not block. */
	if ((gfp & __GFP_HIGH) && !(gfp & __GFP_DIRECT_RECLAIM))
		g |= CLAB_GFP_ATOMIC;
	if (gfp & __GFP_MEMALLOC)
		g |= CLAB_GFP_NO_WMARK;
	if (gfp & __GFP_DIRECT_RECLAIM)
		g |= CLAB_GFP_DIRECT_RECLAIM;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		g |= CLAB_GFP_KSWAPD_RECLAIM;
	if (gfp & __GFP_NORETRY)
		g |= CLAB_GFP_NORETRY;
	if (gfp & __GFP_RETRY_MAYFAIL)
		g |= CLAB_GFP_RETRY_MAYFAIL;
	return g;
}

/* Append @ev to this CPU's ring; any context but NMI. */
static void clab_kmirror_emit(struct clab_kmirror *km,
			      struct clab_mirror_event *ev)
{
	unsigned long flags;

	local_irq_save(flags);
	clab_mirror_ring_emit(km->rings, smp_processor_id(), ev);
	local_irq_restore(flags);
}

static bool clab_kmirror_in_range(struct clab_kmirror *km, unsigned long pfn)
{
	return pfn >= km->start_pfn && pfn < km->end_pfn;
}

/* mm_page_alloc: the prototype of include/trace/events/kmem.h, data first. */
static void clab_kmirror_probe_alloc(void *data, struct page *page,
				     unsigned int order, gfp_t gfp, int mt)
{
	struct clab_kmirror *km = data;
	struct clab_mirror_event ev = {
		.type = CLAB_MEV_ALLOC_FAILED,
		.order = order,
		.gfp = (u16)clab_kmirror_gfp(gfp, mt),
		.flags = (gfp & __GFP_COMP) ? CLAB_MEVF_COMPOUND : 0,
	};

	if (page) {
		ev.pfn = page_to_pfn(page);
		if (!clab_kmirror_in_range(km, ev.pfn))
			return;
		ev.type = CLAB_MEV_ALLOC;
	}
	clab_kmirror_emit(km, &ev);
}

/* mm_page_free, likewise. */
static void clab_kmirror_probe_free(void *data, struct page *page,
				    unsigned int order)
{
	struct clab_kmirror *km = data;
	struct clab_mirror_event ev = {
		.type = CLAB_MEV_FREE,
		.order = order,
		.pfn = page_to_pfn(page),
	};

	if (!clab_kmirror_in_range(km, ev.pfn))
		return;
	clab_kmirror_emit(km, &ev);
}

/* The CLAB_MIGRATE_* of a kernel per-CPU list of a block of type @mt. */
static u16 clab_kmirror_pcp_list(int mt)
{
	u8 t = clab_kclone_migratetype_of(mt);

	/* MOVABLE's list takes HIGHATOMIC and CMA blocks too. */
	return t < CLAB_MIGRATE_PCPTYPES ? t : CLAB_MIGRATE_MOVABLE;
}

/* mm_page_alloc_zone_locked: only refills of this CPU's list are kept. */
static void clab_kmirror_probe_refill(void *data, struct page *page,
				      unsigned int order, int mt,
				      int percpu_refill)
{
	struct clab_kmirror *km = data;
	struct clab_mirror_event ev = {
		.type = CLAB_MEV_PCP_REFILL,
		.order = order,
		.gfp = clab_kmirror_pcp_list(mt),
	};

	if (!percpu_refill)
		return;
	ev.pfn = page_to_pfn(page);
	if (!clab_kmirror_in_range(km, ev.pfn))
		return;
	clab_kmirror_emit(km, &ev);
}

/* mm_page_pcpu_drain. */
static void clab_kmirror_probe_drain(void *data, struct page *page,
				     unsigned int order, int mt)
{
	struct clab_kmirror *km = data;
	struct clab_mirror_event ev = {
		.type = CLAB_MEV_PCP_DRAIN,
		.order = order,
		.gfp = clab_kmirror_pcp_list(mt),
		.pfn = page_to_pfn(page),
	};

	if (!clab_kmirror_in_range(km, ev.pfn))
		return;
	clab_kmirror_emit(km, &ev);
}

static void clab_kmirror_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "mm_page_alloc"))
		clab_tp_alloc = tp;
	else if (!strcmp(tp->name, "mm_page_free"))
		clab_tp_free = tp;
	else if (!strcmp(tp->name, "mm_page_alloc_zone_locked"))
		clab_tp_refill = tp;
	else if (!strcmp(tp->name, "mm_page_pcpu_drain"))
		clab_tp_drain = tp;
}

/* Attach the probes (the per-CPU ones with pcp=follow), or none. */
static int clab_kmirror_register(struct clab_kmirror *km, const char **why)
{
	int ret;

	if (!clab_tp_alloc || !clab_tp_free || !clab_tp_refill || !clab_tp_drain)
		for_each_kernel_tracepoint(clab_kmirror_find_tp, NULL);
	if (!clab_tp_alloc || !clab_tp_free) {
		*why = "the kernel has no mm_page_alloc or mm_page_free tracepoint";
		return -ENOENT;
	}
	if (km->pcp_follow && (!clab_tp_refill || !clab_tp_drain)) {
		*why = "pcp=follow needs mm_page_pcpu_drain and mm_page_alloc_zone_locked";
		return -ENOENT;
	}
	ret = tracepoint_probe_register(clab_tp_alloc, clab_kmirror_probe_alloc, km);
	if (ret) {
		*why = "cannot attach to mm_page_alloc";
		return ret;
	}
	ret = tracepoint_probe_register(clab_tp_free, clab_kmirror_probe_free, km);
	if (ret) {
		*why = "cannot attach to mm_page_free";
		goto unregister_alloc;
	}
	if (!km->pcp_follow)
		return 0;
	ret = tracepoint_probe_register(clab_tp_refill, clab_kmirror_probe_refill,
					km);
	if (ret) {
		*why = "cannot attach to mm_page_alloc_zone_locked";
		goto unregister_free;
	}
	ret = tracepoint_probe_register(clab_tp_drain, clab_kmirror_probe_drain,
					km);
	if (ret) {
		*why = "cannot attach to mm_page_pcpu_drain";
		goto unregister_refill;
	}
	return 0;

unregister_refill:
	tracepoint_probe_unregister(clab_tp_refill, clab_kmirror_probe_refill, km);
unregister_free:
	tracepoint_probe_unregister(clab_tp_free, clab_kmirror_probe_free, km);
unregister_alloc:
	tracepoint_probe_unregister(clab_tp_alloc, clab_kmirror_probe_alloc, km);
	tracepoint_synchronize_unregister();
	return ret;
}

/* Detach the probes; when this returns no CPU runs one. */
static void clab_kmirror_unregister(struct clab_kmirror *km)
{
	if (km->pcp_follow) {
		tracepoint_probe_unregister(clab_tp_drain,
					    clab_kmirror_probe_drain, km);
		tracepoint_probe_unregister(clab_tp_refill,
					    clab_kmirror_probe_refill, km);
	}
	tracepoint_probe_unregister(clab_tp_free, clab_kmirror_probe_free, km);
	tracepoint_probe_unregister(clab_tp_alloc, clab_kmirror_probe_alloc, km);
	tracepoint_synchronize_unregister();
}

/* Events older than the clone are already in it. */
static void clab_kmirror_apply(void *priv, const struct clab_mirror_event *ev)
{
	struct clab_kmirror *km = priv;

	if (ev->seq > km->skip_until)
		clab_mirror_apply(km->mirror, ev);
}

/* Both sides' censuses into the time series; then the repairs. */
static void clab_kmirror_census(struct clab_kmirror *km)
{
	struct clab_mirror_sample s = {};
	struct clab_mirror_counters c;
	const char *why = "";
	unsigned long flags;
	int ret;

	ret = clab_kclone_reread(&km->req, &km->census, &why);
	WRITE_ONCE(km->census_error, ret);
	if (ret) {
		pr_warn_ratelimited("mirror: cannot read the kernel's zone: %s (%d)\n",
				    why, ret);
		return;
	}
	clab_mirror_layout_census(&km->census, &s.kernel);
	clab_mirror_shadow_census(km->mirror, &s.shadow);
	clab_mirror_read_counters(km->mirror, &c);
	s.ms = ktime_ms_delta(ktime_get(), km->started);
	s.events = c.events + km->base.events;
	s.lost = clab_mirror_rings_lost(km->rings);
	if (s.lost != km->lost_at_start && !km->warned_lost) {
		km->warned_lost = true;
		pr_warn("mirror: %lu events lost on full rings: the shadow diverged; write resync (or turn it on again with a larger buffer_kb)\n",
			(unsigned long)s.lost - km->lost_at_start);
	}
	spin_lock_irqsave(&km->sample_lock, flags);
	km->samples[km->nr_samples % km->max_samples] = s;
	km->nr_samples++;
	spin_unlock_irqrestore(&km->sample_lock, flags);
	clab_mirror_reconcile(km->mirror, &km->census);
}

static int clab_kmirror_worker(void *arg)
{
	struct clab_kmirror *km = arg;
	unsigned long next = jiffies;

	for (;;) {
		unsigned long n;
		bool stop = kthread_should_stop();

		/* After a stop the probes are gone: take what they left. */
		n = clab_mirror_rings_drain(km->rings, CLAB_KMIRROR_BATCH,
					    clab_kmirror_apply, km);
		if (stop && n < CLAB_KMIRROR_BATCH)
			break;
		if (!stop && time_after_eq(jiffies, next)) {
			clab_kmirror_census(km);
			next = jiffies + msecs_to_jiffies(km->interval_ms);
		}
		if (n == CLAB_KMIRROR_BATCH || stop) {
			cond_resched();
			continue;
		}
		schedule_timeout_interruptible(msecs_to_jiffies(n ? 1 : 10));
	}
	return 0;
}

/* Add the counters of @from to @to. */
static void clab_kmirror_add_counters(struct clab_mirror_counters *to,
				      const struct clab_mirror_counters *from)
{
	u64 *t = (u64 *)to;
	const u64 *f = (const u64 *)from;
	size_t i;

	for (i = 0; i < sizeof(*to) / sizeof(u64); i++)
		t[i] += f[i];
}

/*
 * Clone the zone into the arena and start replaying on it: everything
 * but the rings, the probes and the time series, which a resync keeps.
 */
static int clab_kmirror_attach(struct clab_kmirror *km, const char **why)
{
	struct clab_layout_clone *clone;
	struct clab_layout layout;
	u64 seq0;
	int ret;

	clone = clab_layout_prepare(km->mem);
	if (!clone) {
		*why = "out of memory for the clone's tables";
		return -ENOMEM;
	}
	seq0 = atomic64_read(&km->rings->seq);
	km->lost_at_start = clab_mirror_rings_lost(km->rings);
	km->warned_lost = false;
	ret = clab_kclone(&km->req, km->mem->arena->nr_pages, &layout, why);
	if (ret) {
		clab_layout_unprepare(clone);
		return ret;
	}
	ret = clab_layout_apply_prepared(km->mem, &layout, clone, why);
	if (ret)
		goto free_layout;
	km->mirror = clab_mirror_create(km->mem, km->start_pfn,
					km->end_pfn - km->start_pfn,
					km->pcp_follow, why);
	if (!IS_ERR(km->mirror))
		clab_mirror_note_pcp(km->mirror, &layout);
	clab_layout_hold(km->mem, &layout);
	if (IS_ERR(km->mirror)) {
		ret = PTR_ERR(km->mirror);
		km->mirror = NULL;
		clab_layout_release(km->mem);
		return ret;
	}
	km->skip_until = seq0;
	km->worker = kthread_run(clab_kmirror_worker, km, "compactlab_mirror");
	if (IS_ERR(km->worker)) {
		ret = PTR_ERR(km->worker);
		km->worker = NULL;
		*why = "cannot start the worker";
		goto destroy_mirror;
	}
	return 0;

destroy_mirror:
	clab_mirror_destroy(km->mirror);
	km->mirror = NULL;
	return ret;
free_layout:
	clab_layout_free(&layout);
	return ret;
}

/* Stop replaying: the worker, then the replay and its clone. */
static void clab_kmirror_detach(struct clab_kmirror *km)
{
	struct clab_mirror_counters c;

	kthread_stop(km->worker);
	km->worker = NULL;
	clab_mirror_read_counters(km->mirror, &c);
	clab_kmirror_add_counters(&km->base, &c);
	clab_mirror_destroy(km->mirror);
	km->mirror = NULL;
}

static void clab_kmirror_free(struct clab_kmirror *km)
{
	clab_layout_free(&km->census);
	clab_mirror_rings_free(km->rings);
	vfree(km->samples);
	kfree(km);
}

/* No zone named: the node's zone with the most pages. */
static void clab_kmirror_default_zone(struct clab_kclone_request *req)
{
	struct zone *zone, *best = NULL;
	int z;

	if (req->zone[0] || req->nid < 0 || req->nid >= MAX_NUMNODES ||
	    !node_online(req->nid))
		return;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		zone = &NODE_DATA(req->nid)->node_zones[z];
		if (populated_zone(zone) &&
		    (!best || zone->present_pages > best->present_pages))
			best = zone;
	}
	if (best)
		strscpy(req->zone, best->name, sizeof(req->zone));
}

/*
 * Does the arena zone the clone lands in stand for the kernel's zone? It
 * must hold the whole clone and be of the same type, or the shadow would
 * run another zone's rules: 6.1 sets ALLOC_NOFRAGMENT for a NORMAL zone
 * only, and the lowmem reserves differ by type. The zone plan
 * (dma_limit=, dma32_limit=) gives the arena the type.
 */
static bool clab_kmirror_zone_matches(struct clab_kmirror *km, const char **why)
{
	struct clab_zone *first = clab_idx_to_zone(km->mem, 0);
	struct clab_zone *last = clab_idx_to_zone(km->mem, km->census.nr_pages - 1);
	const char *type = clab_zone_names[first->type];
	const char *param = !strcmp(km->req.zone, "DMA") ? "dma_limit" :
			    !strcmp(km->req.zone, "DMA32") ? "dma32_limit" : NULL;

	if (first == last && !strcmp(type, km->req.zone))
		return true;
	if (param)
		pr_warn("mirror: the kernel's zone %s would land in the arena's %s zone: load compactlab with %s=%luM (the arena's size) so that the arena is %s\n",
			km->req.zone, type, param,
			ALIGN(km->mem->arena->nr_pages, CLAB_CHUNK_PAGES) >>
			(20 - CLAB_PAGE_SHIFT),
			km->req.zone);
	else
		pr_warn("mirror: the kernel's zone %s would land in the arena's %s zone: load compactlab without dma_limit= and dma32_limit=\n",
			km->req.zone, type);
	*why = "the arena is not of the zone's type: load with the zone plan the log names";
	return false;
}

/**
 * clab_kmirror_start() - turn the live mirror on
 * @mem: the shadow memory (a virtual arena at least as large as the zone)
 * @p: what to mirror
 * @why: set to a human-readable reason on failure
 *
 * Return: 0; -EBUSY when on already; -EINVAL for an arena with contents
 * or bad parameters; the errors of clab_kclone() and of the clone's apply
 * (-ENOSPC: the arena is smaller than the zone; -EBUSY: the arena has
 * allocations); -ENOENT without the tracepoints; -ENOMEM.
 */
int clab_kmirror_start(struct clab_mem *mem, const struct clab_kmirror_params *p,
		       const char **why)
{
	unsigned long records;
	struct clab_kmirror *km;
	int ret;

	if (clab_arena_has_contents(mem->arena)) {
		*why = "the mirror needs a metadata-only arena: load with arena_backend=virtual";
		return -EINVAL;
	}
	if (p->interval_ms < CLAB_KMIRROR_MIN_INTERVAL_MS ||
	    p->interval_ms > CLAB_KMIRROR_MAX_INTERVAL_MS) {
		*why = "interval_ms must be 100 .. 60000";
		return -EINVAL;
	}
	if (p->buffer_kb < CLAB_KMIRROR_MIN_BUFFER_KB ||
	    p->buffer_kb > CLAB_KMIRROR_MAX_BUFFER_KB) {
		*why = "buffer_kb must be 64 .. 65536";
		return -EINVAL;
	}
	if (p->samples < CLAB_KMIRROR_MIN_SAMPLES ||
	    p->samples > CLAB_KMIRROR_MAX_SAMPLES) {
		*why = "samples must be 16 .. 65536";
		return -EINVAL;
	}
	records = rounddown_pow_of_two((unsigned long)p->buffer_kb * 1024 /
				       sizeof(struct clab_mirror_event));
	mutex_lock(&clab_kmirror_lock);
	if (clab_kmirror) {
		*why = "the mirror is on already: write off first";
		ret = -EBUSY;
		goto unlock;
	}
	ret = -ENOMEM;
	*why = "out of memory for the mirror's buffers";
	km = kzalloc(sizeof(*km), GFP_KERNEL);
	if (!km)
		goto unlock;
	km->mem = mem;
	km->req = p->req;
	clab_kmirror_default_zone(&km->req);
	km->interval_ms = p->interval_ms;
	km->pcp_follow = p->pcp_follow;
	spin_lock_init(&km->sample_lock);
	km->max_samples = p->samples;
	km->samples = vzalloc(array_size(p->samples, sizeof(*km->samples)));
	km->rings = clab_mirror_rings_alloc(nr_cpu_ids, records);
	if (!km->samples || !km->rings)
		goto free_km;
	/* The census buffer, read once here to learn the zone's window. */
	ret = clab_kclone(&km->req, mem->arena->nr_pages, &km->census, why);
	if (ret)
		goto free_km;
	km->start_pfn = km->census.start_pfn;
	km->end_pfn = km->census.start_pfn + km->census.nr_pages;
	if (km->census.nr_pages > mem->arena->nr_pages) {
		*why = "the arena is smaller than the zone: load with a larger arena_size";
		ret = -ENOSPC;
		goto free_km;
	}
	if (!clab_kmirror_zone_matches(km, why)) {
		ret = -EINVAL;
		goto free_km;
	}
	km->started = ktime_get();
	ret = clab_kmirror_register(km, why);
	if (ret)
		goto free_km;
	ret = clab_kmirror_attach(km, why);
	if (ret)
		goto unregister;
	clab_kmirror = km;
	pr_info("mirror on: node %d zone %s, pfns 0x%lx-0x%lx, %lu records a CPU, census every %u ms, per-CPU lists %s\n",
		km->req.nid, km->req.zone, km->start_pfn, km->end_pfn, records,
		km->interval_ms, km->pcp_follow ? "follow the kernel's" : "own");
	mutex_unlock(&clab_kmirror_lock);
	return 0;

unregister:
	clab_kmirror_unregister(km);
free_km:
	clab_kmirror_free(km);
unlock:
	mutex_unlock(&clab_kmirror_lock);
	return ret;
}

/**
 * clab_kmirror_stop() - turn the live mirror off
 *
 * Return: 0; -ENOENT when it is off.
 */
int clab_kmirror_stop(void)
{
	struct clab_kmirror *km;

	mutex_lock(&clab_kmirror_lock);
	km = clab_kmirror;
	clab_kmirror = NULL;
	if (km) {
		clab_kmirror_unregister(km);
		clab_kmirror_detach(km);
		pr_info("mirror off after %llu events, %lu lost\n",
			km->base.events, clab_mirror_rings_lost(km->rings));
		clab_kmirror_free(km);
	}
	mutex_unlock(&clab_kmirror_lock);
	return km ? 0 : -ENOENT;
}

/**
 * clab_kmirror_resync() - take a fresh clone and replay from it
 * @why: set to a human-readable reason on failure
 *
 * The probes stay attached, the counters and the time series go on.
 *
 * Return: 0; -ENOENT when the mirror is off; the errors of a start, after
 * which the mirror is off.
 */
int clab_kmirror_resync(const char **why)
{
	struct clab_kmirror *km;
	int ret;

	mutex_lock(&clab_kmirror_lock);
	km = clab_kmirror;
	if (!km) {
		*why = "the mirror is off";
		mutex_unlock(&clab_kmirror_lock);
		return -ENOENT;
	}
	clab_kmirror_detach(km);
	ret = clab_kmirror_attach(km, why);
	if (ret) {
		clab_kmirror = NULL;
		clab_kmirror_unregister(km);
		clab_kmirror_free(km);
	} else {
		km->resyncs++;
	}
	mutex_unlock(&clab_kmirror_lock);
	return ret;
}

/**
 * clab_kmirror_status() - what the mirror is doing
 * @st: filled in; st->on false when the mirror is off
 */
void clab_kmirror_status(struct clab_kmirror_status *st)
{
	struct clab_kmirror *km;
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	mutex_lock(&clab_kmirror_lock);
	km = clab_kmirror;
	if (!km)
		goto unlock;
	st->on = true;
	st->req = km->req;
	st->start_pfn = km->start_pfn;
	st->end_pfn = km->end_pfn;
	st->interval_ms = km->interval_ms;
	st->pcp_follow = km->pcp_follow;
	st->lost = clab_mirror_rings_lost(km->rings);
	st->lost_since_clone = st->lost - km->lost_at_start;
	st->pending = clab_mirror_rings_pending(km->rings);
	st->resyncs = km->resyncs;
	st->census_error = READ_ONCE(km->census_error);
	st->ms = ktime_ms_delta(ktime_get(), km->started);
	clab_mirror_read_counters(km->mirror, &st->c);
	clab_kmirror_add_counters(&st->c, &km->base);
	spin_lock_irqsave(&km->sample_lock, flags);
	st->nr_samples = km->nr_samples;
	st->max_samples = km->max_samples;
	if (km->nr_samples)
		st->last = km->samples[(km->nr_samples - 1) %
				       km->max_samples];
	spin_unlock_irqrestore(&km->sample_lock, flags);
unlock:
	mutex_unlock(&clab_kmirror_lock);
}

/**
 * clab_kmirror_sample() - one sample of the time series
 * @i: its number, from 0
 * @s: filled in
 *
 * Return: true if sample @i is still kept (the newest
 * samples= are) and the mirror is on.
 */
bool clab_kmirror_sample(unsigned long i, struct clab_mirror_sample *s)
{
	struct clab_kmirror *km;
	unsigned long flags;
	bool kept = false;

	mutex_lock(&clab_kmirror_lock);
	km = clab_kmirror;
	if (km) {
		spin_lock_irqsave(&km->sample_lock, flags);
		kept = i < km->nr_samples &&
		       km->nr_samples - i <= km->max_samples;
		if (kept)
			*s = km->samples[i % km->max_samples];
		spin_unlock_irqrestore(&km->sample_lock, flags);
	}
	mutex_unlock(&clab_kmirror_lock);
	return kept;
}
