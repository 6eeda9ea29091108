#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-format views in debugfs and the watermark tunables in sysfs
# (issue 3). The module is loaded by vm-run: one node, no movable zone, an
# idle arena.
#   - buddyinfo, pagetypeinfo and extfrag/* have the line shapes of the
#     guest kernel's own files (numbers and zone names masked);
#   - buddyinfo adds up to vmstat's nr_free_pages, extfrag values are in
#     range, vmstat names every counter, pageblocks covers the arena;
#   - compact_stats names its counters in order, each with a number, and a
#     compact_memory over the Gupta pattern times its copies (issue 13);
#   - every tunable reads back a valid write, moves zoneinfo's watermarks as
#     __setup_per_zone_wmarks() says, and refuses invalid writes with EINVAL
#     and a log line, leaving the value unchanged;
#   - a zone plan (dma_limit=, dma32_limit=) shows as DMA, DMA32 and Normal
#     in every view, with 6.1's lowmem reserves; kernel-held blocks with
#     the DMA and DMA32 flags come from those zones; bad plans are refused.
. ./tap.sh

plan 43

# An idle arena whatever ran before (per-CPU lists drained, nothing held):
# a fresh module with vm-run's parameters.
clab_unload
clab_load $CLAB_PARAMS || diag "insmod: $CLAB_LOAD_ERR"

D=$CLAB_DEBUGFS
S=$CLAB_SYSFS
TMP=/tmp/views
mkdir -p $TMP

# shape FILE: the file's lines with the zone name column and every number
# (with the blanks that pad it) masked, keeping every character position.
shape() {
	sed 's/zone \(........\)/zone ZZZZZZZZ/' "$1" | awk '
	function mask(n,	h) { h = ""; while (n-- > 0) h = h "#"; return h }
	{
		out = ""; s = $0
		while (match(s, / *-?[0-9]+/)) {
			out = out substr(s, 1, RSTART - 1) mask(RLENGTH)
			s = substr(s, RSTART + RLENGTH)
		}
		print out s
	}' | sort -u
}

# same_shape NAME OURS KERNEL: the two files have the same set of shapes.
same_shape() {
	if [ ! -r "$2" ] || [ ! -r "$3" ]; then
		t_fail "$1: $2 or $3 missing"
		return
	fi
	shape "$2" >$TMP/ours
	shape "$3" >$TMP/kernel
	if diff $TMP/kernel $TMP/ours >$TMP/diff; then
		t_ok "$1 has the line shapes of $3 ($(wc -l <$TMP/ours) shapes)"
	else
		while IFS= read -r l; do diag "$l"; done <$TMP/diff
		t_fail "$1 has the line shapes of $3"
	fi
}

# --- files and modes -----------------------------------------------------------
bad=""
for f in buddyinfo pagetypeinfo zoneinfo vmstat pageblocks compact_stats \
	extfrag/unusable_index extfrag/extfrag_index arena; do
	m=$(ls -l "$D/$f" 2>/dev/null | cut -c1-10)
	[ "$m" = "-r--------" ] || bad="$bad $f($m)"
done
[ -z "$bad" ]
ok $? "debugfs views exist, mode 0400${bad:+ (bad:$bad)}"

bad=""
for f in min_free_kbytes watermark_scale_factor watermark_boost_factor; do
	m=$(ls -l "$S/$f" 2>/dev/null | cut -c1-10)
	[ "$m" = "-rw-r--r--" ] || bad="$bad $f($m)"
done
[ -z "$bad" ]
ok $? "sysfs tunables exist, mode 0644${bad:+ (bad:$bad)}"
for f in "$S"/*; do diag "sysfs: ${f##*/} = $(cat "$f")"; done

# --- line shapes against the kernel's own files ----------------------------------
same_shape buddyinfo $D/buddyinfo /proc/buddyinfo
same_shape pagetypeinfo $D/pagetypeinfo /proc/pagetypeinfo
same_shape unusable_index $D/extfrag/unusable_index \
	/sys/kernel/debug/extfrag/unusable_index
