#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Snapshots (issue 14): the layout of a fragmented arena is saved to a file
# while its pages are held; once they are freed, loading the file gives the
# arena the same layout (free pages, kinds, pageblock types), as a clone
# whose movable pages compaction moves with their contents intact; a save
# after the load reads the same. Every bad snapshot (not one, empty,
# truncated, corrupted, larger than the arena) and a load over pages in use
# is refused with its errno and a kernel log line, and leaves the clone
# that was there untouched. Loads, saves, reads, releases and compactions
# race from five processes. Release gives the whole arena back.
. ./tap.sh

plan 19

S=./clab-snapshot
T=/tmp/snap
mkdir -p $T

quiet_daemons() {
	echo 0 >$CLAB_SYSFS/compaction_proactiveness
	echo 0 >$CLAB_SYSFS/watermark_boost_factor
}

# free_pages: free pages of the arena, from the module's buddyinfo.
free_pages() {
	awk '{ p = 1; for (i = 5; i <= NF; i++) { n += $i * p; p *= 2 } }
		END { printf "%d\n", n }' $CLAB_DEBUGFS/buddyinfo
}

# key FILE NAME: a value of clab-snapshot's key=value output.
key() {
	sed -n "s/^$2=//p" "$1"
}

# refused ERRTEXT NAME FILE: loading FILE fails with ERRTEXT, the kernel
# says why, and the clone in place is as it was.
refused() {
	dmesg -c >/dev/null
	before=$($S info | tr '\n' ' ')
	err=$($S load "$3" 2>&1)
	rc=$?
	log=$(dmesg | grep 'CLAB_IOC_SNAPSHOT_LOAD:' | tail -n1)
	after=$($S info | tr '\n' ' ')
	diag "$2: $err"
	diag "$2: kernel: ${log#*: }"
	[ $rc -ne 0 ] && echo "$err" | grep -q "$1" && [ -n "$log" ] &&
		[ "$before" = "$after" ]
	ok $? "$2 refused with '$1', logged, the clone untouched"
}

dmesg -c >/dev/null
clab_unload
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
quiet_daemons
PAGES=$(arena_field pages)
MB=$((PAGES / 256 / 2))

./clab-frag --mb $MB --pin 64 --hold -1 >$T/frag.out 2>&1 &
FRAG=$!
i=0
while ! grep -q '^clab-frag:' $T/frag.out && [ $i -lt 2400 ]; do
	kill -0 $FRAG 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
grep -q '^clab-frag:' $T/frag.out
ok $? "clab-frag fragmented $MB MiB of the $PAGES-page arena"

$S save $T/a.snap 2>$T/save.err
ok $? "save while the pages are held: $(cat $T/save.err)"
free_held=$(free_pages)
$S show $T/a.snap >$T/a.show
diag "$(tr '\n' ' ' <$T/a.show)"
[ "$(key $T/a.show nr_pages)" -gt 0 ] &&
	[ "$(key $T/a.show pages_movable)" -gt 0 ] &&
	[ "$(key $T/a.show pages_unmovable)" -ge 64 ]
ok $? "the snapshot holds the user pages (movable) and the 64 pins (unmovable)"
[ "$(key $T/a.show pages_free)" -eq "$free_held" ]
ok $? "its free pages are the buddy's ($free_held)"

refused 'Device or resource busy' "a load over pages in use" $T/a.snap

kill $FRAG
wait $FRAG
dmesg -c >/dev/null
$S load $T/a.snap >$T/load.out 2>&1
ok $? "load: $(cat $T/load.out); $(dmesg | grep 'loaded a snapshot' | tail -n1)"
$S info >$T/info1
diag "$(tr '\n' ' ' <$T/info1)"
want_free=$(key $T/a.show pages_free)
want_pcp=$(key $T/a.show pages_pcp)
[ "$(free_pages)" -eq "$want_free" ]
ok $? "the arena's buddy holds the snapshot's free pages ($want_free; its $want_pcp per-CPU pages on a per-CPU list)"
[ "$(key $T/info1 held_pages)" -eq $(($(key $T/a.show nr_pages) - want_free - want_pcp)) ] &&
	[ "$(key $T/info1 mismatches)" -eq 0 ]
ok $? "the clone holds every other page, with its pattern"

