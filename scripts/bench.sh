#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge one `make bench` VM run and keep its results:
#   bench.sh CONSOLE_LOG BENCH_LOG QEMU_EXIT_CODE RESULTS_DIR
# BENCH_LOG holds one boot's output or two (PARALLEL_ACCEL names the second's accelerator).
# Copies the CSV rinobench printed between RIT-BENCH-CSV and RIT-BENCH-CSV-END to
# RESULTS_DIR/results.csv, with where and when it ran, and plots it to RESULTS_DIR/results.png
# (gnuplot). Exits non-zero if the benchmark failed, the guest crashed or the kernel splatted.
set -uo pipefail

console=$1 log=$2 qrc=$3 results=${4:-bench}
here=$(cd "$(dirname "$0")/.." && pwd)
sed -i 's/\r$//' "$console" "$log"

problems=()
case "$qrc" in
0) ;;
124) problems+=("QEMU timed out") ;;
*) problems+=("QEMU exited with status $qrc") ;;
esac
# One boot, or two (the second for the workloads that need parallel vCPUs): each must have
# loaded the module and finished.
boots=$(grep -c '^RIT-BEGIN' "$log")
[ "$(grep -c '^RIT-INSMOD ok' "$log")" -ge "$boots" ] || problems+=("insmod rinotify.ko failed")
[ "$(grep -c '^RIT-BENCH-END rc=0' "$log")" -ge "$boots" ] && [ "$boots" -gt 0 ] ||
	problems+=("rinobench did not finish cleanly")
grep '^RIT-BENCH-ERROR' "$log" | while IFS= read -r line; do echo "bench: $line"; done
grep -q '^RIT-BENCH-ERROR' "$log" && problems+=("rinobench found a broken invariant")
splat_re='BUG:|WARNING:|UBSAN|refcount_t:|Oops|Kernel panic|general protection fault|'
splat_re+='Call Trace:|rust_kernel: panicked|INFO: task .* blocked'
if grep -aqE "$splat_re" "$console"; then
	grep -aE "$splat_re" "$console" | head -n 20
	problems+=("kernel splat on the console ($console)")
fi

# The first boot's CSV as it is; the second's rows after a line that says how they were timed.
csv=$(awk -v parallel="${PARALLEL_ACCEL:-}" '
	/^RIT-BENCH-CSV$/ { section++; on = 1; next }
	/^RIT-BENCH-CSV-END$/ { on = 0; next }
	!on { next }
	section == 1 { print; next }
	/^id,/ { next }
	/^# rinobench/ {
		print "# rows below: a second boot under accel=" parallel ", the vCPUs running at the same time"
		print "# (host time, not instructions); " substr($0, 3)
		next
	}
	{ print }' "$log")
if [ -z "$csv" ]; then
	problems+=("no results between RIT-BENCH-CSV markers in $log")
else
	mkdir -p "$results"
	cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
	{
		echo "# make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "# host: $(nproc) cores ($cpu), QEMU $(qemu-system-x86_64 --version |
			head -n1 | sed 's/.*version //') accel=${ACCEL:-tcg}, 2 vCPUs, 2 GiB"
		[ "${ACCEL:-tcg}" = icount ] &&
			echo "# time: the guest's clock under -icount shift=0, 1 ns per instruction executed (not host time)"
		echo "# guest: $(grep -m1 '^RIT-BEGIN' "$log" | cut -d' ' -f2), ${FLAVOUR:-perf} flavour"
		echo "# host load average at the end (other VMs share the cores): $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "# every value is a cost (lower is better); ratio = b_median / a_median, ratio_min = b_min / a_min"
		echo "$csv"
	} >"$results/results.csv"
	echo "bench: results in $results/results.csv"
	if command -v gnuplot >/dev/null; then
		if gnuplot -e "csv='$results/results.csv'; png='$results/results.png'; flavour='${FLAVOUR:-perf}'; accel='${ACCEL:-tcg}'" \
			"$here/scripts/bench-plot.gp"; then
			echo "bench: plot in $results/results.png"
		else
			problems+=("gnuplot failed")
		fi
	else
		problems+=("gnuplot is not installed (make deps)")
	fi
fi

if [ ${#problems[@]} -gt 0 ]; then
	printf 'bench: %s\n' "${problems[@]}"
	exit 1
fi
echo "bench: ok"
