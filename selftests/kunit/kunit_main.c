// SPDX-License-Identifier: GPL-2.0
/*
 * kunit_main.c - the KUnit module of the compactlab core.
 *
 * The suites are selftests/core's test files, built against the kernel
 * (selftests/core/tap.h maps their checks to KUnit); loading the module
 * runs them, and their KTAP results are in the kernel log and in
 * /sys/kernel/debug/kunit/compactlab_<suite>/results.
 */
#include <linux/module.h>
#include <compactlab/trace.h>
#include "core/tap.h"

struct kunit *clab_kunit_test;
struct clab_trace_counts clab_trace_counts;

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of the compactlab core");
