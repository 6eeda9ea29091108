// SPDX-License-Identifier: GPL-2.0
/*
 * skip_hints.c - the per-pageblock skip hint (PB_migrate_skip) and the
 * zone's cached scanner positions: when they are set, used and reset.
 *
 * A scanner marks a pageblock "skip" when scanning it found nothing to take,
 * and remembers where it got to, so that the next compaction does not scan
 * the same barren blocks again. As in Linux 6.1, a compaction that ignores
 * the hints (compact_memory, proactive, SYNC_FULL) still leaves them, and
 * its cached positions, behind; policy tuned does not (it would otherwise
 * hide, after a proactive pass that stopped part-way, the blocks that pass
 * marked from the next direct compaction).
 * The hints go stale: they are flushed when a direct compaction's scanners
 * met and kswapd goes to sleep, or when deferral reaches its limit
 * (compaction_restarting()), and then only for blocks that a sample shows
 * to be worth scanning again.
 */
#include <compactlab/compaction.h>

/**
 * clab_get_pageblock_skip() - is the block of @pfn marked skip?
 * @mem: the shadow memory
 * @pfn: any shadow PFN of the block
 *
 * Return: the hint (racy read: it is only a hint).
 */
bool clab_get_pageblock_skip(struct clab_mem *mem, unsigned long pfn)
{
	return READ_ONCE(clab_idx_to_pageblock(mem, pfn)->skip);
}

/**
 * clab_set_pageblock_skip() - mark the block of @pfn skip
 * @mem: the shadow memory
 * @pfn: any shadow PFN of the block
 */
void clab_set_pageblock_skip(struct clab_mem *mem, unsigned long pfn)
{
	WRITE_ONCE(clab_idx_to_pageblock(mem, pfn)->skip, 1);
}

static void clab_clear_pageblock_skip(struct clab_mem *mem, unsigned long pfn)
{
	WRITE_ONCE(clab_idx_to_pageblock(mem, pfn)->skip, 0);
}

/**
 * clab_isolation_suitable() - may the scanner look at this block?
 * @cc: the compaction
 * @pfn: any shadow PFN of the block
 *
 * Return: true unless the block is marked skip and hints are honoured.
 */
bool clab_isolation_suitable(struct clab_compact_control *cc, unsigned long pfn)
{
	if (cc->ignore_skip_hint)
		return true;
	return !clab_get_pageblock_skip(clab_zone_mem_of(cc), pfn);
}

/**
 * clab_test_and_set_skip() - claim a block for this migrate scanner
 * @cc: the compaction
 * @pfn: the shadow PFN of the page being isolated
 *
 * Stops two compactors from scanning the same block at once. As 6.1's
 * test_and_set_skip(), only an isolation at the block's first page tests
 * and sets the hint.
 *
 * Return: true if the block was already marked (another scanner has it).
 */
bool clab_test_and_set_skip(struct clab_compact_control *cc, unsigned long pfn)
{
	struct clab_mem *mem = clab_zone_mem_of(cc);
	bool skip;

	if (cc->ignore_skip_hint || !IS_ALIGNED(pfn, CLAB_PAGEBLOCK_PAGES))
		return false;
	skip = clab_get_pageblock_skip(mem, pfn);
	if (!skip && !cc->no_set_skip_hint)
		clab_set_pageblock_skip(mem, pfn);
	return skip;
}

/**
 * clab_compact_leaves_skip_hints() - may this compaction set skip hints and
 * move the cached positions?
 * @cc: the compaction
 *
 * Linux 6.1 (update_cached_migrate(), update_pageblock_skip() and the end
 * of isolate_migratepages_block()) refuses only when no_set_skip_hint is
 * set: its compactions that ignore the hints still leave them. Policy
 * tuned also refuses for those.
 *
 * Return: true if it may.
 */
bool clab_compact_leaves_skip_hints(const struct clab_compact_control *cc)
{
	if (cc->no_set_skip_hint)
		return false;
	return !(cc->ignore_skip_hint && clab_compact_is_tuned(cc));
}

/**
 * clab_update_cached_migrate() - the migrate scanner finished a block
 * @cc: the compaction
 * @pfn: a shadow PFN: the position rises to the end of its pageblock
 *
 * Raises the async cached position, and for sync compaction the sync one.
 */
void clab_update_cached_migrate(struct clab_compact_control *cc,
				unsigned long pfn)
{
	struct clab_zone *zone = cc->zone;

	if (!clab_compact_leaves_skip_hints(cc))
		return;
	pfn = clab_pageblock_end_pfn(pfn);
	if (pfn > zone->compact_cached_migrate_pfn[0])
		zone->compact_cached_migrate_pfn[0] = pfn;
	if (cc->mode != CLAB_MIGRATE_ASYNC &&
	    pfn > zone->compact_cached_migrate_pfn[1])
		zone->compact_cached_migrate_pfn[1] = pfn;
}

