#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge one `make check` VM run: report.sh CONSOLE_LOG TAP_LOG QEMU_EXIT_CODE [BOOTS [CONFIG]]
# BOOTS (1 by default) is how many boots' logs the files hold, one after the other; each
# must show every marker. CONFIG is the guest kernel's .config: the kmemleak scan and KUnit's
# results are demanded of a kernel that has them (CONFIG_DEBUG_KMEMLEAK, CONFIG_KUNIT), and
# of every kernel when CONFIG is not given; without them (Debian's kernel) they are not judged. Counts the selftests' and KUnit's TAP results, lists failures and
# kernel splats, and ends with the line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail

console=$1 tap=$2 qrc=$3 boots=${4:-1} config=${5:-}
problems=()

# has OPTION: the guest kernel has CONFIG_OPTION (or CONFIG was not given).
has() {
	[ -z "$config" ] || grep -q "^CONFIG_$1=y" "$config"
}

# The serial ports write CR LF line ends.
sed -i 's/\r$//' "$console" "$tap"

# Results: kselftest-harness lines "ok N name" / "not ok N name" of each program between
# its RIT-PROG markers, and KUnit's subtest lines "    ok N name" inside RIT-KUNIT.
summary=$(awk '
	function fail(what) { failed++; print "FAIL " what }
	/^RIT-PROG-END / {
		split($3, rc, "=")
		if (planned != results) fail(prog ": " results " results for a plan of " planned " (crashed?)")
		else if (rc[2] != 0 && progfail == 0) fail(prog ": exited with " rc[2] " but reported no failure")
		prog = ""; next
	}
	/^RIT-PROG / { if (prog != "") fail(prog ": did not finish"); prog = $2; planned = 0; results = 0; progfail = 0; next }
	/^RIT-KUNIT-END/ { kunit = ""; next }
	/^RIT-KUNIT / { kunit = $2; next }
	kunit != "" && /^    (not )?ok [0-9]+ / {
		name = $0; sub(/^ *(not )?ok [0-9]+ /, "", name)
		if ($1 == "not") fail("kunit " kunit "." name)
		else if (name ~ /# SKIP/) skipped++
		else passed++
		next
	}
	prog != "" && /^1\.\.[0-9]+$/ { planned = substr($0, 4) + 0; next }
	prog != "" && /^(not )?ok [0-9]+ / {
		results++
		name = $0; sub(/^(not )?ok [0-9]+ /, "", name)
		if ($1 == "not") { progfail++; fail(prog ": " name) }
		else if (name ~ /# SKIP/) skipped++
		else passed++
		next
	}
	END {
		if (prog != "") fail(prog ": did not finish")
		printf "COUNTS %d %d %d\n", passed, failed, skipped
	}' "$tap")
counts=$(grep '^COUNTS ' <<<"$summary")
read -r _ passed failed skipped <<<"$counts"
while IFS= read -r line; do
	problems+=("${line#FAIL }")
done < <(grep '^FAIL ' <<<"$summary")

# The run itself.
case "$qrc" in
0) ;;
124) problems+=("QEMU timed out (raise QEMU_TIMEOUT if the machine is just slow)") ;;
*) problems+=("QEMU exited with status $qrc") ;;
esac
# Each boot's markers: one per boot.
marker() {
	local n
	n=$(grep -c "^$1" "$tap")
	if [ "$n" -lt "$boots" ]; then
		[ "$boots" -gt 1 ] && problems+=("$2 (in $((boots - n)) of $boots boots)") || problems+=("$2")
	fi
}
marker RIT-BEGIN "the guest never started /init (see the console log)"
# A boot where the module must refuse to load (RIT_INSMOD=refused) skips both.
marker 'RIT-INSMOD \(ok\|skipped\)' "insmod rinotify.ko failed"
marker 'RIT-RMMOD \(ok\|skipped\)' "rmmod rinotify failed at the end of the tests"
marker RIT-DONE "the completion marker RIT-DONE is missing: the guest crashed or hung"
unjudged=()
if has KUNIT; then
	marker 'RIT-KUNIT ' "no KUnit results from the module (its #[kunit_tests] did not run)"
else
	unjudged+=("KUnit (no CONFIG_KUNIT)")
fi
if has DEBUG_KMEMLEAK; then
	marker 'RIT-KMEMLEAK$' "no kmemleak scan at the end of the tests"
	if grep -q '^RIT-KMEMLEAK unavailable' "$tap"; then
		problems+=("kmemleak is not available in the guest kernel")
	fi
else
	unjudged+=("kmemleak (no CONFIG_DEBUG_KMEMLEAK)")
fi
leaks=$(sed -n '/^RIT-KMEMLEAK$/,/^RIT-KMEMLEAK-END$/p' "$tap" | grep -c 'unreferenced object')
[ "$leaks" -gt 0 ] && problems+=("kmemleak: $leaks unreferenced objects (see $tap)")

# Kernel splats on the console.
splats=$("$(dirname "$0")/splats.sh" "$console")
if [ -n "$splats" ]; then
	echo
	echo "Kernel splats on the console ($console):"
	mapfile -t lines <<<"$splats"
	printf '  %s\n' "${lines[@]:0:40}"
	problems+=("kernel splat: $(head -n 1 <<<"$splats" | sed 's/^\[[ 0-9.]*\] //')")
fi

echo
if [ ${#unjudged[@]} -gt 0 ]; then
	list=$(printf '%s, ' "${unjudged[@]}")
	echo "Not judged, the guest kernel lacks them: ${list%, }"
fi
if [ ${#problems[@]} -gt 0 ]; then
	echo "Problems:"
	printf '  %s\n' "${problems[@]}"
fi
# Every problem that is not a failed test result counts as a failure too.
nonresult=$((${#problems[@]} - failed))
failed=$((failed + nonresult))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line+=", $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
