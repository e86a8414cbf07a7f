#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A module build tree for Debian's kernel (scripts/debian-kernel.sh), made once in the cache.
# Debian's headers hold no Rust metadata of the kernel crate, so it is built here: Debian's
# linux-source (scripts/kernel-source.sh, the same version) configured with Debian's own
# .config (olddefconfig must leave it as it is) and release, `make modules_prepare` in the
# trixie root of scripts/debian-root.sh (Debian's compilers), then Debian's Module.symvers
# and vmlinux (the base of the modules' BTF).
#   debian-build.sh               make the tree, print its path (a KDIR, inside the root)
#   debian-build.sh make ARGS..   run make -C TREE ARGS... in the root with Debian's compilers
#   debian-build.sh check KO      check a module built there against the kernel: its vermagic
#                                 and that the kernel exports every symbol it needs
# Progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
D=$("$here/scripts/debian-kernel.sh")
release=$(cat "$D/.rinotify-release")
headers=$D/pkg/usr/src/linux-headers-$release
B=$D/build
inroot=("$here/scripts/debian-root.sh" exec "$D")
# What Debian builds its kernel with (the headers' Makefile: CROSS_COMPILE, gcc-14).
TOOLS=(ARCH=x86 CROSS_COMPILE=x86_64-linux-gnu- CC=x86_64-linux-gnu-gcc-14
	HOSTCC=x86_64-linux-gnu-gcc-14 RUSTC=rustc HOSTRUSTC=rustc BINDGEN=bindgen)

case "${1:-}" in
make)
	shift
	[ -f "$B/.rinotify-prepared" ] || "$0" >/dev/null
	exec "${inroot[@]}" make -C "$B" "${TOOLS[@]}" "$@"
	;;
check)
	ko=${2:?usage: debian-build.sh check KO}
	want=$(modinfo -F vermagic "$(find "$D/pkg/usr/lib/modules/$release/kernel/fs" -name '*.ko*' -print -quit)")
	have=$(modinfo -F vermagic "$ko")
	if [ "$want" != "$have" ]; then
		echo "debian-build: $ko has vermagic '$have', Debian's modules '$want'" >&2
		exit 1
	fi
	# Every undefined symbol of the module, Rust's included, is one the kernel or one of its
	# modules exports (modpost checks it too; this says which and why).
	missing=$(comm -23 <(nm -u "$ko" | awk '{print $2}' | sort -u) \
		<(awk '{print $2}' "$headers/Module.symvers" | sort -u))
	if [ -n "$missing" ]; then
		echo "debian-build: $ko needs symbols Debian's kernel does not export:" >&2
		mapfile -t symbols <<<"$missing"
		printf '  %s\n' "${symbols[@]}" >&2
		echo "  (Rust symbols differ when rustc's version or flags differ from Debian's build)" >&2
		exit 1
	fi
	exit 0
	;;
"") ;;
*) echo "usage: debian-build.sh [make ARGS.. | check KO]" >&2; exit 2 ;;
esac

if [ -f "$B/.rinotify-prepared" ]; then
	echo "$B"
	exit 0
fi
"$here/scripts/debian-root.sh" "$D" >/dev/null
src=$("$here/scripts/kernel-source.sh")

exec 9>"$CACHE/debian/.build.lock"
flock 9
if [ -f "$B/.rinotify-prepared" ]; then
	echo "$B"
	exit 0
fi

# The source of the kernel Debian built: the same package version.
srcver=$(cat "$src/.rinotify-debian-version")
if [ "$srcver" != "$(cat "$D/.rinotify-version")" ]; then
	echo "debian-build: linux-source is $srcver but Debian's kernel is $(cat "$D/.rinotify-version")" >&2
	exit 1
fi

# The release Debian's modules were built for: the headers' and the kernel's must agree.
if [ "$(cat "$headers/include/config/kernel.release")" != "$release" ]; then
	echo "debian-build: the headers are for $(cat "$headers/include/config/kernel.release"), not $release" >&2
	exit 1
fi

rm -rf "$B"
mkdir -p "$B"
cp "$headers/.config" "$B/.config"
# The release Debian gives it (the headers' KERNELRELEASE): 7.3.4 from the source's Makefile,
# the rest as LOCALVERSION (CONFIG_LOCALVERSION is empty, CONFIG_LOCALVERSION_AUTO off).
kver=$(make -s -C "$src" kernelversion)
KMAKE=("${inroot[@]}" nice -n 10 make -C "$src" O="$B" "${TOOLS[@]}" LOCALVERSION="${release#"$kver"}")
echo "debian-build: configuring $release (linux-source $srcver) in $B" >&2
"${KMAKE[@]}" -s olddefconfig >&2
if ! diff -u "$headers/.config" "$B/.config" >"$B/olddefconfig.diff"; then
	echo "debian-build: olddefconfig changed Debian's configuration (the compilers differ?):" >&2
	grep '^[-+]CONFIG\|^[-+]# CONFIG' "$B/olddefconfig.diff" | head -n 20 >&2
	exit 1
fi
start=$(date +%s)
echo "debian-build: make modules_prepare, the kernel crate included (log: $B/prepare.log)" >&2
if ! "${KMAKE[@]}" -j"$(($(nproc) + 1))" modules_prepare >"$B/prepare.log" 2>&1; then
	report=$(grep -E 'error|Error' "$B/prepare.log" | tail -n 20) || report=$(tail -n 20 "$B/prepare.log")
	printf '%s\n' "$report" >&2
	echo "debian-build: modules_prepare failed; full log in $B/prepare.log" >&2
	exit 1
fi
for f in include/config/kernel.release rust/libkernel.rmeta; do
	[ -f "$B/$f" ] || { echo "debian-build: modules_prepare left no $B/$f" >&2; exit 1; }
done
if [ "$(cat "$B/include/config/kernel.release")" != "$release" ] ||
	! grep -qx "#define UTS_RELEASE \"$release\"" "$B/include/generated/utsrelease.h"; then
	echo "debian-build: the tree's release is $(cat "$B/include/config/kernel.release"), not $release" >&2
	exit 1
fi
cp "$headers/Module.symvers" "$headers/vmlinux" "$B/"
echo "debian-build: modules_prepare took $(($(date +%s) - start)) s" >&2
touch "$B/.rinotify-prepared"
echo "$B"
