#!/usr/bin/python3
"""`make bench`: Haneul and Linux side by side in the same emulator (issue 7).

Both systems boot in QEMU with the same command line (tools/qemu.py: -accel
tcg, -cpu max, the same -m and -smp, serial console) to a login shell on the
serial console, with the same busybox-static, the same /etc and the same
benchmark program, bench/haneul_bench.cpp, at /bench/haneul_bench:

  Haneul  its own ISO (GRUB, multiboot2) with bench/ laid over its root file
          system (tools/qemu.py --add), booting through its /sbin/init;
  Linux   Debian's kernel (the linux-image-amd64 package, fetched with
          `apt-get download` into BUILD/bench/linux, never installed),
          booted directly with -kernel/-initrd, `console=ttyS0 quiet`, and an
          initramfs made by tools/mkinitramfs.py whose /init is
          bench/linux/tree/init (mounts, /etc/rc, then the same login shell).

Each boot is timed from the host: QEMU start to the first user output (the
kernel's "running /sbin/init" line on Haneul, the first line of /init on
Linux) and to the shell prompt. At the prompt the harness types
`grep MemFree /proc/meminfo; /bench/haneul_bench --json ...; poweroff -f`.

Rounds interleave the systems (Linux, Haneul, Linux, Haneul...) so that a
change in host load hits both. Then, per -smp setting, a table of medians
and the ratio Haneul/Linux, BUILD/bench/results.json with every sample, and
BUILD/bench/ratios.png. --memory also finds, per system, the smallest -m
(binary search, 1 MiB steps) with which it boots and completes the benchmark
at a tiny scale.

--smoke is the CTest `bench.smoke`: Haneul only, one round, tiny scale, and
a check that the JSON is well formed and every line is a positive number or
says "unsupported" (no timing is judged).
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu  # noqa: E402

PROMPT = re.compile(r"haneul:\S*# ")
# Haneul's console asks for a login first (init runs getty and login); the
# boot counts as done at that prompt, and the harness logs in as root.
LOGIN = re.compile(r"login: ")
ROOT_PASSWORD = "haneul"  # user/rootfs/etc/shadow, shown in the banner
# Haneul's kernel logs this just before it enters user mode for PID 1.
HANEUL_USER_MARK = re.compile(r"init: running \S+ as PID 1")
LINUX_USER_MARK = re.compile(r"bench-init: user space started")
BENCH_LINE = re.compile(r"^BENCH (\{.*\})\s*$")
MEMFREE = re.compile(r"^MemFree:\s+(\d+) kB", re.M)
LINUX_CMDLINE = "console=ttyS0 quiet panic=-1"
SYSTEMS = ("linux", "haneul")


def log(text):
    print(text, flush=True)


# --- the two systems ---

def linux_kernel(out_dir):
    """Path of Debian's vmlinuz: the kernel package that linux-image-amd64
    depends on, downloaded (not installed) and only its vmlinuz taken out."""
    kdir = os.path.join(out_dir, "linux")
    os.makedirs(kdir, exist_ok=True)
    found = sorted(glob.glob(os.path.join(kdir, "boot", "vmlinuz-*")))
    if found:
        return found[-1]

    def real_package():
        depends = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True, text=True)
        m = re.search(r"Depends: (linux-image-\S+)", depends.stdout)
        return m.group(1) if m else None

    package = real_package()
    if package is None:
        # No package lists yet (a fresh machine): apt-get update needs root.
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-q"], check=True)
        package = real_package()
    if package is None:
        sys.exit("bench: apt-cache finds no kernel package behind linux-image-amd64")
    log(f"bench: fetching {package} (apt-get download, not installed)")
    for old in glob.glob(os.path.join(kdir, "*.deb")):
        os.unlink(old)
    subprocess.run(["apt-get", "download", "-q", package], cwd=kdir, check=True)
    deb = glob.glob(os.path.join(kdir, f"{package}_*.deb"))[0]
    # Only ./boot/vmlinuz-* out of the package: `dpkg-deb -x` would also
    # unpack ~400 MB of modules the initramfs-less boot never loads.
    members = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True).stdout
    names = subprocess.run(["tar", "-t"], input=members, capture_output=True, check=True).stdout.decode().split()
    wanted = [n for n in names if re.match(r"^\./boot/vmlinuz-", n)]
    if not wanted:
        sys.exit(f"bench: {deb} holds no boot/vmlinuz-*")
    subprocess.run(["tar", "-x", "--no-same-owner", "-C", kdir] + wanted, input=members, check=True)
    vmlinuz = os.path.join(kdir, wanted[0][2:])
    # Some Debian versions ship vmlinuz 0600 root: the copy unpacked here
    # belongs to whoever ran tar (--no-same-owner), who may make it readable.
    os.chmod(vmlinuz, 0o644)
    os.unlink(deb)
    return vmlinuz


def bench_binary(build):
    return os.path.join(build, "bench", "haneul_bench")


def stage_overlay(build, out_dir):
    """BUILD/bench/overlay/bench/haneul_bench (stripped): the directory
    laid over Haneul's root file system (qemu.py --add)."""
    overlay = os.path.join(out_dir, "overlay")
    os.makedirs(os.path.join(overlay, "bench"), exist_ok=True)
    target = os.path.join(overlay, "bench", "haneul_bench")
    subprocess.run(["strip", "--strip-all", "-o", target + ".new", bench_binary(build)], check=True)
    os.replace(target + ".new", target)
    return overlay


