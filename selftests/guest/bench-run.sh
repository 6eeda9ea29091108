#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (cwd: the shared directory), driven by scripts/bench:
# every benchmark of Documentation/benchmarks.rst, in one boot. Prints one
# "BENCH <name> key=value ..." line per measurement; the host parses them.
# "BENCH phase name=... uptime=..." marks the start of each phase (the
# host's progress lines). Raw data go to the console between marker lines
# that the host cuts out:
#   === latency SIDE P R ===      ...  === end ===  (one request a line:
#       "ns ok stalled", proactiveness P, run R)
#   === pageblocks before ===     ...  === end ===  (the pageblocks view
#   === pageblocks after ===      ...  === end ===   around the first clab
#                                                     Gupta pass)
# The kernel's side is its NUMA node KNODE (scripts/bench boots the guest
# with a node 1 the size of the arena, holding nothing else). Both sides
# run with proactiveness 0 except where a figure is about kcompactd, and
# the side that goes first alternates from run to run.
# Benchmarks print figures and never fail on a number; the exit status is
# non-zero only when a kept page was corrupted or a step could not run.
# Settings come from the environment (scripts/bench sets them):
#   BENCH_RUNS      Gupta runs per side (4)
#   BENCH_MB        Gupta and latency region, MiB, the same on both sides;
#                   "auto": the smaller side's free memory but 48 MiB (16
#                   for the copy brackets, 32 left free), so that the region
#                   is nearly all of either side's memory (auto)
#   BENCH_PHASES    the pattern's physical phases, cycled over the runs
#                   ("1 2 3 0")
#   BENCH_NOOP      passes of policy tuned for the no-op count (50), the
#                   phases cycled
#   BENCH_PURE_MB   the pure migration's region (256); node 0 must hold it
#   BENCH_LAT_RUNS  latency runs per setting (1)
#   BENCH_LAT_P     the proactiveness settings of the latency runs ("0 20")
#   BENCH_WAIT_S    proactive wait before the latency and kcompactd runs (5)
#   BENCH_CPU_S     kcompactd CPU window (30)
#   BENCH_PRO_S     proactive compaction windows, s: proactiveness 100 until
#                   the score is under 5 (at most this long), and
#                   proactiveness 20 on a score of 80-90 (this long); 0
#                   skips them (20)
#   BENCH_STAGES    "all"; "main" (all but the state-sensitive runs);
#                   "fresh" (only those: the latency runs, then the
#                   proactive and idle windows, each side from the state of
#                   a fresh boot); or "gupta" (the Gupta runs only: the
#                   scale runs)
#   BENCH_BOOT      the boot's number: on odd boots the kernel's side goes
#                   first in the fresh stage, on even boots ours (1)
#   BENCH_KNODE     the kernel's node (1)
#   BENCH_TRIES     tries of a disturbed Gupta pass (3)
set -u
runs=${BENCH_RUNS:-4}
mb=${BENCH_MB:-auto}
phases=${BENCH_PHASES:-1 2 3 0}
noop=${BENCH_NOOP:-50}
pure_mb=${BENCH_PURE_MB:-256}
lat_runs=${BENCH_LAT_RUNS:-1}
lat_ps=${BENCH_LAT_P:-0 20}
wait_s=${BENCH_WAIT_S:-5}
cpu_s=${BENCH_CPU_S:-30}
stages=${BENCH_STAGES:-all}
boot=${BENCH_BOOT:-1}
case "$stages" in
all | main | fresh | gupta) ;;
*)
	echo "BENCH error stages=$stages: all, main, fresh or gupta"
	exit 2
	;;
esac
pro_s=${BENCH_PRO_S:-20}
knode=${BENCH_KNODE:-1}
tries=${BENCH_TRIES:-3}
dbg=/sys/kernel/debug/compactlab
sys=/sys/kernel/compactlab
kpro=/proc/sys/vm/compaction_proactiveness
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
	# "ours_gfp X kernel_gfp Y ..." -> "BENCH order0_gfp ours_gfp=X ..."
	grep '^ours_gfp ' $dbg/bench/order0 |
		awk '{ printf "BENCH order0_gfp"
		       for (i = 1; i < NF; i += 2) printf " %s=%s", $i, $(i + 1)
		       printf "\n" }'
}

