#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (cwd: the shared directory), driven by scripts/bench:
# every benchmark of Documentation/benchmarks.rst, in one boot. Prints one
# "BENCH <name> key=value ..." line per measurement; the host parses them.
# Benchmarks print figures and never fail on a number; the exit status is
# non-zero only when a kept page was corrupted or a step could not run.
#   bench-run.sh [RUNS [MB]]   Gupta runs per side (5), region MiB (640)
set -u
runs=${1:-5}
mb=${2:-640}
dbg=/sys/kernel/debug/compactlab
sys=/sys/kernel/compactlab
rc=0

# "key value" pairs of a bench file as key=value on one line
flat() { tr '\n' ' ' <"$1" | awk '{ for (i = 1; i < NF; i += 2) printf "%s=%s ", $i, $(i + 1) }'; }

copy_bench() {
	if [ ! -e $dbg/bench/copy ]; then
		echo "BENCH copy skipped=no_bench_dir"
		return
	fi
	echo 20000 >$dbg/bench/copy || { rc=2; return; }
	echo "BENCH copy when=$1 $(flat $dbg/bench/copy)"
}

order0_bench() {
	if [ ! -e $dbg/bench/order0 ]; then
		echo "BENCH order0 skipped=no_bench_dir"
		return
	fi
	echo 200000 >$dbg/bench/order0 || { rc=2; return; }
	# "single ours_ns X kernel_ns Y ..." -> "BENCH order0 variant=single ours_ns=X ..."
	grep -E '^(single|batch512) ' $dbg/bench/order0 |
		awk '{ printf "BENCH order0 variant=%s", $1
		       for (i = 2; i < NF; i += 2) printf " %s=%s", $i, $(i + 1)
		       printf "\n" }'
}

# Order-9 latency on the Gupta pattern: proactiveness $1, wait $2 s first
latency() {
	out=$(./bench-gupta latency "$1" "$2")
	[ $? = 0 ] || rc=1
	echo "BENCH latency run=$3 $out"
}

# The guest kernel's hugetlb pool on the same pattern, direct compaction alone
hugetlb() {
	if [ ! -w /proc/sys/vm/nr_hugepages ]; then
		echo "BENCH hugetlb skipped=no_hugetlb"
		return
	fi
	out=$(./bench-gupta hugetlb "$mb")
	[ $? = 0 ] || rc=1
	echo "BENCH hugetlb run=$1 $out"
}

gupta() {
	out=$(./bench-gupta "$1" "$mb")
	s=$?
	[ $s = 0 ] || rc=1
	echo "BENCH gupta run=$2 $out"
}

echo "BENCH guest kernel=$(uname -r) cpus=$(nproc) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) arena=${CLAB_ARENA_SIZE:-?}"
copy_bench start
order0_bench
r=1
while [ $r -le "$runs" ]; do
	# The copy limit next to each run: TCG's copy rate is bimodal.
	copy_bench run$r
	gupta kernel $r
	gupta clab $r
	r=$((r + 1))
done
copy_bench end
# Latency runs: at most 3 per setting (each fills the whole arena).
pro=$(cat $sys/compaction_proactiveness)
r=1
while [ $r -le "$runs" ] && [ $r -le 3 ]; do
	latency 0 0 $r
	latency 20 5 $r
	hugetlb $r
	r=$((r + 1))
done
echo "$pro" >$sys/compaction_proactiveness
# Move ratio: the whole arena in use, so that no free order-9 block is left;
# watermarks near zero let the fill go that far.
mfk=$(cat $sys/min_free_kbytes)
wsf=$(cat $sys/watermark_scale_factor)
echo 0 >$sys/min_free_kbytes
echo 1 >$sys/watermark_scale_factor
for p in linux min_moves; do
	echo $p >$sys/policy || { rc=2; continue; }
	out=$(./bench-gupta moves)
	[ $? = 0 ] || rc=1
	echo "BENCH moves policy=$p $out"
done
echo linux >$sys/policy
echo "$mfk" >$sys/min_free_kbytes
echo "$wsf" >$sys/watermark_scale_factor
exit $rc
