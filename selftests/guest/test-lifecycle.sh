#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module's lifecycle (issue 7): 100 insmod/rmmod cycles over both
# backends; rmmod against live mappings, a running compaction trigger,
# kcompactd's proactive work and kswapd's reclaim; and fault injection at
# each of the five init steps (fail_init_step=N), each unwinding fully. The
# kernel's own fault injection (fail-nth) is test-failnth.sh's.
#
# What rmmod answers while the module is in use: every open file and every
# mapping of /dev/compactlab holds a module reference (fops.owner), and a
# compaction trigger takes one while it runs, so delete_module() refuses at
# once (busybox rmmod asks O_NONBLOCK) with EWOULDBLOCK ("Resource
# temporarily unavailable"), not EBUSY; test 3 records the text it got.
. ./tap.sh

plan 10

# healthy: no kernel report since the last dmesg -c, and the module
# answers (buddyinfo readable, device present) when loaded.
healthy() {
	! dmesg | grep -Eq 'BUG:|WARNING:|Oops|Call Trace|general protection|KASAN|UBSAN|list_(add|del) corruption|refcount_t'
}

# hold_start ARGS...: run clab-hold in the background until it is ready.
hold_start() {
	./clab-hold "$@" >/tmp/lc-hold.out 2>&1 &
	HOLD_PID=$!
	i=0
	while ! grep -q ready /tmp/lc-hold.out && [ $i -lt 600 ]; do
		kill -0 $HOLD_PID 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	diag "$(cat /tmp/lc-hold.out)"
	grep -q ready /tmp/lc-hold.out
}

# frag_start: a fragmented arena (clab-frag keeps 1 page of 4), held. On
# failure $FRAG_WHY says how clab-frag stood (running or its exit status,
# after how long) and the kernel's last lines are shown.
frag_start() {
	./clab-frag --mb "$1" --hold -1 >/tmp/lc-frag.out 2>&1 &
	FRAG_PID=$!
	FRAG_WHY=
	i=0 t0=$(date +%s)
	# Up to 120 s: filling half the arena under arm64 TCG, with kswapd
	# and kcompactd woken by the fill, took over 30 s once in CI.
	while ! grep -q '^clab-frag:' /tmp/lc-frag.out && [ $i -lt 2400 ]; do
		kill -0 $FRAG_PID 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	grep -q '^clab-frag:' /tmp/lc-frag.out && return 0
	if kill -0 $FRAG_PID 2>/dev/null; then
		FRAG_WHY="still running"
		kill $FRAG_PID
	fi
	wait $FRAG_PID
	FRAG_WHY="${FRAG_WHY:-exited} with status $? after $(($(date +%s) - t0)) s and $i polls; output: '$(cat /tmp/lc-frag.out)'"
	dmesg | tail -n 8 | sed 's/^/# dmesg: /'
	return 1
}

# frag_ready MB: frag_start, and once more if clab-frag did not start. A
# fragmenter that died before its first line, with no kernel message, no
# output and a fast end, was seen once in CI (stop 18) and never since;
# what happened is shown, and a second failure fails the test.
frag_ready() {
	frag_start "$1" && return 0
	diag "clab-frag did not start ($FRAG_WHY); once more"
	frag_start "$1"
}

ensure_loaded() {
	clab_loaded || clab_load $CLAB_PARAMS
}

dmesg -c >/dev/null
MB=$((${CLAB_ARENA_SIZE%M} / 2))

