#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the insncount plugin's windows into instructions per call, per function.

    insn-report.py COUNTS BENCH_LOG SYSTEM_MAP RINOTIFY_KO

COUNTS is the plugin's output; BENCH_LOG the guest's output, whose RIT-INSN-MARK lines say
which metric and side each window timed and where the module's code was. For each metric
whose windows end at a "disable" mark, prints the kernel's instructions per call by function
for each side (the average of the rounds), then the functions whose cost differs, native
against rinotify. The count is of every instruction the guest's kernel ran in the window,
whatever the task: deferred work (RCU callbacks, fsnotify's mark reaper) and interrupts
that land in the window count too, as they do in rinobench's times.
"""
import bisect
import collections
import re
import subprocess
import sys

# Calls (or watches, or directories) per timed window: rinobench's MANY, ENTRY_CALLS,
# TREE_DIRS + 1 and workload 13's subtree; other metrics are per window.
CALLS = {
    "3 add": 10000,
    "3 rm": 10000,
    "3 add entry": 20000,
    "3 rm entry": 20000,
    "3 ioctl": 20000,
    "3 floor": 20000,
    "9 batch add": 10000,
    "10 tree": 10001,
    "13 prune": 1001,
}
TOP = 30


def kernel_symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in "tTwW":
                syms.append((int(addr, 16), name))
    syms.sort()
    return syms


def module_symbols(ko):
    # The module's runtime code is all in its .text; the symbols' values are offsets in it.
    out = subprocess.run(["objdump", "-t", "--demangle", ko],
                         capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        m = re.match(r"([0-9a-f]+) .{6}F \.text\t[0-9a-f]+ (.*)$", line)
        if m:
            syms.append((int(m.group(1), 16), "[rinotify] " + m.group(2)))
    syms.sort()
    return syms


def shorten(name):
    return name if len(name) <= 110 else name[:107] + "..."


def main():
    counts_path, log_path, system_map, ko = sys.argv[1:5]
    windows = []
    with open(counts_path) as f:
        for line in f:
            if line.startswith("window "):
                windows.append([])
            else:
                addr, insns, count = line.split()
                windows[-1].append((int(addr, 16), int(insns), int(count)))
    marks = []
    with open(log_path) as f:
        for line in f:
            m = re.match(r"RIT-INSN-MARK (\d+) (\w+) (.+)/(\S+) (\S+)$", line.strip())
            if m:
                marks.append((m.group(2), m.group(3), m.group(4), m.group(5)))
    if len(windows) < len(marks):
        sys.exit("insn-report: %d marks but %d windows" % (len(marks), len(windows)))
    # The guest's last marks are the plugin's last windows; earlier ones are the boot's.
    windows = windows[len(windows) - len(marks):]

    ksyms = kernel_symbols(system_map)
    kaddrs = [a for a, _ in ksyms]
    msyms = module_symbols(ko)
    maddrs = [a for a, _ in msyms]

    def name_of(addr, text_base):
        if text_base is not None and text_base <= addr < text_base + (1 << 24):
            i = bisect.bisect_right(maddrs, addr - text_base) - 1
            return msyms[i][1] if i >= 0 else "[rinotify] ?"
        i = bisect.bisect_right(kaddrs, addr) - 1
        return ksyms[i][1] if i >= 0 else "?"

    # Each metric's windows, one per round, summed per function, then averaged per call.
    totals = collections.defaultdict(dict)
    for (cmd, metric, side, text), blocks in zip(marks, windows):
        if cmd != "disable":
            continue
        base = int(text, 16) if text != "-" else None
        funcs, rounds = totals[metric].setdefault(side, (collections.Counter(), [0]))
        rounds[0] += 1
        for addr, insns, count in blocks:
            funcs[name_of(addr, base)] += insns * count
    per_metric = {
        metric: {
            side: {k: v / (CALLS.get(metric, 1) * rounds[0]) for k, v in funcs.items()}
            for side, (funcs, rounds) in sides.items()
        }
        for metric, sides in totals.items()
    }

    for metric, sides in per_metric.items():
        unit = "per call" if metric in CALLS else "per window"
        print("== %s (kernel instructions %s, %s)" % (metric, unit, ", ".join(
            "%s %d rounds" % (side, totals[metric][side][1][0]) for side in sides)))
        for side, funcs in sides.items():
            print("-- %s: %.1f in all" % (side, sum(funcs.values())))
            for name, v in sorted(funcs.items(), key=lambda kv: -kv[1])[:TOP]:
                print("%10.1f  %s" % (v, shorten(name)))
        if len(sides) == 2:
            (a, fa), (b, fb) = sides.items()
            print("-- %s - %s, functions differing by 1 or more" % (b, a))
            diff = {k: fb.get(k, 0) - fa.get(k, 0) for k in set(fa) | set(fb)}
            for name, v in sorted(diff.items(), key=lambda kv: -abs(kv[1])):
                if abs(v) >= 1:
                    print("%+10.1f  %s" % (v, shorten(name)))
            print("%+10.1f  in all" % sum(diff.values()))
        print()


main()
