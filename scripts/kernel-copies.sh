#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-copies.sh KSRC: check that the kernel functions rinotify repeats, because they are
# neither exported nor inline, are still what was repeated. Each line below names a source
# file of KSRC, a function defined there and the SHA-256 of its text (from its first line to
# the first line holding only "}"), and where rinotify repeats it. A mismatch fails the build:
# read the function again, bring the copy in line, and put the new hash here.
set -euo pipefail

ksrc=${1:?usage: kernel-copies.sh KSRC}
copies=(
	# fs/internal.h, not exported: fdinfo's show_mark_fhandle() holds the superblock so.
	"fs/super.c|bool super_trylock_shared(struct super_block *sb)|11dfc940fc619d5b9a3c424ed5c54b4c010ef76d53eacb2cec080fd813ec9ffd|rinotify_encode_fid() in rust/sys/helpers.c"
)
status=0
for copy in "${copies[@]}"; do
	IFS='|' read -r file head hash where <<<"$copy"
	if [ ! -f "$ksrc/$file" ]; then
		echo "kernel-copies: no $file in '$ksrc' to check $where against (KSRC must be the kernel's source)" >&2
		exit 1
	fi
	got=$(awk -v head="$head" '$0 == head { p = 1 } p { print } p && /^}$/ { exit }' "$ksrc/$file" | sha256sum)
	got=${got%% *}
	if [ "$got" != "$hash" ]; then
		echo "kernel-copies: $file's ${head#* } changed in $ksrc; $where repeats it:" \
			"check the copy, then update its hash in scripts/kernel-copies.sh" >&2
		status=1
	fi
done
exit $status
