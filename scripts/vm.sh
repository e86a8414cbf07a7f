#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the rinotify test VM.
#   vm.sh check KDIR OUT KO=path [TESTS=..] [EXTRA_TESTS=dir] [TIMEOUT=s] [ACCEL=tcg|icount|kvm]
#               [ENV=..] [MEM_BOOTS='3G 5G' MEM_TESTS=prog:test,..] [SELINUX_TESTS=prog:test,..]
#   vm.sh run   KDIR OUT KO=path [CMD=..] [TIMEOUT=s] [ACCEL=tcg|icount|kvm] [ENV=..]
#   vm.sh bench KDIR OUT KO=path [BENCH_ARGS=..] [PARALLEL_ARGS=..] [RESULTS=dir]
#               [FLAVOUR=perf] [TIMEOUT=s] [ACCEL=tcg|icount|kvm] [PLUGIN=plugin.so,args]
# KO is the rinotify.ko built for KDIR. IMAGE is the kernel to boot (KDIR's bzImage by
# default). MODDIR, for a kernel that builds virtio-9p as modules (Debian's), is its
# lib/modules/RELEASE: the modules the guest needs are put into the initramfs (decompressed,
# dependencies first) and /init loads them before it mounts the host's root file system.
# ENV='RIT_X=1 RIT_Y=2' hands variables to the guest's /init (and so to the tests) through
# the kernel command line; names must start with RIT_.
# check: packs an initramfs (static busybox, rinotify.ko, the selftests, an /init), runs
# every test in QEMU, streams the TAP output, then judges the run from the console: it
# exits non-zero on a failed test, a missing completion marker, a QEMU time-out, an
# insmod/rmmod failure, a kmemleak report or any kernel splat, and prints as its last line
# "N passed, N failed".
# run: shows the guest's output (the demo, CMD's, the shell) and keeps the kernel's console
# (boot, KUnit, any splat) in OUT/console.log; says so if the kernel reported a problem.
# MEM_BOOTS: after the main boot, one more boot per size, with the kernel limited to that
# much RAM (mem=), running only MEM_TESTS: the tests of what depends on the memory size.
# Their results are judged with the main boot's, each boot for its own markers.
# SELINUX_TESTS: where the kernel has SELinux built in, one more boot with it active
# (lsm=selinux), the module not loaded (RIT_INSMOD=refused), running only these tests: they
# check that it refuses to load there.
# bench: runs rinobench (bench/) instead of the selftests; then, with PARALLEL_ARGS, boots
# again under plain TCG (vCPUs in parallel, host time) or KVM for the workloads that time two
# CPUs at once; scripts/bench.sh then copies the CSV to RESULTS/results.csv and plots it.
# PLUGIN loads a QEMU TCG plugin into the first boot (make insn-profile's insncount).
set -euo pipefail

mode=$1 kdir=$2 out=$3
shift 3
KO='' IMAGE='' MODDIR='' TESTS='' EXTRA_TESTS='' TIMEOUT=1800 ACCEL=tcg CMD='' ENV='' BENCH_ARGS='' RESULTS=''
FLAVOUR=perf MEM_BOOTS='' MEM_TESTS='' PARALLEL_ARGS='' SELINUX_TESTS='' PLUGIN=''
for kv in "$@"; do
	case "$kv" in
	KO=* | IMAGE=* | MODDIR=* | TESTS=* | EXTRA_TESTS=* | TIMEOUT=* | ACCEL=* | CMD=* | ENV=* | BENCH_ARGS=* | \
		RESULTS=* | FLAVOUR=* | MEM_BOOTS=* | MEM_TESTS=* | PARALLEL_ARGS=* | SELINUX_TESTS=* | \
		PLUGIN=*)
		declare "$kv" ;;
	*) echo "vm.sh: unknown argument '$kv'" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
bzimage=${IMAGE:-$kdir/arch/x86/boot/bzImage}
[ -f "$bzimage" ] || { echo "vm.sh: no kernel image at $bzimage" >&2; exit 1; }
[ -f "$KO" ] || { echo "vm.sh: no rinotify.ko at '$KO' (run make)" >&2; exit 1; }

