#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# splats.sh CONSOLE_LOG: print the lines of a guest's console log that show the kernel
# reporting a problem (a warning, a lockdep report, KASAN or UBSAN, a leak, an Oops or panic,
# a Rust panic, a hung task); nothing if there are none. Used by report.sh (make check) and
# vm.sh (make run).
set -euo pipefail

[ -f "$1" ] || { echo "splats.sh: no console log at '$1'" >&2; exit 2; }

splat_re='BUG:|WARNING:|KASAN|UBSAN|possible recursive locking|possible circular locking|'
splat_re+='inconsistent lock state|kmemleak:.*suspected memory leak|refcount_t:|'
splat_re+='sleeping function called from invalid context|Oops|Kernel panic|general protection fault|'
splat_re+='Call Trace:|rust_kernel: panicked|INFO: task .* blocked'
# grep finds no line: no splat, not an error.
grep -aE "$splat_re" "$1" | grep -avE 'kasan: KernelAddressSanitizer initialized' || true
