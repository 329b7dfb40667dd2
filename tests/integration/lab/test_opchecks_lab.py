"""The operational pre-flight checks on the real lab: online data migrations and the backends each host reaches.

One lab at SOURCE (2025.1) with one server. ``playbooks/check.yml`` runs for the TARGET release
(2026.1) without the ``*-status`` tools (they are another module's proof), and:

- online data migrations: the server's ``compute_id`` set to NULL in the lab's MariaDB makes a row
  pending for real. Ours says Failure with the count and the command; the real ``nova-manage db
  online_data_migrations`` of the lab's venv then reports the same migration (1 migrated, and as
  matched the host-less instances it never migrates), and ours passes afterwards. With the node renamed too, nova cannot migrate the row: ours says
  Warning, and the real tool reports it matched and not migrated;
- backends: Success on every host and project; with compute1's nova.conf pointing RabbitMQ at a
  wrong port, Failure for nova on compute1 only, naming the port; the passwords of the lab's
  database and RabbitMQ never in the play's output or the report.
"""
from __future__ import annotations

import json
import os

import pytest

from labchecks import run_check_playbook

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")
FAST = {"osops_check_status_projects": []}
# the lab's credentials (tests/lab: MariaDB user osops, RabbitMQ guest)
PASSWORDS = (":secret@", "guest:guest", "-psecret")


@pytest.fixture(scope="module")
def cloud(lab):
    lab.labctl("up", "--release", SOURCE)
    conn = lab.connect()
    # right after up the computes may not have reported their resources to placement yet: a boot would go to ERROR
    lab.wait_for("both computes' resource providers in placement", lambda: len(
        conn.placement.get("/resource_providers", params={"resources": "VCPU:1"}, microversion="1.4").json().get("resource_providers", [])) >= 2, 120)
    lab.labctl("boot", "1")
    status = lab.status()
    major = {"2024.1": "29", "2025.1": "31", "2025.2": "32", "2026.1": "33", "2026.2": "34"}[SOURCE]
    (venv,) = lab.ssh("controller", f"ls -d /openstack/venvs/nova-{major}.*").stdout.split()  # the running nova
    return dict(status=status, target=TARGET, nova_venv=venv)


def checks(report, name):
    """{(host, project): (result, details)} of the check ``name`` in the report."""
    return {(h["host"], p["project"]): (c["result"], c["details"])
            for h in report["hosts"] for p in h["projects"] for c in p["checks"] if c["name"] == name}


def assert_no_password(proc, report):
    text = proc.stdout + proc.stderr + json.dumps(report)
    assert not [p for p in PASSWORDS if p in text], [p for p in PASSWORDS if p in text]


def online_migrations(lab, cloud):
    """rc and {migration: (total needed, completed)} of the real nova-manage db online_data_migrations."""
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {cloud['nova_venv']}/bin/nova-manage "
                                "--config-file /etc/nova/nova.conf db online_data_migrations")
    table = {}
    for line in res.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[1].isdigit() and cells[1] != "0":
            table[cells[0]] = (int(cells[1]), int(cells[2]))
    return res.returncode, table, res.stdout + res.stderr


def test_online_data_migrations_against_nova_manage(lab, cloud, tmp_path):
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    assert checks(report, "Online data migrations") == {("lab", "nova"): ("Success", None)}, proc.stdout[-3000:]
    (uuid,) = lab.mysql("SELECT uuid FROM nova.instances WHERE deleted = 0").split()
    host, node = lab.mysql(f"SELECT host, node FROM nova.instances WHERE uuid = '{uuid}'").split()
    # its nova-compute stopped: running, it sets the instance's compute_id itself (seen in the lab)
    lab.labctl("stop", "nova-compute", "--host", host)
    try:
        online_migrations_made_pending(lab, cloud, tmp_path, uuid, node)
    finally:
        lab.labctl("start", "nova-compute", "--host", host)
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    assert checks(report, "Online data migrations") == {("lab", "nova"): ("Success", None)}


def online_migrations_made_pending(lab, cloud, tmp_path, uuid, node):
    """Warning, then Failure, each against the real nova-manage, on the instance ``uuid`` (its compute stopped)."""
    # nova cannot migrate an instance whose node has no compute node record: Warning, and nova-manage agrees
    lab.mysql(f"UPDATE nova.instances SET compute_id = NULL, node = 'osops-gone' WHERE uuid = '{uuid}'")
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    ((result, details),) = checks(report, "Online data migrations").values()
    assert result == "Warning", details
    assert "populate_instance_compute_id: 1 row in cell1." in details
    rc, table, output = online_migrations(lab, cloud)
    # The tool also matches the instances without a host, which it never migrates and we do not count: the
    # marker instance its own fill_virtual_interface_list creates (deleted, no host) on its first run.
    hostless = int(lab.mysql("SELECT COUNT(*) FROM nova.instances WHERE compute_id IS NULL AND host IS NULL"))
    assert hostless >= 1
    assert (rc, table) == (0, {"populate_instance_compute_id": (1 + hostless, 0)}), output

    # a row nova can migrate: Failure with the count and the command; nova-manage migrates it; Success again
    lab.mysql(f"UPDATE nova.instances SET node = '{node}' WHERE uuid = '{uuid}'")
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    ((result, details),) = checks(report, "Online data migrations").values()
    assert result == "Failure", details
    assert details.startswith("1 row of the online data migrations of nova are not done: "
                              "populate_instance_compute_id: 1 row in cell1.")
    assert "`nova-manage db online_data_migrations`" in details
    assert "Online data migrations" in proc.stdout and proc.returncode == 2  # the table shows it; not ready
    rc, table, output = online_migrations(lab, cloud)
    # batches until one migrates nothing (so rc 0); the table adds up the batches' matches
    assert f"{1 + hostless} rows matched query populate_instance_compute_id, 1 migrated" in output, output
    assert (rc, list(table), table["populate_instance_compute_id"][1]) == (0, ["populate_instance_compute_id"], 1), output
    assert lab.mysql(f"SELECT compute_id IS NOT NULL FROM nova.instances WHERE uuid = '{uuid}'").strip() == "1"


def test_backends_reached_then_a_wrong_port(lab, cloud, tmp_path):
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    found = checks(report, "Database and message queue reachable")
    assert set(found) == {("controller", p) for p in ("keystone", "placement", "glance", "neutron", "nova")} | {
        ("compute1", "nova"), ("compute2", "nova")}, found
    assert {result for result, _details in found.values()} == {"Success"}, found
    assert "[DEFAULT] transport_url rabbit://guest:***@" in found[("compute1", "nova")][1]
    assert "[api_database] connection mysql+pymysql://osops:***@" in found[("controller", "nova")][1]
    assert_no_password(proc, report)

    net = os.environ.get("OSOPS_LAB_NET", "127.0.0")
    conf = "/etc/nova/nova.conf"
    moved = lab.ssh("compute1", f"cp {conf} /root/nova.conf.orig && sed -i 's/:5672/:5999/' {conf}")
    assert moved.returncode == 0, moved.stderr
    try:
        proc, report = run_check_playbook(cloud, tmp_path, FAST)
    finally:
        lab.ssh("compute1", f"mv /root/nova.conf.orig {conf}")
    found = checks(report, "Database and message queue reachable")
    result, details = found.pop(("compute1", "nova"))
    assert result == "Failure", details
    assert details.startswith(f"Cannot reach [DEFAULT] transport_url rabbit://guest:***@{net}.2:5999/: "), details
    assert {result for result, _details in found.values()} == {"Success"}, found
    assert proc.returncode == 2
    assert_no_password(proc, report)
