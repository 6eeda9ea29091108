// SPDX-License-Identifier: GPL-2.0
/*
 * rmap.c - user mappings of /dev/compactlab and their reverse map.
 *
 * Every open file gets its own anonymous inode on a private pseudo file
 * system, and the file's f_mapping points at that inode's address space.
 * Every mmap gets a fresh range of offsets in it (vm_pgoff is rewritten),
 * mremap is refused and fork does not copy the vma, so an offset is mapped
 * by exactly one vma. The reverse map of an arena page is then:
 *
 *	page->owner     -> &clab_file.user_owner
 *	page->private   -> the file offset
 *	unmap_mapping_range(f_mapping, offset << PAGE_SHIFT, PAGE_SIZE, 1)
 *	                -> zaps its PTE, whichever process maps it
 *
 * Pages are mapped on fault with vmf_insert_pfn() (VM_PFNMAP: the arena
 * has no struct page). A user page's owner lock is the stripe of its
 * offset (clab_file.page_lock[], see rmap.h). The fault takes the stripe
 * of its offset and re-reads the page there, so a fault on a page being
 * moved waits for the move and maps the new page. A fault allocates with
 * CLAB_GFP_RECLAIM, outside the owner lock, so it may reclaim, compact and
 * OOM-kill as a user fault in the kernel does.
 *
 * Every open file is on clab_files (under clab_files_lock), for the OOM
 * killer (clab_rmap_oom_kill(), the mem->oom_kill_hook): it counts the
 * pages each process maps, from every file's vmas, and kills the process
 * mapping the most, as the kernel's kills the largest RSS.
 *
 * The file's object, its offset table and the table's nodes are charged
 * to the memory cgroup of the task that opens or faults (GFP_KERNEL_ACCOUNT,
 * XA_FLAGS_ACCOUNT): a user spreading pages over sparse offsets grows the
 * table within their own limit.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/oom.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <compactlab/arena.h>
#include <compactlab/compaction.h>
#include "rmap.h"

#define CLAB_FS_MAGIC		0x636c6162	/* "clab" */

/* Offsets stay below this so that offset << PAGE_SHIFT fits a loff_t. */
#define CLAB_RMAP_MAX_PGOFF	((unsigned long)(LLONG_MAX >> PAGE_SHIFT))

static struct vfsmount *clab_rmap_mnt;

/* Every open file, for the OOM killer. */
static LIST_HEAD(clab_files);
static DEFINE_MUTEX(clab_files_lock);

static void clab_oom_forget_victims(void);

static int clab_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, CLAB_FS_MAGIC) ? 0 : -ENOMEM;
}

