#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress and fuzz, the debug kernel's tier (Documentation/testing.rst):
# stress-migrate (processes verifying checksummed pages while every
# compaction entry point runs, until a million migrations) and stress-fuzz
# (random ioctls, mmaps, sysfs writes, debugfs reads: 12,000 operations,
# at most $CLAB_STRESS_SECONDS, default 300).
# Skipped on the distro kernels unless CLAB_STRESS_SECONDS is set (e.g.
# scripts/vm-run -- 'CLAB_STRESS_SECONDS=5 ./test-stress.sh'). A kernel
# report fails the run on the host (console scan; on the debug kernel a
# WARN or KASAN report panics the guest). The seeds are in the output:
# replay with ./stress-fuzz --seed N, ./stress-migrate --seed N.
. ./tap.sh

if [ "${CLAB_KERNEL:-}" != debug ] && [ -z "${CLAB_STRESS_SECONDS:-}" ]; then
	plan 1
	skip "stress-migrate, stress-fuzz" "the debug kernel's tier (vm-run --debug)"
	exit 4
fi
secs=${CLAB_STRESS_SECONDS:-300}

plan 5

# stress-migrate runs until its target of migrations (at most 900 s).
# kcompactd joins in: proactiveness 100 (restored afterwards). The target:
# CLAB_STRESS_MIGRATIONS, else ./stress-migrations (make stress: a million,
# written by run-check), else 150,000 in make check (300,000 took 90 s on
# the debug kernel under TCG, and make check 46.4 min with the live
# mirror's tests, over its 45-minute budget; 400,000 took 139 s).
target=${CLAB_STRESS_MIGRATIONS:-}
[ -z "$target" ] && [ -r ./stress-migrations ] && target=$(cat ./stress-migrations)
target=${target:-150000}
pro=$(cat "$CLAB_SYSFS/compaction_proactiveness")
echo 100 >"$CLAB_SYSFS/compaction_proactiveness"
# kcompactd's CPU ticks (utime + stime of every clab_kcompactd thread): its
# proactive passes count into no vmstat counter (as in 6.1), only its
# reactive work (woken by kswapd) into compact_daemon_*.
kcompactd_ticks() {
	t=0
	for d in /proc/[0-9]*; do
		case "$(cat "$d"/comm 2>/dev/null)" in
		clab_kcompactd*)
			t=$((t + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$d/stat")))
			;;
		esac
	done
	echo $t
}
d0=$(vmstat_of compact_daemon_migrate_scanned)
k0=$(kcompactd_ticks)
s0=$(vmstat_of compact_stall)
out=$(./stress-migrate --procs 2 --threads 1 --mb 40 --seconds 900 \
	--migrations "$target" 2>&1)
rc=$?
echo "$pro" >"$CLAB_SYSFS/compaction_proactiveness"
echo "$out" | sed 's/^/# /'
daemon=$(($(vmstat_of compact_daemon_migrate_scanned) - d0))
kticks=$(($(kcompactd_ticks) - k0))
stalls=$(($(vmstat_of compact_stall) - s0))
diag "kcompactd: $daemon pages scanned on wakeups, $kticks CPU ticks; direct compaction stalls: $stalls"
line=$(echo "$out" | grep '^stress-migrate:')
mism=$(echo "$line" | sed -n 's/.* \([0-9]*\) mismatches.*/\1/p')
migr=$(echo "$line" | sed -n 's/.* \([0-9]*\) migrations.*/\1/p')
o9=$(echo "$line" | sed -n 's/.* \([0-9]*\) order-9 allocations.*/\1/p')
[ $rc -eq 0 ] && [ "$mism" = 0 ]
ok $? "stress-migrate: ${mism:-?} mismatches over ${migr:-?} migrations"
[ -n "$migr" ] && [ "$migr" -ge "$target" ]
ok $? "stress-migrate: at least $target migrations under the writers (${migr:-?})"
[ $((daemon + kticks)) -gt 0 ] && [ "${o9:-0}" -gt 0 ]
ok $? "every trigger ran: compact_memory, node compact, ioctl, kcompactd ($daemon scanned on wakeups, $kticks ticks), order-9 allocations (${o9:-0})"

# At least 10,000 operations: 12,000 steps, or fewer if $secs s run out
# first (default 300; the debug kernel does a few hundred a second).
out=$(./stress-fuzz --seconds "$secs" --steps 12000 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
seed=$(echo "$out" | sed -n 's/^# stress-fuzz: seed \([^,]*\),.*/\1/p')
steps=$(echo "$out" | sed -n 's/^stress-fuzz: \([0-9]*\) steps.*/\1/p')
[ $rc -eq 0 ] && [ "${steps:-0}" -ge 10000 ]
ok $? "stress-fuzz: ${steps:-?} operations, survived, exit $rc (seed $seed)"

# The module still works after the fuzzing: it reloads and its
# allocator gives a clean pattern check.
clab_unload; clab_load $CLAB_PARAMS && [ -c /dev/compactlab ] &&
	./stress-migrate --procs 1 --threads 1 --mb 2 --seconds 1 >/dev/null
ok $? "reload after fuzzing, data intact"
tap_done
