#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's linux-source-$KVER and extract it into the cache, once.
# The download uses a private apt sources list and lists directory under the cache, built
# from the machine's own Debian mirror: the system's apt configuration is never changed.
# apt verifies the package against the archive's signed index (debian-archive-keyring).
# Prints the path of the extracted tree on stdout; progress goes to stderr.
set -euo pipefail

KVER=${KVER:-7.3}
SUITE=${KSUITE:-trixie-backports}
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
T="$CACHE/apt"
SRC="$CACHE/src/linux-source-$KVER"

if [ -f "$SRC/.rinotify-extracted" ]; then
	echo "$SRC"
	exit 0
fi

mirror=
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	mirror=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' "$f")
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
	echo "kernel-source: no Debian mirror found in /etc/apt; set KDIR to a Rust-enabled $KVER build instead" >&2
	exit 1
fi

mkdir -p "$T/lists/partial" "$T/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main" >"$T/sources.list"
APTO=(-o "Dir::Etc::SourceList=$T/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$T/lists" -o "Dir::Cache::archives=$T/archives" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

echo "kernel-source: fetching the index of $SUITE from $mirror" >&2
apt-get "${APTO[@]}" update -qq >&2
echo "kernel-source: downloading linux-source-$KVER (about 170 MB)" >&2
# Into an empty directory, so that the one .deb there is the one just downloaded.
rm -rf "$T/download"
mkdir -p "$T/download"
(cd "$T/download" && apt-get "${APTO[@]}" download "linux-source-$KVER" >&2)
debs=("$T/download/linux-source-${KVER}_"*.deb)
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
