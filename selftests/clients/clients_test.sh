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
# scripts/vm.sh links /opt/rinotify/python to the build's out/python (make python): the venv
# (rinotify, and watchdog and pytest as pinned), watchdog's sdist unpacked, the package's tests.
PYDIR=/opt/rinotify/python
PY=$PYDIR/venv/bin/python
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

# race_writer TREE OUTSIDE ID: nested directories with a file at the bottom, as fast as a
# shell can, and every third round a directory with a file moved into the tree.
race_writer() {
	i=0
	while [ $i -lt "$RACE_ROUNDS" ]; do
		mkdir -p "$1/w$3-$i/b/c/d" && : >"$1/w$3-$i/b/c/d/f"
		if [ $((i % 3)) = 0 ]; then
			mkdir -p "$2/m$3-$i/x" && : >"$2/m$3-$i/x/f" && mv "$2/m$3-$i" "$1/m$3-$i"
		fi
		i=$((i + 1))
	done
}

# race_count TREE OUTPUT: how many of the writers' files OUTPUT reports, as a created "f" in
# its directory or below a directory it says to rescan.
race_count() {
	find "$1" -name f | awk -v out="$2" '
		BEGIN {
			while ((getline line < out) > 0) {
				if (line ~ /\/ CREATE f$/) {
					sub(/\/ CREATE f$/, "/f", line)
					created[line] = 1
				} else if (line ~ /\/ RESCAN/) {
					dir = line
					sub(/\/ RESCAN[^ ]* ?/, "/", dir)
					if (dir !~ /\/$/)
						dir = dir "/"
					rescan[++n] = dir
				}
			}
		}
		{
			if ($0 in created) {
				found++
				next
			}
			for (i = 1; i <= n; i++)
				if (index($0, rescan[i]) == 1) {
					found++
					next
				}
		}
		END { print found + 0 }'
}

# The race inotify loses (tree_test's b95 measures it too): while writers build directories
# and files in them, inotifywait -m -r on native inotify and rinotifywait -r on a tree watch
# follow. Both counts are printed; rinotifywait must report every file.
RACE_WRITERS=4
RACE_ROUNDS=40

# race_run RUN: one client follows the writers; sets found and total.
race_run() {
	mkdir -p "$WORK/$1/tree" "$WORK/$1/outside"
	if [ "$1" = native ]; then
		inotifywait -m -r "$WORK/$1/tree" >"$WORK/$1.out" 2>&1 &
	else
		/opt/rinotify/bin/rinotifywait -r "$WORK/$1/tree" >"$WORK/$1.out" 2>&1 &
	fi
	pid=$!
	wait_for "$WORK/$1.out" '^Watches established' ||
		echo "# $1: the client did not start" >>"$WORK/$1.out"
	w=0
	pids=
	while [ $w -lt $RACE_WRITERS ]; do
		race_writer "$WORK/$1/tree" "$WORK/$1/outside" $w &
		pids="$pids $!"
		w=$((w + 1))
	done
	# shellcheck disable=SC2086 # a list of pids
	wait $pids
	total=$(find "$WORK/$1/tree" -name f | wc -l)
	# What the client has not printed yet comes within seconds.
	i=0
	while [ $i -lt 10 ] && [ "$(race_count "$WORK/$1/tree" "$WORK/$1.out")" -lt "$total" ]; do
		sleep 1
		i=$((i + 1))
	done
	finish $pid
	found=$(race_count "$WORK/$1/tree" "$WORK/$1.out")
}

race() {
	num=$((num + 1))
	rm -rf "$WORK"
	race_run native
	counts="inotifywait -m -r on native inotify reported $found of $total files"
	race_run rinotify
	counts="$counts, rinotifywait -r on a tree watch $found of $total"
	expected=$((RACE_WRITERS * (RACE_ROUNDS + (RACE_ROUNDS + 2) / 3)))
	if [ "$total" = "$expected" ] && [ "$found" = "$total" ]; then
		echo "ok $num tree_race: $counts"
	else
		failed=$((failed + 1))
		echo "not ok $num tree_race: $counts (the writers made $expected)"
		sed 's/^/# /' "$WORK/rinotify.out" | tail -40
	fi
}

