/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env.h - the kernel facilities the compactlab core may use.
 *
 * The core (arena, page allocator, compaction, migration, kcompactd,
 * reclaim) includes this header and nothing else from the kernel. The
 * user-space test build puts selftests/core/shim first on the include path,
 * where a header of the same name provides the same names on top of libc.
 * Interface code (sysfs, debugfs, the device) includes kernel headers
 * directly.
 */
#ifndef _COMPACTLAB_ENV_H
#define _COMPACTLAB_ENV_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/wait_bit.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/module.h>
#include <linux/timekeeping.h>
#include <asm/page.h>

/* Both are provided by module/compat.h in the kernel build. */
#define CLAB_PAGEBLOCK_ORDER	((unsigned int)pageblock_order)
#define CLAB_PAGE_SHIFT		PAGE_SHIFT
#define CLAB_PAGE_SIZE		PAGE_SIZE

/*
 * Page contents and time, as the kernel's mm does them: migration copies
 * with copy_page() (what 6.1's folio_copy() ends in), __GFP_ZERO clears
 * with clear_page(), and sub-times of a pass come from ktime_get_ns(), the
 * clock of CLOCK_MONOTONIC, so that they nest inside a window timed from
 * user space.
 */
static inline void clab_copy_page(void *to, void *from)
{
	copy_page(to, from);
}

static inline void clab_clear_page(void *addr)
{
	clear_page(addr);
}

static inline u64 clab_clock_ns(void)
{
	return ktime_get_ns();
}

#endif /* _COMPACTLAB_ENV_H */
