/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - the compactlab tracepoints: the kernel's compaction:* events,
 * re-declared in the trace system "compactlab".
 *
 * Every event has the name, the fields (names, types, order) and the
 * TP_printk string of its counterpart in the kernel's
 * include/trace/events/compaction.h, so that a format file here equals the
 * kernel's and tools that parse compaction:* (perf's compaction-times.py)
 * read compactlab:* with only the system name changed. The symbolic tables
 * (COMPACTION_STATUS, ZONE_TYPE, show_gfp_flags) are the kernel's own, from
 * <trace/events/mmflags.h>; the values recorded are therefore the kernel's:
 *   - status/ret: enum clab_compact_result is numerically the kernel's
 *     enum compact_result (checked below);
 *   - idx/highest_zoneidx: our zone index is recorded as the enum zone_type
 *     of the zone it stands for (NORMAL or MOVABLE);
 *   - gfp_mask: our allocation flags are recorded as the nearest kernel
 *     gfp bits (clab_trace_gfp_mask()).
 *
 * Each trace_*() call takes scalars only, exactly as the user-space shim
 * (selftests/core/shim/compactlab/trace.h) does, so that the core builds
 * unchanged in both places. The tracepoints are created in module/trace.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM compactlab

/* Once per translation unit: the conversions used by TP_fast_assign. */
#ifndef _COMPACTLAB_TRACE_CONV_H
#define _COMPACTLAB_TRACE_CONV_H

#include <linux/compaction.h>
#include <linux/gfp.h>
#include <linux/mmzone.h>
#include <compactlab/compaction.h>

#ifndef CONFIG_COMPACTION
#error "compactlab's tracepoints use the kernel's compaction symbol tables"
#endif

/* status and ret are stored as they come: the two enums agree. */
#define CLAB_TRACE_SAME_RESULT(r)	static_assert((int)CLAB_##r == (int)r)
CLAB_TRACE_SAME_RESULT(COMPACT_NOT_SUITABLE_ZONE);
CLAB_TRACE_SAME_RESULT(COMPACT_SKIPPED);
CLAB_TRACE_SAME_RESULT(COMPACT_DEFERRED);
CLAB_TRACE_SAME_RESULT(COMPACT_NO_SUITABLE_PAGE);
CLAB_TRACE_SAME_RESULT(COMPACT_CONTINUE);
CLAB_TRACE_SAME_RESULT(COMPACT_COMPLETE);
CLAB_TRACE_SAME_RESULT(COMPACT_PARTIAL_SKIPPED);
CLAB_TRACE_SAME_RESULT(COMPACT_CONTENDED);
CLAB_TRACE_SAME_RESULT(COMPACT_SUCCESS);
#undef CLAB_TRACE_SAME_RESULT

/**
 * clab_trace_zone_type() - the kernel zone type a shadow zone stands for
 * @idx: an enum clab_zone_type
 *
 * Return: the kernel's zone of the same type; MAX_NR_ZONES (printed as a
 * number) for an index that names no shadow zone, or a type the kernel
 * was built without.
 */
static inline enum zone_type clab_trace_zone_type(int idx)
{
	switch (idx) {
#ifdef CONFIG_ZONE_DMA
	case CLAB_ZONE_DMA:
		return ZONE_DMA;
#endif
#ifdef CONFIG_ZONE_DMA32
	case CLAB_ZONE_DMA32:
		return ZONE_DMA32;
#endif
	case CLAB_ZONE_NORMAL:
		return ZONE_NORMAL;
	case CLAB_ZONE_MOVABLE:
		return ZONE_MOVABLE;
	default:
		return MAX_NR_ZONES;
	}
}

/**
 * clab_trace_gfp_mask() - shadow allocation flags as kernel gfp bits
 * @gfp: CLAB_GFP_* flags
 *
 * Each flag becomes the kernel flag with the same meaning. A movable-zone
 * request is __GFP_MOVABLE | __GFP_HIGHMEM, as for GFP_HIGHUSER_MOVABLE.
 * CLAB_GFP_NOFALLBACK has no gfp bit (the kernel derives ALLOC_NOFRAGMENT
 * itself) and is not shown.
 *
 * Return: the gfp_mask to record.
 */
