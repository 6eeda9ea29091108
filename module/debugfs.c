// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/compactlab/: observability, not ABI.
 *
 *   arena          the backend, the physical ranges (a virtual arena: its
 *                  virtual PFN range), page and pageblock counts, the bytes
 *                  of page descriptors
 *   pattern_check  write a seed: fill every arena page with a pattern and
 *                  verify it (refused while any arena page is allocated,
 *                  and on a virtual arena, which has no contents);
 *                  read: the last result
 *   buddyinfo      /proc/buddyinfo of the shadow memory
 *   pagetypeinfo   /proc/pagetypeinfo of the shadow memory
 *   zoneinfo       the watermark and pageset parts of /proc/zoneinfo (6.1
 *                  layout: no "promo" line, which later kernels print after
 *                  "high"; no "vm stats threshold")
 *   vmstat         nr_free_pages and the event counters, /proc/vmstat style
 *   compact_stats  compactlab's own cumulative compaction counters, "name
 *                  value" lines: copy time, scanned pfns examined and
 *                  skipped, bytes a virtual arena did not copy (no kernel
 *                  file has them)
 *   extfrag/unusable_index, extfrag/extfrag_index
 *                  /sys/kernel/debug/extfrag/ of the shadow memory
 *   pageblocks     one line per pageblock: its type, skip hint, counters,
 *                  and the migrations needed to free it (-1: impossible)
 *   mirror         the live mirror: state, counters, the shadow's answers
 *                  to the kernel's allocations by order, and the newest
 *                  census of both sides (free blocks, unusable and
 *                  fragmentation indices, unmovable spread)
 *   mirror.csv     the mirror's time series, one row per census
 *
 * Where a file mirrors a kernel file it is byte-compatible with it: the same
 * format strings, so that tools that parse the kernel's files parse ours.
 * The views take zone->lock per zone, as the kernel's walk_zones_in_node()
 * does, so that each line is a consistent snapshot of its zone.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <compactlab/arena.h>
#include <compactlab/compaction.h>
#include <compactlab/extfrag.h>
#include <compactlab/mmzone.h>
#include <compactlab/vmstat.h>
#include "interfaces.h"
#include "kmirror.h"

static struct dentry *clab_debugfs_root;

/* Serialises pattern checks; they write every page of the arena. */
static DEFINE_MUTEX(clab_pattern_lock);

static int clab_arena_show(struct seq_file *m, void *v)
{
	struct clab_arena *arena = m->private;
	unsigned int i = 0, ranges = 0;

	seq_printf(m, "backend:         %s\n",
		   clab_arena_backend_names[arena->backend]);
	seq_printf(m, "size:            %llu\n", arena->size);
	seq_printf(m, "pages:           %lu\n", arena->nr_pages);
	seq_printf(m, "pageblocks:      %lu\n", arena->nr_pageblocks);
	seq_printf(m, "page_size:       %lu\n", PAGE_SIZE);
	seq_printf(m, "pageblock_order: %u\n", CLAB_PAGEBLOCK_ORDER);
	seq_printf(m, "max_order:       %u\n", CLAB_MAX_ORDER);
	seq_printf(m, "chunks:          %u\n", arena->nr_chunks);
	/* Physically adjacent chunks are shown as one range. */
	while (i < arena->nr_chunks) {
		unsigned long start = arena->chunks[i].pfn, end, first = i;

		end = start + arena->chunks[i].nr_pages;
		while (++i < arena->nr_chunks && arena->chunks[i].pfn == end)
			end += arena->chunks[i].nr_pages;
		if (!clab_arena_has_contents(arena)) {
			seq_printf(m, "range %u: virtual pfn 0x%lx-0x%lx index %lu-%lu\n",
				   ranges++, start, end - 1,
				   first << CLAB_CHUNK_ORDER,
				   (first << CLAB_CHUNK_ORDER) + (end - start) - 1);
			continue;
		}
		seq_printf(m, "range %u: phys 0x%012llx-0x%012llx pfn 0x%lx-0x%lx index %lu-%lu\n",
			   ranges++, (u64)start << PAGE_SHIFT,
			   ((u64)end << PAGE_SHIFT) - 1, start, end - 1,
			   first << CLAB_CHUNK_ORDER,
			   (first << CLAB_CHUNK_ORDER) + (end - start) - 1);
	}
	seq_printf(m, "ranges:          %u\n", ranges);
	seq_printf(m, "descriptors:     %llu\n",
		   clab_mem_descriptor_bytes(arena->nr_pages) +
		   (u64)arena->nr_chunks * sizeof(*arena->chunks));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_arena);

