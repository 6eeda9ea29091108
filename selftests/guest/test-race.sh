#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The concurrent stress, the debug kernel's tier (Documentation/testing.rst):
# stress-race runs every user operation at once from several processes and
# threads, on one shared and on private /dev/compactlab files (faults,
# DISCARD, partial munmap, fork, exit, ALLOC/FREE of every order, migratetype
# and flag, MARK, VERIFY, TOUCH, the COMPACT ioctl), while compact_memory,
# node<N>/compact, policy switches, kcompactd (compaction_proactiveness) and
# kswapd (reclaimable blocks below the watermarks) run; every page's pattern
# is checked, and at the end the arena's free pages must be back.
#
# Duration: $STRESS_MIN minutes (a soak; from the environment or from a file
# ./stress-min in the shared directory), else $CLAB_RACE_SECONDS, else 60 s.
# Skipped on the distro kernels unless one of those is set, e.g.
#   scripts/vm-run --smp 4 -- 'CLAB_RACE_SECONDS=30 ./test-race.sh'
# On the debug kernel a KASAN report or a WARN panics the guest, and the
# host's console scan fails the run. Replay: ./stress-race --seed N.
. ./tap.sh

mins=${STRESS_MIN:-}
[ -z "$mins" ] && [ -r ./stress-min ] && mins=$(cat ./stress-min)
if [ "${CLAB_KERNEL:-}" != debug ] && [ -z "$mins" ] &&
	[ -z "${CLAB_RACE_SECONDS:-}" ]; then
	plan 1
	skip "stress-race" "the debug kernel's tier (vm-run --debug)"
	exit 4
fi
if [ -n "$mins" ]; then
	secs=$((mins * 60))
else
	secs=${CLAB_RACE_SECONDS:-60}
fi

plan 5

# A fresh module with a small arena: the 8192 pages are scanned many times
# a second, and each page is freed and reused often, which is what opens
# the windows between the scanners' checks and their references.
clab_unload
clab_load arena_base="$CLAB_ARENA_BASE" arena_size=32M nodes=2
ok $? "loaded with a 32 MB arena on two nodes for the race${CLAB_LOAD_ERR:+: $CLAB_LOAD_ERR}"

s0=$(vmstat_of compact_stall) k0=$(vmstat_of compact_daemon_wake)
w0=$(vmstat_of pageoutrun)
t0=$(date +%s)
./stress-race --seconds "$secs" >/tmp/race.out 2>&1
rc=$?
t1=$(date +%s)
while read -r line; do
	case $line in
	"# "*) echo "$line" ;;
	*) diag "$line" ;;
	esac
done </tmp/race.out
stalls=$(($(vmstat_of compact_stall) - s0))
wakes=$(($(vmstat_of compact_daemon_wake) - k0))
kswapd=$(($(vmstat_of pageoutrun) - w0))
diag "stress-race: $((t1 - t0)) s; direct compaction stalls $stalls, kcompactd wakes $wakes, kswapd runs $kswapd"
line=$(grep '^stress-race:' /tmp/race.out)
num() { echo "$line" | sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p"; }
mism=$(num mismatches) leak=$(num 'leaked pages') errs=$(num errors)
migr=$(num migrations) ops=$(num operations) rounds=$(num 'racer rounds')
seed=$(sed -n 's/^# stress-race: seed \([^,]*\),.*/\1/p' /tmp/race.out)

[ -n "$mism" ] && [ "$mism" -eq 0 ] && [ "$errs" -eq 0 ] && [ $rc -eq 0 ]
ok $? "stress-race: ${mism:-?} mismatched words, ${errs:-?} errors over ${ops:-?} operations, ${rounds:-?} racer rounds, exit $rc (seed $seed)"
# Where the leaked pages are: the pageblocks still holding allocated pages.
if [ "${leak:-0}" -gt 0 ]; then
	awk '$1 !~ /^#/ && $8 + $9 + $10 > 0 {
		print "# still allocated: block " $1 " (" $5 "): movable " $8 ", reclaimable " $9 ", unmovable " $10 }' \
		"$CLAB_DEBUGFS/pageblocks"
fi
[ -n "$leak" ] && [ "$leak" -eq 0 ]
ok $? "stress-race: every page came back to the free lists (${leak:-?} leaked)"
[ -n "$migr" ] && [ "$migr" -gt 0 ] && [ "$wakes" -gt 0 ]
ok $? "compaction moved ${migr:-?} pages under the users; kcompactd woke $wakes times"

# The module still unloads and works: nothing is held, nothing stuck.
unload_within 100 && clab_load $CLAB_PARAMS &&
	./stress-migrate --procs 1 --threads 1 --mb 2 --seconds 1 >/dev/null
ok $? "unload and reload after the race, data intact${UNLOAD_ERR:+ ($UNLOAD_ERR)}"
tap_done
