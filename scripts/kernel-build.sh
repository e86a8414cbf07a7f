#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the rinotify test kernel of one flavour (debug, perf, perf-inline) from
# Debian's linux-source, cached outside the repository under a directory keyed by the kernel
# version and a hash of the config fragments, so a second run rebuilds nothing.
# Usage: kernel-build.sh FLAVOUR, where qemu/config/FLAVOUR.config exists (debug, perf,
# perf-inline); a flavour named X-Y builds on flavour X (base, X's fragment, then its own).
# Prints the build directory (a valid KDIR) on stdout; progress goes to stderr.
set -euo pipefail

flavour=${1:?usage: kernel-build.sh debug|perf|perf-inline}
here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${RINOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rinotify}
frags=("$here/qemu/config/base.config")
[ "${flavour%-*}" != "$flavour" ] && frags+=("$here/qemu/config/${flavour%-*}.config")
frags+=("$here/qemu/config/$flavour.config")
for f in "${frags[@]}"; do
	[ -f "$f" ] || {
		echo "kernel-build: unknown flavour '$flavour' ($f is missing)" >&2
		exit 2
	}
done

src=$("$here/scripts/kernel-source.sh")
debver=$(cat "$src/.rinotify-debian-version")
key=$(cat "${frags[@]}" | sha256sum | cut -c1-12)
B="$CACHE/build/linux-${debver//[^A-Za-z0-9.+-]/_}-$flavour-$key"
KMAKE=(make -C "$src" O="$B" LLVM=-22 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc
	BINDGEN="$CACHE/bindgen/bin/bindgen")

if [ -f "$B/.rinotify-built" ]; then
	echo "$B"
	exit 0
fi

# One build of a tree at a time (make -j may ask for the kernel from two targets at once).
mkdir -p "$CACHE/build"
exec 9>"$CACHE/build/.lock"
flock 9
if [ -f "$B/.rinotify-built" ]; then
	echo "$B"
	exit 0
fi

mkdir -p "$B"
echo "kernel-build: configuring $flavour kernel $debver in $B" >&2
if ! "${KMAKE[@]}" rustavailable >"$B/rustavailable.log" 2>&1; then
	cat "$B/rustavailable.log" >&2
	echo "kernel-build: the Rust toolchain is not usable for the kernel (run 'make deps')" >&2
	exit 1
fi
"${KMAKE[@]}" -s tinyconfig >&2
KCONFIG_CONFIG="$B/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$B" \
	"$B/.config" "${frags[@]}" >"$B/merge.log"
"${KMAKE[@]}" -s olddefconfig >&2

# merge_config.sh silently drops options whose dependencies are unmet: check every one, at
# the value of the last fragment that sets it (a flavour may override the base).
dropped=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		if grep -q "^$opt=" "$B/.config"; then
			echo "kernel-build: $opt should be off but is '$(grep "^$opt=" "$B/.config")'" >&2
			dropped=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qx "$line" "$B/.config"; then
			echo "kernel-build: requested '$line' is not in .config (unmet dependency?)" >&2
			dropped=1
		fi ;;
	esac
done < <(cat "${frags[@]}" | awk -F= '/^CONFIG_/ {if (!($1 in v)) o[n++] = $1; v[$1] = $0}
	END {for (i = 0; i < n; i++) print v[o[i]]}')
if [ "$dropped" != 0 ]; then
	echo "kernel-build: the merged configuration lacks requested options; see $B/.config" >&2
	exit 1
fi

jobs=$(($(nproc) + 1))
echo "kernel-build: building bzImage (about 6-10 minutes on 2 cores; log: $B/build.log)" >&2
start=$(date +%s)
set +e
"${KMAKE[@]}" -j"$jobs" bzImage modules 2>&1 | tee "$B/build.log" |
	while IFS= read -r line; do
		case "$line" in
		"  "[A-Z]*) n=$((${n:-0} + 1))
			[ $((n % 250)) = 0 ] && echo "kernel-build: $n steps, $(($(date +%s) - start)) s" >&2 ;;
		esac
	done
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then
	# The lines that name an error, else the log's end: when grep finds none, the pipeline
	# fails (pipefail), which must not end the script before the report.
	report=$(grep -E 'error|Error' "$B/build.log" | tail -n 20) || report=$(tail -n 20 "$B/build.log")
	printf '%s\n' "$report" >&2
	echo "kernel-build: kernel build failed; full log in $B/build.log" >&2
	exit 1
fi
echo "kernel-build: built in $(($(date +%s) - start)) s" >&2
touch "$B/.rinotify-built"
echo "$B"
