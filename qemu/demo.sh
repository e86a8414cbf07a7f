#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run: show the module working in the guest.
echo "== rinotify in Linux $(uname -r)"
grep '^rinotify ' /proc/modules
ls -l /dev/rinotify
grep rinotify /proc/misc
echo "== an instance opens and closes:"
if exec 3</dev/rinotify; then
	ls -l /proc/self/fd/3
	exec 3<&-
	echo "opened and closed /dev/rinotify"
fi
