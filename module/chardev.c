// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/compactlab: open, release, mmap and the ioctls of
 * include/uapi/linux/compactlab.h.
 *
 * This file only checks and copies user input and calls rmap.c (user
 * mappings), kpages.c (kernel-held blocks) and kclone.c (the running
 * kernel's zone layout). A refused ioctl returns its errno;
 * CLAB_IOC_MIGRATE and the layout ioctls (clones, snapshots) also log what
 * they refused, rate-limited (ioctls can be fuzzed), the others log
 * nothing.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <uapi/linux/compactlab.h>
#include <compactlab/arena.h>
#include <compactlab/compaction.h>
#include <compactlab/layout.h>
#include <compactlab/mmzone.h>
#include <compactlab/snapshot.h>
#include <compactlab/vmstat.h>
#include "interfaces.h"
#include "kclone.h"
#include "rmap.h"

/* The ABI is the same for 32-bit and 64-bit callers. */
static_assert(sizeof(struct clab_version) == 24);
static_assert(sizeof(struct clab_alloc) == 40);
static_assert(sizeof(struct clab_handle) == 8);
static_assert(sizeof(struct clab_range) == 16);
static_assert(sizeof(struct clab_pfn_of) == 24);
static_assert(sizeof(struct clab_counters) ==
	      32 + 8 * CLAB_COUNTERS_MAX_EVENTS);
static_assert(sizeof(struct clab_verify) == 16);
static_assert(sizeof(struct clab_compact) == 64);
static_assert(sizeof(struct clab_mark) == 16);
static_assert(sizeof(struct clab_handle_pfn) == 24);
static_assert(sizeof(struct clab_alloc_timed) == 32);
static_assert(sizeof(struct clab_migrate) == 56);
static_assert(sizeof(struct clab_clone) == 384);

/* Layout kind -> ABI kind. A kind without a slot fails the build. */
static const u8 clab_uapi_kind[] = {
	[CLAB_LK_HOLE] = CLAB_KIND_HOLE,
	[CLAB_LK_FREE] = CLAB_KIND_FREE,
	[CLAB_LK_PCP] = CLAB_KIND_PCP,
	[CLAB_LK_ANON] = CLAB_KIND_ANON,
	[CLAB_LK_FILE] = CLAB_KIND_FILE,
	[CLAB_LK_MOVABLE] = CLAB_KIND_MOVABLE,
	[CLAB_LK_PINNED] = CLAB_KIND_PINNED,
	[CLAB_LK_SLAB] = CLAB_KIND_SLAB,
	[CLAB_LK_PGTABLE] = CLAB_KIND_PGTABLE,
	[CLAB_LK_RESERVED] = CLAB_KIND_RESERVED,
	[CLAB_LK_HUGETLB] = CLAB_KIND_HUGETLB,
	[CLAB_LK_UNMOVABLE] = CLAB_KIND_UNMOVABLE,
};

/* The clone's out arrays hold every kind, order and migratetype. */
static_assert(ARRAY_SIZE(clab_uapi_kind) == CLAB_LK_NR);
static_assert(ARRAY_SIZE(((struct clab_clone *)0)->kinds) >= CLAB_KIND_NR);
static_assert(ARRAY_SIZE(((struct clab_clone *)0)->free_blocks) >
	      CLAB_MAX_ORDER);
static_assert(ARRAY_SIZE(((struct clab_clone *)0)->pageblocks) >=
	      CLAB_MIGRATE_TYPES);
static_assert(sizeof(struct clab_snapshot) == 32);
static_assert(sizeof(struct clab_clone_info) == 64);

/* ABI allocation flag -> core gfp flags. */
static const struct {
	u32 flag;
	unsigned int gfp;
} clab_alloc_gfp_of[] = {
	{ CLAB_ALLOC_F_RECLAIM, CLAB_GFP_RECLAIM },
	{ CLAB_ALLOC_F_NORETRY, CLAB_GFP_NORETRY },
	{ CLAB_ALLOC_F_RETRY_MAYFAIL, CLAB_GFP_RETRY_MAYFAIL },
	/* GFP_ATOMIC: __GFP_HIGH | __GFP_KSWAPD_RECLAIM, and may not block. */
	{ CLAB_ALLOC_F_ATOMIC,
	  CLAB_GFP_ATOMIC | CLAB_GFP_HIGH | CLAB_GFP_KSWAPD_RECLAIM },
	{ CLAB_ALLOC_F_NOWARN, CLAB_GFP_NOWARN },
	{ CLAB_ALLOC_F_DMA, CLAB_GFP_DMA },
	{ CLAB_ALLOC_F_DMA32, CLAB_GFP_DMA32 },
};

/* ABI migratetype -> core migratetype (the same numbers, as the kernel's). */
static const int clab_migratetype_of[] = {
	[CLAB_MT_UNMOVABLE] = CLAB_MIGRATE_UNMOVABLE,
	[CLAB_MT_MOVABLE] = CLAB_MIGRATE_MOVABLE,
	[CLAB_MT_RECLAIMABLE] = CLAB_MIGRATE_RECLAIMABLE,
};

/* Core event -> ABI slot. A core event without a slot fails the build. */
static const u8 clab_uapi_event[] = {
	[CLAB_PGALLOC_NORMAL] = CLAB_EVENT_PGALLOC_NORMAL,
	[CLAB_PGALLOC_MOVABLE] = CLAB_EVENT_PGALLOC_MOVABLE,
	[CLAB_ALLOCSTALL_NORMAL] = CLAB_EVENT_ALLOCSTALL_NORMAL,
	[CLAB_ALLOCSTALL_MOVABLE] = CLAB_EVENT_ALLOCSTALL_MOVABLE,
	[CLAB_PGFREE] = CLAB_EVENT_PGFREE,
	[CLAB_PGACTIVATE] = CLAB_EVENT_PGACTIVATE,
	[CLAB_PGDEACTIVATE] = CLAB_EVENT_PGDEACTIVATE,
	[CLAB_PGSTEAL_KSWAPD] = CLAB_EVENT_PGSTEAL_KSWAPD,
	[CLAB_PGSTEAL_DIRECT] = CLAB_EVENT_PGSTEAL_DIRECT,
	[CLAB_PGSCAN_KSWAPD] = CLAB_EVENT_PGSCAN_KSWAPD,
	[CLAB_PGSCAN_DIRECT] = CLAB_EVENT_PGSCAN_DIRECT,
	[CLAB_PAGEOUTRUN] = CLAB_EVENT_PAGEOUTRUN,
	[CLAB_PGMIGRATE_SUCCESS] = CLAB_EVENT_PGMIGRATE_SUCCESS,
	[CLAB_PGMIGRATE_FAIL] = CLAB_EVENT_PGMIGRATE_FAIL,
	[CLAB_COMPACTMIGRATE_SCANNED] = CLAB_EVENT_COMPACT_MIGRATE_SCANNED,
	[CLAB_COMPACTFREE_SCANNED] = CLAB_EVENT_COMPACT_FREE_SCANNED,
	[CLAB_COMPACTISOLATED] = CLAB_EVENT_COMPACT_ISOLATED,
	[CLAB_COMPACTSTALL] = CLAB_EVENT_COMPACT_STALL,
	[CLAB_COMPACTFAIL] = CLAB_EVENT_COMPACT_FAIL,
	[CLAB_COMPACTSUCCESS] = CLAB_EVENT_COMPACT_SUCCESS,
	[CLAB_KCOMPACTD_WAKE] = CLAB_EVENT_COMPACT_DAEMON_WAKE,
	[CLAB_KCOMPACTD_MIGRATE_SCANNED] =
		CLAB_EVENT_COMPACT_DAEMON_MIGRATE_SCANNED,
	[CLAB_KCOMPACTD_FREE_SCANNED] = CLAB_EVENT_COMPACT_DAEMON_FREE_SCANNED,
	[CLAB_PGALLOC_DMA] = CLAB_EVENT_PGALLOC_DMA,
	[CLAB_PGALLOC_DMA32] = CLAB_EVENT_PGALLOC_DMA32,
	[CLAB_ALLOCSTALL_DMA] = CLAB_EVENT_ALLOCSTALL_DMA,
	[CLAB_ALLOCSTALL_DMA32] = CLAB_EVENT_ALLOCSTALL_DMA32,
};

static_assert(ARRAY_SIZE(clab_uapi_event) == CLAB_NR_VM_EVENT_ITEMS);
static_assert(CLAB_EVENT_NR <= CLAB_COUNTERS_MAX_EVENTS);

/* ABI priority -> core priority. */
static const enum clab_compact_priority clab_compact_prio[] = {
	[CLAB_PRIO_SYNC_FULL] = CLAB_COMPACT_PRIO_SYNC_FULL,
	[CLAB_PRIO_SYNC_LIGHT] = CLAB_COMPACT_PRIO_SYNC_LIGHT,
	[CLAB_PRIO_ASYNC] = CLAB_COMPACT_PRIO_ASYNC,
};

/* Core compaction result -> ABI result. A new result fails the build. */
static const u8 clab_uapi_result[] = {
	[CLAB_COMPACT_NOT_SUITABLE_ZONE] = CLAB_RESULT_NOT_SUITABLE_ZONE,
	[CLAB_COMPACT_SKIPPED] = CLAB_RESULT_SKIPPED,
	[CLAB_COMPACT_DEFERRED] = CLAB_RESULT_DEFERRED,
	[CLAB_COMPACT_NO_SUITABLE_PAGE] = CLAB_RESULT_NO_SUITABLE_PAGE,
	[CLAB_COMPACT_CONTINUE] = CLAB_RESULT_CONTINUE,
	[CLAB_COMPACT_COMPLETE] = CLAB_RESULT_COMPLETE,
	[CLAB_COMPACT_PARTIAL_SKIPPED] = CLAB_RESULT_PARTIAL_SKIPPED,
	[CLAB_COMPACT_CONTENDED] = CLAB_RESULT_CONTENDED,
	[CLAB_COMPACT_SUCCESS] = CLAB_RESULT_SUCCESS,
};

static_assert(ARRAY_SIZE(clab_uapi_result) == CLAB_COMPACT_SUCCESS + 1);

static struct clab_mem *clab_chardev_mem;

static int clab_chardev_open(struct inode *inode, struct file *file)
{
	struct clab_file *cf;

	if (!clab_interfaces_ready("/dev/" KBUILD_MODNAME))
		return -ENODEV;
	cf = clab_file_create(clab_chardev_mem);
	if (IS_ERR(cf))
		return PTR_ERR(cf);
	file->private_data = cf;
	/* The reverse map: vmas of this file live in cf->inode's i_mmap. */
	file->f_mapping = cf->inode->i_mapping;
	return 0;
}

static int clab_chardev_release(struct inode *inode, struct file *file)
{
	clab_file_release(file->private_data);
	return 0;
}

static int clab_chardev_mmap(struct file *file, struct vm_area_struct *vma)
{
	return clab_rmap_mmap(file->private_data, file, vma);
}

static long clab_ioctl_version(struct clab_mem *mem,
			       struct clab_version __user *uarg)
{
	struct clab_version v = {
		.abi_version = CLAB_ABI_VERSION,
		.max_order = CLAB_MAX_ORDER,
		.arena_pages = mem->arena->nr_pages,
		.page_size = PAGE_SIZE,
		.pageblock_pages = 1U << CLAB_PAGEBLOCK_ORDER,
	};

	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * CLAB_ALLOC_F_* -> CLAB_GFP_*, or -EINVAL for unknown flags and
 * contradictions: NORETRY with RETRY_MAYFAIL, ATOMIC with anything that
 * blocks or retries, DMA with DMA32 (the kernel's GFP_ZONE_BAD).
 */
static int clab_alloc_flags_to_gfp(u32 flags, unsigned int *gfp)
{
	const u32 blocking = CLAB_ALLOC_F_RECLAIM | CLAB_ALLOC_F_NORETRY |
			     CLAB_ALLOC_F_RETRY_MAYFAIL;
	unsigned int i;

	if ((flags & ~CLAB_ALLOC_F_ALL) ||
	    ((flags & CLAB_ALLOC_F_NORETRY) &&
	     (flags & CLAB_ALLOC_F_RETRY_MAYFAIL)) ||
	    ((flags & CLAB_ALLOC_F_ATOMIC) && (flags & blocking)) ||
	    ((flags & CLAB_ALLOC_F_DMA) && (flags & CLAB_ALLOC_F_DMA32)))
		return -EINVAL;
	*gfp = 0;
	for (i = 0; i < ARRAY_SIZE(clab_alloc_gfp_of); i++)
		if (flags & clab_alloc_gfp_of[i].flag)
			*gfp |= clab_alloc_gfp_of[i].gfp;
	return 0;
}

/* Handles copied out at a time: ALLOC's buffer stays small for any count. */
#define CLAB_ALLOC_BATCH	64

/*
 * On EFAULT every block of the request is freed again, by its batch number
 * and under the owner lock (clab_kpages_free_batch()): by handle, it could
 * free the block another thread of the file was given the handle for.
 */
static long clab_ioctl_alloc(struct clab_file *cf,
			     struct clab_alloc __user *uarg)
{
	u64 handles[CLAB_ALLOC_BATCH];
	u64 __user *out;
	struct clab_alloc req;
	unsigned int gfp, i;
	u64 n = 0, batch = 0;
	bool full = false;
	u32 h;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.order > CLAB_MAX_ORDER ||
	    req.migratetype >= ARRAY_SIZE(clab_migratetype_of) || !req.count ||
	    req.count > cf->mem->arena->nr_pages || req.pad ||
	    clab_alloc_flags_to_gfp(req.flags, &gfp))
		return -EINVAL;
	out = u64_to_user_ptr(req.handles);
	while (n < req.count && !full) {
		for (i = 0; i < CLAB_ALLOC_BATCH && n + i < req.count; i++) {
			if (fatal_signal_pending(current) ||
			    clab_kpages_alloc(cf, req.order,
					      clab_migratetype_of[req.migratetype],
					      gfp, &h, &batch, NULL)) {
				full = true;
				break;
			}
			handles[i] = h;
		}
		if (copy_to_user(out + n, handles, i * sizeof(*handles)))
			goto free_blocks;
		n += i;
	}
	if (!n)
		return -ENOMEM;
	if (put_user(n, &uarg->allocated))
		goto free_blocks;
	return 0;

free_blocks:
	clab_kpages_free_batch(cf, batch);
	return -EFAULT;
}

static long clab_ioctl_alloc_timed(struct clab_file *cf,
				   struct clab_alloc_timed __user *uarg)
{
	struct clab_alloc_timed req;
	unsigned int gfp;
	u64 batch = 0;
	long ret;
	u32 h;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.order > CLAB_MAX_ORDER ||
	    req.migratetype >= ARRAY_SIZE(clab_migratetype_of) || req.pad ||
	    clab_alloc_flags_to_gfp(req.flags, &gfp))
		return -EINVAL;
	ret = clab_kpages_alloc(cf, req.order,
				clab_migratetype_of[req.migratetype], gfp, &h,
				&batch, &req.latency_ns);
	req.handle = ret ? 0 : h;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		if (!ret)
			clab_kpages_free_batch(cf, batch);
		return -EFAULT;
	}
	return ret;
}

