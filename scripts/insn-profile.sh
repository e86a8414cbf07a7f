#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the kernel's instructions per function in rinobench's timed parts (make insn-profile):
#   insn-profile.sh KDIR OUT KO PLUGIN BENCH_ARGS
# Boots the perf kernel under -icount with the insncount QEMU plugin (tools/insncount/), runs
# rinobench with RIT_INSN_MARK set, so that each timed part is one of the plugin's windows,
# and prints, per metric, each side's instructions per call by function and their difference
# (tools/insncount/insn-report.py). The report is also kept in OUT/insn-profile/report.txt.
set -euo pipefail

kdir=$1 out=$2 ko=$3 plugin=$4 args=$5
here=$(cd "$(dirname "$0")/.." && pwd)
dir="$out/insn-profile"
mkdir -p "$dir"
# __x64_sys_getppid: the system call rinobench makes at each mark, and nothing else in a run.
mark=$(awk '$3 == "__x64_sys_getppid" { print "0x" $1 }' "$kdir/System.map")
[ -n "$mark" ] || { echo "insn-profile: no __x64_sys_getppid in $kdir/System.map" >&2; exit 1; }
"$here/scripts/vm.sh" bench "$kdir" "$out" KO="$ko" BENCH_ARGS="$args" ACCEL=icount \
	ENV=RIT_INSN_MARK=1 PLUGIN="$plugin,out=$dir/counts.txt,mark=$mark" RESULTS="$dir"
"$here/tools/insncount/insn-report.py" "$dir/counts.txt" "$out/bench.log" "$kdir/System.map" "$ko" |
	tee "$dir/report.txt"
