// SPDX-License-Identifier: GPL-2.0
/*
 * test_extfrag.c - the fragmentation indices against the worked example of
 * the reference (kernel-compaction.md 3.3): the kernel's /proc/buddyinfo
 * snapshot of 3.1 plus one synthetic fragmented zone, printed in the
 * formats of /sys/kernel/debug/extfrag/{unusable_index,extfrag_index}.
 */
#include <compactlab/extfrag.h>
#include "tap.h"

struct extfrag_case {
	const char *name;
	unsigned long nr_free[CLAB_NR_ORDERS];
	const char *unusable;		/* values of an unusable_index line */
	const char *extfrag;		/* values of an extfrag_index line */
	unsigned int score;		/* clab_extfrag_for_order(zone, 9) */
};

#define ALL_SUCCEED "-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "

static const struct extfrag_case cases[] = {
	{
		.name = "DMA",
		.nr_free = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3 },
		.unusable = "0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.066 0.200 ",
		.extfrag = ALL_SUCCEED,
		.score = 6,
	},
	{
		.name = "DMA32",
		.nr_free = { 1, 3, 4, 2, 5, 4, 3, 4, 5, 3, 751 },
		.unusable = "0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.001 0.002 0.004 ",
		.extfrag = ALL_SUCCEED,
		.score = 0,
	},
	{
		.name = "Normal",
		.nr_free = { 1821, 502, 685, 716, 328, 81, 266, 440, 230, 87,
			     152 },
		.unusable = "0.000 0.005 0.008 0.015 0.032 0.047 0.054 0.102 0.263 0.430 0.557 ",
		.extfrag = ALL_SUCCEED,
		.score = 43,
	},
	{
		.name = "Synth",
		.nr_free = { 5000, 2000, 800, 300, 100, 20, 5, 0, 0, 0, 0 },
		.unusable = "0.000 0.291 0.524 0.710 0.850 0.944 0.981 1.000 1.000 1.000 1.000 ",
		.extfrag =
			"-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000  0.984  0.992  0.996  0.998 ",
		.score = 100,
	},
};

static void make_zone(struct clab_zone *zone, const unsigned long *nr_free)
{
	unsigned int o;

	memset(zone, 0, sizeof(*zone));
	for (o = 0; o < CLAB_NR_ORDERS; o++)
		zone->free_area[o].nr_free = nr_free[o];
}

/* The values of one debugfs line, with the kernel's format strings. */
static void print_indices(struct clab_zone *zone, bool extfrag, char *buf,
			  size_t size)
{
	struct clab_contig_page_info info;
	size_t len = 0;
	unsigned int o;
	int index;

	buf[0] = '\0';
	for (o = 0; o < CLAB_NR_ORDERS; o++) {
		clab_fill_contig_page_info(zone, o, &info);
		if (extfrag) {
			index = __clab_fragmentation_index(o, &info);
			len += snprintf(buf + len, size - len, "%2d.%03d ",
					index / 1000, index % 1000);
		} else {
			index = clab_unusable_free_index(o, &info);
			len += snprintf(buf + len, size - len, "%d.%03d ",
					index / 1000, index % 1000);
		}
	}
}

static bool check_line(const char *what, const char *name, const char *got,
		       const char *want)
{
	if (!strcmp(got, want))
		return true;
	DIAG("%s %s:", what, name);
	DIAG("  got  '%s'", got);
	DIAG("  want '%s'", want);
	return false;
}

static void test_unusable_index(void)
{
	static struct clab_zone zone;	/* large: off the kernel stack */
	char buf[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_zone(&zone, cases[i].nr_free);
		print_indices(&zone, false, buf, sizeof(buf));
		CHECK(check_line("unusable_index", cases[i].name, buf,
				 cases[i].unusable));
	}
}

static void test_extfrag_index(void)
{
	static struct clab_zone zone;	/* large: off the kernel stack */
	char buf[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_zone(&zone, cases[i].nr_free);
		print_indices(&zone, true, buf, sizeof(buf));
		CHECK(check_line("extfrag_index", cases[i].name, buf,
				 cases[i].extfrag));
	}
}