def linux_initramfs(build, out_dir):
    out = os.path.join(out_dir, "linux-initramfs.cpio")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mkinitramfs.py"), "--out", out,
                    "--busybox", "/bin/busybox",
                    "--tree", os.path.join(ROOT, "user", "rootfs"),
                    "--tree", os.path.join(ROOT, "bench", "linux", "tree"),
                    "--strip", "--file", f"bench/haneul_bench={bench_binary(build)}",
                    "--manifest", os.path.join(ROOT, "user", "rootfs.list"),
                    "--manifest", os.path.join(ROOT, "bench", "linux", "rootfs.list")], check=True)
    return out


class Systems:
    """What booting each system takes: Haneul's ISO, Linux's kernel and
    initramfs. Built once per harness run."""

    def __init__(self, build, out_dir, wanted):
        self.build = build
        self.haneul_iso = None
        self.vmlinuz = self.initrd = None
        if "haneul" in wanted:
            overlay = stage_overlay(build, out_dir)
            self.haneul_iso = qemu.iso_for(build, "", overlay)
        if "linux" in wanted:
            self.vmlinuz = linux_kernel(os.path.join(build, "bench"))  # shared by every --out
            self.initrd = linux_initramfs(build, out_dir)

    def command(self, system, mem, smp):
        """QEMU's command line: tools/qemu.py's for both; Linux trades the
        CD-ROM for -kernel/-initrd/-append."""
        iso = self.haneul_iso or "unused.iso"
        cmd = qemu.qemu_command(iso, mem=mem, smp=smp)
        if system == "haneul":
            return cmd
        keep = []
        skip = 0
        for i, word in enumerate(cmd):
            if skip:
                skip -= 1
                continue
            if word in ("-device", "-drive", "-boot") and i + 1 < len(cmd) and (
                    "ahci" in cmd[i + 1] or "ide-cd" in cmd[i + 1] or "media=cdrom" in cmd[i + 1]
                    or word == "-boot"):
                skip = 1
                continue
            keep.append(word)
        return keep + ["-kernel", self.vmlinuz, "-initrd", self.initrd, "-append", LINUX_CMDLINE]


# --- one boot ---