static int clab_pattern_show(struct seq_file *m, void *v)
{
	struct clab_mem *mem = m->private;
	struct clab_arena *arena = mem->arena;

	mutex_lock(&clab_pattern_lock);
	seq_printf(m, "seed %llu pages %lu mismatches %lu\n",
		   arena->pattern_seed, arena->pattern_pages,
		   arena->pattern_mismatches);
	mutex_unlock(&clab_pattern_lock);
	return 0;
}

static int clab_pattern_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_pattern_show, inode->i_private);
}

/*
 * The pattern overwrites every arena page, so it runs only while no page is
 * allocated: every free block is taken off the free lists for the duration
 * (nothing can be allocated meanwhile) and given back after.
 */
static ssize_t clab_pattern_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct clab_mem *mem = file_inode(file)->i_private;
	unsigned long taken, nr_pages = mem->arena->nr_pages;
	LIST_HEAD(blocks);
	ssize_t ret = count;
	u64 seed;
	int err;

	if (!clab_interfaces_ready("pattern_check"))
		return -ENODEV;
	err = kstrtou64_from_user(ubuf, count, 0, &seed);
	if (err) {
		pr_info_ratelimited("pattern_check: expected a numeric seed\n");
		return err;
	}
	if (!clab_arena_has_contents(mem->arena)) {
		pr_info_ratelimited("pattern_check: refused: a virtual arena has no page contents\n");
		return -EOPNOTSUPP;
	}
	if (!mutex_trylock(&clab_pattern_lock))
		return -EBUSY;
	taken = clab_take_free_pages(mem, &blocks);
	if (taken != nr_pages) {
		pr_info_ratelimited("pattern_check: refused: %lu of %lu arena pages are not free\n",
				    nr_pages - min(taken, nr_pages), nr_pages);
		ret = -EBUSY;
		goto give_back;
	}
	err = clab_arena_pattern_check(mem->arena, seed);
	if (err)
		ret = err;
give_back:
	clab_give_back_free_pages(mem, &blocks);
	mutex_unlock(&clab_pattern_lock);
	return ret;
}

static const struct file_operations clab_pattern_fops = {
	.owner = THIS_MODULE,
	.open = clab_pattern_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = clab_pattern_write,
};

static const char *clab_zone_name(const struct clab_zone *zone)
{
	return clab_zone_names[zone->type];
}

/* Is migratetype @mt a column of the running kernel's /proc/pagetypeinfo? */
static bool clab_migratetype_shown(int mt)
{
	if (mt == CLAB_MIGRATE_CMA)
		return IS_ENABLED(CONFIG_CMA);
	if (mt == CLAB_MIGRATE_ISOLATE)
		return IS_ENABLED(CONFIG_MEMORY_ISOLATION);
	return true;
}

/* Does @node have a populated zone? (the kernel's N_MEMORY test) */
static bool clab_node_has_memory(const struct clab_node *node)
{
	int i;

	for (i = 0; i < CLAB_MAX_NR_ZONES; i++)
		if (clab_zone_is_populated(&node->zones[i]))
			return true;
	return false;
}