same_shape extfrag_index $D/extfrag/extfrag_index \
	/sys/kernel/debug/extfrag/extfrag_index

# zoneinfo: our lines are the watermark and pageset parts of the kernel's
# (10 shapes and 5: pagesets, cpu, count, high, batch); its numbers have no
# fixed width ("%lu"), the pageset fields are padded differently from 6.7
# on (beside high_min and high_max), and the protection line has one entry
# per zone type, so it is left out.
free_shape() {
	sed 's/zone \(........\)/zone ZZZZZZZZ/; s/[0-9][0-9]*/N/g; s/:  */: /' "$1" |
		sort -u
}
grep -v protection $D/zoneinfo >$TMP/zi
free_shape $TMP/zi >$TMP/zi.ours
free_shape /proc/zoneinfo >$TMP/zi.kernel
missing=$(grep -vxFf $TMP/zi.kernel $TMP/zi.ours)
[ -z "$missing" ] && [ "$(wc -l <$TMP/zi.ours)" -eq 15 ]
ok $? "zoneinfo lines have the shapes of /proc/zoneinfo's${missing:+ (missing: $missing)}"
grep -q '^        promo ' /proc/zoneinfo && diag "kernel zoneinfo has a promo line (ours does not)"
grep -q '^        protection: (0, 0, 0, 0)$' $D/zoneinfo
ok $? "zoneinfo: protection (0, 0, 0, 0) with one zone of four types"

cat $D/buddyinfo | while IFS= read -r l; do diag "buddyinfo: $l"; done
lines=$(wc -l <$D/buddyinfo)
[ "$lines" -eq 1 ] && grep -q '^Node 0, zone   Normal ' $D/buddyinfo
ok $? "buddyinfo: one line, node 0 zone Normal ($lines lines)"

