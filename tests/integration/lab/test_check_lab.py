"""The check role on the real lab, compared with the real nova-status of the target release.

For each scenario the lab is put in a state, the TARGET release's ``nova-status upgrade check``
runs on the controller over SSH, ``playbooks/check.yml`` runs with ansible-playbook, and the
results of the checks both have are compared. The lab is restored after each scenario.
The lab runs CloudKitty too (``labctl up --with cloudkitty``): the healthy scenario compares our
cloudkitty checks with the real ``cloudkitty-status`` on storage v2 (InfluxDB), the last one on v1
(sqlalchemy on MariaDB).
"""
from __future__ import annotations

import os
import re

import pytest
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_cli import parse_table

from labchecks import (
    NOVA_CONF,
    RESULTS,
    assert_reads_like_nova_status,
    assert_same_as_nova_status,
    ours,
    printed_tables,
    real_nova_status,
    real_status,
    real_status_json,
    run_check_playbook,
    tool_table,
)

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")


#: Major versions of the other projects' status tools per target release (what the lab installs).
MAJORS = {
    "2025.2": {"placement": "14", "keystone": "28", "glance": "31", "neutron": "27"},
    "2026.1": {"placement": "15", "keystone": "29", "glance": "32", "neutron": "28"},
    "2026.2": {"placement": "16", "keystone": "30", "glance": "33", "neutron": "29"},
}


#: cloudkitty's major version per target release (what the lab installs).
CLOUDKITTY_MAJORS = {"2025.2": "23", "2026.1": "24", "2026.2": "25"}


@pytest.fixture(scope="module")
def cloud(lab):
    """The lab at SOURCE with CloudKitty, and the TARGET release's venvs installed beside it."""
    lab.labctl("up", "--release", SOURCE, "--with", "cloudkitty")
    lab.labctl("install", "--release", TARGET, "--with", "cloudkitty")
    status = lab.status()
    found = lab.ssh("controller", "ls -d /openstack/venvs/nova-*").stdout.split()
    target_major = {"2025.2": "32", "2026.1": "33", "2026.2": "34"}[TARGET]
    (target_venv,) = [v for v in found if v.startswith(f"/openstack/venvs/nova-{target_major}.")]
    return dict(status=status, target_venv=target_venv, target=TARGET)


def test_healthy_lab_all_success_and_the_play_passes(lab, cloud, tmp_path):
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 0, output
    proc, report = run_check_playbook(cloud, tmp_path)
    assert_same_as_nova_status(ours(report), theirs)
    assert set(ours(report).values()) == {"Success"}
    assert proc.returncode == 0, proc.stdout[-5000:]
    # The target release's own tool ran through status_check and agrees; its table, as the
    # callback prints it, is the tool's byte for byte.
    assert ours(report, "nova-status") == theirs
    tables = printed_tables(proc.stdout)
    assert tables["nova-status on controller"] == tool_table(output), (tables["nova-status on controller"], output)
    # Our own nova tables read like nova-status's: the cloud's checks under the cloud (lab),
    # nova-status's order in each table, ours after.
    assert_reads_like_nova_status(tables, theirs, "lab")
    # So do the other projects' status tools of the target release, run by hand here.
    worst = 0
    for project, major in MAJORS[TARGET].items():
        real = real_status(lab, project, major)
        assert real is not None, f"{project} {major}.x venv missing: labctl install --release {TARGET}"
        rc, output, checks = real
        assert checks and ours(report, f"{project}-status") == checks, (project, output)
        worst = max(worst, rc)
        # every tool's every check Success: neutron's OVN baremetal DHCP check does not apply to the
        # lab (no OVN, its DHCP for baremetal ports disabled), so the demo's result is clean
        assert rc == 0 and set(checks.values()) == {"Success"}, output
        if project == "neutron":
            assert checks["OVN support for BM provisioning over IPv6 check"] == "Success", output
    assert report["code"] == worst
    assert f"Ready to upgrade: {RESULTS[worst]} (code {worst})" in proc.stdout
    # CloudKitty on storage v2 (InfluxDB): served, processing, and checked as cloudkitty-status says.
    assert_cloudkitty_serves(lab, 2)
    assert_cloudkitty_as_cloudkitty_status(lab, 2, proc, report)


