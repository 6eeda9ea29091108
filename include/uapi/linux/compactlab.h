/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * compactlab.h - the user ABI of /dev/compactlab.
 *
 * The device (misc, mode 0600) gives every open file its own address space:
 *
 * mmap(MAP_SHARED) maps arena pages on demand. Each mmap gets a fresh range
 * of file offsets (the offset passed to mmap must be 0), so an offset is
 * mapped by exactly one vma; MAP_PRIVATE is refused with EINVAL, moving a
 * mapping with mremap with EINVAL and growing it with EFAULT (the kernel's
 * answer for VM_DONTEXPAND), and fork does not copy the mapping. A fault allocates a zeroed movable
 * page; when the arena has none to give, the access gets SIGBUS. munmap, a
 * partial munmap, DISCARD or process exit free the pages of the range.
 *
 * The ioctls below work on the file they are issued on. Every struct is a
 * multiple of 8 bytes, uses explicitly sized fields and explicit padding;
 * padding and flags fields must be zero (else EINVAL). Errors: EINVAL bad
 * argument or unknown handle, ENOMEM arena exhausted, EPERM missing
 * CAP_SYS_ADMIN, EFAULT bad user pointer, ENOTTY unknown ioctl.
 *
 * CLAB_IOC_COMPACT, CLAB_IOC_MARK and CLAB_IOC_HANDLE_PFN (0x07-0x09),
 * CLAB_IOC_ALLOC_TIMED and CLAB_IOC_TOUCH (0x0a-0x0b), CLAB_IOC_MIGRATE
 * (0x0c), CLAB_IOC_CLONE (0x0d), the snapshot and clone ioctls (0x0e-0x11)
 * were added to version 1 without a bump: a module without them
 * answers ENOTTY. The CLAB_ALLOC_F_*
 * flags came with 0x0a: a module without them answers EINVAL to a non-zero
 * clab_alloc.flags. CLAB_MARK_UNEVICTABLE came later, also without a bump:
 * a module without it answers EINVAL.
 *
 * ioctl magic 0xDC, numbers 0x00-0x1f (not registered in
 * Documentation/userspace-api/ioctl/ioctl-number.rst; out of tree).
 */
#ifndef _UAPI_LINUX_COMPACTLAB_H
#define _UAPI_LINUX_COMPACTLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change of the structs or ioctls below. */
#define CLAB_ABI_VERSION	1

#define CLAB_IOC_MAGIC		0xDC

/* Migratetypes accepted by CLAB_IOC_ALLOC (the kernel's numbering). */
#define CLAB_MT_UNMOVABLE	0	/* pinned kernel memory */
#define CLAB_MT_MOVABLE		1	/* kernel-owned, compaction moves it */
#define CLAB_MT_RECLAIMABLE	2	/* a "cache": reclaim may drop it */

/**
 * struct clab_version - CLAB_IOC_GET_VERSION
 * @abi_version: out: CLAB_ABI_VERSION of the module
 * @max_order: out: the largest buddy order (inclusive)
 * @arena_pages: out: pages in the arena
 * @page_size: out: bytes per page
 * @pageblock_pages: out: pages per pageblock
 */
struct clab_version {
	__u32 abi_version;
	__u32 max_order;
	__u64 arena_pages;
	__u32 page_size;
	__u32 pageblock_pages;
};

/*
 * Flags of CLAB_IOC_ALLOC and CLAB_IOC_ALLOC_TIMED: how hard the allocator
 * tries (the kernel's gfp flags). With none, the request takes what the
 * free lists give above the min watermark and never blocks or wakes a
 * daemon.
 *
 * RECLAIM (__GFP_RECLAIM): wake kswapd and kcompactd; direct reclaim and
 *	direct compaction, with the kernel's retries.
 * NORETRY (__GFP_NORETRY): one light attempt, THP-like.
 * RETRY_MAYFAIL (__GFP_RETRY_MAYFAIL): try hard, but fail rather than
 *	OOM-kill, hugetlb-like.
 * ATOMIC (GFP_ATOMIC): never blocks; may dip into the reserves and the
 *	highatomic pageblocks; wakes kswapd. Not with the three above.
 * NOWARN (__GFP_NOWARN): no failure report in the kernel log.
 * DMA (__GFP_DMA): from the arena's ZONE_DMA only (the zone plan's
 *	dma_limit=; fails on an arena without one).
 * DMA32 (__GFP_DMA32): from ZONE_DMA32, else ZONE_DMA. Not with DMA.
 */
