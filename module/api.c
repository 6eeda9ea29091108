// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - what compactlab exports to other modules: the registration of
 * compaction policies and the kernel's scanners for them to reuse
 * (include/compactlab/policy.h, Documentation/policies.rst).
 *
 * The exports live here, in the module's glue, rather than beside the
 * functions: the core is also built into the KUnit module, which must not
 * export the same symbols.
 */
#include <linux/export.h>
#include <compactlab/policy.h>

EXPORT_SYMBOL_GPL(clab_register_policy);
EXPORT_SYMBOL_GPL(clab_unregister_policy);
EXPORT_SYMBOL_GPL(clab_compact_zone_scanners);
