// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/compactlab/: observability, not ABI.
 *
 *   arena          the backend, the physical ranges, page and pageblock counts
 *   pattern_check  write a seed: fill every arena page with a pattern and
 *                  verify it; read: the last result
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <compactlab/arena.h>
#include "interfaces.h"

static struct dentry *clab_debugfs_root;

/* Serialises pattern checks; they write every page of the arena. */
static DEFINE_MUTEX(clab_pattern_lock);

static const char * const clab_backend_names[] = {
	[CLAB_ARENA_RESERVED] = "reserved",
	[CLAB_ARENA_BORROWED] = "borrowed",
};

static int clab_arena_show(struct seq_file *m, void *v)
{
	struct clab_arena *arena = m->private;
	unsigned int i = 0, ranges = 0;

	seq_printf(m, "backend:         %s\n", clab_backend_names[arena->backend]);
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
		seq_printf(m, "range %u: phys 0x%012llx-0x%012llx pfn 0x%lx-0x%lx index %lu-%lu\n",
			   ranges++, (u64)start << PAGE_SHIFT,
			   ((u64)end << PAGE_SHIFT) - 1, start, end - 1,
			   first << CLAB_CHUNK_ORDER,
			   (first << CLAB_CHUNK_ORDER) + (end - start) - 1);
	}
	seq_printf(m, "ranges:          %u\n", ranges);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(clab_arena);

static int clab_pattern_show(struct seq_file *m, void *v)
{
	struct clab_arena *arena = m->private;

	mutex_lock(&clab_pattern_lock);
	seq_printf(m, "seed %llu pages %lu mismatches %lu\n", arena->pattern_seed,
		   arena->pattern_pages, arena->pattern_mismatches);
	mutex_unlock(&clab_pattern_lock);
	return 0;
}

static int clab_pattern_open(struct inode *inode, struct file *file)
{
	return single_open(file, clab_pattern_show, inode->i_private);
}

static ssize_t clab_pattern_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct clab_arena *arena = file_inode(file)->i_private;
	u64 seed;
	int ret;

	ret = kstrtou64_from_user(ubuf, count, 0, &seed);
	if (ret) {
		pr_info("pattern_check: expected a numeric seed\n");
		return ret;
	}
	if (!mutex_trylock(&clab_pattern_lock))
		return -EBUSY;
	clab_arena_pattern_check(arena, seed);
	mutex_unlock(&clab_pattern_lock);
	return count;
}

static const struct file_operations clab_pattern_fops = {
	.owner = THIS_MODULE,
	.open = clab_pattern_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = clab_pattern_write,
};

/**
 * clab_debugfs_init() - create /sys/kernel/debug/compactlab
 * @arena: the arena the files describe
 *
 * debugfs failures are not errors: the module works without it.
 */
void clab_debugfs_init(struct clab_arena *arena)
{
	clab_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("arena", 0400, clab_debugfs_root, arena,
			    &clab_arena_fops);
	debugfs_create_file("pattern_check", 0600, clab_debugfs_root, arena,
			    &clab_pattern_fops);
}

/**
 * clab_debugfs_exit() - remove /sys/kernel/debug/compactlab
 */
void clab_debugfs_exit(void)
{
	debugfs_remove(clab_debugfs_root);
}
