#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# trace-record.sh: fragment the arena, record the compactlab compaction
# events around one compact_memory, and print the trace and the vmstat
# counters before and after between marker lines, for scripts/trace-compat
# on the host (it feeds the trace to the kernel's compaction-times script).
D=/sys/kernel/debug/compactlab
T=/sys/kernel/tracing
. ./tap.sh

./clab-frag --mb 32 --stride 4 --hold -1 >/tmp/frag.out 2>&1 &
frag=$!
sleep 1
echo 16384 >$T/buffer_size_kb
echo >$T/trace
# Each switch with the other CPUs offline: it patches kernel text (tap.sh).
for e in begin end migratepages isolate_freepages isolate_migratepages; do
	cpus_offline_write 1 $T/events/compactlab/mm_compaction_$e/enable
done
echo "=== vmstat before ==="
cat $D/vmstat
echo "=== end ==="
echo 1 >/sys/kernel/compactlab/compact_memory
cpus_offline_write 0 $T/events/compactlab/enable
echo "=== vmstat after ==="
cat $D/vmstat
echo "=== end ==="
echo "=== trace ==="
grep -v '^#' $T/trace
echo "=== end ==="
kill -TERM $frag
wait $frag
