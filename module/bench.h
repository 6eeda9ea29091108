/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - the micro-benchmarks under /sys/kernel/debug/compactlab/bench/.
 */
#ifndef _CLAB_BENCH_H
#define _CLAB_BENCH_H

struct clab_mem;

void clab_bench_init(struct clab_mem *mem);
void clab_bench_exit(void);

#endif /* _CLAB_BENCH_H */
