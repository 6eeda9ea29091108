/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - the checks of the core tests, for their two builds.
 *
 * User space (selftests/core/Makefile, ASan and UBSan): every case prints
 * one TAP 13 line, "ok N - name" or "not ok N - name", with the failed
 * checks as diagnostics before it.
 *
 * Kernel (selftests/kunit, the debug kernel, KASAN and lockdep): every case
 * is a KUnit case of the file's suite, "compactlab_<name>"; a failed check
 * fails the case with KUNIT_FAIL(), and the results are KTAP.
 *
 * A case is a "static void fn(void)" that records failures with CHECK()
 * and CHECK_EQ() and prints figures with DIAG(). A file ends with its list
 * of cases, as an X-macro, and the suite:
 *
 *	#define EXTFRAG_CASES(X) X(test_reference_example) X(test_score)
 *	CLAB_TEST_SUITE(extfrag, EXTFRAG_CASES)
 *
 * TEST_ASSERT() is for the test helpers' own invariants: it aborts the
 * program in user space and fails the case in the kernel.
 */
#ifndef _CLAB_TAP_H
#define _CLAB_TAP_H

#ifdef __KERNEL__

#include <kunit/test.h>

/* The running case (cases run one at a time); set by the case wrapper. */
extern struct kunit *clab_kunit_test;

#define CLAB_TEST_FAIL(fmt, ...) KUNIT_FAIL(clab_kunit_test, fmt, ##__VA_ARGS__)
#define DIAG(fmt, ...)	kunit_info(clab_kunit_test, fmt, ##__VA_ARGS__)
#define TEST_ASSERT(cond) do {						\
	if (!(cond))							\
		CLAB_TEST_FAIL("TEST_ASSERT(%s) failed", #cond);	\
} while (0)

#define CLAB_KUNIT_WRAP(fn)						\
static void fn##_kunit(struct kunit *test)				\
{									\
	clab_kunit_test = test;						\
	fn();								\
	clab_kunit_test = NULL;						\
}

#define CLAB_KUNIT_CASE(fn)	{ .run_case = fn##_kunit, .name = #fn },

#define CLAB_TEST_SUITE(sname, cases)					\
cases(CLAB_KUNIT_WRAP)							\
static struct kunit_case sname##_kunit_cases[] = {			\
	cases(CLAB_KUNIT_CASE)						\
	{}								\
};									\
static struct kunit_suite sname##_kunit_suite = {			\
	.name = "compactlab_" #sname,					\
	.test_cases = sname##_kunit_cases,				\
};									\
kunit_test_suite(sname##_kunit_suite)

#else /* user space */

#include <assert.h>
#include <stdio.h>
#include <compactlab/env.h>

/* Whether the running case has failed a check. */
static int tap_case_failed __maybe_unused;

#define CLAB_TEST_FAIL(fmt, ...) do {					\
	printf("  # %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
	tap_case_failed = 1;						\
} while (0)
#define DIAG(fmt, ...)	printf("  # " fmt "\n", ##__VA_ARGS__)
#define TEST_ASSERT(cond)	assert(cond)

struct clab_tap_case {
	void (*run)(void);
	const char *name;
};

/* Run the cases in order, a TAP line each. Return: 1 if any failed, or 0. */
static inline int clab_tap_run(const struct clab_tap_case *cases, int n)
{
	int i, failed = 0;

	printf("TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		tap_case_failed = 0;
		cases[i].run();
		printf("%sok %d - %s\n", tap_case_failed ? "not " : "", i + 1,
		       cases[i].name);
		failed += tap_case_failed;
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

#define CLAB_TAP_CASE(fn)	{ .run = fn, .name = #fn },

#define CLAB_TEST_SUITE(sname, cases)					\
static const struct clab_tap_case sname##_tap_cases[] = {		\
	cases(CLAB_TAP_CASE)						\
};									\
int main(void)								\
{									\
	return clab_tap_run(sname##_tap_cases,				\
			    ARRAY_SIZE(sname##_tap_cases));		\
}

#endif /* __KERNEL__ */

#define CHECK(cond) do {						\
	if (!(cond))							\
		CLAB_TEST_FAIL("CHECK(%s) failed", #cond);		\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b)							\
		CLAB_TEST_FAIL("%s == %lld, expected %s == %lld",	\
			       #a, __a, #b, __b);			\
} while (0)

#endif /* _CLAB_TAP_H */