#define CLAB_ALLOC_F_RECLAIM		(1U << 0)
#define CLAB_ALLOC_F_NORETRY		(1U << 1)
#define CLAB_ALLOC_F_RETRY_MAYFAIL	(1U << 2)
#define CLAB_ALLOC_F_ATOMIC		(1U << 3)
#define CLAB_ALLOC_F_NOWARN		(1U << 4)
#define CLAB_ALLOC_F_DMA		(1U << 5)
#define CLAB_ALLOC_F_DMA32		(1U << 6)
#define CLAB_ALLOC_F_ALL		((1U << 7) - 1)

/**
 * struct clab_alloc - CLAB_IOC_ALLOC: kernel-held blocks (CAP_SYS_ADMIN)
 * @order: in: block order, 0 .. max_order
 * @migratetype: in: CLAB_MT_*
 * @count: in: blocks wanted, 1 .. arena pages
 * @handles: in: user pointer to @count __u64 handles (written)
 * @allocated: out: blocks allocated (<= @count)
 * @flags: in: CLAB_ALLOC_F_*; NORETRY and RETRY_MAYFAIL exclude each
 *	other, ATOMIC excludes RECLAIM, NORETRY and RETRY_MAYFAIL, DMA
 *	excludes DMA32 (EINVAL)
 * @pad: must be 0
 *
 * Allocates up to @count blocks; each is filled with a pattern derived from
 * its handle (see CLAB_IOC_VERIFY). When the arena runs out part way, the
 * ioctl still succeeds and @allocated says how many handles were written;
 * it fails with ENOMEM only when not even one block could be allocated.
 * On EFAULT nothing stays allocated. Handles are non-zero and private to
 * the file; closing it frees every block. A CLAB_MT_RECLAIMABLE block
 * enters the inactive LRU list; reclaim may drop it (see CLAB_IOC_TOUCH).
 * A fatal signal stops the loop.
 */
struct clab_alloc {
	__u32 order;
	__u32 migratetype;
	__u64 count;
	__u64 handles;
	__u64 allocated;
	__u32 flags;
	__u32 pad;
};

/**
 * struct clab_handle - CLAB_IOC_FREE
 * @handle: in: a handle from CLAB_IOC_ALLOC on this file
 */
struct clab_handle {
	__u64 handle;
};

/**
 * struct clab_range - CLAB_IOC_DISCARD
 * @addr: in: page-aligned start, inside one mapping of this file
 * @len: in: page-aligned length, > 0, not past the end of that mapping
 *
 * Frees the pages behind the range and zaps their PTEs; the next access
 * faults in a fresh zeroed page. Pages never touched are skipped.
 */
struct clab_range {
	__u64 addr;
	__u64 len;
};

/**
 * struct clab_pfn_of - CLAB_IOC_PFN_OF (CAP_SYS_ADMIN)
 * @addr: in: page-aligned address inside a mapping of this file
 * @pfn: out: physical page frame that backs it now
 * @index: out: its arena page index
 *
 * ENOENT when the page was never faulted in (or was discarded).
 */
struct clab_pfn_of {
	__u64 addr;
	__u64 pfn;
	__u64 index;
};

/* Indices of clab_counters.events: /proc/vmstat names. Append only. */
enum clab_event {
	CLAB_EVENT_PGALLOC_NORMAL,
	CLAB_EVENT_PGALLOC_MOVABLE,
	CLAB_EVENT_ALLOCSTALL_NORMAL,
	CLAB_EVENT_ALLOCSTALL_MOVABLE,
	CLAB_EVENT_PGFREE,
	CLAB_EVENT_PGACTIVATE,
	CLAB_EVENT_PGDEACTIVATE,
	CLAB_EVENT_PGSTEAL_KSWAPD,
	CLAB_EVENT_PGSTEAL_DIRECT,
	CLAB_EVENT_PGSCAN_KSWAPD,
	CLAB_EVENT_PGSCAN_DIRECT,
	CLAB_EVENT_PAGEOUTRUN,
	CLAB_EVENT_PGMIGRATE_SUCCESS,
	CLAB_EVENT_PGMIGRATE_FAIL,
	CLAB_EVENT_COMPACT_MIGRATE_SCANNED,
	CLAB_EVENT_COMPACT_FREE_SCANNED,
	CLAB_EVENT_COMPACT_ISOLATED,
	CLAB_EVENT_COMPACT_STALL,
	CLAB_EVENT_COMPACT_FAIL,
	CLAB_EVENT_COMPACT_SUCCESS,
	CLAB_EVENT_COMPACT_DAEMON_WAKE,
	CLAB_EVENT_COMPACT_DAEMON_MIGRATE_SCANNED,
	CLAB_EVENT_COMPACT_DAEMON_FREE_SCANNED,
	CLAB_EVENT_PGALLOC_DMA,
	CLAB_EVENT_PGALLOC_DMA32,
	CLAB_EVENT_ALLOCSTALL_DMA,
	CLAB_EVENT_ALLOCSTALL_DMA32,
	CLAB_EVENT_NR
};

