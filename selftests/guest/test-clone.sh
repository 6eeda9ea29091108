#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# CLAB_IOC_CLONE (issue 14): reading the running kernel's zone layout,
# COUNT_ONLY (the arena left alone) but for the last case. A whole-zone
# clone of the highest
# populated zone of node 0 (Normal, else DMA32, else DMA) against the
# kernel's own views: free blocks per order against /proc/buddyinfo (which
# leaves out the per-CPU pages, as the FREE kind does), pageblocks per
# migratetype against /proc/pagetypeinfo, per-CPU pages against
# /proc/zoneinfo; how racy the reading was (nr_changed) and how long it
# took; THPs of a MADV_HUGEPAGE mapping as ANON order-9 blocks; bad input
# refused with its errno and a log line; then one clone into the arena
# (clab_layout_apply()), released again.
. ./tap.sh

plan 19

# The snapshot is racy: a free-block count may differ from buddyinfo's by
# FREE_TOL blocks plus FREE_PCT percent; a pageblock count by PB_TOL. On
# an idle guest the one difference seen is the clone's own two buffers
# (2 bytes a page each, 512 KiB for 1 GiB: two order-7 blocks), held while
# it reads and freed before buddyinfo is read: one order-8 block fewer.
FREE_TOL=8
FREE_PCT=2
PB_TOL=2

zone=$(top_zone)
diag "zone: node 0 $zone ($CLAB_ARCH $CLAB_KERNEL, $(uname -r))"

# zoneinfo_of KEY: the value of KEY in node 0 $zone's /proc/zoneinfo section.
zoneinfo_of() {
	awk -v z="$zone" -v k="$1" '
		$1 == "Node" { in_z = ($2 == "0," && $4 == z) }
		in_z && ($1 == k || $1 == k ":") { print $2; exit }' /proc/zoneinfo
}

# zone_pcp: free pages on the per-CPU lists of node 0 $zone ("count:").
zone_pcp() {
	awk -v z="$zone" '
		$1 == "Node" { in_z = ($2 == "0," && $4 == z) }
		in_z && $1 == "count:" { n += $2 }
		END { print n + 0 }' /proc/zoneinfo
}

zstart=$(zoneinfo_of start_pfn)
spanned=$(zoneinfo_of spanned)
zend=$((zstart + spanned))
diag "zone pfns [$zstart, $zend), $spanned spanned, $(zoneinfo_of present) present"

dmesg -c >/dev/null
out=$(./clab-clone "$zone")
bi=$(awk -v z="$zone" '$1 == "Node" && $2 == "0," && $4 == z' /proc/buddyinfo)
pti=$(cat /proc/pagetypeinfo)
pcp=$(zone_pcp)
printf '%s\n' "$(echo "$out" | tr '\n' ' ')" | fold -w 76 -s | sed 's/^/# /'
[ "$(field err "$out")" = 0 ]
ok $? "whole-zone COUNT_ONLY clone of node 0 $zone succeeds"

ostart=$(field out_start_pfn "$out")
onr=$(field out_nr_pages "$out")
[ $((ostart % 1024)) = 0 ] && [ "$ostart" -le "$zstart" ] &&
	[ $((zstart - ostart)) -lt 1024 ] && [ $((onr % 512)) = 0 ] &&
	[ $((ostart + onr)) -ge "$zend" ] && [ $((ostart + onr - zend)) -lt 512 ]
ok $? "the window is the zone, start rounded down to 1024, end up to 512 ([$ostart, $((ostart + onr))))"

total=0
for k in hole free pcp anon file movable pinned slab pgtable reserved hugetlb unmovable; do
	total=$((total + $(field "kind_$k" "$out")))
done
[ "$total" = "$onr" ]
ok $? "the kinds add up to the window ($total pages)"

# Free blocks per order against buddyinfo.
bad=0 diffs=
o=0
for b in $(echo "$bi" | awk '{ for (i = 5; i <= NF; i++) print $i }'); do
	f=$(field "free_$o" "$out")
	d=$((f - b))
	[ $d -lt 0 ] && d=$((-d))
	diffs="$diffs $o:$f/$b"
	[ $d -le $((FREE_TOL + b * FREE_PCT / 100)) ] || bad=$((bad + 1))
	o=$((o + 1))
done
diag "free blocks per order, clone/buddyinfo:$diffs"
[ "$o" -ge 11 ] && [ $bad = 0 ]
ok $? "FREE blocks of each order match /proc/buddyinfo within $FREE_TOL + $FREE_PCT% ($bad orders off)"

