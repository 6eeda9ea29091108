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
#    allocations, the kernel's per-CPU bulk frees it followed and missed,
#    and what the kernel's own THP faults and direct compaction did over
#    the workload (thp_fault_alloc, thp_fault_fallback, compact_stall,
#    compact_success and compact_fail from /proc/vmstat). Before reading,
#    it lets the worker catch up (fewer than 256 events pending). The
#    first run's mirror.csv follows, a line each: "MB csv ...".
#    MB_WORKLOAD=pressure runs instead, per policy, clab-kfrag's gupta
#    scenario over HOLD_MB MiB (default 2 x MB), held, while its thp
#    scenario asks for MB MiB of huge pages (so the kernel compacts).
#    MB_WORKLOAD=build runs a build of a small C tree
#    (scripts/stage-build-tree: buildroot/ beside this script, make -j2 in
#    a chroot, BUILDS times from clean, default 2), with "MB build ..."
#    giving each build's seconds and objects.
# The mirror is switched with the other CPUs offline (test-mirror.sh says
# why). Benchmarks never fail on a number.
set -u
. ./tap.sh
ROUNDS=$1 MB=$2 WORDS=${3:-}
zone=$(largest_zone)
mb=$(zone_arena_mb "$zone")

# build_run ROUND POLICY: the staged tree built BUILDS times from clean.
build_run() {
	b=1
	while [ $b -le "${BUILDS:-2}" ]; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		chroot buildroot /bin/sh -c 'cd /src && make -s clean && make -s -j2' \
			>/tmp/build.out 2>&1
		rc=$?
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "MB build round=$1 policy=$2 build=$b rc=$rc objects=$(ls buildroot/src/obj | wc -l) seconds=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')"
		[ $rc = 0 ] || sed 's/^/MB error: build: /' /tmp/build.out | head -n 5
		b=$((b + 1))
	done
}

# pressure_run: thp demand while a Gupta fragmentation is held.
pressure_run() {
	kfrag_start /tmp/hold.out gupta "${HOLD_MB:-$((MB * 2))}" 3
	hold=$kp
	kfrag_run thp "$MB" 3
	kfrag_end $hold
}

# kernel_compaction [BEFORE]: the kernel's THP and direct compaction
# counters from /proc/vmstat, as "k_name=value" words; with BEFORE (an
# earlier output), what they rose by since.
kernel_compaction() {
	awk -v before="${1:-}" '
	BEGIN { n = split(before, b, " "); for (i = 1; i <= n; i++) { split(b[i], kv, "="); was[kv[1]] = kv[2] } }
	$1 ~ /^(thp_fault_alloc|thp_fault_fallback|compact_stall|compact_success|compact_fail)$/ {
		printf "k_%s=%d ", $1, $2 - was["k_" $1]
	}' /proc/vmstat
}

# bench_side SIDE ROUND: the three workloads once.
bench_side() {
	for b in fault thp pagecache; do
		echo "MB sample bench=$b side=$1 round=$2 $(./clab-mirror-bench $b "$MB")"
	done
}

rmmod compactlab 2>/dev/null
insmod "$CLAB_KO" arena_backend=virtual "arena_size=${mb}M" $(zone_plan "$zone" "$mb") || {
	echo "MB error: insmod arena_size=${mb}M failed"
	exit 1
}
echo "MB setup zone=$zone arena_mb=$mb rounds=$ROUNDS mb=$MB cpus=$(nproc) kernel=$(uname -r) workload=${MB_WORKLOAD:-kfrag}"
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
		v0=$(kernel_compaction)
		if [ "${MB_WORKLOAD:-kfrag}" = build ]; then
			build_run $r $p
		elif [ "${MB_WORKLOAD:-kfrag}" = pressure ]; then
			pressure_run
		else
			kfrag_run thp "$MB" 3
			kfrag_run gupta "$MB" 3
			kfrag_run pagecache "$MB" 3
		fi
		# The worker replays behind the kernel: let it catch up (the
		# kernel's own background allocations keep a few pending), then
		# take two censuses.
		i=0
		while [ "$(mirror_value pending)" -ge 256 ] && [ $i -lt 600 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		n0=$(mirror_value samples)
		i=0
		while [ "$(mirror_value samples)" -le $((n0 + 1)) ] && [ $i -lt 100 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		hi=$(awk '$1 ~ /^[0-9]+$/ && $1 >= 9 { f += $2; c += $3; x += $4 }
			END { printf "hi_fast=%d hi_compacted=%d hi_failed=%d", f, c, x }' $CLAB_DEBUGFS/mirror)
		set -- $(mirror_sides free_pageblocks) $(mirror_sides unusable_index_order9) $(mirror_sides unmovable_spread) $(mirror_sides free_pages) $(mirror_sides pcp_pages)
		kc=$(kernel_compaction "$v0")
		echo "MB policy round=$r policy=$p $kc k_fpb=$1 s_fpb=$2 k_unus9=$3 s_unus9=$4 k_spread=$5 s_spread=$6 k_free=$7 s_free=$8 k_pcp=$9 s_pcp=${10} $hi events=$(mirror_value events) lost=$(mirror_value lost) repaired=$(mirror_value repaired_allocs)/$(mirror_value repaired_frees) unmatched=$(mirror_value unmatched_frees) outside=$(mirror_value outside) pending=$(mirror_value pending) drains=$(mirror_value pcp_drains) missed=$(mirror_value pcp_drains_missed) refills=$(mirror_value pcp_refills) refills_missed=$(mirror_value pcp_refills_missed)"
		[ $r = 1 ] && [ "$p" = linux ] && sed 's/^/MB csv /' $CLAB_DEBUGFS/mirror.csv
		mirror_switch off
	done
	r=$((r + 1))
done
echo linux >$CLAB_SYSFS/policy
rmmod compactlab
echo "MB done"
