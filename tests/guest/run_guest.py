#!/usr/bin/python3
"""Boots Haneul with a test command line and judges the run from its serial
output, in the guest test protocol (docs/TESTING.md):

    [TEST] name          a test starts
    [OK] name            it passed
    [KO] name: why       it failed
    N passed, M failed   the run is over

The kernel then ends QEMU through isa-debug-exit. The run passes only if
QEMU exits with the pass status, the summary says 0 failed, at least one test
ran, and every test that started reported OK. A hang is caught by the
timeout and reported with the last serial lines; a kernel panic is reported
with its whole report.

--expect-panic TEXT... inverts the verdict for the deliberate-crash test: the
run passes only if the kernel panics and the report contains every TEXT.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import qemu  # noqa: E402

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed")


def run(args):
    iso = qemu.iso_for(args.build, args.cmdline)
    cmd = qemu.qemu_command(iso, args.mem, args.smp, extra=args.qemu_arg or ())
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines = []
    timed_out = threading.Event()

    def kill_on_timeout():
        if proc.poll() is None:
            timed_out.set()
            proc.kill()

    timer = threading.Timer(args.timeout, kill_on_timeout)
    timer.start()
    banner_at = None
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if args.verbose:
                print(line, flush=True)
            if banner_at is None and "Welcome to Haneul" in line:
                banner_at = time.monotonic() - started
    finally:
        proc.wait()
        timer.cancel()
    status = proc.returncode
    text = "\n".join(lines)

    def dump(title, count=40):
        print(f"--- {title}: last {count} serial lines ---")
        for line in lines[-count:]:
            print(line)
        print("---")

    if banner_at is not None:
        print(f"boot to banner: {banner_at:.2f} s wall (QEMU start to banner line)")

    panic_at = text.find("KERNEL PANIC")
    if args.expect_panic:
        if timed_out.is_set():
            dump(f"TIMEOUT after {args.timeout} s waiting for the expected panic")
            return 1
        if panic_at < 0:
            dump("expected a kernel panic, none was reported")
            return 1
        report = text[panic_at:]
        missing = [t for t in args.expect_panic if t not in report]
        print("--- panic report ---\n" + report + "\n---")
        if missing:
            print(f"FAIL: panic report lacks {missing}")
            return 1
        if status != qemu.DEBUG_EXIT_FAIL:
            print(f"FAIL: QEMU exit status {status}, expected {qemu.DEBUG_EXIT_FAIL} (panic in test mode)")
            return 1
        print("PASS: the kernel panicked with a readable report")
        return 0

    started_tests = []
    ok, ko = set(), []
    summary = None
    for line in lines:
        if line.startswith("[TEST] "):
            started_tests.append(line[7:].strip())
        elif line.startswith("[OK] "):
            ok.add(line[5:].strip())
        elif line.startswith("[KO] "):
            ko.append(line[5:].strip())
        else:
            m = SUMMARY.match(line)
            if m:
                summary = (int(m.group(1)), int(m.group(2)))
    for k in ko:
        print(f"[KO] {k}")
    failures = []
    if timed_out.is_set():
        failures.append(f"TIMEOUT after {args.timeout} s (the kernel hung)")
    if panic_at >= 0:
        failures.append("the kernel panicked:\n" + text[panic_at:])
    if not started_tests:
        failures.append("no test ran")
    unfinished = [t for t in started_tests if t not in ok and not any(k.startswith(t) for k in ko)]
    if unfinished:
        failures.append(f"tests started but never finished: {unfinished}")
    if ko:
        failures.append(f"{len(ko)} test(s) reported KO")
    if summary is None:
        failures.append("no 'N passed, M failed' summary line")
    elif summary[1] != 0:
        failures.append(f"summary says {summary[1]} failed")
    if not timed_out.is_set() and status != qemu.DEBUG_EXIT_PASS:
        failures.append(f"QEMU exit status {status}, expected {qemu.DEBUG_EXIT_PASS}")
    print(f"guest: {len(ok)} passed, {len(ko)} failed (of {len(started_tests)} started)")
    if failures:
        dump("serial output")
        for f in failures:
            print("FAIL: " + f)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", required=True)
    parser.add_argument("--cmdline", default="test")
    parser.add_argument("--mem", default="128M")
    parser.add_argument("--smp", default="1")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--expect-panic", nargs="+", metavar="TEXT")
    parser.add_argument("--qemu-arg", action="append")
    parser.add_argument("--verbose", action="store_true")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