#define CLAB_COUNTERS_MAX_EVENTS	64

/**
 * struct clab_counters - CLAB_IOC_COUNTERS
 * @nr_events: out: valid entries of @events (CLAB_EVENT_NR of the module)
 * @pad: 0
 * @arena_pages: out: pages in the arena
 * @nr_free_pages: out: free pages on the buddy lists (NR_FREE_PAGES)
 * @nr_free_pcp: out: free pages on the per-CPU lists
 * @events: out: event counters, indexed by enum clab_event
 *
 * A racy snapshot, like /proc/vmstat.
 */
struct clab_counters {
	__u32 nr_events;
	__u32 pad;
	__u64 arena_pages;
	__u64 nr_free_pages;
	__u64 nr_free_pcp;
	__u64 events[CLAB_COUNTERS_MAX_EVENTS];
};

/**
 * struct clab_verify - CLAB_IOC_VERIFY
 * @handle: in: a handle from CLAB_IOC_ALLOC on this file
 * @mismatches: out: 64-bit words of the block that differ from its pattern
 *
 * ENODATA when reclaim dropped the (reclaimable) block. EOPNOTSUPP on a
 * virtual arena (module parameter arena_backend=virtual), whose blocks
 * have no contents and so no pattern; ALLOC works there as elsewhere.
 */
struct clab_verify {
	__u64 handle;
	__u64 mismatches;
};

/* Priorities of CLAB_IOC_COMPACT: lower is harder (enum compact_priority). */
#define CLAB_PRIO_SYNC_FULL	0	/* whole zone, skip hints ignored */
#define CLAB_PRIO_SYNC_LIGHT	1	/* MIGRATE_SYNC_LIGHT */
#define CLAB_PRIO_ASYNC		2	/* only blocks of the requester's type */

/* How a compaction ended: the kernel's enum compact_result, in order. */
#define CLAB_RESULT_NOT_SUITABLE_ZONE	0
#define CLAB_RESULT_SKIPPED		1
#define CLAB_RESULT_DEFERRED		2
#define CLAB_RESULT_NO_SUITABLE_PAGE	3
#define CLAB_RESULT_CONTINUE		4
#define CLAB_RESULT_COMPLETE		5
#define CLAB_RESULT_PARTIAL_SKIPPED	6
#define CLAB_RESULT_CONTENDED		7
#define CLAB_RESULT_SUCCESS		8

/**
 * struct clab_compact - CLAB_IOC_COMPACT: compact one node (CAP_SYS_ADMIN)
 * @nid: in: the shadow node, below the module's nodes= parameter
 * @order: in: -1 compacts every zone of the node fully, as writing
 *	node<N>/compact does (@priority must then be CLAB_PRIO_SYNC_FULL);
 *	0 .. max_order emulates one direct compaction for a block of that
 *	order: each zone the request may use is compacted at @priority with
 *	the low watermark, the MOVABLE zone first for a movable request, and
 *	the walk stops at the first zone that reports success
 * @priority: in: CLAB_PRIO_*; CLAB_PRIO_ASYNC scans only pageblocks of
 *	@migratetype and leaves dirty, writeback and pinned pages alone;
 *	CLAB_PRIO_SYNC_LIGHT leaves dirty and writeback pages alone
 * @migratetype: in: the requester's CLAB_MT_*
 * @result: out: the highest CLAB_RESULT_* over the zones compacted
 * @pad: must be 0
 * @migrate_scanned: out: pages the migrate scanner looked at
 * @free_scanned: out: pages the free scanner looked at
 * @isolated: out: pages isolated by either scanner
 * @migrated: out: pages migrated
 * @failed: out: pages that could not be migrated
 *
 * The out fields are ignored on input. A fatal signal stops the
 * compaction early; the counts then say what was done.
 */