# The Python example (tools/tree_watch.py, on the rinotify package in the venv) follows a
# tree: a directory made in it, one made in that one, and a file at the bottom, each in the
# directory it names.
python_tree() {
	num=$((num + 1))
	rm -rf "$WORK"
	mkdir -p "$WORK/tree"
	"$PY" /opt/rinotify/bin/tree_watch.py "$WORK/tree" >"$WORK/py.out" 2>&1 &
	pid=$!
	why=
	wait_for "$WORK/py.out" '^ready$' || why="tree_watch.py did not start"
	mkdir -p "$WORK/tree/a/b" && : >"$WORK/tree/a/b/f"
	for line in "$WORK/tree CREATE|ISDIR a" "$WORK/tree/a CREATE|ISDIR b" \
		"$WORK/tree/a/b CREATE f"; do
		[ -n "$why" ] || wait_for "$WORK/py.out" "^$line\$" || why="no line \"$line\""
	done
	finish $pid
	if [ -z "$why" ]; then
		echo "ok $num python_tree"
	else
		failed=$((failed + 1))
		echo "not ok $num python_tree: $why"
	fi
	sed 's/^/# /' "$WORK/py.out"
}

# --- The Python package (bindings/python), from the venv make check builds --------------

# observer_run BACKEND OUTPUT: observer_print.py with watchdog's InotifyObserver (inotify)
# or RinotifyObserver (rinotify) on $WORK/BACKEND/tree while the nested workload runs.
observer_run() {
	tree=$WORK/$1/tree
	mkdir -p "$tree" "$WORK/$1/outside"
	"$PY" "$here/observer_print.py" "$1" "$tree" >"$2.raw" 2>&1 &
	pid=$!
	wait_for "$2.raw" '^ready' || echo "# observer_print.py $1 did not start" >>"$2.raw"
	"$here/workload.sh" nested "$tree" "$WORK/$1/outside"
	# An unpaired move is reported after watchdog's half a second of waiting for its pair.
	sleep 1
	finish $pid
	grep -v '^ready' "$2.raw" >"$2"
}

# The same workload (files and directories created, modified, renamed, nested, moved in and
# out, deleted) seen by watchdog's own InotifyObserver on native inotify and by
# RinotifyObserver on a tree watch: the same events, line for line.
observers() {
	num=$((num + 1))
	rm -rf "$WORK"
	observer_run inotify "$WORK/inotify.out"
	observer_run rinotify "$WORK/rinotify.out"
	lines=$(wc -l <"$WORK/inotify.out")
	why=
	if [ "$lines" -lt 40 ]; then
		why="InotifyObserver: $lines lines of output, expected at least 40"
	elif ! cmp -s "$WORK/inotify.out" "$WORK/rinotify.out"; then
		why="RinotifyObserver's events differ from InotifyObserver's"
	fi
	if [ -z "$why" ]; then
		echo "ok $num watchdog_observers: $lines events, the same from RinotifyObserver"
		sed 's/^/# /' "$WORK/rinotify.out"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $num watchdog_observers: $why"
	echo "# InotifyObserver | RinotifyObserver:"
	diff -u "$WORK/inotify.out" "$WORK/rinotify.out" | sed 's/^/# /'
}

# py_race_writer TREE OUTSIDE ID: as race_writer, but a file is made in a directory moved
# in right after the move, which no crawler can be sure to have watched by then.
py_race_writer() {
	i=0
	while [ $i -lt "$RACE_ROUNDS" ]; do
		mkdir -p "$1/w$3-$i/b/c/d" && : >"$1/w$3-$i/b/c/d/f"
		if [ $((i % 3)) = 0 ]; then
			mkdir -p "$2/m$3-$i/x" && mv "$2/m$3-$i" "$1/m$3-$i" && : >"$1/m$3-$i/x/f"
		fi
		i=$((i + 1))
	done
}

# py_race_count TREE OUTPUT: how many of the files under TREE OUTPUT reports created.
py_race_count() {
	find "$1" -name f | sed "s|^$1/||" | sort -u >"$WORK/files"
	sed -n 's/^created file //p' "$2" | sort -u >"$WORK/reported"
	comm -12 "$WORK/files" "$WORK/reported" | wc -l
}

# py_race_run BACKEND: one observer follows the writers; sets found and total.
py_race_run() {
	tree=$WORK/$1/tree
	mkdir -p "$tree" "$WORK/$1/outside"
	"$PY" "$here/observer_print.py" "$1" "$tree" >"$WORK/$1.out" 2>&1 &
	pid=$!
	wait_for "$WORK/$1.out" '^ready' || echo "# $1: the observer did not start" >>"$WORK/$1.out"
	w=0
	pids=
	while [ $w -lt $RACE_WRITERS ]; do
		py_race_writer "$tree" "$WORK/$1/outside" $w &
		pids="$pids $!"
		w=$((w + 1))
	done
	# shellcheck disable=SC2086 # a list of pids
	wait $pids
	total=$(find "$tree" -name f | wc -l)
	i=0
	while [ $i -lt 20 ] && [ "$(py_race_count "$tree" "$WORK/$1.out")" -lt "$total" ]; do
		sleep 1
		i=$((i + 1))
	done
	finish $pid
	found=$(py_race_count "$tree" "$WORK/$1.out")
}

