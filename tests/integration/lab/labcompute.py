"""compute_service and compute_host_drain against the real lab, through real ansible-playbook runs.

One scenario: three instances on compute1 (two ACTIVE, one SHUTOFF); compute1 disabled with a
reason; its drain planned in check mode (nothing moves), then run (live migrations for the
ACTIVE ones, a confirmed cold migration for the SHUTOFF one, two at a time); compute1 enabled
again. After each step nova is read back independently with openstacksdk, and each step run a
second time changes nothing. Run on demand (``make lab-extra``) by test_drivers_lab.py first, on its fresh lab at
``OSOPS_LAB_SOURCE`` (default 2025.1; ``OSOPS_LAB_NET`` / ``OSOPS_LAB_HOME`` pick which lab).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.cloud import ensure_image_and_flavor  # noqa: E402  (the lab's image and flavor)
sys.dont_write_bytecode = _bytecode

BIN = Path(sys.executable).parent
SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
REASON = "osops lab: kernel update CHG-0012"

# A play on the controller (localhost) whose osops.lifecycle OpenStack modules use the lab's cloud.
LOCAL_PLAY = """
- name: {name}
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/osops.lifecycle.openstack:
      cloud: lab
  tasks:
"""

PLAYBOOK = LOCAL_PLAY.format(name="Compute maintenance building blocks") + """\
    - name: Disable compute1
      osops.lifecycle.compute_service:
        hosts: [compute1]
        state: disabled
        disabled_reason: "{{ reason }}"
      register: result_disable
      tags: [disable]

    - name: Drain compute1
      osops.lifecycle.compute_host_drain:
        host: compute1
        parallel: 2
        migration_timeout: 300
      register: result_drain
      tags: [drain]

    - name: Enable compute1
      osops.lifecycle.compute_service:
        hosts: [compute1]
        state: enabled
      register: result_enable
      tags: [enable]

    - name: Save the step's result
      ansible.builtin.copy:
        content: "{{ lookup('vars', 'result_' + step) | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
      tags: [always]