/* No .owner: the mount lives as long as the module and must not pin it. */
static struct file_system_type clab_fs_type = {
	.name = "compactlab",
	.init_fs_context = clab_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * clab_rmap_init() - mount the private pseudo file system
 *
 * Return: 0 or -errno.
 */
int clab_rmap_init(void)
{
	clab_rmap_mnt = kern_mount(&clab_fs_type);
	if (IS_ERR(clab_rmap_mnt))
		return PTR_ERR(clab_rmap_mnt);
	return 0;
}

/**
 * clab_rmap_exit() - unmount it; every clab_file must be gone
 */
void clab_rmap_exit(void)
{
	kern_unmount(clab_rmap_mnt);
	clab_oom_forget_victims();
}

static struct clab_file *user_owner_to_file(struct clab_owner *owner)
{
	return container_of(owner, struct clab_file, user_owner);
}

/* The owner lock of the user page at @pgoff. */
static struct mutex *clab_page_lock(struct clab_file *cf, unsigned long pgoff)
{
	return &cf->page_lock[pgoff & (CLAB_PAGE_LOCKS - 1)];
}

/* The last reference: the file is closed and no migrator holds it. */
static void clab_file_free(struct kref *ref)
{
	struct clab_file *cf = container_of(ref, struct clab_file, ref);
	int i;

	for (i = 0; i < CLAB_PAGE_LOCKS; i++)
		mutex_destroy(&cf->page_lock[i]);
	mutex_destroy(&cf->lock);
	kfree_rcu(cf, rcu);
}

/**
 * clab_file_tryget() - take a reference unless the object is going away
 * @cf: the object, found under rcu_read_lock()
 *
 * Return: true if a reference was taken.
 */
bool clab_file_tryget(struct clab_file *cf)
{
	return kref_get_unless_zero(&cf->ref);
}

/**
 * clab_file_put() - drop a reference; the last one frees the object
 * @cf: the object
 *
 * Does not sleep: the object is freed after an RCU grace period.
 */
void clab_file_put(struct clab_file *cf)
{
	kref_put(&cf->ref, clab_file_free);
}

/**
 * clab_file_disown_page() - the owner lets go of a block
 * @cf: the owner's file object; its lock held
 * @page: head page of the block, already removed from the owner's table
 *
 * Clears the page's owner and drops the allocation's reference: the block
 * is freed now, or when a migrator that isolated it puts its reference.
 */
void clab_file_disown_page(struct clab_file *cf, struct clab_page *page)
{
	lockdep_assert_held(&cf->lock);
	WRITE_ONCE(page->owner, NULL);
	WRITE_ONCE(page->private, 0);
	clab_put_page(cf->mem, page);
}

/*
 * Free the user pages at offsets first..last, each under its owner lock,
 * after zapping its PTEs when @zap (a discard; a closing vma has none):
 * under the lock, no fault can map the page again before it goes. May
 * reschedule between pages (a release frees the whole arena): the walk
 * looks the next offset up afresh, and cf->lock is a mutex.
 */
static void clab_rmap_free_range(struct clab_file *cf, unsigned long first,
				 unsigned long last, bool zap)
{
	struct clab_page *page;
	unsigned long pgoff;

	lockdep_assert_held(&cf->lock);
	xa_for_each_range(&cf->pages, pgoff, page, first, last) {
		struct mutex *lock = clab_page_lock(cf, pgoff);

		mutex_lock(lock);
		/* A migration may have replaced it: the page there now. */
		page = xa_load(&cf->pages, pgoff);
		if (page) {
			if (zap)
				unmap_mapping_range(cf->inode->i_mapping,
						    (loff_t)pgoff << PAGE_SHIFT,
						    PAGE_SIZE, 1);
			xa_erase(&cf->pages, pgoff);
			atomic_long_dec(&cf->nr_pages);
			clab_file_disown_page(cf, page);
		}
		mutex_unlock(lock);
		cond_resched();
	}
}

/* The owner ops of user pages. */

static bool clab_user_tryget(struct clab_owner *owner)
{
	return clab_file_tryget(user_owner_to_file(owner));
}

static void clab_user_put(struct clab_owner *owner)
{
	clab_file_put(user_owner_to_file(owner));
}

/*
 * Lock the stripe of @page's offset (only try, when @try). The offset
 * changes only under its stripe (a fault, a move, a disown), so once the
 * offset read before locking is still there, it stays until the unlock.
 */
static bool clab_user_lock_page(struct clab_file *cf, struct clab_page *page,
				bool try)
{
	for (;;) {
		unsigned long pgoff = READ_ONCE(page->private);
		struct mutex *lock = clab_page_lock(cf, pgoff);

		if (!try)
			mutex_lock(lock);
		else if (!mutex_trylock(lock))
			return false;
		if (READ_ONCE(page->private) == pgoff)
			return true;
		mutex_unlock(lock);
		if (try)
			return false;
	}
}

static bool clab_user_trylock(struct clab_owner *owner, struct clab_page *page)
{
	return clab_user_lock_page(user_owner_to_file(owner), page, true);
}

static void clab_user_lock(struct clab_owner *owner, struct clab_page *page)
{
	clab_user_lock_page(user_owner_to_file(owner), page, false);
}

static void clab_user_unlock(struct clab_owner *owner, struct clab_page *page)
{
	mutex_unlock(clab_page_lock(user_owner_to_file(owner), page->private));
}

static bool clab_user_owns(struct clab_owner *owner, struct clab_page *page)
{
	struct clab_file *cf = user_owner_to_file(owner);

	lockdep_assert_held(clab_page_lock(cf, page->private));
	return READ_ONCE(cf->inode) && page->owner == owner &&
	       xa_load(&cf->pages, page->private) == page;
}

static void clab_user_unmap(struct clab_owner *owner, struct clab_page *page)
{
	struct clab_file *cf = user_owner_to_file(owner);

	lockdep_assert_held(clab_page_lock(cf, page->private));
	unmap_mapping_range(cf->inode->i_mapping,
			    (loff_t)page->private << PAGE_SHIFT, PAGE_SIZE, 1);
}

static void clab_user_move(struct clab_owner *owner, struct clab_page *old,
			   struct clab_page *new)
{
	struct clab_file *cf = user_owner_to_file(owner);
	void *prev;

