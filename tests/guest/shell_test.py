#!/usr/bin/python3
"""Interactive shell test: boots Haneul exactly as `make run` does and uses the
busybox ash prompt on the serial console the way a person would.

- the boot ends at the login prompt (init ran /etc/rc and started getty);
  root logs in with the password /etc/issue shows and gets ash;
- commands run and print: echo, a pipeline, ls -l /, ps, free, uptime;
- the terminal's line editing works (backspace as DEL and as ^H);
- ^C ends the foreground job (sleep, cat) and the shell survives;
- ^Z stops a job, `jobs` lists it, `kill %1` ends it;
- job control (job_control_steps): `&`, `jobs`, `fg`, ^Z, `bg`, ^C ends only
  the foreground job, a background job reading the terminal stops (SIGTTIN),
  `kill %1`, and the shell survives all of it;
- keys typed on the PS/2 keyboard (QEMU monitor `sendkey`) reach the shell;
- busybox vi edits and writes a file;
- the users scenario (user_session): a wrong password is refused and the
  login prompt comes back; `user` cannot read /etc/shadow, kill init or
  write /etc, may write /tmp; su refuses a wrong password and gives a root
  shell with the right one;
- `poweroff` ends the machine.

Prints the wall time from QEMU's start to the prompt (not asserted).
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

PROMPT = "haneul:~# "
USER_PROMPT = r"haneul:~\$ "
LOGIN = "login: "
NL = r"\r+\n"
# The accounts of user/rootfs/etc/shadow (shown by /etc/issue).
PASSWORDS = {"root": "haneul", "user": "user"}


def login(step, name, prompt=PROMPT, password=None, timeout=None, prompt_seen=False):
    """At the login prompt (waited for unless `prompt_seen`): logs in as
    `name` and waits for its shell."""
    if not prompt_seen:
        step(f"login prompt ({name})", None, LOGIN, timeout)
    step(f"password prompt ({name})", name + "\r", "Password: ")
    step(f"logged in as {name}", (password or PASSWORDS[name]) + "\r", prompt)


def logout(step, child, name):
    """Ends the shell; a second `exit` if it first warns of stopped jobs."""
    step(f"logout ({name})", "exit\r", LOGIN + "|stopped jobs", 30)
    if "stopped jobs" in child.after:
        step(f"logout with stopped jobs ({name})", "exit\r", LOGIN, 30)


def user_session(step, child):
    """From root's shell: logs out, fails one login, logs in as `user` and
    checks what an ordinary user may not do, then su; ends logged in as
    root again."""
    logout(step, child, "root")
    step("bad login name", "user\r", "Password: ")
    step("bad password refused", "wrong\r", ["Login incorrect", LOGIN], 30)
    step("user password", "user\r", "Password: ")
    step("user logged in", PASSWORDS["user"] + "\r", USER_PROMPT)
    step("user id", "id -u\r", ["1000" + NL, USER_PROMPT])
    step("shadow unreadable", "cat /etc/shadow\r", ["Permission denied", USER_PROMPT])
    step("kill init refused", "kill -9 1\r", ["not permitted", USER_PROMPT])
    step("/etc not writable", "touch /etc/x\r", ["Permission denied", USER_PROMPT])
    step("/tmp writable", "touch /tmp/x && ls -l /tmp/x\r", [r"user\s+user.*/tmp/x", USER_PROMPT])
    step("su bad password", "su\r", "Password: ")
    step("su refused", "wrong\r", ["incorrect password", USER_PROMPT], 30)
    step("su password", "su\r", "Password: ")
    step("su gives root", PASSWORDS["root"] + "\r", r"haneul:\S*# ")
    step("root after su", "id -u\r", ["0" + NL, r"haneul:\S*# "])
    step("leave su", "exit\r", USER_PROMPT)
    logout(step, child, "user")
    login(step, "root", prompt_seen=True)


def job_control_steps(step):
    """Job control over the console terminal (issue 5 item 3): each job in its
    own process group, the terminal's foreground group switched by the shell."""
    # A job stopped earlier keeps a SIGTERM pending until continued (as on
    # Linux): continue it so it goes, and let ash forget it.
    step("no jobs left", "kill -CONT %1 2>/dev/null; sleep 1; jobs; echo no-jobs\r", ["no-jobs" + NL, PROMPT])
    step("background job", "sleep 100 &\r", ["sleep 100 &" + NL, PROMPT])
    step("jobs lists it running", "jobs\r", [r"Running\s+sleep 100", PROMPT])
    step("fg brings it back", "fg\r", "sleep 100" + NL)
    time.sleep(1)
    step("ctrl-z stops it again", "\x1a", ["Stopped", PROMPT])
    step("jobs lists it stopped", "jobs\r", [r"Stopped\s+sleep 100", PROMPT])
    step("bg resumes it", "bg\r", [r"\[1\] sleep 100", PROMPT])
    step("jobs lists it running again", "jobs\r", [r"Running\s+sleep 100", PROMPT])
    step("foreground sleep", "sleep 200\r", "sleep 200" + NL)
    time.sleep(1)
    step("ctrl-c ends only the foreground job", "\x03", PROMPT)
    step("background job survived ctrl-c", "jobs\r", [r"Running\s+sleep 100", PROMPT])
    step("background reader", "cat &\r", ["cat &" + NL, PROMPT])
    time.sleep(1)
    step("background reader stops on SIGTTIN", "jobs\r", [r"Stopped.*cat", PROMPT])
    step("kill the reader", "kill -9 %2\r", PROMPT)
    step("kill %1", "kill %1\r", PROMPT)
    step("jobs gone", "sleep 1; jobs; echo jobs-done\r", ["jobs-done" + NL, PROMPT])
    step("shell survives job control", "echo ok-$((40+2))\r", ["ok-42" + NL, PROMPT])


