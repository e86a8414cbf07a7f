#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # busybox ash, which shellcheck 0.9 does not know: dash is nearest
#
# /init of the rinotify test VM. The kernel passes RIT_* from its command line as
# environment variables:
#   RIT_MODE=check|run|bench   run the selftests and power off / show the module working /
#                        run rinobench (make bench) and power off
#   RIT_BENCH=<base64>   bench: rinobench's arguments
#   RIT_TESTS=a,b:t      check: only these programs (prog or prog:test)
#   RIT_CMD=<base64>     run: a user command instead of the demo
#   RIT_SHELL=1          run: an interactive shell at the end
#   RIT_INSMOD=refused   check: do not load the module (a boot where it must refuse to
#                        load: the tests try it)
# The console (the first serial port) is the kernel's: scripts/vm.sh writes it to a log file
# on the host. What the host or the user reads goes to $OUT, the second serial port, so that
# kernel messages never interleave with it: the TAP output in check mode, the demo, the
# user's command and the shell in run mode. Lines starting with "RIT-" are markers the host
# parses; in run mode they and KUnit's results go to the console log, not to the user.

/bin/busybox --install -s /bin
export PATH=/bin RINOTIFY_KO=/rinotify.ko
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
# The active LSMs (/sys/kernel/security/lsm), where the kernel has any.
[ -d /sys/kernel/security ] && mount -t securityfs securityfs /sys/kernel/security
hostname rinotify

# The host's root file system, read-only over virtio-9p (scripts/vm.sh shares it), with the
# guest's own /proc, /sys and /dev and fresh tmpfs where programs write: the real inotify
# clients (inotify-tools, coreutils, Python) run from it through hostsh. The project's
# files go to its /opt/rinotify.
mount_host_root() {
	mkdir -p /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /host ||
		return 1
	mount -t proc proc /host/proc &&
		mount -t sysfs sysfs /host/sys &&
		mount -t devtmpfs devtmpfs /host/dev &&
		mount -t tmpfs tmpfs /host/tmp &&
		mount -t tmpfs tmpfs /host/run &&
		mount -t tmpfs tmpfs /host/opt &&
		cp -a /rinotify /host/opt/rinotify
}
# A kernel that builds virtio-9p as modules (Debian's): scripts/vm.sh put them here, in order.
if [ -f /modules/order ]; then
	while read -r m; do
		insmod "/modules/$m.ko" || echo "init: insmod $m.ko failed" >/dev/console
	done </modules/order
fi
HOST_ROOT=no
# make bench needs it for Debian's inotifywait (workload 10).
mount_host_root && HOST_ROOT=yes

OUT=/dev/ttyS1
LOG=$OUT
[ "$RIT_MODE" = run ] && LOG=/dev/console
exec >"$LOG" 2>&1 </dev/null

poweroff_vm() {
	sync
	# tinyconfig has no ACPI: with QEMU's -no-reboot, a reboot ends the VM.
	reboot -f
}

KMEMLEAK=/sys/kernel/debug/kmemleak
# Forget what boot leaked so only what the tests leak is reported.
[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK

echo "RIT-BEGIN $(uname -r) host-root=$HOST_ROOT"
if [ "$RIT_INSMOD" = refused ]; then
	echo "RIT-INSMOD skipped (RIT_INSMOD=refused)"
elif insmod /rinotify.ko; then
	echo "RIT-INSMOD ok"
else
	echo "RIT-INSMOD failed"
	[ "$LOG" = "$OUT" ] || echo "insmod rinotify.ko failed: see the console log" >"$OUT"
	echo "RIT-DONE"
	poweroff_vm
fi

# Rust #[kunit_tests] of the module ran at insmod: report their KTAP results.
for suite in /sys/kernel/debug/kunit/rinotify*/; do
	[ -f "$suite/results" ] || continue
	echo "RIT-KUNIT $(basename "$suite")"
	cat "$suite/results"
	echo "RIT-KUNIT-END"
done
[ "$LOG" = "$OUT" ] || exec >"$OUT" 2>&1

run_prog() { # path [harness args...]
	prog=$1
	shift
	echo "RIT-PROG $(basename "$prog")"
	rc=0
	(cd /tmp && "$prog" "$@") || rc=$?
	echo "RIT-PROG-END $(basename "$prog") rc=$rc"
}

if [ "$RIT_MODE" = check ]; then
	for prog in /selftests/* /extra/*; do
		[ -x "$prog" ] || continue
		name=$(basename "$prog")
		if [ -n "$RIT_TESTS" ]; then
			for sel in $(echo "$RIT_TESTS" | tr ',' ' '); do
				case "$sel" in
				"$name") run_prog "$prog" ;;
				"$name":*) run_prog "$prog" -t "${sel#*:}" ;;
				esac
			done
			continue
		fi
		run_prog "$prog"
	done
	if [ "$RIT_INSMOD" = refused ]; then
		if grep -q "^rinotify " /proc/modules; then
			echo "RIT-RMMOD failed (the module is loaded in a boot where it must refuse to)"
		else
			echo "RIT-RMMOD skipped (RIT_INSMOD=refused)"
		fi
	elif grep -q "^rinotify " /proc/modules; then
		if rmmod rinotify; then echo "RIT-RMMOD ok"; else echo "RIT-RMMOD failed"; fi
	else
		echo "RIT-RMMOD failed (the module is not loaded at the end of the tests)"
	fi
	if [ -w $KMEMLEAK ]; then
		# kmemleak reports only objects older than 5 s; scan twice to settle.
		sleep 6
		echo scan >$KMEMLEAK
		echo scan >$KMEMLEAK
		echo "RIT-KMEMLEAK"
		cat $KMEMLEAK
		echo "RIT-KMEMLEAK-END"
	else
		echo "RIT-KMEMLEAK unavailable"
	fi
	echo "RIT-DONE"
	poweroff_vm
fi

if [ "$RIT_MODE" = bench ]; then
	# shellcheck disable=SC2046 # the arguments are words
	(cd /tmp && rinobench $(echo "$RIT_BENCH" | base64 -d))
	echo "RIT-BENCH-END rc=$?"
	echo "RIT-DONE"
	poweroff_vm
fi

# run mode: the user's command, the demo and the shell run in the host's root file system
# (so inotify-tools, coreutils and the rest are there), busybox if it is not mounted.
if [ "$HOST_ROOT" = yes ]; then
	in_guest() { hostsh "$@"; }
	tmp=/host/tmp
else
	echo "The host's root file system is not mounted: a busybox environment only."
	in_guest() { "$@"; }
	tmp=/tmp
fi
if [ -n "$RIT_CMD" ]; then
	echo "$RIT_CMD" | base64 -d >$tmp/cmd.sh
	in_guest /bin/sh /tmp/cmd.sh
	echo "RIT-CMD-END rc=$?"
elif [ "$HOST_ROOT" = yes ]; then
	hostsh /bin/sh /opt/rinotify/demo.sh
else
	echo "The demo needs the host's root file system (inotify-tools); see the console log."
fi
if [ "$RIT_SHELL" = 1 ]; then
	echo "rinotify is loaded; /dev/rinotify is here. Exit the shell to power off."
	[ "$HOST_ROOT" = yes ] &&
		echo "Try: LD_PRELOAD=/opt/rinotify/lib/librinotify.so inotifywait -m -r /tmp &"
	# On the second serial port, made the shell's controlling terminal (job control, ^C).
	setsid -c sh -c "$([ "$HOST_ROOT" = yes ] && echo hostsh || echo 'sh -l')" <"$OUT"
fi
echo "RIT-DONE" >"$LOG"
poweroff_vm
