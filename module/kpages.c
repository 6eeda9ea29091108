// SPDX-License-Identifier: GPL-2.0
/*
 * kpages.c - kernel-held blocks of an open /dev/compactlab.
 *
 * CLAB_IOC_ALLOC allocates blocks as the kernel would: unmovable pins,
 * movable kernel-owned pages and reclaimable "cache" pages. Each block gets
 * a per-file handle (an allocating xarray, handles from 1) and is filled
 * with a pattern derived from its handle, so that CLAB_IOC_VERIFY can tell
 * whether a migration moved its contents intact. On a virtual arena the
 * blocks have no contents: ALLOC fills nothing and VERIFY answers
 * -EOPNOTSUPP.
 *
 * Owners: unmovable and movable blocks belong to clab_file.kernel_owner,
 * reclaimable ones to clab_file.cache_owner, whose drop forgets the block
 * (its handle stays, and VERIFY then says -ENODATA) and hands the page's
 * reference to the caller. page->private is the handle. No user maps these
 * pages, so unmap has nothing to do.
 *
 * Reclaimable blocks enter the LRU once published (clab_lru_add());
 * CLAB_IOC_TOUCH marks them accessed under the owner lock.
 * clab_file.nr_pages counts the pages of the blocks the file still holds.
 *
 * CLAB_IOC_MARK sets the dirty, writeback, pinned and unevictable bits of
 * a movable block's pages under the owner lock, where migration checks
 * them; the unevictable bit follows the block when it moves (an mlocked
 * page stays mlocked), the others describe the old page only. An
 * emulated writeback ends from a delayed work that reaches the page
 * through clab_kblock.writeback_page, not through the owner lock: a sync
 * migrator holds that lock while it waits for the writeback to end.
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <compactlab/arena.h>
#include <compactlab/writeback.h>
#include "rmap.h"

/* The page-flag bits CLAB_IOC_MARK sets and clears. */
#define CLAB_KPAGES_MARKS	(BIT(CLAB_PG_DIRTY) | BIT(CLAB_PG_WRITEBACK) | \
				 BIT(CLAB_PG_PINNED) | BIT(CLAB_PG_UNEVICTABLE))

/* The pattern of word @word of the block with handle @handle. */
static u64 clab_kpages_pattern(u32 handle, unsigned long word)
{
	return (u64)handle * 0x9e3779b97f4a7c15ULL + word;
}

/* Walk the words of a block: fill it (@fill) or count mismatches. */
static u64 clab_kpages_pattern_walk(struct clab_file *cf,
				    const struct clab_kblock *blk, u32 handle,
				    bool fill)
{
	unsigned long idx = clab_page_to_idx(cf->mem, blk->page);
	const unsigned long words = PAGE_SIZE / sizeof(u64);
	unsigned long i, w;
	u64 mismatches = 0;

	for (i = 0; i < 1UL << blk->order; i++) {
		u64 *p = clab_arena_page_address(cf->mem->arena, idx + i);

		for (w = 0; w < words; w++) {
			u64 want = clab_kpages_pattern(handle, i * words + w);

			if (fill)
				p[w] = want;
			else if (p[w] != want)
				mismatches++;
		}
		cond_resched();
	}
	return mismatches;
}

/* The writeback of @blk's pages is over: end it on the page it was on. */
static void clab_kpages_writeback_done(struct work_struct *work)
{
	struct clab_kblock *blk = container_of(to_delayed_work(work),
					       struct clab_kblock,
					       writeback_work);
	struct clab_page *page;
	unsigned long i;

	spin_lock(&blk->writeback_lock);
	page = blk->writeback_page;
	blk->writeback_page = NULL;
	for (i = 0; page && i < 1UL << blk->order; i++)
		if (clab_page_test(&page[i], CLAB_PG_WRITEBACK))
			clab_end_writeback(&page[i]);
	spin_unlock(&blk->writeback_lock);
}

/* The block lets go of @page (moved or freed): the work must forget it. */
static void clab_kpages_forget_writeback(struct clab_kblock *blk,
					 struct clab_page *page)
{
	spin_lock(&blk->writeback_lock);
	if (blk->writeback_page == page)
		blk->writeback_page = NULL;
	spin_unlock(&blk->writeback_lock);
}

