"""Helpers of the check scenarios on the lab: the real ``*-status`` tools and our check.yml."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_cli import parse_table
from ansible_collections.osops.lifecycle.tests.integration.eeimage import run_in_image

ROOT = Path(__file__).resolve().parents[3]
LABCTL_PATH = ROOT / "tests" / "lab" / "labctl"
RESULTS = {0: "Success", 1: "Warning", 2: "Failure"}
NOVA_CONF = "/etc/nova/nova.conf"


def real_nova_status(lab, cloud) -> tuple[int, str, dict[str, str]]:
    """rc, output and {check: result} of the target release's real nova-status."""
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {cloud['target_venv']}/bin/nova-status "
                                f"--config-file {NOVA_CONF} upgrade check")
    checks = parse_table(res.stdout) or []
    return res.returncode, res.stdout + res.stderr, {check[0]: RESULTS[check[1]] for check in checks}


def run_check_playbook(cloud, tmp_path: Path, extra_vars: dict | None = None) -> tuple[subprocess.CompletedProcess[str], dict]:
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
         # the schema checks have their own scenario (test_opchecks_lab.py, which turns them on): off here,
         # they would add ~12 s to every run of the suite's check scenarios
         "-e", json.dumps({"osops_check_cloud": "lab", "osops_check_target_release": cloud["target"],
                           "osops_check_schema_projects": [], **(extra_vars or {})}),
         str(ROOT / "playbooks" / "check.yml")],
        env=env, capture_output=True, text=True, timeout=900, check=False)
    assert report.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc, json.loads(report.read_text())


def run_check_playbook_in_ee(cloud, tmp_path: Path, image: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """check.yml of the collection the execution environment ``image`` holds, run inside it against the lab
    (the lab's inventory, SSH key and clouds.yaml mounted read-only where the inventory names them)."""
    report = tmp_path / "report.json"
    env = {"ANSIBLE_CALLBACKS_ENABLED": "osops.lifecycle.check_table", "ANSIBLE_NOCOLOR": "1",
           "OSOPS_CHECK_REPORT_PATH": str(report), "OS_CLIENT_CONFIG_FILE": cloud["status"]["clouds_yaml"],
           "ANSIBLE_HOST_KEY_CHECKING": "True"}
    extra = {"osops_check_cloud": "lab", "osops_check_target_release": cloud["target"], "osops_check_schema_projects": []}
    lab_home = str(Path(cloud["status"]["inventory"]).parent)
    mounts = {lab_home: "ro", str(tmp_path): "rw"}
    if os.environ.get("ANSIBLE_LOG_PATH"):  # the secret scan's log (tests/secretscan.py), written from inside too
        env["ANSIBLE_LOG_PATH"] = os.environ["ANSIBLE_LOG_PATH"]
        mounts[os.path.dirname(env["ANSIBLE_LOG_PATH"])] = "rw"
    proc = run_in_image(image, ["ansible-playbook", "-i", cloud["status"]["inventory"], "-e", json.dumps(extra),
                                "osops.lifecycle.check"], env, mounts)
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


def printed_tables(stdout: str) -> dict[str, str]:
    """{"nova on cloud lab": its table, ...}: the sections the check_table callback printed, in order."""
    lines, tables = stdout.splitlines(), {}
    for index, line in enumerate(lines[:-1]):
        if " on " in line and line.rpartition(": ")[2] in set(RESULTS.values()) | {"Error"} and lines[index + 1].startswith("+-"):
            end = index + 1
            while end < len(lines) and lines[end][:1] in ("+", "|"):
                end += 1
            tables[line.rpartition(": ")[0]] = "\n".join(lines[index + 1:end])
    return tables


def tool_table(output: str) -> str:
    """The "Upgrade Check Results" table a *-status tool printed, as printed."""
    lines = [line for line in output.splitlines() if line[:1] in ("+", "|")]
    return "\n".join(lines)


def assert_reads_like_nova_status(tables: dict[str, str], theirs: dict[str, str], cloud: str) -> None:
    """The layout of our nova tables against nova-status's: the cloud-wide checks in the cloud's table,
    each table in nova-status's order with ours after, nothing under localhost."""
    assert not [title for title in tables if title.endswith(" on localhost")], list(tables)
    order = list(theirs)  # nova-status's own order
    cloud_rows = [name for name, _code, _details in parse_table(tables[f"nova on cloud {cloud}"])]
    host_rows = [name for name, _code, _details in parse_table(tables["nova on controller"])]
    for rows in (cloud_rows, host_rows):
        known = [name for name in rows if name in theirs]
        assert known == [name for name in order if name in rows], rows
        assert rows[:len(known)] == known, rows  # ours after nova-status's
    assert set(theirs) <= set(cloud_rows) | set(host_rows)
    assert {"Cells v2", "Placement API", "Cinder API", "Older than N-1 computes", "hw_machine_type unset"} <= set(cloud_rows)


def assert_same_as_nova_status(mine: dict[str, str], theirs: dict[str, str]) -> None:
    assert len(theirs) == 7, theirs  # nova-status's seven checks
    assert {name: mine.get(name) for name in theirs} == theirs


#: The config file each project's status tool reads on the lab controller.
STATUS_CONFIG = {"placement": "/etc/placement/placement.conf", "keystone": "/etc/keystone/keystone.conf",
                 "glance": "/etc/glance/glance-api.conf", "neutron": "/etc/neutron/neutron.conf",
                 "cloudkitty": "/etc/cloudkitty/cloudkitty.conf"}


def real_status(lab, project: str, release_major: str) -> tuple[int, str, dict[str, str]] | None:
    """rc, output and {check: result} of ``<project>-status upgrade check`` of a release, run by hand
    on the controller from that release's venv; None when the venv is not installed there."""
    found = lab.ssh("controller", f"ls -d /openstack/venvs/{project}-{release_major}.* 2>/dev/null").stdout.split()
    if not found:
        return None
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {found[-1]}/bin/{project}-status "
                                f"--config-file {STATUS_CONFIG[project]} upgrade check")
    checks = parse_table(res.stdout) or []
    return res.returncode, res.stdout + res.stderr, {check[0]: RESULTS[check[1]] for check in checks}


def real_status_json(lab, project: str, release_major: str) -> tuple[int, dict[str, tuple[int, str | None]]]:
    """rc and {check: (code, details)} of ``<project>-status upgrade check --json`` of a release (for the
    tools that honour --json), run by hand on the controller from that release's venv."""
    (venv,) = lab.ssh("controller", f"ls -d /openstack/venvs/{project}-{release_major}.*").stdout.split()
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {venv}/bin/{project}-status "
                                f"--config-file {STATUS_CONFIG[project]} upgrade check --json")
    answer = json.loads(res.stdout)
    return res.returncode, {c["check"]: (c["result"], c["details"]) for c in answer["checks"]}
