#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages from the machine's own Debian mirror, without touching the system's apt
# configuration: a private sources list and lists directory per suite under the cache.
# apt verifies every package against the archive's signed index (debian-archive-keyring).
#   apt-fetch.sh mirror                      print the mirror (read from /etc/apt)
#   apt-fetch.sh has SUITE PACKAGE           exit 0 if SUITE has PACKAGE
#   apt-fetch.sh download SUITE DIR PKG...   download the .debs into DIR (emptied first)
# Progress goes to stderr. One apt run at a time (a lock in the cache).
set -euo pipefail

CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}

mirror() {
	local f m=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		m=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' "$f")
		[ -n "$m" ] && break
	done
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list)
	fi
	if [ -z "$m" ]; then
		echo "apt-fetch: no Debian mirror found in /etc/apt" >&2
		return 1
	fi
	echo "$m"
}

# index SUITE: the private sources list and lists of SUITE, fetched anew; sets APTO.
index() {
	local suite=$1 m T="$CACHE/apt/$1"
	m=$(mirror)
	mkdir -p "$T/lists/partial" "$T/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m $suite main" >"$T/sources.list"
	APTO=(-o "Dir::Etc::SourceList=$T/sources.list" -o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$T/lists" -o "Dir::Cache::archives=$T/archives" -o Debug::NoLocking=1
		-o APT::Sandbox::User=root)
	echo "apt-fetch: fetching the index of $suite from $m" >&2
	apt-get "${APTO[@]}" update -qq >&2
}

cmd=${1:?usage: apt-fetch.sh mirror | has SUITE PKG | download SUITE DIR PKG...}
shift
if [ "$cmd" = mirror ]; then
	mirror
	exit
fi

# The lists of a suite are rewritten by every update: one apt run at a time.
mkdir -p "$CACHE/apt"
exec 8>"$CACHE/apt/.lock"
flock 8

case "$cmd" in
has)
	suite=${1:?apt-fetch.sh has SUITE PACKAGE} pkg=${2:?apt-fetch.sh has SUITE PACKAGE}
	index "$suite"
	ver=$(apt-cache "${APTO[@]}" policy "$pkg" | awk '$1 == "Candidate:" {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ]
	;;
download)
	suite=${1:?apt-fetch.sh download SUITE DIR PKG...} dir=${2:?apt-fetch.sh download SUITE DIR PKG...}
	shift 2
	[ $# -gt 0 ] || { echo "apt-fetch: download: no package named" >&2; exit 2; }
	index "$suite"
	# Into an empty directory, so that the .debs there are the ones just downloaded.
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && apt-get "${APTO[@]}" download "$@" >&2)
	;;
*)
	echo "apt-fetch: unknown command '$cmd'" >&2
	exit 2
	;;
esac
