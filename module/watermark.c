// SPDX-License-Identifier: GPL-2.0
/*
 * watermark.c - per-zone watermarks (min, low, high) from min_free_kbytes
 * and watermark_scale_factor, the lowmem reserve, and the watermark boost,
 * with the kernel's formulas (mm/page_alloc.c, 6.1).
 */
#include <compactlab/mmzone.h>
#include "page_alloc_internal.h"

/* 6.1's sysctl_lowmem_reserve_ratio: 0 for the top zone, MOVABLE. */
static const int clab_lowmem_reserve_ratio[CLAB_MAX_NR_ZONES] = {
	[CLAB_ZONE_DMA] = 256,
	[CLAB_ZONE_DMA32] = 256,
	[CLAB_ZONE_NORMAL] = 32,
	[CLAB_ZONE_MOVABLE] = 0,
};

static unsigned long clab_mult_frac(unsigned long x, unsigned long n,
				    unsigned long d)
{
	return (x / d) * n + ((x % d) * n) / d;
}

static unsigned long clab_lowmem_pages(struct clab_mem *mem)
{
	struct clab_node *node;
	struct clab_zone *zone;
	unsigned long pages = 0;

	clab_for_each_zone(mem, node, zone)
		pages += zone->managed_pages;
	return pages;
}

/**
 * clab_init_min_free_kbytes() - the default min_free_kbytes
 * @mem: the shadow memory
 *
 * As calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16), clamped to
 * [128, 262144], unless a user set a larger value.
 */
void clab_init_min_free_kbytes(struct clab_mem *mem)
{
	unsigned long lowmem_kbytes = clab_lowmem_pages(mem) << (CLAB_PAGE_SHIFT - 10);
	int new = int_sqrt(lowmem_kbytes * 16);

	if (new > mem->user_min_free_kbytes)
		mem->min_free_kbytes = clamp(new, 128, 262144);
}

/*
 * 6.1's setup_per_zone_lowmem_reserve(): zone i keeps back, from a request
 * that may use zones up to j, the managed pages of zones i+1..j divided
 * by zone i's ratio; nothing if the ratio is 0 or zone i is empty.
 */
static void clab_setup_per_zone_lowmem_reserve(struct clab_mem *mem)
{
	struct clab_node *node;
	int i, j;

	clab_for_each_node(mem, node) {
		for (i = 0; i < CLAB_MAX_NR_ZONES; i++) {
			struct clab_zone *zone = &node->zones[i];
			int ratio = clab_lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone->managed_pages;
			unsigned long upper = 0;

			for (j = 0; j <= i; j++)
				zone->lowmem_reserve[j] = 0;
			for (j = i + 1; j < CLAB_MAX_NR_ZONES; j++) {
				upper += node->zones[j].managed_pages;
				zone->lowmem_reserve[j] = clear ? 0 : upper / ratio;
			}
		}
	}
}

/**
 * clab_setup_per_zone_wmarks() - recompute every zone's watermarks
 * @mem: the shadow memory
 *
 * min is the zone's share of min_free_kbytes; low and high each add
 * max(min / 4, managed * watermark_scale_factor / 10000). The boost is
 * reset.
 */
void clab_setup_per_zone_wmarks(struct clab_mem *mem)
{
	unsigned long pages_min = mem->min_free_kbytes >> (CLAB_PAGE_SHIFT - 10);
	unsigned long lowmem = clab_lowmem_pages(mem);
	struct clab_node *node;
	struct clab_zone *zone;

	clab_for_each_zone(mem, node, zone) {
		unsigned long flags, tmp, delta;
		int cpu;

		tmp = lowmem ? div_u64((u64)pages_min * zone->managed_pages, lowmem) : 0;
		delta = max(tmp >> 2, clab_mult_frac(zone->managed_pages,
						     mem->watermark_scale_factor,
						     10000));
		spin_lock_irqsave(&zone->lock, flags);
		zone->_watermark[CLAB_WMARK_MIN] = tmp;
		zone->_watermark[CLAB_WMARK_LOW] = tmp + delta;
		zone->_watermark[CLAB_WMARK_HIGH] = tmp + 2 * delta;
		zone->watermark_boost = 0;
		spin_unlock_irqrestore(&zone->lock, flags);
		/* The per-CPU high mark follows the low watermark, per CPU. */
		for_each_possible_cpu(cpu) {
			struct clab_per_cpu_pages *pcp = per_cpu_ptr(zone->pcp, cpu);

			spin_lock(&pcp->lock);
			pcp->high = max_t(int, 4 * pcp->batch,
					  (tmp + delta) / num_online_cpus());
			spin_unlock(&pcp->lock);
		}
	}
	clab_setup_per_zone_lowmem_reserve(mem);
}

/**
 * clab_set_min_free_kbytes() - the min_free_kbytes tunable
 * @mem: the shadow memory
 * @val: the new value, >= 0
 *
 * Return: 0, or -EINVAL for a negative or too large value.
 */
int clab_set_min_free_kbytes(struct clab_mem *mem, long val)
{
	if (val < 0 || val > INT_MAX)
		return -EINVAL;
	mutex_lock(&mem->tunable_lock);
	mem->min_free_kbytes = val;
	mem->user_min_free_kbytes = val;
	clab_setup_per_zone_wmarks(mem);
	mutex_unlock(&mem->tunable_lock);
	return 0;
}

/**
 * clab_set_watermark_scale_factor() - the watermark_scale_factor tunable
 * @mem: the shadow memory
 * @val: the new value, 1 to 3000 (fractions of 10,000)
 *
 * Return: 0, or -EINVAL out of range.
 */
int clab_set_watermark_scale_factor(struct clab_mem *mem, long val)
{
	if (val < 1 || val > 3000)
		return -EINVAL;
	mutex_lock(&mem->tunable_lock);
	mem->watermark_scale_factor = val;
	clab_setup_per_zone_wmarks(mem);
	mutex_unlock(&mem->tunable_lock);
	return 0;
}

/**
 * clab_set_watermark_boost_factor() - the watermark_boost_factor tunable
 * @mem: the shadow memory
 * @val: the new value, >= 0 (fractions of 10,000 of the high watermark)
 *
 * Return: 0, or -EINVAL out of range.
 */
int clab_set_watermark_boost_factor(struct clab_mem *mem, long val)
{
	if (val < 0 || val > INT_MAX)
		return -EINVAL;
	WRITE_ONCE(mem->watermark_boost_factor, val);
	return 0;
}

/**
 * clab_boost_watermark() - raise a zone's boost after a fragmenting fallback
 * @zone: the zone, locked
 *
 * Adds a pageblock's worth, up to max(pageblock, high * factor / 10000).
 * Nothing for zones under four pageblocks or with the factor at 0.
 *
 * Return: true if the boost was raised.
 */
bool clab_boost_watermark(struct clab_zone *zone)
{
	int factor = READ_ONCE(clab_zone_mem(zone)->watermark_boost_factor);
	unsigned long max_boost;

	lockdep_assert_held(&zone->lock);
	if (!factor)
		return false;
	if (CLAB_PAGEBLOCK_PAGES * 4 > zone->managed_pages)
		return false;
	max_boost = clab_mult_frac(zone->_watermark[CLAB_WMARK_HIGH], factor, 10000);
	if (!max_boost)
		return false;
	max_boost = max(CLAB_PAGEBLOCK_PAGES, max_boost);
	zone->watermark_boost = min(zone->watermark_boost + CLAB_PAGEBLOCK_PAGES,
				    max_boost);
	return true;
}
