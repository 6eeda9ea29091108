/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - compaction policies: the decisions a compaction makes, as an
 * ops structure, and the registry of policies that a module can add to.
 *
 * compactlab provides three policies: linux (Linux 6.1's two scanners),
 * tuned (the same scanners with compactlab's improvements) and min_moves.
 * Another module adds one with clab_register_policy() and removes it with
 * clab_unregister_policy(); users select one by writing its name to
 * /sys/kernel/compactlab/policy. Documentation/policies.rst walks through
 * writing one.
 */
#ifndef _COMPACTLAB_POLICY_H
#define _COMPACTLAB_POLICY_H

#include <compactlab/compaction.h>

struct module;

/*
 * Flags of struct clab_policy_ops. CLAB_POLICY_TUNED_RULES: compactions
 * that run this policy, and the slow path and kcompactd's proactive passes
 * while it is selected, follow policy tuned's rules where tuned differs
 * from Linux 6.1 (Documentation/design.rst, "What tuned does better"), not
 * linux's. A policy that calls clab_compact_zone_scanners() with it set
 * builds on tuned rather than on the kernel.
 */
#define CLAB_POLICY_TUNED_RULES	BIT(0)

/* The longest policy name, without its terminating NUL. */
#define CLAB_POLICY_NAME_MAX	15

/**
 * struct clab_policy_ops - a compaction policy
 * @name: what users write to /sys/kernel/compactlab/policy: 1 to
 *	CLAB_POLICY_NAME_MAX characters of a-z, 0-9 and '_', unique
 * @flags: CLAB_POLICY_TUNED_RULES, or 0 for Linux 6.1's rules
 * @owner: the module that provides the callbacks (THIS_MODULE); each
 *	compaction that runs the policy holds a reference on it, so that the
 *	module cannot be unloaded under it
 * @compact_zone: compact one zone (required). Called with @cc checked for
 *	suitability and its scanners placed (cc->migrate_pfn, cc->free_pfn);
 *	decides which blocks to empty and where their pages go, and returns
 *	how it ended. clab_compact_zone_scanners() is the kernel's way: the
 *	migrate scanner empties blocks from the bottom of the zone into free
 *	pages that the free scanner takes from the top.
 * @finished: when to stop (optional). Called by clab_compact_zone_scanners()
 *	before each batch with the kernel's verdict (CLAB_COMPACT_CONTINUE, or
 *	why to stop: SUCCESS, COMPLETE, PARTIAL_SKIPPED, CONTENDED); returns the
 *	verdict to act on. NULL keeps the kernel's rule (compact_finished()).
 * @proactive_compact_zone: what kcompactd's proactive pass runs in a zone
 *	while this policy is selected (optional; cc->proactive_compaction is
 *	set). NULL leaves the pass to the policy kcompactd asks for (linux:
 *	the kernel's scanners, stopping at the low fragmentation score mark).
 * @list: the registry's link (private)
 *
 * Callbacks run in process context, may sleep, and must not hold locks
 * across calls into the core that sleep. They see the compaction's
 * control (include/compactlab/compaction.h) and may call the exported
 * parts of the core.
 */
struct clab_policy_ops {
	const char *name;
	unsigned int flags;
	struct module *owner;
	enum clab_compact_result (*compact_zone)(struct clab_compact_control *cc);
	enum clab_compact_result (*finished)(struct clab_compact_control *cc,
					     enum clab_compact_result verdict);
	enum clab_compact_result (*proactive_compact_zone)(struct clab_compact_control *cc);
	struct list_head list;
};

/* The policies compactlab provides (module/policy_*.c, min_moves.c). */
extern struct clab_policy_ops clab_policy_linux;
extern struct clab_policy_ops clab_policy_tuned;
extern struct clab_policy_ops clab_policy_min_moves;

/* Exported to policy modules (GPL). */
int clab_register_policy(struct clab_policy_ops *ops);
void clab_unregister_policy(struct clab_policy_ops *ops);
enum clab_compact_result clab_compact_zone_scanners(struct clab_compact_control *cc);

/* The registry, for the core and the interfaces (module/policy.c). */
void clab_policy_attach(struct clab_mem *mem);
void clab_policy_detach(struct clab_mem *mem);
const struct clab_policy_ops *clab_policy_get(struct clab_mem *mem,
					      const struct clab_policy_ops *want);
void clab_policy_put(const struct clab_policy_ops *ops);
int clab_select_policy(struct clab_mem *mem, const char *name);
size_t clab_policy_list(struct clab_mem *mem, char *buf, size_t size);
bool clab_policy_registered(const char *name);

#endif /* _COMPACTLAB_POLICY_H */