static inline unsigned long clab_trace_gfp_mask(unsigned int gfp)
{
	gfp_t k = 0;

	switch (clab_gfp_migratetype(gfp)) {
	case CLAB_MIGRATE_MOVABLE:
		k |= __GFP_MOVABLE;
		break;
	case CLAB_MIGRATE_RECLAIMABLE:
		k |= __GFP_RECLAIMABLE;
		break;
	}
	if (gfp & CLAB_GFP_MOVABLE_ZONE)
		k |= __GFP_HIGHMEM;
	if (gfp & CLAB_GFP_DMA)
		k |= __GFP_DMA;
	if (gfp & CLAB_GFP_DMA32)
		k |= __GFP_DMA32;
	if (gfp & CLAB_GFP_THISNODE)
		k |= __GFP_THISNODE;
	if (gfp & CLAB_GFP_HIGH)
		k |= __GFP_HIGH;
	if (gfp & CLAB_GFP_ATOMIC)
		k |= GFP_ATOMIC;
	if (gfp & CLAB_GFP_NO_WMARK)
		k |= __GFP_MEMALLOC;
	if (gfp & CLAB_GFP_ZERO)
		k |= __GFP_ZERO;
	return (__force unsigned long)k;
}

#endif /* _COMPACTLAB_TRACE_CONV_H */

#if !defined(_COMPACTLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _COMPACTLAB_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

/* Scanner passes: the pfn range scanned, pages looked at and isolated. */
DECLARE_EVENT_CLASS(mm_compaction_isolate_template,
		    TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
			     unsigned long nr_scanned, unsigned long nr_taken),
		    TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken),
		    TP_STRUCT__entry(__field(unsigned long, start_pfn)
				     __field(unsigned long, end_pfn)
				     __field(unsigned long, nr_scanned)
				     __field(unsigned long, nr_taken)),
		    TP_fast_assign(__entry->start_pfn = start_pfn;
				   __entry->end_pfn = end_pfn;
				   __entry->nr_scanned = nr_scanned;
				   __entry->nr_taken = nr_taken;),
		    TP_printk("range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
			      __entry->start_pfn, __entry->end_pfn,
			      __entry->nr_scanned, __entry->nr_taken)
);

DEFINE_EVENT(mm_compaction_isolate_template, mm_compaction_isolate_migratepages,
	     TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
		      unsigned long nr_scanned, unsigned long nr_taken),
	     TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken)
);

DEFINE_EVENT(mm_compaction_isolate_template, mm_compaction_isolate_freepages,
	     TP_PROTO(unsigned long start_pfn, unsigned long end_pfn,
		      unsigned long nr_scanned, unsigned long nr_taken),
	     TP_ARGS(start_pfn, end_pfn, nr_scanned, nr_taken)
);

/* One migration batch: pages moved and pages that stayed. */
TRACE_EVENT(mm_compaction_migratepages,
	    TP_PROTO(unsigned long nr_migrated, unsigned long nr_failed),
	    TP_ARGS(nr_migrated, nr_failed),
	    TP_STRUCT__entry(__field(unsigned long, nr_migrated)
			     __field(unsigned long, nr_failed)),
	    TP_fast_assign(__entry->nr_migrated = nr_migrated;
			   __entry->nr_failed = nr_failed;),
	    TP_printk("nr_migrated=%lu nr_failed=%lu",
		      __entry->nr_migrated, __entry->nr_failed)
);

