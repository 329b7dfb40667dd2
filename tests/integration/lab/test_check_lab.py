"""The check role on the real lab, compared with the real nova-status of the target release.

For each scenario the lab is put in a state, the TARGET release's ``nova-status upgrade check``
runs on the controller over SSH, ``playbooks/check.yml`` runs with ansible-playbook, and the
results of the checks both have are compared. The lab is restored after each scenario.
"""
from __future__ import annotations

import os

import pytest

from labchecks import (
    NOVA_CONF,
    RESULTS,
    assert_reads_like_nova_status,
    assert_same_as_nova_status,
    ours,
    printed_tables,
    real_nova_status,
    real_status,
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


@pytest.fixture(scope="module")
def cloud(lab):
    """The lab at SOURCE with the TARGET release's venvs installed beside it."""
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
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
        if project == "neutron":
            # the lab runs neutron without OVN: the one thing the real tool warns about
            assert {name for name, result in checks.items() if result != "Success"} <= {
                "OVN support for BM provisioning over IPv6 check"}, output
        else:
            assert rc == 0 and set(checks.values()) == {"Success"}, output
    assert report["code"] == worst
    assert f"Ready to upgrade: {RESULTS[worst]} (code {worst})" in proc.stdout


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
    prepared = lab.ssh("controller", f"cp {NOVA_CONF} /root/nova.conf.orig && "
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
        lab.ssh("controller", f"mv /root/nova.conf.orig {NOVA_CONF} && rm -f /etc/nova/policy-check.json")


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
