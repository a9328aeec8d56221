#!/usr/bin/python3
"""`make debug` works: QEMU started halted with a gdb stub, gdb attaches with
the kernel's symbols, a breakpoint on kernel_main is hit, and gdb shows the
source file and line there (the kernel is built with -g).
"""
import argparse
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import qemu  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    args = parser.parse_args()
    port = random.randint(20000, 60000)
    cmd = qemu.qemu_command(os.path.join(args.build, "haneul.iso"), extra=["-gdb", f"tcp:127.0.0.1:{port}", "-S"])
    vm = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        gdb = subprocess.run(
            ["gdb", "-q", "-batch", "-nx",
             "-ex", f"target remote 127.0.0.1:{port}",
             "-ex", "break kernel_main",
             "-ex", "continue",
             "-ex", "info line *$pc",
             "-ex", "list",
             "-ex", "bt 1",
             os.path.join(args.build, "kernel", "haneul.elf")],
            capture_output=True, text=True, timeout=120)
    finally:
        vm.kill()
        vm.wait()
    out = gdb.stdout + gdb.stderr
    print(out)
    wanted = ["Breakpoint 1, kernel_main", "main.cpp", "run_global_constructors"]
    missing = [w for w in wanted if w not in out]
    if missing:
        print(f"FAIL: gdb output lacks {missing}")
        return 1
    print("PASS: gdb stopped at kernel_main with source lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
