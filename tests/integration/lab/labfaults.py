"""Faults in the APIs on the real lab (test_opchecks_lab.py): HAProxy in front of nova-api and placement answers 503, resets, delays.

HAProxy (``haproxy_faults.FaultProxy``, Debian's package) listens on the controller's address on
free ports in front of nova-api (8774) and placement (8778); a copy of the lab's clouds.yaml sends
every nova and placement request through it (openstacksdk's ``compute_endpoint_override`` and
``placement_endpoint_override``; discovery reads them too), keystone, glance and neutron are
reached directly. The faults hit one request in three of each path (HAProxy counts them, so a run
meets the same faults each time) or, for nova, every request:

* the ``discover`` playbook (openstack_api) with 503s, resets and 1 s delays: it records the
  lab's nova services and computes as without faults;
* ``check.yml`` with 503s and resets by turns: no Error, nova's and placement's API checks Success;
* ``check.yml`` with nova answering 503 every time: the nova API checks (services, instances in
  transitional states) are Error rows naming the endpoint, every other row as in the run before.

docs/reliability.md#faults-in-the-apis.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import openstack
import openstack.config
import openstack.connection
import yaml

from ansible_collections.osops.lifecycle.tests.integration.haproxy_faults import FaultProxy

ROOT = Path(__file__).resolve().parents[3]
#: The nova API checks of check.yml: (project, check) -> the path each asks first.
NOVA_API_CHECKS = {("nova", "Services up and enabled"): "/os-services",
                   ("nova", "Instances in transitional states"): "/servers/detail"}


def faults_cloud(lab, cloud: dict) -> dict:
    """``cloud`` with the catalog's nova and placement endpoints and the controller's address."""
    status = lab.status()
    conn = openstack.connection.Connection(
        config=openstack.config.OpenStackConfig(config_files=[status["clouds_yaml"]]).get_one("lab"))
    try:
        found = {"compute": conn.endpoint_for("compute"), "placement": conn.endpoint_for("placement")}
    finally:
        conn.close()
    controller = next(h["address"] for h in status["hosts"] if h["name"] == "controller")
    return dict(cloud, endpoints=found, controller=controller)


def faulty(cloud, tmp_path: Path, kind: str, every: int = 3, services=("compute", "placement")) -> tuple[FaultProxy, dict]:
    """HAProxy on the controller's address in front of nova-api and placement, faulting ``services``;
    and a copy of ``cloud`` whose clouds.yaml sends nova and placement through it."""
    backends = {}
    for service, url in cloud["endpoints"].items():
        parts = urlsplit(url)
        backends[service] = (parts.hostname, parts.port)
    # one HAProxy for both services: only the faulted ones carry the rules
    proxy = FaultProxy(tmp_path, backends, kind=kind, every=every, delay_ms=1000, address=cloud["controller"],
                       faulty=services)
    proxy.start()
    clouds = yaml.safe_load(Path(cloud["status"]["clouds_yaml"]).read_text())
    lab = clouds["clouds"]["lab"]
    for service, url in cloud["endpoints"].items():
        parts = urlsplit(url)
        lab["%s_endpoint_override" % service] = urlunsplit(
            (parts.scheme, urlsplit(proxy.urls[service]).netloc, parts.path, parts.query, parts.fragment))
    lab["api_timeout"] = 10
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump(clouds))
    path.chmod(0o600)
    return proxy, dict(cloud, status=dict(cloud["status"], clouds_yaml=str(path)))


def discover(cloud, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list]:
    """The discover playbook (openstack_api) into a SQLite store in ``tmp_path``; the components it recorded."""
    store = tmp_path / "store.db"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=cloud["status"]["clouds_yaml"])
    inventory = tmp_path / "controller.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    variables = {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                 "osops_discover_cloud": "lab", "osops_discover_store": f"sqlite:///{store}"}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
                           "-e", json.dumps(variables), str(ROOT / "playbooks" / "discover.yml")],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    components = []
    if store.exists():
        with sqlite3.connect(str(store)) as db:
            components = sorted(db.execute("SELECT binary, host, state FROM components").fetchall())
    return proc, components


def rows(report: dict) -> dict[tuple[str, str, str], tuple[str, str | None]]:
    """(host, project, check) -> (result, details) of every row of a check report."""
    return {(host["host"], section["project"], check["name"]): (check["result"], check.get("details"))
            for host in report["hosts"] for section in host["projects"] for check in section["checks"]}
