#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The live mirror (issue 15): the running kernel's allocations and frees
# replayed on a metadata-only arena as large as node 0's largest zone.
# Bad writes refused with their errno and a log line; the mirror on while
# clab-kfrag fragments the kernel's memory (THP churn, then anonymous
# Gupta churn); no event lost; the shadow's free memory tracking the
# kernel's (policy linux); the views (debugfs mirror, mirror.csv); the
# clone held (a second clone refused); a policy switch and a resync while
# it runs; a policy from an external module (examples/policy-budget)
# running it; on and off MIRROR_CYCLES times under load; unload while
# mirroring; and the kernel's own allocation counts the same over one
# scripted workload with the mirror off and on; the shadow's per-CPU
# lists following the kernel's, refills and a CPU's drain included.
# MIRROR_MB (32) sizes the workloads, MIRROR_CYCLES (5; make stress: 100,
# through a file mirror-cycles beside this script) the on-and-off loop.
. ./tap.sh

plan 28

CYCLES=$(cat mirror-cycles 2>/dev/null || echo "${MIRROR_CYCLES:-5}")
MB=${MIRROR_MB:-32}
M=$CLAB_SYSFS/mirror
D=$CLAB_DEBUGFS

zone=$(largest_zone)
mb=$(zone_arena_mb "$zone")
diag "zone: node 0 $zone, arena ${mb}M ($CLAB_ARCH $CLAB_KERNEL, $(uname -r))"

# refused DESC ERRNO-TEXT LOG-TEXT WORDS: writing WORDS to mirror fails so.
refused() {
	desc=$1 err=$2 log=$3
	shift 3
	dmesg -c >/dev/null
	out=$(echo "$*" 2>&1 >$M)
	msg=$(dmesg | grep 'compactlab: mirror' | tail -n1)
	case $out in
	*"$err"*) ;;
	*) t_fail "refused: $desc (said: $out)"; return ;;
	esac
	case $msg in
	*"$log"*) t_ok "refused: $desc: $err" ;;
	*) t_fail "refused: $desc (log: $msg)" ;;
	esac
}

# wait_census: until the mirror took a census after every event so far.
wait_census() {
	n0=$(mirror_value samples)
	i=0
	while [ "$(mirror_value samples)" -le $((n0 + 1)) ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
}

# pgalloc: the kernel's pgalloc_* counts summed.
pgalloc() {
	awk '$1 ~ /^pgalloc_/ { n += $2 } END { print n }' /proc/vmstat
}

rmmod compactlab 2>/dev/null
# Without the zone plan the arena is Normal: a DMA32 or DMA zone is refused.
if [ -n "$(zone_plan "$zone" "$mb")" ]; then
	clab_load arena_backend=virtual "arena_size=${mb}M"
	refused "an arena of another zone type" "Invalid argument" "zone plan" on
	dmesg | grep -q "load compactlab with $(zone_plan "$zone" "$mb")"
	ok $? "the log names the parameter: $(zone_plan "$zone" "$mb")"
	clab_unload
else
	skip "an arena of another zone type" "node 0's largest zone is Normal"
	skip "the log names the parameter" "node 0's largest zone is Normal"
fi
plan_args=$(zone_plan "$zone" "$mb")
clab_load arena_backend=virtual "arena_size=${mb}M" $plan_args
ok $? "insmod arena_backend=virtual arena_size=${mb}M $plan_args"
[ "$(cat $M)" = off ]
ok $? "mirror reads off"

refused "an unknown command" "Invalid argument" "write on" bogus
refused "an unknown key" "Invalid argument" "unknown key" on speed=3
refused "interval_ms below 100" "Invalid argument" "interval_ms must be" on interval_ms=5
refused "a zone the node lacks" "No such file" "no zone of that name" on zone=Nowhere
refused "off while off" "No such file" "is off already" off
refused "a pcp value but follow or own" "Invalid argument" "pcp: follow or own" on pcp=mine

dmesg -c >/dev/null
mirror_switch "on zone=$zone interval_ms=500"
ok $? "mirror on (zone $zone)"
diag "$(cat $M)"
case $(cat $M) in
"on node 0 zone $zone "*) t_ok "mirror reads on, node 0 zone $zone" ;;
*) t_fail "mirror reads on, node 0 zone $zone ($(cat $M))" ;;
esac
refused "on while on" "Device or resource busy" "is on already" on

