#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The virtual arena (issue 14): arena_backend=virtual arena_size=4G in a
# guest of at most 1 GiB, so that no memory can be behind its pages. It
# loads (no /proc/iomem claim); the views work; kernel-held blocks
# fragment it and compact_memory (policy tuned) moves them (ownership
# only: no copies, and migrate_virtual_bytes is 4096 per page migrated);
# mmap, CLAB_IOC_VERIFY,
# pattern_check and the content benchmarks are refused with their errno
# and a log line; every bad combination of arena_backend, arena_base and
# arena_size is refused with EINVAL and a log line; and what a virtual
# arena costs: the memory a load takes at 1G, 4G and 8G, less a tiny
# arena's (the module's own fixed cost), is within 1.25 times the page
# descriptors plus 1 MiB. It prints the cost per GiB as a "bench:" line.
# And zones cloned into it: a snapshot of the fragmented reserved arena
# (clab-snapshot) loads into a 4G virtual arena, and so does the running
# kernel's largest zone of node 0 (CLAB_IOC_CLONE), all of it; compaction
# moves the clones' pages there.
# Leaves the module loaded with vm-run's parameters.
. ./tap.sh

plan 33

D=$CLAB_DEBUGFS
S=$CLAB_SYSFS
GIB=1073741824
MIB=1048576

# write_err FILE VALUE: the shell's error text of writing VALUE, or "ok".
write_err() {
	if out=$( (echo "$2" >"$1") 2>&1); then
		echo ok
	else
		echo "$out"
	fi
}

# refused_write DESC FILE VALUE LOG-TEXT: the write fails with EOPNOTSUPP
# and the module logs LOG-TEXT.
refused_write() {
	dmesg -c >/dev/null
	e=$(write_err "$2" "$3")
	msg=$(dmesg | grep 'compactlab:' | tail -n1)
	diag "$1: $e; kernel log: $msg"
	case $e:$msg in
	*"not supported"*:*"$4"*) t_ok "$1: EOPNOTSUPP and a log line" ;;
	*) t_fail "$1: EOPNOTSUPP and a log line" ;;
	esac
}

cs() { sed -n "s/^$1 //p" $D/compact_stats; }

memtotal_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
clab_unload

# --- every bad combination ------------------------------------------------------
# A size whose descriptors (48 bytes per 4 KiB page) exceed half of RAM.
huge=$((memtotal_kb * 1024 / 2 / 48 * 4096 / GIB + 8))G
insmod_refused "virtual with arena_base" "Invalid argument" "no physical base" \
	arena_backend=virtual arena_base=$CLAB_ARENA_BASE arena_size=4G
insmod_refused "virtual without arena_size" "Invalid argument" "needs arena_size" \
	arena_backend=virtual
insmod_refused "unknown backend" "Invalid argument" "not one of reserved, borrowed, virtual" \
	arena_backend=bogus arena_size=4G
insmod_refused "reserved without arena_base" "Invalid argument" "needs arena_base" \
	arena_backend=reserved arena_size=8M
insmod_refused "borrowed with arena_base" "Invalid argument" "no physical base" \
	arena_backend=borrowed arena_base=$CLAB_ARENA_BASE arena_size=8M
insmod_refused "virtual one pageblock" "Invalid argument" "smaller than two pageblocks" \
	arena_backend=virtual arena_size=2M
insmod_refused "virtual partial pageblock" "Invalid argument" "whole number of pageblocks" \
	arena_backend=virtual arena_size=5M
insmod_refused "virtual size not a size" "Invalid argument" "not a size" \
	arena_backend=virtual arena_size=lots
insmod_refused "virtual over 1T" "Invalid argument" "larger than 1T" \
	arena_backend=virtual arena_size=2T
insmod_refused "virtual descriptors over half of RAM ($huge, MemTotal $memtotal_kb kB)" \
	"Invalid argument" "at most half of RAM" arena_backend=virtual arena_size=$huge

# The names of today's backends load as before.
clab_load arena_backend=borrowed arena_size=8M &&
	[ "$(arena_field backend)" = borrowed ] && [ "$(arena_field pages)" -eq 2048 ]
ok $? "arena_backend=borrowed arena_size=8M loads a borrowed arena"
clab_unload
clab_load arena_backend=reserved $CLAB_PARAMS &&
	[ "$(arena_field backend)" = reserved ]
