#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suites of the core (issue 7), on the debug kernel: loading
# compactlab_kunit.ko (selftests/kunit, built by scripts/build-kunit and
# shipped next to this script by run-check) runs the suites in SUITES,
# compactlab_{arena,extfrag,page_alloc,...}: selftests/core's
# cases, compiled into the kernel under KASAN and lockdep. Their KTAP
# results (/sys/kernel/debug/kunit/<suite>/results) become one TAP line per
# case here, so that the harness counts them; a failed case's diagnostics
# come before its line. Skipped where there is no compactlab_kunit.ko (the
# distro kernels are built without KUnit).
. ./tap.sh

KO=./compactlab_kunit.ko
SUITES="arena extfrag page_alloc compaction slowpath linux61_finish linux61_skip linux61_migrate linux61_fast linux61_kswapd linux61_free linux61_pcp policy migrate compact_counting layout virtual mirror zones"

if [ ! -f "$KO" ] || [ ! -d /sys/kernel/debug/kunit ]; then
	plan 1
	skip "KUnit suites of the core" "no compactlab_kunit.ko or no KUnit here (the debug kernel's tier)"
	exit 4
fi

t0=$(date +%s)
err=$(insmod "$KO" 2>&1)
rc=$?
secs=$(($(date +%s) - t0))

# Each suite's cases: "ok|fail NAME" lines (one word each, for read), at the
# results' first depth.
: >/tmp/kunit.cases
for s in $SUITES; do
	r=/sys/kernel/debug/kunit/compactlab_$s/results
	[ -r "$r" ] || continue
	# A case whose log overflows KUnit's buffer loses its result line:
	# fewer results than the suite's plan is a failure, not a pass.
	awk -v s="compactlab_$s" '
		/^    1\.\.[0-9]+$/ { plan = substr($1, 4) + 0 }
		/^    (not )?ok [0-9]+ / {
			st = ($1 == "not") ? "fail" : "ok"
			name = ($1 == "not") ? $4 : $3
			if (name == "-")
				name = ($1 == "not") ? $5 : $4
			print st, s "." name
			n++
		}
		END {
			if (n < plan)
				print "fail", s ".missing_" plan - n "_of_" plan "_results"
		}' "$r" >>/tmp/kunit.cases
done
n=$(wc -l </tmp/kunit.cases)

plan $((n + 3))
diag "insmod compactlab_kunit.ko: ${err:-ok}; the suites ran in ${secs} s"
found=0 want=0
for s in $SUITES; do
	want=$((want + 1))
	[ -r "/sys/kernel/debug/kunit/compactlab_$s/results" ] && found=$((found + 1))
done
nsuites=$(echo "$SUITES" | wc -w)
[ $rc -eq 0 ] && [ $found -eq "$nsuites" ]
ok $? "compactlab_kunit.ko loads and registers its $nsuites suites ($found)"
# A suite the module registers but SUITES does not name would go unread.
unlisted=
for d in /sys/kernel/debug/kunit/compactlab_*; do
	[ -d "$d" ] || continue
	case " $SUITES " in
	*" ${d##*/compactlab_} "*) ;;
	*) unlisted="$unlisted ${d##*/compactlab_}" ;;
	esac
done
[ -z "$unlisted" ]
ok $? "every suite the module registers is read here${unlisted:+ (unlisted:$unlisted)}"

while read -r st name; do
	if [ "$st" = ok ]; then
		t_ok "kunit $name"
	else
		r=/sys/kernel/debug/kunit/${name%%.*}/results
		sed 's/^/# /' "$r"
		t_fail "kunit $name"
	fi
done </tmp/kunit.cases

rmmod compactlab_kunit
ok $? "compactlab_kunit.ko unloads"
tap_done
