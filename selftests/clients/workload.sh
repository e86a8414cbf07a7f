#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# workload.sh tree DIR | workload.sh file FILE
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
	echo "usage: workload.sh tree DIR | file FILE" >&2
	exit 2
	;;
esac