	lockdep_assert_held(clab_page_lock(cf, old->private));
	WRITE_ONCE(new->owner, owner);
	WRITE_ONCE(new->private, old->private);
	/* Replaces a present entry: the xarray allocates nothing. */
	prev = xa_store(&cf->pages, old->private, new, GFP_NOWAIT);
	WARN_ON_ONCE(prev != old);
}

static const struct clab_owner_ops clab_user_owner_ops = {
	.tryget = clab_user_tryget,
	.put = clab_user_put,
	.trylock = clab_user_trylock,
	.lock = clab_user_lock,
	.unlock = clab_user_unlock,
	.owns = clab_user_owns,
	.unmap = clab_user_unmap,
	.move = clab_user_move,
	.drop = NULL,
};

/**
 * clab_file_create() - the object of a new open file
 * @mem: the shadow memory
 *
 * Return: the object with one reference, or an ERR_PTR.
 */
struct clab_file *clab_file_create(struct clab_mem *mem)
{
	struct clab_file *cf;
	int ret, i;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL_ACCOUNT);
	if (!cf)
		return ERR_PTR(-ENOMEM);
	cf->inode = alloc_anon_inode(clab_rmap_mnt->mnt_sb);
	if (IS_ERR(cf->inode)) {
		ret = PTR_ERR(cf->inode);
		goto free_cf;
	}
	cf->user_owner.ops = &clab_user_owner_ops;
	cf->kernel_owner.ops = &clab_kernel_owner_ops;
	cf->cache_owner.ops = &clab_cache_owner_ops;
	kref_init(&cf->ref);
	mutex_init(&cf->lock);
	for (i = 0; i < CLAB_PAGE_LOCKS; i++)
		mutex_init(&cf->page_lock[i]);
	cf->mem = mem;
	xa_init_flags(&cf->pages, XA_FLAGS_ACCOUNT);
	xa_init_flags(&cf->blocks, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mutex_lock(&clab_files_lock);
	list_add_tail(&cf->list, &clab_files);
	mutex_unlock(&clab_files_lock);
	return cf;

free_cf:
	kfree(cf);
	return ERR_PTR(ret);
}

/**
 * clab_file_release() - the file is closed: free its pages, drop its ref
 * @cf: the object
 *
 * No vma of the file is left (each holds a file reference), so the user
 * pages still in the table have no PTEs. The inode goes too: it serves
 * only unmap, which needs an owned page. Owner references taken by a
 * migrator keep the (now empty) object alive until they are put.
 */
void clab_file_release(struct clab_file *cf)
{
	struct inode *inode;

	mutex_lock(&clab_files_lock);
	list_del(&cf->list);
	mutex_unlock(&clab_files_lock);
	clab_kpages_release(cf);
	mutex_lock(&cf->lock);
	clab_rmap_free_range(cf, 0, ULONG_MAX, false);
	xa_destroy(&cf->pages);
	inode = cf->inode;
	/* No page is owned now: no migrator reaches the inode again. */
	WRITE_ONCE(cf->inode, NULL);
	mutex_unlock(&cf->lock);
	iput(inode);
	clab_file_put(cf);
}

/* The vm operations. */

static vm_fault_t clab_rmap_fault(struct vm_fault *vmf)
{
	struct clab_file *cf = vmf->vma->vm_private_data;
	struct mutex *lock = clab_page_lock(cf, vmf->pgoff);
	struct clab_page *page, *fresh = NULL;
	unsigned long pfn;
	vm_fault_t ret;
	void *prev;

	mutex_lock(lock);
	page = xa_load(&cf->pages, vmf->pgoff);
	if (!page) {
		/* Never allocate under an owner lock: see rmap.h. */
		mutex_unlock(lock);
		fresh = clab_alloc_pages(cf->mem, 0,
					 CLAB_GFP_USER | CLAB_GFP_RECLAIM, 0);
		if (!fresh) {
			pr_warn_ratelimited("%s[%d]: arena exhausted, SIGBUS at 0x%lx\n",
					    current->comm, task_pid_nr(current),
					    vmf->address);
			return VM_FAULT_SIGBUS;
		}
		mutex_lock(lock);
		page = xa_load(&cf->pages, vmf->pgoff);
	}
	if (!page) {
		prev = xa_store(&cf->pages, vmf->pgoff, fresh,
				GFP_KERNEL_ACCOUNT);
		if (xa_is_err(prev)) {
			ret = VM_FAULT_OOM;
			goto unlock;
		}
		WRITE_ONCE(fresh->private, vmf->pgoff);
		WRITE_ONCE(fresh->owner, &cf->user_owner);
		atomic_long_inc(&cf->nr_pages);
		page = fresh;
		fresh = NULL;
	}
	pfn = clab_arena_index_to_pfn(cf->mem->arena,
				      clab_page_to_idx(cf->mem, page));
	ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
unlock:
	mutex_unlock(lock);
	/* Lost a race with another fault on the same offset, or no memory. */
	if (fresh)
		clab_put_page(cf->mem, fresh);
	return ret;
}

/*
 * A vma was split (mprotect, partial munmap): each piece keeps
 * vm_private_data and its own vm_pgoff, so the reverse map needs nothing.
 * The vm file reference of the new piece keeps the object alive.
 */
static void clab_rmap_open(struct vm_area_struct *vma)
{
}

static unsigned long clab_vma_last_pgoff(const struct vm_area_struct *v)
{
	return v->vm_pgoff + ((v->vm_end - v->vm_start) >> PAGE_SHIFT) - 1;
}

/*
 * Whether a vma other than @vma in the i_mmap subtree at @node maps an
 * offset in first..last. The tree is the kernel's interval tree of vmas:
 * ordered by vm_pgoff, each node caching in shared.rb_subtree_last the
 * highest last offset beneath it. Its helpers are not exported, so the
 * query is ours: a subtree whose highest last offset is below @first holds
 * no overlap, nor does anything after a vma that starts beyond @last. That
 * visits O(log n) nodes per overlapping vma (at most two here: @vma and
 * one copy). The recursion goes left only, so no deeper than the tree.
 */
static bool clab_subtree_maps(const struct rb_node *node,
			      const struct vm_area_struct *vma,
			      unsigned long first, unsigned long last)
{
	const struct vm_area_struct *v;

	while (node) {
		v = rb_entry(node, struct vm_area_struct, shared.rb);
		if (v->shared.rb_subtree_last < first)
			return false;
		if (clab_subtree_maps(node->rb_left, vma, first, last))
			return true;
		if (v->vm_pgoff > last)
			return false;
		if (v != vma && clab_vma_last_pgoff(v) >= first)
			return true;
		node = node->rb_right;
	}
	return false;
}

/*
 * Whether a vma of @mapping other than @vma maps an offset of @vma. Only a
 * transient copy shares offsets with its original: the new vma of a move
 * that clab_rmap_mremap() refused (move_vma() puts the PTEs back and unmaps
 * the copy), or of a move whose page tables could not all be moved.
 * O(log n) in the vmas of the file, so that unmapping n of them is not
 * O(n^2) under i_mmap_rwsem.
 */
static bool clab_rmap_shared(struct address_space *mapping,
			     struct vm_area_struct *vma)
{
	bool ret;