/* compact_zone() starts: the zone and where both scanners begin. */
TRACE_EVENT(mm_compaction_begin,
	    TP_PROTO(unsigned long zone_start, unsigned long migrate_pfn,
		     unsigned long free_pfn, unsigned long zone_end, bool sync),
	    TP_ARGS(zone_start, migrate_pfn, free_pfn, zone_end, sync),
	    TP_STRUCT__entry(__field(unsigned long, zone_start)
			     __field(unsigned long, migrate_pfn)
			     __field(unsigned long, free_pfn)
			     __field(unsigned long, zone_end)
			     __field(bool, sync)),
	    TP_fast_assign(__entry->zone_start = zone_start;
			   __entry->migrate_pfn = migrate_pfn;
			   __entry->free_pfn = free_pfn;
			   __entry->zone_end = zone_end;
			   __entry->sync = sync;),
	    TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s",
		      __entry->zone_start, __entry->migrate_pfn,
		      __entry->free_pfn, __entry->zone_end,
		      __entry->sync ? "sync" : "async")
);

/* compact_zone() returns: where the scanners stopped, and why. */
TRACE_EVENT(mm_compaction_end,
	    TP_PROTO(unsigned long zone_start, unsigned long migrate_pfn,
		     unsigned long free_pfn, unsigned long zone_end, bool sync,
		     int status),
	    TP_ARGS(zone_start, migrate_pfn, free_pfn, zone_end, sync, status),
	    TP_STRUCT__entry(__field(unsigned long, zone_start)
			     __field(unsigned long, migrate_pfn)
			     __field(unsigned long, free_pfn)
			     __field(unsigned long, zone_end)
			     __field(bool, sync)
			     __field(int, status)),
	    TP_fast_assign(__entry->zone_start = zone_start;
			   __entry->migrate_pfn = migrate_pfn;
			   __entry->free_pfn = free_pfn;
			   __entry->zone_end = zone_end;
			   __entry->sync = sync;
			   __entry->status = status;),
	    TP_printk("zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s status=%s",
		      __entry->zone_start, __entry->migrate_pfn,
		      __entry->free_pfn, __entry->zone_end,
		      __entry->sync ? "sync" : "async",
		      __print_symbolic(__entry->status, COMPACTION_STATUS))
);

/* Direct compaction for an allocation of 2^order pages. */
TRACE_EVENT(mm_compaction_try_to_compact_pages,
	    TP_PROTO(int order, unsigned int gfp_mask, int prio),
	    TP_ARGS(order, gfp_mask, prio),
	    TP_STRUCT__entry(__field(int, order)
			     __field(unsigned long, gfp_mask)
			     __field(int, prio)),
	    TP_fast_assign(__entry->order = order;
			   __entry->gfp_mask = clab_trace_gfp_mask(gfp_mask);
			   __entry->prio = prio;),
	    TP_printk("order=%d gfp_mask=%s priority=%d",
		      __entry->order, show_gfp_flags(__entry->gfp_mask),
		      __entry->prio)
);

/* A verdict on one zone: may compaction run, or may it stop? */
DECLARE_EVENT_CLASS(mm_compaction_suitable_template,
		    TP_PROTO(int nid, int idx, int order, int ret),
		    TP_ARGS(nid, idx, order, ret),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(enum zone_type, idx)
				     __field(int, order)
				     __field(int, ret)),
		    TP_fast_assign(__entry->nid = nid;
				   __entry->idx = clab_trace_zone_type(idx);
				   __entry->order = order;
				   __entry->ret = ret;),
		    TP_printk("node=%d zone=%-8s order=%d ret=%s",
			      __entry->nid,
			      __print_symbolic(__entry->idx, ZONE_TYPE),
			      __entry->order,
			      __print_symbolic(__entry->ret, COMPACTION_STATUS))
);

DEFINE_EVENT(mm_compaction_suitable_template, mm_compaction_finished,
	     TP_PROTO(int nid, int idx, int order, int ret),
	     TP_ARGS(nid, idx, order, ret)
);

DEFINE_EVENT(mm_compaction_suitable_template, mm_compaction_suitable,
	     TP_PROTO(int nid, int idx, int order, int ret),
	     TP_ARGS(nid, idx, order, ret)
);