/**
 * clab_update_pageblock_skip() - the free scanner finished a block
 * @cc: the compaction
 * @pfn: the block's first shadow PFN
 *
 * Marks it skip and lowers the cached free position to it.
 */
void clab_update_pageblock_skip(struct clab_compact_control *cc,
				unsigned long pfn)
{
	struct clab_zone *zone = cc->zone;

	if (!clab_compact_leaves_skip_hints(cc))
		return;
	clab_set_pageblock_skip(clab_zone_mem_of(cc), pfn);
	if (pfn < zone->compact_cached_free_pfn)
		zone->compact_cached_free_pfn = pfn;
}

/**
 * clab_reset_cached_positions() - scanners start from the zone's ends
 * @zone: the zone
 */
void clab_reset_cached_positions(struct clab_zone *zone)
{
	zone->compact_cached_migrate_pfn[0] = zone->start;
	zone->compact_cached_migrate_pfn[1] = zone->start;
	zone->compact_cached_free_pfn = clab_pageblock_start_pfn(zone->end - 1);
}

/*
 * The head of the allocated block holding @pfn, or NULL for a free page.
 * Blocks are aligned to their order, so the head of a tail page is the
 * first head met when rounding @pfn down to ever larger powers of two.
 * A racy read, as the kernel's compound_head() here: it is only a hint.
 */
static struct clab_page *clab_sample_head(struct clab_mem *mem,
					  unsigned long pfn)
{
	struct clab_page *page = clab_idx_to_page(mem, pfn);
	unsigned int order;

	if (clab_page_test(page, CLAB_PG_HEAD))
		return page;
	if (!clab_page_test(page, CLAB_PG_TAIL))
		return NULL;
	for (order = 1; order < CLAB_NR_ORDERS; order++) {
		page = clab_idx_to_page(mem, round_down(pfn, 1UL << order));
		if (clab_page_test(page, CLAB_PG_HEAD))
			return READ_ONCE(page->order) >= order ? page : NULL;
	}
	return NULL;
}

/*
 * pageblock_skip_persistent(): a block inside an allocation of pageblock
 * order or more keeps its hint until the allocation is freed (it has
 * nothing to migrate and no free page).
 */
static bool clab_pageblock_skip_persistent(struct clab_mem *mem,
					   unsigned long pfn)
{
	struct clab_page *head = clab_sample_head(mem, pfn);

	return head && READ_ONCE(head->order) >= CLAB_PAGEBLOCK_ORDER;
}

/*
 * PageLRU() as the reset samples it: a page the kernel would keep on an LRU
 * list and not isolated. Here that is an allocated movable page (the
 * kernel's anonymous and file pages, all on the LRU) or a reclaimable
 * page on our LRU; for a tail, its head decides, as for a compound page.
 */
static bool clab_sample_lru(struct clab_mem *mem, unsigned long pfn)
{
	struct clab_page *head = clab_sample_head(mem, pfn);

	if (!head)
		return false;
	if (clab_page_test(head, CLAB_PG_LRU))
		return true;
	return READ_ONCE(head->migratetype) == CLAB_MIGRATE_MOVABLE &&
	       !clab_page_test(head, CLAB_PG_ISOLATED);
}

/*
 * The stride of the reset's sample. 6.1 looks at every 8th page
 * (1 << PAGE_ALLOC_COSTLY_ORDER), and a regular pattern can hide from it
 * entirely: pages kept at every 4th pfn from an odd offset (the Gupta
 * pattern) are never sampled, no block qualifies as a source, the cached
 * positions collapse, and every compaction after the restart ends at
 * once with the scanners met; each later flush samples the same way and
 * collapses them again. Policy tuned looks
 * at every page: a flush happens only after the deferrals ran out, so the
 * extra reads (512 per block, no lock) are rare.
 */
static unsigned long clab_reset_sample_stride(struct clab_zone *zone)
{
	if (clab_selected_policy_has_tuned_rules(zone->node->mem))
		return 1;
	return 1UL << CLAB_COSTLY_ORDER;
}

/*
 * Linux 6.1's __reset_isolation_pfn(): decide for the block of @pfn whether
 * its hint goes. A source candidate (@check_source) needs an LRU page in
 * the sample of every 8th page, a target candidate (@check_target) a buddy
 * page; until the free side found its starting block, only MOVABLE blocks
 * qualify there. Once both sides have theirs, a block already clear needs
 * no sample. The sample takes every @stride-th page (see
 * clab_reset_sample_stride()). Return: true if the block is (now) clear
 * and qualifies.
 */