static long clab_ioctl_touch(struct clab_file *cf,
			     struct clab_handle __user *uarg)
{
	struct clab_handle req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return clab_kpages_touch(cf, req.handle);
}

static long clab_ioctl_free(struct clab_file *cf,
			    struct clab_handle __user *uarg)
{
	struct clab_handle req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return clab_kpages_free(cf, req.handle);
}

static long clab_ioctl_discard(struct clab_file *cf, struct file *file,
			       struct clab_range __user *uarg)
{
	struct clab_range req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return clab_rmap_discard(cf, file, req.addr, req.len);
}

static long clab_ioctl_pfn_of(struct clab_file *cf, struct file *file,
			      struct clab_pfn_of __user *uarg)
{
	struct clab_pfn_of req;
	long ret;

	/* Physical addresses are for the administrator (as in pagemap). */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = clab_rmap_pfn_of(cf, file, req.addr, &req.pfn, &req.index);
	if (ret)
		return ret;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long clab_ioctl_counters(struct clab_mem *mem,
				struct clab_counters __user *uarg)
{
	unsigned long events[CLAB_NR_VM_EVENT_ITEMS];
	struct clab_counters *c;
	struct clab_node *node;
	struct clab_zone *zone;
	long ret = 0;
	int cpu, i;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->nr_events = CLAB_EVENT_NR;
	c->arena_pages = mem->arena->nr_pages;
	/* Racy reads of counters kept under zone and pcp locks: a snapshot. */
	clab_for_each_populated_zone(mem, node, zone) {
		c->nr_free_pages += READ_ONCE(zone->nr_free_pages);
		if (!zone->pcp)
			continue;
		for_each_possible_cpu(cpu) {
			struct clab_per_cpu_pages *pcp;

			pcp = per_cpu_ptr(zone->pcp, cpu);
			c->nr_free_pcp += READ_ONCE(pcp->count);
		}
	}
	clab_all_vm_events(events);
	for (i = 0; i < CLAB_NR_VM_EVENT_ITEMS; i++)
		c->events[clab_uapi_event[i]] = events[i];
	if (copy_to_user(uarg, c, sizeof(*c)))
		ret = -EFAULT;
	kfree(c);
	return ret;
}

static long clab_ioctl_verify(struct clab_file *cf,
			      struct clab_verify __user *uarg)
{
	struct clab_verify req;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = clab_kpages_verify(cf, req.handle, &req.mismatches);
	if (ret)
		return ret;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

/*
 * One direct compaction of node @nid for a block of @order, as the
 * allocator's slow path runs it (try_to_compact_pages()): every zone the
 * request may use, highest first, until one reports success. Deferral is
 * not consulted: the caller asked for this compaction explicitly.
 */
static void clab_compact_node_order(struct clab_mem *mem, int nid, int order,
				    int mt, enum clab_compact_priority prio,
				    struct clab_compact_stats *stats)
{
	unsigned int gfp = mt;
	int z, highest_zoneidx = CLAB_ZONE_NORMAL;

