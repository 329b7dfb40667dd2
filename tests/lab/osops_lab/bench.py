"""What the benchmark scripts share: the status of the lab they measure."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LABCTL = Path(__file__).resolve().parents[1] / "labctl"


def running_lab(script: str) -> dict:
    """``labctl status --json`` of the lab the environment names; exit with a hint when it is not up."""
    res = subprocess.run([sys.executable, str(LABCTL), "status", "--json"], capture_output=True, text=True,
                         check=True)
    status = json.loads(res.stdout)
    if not status.get("up"):
        sys.exit(f"{script}: the lab is not up (labctl up --release 2025.1 first)")
    return status


def cpu_seconds() -> float:
    """The machine's busy CPU time so far, in core-seconds (every process, the lab's services included):
    /proc/stat's user, nice, system, irq, softirq and steal time of all CPUs."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    busy = sum(fields[:3]) + sum(fields[5:8])  # user nice system | idle iowait | irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


class ProcessCPU:
    """CPU time per command line of the processes that ran while it sampled /proc every ``interval`` seconds
    (a process that starts and ends between two samples is missed; one sampled late is counted from its
    start). ``with ProcessCPU() as sampled: ...`` then ``sampled.top(n)``."""

    def __init__(self, interval: float = 0.05):
        import threading
        self.interval, self.stop = interval, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.first: dict[tuple[str, str], float] = {}
        self.last: dict[tuple[str, str], tuple[float, str]] = {}
        self.tick = os.sysconf("SC_CLK_TCK")

    def _sample(self, into_first: bool) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    command = " ".join(cmdline.read().replace(b"\0", b" ").decode(errors="replace").split())
            except OSError:
                continue
            key = (pid, fields[19])  # pid and start time: a pid used again is another process
            used = (int(fields[11]) + int(fields[12])) / self.tick
            if into_first:
                self.first[key] = used
            self.last[key] = (used, command or self.last.get(key, (0.0, ""))[1])

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self._sample(False)

    def __enter__(self) -> "ProcessCPU":
        self._sample(True)
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join()
        self._sample(False)

    def top(self, count: int, width: int = 110) -> list[tuple[float, str]]:
        """The ``count`` command lines (cut to ``width``) that used the most CPU while sampled, with seconds."""
        by_command: dict[str, float] = {}
        for key, (used, command) in self.last.items():
            spent = used - self.first.get(key, 0.0)
            if spent > 0:
                by_command[command[:width]] = by_command.get(command[:width], 0.0) + spent
        return sorted(((spent, command) for command, spent in by_command.items()), reverse=True)[:count]