# --- 1. 100 cycles ------------------------------------------------------------
# Two measures of "no memory lost". Per borrowed cycle: unloading must give
# back at least 15 of the arena's 16 MB (MemFree while loaded vs after
# unload; the noise of one cycle is a few hundred kB, but 1.4-1.7 MB twice
# with the host's cores shared by three guests, so a short one is read
# again settled). Over the run: MemFree after the
# last cycle against cycle 4 must not have dropped by 32 MB; this catches a
# page-sized leak that a single cycle hides (a lost max-order chunk is 4 MB
# a cycle, 200 MB over the run), not slab noise: KASAN's quarantine alone
# grows by 10-15 MB over these cycles on the debug kernel. Small objects
# are kmemleak's: the debug kernel scans after the run and fails on any
# unreferenced compactlab object.
clab_unload
i=0 fails=0 base= min_gain= reread=0
t0=$(date +%s)
while [ $i -lt 100 ]; do
	[ $i -eq 4 ] && base=$(memfree_kb)
	if [ $((i % 2)) -eq 0 ]; then
		clab_load $CLAB_PARAMS || fails=$((fails + 1))
	else
		clab_load arena_size=16M || fails=$((fails + 1))
	fi
	[ -r "$CLAB_DEBUGFS/buddyinfo" ] && [ -c /dev/compactlab ] ||
		fails=$((fails + 1))
	loaded=$(memfree_kb)
	clab_unload || fails=$((fails + 1))
	if [ $((i % 2)) -eq 1 ]; then
		gain=$(($(memfree_kb) - loaded))
		# One reading can fall amid the kernel's own allocations
		# (1.4 MB short once, with three guests on two cores): a
		# short one is read again once memory has settled.
		if [ "$gain" -lt 15360 ]; then
			gain=$(($(memfree_settled_kb) - loaded))
			reread=$((reread + 1))
		fi
		[ -z "$min_gain" ] || [ "$gain" -lt "$min_gain" ] && min_gain=$gain
	fi
	i=$((i + 1))
done
end=$(memfree_kb)
diag "100 cycles in $(($(date +%s) - t0)) s; $fails failures; MemFree after warm-up $base kB, after $end kB; a borrowed unload gave back at least $min_gain kB ($reread read again settled)"
[ "$fails" -eq 0 ] && [ "$min_gain" -ge 15360 ] &&
	[ $((base - end)) -lt 32768 ] && healthy
ok $? "100 insmod/rmmod cycles alternating reserved and borrowed: no failure, no memory lost, no kernel report"

clab_load $CLAB_PARAMS && ./clab-frag --mb 8 --hold 0 | grep -q '0 mismatched words'
ok $? "after the cycles the module loads and a fragmenter round-trips its pages"

# --- 2. live mappings ---------------------------------------------------------
ensure_loaded
if hold_start map "$MB"; then
	err=$(rmmod compactlab 2>&1)
	rc=$?
	diag "rmmod with a live mapping (file descriptor closed): rc $rc: $err"
	[ $rc -ne 0 ] && clab_loaded && [ -c /dev/compactlab ]
	ok $? "rmmod is refused while a mapping is live: ${err#rmmod: }"
	kill $HOLD_PID
	wait $HOLD_PID
	unload_within 40 && [ ! -e /dev/compactlab ]
	ok $? "after the process exits, rmmod works ($UNLOAD_TRIES tries)"
else
	t_fail "rmmod is refused while a mapping is live (clab-hold failed)"
	t_fail "after the process exits, rmmod works"
	kill $HOLD_PID 2>/dev/null
	wait $HOLD_PID
fi

# --- 3. rmmod racing compaction triggers -----------------------------------------
ensure_loaded
if frag_ready "$MB"; then
	(
		while [ -e "$CLAB_SYSFS/compact_memory" ]; do
			echo 1 >"$CLAB_SYSFS/compact_memory" 2>/dev/null
		done
	) &
	loop=$!
	sleep 1
	compacted=$(vmstat_of compact_migrate_scanned)
	kill $FRAG_PID
	# The fragmenter's exit frees its pages while the triggers run.
	unload_within 200
	rc=$?
	kill $loop 2>/dev/null
	wait $loop 2>/dev/null
	wait $FRAG_PID
	diag "compact_migrate_scanned ${compacted:-?} before; rmmod after $UNLOAD_TRIES tries; last refusal: ${UNLOAD_ERR:-none}"
	[ $rc -eq 0 ] && ! clab_loaded && [ "${compacted:-0}" -gt 0 ] && healthy
	ok $? "rmmod during a compact_memory loop on a fragmented arena succeeds within 10 s, kernel healthy"
else
	t_fail "rmmod during compaction (clab-frag: $FRAG_WHY)"
fi

