#!/usr/bin/python3
"""Interactive console test of the kernel monitor (booted with `kmon`): checks
what a person at the console sees before any user program runs.

- the boot log has one line per bring-up step (memory map, paging, heap,
  APIC, timer, RTC date and time, initramfs) and then the banner;
- characters typed on the serial line are echoed back;
- keys pressed on the PS/2 keyboard (through QEMU's monitor `sendkey`) are
  echoed on the console too;
- the kernel monitor answers at its prompt (`ps` lists the kernel daemons);
- the kernel stays responsive: a line typed later is echoed as well.

Prints the wall time from QEMU's start to the banner (not asserted: speed is
measured by benchmarks, not tests).
"""
import argparse
import os
import socket
import sys
import tempfile
import time

import pexpect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import qemu  # noqa: E402

PROMPT = "haneul-kmon> "

BOOT_STEPS = [
    r"memory map: \[",
    r"paging: kernel page tables live",
    r"heap: kmalloc",
    r"memory: \d+ KiB total, \d+ KiB reserved .*\d+ KiB free",
    r"APIC: local APIC",
    r"APIC: timer \d+ Hz",
    r"RTC: 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC",
    r"initramfs: .*etc/motd",
    r"Welcome to Haneul\.",
]


class Monitor:
    """QEMU's human monitor on a UNIX socket, for `sendkey`."""

    def __init__(self, path):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def command(self, text):
        self.sock.sendall(text.encode() + b"\n")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="haneul-console-")
    monitor_path = os.path.join(workdir, "monitor.sock")
    # The kernel monitor owns the console only when asked for (`kmon`);
    # `lsinitramfs` lists the archive in the boot log.
    iso = qemu.iso_for(args.build, "kmon lsinitramfs")
    cmd = qemu.qemu_command(iso, extra=["-monitor", f"unix:{monitor_path},server,nowait"])
    # qemu_command adds "-monitor none" for non-interactive runs; ours wins
    # only if that one is removed.
    drop = cmd.index("-monitor")
    del cmd[drop:drop + 2]
    started = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], timeout=args.timeout, encoding="utf-8", codec_errors="replace")
    child.logfile_read = sys.stdout
    try:
        for step in BOOT_STEPS:
            child.expect(step)
        banner_at = time.monotonic() - started
        # Boot is over when the kernel monitor (tty/kernel_monitor.cpp) asks.
        child.expect(PROMPT)

        child.send("hello haneul\r")
        child.expect("hello haneul")
        child.expect(PROMPT) # its answer to an unknown command, then a new prompt

        monitor = Monitor(monitor_path)
        for key in ["h", "a", "n", "e", "u", "l", "shift-1"]:
            monitor.command(f"sendkey {key}")
        child.expect("haneul!")
        child.send("\r")
        child.expect(PROMPT)

        # The monitor's process table lists the kernel daemons (CONCEPTS C1, C3).
        child.send("ps\r")
        child.expect("kreaper")
        child.expect(PROMPT)

        time.sleep(0.5)
        child.send("still here\r")
        child.expect("still here")
        child.expect(PROMPT)
        monitor.command("quit")
        child.expect(pexpect.EOF)
    except (pexpect.TIMEOUT, pexpect.EOF) as error:
        print(f"\nFAIL: {type(error).__name__} while waiting for {child.pattern if hasattr(child, 'pattern') else '?'}")
        print("--- last console output ---")
        print(child.before)
        child.terminate(force=True)
        return 1
    print(f"\nboot to banner: {banner_at:.2f} s wall")
    print("PASS: boot log complete, serial and keyboard input echoed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
