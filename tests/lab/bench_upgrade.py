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
* per phase, the wall time of its batches (first step's start to last step's end) against the
  driver's seconds in them: work done at once (the hosts of a compute batch, a host's database
  commands of several services, ``osops_upgrade_db_parallel``) counts once per host or command in
  the sum, once in the wall time; and the ratio again with each database batch counted at its wall
  time instead of its commands' sum (their overlap once; the compute batch's hosts still once each);
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
from datetime import datetime
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


def driver_db_overlap_once(steps: list[dict]) -> float:
    """The driver's seconds, each batch of database steps counted at most at its wall time."""
    batches: dict[int, list] = {}
    total = 0.0
    for step in steps:
        seconds = step["detail"].get("driver_seconds") or 0.0
        total += seconds
        if step["action"] in DB_ACTIONS:
            start, end = datetime.fromisoformat(step["started"]), datetime.fromisoformat(step["finished"])
            batch = batches.setdefault(step["batch"], [0.0, start, end])
            batch[0] += seconds
            batch[1], batch[2] = min(batch[1], start), max(batch[2], end)
    return total - sum(max(0.0, summed - (end - start).total_seconds()) for summed, start, end in batches.values())


def phase_seconds(steps: list[dict]) -> dict[str, tuple[float, float]]:
    """Per phase, in order: (seconds of its batches from first start to last end, driver seconds)."""
    spans: dict[int, list] = {}
    phases: dict[str, list] = {}
    for step in steps:
        start, end = datetime.fromisoformat(step["started"]), datetime.fromisoformat(step["finished"])
        span = spans.setdefault(step["batch"], [start, end, step["phase"]])
        span[0], span[1] = min(span[0], start), max(span[1], end)
        phase = phases.setdefault(step["phase"], [0.0, 0.0])
        phase[1] += step["detail"].get("driver_seconds") or 0.0
    for start, end, phase in spans.values():
        phases[phase][0] += (end - start).total_seconds()
    return dict((name, (round(wall, 1), round(driver, 1))) for name, (wall, driver) in phases.items())


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
        rows = db.execute("SELECT s.phase, s.batch, s.host, s.action, s.status, s.detail, s.started_at, s.finished_at "
                          "FROM upgrade_steps s JOIN upgrades u ON u.id = s.upgrade_id ORDER BY s.position").fetchall()
    steps = [dict(zip(("phase", "batch", "host", "action", "status", "detail", "started", "finished"), r)) for r in rows]
    for step in steps:
        step["detail"] = json.loads(step["detail"] or "{}")
    assert all(s["status"] == "done" for s in steps), "the upgrade did not complete"
    after = {s.id: s.status for s in conn.compute.servers()}
    assert after == servers and set(after.values()) == {"ACTIVE"}, (servers, after)
    driver = sum(s["detail"].get("driver_seconds") or 0.0 for s in steps)
    readiness = sum(s["detail"].get("seconds") or 0.0 for s in steps if s["action"] == "readiness")
    print(f"lab {SOURCE} -> {TARGET}: {len(steps)} steps in {max(s['batch'] for s in steps)} batches; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"wall (ansible-playbook upgrade.yml): {wall:.1f} s")
    print(f"driver's own work (sum of driver_seconds): {driver:.1f} s -> ratio {wall / driver:.2f} "
          f"(goal <= {GOAL_RATIO})")
    print(f"readiness checks (check role, before and after): {readiness:.1f} s; "
          f"wall without them / driver: {(wall - readiness) / driver:.2f}")
    once = driver_db_overlap_once(steps)
    print(f"each database batch at its wall time (the lanes' overlap once): {once:.1f} s -> ratio {wall / once:.2f}")
    print("per phase, its batches' wall time / the driver's seconds in them: " + ", ".join(
        f"{name} {wall_s:.1f} / {driver_s:.1f} s" for name, (wall_s, driver_s) in phase_seconds(steps).items()))
    print(f"CPU during upgrade.yml (the whole machine, lab services and probe included): {busy['upgrade']:.0f} "
          f"core-seconds, {busy['upgrade'] / wall:.2f} of {os.cpu_count()} CPUs busy on average")
    by_phase: dict[str, float] = {}
    for step in steps:
        by_phase[step["phase"]] = by_phase.get(step["phase"], 0.0) + (step["detail"].get("seconds") or 0.0)
    print("step seconds per phase (sum over hosts): " + ", ".join(f"{p} {t:.1f} s" for p, t in by_phase.items()))
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
