#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (cwd: the shared directory), driven by scripts/bench:
# every benchmark of Documentation/benchmarks.rst, in one boot. Prints one
# "BENCH <name> key=value ..." line per measurement; the host parses them.
# "BENCH phase name=... uptime=..." marks the start of each phase (the
# host's progress lines). Raw data go to the console between marker lines
# that the host cuts out:
#   === latency P R ===           ...  === end ===  (one latency in ns a
#       line, proactiveness P, run R)
#   === pageblocks before ===     ...  === end ===  (the pageblocks view
#   === pageblocks after ===      ...  === end ===   around the first clab
#                                                     Gupta pass)
# Benchmarks print figures and never fail on a number; the exit status is
# non-zero only when a kept page was corrupted or a step could not run.
#   bench-run.sh [RUNS [MB [LAT_RUNS [CPU_S [WAIT_S]]]]]
#     RUNS      Gupta runs per side (5)      MB      Gupta region MiB (640)
#     LAT_RUNS  latency runs per setting (3) CPU_S   kcompactd CPU window (30)
#     WAIT_S    proactive wait before the latency and kcompactd runs (5)
set -u
runs=${1:-5}
mb=${2:-640}
lat_runs=${3:-3}
cpu_s=${4:-30}
wait_s=${5:-5}
dbg=/sys/kernel/debug/compactlab
sys=/sys/kernel/compactlab
fout=/tmp/bench-frag.out
rc=0
pb_pages=$((1 << $(sed -n 's/^pageblock_order: *//p' $dbg/arena)))

phase() {
	echo "BENCH phase name=$1 uptime=$(cut -d' ' -f1 /proc/uptime)"
}

# "key value" pairs of a bench file as key=value on one line
flat() { tr '\n' ' ' <"$1" | awk '{ for (i = 1; i < NF; i += 2) printf "%s=%s ", $i, $(i + 1) }'; }

# section NAME FILE: FILE on the console between marker lines
section() {
	echo "=== $1 ==="
	cat "$2"
	echo "=== end ==="
}

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
	out=$(./bench-gupta latency "$1" "$2" /tmp/bench-lat)
	[ $? = 0 ] || rc=1
	echo "BENCH latency run=$3 $out"
	[ ! -s /tmp/bench-lat ] || section "latency $1 $3" /tmp/bench-lat
	rm -f /tmp/bench-lat
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

# gupta kernel|clab RUN [PREFIX]: the clab side runs once per policy, on
# a fresh pattern each (PREFIX, the pageblocks views, with linux only)
gupta() {
	if [ "$1" = kernel ]; then
		out=$(./bench-gupta kernel "$mb")
		[ $? = 0 ] || rc=1
		echo "BENCH gupta run=$2 policy=kernel $out"
		return
	fi
	for p in linux tuned min_moves; do
		echo $p >$sys/policy || { rc=2; continue; }
		if [ $p = linux ]; then
			out=$(./bench-gupta clab "$mb" ${3:+"$3"})
		else
			out=$(./bench-gupta clab "$mb")
		fi
		[ $? = 0 ] || rc=1
		echo "BENCH gupta run=$2 policy=$p $out"
	done
	echo linux >$sys/policy
}

# Unmovable spread from the pageblocks view: blocks holding an unmovable
# page, over the fewest blocks those pages fit in.
spread() {
	awk -v pb="$pb_pages" '
		$1 ~ /^[0-9]+$/ && NF >= 10 { if ($10 > 0) b++; u += $10 }
		END { m = int((u + pb - 1) / pb)
		      printf "blocks=%d unmovable_pages=%d min_blocks=%d spread=%s\n",
			     b, u, m, m ? sprintf("%.3f", b / m) : "nan" }' \
		$dbg/pageblocks
}

# 100 * (free - free in order >= 9) / free, from the debugfs buddyinfo
score() {
	awk -v o="$(sed -n 's/^pageblock_order: *//p' $dbg/arena)" '
		/zone/ { for (i = 1; i <= NF; i++) if ($i == "zone") break
			 for (k = i + 2; k <= NF; k++) {
				n = $k; for (j = i + 2; j < k; j++) n *= 2
				f += n
				if (k - i - 2 >= o) g += n } }
		END { printf "%d", f ? 100 * (f - g) / f : 0 }' $dbg/buddyinfo
}

# frag_start PATTERN ARGS...: the fragmenter in the background, holding
# its memory until frag_stop; returns once the pattern is in place.
frag_start() {
	./clab-fragmenter "$@" --hold -1 >$fout 2>&1 &
	fpid=$!
	n=0
	while ! grep -q "^clab-fragmenter: $1 " $fout; do
		n=$((n + 1))
		if [ $n -gt 3000 ] || ! kill -0 $fpid 2>/dev/null; then
			echo "BENCH error fragmenter=$1 $(tr '\n' ' ' <$fout)"
			rc=2
			return 1
		fi
		usleep 100000
	done
}

