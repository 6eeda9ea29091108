// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - instantiates the compactlab tracepoints declared in
 * <compactlab/trace.h>.
 */
#define CREATE_TRACE_POINTS
#include <compactlab/trace.h>