# nth WORDS N: the Nth word (1-based, cycling) of WORDS
nth() { echo "$1" | awk -v n="$2" '{ print $((n - 1) % NF + 1) }'; }

# bracket_setup SIDE: hold the bench/bracket copy set of the side (the
# same routine and 16 MiB on both sides), taken before its pattern.
bracket_setup() {
	[ -e $dbg/bench/bracket ] || return 0
	if [ "$1" = clab ]; then
		echo "setup arena" >$dbg/bench/bracket
	else
		echo "setup node $knode" >$dbg/bench/bracket
	fi
}

bracket_release() {
	[ -e $dbg/bench/bracket ] || return 0
	echo release >$dbg/bench/bracket
}

# side_arg kernel|clab: the SIDE argument of bench-gupta
side_arg() {
	if [ "$1" = kernel ]; then echo "kernel@$knode"; else echo clab; fi
}

# Order-9 latency on the Gupta pattern (phase 1): SIDE kernel or clab
# (ours under the selected policy POL), proactiveness P, wait S, run R:
# latency SIDE POL P S R
latency() {
	raw=/tmp/bench-lat
	out=$(./bench-gupta latency "$(side_arg "$1")" "$mb" 1 "$3" "$4" $raw)
	[ $? = 0 ] || rc=1
	echo "BENCH latency run=$5 policy=$2 $out"
	[ ! -s $raw ] || section "latency $2 $3 $5" $raw
	rm -f $raw
}

# fresh_module POLICY: our side as a fresh boot has it, under POLICY. The
# runs before leave deferral at its limit, skip hints and cached scanner
# positions behind, which decide the next run's requests (after a run of
# failed order-9 requests on the Gupta pattern, every compaction of linux
# ends at once, its scanners met: design.rst, "What tuned does better");
# the kernel's side cannot be reset, so each of
# its state-sensitive sequences runs from its own fresh boot, and ours from
# a freshly loaded module.
fresh_module() {
	clab_unload
	if ! clab_load $CLAB_PARAMS; then
		echo "BENCH error insmod=${CLAB_LOAD_ERR:-?}"
		rc=2
		return 1
	fi
	echo 0 >$sys/compaction_proactiveness
	tevent_set 1
	echo "$1" >$sys/policy || { rc=2; return 1; }
}

# The state-sensitive runs of one side (the kernel, or ours under POLICY),
# in the same order on every side: the latency runs at each proactiveness
# setting, then the proactive windows (proactiveness 100 on the Gupta
# region, then 20 on a region of 88% of the free memory: a score of about
# 85, between the low mark 80 and the high mark 90, where kcompactd should
# leave it alone). sequence kernel | clab POLICY
sequence() {
	side=$1 pol=${2:-kernel}
	if [ "$side" = clab ]; then
		fresh_module "$pol" || return
	fi
	r=1
	while [ $r -le "$lat_runs" ]; do
		for p in $lat_ps; do
			w=0
			[ $p = 0 ] || w=$wait_s
			latency "$side" "$pol" $p $w $r
		done
		r=$((r + 1))
	done
	[ "$pro_s" -gt 0 ] || return 0
	idle_mb=$(( (fk < fc ? fk : fc) * 88 / 100 ))
	for what in proactive idle; do
		if [ $what = proactive ]; then p=100 m=$mb; else p=20 m=$idle_mb; fi
		out=$(./bench-gupta $what "$(side_arg "$side")" "$m" 1 $p "$pro_s")
		[ $? = 0 ] || rc=1
		echo "BENCH $what policy=$pol $out"
	done
}

