// SPDX-License-Identifier: GPL-2.0
/*
 * skip_hints.c - the per-pageblock skip hint (PB_migrate_skip) and the
 * zone's cached scanner positions: when they are set, used and reset.
 *
 * A scanner marks a pageblock "skip" when scanning it found nothing to take,
 * and remembers where it got to, so that the next compaction does not scan
 * the same barren blocks again. Beyond the kernel: a compaction that
 * ignores the hints (compact_memory, proactive, SYNC_FULL) leaves none
 * behind either; the kernel's do, and a proactive pass that stops part-way
 * then hides the blocks it skipped from the next direct compaction.
 * The hints go stale: they are flushed when a direct compaction's scanners
 * met and kswapd goes to sleep, or when deferral reaches its limit
 * (compaction_restarting()).
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
 * @pfn: the block's first shadow PFN
 *
 * Stops two compactors from scanning the same block at once.
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
 * clab_update_cached_migrate() - the migrate scanner finished a block
 * @cc: the compaction
 * @pfn: a shadow PFN in the block it finished
 *
 * Raises the async cached position, and for sync compaction the sync one.
 */
void clab_update_cached_migrate(struct clab_compact_control *cc,
				unsigned long pfn)
{
	struct clab_zone *zone = cc->zone;

	if (cc->no_set_skip_hint || cc->ignore_skip_hint)
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

	if (cc->no_set_skip_hint || cc->ignore_skip_hint)
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

/* Does a sample of the block (every 8th page) show something to migrate? */
static bool clab_block_has_movable(struct clab_mem *mem, unsigned long start)
{
	unsigned long pfn;

	for (pfn = start; pfn < start + CLAB_PAGEBLOCK_PAGES;
	     pfn += 1UL << CLAB_COSTLY_ORDER) {
		struct clab_page *page = clab_idx_to_page(mem, pfn);

		if (clab_page_test(page, CLAB_PG_HEAD) &&
		    page->migratetype == CLAB_MIGRATE_MOVABLE)
			return true;
	}
	return false;
}

/* Does a sample of a MOVABLE block show a free page to migrate into? */
static bool clab_block_has_free(struct clab_mem *mem, unsigned long start)
{
	unsigned long pfn;

	if (clab_get_pageblock_migratetype(mem, start) != CLAB_MIGRATE_MOVABLE)
		return false;
	for (pfn = start; pfn < start + CLAB_PAGEBLOCK_PAGES;
	     pfn += 1UL << CLAB_COSTLY_ORDER)
		if (clab_page_is_buddy(clab_idx_to_page(mem, pfn)))
			return true;
	return false;
}

/**
 * __clab_reset_isolation_suitable() - flush a zone's skip hints
 * @zone: the zone
 *
 * Walks the zone from both ends at once, as the kernel does, clearing the
 * hint of every block; the first block from the bottom with something to
 * migrate and the first from the top with free pages become the scanners'
 * starting points. With neither found, the cached positions collapse so
 * that the next scanners meet at once.
 */
void __clab_reset_isolation_suitable(struct clab_zone *zone)
{
	struct clab_mem *mem = zone->node->mem;
	unsigned long migrate_pfn = zone->start;
	unsigned long free_pfn = clab_pageblock_start_pfn(zone->end - 1);
	bool source_set = false, free_set = false;

	zone->compact_blockskip_flush = false;
	for (; migrate_pfn <= free_pfn; migrate_pfn += CLAB_PAGEBLOCK_PAGES,
	     free_pfn -= CLAB_PAGEBLOCK_PAGES) {
		clab_clear_pageblock_skip(mem, migrate_pfn);
		clab_clear_pageblock_skip(mem, free_pfn);
		if (!source_set && clab_block_has_movable(mem, migrate_pfn)) {
			zone->compact_init_migrate_pfn = migrate_pfn;
			zone->compact_cached_migrate_pfn[0] = migrate_pfn;
			zone->compact_cached_migrate_pfn[1] = migrate_pfn;
			source_set = true;
		}
		if (!free_set && clab_block_has_free(mem, free_pfn)) {
			zone->compact_init_free_pfn = free_pfn;
			zone->compact_cached_free_pfn = free_pfn;
			free_set = true;
		}
		if (free_pfn < CLAB_PAGEBLOCK_PAGES)
			break;
	}
	if (!source_set) {
		zone->compact_init_migrate_pfn = clab_pageblock_start_pfn(zone->end - 1);
		zone->compact_cached_migrate_pfn[0] = zone->compact_init_migrate_pfn;
		zone->compact_cached_migrate_pfn[1] = zone->compact_init_migrate_pfn;
	}
	if (!free_set) {
		zone->compact_init_free_pfn = zone->start;
		zone->compact_cached_free_pfn = zone->start;
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
