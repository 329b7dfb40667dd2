"""Helpers of the upgrade scenarios on the lab: what runs on the hosts, read without the collection."""
from __future__ import annotations

import os
import signal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def playbook_cloud(status: dict, work: Path, schema_checks: bool = False, **env_extra: str) -> dict:
    """What the scenarios run the collection's playbooks with: the lab's ``status``, a ``work`` dir
    with the store, ansible-playbook's environment (the collection by its link tree, the lab's
    clouds.yaml and no other OS_ variable, host keys checked; ``env_extra`` on top) and the playbooks'
    variables for the lab's cluster and store. The readiness checks' schema checks (~12 s a run) only
    with ``schema_checks`` (test_upgrade_lab.py; test_opchecks_lab.py has their own scenario)."""
    store = work / "store.db"
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_LOCAL_TEMP=str(work / "tmp"), PYTHONWARNINGS="ignore",
               **env_extra)
    for key in [k for k in env if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        del env[key]
    return {"status": status, "work": work, "store": store, "env": env,
            "vars": {"osops_upgrade_cluster": "lab", "osops_upgrade_store": f"sqlite:///{store}",
                     "osops_upgrade_report_dir": str(work / "reports"),
                     "osops_check_cloud": "lab", "osops_discover_cluster": "lab",
                     "osops_discover_method": "openstack_api", "osops_discover_cloud": "lab",
                     "osops_discover_host_versions": True, "osops_discover_store": f"sqlite:///{store}",
                     **({} if schema_checks else {"osops_check_schema_projects": []})}}


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


def kill_tree(pid: int) -> None:
    """SIGKILL process ``pid`` and every process descended from it, as a crash of the controller ends them.

    ansible-core's workers call setsid(): they are not in ansible-playbook's process group, so a killpg of
    it leaves them - and the modules they run on the controller - running on after their play died. Freeze
    the tree with SIGSTOP until no new process joins it, then SIGKILL every member."""
    def tree() -> set[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, todo = set(), [pid]
        while todo:
            member = todo.pop()
            if member not in found:
                found.add(member)
                todo.extend(children.get(member, []))
        return found

    stopped: set[int] = set()
    while new := tree() - stopped:
        for member in new:
            try:
                os.kill(member, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped |= new
    for member in stopped:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
