#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fidelity-run.sh OUT ZONE MB SCENARIO...: the guest side of scripts/fidelity
# (ZONE auto: node 0's largest zone)
# (issue 14). Files go to OUT (in the guest); what the host needs comes out
# as "FID ..." lines on the console. For each scenario, in this one boot:
#   1. clab-kfrag fragments the kernel's own memory (MB MiB) and stops;
#   2. the kernel's zone ZONE is cloned into the arena, and at once
#   3. the kernel compacts: echo 1 >/proc/sys/vm/compact_memory, on CPU 0,
#      its compaction events traced (S-kernel.trace) and /proc/vmstat read
#      around it (S-kernel.vmstat); then the clone is saved
#      (S-before.snap) and released, and the zone is cloned again and
#      saved (S-kernel.snap): the layout the kernel left. A clone carries
#      the zone's watermarks and per-CPU lists (CPU by CPU, in list
#      order), so that the arena's pass frees through the same lists;
#   4. for each policy P (linux, tuned, min_moves): the before snapshot is
#      loaded, compactlab's compact_memory runs under P on CPU 0, traced
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
# Both sides' events on once for the whole run, with the other CPUs
# offline meanwhile: switching an event patches kernel text, and under
# TCG a guest has hung in that patching (text_poke_bp() waiting for a
# vCPU stuck on its breakpoint) while another vCPU ran. The runs are told
# apart by time, the buffer cleared between them.
EVENTS="mm_compaction_begin mm_compaction_end mm_compaction_isolate_migratepages mm_compaction_isolate_freepages mm_compaction_migratepages"
echo 8192 >$T/buffer_size_kb
others=$(ls -d /sys/devices/system/cpu/cpu[1-9]*/online 2>/dev/null)
for c in $others; do echo 0 >"$c"; done
for e in $EVENTS; do
	for sys in compaction compactlab; do
		echo 1 >$T/events/$sys/$e/enable
	done
done
for c in $others; do echo 1 >"$c"; done
if [ "$(nproc)" -lt 2 ] && [ -n "$others" ]; then
	echo "FID error: a CPU did not come back online"
	exit 1
fi
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

# pcp_line FILE ZONE: the zone's per-CPU count/high/batch from a zoneinfo.
pcp_line() {
	awk -v z="$2" '$1 == "Node" { inz = ($4 == z) }
		inz && $1 == "cpu:" { c = $2 }
		inz && $1 == "count:" { n[c] = $2 }
		inz && $1 == "high:" { h[c] = $2 }
		inz && $1 == "batch:" { b[c] = $2; printf "cpu%s=%s/%s/%s ", c, n[c], h[c], b[c] }
		inz && $1 == "min" { printf "min=%s ", $2 }
		inz && $1 == "low" { printf "low=%s ", $2 }' "$1"
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
	# or freed in between (a process, a buffer) changes what the kernel
	# compacts. So one process, on CPU 0, clones and then writes
	# compact_memory (opened before): nothing starts, ends or prints in
	# between, and the clone's buffers stay allocated until its release.
	$S release
	zi_before=$(cat /proc/zoneinfo)
	echo >$T/trace
	cat /proc/vmstat >"$O/$sc-kernel.vmstat"
	if ! ./clab-clone --apply --cpu 0 --then-compact /proc/sys/vm/compact_memory \
		"$ZONE" >"$O/$sc.clone-before" 2>&1; then
		echo "FID error: clone: $(cat "$O/$sc.clone-before")"
		kill -9 $pid
		return 1
	fi
	# Between the kernel's pass and its "after" clone nothing is written
	# that need not be (a file's page cache is memory of the zone): the
	# per-CPU counts and counters wait in variables, the before snapshot
	# is saved and the clone released (its tables are kernel memory
	# too), and the "after" clone follows at once.
	zi_after=$(cat /proc/zoneinfo)
	vm_after=$(cat /proc/vmstat)
	$S save "$O/$sc-before.snap" 2>/dev/null
	$S release
	./clab-clone --apply "$ZONE" >"$O/$sc.clone-after" 2>&1 &&
		$S save "$O/$sc-kernel.snap" 2>/dev/null
	echo "$zi_before" >"$O/$sc-kernel.zi-before"
	echo "$zi_after" >"$O/$sc-kernel.zi-after"
	echo "FID vm $sc kernel $(grep '^pass_' "$O/$sc.clone-before" | tr '\n' ' ')"
	echo "FID pcp $sc kernel before $(pcp_line "$O/$sc-kernel.zi-before" "$ZONE")"
	echo "FID pcp $sc kernel after $(pcp_line "$O/$sc-kernel.zi-after" "$ZONE")"
	{ echo "--- after"; echo "$vm_after"; } >>"$O/$sc-kernel.vmstat"
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
	# The migration batches that left pages behind: where failures start.
	grep -m 6 'migratepages:.*nr_failed=[1-9]' "$O/$sc-kernel.trace" | sed "s/^/FID rawfail $sc kernel /"
	summarise_snap "$sc" kernel

	for p in linux tuned min_moves; do
		if ! $S load "$O/$sc-before.snap" >/dev/null; then
			echo "FID error: load before $p"
			continue
		fi
		echo $p >$SYS/policy
		echo >$T/trace
		cat $CLAB_DEBUGFS/vmstat >"$O/$sc-$p.vmstat"
		cat $CLAB_DEBUGFS/zoneinfo >"$O/$sc-$p.zi-before"
		taskset -c 0 sh -c "echo 1 >$SYS/compact_memory"
		cat $CLAB_DEBUGFS/zoneinfo >"$O/$sc-$p.zi-after"
		z=$(awk '$1 == "Node" { print $4; exit }' "$O/$sc-$p.zi-after")
		echo "FID pcp $sc $p before $(pcp_line "$O/$sc-$p.zi-before" "$z")"
		echo "FID pcp $sc $p after $(pcp_line "$O/$sc-$p.zi-after" "$z")"
		echo "--- after" >>"$O/$sc-$p.vmstat"
		cat $CLAB_DEBUGFS/vmstat >>"$O/$sc-$p.vmstat"
		trace_to "$O/$sc-$p.trace"
		echo "FID trace $sc $p $(./clab-fidtrace $lo $hi $lo <"$O/$sc-$p.trace")"
		[ $p != linux ] ||
			grep -m 12 'isolate_freepages:' "$O/$sc-$p.trace" | sed "s/^/FID raw $sc $p /"
		[ $p != linux ] ||
			grep -m 6 'migratepages:.*nr_failed=[1-9]' "$O/$sc-$p.trace" | sed "s/^/FID rawfail $sc $p /"
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