frag_stop() {
	kill -TERM $fpid
	wait $fpid
	s=$?
	[ $s = 0 ] || rc=1
	echo "BENCH frag $(tr '\n' ' ' <$fout | sed 's/clab-fragmenter: //g') status=$s"
}

# kcompactd CPU over $cpu_s s: utime + stime of clab_kcompactd0, in ticks
# of USER_HZ (100 on x86_64 and arm64)
kcompactd_cpu() {
	pid=
	for d in /proc/[0-9]*; do
		[ "$(cat "$d"/comm 2>/dev/null)" = clab_kcompactd0 ] && pid=${d#/proc/}
	done
	if [ -z "$pid" ]; then
		echo "BENCH kcompactd skipped=no_thread"
		return
	fi
	ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
	pro=$(cat $sys/compaction_proactiveness)
	echo 20 >$sys/compaction_proactiveness
	t0=$(ticks)
	sleep "$wait_s"
	t1=$(ticks)
	score0=$(score)
	u0=$(cut -d' ' -f1 /proc/uptime)
	sleep "$cpu_s"
	t2=$(ticks)
	u1=$(cut -d' ' -f1 /proc/uptime)
	echo "$pro" >$sys/compaction_proactiveness
	echo "BENCH kcompactd pid=$pid proactiveness=20 backoff_wait_s=$wait_s backoff_ticks=$((t1 - t0)) window_s=$cpu_s ticks=$((t2 - t1)) user_hz=100 uptime_s=$(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.2f", b - a }') score=$score0 cpu_pct=$(awk -v t=$((t2 - t1)) -v a="$u0" -v b="$u1" 'BEGIN { printf "%.3f", t / 100 / (b - a) * 100 }')"
}

echo "BENCH guest kernel=$(uname -r) cpus=$(nproc) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) arena=${CLAB_ARENA_SIZE:-?} model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1 | tr ' ' '_')"
phase order0
copy_bench start
order0_bench
r=1
while [ $r -le "$runs" ]; do
	phase "gupta_run_$r/$runs"
	# The copy limit next to each run: TCG's copy rate is bimodal.
	copy_bench run$r
	gupta kernel $r
	if [ $r = 1 ]; then
		gupta clab $r /tmp/bench-pb
		section "pageblocks before" /tmp/bench-pb-before
		section "pageblocks after" /tmp/bench-pb-after
		rm -f /tmp/bench-pb-before /tmp/bench-pb-after
	else
		gupta clab $r
	fi
	r=$((r + 1))
done
copy_bench end
# Latency runs (each fills the whole arena).
pro=$(cat $sys/compaction_proactiveness)
r=1
while [ $r -le "$lat_runs" ]; do
	phase "latency_run_$r/$lat_runs"
	latency 0 0 $r
	latency 20 "$wait_s" $r
	phase "hugetlb_run_$r/$lat_runs"
	hugetlb $r
	r=$((r + 1))
done
echo "$pro" >$sys/compaction_proactiveness
# Move ratio: the whole arena in use, so that no free order-9 block is left;
# watermarks near zero let the fill go that far.
# kcompactd stays out of the way (its migrations would count).
# Each policy runs on a freshly loaded module: the skip hints, cached
# scanner positions and deferral that the runs before leave would decide
# the request otherwise (a sync-light compaction honours skip hints, and
# after the latency runs every pageblock has one).
phase moves
. ./tap.sh
for p in linux tuned min_moves; do
	clab_unload
	if ! clab_load $CLAB_PARAMS; then
		echo "BENCH moves policy=$p error=insmod"
		rc=2
		continue
	fi
	echo 0 >$sys/compaction_proactiveness
	echo 0 >$sys/min_free_kbytes
	echo 1 >$sys/watermark_scale_factor
	echo $p >$sys/policy || { rc=2; continue; }
	out=$(./bench-gupta moves)
	[ $? = 0 ] || rc=1
	echo "BENCH moves policy=$p $out"
done
# The phases after this one start from a fresh module with its defaults.
clab_unload
clab_load $CLAB_PARAMS || rc=2
# Unmovable spread after each pattern; kcompactd's CPU on the poisoned
# arena (pins in every pageblock: a high score nothing can lower).
phase churn
if frag_start churn --seed 1; then
	echo "BENCH spread pattern=churn $(spread)"
	frag_stop
fi
phase compaction_test
if frag_start compaction_test --seed 1 --lock unmovable; then
	echo "BENCH spread pattern=compaction_test $(spread)"
	frag_stop
fi
phase poison
if frag_start poison --seed 1; then
	echo "BENCH spread pattern=poison $(spread)"
	phase "kcompactd_cpu_${cpu_s}s"
	kcompactd_cpu
	frag_stop
fi
phase finished
exit $rc