# --- numbers -------------------------------------------------------------------
pages=$(arena_field pages)
blocks=$(arena_field pageblocks)
buddy=$(awk '{ p = 1; for (i = 5; i <= NF; i++) { t += $i * p; p *= 2 } }
	END { print t + 0 }' $D/buddyinfo)
nrfree=$(sed -n 's/^nr_free_pages //p' $D/vmstat)
[ -n "$buddy" ] && [ "$buddy" = "$nrfree" ]
ok $? "buddyinfo sums to vmstat nr_free_pages ($buddy, $nrfree)"
[ "$nrfree" = "$pages" ]
ok $? "idle arena: nr_free_pages is every arena page ($nrfree of $pages)"

# The free pages per migratetype in pagetypeinfo add up to buddyinfo's.
ptfree=$(awk '/^Node .*type/ { p = 1; for (i = 7; i <= NF; i++) { s += $i * p; p *= 2 } }
	END { print s + 0 }' $D/pagetypeinfo)
[ "$ptfree" -gt 0 ] && [ "$ptfree" = "$buddy" ]
ok $? "pagetypeinfo free counts add up to buddyinfo's ($ptfree)"
ptblocks=$(awk 'f && /^Node/ { for (i = 5; i <= NF; i++) s += $i }
	/^Number of blocks/ { f = 1 } END { print s + 0 }' $D/pagetypeinfo)
[ "$ptblocks" = "$blocks" ]
ok $? "pagetypeinfo block counts add up to the arena's pageblocks ($ptblocks of $blocks)"

# extfrag values: unusable 0.000 .. 1.000, extfrag -1.000 or 0.000 .. 1.000.
in_range() {
	awk -v neg="$2" '{
		if (NF != 4 + nf && nf) bad = 1; nf = NF - 4
		for (i = 5; i <= NF; i++) {
			v = $i
			if (v == "-1.000" && neg) continue
			if (v !~ /^[01]\.[0-9][0-9][0-9]$/ || v + 0 > 1) bad = 1
		}
	} END { exit bad || !NR }' "$1"
}
in_range $D/extfrag/unusable_index 0
ok $? "unusable_index values are 0.000 .. 1.000"
in_range $D/extfrag/extfrag_index 1
ok $? "extfrag_index values are -1.000 or 0.000 .. 1.000"
head -n1 $D/extfrag/unusable_index | while IFS= read -r l; do diag "unusable_index: $l"; done
head -n1 $D/extfrag/extfrag_index | while IFS= read -r l; do diag "extfrag_index: $l"; done
# Idle: all free memory is in largest-order blocks.
! grep -qv '^Node 0, zone   Normal \(0\.000 \)*$' $D/extfrag/unusable_index &&
	! grep -qv '^Node 0, zone   Normal \(-1\.000 \)*$' $D/extfrag/extfrag_index
ok $? "idle arena: unusable 0.000 and extfrag -1.000 at every order"

# vmstat: every name once, "name number".
names="nr_free_pages pgalloc_dma pgalloc_dma32 pgalloc_normal pgalloc_movable
allocstall_dma allocstall_dma32 allocstall_normal
allocstall_movable pgfree pgactivate pgdeactivate pgsteal_kswapd
pgsteal_direct pgscan_kswapd pgscan_direct pageoutrun pgmigrate_success
pgmigrate_fail compact_migrate_scanned compact_free_scanned compact_isolated
compact_stall compact_fail compact_success compact_daemon_wake
compact_daemon_migrate_scanned compact_daemon_free_scanned"
bad=""
for n in $names; do
	[ "$(grep -c "^$n [0-9][0-9]*$" $D/vmstat)" -eq 1 ] || bad="$bad $n"
done
[ -z "$bad" ] && [ "$(wc -l <$D/vmstat)" -eq "$(echo $names | wc -w)" ]
ok $? "vmstat has every counter once, no other lines${bad:+ (bad:$bad)}"
# The kernel's /proc/vmstat uses the same names for the same counters.
bad=""
for n in $names; do
	case $n in allocstall_*|pgalloc_*) continue ;; esac
	grep -q "^$n " /proc/vmstat || bad="$bad $n"
done
[ -z "$bad" ]
ok $? "vmstat names are the kernel's /proc/vmstat names${bad:+ (not in /proc/vmstat:$bad)}"

# pageblocks: a header naming the columns and one line per pageblock.
head -n2 $D/pageblocks | while IFS= read -r l; do diag "pageblocks: $l"; done
hdr=$(head -n1 $D/pageblocks)
pbfree=$(awk 'NR > 1 { s += $7; n++; if ($8 + $9 + $10 + $11) bad = 1 }
	END { print (bad ? -1 : s) " " n }' $D/pageblocks)
case $hdr in
"# block"*pfn*node*zone*migratetype*skip*free*movable*reclaimable*unmovable*moves)
	[ "$pbfree" = "$pages $blocks" ] ;;
*) false ;;
esac
ok $? "pageblocks: header, $blocks lines, free pages add up, idle blocks need 0 moves ($pbfree)"
first=$(sed -n '2p' $D/pageblocks | awk '{ print $2 }')
[ $((first)) -eq $((CLAB_ARENA_BASE >> 12)) ]
ok $? "pageblocks: block 0 is at the arena's first pfn ($first)"
grep -q "0x" $D/zoneinfo $D/buddyinfo $D/vmstat $D/extfrag/* 2>/dev/null
[ $? -ne 0 ]
ok $? "no addresses in the kernel-format views"

# compact_stats: compactlab's own counters, "name number" in this order.
cs_names="passes migrate_copy_ns migrate_copies migrate_examined
migrate_skipped free_examined free_skipped pages_migrated
migrate_virtual_bytes"
[ "$(awk '{ print $1 }' $D/compact_stats | tr '\n' ' ')" = "$(echo $cs_names) " ] &&
	! grep -qv '^[a-z_]* [0-9][0-9]*$' $D/compact_stats
ok $? "compact_stats: $(echo $cs_names | wc -w) counters in order, a number each"
cs() { sed -n "s/^$1 //p" $D/compact_stats; }
vs() { sed -n "s/^$1 //p" $D/vmstat; }
# One compact_memory (policy tuned, which moves pages at any phase of the
# pattern) over the Gupta pattern, daemons quiet: the copies took time,
# one copy per page migrated, and examined is the kernel's count.
pro0=$(cat $S/compaction_proactiveness)
wbf_cs=$(cat $S/watermark_boost_factor)
pol0=$(cat $S/policy | sed -n 's/.*\[\(.*\)\].*/\1/p')
echo 0 >$S/compaction_proactiveness
echo 0 >$S/watermark_boost_factor
rm -f /tmp/views-ready
./clab-compact hold --mb 64 --stride 4 --ready /tmp/views-ready \
	>$TMP/hold.out 2>&1 &
