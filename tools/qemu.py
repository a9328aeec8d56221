#!/usr/bin/python3
"""Boots Haneul in QEMU: the one place that knows the QEMU command line.

Used by `make run` / `make debug` (interactive, serial console on this
terminal) and imported by the test harnesses in tests/guest/.
A kernel command line other than the default gets its own ISO, built once
with tools/mkiso.sh and cached under BUILD/isos/.
"""
import argparse
import fcntl
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# isa-debug-exit: the guest writes a byte v to port 0xf4 and QEMU exits
# with status (v << 1) | 1. The kernel writes 0x10 (pass) or 0x11 (fail).
DEBUG_EXIT_PASS = (0x10 << 1) | 1
DEBUG_EXIT_FAIL = (0x11 << 1) | 1


def iso_for(build, cmdline):
    """Path of an ISO whose GRUB passes `cmdline` to the kernel."""
    default = os.path.join(build, "haneul.iso")
    if not cmdline:
        return default
    digest = hashlib.sha1(cmdline.encode()).hexdigest()[:12]
    isos = os.path.join(build, "isos")
    os.makedirs(isos, exist_ok=True)
    iso = os.path.join(isos, digest + ".iso")
    inputs = [os.path.join(build, "kernel", "haneul.elf"), os.path.join(build, "haneul.sym"),
              os.path.join(build, "initramfs.cpio")]
    # Tests run in parallel and may want the same ISO: one builds, the others wait.
    with open(iso + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(iso) or any(os.path.getmtime(i) > os.path.getmtime(iso) for i in inputs):
            subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), build, iso, cmdline], check=True)
    return iso


def qemu_command(iso, mem="128M", smp=1, interactive=False, gdb=False, extra=()):
    cmd = ["qemu-system-x86_64",
           "-accel", "tcg",          # KVM hangs on these machines: always TCG
           "-cpu", "max",
           "-m", str(mem),
           "-smp", str(smp),
           "-cdrom", iso,
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
    parser.add_argument("--mem", default="128M")
    parser.add_argument("--smp", default="1")
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("--gdb", action="store_true")
    args = parser.parse_args()
    iso = iso_for(args.build, args.cmdline) if args.cmdline else args.iso
    if args.interactive:
        print("Haneul: booting in QEMU (TCG). Quit with Ctrl-A then X.", flush=True)
    cmd = qemu_command(iso, args.mem, args.smp, args.interactive, args.gdb)
    sys.exit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
