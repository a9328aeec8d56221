#!/bin/sh
# mkiso.sh BUILD_DIR OUT.iso "KERNEL COMMAND LINE" [INITRAMFS]
# Builds a GRUB (multiboot2) bootable ISO holding the kernel, its symbol
# table and the initramfs (default BUILD_DIR/initramfs.cpio; tools/qemu.py
# gives another for `make run ADD=`), booting at once with the given
# command line.
#
# The command line reaches the kernel as written, in Linux's quoting: words
# separated by blanks, double quotes grouping words with blanks in them.
# Each word is single-quoted for GRUB's own parser, so that GRUB neither
# expands `$...` nor treats `;` `#` `{` as its syntax; GRUB then joins the
# words with one space and puts double quotes back around a word with a
# blank (GRUB 2.06 also puts a backslash before \ ' and " inside words).
set -eu
build=$1
out=$2
cmdline=${3:-}
initramfs=${4:-$build/initramfs.cpio}
stage=$(mktemp -d "${TMPDIR:-/tmp}/haneul-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
# The image carries the kernel without debug information: GRUB reads the
# whole file, and under TCG every extra 100 KiB costs boot time. gdb uses
# the full build/kernel/haneul.elf.
objcopy --strip-debug "$build/kernel/haneul.elf" "$stage/boot/haneul.elf"
cp "$build/haneul.sym" "$stage/boot/haneul.sym"
cp "$initramfs" "$stage/boot/initramfs"
grub_words=$(/usr/bin/python3 -c '
import sys
words, word, quoted, any_char = [], "", False, False
for c in sys.argv[1]:
    if c == "\"":
        quoted, any_char = not quoted, True
    elif c in " \t\n" and not quoted:
        if any_char:
            words.append(word)
        word, any_char = "", False
    else:
        word, any_char = word + c, True
if any_char:
    words.append(word)
print(" ".join("\x27" + w.replace("\x27", "\x27\\\x27\x27") + "\x27" for w in words))
' "$cmdline")
# A compressed initramfs (gzip or xz; the build makes none, see
# tools/image.cmake) is decompressed by GRUB as it loads it (module2 without
# --nounzip), through the filter module for its format: the kernel always
# receives the plain cpio archive.
case $(od -An -tx1 -N6 "$initramfs" | tr -d ' \n') in
    fd377a585a00) unzip="insmod xzio" ;;
    1f8b*) unzip="insmod gzio" ;;
    *) unzip="" ;;
esac
cat > "$stage/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
$unzip
menuentry "Haneul" {
    multiboot2 /boot/haneul.elf $grub_words
    module2 /boot/initramfs initramfs
    module2 /boot/haneul.sym symbols
    boot
}
CFG
# Only the BIOS (i386-pc) platform is needed for QEMU's default firmware;
# trimming the others and unused modules makes the image small and quick.
grub-mkrescue -o "$out.tmp" "$stage" \
    -d /usr/lib/grub/i386-pc \
    --install-modules="multiboot2 normal iso9660 biosdisk configfile echo gzio xzio" \
    --fonts= --locales= --themes= >/dev/null 2>&1 \
  || grub-mkrescue -o "$out.tmp" "$stage" -d /usr/lib/grub/i386-pc
mv "$out.tmp" "$out"
