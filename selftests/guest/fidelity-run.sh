#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fidelity-run.sh OUT ZONE MB SCENARIO...: the guest side of scripts/fidelity
# (ZONE auto: node 0's largest zone)
# (issue 14). Files go to OUT (in the guest); what the host needs comes out
# as "FID ..." lines on the console. For each scenario, in this one boot:
#   1. clab-kfrag fragments the kernel's own memory (MB MiB) and stops;
#   2. the kernel's zone ZONE is cloned into the arena, and at once
#   3. the kernel compacts: echo 1 >/proc/sys/vm/compact_memory, its
#      compaction events traced (S-kernel.trace) and /proc/vmstat read
#      around it (S-kernel.vmstat); then the clone is saved
#      (S-before.snap), and the zone is cloned again and saved
#      (S-kernel.snap): the layout the kernel left;
#   4. for each policy P (linux, tuned, min_moves): the before snapshot is
#      loaded, compactlab's compact_memory runs under P, traced
#      (S-P.trace), with the module's counters around it (S-P.vmstat), and
#      the arena is saved (S-P.snap);
#   5. the workload is killed.
# With FID_EMIT=1 in the environment, each before snapshot also comes out,
# gzip'ed and in base64, between "FID file NAME" and "FID file-end".
# Each snapshot is summarised as "FID snap SCENARIO SIDE key=value..."
# (clab-snapshot show: counts, and the pageblock map), each trace as "FID
# trace SCENARIO SIDE key=value..." (clab-fidtrace: sums over the cloned
# zone's passes, and the migrate scanner's pageblock sequence);
# scripts/fidelity-report compares them. Proactive compaction and
# watermark boosting are off on both sides for the whole run.
set -u
. ./tap.sh
O=$1 ZONE=$2 MB=$3
shift 3
T=/sys/kernel/tracing
S=./clab-snapshot
SYS=$CLAB_SYSFS
mkdir -p "$O"
[ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null

# The arena: metadata only, as large as the zone's span from its first
# largest-order block, so that the whole zone clones into it.
[ "$ZONE" != auto ] || ZONE=$(largest_zone)
arena_mb=$(zone_arena_mb "$ZONE")
if [ -z "$arena_mb" ]; then
	echo "FID error: no zone $ZONE on node 0 in /proc/zoneinfo"
	exit 1
fi
rmmod compactlab 2>/dev/null
if ! insmod "$CLAB_KO" arena_backend=virtual arena_size=${arena_mb}M; then
	echo "FID error: insmod arena_backend=virtual arena_size=${arena_mb}M failed"
	exit 1
fi
echo "FID zone $ZONE arena_mb=$arena_mb"
# Both sides' events on once for the whole run (switching them patches
# kernel text, which under TCG has hung a guest while the other vCPU ran
# it); the runs are told apart by time, the buffer cleared between them.
EVENTS="mm_compaction_begin mm_compaction_end mm_compaction_isolate_migratepages mm_compaction_isolate_freepages mm_compaction_migratepages"
echo 8192 >$T/buffer_size_kb
for e in $EVENTS; do
	for sys in compaction compactlab; do
		echo 1 >$T/events/$sys/$e/enable
	done
done
echo 0 >/proc/sys/vm/compaction_proactiveness
echo 0 >/proc/sys/vm/watermark_boost_factor
echo 0 >$SYS/compaction_proactiveness
echo 0 >$SYS/watermark_boost_factor
mkdir -p /mnt/kfrag
grep -q ' /mnt/kfrag ' /proc/mounts || mount -t tmpfs tmpfs /mnt/kfrag
export KFRAG_DIR=/mnt/kfrag

# trace_to FILE: the buffer since the last clear, without its header.
trace_to() {
	grep -v '^#' $T/trace >"$1"
	echo >$T/trace
	if grep -q 'LOST' "$1"; then
		echo "FID warning: events lost in $1"
	fi
}

key() {
	sed -n "s/^$2=//p" "$1"
}

# summarise_snap SCENARIO SIDE: the FID snap line of $O/SCENARIO-SIDE.snap.
summarise_snap() {
	$S show "$O/$1-$2.snap" >"$O/$1-$2.show" 2>&1
	echo "FID snap $1 $2 $(tr '\n' ' ' <"$O/$1-$2.show")"
}

run_scenario() {
	sc=$1
	echo "FID scenario $sc"
	./clab-kfrag "$sc" "$MB" >"$O/$sc.kfrag" 2>&1 &
	pid=$!
	i=0
	while ! grep -q '^clab-kfrag: ready' "$O/$sc.kfrag" && [ $i -lt 3000 ]; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q '^clab-kfrag: ready' "$O/$sc.kfrag"; then
		echo "FID error: clab-kfrag $sc did not get ready: $(cat "$O/$sc.kfrag")"
		kill -9 $pid 2>/dev/null
		return 1
	fi
	# The clone, then at once the kernel's compaction: anything allocated
	# in between (a process, a buffer) changes what the kernel compacts.
	$S release
	echo >$T/trace
	cat /proc/vmstat >"$O/$sc-kernel.vmstat"
	if ! ./clab-clone --apply "$ZONE" >"$O/$sc.clone-before" 2>&1; then
		echo "FID error: clone: $(cat "$O/$sc.clone-before")"
		kill -9 $pid
		return 1
	fi
	echo 1 >/proc/sys/vm/compact_memory
	echo "--- after" >>"$O/$sc-kernel.vmstat"
	cat /proc/vmstat >>"$O/$sc-kernel.vmstat"
	$S save "$O/$sc-before.snap" 2>/dev/null
	summarise_snap "$sc" before
	# FID_EMIT=1: the before snapshot itself, gzip'ed, in base64.
	if [ -n "${FID_EMIT:-}" ]; then
		echo "FID file $sc-before.snap.gz"
		gzip -9 -c "$O/$sc-before.snap" | base64
		echo "FID file-end"
	fi
	lo=$(key "$O/$sc-before.show" start_pfn)
	hi=$((lo + $(key "$O/$sc-before.show" nr_pages)))
	trace_to "$O/$sc-kernel.trace"
	echo "FID trace $sc kernel $(./clab-fidtrace $lo $hi 0 <"$O/$sc-kernel.trace")"
	# The free scanner's first calls, raw: where a difference starts.
	grep -m 12 'isolate_freepages:' "$O/$sc-kernel.trace" | sed "s/^/FID raw $sc kernel /"
	cat /proc/buddyinfo >"$O/$sc.buddyinfo-after"
	./clab-clone --apply "$ZONE" >"$O/$sc.clone-after" 2>&1 &&
		$S save "$O/$sc-kernel.snap" 2>/dev/null
	summarise_snap "$sc" kernel

	for p in linux tuned min_moves; do
		if ! $S load "$O/$sc-before.snap" >/dev/null; then
			echo "FID error: load before $p"
			continue
		fi
		echo $p >$SYS/policy
		echo >$T/trace
		cat $CLAB_DEBUGFS/vmstat >"$O/$sc-$p.vmstat"
		echo 1 >$SYS/compact_memory
		echo "--- after" >>"$O/$sc-$p.vmstat"
		cat $CLAB_DEBUGFS/vmstat >>"$O/$sc-$p.vmstat"
		trace_to "$O/$sc-$p.trace"
		echo "FID trace $sc $p $(./clab-fidtrace $lo $hi $lo <"$O/$sc-$p.trace")"
		[ $p != linux ] ||
			grep -m 12 'isolate_freepages:' "$O/$sc-$p.trace" | sed "s/^/FID raw $sc $p /"
		$S save "$O/$sc-$p.snap" 2>/dev/null
		summarise_snap "$sc" $p
		echo "FID info $sc $p $($S info | tr '\n' ' ')"
	done
	$S release
	echo linux >$SYS/policy
	kill -9 $pid
	wait $pid 2>/dev/null
	rm -f /mnt/kfrag/*
	echo "FID done $sc"
}

for sc in "$@"; do
	run_scenario "$sc"
done
echo "FID end"
