#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest: records the guest kernel's kmem:mm_page_alloc and
# kmem:mm_page_free events while COMMAND runs, and saves the trace (the text
# of /sys/kernel/tracing/trace, header included) to OUT, for
# "clab-fragmenter replay --trace OUT". --max-events N keeps the first N
# event lines (0: all; the per-CPU buffers hold --buffer-kb KiB each, 4096
# by default, so a long COMMAND loses its oldest events).
#   clab-record-trace.sh [--max-events N] [--buffer-kb KB] OUT COMMAND...
# Exit status: COMMAND's; 2 when tracing is not available.
set -u
max=0
buf=4096
while [ $# -gt 0 ]; do
	case "$1" in
	--max-events) max=$2; shift 2 ;;
	--buffer-kb) buf=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || {
	echo "usage: clab-record-trace.sh [--max-events N] [--buffer-kb KB] OUT COMMAND..." >&2
	exit 2
}
out=$1
shift
t=/sys/kernel/tracing
[ -e $t/events/kmem/mm_page_alloc/enable ] || mount -t tracefs tracefs $t 2>/dev/null
if [ ! -w $t/events/kmem/mm_page_alloc/enable ]; then
	echo "clab-record-trace: no kmem events under $t" >&2
	exit 2
fi
echo 0 >$t/tracing_on
echo "$buf" >$t/buffer_size_kb
echo >$t/trace
echo 1 >$t/events/kmem/mm_page_alloc/enable
echo 1 >$t/events/kmem/mm_page_free/enable
echo 1 >$t/tracing_on
sh -c "$*"
rc=$?
echo 0 >$t/tracing_on
echo 0 >$t/events/kmem/mm_page_alloc/enable
echo 0 >$t/events/kmem/mm_page_free/enable
if [ "$max" -gt 0 ]; then
	awk -v max="$max" '/^#/ { print; next } n < max { print; n++ }' $t/trace >"$out"
else
	cat $t/trace >"$out"
fi
echo >$t/trace
echo "clab-record-trace: $(grep -c 'mm_page_alloc:' "$out") allocs, $(grep -c 'mm_page_free:' "$out") frees to $out (command exit $rc)"
exit $rc