static bool clab_reset_isolation_pfn(struct clab_zone *zone, unsigned long pfn,
				     bool check_source, bool check_target,
				     unsigned long stride)
{
	struct clab_mem *mem = zone->node->mem;
	unsigned long start, last;

	if (pfn < zone->start || pfn >= zone->end)
		return false;
	if (clab_pageblock_skip_persistent(mem, pfn))
		return false;
	if (check_source && check_target && !clab_get_pageblock_skip(mem, pfn))
		return true;
	if (!check_source && check_target &&
	    clab_get_pageblock_migratetype(mem, pfn) != CLAB_MIGRATE_MOVABLE)
		return false;

	start = max(clab_pageblock_start_pfn(pfn), zone->start);
	last = min(clab_pageblock_end_pfn(pfn), zone->end) - 1;
	for (pfn = start; pfn <= last; pfn += stride) {
		if ((check_source && clab_sample_lru(mem, pfn)) ||
		    (check_target && clab_page_is_buddy(clab_idx_to_page(mem, pfn)))) {
			clab_clear_pageblock_skip(mem, start);
			return true;
		}
	}
	return false;
}

/**
 * __clab_reset_isolation_suitable() - flush a zone's stale skip hints
 * @zone: the zone
 *
 * Linux 6.1's __reset_isolation_suitable(). Only when a direct compaction's
 * scanners met since the last flush (compact_blockskip_flush); otherwise
 * nothing. Walks the zone from both ends at once, one pageblock a step,
 * until the two walks meet; a block's hint is cleared only when a sample
 * shows it worth scanning (clab_reset_isolation_pfn(); policy tuned
 * samples every page, see clab_reset_sample_stride()), and blocks inside
 * an allocation of pageblock order keep theirs. The lowest source block
 * and the highest target block cleared become the scanners' starting
 * points (compact_init_* and the cached positions). Unless both were
 * found, the cached positions collapse to where the walks met, so that the
 * next compaction's scanners meet at once.
 */
void __clab_reset_isolation_suitable(struct clab_zone *zone)
{
	unsigned long migrate_pfn = zone->start;
	unsigned long free_pfn = zone->end - 1;
	unsigned long reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;
	unsigned long stride;

	if (!zone->compact_blockskip_flush)
		return;
	zone->compact_blockskip_flush = false;
	stride = clab_reset_sample_stride(zone);

	for (; migrate_pfn < free_pfn; migrate_pfn += CLAB_PAGEBLOCK_PAGES,
	     free_pfn -= CLAB_PAGEBLOCK_PAGES) {
		cond_resched();
		if (clab_reset_isolation_pfn(zone, migrate_pfn, true, source_set,
					     stride) &&
		    migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			zone->compact_init_migrate_pfn = reset_migrate;
			zone->compact_cached_migrate_pfn[0] = reset_migrate;
			zone->compact_cached_migrate_pfn[1] = reset_migrate;
		}
		if (clab_reset_isolation_pfn(zone, free_pfn, free_set, true,
					     stride) &&
		    free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			zone->compact_init_free_pfn = reset_free;
			zone->compact_cached_free_pfn = reset_free;
		}
		/*
		 * A zone at pfn 0 of one pageblock or less (the kernel has
		 * none): the next step would wrap below 0. Leave the free
		 * position out of the zone, where compact_zone() resets it.
		 */
		if (free_pfn < CLAB_PAGEBLOCK_PAGES) {
			migrate_pfn += CLAB_PAGEBLOCK_PAGES;
			free_pfn = zone->end;
			break;
		}
	}

	/* No room left between them unless both sides found a block. */
	if (reset_migrate >= reset_free) {
		zone->compact_cached_migrate_pfn[0] = migrate_pfn;
		zone->compact_cached_migrate_pfn[1] = migrate_pfn;
		zone->compact_cached_free_pfn = free_pfn;
	}
}

/**
 * clab_reset_isolation_suitable() - flush the hints kswapd found stale
 * @node: the node going quiet
 *
 * Only zones where a direct compaction's scanners met are flushed.
 */
void clab_reset_isolation_suitable(struct clab_node *node)
{
	int z;

	for (z = 0; z < CLAB_MAX_NR_ZONES; z++) {
		struct clab_zone *zone = &node->zones[z];

		if (clab_zone_is_populated(zone) && zone->compact_blockskip_flush)
			__clab_reset_isolation_suitable(zone);
	}
}