	if (mt == CLAB_MIGRATE_MOVABLE) {
		gfp |= CLAB_GFP_MOVABLE_ZONE;
		highest_zoneidx = CLAB_ZONE_MOVABLE;
	}
	for (z = highest_zoneidx; z >= 0; z--) {
		struct clab_zone *zone = &mem->nodes[nid].zones[z];
		enum clab_compact_result ret;

		if (!clab_zone_is_populated(zone))
			continue;
		ret = clab_compact_zone_order(zone, order, gfp, prio,
					      CLAB_ALLOC_WMARK_LOW,
					      highest_zoneidx, NULL, stats);
		if (ret == CLAB_COMPACT_SUCCESS || fatal_signal_pending(current))
			break;
	}
}

static long clab_ioctl_compact(struct clab_mem *mem,
			       struct clab_compact __user *uarg)
{
	struct clab_compact_stats stats = {};
	struct clab_compact req;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.nid >= mem->nr_nodes || req.order < -1 ||
	    req.order > CLAB_MAX_ORDER ||
	    req.priority >= ARRAY_SIZE(clab_compact_prio) ||
	    req.migratetype >= ARRAY_SIZE(clab_migratetype_of) || req.pad ||
	    (req.order == -1 && req.priority != CLAB_PRIO_SYNC_FULL))
		return -EINVAL;
	if (req.order == -1)
		clab_compact_node(mem, req.nid, &stats);
	else
		clab_compact_node_order(mem, req.nid, req.order,
					clab_migratetype_of[req.migratetype],
					clab_compact_prio[req.priority], &stats);
	req.result = clab_uapi_result[stats.result];
	req.migrate_scanned = stats.migrate_scanned;
	req.free_scanned = stats.free_scanned;
	req.isolated = stats.isolated;
	req.migrated = stats.migrated;
	req.failed = stats.failed;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long clab_ioctl_mark(struct clab_file *cf,
			    struct clab_mark __user *uarg)
{
	const u32 marks = CLAB_MARK_DIRTY | CLAB_MARK_WRITEBACK |
			  CLAB_MARK_PINNED | CLAB_MARK_UNEVICTABLE;
	unsigned long set = 0;
	struct clab_mark req;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (!req.flags || (req.flags & ~(marks | CLAB_MARK_CLEAR)) ||
	    ((req.flags & CLAB_MARK_CLEAR) && req.flags != CLAB_MARK_CLEAR) ||
	    req.writeback_delay_ms > CLAB_MARK_MAX_DELAY_MS ||
	    (req.writeback_delay_ms && !(req.flags & CLAB_MARK_WRITEBACK)))
		return -EINVAL;
	if (req.flags & CLAB_MARK_DIRTY)
		set |= BIT(CLAB_PG_DIRTY);
	if (req.flags & CLAB_MARK_WRITEBACK)
		set |= BIT(CLAB_PG_WRITEBACK);
	if (req.flags & CLAB_MARK_PINNED)
		set |= BIT(CLAB_PG_PINNED);
	if (req.flags & CLAB_MARK_UNEVICTABLE)
		set |= BIT(CLAB_PG_UNEVICTABLE);
	return clab_kpages_mark(cf, req.handle, set,
				req.flags == CLAB_MARK_CLEAR,
				req.writeback_delay_ms);
}

static long clab_ioctl_handle_pfn(struct clab_file *cf,
				  struct clab_handle_pfn __user *uarg)
{
	struct clab_handle_pfn req;
	long ret;

