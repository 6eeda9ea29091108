// SPDX-License-Identifier: GPL-2.0
/*
 * clab_policy_budget.c - an example compaction policy for compactlab:
 * Linux's compaction with a migration budget.
 *
 * The kernel compacts a zone until the wanted block is free or its two
 * scanners meet, however many pages that moves. Policy "budget" runs the
 * same scanners (clab_compact_zone_scanners()) but adds a stop rule: a
 * compaction of one zone stops, as if the scanners had met part-way
 * (PARTIAL_SKIPPED), once it has migrated "budget" pages. Its cost is then
 * bounded, at the price of blocks left half-emptied.
 *
 *   insmod clab_policy_budget.ko budget=256     (after compactlab.ko)
 *   echo budget > /sys/kernel/compactlab/policy
 *   echo 64 > /sys/module/clab_policy_budget/parameters/budget
 *
 * Documentation/policies.rst walks through this file.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <compactlab/policy.h>

static unsigned int budget = 256;
module_param(budget, uint, 0644);
MODULE_PARM_DESC(budget,
		 "Pages one compaction of a zone may migrate (0: no limit)");

/*
 * The stop rule. @verdict is the kernel's (compact_finished()): CONTINUE,
 * or why to stop; the budget only ever stops earlier.
 */
static enum clab_compact_result budget_finished(struct clab_compact_control *cc,
						enum clab_compact_result verdict)
{
	unsigned int limit = READ_ONCE(budget);

	if (verdict != CLAB_COMPACT_CONTINUE || !limit ||
	    cc->nr_migrated < limit)
		return verdict;
	return CLAB_COMPACT_PARTIAL_SKIPPED;
}

static struct clab_policy_ops budget_policy = {
	.name = "budget",
	.owner = THIS_MODULE,
	.compact_zone = clab_compact_zone_scanners,
	.finished = budget_finished,
};

static int __init budget_init(void)
{
	return clab_register_policy(&budget_policy);
}

static void __exit budget_exit(void)
{
	clab_unregister_policy(&budget_policy);
}

module_init(budget_init);
module_exit(budget_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("compactlab example policy: Linux's compaction with a migration budget");
MODULE_SOFTDEP("pre: compactlab");
