#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's own build of Linux $KVER (the kernel `make check KERNEL=debian` boots) and
# extract it into the cache, once: the unsigned image (the signed one where Debian has no
# unsigned package), its base files (config) and modules, the headers (Module.symvers) and
# linux-kbuild, all of one version, from $DEBIAN_SUITE through scripts/apt-fetch.sh (a
# private apt sources list; apt verifies them against the archive's signed index).
# DEBIAN_ABI names the kernel: 7.3.4+deb13 gives 7.3.4+deb13-amd64.
# Prints the directory on stdout; it holds .rinotify-release (the kernel's release),
# .rinotify-version (the packages' version) and pkg/, the packages extracted (pkg/usr/lib/modules/
# RELEASE/{vmlinuz,config,kernel/}, pkg/usr/src/linux-headers-RELEASE/Module.symvers).
# Progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
ABI=${DEBIAN_ABI:-7.3.4+deb13}
FLAVOUR=${DEBIAN_FLAVOUR:-amd64}
SUITE=${DEBIAN_SUITE:-trixie-backports}
release=$ABI-$FLAVOUR
D="$CACHE/debian/$release"

if [ -f "$D/.rinotify-fetched" ]; then
	echo "$D"
	exit 0
fi

mkdir -p "$CACHE/debian"
exec 9>"$CACHE/debian/.lock"
flock 9
if [ -f "$D/.rinotify-fetched" ]; then
	echo "$D"
	exit 0
fi

fetch=$here/scripts/apt-fetch.sh
# The image: Debian's unsigned build where it has one, else the signed (the same kernel with
# Secure Boot's signature, which QEMU's direct boot ignores).
image=linux-binary-unsigned-$release
if ! "$fetch" has "$SUITE" "$image"; then
	image=linux-binary-$release
	"$fetch" has "$SUITE" "$image" || {
		echo "debian-kernel: $SUITE has neither linux-binary-unsigned-$release nor $image" >&2
		exit 1
	}
fi
pkgs=("$image" "linux-base-$release" "linux-modules-$release" "linux-headers-$release"
	"linux-headers-$ABI-common" "linux-kbuild-$ABI")
start=$(date +%s)
echo "debian-kernel: downloading ${pkgs[*]} (about 140 MB)" >&2
"$fetch" download "$SUITE" "$D.debs" "${pkgs[@]}"

# One version for all: apt-get download takes each package's candidate.
versions=$(for deb in "$D.debs"/*.deb; do dpkg-deb -f "$deb" Version; done | sort -u)
if [ "$(wc -l <<<"$versions")" != 1 ]; then
	echo "debian-kernel: the packages are of different versions: $(tr "\n" " " <<<"$versions")" >&2
	exit 1
fi

echo "debian-kernel: extracting into $D" >&2
rm -rf "$D"
mkdir -p "$D/pkg"
for deb in "$D.debs"/*.deb; do
	dpkg-deb -x "$deb" "$D/pkg"
done
rm -rf "$D.debs"
mods="$D/pkg/usr/lib/modules/$release"
for f in "$mods/config" "$D/pkg/usr/src/linux-headers-$release/Module.symvers"; do
	[ -f "$f" ] || { echo "debian-kernel: the packages hold no $f" >&2; exit 1; }
done
# vmlinuz.unsigned in the unsigned package, vmlinuz in the signed one.
for f in "$mods/vmlinuz.unsigned" "$mods/vmlinuz" "$D/pkg/boot/vmlinuz-$release"; do
	[ -f "$f" ] && ln -sf "${f#"$D/"}" "$D/vmlinuz" && break
done
[ -e "$D/vmlinuz" ] || { echo "debian-kernel: no vmlinuz in $image" >&2; exit 1; }
echo "$release" >"$D/.rinotify-release"
echo "$versions" >"$D/.rinotify-version"
touch "$D/.rinotify-fetched"
echo "debian-kernel: $image $versions fetched and extracted in $(($(date +%s) - start)) s" >&2
echo "$D"
