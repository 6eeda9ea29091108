// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init and exit: parameters, and wiring the core to its
 * interfaces. Nothing else lives here.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <compactlab/arena.h>
#include <compactlab/compaction.h>
#include <compactlab/vmstat.h>
#include "bench.h"
#include "interfaces.h"
#include "kmirror.h"

static char *arena_backend;
module_param(arena_backend, charp, 0444);
MODULE_PARM_DESC(arena_backend,
		 "Where the arena's memory comes from: reserved (needs arena_base), borrowed, or virtual (page descriptors only, no memory; needs arena_size); unset: reserved with arena_base, else borrowed");

/*
 * A physical address, so a hardware parameter (refused under lockdown), and
 * like /proc/iomem readable by root alone.
 */
static char *arena_base;
module_param_hw(arena_base, charp, iomem, 0400);
MODULE_PARM_DESC(arena_base,
		 "Physical base of a reserved arena (e.g. 0x30000000); unset: borrow memory from the kernel");

static char *arena_size;
module_param(arena_size, charp, 0400);
MODULE_PARM_DESC(arena_size,
		 "Arena size in memparse syntax (e.g. 128M); default 64M for a borrowed arena; a virtual arena up to 1T, its descriptors at most half of RAM");

static unsigned int nodes = 1;
module_param(nodes, uint, 0444);
MODULE_PARM_DESC(nodes, "Shadow NUMA nodes the arena is split into (1 to 4)");

static char *kernelcore;
module_param(kernelcore, charp, 0444);
MODULE_PARM_DESC(kernelcore,
		 "Pages kept out of ZONE_MOVABLE, as the boot parameter: a size (64M) or a percentage (50%)");

static char *movablecore;
module_param(movablecore, charp, 0444);
MODULE_PARM_DESC(movablecore,
		 "Pages given to ZONE_MOVABLE, as the boot parameter: a size (64M) or a percentage (50%)");

static char *dma_limit;
module_param(dma_limit, charp, 0444);
MODULE_PARM_DESC(dma_limit,
		 "Zone plan: the arena's first SIZE (a multiple of the largest block, e.g. 16M) is ZONE_DMA; unset for none");

static char *dma32_limit;
module_param(dma32_limit, charp, 0444);
MODULE_PARM_DESC(dma32_limit,
		 "Zone plan: ZONE_DMA32 ends at arena offset SIZE (e.g. 4G, past the end for all); unset for none; the rest is ZONE_NORMAL");

static unsigned int fail_init_step;
module_param(fail_init_step, uint, 0444);
MODULE_PARM_DESC(fail_init_step,
		 "Testing: make init step N (1 arena, 2 shadow memory, 3 threads, 4 sysfs, 5 device) fail with ENOMEM after it succeeded, to exercise the unwinding");

static struct clab_arena *clab_arena;
static struct clab_mem clab_mem;

/*
 * Set (with release) once init has fully succeeded, cleared when exit
 * starts. Until then every interface refuses work: sysfs files and the
 * device are visible before init ends, and an init that fails frees what
 * they would use.
 */
static bool clab_ready;

/**
 * clab_interfaces_ready() - may an interface call into the core now?
 * @what: the file or operation asking, for the log line
 *
 * Return: true once init has fully succeeded (and until exit starts);
 * false, with a rate-limited log line, before.
 */
bool clab_interfaces_ready(const char *what)
{
	/* Pairs with the release at the end of clab_init(). */
	if (smp_load_acquire(&clab_ready))
		return true;
	pr_info_ratelimited("%s: refused: the module is not initialised\n", what);
	return false;
}

/* Does fault injection ask init step @step to fail? Logs when it does. */
static bool clab_init_step_fails(unsigned int step)
{
	if (fail_init_step != step)
		return false;
	pr_info("fail_init_step=%u: failing init step %u\n", step, step);
	return true;
}

static void clab_stop_threads(struct clab_mem *mem)
{
	struct clab_node *node;

	clab_for_each_node(mem, node) {
		clab_kcompactd_stop(node);
		clab_kswapd_stop(node);
	}
}

