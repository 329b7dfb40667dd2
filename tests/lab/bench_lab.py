#!/usr/bin/env python
"""Figures of the lab: up time cold and warm, down time, total RSS of a running lab.

Usage: ``tests/lab/bench_lab.py [--release 2025.1] [--cold]``

``--cold`` first builds the lab from an empty cache (a fresh ``OSOPS_LAB_CACHE`` under /tmp, so no
venv, no pip cache, no uWSGI wheel), the way a fresh CI runner or clone does; the temporary cache
is removed afterwards. Warm runs use the normal cache. Goals: cold up <= 8 min, warm up <= 2 min,
down <= 30 s, RSS <= 2.5 GiB.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABCTL = HERE / "labctl"
GOALS = {"cold up": 8 * 60, "warm up": 2 * 60, "down": 30}
RSS_GOAL_GIB = 2.5


def labctl(env: dict[str, str], *args: str) -> float:
    """Run labctl; return its wall time; stop the benchmark when it fails."""
    start = time.monotonic()
    res = subprocess.run([sys.executable, str(LABCTL), *args], env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"labctl {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return time.monotonic() - start


def lab_home(env: dict[str, str]) -> Path:
    """The lab home labctl uses with ``env``."""
    cache = Path(env.get("OSOPS_LAB_CACHE", Path.home() / ".cache" / "osops-lab"))
    return Path(env.get("OSOPS_LAB_HOME", cache / "run")).resolve()


def lab_rss(home: Path) -> tuple[int, int]:
    """(process count, total RSS in bytes) of every process of the lab."""
    marker = f"OSOPS_LAB_MEMBER={home}".encode()
    count = total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            total += int((entry / "statm").read_text().split()[1]) * page
            count += 1
        except OSError:
            continue
    return count, total


def report(name: str, seconds: float) -> None:
    """One timing line with its goal."""
    goal = GOALS.get(name)
    verdict = "" if goal is None else (" (goal <= %d s: %s)" % (goal, "met" if seconds <= goal else "MISSED"))
    print(f"{name:<10} {seconds:7.1f} s{verdict}", flush=True)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", default="2025.1")
    parser.add_argument("--cold", action="store_true", help="also measure a build from an empty cache")
    args = parser.parse_args()
    env = dict(os.environ)
    print(f"release {args.release}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    labctl(env, "down")
    if args.cold:
        cold_cache = Path(tempfile.mkdtemp(prefix="osops-lab-cold-"))
        cold_env = dict(env, OSOPS_LAB_CACHE=str(cold_cache))
        try:
            report("cold up", labctl(cold_env, "up", "--release", args.release))
            report("down", labctl(cold_env, "down"))
        finally:
            labctl(cold_env, "down")
            shutil.rmtree(cold_cache, ignore_errors=True)
    labctl(env, "install", "--release", args.release)
    report("warm up", labctl(env, "up", "--release", args.release))
    report("idle up", labctl(env, "up", "--release", args.release))
    count, rss = lab_rss(lab_home(env))
    gib = rss / 2**30
    print(f"RSS        {gib:7.2f} GiB over {count} processes (goal <= {RSS_GOAL_GIB} GiB: "
          f"{'met' if gib <= RSS_GOAL_GIB else 'MISSED'})", flush=True)
    report("down", labctl(env, "down"))


if __name__ == "__main__":
    main()