hold=$!
if wait_file /tmp/views-ready; then
	echo tuned >$S/policy
	ns0=$(cs migrate_copy_ns) cp0=$(cs migrate_copies) ps0=$(cs passes)
	vb0=$(cs migrate_virtual_bytes)
	me0=$(cs migrate_examined) fe0=$(cs free_examined)
	ok0=$(vs pgmigrate_success) ms0=$(vs compact_migrate_scanned)
	fs0=$(vs compact_free_scanned)
	echo 1 >$S/compact_memory
	ns=$(($(cs migrate_copy_ns) - ns0)) cp=$(($(cs migrate_copies) - cp0))
	ps=$(($(cs passes) - ps0)) mig=$(($(vs pgmigrate_success) - ok0))
	vb=$(($(cs migrate_virtual_bytes) - vb0))
	me=$(($(cs migrate_examined) - me0)) ms=$(($(vs compact_migrate_scanned) - ms0))
	fe=$(($(cs free_examined) - fe0)) fs=$(($(vs compact_free_scanned) - fs0))
	kill -USR1 $hold
fi
wait $hold
diag "compact_memory: passes +$ps, migrate_copy_ns +$ns, migrate_copies +$cp, pgmigrate_success +$mig"
diag "migrate_examined +$me (compact_migrate_scanned +$ms), free_examined +$fe (compact_free_scanned +$fs)"
while IFS= read -r l; do diag "compact_stats: $l"; done <$D/compact_stats
[ -n "$ns" ] && [ "$ns" -gt 0 ] && [ "$cp" -gt 0 ] && [ "$cp" -eq "$mig" ] &&
	[ "$vb" -eq 0 ]
ok $? "compact_memory: migrate_copy_ns > 0 ($ns), migrate_copies == pgmigrate_success delta ($cp, $mig), migrate_virtual_bytes 0 ($vb)"
[ -n "$ps" ] && [ "$ps" -ge 1 ] && [ "$me" -eq "$ms" ] && [ "$fe" -eq "$fs" ]
ok $? "compact_memory: passes counted ($ps), examined == compact_*_scanned deltas"
echo "${pol0:-linux}" >$S/policy
echo "$pro0" >$S/compaction_proactiveness
echo "$wbf_cs" >$S/watermark_boost_factor

# --- tunables --------------------------------------------------------------------
zi() { sed -n "s/^ *$1 *//p" $D/zoneinfo | head -n1; }
managed=$(zi managed)
mfk0=$(cat $S/min_free_kbytes)
wsf0=$(cat $S/watermark_scale_factor)
wbf0=$(cat $S/watermark_boost_factor)

# wmarks_ok MFK WSF: zoneinfo's min/low/high as __setup_per_zone_wmarks()
# computes them for the one zone that holds every page (4 KiB pages).
wmarks_ok() {
	min=$(($1 / 4))
	delta=$((min / 4))
	scaled=$((managed * $2 / 10000))
	[ $scaled -gt $delta ] && delta=$scaled
	want="$min $((min + delta)) $((min + 2 * delta))"
	got="$(zi min) $(zi low) $(zi high)"
	[ "$got" = "$want" ] || diag "min low high: got $got, want $want (managed $managed)"
	[ "$got" = "$want" ]
}