	/* Physical addresses are for the administrator (as in pagemap). */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = clab_kpages_pfn(cf, req.handle, &req.pfn, &req.index);
	if (ret)
		return ret;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

/* A refusal of CLAB_IOC_MIGRATE, for the caller to act on. */
#define clab_migrate_refused(fmt, ...)					\
	pr_warn_ratelimited("%s[%d]: CLAB_IOC_MIGRATE: " fmt "\n",	\
			    current->comm, task_pid_nr(current), ##__VA_ARGS__)

static long clab_ioctl_migrate(struct clab_file *cf, struct file *file,
			       struct clab_migrate __user *uarg)
{
	struct clab_migrate_stats stats = {};
	struct clab_migrate req;
	u64 start;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad) {
		clab_migrate_refused("flags 0x%x and pad 0x%x must be 0",
				     req.flags, req.pad);
		return -EINVAL;
	}
	if (!req.len || !PAGE_ALIGNED(req.addr) || !PAGE_ALIGNED(req.len)) {
		clab_migrate_refused("addr 0x%llx and len 0x%llx must be page-aligned, len > 0",
				     req.addr, req.len);
		return -EINVAL;
	}
	start = ktime_get_ns();
	ret = clab_rmap_migrate(cf, file, req.addr, req.len, &stats);
	req.time_ns = ktime_get_ns() - start;
	if (ret) {
		clab_migrate_refused("0x%llx+0x%llx is not inside one mapping of this file",
				     req.addr, req.len);
		return ret;
	}
	req.migrated = stats.migrated;
	req.failed = stats.failed;
	req.copy_ns = stats.copy_ns;
	return copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : 0;
}

/* A refusal of a layout ioctl, with the reason the core gave. */
#define clab_layout_refused(name, fmt, ...)				\
	pr_warn_ratelimited("%s[%d]: " name ": " fmt "\n",		\
			    current->comm, task_pid_nr(current), ##__VA_ARGS__)

/* The checks both snapshot ioctls start with: privilege, copy, zeroes. */
static long clab_snapshot_req_get(struct clab_snapshot *req,
				  struct clab_snapshot __user *uarg,
				  const char *name)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(req, uarg, sizeof(*req)))
		return -EFAULT;
	if (req->flags || req->pad) {
		pr_warn_ratelimited("%s[%d]: %s: flags 0x%x and pad 0x%x must be 0\n",
				    current->comm, task_pid_nr(current), name,
				    req->flags, req->pad);
		return -EINVAL;
	}
	return 0;
}

static long clab_ioctl_snapshot_save(struct clab_mem *mem,
				     struct clab_snapshot __user *uarg)
{
	unsigned long pages, arena_pages = mem->arena->nr_pages;
	struct clab_snapshot req;
	struct clab_layout l, src;
	void *buf = NULL;
	size_t size;
	long ret;

