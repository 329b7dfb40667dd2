"""Rolling upgrades of the whole lab with the playbooks an operator runs, 2025.1 -> 2026.1 (SLURP).

Real keystone, glance, placement, nova (conductor, scheduler, API, two computes) and neutron, on
RabbitMQ and MariaDB, instances booted first; the playbooks run with ansible-playbook over SSH, and
what runs on the hosts is read independently of the collection: the command lines of the services'
processes under /proc, nova's ``services`` rows with SQL, keystone tokens and servers through
openstacksdk. One lab, two upgrades:

1. ``upgrade.yml``, SIGKILLed inside a control step (nova-conductor's restart) and continued with
   ``upgrade_continue.yml``; cancelled from a second process during the compute phase: the running
   batch finishes, the upgrade is cancelled, and the cloud works at two versions (it boots an
   instance). ``upgrade_status.yml`` says where it stopped. ``upgrade_rollback.yml`` is refused before
   anything changes, naming that instance (2025.1's code cannot read what 2026.1 wrote for it); with
   ``osops_upgrade_rollback_ignore_newer_records`` (in check mode) it names it and goes on; deleted,
   ``upgrade_rollback.yml`` then takes every
   service back to its 2025.1 venv on the expanded schemas: keystone issues tokens, nova reports 2025.1's
   service version everywhere, and an instance boots and live-migrates.
2. ``upgrade.yml`` again (a new upgrade, the cluster being back at 2025.1), paused from a second
   process during the compute phase (the play stops after its running batch), continued, SIGKILLed
   inside the next compute batch (compute2's), continued with ``upgrade_continue.yml``, SIGKILLed
   inside finalize and continued: completed, every step done, nova's control services restarted by
   finalize (the RPC pin lifts), every service at 2026.1 and nova's
   service versions at 2026.1's, instances ACTIVE and live-migratable, the readiness checks after the
   upgrade without a new Warning; a rollback is refused now that finalize ran.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labupgrade import issue_token, kill_tree, main_pids, nova_versions, playbook_cloud, venvs_running

from ansible_collections.osops.lifecycle.tests.integration.report_page import assert_page_matches_store

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.cloud import ensure_image_and_flavor  # noqa: E402  (the lab's image and flavor)
sys.dont_write_bytecode = _bytecode

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


@pytest.fixture(scope="module")
def cloud(lab, tmp_path_factory):
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    status = lab.status()
    return playbook_cloud(status, tmp_path_factory.mktemp("upgrade"), schema_checks=True,
                          # as the README sets it up: the readiness steps print their tables
                          ANSIBLE_CALLBACKS_ENABLED="osops.lifecycle.check_table")


def command(cloud, playbook: str, extra: dict | None = None, *options: str) -> list[str]:
    return [str(BIN / "ansible-playbook"), "-i", cloud["status"]["inventory"], *options,
            "-e", json.dumps({**cloud["vars"], **(extra or {})}), f"osops.lifecycle.{playbook}"]


def play(cloud, playbook: str, extra: dict | None = None, expect_rc: int = 0, *options: str) -> str:
    """Run a playbook of the collection by FQCN; its output (the test fails on another exit code)."""
    proc = subprocess.run(command(cloud, playbook, extra, *options), env=cloud["env"], capture_output=True, text=True,
                          check=False, timeout=1200)
    out = proc.stdout + proc.stderr
    (cloud["work"] / f"{playbook}-{time.monotonic():.0f}.log").write_text(out)
    assert proc.returncode == expect_rc, out[-6000:]
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


def test_cancel_rollback_then_pause_kill_continue_complete(lab, cloud, record_property):
    conn = lab.connect()
    first = [boot(lab, conn, f"upgrade-lab-{i}") for i in range(2)]
    assert running_versions(lab) == at(SOURCE)
    play(cloud, "discover")
    extra = {"osops_upgrade_target_release": TARGET, "osops_upgrade_target_versions": VERSIONS[TARGET]}

    # --- 1. killed inside nova-conductor's restart, continued; cancelled in the compute phase ---
    started = time.monotonic()
    proc = start(cloud, "upgrade", extra)
    step = wait_step(lab, cloud, proc, "nova-conductor's restart",
                     lambda s: s["phase"] == "control" and s["action"] == "restart"
                     and json.loads(s["detail"])["binary"] == "nova-conductor")
    kill(proc)
    (upgrade,) = upgrades(cloud)
    assert upgrade["status"] == "running"  # a crash leaves it as it was: nobody paused or failed it
    cut_short = [s["position"] for s in steps(cloud, upgrade["id"]) if s["status"] == "running"]
    assert step["position"] in cut_short
    conductor_at_kill = (main_pids(lab)["nova-conductor@controller"],
                         running_versions(lab)["nova-conductor@controller"])

    proc = start(cloud, "upgrade_continue")
    wait_step(lab, cloud, proc, "the compute phase", lambda s: s["phase"] == "compute")
    cancelled = play(cloud, "upgrade_cancel")
    assert proc.wait(timeout=600) == 0
    history = steps(cloud, upgrade["id"])
    assert upgrades(cloud)[0]["status"] == "cancelled", cancelled
    assert all(s["status"] == "done" for s in history if s["position"] in cut_short)
    compute = [s for s in history if s["phase"] == "compute"]
    # the running batch (compute1) finished; compute2's never started
    assert {s["status"] for s in compute if s["host"] == "compute1"} == {"done"}
    assert {s["status"] for s in compute if s["host"] == "compute2"} == {"pending"}
    mixed = running_versions(lab)
    assert mixed == {**at(TARGET), "nova-compute@compute2": VERSIONS[SOURCE]["nova"]}, mixed
    versions = nova_versions(lab)
    assert versions["nova-compute@compute1"] == SERVICE_VERSION[TARGET], versions
    assert versions["nova-compute@compute2"] == SERVICE_VERSION[SOURCE], versions
    if conductor_at_kill[1] == VERSIONS[TARGET]["nova"]:
        # killed once the restart had happened: continuing redid the step without restarting it again
        assert main_pids(lab)["nova-conductor@controller"] == conductor_at_kill[0]
    mixed_server = boot(lab, conn, "upgrade-lab-mixed")  # the cloud works at two versions (RPC pin)
    status = play(cloud, "upgrade_status")
    assert re.search(r"\| status +\| cancelled +\|", status) and re.search(
        r"\| nova +\| 31\.3\.1 on 1 host, 33\.0\.2 on 2 hosts +\|", status), status
    # A server the 2026.1 control plane created carries records in 2026.1's object versions (its request
    # spec's ImageMetaProps 1.42), which 2025.1's code cannot read (docs/upgrades.md): the rollback is refused
    # before anything changes, naming it; once it is deleted, the rollback runs.
    refused = play(cloud, "upgrade_rollback", expect_rc=2)
    assert "refused before anything changed (it stays cancelled)" in refused, refused[-4000:]
    assert (f"server {mixed_server} (upgrade-lab-mixed, cell1) request_specs.spec: ImageMetaProps 1.42 at "
            "spec.image.properties (nova 31.3.1 reads up to 1.39)") in refused, refused[-4000:]
    assert "osops.lifecycle.upgrade_continue" in refused and "osops_upgrade_rollback_ignore_newer_records" in refused
    assert not any(server in refused for server in first), refused[-4000:]  # the servers from before are readable
    assert upgrades(cloud)[0]["status"] == "cancelled"
    assert steps(cloud, upgrade["id"]) == history  # no step moved
    assert running_versions(lab) == mixed  # nothing switched
    # osops_upgrade_rollback_ignore_newer_records turns the refusal into a notice naming the server (in check
    # mode here: a rollback that leaves that server unreadable would break the rest of this scenario)
    anyway = play(cloud, "upgrade_rollback", {"osops_upgrade_rollback_ignore_newer_records": True}, 0, "--check")
    assert ("Rolling back although the nova code it goes back to cannot read the records of "
            f"{mixed_server}") in anyway, anyway[-4000:]
    assert "refused before anything changed" not in anyway, anyway[-4000:]
    assert upgrades(cloud)[0]["status"] == "cancelled" and steps(cloud, upgrade["id"]) == history
    assert running_versions(lab) == mixed
    conn.compute.delete_server(mixed_server)
    lab.wait_for("the mixed-state server deleted", lambda: conn.compute.find_server(mixed_server, ignore_missing=True)
                 is None, 120)

    play(cloud, "upgrade_rollback")
    assert upgrades(cloud)[0]["status"] == "rolled_back"
    assert running_versions(lab) == at(SOURCE)
    assert set(nova_versions(lab).values()) == {SERVICE_VERSION[SOURCE]}
    assert issue_token(lab)
    old_code_server = boot(lab, conn, "upgrade-lab-rolled-back")
    live_migrate(lab, conn, old_code_server)
    record_property("first_upgrade_and_rollback_seconds", round(time.monotonic() - started, 1))

    # --- 2. a new upgrade: paused in the compute phase, continued, killed in compute2's batch, continued,
    # killed in finalize, continued ---
    play(cloud, "discover")
    started = time.monotonic()
    proc = start(cloud, "upgrade", extra)
    wait_step(lab, cloud, proc, "the compute phase", lambda s: s["phase"] == "compute")
    play(cloud, "upgrade_pause")
    assert proc.wait(timeout=600) == 0
    second = upgrades(cloud)[-1]
    # nova's control services finalize will restart (on the code they run since the control phase)
    to_restart = [f"{json.loads(s['detail'])['binary']}@{s['host']}" for s in steps(cloud, second["id"])
                  if s["phase"] == "finalize" and s["action"] == "restart" and s["status"] != "done"]
    assert to_restart
    control_pids = dict((name, main_pids(lab)[name]) for name in to_restart)
    assert second["id"] != upgrade["id"] and second["status"] == "paused"
    status = play(cloud, "upgrade_status")
    assert re.search(r"\| status +\| paused +\|", status) and re.search(r"\| phase +\| compute, ", status), status
    paused_at = [s for s in steps(cloud, second["id"]) if s["status"] != "done"]
    assert paused_at and paused_at[0]["phase"] in ("compute", "finalize")

    proc = start(cloud, "upgrade", extra)  # upgrade.yml again continues the paused upgrade
    step = wait_step(lab, cloud, proc, "compute2's batch", lambda s: s["phase"] == "compute" and s["host"] == "compute2")
    kill(proc)  # inside a compute batch
    assert upgrades(cloud)[-1]["status"] == "running"
    cut_short = [s["position"] for s in steps(cloud, second["id"]) if s["status"] == "running"]
    assert step["position"] in cut_short
    compute2_at_kill = (main_pids(lab)["nova-compute@compute2"], running_versions(lab)["nova-compute@compute2"])
    proc = start(cloud, "upgrade_continue")
    wait_step(lab, cloud, proc, "finalize", lambda s: s["phase"] == "finalize" and s["action"] == "online_data_migrations")
    assert all(s["status"] == "done" for s in steps(cloud, second["id"]) if s["position"] in cut_short)
    kill(proc)  # inside finalize
    out = play(cloud, "upgrade", extra)
    assert "completed" in out and "Completed - every step is done." in out, out[-3000:]
    took = time.monotonic() - started
    history = steps(cloud, second["id"])
    assert [s["status"] for s in history] == ["done"] * len(history)
    assert upgrades(cloud)[-1]["status"] == "completed"
    after = next(s for s in history if s["action"] == "readiness" and json.loads(s["detail"])["when"] == "after")
    before = next(s for s in history if s["action"] == "readiness" and json.loads(s["detail"])["when"] == "before")
    assert set(json.loads(after["detail"])["warnings"]) <= set(json.loads(before["detail"])["warnings"])
    assert running_versions(lab) == at(TARGET)
    if compute2_at_kill[1] == VERSIONS[TARGET]["nova"]:
        # killed once compute2 had been restarted on 2026.1: the continue redid its step without a restart
        assert main_pids(lab)["nova-compute@compute2"] == compute2_at_kill[0]
    assert set(nova_versions(lab).values()) == {SERVICE_VERSION[TARGET]}
    # finalize restarted them: with [upgrade_levels] compute = auto, the RPC pin lifts
    now_pids = main_pids(lab)
    assert all(now_pids[name] != pid for name, pid in control_pids.items()), (control_pids, now_pids)
    assert issue_token(lab)
    for server_id in first + [old_code_server]:
        assert conn.compute.get_server(server_id).status == "ACTIVE"
    # The lab's computes run nova's fake driver, which forgets its instances when nova-compute restarts
    # (their power state becomes NOSTATE and nova refuses to move them): a server booted on the
    # upgraded cloud is the one to live-migrate.
    live_migrate(lab, conn, boot(lab, conn, "upgrade-lab-upgraded"))

    refused = play(cloud, "upgrade_rollback", expect_rc=2)
    assert "cannot be rolled back: its finalize phase started" in refused, refused[-3000:]
    assert upgrades(cloud)[-1]["status"] == "completed"
    record_property("second_upgrade_seconds", round(took, 1))

    # --- 3. the HTML reports, opened in Chromium: what they show is what the store holds ---
    report = cloud["work"] / "reports" / f"upgrade-{second['id']}.html"
    assert f"report: {report}" in out, out[-3000:]  # the upgrade role wrote it at the end of its run
    page, truth = assert_page_matches_store(str(report), f"sqlite:///{cloud['store']}", second["id"],
                                            "upgrade-report-lab-completed")
    assert truth["marks"][-1] == "completed" and "paused" in truth["marks"]
    assert [row["host"] for row in page["rows"]] == ["lab", "controller", "compute1", "compute2"]
    # nova's hosts: the controller (conductor, scheduler, api) and the two computes
    assert page["versions"]["nova"] == {"before": f"{VERSIONS[SOURCE]['nova']} × 3", "after": f"{VERSIONS[TARGET]['nova']} × 3"}
    assert set(page["checks"]) == {"before", "after"}
    out = play(cloud, "upgrade_report", {"osops_upgrade_id": upgrade["id"]})  # the first one, on demand
    report = cloud["work"] / "reports" / f"upgrade-{upgrade['id']}.html"
    assert f"report: {report}" in out, out[-3000:]
    page, truth = assert_page_matches_store(str(report), f"sqlite:///{cloud['store']}", upgrade["id"],
                                            "upgrade-report-lab-rolled-back")
    assert "cancelling" in truth["marks"] and truth["marks"][-1] == "rolled_back"
