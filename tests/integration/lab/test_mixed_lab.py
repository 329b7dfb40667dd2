"""A rolling upgrade caught half-way, on the real lab: 2025.2 computes under a 2026.1 control plane.

The lab is built at 2025.2; nova's control plane and compute1 are upgraded to 2026.1, compute2
stays on 2025.2 (service version 70 beside 72): nova refuses to start a compute older than one it
has seen, so this is the only way to such a cloud. Readiness for 2026.2 is checked with the real 2026.2 ``nova-status`` and
our check.yml: both report the old compute; only ours sees that the control plane has no
``[upgrade_levels] compute`` pin, which nova-status never checks, and passes once it is set.
Last, ``upgrade.yml`` takes the cloud on from where it stands to 2026.1 (2025.2 -> 2026.1): only
what still runs 2025.2 is switched, and every service ends at 2026.1; asked to drain, the 2025.2
compute's server is live-migrated off before its code changes, and the compute enabled after.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from labchecks import LABCTL_PATH, NOVA_CONF, ours, real_nova_status, run_check_playbook
from labupgrade import issue_token, nova_versions, playbook_cloud, venvs_running

from ansible_collections.osops.lifecycle.tests.conftest import PG_PASSWORD
from ansible_collections.osops.lifecycle.tests.integration.awxjob import awx_job, openstack_credential
from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import table

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
BUILT_AT, UPGRADED_TO, TARGET = "2025.2", "2026.1", "2026.2"
PIN = "Compute RPC version pin"


@pytest.fixture(scope="module")
def cloud(lab):
    """2025.2 lab, control plane and compute1 upgraded to 2026.1, the 2026.2 nova venv beside them."""
    lab.labctl("up", "--release", BUILT_AT)
    lab.labctl("install", "--release", TARGET, "--service", "nova")
    lab.labctl("upgrade-nova", "--to", UPGRADED_TO, "--computes", "compute1")
    status = lab.status()
    found = lab.ssh("controller", "ls -d /openstack/venvs/nova-34.*").stdout.split()
    assert len(found) == 1, found
    return dict(status=status, target_venv=found[0], target=TARGET)


def test_lab_runs_mixed_versions(lab, cloud):
    versions = lab.status()["nova_service_versions"]
    assert versions["nova-compute@compute2"] == 70, versions
    assert versions["nova-compute@compute1"] == 72 and versions["nova-conductor@controller"] == 72, versions
    assert lab.status()["nova_venvs"]["compute2"].startswith("nova-32.")
    conn = lab.connect()
    assert all(s.state == "up" for s in conn.compute.services() if s.binary == "nova-compute")
    # nova refuses a compute older than one it has seen: the lab does not offer it
    back = subprocess.run([sys.executable, str(LABCTL_PATH), "switch-nova", "--host", "compute1", "--release",
                           BUILT_AT], capture_output=True, text=True, timeout=120, check=False)
    assert back.returncode == 2 and "ServiceTooOld" in back.stderr, back.stdout + back.stderr
    assert lab.status()["nova_service_versions"] == versions


def test_missing_rpc_pin_is_ours_alone(lab, cloud, tmp_path):
    prepared = lab.ssh("controller", f"cp {NOVA_CONF} /root/nova.conf.pin && "
                                     f"sed -i '/^compute = auto$/d' {NOVA_CONF} && ! grep -q '^compute = ' {NOVA_CONF}")
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 2 and theirs["Older than N-1 computes"] == "Failure", output
        assert PIN not in theirs and "upgrade_levels" not in output  # nova-status says nothing about it
        proc, report = run_check_playbook(cloud, tmp_path)
        mine = ours(report)
        assert {name: mine.get(name) for name in theirs} == theirs
        assert mine[PIN] == "Failure"
        details = [c["details"] for h in report["hosts"] for p in h["projects"] for c in p["checks"]
                   if c["name"] == PIN]
        assert any("upgrade_levels" in d for d in details), details
        assert proc.returncode == 2
    finally:
        lab.ssh("controller", f"mv /root/nova.conf.pin {NOVA_CONF}")


def test_rpc_pin_set_is_success(lab, cloud, tmp_path):
    assert "compute = auto" in lab.ssh("controller", f"cat {NOVA_CONF}").stdout
    rc, output, theirs = real_nova_status(lab, cloud)
    proc, report = run_check_playbook(cloud, tmp_path)
    mine = ours(report)
    assert mine[PIN] == "Success"
    # the old compute is still too old for 2026.2, in both
    assert mine["Older than N-1 computes"] == theirs["Older than N-1 computes"] == "Failure"
    assert {name: mine.get(name) for name in theirs} == theirs


GROUPS = {"nova_compute": "nova-compute", "nova_conductor": "nova-conductor", "nova_scheduler": "nova-scheduler",
          "nova_api_os_compute": "nova-api", "keystone_all": "keystone", "placement_all": "placement-api",
          "glance_all": "glance-api", "neutron_server": "neutron-server"}


def test_discovery_by_the_lab_inventory_flags_mixed_nova_compute(lab, cloud, tmp_path):
    """The lab's generated inventory, versions read from the processes each host runs (over SSH)."""
    status = lab.status()
    inventory, store = status["inventory"], f"sqlite:///{tmp_path / 'store.db'}"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="True")
    variables = {"osops_discover_cluster": "lab", "osops_discover_method": "ansible_inventory",
                 "osops_discover_host_versions": True, "osops_discover_store": store,
                 "osops_discover_params": {"inventory": inventory, "groups": GROUPS}}
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", inventory, "-e", json.dumps(variables),
                           str(ROOT / "playbooks" / "discover.yml")],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Service versions read on 3 of 3 hosts" in proc.stdout, proc.stdout[-4000:]
    listed = subprocess.run(
        [str(BIN / "ansible"), "localhost", "-o", "-m", "osops.lifecycle.cluster_component_info",
         "-a", json.dumps({"name": "lab", "store": store, "target_release": TARGET}),
         "-e", f"ansible_python_interpreter={sys.executable}"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    components = {c["binary"]: c for c in json.loads(listed.stdout.split("=>", 1)[1])["components"]}
    nova = status["nova_venvs"]
    compute = components["nova-compute"]
    assert compute["hosts"] == ["compute1", "compute2"]
    # exactly the venvs the lab started them from
    assert compute["versions"] == sorted({nova["compute1"][5:], nova["compute2"][5:]})
    assert (compute["releases"], compute["mixed"], compute["can_upgrade"]) == ([BUILT_AT, UPGRADED_TO], True, False)
    assert "compute2" in compute["reason"] and "finish the previous upgrade first" in compute["reason"]
    conductor = components["nova-conductor"]
    assert (conductor["versions"], conductor["releases"], conductor["mixed"]) == ([nova["controller"][5:]],
                                                                                  [UPGRADED_TO], False)
    # the shared services of the release the lab was built at, read from their uWSGI venvs
    assert components["keystone"]["versions"] == [status["versions"]["keystone"]]
    assert components["placement-api"]["releases"] == [BUILT_AT]


# The lab's venvs of 2026.1 (labctl builds them; the release data knows the newest of the series).
UPGRADE_VERSIONS = {"keystone": "29.1.0", "glance": "32.0.0", "placement": "15.0.0", "nova": "33.0.2",
                    "neutron": "28.0.2"}
PROGRAMS = (("controller", "keystone", "keystone"), ("controller", "glance", "glance"),
            ("controller", "placement", "placement"), ("controller", "nova-conductor", "nova"),
            ("controller", "nova-scheduler", "nova"), ("controller", "nova-api", "nova"),
            ("controller", "neutron", "neutron"), ("compute1", "nova-compute", "nova"),
            ("compute2", "nova-compute", "nova"))


def test_upgrade_yml_takes_the_half_upgraded_lab_on_to_2026_1(lab, cloud, tmp_path, postgres):
    """2025.2 -> 2026.1 with upgrade.yml from where the cloud stands: what runs 2026.1 already gets no step;
    asked to drain, the compute still at 2025.2 has its server live-migrated off before its code changes and
    is enabled again after.

    Every playbook runs as an AWX job (tests/integration/awxjob.py: ansible-runner over a private data
    directory, the survey's answers as extra vars, the OpenStack credential's clouds.yaml with the cloud
    ``devstack``, the store on PostgreSQL through the collection's credential type): discover, check, the
    upgrade - paused by an upgrade_pause job while it runs, continued by a second upgrade job - and
    upgrade_status. The jobs' set_stats artifacts and progress events are what AWX shows; no password is
    in any of their events or output.

    The last test of the module: it leaves the lab at 2026.1."""
    lab.labctl("install", "--release", UPGRADED_TO)
    run = playbook_cloud(lab.status(), tmp_path)
    conn = lab.connect()
    image_id, flavor_id = ensure_image_and_flavor(conn)
    created = conn.compute.create_server(name="mixed-drain", image_id=image_id, flavor_id=flavor_id, networks="none",
                                         availability_zone="nova:compute2")

    def active():
        now = conn.compute.get_server(created.id)
        assert now.status != "ERROR", now.fault
        return now.status == "ACTIVE" and now
    assert lab.wait_for("the server ACTIVE on compute2", active, 180).compute_host == "compute2"

    store_url = postgres.empty_database()
    inventory = json.loads(subprocess.run([str(BIN / "ansible-inventory"), "-i", run["status"]["inventory"], "--list"],
                                          env=run["env"], capture_output=True, text=True, check=True).stdout)
    openstack = openstack_credential(run["status"]["clouds_yaml"], "lab")
    # the job templates' own extra vars: the lab's venvs of 2026.1, no schema checks (test_opchecks_lab.py
    # has them), the HTML report in the test's directory
    template_vars = {"osops_upgrade_target_versions": UPGRADE_VERSIONS, "osops_check_schema_projects": [],
                     "osops_upgrade_report_dir": str(tmp_path / "reports")}
    jobs = []

    def job(template: str, survey: dict, background: bool = False, extra_vars: dict | None = None):
        found = awx_job(tmp_path, str(len(jobs) + 1), template, inventory, openstack, store_url, survey=survey,
                        extra_vars={**template_vars, **(extra_vars or {})}, background=background)
        jobs.append(found[1] if background else found)
        if not background:
            (tmp_path / f"job-{len(jobs)}-{template}.log").write_text(found.stdout)
            assert found.status == "successful", found.stdout[-6000:]
        return found

    def store_rows(sql: str) -> list:
        engine = sa.create_engine(store_url)
        try:
            with engine.connect() as db:
                return [tuple(row) for row in db.execute(sa.text(sql))]
        finally:
            engine.dispose()

    job("discover", {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                     "osops_discover_host_versions": "true"})
    # nova's control plane already runs 2026.1: the check template says where the cloud as a whole stands
    check = job("check", {"osops_check_target_release": UPGRADED_TO}, extra_vars={"osops_check_current_release": BUILT_AT})
    assert "Upgrade Check Results" in check.stdout  # the project's ansible.cfg enables the callback
    assert check.artifacts["osops_check"]["result"] in ("Success", "Warning"), check.artifacts
    upgrade_survey = {"osops_upgrade_cluster": "lab", "osops_upgrade_target_release": UPGRADED_TO,
                      "osops_upgrade_drain": "true"}
    thread, first = job("upgrade", upgrade_survey, background=True)

    def in_control():
        assert thread.is_alive(), first.stdout[-6000:]  # the job must not end before the pause
        return any(phase == "control" for phase, status in store_rows("SELECT phase, status FROM upgrade_steps")
                   if status in ("running", "done"))
    lab.wait_for("the upgrade job in its control phase", in_control, 600)
    job("upgrade_pause", {"osops_upgrade_cluster": "lab"})
    thread.join(timeout=900)
    (tmp_path / "job-upgrade-paused.log").write_text(first.stdout)
    assert first.status == "successful", first.stdout[-6000:]
    paused = first.artifacts["osops_upgrade"]
    assert paused["status"] == "paused", paused
    # the progress lines came as job events, one line per step with its outcome
    progress = [line for lines in first.task_messages("Progress") for line in lines]
    assert progress and all(re.match(r"^\[\d+/\d+\] .+ … done in ", line) for line in progress), progress
    done_before = len(store_rows("SELECT position FROM upgrade_steps WHERE status = 'done'"))
    assert len(progress) == done_before
    second = job("upgrade", upgrade_survey)  # continues the paused upgrade
    completed = second.artifacts["osops_upgrade"]
    assert (completed["id"], completed["status"], completed["hosts_upgraded"]) == (
        paused["id"], "completed", completed["hosts_total"]), completed
    assert len([line for lines in second.task_messages("Progress") for line in lines]) == len(
        store_rows("SELECT position FROM upgrade_steps")) - done_before
    out = second.stdout
    assert "Completed - every step is done." in out, out[-3000:]
    status = job("upgrade_status", {"osops_upgrade_cluster": "lab"})
    (lines,) = status.task_messages("Status")
    shown = dict(table(lines))
    assert (shown["upgrade"], shown["releases"], shown["status"]) == (
        paused["id"], f"{BUILT_AT} -> {UPGRADED_TO}", "completed"), lines
    for each in jobs:
        written = each.everything_written()
        assert PG_PASSWORD not in written and openstack["password"] not in written, each.private_data_dir

    (upgrade,) = store_rows("SELECT from_release, to_release, status FROM upgrades")
    steps = store_rows("SELECT phase, host, action, status, detail FROM upgrade_steps ORDER BY position")
    assert upgrade == (BUILT_AT, UPGRADED_TO, "completed")
    assert {status for _p, _h, _a, status, _d in steps} == {"done"}
    steps = [(p, h, a, st, d if isinstance(d, str) else json.dumps(d)) for p, h, a, st, d in steps]
    code = {(host, json.loads(detail).get("binary")) for phase, host, action, _s, detail in steps
            if phase in ("control", "compute") and action == "switch"}
    # nova's control plane and compute1 already ran 2026.1: switched were the 2025.2 services only
    assert code == {("controller", "keystone"), ("controller", "glance-api"), ("controller", "placement-api"),
                    ("controller", "neutron-server"), ("compute2", "nova-compute")}, code
    compute = [(host, action) for phase, host, action, _s, _d in steps if phase == "compute"]
    assert compute == [("compute2", "drain"), ("compute2", "switch"), ("compute2", "restart"),
                       ("compute2", "wait_ready"), ("compute2", "enable")], compute
    # the server was moved off before compute2's code changed (nova's migration record), and is ACTIVE
    server = conn.compute.get_server(created.id)
    assert (server.status, server.compute_host) == ("ACTIVE", "compute1"), server
    (moved,) = list(conn.compute.migrations(server_id=created.id))
    assert (moved.migration_type, moved.status, moved.source_compute, moved.dest_compute) == (
        "live-migration", "completed", "compute2", "compute1"), moved
    (service,) = list(conn.compute.services(binary="nova-compute", host="compute2"))
    assert (service.status, service.state) == ("enabled", "up"), service
    # read without the collection: every process runs its 2026.1 venv, nova records 2026.1's service versions
    running = venvs_running(lab, tuple((host, name) for host, name, _project in PROGRAMS))
    for host, name, project in PROGRAMS:
        assert f"/openstack/venvs/{project}-{UPGRADE_VERSIONS[project]}/" in running[f"{name}@{host}"], running
    versions = nova_versions(lab)
    assert set(versions.values()) == {72}, versions
    assert issue_token(lab)