	i_mmap_lock_read(mapping);
	ret = clab_subtree_maps(mapping->i_mmap.rb_root.rb_node, vma,
				vma->vm_pgoff, clab_vma_last_pgoff(vma));
	i_mmap_unlock_read(mapping);
	return ret;
}

/*
 * The vma, or the piece of it being unmapped, is gone: free its pages.
 * Not those of a copy, which are its original's (that still maps them),
 * nor any for the emptied piece a failed split closes (vm_start ==
 * vm_end, vm_pgoff 0: its range would be every offset).
 */
static void clab_rmap_close(struct vm_area_struct *vma)
{
	struct clab_file *cf = vma->vm_private_data;

	if (!vma_pages(vma) || clab_rmap_shared(vma->vm_file->f_mapping, vma))
		return;
	mutex_lock(&cf->lock);
	clab_rmap_free_range(cf, vma->vm_pgoff,
			     clab_vma_last_pgoff(vma), false);
	mutex_unlock(&cf->lock);
}

/* A moved vma would keep its offsets; refuse so one offset, one vma. */
static int clab_rmap_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct clab_rmap_vm_ops = {
	.open = clab_rmap_open,
	.close = clab_rmap_close,
	.mremap = clab_rmap_mremap,
	.fault = clab_rmap_fault,
};

/**
 * clab_rmap_mmap() - set up a user mapping of the file
 * @cf: the file's object
 * @file: the file
 * @vma: the new vma
 *
 * Requires MAP_SHARED and offset 0; gives the vma a fresh range of file
 * offsets. VM_IO keeps MADV_DOFORK from clearing VM_DONTCOPY. A virtual
 * arena has no memory to map: its PFNs are arena indices.
 *
 * Return: 0 or -errno: -ENODEV on a virtual arena.
 */
int clab_rmap_mmap(struct clab_file *cf, struct file *file,
		   struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);

