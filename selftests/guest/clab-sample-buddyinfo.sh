#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest: samples /sys/kernel/debug/compactlab/buddyinfo every
# INTERVAL_MS (100) for SECONDS (10) and appends one line per sample to OUT
# (stdout when -): "uptime_s free0 free1 ... free10", the free blocks of each
# order summed over every node and zone. scripts/plot-buddyinfo draws it.
#   clab-sample-buddyinfo.sh [OUT [SECONDS [INTERVAL_MS]]]
set -u
out=${1:--}
secs=${2:-10}
ms=${3:-100}
bi=/sys/kernel/debug/compactlab/buddyinfo
[ -r $bi ] || { echo "clab-sample-buddyinfo: no $bi" >&2; exit 2; }
[ "$out" = - ] && out=/dev/stdout
end=$(awk -v s="$secs" '{ printf "%.2f", $1 + s }' /proc/uptime)
while :; do
	now=$(cut -d' ' -f1 /proc/uptime)
	awk -v now="$now" -v end="$end" 'BEGIN { if (now + 0 > end + 0) exit 1 }' || break
	awk -v now="$now" '
		/zone/ { for (i = 5; i <= NF; i++) n[i - 5] += $i
			 if (NF - 4 > max) max = NF - 4 }
		END { printf "%s", now
		      for (o = 0; o < max; o++) printf " %d", n[o]
		      printf "\n" }' $bi >>"$out"
	usleep $((ms * 1000))
done
exit 0
