#!/usr/bin/env python
"""A whole-lab rolling upgrade, 2025.1 -> 2026.1: wall time against the driver's own work, and the APIs' answers.

Usage (project venv; brings the lab up at 2025.1 with the 2026.1 venvs, and leaves it at 2026.1)::

    .venv/bin/python tests/lab/bench_upgrade.py [--probe-interval 0.5]

OSOPS_LAB_NET / OSOPS_LAB_HOME pick the lab, as for labctl. What it does and measures:

* ``playbooks/discover.yml`` with the hosts' versions, then ``playbooks/upgrade.yml`` (the
  ``upgrade`` role, venv driver) over SSH, timed from the start of ansible-playbook to its end: the
  **wall time**;
* the **driver's own work**: the sum over the steps of the seconds the driver spent on the hosts
  (switch, restart, wait-ready, the database commands; each step's ``driver_seconds`` in the store),
  and the ratio wall / driver (goal: at most 1.3); the readiness checks (the check role, twice) are
  shown apart - they are the upgrade's own checks, not the driver's work;
* the driver's **busy time**: what of the wall time some driver action ran - per batch, the host
  with the most driver time, a host's database commands counted by their longest service (the
  services' lanes run at once, ``osops_upgrade_db_parallel``) - and wall / busy. The sum above counts
  work done at once (two hosts of a compute batch, the database lanes) once per host or lane, and on
  a lab whose hosts share two CPUs each of those runs longer for the others: busy time is the stricter
  measure of what the orchestration adds;
* per phase, the seconds of its steps; for each compute batch (``--batch-size`` hosts at once),
  the time from its first step's start to its last step's end against each host's own steps;
* a **probe** in a thread (tests/lab/osops_lab/probe.py): every ``--probe-interval`` seconds a fresh
  keystone token (password authentication) and ``GET /v2.1/servers`` of the compute API; for each, the
  share of good answers, the longest outage (first failed ask to the next good one) and the slowest answer.
* ``--controllers 2``: the same on the HA lab (every API on two controllers behind HAProxy on a VIP),
  where the upgrade drains each API's server in HAProxy around its restart; ``--no-drain`` to compare.

Figures print as they are measured; docs/upgrades.md has the last ones.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LABCTL = ROOT / "tests" / "lab" / "labctl"
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode = True  # labctl keeps __pycache__ out of tests/lab
from osops_lab.bench import cpu_seconds  # noqa: E402
from osops_lab.probe import Probe  # noqa: E402
BIN = Path(sys.executable).parent
SOURCE, TARGET = "2025.1", "2026.1"
TARGET_VERSIONS = {"keystone": "29.1.0", "glance": "32.0.0", "placement": "15.0.0", "nova": "33.0.2",
                   "neutron": "28.0.2"}
GOAL_RATIO = 1.3


def labctl(*args: str) -> str:
    res = subprocess.run([sys.executable, str(LABCTL), *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"labctl {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return res.stdout


DB_ACTIONS = {"db_expand", "db_migrate", "db_sync", "api_db_sync", "online_data_migrations", "db_contract"}


def driver_busy_seconds(steps: list[dict]) -> float:
    """Seconds some driver action ran: per batch, the host with the most driver time, where a host's
    database steps count by their longest service (each service's run in a lane of its own, at once)."""
    hosts: dict[tuple, dict[str, float]] = {}
    for step in steps:
        lanes = hosts.setdefault((step["batch"], step["host"]), {})
        lane = step["service"] if step["action"] in DB_ACTIONS else ""
        lanes[lane] = lanes.get(lane, 0.0) + (step["detail"].get("driver_seconds") or 0.0)
    batches: dict[int, float] = {}
    for (batch, _host), lanes in hosts.items():
        own = lanes.pop("", 0.0) + max(lanes.values(), default=0.0)
        batches[batch] = max(batches.get(batch, 0.0), own)
    return sum(batches.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe-interval", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=2, help="compute hosts upgraded at once (default 2)")
    parser.add_argument("--controllers", type=int, default=1,
                        help="2: the HA lab, every API on two controllers behind HAProxy (default 1)")
    parser.add_argument("--no-drain", action="store_true",
                        help="on the HA lab, restart the APIs without taking them out of HAProxy first (to compare)")
    parser.add_argument("--extra-vars", type=json.loads, default={}, metavar="JSON",
                        help='more variables for upgrade.yml, to compare (\'{"osops_check_schema_ask_tool": true}\')')
    args = parser.parse_args()

    labctl("up", "--release", SOURCE, "--controllers", str(args.controllers))
    labctl("install", "--release", TARGET)
    status = json.loads(labctl("status", "--json"))
    work = Path(tempfile.mkdtemp(prefix="osops-bench-upgrade-"))
    store = work / "store.db"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_HOST_KEY_CHECKING="True", PYTHONWARNINGS="ignore")
    variables = {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                 "osops_discover_cloud": "lab", "osops_discover_host_versions": True,
                 "osops_discover_store": f"sqlite:///{store}", "osops_upgrade_cluster": "lab",
                 "osops_upgrade_store": f"sqlite:///{store}", "osops_upgrade_target_release": TARGET,
                 "osops_upgrade_target_versions": TARGET_VERSIONS, "osops_check_cloud": "lab",
                 "osops_upgrade_batch_size": args.batch_size}
    if args.no_drain:
        variables["osops_upgrade_haproxy_hosts"] = []
    variables.update(args.extra_vars)

    busy: dict[str, float] = {}

    def play(name: str) -> float:
        began, cpu = time.monotonic(), cpu_seconds()
        proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", status["inventory"], "-e", json.dumps(variables),
                               f"osops.lifecycle.{name}"], env=env, capture_output=True, text=True, check=False)
        (work / f"{name}.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise SystemExit(f"{name}.yml failed (rc {proc.returncode}); see {work / (name + '.log')}")
        busy[name] = cpu_seconds() - cpu
        return time.monotonic() - began

    import openstack.config
    import openstack.connection
    region = openstack.config.OpenStackConfig(config_files=[status["clouds_yaml"]]).get_one(cloud="lab")
    conn = openstack.connection.Connection(config=region)
    if len(list(conn.compute.servers())) < 2:
        labctl("boot", "2")
    servers = {s.id: s.status for s in conn.compute.servers()}
    play("discover")
    probe = Probe(status["clouds_yaml"], args.probe_interval)
    probe.start()
    time.sleep(2 * args.probe_interval)
    wall = play("upgrade")
    time.sleep(2 * args.probe_interval)
    probe.stop.set()
    probe.join()

    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT s.phase, s.batch, s.host, s.action, s.status, s.detail, s.started_at, s.finished_at, "
                          "s.service FROM upgrade_steps s JOIN upgrades u ON u.id = s.upgrade_id "
                          "ORDER BY s.position").fetchall()
    steps = [dict(zip(("phase", "batch", "host", "action", "status", "detail", "started", "finished", "service"), r))
             for r in rows]
    for step in steps:
        step["detail"] = json.loads(step["detail"] or "{}")
    assert all(s["status"] == "done" for s in steps), "the upgrade did not complete"
    after = {s.id: s.status for s in conn.compute.servers()}
    assert after == servers and set(after.values()) == {"ACTIVE"}, (servers, after)
    driver = sum(s["detail"].get("driver_seconds") or 0.0 for s in steps)
    readiness = sum(s["detail"].get("seconds") or 0.0 for s in steps if s["action"] == "readiness")
    busy_time = driver_busy_seconds(steps)
    print(f"lab {SOURCE} -> {TARGET}: {len(steps)} steps in {max(s['batch'] for s in steps)} batches; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"wall (ansible-playbook upgrade.yml): {wall:.1f} s")
    print(f"driver's own work (sum of driver_seconds): {driver:.1f} s -> ratio {wall / driver:.2f} "
          f"(goal <= {GOAL_RATIO})")
    print(f"readiness checks (check role, before and after): {readiness:.1f} s; "
          f"wall without them / driver: {(wall - readiness) / driver:.2f}")
    print(f"driver's busy time (per batch its busiest host, database lanes by the longest): {busy_time:.1f} s -> "
          f"wall / busy {wall / busy_time:.2f}; without the readiness checks {(wall - readiness) / busy_time:.2f}")
    print(f"CPU during upgrade.yml (the whole machine, lab services and probe included): {busy['upgrade']:.0f} "
          f"core-seconds, {busy['upgrade'] / wall:.2f} of {os.cpu_count()} CPUs busy on average")
    by_phase: dict[str, float] = {}
    for step in steps:
        by_phase[step["phase"]] = by_phase.get(step["phase"], 0.0) + (step["detail"].get("seconds") or 0.0)
    print("step seconds per phase (sum over hosts): " + ", ".join(f"{p} {t:.1f} s" for p, t in by_phase.items()))
    from datetime import datetime
    for batch in sorted({s["batch"] for s in steps if s["phase"] == "compute"}):
        mine = [s for s in steps if s["batch"] == batch]
        span = (max(datetime.fromisoformat(s["finished"]) for s in mine)
                - min(datetime.fromisoformat(s["started"]) for s in mine)).total_seconds()
        hosts = {}
        for s in mine:
            hosts[s["host"]] = hosts.get(s["host"], 0.0) + (s["detail"].get("seconds") or 0.0)
        print(f"compute batch {batch}: {len(hosts)} hosts in {span:.1f} s; each host's steps: "
              + ", ".join(f"{h} {t:.1f} s" for h, t in sorted(hosts.items())))
    for name in ("keystone", "compute"):
        print(probe.summary(name).line(name))
    print(f"instances: {len(after)} before and after, all ACTIVE")
    print(f"logs and store: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
