// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - /dev/compactlab: open, release, mmap and the ioctls of
 * include/uapi/linux/compactlab.h.
 *
 * This file only checks and copies user input and calls rmap.c (user
 * mappings) and kpages.c (kernel-held blocks). A refused ioctl returns its
 * errno and logs nothing: ioctls can be fuzzed.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/compactlab.h>
#include <compactlab/arena.h>
#include <compactlab/mmzone.h>
#include <compactlab/vmstat.h>
#include "interfaces.h"
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
static_assert(CLAB_MT_UNMOVABLE == CLAB_MIGRATE_UNMOVABLE &&
	      CLAB_MT_MOVABLE == CLAB_MIGRATE_MOVABLE &&
	      CLAB_MT_RECLAIMABLE == CLAB_MIGRATE_RECLAIMABLE);

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
};
static_assert(ARRAY_SIZE(clab_uapi_event) == CLAB_NR_VM_EVENT_ITEMS);
static_assert(CLAB_EVENT_NR <= CLAB_COUNTERS_MAX_EVENTS);

static struct clab_mem *clab_chardev_mem;

static int clab_chardev_open(struct inode *inode, struct file *file)
{
	struct clab_file *cf;

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

static long clab_ioctl_alloc(struct clab_file *cf,
			     struct clab_alloc __user *uarg)
{
	struct clab_alloc req;
	u64 *handles, n, i;
	long ret;
	u32 h;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.order > CLAB_MAX_ORDER ||
	    req.migratetype > CLAB_MT_RECLAIMABLE || !req.count ||
	    req.count > cf->mem->arena->nr_pages || req.flags || req.pad)
		return -EINVAL;
	handles = kvmalloc_array(req.count, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	for (n = 0; n < req.count && !fatal_signal_pending(current); n++) {
		if (clab_kpages_alloc(cf, req.order, req.migratetype, &h))
			break;
		handles[n] = h;
	}
	if (!n) {
		ret = -ENOMEM;
		goto free_handles;
	}
	if (copy_to_user(u64_to_user_ptr(req.handles), handles,
			 n * sizeof(*handles)) ||
	    put_user(n, &uarg->allocated)) {
		ret = -EFAULT;
		goto free_blocks;
	}
	kvfree(handles);
	return 0;

free_blocks:
	for (i = 0; i < n; i++)
		clab_kpages_free(cf, handles[i]);
free_handles:
	kvfree(handles);
	return ret;
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
	misc_deregister(&clab_miscdev);
	clab_rmap_exit();
}