"""


def playbook(status: dict, tmp_path: Path, step: str, check: bool = False) -> dict:
    """Run one step of PLAYBOOK with ansible-playbook; its module result."""
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    inventory = tmp_path / "localhost.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    result_file = tmp_path / f"{step}.json"
    result_file.unlink(missing_ok=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), PYTHONWARNINGS="ignore")
    for key in [k for k in env if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        del env[key]
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), "--tags", step,
               "-e", json.dumps({"step": step, "reason": REASON, "result_file": str(result_file)})]
    proc = subprocess.run(command + (["--check"] if check else []) + [str(tmp_path / "play.yml")],
                          env=env, capture_output=True, text=True, check=False, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return json.loads(result_file.read_text())


def compute_service(conn, host: str):
    (service,) = [s for s in conn.compute.services() if (s.binary, s.host) == ("nova-compute", host)]
    return service


def boot_on(lab, conn, host: str, names: list[str]) -> dict[str, str]:
    """Boot ``names`` on ``host`` (admin's availability zone ``nova:<host>``); wait until ACTIVE."""
    image_id, flavor_id = ensure_image_and_flavor(conn)
    ids = {name: conn.compute.create_server(name=name, image_id=image_id, flavor_id=flavor_id, networks="none",
                                            availability_zone=f"nova:{host}").id for name in names}

    def active() -> bool:
        servers = [conn.compute.get_server(i) for i in ids.values()]
        assert not [s.id for s in servers if s.status == "ERROR"], "a server went to ERROR while booting"
        return all(s.status == "ACTIVE" for s in servers)

    lab.wait_for(f"{names} ACTIVE on {host}", active, 180)
    return ids


def where(conn, ids: dict[str, str]) -> dict[str, tuple]:
    """name -> (host, status, task_state) as nova reports them now."""
    return {name: (s.compute_host, s.status, s.task_state)
            for name, s in ((name, conn.compute.get_server(i)) for name, i in ids.items())}


def check_disable_drain_enable_compute1(lab, tmp_path: Path) -> None:
    """Three instances on compute1; disable, drain (check mode, then for real), enable, each twice."""
    timings = {}
    started = time.monotonic()
    lab.labctl("up", "--release", SOURCE)
    status = lab.status()
    conn = lab.connect()
    timings["up"] = time.monotonic() - started

    mark = time.monotonic()
    ids = boot_on(lab, conn, "compute1", ["web-1", "web-2", "db-1"])
    conn.compute.stop_server(ids["db-1"])
    lab.wait_for("db-1 SHUTOFF", lambda: conn.compute.get_server(ids["db-1"]).status == "SHUTOFF", 120)
    before = where(conn, ids)
    assert before == {"web-1": ("compute1", "ACTIVE", None), "web-2": ("compute1", "ACTIVE", None),
                      "db-1": ("compute1", "SHUTOFF", None)}
    timings["boot"] = time.monotonic() - mark

    # Disable, with a reason nova shows; a second run changes nothing.
    mark = time.monotonic()
    disabled = playbook(status, tmp_path, "disable")
    assert disabled["changed"] is True and disabled["services"][0]["status"] == "disabled"
    service = compute_service(conn, "compute1")
    assert (service.status, service.disabled_reason, service.state) == ("disabled", REASON, "up")
    assert playbook(status, tmp_path, "disable")["changed"] is False
    timings["disable x2"] = time.monotonic() - mark

    # The drain in check mode returns the plan and moves nothing.
    mark = time.monotonic()
    plan = playbook(status, tmp_path, "drain", check=True)
    assert plan["changed"] is True
    assert {(i["name"], i["method"], i["outcome"]) for i in plan["instances"]} == {
        ("web-1", "live", "planned"), ("web-2", "live", "planned"), ("db-1", "cold", "planned")}
    assert where(conn, ids) == before
    assert all(not list(conn.compute.migrations(server_id=i)) for i in ids.values())
    timings["drain --check"] = time.monotonic() - mark

    # The drain: every instance on compute2 in its original status, each by the method its status asks.
    mark = time.monotonic()
    drained = playbook(status, tmp_path, "drain")
    timings["drain"] = time.monotonic() - mark
    assert drained["changed"] is True
    assert drained["msg"] == "host compute1: 3 instances: 1 moved cold, 2 moved live"
    assert where(conn, ids) == {"web-1": ("compute2", "ACTIVE", None), "web-2": ("compute2", "ACTIVE", None),
                                "db-1": ("compute2", "SHUTOFF", None)}
    assert not [s.id for s in conn.compute.servers(all_projects=True, compute_host="compute1")]
    for instance in drained["instances"]:
        (migration,) = list(conn.compute.migrations(server_id=instance["id"]))
        expected = ("live-migration", "completed") if instance["method"] == "live" else ("migration", "confirmed")
        assert (migration.migration_type, migration.status) == expected, instance
        assert (instance["outcome"], instance["from"], instance["to"], instance["migration_id"]) == (
            "moved", "compute1", "compute2", migration.id)
        assert instance["duration"] > 0
    assert {i["name"]: i["method"] for i in drained["instances"]} == {"web-1": "live", "web-2": "live", "db-1": "cold"}
    again = playbook(status, tmp_path, "drain")
    assert (again["changed"], again["msg"], again["instances"]) == (False, "host compute1 has no instances", [])
    timings["drain again"] = time.monotonic() - mark - timings["drain"]

    # Enable: enabled and up, reason gone; a second run changes nothing.
    mark = time.monotonic()
    enabled = playbook(status, tmp_path, "enable")
    assert enabled["changed"] is True
    service = compute_service(conn, "compute1")
    assert (service.status, service.disabled_reason, service.state) == ("enabled", None, "up")
    assert playbook(status, tmp_path, "enable")["changed"] is False
    timings["enable x2"] = time.monotonic() - mark

    durations = ", ".join(f"{i['name']} {i['method']} {i['duration']} s" for i in drained["instances"])
    print("\ncompute maintenance on the lab: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
          + f"; migrations: {durations}")