wmarks_ok "$mfk0" "$wsf0"
ok $? "default watermarks follow min_free_kbytes $mfk0, scale $wsf0 ($(zi min) $(zi low) $(zi high))"

echo 4096 >$S/min_free_kbytes && [ "$(cat $S/min_free_kbytes)" = 4096 ] &&
	wmarks_ok 4096 "$wsf0"
ok $? "min_free_kbytes 4096 reads back; min $(zi min) low $(zi low) high $(zi high)"
echo 1000 >$S/watermark_scale_factor &&
	[ "$(cat $S/watermark_scale_factor)" = 1000 ] && wmarks_ok 4096 1000
ok $? "watermark_scale_factor 1000 reads back; min $(zi min) low $(zi low) high $(zi high)"
echo 3000 >$S/watermark_scale_factor && echo 0 >$S/min_free_kbytes &&
	wmarks_ok 0 3000 && echo 1 >$S/watermark_scale_factor && wmarks_ok 0 1
ok $? "the range ends: min_free_kbytes 0, watermark_scale_factor 3000 and 1"
echo 0 >$S/watermark_boost_factor && [ "$(cat $S/watermark_boost_factor)" = 0 ] &&
	echo 30000 >$S/watermark_boost_factor &&
	[ "$(cat $S/watermark_boost_factor)" = 30000 ] && [ "$(zi boost)" = 0 ]
ok $? "watermark_boost_factor 0 and 30000 read back; boost stays $(zi boost)"

# refuses FILE VALUE...: each write fails with EINVAL, logs a line naming
# the file, and leaves the value unchanged.
refuses() {
	f=$1
	shift
	before=$(cat $S/$f)
	bad=""
	for v in "$@"; do
		dmesg -c >/dev/null
		err=$( (echo "$v" >$S/$f) 2>&1)
		st=$?
		log=$(dmesg | grep "compactlab: $f:")
		case $err in
		*"Invalid argument"*) ;;
		*) bad="$bad '$v'(status $st: $err)" ;;
		esac
		[ -n "$log" ] || bad="$bad '$v'(no log line)"
		[ "$(cat $S/$f)" = "$before" ] || bad="$bad '$v'(changed)"
	done
	diag "$f: last log line: $log"
	[ -z "$bad" ] || diag "$f: refusals that went wrong:$bad"
	[ -z "$bad" ]
}
wmarks="$(zi min) $(zi low) $(zi high)"
refuses min_free_kbytes abc "" 12abc 2147483648 99999999999999999999 0x10 -1
ok $? "min_free_kbytes refuses abc, '', 12abc, 2^31, 10^20, 0x10, -1"
refuses watermark_scale_factor 0 3001 -5 abc "" 4294967297
ok $? "watermark_scale_factor refuses 0, 3001, -5, abc, '', 2^32+1"
refuses watermark_boost_factor -1 abc "" 2147483648 " "
ok $? "watermark_boost_factor refuses -1, abc, '', 2^31, ' '"
[ "$(zi min) $(zi low) $(zi high)" = "$wmarks" ]
ok $? "refused writes leave the watermarks alone ($wmarks)"

echo "$mfk0" >$S/min_free_kbytes && echo "$wsf0" >$S/watermark_scale_factor &&
	echo "$wbf0" >$S/watermark_boost_factor && wmarks_ok "$mfk0" "$wsf0" &&
	[ "$(cat $S/watermark_boost_factor)" = "$wbf0" ]
ok $? "restoring the defaults restores the watermarks"

