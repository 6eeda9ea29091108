#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Permissions and isolation (issue 7): /dev/compactlab and every sysfs file
# are root's alone; an unprivileged user is refused with EACCES; a file
# without CAP_SYS_ADMIN gets EPERM from the privileged ioctls; no raw
# kernel address in debugfs, the trace or our log lines; mmap cannot reach
# outside the arena. Issue 11: the mode of every file the module creates
# (sysfs, parameters, debugfs, the device); uid 65534 cannot read the
# private ones (the arena's physical base and size, debugfs, the device)
# and can read the rest. clab-privs does what needs system calls.
. ./tap.sh

plan 13

DEV=/dev/compactlab
if ! clab_loaded; then
	clab_load $CLAB_PARAMS || { diag "insmod: $CLAB_LOAD_ERR"; exit 1; }
fi

# privs_ok DESC ARGS...: run clab-privs, show its lines, pass if all did.
privs_ok() {
	desc=$1
	shift
	out=$(./clab-privs "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  # /'
	[ $rc -eq 0 ] && echo "$out" | grep -q '^PASS'
	ok $? "$desc: $(echo "$out" | grep -c '^PASS') passed, $(echo "$out" | grep -c '^FAIL') failed"
}

# --- modes ------------------------------------------------------------------
# Every file the module creates: sysfs, its parameters, debugfs, the device.
PARAMS=/sys/module/compactlab/parameters
FILES="$(find "$CLAB_SYSFS" "$PARAMS" "$CLAB_DEBUGFS" -type f) $DEV"
n=$(echo $FILES | wc -w)

# Numeric owners: the initramfs has no /etc/passwd.
[ -c $DEV ] && [ "$(stat -c '%a %u:%g' $DEV)" = "600 0:0" ]
ok $? "$DEV is mode 0600, owner 0:0 ($(stat -c '%a %u:%g' $DEV))"

bad=
for f in $FILES; do
	m=$(stat -c %a "$f")
	# No write bit for group or other; owner root.
	case $m in
	*[2367]? | *[2367]) bad="$bad $f:$m" ;;
	esac
	[ "$(stat -c %u:%g "$f")" = 0:0 ] || bad="$bad $f:owner"
done
[ -z "$bad" ] && [ "$(find "$CLAB_SYSFS" -type f | wc -l)" -gt 0 ]
ok $? "$n files in sysfs, parameters, debugfs and /dev: owner 0:0, no group or other write${bad:+; bad:$bad}"

# Physical addresses are root's alone, as in /proc/iomem.
m="$(stat -c %a $PARAMS/arena_base) $(stat -c %a $PARAMS/arena_size)"
[ "$m" = "400 400" ]
ok $? "parameters arena_base and arena_size are mode 0400 ($m)"

bad=
for f in $(find "$CLAB_DEBUGFS" -type f); do
	m=$(stat -c %a "$f")
	case $m in
	*00) ;;
	*) bad="$bad $f:$m" ;;
	esac
done
[ -z "$bad" ]
ok $? "debugfs files: no group or other permission${bad:+; bad:$bad}"

# --- an unprivileged user ----------------------------------------------------
writable=$(find "$CLAB_SYSFS" "$PARAMS" "$CLAB_DEBUGFS" -type f -perm -u+w)
privs_ok "uid 65534 cannot open $DEV or write a sysfs or debugfs file" unpriv $DEV $writable

# Private: every file without the other-read bit, and the two addresses
# whatever their mode.
private="$PARAMS/arena_base $PARAMS/arena_size"
public=
for f in $FILES; do
	case $f in $PARAMS/arena_base | $PARAMS/arena_size) continue ;; esac
	case $(stat -c %A "$f") in
	*r??) public="$public $f" ;;
	*) private="$private $f" ;;
	esac
done
privs_ok "uid 65534 cannot read the $(echo $private | wc -w) private files" noread $private
privs_ok "uid 65534 reads the $(echo $public | wc -w) world-readable files" canread $public

privs_ok "root without CAP_SYS_ADMIN: privileged ioctls EPERM" nocap
privs_ok "uid 65534 holding root's open file: privileged ioctls EPERM" setuid

# --- no raw kernel address in what we print ------------------------------------
# The kernel's pointer shape on x86_64 and arm64 (a %px): ffff and 12 more
# hex digits. Physical addresses and PFNs of the arena are expected.
KPTR='ffff[0-9a-f]{12}'
hits=
for f in $(find "$CLAB_DEBUGFS" -type f -perm -u+r); do
	grep -Eiq "$KPTR" "$f" && hits="$hits $f"
done
[ -z "$hits" ]
ok $? "no kernel address in the $(find "$CLAB_DEBUGFS" -type f | wc -l) debugfs files${hits:+:$hits}"

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
if [ -d $T/events/compactlab ]; then
	echo >$T/trace
	# With the other CPUs offline: it patches kernel text (tap.sh).
	cpus_offline_write 1 $T/events/compactlab/enable
	echo 1 >$T/tracing_on
	# A fragmented arena, so that the compaction moves pages.
	./clab-frag --mb 16 --hold -1 >/tmp/perm-frag.out 2>&1 &
	hp=$!
	i=0
	while ! grep -q '^clab-frag:' /tmp/perm-frag.out && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	echo 1 >$CLAB_SYSFS/compact_memory
	kill $hp; wait $hp
	cpus_offline_write 0 $T/events/compactlab/enable
	lines=$(grep -vc '^#' $T/trace)
	bad=$(grep -v '^#' $T/trace | grep -Eio "$KPTR" | head -n3 | tr '\n' ' ')
	[ "$lines" -gt 0 ] && [ -z "$bad" ]
	ok $? "no kernel address in $lines trace lines${bad:+: $bad}"
	echo >$T/trace
else
	skip "no kernel address in the trace" "no tracefs or no compactlab events"
fi

bad=$(dmesg | grep 'compactlab' | grep -Ei "$KPTR" | head -n3)
[ -z "$bad" ]
ok $? "no kernel address in $(dmesg | grep -c compactlab) compactlab log lines${bad:+: $bad}"

# --- mmap stays inside the arena ---------------------------------------------
dmesg -c >/dev/null
privs_ok "mmap lengths and offsets: clean errno or PFNs inside the arena" mmap
tap_done
