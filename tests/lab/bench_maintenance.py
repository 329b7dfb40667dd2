#!/usr/bin/env python
"""A maintenance session on the lab: wall time against the migrations' own durations, parallel and one by one.

Usage (project venv; brings the lab up with three computes at 2025.1 and leaves it up)::

    .venv/bin/python tests/lab/bench_maintenance.py [--instances 6] [--parallel 1,3]

OSOPS_LAB_NET / OSOPS_LAB_HOME pick the lab, as for labctl. For each ``--parallel`` value (the
migrations off one host at once, ``osops_maintenance_drain_parallel``), in that order:

* the lab's servers are deleted and ``--instances`` booted, half on compute1 and half on compute2,
  every second one stopped (SHUTOFF: a cold migration and its confirmation; ACTIVE: a live migration);
* ``ansible-playbook osops.lifecycle.maintenance`` runs a session over compute1 and compute2 (no
  webhook, no host action: disable, drain, enable, verify per host), timed from its start to its end:
  the **wall time**;
* the **migrations' own work**: nova's migration records of those servers (``GET
  /os-migrations``), each from ``created_at`` to ``updated_at`` (the last change of a completed
  migration), summed; the ratio wall / work (goal: at most 1.5);
* the drains' span: from the first migration's start to the last one's end, per host.

Every server must end where nova says it is, in its power state, off both hosts while they were
disabled (the session's own checks). Figures print as they are measured; docs/maintenance.md has
the last ones.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode = True
from osops_lab.cloud import ensure_image_and_flavor  # noqa: E402  (the lab's image and flavor)

LABCTL = ROOT / "tests" / "lab" / "labctl"
BIN = Path(sys.executable).parent
SOURCE = "2025.1"
GOAL_RATIO = 1.5
HOSTS = ("compute1", "compute2")


def labctl(*args: str) -> str:
    res = subprocess.run([sys.executable, str(LABCTL), *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"labctl {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return res.stdout


def moment(text: str) -> datetime:
    found = datetime.fromisoformat(text)
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def wait(what: str, predicate, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}")


def fresh_servers(conn, count: int) -> dict[str, str]:
    """``count`` servers, half on each of HOSTS, every second one SHUTOFF: id -> its status."""
    for server in list(conn.compute.servers(all_projects=True)):
        conn.compute.delete_server(server.id)
        conn.compute.wait_for_delete(server)
    image_id, flavor_id = ensure_image_and_flavor(conn)
    ids = [conn.compute.create_server(name=f"bench-{i}", image_id=image_id, flavor_id=flavor_id, networks="none",
                                      availability_zone=f"nova:{HOSTS[i % 2]}").id for i in range(count)]

    def all_active():
        servers = [conn.compute.get_server(i) for i in ids]
        if any(s.status == "ERROR" for s in servers):
            raise SystemExit("a server went to ERROR while booting")
        return all(s.status == "ACTIVE" for s in servers)
    wait("the servers ACTIVE", all_active)
    stopped = ids[1::2]
    for server_id in stopped:
        conn.compute.stop_server(server_id)
    wait("the stopped ones SHUTOFF", lambda: all(conn.compute.get_server(i).status == "SHUTOFF" for i in stopped))
    return {i: conn.compute.get_server(i).status for i in ids}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=6)
    parser.add_argument("--parallel", default="1,3", help="migrations off one host at once, one run each")
    args = parser.parse_args()

    labctl("up", "--release", SOURCE, "--computes", "3")
    status = json.loads(labctl("status", "--json"))
    os.environ["OS_CLIENT_CONFIG_FILE"] = status["clouds_yaml"]
    import openstack  # noqa: E402  (after the lab's clouds.yaml is known)
    conn = openstack.connect(cloud="lab")
    work = Path(tempfile.mkdtemp(prefix="osops-bench-maintenance-"))
    store = f"sqlite:///{work / 'store.db'}"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="True", PYTHONWARNINGS="ignore")
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)

    def play(name: str, variables: dict) -> float:
        began = time.monotonic()
        proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", status["inventory"], "-e", json.dumps(variables),
                               f"osops.lifecycle.{name}"], env=env, capture_output=True, text=True, check=False)
        (work / f"{name}-{began:.0f}.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise SystemExit(f"{name}.yml failed (rc {proc.returncode}); see {work}")
        return time.monotonic() - began

    play("discover", {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                      "osops_discover_cloud": "lab", "osops_discover_store": store})
    print(f"lab {SOURCE}, 3 computes; {os.cpu_count()} CPUs; session over {', '.join(HOSTS)}, "
          f"{args.instances} servers (half SHUTOFF)")
    for parallel in (int(p) for p in args.parallel.split(",")):
        servers = fresh_servers(conn, args.instances)
        wall = play("maintenance", {"osops_maintenance_cluster": "lab", "osops_maintenance_cloud": "lab",
                                    "osops_maintenance_store": store, "osops_maintenance_hosts": list(HOSTS),
                                    "osops_maintenance_drain_parallel": parallel})
        migrations = [m for server_id in servers for m in conn.compute.migrations(server_id=server_id)]
        if len(migrations) != len(servers) or any(m.status not in ("completed", "confirmed") for m in migrations):
            raise SystemExit(f"expected one finished migration per server, got "
                             f"{[(m.server_id, m.migration_type, m.status) for m in migrations]}")
        for server_id, before in servers.items():
            now = conn.compute.get_server(server_id)
            if now.status != before:
                raise SystemExit(f"{server_id} is {now.status} after the session, was {before}")
        work_s = sum((moment(m.updated_at) - moment(m.created_at)).total_seconds() for m in migrations)
        spans = {}
        for host in HOSTS:
            mine = [m for m in migrations if m.source_compute == host]
            spans[host] = (max(moment(m.updated_at) for m in mine) - min(moment(m.created_at) for m in mine)
                           ).total_seconds()
        kinds = sorted({m.migration_type for m in migrations})
        print(f"parallel {parallel}: wall (ansible-playbook maintenance.yml) {wall:.1f} s; migrations' own work "
              f"{work_s:.1f} s ({len(migrations)}: {', '.join(kinds)}) -> ratio {wall / work_s:.2f} "
              f"(goal <= {GOAL_RATIO}); drain spans " + ", ".join(f"{h} {s:.1f} s" for h, s in spans.items())
              + f"; load average {os.getloadavg()[0]:.2f}")
    print(f"logs and store: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