/* Clear the marks of the block's pages, waking writeback waiters. */
static void clab_kpages_clear_marks(struct clab_file *cf,
				    struct clab_kblock *blk)
{
	struct clab_page *page = blk->page;
	unsigned long i;

	lockdep_assert_held(&cf->lock);
	clab_kpages_forget_writeback(blk, page);
	for (i = 0; i < 1UL << blk->order; i++) {
		clear_bit(CLAB_PG_DIRTY, &page[i].flags);
		clear_bit(CLAB_PG_PINNED, &page[i].flags);
		clear_bit(CLAB_PG_UNEVICTABLE, &page[i].flags);
		if (clab_page_test(&page[i], CLAB_PG_WRITEBACK))
			clab_end_writeback(&page[i]);
	}
}

/* Take a block out of the table (lock held); the caller frees @blk. */
static struct clab_kblock *clab_kpages_erase(struct clab_file *cf,
					     unsigned long handle)
{
	struct clab_kblock *blk;

	lockdep_assert_held(&cf->lock);
	blk = xa_erase(&cf->blocks, handle);
	if (blk && blk->page) {
		atomic_long_sub(1L << blk->order, &cf->nr_pages);
		clab_kpages_clear_marks(cf, blk);
		clab_file_disown_page(cf, blk->page);
		blk->page = NULL;
	}
	return blk;
}

/* The block is out of the table: wait for its work, then free it. */
static void clab_kpages_destroy(struct clab_kblock *blk)
{
	cancel_delayed_work_sync(&blk->writeback_work);
	kfree(blk);
}

static unsigned int clab_kpages_gfp(int mt)
{
	switch (mt) {
	case CLAB_MIGRATE_MOVABLE:
		return CLAB_GFP_MOVABLE;
	case CLAB_MIGRATE_RECLAIMABLE:
		return CLAB_GFP_RECLAIMABLE;
	default:
		return CLAB_GFP_KERNEL;
	}
}

/**
 * clab_kpages_alloc() - allocate, fill and publish one kernel-held block
 * @cf: the file's object
 * @order: block order, <= CLAB_MAX_ORDER
 * @mt: CLAB_MIGRATE_UNMOVABLE, _MOVABLE or _RECLAIMABLE
 * @gfp: CLAB_GFP_* flags beyond the migratetype's (reclaim, retry, ...)
 * @handle: out: the block's handle
 * @batch: in/out: the block joins batch *@batch, or when that is 0 starts
 *	a new one and sets *@batch to its number (see
 *	clab_kpages_free_batch())
 * @latency_ns: out, if not NULL: nanoseconds clab_alloc_pages() took,
 *	written on failure too
 *
 * The arena page is allocated before the owner lock is taken (see rmap.h),
 * so the allocation may reclaim and compact. A reclaimable block enters
 * the LRU once its owner is published. On a virtual arena the block gets
 * no pattern: it has no contents.
 *
 * Return: 0, or -ENOMEM when the arena (or the handle space) is exhausted.
 */
int clab_kpages_alloc(struct clab_file *cf, unsigned int order, int mt,
		      unsigned int gfp, u32 *handle, u64 *batch,
		      u64 *latency_ns)
{
	struct clab_kblock *blk;
	struct clab_page *page;
	u64 start;
	int ret;

	blk = kmalloc(sizeof(*blk), GFP_KERNEL);
	if (!blk)
		return -ENOMEM;
	start = ktime_get_ns();
	page = clab_alloc_pages(cf->mem, 0, clab_kpages_gfp(mt) | gfp, order);
	if (latency_ns)
		*latency_ns = ktime_get_ns() - start;
	if (!page) {
		ret = -ENOMEM;
		goto free_blk;
	}
	blk->page = page;
	blk->order = order;
	blk->migratetype = mt;
	blk->cf = cf;
	spin_lock_init(&blk->writeback_lock);
	blk->writeback_page = NULL;
	INIT_DELAYED_WORK(&blk->writeback_work, clab_kpages_writeback_done);

	mutex_lock(&cf->lock);
	ret = xa_alloc(&cf->blocks, handle, blk, xa_limit_32b, GFP_KERNEL);
	if (ret) {
		ret = -ENOMEM;
		goto put_page;
	}
	blk->handle = *handle;
	if (!*batch)
		*batch = ++cf->next_batch;
	blk->batch = *batch;
	if (clab_arena_has_contents(cf->mem->arena))
		clab_kpages_pattern_walk(cf, blk, *handle, true);
	page->private = *handle;
	WRITE_ONCE(page->owner, mt == CLAB_MIGRATE_RECLAIMABLE ?
		   &cf->cache_owner : &cf->kernel_owner);
	atomic_long_add(1L << order, &cf->nr_pages);
	if (mt == CLAB_MIGRATE_RECLAIMABLE)
		clab_lru_add(cf->mem, page);
	mutex_unlock(&cf->lock);
	return 0;

put_page:
	mutex_unlock(&cf->lock);
	clab_put_page(cf->mem, page);
free_blk:
	kfree(blk);
	return ret;
}