	if (!clab_arena_has_contents(cf->mem->arena)) {
		pr_warn_ratelimited("%s[%d]: mmap refused: a virtual arena has no pages to map\n",
				    current->comm, task_pid_nr(current));
		return -ENODEV;
	}
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		pr_warn_ratelimited("%s[%d]: MAP_PRIVATE mapping refused, use MAP_SHARED\n",
				    current->comm, task_pid_nr(current));
		return -EINVAL;
	}
	if (vma->vm_pgoff) {
		pr_warn_ratelimited("%s[%d]: mmap offset must be 0\n",
				    current->comm, task_pid_nr(current));
		return -EINVAL;
	}
	mutex_lock(&cf->lock);
	if (npages > CLAB_RMAP_MAX_PGOFF - cf->next_pgoff) {
		mutex_unlock(&cf->lock);
		return -ENOMEM;
	}
	vma->vm_pgoff = cf->next_pgoff;
	cf->next_pgoff += npages;
	mutex_unlock(&cf->lock);

	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP |
		     VM_DONTCOPY);
	vma->vm_ops = &clab_rmap_vm_ops;
	vma->vm_private_data = cf;
	return 0;
}

/*
 * Find the vma of @file that holds [addr, addr + len) and the file offset
 * of @addr. mmap_lock held.
 */
static int clab_rmap_lookup(struct file *file, u64 addr, u64 len,
			    unsigned long *pgoff)
{
	struct vm_area_struct *vma;

	if (!len || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(len) ||
	    addr > TASK_SIZE || len > TASK_SIZE - addr)
		return -EINVAL;
	vma = vma_lookup(current->mm, addr);
	if (!vma || vma->vm_file != file || vma->vm_ops != &clab_rmap_vm_ops ||
	    addr + len > vma->vm_end)
		return -EINVAL;
	*pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	return 0;
}

/**
 * clab_rmap_discard() - free the pages behind a user range
 * @cf: the file's object
 * @file: the file
 * @addr: page-aligned start, inside one vma of @file
 * @len: page-aligned length
 *
 * Zaps the PTEs of the range and frees its pages, page by page under
 * their owner locks; the next touch faults in a fresh zeroed page.
 *
 * Return: 0 or -EINVAL.
 */
int clab_rmap_discard(struct clab_file *cf, struct file *file, u64 addr,
		      u64 len)
{
	unsigned long pgoff;
	int ret;

	mmap_read_lock(current->mm);
	ret = clab_rmap_lookup(file, addr, len, &pgoff);
	if (ret)
		goto unlock_mmap;
	mutex_lock(&cf->lock);
	clab_rmap_free_range(cf, pgoff, pgoff + (len >> PAGE_SHIFT) - 1, true);
	mutex_unlock(&cf->lock);
unlock_mmap:
	mmap_read_unlock(current->mm);
	return ret;
}

/**
 * clab_rmap_pfn_of() - the arena page behind a user address
 * @cf: the file's object
 * @file: the file
 * @addr: page-aligned address inside a vma of @file
 * @pfn: out: physical page frame number
 * @index: out: arena index
 *
 * Return: 0, -EINVAL for a bad address, -ENOENT when no page is there.
 */
