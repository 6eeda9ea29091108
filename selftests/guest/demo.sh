#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (cwd: the shared directory), driven by scripts/demo:
# fragment the arena with the gupta pattern, show buddyinfo and
# extfrag_index, compact (compact_memory), show them again. The pageblocks
# view and the per-page dump of the fragmenter go to the console between
# marker lines that scripts/demo cuts out:
#   === pageblocks before ===   ...   === end ===
#   === pages before ===        ...   === end ===   (one line per pageblock:
#       one character per page: . not ours, m mapped, M/R/U kernel blocks)
#   ... and the same "after"; with --kcompactd SECONDS, after a fresh
#   fragmentation with compaction_proactiveness 0, the buddyinfo samples
#   (clab-sample-buddyinfo.sh, every 100 ms) while proactiveness 20 lets
#   kcompactd work:
#   === buddyinfo samples ===   ...   === end ===
#   demo.sh [--mb MB] [--kcompactd SECONDS]
# Exit status: 0; 1 when a kept page changed or a step failed.
set -u
mb=0
kcd=0
while [ $# -gt 0 ]; do
	case "$1" in
	--mb) mb=$2; shift 2 ;;
	--kcompactd) kcd=$2; shift 2 ;;
	*) echo "usage: demo.sh [--mb MB] [--kcompactd SECONDS]" >&2; exit 2 ;;
	esac
done
dbg=/sys/kernel/debug/compactlab
sys=/sys/kernel/compactlab
pages=/tmp/demo-pages
fout=/tmp/demo-frag.out
rc=0
pb_pages=$(sed -n 's/^pageblock_order: *//p' $dbg/arena)
pb_pages=$((1 << pb_pages))
arena_pages=$(sed -n 's/^pages: *//p' $dbg/arena)

say() { echo "demo: $*"; }

# wait_for PATTERN [TRIES]: until the fragmenter printed a matching line
wait_for() {
	n=0
	while ! grep -q "$1" $fout 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt "${2:-600}" ] || ! kill -0 $fpid 2>/dev/null; then
			say "the fragmenter did not print '$1'"
			cat $fout
			return 1
		fi
		usleep 100000
	done
}

show() {
	say "buddyinfo $1 compaction:"
	cat $dbg/buddyinfo
	say "extfrag_index $1 compaction:"
	cat $dbg/extfrag/extfrag_index
}

# snapshot before|after: the pageblocks view and the per-page dump
snapshot() {
	echo "=== pageblocks $1 ==="
	cat $dbg/pageblocks
	echo "=== end ==="
	k=$(grep -c 'pfns ' $fout)
	kill -USR1 $fpid
	n=0
	while [ "$(grep -c 'pfns ' $fout)" = "$k" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { say "no page dump"; return 1; }
		[ $((n % 10)) != 0 ] || kill -USR1 $fpid
		usleep 100000
	done
	echo "=== pages $1 ==="
	awk -v pb="$pb_pages" -v np="$arena_pages" '
		{ kind[$1] = $2 }
		END { for (b = 0; b * pb < np; b++) {
			line = ""
			for (i = b * pb; i < (b + 1) * pb; i++)
				line = line ((i in kind) ? kind[i] : ".")
			print line
		} }' $pages
	echo "=== end ==="
}

# start ARGS...: the fragmenter in the background, until its summary line
# shellcheck disable=SC2120
start() {
	./clab-fragmenter gupta --mb "$mb" --hold -1 --pfns $pages "$@" >$fout 2>&1 &
	fpid=$!
	wait_for '^clab-fragmenter: gupta'
}

# finish: stop the fragmenter; its verify line and status
finish() {
	kill -TERM $fpid
	wait $fpid
	s=$?
	grep 'verify' $fout
	[ $s = 0 ] || { say "the fragmenter exited with $s"; rc=1; }
}

pro=$(cat $sys/compaction_proactiveness)
# kcompactd must not compact before the "before" snapshot.
echo 0 >$sys/compaction_proactiveness
say "arena: $arena_pages pages, $pb_pages per pageblock"
start || exit 1
grep '^clab-fragmenter: gupta' $fout
show before
snapshot before || rc=1
say "echo 1 > $sys/compact_memory"
t0=$(cut -d' ' -f1 /proc/uptime)
echo 1 >$sys/compact_memory || rc=1
t1=$(cut -d' ' -f1 /proc/uptime)
say "compact_memory took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
show after
snapshot after || rc=1
grep -E '^(compact_|pgmigrate_)' $dbg/vmstat
finish

if [ "$kcd" -gt 0 ]; then
	say "kcompactd: fragment again, then compaction_proactiveness 20 for ${kcd}s"
	start || exit 1
	grep '^clab-fragmenter: gupta' $fout
	rm -f /tmp/demo-samples
	./clab-sample-buddyinfo.sh /tmp/demo-samples "$kcd" 100 &
	spid=$!
	sleep 1
	echo "# event $(cut -d' ' -f1 /proc/uptime) proactiveness=20" >>/tmp/demo-samples
	echo 20 >$sys/compaction_proactiveness
	wait $spid
	echo "=== buddyinfo samples ==="
	cat /tmp/demo-samples
	echo "=== end ==="
	grep -E '^compact_daemon' $dbg/vmstat
	finish
fi
echo "$pro" >$sys/compaction_proactiveness
exit $rc