# The race of tree_race, followed by watchdog's observers: RinotifyObserver must report every
# file as created; InotifyObserver's count is printed beside it.
observer_race() {
	num=$((num + 1))
	rm -rf "$WORK"
	py_race_run inotify
	counts="InotifyObserver reported $found of $total files"
	py_race_run rinotify
	counts="$counts, RinotifyObserver $found of $total"
	expected=$((RACE_WRITERS * (RACE_ROUNDS + (RACE_ROUNDS + 2) / 3)))
	if [ "$total" = "$expected" ] && [ "$found" = "$total" ]; then
		echo "ok $num observer_race: $counts"
	else
		failed=$((failed + 1))
		echo "not ok $num observer_race: $counts (the writers made $expected)"
		comm -23 "$WORK/files" "$WORK/reported" | head -20 | sed 's/^/# missed: /'
		grep -v '^created\|^modified\|^opened\|^closed\|^ready' "$WORK/rinotify.out" | head -20 | sed 's/^/# /'
	fi
}

# suite_run EMITTER OUTPUT: watchdog's own tests/test_emitter.py (from its sdist), on its own
# InotifyEmitter (inotify) or, through watchdog_suite_conftest.py, on RinotifyEmitter.
suite_run() {
	dir=$WORK/suite-$1
	mkdir -p "$dir"
	cp -r "$PYDIR/watchdog-src/tests" "$dir/"
	printf '[pytest]\naddopts = -p no:cacheprovider\ntimeout = 120\n' >"$dir/pytest.ini"
	[ "$1" = rinotify ] && cp "$here/watchdog_suite_conftest.py" "$dir/conftest.py"
	(cd "$dir" && PYTHONDONTWRITEBYTECODE=1 "$PY" -m pytest -rA tests/test_emitter.py) >"$2" 2>&1
	# -rA's summary: "PASSED tests/...::name", "SKIPPED [1] tests/...:line: why".
	sed -n -e 's/^\(PASSED\|FAILED\|ERROR\) \(tests[^ ]*\).*/\1 \2/p' \
		-e 's/^SKIPPED \[[0-9]*\] \(tests[^:]*:[0-9]*\): \(.*\)/SKIPPED \1 (\2)/p' "$2" | sort >"$2.results"
}

# watchdog's emitter tests against RinotifyEmitter: every test that passes on watchdog's own
# emitter in this guest must pass on rinotify's, on /dev/rinotify (no fallback).
watchdog_suite() {
	num=$((num + 1))
	rm -rf "$WORK"
	suite_run inotify "$WORK/inotify.suite"
	suite_run rinotify "$WORK/rinotify.suite"
	native=$(grep -c '^PASSED' "$WORK/inotify.suite.results")
	ours=$(grep -c '^PASSED' "$WORK/rinotify.suite.results")
	all=$(wc -l <"$WORK/rinotify.suite.results")
	lost=$(grep '^PASSED' "$WORK/inotify.suite.results" | sed 's/^PASSED //' |
		while read -r t; do grep -qx "PASSED $t" "$WORK/rinotify.suite.results" || echo "$t"; done)
	why=
	if [ "$all" -lt 20 ]; then
		why="only $all results from the rinotify run"
	elif ! grep -q '^rinotify: emitters on /dev/rinotify: [1-9][0-9]*, fallen back: 0$' "$WORK/rinotify.suite"; then
		why="the emitters did not all run on /dev/rinotify"
	elif [ -n "$lost" ]; then
		why="passes on InotifyEmitter, not on RinotifyEmitter: $(echo "$lost" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		echo "ok $num watchdog_suite: tests/test_emitter.py: $ours of $all pass on RinotifyEmitter, $native on InotifyEmitter"
	else
		failed=$((failed + 1))
		echo "not ok $num watchdog_suite: $why"
		grep -v '^PASSED' "$WORK/rinotify.suite" | tail -80 | sed 's/^/# /'
	fi
	grep -v '^PASSED' "$WORK/rinotify.suite.results" | sed 's/^/# rinotify: /'
	grep -v '^PASSED' "$WORK/inotify.suite.results" | sed 's/^/# inotify: /'
	grep '^rinotify: ' "$WORK/rinotify.suite" | sed 's/^/# /'
}