int clab_rmap_pfn_of(struct clab_file *cf, struct file *file, u64 addr,
		     u64 *pfn, u64 *index)
{
	struct clab_page *page;
	unsigned long pgoff;
	int ret;

	mmap_read_lock(current->mm);
	ret = clab_rmap_lookup(file, addr, PAGE_SIZE, &pgoff);
	if (ret)
		goto unlock_mmap;
	mutex_lock(clab_page_lock(cf, pgoff));
	page = xa_load(&cf->pages, pgoff);
	if (page) {
		*index = clab_page_to_idx(cf->mem, page);
		*pfn = clab_arena_index_to_pfn(cf->mem->arena, *index);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(clab_page_lock(cf, pgoff));
unlock_mmap:
	mmap_read_unlock(current->mm);
	return ret;
}

/*
 * Migrate the isolated pages on @list (the core puts back those that do
 * not move): into pages from the page allocator, in sync mode, as
 * move_pages() does.
 */
static void clab_rmap_migrate_batch(struct clab_file *cf,
				    struct list_head *list,
				    struct clab_migrate_stats *stats)
{
	clab_migrate_list(cf->mem, list, clab_alloc_migration_target,
			  (unsigned long)cf->mem, CLAB_MIGRATE_SYNC, stats);
}

/**
 * clab_rmap_migrate() - move every page behind a user range
 * @cf: the file's object
 * @file: the file
 * @addr: page-aligned start, inside one vma of @file
 * @len: page-aligned length, > 0
 * @stats: out: pages migrated and pages that failed to
 *
 * A pure migration, with no scanner: each page faulted in behind the range
 * is isolated under its owner lock, as the migrate scanner would isolate
 * it, and every CLAB_COMPACT_CLUSTER_MAX of them are migrated into pages
 * from the page allocator (clab_migrate_list()). A page that cannot be
 * isolated (another compactor holds it) or moved counts as failed and
 * stays, intact, where it was. Moved pages have their PTEs zapped: the
 * next touch maps the new page. Pages never touched are skipped. The vma
 * is looked up once; a racing munmap or discard frees pages from under the
 * walk as it would from under a compaction (offsets are never reused). A
 * fatal signal stops the walk; the counts say what was done.
 *
 * Return: 0, -EINVAL when the range is not inside one vma of @file.
 */
int clab_rmap_migrate(struct clab_file *cf, struct file *file, u64 addr,
		      u64 len, struct clab_migrate_stats *stats)
{
	unsigned long first, last, pgoff;
	struct clab_page *page;
	unsigned int nr = 0;
	LIST_HEAD(list);
	int ret;

	mmap_read_lock(current->mm);
	ret = clab_rmap_lookup(file, addr, len, &first);
	mmap_read_unlock(current->mm);
	if (ret)
		return ret;
	last = first + (len >> PAGE_SHIFT) - 1;
	xa_for_each_range(&cf->pages, pgoff, page, first, last) {
		struct mutex *lock = clab_page_lock(cf, pgoff);

		if (fatal_signal_pending(current))
			break;
		mutex_lock(lock);
		/* Under the lock, the page there now stays allocated. */
		page = xa_load(&cf->pages, pgoff);
		if (page) {
			if (clab_isolate_page(cf->mem, page,
					      CLAB_MIGRATE_SYNC)) {
				list_add_tail(&page->lru, &list);
				nr++;
			} else {
				stats->failed++;
			}
		}
		mutex_unlock(lock);
		if (nr == CLAB_COMPACT_CLUSTER_MAX) {
			clab_rmap_migrate_batch(cf, &list, stats);
			nr = 0;
		}
		cond_resched();
	}
	clab_rmap_migrate_batch(cf, &list, stats);
	return 0;
}

/*
 * The OOM killer. A process's share of the arena is the user pages its
 * vmas map, summed over every open file of @mem: each file's i_mmap tree
 * names the vmas and their mm, the offset table the pages in each. That
 * is what the kernel's oom_badness() counts (RSS), and what a kill gives
 * back; kernel-held blocks (CLAB_IOC_ALLOC, for administrators) belong to
 * a file, not a process, and are not counted.
 */

/* One mm mapping arena pages; grabbed (mmgrab) while the choice is made. */
struct clab_oom_candidate {
	struct mm_struct *mm;
	unsigned long pages;
	struct task_struct *task;	/* a killable process using @mm */
	bool seen;			/* some process uses @mm */
	bool dying;			/* a process using @mm is exiting */
	bool unkillable;		/* one is OOM_SCORE_ADJ_MIN or init */
};

/* The candidates of one OOM kill, built on the caller's stack. */
struct clab_oom_control {
	struct clab_mem *mem;			/* whose arena is full */
	struct clab_oom_candidate *c;		/* candidates, @nr of @size */
	unsigned int nr;
	unsigned int size;
};

/* Add @pages to @mm's candidate, a new one if @mm has none yet. */
static int clab_oom_add(struct clab_oom_control *oc, struct mm_struct *mm,
			unsigned long pages)
{
	struct clab_oom_candidate *c;
	unsigned int i;

	/* The vmas of a file come in offset order: mostly one mm in a row. */
	for (i = oc->nr; i--; )
		if (oc->c[i].mm == mm) {
			oc->c[i].pages += pages;
			return 0;
		}
	if (oc->nr == oc->size) {
		c = krealloc_array(oc->c, oc->size * 2 + 16, sizeof(*c),
				   GFP_KERNEL);
		if (!c)
			return -ENOMEM;
		oc->c = c;
		oc->size = oc->size * 2 + 16;
	}
	mmgrab(mm);
	oc->c[oc->nr++] = (struct clab_oom_candidate){ .mm = mm,
						       .pages = pages };
	return 0;
}

/* Count the pages each vma of @cf maps. clab_files_lock held. */
static int clab_oom_count_file(struct clab_oom_control *oc,
			       struct clab_file *cf)
{
	struct address_space *mapping = cf->inode->i_mapping;
	struct vm_area_struct *v;
	unsigned long pgoff, pages;
	struct clab_page *page;
	struct rb_node *n;
	int ret = 0;

	lockdep_assert_held(&clab_files_lock);
	i_mmap_lock_read(mapping);
	for (n = rb_first_cached(&mapping->i_mmap); n && !ret; n = rb_next(n)) {
		v = rb_entry(n, struct vm_area_struct, shared.rb);
		pages = 0;
		/* Racy, as the kernel's RSS counters: a heuristic. */
		xa_for_each_range(&cf->pages, pgoff, page, v->vm_pgoff,
				  clab_vma_last_pgoff(v))
			pages++;
		if (pages)
			ret = clab_oom_add(oc, v->vm_mm, pages);
		cond_resched();
	}
	i_mmap_unlock_read(mapping);
	return ret;
}

static int clab_oom_cmp_pages(const void *a, const void *b)
{
	const struct clab_oom_candidate *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return 0;
}

static struct clab_oom_candidate *
clab_oom_find(struct clab_oom_control *oc, struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i < oc->nr; i++)
		if (oc->c[i].mm == mm)
			return &oc->c[i];
	return NULL;
}