/* One kcompactd and one kswapd per shadow node. */
static int clab_start_threads(struct clab_mem *mem)
{
	struct clab_node *node;
	int ret;

	clab_for_each_node(mem, node) {
		ret = clab_kswapd_run(node);
		if (!ret)
			ret = clab_kcompactd_run(node);
		if (ret) {
			clab_stop_threads(mem);
			return ret;
		}
	}
	return 0;
}

static int __init clab_init(void)
{
	struct clab_arena_params params;
	struct clab_mem_config cfg;
	const char *why = "";
	int ret;

	ret = clab_arena_parse_params(arena_backend, arena_base, arena_size,
				      &params, &why);
	if (ret) {
		pr_err("refusing arena_backend=%s arena_base=%s arena_size=%s: %s\n",
		       arena_backend ?: "(unset)", arena_base ?: "(unset)",
		       arena_size ?: "(unset)", why);
		return ret;
	}
	clab_arena = clab_arena_create(&params, &why);
	if (IS_ERR(clab_arena)) {
		ret = PTR_ERR(clab_arena);
		pr_err("cannot create the %s arena at 0x%llx size 0x%llx: %s (%d)\n",
		       clab_arena_backend_names[params.backend], params.base,
		       params.size, why, ret);
		return ret;
	}
	if (clab_init_step_fails(1)) {
		ret = -ENOMEM;
		goto destroy_arena;
	}
	cfg.nodes = nodes;
	cfg.kernelcore = kernelcore;
	cfg.movablecore = movablecore;
	cfg.dma_limit = dma_limit;
	cfg.dma32_limit = dma32_limit;
	ret = clab_mem_init(&clab_mem, clab_arena, &cfg, &why);
	if (ret) {
		pr_err("refusing nodes=%u kernelcore=%s movablecore=%s dma_limit=%s dma32_limit=%s: %s\n",
		       nodes, kernelcore ?: "(unset)", movablecore ?: "(unset)",
		       dma_limit ?: "(unset)", dma32_limit ?: "(unset)", why);
		goto destroy_arena;
	}
	if (clab_init_step_fails(2)) {
		ret = -ENOMEM;
		goto exit_mem;
	}
	clab_reset_vm_events();
	ret = clab_start_threads(&clab_mem);
	if (ret) {
		pr_err("cannot start kswapd and kcompactd threads (%d)\n", ret);
		goto exit_mem;
	}
	if (clab_init_step_fails(3)) {
		ret = -ENOMEM;
		goto stop_threads;
	}
	ret = clab_sysfs_init(&clab_mem);
	if (ret)
		goto stop_threads;
	if (clab_init_step_fails(4)) {
		ret = -ENOMEM;
		goto exit_sysfs;
	}
	clab_debugfs_init(&clab_mem);
	clab_bench_init(&clab_mem);
	ret = clab_chardev_init(&clab_mem);
	if (ret)
		goto exit_debugfs;
	if (clab_init_step_fails(5)) {
		ret = -ENOMEM;
		goto exit_chardev;
	}
	/*
	 * Nothing fails from here on: open the interfaces for work. The
	 * release orders every init store before it (pairs with the acquire
	 * in clab_interfaces_ready()).
	 */
	smp_store_release(&clab_ready, true);
	return 0;

exit_chardev:
	clab_chardev_exit();
exit_debugfs:
	clab_bench_exit();
	clab_debugfs_exit();
exit_sysfs:
	clab_sysfs_exit();
stop_threads:
	clab_stop_threads(&clab_mem);
exit_mem:
	clab_mem_exit(&clab_mem);
destroy_arena:
	clab_arena_destroy(clab_arena);
	return ret;
}

static void __exit clab_exit(void)
{
	WRITE_ONCE(clab_ready, false);
	clab_chardev_exit();
	clab_bench_exit();
	clab_debugfs_exit();
	clab_sysfs_exit();
	/* Unload while mirroring: the probes go before anything they use. */
	clab_kmirror_stop();
	clab_stop_threads(&clab_mem);
	clab_mem_exit(&clab_mem);
	clab_arena_destroy(clab_arena);
}

module_init(clab_init);
module_exit(clab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("compactlab: Linux memory compaction as a loadable experiment");
MODULE_AUTHOR("The compactlab developers");