# disturbed LINE: is this Gupta pass invalid? Another task compacted in its
# window, compact_daemon_* moved, or its copy brackets differ by more than
# 20% (the guest lost CPU time to the host: the window is not the pass's).
# scripts/bench-report applies the same rules.
disturbed() {
	echo "$1" | tr ' ' '\n' | awk -F= '
		{ v[$1] = $2 }
		END { b0 = v["bracket_before_mbps"] + 0; b1 = v["bracket_after_mbps"] + 0
		      m = b0 > b1 ? b0 : b1; d = b0 > b1 ? b0 - b1 : b1 - b0
		      bad = v["foreign_passes"] + 0 || v["daemon_delta"] + 0 ||
			    (b0 > 0 && b1 > 0 && d / m > 0.2)
		      exit !bad }'
}

# pass SIDE POLICY RUN PHASE [PREFIX]: one Gupta pass, printed; a disturbed
# one is printed too (the report counts it as dropped) and tried again, up
# to BENCH_TRIES in all.
pass() {
	try=1
	while :; do
		bracket_setup "$1"
		if [ "$1" = kernel ]; then
			out=$(./bench-gupta gupta "kernel@$knode" "$mb" "$4")
		else
			out=$(./bench-gupta gupta clab "$mb" "$4" ${5:+"$5"})
		fi
		[ $? = 0 ] || rc=1
		bracket_release
		echo "BENCH gupta run=$3 policy=$2 try=$try phase=$4 $out"
		disturbed "$out" && [ $try -lt "$tries" ] || return 0
		try=$((try + 1))
	done
}

# gupta kernel|clab RUN PHASE [PREFIX]: the clab side runs once per policy,
# on a fresh pattern each (PREFIX, the pageblocks views, with linux only)
gupta() {
	if [ "$1" = kernel ]; then
		pass kernel kernel "$2" "$3"
		return
	fi
	for p in linux tuned min_moves; do
		echo $p >$sys/policy || { rc=2; continue; }
		if [ $p = linux ]; then
			pass clab $p "$2" "$3" ${4:+"$4"}
		else
			pass clab $p "$2" "$3"
		fi
	done
	echo linux >$sys/policy
}

# pure kernel|clab: migration without scanning, the same region size
pure() {
	if [ "$1" = kernel ]; then
		out=$(./bench-gupta pure "kernel@$knode" "$pure_mb")
	else
		out=$(./bench-gupta pure clab "$pure_mb")
	fi
	[ $? = 0 ] || rc=1
	echo "BENCH pure $out"
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

flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'rep_good|erms|fsrm' | tr '\n' ',' | sed 's/,$//')
node_kb() { sed -n 's/.*MemTotal: *\([0-9]*\).*/\1/p' "/sys/devices/system/node/node$1/meminfo" 2>/dev/null; }
echo "BENCH guest kernel=$(uname -r) cpus=$(nproc) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) node0_kb=$(node_kb 0) node${knode}_kb=$(node_kb "$knode") arena=${CLAB_ARENA_SIZE:-?} cpu_flags=${flags:-none} model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1 | tr ' ' '_')"
echo "BENCH cmdline $(tr ' ' '\n' </proc/cmdline | grep -E '^(init_on_alloc|init_on_free|memmap)=' | tr '\n' ' ')"
if [ ! -d /sys/devices/system/node/node$knode ]; then
	echo "BENCH error no_node=$knode"
	exit 2
fi
if ! grep -qw init_on_alloc=0 /proc/cmdline; then
	echo "BENCH error init_on_alloc=on: the kernel side would zero every page it hands out"
	exit 2
fi
# Each side's free memory above its watermarks, MiB: the regions' sizes.
fk=$(./bench-gupta free "kernel@$knode") || exit 2
fc=$(./bench-gupta free clab) || exit 2
if [ "$mb" = auto ]; then
	mb=$(( (fk < fc ? fk : fc) - 48 ))
	echo "BENCH region mb=$mb kernel_free_mb=$fk clab_free_mb=$fc"