$S save $T/b.snap 2>/dev/null && $S show $T/b.snap >$T/b.show
same=0
for k in nr_pages pages_movable pages_unmovable pageblocks_Unmovable \
	pageblocks_Movable pageblocks_Reclaimable version wmark_min wmark_low \
	wmark_high pcp; do
	[ "$(key $T/a.show $k)" = "$(key $T/b.show $k)" ] ||
		{ same=1; diag "$k: $(key $T/a.show $k) saved, $(key $T/b.show $k) after the load"; }
done
[ "$(key $T/a.show version)" = 2 ] && [ -n "$(key $T/a.show pcp)" ] || same=1
ok $same "a save after the load reads the same kinds, pageblock types and zone state ($(key $T/b.show pcp))"

# Under tuned: linux's free scanner, as 6.1's, samples ever more sparsely
# after the free blocks at the top and finds no target on this pattern.
m0=$(vmstat_of pgmigrate_success)
echo tuned >$CLAB_SYSFS/policy
echo 1 >$CLAB_SYSFS/compact_memory
echo linux >$CLAB_SYSFS/policy
moved=$(($(vmstat_of pgmigrate_success) - m0))
$S info >$T/info2
[ "$moved" -gt 0 ] && [ "$(key $T/info2 mismatches)" -eq 0 ] &&
	[ "$(key $T/info2 held_pages)" -eq "$(key $T/info1 held_pages)" ]
ok $? "compact_memory (tuned) on the clone moved $moved pages: every page kept, contents intact"
$S save $T/c.snap 2>/dev/null && $S show $T/c.snap >$T/c.show
hi() {
	awk -F= '$1 == "free_order9" { n += $2 } $1 == "free_order10" { n += 2 * $2 }
		END { print n + 0 }' "$1"
}
diag "order>=9 free (in order-9 units): $(hi $T/a.show) before, $(hi $T/c.show) after (the 64 pins hold the fragmented blocks)"
[ "$(key $T/c.show pages_movable)" -eq "$(key $T/a.show pages_movable)" ] &&
	[ "$(hi $T/c.show)" -ge "$(hi $T/a.show)" ]
ok $? "a save after the compaction: as many movable pages, no order-9 block lost"

: >$T/empty
refused 'Invalid argument' "an empty file" $T/empty
head -c 8192 /dev/urandom >$T/random
refused 'Invalid argument' "a file that is not a snapshot" $T/random
size=$(wc -c <$T/a.snap)
head -c $((size - 8)) $T/a.snap >$T/short
refused 'Bad message' "a truncated snapshot" $T/short
head -c 100 $T/a.snap >$T/header
refused 'Bad message' "a header cut short" $T/header
cp $T/a.snap $T/flip
printf '\377' | dd of=$T/flip bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
refused 'Bad message' "a corrupted snapshot" $T/flip

# Races: loads, saves, verifying reads and releases against compactions
# and kcompactd, from separate processes, for 8 s (on the debug kernel
# KASAN and lockdep watch). Every operation may fail with EBUSY (a load
# over a clone a compaction holds pages of is fine; over nothing else);
# none may corrupt a page or leave the arena inconsistent.
echo 20 >$CLAB_SYSFS/compaction_proactiveness
end=$(($(date +%s) + 8))
race() {
	while [ "$(date +%s)" -lt $end ]; do "$@" >/dev/null 2>&1; done
}
race $S load $T/a.snap &
r1=$!
race $S save $T/race.snap &
r2=$!
race $S info &
r3=$!
race sh -c "echo 1 >$CLAB_SYSFS/compact_memory" &
r4=$!
race $S release &
r5=$!
wait $r1 $r2 $r3 $r4 $r5
echo 0 >$CLAB_SYSFS/compaction_proactiveness
$S load $T/a.snap >/dev/null 2>&1
$S info >$T/info-race
[ "$(key $T/info-race mismatches)" -eq 0 ] &&
	[ "$(key $T/info-race nr_pages)" -eq "$(key $T/a.show nr_pages)" ]
ok $? "8 s of loads, saves, reads, releases and compactions at once: a load after it is whole and intact"

$S release
$S info >$T/info3
[ "$(key $T/info3 nr_pages)" -eq 0 ] && [ "$(free_pages)" -eq "$PAGES" ]
ok $? "release: no clone, the whole arena free ($(free_pages) of $PAGES)"

clab_unload
if clab_load arena_size=16M; then
	quiet_daemons
	refused 'No space left on device' "a snapshot larger than the arena" $T/a.snap
else
	t_fail "a 16 MiB borrowed arena did not load: $CLAB_LOAD_ERR"
fi
clab_unload
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
tap_done
