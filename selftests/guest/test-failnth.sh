#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own fault injection, one allocation at a time (issue 7's
# faults, beyond fail_init_step): on a kernel with fail-nth, failslab and
# fail_page_alloc (the debug kernel), every slab and page allocation of
# clab_init() fails in turn (make check: every second one), and then every
# allocation of each operation a user runs on /dev/compactlab and sysfs.
# Distro kernels have no fail-nth: the tests skip there.
#
# clab-failnth fails the N-th slab or page allocation of one finit_module()
# (fail-nth, with the debug kernel's failslab and fail_page_alloc). A load
# passes about 900 points in the kernel's module loader before clab_init()
# and 150-250 in it; the loader's count varies by a few dozen from load to
# load (KASAN's vmalloc shadow, the stack depot), so the sweep starts 64
# points below the fewest a load refused at its last parameter passes, and
# runs until a load passes all of its points. Every load must end as a
# refusal with ENOMEM and nothing left behind, or as a module that works
# and unloads.
#
# Reports: warn_alloc's ("page allocation failure", "vmalloc error", each
# with a stack dump) are what a failed allocation should print. The points
# below clab_init() reach the loader's own handling, and some of it WARNs on
# a failed allocation (event_define_fields() for our trace events): so
# panic_on_warn is off and the console is quietened to KERN_EMERG during the
# sweep (KASAN still panics), and each load's dmesg is sorted here instead:
# a report with a compactlab frame fails the test, one without is the
# kernel's (the loader's, or the VFS's) and is counted.
#
# The operations (clab-failnth ops): open, mmap, faults, fork, ALLOC, FREE,
# DISCARD, COMPACT under each policy, and writes to compact_memory and
# policy. Each must succeed or fail with ENOMEM, no fault may end in a
# signal, and a fragmented mapping kept through them all must hold its
# pattern after every run.
#
# The live mirror's start (issue 15): every allocation of "on" fails in
# turn (clab-failnth write), each start refused with ENOMEM and nothing
# left attached, or on and then turned off.
#
# A user at the interfaces while init fails (issue 11, item 4): clab-failnth
# hammer opens /dev/compactlab, maps, faults, ALLOCs and COMPACTs whenever
# it is there, writes compact_memory and node0/compact and reads every sysfs
# file whenever they are there, and keeps trying while they are not. It
# runs during loads that fail after the interfaces appeared
# (fail_init_step=4: sysfs; 5: sysfs and the device; every kernel) and,
# with CLAB_FAILNTH_HAMMER=1, during the fail-nth sweep of init. Every
# refused load must leave nothing behind and no report; the hammer's counts
# say how often it got in.
. ./tap.sh

plan 7

