#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Hardening of the interfaces (issue 11): what one user may cost the
# machine, and what other users may do to each other's pages. The module is
# loaded by vm-run.
#   - pattern_check holds every page while it writes them: blocks allocated
#     by another process at the same time keep their patterns;
#   - rejected sysfs writes log at a limited rate;
#   - a debugfs benchmark refuses more than 10^6 operations, and a fatal
#     signal ends a running one at once;
#   - the writebacks a sync compaction started complete on their own when
#     it is killed, with no compaction after them: their pages come back;
#   - a sync compaction waiting on writeback dies at once when killed.
. ./tap.sh

plan 8

S=$CLAB_SYSFS
D=$CLAB_DEBUGFS

# uptime_cs: the time since boot in centiseconds.
uptime_cs() {
	awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime
}

# dies_within CS PID: wait up to CS centiseconds for PID to go; the time
# it took in $TOOK (centiseconds).
dies_within() {
	t0=$(uptime_cs)
	while kill -0 "$2" 2>/dev/null; do
		TOOK=$(($(uptime_cs) - t0))
		[ "$TOOK" -ge "$1" ] && return 1
		sleep 0.05
	done
	TOOK=$(($(uptime_cs) - t0))
	return 0
}

# --- pattern_check against concurrent allocations ------------------------
out=$(./clab-harden pattern-race 8)
rc=$?
diag "pattern-race: $out"
ok $rc "pattern_check holds every page: concurrent blocks keep their patterns"

# --- rate-limited log lines ----------------------------------------------
dmesg -c >/dev/null
i=0
while [ $i -lt 100 ]; do
	echo bogus >$S/min_free_kbytes 2>/dev/null
	i=$((i + 1))
done
n=$(dmesg | grep -c 'min_free_kbytes: not a decimal integer')
diag "100 rejected writes logged $n lines"
[ "$n" -ge 1 ] && [ "$n" -le 10 ]
ok $? "rejected sysfs writes log at a limited rate (1 to 10 lines of 100)"

# --- the benchmarks' size cap and fatal signals ------------------------------
if [ -e $D/bench/order0 ]; then
	(echo 1000001 >$D/bench/order0) 2>/tmp/bench.err &
	pid=$!
	if dies_within 500 $pid; then
		wait $pid
		rc=$?
		grep -q 'Invalid argument' /tmp/bench.err
		ok $? "bench/order0 refuses 1000001 operations with EINVAL (status $rc)"
	else
		kill -9 $pid 2>/dev/null
		t_fail "bench/order0 refuses 1000001 operations with EINVAL (still running after 5 s)"
	fi
	for b in order0 copy; do
		(echo 1000000 >$D/bench/$b) 2>/tmp/bench.err &
		pid=$!
		sleep 1
		if ! kill -0 $pid 2>/dev/null; then
			# An earlier killed run that still holds the benchmark
			# lock makes this one fail at once with EBUSY.
			t_fail "a killed bench/$b run ends within 3 s (it was not running: $(cat /tmp/bench.err))"
			continue
		fi
		kill -9 $pid 2>/dev/null
		dies_within 300 $pid
		ok $? "a killed bench/$b run ends within 3 s (took ${TOOK}0 ms)"
	done
else
	skip "bench/order0 refuses 1000001 operations" "no debugfs bench directory"
	skip "a killed bench/order0 run ends within 3 s" "no debugfs bench directory"
	skip "a killed bench/copy run ends within 3 s" "no debugfs bench directory"
fi

# --- writebacks complete with nobody waiting --------------------------------
# A sync compaction, killed while it waits on the writebacks it started,
# gives those pages up; the writebacks hold page references and must end
# at their deadline without another migration batch or waiter to complete
# them. (Before the marks below, whose pages come back late on their own.)
out=$(./clab-harden orphan-writeback 64 3000)
ok $? "a killed sync compaction's writebacks end on their own, and their freed pages come back ($out)"

# --- a sync compaction waiting on writeback is killable ---------------------
./clab-harden hold-writeback 2048 >/tmp/hold.out &
holder=$!
n=0
while ! grep -q ready /tmp/hold.out && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
diag "holder: $(cat /tmp/hold.out)"
(echo 1 >$S/compact_memory) &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null
dies_within 300 $pid
ok $? "a sync compaction waiting on 10 s writebacks dies within 3 s of SIGKILL (took ${TOOK}0 ms)"
kill $holder
wait $holder

# Leave an idle arena, as loaded, to the next test: the writebacks end
# 10 s after the marks, then a fresh module.
sleep 9
unload_within 100 && clab_load $CLAB_PARAMS
ok $? "module reloaded with its original parameters${CLAB_LOAD_ERR:+: $CLAB_LOAD_ERR}"
tap_done
