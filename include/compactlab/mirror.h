/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirror.h - the live mirror: the running kernel's allocation stream
 * replayed on the shadow memory, which places every block by its own
 * policy (Documentation/design.rst, "Live mirror").
 *
 * Three parts:
 *
 * - Event rings (module/mirror_ring.c): one ring of fixed-size records per
 *   producer (a CPU), written from the kernel's page-allocator tracepoints
 *   in any context, read by one consumer that merges them in the order of
 *   a global sequence number.
 * - The replay (module/mirror.c): each kernel allocation becomes an
 *   allocation of the same order and migratetype in the shadow, bound to
 *   the kernel pfn through the applied clone's slots; each kernel free
 *   frees what that pfn is bound to. It keeps the counterfactual counts
 *   (could the shadow serve each high-order allocation the kernel made,
 *   and how) and repairs the drift the tracepoints cannot show.
 * - The kernel side (module/kmirror.c, not part of the core): finding and
 *   registering the tracepoints, the worker, the kernel's own census.
 */
#ifndef _COMPACTLAB_MIRROR_H
#define _COMPACTLAB_MIRROR_H

#include <compactlab/env.h>
#include <compactlab/layout.h>
#include <compactlab/mmzone.h>

/**
 * enum clab_mirror_event_type - what a kernel event says
 * @CLAB_MEV_ALLOC: the kernel handed out the block at @pfn of @order
 *	(mm_page_alloc)
 * @CLAB_MEV_ALLOC_FAILED: the kernel failed an allocation of @order
 *	(mm_page_alloc with no page)
 * @CLAB_MEV_FREE: the kernel freed the block at @pfn of @order
 *	(mm_page_free; 6.1's mm_page_free_batched that follows it for the
 *	same page is not listened to)
 * @CLAB_MEV_PCP_REFILL: the kernel moved the block at @pfn of @order from
 *	the buddy lists to a per-CPU list, this CPU's (mm_page_alloc_zone_locked
 *	with percpu_refill)
 * @CLAB_MEV_PCP_DRAIN: the kernel gave the block at @pfn of @order back
 *	from a per-CPU list, not always this CPU's, to the buddy lists
 *	(mm_page_pcpu_drain: a list over its high mark, or a drain)
 */
enum clab_mirror_event_type {
	CLAB_MEV_ALLOC,
	CLAB_MEV_ALLOC_FAILED,
	CLAB_MEV_FREE,
	CLAB_MEV_PCP_REFILL,
	CLAB_MEV_PCP_DRAIN,
};

/* clab_mirror_event.flags */
#define CLAB_MEVF_COMPOUND	BIT(0)	/* __GFP_COMP: freed whole, never split */

/**
 * struct clab_mirror_event - one record of a ring (24 bytes)
 * @seq: the global sequence number, from 1
 * @pfn: the kernel pfn of the block (0 for CLAB_MEV_ALLOC_FAILED)
 * @gfp: CLAB_GFP_* of the kernel's request (allocations only): its
 *	migratetype and what it allowed; for CLAB_MEV_PCP_REFILL and
 *	CLAB_MEV_PCP_DRAIN, the CLAB_MIGRATE_* of the per-CPU list
 * @cpu: the CPU the event came from (its ring's); set by
 *	clab_mirror_ring_emit()
 * @type: enum clab_mirror_event_type
 * @order: the block's order
 * @flags: CLAB_MEVF_*
 * @pad: zero
 */
struct clab_mirror_event {
	u64 seq;
	u64 pfn;
	u16 gfp;
	u16 cpu;
	u8 type;
	u8 order;
	u8 flags;
	u8 pad;
};

/* Every CLAB_GFP_* bit fits the record's @gfp (DMA32 is the highest). */
static_assert(!(CLAB_GFP_DMA32 >> 16));

/**
 * struct clab_mirror_ring - one producer's ring
 * @head: records written; the producer's, published with release
 * @tail: records read; the consumer's, published with release
 * @gen: odd while the producer is inside clab_mirror_ring_emit()
 * @lost: records dropped because the ring was full (producer only)
 * @mask: the ring's size - 1 (a power of two)
 * @ev: the records
 */
struct clab_mirror_ring {
	unsigned long head;
	unsigned long tail;
	unsigned int gen;
	unsigned long lost;
	unsigned long mask;
	struct clab_mirror_event ev[];
};

/**
 * struct clab_mirror_rings - every producer's ring and the sequence
 * @seq: the last sequence number handed out
 * @nr: rings
 * @ring: the rings, one per producer (a CPU id indexes them)
 */
struct clab_mirror_rings {
	atomic64_t seq;
	unsigned int nr;
	struct clab_mirror_ring *ring[];
};

struct clab_mirror_rings *clab_mirror_rings_alloc(unsigned int nr,
						  unsigned long size);
void clab_mirror_rings_free(struct clab_mirror_rings *rings);
void clab_mirror_ring_emit(struct clab_mirror_rings *rings, unsigned int slot,
			   struct clab_mirror_event *ev);
unsigned long clab_mirror_rings_drain(struct clab_mirror_rings *rings,
				      unsigned long max,
				      void (*fn)(void *priv,
						 const struct clab_mirror_event *ev),
				      void *priv);
unsigned long clab_mirror_rings_lost(const struct clab_mirror_rings *rings);
unsigned long clab_mirror_rings_pending(const struct clab_mirror_rings *rings);

/* The orders the counterfactual counts cover: 1 to CLAB_MAX_ORDER. */
#define CLAB_MIRROR_ORDERS	(CLAB_MAX_ORDER + 1)