# --- 0. init fails while a user is at the interfaces (fail_init_step) ----------
# hammer_counts FILE: "opens O writes W reads R" from a hammer's last line.
hammer_counts() {
	sed -n 's/^hammer: opens \([0-9]*\),.* writes \([0-9]*\), reads \([0-9]*\),.*/opens \1 writes \2 reads \3/p' "$1"
}
# hammer_end PID: stop a hammer; false if it did not end within 30 s (a
# user stuck in the kernel), which is then left behind.
hammer_end() {
	kill -TERM "$1"
	n=0
	while kill -0 "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || return 1
		sleep 0.1
	done
	wait "$1"
}
clab_loaded && unload_within 100
loads=${CLAB_HAMMER_LOADS:-6}
hs_bad='' hs_opens=0 hs_writes=0 hs_reads=0 hs_n=0
t0=$(date +%s)
for step in 4 5; do
	diag "fail_init_step=$step: $loads loads under the user (at $(($(date +%s) - t0)) s)"
	i=0
	while [ $i -lt "$loads" ]; do
		i=$((i + 1)) hs_n=$((hs_n + 1))
		./clab-failnth hammer 120 >/tmp/hammer.out 2>&1 &
		hp=$!
		sleep 0.2
		if clab_load arena_base="$CLAB_ARENA_BASE" arena_size=8M fail_init_step=$step; then
			hs_bad="$hs_bad $step.$i:loaded"
			unload_within 100
		fi
		hammer_end $hp || hs_bad="$hs_bad $step.$i:hammer-exit"
		case $CLAB_LOAD_ERR in
		*"Cannot allocate memory"*) ;;
		*) hs_bad="$hs_bad $step.$i:'$CLAB_LOAD_ERR'" ;;
		esac
		{ ! clab_loaded && [ ! -e "$CLAB_SYSFS" ] && [ ! -e /dev/compactlab ]; } ||
			hs_bad="$hs_bad $step.$i:leftover"
		# shellcheck disable=SC2046
		set -- $(hammer_counts /tmp/hammer.out)
		[ $# -eq 6 ] || { hs_bad="$hs_bad $step.$i:no-counts"; continue; }
		hs_opens=$((hs_opens + $2)) hs_writes=$((hs_writes + $4))
		hs_reads=$((hs_reads + $6))
	done
done
diag "fail_init_step=4,5 with a user: $hs_n loads in $(($(date +%s) - t0)) s; the user got in: $hs_opens opens of the device, $hs_writes compaction writes, $hs_reads sysfs reads"
[ -z "$hs_bad" ]
ok $? "fail_init_step=4 and 5 under a user at every interface: each load refused with ENOMEM, nothing left behind${hs_bad:+; bad:$hs_bad}"
clab_load $CLAB_PARAMS && ./clab-frag --mb 8 --hold 0 | grep -q '0 mismatched words'
ok $? "after the loads under a user the module loads and a fragmenter round-trips its pages"

FI=/sys/kernel/debug

# fn_knob NAME VALUE: set a knob in failslab and fail_page_alloc, where it is.
fn_knob() {
	for d in failslab fail_page_alloc; do
		[ -e "$FI/$d/$1" ] && echo "$2" >"$FI/$d/$1"
	done
}

# fn_sort_log: sort the kernel messages since the last call; prints "ours N
# others N" for the reports other than warn_alloc's with and without a
# compactlab frame, and "traces N expected N" for the stack dumps and the
# reports that explain them.
fn_sort_log() {
	dmesg -c | awk '
	/page allocation failure|vmalloc error/ { kind = "alloc"; expl++; next }
	/BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|list_(add|del) corruption|refcount_t|possible (circular|recursive) locking|unreferenced object/ {
		if (kind == "report" && !ours) others++
		kind = "report"; ours = 0; expl++; next
	}
	/Call Trace/ { traces++ }
	kind == "report" && /\[compactlab\]$/ && !ours { ours = 1; own++ }
	END {
		if (kind == "report" && !ours) others++
		printf "ours %d others %d traces %d expected %d\n", own, others, traces, expl
	}'
}

# fn_sweep PARAMS [OFFSET]: the sweep for a load with PARAMS, every
# FN_STRIDE-th point from the first plus OFFSET. Sets FN_FIRST and
# FN_LAST (the first N tried, and the points a whole load passed),
# FN_REFUSED, FN_LOADED (loads that succeeded with a point failed: an
# allocation init does without, like a debugfs file, or one of the loader's),
# FN_ERRNOS (the distinct errnos), FN_OTHERS (the reports without a
# compactlab frame) and FN_BAD (what went wrong, at which N).
fn_sweep() {
	fn_params=$1 fn_off=${2:-0}
	FN_FIRST='' FN_LAST='' FN_REFUSED=0 FN_LOADED=0 FN_ERRNOS='' FN_OTHERS=0 FN_BAD=''
	# The last parameter made invalid: refused before init allocates.
	for try in 1 2 3; do
		# shellcheck disable=SC2046
		set -- $(./clab-failnth load 1000000 "$CLAB_KO" "${fn_params}x")
		[ "$4" -ne 0 ] && [ "${10}" -gt 64 ] || {
			FN_BAD="$FN_BAD calibration-$try:'$*'"
			return
		}
		[ -z "$FN_FIRST" ] || [ "${10}" -lt "$FN_FIRST" ] && FN_FIRST=${10}
	done
	dmesg -c >/dev/null
	FN_FIRST=$((FN_FIRST - 64))
	n=$((FN_FIRST - FN_STRIDE + fn_off)) inj=1
	while [ "$inj" = 1 ] && [ $n -lt $((FN_FIRST + 2000)) ]; do
		n=$((n + FN_STRIDE))
		res=$(./clab-failnth load $n "$CLAB_KO" "$fn_params") || {
			FN_BAD="$FN_BAD $n:helper"
			break
		}
		# shellcheck disable=SC2086
		set -- $res
		rc=$4 err=$6 inj=$8 FN_LAST=${10}
		if [ "$rc" -eq 0 ]; then
			[ "$inj" = 1 ] && FN_LOADED=$((FN_LOADED + 1))
			# debugfs may be missing (a failed debugfs call is not
			# an error); sysfs and the device may not. The user at
			# the interfaces may be running a compaction it started
			# during the load (EBUSY) and hold the module a moment.
			t=0
			until { [ -c /dev/compactlab ] &&
				echo 1 >"$CLAB_SYSFS/compact_memory"; } 2>/dev/null; do
				t=$((t + 1))
				[ $t -lt 20 ] || {
					FN_BAD="$FN_BAD $n:loaded-but-broken"
					break
				}
				sleep 0.1
			done
			unload_within 200 || FN_BAD="$FN_BAD $n:no-unload($UNLOAD_ERR)"
		else
			FN_REFUSED=$((FN_REFUSED + 1))
			case " $FN_ERRNOS " in
			*" $err "*) ;;
			*) FN_ERRNOS="$FN_ERRNOS $err" ;;
			esac
			# Only an allocation failed: anything but ENOMEM
			# would tell the user something untrue.
			{ [ "$err" -eq 12 ] && ! clab_loaded && [ ! -e "$CLAB_SYSFS" ] &&
				[ ! -e "$CLAB_DEBUGFS" ] && [ ! -e /dev/compactlab ] &&
				! grep -q compactlab /proc/iomem; } ||
				FN_BAD="$FN_BAD $n:leftover"
		fi
		# shellcheck disable=SC2046
		set -- $(fn_sort_log)
		FN_OTHERS=$((FN_OTHERS + $4))
		[ "$2" -eq 0 ] && [ "$6" -le "$8" ] ||
			FN_BAD="$FN_BAD $n:report($*)"
	done
	[ "$inj" = 0 ] || FN_BAD="$FN_BAD over-2000-points"
}

