#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make run: show the module working. Runs in the guest inside the host's root file system
# (qemu/hostsh): Debian's own inotifywait watches a directory through /dev/rinotify
# (LD_PRELOAD=librinotify.so) while a second inotifywait watches a twin directory on native
# inotify; each step of a short workload runs in both, followed by the events rinotify
# delivered for it; then the two streams side by side. (Twins, because each inotifywait
# -r opens the directories it adds, and would otherwise see the other's opens.)
set -u

LIB=/opt/rinotify/lib/librinotify.so

echo "== rinotify in Linux $(uname -r)"
grep '^rinotify ' /proc/modules
ls -l /dev/rinotify
echo "== /proc/sys/fs/rinotify:"
grep . /proc/sys/fs/rinotify/*
if ! command -v inotifywait >/dev/null; then
	echo "inotifywait is not installed on the host (make deps installs inotify-tools)"
	exit 1
fi

mkdir -p /tmp/rinotify/demo /tmp/native/demo
cd /tmp/rinotify || exit 1
LD_PRELOAD=$LIB inotifywait -m -r demo >../rinotify.out 2>../rinotify.err &
rpid=$!
cd /tmp/native || exit 1
inotifywait -m -r demo >../native.out 2>../native.err &
npid=$!
cd /tmp || exit 1
for f in rinotify.err native.err; do
	until grep -q '^Watches established' $f; do sleep 0.1; done
done
echo "== in /tmp/rinotify: LD_PRELOAD=$LIB inotifywait -m -r demo"
echo "   (its descriptors on /dev/rinotify: $(readlink /proc/$rpid/fd/* | grep -c '^/dev/rinotify$'))"
echo "== in /tmp/native: inotifywait -m -r demo"

shown=0
# step COMMAND: run it, then show the events rinotify delivered for it.
step() {
	echo "\$ $*"
	(cd /tmp/rinotify && sh -c "$*")
	(cd /tmp/native && sh -c "$*")
	sleep 0.5
	total=$(wc -l <rinotify.out)
	tail -n +$((shown + 1)) rinotify.out | head -n $((total - shown)) | sed 's/^/      rinotify: /'
	shown=$total
}
step "echo hello >demo/a"
step "mkdir demo/sub"
step "mv demo/a demo/sub/b"
step "chmod 600 demo/sub/b"
step "rm demo/sub/b"
step "rmdir demo/sub"
kill $rpid $npid
wait 2>/dev/null

echo "== every event, rinotify | native inotify:"
awk 'NR == FNR { r[FNR] = $0; next } { printf "  %-34s | %s\n", r[FNR], $0 }' \
	rinotify.out native.out
if cmp -s rinotify.out native.out; then
	echo "== the same $(wc -l <rinotify.out) events, in the same order"
else
	echo "== the event streams DIFFER"
	exit 1
fi

# What inotify cannot do: a file made in a directory right after the directory. inotifywait
# -r adds the new directory's watch only once it has read its event, and misses what was
# made in it before (how many, timing decides); the tree watch has it before mkdir returns.
echo "== beyond inotify: a tree watch (RINOTIFY_IOC_ADD_TREE), rinotifywait -r"
mkdir -p /tmp/tree/rinotify /tmp/tree/native
/opt/rinotify/bin/rinotifywait -r /tmp/tree/rinotify >/tmp/tree/rinotify.out 2>&1 &
rpid=$!
inotifywait -m -r /tmp/tree/native >/tmp/tree/native.out 2>&1 &
npid=$!
for f in rinotify native; do
	until grep -q '^Watches established' /tmp/tree/$f.out; do sleep 0.1; done
done
# Four writers at once, ten rounds each.
writers() {
	for w in 1 2 3 4; do
		(for i in 1 2 3 4 5 6 7 8 9 10; do mkdir -p "a$w-$i/b/c" && : >"a$w-$i/b/c/f"; done) &
	done
	wait
}
for f in rinotify native; do
	(cd /tmp/tree/$f && writers)
done
sleep 2
kill $rpid $npid
wait 2>/dev/null
echo "\$ 4 writers in parallel, 10 times each: mkdir -p a\$w-\$i/b/c && : >a\$w-\$i/b/c/f"
for f in rinotify native; do
	echo "   files reported by $([ $f = rinotify ] && echo 'rinotifywait -r (tree watch)' ||
		echo 'inotifywait -m -r (native inotify)'): $(grep -c ' CREATE f$' /tmp/tree/$f.out) of 40"
done
grep ' CREATE f$' /tmp/tree/rinotify.out | head -3 | sed 's/^/      rinotify: /'
echo "      ..."
if [ "$(grep -c ' CREATE f$' /tmp/tree/rinotify.out)" != 40 ]; then
	echo "== the tree watch MISSED files"
	exit 1
fi
