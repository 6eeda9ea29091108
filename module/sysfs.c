// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - /sys/kernel/compactlab/: the tunables and triggers (the ABI).
 *
 * sysfs only parses and stores user input and calls the core; it never runs
 * long work under its own lock. Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-compactlab.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "interfaces.h"

static struct kobject *clab_kobj;

/**
 * clab_sysfs_init() - create /sys/kernel/compactlab
 * @arena: the arena the files describe
 *
 * Return: 0 or -ENOMEM.
 */
int clab_sysfs_init(struct clab_arena *arena)
{
	clab_kobj = kobject_create_and_add(KBUILD_MODNAME, kernel_kobj);
	return clab_kobj ? 0 : -ENOMEM;
}

/**
 * clab_sysfs_exit() - remove /sys/kernel/compactlab
 */
void clab_sysfs_exit(void)
{
	kobject_put(clab_kobj);
}
