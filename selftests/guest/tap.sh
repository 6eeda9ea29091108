# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers for the in-guest test scripts (busybox sh). Sourced.
#   plan N; ok COND-STATUS "description"; skip "description" "reason"
#   t_ok/t_fail "description"; diag "text"; tap_done (exit status)

TAP_N=0
TAP_FAILED=0

plan() {
	echo "TAP version 13"
	echo "1..$1"
}

diag() {
	echo "# $*"
}

t_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

t_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

# ok STATUS DESCRIPTION: pass when STATUS is 0 (use: ok $? "...")
ok() {
	if [ "$1" -eq 0 ]; then
		shift
		t_ok "$*"
	else
		shift
		t_fail "$*"
	fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_done() {
	[ "$TAP_FAILED" -eq 0 ]
}

CLAB_SYSFS=/sys/kernel/compactlab
CLAB_DEBUGFS=/sys/kernel/debug/compactlab

# clab_load PARAMS...: insmod with PARAMS; the error text is in $CLAB_LOAD_ERR.
clab_load() {
	CLAB_LOAD_ERR=$(insmod "$CLAB_KO" "$@" 2>&1)
}

clab_unload() {
	rmmod compactlab 2>/dev/null
}

clab_loaded() {
	[ -d /sys/module/compactlab ]
}

# unload_within N: retry rmmod N times, 0.05 s apart; the last refusal in
# $UNLOAD_ERR, tries in $UNLOAD_TRIES.
unload_within() {
	UNLOAD_TRIES=0 UNLOAD_ERR=
	while [ "$UNLOAD_TRIES" -lt "$1" ]; do
		UNLOAD_TRIES=$((UNLOAD_TRIES + 1))
		err=$(rmmod compactlab 2>&1) && return 0
		UNLOAD_ERR=${err#rmmod: }
		sleep 0.05
	done
	return 1
}

# arena_field NAME: a value from debugfs arena ("pages", "backend", ...)
arena_field() {
	sed -n "s/^$1: *//p" "$CLAB_DEBUGFS/arena"
}

# vmstat_of NAME: a counter of the module's vmstat (debugfs)
vmstat_of() {
	awk -v k="$1" '$1 == k {print $2}' "$CLAB_DEBUGFS/vmstat"
}

# memfree_kb: MemFree from /proc/meminfo
memfree_kb() {
	awk '/^MemFree:/ {print $2}' /proc/meminfo
}

# memfree_settled_kb: MemFree once the page cache and reclaimable slab are
# dropped, every slab cache is shrunk (on a KASAN kernel this also frees the
# cache's objects waiting in KASAN's quarantine, up to 1/32 of RAM that
# otherwise returns at moments of its own choosing), and two readings half
# a second apart agree within 1 MB (at most five seconds of waiting), so that
# a reading compares memory, not timing.
memfree_settled_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		[ -w "$f" ] && echo 1 >"$f"
	done 2>/dev/null
	prev=$(memfree_kb)
	n=0
	while [ $n -lt 10 ]; do
		sleep 0.5
		cur=$(memfree_kb)
		d=$((cur - prev))
		[ $d -lt 1024 ] && [ $d -gt -1024 ] && break
		prev=$cur
		n=$((n + 1))
	done
	echo "$cur"
}
