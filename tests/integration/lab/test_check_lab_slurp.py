"""A 2024.1 cloud checked for 2026.1: too far in one step, on the real lab.

The lab is built at 2024.1 (nova 29, compute service version 67). The 2026.1 ``nova-status``
(installed beside it) and our check.yml both say the computes are older than 2026.1 supports
(68 = 2025.1 at least); only ours also says the path itself breaks the SLURP rule (2024.1 may go
to 2024.2 or 2025.1), and that the current release was read from nova's database. The lab's own
rolling upgrade refuses the same jumps (nova 29 -> 33 and 29 -> 34) and changes nothing, and so
does the collection's ``upgrade.yml``: 2024.1 -> 2026.1 refused before anything changes, with the
SLURP reason, no upgrade recorded.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from labchecks import LABCTL_PATH, ROOT, ours, real_nova_status, run_check_playbook
from labupgrade import main_pids

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE, TARGET = "2024.1", "2026.1"
PATH = "Upgrade path (SLURP)"


@pytest.fixture(scope="module")
def cloud(lab):
    """A lab at 2024.1 with the 2026.1 nova venv installed beside it."""
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET, "--service", "nova")
    status = lab.status()
    found = lab.ssh("controller", "ls -d /openstack/venvs/nova-33.*").stdout.split()
    assert len(found) == 1, found
    return dict(status=status, target_venv=found[0], target=TARGET)


def test_old_computes_and_the_slurp_path_fail(lab, cloud, tmp_path):
    assert set(lab.status()["nova_service_versions"].values()) == {67}
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 2, output
    assert theirs["Older than N-1 computes"] == "Failure", output
    proc, report = run_check_playbook(cloud, tmp_path)
    mine = ours(report)
    # every check the real tool has, the same result
    assert {name: mine.get(name) for name in theirs} == theirs
    assert ours(report, "openstack")[PATH] == "Failure"
    details = {c["name"]: c["details"] for h in report["hosts"] for p in h["projects"] for c in p["checks"]}
    assert "2024.1" in details[PATH] and "2026.1" in details[PATH], details[PATH]
    assert "database" in details[PATH], details[PATH]  # where the current release came from
    assert "67" in details["Older than N-1 computes"], details["Older than N-1 computes"]
    assert report["code"] == 2 and proc.returncode == 2
    assert "Ready to upgrade" not in proc.stdout


@pytest.mark.parametrize("target", ["2026.1", "2026.2"])
def test_lab_refuses_to_upgrade_nova_beyond_slurp(lab, cloud, target):
    """nova 29 -> 33 or 34 in one step: refused with the allowed next steps, nothing changed."""
    before = lab.status()
    refused = subprocess.run([sys.executable, str(LABCTL_PATH), "upgrade-nova", "--to", target],
                             capture_output=True, text=True, timeout=300, check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"refusing to upgrade nova from 2024.1 to {target}" in refused.stderr
    assert "2024.2 or the next SLURP release 2025.1" in refused.stderr
    after = lab.status()
    assert after["nova_service_versions"] == before["nova_service_versions"]
    assert after["nova_venvs"] == before["nova_venvs"] and after["release"] == SOURCE


def test_upgrade_yml_refuses_2024_1_to_2026_1_before_anything_changes(lab, cloud, tmp_path):
    store = tmp_path / "store.db"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=cloud["status"]["clouds_yaml"], ANSIBLE_HOST_KEY_CHECKING="True",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), PYTHONWARNINGS="ignore")
    variables = {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                 "osops_discover_cloud": "lab", "osops_discover_host_versions": True,
                 "osops_discover_store": f"sqlite:///{store}", "osops_upgrade_cluster": "lab",
                 "osops_upgrade_store": f"sqlite:///{store}", "osops_upgrade_target_release": TARGET,
                 "osops_check_cloud": "lab"}

    def play(name):
        return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", cloud["status"]["inventory"],
                               "-e", json.dumps(variables), f"osops.lifecycle.{name}"],
                              env=env, capture_output=True, text=True, timeout=600, check=False)

    assert play("discover").returncode == 0
    before = main_pids(lab)
    refused = play("upgrade")
    out = refused.stdout + refused.stderr
    assert refused.returncode == 2, out[-4000:]
    assert f"Cluster lab cannot be upgraded to {TARGET}: {SOURCE} → {TARGET} skips 2025.1 (SLURP)" in out, out[-4000:]
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        assert db.execute("SELECT count(*) FROM upgrades").fetchone() == (0,)
    assert main_pids(lab) == before  # nothing restarted
