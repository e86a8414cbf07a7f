#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing rinotify needs, idempotently: Debian packages
# (never touching the system's apt sources) and bindgen-cli from crates.io into the
# cache directory, with Debian's cargo unless one (rustup's, say) is on PATH.
# Prints what it installs; prints nothing else when all is present.
set -euo pipefail

CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
BINDGEN_VERSION=${BINDGEN_VERSION:-0.73.2}

PACKAGES=(
	rustc-web rust-web-src rust-web-clippy rustfmt-web clang-22 lld-22 llvm-22 libclang-22-dev
	flex bison bc libelf-dev libssl-dev cpio kmod rsync xz-utils
	qemu-system-x86 busybox-static gcc gcc-multilib make
	inotify-tools coreutils python3 python3-watchdog python3-venv gnuplot-nox shellcheck perl
	debootstrap
)
# bindgen-cli is built with cargo: the one on PATH, else Debian's cargo-web, which matches
# rustc-web (Debian's plain cargo is Rust 1.66's, too old for bindgen-cli).
command -v cargo >/dev/null || PACKAGES+=(cargo-web)

SUDO=
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing Debian packages: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

bindgen="$CACHE/bindgen/bin/bindgen"
if ! "$bindgen" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	echo "deps: installing bindgen-cli $BINDGEN_VERSION into $CACHE/bindgen (about 2 minutes)"
	mkdir -p "$CACHE/bindgen"
	LIBCLANG_PATH=/usr/lib/llvm-22/lib cargo install --quiet bindgen-cli \
		--version "$BINDGEN_VERSION" --locked --root "$CACHE/bindgen"
fi
