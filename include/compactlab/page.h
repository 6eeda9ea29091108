/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page.h - the per-page descriptor and the migratetypes.
 *
 * One struct clab_page per arena page, indexed like the arena. It plays the
 * part of the kernel's struct page for the shadow allocator: free-list
 * linkage, buddy order, the migratetype the page was allocated with, and who
 * owns the page's contents.
 */
#ifndef _COMPACTLAB_PAGE_H
#define _COMPACTLAB_PAGE_H

#include <compactlab/env.h>

/**
 * enum clab_migratetype - mobility of a page or a pageblock (6.1 numbering)
 * @CLAB_MIGRATE_UNMOVABLE: kernel pins; never migrated
 * @CLAB_MIGRATE_MOVABLE: user pages and movable kernel pages
 * @CLAB_MIGRATE_RECLAIMABLE: caches whose owner can drop them
 * @CLAB_MIGRATE_PCPTYPES: the number of types with per-CPU lists
 * @CLAB_MIGRATE_HIGHATOMIC: the high-order atomic reserve (a block type)
 * @CLAB_MIGRATE_CMA: contiguous allocator blocks (unused; kept for the
 *	kernel's numbering and views)
 * @CLAB_MIGRATE_ISOLATE: blocks being isolated; their free pages are not
 *	counted and never handed out
 * @CLAB_MIGRATE_TYPES: the number of types
 */
enum clab_migratetype {
	CLAB_MIGRATE_UNMOVABLE,
	CLAB_MIGRATE_MOVABLE,
	CLAB_MIGRATE_RECLAIMABLE,
	CLAB_MIGRATE_PCPTYPES,
	CLAB_MIGRATE_HIGHATOMIC = CLAB_MIGRATE_PCPTYPES,
	CLAB_MIGRATE_CMA,
	CLAB_MIGRATE_ISOLATE,
	CLAB_MIGRATE_TYPES
};

extern const char * const clab_migratetype_names[CLAB_MIGRATE_TYPES];

/* Page flags: bit numbers in clab_page.flags. */
enum clab_pageflags {
	CLAB_PG_BUDDY,		/* head of a free block on a free list */
	CLAB_PG_PCP,		/* head of a free block on a per-CPU list */
	CLAB_PG_HEAD,		/* head of an allocated block */
	CLAB_PG_TAIL,		/* non-head page of an allocated block */
	CLAB_PG_LOCKED,		/* locked for migration (wait_on_bit) */
	CLAB_PG_ISOLATED,	/* taken off its owner's list by compaction */
	CLAB_PG_DIRTY,		/* contents not yet written back */
	CLAB_PG_WRITEBACK,	/* under writeback */
	CLAB_PG_LRU,		/* on an LRU list */
	CLAB_PG_ACTIVE,		/* on the active LRU list */
	CLAB_PG_REFERENCED,	/* accessed since last scanned */
	CLAB_PG_PINNED,		/* pinned by its owner: cannot move now */
	CLAB_PG_UNEVICTABLE,	/* unevictable, as mlocked page cache */
};

struct clab_owner;

/**
 * struct clab_page - the descriptor of one arena page
 * @lru: free list, per-CPU list, LRU list or isolation list linkage
 * @flags: CLAB_PG_* bits; atomic bitops
 * @refcount: references to an allocated block (head page only): the
 *	allocation holds one, compaction's isolation another; the last
 *	clab_put_page() frees the block. 0 for free pages.
 * @order: buddy order of a free block head (BUDDY), or of an allocated
 *	block (HEAD)
 * @migratetype: free: the free list it is on; allocated: the migratetype
 *	it was allocated with (its mobility)
 * @owner: who holds the page's contents (NULL for none); see migrate.h
 * @private: the owner's key for this page (an offset, a handle)
 *
 * @order, @migratetype and the BUDDY/PCP bits are protected by the zone
 * lock; @owner and @private by the owner's lock once the page is published
 * to its owner (see owner.h).
 */
struct clab_page {
	struct list_head lru;
	unsigned long flags;
	atomic_t refcount;
	u8 order;
	u8 migratetype;
	struct clab_owner *owner;
	unsigned long private;
};

static inline bool clab_page_test(const struct clab_page *page,
				  enum clab_pageflags bit)
{
	return test_bit(bit, &page->flags);
}

static inline void __clab_page_set(struct clab_page *page,
				   enum clab_pageflags bit)
{
	__set_bit(bit, &page->flags);
}

static inline void __clab_page_clear(struct clab_page *page,
				     enum clab_pageflags bit)
{
	__clear_bit(bit, &page->flags);
}

/* Is the page the head of a free buddy block? (zone lock for a stable answer) */
static inline bool clab_page_is_buddy(const struct clab_page *page)
{
	return clab_page_test(page, CLAB_PG_BUDDY);
}

/* Take a reference on an allocated block; false if it is free or going. */
static inline bool clab_get_page_unless_zero(struct clab_page *page)
{
	return atomic_inc_not_zero(&page->refcount);
}

static inline bool clab_is_migrate_movable(int mt)
{
	return mt == CLAB_MIGRATE_MOVABLE || mt == CLAB_MIGRATE_CMA;
}

static inline bool clab_migratetype_is_mergeable(int mt)
{
	return mt < CLAB_MIGRATE_PCPTYPES;
}

#endif /* _COMPACTLAB_PAGE_H */
