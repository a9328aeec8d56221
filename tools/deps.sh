#!/bin/sh
# deps.sh: installs, only if missing, every Debian package the build, the
# image and the tests need. Run by `make run` and `make test` first, so a
# fresh Debian machine needs nothing else. Needs root (or sudo) to install.
set -eu
# busybox-static: /bin/busybox, the shell and commands of the root file
# system (tools/image.cmake); musl-tools: musl-gcc, for /sbin/init and the
# musl guest tests.
packages="qemu-system-x86 grub-pc-bin grub-common xorriso mtools cpio cmake make g++ \
libgtest-dev googletest python3 python3-pexpect binutils gdb musl-tools busybox-static"
missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends $missing
