#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# abi-check.sh: on the host, check that every sysfs attribute defined in
# module/sysfs.c (__ATTR, __ATTR_RW, __ATTR_RO, __ATTR_WO, or a macro
# FOO_ATTR(name) that wraps them) has a "What:"
# entry in Documentation/ABI/testing/sysfs-kernel-compactlab, and that every
# entry there names an attribute that exists. Prints TAP; exit 1 on failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/module/sysfs.c
abi=$top/Documentation/ABI/testing/sysfs-kernel-compactlab
dir=/sys/kernel/compactlab

# Attributes: __ATTR*(name) outside macro bodies (a "##" marks one), and
# the names passed to the attribute-defining macros (FOO_ATTR(name);).
attrs=$({
	sed -n '/##/!s/.*__ATTR\(_RW\|_RO\|_WO\)\{0,1\}(\([a-z0-9_]*\).*/\2/p' "$src"
	sed -n 's/^[A-Z_]*_ATTR(\([a-z0-9_]*\));.*/\1/p' "$src"
} | sort -u)
# Entries: $dir/NAME, or $dir/node<N>/NAME for the per-node files.
whats=$(sed -n "s|^What:[[:space:]]*$dir/\(node<N>/\)\{0,1\}\([a-z0-9_]\{1,\}\)\$|\2|p" "$abi" |
	sort -u)

n=0
failed=0
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

nattrs=$(echo "$attrs" | grep -c .)
nwhats=$(echo "$whats" | grep -c .)
echo "TAP version 13"
echo "1..$((nattrs + nwhats + 1))"
[ "$nattrs" -gt 0 ]
tap $? "module/sysfs.c defines $nattrs attributes"
for a in $attrs; do
	echo "$whats" | grep -qx "$a"
	tap $? "$dir/$a has an ABI entry"
done
for w in $whats; do
	echo "$attrs" | grep -qx "$w"
	tap $? "ABI entry $dir/$w names an attribute of module/sysfs.c"
done
[ "$failed" -eq 0 ]