def boot_and_bench(systems, system, mem, smp, bench_args, timeout, verbose=False):
    """Boots `system`, times its boot, runs haneul_bench at the prompt.
    Returns a dict: ok, why (if not), boot times, MemFree, results."""
    import pexpect  # python3-pexpect (tools/deps.sh)

    cmd = systems.command(system, mem, smp)
    run = {"system": system, "mem": mem, "smp": smp, "ok": False}
    started = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], timeout=timeout, encoding="utf-8", codec_errors="replace",
                          maxread=65536, searchwindowsize=4096)
    if verbose:
        child.logfile_read = sys.stdout
    user_mark = HANEUL_USER_MARK if system == "haneul" else LINUX_USER_MARK
    transcript = []
    try:
        # A kernel that panics first (too little memory) ends the boot early.
        panic = re.compile(r"KERNEL PANIC|Kernel panic|Out of memory")
        index = child.expect([user_mark, PROMPT, panic, pexpect.EOF, LOGIN])
        transcript.append(child.before + (child.after if isinstance(child.after, str) else ""))
        if index in (2, 3):
            run["why"] = "panic before user space" if index == 2 else "QEMU exited before user space"
            return run
        run["user_s"] = time.monotonic() - started
        login_first = index == 4
        if index == 0:
            index = child.expect([PROMPT, panic, pexpect.EOF, LOGIN])
            transcript.append(child.before + (child.after if isinstance(child.after, str) else ""))
            if index not in (0, 3):
                run["why"] = "no shell prompt"
                return run
            login_first = index == 3
        run["prompt_s"] = time.monotonic() - started
        if login_first:
            child.send("root\r")
            child.expect([r"[Pp]assword: "])
            child.send(ROOT_PASSWORD + "\r")
            if child.expect([PROMPT, panic, pexpect.EOF]) != 0:
                run["why"] = "login as root failed"
                return run
        command = f"grep MemFree /proc/meminfo; /bench/haneul_bench --json {bench_args}; poweroff -f"
        child.send(command + "\r")
        index = child.expect([r"BENCH-END", panic, pexpect.EOF])
        transcript.append(child.before)
        if index != 0:
            run["why"] = "the benchmark did not finish"
            return run
        run["bench_s"] = time.monotonic() - started - run["prompt_s"]
        text = child.before
        m = MEMFREE.search(text)
        if m:
            run["memfree_kb"] = int(m.group(1))
        results = {}
        for line in text.splitlines():
            bm = BENCH_LINE.match(line.strip("\r"))
            if bm:
                try:
                    entry = json.loads(bm.group(1))
                    results[entry.pop("name")] = entry
                except (ValueError, KeyError):
                    run.setdefault("garbled", []).append(line)
        run["results"] = results
        run["ok"] = True
        child.expect([pexpect.EOF], timeout=60)
    except pexpect.TIMEOUT:
        run["why"] = f"timeout after {timeout} s"
        transcript.append(child.before or "")
    finally:
        if child.isalive():
            child.terminate(force=True)
        run["wall_s"] = time.monotonic() - started
        if not run["ok"]:
            run["tail"] = "".join(transcript)[-1500:]
    return run


# --- summaries ---

def median_results(runs, system, smp):
    """name -> (median value, unit, state) over the successful runs."""
    values, units, states = {}, {}, {}
    for run in runs:
        if run["system"] != system or run["smp"] != smp or not run.get("ok"):
            continue
        for name, entry in run["results"].items():
            if "value" in entry:
                values.setdefault(name, []).append(entry["value"])
                units[name] = entry["unit"]
            else:
                states.setdefault(name, next(k for k in ("unsupported", "skipped", "error") if k in entry))
    out = {}
    for name in set(values) | set(states):
        if name in values:
            out[name] = (statistics.median(values[name]), units[name], None)
        else:
            out[name] = (None, None, states[name])
    return out


def slowdown(haneul, linux, unit):
    """How many times slower Haneul is: time per op over time per op, or
    Linux's bandwidth over Haneul's (so > 1 always means Haneul is slower)."""
    if unit == "MB/s":
        return linux / haneul
    return haneul / linux


def summarize(runs, smps, order):
    summary = {}
    for smp in smps:
        linux = median_results(runs, "linux", smp)
        haneul = median_results(runs, "haneul", smp)
        rows = {}
        for name in order:
            if name not in linux and name not in haneul:
                continue
            lv, lunit, lstate = linux.get(name, (None, None, "not run"))
            hv, hunit, hstate = haneul.get(name, (None, None, "not run"))
            row = {"unit": lunit or hunit, "linux": lv, "haneul": hv}
            if lstate:
                row["linux_state"] = lstate
            if hstate:
                row["haneul_state"] = hstate
            if lv and hv:
                row["ratio"] = slowdown(hv, lv, row["unit"])
            rows[name] = row
        for key in ("user_s", "prompt_s", "memfree_kb"):
            lvals = [r[key] for r in runs if r["system"] == "linux" and r["smp"] == smp and key in r and r["ok"]]
            hvals = [r[key] for r in runs if r["system"] == "haneul" and r["smp"] == smp and key in r and r["ok"]]
            row = {"unit": {"user_s": "s", "prompt_s": "s", "memfree_kb": "KiB"}[key],
                   "linux": statistics.median(lvals) if lvals else None,
                   "haneul": statistics.median(hvals) if hvals else None}
            if row["linux"] and row["haneul"] and key != "memfree_kb":
                row["ratio"] = row["haneul"] / row["linux"]
            rows["boot_" + key if key != "memfree_kb" else "memfree_after_boot"] = row
        summary[str(smp)] = rows
    return summary


