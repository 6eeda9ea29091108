// SPDX-License-Identifier: GPL-2.0
/*
 * policy_tuned.c - policy tuned: the kernel's two scanners with
 * compactlab's improvements, to be measured against policy linux.
 *
 * It runs the same scanners as linux; where they do better than 6.1 they
 * ask clab_compact_is_tuned() (include/compactlab/compaction.h), which
 * reads the CLAB_POLICY_TUNED_RULES flag (a policy module may set it too).
 * Documentation/design.rst lists the improvements.
 */
#include <compactlab/policy.h>

struct clab_policy_ops clab_policy_tuned = {
	.name = "tuned",
	.flags = CLAB_POLICY_TUNED_RULES,
	.compact_zone = clab_compact_zone_scanners,
};
