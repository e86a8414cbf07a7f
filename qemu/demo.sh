#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run: show the module working in the guest, side by side with native inotify.
echo "== rinotify in Linux $(uname -r)"
grep '^rinotify ' /proc/modules
ls -l /dev/rinotify
echo "== /proc/sys/fs/rinotify:"
grep . /proc/sys/fs/rinotify/*
grep rinotify /proc/slabinfo | cut -c1-60

if ! command -v rinotifywait >/dev/null; then
	echo "rinotifywait is not in the guest (make tools)"
	exit 1
fi
mkdir -p /tmp/demo/sub
echo "== watching /tmp/demo and /tmp/demo/sub with rinotify and with native inotify"
rinotifywait /tmp/demo /tmp/demo/sub >/tmp/rinotify.out &
r=$!
rinotifywait -n /tmp/demo /tmp/demo/sub >/tmp/inotify.out &
n=$!
sleep 1
echo "== workload: create, write, rename into a subdirectory, delete"
(
	set -x
	echo hello >/tmp/demo/a
	cat /tmp/demo/a >/dev/null
	mv /tmp/demo/a /tmp/demo/sub/b
	chmod 600 /tmp/demo/sub/b
	rm /tmp/demo/sub/b
	rmdir /tmp/demo/sub
)
sleep 1
kill $r $n
echo "== events, rinotify | native inotify:"
# busybox has no paste: put the two columns side by side with awk.
awk 'NR == FNR { r[FNR] = $0; n = FNR; next } { printf "%-42s | %s\n", r[FNR], $0 } END { }' \
	/tmp/rinotify.out /tmp/inotify.out
if cmp -s /tmp/rinotify.out /tmp/inotify.out; then
	echo "== the same $(wc -l </tmp/rinotify.out) events, in the same order"
else
	echo "== the event streams DIFFER"
fi