# --- 4. rmmod after kcompactd's proactive work ---------------------------------
# Evidence of the proactive pass: compact_migrate_scanned grows with no
# trigger written. compact_daemon_migrate_scanned is shown too: as in 6.1,
# whose proactive_compact_node() counts nothing there, it stays put unless
# a reactive kcompactd run happens meanwhile.
ensure_loaded
if frag_ready "$MB"; then
	m0=$(vmstat_of compact_migrate_scanned)
	d0=$(vmstat_of compact_daemon_migrate_scanned)
	echo 100 >"$CLAB_SYSFS/compaction_proactiveness"
	i=0
	while [ "$(vmstat_of compact_migrate_scanned)" = "$m0" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	m1=$(vmstat_of compact_migrate_scanned)
	d1=$(vmstat_of compact_daemon_migrate_scanned)
	kill $FRAG_PID
	wait $FRAG_PID
	unload_within 100
	rc=$?
	diag "proactive pass: compact_migrate_scanned $m0 -> $m1, compact_daemon_migrate_scanned $d0 -> $d1; rmmod after $UNLOAD_TRIES tries"
	[ $rc -eq 0 ] && [ "$m1" -gt "$m0" ] && healthy
	ok $? "rmmod while kcompactd compacts proactively (proactiveness 100): kcompactd scanned, rmmod works, kernel healthy"
else
	t_fail "rmmod during kcompactd work (clab-frag: $FRAG_WHY)"
fi

# --- 5. rmmod after kswapd's reclaim -----------------------------------------------
ensure_loaded
r0=$(vmstat_of pageoutrun)
if hold_start reclaim; then
	i=0
	while [ "$(vmstat_of pageoutrun)" = "$r0" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	r1=$(vmstat_of pageoutrun)
	s1=$(vmstat_of pgsteal_kswapd)
	kill $HOLD_PID
	wait $HOLD_PID
	unload_within 100
	rc=$?
	diag "pageoutrun $r0 -> $r1, pgsteal_kswapd $s1; rmmod after $UNLOAD_TRIES tries"
	[ $rc -eq 0 ] && [ "$r1" -gt "$r0" ] && healthy
	ok $? "rmmod while kswapd reclaims: kswapd ran, rmmod works, kernel healthy"
else
	t_fail "rmmod during kswapd work (clab-hold reclaim failed)"
	kill $HOLD_PID 2>/dev/null
	wait $HOLD_PID
fi

# --- 6. fault injection at every init step --------------------------------------
clab_loaded && unload_within 100
steps_bad=
free_base=
round=0
for n in 1 2 3 4 5; do
	for params in "$CLAB_PARAMS" "arena_size=16M"; do
		dmesg -c >/dev/null
		# shellcheck disable=SC2086
		if clab_load $params fail_init_step=$n; then
			steps_bad="$steps_bad $n:loaded"
			clab_unload
			continue
		fi
		case $CLAB_LOAD_ERR in
		*"Cannot allocate memory"*) ;;
		*) steps_bad="$steps_bad $n:'$CLAB_LOAD_ERR'" ;;
		esac
		dmesg | grep -q "fail_init_step=$n: failing init step $n" ||
			steps_bad="$steps_bad $n:nolog"
		{ [ -e "$CLAB_SYSFS" ] || [ -e "$CLAB_DEBUGFS" ] ||
			[ -e /dev/compactlab ] || grep -q compactlab /proc/iomem ||
			clab_loaded; } && steps_bad="$steps_bad $n:leftover"
		# shellcheck disable=SC2086
		clab_load $params && [ -c /dev/compactlab ] && clab_unload ||
			steps_bad="$steps_bad $n:reload"
	done
	round=$((round + 1))
	[ $round -eq 1 ] && sync && echo 3 >/proc/sys/vm/drop_caches &&
		free_base=$(memfree_kb)
done
sync && echo 3 >/proc/sys/vm/drop_caches
free_end=$(memfree_kb)
diag "fault injection: MemFree after round 1 $free_base kB, after round 5 $free_end kB"
[ -z "$steps_bad" ]
ok $? "fail_init_step=1..5 (reserved and borrowed): ENOMEM, nothing left behind, a plain insmod works${steps_bad:+; bad:$steps_bad}"
# MemFree moves by up to ~20 MB here on its own: the check catches a
# leaked borrowed arena (16 MB a round, 64 MB over rounds 2-5), not a
# leaked descriptor array (1.5 MB).
[ $((free_base - free_end)) -lt 24576 ] && healthy
ok $? "fault injection leaks nothing: MemFree $free_base -> $free_end kB over rounds 2-5"

clab_load $CLAB_PARAMS && ./clab-frag --mb 8 --hold 0 | grep -q '0 mismatched words' && healthy
ok $? "at the end the module loads, works, and the kernel log is clean"
tap_done
