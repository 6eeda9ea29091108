/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmstat.h - event counters with the kernel's /proc/vmstat names.
 *
 * Per-CPU and lock-free to bump; summed over CPUs when read. The enum order
 * is the order of /proc/vmstat.
 */
#ifndef _COMPACTLAB_VMSTAT_H
#define _COMPACTLAB_VMSTAT_H

#include <compactlab/env.h>

/* The pgalloc and allocstall counters are per zone type, in its order. */
enum clab_vm_event_item {
	CLAB_PGALLOC_DMA,
	CLAB_PGALLOC_DMA32,
	CLAB_PGALLOC_NORMAL,
	CLAB_PGALLOC_MOVABLE,
	CLAB_ALLOCSTALL_DMA,
	CLAB_ALLOCSTALL_DMA32,
	CLAB_ALLOCSTALL_NORMAL,
	CLAB_ALLOCSTALL_MOVABLE,
	CLAB_PGFREE,
	CLAB_PGACTIVATE,
	CLAB_PGDEACTIVATE,
	CLAB_PGSTEAL_KSWAPD,
	CLAB_PGSTEAL_DIRECT,
	CLAB_PGSCAN_KSWAPD,
	CLAB_PGSCAN_DIRECT,
	CLAB_PAGEOUTRUN,
	CLAB_PGMIGRATE_SUCCESS,
	CLAB_PGMIGRATE_FAIL,
	CLAB_COMPACTMIGRATE_SCANNED,
	CLAB_COMPACTFREE_SCANNED,
	CLAB_COMPACTISOLATED,
	CLAB_COMPACTSTALL,
	CLAB_COMPACTFAIL,
	CLAB_COMPACTSUCCESS,
	CLAB_KCOMPACTD_WAKE,
	CLAB_KCOMPACTD_MIGRATE_SCANNED,
	CLAB_KCOMPACTD_FREE_SCANNED,
	CLAB_NR_VM_EVENT_ITEMS
};

extern const char * const clab_vm_event_names[CLAB_NR_VM_EVENT_ITEMS];

struct clab_vm_event_state {
	unsigned long event[CLAB_NR_VM_EVENT_ITEMS];
};

DECLARE_PER_CPU(struct clab_vm_event_state, clab_vm_event_states);

static inline void clab_count_vm_events(enum clab_vm_event_item item,
					long delta)
{
	this_cpu_add(clab_vm_event_states.event[item], delta);
}

static inline void clab_count_vm_event(enum clab_vm_event_item item)
{
	this_cpu_inc(clab_vm_event_states.event[item]);
}

void clab_all_vm_events(unsigned long *ret);
unsigned long clab_sum_vm_event(enum clab_vm_event_item item);
void clab_reset_vm_events(void);

#endif /* _COMPACTLAB_VMSTAT_H */