	ret = clab_snapshot_req_get(&req, uarg, "CLAB_IOC_SNAPSHOT_SAVE");
	if (ret)
		return ret;
	pages = req.pages;
	if (!pages)
		pages = clab_layout_source(mem, &src) ? src.nr_pages :
			round_down(arena_pages, CLAB_PAGEBLOCK_PAGES);
	if (req.pages > arena_pages || !pages ||
	    !IS_ALIGNED(pages, CLAB_PAGEBLOCK_PAGES)) {
		clab_layout_refused("CLAB_IOC_SNAPSHOT_SAVE",
				    "pages %llu: must be a multiple of %lu up to the arena's %lu",
				    req.pages, CLAB_PAGEBLOCK_PAGES, arena_pages);
		return -EINVAL;
	}
	ret = clab_layout_alloc(&l, 0, pages);
	if (ret)
		return ret;
	ret = clab_layout_capture(mem, &l);
	if (ret)
		goto free_layout;
	/* An arena of our own making: this machine, zone "arena". */
	if (!l.zone[0]) {
		strscpy(l.zone, "arena", sizeof(l.zone));
		strscpy(l.arch, utsname()->machine, sizeof(l.arch));
		strscpy(l.release, utsname()->release, sizeof(l.release));
	}
	size = clab_snapshot_size(&l);
	if (req.len < size) {
		req.len = size;
		ret = copy_to_user(uarg, &req, sizeof(req)) ? -EFAULT : -ENOSPC;
		goto free_layout;
	}
	buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		ret = -ENOMEM;
		goto free_layout;
	}
	req.len = clab_snapshot_encode(&l, buf, size);
	req.pages = pages;
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(req.buf), buf, req.len) ||
	    copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
	kvfree(buf);
free_layout:
	clab_layout_free(&l);
	return ret;
}