struct clab_compact {
	__u32 nid;
	__s32 order;
	__u32 priority;
	__u32 migratetype;
	__u32 result;
	__u32 pad;
	__u64 migrate_scanned;
	__u64 free_scanned;
	__u64 isolated;
	__u64 migrated;
	__u64 failed;
};

/* Flags of CLAB_IOC_MARK. */
#define CLAB_MARK_DIRTY		(1U << 0)	/* contents not written back */
#define CLAB_MARK_WRITEBACK	(1U << 1)	/* under writeback */
#define CLAB_MARK_PINNED	(1U << 2)	/* pinned: cannot move */
#define CLAB_MARK_CLEAR		(1U << 3)	/* clear all four; alone */
#define CLAB_MARK_UNEVICTABLE	(1U << 4)	/* unevictable, as mlocked */
#define CLAB_MARK_MAX_DELAY_MS	10000

/**
 * struct clab_mark - CLAB_IOC_MARK: page state of a block (CAP_SYS_ADMIN)
 * @handle: in: a CLAB_MT_MOVABLE block from CLAB_IOC_ALLOC on this file
 * @flags: in: CLAB_MARK_DIRTY, _WRITEBACK, _PINNED and _UNEVICTABLE, set
 *	on every page of the block (others stay as they are); or
 *	CLAB_MARK_CLEAR alone, which clears all four (and ends a writeback
 *	at once)
 * @writeback_delay_ms: in: with CLAB_MARK_WRITEBACK, 0 ..
 *	CLAB_MARK_MAX_DELAY_MS: the writeback ends after this long, and a
 *	sync compaction waits at most this long for it (the delay is global:
 *	the last writer's value applies); must be 0 without it
 *
 * Migration treats marked pages as the kernel treats such page cache
 * pages: async and sync-light compaction leave dirty and writeback pages
 * where they are; sync compaction (compact_memory, node<N>/compact,
 * CLAB_IOC_COMPACT with order -1) writes a dirty page back, waits for the
 * writeback to end and then moves it; no compaction moves a pinned page.
 * An unevictable page is treated as mlocked page cache: every compaction
 * moves it while /sys/kernel/compactlab/compact_unevictable_allowed is 1
 * (the default) and none while it is 0. A page that moved is clean: the
 * dirty, writeback and pinned marks do not follow it; the unevictable one
 * does, as an mlocked page stays mlocked where it moves.
 */
struct clab_mark {
	__u64 handle;
	__u32 flags;
	__u32 writeback_delay_ms;
};

/**
 * struct clab_handle_pfn - CLAB_IOC_HANDLE_PFN (CAP_SYS_ADMIN)
 * @handle: in: a handle from CLAB_IOC_ALLOC on this file
 * @pfn: out: physical page frame of the block's first page now
 * @index: out: its arena page index
 *
 * ENODATA when reclaim dropped the (reclaimable) block.
 */
struct clab_handle_pfn {
	__u64 handle;
	__u64 pfn;
	__u64 index;
};

/**
 * struct clab_alloc_timed - CLAB_IOC_ALLOC_TIMED: one block, timed
 *	(CAP_SYS_ADMIN)
 * @order: in: block order, 0 .. max_order
 * @migratetype: in: CLAB_MT_*
 * @flags: in: CLAB_ALLOC_F_*, as for CLAB_IOC_ALLOC
 * @pad: must be 0
 * @handle: out: the block's handle (as from CLAB_IOC_ALLOC), 0 on ENOMEM
 * @latency_ns: out: how long the page allocator took (ktime_get_ns()
 *	around the allocation alone: not the pattern fill, not the copies);
 *	written on ENOMEM too, so that failures can be timed
 *
 * The out fields are ignored on input.
 */
struct clab_alloc_timed {
	__u32 order;
	__u32 migratetype;
	__u32 flags;
	__u32 pad;
	__u64 handle;
	__u64 latency_ns;
};

/*
 * CLAB_IOC_TOUCH (struct clab_handle): the CLAB_MT_RECLAIMABLE block was
 * used, as mark_page_accessed() says of a page cache page: the first touch
 * marks it referenced, a second one while it is inactive promotes it to
 * the active LRU list, which reclaim takes from last. EINVAL for an
 * unknown handle or another migratetype, ENODATA for a dropped block.
 */