/* The reference's arithmetic spelled out for Synth at order 7. */
static void test_contig_page_info_synth(void)
{
	struct clab_contig_page_info info;
	static struct clab_zone zone;	/* large: off the kernel stack */

	make_zone(&zone, cases[3].nr_free);
	clab_fill_contig_page_info(&zone, 7, &info);
	CHECK_EQ(info.free_pages, 17160);
	CHECK_EQ(info.free_blocks_total, 8225);
	CHECK_EQ(info.free_blocks_suitable, 0);
	CHECK_EQ(__clab_fragmentation_index(7, &info), 984);
	CHECK_EQ(clab_fragmentation_index(&zone, 7), 984);
	CHECK_EQ(clab_fragmentation_index(&zone, 6), -1000);

	clab_fill_contig_page_info(&zone, 2, &info);
	CHECK_EQ(info.free_blocks_suitable, 800 + 300 * 2 + 100 * 4 +
		 20 * 8 + 5 * 16);
}

static void test_extfrag_for_order(void)
{
	static struct clab_zone zone;	/* large: off the kernel stack */
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_zone(&zone, cases[i].nr_free);
		CHECK_EQ(clab_extfrag_for_order(&zone, 9), cases[i].score);
		CHECK_EQ(clab_fragmentation_score_zone(&zone), cases[i].score);
		CHECK_EQ(clab_extfrag_for_order(&zone, 0), 0);
	}
}

/* No free memory: all unusable, no fragmentation, score 0. */
static void test_empty_zone(void)
{
	static const unsigned long none[CLAB_NR_ORDERS];
	struct clab_contig_page_info info;
	static struct clab_zone zone;	/* large: off the kernel stack */
	unsigned int o;

	make_zone(&zone, none);
	for (o = 0; o < CLAB_NR_ORDERS; o++) {
		clab_fill_contig_page_info(&zone, o, &info);
		CHECK_EQ(clab_unusable_free_index(o, &info), 1000);
		CHECK_EQ(__clab_fragmentation_index(o, &info), 0);
		CHECK_EQ(clab_extfrag_for_order(&zone, o), 0);
	}
}

/* Only order-0 pages: an order-1 request fails for fragmentation. */
static void test_all_order0(void)
{
	static const unsigned long order0[CLAB_NR_ORDERS] = { 1000 };
	static struct clab_zone zone;	/* large: off the kernel stack */

	make_zone(&zone, order0);
	/* 1000 - (1000 + 1000 * 1000 / 2) / 1000 = 1000 - 501 */
	CHECK_EQ(clab_fragmentation_index(&zone, 1), 499);
	/* 1000 - (1000 + 1000 * 1000 / 1024) / 1000 = 1000 - 1 */
	CHECK_EQ(clab_fragmentation_index(&zone, CLAB_MAX_ORDER), 999);
	CHECK_EQ(clab_fragmentation_index(&zone, 0), -1000);
	CHECK_EQ(clab_extfrag_for_order(&zone, 1), 100);
}

/*
 * A node of Normal (1 GiB, the Normal snapshot, score 43) and Movable
 * (128 MiB, the Synth zone, score 100): weights managed / (node pages + 1).
 */
static void test_fragmentation_score_node(void)
{
	static struct clab_node node;	/* large: off the kernel stack */
	struct clab_zone *normal = &node.zones[CLAB_ZONE_NORMAL];
	struct clab_zone *movable = &node.zones[CLAB_ZONE_MOVABLE];

	memset(&node, 0, sizeof(node));
	make_zone(normal, cases[2].nr_free);
	make_zone(movable, cases[3].nr_free);
	node.start = 0;
	node.end = 262144 + 32768;
	normal->node = &node;
	normal->start = 0;
	normal->end = 262144;
	normal->managed_pages = 262144;
	movable->node = &node;
	movable->type = CLAB_ZONE_MOVABLE;
	movable->start = 262144;
	movable->end = node.end;
	movable->managed_pages = 32768;

	/* 262144 * 43 / 294913 = 38.2; 32768 * 100 / 294913 = 11.1 */
	CHECK_EQ(clab_fragmentation_score_zone_weighted(normal), 38);
	CHECK_EQ(clab_fragmentation_score_zone_weighted(movable), 11);
	CHECK_EQ(clab_fragmentation_score_node(&node), 49);

	/* An empty zone does not count. */
	movable->end = movable->start;
	node.end = 262144;
	/* 262144 * 43 / 262145 = 42.99 */
	CHECK_EQ(clab_fragmentation_score_node(&node), 42);
}

#define EXTFRAG_CASES(X) \
	X(test_unusable_index) \
	X(test_extfrag_index) \
	X(test_contig_page_info_synth) \
	X(test_extfrag_for_order) \
	X(test_empty_zone) \
	X(test_all_order0) \
	X(test_fragmentation_score_node)

CLAB_TEST_SUITE(extfrag, EXTFRAG_CASES);
