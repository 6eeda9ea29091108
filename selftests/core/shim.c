// SPDX-License-Identifier: GPL-2.0
/*
 * shim.c - the few objects the user-space shims need to exist once.
 */
#include <compactlab/env.h>
#include <compactlab/trace.h>

static struct task_struct clab_test_task;
struct task_struct *current = &clab_test_task;
struct clab_trace_counts clab_trace_counts;
unsigned long clab_shim_jiffies = 1000, clab_shim_jiffies_step;
unsigned long clab_shim_longest_sleep;
void (*clab_shim_get_hook)(atomic_t *v, bool taken);
struct delayed_work *clab_shim_delayed_work;
bool clab_shim_need_resched;
