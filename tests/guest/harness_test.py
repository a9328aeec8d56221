#!/usr/bin/python3
"""The guest harness itself: a kernel that hangs (booted with
`test crash=hang`, it stops with interrupts off) must make run_guest.py fail
with a TIMEOUT report that shows the last serial lines, instead of waiting
forever. Without this, a hung kernel could stall `make test`.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    args = parser.parse_args()
    run = subprocess.run([sys.executable, os.path.join(HERE, "run_guest.py"), "--build", args.build,
                          "--cmdline", "test crash=hang", "--timeout", "10"],
                         capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    print(out)
    problems = []
    if run.returncode == 0:
        problems.append("the harness passed a kernel that hung")
    if "TIMEOUT after" not in out:
        problems.append("no TIMEOUT report")
    if "crash=hang requested" not in out:
        problems.append("the report does not show the last serial lines")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("PASS: a hung kernel is reported as a timeout with its last serial lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
