#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A policy from another module: the example clab_policy_budget.ko
# (examples/policy-budget, built by scripts/build-module against this
# kernel and compactlab's Module.symvers) is loaded after compactlab,
# listed and selected in /sys/kernel/compactlab/policy, compacts a
# fragmented arena within its budget with the data intact, is unloaded while
# selected and idle (the selection goes back to linux), and cannot be
# unloaded while a compaction runs it (a sync compact_memory waiting on
# writebacks); nor can compactlab while the policy module is loaded.
. ./tap.sh

KO=${CLAB_EXAMPLES:-/lib/modules/examples}/clab_policy_budget.ko
MOD=clab_policy_budget
if [ ! -f "$KO" ]; then
	echo "1..0 # SKIP no $KO (scripts/build-module builds it)"
	exit 4
fi

plan 15

CC=./clab-compact
P=$CLAB_SYSFS/policy

quiet_daemons() {
	echo 0 >$CLAB_SYSFS/compaction_proactiveness
	echo 0 >$CLAB_SYSFS/watermark_boost_factor
}

reload() {
	rmmod $MOD 2>/dev/null
	clab_unload
	clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
	quiet_daemons
}

refcnt() {
	cat /sys/module/$MOD/refcnt 2>/dev/null
}

# Populated zones of the arena: one line each in buddyinfo.
nr_zones=$(grep -c zone "$CLAB_DEBUGFS/buddyinfo")

# --- load, list, select ----------------------------------------------------
reload
err=$(insmod "$KO" budget=64 2>&1)
ok $? "insmod $MOD after compactlab${err:+: $err}"
[ "$(cat $P)" = "[linux] tuned min_moves budget" ]
ok $? "policy lists the registered policy: $(cat $P)"
err=$(rmmod compactlab 2>&1)
[ $? -ne 0 ] && clab_loaded
ok $? "compactlab cannot be unloaded under the policy module (${err#rmmod: })"
echo budget >$P && [ "$(cat $P)" = "linux tuned min_moves [budget]" ] &&
	! (echo nosuch >$P) 2>/dev/null &&
	[ "$(cat $P)" = "linux tuned min_moves [budget]" ]
ok $? "budget selected; 'nosuch' refused with EINVAL, budget kept"

# --- compact a fragmented arena with it -------------------------------------
# One page kept in 3: budget runs linux's scanners, whose 6.1 free scanner
# stride can miss every free page of a one-in-4 pattern (no-op passes).
rm -f /tmp/ready
$CC hold --mb 96 --stride 3 --ready /tmp/ready >/tmp/hold.out 2>&1 &
pid=$!
if wait_file /tmp/ready; then
	ok0=$(vmstat_of pgmigrate_success)
	echo 1 >$CLAB_SYSFS/compact_memory
	mig=$(($(vmstat_of pgmigrate_success) - ok0))
	kill -USR1 $pid
fi
wait $pid
rc=$?
out=$(cat /tmp/hold.out)
echo "$out" | sed 's/^/# /'
bound=$((nr_zones * (64 + 32)))
diag "budget 64: pgmigrate_success +$mig over $nr_zones zone(s)"
[ -n "$mig" ] && [ "$mig" -gt 0 ] && [ "$mig" -le $bound ]
ok $? "compact_memory moved pages within the budget ($mig, at most $bound: 64 a zone and one batch over)"
[ $rc -eq 0 ] && [ "$(word_after "hold: kept" mismatches "$out")" = 0 ] &&
	[ "$(word_after "hold: kept" missing "$out")" = 0 ] && [ "$(word_after "hold: kept" moved "$out")" -gt 0 ]
ok $? "user pages moved and intact ($(word_after "hold: kept" moved "$out") moved, $(word_after "hold: kept" mismatches "$out") mismatched)"
[ "$(refcnt)" = 0 ]
ok $? "no reference left on $MOD after the compaction (refcnt $(refcnt))"

# --- unload while selected and idle ----------------------------------------
err=$(rmmod $MOD 2>&1)
ok $? "rmmod $MOD while selected and idle${err:+: $err}"
[ "$(cat $P)" = "[linux] tuned min_moves" ]
ok $? "the selection went back to linux: $(cat $P)"
dmesg | grep -q "policy budget unregistered while selected: policy linux selected"
ok $? "one log line says so"

# --- refused while a compaction runs it -------------------------------------
reload
insmod "$KO" budget=0 && echo budget >$P
ok $? "reloaded with no budget, selected: $(cat $P)"
rm -f /tmp/ready
$CC hold --mb 96 --stride 4 --writeback 3000 --ready /tmp/ready >/tmp/hold.out 2>&1 &
pid=$!
busy= rmerr= held=0
if wait_file /tmp/ready; then
	rm -f /tmp/compacted
	(echo 1 >$CLAB_SYSFS/compact_memory; : >/tmp/compacted) &
	cpid=$!
	# Wait for the compaction to hold the module, then try to unload it.
	i=0
	while [ "$(refcnt)" != 1 ] && [ ! -e /tmp/compacted ] && [ $i -lt 500 ]; do
		i=$((i + 1))
	done
	if [ "$(refcnt)" = 1 ]; then
		held=1
		rmerr=$(rmmod $MOD 2>&1) || busy=1
	fi
	wait $cpid
	kill -USR1 $pid
fi
wait $pid
rc=$?
out=$(cat /tmp/hold.out)
echo "$out" | sed 's/^/# /'
diag "rmmod during the compaction: ${rmerr:-succeeded}"
[ "$held" = 1 ] && [ "$busy" = 1 ] && [ -d /sys/module/$MOD ] &&
	echo "$rmerr" | grep -q -e "temporarily unavailable" -e "in use" -e "busy"
ok $? "rmmod refused (EAGAIN) while a compaction runs the policy (refcnt was 1)"
[ $rc -eq 0 ] && [ "$(word_after "hold: kept" mismatches "$out")" = 0 ] &&
	[ "$(refcnt)" = 0 ]
ok $? "the compaction ended, pages intact, reference dropped (refcnt $(refcnt))"
err=$(rmmod $MOD 2>&1) && [ "$(cat $P)" = "[linux] tuned min_moves" ]
ok $? "rmmod once idle; selection back to linux${err:+: $err}"

# Leave a freshly loaded module to the next test (the marked writebacks
# ended with the compaction that waited on them).
clab_unload
clab_load $CLAB_PARAMS
ok $? "module reloaded with its original parameters${CLAB_LOAD_ERR:+: $CLAB_LOAD_ERR}"
tap_done
