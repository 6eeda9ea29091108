/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * compactlab.h - the user ABI of /dev/compactlab.
 *
 * The device (misc, mode 0600) gives every open file its own address space:
 *
 * mmap(MAP_SHARED) maps arena pages on demand. Each mmap gets a fresh range
 * of file offsets (the offset passed to mmap must be 0), so an offset is
 * mapped by exactly one vma; MAP_PRIVATE and mremap are refused with EINVAL,
 * and fork does not copy the mapping. A fault allocates a zeroed movable
 * page; when the arena has none to give, the access gets SIGBUS. munmap, a
 * partial munmap, DISCARD or process exit free the pages of the range.
 *
 * The ioctls below work on the file they are issued on. Every struct is a
 * multiple of 8 bytes, uses explicitly sized fields and explicit padding;
 * padding and flags fields must be zero (else EINVAL). Errors: EINVAL bad
 * argument or unknown handle, ENOMEM arena exhausted, EPERM missing
 * CAP_SYS_ADMIN, EFAULT bad user pointer, ENOTTY unknown ioctl.
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

/**
 * struct clab_alloc - CLAB_IOC_ALLOC: kernel-held blocks (CAP_SYS_ADMIN)
 * @order: in: block order, 0 .. max_order
 * @migratetype: in: CLAB_MT_*
 * @count: in: blocks wanted, 1 .. arena pages
 * @handles: in: user pointer to @count __u64 handles (written)
 * @allocated: out: blocks allocated (<= @count)
 * @flags: in: must be 0
 * @pad: must be 0
 *
 * Allocates up to @count blocks; each is filled with a pattern derived from
 * its handle (see CLAB_IOC_VERIFY). When the arena runs out part way, the
 * ioctl still succeeds and @allocated says how many handles were written;
 * it fails with ENOMEM only when not even one block could be allocated.
 * On EFAULT nothing stays allocated. Handles are non-zero and private to
 * the file; closing it frees every block.
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
 * ENODATA when reclaim dropped the (reclaimable) block.
 */
struct clab_verify {
	__u64 handle;
	__u64 mismatches;
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

#endif /* _UAPI_LINUX_COMPACTLAB_H */