def format_value(value, unit, state):
    if value is None:
        return state or "-"
    if unit == "ns/op":
        if value >= 1e6:
            return f"{value / 1e6:.2f} ms"
        return f"{value / 1000:.2f} µs" if value >= 1000 else f"{value:.0f} ns"
    if unit == "MB/s":
        return f"{value:.0f} MB/s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "KiB":
        return f"{value / 1024:.1f} MiB"
    return f"{value:g} {unit}"


def table(summary, smp):
    lines = [f"-smp {smp}", "| benchmark | Linux (median) | Haneul (median) | Haneul/Linux |", "|---|---|---|---|"]
    for name, row in summary[str(smp)].items():
        ratio = f"{row['ratio']:.2f}x" if "ratio" in row else "-"
        lines.append(f"| {name} | {format_value(row['linux'], row['unit'], row.get('linux_state'))} | "
                     f"{format_value(row['haneul'], row['unit'], row.get('haneul_state'))} | {ratio} |")
    return "\n".join(lines)


def chart(summary, smps, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("bench: no matplotlib (python3-matplotlib): no chart")
        return False
    names = []
    for smp in smps:
        for name, row in summary[str(smp)].items():
            if "ratio" in row and name not in names:
                names.append(name)
    if not names:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(names) + 1.6))
    height = 0.8 / len(smps)
    for k, smp in enumerate(smps):
        rows = summary[str(smp)]
        ys = [i + k * height for i in range(len(names))]
        ratios = [rows.get(n, {}).get("ratio", 0) for n in names]
        bars = ax.barh(ys, ratios, height=height, label=f"-smp {smp}")
        for y, r in zip(ys, ratios):
            if r:
                ax.text(r, y, f" {r:.2f}", va="center", fontsize=7)
        del bars
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks([i + height * (len(smps) - 1) / 2 for i in range(len(names))])
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xlabel("Haneul / Linux (time per operation; > 1: Haneul slower)")
    ax.set_title("Haneul vs Linux 6.1 (Debian), same QEMU TCG machine, medians")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- memory ---

def smallest_memory(systems, system, low, high, scale, timeout, probes):
    """Binary search in MiB for the smallest -m that boots `system` and
    completes the benchmark at `scale` without an error line."""

    def works(mib):
        run = boot_and_bench(systems, system, f"{mib}M", 1, f"--scale {scale}", timeout)
        good = run["ok"] and not any("error" in e for e in run["results"].values())
        probes.append({"system": system, "mib": mib, "ok": good, "memfree_kb": run.get("memfree_kb"),
                       "why": run.get("why") or ("" if good else "a benchmark failed"),
                       "errors": {n: e["error"] for n, e in run.get("results", {}).items() if "error" in e}})
        log(f"bench: memory {system} -m {mib}M: {'ok' if good else 'fails (' + probes[-1]['why'] + ')'}")
        return good

    if not works(high):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        if works(mid):
            high = mid
        else:
            low = mid
    return high


# --- main ---