/**
 * clab_kpages_free() - free a kernel-held block by handle
 * @cf: the file's object
 * @handle: the handle
 *
 * Return: 0, or -EINVAL for an unknown handle.
 */
int clab_kpages_free(struct clab_file *cf, u64 handle)
{
	struct clab_kblock *blk;

	if (handle > U32_MAX)
		return -EINVAL;
	mutex_lock(&cf->lock);
	blk = clab_kpages_erase(cf, handle);
	mutex_unlock(&cf->lock);
	if (!blk)
		return -EINVAL;
	clab_kpages_destroy(blk);
	return 0;
}

/**
 * clab_kpages_free_batch() - undo an allocation user space never learned of
 * @cf: the file's object
 * @batch: the batch number clab_kpages_alloc() gave
 *
 * Frees the blocks of @batch still in the table, each checked and erased
 * under the owner lock: not by handle, since another thread of the file
 * may have freed one of them (handles are guessable) and been given its
 * handle again for a block of its own, which must stay.
 */
void clab_kpages_free_batch(struct clab_file *cf, u64 batch)
{
	struct clab_kblock *blk;
	unsigned long handle = 0;

	for (;;) {
		mutex_lock(&cf->lock);
		xa_for_each_start(&cf->blocks, handle, blk, handle)
			if (blk->batch == batch)
				break;
		if (blk)
			blk = clab_kpages_erase(cf, handle);
		mutex_unlock(&cf->lock);
		if (!blk)
			return;
		clab_kpages_destroy(blk);
		cond_resched();
	}
}

/**
 * clab_kpages_verify() - compare a block with its pattern
 * @cf: the file's object
 * @handle: the handle
 * @mismatches: out: 64-bit words that differ
 *
 * Runs under the owner lock, so it never sees a block half moved.
 *
 * Return: 0, -EINVAL for an unknown handle, -ENODATA for a dropped block,
 * -EOPNOTSUPP on a virtual arena, whose blocks have no contents.
 */
int clab_kpages_verify(struct clab_file *cf, u64 handle, u64 *mismatches)
{
	struct clab_kblock *blk;
	int ret = 0;

	if (handle > U32_MAX)
		return -EINVAL;
	if (!clab_arena_has_contents(cf->mem->arena))
		return -EOPNOTSUPP;
	mutex_lock(&cf->lock);
	blk = xa_load(&cf->blocks, handle);
	if (!blk)
		ret = -EINVAL;
	else if (!blk->page)
		ret = -ENODATA;
	else
		*mismatches = clab_kpages_pattern_walk(cf, blk, handle, false);
	mutex_unlock(&cf->lock);
	return ret;
}

/**
 * clab_kpages_mark() - set or clear the page state of a movable block
 * @cf: the file's object
 * @handle: the handle of a CLAB_MIGRATE_MOVABLE block
 * @set: CLAB_PG_DIRTY, _WRITEBACK, _PINNED and _UNEVICTABLE bits to set
 *	on every page
 * @clear: clear all four instead (@set must be 0)
 * @writeback_delay_ms: with CLAB_PG_WRITEBACK in @set: the writeback ends
 *	after this long (and sync migration waits at most this long)
 *
 * Runs under the owner lock, where migration looks at these bits, so a
 * migration sees a block either before or after the change.
 *
 * Return: 0, or -EINVAL for an unknown handle, a block that is not
 * movable or bits other than the four.
 */
