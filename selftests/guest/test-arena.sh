#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The arena (issue 2): both backends, the /proc/iomem claim, a pattern over
# the whole range, refusal of every invalid parameter combination with a
# clear error, unload releasing everything, and 20 load/unload cycles.
# Issue 11: a reserved arena only over memory set aside for compactlab (x86:
# memmap=; device tree: a "compactlab,arena" no-map node), never a PCI
# window, device registers or a firmware reserved range, and not under
# lockdown. In a guest booted locked down
#   scripts/vm-run --no-load --append lockdown=integrity -- ./test-arena.sh
# only the lockdown case runs.
. ./tap.sh

# lockdown_level: none, integrity or confidentiality; empty without the
# lockdown LSM.
lockdown_level() {
	f=/sys/kernel/security/lockdown
	[ -e $f ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	[ -r $f ] && sed -n 's/.*\[\(.*\)\].*/\1/p' $f
}
LOCKDOWN=$(lockdown_level)

if [ -n "$LOCKDOWN" ] && [ "$LOCKDOWN" != none ]; then
	plan 1
	clab_unload
	dmesg -c >/dev/null
	if clab_load $CLAB_PARAMS; then
		clab_unload
		t_fail "refused under lockdown=$LOCKDOWN (it loaded)"
		exit 1
	fi
	msg=$(dmesg | grep -E 'compactlab:|Lockdown:' | tail -n1)
	diag "insmod said: $CLAB_LOAD_ERR"
	diag "kernel log: $msg"
	case $CLAB_LOAD_ERR:$msg in
	*"unsigned module loading is restricted"*)
		skip "refused under lockdown=$LOCKDOWN" \
			"this kernel refuses every unsigned module under lockdown (module signing), so compactlab's check cannot be reached"
		;;
	*"Operation not permitted":*"locked down"* | \
	*"Operation not permitted":*"unsafe module parameter"*)
		t_ok "refused under lockdown=$LOCKDOWN: Operation not permitted"
		;;
	*)
		t_fail "refused under lockdown=$LOCKDOWN (wrong error or log line)"
		;;
	esac
	tap_done
	exit
fi

plan 23

size_bytes() {
	case $1 in
	*M) echo $((${1%M} * 1048576)) ;;
	*G) echo $((${1%G} * 1073741824)) ;;
	*) echo "$1" ;;
	esac
}
SIZE=$(size_bytes "$CLAB_ARENA_SIZE")
BASE=$((CLAB_ARENA_BASE))
hex() { printf '0x%x' "$1"; }

# pattern_ok: run a pattern check over the arena; 0 mismatches over all pages.
pattern_ok() {
	pages=$(arena_field pages)
	echo "$1" >"$CLAB_DEBUGFS/pattern_check" || return 1
	res=$(cat "$CLAB_DEBUGFS/pattern_check")
	diag "pattern_check: $res"
	[ "$res" = "seed $1 pages $pages mismatches 0" ]
}

# --- reserved backend (vm-run loaded it) -------------------------------------
clab_loaded && [ "$(arena_field backend)" = reserved ] &&
	[ "$(arena_field pages)" -eq $((SIZE / 4096)) ] &&
	[ "$(arena_field pageblocks)" -eq $((SIZE / 2097152)) ]
ok $? "reserved backend: $(arena_field pages) pages, $(arena_field pageblocks) pageblocks"

line=$(grep ' : compactlab$' /proc/iomem | head -n1)
start=$(echo "$line" | sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) .*/\1/p')
end=$(echo "$line" | sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) .*/\2/p')
[ -n "$start" ] && [ $((0x$start)) -eq "$BASE" ] &&
	[ $((0x$end)) -eq $((BASE + SIZE - 1)) ]
ok $? "/proc/iomem shows the claim: ${line:-none}"

pattern_ok 20261122
ok $? "reserved: pattern over the whole range reads back with 0 mismatches"

clab_unload && ! grep -q compactlab /proc/iomem && [ ! -d "$CLAB_SYSFS" ] &&
	[ ! -d "$CLAB_DEBUGFS" ]