def host_facts():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    qemu_version = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    return {"qemu": qemu_version, "host_cpu": cpu, "host_cpus": os.cpu_count(), "host": platform.platform(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def check_smoke(data):
    """bench.smoke's verdict: the JSON parses back, one run finished, and
    every benchmark gave a positive number or declared itself unsupported
    or skipped."""
    problems = []
    data = json.loads(json.dumps(data))
    runs = data["runs"]
    if not runs or not all(r["ok"] for r in runs):
        problems.append("a boot did not complete: " + "; ".join(r.get("why", "") for r in runs))
    for run in runs:
        results = run.get("results", {})
        if len(results) < 10:
            problems.append(f"only {len(results)} benchmark lines")
        for name, entry in results.items():
            if "value" in entry:
                if not (isinstance(entry["value"], (int, float)) and entry["value"] > 0):
                    problems.append(f"{name}: value {entry['value']!r} is not positive")
                if not (isinstance(entry.get("iterations"), int) and entry["iterations"] > 0):
                    problems.append(f"{name}: no iteration count")
                if entry.get("unit") not in ("ns/op", "MB/s"):
                    problems.append(f"{name}: unit {entry.get('unit')!r}")
            elif not ("unsupported" in entry or "skipped" in entry):
                problems.append(f"{name}: {entry}")
        for key in ("user_s", "prompt_s", "memfree_kb"):
            if not run.get(key, 0) > 0:
                problems.append(f"no {key}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", help="results directory (default BUILD/bench)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--mem", default="128M")
    parser.add_argument("--smp", default="1,2", help="comma-separated -smp settings")
    parser.add_argument("--systems", default="linux,haneul")
    parser.add_argument("--only", help="haneul_bench --only: the benchmarks to run (comma-separated)")
    parser.add_argument("--memory", action="store_true", help="also search the smallest -m per system")
    parser.add_argument("--memory-scale", type=float, default=0.02)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds per boot (Haneul at -smp 2 took 300 on a host loaded 20-30)")
    parser.add_argument("--smoke", action="store_true", help="CTest bench.smoke: Haneul, 1 round, tiny scale")
    parser.add_argument("--verbose", action="store_true", help="copy the serial consoles here")
    args = parser.parse_args()

    if args.smoke:
        args.systems, args.rounds, args.scale, args.smp, args.memory = "haneul", 1, 0.02, "1", False
        args.timeout = 100
    build = os.path.abspath(args.build)
    out_dir = os.path.abspath(args.out or os.path.join(build, "bench"))
    os.makedirs(out_dir, exist_ok=True)
    if not os.path.exists(bench_binary(build)):
        sys.exit(f"bench: {bench_binary(build)} is missing: build first (cmake --build {args.build})")
    wanted = [s for s in args.systems.split(",") if s]
    smps = [int(s) for s in args.smp.split(",") if s]
    systems = Systems(build, out_dir, wanted)
    bench_args = f"--scale {args.scale}" + (f" --only {args.only}" if args.only else "")
    order = subprocess.run([bench_binary(build), "--list"], capture_output=True, text=True,
                           check=True).stdout.split()
    data = {**host_facts(), "load_before": os.getloadavg(),
            "settings": {"rounds": args.rounds, "scale": args.scale, "only": args.only, "mem": args.mem, "smp": smps,
                         "systems": wanted, "qemu_command": {s: systems.command(s, args.mem, smps[0])
                                                             for s in wanted},
                         "linux_kernel": os.path.basename(systems.vmlinuz) if systems.vmlinuz else None,
                         "linux_cmdline": LINUX_CMDLINE},
            "runs": []}

    results = os.path.join(out_dir, "results.json")

    def save(data):
        with open(results + ".new", "w") as f:
            json.dump(data, f, indent=1)
        os.replace(results + ".new", results)

    for smp in smps:
        for round_ in range(args.rounds):
            for system in wanted:
                run = boot_and_bench(systems, system, args.mem, smp, bench_args, args.timeout,
                                     args.verbose)
                run["round"] = round_
                data["runs"].append(run)
                state = "ok" if run["ok"] else "FAILED: " + run.get("why", "")
                log(f"bench: -smp {smp} round {round_ + 1}/{args.rounds} {system}: {state} "
                    f"(prompt {run.get('prompt_s', 0):.2f} s, benchmark {run.get('bench_s', 0):.1f} s)")
                if not run["ok"]:
                    log(run.get("tail", ""))
                save(data)  # every sample so far, should a later boot hang the host

    if args.memory:
        data["memory"] = {"scale": args.memory_scale, "probes": []}
        for system in wanted:
            data["memory"][system] = smallest_memory(systems, system, 4, 256, args.memory_scale, 180,
                                                     data["memory"]["probes"])
    data["load_after"] = os.getloadavg()
    data["summary"] = summarize(data["runs"], smps, order)

    save(data)
    for smp in smps:
        log(table(data["summary"], smp))
        log("")
    if args.memory:
        for system in wanted:
            mib = data["memory"][system]
            log(f"smallest -m for {system}: {mib} MiB" if mib else f"{system}: no -m up to 256 MiB worked")
    log(f"bench: host load {data['load_before'][0]:.1f} before, {data['load_after'][0]:.1f} after; "
        f"every sample in {results}")
    if len(wanted) == 2 and chart(data["summary"], smps, os.path.join(out_dir, "ratios.png")):
        log(f"bench: chart {os.path.join(out_dir, 'ratios.png')}")

    if args.smoke:
        problems = check_smoke(data)
        for p in problems:
            log("bench.smoke: " + p)
        if problems:
            for run in data["runs"]:
                log(run.get("tail", ""))
        log(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
        return 1 if problems else 0
    # A round lost to a timeout leaves the others' medians: fail only when
    # some system and -smp setting has no sample at all.
    return 0 if all(any(r["ok"] for r in data["runs"] if r["system"] == s and r["smp"] == smp)
                    for s in wanted for smp in smps) else 1


if __name__ == "__main__":
    sys.exit(main())
