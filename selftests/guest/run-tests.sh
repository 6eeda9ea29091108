#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the guest (cwd: the shared directory): every test-*.sh in order.
# Each prints its own TAP stream (TAP version 13, 1..N, ok/not ok); exit
# status 4 means skipped. Exits 0 once everything ran: failures are in the TAP.
# After each script, a comment line gives its time in seconds.
set -u
n=0
for t in ./test-*.sh; do
	[ -e "$t" ] || { echo "run-tests: no test-*.sh here" >&2; exit 1; }
	n=$((n + 1))
	name=${t#./}
	t0=$(cut -d. -f1 /proc/uptime)
	{ sh "$t" 2>&1; echo $? >/tmp/rc.$n; } | tee /tmp/out.$n
	rc=$(cat /tmp/rc.$n)
	# Each script's time, for keeping make check inside its budget.
	echo "# run-tests: $name took $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	case $rc in
	0) ;;
	4)
		if ! grep -q '^1\.\.' /tmp/out.$n; then
			echo "1..1"
			echo "ok 1 - $name # SKIP"
		fi
		;;
	*)
		grep -q '^not ok' /tmp/out.$n || echo "not ok - $name exited with status $rc"
		;;
	esac
done
exit 0