# --- initramfs -------------------------------------------------------------------------
root="$out/initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,selftests,extra}
cp /bin/busybox "$root/bin/busybox"
cp "$here/qemu/init.sh" "$root/init"
[ -d "$out/tools" ] && find "$out/tools" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/bin/" \;
[ "$mode" = bench ] && cp "$out/bench/rinobench" "$root/bin/"
cp "$KO" "$root/rinotify.ko"
# /rinotify becomes /opt/rinotify in the host's root file system (qemu/hostsh).
mkdir -p "$root/rinotify/bin" "$root/rinotify/lib" "$root/rinotify/clients"
cp "$KO" "$here/qemu/demo.sh" "$root/rinotify/"
cp "$here/qemu/hostsh" "$root/bin/hostsh"
[ -d "$out/tools" ] && find "$out/tools" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/rinotify/bin/" \;
[ -f "$out/lib/librinotify.so" ] && cp "$out/lib/librinotify.so" "$root/rinotify/lib/"
cp "$here"/selftests/clients/*.sh "$here"/selftests/clients/*.py "$root/rinotify/clients/"
cp "$here/tools/tree_watch.py" "$root/rinotify/bin/"
# The Python venv, watchdog's tests and the package's (make python), where the build left them;
# a copy if that is under /tmp, /run or /opt, which the guest covers with its own tmpfs.
if [ -d "$out/python/venv" ]; then
	case "$out" in
	/tmp/* | /run/* | /opt/*) cp -a "$out/python" "$root/rinotify/python" ;;
	*) ln -s "$out/python" "$root/rinotify/python" ;;
	esac
fi
[ -x "$out/clients/errno_probe" ] && cp "$out/clients/errno_probe" "$root/rinotify/clients/"
[ -x "$out/clients/api_probe" ] && cp "$out/clients/api_probe" "$root/rinotify/clients/"
[ -x "$out/clients/rinotify_compare" ] && cp "$out/clients/rinotify_compare" "$root/rinotify/clients/"
printf '#!/bin/sh\n# The real-client comparisons run in the host'"'"'s root file system.\nexec hostsh /bin/sh /opt/rinotify/clients/clients_test.sh\n' \
	>"$root/selftests/clients_test"
chmod +x "$root/selftests/clients_test"
[ -d "$out/selftests" ] && find "$out/selftests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/selftests/" \;
if [ -n "$EXTRA_TESTS" ]; then
	[ -d "$EXTRA_TESTS" ] || { echo "vm.sh: EXTRA_TESTS=$EXTRA_TESTS is not a directory" >&2; exit 2; }
	find "$EXTRA_TESTS" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/extra/" \;
fi
# The modules of MODDIR that the host root's virtio-9p needs, each after those it depends on;
# /init loads those /modules/order names.
if [ -n "$MODDIR" ]; then
	mkdir -p "$root/modules"
	# add_module NAME: NAME's dependencies, then NAME, once each.
	add_module() {
		local f dep
		grep -qx "$1" "$root/modules/order" 2>/dev/null && return
		f=$(find "$MODDIR/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" -o -name "$1.ko.gz" | head -n 1)
		[ -n "$f" ] || { echo "vm.sh: no module $1 in $MODDIR" >&2; exit 1; }
		for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
			add_module "$dep"
		done
		case "$f" in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -dcq "$f" ;;
		*.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$root/modules/$1.ko"
		echo "$1" >>"$root/modules/order"
	}
	for m in 9pnet_virtio 9p; do
		add_module "$m"
	done
fi
printf 'root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

# --- QEMU ------------------------------------------------------------------------------
qemu=(qemu-system-x86_64 -smp 2 -kernel "$bzimage" -initrd "$out/initramfs.cpio.gz"
	-no-reboot -display none -monitor none
	# The host's root file system, read-only: the guest runs real inotify clients from it.
	-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot")
# accel_flags ACCEL: QEMU's options for it, in accel; its name in accel_name.
accel_flags() {
	accel_name=$1
	case "$1" in
	kvm) accel=(-accel kvm -cpu host) ;;
	tcg) accel=(-accel tcg) ;;
	# TCG with instruction counting: the guest's clock advances by 1 ns per instruction the
	# vCPUs execute (one host thread runs both in turn), whatever the host's load.
	icount) accel=(-accel tcg -icount "shift=0,align=off,sleep=on") ;;
	*) echo "vm.sh: ACCEL must be tcg, icount or kvm" >&2; exit 2 ;;
	esac
}
accel_flags "$ACCEL"
append="console=ttyS0 panic=-1 oops=panic RIT_MODE=$mode"
for kv in $ENV; do
	case "$kv" in
	RIT_?*=?*) append+=" $kv" ;;
	*) echo "vm.sh: ENV entries must look like RIT_NAME=value, not '$kv'" >&2; exit 2 ;;
	esac
done

# The kernel's console (ttyS0) goes to a log file; the guest's /init writes what is for the
# host or the user to the second serial port (ttyS1).
console="$out/console.log"
: >"$console"

if [ "$mode" = run ]; then
	[ -n "$CMD" ] && append+=" RIT_CMD=$(printf '%s' "$CMD" | base64 -w0)"
	echo "vm: booting $(basename "$kdir") under $ACCEL; the kernel's messages and KUnit's results: $console"
	qrc=0
	if [ -t 0 ] && [ -z "$CMD" ]; then
		# The shell's terminal, with QEMU's monitor on it too (Ctrl-A x quits).
		append+=" RIT_SHELL=1"
		"${qemu[@]}" "${accel[@]}" -m 2G -serial "file:$console" -serial mon:stdio -append "$append" ||
			qrc=$?
	else
		timeout --foreground "$TIMEOUT" "${qemu[@]}" "${accel[@]}" -m 2G \
			-serial "file:$console" -serial stdio -append "$append" </dev/null || qrc=$?
	fi
	sed -i 's/\r$//' "$console"
	splats=$("$here/scripts/splats.sh" "$console")
	if [ -n "$splats" ]; then
		echo "vm: the kernel reported problems, the first: $(head -n 1 <<<"$splats"); see $console"
		[ "$qrc" != 0 ] || qrc=1
	fi
	if [ "$qrc" = 124 ]; then
		echo "vm: QEMU timed out after ${TIMEOUT}s (QEMU_TIMEOUT)"
	fi
	exit "$qrc"
fi

tap="$out/tap.log"
if [ "$mode" = bench ]; then
	# Separate caches, so that the slab breakdown of the memory workload names them.
	append+=" slab_nomerge"
	tap="$out/bench.log"
fi
: >"$tap"

# One boot: boot MEMORY LABEL EXTRA_APPEND. Appends its TAP output to $tap and its console to
# $console; returns QEMU's exit status.
boot() {
	local memory=$1 label=$2 extra=$3 part="$out/boot.console.log" qpid qrc start
	echo "vm: booting $(basename "$kdir") under $accel_name${label:+ ($label)} (time-out ${TIMEOUT}s); console: $console"
	: >"$part"
	start=$(date +%s)
	timeout "$TIMEOUT" "${qemu[@]}" "${accel[@]}" -m "$memory" -serial "file:$part" -serial "file:$out/boot.tap.log" \
		-append "$append$extra" &
	qpid=$!
	tail -n +1 -F "$out/boot.tap.log" 2>/dev/null --pid=$qpid | grep -v '^RIT-KMEMLEAK\|^RIT-DONE' || true
	set +e
	wait $qpid
	qrc=$?
	set -e
	echo "vm: QEMU exited with $qrc after $(($(date +%s) - start)) s"
	cat "$part" >>"$console"
	cat "$out/boot.tap.log" >>"$tap"
	rm -f "$part" "$out/boot.tap.log"
	return "$qrc"
}

: >"$out/boot.tap.log"
qrc=0
if [ "$mode" = bench ]; then
	plain=("${qemu[@]}")
	[ -z "$PLUGIN" ] || qemu+=(-plugin "$PLUGIN")
	boot 2G '' " RIT_BENCH=$(printf '%s' "$BENCH_ARGS" | base64 -w0)" || qrc=$?
	qemu=("${plain[@]}")
	# The workloads that time tasks on both vCPUs at once need them to run at the same
	# time: under -icount one host thread runs them in turn.
	if [ -n "$PARALLEL_ARGS" ]; then
		[ "$ACCEL" = kvm ] || accel_flags tcg
		rc=0
		boot 2G "parallel vCPUs" " RIT_BENCH=$(printf '%s' "$PARALLEL_ARGS" | base64 -w0)" || rc=$?
		[ "$qrc" != 0 ] || qrc=$rc
	fi
	ACCEL=$ACCEL PARALLEL_ACCEL=$accel_name FLAVOUR=$FLAVOUR \
		exec "$here/scripts/bench.sh" "$console" "$tap" "$qrc" "$RESULTS"
fi
boot 2G '' "${TESTS:+ RIT_TESTS=$TESTS}" || qrc=$?

boots=1
if [ -z "$TESTS" ] && [ -n "$MEM_TESTS" ]; then
	for size in $MEM_BOOTS; do
		boots=$((boots + 1))
		rc=0
		# Room for the largest size; mem= is what the kernel may use of it.
		boot 8G "mem=$size" " mem=$size RIT_TESTS=$MEM_TESTS" || rc=$?
		[ "$qrc" != 0 ] || qrc=$rc
	done
fi

if [ -z "$TESTS" ] && [ -n "$SELINUX_TESTS" ]; then
	if grep -qx 'CONFIG_SECURITY_SELINUX=y' "$kdir/.config" 2>/dev/null; then
		boots=$((boots + 1))
		rc=0
		boot 2G "lsm=selinux" " lsm=selinux RIT_INSMOD=refused RIT_TESTS=$SELINUX_TESTS" || rc=$?
		[ "$qrc" != 0 ] || qrc=$rc
	else
		echo "vm: $(basename "$kdir") has no SELinux: no boot with it active"
	fi
fi

exec "$here/scripts/report.sh" "$console" "$tap" "$qrc" "$boots" "$kdir/.config"
