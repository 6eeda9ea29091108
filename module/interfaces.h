/* SPDX-License-Identifier: GPL-2.0 */
/*
 * interfaces.h - how main.c wires the user-facing interfaces to the core.
 */
#ifndef _CLAB_INTERFACES_H
#define _CLAB_INTERFACES_H

struct clab_mem;

bool clab_interfaces_ready(const char *what);

int clab_sysfs_init(struct clab_mem *mem);
void clab_sysfs_exit(void);
void clab_debugfs_init(struct clab_mem *mem);
void clab_debugfs_exit(void);
int clab_chardev_init(struct clab_mem *mem);
void clab_chardev_exit(void);

#endif /* _CLAB_INTERFACES_H */
