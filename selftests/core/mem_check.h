/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem_check.h - build a shadow memory for a test, and check every invariant
 * of the buddy allocator over it.
 */
#ifndef _CLAB_MEM_CHECK_H
#define _CLAB_MEM_CHECK_H

#include <compactlab/mmzone.h>

struct clab_mem *test_mem_create(const char *size, unsigned int nodes,
				 const char *kernelcore, const char *movablecore);
void test_mem_destroy(struct clab_mem *mem);
int mem_check(struct clab_mem *mem);
unsigned long mem_free_pages(struct clab_mem *mem);

#endif