ok $? "rmmod releases the claim, sysfs and debugfs"

clab_load $CLAB_PARAMS && grep -q compactlab /proc/iomem
ok $? "a second insmod over the same range works"
clab_unload

# --- borrowed backend ---------------------------------------------------------
clab_load && [ "$(arena_field backend)" = borrowed ] &&
	[ "$(arena_field pages)" -eq 16384 ]
ok $? "borrowed backend by default: 64M, $(arena_field pages) pages, $(arena_field ranges) ranges"
pattern_ok 99
ok $? "borrowed: pattern over the whole arena reads back with 0 mismatches"
clab_unload

# borrow_measured: one load/unload of the default 64 MB borrowed arena between
# settled MemFree readings; the arena must leave MemFree (at least 60000 of
# its 65536 kB) and come back (all but 16 MB). The load above grew the
# kernel's caches once already. On the debug kernel, KASAN's quarantine
# releases earlier frees at moments of its choosing, several MB at a time, so
# a single reading can be off by that much in either direction: the
# measurement is repeated up to three times, and a module that does not take
# or does not give back its memory fails all three.
borrow_measured() {
	free0=$(memfree_settled_kb)
	clab_load || return 1
	free1=$(memfree_kb)
	clab_unload || return 1
	free2=$(memfree_settled_kb)
	diag "MemFree kB: before $free0, loaded $free1, unloaded $free2"
	[ $((free0 - free1)) -ge 60000 ] && [ $((free0 - free2)) -lt 16384 ]
}
try=0 measured=1
while [ $try -lt 3 ] && [ $measured -ne 0 ]; do
	try=$((try + 1))
	borrow_measured
	measured=$?
done
[ $measured -eq 0 ]
ok $? "borrowed memory is taken from the kernel and given back on unload (try $try)"

clab_load arena_size=8M && [ "$(arena_field pages)" -eq 2048 ]
ok $? "borrowed arena_size=8M"
clab_unload

# --- refusals (insmod_refused: tap.sh) ---------------------------------------
case $CLAB_ARCH in
arm64) RAM=0x48000000 ;;
*) RAM=0x10000000 ;;
esac
{
	insmod_refused "misaligned base" "Invalid argument" "not aligned" \
		arena_base=$(hex $((BASE + 0x100000))) arena_size=8M
	insmod_refused "one pageblock" "Invalid argument" "smaller than two pageblocks" \
		arena_base=$CLAB_ARENA_BASE arena_size=2M
	insmod_refused "partial pageblock" "Invalid argument" "whole number of pageblocks" \
		arena_base=$CLAB_ARENA_BASE arena_size=5M
	insmod_refused "System RAM" "Invalid argument" "overlaps System RAM" \
		arena_base=$RAM arena_size=8M
	insmod_refused "base without size" "Invalid argument" \
		"refusing" arena_base=$CLAB_ARENA_BASE
	insmod_refused "borrowed size not whole largest-order blocks" "Invalid argument" \
		"whole largest buddy blocks" arena_size=6M
	insmod_refused "borrowed size over half of RAM" "Invalid argument" "half of RAM" \
		arena_size=2G
}

# --- ranges not set aside for compactlab (issue 11) ----------------------------
CHUNK=4194304	# the largest buddy block, 4 MiB with 4 KiB pages

