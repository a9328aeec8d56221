#!/bin/sh
# mkiso.sh BUILD_DIR OUT.iso "KERNEL COMMAND LINE"
# Builds a GRUB (multiboot2) bootable ISO holding the kernel, its symbol
# table and the initramfs, booting at once with the given command line.
set -eu
build=$1
out=$2
cmdline=${3:-}
stage=$(mktemp -d "${TMPDIR:-/tmp}/haneul-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
# The image carries the kernel without debug information: GRUB reads the
# whole file, and under TCG every extra 100 KiB costs boot time. gdb uses
# the full build/kernel/haneul.elf.
objcopy --strip-debug "$build/kernel/haneul.elf" "$stage/boot/haneul.elf"
cp "$build/haneul.sym" "$stage/boot/haneul.sym"
cp "$build/initramfs.cpio" "$stage/boot/initramfs.cpio"
cat > "$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Haneul" {
    multiboot2 /boot/haneul.elf $cmdline
    module2 /boot/initramfs.cpio initramfs
    module2 /boot/haneul.sym symbols
    boot
}
CFG
# Only the BIOS (i386-pc) platform is needed for QEMU's default firmware;
# trimming the others and unused modules makes the image small and quick.
grub-mkrescue -o "$out.tmp" "$stage" \
    -d /usr/lib/grub/i386-pc \
    --install-modules="multiboot2 normal iso9660 biosdisk configfile echo" \
    --fonts= --locales= --themes= >/dev/null 2>&1 \
  || grub-mkrescue -o "$out.tmp" "$stage" -d /usr/lib/grub/i386-pc
mv "$out.tmp" "$out"
