#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Reclaim (runs in the guest, cwd: the shared directory, module loaded by
# vm-run): kswapd restores the high watermark, the LRU keeps touched pages,
# and the OOM path reports or kills.
. ./tap.sh

plan 9

SYS=$CLAB_SYSFS
DBG=$CLAB_DEBUGFS

vmstat() {
	sed -n "s/^$1 //p" "$DBG/vmstat"
}

# zones_above low|high: every populated zone has more free pages than the mark
# zones_above MARK: every zone's free pages above its MARK (low or high)
zones_above() {
	awk -v m="$1" '/^Node/ { z = $4 } /pages free/ { f = $3 } $1 == m {
		if (f <= $2) bad = 1; printf "%s free %d %s %d; ", z, f, m, $2 }
		END { exit bad }' "$DBG/zoneinfo"
}

if ! clab_loaded || [ ! -c /dev/compactlab ]; then
	echo "1..0 # SKIP module not loaded"
	exit 4
fi
oom0=$(cat $SYS/oom_kill)
echo 0 >$SYS/oom_kill

# --- kswapd keeps free memory above high -------------------------------------
pages=$(arena_field pages)
ps0=$(vmstat pgsteal_kswapd)
rm -f /tmp/rec.ready
./clab-slowpath fillrec "$pages" --hold -1 --ready /tmp/rec.ready >/tmp/rec.out 2>&1 &
REC=$!
wait_file /tmp/rec.ready 120
ok $? "reclaimable blocks past the low watermark: $(cat /tmp/rec.out)"
# kswapd is woken below the low mark and reclaims up to the high mark; the
# filler may still take pages after that, down to (not below) the low mark,
# where nobody wakes kswapd: that is the kernel's steady state too.
t=0
while ! zones_above low >/dev/null && [ $t -lt 20 ]; do
	sleep 1
	t=$((t + 1))
done
zi=$(zones_above low)
s=$?
ps1=$(vmstat pgsteal_kswapd)
diag "after ${t}s: $zi pgsteal_kswapd +$((ps1 - ps0)) pgsteal_direct $(vmstat pgsteal_direct)"
[ $s = 0 ]
ok $? "kswapd keeps every zone above its low watermark, as woken there (${t}s)"
[ $ps1 -gt $ps0 ]
ok $? "pgsteal_kswapd moved (+$((ps1 - ps0)))"
kill -TERM $REC
wait $REC

# --- LRU: touched pages survive, the oldest untouched go first ---------------
out=$(./clab-slowpath lru)
diag "$out"
a=$(field a_dropped_at "$out")
c=$(field c_dropped_at "$out")
[ "$a" -gt 0 ] && [ "$c" -ge "$a" ] && [ "$(field b_at_c "$out")" = intact ]
ok $? "LRU: A (oldest) dropped at $a, C at $c, B (touched twice) still there"

# --- OOM, oom_kill=0: a clean failure and one report -------------------------
# No watermark boost: kswapd dropping one would free pages for the test.
wbf=$(cat $SYS/watermark_boost_factor)
echo 0 >$SYS/watermark_boost_factor
sleep 6	# past the report rate limit of anything earlier
r0=$(dmesg | grep -c "page allocation failure")
k0=$(dmesg | grep -c "Out of memory: Killed process")
out=$(./clab-slowpath oom 0)
diag "$out"
r1=$(dmesg | grep -c "page allocation failure")
[ "$(field first "$out")" = ENOMEM ] && [ "$(field second "$out")" = ENOMEM ]
ok $? "oom_kill=0: an order-0 RECLAIM request on a pinned arena fails with ENOMEM, twice"
[ $((r1 - r0)) = 1 ] && [ "$(dmesg | grep -c "Out of memory: Killed process")" = "$k0" ]
ok $? "exactly one rate-limited failure report ($((r1 - r0))), nobody killed"

# --- OOM, oom_kill=1: the largest user is killed -----------------------------
echo 1 >$SYS/oom_kill
sleep 1 &
BYSTANDER=$!
out=$(./clab-slowpath oom 1)
diag "$(echo "$out" | head -1)"
out=$(echo "$out" | tail -1)
diag "$out"
k1=$(dmesg | grep -c "Out of memory: Killed process")
dmesg | grep "Out of memory: Killed process" | tail -1 | sed 's/^/# /'
[ "$(field child "$out")" = signaled ] && [ "$(field sig "$out")" = 9 ] &&
	[ "$(field later "$out")" = ok ]
ok $? "oom_kill=1: the child holding most of the arena gets SIGKILL, a later allocation succeeds"
wait $BYSTANDER
bs=$?
[ $((k1 - k0)) = 1 ] && [ $bs = 0 ]
ok $? "one kill only ($((k1 - k0))); the requester and a bystander live"
echo "$oom0" >$SYS/oom_kill
echo "$wbf" >$SYS/watermark_boost_factor

! dmesg | grep -qE "BUG:|WARNING:|Oops|divide error|general protection|RIP:|lockdep|UBSAN|KASAN"
ok $? "kernel healthy: no splat (oops, divide error, lockdep) in the log"
tap_done