# Pageblocks against pagetypeinfo's "Number of blocks type" row: the
# kernel's CMA and isolated blocks are movable in the clone; blocks whose
# first page is not an online page of the zone (holes, the window's
# rounding) are unmovable in the clone and not counted by the kernel.
pt=$(echo "$pti" | awk -v z="$zone" '
	/^Number of blocks type/ { for (i = 5; i <= NF; i++) col[i - 4] = $i; n = NF - 4; on = 1; next }
	on && $1 == "Node" && $2 == "0," && $4 == z {
		for (i = 1; i <= n; i++) printf "%s=%s ", tolower(col[i]), $(i + 4)
		exit }')
diag "pagetypeinfo: $pt"
pu=$(field unmovable "$pt") pm=$(field movable "$pt") pr=$(field reclaimable "$pt")
ph=$(field highatomic "$pt") pc=$(field cma "$pt") pis=$(field isolate "$pt")
pm=$((pm + ${pc:-0} + ${pis:-0}))
cu=$(field pb_unmovable "$out") cm=$(field pb_movable "$out")
cr=$(field pb_reclaimable "$out") ch=$(field pb_highatomic "$out")
ptot=$((pu + pm + pr + ph)) ctot=$((cu + cm + cr + ch))
extra=$((ctot - ptot))
diag "pageblocks clone/kernel: unmovable $cu/$pu movable $cm/$pm reclaimable $cr/$pr highatomic $ch/$ph; $extra not counted by the kernel"
within() { [ $(($1 - $2)) -le "$3" ] && [ $(($2 - $1)) -le "$3" ]; }
within "$cm" "$pm" $PB_TOL && within "$cr" "$pr" $PB_TOL && within "$ch" "$ph" $PB_TOL
ok $? "movable, reclaimable and highatomic pageblocks match /proc/pagetypeinfo within $PB_TOL"
holes=$(field kind_hole "$out")
within "$cu" $((pu + extra)) $PB_TOL && [ "$extra" -ge 0 ] &&
	[ "$extra" -le $((holes / 512 + 2)) ]
ok $? "unmovable pageblocks match too, the $extra extra ones explained by $holes hole pages"

# Per-CPU pages against zoneinfo's pageset counts (both racy: they move
# with every allocation; a wrong list order would be off by far more).
cp=$(field kind_pcp "$out")
diag "per-CPU pages clone/zoneinfo: $cp/$pcp"
within "$cp" "$pcp" $((64 + pcp / 4))
ok $? "PCP pages match the pagesets' counts within 64 + 25% ($cp/$pcp)"

chg=$(field nr_changed "$out")
ns=$(field time_ns "$out")
diag "nr_changed $chg of $onr pages; the clone (two readings) took $((ns / 1000000)) ms"
[ "$chg" -le $((onr / 100)) ]
ok $? "nr_changed is small on an idle guest ($chg <= 1% of $onr)"

# THPs: ANON blocks of order 9 (CLAB_CLONE_F_MOVABLE_ORDERS counts the
# movable kinds' blocks per order).
thp_mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
out=$(./clab-clone thp 64 "$zone")
diag "THP ($thp_mode): $(echo "$out" | tr '\n' ' ')"
if [ "$thp_mode" = never ] || [ "$(field thp_windows "$out")" = 0 ]; then
	skip "THPs of a MADV_HUGEPAGE mapping are ANON order-9 blocks" \
		"no THP of node 0 $zone (THP $thp_mode, $(field thp_found "$out") found)"
else
	[ "$(field thp_ok "$out")" = "$(field thp_windows "$out")" ]
	ok $? "THPs of a MADV_HUGEPAGE mapping are ANON order-9 blocks ($(field thp_ok "$out") of $(field thp_windows "$out") windows)"
fi

# refused ERRNO LOG DESCRIPTION ARGS...: clab-clone ARGS fails with ERRNO
# and logs a CLAB_IOC_CLONE line matching LOG.
refused() {
	want=$1 log=$2 what=$3
	shift 3
	dmesg -c >/dev/null
	out=$(./clab-clone "$@")
	got=$(field err "$out")
	line=$(dmesg | grep "compactlab: .*CLAB_IOC_CLONE: .*$log")
	[ "$got" = "$want" ] && [ -n "$line" ]
	ok $? "$what: $got (want $want), logged: ${line#*CLAB_IOC_CLONE: }"
}
refused ENOENT "no zone of that name" "unknown zone name" Nozone
refused ENODEV "no such online node" "nid 99" --nid 99 "$zone"
refused ERANGE "outside the zone" "start_pfn beyond the zone's end" \
	--start "$zend" "$zone"
refused EINVAL "zero-padded" "a non-zero byte after the zone name" --pad "$zone"
refused EINVAL "unknown flags" "an unknown flag" --flags 0x80000001 "$zone"
refused EPERM "needs CAP_SYS_ADMIN" "uid 65534" --nobody "$zone"
arena=$(arena_field pages)
if [ "$spanned" -gt "$((arena + 1024))" ]; then
	refused E2BIG "larger than the clone may be" \
		"a window larger than the arena ($spanned > $arena pages), arena path" \
		--flags 0 --nr "$spanned" "$zone"
else
	skip "a window larger than the arena is refused" "zone smaller than the arena"
fi

# Without COUNT_ONLY the arena takes the clone (clab_layout_apply()): a
# window as large as the arena holds; CLAB_IOC_CLONE_INFO describes it and
# CLAB_IOC_CLONE_RELEASE empties the arena again.
nr=$(((arena - 2048) / 512 * 512))
[ "$nr" -gt 0 ] || nr=512
kzi0=$(cat /proc/zoneinfo)
azi0=$(cat "$CLAB_DEBUGFS/zoneinfo")
out=$(./clab-clone --apply --nr "$nr" "$zone")
azi=$(cat "$CLAB_DEBUGFS/zoneinfo")
kzi1=$(cat /proc/zoneinfo)
info=$(./clab-clone info)
rel=$(./clab-clone release)
after=$(./clab-clone info)
diag "apply: $(echo "$out" | grep -E '^(err|out_|nr_changed|time_ns)' | tr '\n' ' ')"
diag "info: $(echo "$info" | tr '\n' ' ')"
[ "$(field err "$out")" = 0 ] &&
	[ "$(field nr_pages "$info")" = "$(field out_nr_pages "$out")" ] &&
	[ "$(field start_pfn "$info")" = "$(field out_start_pfn "$out")" ] &&
	[ "$(field nr_changed "$info")" = "$(field nr_changed "$out")" ] &&
	[ "$(field mismatches "$info")" = 0 ] &&
	[ "$(field err "$rel")" = 0 ] && [ "$(field nr_pages "$after")" = 0 ]
ok $? "the arena takes a clone of $(field out_nr_pages "$out") pages (CLONE_INFO agrees), and CLONE_RELEASE empties it"

# zone_marks ZONE wm|pcp: "min low" or "high/batch ..." per CPU, of the
# first section named ZONE (any, if empty) of the zoneinfo on stdin.
zone_marks() {
	awk -v z="$1" -v what="$2" '
		$1 == "Node" { if (seen) exit; in_z = (z == "" || $4 == z); seen = in_z }
		in_z && what == "wm" && ($1 == "min" || $1 == "low") { printf "%s ", $2 }
		in_z && $1 == "high:" { h = $2 }
		in_z && what == "pcp" && $1 == "batch:" { printf "%s/%s ", h, $2 }'
}
# A window carries each CPU's per-CPU high mark and batch, but no
# watermarks (they are the whole zone's): the arena keeps its own.
# (6.12 tunes its per-CPU high marks as it runs: either reading will do.)
kpcp0=$(echo "$kzi0" | zone_marks "$zone" pcp)
kpcp1=$(echo "$kzi1" | zone_marks "$zone" pcp)
apcp=$(echo "$azi" | zone_marks "" pcp)
awm0=$(echo "$azi0" | zone_marks "" wm)
awm=$(echo "$azi" | zone_marks "" wm)
diag "per-CPU high/batch: kernel $kpcp0 (after: $kpcp1), arena $apcp; arena min/low $awm0-> $awm"
[ -n "$apcp" ] && { [ "$kpcp0" = "$apcp" ] || [ "$kpcp1" = "$apcp" ]; } &&
	[ -n "$awm" ] && [ "$awm0" = "$awm" ]
ok $? "a window clone gives the arena each CPU's per-CPU high mark and batch, and leaves its watermarks"

dmesg | grep -E 'BUG|WARNING|Oops|lockdep' >/tmp/clone-reports
[ ! -s /tmp/clone-reports ]
ok $? "no kernel report"

tap_done