class Monitor:
    """QEMU's human monitor on a UNIX socket, for `sendkey`."""

    def __init__(self, path):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def key(self, name):
        self.sock.sendall(f"sendkey {name}\n".encode())
        time.sleep(0.08)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    parser.add_argument("--smp", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="haneul-shell-")
    monitor_path = os.path.join(workdir, "monitor.sock")
    iso = os.path.join(args.build, "haneul.iso")
    cmd = qemu.qemu_command(iso, smp=args.smp, extra=["-monitor", f"unix:{monitor_path},server,nowait"])
    drop = cmd.index("-monitor")
    del cmd[drop:drop + 2]
    # ^C must reach the guest's terminal, not stop QEMU.
    serial = cmd.index("-serial")
    cmd[serial:serial + 2] = ["-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console"]
    started = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], timeout=args.timeout, encoding="utf-8", codec_errors="replace")
    child.logfile_read = sys.stdout
    failures = []

    def step(name, send, expect, timeout=None):
        try:
            if send is not None:
                child.send(send)
            for pattern in (expect if isinstance(expect, list) else [expect]):
                child.expect(pattern, timeout=timeout or args.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as error:
            failures.append(name)
            print(f"\nFAIL {name}: {type(error).__name__}; last output: {child.before[-400:]!r}")
            raise

    try:
        login(step, "root", timeout=90)
        prompt_at = time.monotonic() - started
        step("echo", "echo hello\r", ["hello" + NL, PROMPT])
        step("pipeline", "ls /bin | sort | head -3 | wc -l\r", ["3" + NL, PROMPT])
        step("ls -l /", "ls -l /\r", [r"drwx.* bin", PROMPT])
        step("ps", "ps\r", [r"PID\s+USER", r"1 root\s+.*init", PROMPT])
        step("free", "free\r", [r"Mem:\s+\d+", PROMPT])
        step("uptime", "uptime\r", [r"up .*load average", PROMPT])
        step("backspace", "echo abx\x7fc\r", ["abc" + NL, PROMPT])
        step("ctrl-h", "echo abx\x08c\r", ["abc" + NL, PROMPT])
        step("sleep runs", "sleep 30\r", "sleep 30" + NL)
        time.sleep(1)
        step("ctrl-c ends sleep", "\x03", PROMPT)
        step("cat runs", "cat\r", "cat" + NL)
        time.sleep(0.5)
        step("ctrl-c ends cat", "\x03", PROMPT)
        step("shell alive", "echo $((6*7))\r", ["42" + NL, PROMPT])
        step("sleep again", "sleep 30\r", "sleep 30" + NL)
        time.sleep(1)
        step("ctrl-z stops", "\x1a", ["Stopped", PROMPT])
        step("jobs", "jobs\r", ["sleep 30", PROMPT])
        step("kill %1", "kill %1\r", PROMPT)
        job_control_steps(step)
        monitor = Monitor(monitor_path)
        for key in ["e", "c", "h", "o", "spc", "k", "b", "d", "x", "backspace", "ret"]:
            monitor.key(key)
        step("keyboard", None, ["kbd" + NL, PROMPT])
        step("vi opens", "vi /tmp/note\r", "~")
        time.sleep(0.5)
        child.send("ihello vi")
        time.sleep(0.3)
        child.send("\x1b")
        time.sleep(0.3)
        step("vi writes", ":wq\r", PROMPT)
        step("file written", "cat /tmp/note\r", ["hello vi" + NL, PROMPT])
        user_session(step, child)
        child.send("poweroff\r")
        child.expect(pexpect.EOF, timeout=30)
    except (pexpect.TIMEOUT, pexpect.EOF):
        child.terminate(force=True)
        print(f"\nFAILED: {', '.join(failures)}")
        return 1
    print(f"\nboot to root's shell prompt (login included): {prompt_at:.2f} s wall")
    print("PASS: the shell answers on the console")
    return 0


if __name__ == "__main__":
    sys.exit(main())
