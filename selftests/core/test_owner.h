/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_owner.h - an owner of arena pages for the user-space tests: a table
 * from keys to pages, like /dev/compactlab's files, with content patterns
 * so that tests can check that migration kept every byte.
 */
#ifndef _CLAB_TEST_OWNER_H
#define _CLAB_TEST_OWNER_H

#include <compactlab/mmzone.h>
#include <compactlab/owner.h>

struct test_owner {
	struct clab_owner owner;
	struct clab_mem *mem;
	struct clab_page **table;
	unsigned long nkeys;
	int refs;
	int locked;
	unsigned long unmaps, moves, drops;
};

struct test_owner *test_owner_create(struct clab_mem *mem, unsigned long nkeys);
void test_owner_destroy(struct test_owner *o);
struct test_owner *test_cache_create(struct clab_mem *mem, unsigned long nkeys);
struct clab_page *test_owner_alloc(struct test_owner *o, unsigned long key,
				   unsigned int gfp);
void test_owner_free(struct test_owner *o, unsigned long key);
void test_owner_pin(struct test_owner *o, unsigned long key);
unsigned long test_owner_fill_arena(struct test_owner *o);
struct test_owner *test_owner_fill(struct clab_mem *mem);
struct test_owner *test_owner_fragment(struct clab_mem *mem, unsigned int stride);
unsigned long test_owner_pfn(struct test_owner *o, unsigned long key);
unsigned long test_owner_verify(struct test_owner *o);

#endif