static long clab_ioctl_snapshot_load(struct clab_mem *mem,
				     struct clab_snapshot __user *uarg)
{
	struct clab_snapshot req;
	const char *why = NULL;
	struct clab_layout l;
	void *buf;
	long ret;

	ret = clab_snapshot_req_get(&req, uarg, "CLAB_IOC_SNAPSHOT_LOAD");
	if (ret)
		return ret;
	if (!req.len || req.len > CLAB_SNAPSHOT_MAX_SIZE) {
		clab_layout_refused("CLAB_IOC_SNAPSHOT_LOAD", "len %llu: must be 1 .. %lu bytes",
				    req.len, CLAB_SNAPSHOT_MAX_SIZE);
		return req.len ? -E2BIG : -EINVAL;
	}
	buf = kvmalloc(req.len, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(req.buf), req.len)) {
		ret = -EFAULT;
		goto free_buf;
	}
	ret = clab_snapshot_decode(buf, req.len, &l, mem->arena->nr_pages, &why);
	if (ret) {
		clab_layout_refused("CLAB_IOC_SNAPSHOT_LOAD", "%s", why);
		goto free_buf;
	}
	ret = clab_layout_apply(mem, &l, &why);
	if (ret) {
		clab_layout_refused("CLAB_IOC_SNAPSHOT_LOAD", "%s", why);
		goto free_layout;
	}
	pr_info("loaded a snapshot of %lu pages (%s, node %u, zone %s, pfn 0x%lx)\n",
		l.nr_pages, l.release, l.node, l.zone, l.start_pfn);
	req.pages = l.nr_pages;
	if (copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
free_layout:
	clab_layout_free(&l);
free_buf:
	kvfree(buf);
	return ret;
}