# The package's own tests on the module (bindings/python/tests/test_kernel.py): none skipped.
python_api() {
	num=$((num + 1))
	rm -rf "$WORK"
	mkdir -p "$WORK"
	cp "$PYDIR/tests/test_kernel.py" "$WORK/"
	(cd "$WORK" && "$PY" -m pytest -p no:cacheprovider -rA test_kernel.py) >"$WORK/api.out" 2>&1
	rc=$?
	summary=$(tail -n 1 "$WORK/api.out")
	if [ $rc = 0 ] && ! grep -q '^SKIPPED' "$WORK/api.out"; then
		echo "ok $num python_api: $summary"
	else
		failed=$((failed + 1))
		echo "not ok $num python_api: $summary"
		sed 's/^/# /' "$WORK/api.out" | tail -80
	fi
}

# Time for an observer to be ready (schedule() and start()) on a tree of 10 000 directories:
# watchdog's InotifyObserver crawls it, RinotifyObserver makes one tree watch. Informative.
observer_ready() {
	num=$((num + 1))
	rm -rf "$WORK"
	mkdir -p "$WORK/big"
	(cd "$WORK/big" && for i in $(seq 0 99); do
		mkdir "d$i" && (cd "d$i" && mkdir $(seq 0 98))
	done)
	dirs=$(find "$WORK/big" -type d | wc -l)
	# Room for a watch on each, on both sides (the debug guest's default is 8192).
	native_max=$(cat /proc/sys/fs/inotify/max_user_watches)
	rinotify_max=$(cat /proc/sys/fs/rinotify/max_user_watches)
	echo 20000 >/proc/sys/fs/inotify/max_user_watches
	echo 20000 >/proc/sys/fs/rinotify/max_user_watches
	times=
	for backend in inotify rinotify; do
		"$PY" "$here/observer_print.py" "$backend" "$WORK/big" >"$WORK/$backend.out" 2>&1 &
		pid=$!
		# watchdog's crawl of the tree takes minutes in the debug guest; an observer that
		# fails to start exits.
		i=0
		while ! grep -q '^ready' "$WORK/$backend.out" && kill -0 $pid 2>/dev/null && [ $i -lt 6000 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		finish $pid
		times="$times $(sed -n 's/^ready //p' "$WORK/$backend.out")"
	done
	echo "$native_max" >/proc/sys/fs/inotify/max_user_watches
	echo "$rinotify_max" >/proc/sys/fs/rinotify/max_user_watches
	# shellcheck disable=SC2086 # two words
	set -- $times
	if [ $# = 2 ]; then
		echo "ok $num observer_ready: $dirs directories: InotifyObserver ready in $1 s, RinotifyObserver in $2 s"
	else
		failed=$((failed + 1))
		echo "not ok $num observer_ready: an observer did not start"
		sed 's/^/# /' "$WORK/inotify.out" "$WORK/rinotify.out" | tail -20
	fi
}

# librinotify's own API (rinotify.h), from a program linked with the library.
api() {
	num=$((num + 1))
	rm -rf "$WORK"
	mkdir -p "$WORK"
	if "$here/api_probe" "$WORK" >"$WORK/api.out" 2>&1; then
		echo "ok $num api_probe"
	else
		failed=$((failed + 1))
		echo "not ok $num api_probe"
	fi
	sed 's/^/# /' "$WORK/api.out"
}

# The Rust bindings (bindings/rust): the program compare runs notify's INotifyWatcher on
# native inotify and rinotify's RinotifyWatcher (and its crawler fallback) on the same
# workload, printing TAP lines numbered from NUM: "events" prints two (the same normalised
# events from each), "race" one (RinotifyWatcher reports every file of fast writers),
# "api" one (the crate's own calls on the device).
rust_compare() {
	rm -rf "$WORK"
	mkdir -p "$WORK"
	NUM=$((num + 1)) RUST_BACKTRACE=1 "$here/rinotify_compare" "$1" "$WORK/$1" >"$WORK/compare.out" 2>&1
	# What is not a TAP line (a panic's message) is a comment.
	sed '/^\(not \)\{0,1\}ok [0-9]/!{/^# /!s/^/# /;}' "$WORK/compare.out"
	oks=$(grep -c '^ok [0-9]' "$WORK/compare.out")
	bad=$(grep -c '^not ok [0-9]' "$WORK/compare.out")
	while [ $((oks + bad)) -lt "$2" ]; do
		bad=$((bad + 1))
		echo "not ok $((num + oks + bad)) rust $1: compare did not report (crashed?)"
	done
	num=$((num + oks + bad))
	failed=$((failed + bad))
}

echo "TAP version 13"
echo "1..17"
check errno_probe 30
check inotifywait 20
check inotifywatch 4
check tail 6
check watchdog 12
race
python_tree
api
rust_compare events 2
rust_compare race 1
rust_compare api 1
python_api
observers
observer_race
watchdog_suite
observer_ready
echo "# Totals: pass:$((num - failed)) fail:$failed"
[ "$failed" = 0 ]