fi
# The compaction events of both sides on, once for the whole run (switching
# them patches kernel text, which under TCG has hung a guest when done
# while the other vCPU ran the patched code); bench-gupta reads them.
tevents="compaction/mm_compaction_begin compaction/mm_compaction_end compactlab/mm_compaction_begin compactlab/mm_compaction_end"
tevent_set() {
	for e in $tevents; do
		[ ! -w /sys/kernel/tracing/events/$e/enable ] ||
			echo "$1" >/sys/kernel/tracing/events/$e/enable
	done
}
tevent_set 1
# Proactiveness 0 on both sides: no kcompactd work in any timed window.
kpro0=$(cat $kpro)
cpro0=$(cat $sys/compaction_proactiveness)
echo 0 >$kpro
echo 0 >$sys/compaction_proactiveness
. ./tap.sh

# The fresh stage: each side's state-sensitive sequence, the kernel's first
# on odd boots, ours (a fresh module per policy) first on even boots.
fresh_stage() {
	if [ $((boot % 2)) = 1 ]; then
		phase fresh_kernel
		sequence kernel
	fi
	for pol in linux tuned min_moves; do
		phase "fresh_$pol"
		sequence clab $pol
	done
	if [ $((boot % 2)) = 0 ]; then
		phase fresh_kernel
		sequence kernel
	fi
	# What follows starts from a fresh module with its defaults.
	fresh_module linux
}

# finish: the settings as the boot had them, and the exit status.
finish() {
	echo "$kpro0" >$kpro
	echo "$cpro0" >$sys/compaction_proactiveness
	tevent_set 0
	phase finished
	exit $rc
}

# Our arena runs the rules of the kernel node's zone type (DMA32 on the
# x86_64 guests, DMA on arm64; zone_plan in tap.sh): the same rules on
# both sides. An arena of the default type, Normal, would allocate with
# 6.1's ALLOC_NOFRAGMENT, which the kernel's node never has here.
kzone=$(largest_zone "$knode")
CLAB_PARAMS="$CLAB_PARAMS $(zone_plan "$kzone")"
echo "# bench: the kernel's node $knode is $kzone; our arena: $CLAB_PARAMS"
fresh_module linux || finish

if [ "$stages" = fresh ]; then
	fresh_stage
	finish
fi
phase order0
copy_bench start
order0_bench
r=1
while [ $r -le "$runs" ]; do
	ph=$(nth "$phases" $r)
	phase "gupta_run_$r/${runs}_phase_$ph"
	# The side that goes first alternates: the kernel on odd runs.
	if [ $((r % 2)) = 1 ]; then
		gupta kernel $r "$ph"
	fi
	if [ $r = 1 ]; then
		gupta clab $r "$ph" /tmp/bench-pb
		section "pageblocks before" /tmp/bench-pb-before
		section "pageblocks after" /tmp/bench-pb-after
		rm -f /tmp/bench-pb-before /tmp/bench-pb-after
	else
		gupta clab $r "$ph"
	fi
	if [ $((r % 2)) = 0 ]; then
		gupta kernel $r "$ph"
	fi
	r=$((r + 1))
done
copy_bench end
[ "$stages" != gupta ] || finish
# No-op passes: policy tuned, pass after pass, the phases cycled.
if [ "$noop" -gt 0 ]; then
	phase "noop_${noop}"
	echo tuned >$sys/policy
	r=1
	while [ $r -le "$noop" ]; do
		out=$(./bench-gupta gupta clab "$mb" "$(nth "1 2 3 0" $r)")
		[ $? = 0 ] || rc=1
		echo "BENCH noop run=$r policy=tuned $out"
		r=$((r + 1))
	done
	echo linux >$sys/policy
fi
phase pure
pure kernel
pure clab
# The state-sensitive runs here only when one boot runs everything (after
# the runs above, so from a used state on both sides; scripts/bench runs
# them in boots of their own).
[ "$stages" != all ] || fresh_stage
echo "$kpro0" >$kpro
echo "$cpro0" >$sys/compaction_proactiveness
tevent_set 0
# Move ratio: the whole arena in use, so that no free order-9 block is left;
# watermarks near zero let the fill go that far.
# kcompactd stays out of the way (its migrations would count).
# Each policy runs on a freshly loaded module: the skip hints, cached
# scanner positions and deferral that the runs before leave would decide
# the request otherwise (a sync-light compaction honours skip hints, and
# after the latency runs every pageblock has one).
phase moves
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