/**
 * struct clab_migrate - CLAB_IOC_MIGRATE: move the pages behind a range
 *	(CAP_SYS_ADMIN)
 * @addr: in: page-aligned start, inside one mapping of this file made by
 *	this process
 * @len: in: page-aligned length, > 0, not past the end of that mapping
 * @flags: in: must be 0
 * @pad: must be 0
 * @migrated: out: pages moved to another arena page
 * @failed: out: pages that stayed where they were
 * @time_ns: out: how long the whole operation took in the kernel
 *	(ktime_get_ns() around it)
 * @copy_ns: out: of @time_ns, the time spent copying page contents (the
 *	same per-copy clock as compaction's migrate_copy_ns), so that
 *	@copy_ns / @time_ns is the copy-bound share of a pure migration
 *
 * A pure migration, the kernel's move_pages() for arena pages: no scanner
 * runs. Every page faulted in behind the range is isolated as compaction
 * would isolate it and migrated, CLAB_COMPACT_CLUSTER_MAX (32) at a time,
 * into an order-0 movable page of the same shadow node from the page
 * allocator (above the low watermark, without reclaim or compaction).
 * Pages keep their contents: the PTE of a moved page is zapped and the
 * next access maps the new page, as after compaction. A page that cannot
 * move (no free page left, or another compactor holds it) stays, intact,
 * and counts in @failed; pages never touched are skipped. Moves count in
 * the pgmigrate_success and pgmigrate_fail events. Errors: EINVAL for
 * non-zero @flags or @pad, an unaligned or empty range, or a range that
 * is not inside one mapping of this file (not mapped at all included);
 * EFAULT for a bad pointer to the struct. A fatal signal stops the walk;
 * the counts then say what was done. The out fields are ignored on input.
 */
struct clab_migrate {
	__u64 addr;
	__u64 len;
	__u32 flags;
	__u32 pad;
	__u64 migrated;
	__u64 failed;
	__u64 time_ns;
	__u64 copy_ns;
};

/*
 * Indices of clab_clone.kinds: what a page of the cloned zone was (the
 * layout kinds of include/compactlab/layout.h). Append only.
 */
enum clab_clone_kind {
	CLAB_KIND_HOLE,		/* no usable page: a hole, offline, another zone */
	CLAB_KIND_FREE,		/* in a free block on the buddy lists */
	CLAB_KIND_PCP,		/* in a free block on a per-CPU list */
	CLAB_KIND_ANON,		/* anonymous, on an LRU list */
	CLAB_KIND_FILE,		/* page cache, on an LRU list */
	CLAB_KIND_MOVABLE,	/* movable off the LRU, or isolated from it */
	CLAB_KIND_PINNED,	/* on an LRU list, pinned for DMA */
	CLAB_KIND_SLAB,		/* slab */
	CLAB_KIND_PGTABLE,	/* page table */
	CLAB_KIND_RESERVED,	/* PG_reserved */
	CLAB_KIND_HUGETLB,	/* hugetlbfs */
	CLAB_KIND_UNMOVABLE,	/* any other page in use */
	CLAB_KIND_NR
};

/* Flags of CLAB_IOC_CLONE. */
#define CLAB_CLONE_F_COUNT_ONLY		(1U << 0)	/* read, leave the arena */
#define CLAB_CLONE_F_MOVABLE_ORDERS	(1U << 1)	/* see free_blocks */
#define CLAB_CLONE_F_ALL		((1U << 2) - 1)

