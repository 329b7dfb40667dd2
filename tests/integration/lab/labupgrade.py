"""Helpers of the upgrade scenarios on the lab: what runs on the hosts, read without the collection."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.cloud import ensure_image_and_flavor  # noqa: E402  (the lab's image and flavor)
sys.dont_write_bytecode = _bytecode


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


# --- the whole-lab upgrade scenarios (test_upgrade_lab.py, tests/chaos) ---

BIN = Path(sys.executable).parent
SOURCE, TARGET = "2025.1", "2026.1"
VENVS = "/openstack/venvs"
# The lab's venvs of each release (labctl builds them; the release data knows the newest of each series).
VERSIONS = {
    SOURCE: {"keystone": "27.1.0", "glance": "30.2.0", "placement": "13.0.1", "nova": "31.3.1", "neutron": "26.0.6"},
    TARGET: {"keystone": "29.1.0", "glance": "32.0.0", "placement": "15.0.0", "nova": "33.0.2", "neutron": "28.0.2"},
}
SERVICE_VERSION = {SOURCE: 68, TARGET: 72}
# program@host -> its project, for every service the upgrade switches
PROGRAMS = (("controller", "keystone", "keystone"), ("controller", "glance", "glance"),
            ("controller", "placement", "placement"), ("controller", "nova-conductor", "nova"),
            ("controller", "nova-scheduler", "nova"), ("controller", "nova-api", "nova"),
            ("controller", "neutron", "neutron"), ("compute1", "nova-compute", "nova"),
            ("compute2", "nova-compute", "nova"))


def command(cloud, playbook: str, extra: dict | None = None, *options: str) -> list[str]:
    return [str(BIN / "ansible-playbook"), "-i", cloud["status"]["inventory"], *options,
            "-e", json.dumps({**cloud["vars"], **(extra or {})}), f"osops.lifecycle.{playbook}"]


def play(cloud, playbook: str, extra: dict | None = None, expect_rc: int | tuple[int, ...] = 0, *options: str) -> str:
    """Run a playbook of the collection by FQCN; its output (the test fails on another exit code)."""
    proc = subprocess.run(command(cloud, playbook, extra, *options), env=cloud["env"], capture_output=True, text=True,
                          check=False, timeout=1200)
    out = proc.stdout + proc.stderr
    (cloud["work"] / f"{playbook}-{time.monotonic():.0f}.log").write_text(out)
    assert proc.returncode in ((expect_rc,) if isinstance(expect_rc, int) else expect_rc), out[-6000:]
    return out


def start(cloud, playbook: str, extra: dict | None = None) -> subprocess.Popen:
    """A playbook in the background, in its own process group (``kill`` ends its whole process tree)."""
    log = open(cloud["work"] / f"{playbook}-bg-{time.monotonic():.0f}.log", "w")
    return subprocess.Popen(command(cloud, playbook, extra), env=cloud["env"], stdout=log, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def steps(cloud, upgrade_id: str) -> list[dict]:
    """The upgrade's steps as the store holds them (read with sqlite3, not the collection)."""
    with sqlite3.connect(f"file:{cloud['store']}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(
            "SELECT position, phase, service, host, action, status, detail, error FROM upgrade_steps "
            "WHERE upgrade_id = ? ORDER BY position", (upgrade_id,))]


def upgrades(cloud) -> list[dict]:
    with sqlite3.connect(f"file:{cloud['store']}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT id, status, error FROM upgrades ORDER BY created_at")]


def wait_step(lab, cloud, proc, what: str, match) -> dict:
    """Poll the store until a step matching ``match`` is running; the play must still run."""
    def found():
        assert proc.poll() is None, f"the play ended (rc {proc.returncode}) before {what}"
        if not cloud["store"].exists() or not upgrades(cloud):
            return None
        current = upgrades(cloud)[-1]
        return next((s for s in steps(cloud, current["id"]) if s["status"] == "running" and match(s)), None)
    return lab.wait_for(what, found, 600, interval=0.2)


def kill(proc) -> None:
    """The controller crashes: ansible-playbook and every process under it (its workers, their modules)."""
    kill_tree(proc.pid)
    proc.wait(timeout=60)


def running_versions(lab) -> dict[str, str]:
    """``program@host`` -> the version of the venv its main process runs from (its command line)."""
    lines = venvs_running(lab, tuple((host, name) for host, name, _project in PROGRAMS))
    found = {}
    for host, name, project in PROGRAMS:
        line = lines[f"{name}@{host}"]
        found[f"{name}@{host}"] = next((v for v in (VERSIONS[SOURCE][project], VERSIONS[TARGET][project])
                                        if f"{VENVS}/{project}-{v}/" in line), line)
    return found


def running_version(lab, host: str, name: str) -> str:
    """The version of the venv one program's main process runs from (its command line)."""
    project = next(project for h, n, project in PROGRAMS if (h, n) == (host, name))
    line = venvs_running(lab, ((host, name),))[f"{name}@{host}"]
    return next((v for v in (VERSIONS[SOURCE][project], VERSIONS[TARGET][project]) if f"{VENVS}/{project}-{v}/" in line),
                line)


def at(release: str) -> dict[str, str]:
    return {f"{name}@{host}": VERSIONS[release][project] for host, name, project in PROGRAMS}


def boot(lab, conn, name: str) -> str:
    image_id, flavor_id = ensure_image_and_flavor(conn)
    server = conn.compute.create_server(name=name, image_id=image_id, flavor_id=flavor_id, networks="none")

    def active():
        now = conn.compute.get_server(server.id)
        assert now.status != "ERROR", f"{name} went to ERROR: {now.fault}"
        return now.status == "ACTIVE" and now
    return lab.wait_for(f"{name} ACTIVE", active, 180).id


def live_migrate(lab, conn, server_id: str) -> None:
    """Live-migrate to the other compute (the scheduler picks it); wait until it is ACTIVE there."""
    before = conn.compute.get_server(server_id).compute_host
    conn.compute.live_migrate_server(server_id, host=None, block_migration="auto")

    def moved():
        now = conn.compute.get_server(server_id)
        assert now.status != "ERROR", f"live migration failed: {now.fault}"
        return now.status == "ACTIVE" and now.task_state is None and now.compute_host != before
    lab.wait_for(f"live migration of {server_id} off {before}", moved, 180)


def drop_host(lab, host: str) -> None:
    """``host`` drops off as the controller sees it: its sshd stopped and every SSH session on it ended
    (which ends the controller's multiplexed connections to it too). Its services go on running."""
    lab.labctl("stop", "sshd", "--host", host)
    supervisord = next(h["supervisord_pid"] for h in lab.status()["hosts"] if h["name"] == host)
    namespace = os.readlink(f"/proc/{supervisord}/ns/uts")  # each lab host has its own UTS namespace
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "sshd" \
                    and os.readlink(entry / "ns" / "uts") == namespace:
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            pass  # gone meanwhile


def restore_host(lab, host: str) -> None:
    """``host`` answers SSH again."""
    lab.labctl("start", "sshd", "--host", host)
