// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init and exit: parameters, and wiring the core to its
 * interfaces. Nothing else lives here.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <compactlab/arena.h>
#include "interfaces.h"

static char *arena_base;
module_param(arena_base, charp, 0444);
MODULE_PARM_DESC(arena_base,
		 "Physical base of a reserved arena (e.g. 0x30000000); unset: borrow memory from the kernel");

static char *arena_size;
module_param(arena_size, charp, 0444);
MODULE_PARM_DESC(arena_size,
		 "Arena size in memparse syntax (e.g. 128M); default 64M for a borrowed arena");

static struct clab_arena *clab_arena;

static int __init clab_init(void)
{
	struct clab_arena_params params;
	const char *why = "";
	int ret;

	ret = clab_arena_parse_params(arena_base, arena_size, &params, &why);
	if (ret) {
		pr_err("refusing arena_base=%s arena_size=%s: %s\n",
		       arena_base ?: "(unset)", arena_size ?: "(unset)", why);
		return ret;
	}
	clab_arena = clab_arena_create(&params, &why);
	if (IS_ERR(clab_arena)) {
		ret = PTR_ERR(clab_arena);
		pr_err("cannot create the %s arena at 0x%llx size 0x%llx: %s (%d)\n",
		       params.reserved ? "reserved" : "borrowed", params.base,
		       params.size, why, ret);
		return ret;
	}
	ret = clab_sysfs_init(clab_arena);
	if (ret)
		goto destroy_arena;
	clab_debugfs_init(clab_arena);
	return 0;

destroy_arena:
	clab_arena_destroy(clab_arena);
	return ret;
}

static void __exit clab_exit(void)
{
	clab_debugfs_exit();
	clab_sysfs_exit();
	clab_arena_destroy(clab_arena);
}

module_init(clab_init);
module_exit(clab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("compactlab: Linux memory compaction as a loadable experiment");
MODULE_AUTHOR("The compactlab developers");
