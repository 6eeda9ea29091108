#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-maps.sh N RUNS: the guest side of scripts/bench-rmap. RUNS times
# each: N one-page mappings mapped and unmapped one by one, and one
# N-page mapping split into N vmas and unmapped at once (clab-maps). One
# "BENCH maps ..." line per run; exit 1 if a run failed.
n=${1:-65530}
runs=${2:-3}
# The program's own mappings come on top of the N.
echo $((n + 1000)) >/proc/sys/vm/max_map_count
rc=0
for mode in one split; do
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		out=$(./clab-maps $mode "$n") || rc=1
		echo "BENCH maps run=$i $out"
	done
done
exit $rc
