#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real inotify programs, unmodified, watch the same scripted workload twice: first on
# native inotify, then on /dev/rinotify through LD_PRELOAD=librinotify.so. For each one:
#   - the native run shows the workload's events (at least a minimum number of lines);
#   - the rinotify run really went through the device: the library's RINOTIFY_DEBUG log
#     has a successful inotify_init1() and a successful inotify_add_watch();
#   - both runs printed the same lines, the watched directory's name masked.
# Runs in the guest inside the host's root file system (qemu/hostsh), so the clients are
# the host's own Debian binaries. Prints TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
LIB=${RINOTIFY_PRELOAD:-/opt/rinotify/lib/librinotify.so}
WORK=/tmp/clients
num=0
failed=0

# wait_for FILE PATTERN: until a line of FILE matches it, 60 s at most.
wait_for() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 600 ] || return 1
		sleep 0.1
	done
}

# finish PID [SIGNAL]: end a client and reap it.
finish() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# Each client_* runs one client on directory $1, with librinotify preloaded when $PRELOAD
# names it, and writes all it prints, stdout and stderr in the order written, to $2 (so the
# library's RINOTIFY_DEBUG log too; without the library, nothing reads RINOTIFY_DEBUG).

client_inotifywait() {
	env ${PRELOAD:+"LD_PRELOAD=$PRELOAD"} RINOTIFY_DEBUG=1 inotifywait -m -r "$1" >"$2" 2>&1 &
	pid=$!
	wait_for "$2" '^Watches established' || echo "# inotifywait did not start" >>"$2"
	"$here/workload.sh" tree "$1"
	finish $pid
}

client_inotifywatch() {
	env ${PRELOAD:+"LD_PRELOAD=$PRELOAD"} RINOTIFY_DEBUG=1 inotifywatch -r "$1" >"$2" 2>&1 &
	pid=$!
	wait_for "$2" '^Finished establishing watches' || echo "# inotifywatch did not start" >>"$2"
	"$here/workload.sh" tree "$1"
	# On SIGINT inotifywatch prints its table of counts and exits.
	finish $pid INT
}

client_tail() {
	echo one >"$1/log"
	env ${PRELOAD:+"LD_PRELOAD=$PRELOAD"} RINOTIFY_DEBUG=1 tail -F "$1/log" >"$2" 2>&1 &
	pid=$!
	wait_for "$2" '^one$' || echo "# tail did not start" >>"$2"
	"$here/workload.sh" file "$1/log"
	finish $pid
}

client_watchdog() {
	env ${PRELOAD:+"LD_PRELOAD=$PRELOAD"} RINOTIFY_DEBUG=1 \
		python3 "$here/watchdog_print.py" "$1" >"$2" 2>&1 &
	pid=$!
	wait_for "$2" '^ready$' || echo "# watchdog_print.py did not start" >>"$2"
	"$here/workload.sh" tree "$1"
	# watchdog pairs IN_MOVED_FROM with IN_MOVED_TO for up to half a second.
	sleep 1
	finish $pid
}

client_errno_probe() {
	(cd "$1" && env ${PRELOAD:+"LD_PRELOAD=$PRELOAD"} RINOTIFY_DEBUG=1 \
			"$here/errno_probe") >"$2" 2>&1
}

# check NAME MIN_LINES: run client_NAME natively and on rinotify, then compare.
check() {
	name=$1 min=$2
	num=$((num + 1))
	rm -rf "$WORK"
	mkdir -p "$WORK/native" "$WORK/rinotify"
	PRELOAD=''
	"client_$name" "$WORK/native" "$WORK/native.raw"
	PRELOAD=$LIB
	"client_$name" "$WORK/rinotify" "$WORK/rinotify.raw"
	for run in native rinotify; do
		grep -v '^librinotify: ' "$WORK/$run.raw" | sed "s|$WORK/$run|DIR|g" >"$WORK/$run.out"
		grep '^librinotify: ' "$WORK/$run.raw" >"$WORK/$run.log"
	done

	why=
	lines=$(wc -l <"$WORK/native.out")
	if [ "$lines" -lt "$min" ]; then
		why="native inotify: $lines lines of output, expected at least $min"
	elif [ -s "$WORK/native.log" ]; then
		why="the native run went through librinotify"
	elif ! grep -q '^librinotify: inotify_init1(.*) = [0-9]' "$WORK/rinotify.log" ||
		! grep -q '^librinotify: inotify_add_watch(.*) = [1-9]' "$WORK/rinotify.log"; then
		why="the rinotify run did not get an instance and a watch from /dev/rinotify"
	elif ! cmp -s "$WORK/native.out" "$WORK/rinotify.out"; then
		why="rinotify's output differs from native inotify's"
	fi
	if [ -z "$why" ]; then
		echo "ok $num $name: $lines lines, the same on rinotify"
		sed 's/^/# /' "$WORK/rinotify.out"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $num $name: $why"
	echo "# native | rinotify:"
	diff -u "$WORK/native.out" "$WORK/rinotify.out" | sed 's/^/# /'
	sed 's/^/# /' "$WORK/rinotify.log"
}

echo "TAP version 13"
echo "1..5"
check errno_probe 30
check inotifywait 20
check inotifywatch 4
check tail 6
check watchdog 12
echo "# Totals: pass:$((num - failed)) fail:$failed"
[ "$failed" = 0 ]