def test_placement_stopped(lab, cloud, tmp_path):
    lab.labctl("stop", "placement")
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 255 and theirs == {}, output  # a traceback, no table
        proc, report = run_check_playbook(cloud, tmp_path)
        mine = ours(report)
        assert mine["Placement API"] == "Failure"
        placement = [c for h in report["hosts"] for p in h["projects"] for c in p["checks"]
                     if c["name"] == "Placement API"]
        assert f"http://{os.environ.get('OSOPS_LAB_NET', '127.0.0')}.2:8778" in placement[0]["details"], placement
        # every other check still reported
        assert {"Cells v2", "Older than N-1 computes", "hw_machine_type unset",
                "Service User Token Configuration", "Policy File JSON to YAML Migration"} <= set(mine)
        assert proc.returncode == 2
    finally:
        lab.labctl("start", "placement")


def test_json_policy_and_no_service_user_token(lab, cloud, tmp_path):
    # The checkers read nova.conf afresh; the running nova services do not, so
    # they keep their policy and service token while the files say otherwise.
    # The copy stays in the lab host's own /etc/nova: /root is the machine's, shared by every lab
    # (another lab's scenario moved this one's copy away once, leaving nova.conf changed).
    prepared = lab.ssh("controller", f"cp {NOVA_CONF} {NOVA_CONF}.orig && "
                                     "echo '{\"admin_api\": \"is_admin:True\"}' > /etc/nova/policy-check.json && "
                                     f"sed -i 's/^send_service_user_token.*/send_service_user_token = false/' {NOVA_CONF} && "
                                     f"printf '\\n[oslo_policy]\\npolicy_file = policy-check.json\\n' >> {NOVA_CONF}")
    assert prepared.returncode == 0, prepared.stderr
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 2, output
        assert theirs["Policy File JSON to YAML Migration"] == "Failure"
        assert theirs["Service User Token Configuration"] == "Failure"
        proc, report = run_check_playbook(cloud, tmp_path)
        assert_same_as_nova_status(ours(report), theirs)
        assert_reads_like_nova_status(printed_tables(proc.stdout), theirs, "lab")
    finally:
        restored = lab.ssh("controller", f"mv {NOVA_CONF}.orig {NOVA_CONF} && rm -f /etc/nova/policy-check.json")
        assert restored.returncode == 0, restored.stderr


def test_instances_without_machine_type(lab, cloud, tmp_path):
    lab.labctl("boot", "1")
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 1 and theirs["hw_machine_type unset"] == "Warning", output
    proc, report = run_check_playbook(cloud, tmp_path)
    assert_same_as_nova_status(ours(report), theirs)
    assert proc.returncode == 0  # a Warning does not fail the play by default


CELL0 = "00000000-0000-0000-0000-000000000000"


def test_cell0_mapping_removed(lab, cloud, tmp_path):
    """Without the cell0 mapping both say Cells v2 Failure; every other check still agrees."""
    lab.mysql(f"CREATE TABLE nova_api.osops_cell0_backup AS SELECT * FROM nova_api.cell_mappings "
              f"WHERE uuid = '{CELL0}'; DELETE FROM nova_api.cell_mappings WHERE uuid = '{CELL0}'")
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 2 and theirs["Cells v2"] == "Failure", output
        proc, report = run_check_playbook(cloud, tmp_path)
        assert_same_as_nova_status(ours(report), theirs)
        cells = [c for h in report["hosts"] for p in h["projects"] for c in p["checks"] if c["name"] == "Cells v2"]
        assert "cell0" in cells[0]["details"], cells
        assert proc.returncode == 2
    finally:
        lab.mysql("INSERT INTO nova_api.cell_mappings SELECT * FROM nova_api.osops_cell0_backup; "
                  "DROP TABLE nova_api.osops_cell0_backup")
    assert lab.mysql(f"SELECT COUNT(*) FROM nova_api.cell_mappings WHERE uuid = '{CELL0}'").strip() == "1"


def _processor_loaded_scopes(lab) -> int:
    """How many times cloudkitty-processor listed the scopes to rate from keystone (its log)."""
    log = lab.home() / "hosts" / "controller" / "log" / "cloudkitty-processor.log"
    return log.read_text().count("Tenants loaded for fetcher keystone") if log.exists() else 0


