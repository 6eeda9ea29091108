#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mirror-bench.sh ROUNDS MB [WORDS]: the guest side of scripts/bench-mirror
# (issue 15), in one boot. A virtual arena as large as node 0's largest
# zone; WORDS (e.g. pcp=own) go with every "on" written to the mirror.
# MB_PARTS=policies leaves out part 1.
#
# 1. Overhead: ROUNDS rounds of the three clab-mirror-bench workloads
#    (fault, thp, pagecache; MB MiB each), each round once with the mirror
#    off and once on, the side that goes first alternating. One line a
#    sample: "MB sample bench=B side=off|on round=R ns_per_page=N".
#    With the mirror on, "MB drain ..." gives the events it applied, lost
#    and left pending over the round, and the round's seconds.
# 2. Policies on the same demand: for each policy (linux, tuned,
#    min_moves, in an order that rotates per round), the mirror on from a
#    fresh clone, clab-kfrag's thp, gupta and pagecache scenarios (MB MiB,
#    the same seeds), one census, then "MB policy policy=P ..." with the
#    kernel's and the shadow's free pageblocks, unusable index at order 9,
#    unmovable spread and the shadow's answers to the kernel's order >= 9
#    allocations, and the kernel's per-CPU bulk frees it followed and
#    missed. The first run's mirror.csv follows, a line each: "MB csv ...".
# The mirror is switched with the other CPUs offline (test-mirror.sh says
# why). Benchmarks never fail on a number.
set -u
. ./tap.sh
ROUNDS=$1 MB=$2 WORDS=${3:-}
zone=$(largest_zone)
mb=$(zone_arena_mb "$zone")

# bench_side SIDE ROUND: the three workloads once.
bench_side() {
	for b in fault thp pagecache; do
		echo "MB sample bench=$b side=$1 round=$2 $(./clab-mirror-bench $b "$MB")"
	done
}

rmmod compactlab 2>/dev/null
insmod "$CLAB_KO" arena_backend=virtual "arena_size=${mb}M" || {
	echo "MB error: insmod arena_size=${mb}M failed"
	exit 1
}
echo "MB setup zone=$zone arena_mb=$mb rounds=$ROUNDS mb=$MB cpus=$(nproc) kernel=$(uname -r)"
r=1
[ "${MB_PARTS:-all}" = policies ] && r=$((ROUNDS + 1))
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then order="off on"; else order="on off"; fi
	for s in $order; do
		if [ $s = on ]; then
			mirror_switch "on zone=$zone $WORDS" ||
				echo "MB error: mirror on failed"
			e0=$(mirror_value events) t0=$(cut -d' ' -f1 /proc/uptime)
			bench_side on $r
			t1=$(cut -d' ' -f1 /proc/uptime)
			sleep 1
			echo "MB drain round=$r events=$(($(mirror_value events) - e0)) lost=$(mirror_value lost) pending=$(mirror_value pending) seconds=$(echo "$t1 $t0" | awk '{ printf "%.3f", $1 - $2 }')"
			mirror_switch off
		else
			bench_side off $r
		fi
	done
	r=$((r + 1))
done

r=1
while [ $r -le "$ROUNDS" ]; do
	case $((r % 3)) in
	1) pols="linux tuned min_moves" ;;
	2) pols="tuned min_moves linux" ;;
	0) pols="min_moves linux tuned" ;;
	esac
	for p in $pols; do
		echo "$p" >$CLAB_SYSFS/policy
		mirror_switch "on zone=$zone interval_ms=500 $WORDS"
		kfrag_run thp "$MB" 3
		kfrag_run gupta "$MB" 3
		kfrag_run pagecache "$MB" 3
		n0=$(mirror_value samples)
		i=0
		while [ "$(mirror_value samples)" -le $((n0 + 1)) ] && [ $i -lt 100 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		hi=$(awk '$1 ~ /^[0-9]+$/ && $1 >= 9 { f += $2; c += $3; x += $4 }
			END { printf "hi_fast=%d hi_compacted=%d hi_failed=%d", f, c, x }' $CLAB_DEBUGFS/mirror)
		set -- $(mirror_sides free_pageblocks) $(mirror_sides unusable_index_order9) $(mirror_sides unmovable_spread) $(mirror_sides free_pages) $(mirror_sides pcp_pages)
		echo "MB policy round=$r policy=$p k_fpb=$1 s_fpb=$2 k_unus9=$3 s_unus9=$4 k_spread=$5 s_spread=$6 k_free=$7 s_free=$8 k_pcp=$9 s_pcp=${10} $hi events=$(mirror_value events) lost=$(mirror_value lost) repaired=$(mirror_value repaired_allocs)/$(mirror_value repaired_frees) unmatched=$(mirror_value unmatched_frees) drains=$(mirror_value pcp_drains) missed=$(mirror_value pcp_drains_missed)"
		[ $r = 1 ] && [ "$p" = linux ] && sed 's/^/MB csv /' $CLAB_DEBUGFS/mirror.csv
		mirror_switch off
	done
	r=$((r + 1))
done
echo linux >$CLAB_SYSFS/policy
rmmod compactlab
echo "MB done"
