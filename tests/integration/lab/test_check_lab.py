"""The check role on the real lab, compared with the real nova-status of the target release.

For each scenario the lab is put in a state, the TARGET release's ``nova-status upgrade check``
runs on the controller over SSH, ``playbooks/check.yml`` runs with ansible-playbook, and the
results of the checks both have are compared. The lab is restored after each scenario.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._status_cli import parse_table

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

ROOT = Path(__file__).resolve().parents[3]
SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")
RESULTS = {0: "Success", 1: "Warning", 2: "Failure"}
NOVA_CONF = "/etc/nova/nova.conf"


@pytest.fixture(scope="module")
def cloud(lab):
    """The lab at SOURCE with the TARGET release's venvs installed beside it."""
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    status = lab.status()
    found = lab.ssh("controller", "ls -d /openstack/venvs/nova-*").stdout.split()
    target_major = {"2025.2": "32", "2026.1": "33", "2026.2": "34"}[TARGET]
    (target_venv,) = [v for v in found if v.startswith(f"/openstack/venvs/nova-{target_major}.")]
    return dict(status=status, target_venv=target_venv)


def real_nova_status(lab, cloud) -> tuple[int, str, dict[str, str]]:
    """rc, output and {check: result} of the target release's real nova-status."""
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {cloud['target_venv']}/bin/nova-status "
                                f"--config-file {NOVA_CONF} upgrade check")
    checks = parse_table(res.stdout) or []
    return res.returncode, res.stdout + res.stderr, {check[0]: RESULTS[check[1]] for check in checks}


def run_check_playbook(cloud, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    """playbooks/check.yml against the lab, with the callback's JSON report."""
    report = tmp_path / "report.json"
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
               ANSIBLE_CALLBACKS_ENABLED="osops.lifecycle.check_table", ANSIBLE_NOCOLOR="1",
               OSOPS_CHECK_REPORT_PATH=str(report), OS_CLIENT_CONFIG_FILE=cloud["status"]["clouds_yaml"],
               ANSIBLE_HOST_KEY_CHECKING="True")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", cloud["status"]["inventory"],
         "-e", json.dumps({"osops_check_cloud": "lab", "osops_check_target_release": TARGET}),
         str(ROOT / "playbooks" / "check.yml")],
        env=env, capture_output=True, text=True, timeout=900, check=False)
    assert report.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc, json.loads(report.read_text())


def ours(report: dict, project: str = "nova") -> dict[str, str]:
    """{check: result} of our native checks of ``project`` (the worst across hosts)."""
    order = ["Success", "Warning", "Failure", "Error"]
    found: dict[str, str] = {}
    for host in report["hosts"]:
        for section in host["projects"]:
            if section["project"] == project:
                for check in section["checks"]:
                    previous = found.get(check["name"], "Success")
                    found[check["name"]] = max(previous, check["result"], key=order.index)
    return found


def assert_same_as_nova_status(mine: dict[str, str], theirs: dict[str, str]) -> None:
    assert len(theirs) == 7, theirs  # nova-status's seven checks
    assert {name: mine.get(name) for name in theirs} == theirs


def test_healthy_lab_all_success_and_the_play_passes(lab, cloud, tmp_path):
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 0, output
    proc, report = run_check_playbook(cloud, tmp_path)
    assert_same_as_nova_status(ours(report), theirs)
    assert set(ours(report).values()) == {"Success"}
    assert report["code"] == 0, proc.stdout[-5000:]
    assert proc.returncode == 0
    assert "Ready to upgrade: Success (code 0)" in proc.stdout
    # The target release's own tool ran through status_check and agrees.
    assert ours(report, "nova-status") == theirs


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
        report = run_check_playbook(cloud, tmp_path)[1]
        assert_same_as_nova_status(ours(report), theirs)
    finally:
        lab.ssh("controller", f"mv /root/nova.conf.orig {NOVA_CONF} && rm -f /etc/nova/policy-check.json")


def test_instances_without_machine_type(lab, cloud, tmp_path):
    lab.labctl("boot", "1")
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 1 and theirs["hw_machine_type unset"] == "Warning", output
    proc, report = run_check_playbook(cloud, tmp_path)
    assert_same_as_nova_status(ours(report), theirs)
    assert proc.returncode == 0  # a Warning does not fail the play by default