/**
 * enum clab_mirror_answer - what the shadow did with a kernel allocation
 * @CLAB_MIRROR_FAST: served without compaction
 * @CLAB_MIRROR_COMPACTED: served after direct compaction ran
 * @CLAB_MIRROR_FAILED: not served at all
 * @CLAB_MIRROR_NR_ANSWERS: the number of answers
 */
enum clab_mirror_answer {
	CLAB_MIRROR_FAST,
	CLAB_MIRROR_COMPACTED,
	CLAB_MIRROR_FAILED,
	CLAB_MIRROR_NR_ANSWERS
};

/**
 * struct clab_mirror_counters - what the replay did, since the mirror began
 * @events: events applied
 * @allocs: kernel allocations in the mirrored range
 * @frees: kernel frees in the mirrored range
 * @outside: events of pfns outside the mirrored range (other zones)
 * @kernel_failed: allocations the kernel failed
 * @answer: the kernel's allocations, by order and by what the shadow did
 *	with the same request
 * @kfail_answer: allocations the kernel failed, by order and by what the
 *	shadow did with the same request (a served one is freed at once)
 * @rebound: allocations of a pfn the shadow still had bound (a free it
 *	never saw): the old block was freed first
 * @unmatched_frees: frees of a pfn bound to nothing (an allocation it
 *	never saw)
 * @unserved_frees: frees of blocks the shadow could not allocate
 * @splits: bound blocks split because the kernel freed part of one
 *	(split_page(), free_pages_exact())
 * @repaired_allocs: blocks the kernel held that no event showed, found by
 *	the census twice in a row and allocated in the shadow
 * @repaired_frees: blocks the kernel no longer held that no event showed,
 *	found by the census twice in a row and freed in the shadow
 * @pcp_drains: blocks the kernel gave back from its per-CPU lists, and the
 *	shadow from the same CPU's lists (when it follows them)
 * @pcp_drains_elsewhere: of these, those the shadow's lists of that CPU
 *	had no block of the order for, given back from another CPU's lists
 * @pcp_drains_missed: of these, those no CPU's lists of the shadow had a
 *	block of the order for
 * @pcp_refills: blocks the kernel moved to its per-CPU lists, and the
 *	shadow to the same CPU's lists (when it follows them)
 * @pcp_refills_missed: of these, those the shadow's buddy lists had no
 *	block of the order for
 */
struct clab_mirror_counters {
	u64 events;
	u64 allocs;
	u64 frees;
	u64 outside;
	u64 kernel_failed;
	u64 answer[CLAB_MIRROR_ORDERS][CLAB_MIRROR_NR_ANSWERS];
	u64 kfail_answer[CLAB_MIRROR_ORDERS][CLAB_MIRROR_NR_ANSWERS];
	u64 rebound;
	u64 unmatched_frees;
	u64 unserved_frees;
	u64 splits;
	u64 repaired_allocs;
	u64 repaired_frees;
	u64 pcp_drains;
	u64 pcp_drains_elsewhere;
	u64 pcp_drains_missed;
	u64 pcp_refills;
	u64 pcp_refills_missed;
};

/**
 * struct clab_mirror_census - one side's memory at one moment
 * @free_blocks: free blocks of each order on the buddy lists (buddyinfo)
 * @free_pages: pages in them
 * @pcp_pages: free pages on per-CPU lists
 * @unmovable_pages: pages allocated unmovable or reclaimable
 * @unmovable_blocks: pageblocks holding at least one such page
 * @pageblocks: pageblocks of the range
 */
struct clab_mirror_census {
	unsigned long free_blocks[CLAB_MAX_ORDER + 1];
	unsigned long free_pages;
	unsigned long pcp_pages;
	unsigned long unmovable_pages;
	unsigned long unmovable_blocks;
	unsigned long pageblocks;
};

/**
 * struct clab_mirror_sample - the two sides side by side at one moment
 * @ms: milliseconds since the mirror began
 * @events: events applied by then
 * @lost: events lost by then
 * @kernel: the kernel's census of the mirrored range
 * @shadow: the shadow's
 */
struct clab_mirror_sample {
	u64 ms;
	u64 events;
	u64 lost;
	struct clab_mirror_census kernel;
	struct clab_mirror_census shadow;
};

struct clab_mirror;

struct clab_mirror *clab_mirror_create(struct clab_mem *mem,
				       unsigned long start_pfn,
				       unsigned long nr_pages, bool pcp_follow,
				       const char **why);
void clab_mirror_note_pcp(struct clab_mirror *m, const struct clab_layout *l);
void clab_mirror_destroy(struct clab_mirror *m);
void clab_mirror_apply(void *priv, const struct clab_mirror_event *ev);
void clab_mirror_reconcile(struct clab_mirror *m, const struct clab_layout *l);
void clab_mirror_shadow_census(struct clab_mirror *m,
			       struct clab_mirror_census *c);
void clab_mirror_layout_census(const struct clab_layout *l,
			       struct clab_mirror_census *c);
void clab_mirror_read_counters(struct clab_mirror *m,
			       struct clab_mirror_counters *c);
unsigned long clab_mirror_nr_bound(struct clab_mirror *m);

int clab_mirror_unusable_index(const struct clab_mirror_census *c,
			       unsigned int order);
int clab_mirror_extfrag_index(const struct clab_mirror_census *c,
			      unsigned int order);

#endif /* _COMPACTLAB_MIRROR_H */
