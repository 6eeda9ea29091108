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
#   - bench/bracket refuses a bad count or node, copies on both sides, ends
#     at once when killed and gives its pages back; bench/copy reports the
#     copy methods of this architecture;
#   - the writebacks a sync compaction started complete on their own when
#     it is killed, with no compaction after them: their pages come back;
#   - a sync compaction waiting on writeback dies at once when killed.
. ./tap.sh

plan 16

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

# --- bench/bracket and the copy methods ------------------------------------
B=$D/bench/bracket

# bracket_refuses CMD LOGTEXT: writing CMD fails with EINVAL and logs LOGTEXT.
bracket_refuses() {
	dmesg -c >/dev/null
	err=$( (echo "$1" >$B) 2>&1)
	rc=$?
	diag "'$1': status $rc, $err; log: $(dmesg | grep 'bench/bracket' | tail -1)"
	[ $rc != 0 ] && echo "$err" | grep -q 'Invalid argument' &&
		dmesg | grep -qF "$2"
	ok $? "bench/bracket refuses '$1' with EINVAL and says why"
}

# bracket_copied SIDE NID N: the last run on SIDE held 2048 pairs of node
# NID and made N copies at a rate above 0.
bracket_copied() {
	line=$(cat $B)
	diag "bracket: $line"
	[ "$(field side "$line")" = "$1" ] && [ "$(field nid "$line")" = "$2" ] &&
		[ "$(field pairs "$line")" = 2048 ] &&
		[ "$(field copies "$line")" = "$3" ] &&
		awk -v m="$(field mbps "$line")" 'BEGIN { exit !(m ~ /^[0-9.]+$/ && m + 0 > 0) }'
}

# copy_rate KEY: the value of KEY in bench/copy's last result (its lines
# are "KEY VALUE" pairs).
copy_rate() {
	awk -v k="$1" '{ for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' \
		$D/bench/copy
}

if [ -e $B ]; then
	echo "setup node 0" >$B
	bracket_refuses "run 2000000" "run: '2000000' is not a count from 1 to 1000000"
	bracket_refuses "setup node 99" "setup node: '99' is not an online node"
	for side in "node 0" arena; do
		echo "setup $side" >$B && echo "run 1000" >$B &&
			bracket_copied "${side% *}" 0 1000
		ok $? "bench/bracket 'setup $side', 'run 1000': 1000 copies, 2048 pairs, mbps > 0"
	done

	# A long run, killed part-way, ends at once and leaves the file usable.
	(echo "run 1000000" >$B) 2>/tmp/bracket.err &
	pid=$!
	sleep 0.2
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid 2>/dev/null
		dies_within 300 $pid
		ok $? "a killed bench/bracket run ends within 3 s (took ${TOOK}0 ms)"
	else
		wait $pid
		skip "a killed bench/bracket run ends within 3 s" \
			"10^6 copies took under 0.2 s (status $?)"
	fi
	wait $pid 2>/dev/null
	echo "run 1000" >$B && bracket_copied arena 0 1000
	ok $? "bench/bracket runs again after a killed run"
	echo release >$B && [ "$(cat $B)" = "side=none" ]
	ok $? "bench/bracket 'release' leaves side=none"

	echo 200 >$D/bench/copy
	diag "copy: $(tr '\n' ' ' <$D/bench/copy)"
	case $(uname -m) in
	x86_64) numeric="u64x8 rep_movsb simd" none= ;;
	*) numeric=u64x8 none="rep_movsq rep_movsb simd avx" ;;
	esac
	bad=
	for m in $numeric; do
		for k in ${m}_mbps ${m}_spread_mbps; do
			copy_rate $k | grep -qE '^[0-9]+\.[0-9]{3}$' || bad="$bad $k"
		done
	done
	for m in $none; do
		for k in ${m}_mbps ${m}_spread_mbps; do
			[ "$(copy_rate $k)" = - ] || bad="$bad $k"
		done
	done
	copy_rate fastest_mbps | grep -qE '^[0-9]+\.[0-9]{3}$' || bad="$bad fastest_mbps"
	[ -z "$bad" ]
	ok $? "bench/copy rates '$numeric' and '${none:--}' as this CPU can${bad:+ (wrong:$bad)}"
else
	for t in "refuses 'run 2000000'" "refuses 'setup node 99'" \
		"node 0 copies" "arena copies" "killed run ends within 3 s" \
		"runs after a kill" "release"; do
		skip "bench/bracket $t" "no debugfs bench directory"
	done
	skip "bench/copy reports the copy methods" "no debugfs bench directory"
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
# 10 s after the marks, then a fresh module. The module gives back the
# pages bench/bracket holds when it goes.
sleep 9
[ ! -e $B ] || echo "setup arena" >$B
unload_within 100 && clab_load $CLAB_PARAMS
ok $? "module reloaded with its original parameters${CLAB_LOAD_ERR:+: $CLAB_LOAD_ERR}"
tap_done
