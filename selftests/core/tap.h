/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a minimal TAP 13 producer for the user-space core tests.
 *
 * A test function returns nothing and records failures with CHECK(); each
 * RUN_TEST() prints one "ok N - name" or "not ok N - name" line.
 */
#ifndef _CLAB_TAP_H
#define _CLAB_TAP_H

#include <stdio.h>

static int tap_n, tap_failed, tap_case_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("  # %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		tap_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		printf("  # %s:%d: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, #a, __a, #b, __b);		\
		tap_case_failed = 1;					\
	}								\
} while (0)

#define RUN_TEST(fn) do {						\
	tap_case_failed = 0;						\
	fn();								\
	printf("%sok %d - %s\n", tap_case_failed ? "not " : "", ++tap_n, #fn); \
	tap_failed += tap_case_failed;					\
	fflush(stdout);							\
} while (0)

#define TAP_PLAN(n)	printf("TAP version 13\n1..%d\n", (n))
#define TAP_EXIT()	return tap_failed ? 1 : 0

#endif /* _CLAB_TAP_H */