/* vmstat.c:frag_show_print */
static int clab_buddyinfo_show(struct seq_file *m, void *v)
{
	struct clab_mem *mem = m->private;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long flags;
	unsigned int order;

	clab_for_each_populated_zone(mem, node, zone) {
		spin_lock_irqsave(&zone->lock, flags);
		seq_printf(m, "Node %d, zone %8s ", node->id,
			   clab_zone_name(zone));
		for (order = 0; order < CLAB_NR_ORDERS; order++)
			seq_printf(m, "%6lu ", zone->free_area[order].nr_free);
		seq_putc(m, '\n');
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_buddyinfo);

/* The kernel caps its free list walk; keep its ">" marker for big lists. */
#define CLAB_PAGETYPEINFO_CAP	100000UL

/* vmstat.c:pagetypeinfo_showfree_print */
static void clab_pagetypeinfo_showfree(struct seq_file *m,
				       struct clab_node *node)
{
	unsigned long flags, nr;
	unsigned int order;
	int i, mt;

	seq_printf(m, "%-43s ", "Free pages count per migrate type at order");
	for (order = 0; order < CLAB_NR_ORDERS; order++)
		seq_printf(m, "%6d ", order);
	seq_putc(m, '\n');

	for (i = 0; i < CLAB_MAX_NR_ZONES; i++) {
		struct clab_zone *zone = &node->zones[i];

		if (!clab_zone_is_populated(zone))
			continue;
		spin_lock_irqsave(&zone->lock, flags);
		for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++) {
			if (!clab_migratetype_shown(mt))
				continue;
			seq_printf(m, "Node %4d, zone %8s, type %12s ",
				   node->id, clab_zone_name(zone),
				   clab_migratetype_names[mt]);
			for (order = 0; order < CLAB_NR_ORDERS; order++) {
				nr = zone->free_area[order].nr_free_mt[mt];
				if (nr >= CLAB_PAGETYPEINFO_CAP)
					seq_printf(m, ">%6lu ",
						   CLAB_PAGETYPEINFO_CAP);
				else
					seq_printf(m, "%6lu ", nr);
			}
			seq_putc(m, '\n');
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}
}

/* vmstat.c:pagetypeinfo_showblockcount_print */
static void clab_pagetypeinfo_showblockcount(struct seq_file *m,
					     struct clab_node *node)
{
	struct clab_mem *mem = node->mem;
	unsigned long count[CLAB_MIGRATE_TYPES];
	unsigned long idx, flags;
	int i, mt;

	seq_printf(m, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
		if (clab_migratetype_shown(mt))
			seq_printf(m, "%12s ", clab_migratetype_names[mt]);
	seq_putc(m, '\n');

	for (i = 0; i < CLAB_MAX_NR_ZONES; i++) {
		struct clab_zone *zone = &node->zones[i];

		if (!clab_zone_is_populated(zone))
			continue;
		memset(count, 0, sizeof(count));
		spin_lock_irqsave(&zone->lock, flags);
		for (idx = zone->start; idx < zone->end;
		     idx += CLAB_PAGEBLOCK_PAGES) {
			if ((idx >> CLAB_PAGEBLOCK_ORDER) >=
			    mem->arena->nr_pageblocks)
				break;
			mt = clab_idx_to_pageblock(mem, idx)->migratetype;
			if (mt < CLAB_MIGRATE_TYPES)
				count[mt]++;
		}
		spin_unlock_irqrestore(&zone->lock, flags);
		seq_printf(m, "Node %d, zone %8s ", node->id,
			   clab_zone_name(zone));
		for (mt = 0; mt < CLAB_MIGRATE_TYPES; mt++)
			if (clab_migratetype_shown(mt))
				seq_printf(m, "%12lu ", count[mt]);
		seq_putc(m, '\n');
	}
}

/* vmstat.c:pagetypeinfo_show, for every node with memory */
static int clab_pagetypeinfo_show(struct seq_file *m, void *v)
{
	struct clab_mem *mem = m->private;
	struct clab_node *node;

	clab_for_each_node(mem, node) {
		if (!clab_node_has_memory(node))
			continue;
		seq_printf(m, "Page block order: %d\n", CLAB_PAGEBLOCK_ORDER);
		seq_printf(m, "Pages per block:  %lu\n", CLAB_PAGEBLOCK_PAGES);
		seq_putc(m, '\n');
		clab_pagetypeinfo_showfree(m, node);
		clab_pagetypeinfo_showblockcount(m, node);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_pagetypeinfo);

/* The watermark and pageset parts of vmstat.c:zoneinfo_show_print (6.1). */
static int clab_zoneinfo_show(struct seq_file *m, void *v)
{
	struct clab_mem *mem = m->private;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long pages;
	int i;

	clab_for_each_populated_zone(mem, node, zone) {
		pages = zone->end - zone->start;
		seq_printf(m, "Node %d, zone %8s", node->id,
			   clab_zone_name(zone));
		seq_printf(m, "\n  pages free     %lu", READ_ONCE(zone->nr_free_pages));
		seq_printf(m, "\n        boost    %lu", READ_ONCE(zone->watermark_boost));
		seq_printf(m, "\n        min      %lu", clab_wmark_pages(zone, CLAB_WMARK_MIN));
		seq_printf(m, "\n        low      %lu", clab_wmark_pages(zone, CLAB_WMARK_LOW));
		seq_printf(m, "\n        high     %lu", clab_wmark_pages(zone, CLAB_WMARK_HIGH));
		seq_printf(m, "\n        spanned  %lu", pages);
		seq_printf(m, "\n        present  %lu", pages);
		seq_printf(m, "\n        managed  %lu", zone->managed_pages);
		seq_printf(m, "\n        cma      %lu", 0UL);
		seq_printf(m, "\n        protection: (%ld",
			   zone->lowmem_reserve[0]);
		for (i = 1; i < CLAB_MAX_NR_ZONES; i++)
			seq_printf(m, ", %ld", zone->lowmem_reserve[i]);
		/* Free pages waiting on the CPUs' lists, which "free" leaves out. */
		seq_puts(m, ")\n  pagesets");
		for_each_online_cpu(i) {
			struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, i);

			seq_printf(m,
				   "\n    cpu: %i\n              count: %i\n              high:  %i\n              batch: %i",
				   i, READ_ONCE(pcp->count), READ_ONCE(pcp->high),
				   READ_ONCE(pcp->batch));
		}
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_zoneinfo);

/* vmstat.c:vmstat_show for the counters the shadow memory keeps */
static int clab_vmstat_show(struct seq_file *m, void *v)
{
	unsigned long events[CLAB_NR_VM_EVENT_ITEMS];
	struct clab_mem *mem = m->private;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long free = 0;
	int i;

	clab_for_each_populated_zone(mem, node, zone)
		free += READ_ONCE(zone->nr_free_pages);
	seq_printf(m, "nr_free_pages %lu\n", free);

	clab_all_vm_events(events);
	for (i = 0; i < CLAB_NR_VM_EVENT_ITEMS; i++)
		seq_printf(m, "%s %lu\n", clab_vm_event_names[i], events[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_vmstat);

/* The lab's counters of compaction, one "name value" line each. */
static int clab_compact_stats_show(struct seq_file *m, void *v)
{
	u64 counters[CLAB_NR_COMPACT_COUNTERS];
	int i;

	clab_all_compact_counters(m->private, counters);
	for (i = 0; i < CLAB_NR_COMPACT_COUNTERS; i++)
		seq_printf(m, "%s %llu\n", clab_compact_counter_names[i],
			   counters[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_compact_stats);

/* vmstat.c:unusable_show_print and extfrag_show_print */
static void clab_extfrag_show_zones(struct seq_file *m, bool extfrag)
{
	struct clab_mem *mem = m->private;
	struct clab_contig_page_info info;
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long flags;
	unsigned int order;
	int index;

	clab_for_each_populated_zone(mem, node, zone) {
		spin_lock_irqsave(&zone->lock, flags);
		seq_printf(m, "Node %d, zone %8s ", node->id,
			   clab_zone_name(zone));
		for (order = 0; order < CLAB_NR_ORDERS; order++) {
			clab_fill_contig_page_info(zone, order, &info);
			if (extfrag) {
				index = __clab_fragmentation_index(order,
								   &info);
				seq_printf(m, "%2d.%03d ", index / 1000,
					   index % 1000);
			} else {
				index = clab_unusable_free_index(order, &info);
				seq_printf(m, "%d.%03d ", index / 1000,
					   index % 1000);
			}
		}
		seq_putc(m, '\n');
		spin_unlock_irqrestore(&zone->lock, flags);
	}
}

static int clab_unusable_index_show(struct seq_file *m, void *v)
{
	clab_extfrag_show_zones(m, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_unusable_index);

static int clab_extfrag_index_show(struct seq_file *m, void *v)
{
	clab_extfrag_show_zones(m, true);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_extfrag_index);

/*
 * pageblocks: a header naming the columns, then one line per pageblock; a
 * seq_file iterator so that a large arena needs no large buffer. *pos is
 * 0 for the header and 1 + the pageblock index after it.
 */
static void *clab_pageblocks_start(struct seq_file *m, loff_t *pos)
{
	struct clab_mem *mem = m->private;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos > mem->arena->nr_pageblocks)
		return NULL;
	return pos;
}

static void *clab_pageblocks_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return clab_pageblocks_start(m, pos);
}

static void clab_pageblocks_stop(struct seq_file *m, void *v)
{
}

/*
 * The counters are atomics that the per-CPU fast paths update without the
 * zone lock, so a line is a snapshot of each counter, not of the block:
 * they add up to the pageblock size only when nothing is in flight.
 */
static int clab_pageblocks_show(struct seq_file *m, void *v)
{
	struct clab_mem *mem = m->private;
	struct clab_pageblock *pb;
	struct clab_zone *zone;
	unsigned long block, idx;
	int mt;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-7s %12s %4s %8s %12s %4s %5s %7s %11s %9s %5s\n",
			   "# block", "pfn", "node", "zone", "migratetype",
			   "skip", "free", "movable", "reclaimable",
			   "unmovable", "moves");
		return 0;
	}
	block = *(loff_t *)v - 1;
	idx = block << CLAB_PAGEBLOCK_ORDER;
	zone = clab_idx_to_zone(mem, idx);
	pb = &mem->pageblocks[block];
	mt = READ_ONCE(pb->migratetype);
	seq_printf(m, "%7lu %#12lx %4d %8s %12s %4u %5d %7d %11d %9d %5ld\n",
		   block, clab_arena_index_to_pfn(mem->arena, idx),
		   zone->node->id, clab_zone_name(zone),
		   mt < CLAB_MIGRATE_TYPES ? clab_migratetype_names[mt] : "?",
		   READ_ONCE(pb->skip), atomic_read(&pb->nr_free),
		   atomic_read(&pb->nr_alloc[CLAB_MIGRATE_MOVABLE]),
		   atomic_read(&pb->nr_alloc[CLAB_MIGRATE_RECLAIMABLE]),
		   atomic_read(&pb->nr_alloc[CLAB_MIGRATE_UNMOVABLE]),
		   clab_min_moves_block_cost(mem, idx, CLAB_PAGEBLOCK_ORDER));
	return 0;
}

static const struct seq_operations clab_pageblocks_sops = {
	.start = clab_pageblocks_start,
	.next = clab_pageblocks_next,
	.stop = clab_pageblocks_stop,
	.show = clab_pageblocks_show,
};

static int clab_pageblocks_open(struct inode *inode, struct file *file)
{
	int ret = seq_open(file, &clab_pageblocks_sops);

	if (!ret)
		((struct seq_file *)file->private_data)->private =
			inode->i_private;
	return ret;
}

static const struct file_operations clab_pageblocks_fops = {
	.owner = THIS_MODULE,
	.open = clab_pageblocks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

/* A census's side of the mirror view: "name kernel shadow" lines. */
static void clab_mirror_show_sides(struct seq_file *m,
				   const struct clab_mirror_sample *s)
{
	const struct clab_mirror_census *k = &s->kernel, *sh = &s->shadow;
	unsigned long k_high = 0, s_high = 0, k_min, s_min;
	unsigned int o;
	int ki, si;

	for (o = CLAB_PAGEBLOCK_ORDER; o <= CLAB_MAX_ORDER; o++) {
		k_high += k->free_blocks[o] << (o - CLAB_PAGEBLOCK_ORDER);
		s_high += sh->free_blocks[o] << (o - CLAB_PAGEBLOCK_ORDER);
	}
	seq_printf(m, "\ncensus at ms %llu\n%-24s %12s %12s\n", s->ms, "",
		   "kernel", "shadow");
	seq_printf(m, "%-24s %12lu %12lu\n", "pageblocks", k->pageblocks,
		   sh->pageblocks);
	seq_printf(m, "%-24s %12lu %12lu\n", "free_pages", k->free_pages,
		   sh->free_pages);
	seq_printf(m, "%-24s %12lu %12lu\n", "pcp_pages", k->pcp_pages,
		   sh->pcp_pages);
	seq_printf(m, "%-24s %12lu %12lu\n", "free_pageblocks", k_high, s_high);
	seq_printf(m, "%-24s %12lu %12lu\n", "unmovable_pages",
		   k->unmovable_pages, sh->unmovable_pages);
	seq_printf(m, "%-24s %12lu %12lu\n", "unmovable_blocks",
		   k->unmovable_blocks, sh->unmovable_blocks);
	k_min = DIV_ROUND_UP(k->unmovable_pages, CLAB_PAGEBLOCK_PAGES);
	s_min = DIV_ROUND_UP(sh->unmovable_pages, CLAB_PAGEBLOCK_PAGES);
	ki = k_min ? k->unmovable_blocks * 1000 / k_min : 0;
	si = s_min ? sh->unmovable_blocks * 1000 / s_min : 0;
	seq_printf(m, "%-24s %8d.%03d %8d.%03d\n", "unmovable_spread",
		   ki / 1000, ki % 1000, si / 1000, si % 1000);
	for (o = 0; o <= CLAB_MAX_ORDER; o++)
		seq_printf(m, "free_blocks_order%-7u %12lu %12lu\n", o,
			   k->free_blocks[o], sh->free_blocks[o]);
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		ki = clab_mirror_unusable_index(k, o);
		si = clab_mirror_unusable_index(sh, o);
		seq_printf(m, "unusable_index_order%-4u %8d.%03d %8d.%03d\n",
			   o, ki / 1000, ki % 1000, si / 1000, si % 1000);
	}
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		ki = clab_mirror_extfrag_index(k, o);
		si = clab_mirror_extfrag_index(sh, o);
		seq_printf(m, "extfrag_index_order%-5u %8d.%03d %8d.%03d\n",
			   o, ki / 1000, abs(ki % 1000), si / 1000,
			   abs(si % 1000));
	}
}

/*
 * mirror: the live mirror's state and counters, the shadow's answers to
 * the kernel's allocations by order, and the newest census side by side.
 */
static int clab_mirror_show(struct seq_file *m, void *v)
{
	static const char * const answers[CLAB_MIRROR_NR_ANSWERS] = {
		"fast", "compacted", "failed",
	};
	struct clab_kmirror_status *st;
	const struct clab_mirror_counters *c;
	unsigned int o, a;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	clab_kmirror_status(st);
	if (!st->on) {
		seq_puts(m, "state off\n");
		goto free_status;
	}
	c = &st->c;
	seq_printf(m, "state on\nnode %d\nzone %s\npfns 0x%lx-0x%lx\nms %llu\n",
		   st->req.nid, st->req.zone, st->start_pfn, st->end_pfn, st->ms);
	seq_printf(m, "events %llu\npending %lu\nlost %lu\nlost_since_clone %lu\ndiverged %d\nresyncs %lu\ncensus_error %d\nsamples %lu\n",
		   c->events, st->pending, st->lost, st->lost_since_clone,
		   st->lost_since_clone != 0, st->resyncs, st->census_error,
		   st->nr_samples);
	seq_printf(m, "kernel_allocs %llu\nkernel_frees %llu\nkernel_failed %llu\noutside %llu\n",
		   c->allocs, c->frees, c->kernel_failed, c->outside);
	seq_printf(m, "rebound %llu\nunmatched_frees %llu\nunserved_frees %llu\nsplits %llu\nrepaired_allocs %llu\nrepaired_frees %llu\n",
		   c->rebound, c->unmatched_frees, c->unserved_frees, c->splits,
		   c->repaired_allocs, c->repaired_frees);
	seq_printf(m, "pcp %s\npcp_drains %llu\npcp_drains_elsewhere %llu\npcp_drains_missed %llu\n",
		   st->pcp_follow ? "follow" : "own", c->pcp_drains,
		   c->pcp_drains_elsewhere, c->pcp_drains_missed);
	seq_printf(m, "pcp_refills %llu\npcp_refills_missed %llu\n",
		   c->pcp_refills, c->pcp_refills_missed);
	seq_puts(m, "\nthe kernel's allocations, by what the shadow did with the same request\norder");
	for (a = 0; a < CLAB_MIRROR_NR_ANSWERS; a++)
		seq_printf(m, " %12s", answers[a]);
	for (a = 0; a < CLAB_MIRROR_NR_ANSWERS; a++)
		seq_printf(m, " %12s", a ? answers[a] : "kfail_fast");
	seq_putc(m, '\n');
	for (o = 0; o <= CLAB_MAX_ORDER; o++) {
		seq_printf(m, "%5u", o);
		for (a = 0; a < CLAB_MIRROR_NR_ANSWERS; a++)
			seq_printf(m, " %12llu", c->answer[o][a]);
		for (a = 0; a < CLAB_MIRROR_NR_ANSWERS; a++)
			seq_printf(m, " %12llu", c->kfail_answer[o][a]);
		seq_putc(m, '\n');
	}
	if (st->nr_samples)
		clab_mirror_show_sides(m, &st->last);
free_status:
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_mirror);

/*
 * mirror.csv: the time series, a header then one row per census kept
 * (the oldest first): k_ columns the kernel's, s_ the shadow's; indices
 * in thousandths, as the kernel's files print them with three decimals.
 * *pos is 0 for the header and 1 + the sample number after it.
 */
struct clab_mirror_csv_iter {
	loff_t pos;
	unsigned long first;
	struct clab_mirror_sample s;
};

static void *clab_mirror_csv_start(struct seq_file *m, loff_t *pos)
{
	struct clab_mirror_csv_iter *it = m->private;
	struct clab_kmirror_status *st;

	if (*pos == 0) {
		st = kmalloc(sizeof(*st), GFP_KERNEL);
		if (!st)
			return ERR_PTR(-ENOMEM);
		clab_kmirror_status(st);
		it->first = st->nr_samples > st->max_samples ?
			    st->nr_samples - st->max_samples : 0;
		kfree(st);
		return SEQ_START_TOKEN;
	}
	if (!clab_kmirror_sample(it->first + *pos - 1, &it->s))
		return NULL;
	return it;
}

static void *clab_mirror_csv_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return clab_mirror_csv_start(m, pos);
}

static void clab_mirror_csv_stop(struct seq_file *m, void *v)
{
}

static void clab_mirror_csv_side(struct seq_file *m,
				 const struct clab_mirror_census *c,
				 const char *p, bool header)
{
	unsigned int o;

	if (header) {
		seq_printf(m, ",%s_free_pages,%s_pcp_pages,%s_unmovable_pages,%s_unmovable_blocks,%s_pageblocks",
			   p, p, p, p, p);
		for (o = 0; o <= CLAB_MAX_ORDER; o++)
			seq_printf(m, ",%s_free_o%u", p, o);
		for (o = 0; o <= CLAB_MAX_ORDER; o++)
			seq_printf(m, ",%s_unusable_o%u", p, o);
		for (o = 0; o <= CLAB_MAX_ORDER; o++)
			seq_printf(m, ",%s_extfrag_o%u", p, o);
		return;
	}
	seq_printf(m, ",%lu,%lu,%lu,%lu,%lu", c->free_pages, c->pcp_pages,
		   c->unmovable_pages, c->unmovable_blocks, c->pageblocks);
	for (o = 0; o <= CLAB_MAX_ORDER; o++)
		seq_printf(m, ",%lu", c->free_blocks[o]);
	for (o = 0; o <= CLAB_MAX_ORDER; o++)
		seq_printf(m, ",%d", clab_mirror_unusable_index(c, o));
	for (o = 0; o <= CLAB_MAX_ORDER; o++)
		seq_printf(m, ",%d", clab_mirror_extfrag_index(c, o));
}

static int clab_mirror_csv_show(struct seq_file *m, void *v)
{
	const struct clab_mirror_csv_iter *it = v;
	bool header = v == SEQ_START_TOKEN;

	if (header)
		seq_puts(m, "ms,events,lost");
	else
		seq_printf(m, "%llu,%llu,%llu", it->s.ms, it->s.events,
			   it->s.lost);
	clab_mirror_csv_side(m, header ? NULL : &it->s.kernel, "k", header);
	clab_mirror_csv_side(m, header ? NULL : &it->s.shadow, "s", header);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations clab_mirror_csv_sops = {
	.start = clab_mirror_csv_start,
	.next = clab_mirror_csv_next,
	.stop = clab_mirror_csv_stop,
	.show = clab_mirror_csv_show,
};

static int clab_mirror_csv_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &clab_mirror_csv_sops,
				sizeof(struct clab_mirror_csv_iter));
}

static const struct file_operations clab_mirror_csv_fops = {
	.owner = THIS_MODULE,
	.open = clab_mirror_csv_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/**
 * clab_debugfs_init() - create /sys/kernel/debug/compactlab
 * @mem: the shadow memory the files describe; mem->arena is its arena
 *
 * Called once @mem is set up. debugfs failures are not errors: the module
 * works without it.
 */
void clab_debugfs_init(struct clab_mem *mem)
{
	struct dentry *extfrag;

	clab_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("arena", 0400, clab_debugfs_root, mem->arena,
			    &clab_arena_fops);
	debugfs_create_file("pattern_check", 0600, clab_debugfs_root, mem,
			    &clab_pattern_fops);
	debugfs_create_file("buddyinfo", 0400, clab_debugfs_root, mem,
			    &clab_buddyinfo_fops);
	debugfs_create_file("pagetypeinfo", 0400, clab_debugfs_root, mem,
			    &clab_pagetypeinfo_fops);
	debugfs_create_file("zoneinfo", 0400, clab_debugfs_root, mem,
			    &clab_zoneinfo_fops);
	debugfs_create_file("vmstat", 0400, clab_debugfs_root, mem,
			    &clab_vmstat_fops);
	debugfs_create_file("compact_stats", 0400, clab_debugfs_root, mem,
			    &clab_compact_stats_fops);
	debugfs_create_file("pageblocks", 0400, clab_debugfs_root, mem,
			    &clab_pageblocks_fops);
	debugfs_create_file("mirror", 0400, clab_debugfs_root, mem,
			    &clab_mirror_fops);
	debugfs_create_file("mirror.csv", 0400, clab_debugfs_root, NULL,
			    &clab_mirror_csv_fops);
	extfrag = debugfs_create_dir("extfrag", clab_debugfs_root);
	debugfs_create_file("unusable_index", 0400, extfrag, mem,
			    &clab_unusable_index_fops);
	debugfs_create_file("extfrag_index", 0400, extfrag, mem,
			    &clab_extfrag_index_fops);
}

/**
 * clab_debugfs_exit() - remove /sys/kernel/debug/compactlab
 */
void clab_debugfs_exit(void)
{
	debugfs_remove(clab_debugfs_root);
}
