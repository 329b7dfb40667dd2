"""Helpers of the upgrade scenarios on the lab: what runs on the hosts, read without the collection."""
from __future__ import annotations

from pathlib import Path


def program(status: dict, host: str, name: str) -> dict:
    """One supervisord program of a lab host, as labctl status reports it."""
    return next(h for h in status["hosts"] if h["name"] == host)["programs"][name]


def cmdline(pid: int) -> str:
    """A process's command line, read from /proc (the lab's hosts share this machine's pid namespace)."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def venvs_running(lab, programs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """``program@host`` -> the command line of its main process, for each (host, program) of ``programs``."""
    status = lab.status()
    found = {}
    for host, name in programs:
        prog = program(status, host, name)
        assert prog["state"] == "RUNNING", (host, name, prog)
        found[f"{name}@{host}"] = cmdline(prog["pid"])
    return found


def main_pids(lab) -> dict[str, int]:
    """``program@host`` -> main pid of every program of the lab."""
    return {f"{name}@{host['name']}": prog["pid"] for host in lab.status()["hosts"]
            for name, prog in host["programs"].items()}


def issue_token(lab) -> str:
    """A fresh password authentication against keystone (a new connection, no cached token)."""
    conn = lab.connect()
    return conn.session.get_token()


def nova_versions(lab) -> dict[str, int]:
    """``binary@host`` -> the service version nova's database records (read with SQL)."""
    rows = lab.mysql("SELECT `binary`, host, version FROM nova.services WHERE deleted = 0")
    return {f"{b}@{h}": int(v) for b, h, v in (r.split("\t") for r in rows.splitlines() if r)}
