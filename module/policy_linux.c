// SPDX-License-Identifier: GPL-2.0
/*
 * policy_linux.c - policy linux: Linux 6.1's compaction, rule for rule.
 *
 * The migrate scanner empties blocks from the bottom of the zone, the free
 * scanner takes their new homes from the top, and compact_finished()
 * decides when to stop (clab_compact_zone_scanners()). Every departure from
 * 6.1 that an arena forces is listed in Documentation/design.rst. The
 * default policy, and the one each shadow memory falls back to.
 */
#include <compactlab/policy.h>

struct clab_policy_ops clab_policy_linux = {
	.name = "linux",
	.compact_zone = clab_compact_zone_scanners,
};