# --- the zone plan ---------------------------------------------------------
clab_unload
clab_load $CLAB_PARAMS dma_limit=4M dma32_limit=16M || diag "insmod: $CLAB_LOAD_ERR"
cat $D/buddyinfo | while IFS= read -r l; do diag "zone plan: buddyinfo: $l"; done
[ "$(awk '{ printf "%s ", $4 }' $D/buddyinfo)" = "DMA DMA32 Normal " ]
ok $? "zone plan: buddyinfo has DMA, DMA32 and Normal, in that order"
same_shape buddyinfo $D/buddyinfo /proc/buddyinfo
# managed ZONE: the zone's managed pages in our zoneinfo.
managed() {
	awk -v z="$1" '$1 == "Node" { on = ($4 == z) } on && $1 == "managed" { print $2 }' \
		$D/zoneinfo
}
m32=$(managed DMA32) mn=$(managed Normal)
prot=$(awk '$1 == "Node" { z = $4 } /protection:/ { gsub(/[(),]/, " "); printf "%s:%s,%s,%s,%s ", z, $2, $3, $4, $5 }' $D/zoneinfo)
want="DMA:0,$((m32 / 256)),$(((m32 + mn) / 256)),$(((m32 + mn) / 256)) DMA32:0,0,$((mn / 256)),$((mn / 256)) Normal:0,0,0,0 "
diag "zone plan: protection $prot"
[ "$(managed DMA)" = 1024 ] && [ "$m32" = 3072 ] && [ "$prot" = "$want" ]
ok $? "zone plan: managed 1024 and 3072 pages, lowmem reserves at ratios 256, 256, 32 ($want)"
awk 'NR > 1 { print $4 }' $D/pageblocks | uniq -c | awk '{ printf "%s:%s ", $2, $1 }' >$TMP/pbz
diag "zone plan: pageblocks by zone: $(cat $TMP/pbz)"
grep -q "^DMA:2 DMA32:6 Normal:" $TMP/pbz
ok $? "zone plan: pageblocks name their zone (2 DMA, 6 DMA32, then Normal)"
# Kernel-held blocks with the gfp zone bits (CLAB_ALLOC_F_DMA, _DMA32).
vm() {
	awk -v n="$1" '$1 == n { print $2 }' $D/vmstat
}
before="$(vm pgalloc_dma) $(vm pgalloc_dma32) $(vm pgalloc_normal)"
r32=$(./clab-slowpath alloc 0 unmovable dma32,nowarn 100)
rd=$(./clab-slowpath alloc 0 unmovable dma,nowarn 10)
rn=$(./clab-slowpath alloc 0 unmovable nowarn 100)
rb=$(./clab-slowpath alloc 0 unmovable dma,dma32 1)
after="$(vm pgalloc_dma) $(vm pgalloc_dma32) $(vm pgalloc_normal)"
diag "zone plan: dma32: $r32; dma: $rd; neither: $rn; pgalloc dma dma32 normal: $before -> $after"
set -- $before
want="$(($1 + 10)) $(($2 + 100)) $(($3 + 100))"
case "$r32|$rd|$rn" in
ok=100\ *"|"ok=10\ *"|"ok=100\ *) [ "$after" = "$want" ] ;;
*) false ;;
esac
ok $? "zone plan: ALLOC with DMA32, DMA and neither takes DMA32, DMA and Normal pages (pgalloc_* $want)"
case $rb in
*"fail=1 errno=EINVAL"*) true ;;
*) false ;;
esac
ok $? "zone plan: ALLOC with both DMA and DMA32 refused (EINVAL)"
clab_unload
insmod_refused "a dma_limit that is not a multiple of the largest block" \
	"Invalid argument" "dma_limit must be" $CLAB_PARAMS dma_limit=3M
insmod_refused "a dma32_limit below dma_limit" \
	"Invalid argument" "dma32_limit is below dma_limit" $CLAB_PARAMS dma_limit=8M dma32_limit=4M
clab_load $CLAB_PARAMS
ok $? "reloaded without a zone plan"
tap_done
