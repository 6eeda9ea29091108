/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmirror.h - the live mirror's kernel side (module/kmirror.c), for the
 * interfaces. Kernel-only: not part of the core.
 */
#ifndef _CLAB_KMIRROR_H
#define _CLAB_KMIRROR_H

#include <compactlab/mirror.h>
#include "kclone.h"

/* The time series keeps the newest samples= censuses (default: an hour). */
#define CLAB_KMIRROR_MIN_SAMPLES	16
#define CLAB_KMIRROR_MAX_SAMPLES	65536
#define CLAB_KMIRROR_DEFAULT_SAMPLES	3600

#define CLAB_KMIRROR_MIN_INTERVAL_MS	100
#define CLAB_KMIRROR_MAX_INTERVAL_MS	60000
#define CLAB_KMIRROR_DEFAULT_INTERVAL_MS 1000
#define CLAB_KMIRROR_MIN_BUFFER_KB	64
#define CLAB_KMIRROR_MAX_BUFFER_KB	65536
#define CLAB_KMIRROR_DEFAULT_BUFFER_KB	2048

/**
 * struct clab_kmirror_params - what to mirror, and how
 * @req: the kernel zone (node and name) and the window of it (start_pfn
 *	and nr_pages; 0 and 0 for the whole zone)
 * @interval_ms: milliseconds between censuses of both sides
 * @buffer_kb: each CPU's event ring, in KiB
 * @samples: censuses the time series keeps, the newest
 * @pcp_follow: the shadow's per-CPU lists follow the kernel's bulk frees
 *	(pcp=follow, the default) rather than their own high marks (pcp=own)
 */
struct clab_kmirror_params {
	struct clab_kclone_request req;
	unsigned int interval_ms;
	unsigned int buffer_kb;
	unsigned int samples;
	bool pcp_follow;
};

/**
 * struct clab_kmirror_status - what the mirror is doing
 * @on: the mirror is on; nothing else is set when it is off
 * @req: the zone mirrored
 * @start_pfn: its first kernel pfn (rounded down to the largest block)
 * @end_pfn: the end of the range (exclusive)
 * @interval_ms: milliseconds between censuses
 * @ms: milliseconds since it was turned on
 * @lost: events dropped on full rings since it was turned on
 * @lost_since_clone: of which since the current clone was taken; not 0
 *	means the mirror diverged (a resync takes a fresh clone)
 * @pending: events in the rings, not yet applied
 * @resyncs: fresh clones taken since it was turned on
 * @census_error: the last census's error (0: it worked)
 * @pcp_follow: the shadow's per-CPU lists follow the kernel's
 * @nr_samples: samples taken
 * @max_samples: samples kept, the newest
 * @c: the replay's counters since it was turned on
 * @last: the newest sample (when @nr_samples is not 0)
 */
struct clab_kmirror_status {
	bool on;
	struct clab_kclone_request req;
	unsigned long start_pfn;
	unsigned long end_pfn;
	unsigned int interval_ms;
	u64 ms;
	unsigned long lost;
	unsigned long lost_since_clone;
	unsigned long pending;
	unsigned long resyncs;
	int census_error;
	bool pcp_follow;
	unsigned long nr_samples;
	unsigned long max_samples;
	struct clab_mirror_counters c;
	struct clab_mirror_sample last;
};

int clab_kmirror_start(struct clab_mem *mem, const struct clab_kmirror_params *p,
		       const char **why);
int clab_kmirror_stop(void);
int clab_kmirror_resync(const char **why);
void clab_kmirror_status(struct clab_kmirror_status *st);
bool clab_kmirror_sample(unsigned long i, struct clab_mirror_sample *s);

#endif /* _CLAB_KMIRROR_H */