./clab-clone --apply "$zone" >/tmp/clone.out 2>&1
grep -q '^err=EBUSY' /tmp/clone.out
ok $? "a clone into the arena is refused while mirroring ($(head -c 80 /tmp/clone.out))"
./clab-clone release >/tmp/clone.out 2>&1
grep -q '^err=EBUSY' /tmp/clone.out
ok $? "releasing the mirror's clone is refused while mirroring"

kfrag_run thp $MB
kfrag_run gupta $MB
wait_census
ev=$(mirror_value events)
lost=$(mirror_value lost)
diag "events $ev lost $lost pending $(mirror_value pending) allocs $(mirror_value kernel_allocs) frees $(mirror_value kernel_frees)"
diag "rebound $(mirror_value rebound) unmatched $(mirror_value unmatched_frees) unserved $(mirror_value unserved_frees) splits $(mirror_value splits) repaired $(mirror_value repaired_allocs)/$(mirror_value repaired_frees)"
[ "$ev" -gt 1000 ] && [ "$lost" = 0 ]
ok $? "THP and Gupta churn replayed: $ev events, $lost lost"

# The shadow's free memory (buddy and per-CPU lists) against the kernel's.
set -- $(mirror_sides free_pages)
kf=$1 sf=$2
set -- $(mirror_sides pcp_pages)
kf=$((kf + $1)) sf=$((sf + $2))
set -- $(mirror_sides pageblocks)
pages=$(($1 * 512))
d=$((kf - sf))
[ $d -lt 0 ] && d=$((-d))
diag "free pages: kernel $kf shadow $sf of $pages; free pageblocks $(mirror_sides free_pageblocks); unmovable blocks $(mirror_sides unmovable_blocks)"
diag "unusable index order 9: $(mirror_sides unusable_index_order9)"
[ $((d * 100)) -le $((pages * 3)) ]
ok $? "the shadow's free memory tracks the kernel's within 3% of the zone ($d pages apart)"

# pcp=follow (the default): the kernel's bulk frees from its per-CPU lists,
# drains included, make the shadow's lists give back as much, and its
# refills take as much. Taking CPU 1 offline drains its lists (from
# another CPU).
set -- $(mirror_sides pcp_pages)
diag "per-CPU pages before CPU 1 goes offline: kernel $1 shadow $2"
if [ -w /sys/devices/system/cpu/cpu1/online ]; then
	echo 0 >/sys/devices/system/cpu/cpu1/online
	echo 1 >/sys/devices/system/cpu/cpu1/online
fi
wait_census
set -- $(mirror_sides pcp_pages)
kp=$1 sp=$2
dp=$((kp - sp))
[ $dp -lt 0 ] && dp=$((-dp))
drains=$(mirror_value pcp_drains)
missed=$(mirror_value pcp_drains_missed)
refills=$(mirror_value pcp_refills)
rmissed=$(mirror_value pcp_refills_missed)
diag "per-CPU pages after: kernel $kp shadow $sp; drains followed $drains, $(mirror_value pcp_drains_elsewhere) from another CPU's lists, missed $missed; refills followed $refills, missed $rmissed"
[ "$(mirror_value pcp)" = follow ] && [ "$drains" -gt 0 ] &&
	[ $((missed * 10)) -le "$drains" ] && [ "$refills" -gt 0 ] &&
	[ $((rmissed * 10)) -le "$refills" ] && [ $dp -le $(((kp + sp) / 4 + 128)) ]
ok $? "the shadow's per-CPU lists follow the kernel's ($kp and $sp pages; $drains drains, $missed missed; $refills refills, $rmissed missed)"

