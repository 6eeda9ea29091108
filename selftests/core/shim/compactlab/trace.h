/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h (user-space shim) - the compactlab tracepoints as counters, so
 * that tests can see which events fired. The kernel build's
 * include/compactlab/trace.h defines the same calls as real tracepoints.
 */
#ifndef _COMPACTLAB_TRACE_H
#define _COMPACTLAB_TRACE_H

#include <compactlab/env.h>

struct clab_trace_counts {
	unsigned long begin, end, isolate_migratepages, isolate_freepages;
	unsigned long migratepages, finished, suitable, deferred;
	unsigned long defer_compaction, defer_reset, try_to_compact_pages;
	unsigned long kcompactd_sleep, wakeup_kcompactd, kcompactd_wake;
	int last_end_status, last_finished_ret;
	/* The scanners' positions the last begin and end events reported. */
	unsigned long last_begin_migrate_pfn, last_begin_free_pfn;
	unsigned long last_end_migrate_pfn, last_end_free_pfn;
};

extern struct clab_trace_counts clab_trace_counts;

static inline void trace_mm_compaction_isolate_migratepages(unsigned long start_pfn,
							    unsigned long end_pfn,
							    unsigned long nr_scanned,
							    unsigned long nr_taken)
{
	clab_trace_counts.isolate_migratepages++;
}

static inline void trace_mm_compaction_isolate_freepages(unsigned long start_pfn,
							 unsigned long end_pfn,
							 unsigned long nr_scanned,
							 unsigned long nr_taken)
{
	clab_trace_counts.isolate_freepages++;
}

static inline void trace_mm_compaction_migratepages(unsigned long nr_migrated,
						    unsigned long nr_failed)
{
	clab_trace_counts.migratepages++;
}

static inline void trace_mm_compaction_begin(unsigned long zone_start,
					     unsigned long migrate_pfn,
					     unsigned long free_pfn,
					     unsigned long zone_end, bool sync)
{
	clab_trace_counts.begin++;
	clab_trace_counts.last_begin_migrate_pfn = migrate_pfn;
	clab_trace_counts.last_begin_free_pfn = free_pfn;
}

static inline void trace_mm_compaction_end(unsigned long zone_start,
					   unsigned long migrate_pfn,
					   unsigned long free_pfn,
					   unsigned long zone_end, bool sync,
					   int status)
{
	clab_trace_counts.end++;
	clab_trace_counts.last_end_status = status;
	clab_trace_counts.last_end_migrate_pfn = migrate_pfn;
	clab_trace_counts.last_end_free_pfn = free_pfn;
}

static inline void trace_mm_compaction_try_to_compact_pages(int order,
							    unsigned int gfp_mask,
							    int prio)
{
	clab_trace_counts.try_to_compact_pages++;
}

static inline void trace_mm_compaction_finished(int nid, int idx, int order,
						int ret)
{
	clab_trace_counts.finished++;
	clab_trace_counts.last_finished_ret = ret;
}

static inline void trace_mm_compaction_suitable(int nid, int idx, int order,
						int ret)
{
	clab_trace_counts.suitable++;
}

static inline void trace_mm_compaction_deferred(int nid, int idx, int order,
						unsigned int considered,
						unsigned int defer_shift,
						int order_failed)
{
	clab_trace_counts.deferred++;
}

static inline void trace_mm_compaction_defer_compaction(int nid, int idx,
							int order,
							unsigned int considered,
							unsigned int defer_shift,
							int order_failed)
{
	clab_trace_counts.defer_compaction++;
}

static inline void trace_mm_compaction_defer_reset(int nid, int idx, int order,
						   unsigned int considered,
						   unsigned int defer_shift,
						   int order_failed)
{
	clab_trace_counts.defer_reset++;
}

static inline void trace_mm_compaction_kcompactd_sleep(int nid)
{
	clab_trace_counts.kcompactd_sleep++;
}

static inline void trace_mm_compaction_wakeup_kcompactd(int nid, int order,
							int highest_zoneidx)
{
	clab_trace_counts.wakeup_kcompactd++;
}

static inline void trace_mm_compaction_kcompactd_wake(int nid, int order,
						      int highest_zoneidx)
{
	clab_trace_counts.kcompactd_wake++;
}

#endif /* _COMPACTLAB_TRACE_H */