# iomem_window PATTERN: an 8 MiB range, CHUNK aligned, inside the first
# top-level /proc/iomem entry named PATTERN that holds one and does not hold
# the arena; empty if none.
iomem_window() {
	grep -E "^[0-9a-f]+-[0-9a-f]+ : ($1)\$" /proc/iomem |
		while read -r r _ _; do
			s=$((0x${r%-*})) e=$((0x${r#*-} + 1))
			a=$(((s + CHUNK - 1) / CHUNK * CHUNK))
			[ "$BASE" -ge "$s" ] && [ "$BASE" -lt "$e" ] && continue
			if [ $((a + 8388608)) -le "$e" ]; then
				hex "$a"
				break
			fi
		done
}

# iomem_block PATTERN: the CHUNK-aligned address below the first /proc/iomem
# entry named PATTERN; empty if none.
iomem_block() {
	r=$(grep -E "^ *[0-9a-f]+-[0-9a-f]+ : ($1)\$" /proc/iomem | head -n1 |
		sed 's/^ *//; s/ .*//')
	[ -n "$r" ] && hex $((0x${r%-*} / CHUNK * CHUNK))
}

# refused_at DESC ADDR LOG-TEXT: an 8 MiB arena at ADDR is refused with
# EINVAL and LOG-TEXT in the log line; a skip when ADDR is empty.
refused_at() {
	if [ -z "$2" ]; then
		skip "refused: $1" "no such range in this guest's /proc/iomem"
		return
	fi
	insmod_refused "$1 at $2" "Invalid argument" "$3" arena_base="$2" arena_size=8M
}

if [ "$CLAB_ARCH" = arm64 ]; then
	NOT_OURS='no "compactlab,arena" no-map reserved-memory node covers the range'
	refused_at "a PCI window" "$(iomem_window 'pcie@[0-9a-f]+|PCI Bus [0-9a-f:]+')" \
		"$NOT_OURS"
	refused_at "device registers (pl011)" "$(iomem_block 'pl011@[0-9a-f]+')" \
		"$NOT_OURS"
	# vm-run's device tree: a no-map node without our compatible, as
	# secure firmware's.
	refused_at "a firmware no-map range" "$CLAB_FW_NOMAP" "$NOT_OURS"
else
	NOT_RESERVED="not wholly Reserved in the kernel's E820 map"
	refused_at "a PCI window" "$(iomem_window 'PCI Bus [0-9a-f:]+')" \
		"$NOT_RESERVED"
	refused_at "device registers (IOAPIC)" "$(iomem_block 'IOAPIC 0')" \
		"$NOT_RESERVED"
	# QEMU's e820 reserves [0xfd00000000, 1 TiB): Reserved, never RAM.
	refused_at "a firmware Reserved range" "$(iomem_window 'Reserved')" \
		"not RAM in the firmware's E820 map"
fi
case $LOCKDOWN in
'') skip "refused under lockdown" "this kernel has no lockdown LSM" ;;
*) skip "refused under lockdown" \
	"the kernel is not locked down; run: scripts/vm-run --no-load --append lockdown=integrity -- ./test-arena.sh" ;;
esac

bad=0
for p in "arena_base=banana arena_size=8M" "arena_base=$CLAB_ARENA_BASE arena_size=lots" \
	"arena_size=-4M" "arena_size=0x"; do
	# shellcheck disable=SC2086
	if clab_load $p; then bad=1; clab_unload; fi
done
ok $bad "malformed numbers are refused"

# --- the kernel stays healthy, 20 cycles ---------------------------------------
# The first cycles grow kernel caches once; measure from there, so that a
# leak of one descriptor array (1.5 MB) per cycle shows (27 MB) above the
# noise. Free memory counts the pages on the kernel's per-CPU lists
# (memfree_kb), which alone moved MemFree by 18-20 MB in some runs.
i=0 fails=0 base=
while [ $i -lt 20 ]; do
	[ $i -eq 2 ] && base=$(memfree_settled_kb)
	if [ $((i % 2)) -eq 0 ]; then
		clab_load $CLAB_PARAMS || fails=$((fails + 1))
	else
		clab_load arena_size=16M || fails=$((fails + 1))
	fi
	clab_unload || fails=$((fails + 1))
	i=$((i + 1))
done
end=$(memfree_settled_kb)
diag "MemFree after warm-up $base kB, after cycles: $end kB"
[ "$fails" -eq 0 ] && [ $((base - end)) -lt 12288 ]
ok $? "20 insmod/rmmod cycles over both backends, no memory lost"

clab_load $CLAB_PARAMS && pattern_ok 5
ok $? "after all that, the reserved arena loads and holds a pattern"
tap_done