/**
 * struct clab_clone - CLAB_IOC_CLONE: give the arena the layout of a zone
 *	of the running kernel (CAP_SYS_ADMIN)
 * @nid: in: the kernel's node id
 * @flags: in: CLAB_CLONE_F_*; COUNT_ONLY reads the zone and fills the out
 *	fields, the arena left alone; MOVABLE_ORDERS makes @free_blocks
 *	count the blocks of the movable kinds instead of the free ones
 * @zone: in: the zone's name as in /proc/zoneinfo ("DMA32", "Normal"),
 *	NUL-terminated, the bytes after the NUL 0 (they are the padding)
 * @start_pfn: in: the first pfn, inside the zone; 0 for the zone's start
 * @nr_pages: in: pages from @start_pfn, 0 for up to the zone's end; a
 *	window past the zone's end stops there
 * @out_start_pfn: out: the pfn of the clone's first page: @start_pfn
 *	rounded down to a multiple of 1 << max_order pages
 * @out_nr_pages: out: pages cloned: the window's end rounded up to a
 *	pageblock, minus @out_start_pfn
 * @nr_changed: out: the zone is read twice; pages whose kind or block
 *	order differ between the two readings (how racy the clone is). The
 *	second reading is the one cloned and counted.
 * @kinds: out: pages of each kind, indexed by enum clab_clone_kind
 * @free_blocks: out: blocks of each order 0 .. max_order of kind
 *	CLAB_KIND_FREE, as /proc/buddyinfo counts them (per-CPU pages are
 *	only in @kinds); with CLAB_CLONE_F_MOVABLE_ORDERS, blocks of the
 *	kinds ANON, FILE, MOVABLE and PINNED (a THP is one block of order 9)
 * @pageblocks: out: pageblocks of each migratetype: CLAB_MT_UNMOVABLE,
 *	CLAB_MT_MOVABLE, CLAB_MT_RECLAIMABLE, 3 for the high-order atomic
 *	reserve; the kernel's CMA and isolated blocks count as movable, and
 *	a pageblock whose first page is not an online page of the zone
 *	counts as unmovable
 *
 * Reads the zone's pages in the window read-only: free buddy blocks under
 * the zone's lock, a bounded block of pages at a time, the per-CPU lists
 * under their locks, the rest racily, as the kernel's own pfn walkers do.
 * Without COUNT_ONLY, the window must fit in the arena (E2BIG) and the
 * arena be empty: page i of the clone becomes arena page i, free blocks
 * free with their order, movable pages movable, other pages unmovable
 * blocks, with the pageblock types read. With COUNT_ONLY, a window to the
 * zone's end stops after 2^24 pages. The out fields are ignored on input.
 * Errors: EINVAL unknown flags, an empty or unterminated @zone or non-zero
 * bytes after its NUL; ENODEV an unknown or offline node, or a zone with no
 * pages; ENOENT no zone of that name on the node; ERANGE @start_pfn outside
 * the zone; E2BIG a window larger than the arena (or 2^24 pages); EBUSY
 * (without COUNT_ONLY) the arena holds allocations other than an earlier
 * clone, which a new one replaces; EPERM without CAP_SYS_ADMIN; EINTR a
 * fatal signal; ENOMEM. Each refusal is logged.
 */
struct clab_clone {
	__u32 nid;
	__u32 flags;
	char zone[16];
	__u64 start_pfn;
	__u64 nr_pages;
	__u64 out_start_pfn;
	__u64 out_nr_pages;
	__u64 nr_changed;
	__u64 kinds[16];
	__u64 free_blocks[16];
	__u64 pageblocks[8];
};

/**
 * struct clab_snapshot - CLAB_IOC_SNAPSHOT_SAVE, CLAB_IOC_SNAPSHOT_LOAD:
 *	the arena's page layout as a snapshot file (CAP_SYS_ADMIN)
 * @buf: in: user buffer
 * @len: SAVE: in: bytes at @buf; out: bytes of the snapshot, written, or
 *	needed when the call fails with ENOSPC (call with @len 0 to learn
 *	the size; it can grow meanwhile while the arena changes).
 *	LOAD: in: bytes of the snapshot at @buf, 1 .. 256 MiB
 * @pages: SAVE: in: arena pages to save from page 0, a multiple of the
 *	pageblock size; 0 for the applied layout's size, or the whole arena
 *	(rounded down to a pageblock) when none is applied.
 *	LOAD: out: pages of the loaded layout
 * @flags: in: must be 0
 * @pad: must be 0
 *
 * The format (version 2; LOAD also reads version 1) is
 * Documentation/snapshot.rst's: a 192-byte header (page size, pageblock
 * and largest order, the source's pfn range, node, zone, architecture and
 * kernel release), the pageblocks' migratetypes, runs of pages of equal
 * kind and order, then the zone state (watermarks, each CPU's per-CPU
 * marks, the per-CPU blocks in list order), each part under a CRC-32.
 * SAVE reads the arena as it is now (after a compaction, say). LOAD
 * checks the whole snapshot before anything changes, then gives the arena
 * its layout as a clone from CLAB_IOC_CLONE would: the arena
 * must hold no allocation but an earlier clone, which it replaces.
 * Errors: EINVAL for a buffer that is not a snapshot, another format
 * version, or another page size, pageblock order or largest order than
 * this kernel's; EBADMSG for a truncated or corrupted snapshot (a
 * checksum, a size or a run that does not add up); ENOSPC when the arena
 * is smaller than the snapshot (LOAD), or @len is too small (SAVE); E2BIG
 * for a LOAD @len above 256 MiB; EBUSY when the arena has allocations of
 * its own; EFAULT, ENOMEM. Every refusal is logged with its reason.
 */
