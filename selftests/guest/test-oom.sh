#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Whom the OOM killer picks (runs in the guest, cwd: the shared directory,
# module loaded by vm-run): with oom_kill=1, the process that maps the most
# arena pages, not the one that opened the file; oom_score_adj -1000 is
# never picked; an opener that exited leaves its child to be picked.
. ./tap.sh

plan 4

SYS=$CLAB_SYSFS

kills() {
	dmesg | grep -c "Out of memory: Killed process"
}

oom0=$(cat $SYS/oom_kill)
wbf=$(cat $SYS/watermark_boost_factor)
# No watermark boost: kswapd dropping one would free pages for the test.
echo 0 >$SYS/watermark_boost_factor
echo 1 >$SYS/oom_kill

rm -f /tmp/clab-oompick.pids
# Only this test's messages: the debug kernel's boot log names lockdep.
dmesg -c >/dev/null

# oompick MODE: run it; its last line in $out, the kills it caused in $nk
oompick() {
	k0=$(kills)
	out=$(./clab-slowpath oompick "$1")
	rc=$?
	diag "$1 (exit $rc): $(echo "$out" | tr '\n' ' ')"
	dmesg | grep "Out of memory: Killed process" | tail -n +$((k0 + 1)) |
		sed 's/^/# /'
	out=$(echo "$out" | grep '^oompick:')
	nk=$(($(kills) - k0))
	# Holders left by a parent that was killed (the bug) go now.
	for p in $(cat /tmp/clab-oompick.pids 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	rm -f /tmp/clab-oompick.pids
	sleep 0.5
	[ $rc -eq 0 ]
}

oompick privs
[ "$(field h0 "$out")" = signaled:9 ] && [ "$(field later "$out")" = ok ] &&
	[ "$nk" = 1 ]
ok $? "root opener, child at uid 65534 maps 7/8: the child is killed, the opener lives"

oompick orphan
[ "$(field h0 "$out")" = signaled:9 ] && [ "$(field later "$out")" = ok ] &&
	[ "$nk" = 1 ]
ok $? "opener exited, its child maps 7/8: the child is killed"

oompick adj
[ "$(field h0 "$out")" = alive ] && [ "$(field h1 "$out")" = signaled:9 ] &&
	[ "$(field later "$out")" = ok ] && [ "$nk" = 1 ]
ok $? "oom_score_adj -1000 holding 1/2 is skipped: the holder of 3/8 is killed"

echo "$oom0" >$SYS/oom_kill
echo "$wbf" >$SYS/watermark_boost_factor

! dmesg | grep -qE "BUG:|WARNING:|Oops|general protection|RIP:|lockdep|UBSAN|KASAN"
ok $? "kernel healthy: no splat in the log"
tap_done