int clab_kpages_mark(struct clab_file *cf, u64 handle, unsigned long set,
		     bool clear, unsigned int writeback_delay_ms)
{
	struct clab_kblock *blk;
	unsigned long i;
	int bit, ret = 0;

	if (handle > U32_MAX || (set & ~CLAB_KPAGES_MARKS) || (clear && set))
		return -EINVAL;
	mutex_lock(&cf->lock);
	blk = xa_load(&cf->blocks, handle);
	if (!blk || blk->migratetype != CLAB_MIGRATE_MOVABLE || !blk->page) {
		ret = -EINVAL;
		goto unlock;
	}
	if (clear) {
		clab_kpages_clear_marks(cf, blk);
		/* A pending work finds no page to end the writeback on. */
		cancel_delayed_work(&blk->writeback_work);
		goto unlock;
	}
	for (i = 0; i < 1UL << blk->order; i++)
		for_each_set_bit(bit, &set, BITS_PER_LONG)
			set_bit(bit, &blk->page[i].flags);
	if (set & BIT(CLAB_PG_WRITEBACK)) {
		clab_set_writeback_delay(writeback_delay_ms);
		spin_lock(&blk->writeback_lock);
		blk->writeback_page = blk->page;
		spin_unlock(&blk->writeback_lock);
		mod_delayed_work(system_wq, &blk->writeback_work,
				 msecs_to_jiffies(writeback_delay_ms));
	}
unlock:
	mutex_unlock(&cf->lock);
	return ret;
}

/**
 * clab_kpages_pfn() - where a kernel-held block is now
 * @cf: the file's object
 * @handle: the handle
 * @pfn: out: physical page frame number of its head page
 * @index: out: arena index of its head page
 *
 * Return: 0, -EINVAL for an unknown handle, -ENODATA for a dropped block.
 */
int clab_kpages_pfn(struct clab_file *cf, u64 handle, u64 *pfn, u64 *index)
{
	struct clab_kblock *blk;
	int ret = 0;

	if (handle > U32_MAX)
		return -EINVAL;
	mutex_lock(&cf->lock);
	blk = xa_load(&cf->blocks, handle);
	if (!blk) {
		ret = -EINVAL;
	} else if (!blk->page) {
		ret = -ENODATA;
	} else {
		*index = clab_page_to_idx(cf->mem, blk->page);
		*pfn = clab_arena_index_to_pfn(cf->mem->arena, *index);
	}
	mutex_unlock(&cf->lock);
	return ret;
}

/**
 * clab_kpages_touch() - a reclaimable block was used
 * @cf: the file's object
 * @handle: the handle of a CLAB_MIGRATE_RECLAIMABLE block
 *
 * clab_mark_page_accessed() under the owner lock, so the block cannot be
 * dropped or moved meanwhile: the first touch marks it referenced, the
 * second promotes it to the active list.
 *
 * Return: 0, -EINVAL for an unknown handle or a block of another
 * migratetype, -ENODATA for a dropped block.
 */
int clab_kpages_touch(struct clab_file *cf, u64 handle)
{
	struct clab_kblock *blk;
	int ret = 0;

	if (handle > U32_MAX)
		return -EINVAL;
	mutex_lock(&cf->lock);
	blk = xa_load(&cf->blocks, handle);
	if (!blk || blk->migratetype != CLAB_MIGRATE_RECLAIMABLE)
		ret = -EINVAL;
	else if (!blk->page)
		ret = -ENODATA;
	else
		clab_mark_page_accessed(cf->mem, blk->page);
	mutex_unlock(&cf->lock);
	return ret;
}

/**
 * clab_kpages_release() - free every kernel-held block of a closing file
 * @cf: the file's object
 */
void clab_kpages_release(struct clab_file *cf)
{
	struct clab_kblock *blk;
	unsigned long handle = 0;

	/* One block at a time: its work may not be waited for under the lock. */
	do {
		mutex_lock(&cf->lock);
		blk = xa_find(&cf->blocks, &handle, ULONG_MAX, XA_PRESENT);
		if (blk)
			clab_kpages_erase(cf, handle);
		mutex_unlock(&cf->lock);
		if (blk)
			clab_kpages_destroy(blk);
	} while (blk);
	xa_destroy(&cf->blocks);
}

