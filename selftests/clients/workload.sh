#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# workload.sh tree DIR | workload.sh nested DIR OUTSIDE | workload.sh file FILE
# The scripted file-system activity the real clients watch (clients_test.sh). Each step
# waits STEP_DELAY seconds so that a client has handled one step's events (and, for the
# recursive ones, watched a new directory) before the next: the output then does not
# depend on scheduling, and native inotify and rinotify can be compared line by line.
set -eu

step() {
	"$@"
	sleep "${STEP_DELAY:-0.4}"
}

case "$1" in
tree)
	d=$2
	step sh -c "echo hello >'$d/a'"
	step sh -c "echo more >>'$d/a'"
	step mkdir "$d/sub"
	step sh -c "echo b >'$d/sub/b'"
	step mv "$d/a" "$d/sub/a"
	step chmod 600 "$d/sub/a"
	step mv "$d/sub/b" "$d/c"
	step touch "$d/sub/a"
	step rm "$d/sub/a"
	step rmdir "$d/sub"
	step rm "$d/c"
	;;
nested)
	# Nested directories made at once, a file renamed across them, a directory renamed with
	# what is below it, a directory with contents moved in from OUTSIDE (on the same file
	# system) and out again, one made in the tree moved out, then deletions. Each unpaired
	# move out is followed by a second, for watchdog's half a second of waiting for a pair.
	d=$2 out=$3
	step mkdir -p "$d/a/b/c"
	step sh -c "echo x >'$d/a/b/c/f'"
	step sh -c "echo y >>'$d/a/b/c/f'"
	step mv "$d/a/b/c/f" "$d/a/g"
	step mv "$d/a/b" "$d/a/bb"
	step sh -c "echo z >'$d/a/bb/c/h'"
	step sh -c "mkdir -p '$out/m/n' && echo w >'$out/m/n/i'"
	step mv "$out/m" "$d/m"
	step mv "$d/m" "$out/m2"
	sleep 1
	step mv "$d/a/bb" "$out/bb"
	sleep 1
	step touch "$d/a/g"
	step rm "$d/a/g"
	step rmdir "$d/a"
	;;
file)
	# A log being appended to, rotated, recreated and removed: what tail -F follows.
	f=$2
	step sh -c "echo two >>'$f'"
	step mv "$f" "$f.1"
	step sh -c "echo three >'$f'"
	step sh -c "echo four >>'$f'"
	step rm "$f"
	step sh -c "echo five >'$f'"
	step sh -c "echo six >>'$f'"
	;;
*)
	echo "usage: workload.sh tree DIR | nested DIR OUTSIDE | file FILE" >&2
	exit 2
	;;
esac
