#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make run: show the module working. Runs in the guest inside the host's root file system
# (qemu/hostsh): Debian's own inotifywait watches a directory through /dev/rinotify
# (LD_PRELOAD=librinotify.so) while a second inotifywait watches it on native inotify; a
# short workload runs, each step followed by the events rinotify delivered for it, then the
# two streams side by side.
set -u

LIB=/opt/rinotify/lib/librinotify.so
D=/tmp/demo

echo "== rinotify in Linux $(uname -r)"
grep '^rinotify ' /proc/modules
ls -l /dev/rinotify
echo "== /proc/sys/fs/rinotify:"
grep . /proc/sys/fs/rinotify/*
if ! command -v inotifywait >/dev/null; then
	echo "inotifywait is not installed on the host (make deps installs inotify-tools)"
	exit 1
fi

mkdir -p $D
cd /tmp
LD_PRELOAD=$LIB inotifywait -m -r $D >rinotify.out 2>rinotify.err &
rpid=$!
inotifywait -m -r $D >native.out 2>native.err &
npid=$!
for f in rinotify.err native.err; do
	until grep -q '^Watches established' $f; do sleep 0.1; done
done
echo "== LD_PRELOAD=$LIB inotifywait -m -r $D"
echo "   (pid $rpid: $(readlink /proc/$rpid/fd/* | grep -c rinotify) descriptor on /dev/rinotify)"
echo "== and native: inotifywait -m -r $D"

shown=0
# step COMMAND: run it, then show the events rinotify delivered for it.
step() {
	echo "\$ $*"
	sh -c "$*"
	sleep 0.5
	total=$(wc -l <rinotify.out)
	tail -n +$((shown + 1)) rinotify.out | head -n $((total - shown)) | sed 's/^/      rinotify: /'
	shown=$total
}
step "echo hello >$D/a"
step "mkdir $D/sub"
step "mv $D/a $D/sub/b"
step "chmod 600 $D/sub/b"
step "rm $D/sub/b"
step "rmdir $D/sub"
kill $rpid $npid
wait 2>/dev/null

echo "== every event, rinotify | native inotify:"
awk 'NR == FNR { r[FNR] = $0; next } { printf "  %-36s | %s\n", r[FNR], $0 }' \
	rinotify.out native.out
if cmp -s rinotify.out native.out; then
	echo "== the same $(wc -l <rinotify.out) events, in the same order"
else
	echo "== the event streams DIFFER"
	exit 1
fi