/* The mm of process @p: that of any thread still holding it, or NULL. */
static struct mm_struct *clab_oom_task_mm(struct task_struct *p)
{
	struct mm_struct *mm = NULL;
	struct task_struct *t;

	for_each_thread(p, t) {
		task_lock(t);
		mm = t->mm;
		task_unlock(t);
		if (mm)
			break;
	}
	return mm;
}

/*
 * The OOM victims (6.1: tsk_is_oom_victim(), the mm in signal->oom_mm):
 * the mms of the processes killed for the arena, and of those that met
 * its OOM path already dying (out_of_memory()'s task_will_free_mem()).
 * Each entry holds an mmgrab(), so that its address names no other mm,
 * and goes once the mm has no users left. Full (16 victims exiting at
 * once), a new victim is not marked: it then allocates without ALLOC_OOM.
 */
#define CLAB_OOM_VICTIMS	16
static struct mm_struct *clab_oom_victims[CLAB_OOM_VICTIMS];
static DEFINE_SPINLOCK(clab_oom_victims_lock);	/* clab_oom_victims[] */

/* Mark @mm as a victim's; drop the entries of mms without users. */
static void clab_oom_mark_victim(struct mm_struct *mm)
{
	struct mm_struct *gone[CLAB_OOM_VICTIMS];
	unsigned int i, n = 0;
	int free = -1;
	bool marked = false;

	mmgrab(mm);
	spin_lock(&clab_oom_victims_lock);
	for (i = 0; i < CLAB_OOM_VICTIMS; i++) {
		struct mm_struct *v = clab_oom_victims[i];

		if (v == mm) {
			marked = true;
		} else if (v && !atomic_read(&v->mm_users)) {
			gone[n++] = v;
			clab_oom_victims[i] = NULL;
		}
		if (!clab_oom_victims[i] && free < 0)
			free = i;
	}
	if (!marked && free >= 0) {
		clab_oom_victims[free] = mm;
		mm = NULL;
	}
	spin_unlock(&clab_oom_victims_lock);
	if (mm)
		mmdrop(mm);
	while (n)
		mmdrop(gone[--n]);
}

/**
 * clab_rmap_is_oom_victim() - is the current task an OOM victim?
 * @mem: the shadow memory (one OOM killer serves it)
 *
 * The mem->oom_victim_hook.
 *
 * Return: true if the current process was killed by clab_rmap_oom_kill(),
 * or met it already dying.
 */
bool clab_rmap_is_oom_victim(struct clab_mem *mem)
{
	struct mm_struct *mm = current->mm;
	bool victim = false;
	unsigned int i;

	if (!mm || in_interrupt())
		return false;
	spin_lock(&clab_oom_victims_lock);
	for (i = 0; i < CLAB_OOM_VICTIMS; i++)
		victim |= clab_oom_victims[i] == mm;
	spin_unlock(&clab_oom_victims_lock);
	return victim;
}

