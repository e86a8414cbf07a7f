#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's linux-source-$KVER and extract it into the cache, once.
# The download (scripts/apt-fetch.sh) uses a private apt sources list and lists directory
# under the cache, built from the machine's own Debian mirror: the system's apt configuration
# is never changed. apt verifies the package against the archive's signed index.
# Prints the path of the extracted tree on stdout; progress goes to stderr.
set -euo pipefail

KVER=${KVER:-7.3}
SUITE=${KSUITE:-trixie-backports}
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
T="$CACHE/apt/download"
SRC="$CACHE/src/linux-source-$KVER"

if [ -f "$SRC/.rinotify-extracted" ]; then
	echo "$SRC"
	exit 0
fi

echo "kernel-source: downloading linux-source-$KVER (about 170 MB)" >&2
if ! "$(dirname "$0")/apt-fetch.sh" download "$SUITE" "$T" "linux-source-$KVER"; then
	echo "kernel-source: could not download linux-source-$KVER; set KDIR to a Rust-enabled $KVER build instead" >&2
	exit 1
fi
debs=("$T/linux-source-${KVER}_"*.deb)
deb=${debs[0]}
[ -f "$deb" ] || { echo "kernel-source: apt-get download left no linux-source-$KVER .deb" >&2; exit 1; }

echo "kernel-source: extracting $(basename "$deb")" >&2
rm -rf "$SRC" "$SRC.tmp"
mkdir -p "$SRC.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SRC.tmp" "./usr/src/linux-source-$KVER.tar.xz"
tar -xJf "$SRC.tmp/usr/src/linux-source-$KVER.tar.xz" -C "$SRC.tmp"
mv "$SRC.tmp/linux-source-$KVER" "$SRC"
rm -rf "$SRC.tmp"
dpkg-deb -f "$deb" Version >"$SRC/.rinotify-debian-version"
touch "$SRC/.rinotify-extracted"
echo "$SRC"