static long clab_ioctl_clone_info(struct clab_mem *mem,
				  struct clab_clone_info __user *uarg)
{
	struct clab_clone_info info = {};
	struct clab_layout src;

	if (clab_layout_source(mem, &src)) {
		info.start_pfn = src.start_pfn;
		info.nr_pages = src.nr_pages;
		info.nr_changed = src.nr_changed;
		info.node = src.node;
		memcpy(info.zone, src.zone, sizeof(info.zone));
		info.held_pages = clab_layout_nr_cloned(mem);
		info.mismatches = clab_layout_verify(mem);
	}
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long clab_ioctl_clone_release(struct clab_mem *mem)
{
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = clab_layout_release(mem);
	if (ret)
		clab_layout_refused("CLAB_IOC_CLONE_RELEASE",
				    "the live mirror holds the clone: turn it off first");
	return ret;
}

/* Pages a COUNT_ONLY clone reads at most: 4 bytes of buffers a page. */
#define CLAB_CLONE_COUNT_MAX_PAGES	BIT(24)

/* Blocks of each order of the free kind, or of the movable kinds. */
static void clab_clone_count_blocks(const struct clab_layout *l, bool movable,
				    u64 *blocks)
{
	unsigned long i;

	for (i = 0; i < l->nr_pages; i++) {
		const struct clab_layout_page *p = &l->pages[i];

		if (p->order == CLAB_LAYOUT_TAIL)
			continue;
		if (movable ? clab_layout_kind_is_movable(p->kind) :
			      p->kind == CLAB_LK_FREE)
			blocks[p->order]++;
	}
}

static long clab_ioctl_clone(struct clab_mem *mem,
			     struct clab_clone __user *uarg)
{
	struct clab_layout_clone *clone = NULL;
	struct clab_kclone_request kreq = {};
	struct clab_layout_stats st;
	struct clab_layout layout;
	struct clab_clone req;
	unsigned long max_pages;
	const char *why = "";
	size_t len;
	long ret;
	int i;