/* Forget every victim: the device goes. */
static void clab_oom_forget_victims(void)
{
	struct mm_struct *gone[CLAB_OOM_VICTIMS];
	unsigned int i;

	spin_lock(&clab_oom_victims_lock);
	for (i = 0; i < CLAB_OOM_VICTIMS; i++) {
		gone[i] = clab_oom_victims[i];
		clab_oom_victims[i] = NULL;
	}
	spin_unlock(&clab_oom_victims_lock);
	for (i = 0; i < CLAB_OOM_VICTIMS; i++)
		if (gone[i])
			mmdrop(gone[i]);
}

/*
 * Match every process to its candidate, under RCU: which are dying and
 * which may not be killed (OOM_SCORE_ADJ_MIN, init, kernel threads).
 */
static void clab_oom_match_tasks(struct clab_oom_control *oc)
{
	struct clab_oom_candidate *c;
	struct task_struct *p;

	for_each_process(p) {
		if (p->flags & PF_KTHREAD)
			continue;
		c = clab_oom_find(oc, clab_oom_task_mm(p));
		if (!c)
			continue;
		c->seen = true;
		if (fatal_signal_pending(p) || (p->flags & PF_EXITING) ||
		    (p->signal->flags & SIGNAL_GROUP_EXIT))
			c->dying = true;
		if (READ_ONCE(p->signal->oom_score_adj) == OOM_SCORE_ADJ_MIN ||
		    is_global_init(p))
			c->unkillable = true;
		else if (!c->task)
			c->task = p;
	}
}

/**
 * clab_rmap_oom_kill() - the OOM killer of the shadow memory
 * @mem: the shadow memory an allocation failed in
 *
 * The mem->oom_kill_hook: sends SIGKILL to the process that maps the most
 * arena pages, skipping those with oom_score_adj OOM_SCORE_ADJ_MIN (and
 * init) for the next largest, as the kernel's OOM killer does, and marks
 * it as a victim (clab_rmap_is_oom_victim()); the pages come back when its
 * vmas close. While a process mapping pages is already dying (or its mm
 * is being torn down) nobody else is killed: those pages are on their
 * way. A caller that is dying itself is marked and nobody is killed, as
 * 6.1's out_of_memory() does. Called from an allocating task, never under
 * an owner lock. The kill is privileged (SEND_SIG_PRIV), as the kernel's.
 *
 * Return: true if a kill was sent, a victim is already dying, or the
 * caller is.
 */
bool clab_rmap_oom_kill(struct clab_mem *mem)
{
	struct clab_oom_control oc = { .mem = mem };
	struct task_struct *victim = NULL;
	struct clab_oom_candidate *c;
	char comm[TASK_COMM_LEN];
	unsigned long pages = 0;
	bool wait = false;
	struct clab_file *cf;
	unsigned int i;
	int ret = 0;

	if (current->mm && (fatal_signal_pending(current) ||
			    (current->flags & PF_EXITING))) {
		clab_oom_mark_victim(current->mm);
		return true;
	}
	mutex_lock(&clab_files_lock);
	list_for_each_entry(cf, &clab_files, list) {
		if (cf->mem != mem)
			continue;
		ret = clab_oom_count_file(&oc, cf);
		if (ret)
			break;
	}
	mutex_unlock(&clab_files_lock);
	if (ret)
		goto drop_mms;
	sort(oc.c, oc.nr, sizeof(*oc.c), clab_oom_cmp_pages, NULL);

	rcu_read_lock();
	clab_oom_match_tasks(&oc);
	for (i = 0; i < oc.nr && !victim && !wait; i++) {
		c = &oc.c[i];
		/* Unseen: its last process is exiting, the mm not yet torn down. */
		if (!c->seen || c->dying)
			wait = true;
		else if (!c->unkillable && c->task)
			victim = c->task;
	}
	if (victim) {
		get_task_struct(victim);
		pages = c->pages;
	}
	rcu_read_unlock();

	if (victim) {
		get_task_comm(comm, victim);
		send_sig_info(SIGKILL, SEND_SIG_PRIV, victim);
		clab_oom_mark_victim(c->mm);
		pr_warn("Out of memory: Killed process %d (%s) compactlab pages:%lu\n",
			task_tgid_nr(victim), comm, pages);
		put_task_struct(victim);
	}
drop_mms:
	for (i = 0; i < oc.nr; i++)
		mmdrop(oc.c[i].mm);
	kfree(oc.c);
	return victim || wait;
}