ok $? "arena_backend=reserved with vm-run's arena_base loads a reserved arena"
clab_unload

# --- a 4G virtual arena in a guest of at most 1 GiB ------------------------------
clab_load arena_backend=virtual arena_size=4G || diag "insmod: $CLAB_LOAD_ERR"
pages=$(arena_field pages)
desc=$(arena_field descriptors)
diag "arena: $(tr '\n' ';' <$D/arena)"
[ "$(arena_field backend)" = virtual ] && [ "$pages" -eq 1048576 ] &&
	[ "$(arena_field pageblocks)" -eq 2048 ] &&
	grep -q '^range 0: virtual pfn 0x0-0xfffff index 0-1048575$' $D/arena &&
	[ "$(arena_field ranges)" -eq 1 ] &&
	[ "$(cat /sys/module/compactlab/parameters/arena_backend)" = virtual ]
ok $? "4G virtual arena: $pages pages at virtual pfns 0-0xfffff, $desc bytes of descriptors"
! grep -q compactlab /proc/iomem && [ $((memtotal_kb * 1024)) -lt $((4 * GIB)) ]
ok $? "no memory claimed: nothing in /proc/iomem, the arena is larger than RAM (MemTotal $memtotal_kb kB)"
nrfree=$(vmstat_of nr_free_pages)
bfree=$(awk '{ m = 1; for (i = 5; i <= NF; i++) { n += $i * m; m *= 2 } }
	END { printf "%d\n", n }' $D/buddyinfo)
[ "$nrfree" -eq "$pages" ] && [ "$bfree" -eq "$pages" ]
ok $? "every page free: nr_free_pages $nrfree, buddyinfo $bfree"

# --- what a virtual arena cannot do -----------------------------------------------
dmesg -c >/dev/null
out=$(./clab-virtual refuse)
rc=$?
diag "clab-virtual refuse: $(echo $out)"
msg=$(dmesg | grep 'compactlab:' | tail -n1)
diag "kernel log: $msg"
echo "$out" | grep -q '^mmap: ENODEV$' && echo "$msg" | grep -q 'mmap refused: a virtual arena'
ok $? "mmap of the device fails with ENODEV and a log line"
[ $rc -eq 0 ] && echo "$out" | grep -q '^alloc: ok' && echo "$out" | grep -q '^verify: EOPNOTSUPP$'
ok $? "CLAB_IOC_ALLOC works, CLAB_IOC_VERIFY fails with EOPNOTSUPP"
refused_write "pattern_check" $D/pattern_check 1 "a virtual arena has no page contents"
if [ -e $D/bench/order0 ]; then
	refused_write "bench/order0" $D/bench/order0 1000 "bench/order0: refused"
	refused_write "bench/copy" $D/bench/copy 1000 "bench/copy: refused"
	refused_write "bench/bracket setup arena" $D/bench/bracket "setup arena" \
		"bench/bracket: refused"
else
	skip "bench/order0" "no debugfs bench directory"
	skip "bench/copy" "no debugfs bench directory"
	skip "bench/bracket setup arena" "no debugfs bench directory"
fi

# --- fragment with kernel-held blocks, compact via sysfs ----------------------------
# Policy tuned: linux samples barren pageblocks ever more sparsely, as 6.1
# does, and on a regular pattern of kept pages its stride may land on kept
# pages only, a pass that moves nothing (test-compaction.sh, test-views.sh).
echo 0 >$S/compaction_proactiveness
echo 0 >$S/watermark_boost_factor
echo tuned >$S/policy
rm -f /tmp/virtual-ready
./clab-virtual frag --mb 256 --stride 4 --ready /tmp/virtual-ready >/tmp/virtual-frag.out 2>&1 &
holder=$!
if wait_file /tmp/virtual-ready 120; then
	diag "$(cat /tmp/virtual-frag.out)"
	high0=$(awk '{ print $NF }' $D/buddyinfo)
	ok0=$(vmstat_of pgmigrate_success) pm0=$(cs pages_migrated)
	vb0=$(cs migrate_virtual_bytes) cp0=$(cs migrate_copies) ns0=$(cs migrate_copy_ns)
	echo 1 >$S/compact_memory
	mig=$(($(vmstat_of pgmigrate_success) - ok0)) pm=$(($(cs pages_migrated) - pm0))
	vb=$(($(cs migrate_virtual_bytes) - vb0)) cp=$(($(cs migrate_copies) - cp0))
	ns=$(($(cs migrate_copy_ns) - ns0))
	high1=$(awk '{ print $NF }' $D/buddyinfo)
	kill -USR1 $holder
fi
wait $holder
hrc=$?
diag "$(tail -n1 /tmp/virtual-frag.out)"
diag "compact_memory: pgmigrate_success +$mig, pages_migrated +$pm, migrate_virtual_bytes +$vb, migrate_copies +$cp, migrate_copy_ns +$ns"
diag "free largest-order blocks: $high0 -> $high1"
[ -n "$mig" ] && [ "$mig" -gt 0 ] && [ "$pm" -eq "$mig" ]
ok $? "compact_memory migrated pages ($mig)"
[ -n "$vb" ] && [ "$vb" -eq $((4096 * pm)) ] && [ "$cp" -eq 0 ] && [ "$ns" -eq 0 ]
ok $? "migrate_virtual_bytes is 4096 per page migrated ($vb), no copies ($cp, $ns ns)"
moved=$(sed -n 's/^moved: \([0-9]*\) of.*/\1/p' /tmp/virtual-frag.out)
[ $hrc -eq 0 ] && [ -n "$moved" ] && [ "$moved" -gt 0 ] &&
	grep -q 'lost 0$' /tmp/virtual-frag.out
ok $? "every kept block is still owned by its file, $moved of them at a new pfn"
[ -n "$high1" ] && [ "$high1" -gt "$high0" ]
ok $? "compaction made largest-order blocks ($high0 -> $high1)"

# --- the views ------------------------------------------------------------------
r=0
for f in buddyinfo pagetypeinfo zoneinfo vmstat compact_stats \
	extfrag/unusable_index extfrag/extfrag_index; do
	[ -n "$(cat $D/$f)" ] || { r=1; diag "$f is empty"; }
done
[ $r -eq 0 ] && [ "$(wc -l <$D/pageblocks)" -eq 2049 ] &&
	grep -q '^migrate_virtual_bytes [0-9]*$' $D/compact_stats
ok $? "the views read: buddyinfo, pagetypeinfo, zoneinfo, vmstat, compact_stats, extfrag, 2048 pageblocks"
clab_unload
ok $? "the 4G virtual arena unloads"

# --- what it costs ----------------------------------------------------------------
# load_cost SIZE: kB of free memory a load of a virtual arena of SIZE takes
# (settled readings before and while loaded); its descriptor bytes go to
# /tmp/virtual-desc (load_cost runs in a command substitution).
load_cost() {
	f0=$(memfree_settled_kb)
	clab_load arena_backend=virtual arena_size=$1 || return 1
	f1=$(memfree_settled_kb)
	arena_field descriptors >/tmp/virtual-desc
	clab_unload
	echo $((f0 - f1))
}

# The module's own fixed cost: a virtual arena of two largest blocks.
base=
for i in 1 2 3; do
	c=$(load_cost 8M) || c=
	diag "8M: $c kB ($(cat /tmp/virtual-desc) bytes of descriptors)"
	if [ -n "$c" ] && { [ -z "$base" ] || [ "$c" -lt "$base" ]; }; then
		base=$c
	fi
done
diag "fixed cost of a load (module, threads, files): ${base:-?} kB"
summary=
for g in 1 4 8; do
	r=0 lo= hi= all=
	for i in 1 2 3; do
		c=$(load_cost ${g}G) || { r=1; continue; }
		DESC=$(cat /tmp/virtual-desc)
		cost=$(((c - base) * 1024))
		per=$((cost / g))
		all="$all $per"
		[ -z "$lo" ] || [ "$per" -lt "$lo" ] && lo=$per
		[ -z "$hi" ] || [ "$per" -gt "$hi" ] && hi=$per
		limit=$((DESC + DESC / 4 + MIB))
		floor=$((DESC - DESC / 4))
		diag "${g}G: $c kB in all, $cost bytes over the fixed cost, limit $limit, descriptors $DESC"
		[ "$cost" -le "$limit" ] && [ "$cost" -ge "$floor" ] || r=1
	done
	echo "# bench: virtual arena cost per GiB at ${g}G: n=3 bytes$all (min $lo max $hi; descriptors $((DESC / g)))"
	summary="$summary ${g}G:$lo-$hi"
	[ $r -eq 0 ]
	ok $? "a ${g}G virtual arena costs its descriptors: within 1.25 x $DESC bytes + 1 MiB (per GiB$all)"
done
diag "cost per GiB (min-max over 3 loads):$summary"

# --- a snapshot cloned into a virtual arena ----------------------------------------
# The fragmented reserved arena's layout, saved while clab-frag holds it,
# is the "zone" cloned: loaded into a virtual arena, its pages are held by
# the clone, with no contents to check, and compaction moves them.
SNAP=/tmp/virtual.snap
rm -f $SNAP /tmp/virtual-frag2.out
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
echo 0 >$S/compaction_proactiveness
./clab-frag --mb $(($(arena_field pages) / 512)) --pin 64 --hold -1 \
	>/tmp/virtual-frag2.out 2>&1 &
frag=$!
i=0
while ! grep -q '^clab-frag:' /tmp/virtual-frag2.out && [ $i -lt 1200 ]; do
	kill -0 $frag 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
./clab-snapshot save $SNAP 2>/tmp/virtual-save.err
kill $frag
wait $frag
clab_unload
clab_load arena_backend=virtual arena_size=4G || diag "insmod: $CLAB_LOAD_ERR"
echo 0 >$S/compaction_proactiveness
echo tuned >$S/policy
dmesg -c >/dev/null
./clab-snapshot load $SNAP >/tmp/virtual-load.out 2>&1
rc=$?
info=$(./clab-snapshot info | tr '\n' ' ')
diag "save: $(cat /tmp/virtual-save.err); load: $(cat /tmp/virtual-load.out); $(dmesg | grep 'loaded a snapshot' | tail -n1)"
diag "info: $info"
held=$(field held_pages "$info")
[ $rc -eq 0 ] && [ -n "$held" ] && [ "$held" -gt 0 ] &&
	[ "$(field mismatches "$info")" = 0 ]
ok $? "a snapshot of the fragmented reserved arena loads into the 4G virtual arena ($held pages held)"
m0=$(vmstat_of pgmigrate_success) vb0=$(cs migrate_virtual_bytes)
echo 1 >$S/compact_memory
mig=$(($(vmstat_of pgmigrate_success) - m0)) vb=$(($(cs migrate_virtual_bytes) - vb0))
info2=$(./clab-snapshot info | tr '\n' ' ')
[ "$mig" -gt 0 ] && [ "$vb" -eq $((4096 * mig)) ] &&
	[ "$(field held_pages "$info2")" = "$held" ] && ./clab-snapshot release
ok $? "compact_memory moves the clone's pages ($mig, $vb bytes not copied), the clone keeps them all, release"

# The guest's own zone, whole (the highest populated one of node 0): the
# 4G arena holds it with room to spare, and nothing but descriptors.
zone=$(top_zone)
./clab-snapshot clone "$zone" >/tmp/virtual-clone.out 2>&1
rc=$?
info=$(./clab-snapshot info | tr '\n' ' ')
diag "clone $zone: $(grep -E '^(nr_pages|pages_free|pages_file|pages_anon)=' /tmp/virtual-clone.out | tr '\n' ' ')"
m0=$(vmstat_of pgmigrate_success) vb0=$(cs migrate_virtual_bytes)
echo 1 >$S/compact_memory
mig=$(($(vmstat_of pgmigrate_success) - m0)) vb=$(($(cs migrate_virtual_bytes) - vb0))
[ $rc -eq 0 ] && [ "$(field nr_pages "$info")" -gt 0 ] &&
	[ "$(field mismatches "$info")" = 0 ] && [ "$mig" -gt 0 ] &&
	[ "$vb" -eq $((4096 * mig)) ] && ./clab-snapshot release
ok $? "node 0's whole $zone zone ($(field nr_pages "$info") pages) clones into the virtual arena; compact_memory moves $mig of its pages, $vb bytes not copied"
clab_unload

clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"
tap_done
