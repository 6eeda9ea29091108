# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers for the in-guest test scripts (busybox sh). Sourced.
#   plan N; ok COND-STATUS "description"; skip "description" "reason"
#   t_ok/t_fail "description"; diag "text"; tap_done (exit status)
#   field, word_after, wait_file: reading the helpers' output

TAP_N=0
TAP_FAILED=0

plan() {
	echo "TAP version 13"
	echo "1..$1"
}

diag() {
	echo "# $*"
}

t_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

t_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

# ok STATUS DESCRIPTION: pass when STATUS is 0 (use: ok $? "...")
ok() {
	if [ "$1" -eq 0 ]; then
		shift
		t_ok "$*"
	else
		shift
		t_fail "$*"
	fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_done() {
	[ "$TAP_FAILED" -eq 0 ]
}

# field KEY TEXT: the value of KEY=VALUE among TEXT's words.
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# word_after KEY WORD TEXT: the word after WORD on TEXT's line starting
# with KEY.
word_after() {
	echo "$3" | awk -v k="$1" -v w="$2" 'index($0, k) == 1 {
		for (i = 1; i < NF; i++) if ($i == w) {print $(i + 1); exit}}'
}

# wait_file FILE [SECONDS]: until FILE exists, up to SECONDS (120).
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt $((${2:-120} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# top_zone: the highest populated zone of node 0 (Normal, else DMA32,
# else DMA), as /proc/buddyinfo names it.
top_zone() {
	for z in Normal DMA32 DMA; do
		if awk -v z="$z" '$1 == "Node" && $2 == "0," && $4 == z { f = 1 } END { exit !f }' \
			/proc/buddyinfo; then
			echo "$z"
			return 0
		fi
	done
	return 1
}

# largest_zone [NID]: node NID's (0's) zone with the most managed pages.
largest_zone() {
	awk -v n="${1:-0}," '$1 == "Node" { z = ($2 == n) ? $4 : "" }
		z != "" && $1 == "managed" && $2 > best { best = $2; name = z }
		END { print name }' /proc/zoneinfo
}

# zone_arena_mb ZONE: MiB of arena that hold node 0's ZONE whole, from
# its first largest-order (4 MiB) block to its end; empty without it.
zone_arena_mb() {
	awk -v z="$1" '$1 == "Node" { on = ($2 == "0," && $4 == z) }
		on && $1 == "spanned" { span = $2 }
		on && $1 == "start_pfn:" { start = $2 }
		END { if (span) print int((start % 1024 + span + 1023) / 1024) * 4 }' \
		/proc/zoneinfo
}

# zone_plan ZONE [MB]: the module parameters that make an arena of MB MiB
# (default: any up to 4 GiB) all of ZONE's type, so that it runs that
# zone's rules, as the mirror requires and a comparison with the kernel's
# ZONE needs (Normal needs none).
zone_plan() {
	case $1 in
	DMA) echo "dma_limit=${2:-4096}M" ;;
	DMA32) echo "dma32_limit=${2:-4096}M" ;;
	esac
}

# insmod_refused DESC EXPECTED-ERRNO-TEXT LOG-TEXT PARAMS...: insmod with
# PARAMS fails with the errno and the module's last log line says LOG-TEXT.
insmod_refused() {
	desc=$1 err=$2 log=$3
	shift 3
	dmesg -c >/dev/null
	if clab_load "$@"; then
		clab_unload
		t_fail "refused: $desc (it loaded)"
		return
	fi
	msg=$(dmesg | grep 'compactlab:' | tail -n1)
	diag "$desc: insmod said: $CLAB_LOAD_ERR"
	diag "$desc: kernel log: $msg"
	case $CLAB_LOAD_ERR in
	*"$err"*) ;;
	*) t_fail "refused: $desc (wrong error: $CLAB_LOAD_ERR)"; return ;;
	esac
	case $msg in
	*"$log"*) t_ok "refused: $desc: $err" ;;
	*) t_fail "refused: $desc (log line lacks '$log')" ;;
	esac
}

CLAB_SYSFS=/sys/kernel/compactlab
CLAB_DEBUGFS=/sys/kernel/debug/compactlab

# clab_load PARAMS...: insmod with PARAMS; the error text is in $CLAB_LOAD_ERR.
clab_load() {
	CLAB_LOAD_ERR=$(insmod "$CLAB_KO" "$@" 2>&1)
}

clab_unload() {
	rmmod compactlab 2>/dev/null
}

clab_loaded() {
	[ -d /sys/module/compactlab ]
}