/* The deferral state of one zone, after it was read or changed. */
DECLARE_EVENT_CLASS(mm_compaction_defer_template,
		    TP_PROTO(int nid, int idx, int order,
			     unsigned int considered, unsigned int defer_shift,
			     int order_failed),
		    TP_ARGS(nid, idx, order, considered, defer_shift, order_failed),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(enum zone_type, idx)
				     __field(int, order)
				     __field(unsigned int, considered)
				     __field(unsigned int, defer_shift)
				     __field(int, order_failed)),
		    TP_fast_assign(__entry->nid = nid;
				   __entry->idx = clab_trace_zone_type(idx);
				   __entry->order = order;
				   __entry->considered = considered;
				   __entry->defer_shift = defer_shift;
				   __entry->order_failed = order_failed;),
		    TP_printk("node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
			      __entry->nid,
			      __print_symbolic(__entry->idx, ZONE_TYPE),
			      __entry->order, __entry->order_failed,
			      __entry->considered, 1UL << __entry->defer_shift)
);

DEFINE_EVENT(mm_compaction_defer_template, mm_compaction_deferred,
	     TP_PROTO(int nid, int idx, int order,
		      unsigned int considered, unsigned int defer_shift,
		      int order_failed),
	     TP_ARGS(nid, idx, order, considered, defer_shift, order_failed)
);

DEFINE_EVENT(mm_compaction_defer_template, mm_compaction_defer_compaction,
	     TP_PROTO(int nid, int idx, int order,
		      unsigned int considered, unsigned int defer_shift,
		      int order_failed),
	     TP_ARGS(nid, idx, order, considered, defer_shift, order_failed)
);

DEFINE_EVENT(mm_compaction_defer_template, mm_compaction_defer_reset,
	     TP_PROTO(int nid, int idx, int order,
		      unsigned int considered, unsigned int defer_shift,
		      int order_failed),
	     TP_ARGS(nid, idx, order, considered, defer_shift, order_failed)
);

/* kcompactd of node nid goes to sleep. */
TRACE_EVENT(mm_compaction_kcompactd_sleep,
	    TP_PROTO(int nid),
	    TP_ARGS(nid),
	    TP_STRUCT__entry(__field(int, nid)),
	    TP_fast_assign(__entry->nid = nid;),
	    TP_printk("nid=%d", __entry->nid)
);

/*
 * kcompactd is asked to run (wakeup_kcompactd) or starts a run
 * (kcompactd_wake). The printed label stays "classzone_idx", the field's
 * old name, as in the kernel's ABI.
 */
DECLARE_EVENT_CLASS(kcompactd_wake_template,
		    TP_PROTO(int nid, int order, int highest_zoneidx),
		    TP_ARGS(nid, order, highest_zoneidx),
		    TP_STRUCT__entry(__field(int, nid)
				     __field(int, order)
				     __field(enum zone_type, highest_zoneidx)),
		    TP_fast_assign(__entry->nid = nid;
				   __entry->order = order;
				   __entry->highest_zoneidx =
					   clab_trace_zone_type(highest_zoneidx);),
		    TP_printk("nid=%d order=%d classzone_idx=%-8s",
			      __entry->nid, __entry->order,
			      __print_symbolic(__entry->highest_zoneidx, ZONE_TYPE))
);

DEFINE_EVENT(kcompactd_wake_template, mm_compaction_wakeup_kcompactd,
	     TP_PROTO(int nid, int order, int highest_zoneidx),
	     TP_ARGS(nid, order, highest_zoneidx)
);

DEFINE_EVENT(kcompactd_wake_template, mm_compaction_kcompactd_wake,
	     TP_PROTO(int nid, int order, int highest_zoneidx),
	     TP_ARGS(nid, order, highest_zoneidx)
);

#endif /* _COMPACTLAB_TRACE_H */

/* Outside the guard: define_trace.h reads this header again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH compactlab
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
