#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke test: the module is loaded, has its sysfs directory, and claims the
# arena range in /proc/iomem.
echo "TAP version 13"
echo "1..2"
if [ -d /sys/kernel/compactlab ]; then
	echo "ok 1 - /sys/kernel/compactlab exists"
else
	echo "not ok 1 - /sys/kernel/compactlab exists"
fi
line=$(grep compactlab /proc/iomem | head -n1)
start=$(echo "$line" | sed -n 's/^ *\([0-9a-f]*\)-.*/\1/p')
if [ -n "$start" ] && [ $((0x$start)) -eq $((CLAB_ARENA_BASE)) ]; then
	echo "ok 2 - /proc/iomem: $line"
else
	echo "not ok 2 - compactlab claims $CLAB_ARENA_BASE in /proc/iomem (got '${line}')"
fi
