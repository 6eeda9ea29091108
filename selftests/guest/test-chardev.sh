#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /dev/compactlab (issue: the device): its node and mode, then the ABI from
# user space (clab-mmap-test prints its own TAP, nested), the pure
# migration rate of CLAB_IOC_MIGRATE, then clab-frag fragmenting and giving
# everything back.
. ./tap.sh

plan 11

DEV=/dev/compactlab
[ -c $DEV ] && [ "$(stat -c %a $DEV)" = 600 ]
ok $? "$DEV is a character device, mode 0600"

dmesg -c >/dev/null
out=$(./clab-mmap-test 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
[ $rc -eq 0 ] && echo "$out" | grep -q '^1\.\.' && ! echo "$out" | grep -q '^not ok'
ok $? "clab-mmap-test: $(echo "$out" | grep -c '^ok') passed, $(echo "$out" | grep -c '^not ok') failed"

n=$(dmesg | grep -c 'compactlab: .*MAP_PRIVATE mapping refused')
[ "$n" -ge 1 ]
ok $? "MAP_PRIVATE refusal is logged ($n lines)"

n=$(dmesg | grep -c 'compactlab: .*CLAB_IOC_MIGRATE: flags 0x1 and pad 0x0 must be 0')
[ "$n" -ge 1 ]
ok $? "MIGRATE refusal is logged, naming the field ($n lines)"

# Pure migration (no scanner), 16384 pages (64 MiB), 5 rounds: the rate is
# context for the benchmarks, not a pass criterion; every page must move
# and keep its data.
out=$(./clab-mmap-test migrate-rate 16384 5)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c 'migrated 16384 failed 0')" = 5 ] &&
	echo "$out" | grep -q '^data intact'
ok $? "MIGRATE of 16384 pages, 5 rounds: all moved each round, data intact"

out=$(./clab-frag --mb 16 --pin 64 --hold 0)
rc=$?
echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] && echo "$out" | grep -q 'kept 1024, discarded 3072, pinned 64' &&
	echo "$out" | grep -q '0 mismatched words'
ok $? "clab-frag: 16M mapped, 3 of 4 pages discarded, 64 pinned, kept pages intact"

# ALLOC into a buffer that faults part way: EFAULT, and the rollback frees
# the request's blocks only, not a block a racing thread of the file got
# one of their handles for (FREE, then ALLOC: handles are reused lowest
# first).
out=$(./clab-alloc-race 100 2000)
rc=$?
diag "clab-alloc-race 100 2000: $out"
[ $rc -eq 0 ] && [ "$(field efault "$out")" = 100 ] &&
	[ "$(field leaked "$out")" = 0 ]
ok $? "ALLOC whose buffer faults: EFAULT every round, no block of it left"
[ $rc -eq 0 ] && [ "$(field lost "$out")" = 0 ] && [ "$(field raced "$out")" -gt 0 ]
ok $? "the rollback never frees a racing thread's block ($(field lost "$out") lost of $(field raced "$out") raced)"

# The frag program exited: a second run finds the same free count.
a=$(./clab-frag --mb 4 --hold 0 | sed -n 's/.*; \([0-9]*\) pages free/\1/p' | head -n1)
b=$(./clab-frag --mb 4 --hold 0 | sed -n 's/.*; \([0-9]*\) pages free/\1/p' | head -n1)
diag "free while fragmented: run 1 $a, run 2 $b"
[ -n "$a" ] && [ "$a" = "$b" ]
ok $? "clab-frag gives everything back on exit"

# An open file pins the module; once closed, rmmod removes the node.
exec 3<>$DEV
! rmmod compactlab 2>/dev/null && clab_loaded
ok $? "rmmod is refused while $DEV is open"
exec 3>&-
clab_unload && [ ! -e $DEV ] && clab_load $CLAB_PARAMS && [ -c $DEV ]
ok $? "after close: rmmod removes $DEV, insmod brings it back"
tap_done
