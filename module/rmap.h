/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rmap.h - the state of an open /dev/compactlab, shared by chardev.c (the
 * file operations), rmap.c (user mappings and their reverse map) and
 * kpages.c (kernel-held blocks).
 *
 * Locking, outermost first:
 *
 *	mmap_lock (or the per-VMA lock of a fault)
 *	  clab_file.lock               the owner lock of kernel-held blocks
 *	    clab_file.page_lock[]      the owner lock of user pages, one per
 *	                               offset stripe; never two at once
 *	      i_mmap_rwsem, PTL        taken inside unmap_mapping_range()
 *
 * A user page's owner lock is the stripe of its file offset, so that
 * compactors (kcompactd, direct compaction, a trigger) moving different
 * pages of one mapping do not collide on one lock, as the kernel's page
 * lock lets them. Arena pages are never allocated under an owner lock, so
 * allocation (and any direct compaction in it) may block on any of them. The core
 * finds a page's owner under rcu_read_lock() and tryget()s it; the object
 * is freed with kfree_rcu() after its last reference.
 */
#ifndef _CLAB_RMAP_H
#define _CLAB_RMAP_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <compactlab/mmzone.h>
#include <compactlab/owner.h>

/* Owner lock stripes of a file's user pages (a power of two). */
#define CLAB_PAGE_LOCKS		64

/**
 * struct clab_file - one open /dev/compactlab
 * @user_owner: owner of the pages mapped to user space;
 *	page->private is the page's file offset (in pages)
 * @kernel_owner: owner of unmovable and movable kernel-held blocks;
 *	page->private is the block's handle
 * @cache_owner: owner of reclaimable kernel-held blocks (has drop);
 *	page->private is the block's handle
 * @ref: one for the open file, one per owner reference (tryget); the
 *	last put frees the object after an RCU grace period
 * @rcu: for that kfree_rcu()
 * @lock: the owner lock of kernel-held blocks: protects @blocks,
 *	@next_pgoff, @next_batch, @inode, and the owner and private fields
 *	of the blocks' pages; taken around releasing and discarding user
 *	pages
 * @page_lock: the owner locks of user pages, one per offset stripe
 *	(offset % CLAB_PAGE_LOCKS): each protects the entries of @pages at
 *	its offsets and the owner and private fields of the pages there
 * @mem: the shadow memory pages come from
 * @inode: private anonymous inode; its i_mapping is the file's f_mapping,
 *	the address space whose i_mmap tree reaches every vma of the file.
 *	Released (NULL) when the file is: no page is owned after that.
 * @pages: file offset -> struct clab_page * of the faulted-in user pages
 * @blocks: handle -> struct clab_kblock * of the kernel-held blocks
 * @next_pgoff: first file offset not yet given to an mmap; each mmap gets
 *	a fresh range, so an offset is mapped by exactly one vma
 * @next_batch: the last batch number given to an allocation of kernel-held
 *	blocks: a handle is reused once freed, a batch number never
 * @nr_pages: arena pages the file holds (faulted-in user pages and the
 *	pages of kernel-held blocks not dropped); a statistic (the OOM
 *	killer counts the pages each process maps instead)
 * @list: on the list of open files, for the OOM killer, which walks the
 *	vmas of each
 */
struct clab_file {
	struct clab_owner user_owner;
	struct clab_owner kernel_owner;
	struct clab_owner cache_owner;
	struct kref ref;
	struct rcu_head rcu;
	struct mutex lock;		/* kernel blocks' owner lock */
	struct mutex page_lock[CLAB_PAGE_LOCKS];	/* user pages' */
	struct clab_mem *mem;
	struct inode *inode;
	struct xarray pages;
	struct xarray blocks;
	unsigned long next_pgoff;
	u64 next_batch;
	atomic_long_t nr_pages;
	struct list_head list;
};

/**
 * struct clab_kblock - a kernel-held block
 * @page: head page; NULL once reclaim dropped the block
 * @order: block order
 * @migratetype: CLAB_MIGRATE_UNMOVABLE, _MOVABLE or _RECLAIMABLE
 * @handle: the block's handle in clab_file.blocks
 * @batch: the allocation (one CLAB_IOC_ALLOC) the block came from: tells
 *	it from a later block that reused its handle, for an undo
 * @cf: the file that holds it
 * @writeback_lock: protects @writeback_page; nests inside clab_file.lock
 * @writeback_page: the head page whose writeback @writeback_work ends, or
 *	NULL: cleared when that page moves (its writeback has ended then) or
 *	is freed, so the work never touches a page the block let go of
 * @writeback_work: ends an emulated writeback of the block's pages
 *	(CLAB_IOC_MARK) without the owner lock, which a sync migrator holds
 *	while it waits for that writeback; cancelled before @cf or the block
 *	is freed
 */
struct clab_kblock {
	struct clab_page *page;
	unsigned int order;
	int migratetype;
	u32 handle;
	u64 batch;
	struct clab_file *cf;
	spinlock_t writeback_lock;	/* protects @writeback_page */
	struct clab_page *writeback_page;
	struct delayed_work writeback_work;
};

/* rmap.c: the pseudo file system, the object, user mappings. */
int clab_rmap_init(void);
void clab_rmap_exit(void);
struct clab_file *clab_file_create(struct clab_mem *mem);
void clab_file_release(struct clab_file *cf);
bool clab_file_tryget(struct clab_file *cf);
void clab_file_put(struct clab_file *cf);
void clab_file_disown_page(struct clab_file *cf, struct clab_page *page);
int clab_rmap_mmap(struct clab_file *cf, struct file *file,
		   struct vm_area_struct *vma);
int clab_rmap_discard(struct clab_file *cf, struct file *file, u64 addr,
		      u64 len);
int clab_rmap_pfn_of(struct clab_file *cf, struct file *file, u64 addr,
		     u64 *pfn, u64 *index);
struct clab_migrate_stats;
int clab_rmap_migrate(struct clab_file *cf, struct file *file, u64 addr,
		      u64 len, struct clab_migrate_stats *stats);
bool clab_rmap_oom_kill(struct clab_mem *mem);
bool clab_rmap_is_oom_victim(struct clab_mem *mem);

/* kpages.c: kernel-held blocks. */
extern const struct clab_owner_ops clab_kernel_owner_ops;
extern const struct clab_owner_ops clab_cache_owner_ops;
int clab_kpages_alloc(struct clab_file *cf, unsigned int order, int mt,
		      unsigned int gfp, u32 *handle, u64 *batch,
		      u64 *latency_ns);
int clab_kpages_free(struct clab_file *cf, u64 handle);
void clab_kpages_free_batch(struct clab_file *cf, u64 batch);
int clab_kpages_verify(struct clab_file *cf, u64 handle, u64 *mismatches);
int clab_kpages_mark(struct clab_file *cf, u64 handle, unsigned long set,
		     bool clear, unsigned int writeback_delay_ms);
int clab_kpages_pfn(struct clab_file *cf, u64 handle, u64 *pfn, u64 *index);
int clab_kpages_touch(struct clab_file *cf, u64 handle);
void clab_kpages_release(struct clab_file *cf);

#endif /* _CLAB_RMAP_H */
