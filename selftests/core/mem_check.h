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
struct clab_mem *test_mem_create_backend(const char *backend, const char *size,
					 unsigned int nodes,
					 const char *kernelcore,
					 const char *movablecore);
struct clab_mem *test_mem_create_config(const char *backend, const char *size,
					const struct clab_mem_config *cfg);
void test_mem_destroy(struct clab_mem *mem);
int mem_check(struct clab_mem *mem);
unsigned long mem_free_pages(struct clab_mem *mem);

/* The zone the tests use: node 0's Normal zone. */
static inline struct clab_zone *zone0(struct clab_mem *mem)
{
	return &mem->nodes[0].zones[CLAB_ZONE_NORMAL];
}

#endif