# unload_within N: retry rmmod N times, 0.05 s apart; the last refusal in
# $UNLOAD_ERR, tries in $UNLOAD_TRIES.
unload_within() {
	UNLOAD_TRIES=0 UNLOAD_ERR=
	while [ "$UNLOAD_TRIES" -lt "$1" ]; do
		UNLOAD_TRIES=$((UNLOAD_TRIES + 1))
		err=$(rmmod compactlab 2>&1) && return 0
		UNLOAD_ERR=${err#rmmod: }
		sleep 0.05
	done
	return 1
}

# arena_field NAME: a value from debugfs arena ("pages", "backend", ...)
arena_field() {
	sed -n "s/^$1: *//p" "$CLAB_DEBUGFS/arena"
}

# vmstat_of NAME: a counter of the module's vmstat (debugfs)
vmstat_of() {
	awk -v k="$1" '$1 == k {print $2}' "$CLAB_DEBUGFS/vmstat"
}

# memfree_kb: free memory: MemFree from /proc/meminfo plus the free pages
# on the kernel's per-CPU lists (the "count:" of each pageset in
# /proc/zoneinfo), which MemFree leaves out. Those lists hold up to several
# MB per CPU for as long as no one drains them, in orders up to the THP
# order on 6.1, so MemFree alone moves by tens of MB with no page lost.
memfree_kb() {
	pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	psz=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)
	awk -v pcp="$pcp" -v psz="${psz:-4}" '/^MemFree:/ { print $2 + pcp * psz }' \
		/proc/meminfo
}

# memfree_settled_kb: free memory (memfree_kb) once the page cache and reclaimable slab are
# dropped, every slab cache is shrunk (on a KASAN kernel this also frees the
# cache's objects waiting in KASAN's quarantine, up to 1/32 of RAM that
# otherwise returns at moments of its own choosing), and two readings half
# a second apart agree within 1 MB (at most five seconds of waiting), so that
# a reading compares memory, not timing.
memfree_settled_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		[ -w "$f" ] && echo 1 >"$f"
	done 2>/dev/null
	prev=$(memfree_kb)
	n=0
	while [ $n -lt 10 ]; do
		sleep 0.5
		cur=$(memfree_kb)
		d=$((cur - prev))
		[ $d -lt 1024 ] && [ $d -gt -1024 ] && break
		prev=$cur
		n=$((n + 1))
	done
	echo "$cur"
}

# mirror_switch WORDS: write WORDS (on ..., off) to the live mirror's sysfs
# file with the other CPUs offline. Attaching the probes patches the
# allocator's tracepoint sites (text_poke_bp() on x86), and a TCG guest
# can hang when another vCPU runs the patched code meanwhile (soft lockups
# in __alloc_pages): a QEMU artefact, avoided as scripts/fidelity does.
mirror_switch() {
	cpus_offline_write "$*" $CLAB_SYSFS/mirror
}

# cpus_offline_write VALUE FILE: write VALUE to FILE with every CPU but 0
# offline. For writes that attach probes or switch trace events: they patch
# kernel text (text_poke_bp() on x86), and a multi-threaded TCG guest has
# hung, or hit an int3 Oops in __schedule(), when another vCPU ran the
# patched code meanwhile (Documentation/design.rst, "The live mirror").
cpus_offline_write() {
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -w "$c" ] && echo 0 >"$c"
	done
	echo "$1" >"$2"
	rc=$?
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -w "$c" ] && echo 1 >"$c"
	done
	return $rc
}

# mirror_value KEY: a value of the debugfs mirror view ("KEY value" lines).
mirror_value() {
	awk -v k="$1" '$1 == k { print $2; exit }' $CLAB_DEBUGFS/mirror
}

# mirror_sides KEY: "kernel shadow" of a census line of the mirror view.
mirror_sides() {
	awk -v k="$1" '$1 == k { print $2, $3; exit }' $CLAB_DEBUGFS/mirror
}

# kfrag_start OUT SCENARIO MB [SEED]: start clab-kfrag, its output to OUT,
# and wait (up to 120 s) until it is ready and holds its pattern; its pid
# in $kp.
kfrag_start() {
	kf_out=$1
	shift
	# A new file: the last run's "ready" must not end this wait at once.
	rm -f "$kf_out"
	./clab-kfrag "$@" >"$kf_out" 2>&1 &
	kp=$!
	i=0
	while ! grep -qs '^clab-kfrag: ready' "$kf_out" && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# kfrag_end PID: end a clab-kfrag (which frees what it holds).
kfrag_end() {
	kill -CONT "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# kfrag_run SCENARIO MB [SEED]: run clab-kfrag until it is ready, then end
# it.
kfrag_run() {
	kfrag_start /tmp/kfrag.out "$@"
	kfrag_end $kp
}
