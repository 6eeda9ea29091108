#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The compactlab tracepoints (include/compactlab/trace.h). The module is
# loaded by vm-run.
#   - events/compactlab/ holds exactly our events;
#   - each event's format file has the field lines (name, type, offset, size,
#     signed) and the print fmt line of the guest kernel's own
#     events/compaction/<event>/format, so that tools written for
#     compaction:* read compactlab:* with only the system name changed;
#   - with the events enabled, a write to compact_memory records
#     mm_compaction_begin/end pairs, and every line recorded has the shape
#     its TP_printk gives.
. ./tap.sh

EVENTS="mm_compaction_isolate_migratepages mm_compaction_isolate_freepages
	mm_compaction_migratepages mm_compaction_begin mm_compaction_end
	mm_compaction_try_to_compact_pages mm_compaction_finished
	mm_compaction_suitable mm_compaction_deferred
	mm_compaction_defer_compaction mm_compaction_defer_reset
	mm_compaction_kcompactd_sleep mm_compaction_wakeup_kcompactd
	mm_compaction_kcompactd_wake"

plan 19

T=/sys/kernel/tracing
OURS=$T/events/compactlab
KERN=$T/events/compaction
TMP=/tmp/trace
mkdir -p $TMP

# --- the event directory ------------------------------------------------------
for e in $EVENTS; do echo "$e"; done | sort >$TMP/want
# subdirs DIR: the names of DIR's subdirectories, sorted.
subdirs() {
	for d in "$1"/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		echo "${d##*/}"
	done | sort
}

subdirs "$OURS" >$TMP/have
if [ -d "$OURS" ] && diff $TMP/want $TMP/have >$TMP/diff; then
	t_ok "events/compactlab holds our $(wc -l <$TMP/want) events"
else
	while IFS= read -r l; do diag "$l"; done <$TMP/diff
	t_fail "events/compactlab holds our $(wc -l <$TMP/want) events"
fi
if [ -d "$KERN" ]; then
	subdirs "$KERN" | grep -vxFf $TMP/want | while IFS= read -r e; do
		diag "kernel event compaction:$e has no compactlab counterpart"
	done
fi

# --- format files against the kernel's ----------------------------------------
# fmt FILE: the event's own field lines, then its print fmt line.
fmt() {
	grep -E '^[[:space:]]*field:' "$1" | grep -v 'field:[^;]* common_'
	grep '^print fmt:' "$1"
}

for e in $EVENTS; do
	f=$OURS/$e/format
	k=$KERN/$e/format
	if [ ! -r "$k" ]; then
		skip "$e: format equals the kernel's" "the guest kernel has no compaction:$e"
		continue
	fi
	if [ ! -r "$f" ]; then
		t_fail "$e: format equals the kernel's ($f missing)"
		continue
	fi
	fmt "$k" >$TMP/kernel
	fmt "$f" >$TMP/ours
	if [ "$(grep -c field: $TMP/ours)" -gt 0 ] &&
		diff $TMP/kernel $TMP/ours >$TMP/diff; then
		t_ok "$e: format equals the kernel's ($(grep -c field: $TMP/ours) fields)"
	else
		while IFS= read -r l; do diag "$l"; done <$TMP/diff
		t_fail "$e: format equals the kernel's"
	fi
done

# --- events recorded ----------------------------------------------------------
STATUS='(skipped|deferred|continue|success|partial_skipped|complete'
STATUS="$STATUS|no_suitable_page|not_suitable_zone|contended)"
ZONE='(Normal  |Movable )'
H='0x[0-9a-f]+'
SCAN="zone_start=$H migrate_pfn=$H free_pfn=$H zone_end=$H"
N='-?[0-9]+'

# shape EVENT: the extended regexp of EVENT's TP_printk output.
shape() {
	case $1 in
	*_isolate_*pages)
		echo "range=\($H ~ $H\) nr_scanned=$N nr_taken=$N" ;;
	mm_compaction_migratepages)
		echo "nr_migrated=$N nr_failed=$N" ;;
	mm_compaction_begin)
		echo "$SCAN, mode=(sync|async)" ;;
	mm_compaction_end)
		echo "$SCAN, mode=(sync|async) status=$STATUS" ;;
	mm_compaction_try_to_compact_pages)
		echo "order=$N gfp_mask=[A-Za-z0-9_|]+ priority=$N" ;;
	mm_compaction_finished | mm_compaction_suitable)
		echo "node=$N zone=$ZONE order=$N ret=$STATUS" ;;
	mm_compaction_defer*)
		echo "node=$N zone=$ZONE order=$N order_failed=$N consider=$N limit=$N" ;;
	mm_compaction_kcompactd_sleep)
		echo "nid=$N" ;;
	*kcompactd_wake | *wakeup_kcompactd)
		echo "nid=$N order=$N classzone_idx=$ZONE" ;;
	esac
}

# Switched with the other CPUs offline: it patches kernel text (tap.sh).
cpus_offline_write 1 $OURS/enable 2>/dev/null
[ "$(cat $OURS/enable 2>/dev/null)" = 1 ]
ok $? "all compactlab events can be enabled"

C=$CLAB_SYSFS/compact_memory
if [ ! -w "$C" ]; then
	reason="no $C (the compaction trigger is not there yet)"
	skip "write 1 to compact_memory" "$reason"
	skip "compact_memory records mm_compaction_begin/end pairs" "$reason"
	skip "every recorded compactlab line has its TP_printk shape" "$reason"
else
	echo 1 >$T/tracing_on
	: >$T/trace
	if echo 1 >"$C"; then
		t_ok "write 1 to compact_memory"
	else
		t_fail "write 1 to compact_memory"
	fi
	i=0
	while [ $i -lt 50 ] && ! grep -q ' mm_compaction_end: ' $T/trace; do
		sleep 0.1
		i=$((i + 1))
	done
	cpus_offline_write 0 $OURS/enable
	grep -v '^#' $T/trace >$TMP/trace
	nb=$(grep -c ' mm_compaction_begin: ' $TMP/trace)
	ne=$(grep -c ' mm_compaction_end: ' $TMP/trace)
	[ "$nb" -gt 0 ] && [ "$nb" = "$ne" ]
	ok $? "compact_memory records mm_compaction_begin/end pairs" \
		"($nb begin, $ne end)"

	bad=0
	for e in $EVENTS; do
		n=$(grep -c " $e: " $TMP/trace)
		[ "$n" -gt 0 ] || continue
		diag "$e: $n lines, e.g.$(grep -m1 " $e: " $TMP/trace | sed "s/.* $e://")"
		re="^.* $e: $(shape "$e")\$"
		if grep " $e: " $TMP/trace | grep -vqE "$re"; then
			grep " $e: " $TMP/trace | grep -vE "$re" | head -n3 |
				while IFS= read -r l; do diag "bad: $l"; done
			bad=$((bad + 1))
		fi
	done
	[ $bad -eq 0 ]
	ok $? "every recorded compactlab line has its TP_printk shape" \
		"($bad events bad)"
fi
cpus_offline_write 0 $OURS/enable 2>/dev/null
: >$T/trace

tap_done
