#!/bin/sh
# mkinitramfs.sh ROOTFS_DIR OUT.cpio
# Packs a directory into a cpio "newc" archive, the format the kernel's
# initramfs unpacker reads. Owners are set to root; modes and times are kept.
set -eu
src=$1
out=$2
tmp="$out.tmp"
( cd "$src" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 ) > "$tmp"
mv "$tmp" "$out"
