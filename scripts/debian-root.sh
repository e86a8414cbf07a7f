#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The build root for Debian's kernel: a Debian trixie minbase (debootstrap) with the
# compilers Debian built that kernel with, so that the module's Rust symbols are the ones its
# vmlinux exports (the mangling hash depends on rustc's version). Made once, in the cache.
#   debian-root.sh DIR            make the root for the kernel debian-kernel.sh fetched into
#                                 DIR, check its compilers against the kernel's config (the
#                                 CONFIG_*_VERSION_TEXTs), print the root's path
#   debian-root.sh exec DIR CMD.. run CMD in that root, in a mount namespace of its own where
#                                 the repository, the cache and DEBIAN_ROOT_BIND's paths are
#                                 at the same paths as on the host
# Progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
SUITE=${DEBIAN_ROOT_SUITE:-trixie}
# What Debian's linux package build-depends on to build the kernel with Rust, and what
# modules_prepare and a module build run.
# openssl: Kconfig asks it whether it signs with ML-DSA (CONFIG_OPENSSL_SUPPORTS_ML_DSA).
# rust-clippy: make lint's clippy, of that rustc's release.
PACKAGES=(rustc rust-src rust-clippy bindgen libclang-dev gcc-14 make bc bison flex libelf-dev
	libssl-dev libdw-dev dwarves cpio kmod python3 xz-utils openssl)

if [ "${1:-}" = exec ]; then
	[ $# -ge 3 ] || { echo "usage: debian-root.sh exec DIR CMD..." >&2; exit 2; }
	root=$2/root
	shift 2
	[ -f "$root/.rinotify-root" ] || { echo "debian-root: no build root in $root" >&2; exit 1; }
	binds=("$here" "$CACHE")
	for p in ${DEBIAN_ROOT_BIND:-}; do
		binds+=("$p")
	done
	for p in "${binds[@]}"; do
		mkdir -p "$p" "$root$p"
	done
	# The mounts live and die with the namespace: nothing to undo, whatever happens.
	# shellcheck disable=SC2016 # expanded by the inner shell
	exec unshare --mount --propagation private bash -euc '
		root=$1 n=$2
		shift 2
		for p in "${@:1:n}"; do mount --bind "$p" "$root$p"; done
		shift "$n"
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			TERM=dumb "$@"' -- "$root" ${#binds[@]} "${binds[@]}" "$@"
fi

D=${1:?usage: debian-root.sh DIR | exec DIR CMD...}
root=$D/root
release=$(cat "$D/.rinotify-release")
config=$D/pkg/usr/src/linux-headers-$release/.config

# check: the root's compilers are the ones the kernel was built with; prints what differs.
check() {
	local want have bad=0 opt cmd
	for opt in RUSTC:rustc CC:x86_64-linux-gnu-gcc-14 BINDGEN:bindgen; do
		cmd=${opt#*:}
		want=$(sed -n "s/^CONFIG_${opt%%:*}_VERSION_TEXT=\"\(.*\)\"$/\1/p" "$config")
		have=$("$0" exec "$D" "$cmd" --version 2>/dev/null | head -n 1) || have="($cmd is missing)"
		if [ "$want" != "$have" ]; then
			echo "debian-root: CONFIG_${opt%%:*}_VERSION_TEXT is '$want' but the root's $cmd is '$have'" >&2
			bad=1
		fi
	done
	# pahole writes the modules' BTF: v1.30 for CONFIG_PAHOLE_VERSION=130.
	want=$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$config")
	have=$("$0" exec "$D" pahole --version 2>/dev/null | tr -dc '0-9') || have=missing
	if [ -n "$want" ] && [ "$want" != "$have" ]; then
		echo "debian-root: CONFIG_PAHOLE_VERSION is $want but the root's pahole is $have" >&2
		bad=1
	fi
	return "$bad"
}

if [ -f "$root/.rinotify-checked" ]; then
	echo "$root"
	exit 0
fi

exec 9>"$CACHE/debian/.root.lock"
flock 9
if [ ! -f "$root/.rinotify-root" ]; then
	command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is missing (make deps)" >&2; exit 1; }
	mirror=$("$here/scripts/apt-fetch.sh" mirror)
	echo "debian-root: debootstrap $SUITE (minbase) from $mirror into $root (log: $root.log)" >&2
	start=$(date +%s)
	rm -rf "$root" "$root.tmp"
	if ! nice -n 10 debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$SUITE" "$root.tmp" "$mirror" \
		>"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		echo "debian-root: debootstrap failed; full log in $root.log" >&2
		exit 1
	fi
	rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
	mv "$root.tmp" "$root"
	touch "$root/.rinotify-root"
	echo "debian-root: made in $(($(date +%s) - start)) s ($(du -sh "$root" | cut -f1))" >&2
fi
# A root made with an older list gets what it lacks from its own apt (the same suite).
missing=()
for p in "${PACKAGES[@]}"; do
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	"$0" exec "$D" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "debian-root: installing ${missing[*]} into $root" >&2
	"$0" exec "$D" apt-get update -qq >&2
	"$0" exec "$D" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >"$root.log" 2>&1 || {
		tail -n 20 "$root.log" >&2
		exit 1
	}
fi
if ! check; then
	echo "debian-root: $SUITE's compilers are not the ones Debian built $release with: the module's" >&2
	echo "             Rust symbols would not match the kernel's; remove $root to make it anew" >&2
	exit 1
fi
touch "$root/.rinotify-checked"
echo "$root"