	if (!capable(CAP_SYS_ADMIN)) {
		clab_layout_refused("CLAB_IOC_CLONE", "needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~CLAB_CLONE_F_ALL) {
		clab_layout_refused("CLAB_IOC_CLONE", "unknown flags 0x%x",
				    req.flags);
		return -EINVAL;
	}
	len = strnlen(req.zone, sizeof(req.zone));
	if (!len || len == sizeof(req.zone) ||
	    memchr_inv(req.zone + len, 0, sizeof(req.zone) - len)) {
		clab_layout_refused("CLAB_IOC_CLONE",
				    "zone must be a name, NUL-terminated and zero-padded");
		return -EINVAL;
	}
	kreq.nid = min_t(u32, req.nid, INT_MAX);
	memcpy(kreq.zone, req.zone, sizeof(kreq.zone));
	kreq.start_pfn = req.start_pfn;
	kreq.nr_pages = req.nr_pages;
	if (req.flags & CLAB_CLONE_F_COUNT_ONLY) {
		max_pages = CLAB_CLONE_COUNT_MAX_PAGES;
	} else {
		max_pages = mem->arena->nr_pages;
		/* Allocated before the read, which it would otherwise change. */
		clone = clab_layout_prepare(mem);
		if (!clone)
			return -ENOMEM;
	}
	ret = clab_kclone(&kreq, max_pages, &layout, &why);
	if (ret) {
		clab_layout_refused("CLAB_IOC_CLONE",
				    "node %u zone %s pfns 0x%llx+0x%llx (max %lu): %s",
				    req.nid, req.zone, req.start_pfn,
				    req.nr_pages, max_pages, why);
		if (clone)
			clab_layout_unprepare(clone);
		return ret;
	}
	if (clone)
		ret = clab_layout_apply_prepared(mem, &layout, clone, &why);
	if (ret) {
		clab_layout_refused("CLAB_IOC_CLONE",
				    "the arena cannot take the clone: %s", why);
		goto free_layout;
	}
	clab_layout_count(&layout, &st);
	req.out_start_pfn = layout.start_pfn;
	req.out_nr_pages = layout.nr_pages;
	req.nr_changed = layout.nr_changed;
	memset(req.kinds, 0, sizeof(req.kinds));
	memset(req.free_blocks, 0, sizeof(req.free_blocks));
	memset(req.pageblocks, 0, sizeof(req.pageblocks));
	for (i = 0; i < CLAB_LK_NR; i++)
		req.kinds[clab_uapi_kind[i]] = st.kind[i];
	for (i = 0; i < CLAB_MIGRATE_TYPES; i++)
		req.pageblocks[i] = st.pageblocks[i];
	clab_clone_count_blocks(&layout,
				req.flags & CLAB_CLONE_F_MOVABLE_ORDERS,
				req.free_blocks);
	if (copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
	/* An applied clone frees its buffers only when it is released. */
	if (clone && !ret)
		clab_layout_hold(mem, &layout);
free_layout:
	clab_layout_free(&layout);
	return ret;
}

static long clab_chardev_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct clab_file *cf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case CLAB_IOC_GET_VERSION:
		return clab_ioctl_version(cf->mem, uarg);
	case CLAB_IOC_ALLOC:
		return clab_ioctl_alloc(cf, uarg);
	case CLAB_IOC_FREE:
		return clab_ioctl_free(cf, uarg);
	case CLAB_IOC_DISCARD:
		return clab_ioctl_discard(cf, file, uarg);
	case CLAB_IOC_PFN_OF:
		return clab_ioctl_pfn_of(cf, file, uarg);
	case CLAB_IOC_COUNTERS:
		return clab_ioctl_counters(cf->mem, uarg);
	case CLAB_IOC_VERIFY:
		return clab_ioctl_verify(cf, uarg);
	case CLAB_IOC_COMPACT:
		return clab_ioctl_compact(cf->mem, uarg);
	case CLAB_IOC_MARK:
		return clab_ioctl_mark(cf, uarg);
	case CLAB_IOC_HANDLE_PFN:
		return clab_ioctl_handle_pfn(cf, uarg);
	case CLAB_IOC_ALLOC_TIMED:
		return clab_ioctl_alloc_timed(cf, uarg);
	case CLAB_IOC_TOUCH:
		return clab_ioctl_touch(cf, uarg);
	case CLAB_IOC_MIGRATE:
		return clab_ioctl_migrate(cf, file, uarg);
	case CLAB_IOC_CLONE:
		return clab_ioctl_clone(cf->mem, uarg);
	case CLAB_IOC_SNAPSHOT_SAVE:
		return clab_ioctl_snapshot_save(cf->mem, uarg);
	case CLAB_IOC_SNAPSHOT_LOAD:
		return clab_ioctl_snapshot_load(cf->mem, uarg);
	case CLAB_IOC_CLONE_INFO:
		return clab_ioctl_clone_info(cf->mem, uarg);
	case CLAB_IOC_CLONE_RELEASE:
		return clab_ioctl_clone_release(cf->mem);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations clab_chardev_fops = {
	.owner = THIS_MODULE,
	.open = clab_chardev_open,
	.release = clab_chardev_release,
	.mmap = clab_chardev_mmap,
	.unlocked_ioctl = clab_chardev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice clab_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "compactlab",
	.fops = &clab_chardev_fops,
	.mode = 0600,
};

/**
 * clab_chardev_init() - create /dev/compactlab
 * @mem: the shadow memory its files allocate from
 *
 * Also installs the OOM killer (clab_rmap_oom_kill()): only the device
 * knows who holds arena pages.
 *
 * Return: 0 or -errno.
 */
int clab_chardev_init(struct clab_mem *mem)
{
	int ret;

	clab_chardev_mem = mem;
	ret = clab_rmap_init();
	if (ret)
		return ret;
	ret = misc_register(&clab_miscdev);
	if (ret)
		goto exit_rmap;
	WRITE_ONCE(mem->oom_victim_hook, clab_rmap_is_oom_victim);
	WRITE_ONCE(mem->oom_kill_hook, clab_rmap_oom_kill);
	return 0;

exit_rmap:
	clab_rmap_exit();
	return ret;
}

/**
 * clab_chardev_exit() - remove /dev/compactlab
 *
 * No file can be open: each holds a module reference.
 */
void clab_chardev_exit(void)
{
	WRITE_ONCE(clab_chardev_mem->oom_kill_hook, NULL);
	WRITE_ONCE(clab_chardev_mem->oom_victim_hook, NULL);
	misc_deregister(&clab_miscdev);
	clab_rmap_exit();
}
