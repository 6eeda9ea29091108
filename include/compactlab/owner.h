/* SPDX-License-Identifier: GPL-2.0 */
/*
 * owner.h - who holds an allocated page's contents, and how to move them.
 *
 * Every page a client allocates names its owner (page->owner) and the
 * owner's key for it (page->private: an offset into a mapping, a handle
 * slot). Migration and reclaim reach the contents only through these ops:
 *
 * The core finds a page's owner under rcu_read_lock() and takes a reference
 * with tryget(), so an owner must free its object only after an RCU grace
 * period once its last reference is gone (kfree_rcu). Then:
 *
 *	lock(owner, page)              serialise against faults and frees
 *	still owns page at its key?    (page->owner == owner and the owner's
 *	                                table maps page->private to page)
 *	unmap(owner, page)             zap every user PTE of the page
 *	... copy the contents ...
 *	move(owner, old, new)          publish the new page at the key
 *	unlock(owner, page)
 *
 * The lock an owner takes for a page may cover the page's key alone (as
 * the kernel's page lock does) or all of the owner's pages; either way a
 * fault on a zapped address takes it, so it waits until the move is
 * published and then maps the new page.
 */
#ifndef _COMPACTLAB_OWNER_H
#define _COMPACTLAB_OWNER_H

#include <compactlab/env.h>

struct clab_page;
struct clab_owner;

/**
 * struct clab_owner_ops - what the core may ask of an owner
 * @tryget: take a reference unless the owner is already going away (its
 *	count reached zero); called under rcu_read_lock()
 * @put: drop a reference
 * @trylock: take the owner lock of @page without blocking; true on success
 * @lock: take the owner lock of @page
 * @unlock: release the lock that @lock or @trylock took for @page
 * @owns: with the lock held: does the owner still hold @page at its key?
 * @unmap: with the lock held: remove every user mapping of @page
 * @move: with the lock held: the contents of @old now live in @new; make
 *	@new the owner's page at @old's key and set @new's owner and private.
 *	The owner's reference moves from @old to @new (the caller drops it on
 *	@old and clears @old's owner).
 * @drop: with the lock held: forget a reclaimable page; its reference
 *	passes to the caller, which frees it; NULL for owners whose pages
 *	cannot be dropped
 */
struct clab_owner_ops {
	bool (*tryget)(struct clab_owner *owner);
	void (*put)(struct clab_owner *owner);
	bool (*trylock)(struct clab_owner *owner, struct clab_page *page);
	void (*lock)(struct clab_owner *owner, struct clab_page *page);
	void (*unlock)(struct clab_owner *owner, struct clab_page *page);
	bool (*owns)(struct clab_owner *owner, struct clab_page *page);
	void (*unmap)(struct clab_owner *owner, struct clab_page *page);
	void (*move)(struct clab_owner *owner, struct clab_page *old,
		     struct clab_page *new);
	void (*drop)(struct clab_owner *owner, struct clab_page *page);
};

/**
 * struct clab_owner - embedded in each object that owns arena pages
 * @ops: the object's operations
 */
struct clab_owner {
	const struct clab_owner_ops *ops;
};

#endif /* _COMPACTLAB_OWNER_H */