head -n1 $D/mirror.csv | grep -q '^ms,events,lost,k_free_pages,' &&
	[ "$(wc -l <$D/mirror.csv)" -ge 3 ]
ok $? "mirror.csv: a header and $(($(wc -l <$D/mirror.csv) - 1)) samples"

echo tuned >$CLAB_SYSFS/policy && kfrag_run random $MB && echo linux >$CLAB_SYSFS/policy
[ "$(mirror_value lost)" = 0 ]
ok $? "policy switched to tuned and back while mirroring, nothing lost"

# A policy from another module (examples/policy-budget) runs the shadow.
BKO=${CLAB_EXAMPLES:-/lib/modules/examples}/clab_policy_budget.ko
if insmod "$BKO" budget=64 2>/dev/null; then
	echo budget >$CLAB_SYSFS/policy
	sel=$?
	kfrag_run thp $MB
	echo linux >$CLAB_SYSFS/policy
	# A compaction still running the policy holds its module a moment.
	i=0
	until rmerr=$(rmmod clab_policy_budget 2>&1) || [ $i -ge 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ $sel = 0 ] && [ ! -d /sys/module/clab_policy_budget ] && [ "$(mirror_value lost)" = 0 ]
	ok $? "an external policy module's policy runs the mirror, and unloads after (${rmerr:-unloaded})"
else
	skip "an external policy module's policy runs the mirror" "no $BKO"
fi

echo resync >$M
ok $? "resync"
case $(cat $M) in
*"resyncs 1"*) t_ok "one resync counted, still on" ;;
*) t_fail "one resync counted, still on ($(cat $M))" ;;
esac

# A window of the zone: 4096 pages from its start, the lists its own.
mirror_switch off && mirror_switch "on zone=$zone pages=4096 pcp=own" &&
	set -- $(sed -n 's/.* pfns 0x\([0-9a-f]*\)-0x\([0-9a-f]*\) .*/\1 \2/p' $M) &&
	[ $((0x$2 - 0x$1)) -le 5120 ] && [ $((0x$2 - 0x$1)) -ge 4096 ] &&
	[ "$(mirror_value pcp)" = own ] && grep -q " pcp own$" $M
ok $? "a window of the zone mirrored, pcp=own ($(cut -d' ' -f1-7,16- $M))"

# On and off again and again, under load.
./clab-kfrag random $MB 7 >/dev/null 2>&1 &
load=$!
good=0
i=0
while [ $i -lt "$CYCLES" ]; do
	mirror_switch off && mirror_switch "on zone=$zone" && good=$((good + 1))
	i=$((i + 1))
done
kill -CONT $load 2>/dev/null
kill -KILL $load 2>/dev/null
wait $load 2>/dev/null
[ $good = "$CYCLES" ]
ok $? "off and on $CYCLES times under load ($good worked)"

dmesg -c >/dev/null
for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
	[ -w "$c" ] && echo 0 >"$c"
done
clab_unload
ok $? "rmmod while mirroring"
dmesg | grep -q 'mirror off after'
ok $? "unload turned the mirror off first"
for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
	[ -w "$c" ] && echo 1 >"$c"
done

# The kernel's own allocations: one scripted workload, the mirror off, then
# on. The mirror allocates nothing once on, so the counts agree to noise.
clab_load arena_backend=virtual "arena_size=${mb}M" $plan_args
kfrag_run random $MB
a0=$(pgalloc)
kfrag_run random $MB
a1=$(pgalloc)
mirror_switch "on zone=$zone"
a2=$(pgalloc)
kfrag_run random $MB
a3=$(pgalloc)
mirror_switch off
off=$((a1 - a0)) on=$((a3 - a2))
d=$((on - off))
[ $d -lt 0 ] && d=$((-d))
diag "pgalloc over the workload: mirror off $off, on $on"
[ $((d * 100)) -le $((off * 5)) ]
ok $? "the kernel allocates the same with the mirror on (within 5%: $off, $on)"
clab_unload

# As vm-run loaded it, for the tests after this one.
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"

tap_done