# fn_quiet / fn_loud: the console and panic_on_warn for a sweep, and back.
fn_quiet() {
	printk_was=$(cut -f1 /proc/sys/kernel/printk)
	panic_on_warn_was=$(cat /proc/sys/kernel/panic_on_warn)
	fn_knob verbose 0
	fn_knob ignore-gfp-wait N
	fn_knob ignore-gfp-highmem N
	fn_knob min-order 0
	dmesg -c >/dev/null
	echo 1 >/proc/sys/kernel/printk
	echo 0 >/proc/sys/kernel/panic_on_warn
}

fn_loud() {
	echo "$panic_on_warn_was" >/proc/sys/kernel/panic_on_warn
	echo "$printk_was" >/proc/sys/kernel/printk
	fn_knob ignore-gfp-wait Y
	fn_knob ignore-gfp-highmem Y
	fn_knob min-order 1
	fn_knob verbose 2
}

if ! [ -w /proc/thread-self/fail-nth ] || ! [ -d "$FI/failslab" ] ||
	! [ -d "$FI/fail_page_alloc" ]; then
	why="no fail-nth, failslab or fail_page_alloc in this kernel"
	skip "fail-nth at every allocation of init" "$why"
	skip "fail-nth leaks no memory" "$why"
	skip "fail-nth at every allocation of each user operation" "$why"
	skip "fail-nth at every allocation of the mirror's start" "$why"
	skip "after the sweeps the module loads and a fragmenter round-trips its pages" "$why"
	exit 0
fi

# --- 1. every allocation of init -----------------------------------------------
clab_loaded && unload_within 100
free_before=$(memfree_settled_kb)
fn_quiet
t0=$(date +%s)
fn_bad=
# With CLAB_FAILNTH_HAMMER=1, a user at the interfaces through the whole
# sweep: it gets in at every point that fails after sysfs or the device
# appeared. It sleeps 1 ms after every 64 tries that found nothing, so as
# not to slow the 530 loads down much. Off by default: on 60af0e1 one such
# run on the debug kernel made no progress for 18 minutes (no report on
# the console), and its cost on the fixed module is not measured yet.
hp=
if [ -n "${CLAB_FAILNTH_HAMMER:-}" ]; then
	./clab-failnth hammer 3600 1000 >/tmp/hammer.out 2>&1 &
	hp=$!
