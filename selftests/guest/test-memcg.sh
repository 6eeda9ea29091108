#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel memory of /dev/compactlab is charged to the memory cgroup of the
# user who makes it (runs in the guest, cwd: the shared directory, module
# loaded by vm-run): pages faulted at sparse offsets grow the file's offset
# table by a node each, and that slab is the cgroup's, so a cgroup limit
# holds it.
. ./tap.sh

plan 3

CG=/sys/fs/cgroup
T=$CG/clab-memcg

grep -q "^cgroup2 $CG " /proc/mounts || mount -t cgroup2 none $CG 2>/dev/null
if ! grep -qw memory $CG/cgroup.controllers 2>/dev/null; then
	skip "slab of sparse offsets is charged" "no cgroup2 memory controller"
	skip "memory.high is reached" "no cgroup2 memory controller"
	skip "memory.high is reached" "no cgroup2 memory controller"
	tap_done
	exit 4
fi
echo +memory >$CG/cgroup.subtree_control
rmdir $T 2>/dev/null
mkdir $T

# sparse N: clab-sparse N 64 run inside the cgroup; its output in $out
sparse() {
	out=$(sh -c "echo \$\$ >$T/cgroup.procs && exec ./clab-sparse $1 64")
	diag "clab-sparse $1 64: $out"
}

# 8192 pages 64 apart: a 576-byte xarray node each, 4.5 MiB of slab.
n=8192
sparse $n
slab=$(field slab "$out")
pt=$(field pagetables "$out")
[ "$(field touched "$out")" = $n ] && [ "$slab" -ge $((n * 400)) ]
ok $? "$n pages at sparse offsets: the cgroup's slab grew by $slab bytes (>= $((n * 400)))"

# memory.high between what the page tables alone and what page tables plus
# the table need: the run now goes over it.
margin=$((slab / 2))
[ $margin -lt 1048576 ] && margin=1048576
base=$(cat $T/memory.current)
echo $((base + pt + margin)) >$T/memory.high
h0=$(sed -n 's/^high //p' $T/memory.events)
sparse $n
h1=$(sed -n 's/^high //p' $T/memory.events)
diag "memory.high $((base + pt + margin)) (base $base, page tables $pt, margin $margin): high events $h0 -> $h1"
[ "$(field touched "$out")" = $n ]
ok $? "the run under memory.high completes (throttled, not failed)"
[ "$h1" -gt "$h0" ]
ok $? "it reached the cgroup's memory.high ($((h1 - h0)) events)"
echo max >$T/memory.high
rmdir $T
tap_done
