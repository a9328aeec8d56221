#!/usr/bin/python3
"""Boots Haneul in QEMU: the one place that knows the QEMU command line.

Used by `make run` / `make debug` (interactive, serial console on this
terminal) and imported by the test harnesses in tests/guest/.
A kernel command line other than the default, or files added to the root
file system (`make run ADD=`, --add), get their own ISO, built once with
tools/mkiso.sh and cached under BUILD/isos/; the default BUILD/haneul.iso
is never touched.
"""
import argparse
import fcntl
import filecmp
import hashlib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# isa-debug-exit: the guest writes a byte v to port 0xf4 and QEMU exits
# with status (v << 1) | 1. The kernel writes 0x10 (pass) or 0x11 (fail).
DEBUG_EXIT_PASS = (0x10 << 1) | 1
DEBUG_EXIT_FAIL = (0x11 << 1) | 1


def add_paths(add):
    """The words of an ADD= value (separated by blanks or colons), absolute."""
    return [os.path.abspath(word) for word in re.split(r"[\s:]+", add or "") if word]


def runs_tests(cmdline):
    """Whether the program init runs (the words after `--`) is in /tests:
    such a boot needs the archive with the guest test programs."""
    words = cmdline.split()
    return "--" in words and "/tests/" in " ".join(words[words.index("--") + 1:])


def overlay_initramfs(base, added, out):
    """Writes the archive `base` with `added` laid over it to `out`, unless
    `out` already holds exactly that; returns whether `out` changed. The
    archive is made every time (it takes well under a second) so that any
    change to the added files counts, whatever their timestamps say."""
    tmp = out + ".new"
    subprocess.run([os.path.join(ROOT, "tools", "mkinitramfs.py"), "--base", base,
                    "--add", " ".join(added), "--out", tmp], check=True)
    if os.path.exists(out) and filecmp.cmp(tmp, out, shallow=False):
        os.unlink(tmp)
        return False
    os.replace(tmp, out)
    return True


def iso_for(build, cmdline, add=""):
    """Path of an ISO whose GRUB passes `cmdline` to the kernel, with the
    files of `add` (tools/mkinitramfs.py --add) in its initramfs. The
    initramfs is BUILD/initramfs.cpio (the system), or
    BUILD/initramfs-tests.cpio (the system and /tests, tools/image.cmake)
    when the command line runs a program from /tests."""
    default = os.path.join(build, "haneul.iso")
    added = add_paths(add)
    for path in added:
        if not os.path.exists(path):
            sys.exit(f"qemu.py: ADD: {path}: no such file or directory")
    if not cmdline and not added:
        return default
    key = cmdline + "".join("\0" + path for path in added)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    isos = os.path.join(build, "isos")
    os.makedirs(isos, exist_ok=True)
    iso = os.path.join(isos, digest + ".iso")
    initramfs = os.path.join(build, "initramfs-tests.cpio" if runs_tests(cmdline) else "initramfs.cpio")
    inputs = [os.path.join(build, "kernel", "haneul.elf"), os.path.join(build, "haneul.sym"), initramfs]
    # Tests run in parallel and may want the same ISO: one builds, the others wait.
    with open(iso + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        changed = False
        if added:
            overlay = os.path.join(isos, digest + ".cpio")
            changed = overlay_initramfs(initramfs, added, overlay)
            initramfs = overlay
        if changed or not os.path.exists(iso) or any(os.path.getmtime(i) > os.path.getmtime(iso) for i in inputs):
            subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), build, iso, cmdline, initramfs], check=True)
    return iso


def qemu_command(iso, mem="128M", smp=1, interactive=False, gdb=False, extra=()):
    cmd = ["qemu-system-x86_64",
           "-accel", "tcg",          # KVM hangs on these machines: always TCG
           "-cpu", "max",
           "-m", str(mem),
           "-smp", str(smp),
           # The CD-ROM on an AHCI controller: GRUB reads the image's modules
           # about six times faster than through the legacy IDE emulation.
           "-device", "ahci,id=ahci",
           "-drive", f"file={iso},media=cdrom,if=none,id=cd,readonly=on",
           "-device", "ide-cd,drive=cd,bus=ahci.0",
           "-boot", "d",
           "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-display", "none",
           "-nic", "none"]    # no NIC yet: also spares SeaBIOS loading the iPXE option ROM
    if interactive:
        # Serial console and QEMU monitor share the terminal (Ctrl-A X quits).
        cmd += ["-serial", "mon:stdio"]
    else:
        cmd += ["-serial", "stdio", "-monitor", "none"]
    if gdb:
        cmd += ["-s", "-S"]
    cmd += list(extra)
    return cmd


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iso", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--cmdline", default="")
    parser.add_argument("--add", default="", help="files for /root and directories to lay over /, "
                        "separated by blanks or colons (make run ADD=)")
    parser.add_argument("--mem", default="128M")
    parser.add_argument("--smp", default="1")
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("--gdb", action="store_true")
    args = parser.parse_args()
    iso = iso_for(args.build, args.cmdline, args.add) if args.cmdline or args.add.strip() else args.iso
    if args.interactive:
        print("Haneul: booting in QEMU (TCG). Quit with Ctrl-A then X.", flush=True)
    cmd = qemu_command(iso, args.mem, args.smp, args.interactive, args.gdb)
    sys.exit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