fi
# make check tries every second point (FN_STRIDE 2), the two loads the
# points of opposite parity: most of init's allocations come in the same
# order for both, a few points apart, so between them most are failed in
# one. make stress (a file failnth-stride beside this script) tries every
# point of both.
FN_STRIDE=$(cat failnth-stride 2>/dev/null || echo "${FAILNTH_STRIDE:-2}")
off=0
for params in "arena_base=$CLAB_ARENA_BASE arena_size=8M" "arena_size=16M"; do
	fn_sweep "$params" $((off % FN_STRIDE))
	off=$((off + 1))
	diag "fail-nth '$params': every ${FN_STRIDE} points from $FN_FIRST to $FN_LAST; $FN_REFUSED refused (errno$FN_ERRNOS), $FN_LOADED loaded without the failed allocation; $FN_OTHERS reports without a compactlab frame${FN_BAD:+; bad:$FN_BAD}"
	[ -z "$FN_BAD" ] && [ "$FN_REFUSED" -ge $((20 / FN_STRIDE)) ] ||
		fn_bad="$fn_bad '$params':${FN_BAD:- $FN_REFUSED refused}"
done
if [ -n "$hp" ]; then
	hammer_end $hp || fn_bad="$fn_bad hammer-exit"
	# shellcheck disable=SC2046
	set -- $(hammer_counts /tmp/hammer.out)
	diag "fail-nth: the user at the interfaces got in: ${2:-?} opens of the device, ${4:-?} compaction writes, ${6:-?} sysfs reads"
fi
fn_loud
free_after=$(memfree_settled_kb)
diag "fail-nth: $(($(date +%s) - t0)) s; MemFree $free_before -> $free_after kB"
[ -z "$fn_bad" ]
ok $? "fail-nth at every allocation of init (reserved and borrowed): each load refused with ENOMEM and nothing left behind, or loaded and working; no report from compactlab${fn_bad:+; bad:$fn_bad}"
# Some 500 loads move MemFree by up to 15 MB on the debug kernel on their
# own (KASAN's vmalloc shadow is freed lazily, with the vmap areas of the
# unloaded modules). A borrowed arena (16 MB) not given back on every
# refused load after its creation would be 600 MB; kmemleak checks the
# small objects after the run.
[ $((free_before - free_after)) -lt 32768 ]
ok $? "fail-nth leaks no memory: MemFree $free_before -> $free_after kB"

# --- 2. every allocation of each user operation ----------------------------------
clab_load $CLAB_PARAMS
fn_quiet
t0=$(date +%s)
./clab-failnth ops >/tmp/fn-ops.out 2>&1
ops_rc=$?
fn_loud
while read -r line; do diag "$line"; done </tmp/fn-ops.out
# shellcheck disable=SC2046
set -- $(fn_sort_log)
diag "fail-nth ops: $(($(date +%s) - t0)) s; reports: $*"
[ $ops_rc -eq 0 ] && [ "$2" -eq 0 ] && [ "$6" -le "$8" ]
ok $? "fail-nth at every allocation of each user operation: success or ENOMEM, no signal, no data lost, no report from compactlab"

clab_unload

# --- 3. every allocation of the live mirror's start (issue 15) -------------------
# A 16 MiB window at the start of the largest zone keeps the sweep short:
# small rings and time series, and a clone of 4096 pages (the window
# widened to whole blocks: 20 MiB of arena hold it wherever the zone
# starts). Each start that succeeds is turned off again; after the sweep
# nothing may be attached: the module unloads and the kernel goes on
# allocating.
clab_load arena_backend=virtual arena_size=20M $(zone_plan "$(largest_zone)" 20)
fn_quiet
t0=$(date +%s)
./clab-failnth write $CLAB_SYSFS/mirror \
	"on zone=$(largest_zone) pages=4096 buffer_kb=64 samples=16" off \
	>/tmp/fn-mirror.out 2>&1
mirror_rc=$?
fn_loud
while read -r line; do diag "$line"; done </tmp/fn-mirror.out
# shellcheck disable=SC2046
set -- $(fn_sort_log)
diag "fail-nth mirror: $(($(date +%s) - t0)) s; reports: $*"
[ $mirror_rc -eq 0 ] && [ "$2" -eq 0 ] && [ "$(cat $CLAB_SYSFS/mirror)" = off ] &&
	clab_unload && ./clab-mirror-bench fault 16 >/dev/null
ok $? "fail-nth at every allocation of the mirror's start: on or ENOMEM, nothing left attached, no report from compactlab"
clab_loaded && clab_unload

clab_load $CLAB_PARAMS && ./clab-frag --mb 8 --hold 0 | grep -q '0 mismatched words'
ok $? "after the sweeps the module loads and a fragmenter round-trips its pages"
tap_done