def assert_cloudkitty_serves(lab, version: int, seen: int = 0) -> None:
    """cloudkitty runs on storage ``version``: api and processor RUNNING, the processor lists its
    scopes from keystone (more often than ``seen``), the API answers from that storage."""
    status = lab.status()
    assert status["cloudkitty_storage"] == version
    controller = next(h for h in status["hosts"] if h["name"] == "controller")
    assert {controller["programs"][p]["state"] for p in ("cloudkitty-api", "cloudkitty-processor")} == {"RUNNING"}
    lab.wait_for("cloudkitty-processor listing scopes", lambda: _processor_loaded_scopes(lab) > seen, 60)
    conn = lab.connect()
    # openstacksdk's rating proxy (its discovered v1 API), through the catalog
    summary = conn.rating.get("/report/summary")
    assert summary.status_code == 200 and "summary" in summary.json(), summary.text
    v2 = conn.session.get("/v2/summary", endpoint_filter={"service_type": "rating"}, raise_exc=False)
    if version == 1:
        assert v2.status_code == 404, v2.text  # cloudkitty disables its v2 API on storage v1
        return
    assert v2.status_code == 200 and v2.json()["results"] == [], v2.text
    lab.labctl("stop", "influxdb")  # the v2 API reads InfluxDB: without it, no summary
    try:
        down = conn.session.get("/v2/summary", endpoint_filter={"service_type": "rating"}, raise_exc=False)
        assert down.status_code >= 500, down.text
    finally:
        lab.labctl("start", "influxdb")


def assert_cloudkitty_as_cloudkitty_status(lab, version: int, proc, report: dict) -> None:
    """Our cloudkitty checks and status runner (in a check.yml run) against the target release's real
    cloudkitty-status, as a table and as JSON: same checks, outcomes, codes; the runner's details and
    table are the tool's byte for byte, ours start with the tool's details; our table in its order."""
    rc, output, theirs = real_status(lab, "cloudkitty", CLOUDKITTY_MAJORS[TARGET])
    json_rc, answers = real_status_json(lab, "cloudkitty", CLOUDKITTY_MAJORS[TARGET])
    assert rc == json_rc == (0 if version == 2 else 1), output
    assert list(theirs) == list(answers) == ["Storage version", "Policy File JSON to YAML Migration"], output
    assert theirs["Storage version"] == ("Success" if version == 2 else "Warning")
    assert {name: RESULTS[code] for name, (code, _details) in answers.items()} == theirs

    (runner,) = [p for h in report["hosts"] for p in h["projects"] if p["project"] == "cloudkitty-status"]
    (native,) = [p for h in report["hosts"] for p in h["projects"] if p["project"] == "cloudkitty"]
    assert [(c["name"], c["code"], c["details"]) for c in runner["checks"]] == [
        (name, code, details) for name, (code, details) in answers.items()]
    assert runner["code"] == rc
    tables = printed_tables(proc.stdout)
    assert tables["cloudkitty-status on controller"] == tool_table(output), (tables, output)
    mine = {c["name"]: c for c in native["checks"]}
    for name, (code, details) in answers.items():
        assert mine[name]["code"] == code, (name, mine[name], details)
        if details is None:
            assert mine[name]["details"] is None, mine[name]
        else:
            assert mine[name]["details"].startswith(details + " Set [storage] version = 2"), mine[name]
    assert mine["Storage version"]["code"] == rc
    rows = [name for name, _code, _details in parse_table(tables["cloudkitty on controller"])]
    assert rows[:2] == list(answers) and "Database and message queue reachable" in rows[2:], rows
    assert re.search(r"^cloudkitty on controller: " + RESULTS[rc] + "$", proc.stdout, re.M)


def test_cloudkitty_storage_v1_as_cloudkitty_status_says(lab, cloud, tmp_path):
    """CloudKitty switched to storage v1 (sqlalchemy on MariaDB): the API serves from it, the
    processor runs, and our checks and status runner say what the real cloudkitty-status says
    (Warning, rc 1). Last in the module: it leaves cloudkitty on storage v1."""
    seen = _processor_loaded_scopes(lab)
    lab.labctl("cloudkitty-storage", "--version", "1")
    assert_cloudkitty_serves(lab, 1, seen)
    proc, report = run_check_playbook(cloud, tmp_path, {
        "osops_check_hosts": "cloudkitty_all", "osops_check_status_projects": ["cloudkitty"]})
    assert proc.returncode == 0, proc.stdout[-5000:]  # a Warning does not fail the play
    assert_cloudkitty_as_cloudkitty_status(lab, 1, proc, report)
