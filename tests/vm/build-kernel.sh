#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Builds the VM tier's fault-injection kernel from Debian's linux-source-6.12
# with tests/vm/config-6.12-faultinject (tinyconfig plus BPF, BTF, kprobes,
# FUNCTION_ERROR_INJECTION, BPF_KPROBE_OVERRIDE, virtio/9p, no modules; see
# ../shared/vm/README.md), for machines that lack the prebuilt
# ../shared/vm/bzImage-6.12-faultinject. About 4 minutes on 2 cores.
#
#   sh tests/vm/build-kernel.sh [DEST]     (default $OUT/vm/bzImage-6.12-faultinject)
#
# Prints DEST's path on stdout when done. DEST is reused as long as the
# config it was built with (kept as DEST.config) is the project's config:
# the image is a pure function of the config and the Debian source package.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build}
mkdir -p "$OUT/vm"
OUT=$(cd "$OUT" && pwd)
DEST=${1:-$OUT/vm/bzImage-6.12-faultinject}
CONFIG=$ROOT/tests/vm/config-6.12-faultinject

if [ -s "$DEST" ] && cmp -s "$CONFIG" "$DEST.config"; then
	echo "$DEST"
	exit 0
fi

# The source package, and what a kernel build with BTF needs (pahole comes
# with dwarves; BTF is what the BPF engines are compiled against).
missing=""
for p in linux-source-6.12 build-essential bc bison flex libssl-dev libelf-dev dwarves cpio xz-utils; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  DEPS     installing:$missing" >&2
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null 2>&1 ||
		{ $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null; }
fi
TARBALL=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -1)
[ -n "$TARBALL" ] || { echo "build-kernel: no /usr/src/linux-source-6.12.tar.* after installing linux-source-6.12" >&2; exit 1; }

# A fresh tree each time: a half-built tree from an interrupted run must
# not leak objects of another config into this one.
SRC=$OUT/vm/linux-6.12-faultinject.src
rm -rf "$SRC"
mkdir -p "$SRC"
echo "  KERNEL   unpacking $TARBALL" >&2
tar -xf "$TARBALL" -C "$SRC" --strip-components=1
cp "$CONFIG" "$SRC/.config"
echo "  KERNEL   make olddefconfig && make -j$(nproc) bzImage (about 4 minutes on 2 cores; log in $SRC/build.log)" >&2
if ! { make -C "$SRC" olddefconfig && make -C "$SRC" -j"$(nproc)" bzImage; } > "$SRC/build.log" 2>&1; then
	tail -30 "$SRC/build.log" >&2
	echo "build-kernel: the kernel build failed (full log: $SRC/build.log)" >&2
	exit 1
fi
cp "$SRC/arch/x86/boot/bzImage" "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
rm -f "$DEST.config" && cp "$CONFIG" "$DEST.config"
# The tree is ~1.5 GB once built and nothing else reads it.
rm -rf "$SRC"
echo "$DEST"
