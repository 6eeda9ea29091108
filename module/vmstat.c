// SPDX-License-Identifier: GPL-2.0
/*
 * vmstat.c - the event counters: names and summing over CPUs.
 */
#include <compactlab/vmstat.h>

DEFINE_PER_CPU(struct clab_vm_event_state, clab_vm_event_states);

const char * const clab_vm_event_names[CLAB_NR_VM_EVENT_ITEMS] = {
	[CLAB_PGALLOC_DMA] = "pgalloc_dma",
	[CLAB_PGALLOC_DMA32] = "pgalloc_dma32",
	[CLAB_PGALLOC_NORMAL] = "pgalloc_normal",
	[CLAB_PGALLOC_MOVABLE] = "pgalloc_movable",
	[CLAB_ALLOCSTALL_DMA] = "allocstall_dma",
	[CLAB_ALLOCSTALL_DMA32] = "allocstall_dma32",
	[CLAB_ALLOCSTALL_NORMAL] = "allocstall_normal",
	[CLAB_ALLOCSTALL_MOVABLE] = "allocstall_movable",
	[CLAB_PGFREE] = "pgfree",
	[CLAB_PGACTIVATE] = "pgactivate",
	[CLAB_PGDEACTIVATE] = "pgdeactivate",
	[CLAB_PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[CLAB_PGSTEAL_DIRECT] = "pgsteal_direct",
	[CLAB_PGSCAN_KSWAPD] = "pgscan_kswapd",
	[CLAB_PGSCAN_DIRECT] = "pgscan_direct",
	[CLAB_PAGEOUTRUN] = "pageoutrun",
	[CLAB_PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[CLAB_PGMIGRATE_FAIL] = "pgmigrate_fail",
	[CLAB_COMPACTMIGRATE_SCANNED] = "compact_migrate_scanned",
	[CLAB_COMPACTFREE_SCANNED] = "compact_free_scanned",
	[CLAB_COMPACTISOLATED] = "compact_isolated",
	[CLAB_COMPACTSTALL] = "compact_stall",
	[CLAB_COMPACTFAIL] = "compact_fail",
	[CLAB_COMPACTSUCCESS] = "compact_success",
	[CLAB_KCOMPACTD_WAKE] = "compact_daemon_wake",
	[CLAB_KCOMPACTD_MIGRATE_SCANNED] = "compact_daemon_migrate_scanned",
	[CLAB_KCOMPACTD_FREE_SCANNED] = "compact_daemon_free_scanned",
};

/**
 * clab_all_vm_events() - sum the event counters over all CPUs
 * @ret: CLAB_NR_VM_EVENT_ITEMS entries to fill
 *
 * The sum is racy against concurrent updates, as /proc/vmstat's is.
 */
void clab_all_vm_events(unsigned long *ret)
{
	int cpu, i;

	memset(ret, 0, CLAB_NR_VM_EVENT_ITEMS * sizeof(*ret));
	for_each_possible_cpu(cpu) {
		struct clab_vm_event_state *s = per_cpu_ptr(&clab_vm_event_states, cpu);

		for (i = 0; i < CLAB_NR_VM_EVENT_ITEMS; i++)
			ret[i] += s->event[i];
	}
}

/**
 * clab_sum_vm_event() - one event counter summed over all CPUs
 * @item: the counter
 *
 * Return: the sum, as racy as clab_all_vm_events()'s.
 */
unsigned long clab_sum_vm_event(enum clab_vm_event_item item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(&clab_vm_event_states, cpu)->event[item];
	return sum;
}

/**
 * clab_reset_vm_events() - zero the counters (module load)
 */
void clab_reset_vm_events(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(&clab_vm_event_states, cpu), 0,
		       sizeof(struct clab_vm_event_state));
}
