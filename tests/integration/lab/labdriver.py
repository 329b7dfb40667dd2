"""The lab driver: runs ``tests/lab/labctl`` and talks to the lab it brings up (SSH, SQL, openstacksdk).

Shared by the lab tier's fixtures (``conftest.py``) and the on-demand crash trials (``tests/chaos``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[3]
LABCTL = ROOT / "tests" / "lab" / "labctl"
T = TypeVar("T")


class LabDriver:
    """Runs labctl and talks to the lab it brings up."""

    @staticmethod
    def wait_for(what: str, probe: Callable[[], T], timeout: float, interval: float = 1.0) -> T:
        """Poll ``probe`` until it returns something truthy (bounded); fail the test naming ``what``."""
        deadline = time.monotonic() + timeout
        while True:
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    @staticmethod
    def home() -> Path:
        """The lab home labctl uses (same environment variables)."""
        cache = Path(os.environ.get("OSOPS_LAB_CACHE", Path.home() / ".cache" / "osops-lab"))
        return Path(os.environ.get("OSOPS_LAB_HOME", cache / "run")).resolve()

    def labctl(self, *args: str, timeout: float = 1500) -> subprocess.CompletedProcess[str]:
        """Run a labctl command; fail the test with its output when it fails."""
        res = subprocess.run([sys.executable, str(LABCTL), *args], capture_output=True, text=True,
                             timeout=timeout, check=False)
        if res.returncode != 0:
            pytest.fail(f"labctl {' '.join(args)} failed (rc={res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res

    def status(self) -> dict[str, Any]:
        """``labctl status --json``."""
        return json.loads(self.labctl("status", "--json").stdout)

    def connect(self):
        """openstacksdk connection to the ``lab`` cloud from the lab's clouds.yaml."""
        import openstack.config
        import openstack.connection

        clouds = self.status()["clouds_yaml"]
        region = openstack.config.OpenStackConfig(config_files=[clouds]).get_one(cloud="lab")
        return openstack.connection.Connection(config=region)

    def ssh(self, host: str, command: str) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on a lab host over real SSH (key only, checked host key)."""
        status = self.status()
        address = next(h["address"] for h in status["hosts"] if h["name"] == host)
        port = next(h["ssh_port"] for h in status["hosts"] if h["name"] == host)
        known_hosts = Path(status["ssh_key"]).parent / "known_hosts"
        return subprocess.run(
            ["ssh", "-i", status["ssh_key"], "-p", str(port), "-o", f"UserKnownHostsFile={known_hosts}",
             "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"root@{address}", command],
            capture_output=True, text=True, timeout=120, check=False)

    def mysql(self, sql: str) -> str:
        """Run SQL on the lab's MariaDB as its service user (tab-separated rows, no header)."""
        controller = next(h["address"] for h in self.status()["hosts"] if h["name"] == "controller")
        res = subprocess.run(["mariadb", "-h", controller, "-P", "3306", "-u", "osops", "-psecret", "-N", "-B",
                              "-e", sql], capture_output=True, text=True, timeout=60, check=False)
        if res.returncode != 0:
            pytest.fail(f"SQL on the lab failed: {sql}\n{res.stderr}")
        return res.stdout
