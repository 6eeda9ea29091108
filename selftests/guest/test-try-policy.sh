#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The admin guide's "Try a policy on this machine's fragmentation" (issue
# 14), as a user types it: load a virtual arena as large as the kernel's
# largest zone, clone the zone, save it, compact the clone with each policy
# from the saved layout, save each result, check, release, unload. The
# kernel's own compaction and migration counters do not move meanwhile
# (nothing of the machine's memory is compacted or migrated), every step
# succeeds, no cloned page loses its pattern, and the shipped snapshots
# (snapshots/*.snap.xz, taken on x86_64 guests) load and compact here too,
# whatever the architecture.
. ./tap.sh

plan 11

S=./clab-snapshot
T=/tmp/try
mkdir -p $T

# The largest zone of node 0, and the arena it needs (MiB).
ZONE=$(largest_zone)
MB=$(zone_arena_mb "$ZONE")
diag "zone $ZONE: a ${MB}M arena holds it"

# The kernel's compaction and migration counters.
kcounters() {
	grep -E '^(pgmigrate_success|pgmigrate_fail|compact_migrate_scanned|compact_free_scanned|compact_isolated|compact_stall) ' /proc/vmstat |
		tr '\n' ' '
}

clab_unload
k0=$(kcounters)
insmod "$CLAB_KO" arena_backend=virtual arena_size=${MB}M
ok $? "insmod compactlab.ko arena_backend=virtual arena_size=${MB}M"
echo 0 >$CLAB_SYSFS/compaction_proactiveness

$S clone "$ZONE" >$T/clone.out 2>&1
ok $? "clab-snapshot clone $ZONE: $(grep -E '^(nr_pages|nr_changed)=' $T/clone.out | tr '\n' ' ')"
$S save $T/zone.snap 2>$T/save.err
ok $? "clab-snapshot save zone.snap: $(cat $T/save.err)"
# A whole zone's clone carries its watermarks (the zone state).
kwm=$(awk -v z="$ZONE" '$1 == "Node" { in_z = ($2 == "0," && $4 == z) }
	in_z && ($1 == "min" || $1 == "low") { printf "%s ", $2 }' /proc/zoneinfo)
$S show $T/zone.snap >$T/zone.show
swm="$(sed -n 's/^wmark_min=//p' $T/zone.show) $(sed -n 's/^wmark_low=//p' $T/zone.show) "
[ "$(sed -n 's/^version=//p' $T/zone.show)" = 2 ] && [ "$kwm" = "$swm" ]
ok $? "the saved clone has the zone's min and low watermarks ($swm; the kernel's: $kwm)"

fail=0
for p in linux tuned min_moves; do
	$S load $T/zone.snap >/dev/null &&
		echo $p >$CLAB_SYSFS/policy &&
		echo 1 >$CLAB_SYSFS/compact_memory &&
		cat $CLAB_DEBUGFS/buddyinfo >$T/buddyinfo-$p &&
		cat $CLAB_DEBUGFS/extfrag/unusable_index >/dev/null &&
		cat $CLAB_DEBUGFS/compact_stats >$T/stats-$p &&
		$S save $T/after-$p.snap 2>/dev/null || { fail=1; diag "policy $p: a step failed"; }
	$S show $T/after-$p.snap >$T/show-$p 2>/dev/null
	diag "$p: order>=9 free pages after: $(sed -n 's/^high_free_pages=//p' $T/show-$p)"
done
ok $fail "load, policy, compact_memory, the views and save, for linux, tuned and min_moves"

$S info >$T/info
[ "$(sed -n 's/^mismatches=//p' $T/info)" = 0 ] &&
	[ "$(sed -n 's/^held_pages=//p' $T/info)" -gt 0 ]
ok $? "clab-snapshot info: $(tr '\n' ' ' <$T/info)"
$S release
ok $? "clab-snapshot release"
rmmod compactlab
ok $? "rmmod compactlab"
k1=$(kcounters)
[ "$k0" = "$k1" ]
ok $? "the kernel compacted and migrated nothing meanwhile ($k1)"

# The shipped snapshots, on this machine's architecture.
n=0 bad=0
for f in ./*.snap.xz; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	need=$(xz -dc "$f" | $S show - | sed -n 's/^nr_pages=//p')
	clab_load arena_backend=virtual arena_size=$(( (need + 255) / 256 ))M ||
		{ bad=1; diag "$f: insmod: $CLAB_LOAD_ERR"; continue; }
	echo 0 >$CLAB_SYSFS/compaction_proactiveness
	if xz -dc "$f" | $S load - >/dev/null && echo 1 >$CLAB_SYSFS/compact_memory &&
		[ "$($S info | sed -n 's/^nr_pages=//p')" = "$need" ]; then
		diag "$f: $need pages loaded and compacted"
	else
		bad=1
		diag "$f: did not load and compact"
	fi
	clab_unload
done
[ $n -gt 0 ]
ok $? "shipped snapshots found ($n)"
ok $bad "every shipped snapshot loads and compacts on $(uname -m)"
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
tap_done