/* The owner ops of kernel-held blocks. */

static struct clab_file *kowner_to_file(struct clab_owner *owner)
{
	if (owner->ops == &clab_cache_owner_ops)
		return container_of(owner, struct clab_file, cache_owner);
	return container_of(owner, struct clab_file, kernel_owner);
}

static bool clab_kowner_tryget(struct clab_owner *owner)
{
	return clab_file_tryget(kowner_to_file(owner));
}

static void clab_kowner_put(struct clab_owner *owner)
{
	clab_file_put(kowner_to_file(owner));
}

/* Kernel-held blocks: the file's lock covers all of them. */
static bool clab_kowner_trylock(struct clab_owner *owner,
				struct clab_page *page)
{
	return mutex_trylock(&kowner_to_file(owner)->lock);
}

static void clab_kowner_lock(struct clab_owner *owner, struct clab_page *page)
{
	mutex_lock(&kowner_to_file(owner)->lock);
}

static void clab_kowner_unlock(struct clab_owner *owner,
			       struct clab_page *page)
{
	mutex_unlock(&kowner_to_file(owner)->lock);
}

/* The block of @page's handle, if @page is still its head; lock held. */
static struct clab_kblock *clab_kowner_block(struct clab_owner *owner,
					     struct clab_page *page)
{
	struct clab_file *cf = kowner_to_file(owner);
	struct clab_kblock *blk;

	lockdep_assert_held(&cf->lock);
	if (page->owner != owner)
		return NULL;
	blk = xa_load(&cf->blocks, page->private);
	return blk && blk->page == page ? blk : NULL;
}

static bool clab_kowner_owns(struct clab_owner *owner, struct clab_page *page)
{
	return clab_kowner_block(owner, page);
}

/* Kernel pages have no user mappings. */
static void clab_kowner_unmap(struct clab_owner *owner, struct clab_page *page)
{
	lockdep_assert_held(&kowner_to_file(owner)->lock);
}

static void clab_kowner_move(struct clab_owner *owner, struct clab_page *old,
			     struct clab_page *new)
{
	struct clab_kblock *blk = clab_kowner_block(owner, old);

	if (WARN_ON_ONCE(!blk))
		return;
	WARN_ON_ONCE(blk->migratetype == CLAB_MIGRATE_UNMOVABLE);
	/* Migration moves only pages whose writeback has ended. */
	clab_kpages_forget_writeback(blk, old);
	new->private = old->private;
	/* Unevictable stays with the contents, as mlock does in the kernel. */
	if (clab_page_test(old, CLAB_PG_UNEVICTABLE))
		set_bit(CLAB_PG_UNEVICTABLE, &new->flags);
	WRITE_ONCE(new->owner, owner);
	blk->page = new;
}

static void clab_kowner_drop(struct clab_owner *owner, struct clab_page *page)
{
	struct clab_kblock *blk = clab_kowner_block(owner, page);

	if (WARN_ON_ONCE(!blk))
		return;
	clab_kpages_forget_writeback(blk, page);
	atomic_long_sub(1L << blk->order, &kowner_to_file(owner)->nr_pages);
	blk->page = NULL;
	WRITE_ONCE(page->owner, NULL);
	page->private = 0;
}

const struct clab_owner_ops clab_kernel_owner_ops = {
	.tryget = clab_kowner_tryget,
	.put = clab_kowner_put,
	.trylock = clab_kowner_trylock,
	.lock = clab_kowner_lock,
	.unlock = clab_kowner_unlock,
	.owns = clab_kowner_owns,
	.unmap = clab_kowner_unmap,
	.move = clab_kowner_move,
	.drop = NULL,
};

const struct clab_owner_ops clab_cache_owner_ops = {
	.tryget = clab_kowner_tryget,
	.put = clab_kowner_put,
	.trylock = clab_kowner_trylock,
	.lock = clab_kowner_lock,
	.unlock = clab_kowner_unlock,
	.owns = clab_kowner_owns,
	.unmap = clab_kowner_unmap,
	.move = clab_kowner_move,
	.drop = clab_kowner_drop,
};