struct clab_snapshot {
	__u64 buf;
	__u64 len;
	__u64 pages;
	__u32 flags;
	__u32 pad;
};

/**
 * struct clab_clone_info - CLAB_IOC_CLONE_INFO: the applied layout
 * @start_pfn: out: the source pfn of arena page 0
 * @nr_pages: out: pages of the layout; 0 when none is applied
 * @held_pages: out: pages of the layout's allocated blocks the arena still
 *	holds (they move under compaction, and stay as many)
 * @mismatches: out: 64-bit words of the layout's movable pages that differ
 *	from the pattern they were given (0 on an arena without contents);
 *	anything but 0 means a migration lost data
 * @nr_changed: out: pages the clone saw change while it read its source
 * @node: out: the source's node
 * @pad: 0
 * @zone: out: the source's zone name, NUL-terminated
 *
 * CLAB_IOC_CLONE_RELEASE (no argument, CAP_SYS_ADMIN) frees every block of
 * the applied layout: the arena is then empty again. Unloading the module
 * does the same.
 */
struct clab_clone_info {
	__u64 start_pfn;
	__u64 nr_pages;
	__u64 held_pages;
	__u64 mismatches;
	__u64 nr_changed;
	__u32 node;
	__u32 pad;
	char zone[16];
};

#define CLAB_IOC_GET_VERSION \
	_IOR(CLAB_IOC_MAGIC, 0x00, struct clab_version)
#define CLAB_IOC_ALLOC \
	_IOWR(CLAB_IOC_MAGIC, 0x01, struct clab_alloc)
#define CLAB_IOC_FREE \
	_IOW(CLAB_IOC_MAGIC, 0x02, struct clab_handle)
#define CLAB_IOC_DISCARD \
	_IOW(CLAB_IOC_MAGIC, 0x03, struct clab_range)
#define CLAB_IOC_PFN_OF \
	_IOWR(CLAB_IOC_MAGIC, 0x04, struct clab_pfn_of)
#define CLAB_IOC_COUNTERS \
	_IOR(CLAB_IOC_MAGIC, 0x05, struct clab_counters)
#define CLAB_IOC_VERIFY \
	_IOWR(CLAB_IOC_MAGIC, 0x06, struct clab_verify)
#define CLAB_IOC_COMPACT \
	_IOWR(CLAB_IOC_MAGIC, 0x07, struct clab_compact)
#define CLAB_IOC_MARK \
	_IOW(CLAB_IOC_MAGIC, 0x08, struct clab_mark)
#define CLAB_IOC_HANDLE_PFN \
	_IOWR(CLAB_IOC_MAGIC, 0x09, struct clab_handle_pfn)
#define CLAB_IOC_ALLOC_TIMED \
	_IOWR(CLAB_IOC_MAGIC, 0x0a, struct clab_alloc_timed)
#define CLAB_IOC_TOUCH \
	_IOW(CLAB_IOC_MAGIC, 0x0b, struct clab_handle)
#define CLAB_IOC_MIGRATE \
	_IOWR(CLAB_IOC_MAGIC, 0x0c, struct clab_migrate)
#define CLAB_IOC_CLONE \
	_IOWR(CLAB_IOC_MAGIC, 0x0d, struct clab_clone)
#define CLAB_IOC_SNAPSHOT_SAVE \
	_IOWR(CLAB_IOC_MAGIC, 0x0e, struct clab_snapshot)
#define CLAB_IOC_SNAPSHOT_LOAD \
	_IOWR(CLAB_IOC_MAGIC, 0x0f, struct clab_snapshot)
#define CLAB_IOC_CLONE_INFO \
	_IOR(CLAB_IOC_MAGIC, 0x10, struct clab_clone_info)
#define CLAB_IOC_CLONE_RELEASE \
	_IO(CLAB_IOC_MAGIC, 0x11)

#endif /* _UAPI_LINUX_COMPACTLAB_H */
