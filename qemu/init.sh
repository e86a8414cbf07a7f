#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the rinotify test VM. The kernel passes RIT_* from its command line as
# environment variables:
#   RIT_MODE=check|run|bench   run the selftests and power off / show the module working /
#                        run rinobench (make bench) and power off
#   RIT_BENCH=<base64>   bench: rinobench's arguments
#   RIT_TESTS=a,b:t      check: only these programs (prog or prog:test)
#   RIT_CMD=<base64>     run: a user command instead of the demo
#   RIT_SHELL=1          run: an interactive shell at the end
# Test output goes to $OUT: the second serial port in check mode (so kernel messages on
# the console never interleave with TAP), the console in run mode. Lines starting with
# "RIT-" are markers the host parses.

/bin/busybox --install -s /bin
export PATH=/bin RINOTIFY_KO=/rinotify.ko
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
hostname rinotify

OUT=/dev/console
[ "$RIT_MODE" = check ] || [ "$RIT_MODE" = bench ] && OUT=/dev/ttyS1
exec >"$OUT" 2>&1 </dev/null

poweroff_vm() {
	sync
	# tinyconfig has no ACPI: with QEMU's -no-reboot, a reboot ends the VM.
	reboot -f
}

KMEMLEAK=/sys/kernel/debug/kmemleak
# Forget what boot leaked so only what the tests leak is reported.
[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK

echo "RIT-BEGIN $(uname -r)"
if insmod /rinotify.ko; then
	echo "RIT-INSMOD ok"
else
	echo "RIT-INSMOD failed"
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

run_prog() { # path [harness args...]
	prog=$1
	shift
	echo "RIT-PROG $(basename "$prog")"
	(cd /tmp && "$prog" "$@")
	echo "RIT-PROG-END $(basename "$prog") rc=$?"
}

if [ "$RIT_MODE" = check ]; then
	for prog in /selftests/* /extra/*; do
		[ -x "$prog" ] || continue
		name=$(basename "$prog")
		if [ -n "$RIT_TESTS" ]; then
			found=
			for sel in $(echo "$RIT_TESTS" | tr ',' ' '); do
				case "$sel" in
				"$name") found=1; run_prog "$prog" ;;
				"$name":*) found=1; run_prog "$prog" -t "${sel#*:}" ;;
				esac
			done
			continue
		fi
		run_prog "$prog"
	done
	if grep -q "^rinotify " /proc/modules; then
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

# run mode
if [ -n "$RIT_CMD" ]; then
	echo "$RIT_CMD" | base64 -d >/tmp/cmd.sh
	sh /tmp/cmd.sh
	echo "RIT-CMD-END rc=$?"
else
	sh /demo.sh
fi
if [ "$RIT_SHELL" = 1 ]; then
	echo "rinotify is loaded; /dev/rinotify is here. Exit the shell to power off."
	setsid cttyhack sh -l
fi
echo "RIT-DONE"
poweroff_vm
