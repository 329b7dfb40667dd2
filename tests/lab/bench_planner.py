#!/usr/bin/env python
"""The upgrade planner at 10,000 hosts: wall time and peak memory of one plan.

Usage (project venv; no lab needed, the planner is pure code)::

    .venv/bin/python tests/lab/bench_planner.py [--repeat 5] [--batch-size 50]

The cluster is what ``cluster_discover`` would record for a large cloud at 2025.1: 30 controllers
each running five services (keystone, glance-api, placement-api, nova's conductor, scheduler and
api, neutron-server) and 9,970 nova-compute hosts spread over 8 availability zones. It is planned
to 2026.1 (a SLURP upgrade) with ``plan_upgrade`` exactly as ``osops.lifecycle.upgrade`` plans it.

* time: ``time.perf_counter`` around ``plan_upgrade``, ``--repeat`` runs, the median (and the
  slowest) reported; nothing else runs in the process meanwhile;
* memory: ``tracemalloc``'s peak during one more ``plan_upgrade`` (a run of its own: tracing slows
  the planner down), i.e. what the plan costs above the cluster record; and the process's maximum
  resident set size (``ru_maxrss``) once everything ran, the interpreter and the cluster included.

Goals: < 1 s and < 200 MB. Figures print as they are measured.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
if not LINK.exists():  # the link tree tests/conftest.py makes, for the collection's real import name
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(ROOT)
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.planner import plan_upgrade  # noqa: E402

GOAL_SECONDS = 1.0
GOAL_MB = 200.0
CONTROLLERS, COMPUTES, ZONES = 30, 9970, 8
# 2025.1 versions of the lab's venvs.
VERSIONS = {"keystone": "27.1.0", "glance": "30.2.0", "placement": "13.0.1", "nova": "31.3.1", "neutron": "26.0.6"}
CONTROL_BINARIES = (("keystone", "keystone"), ("glance", "glance-api"), ("placement", "placement-api"),
                    ("nova", "nova-conductor"), ("nova", "nova-scheduler"), ("nova", "nova-api"),
                    ("neutron", "neutron-server"))


def component(service: str, binary: str, host: str, zone: str | None = None) -> dict:
    return {"service": service, "binary": binary, "host": host, "version": VERSIONS[service], "release": "2025.1",
            "state": "up", "extra": {"zone": zone, "release_reason": "%s %s shipped in 2025.1" % (
                service, VERSIONS[service])} if zone else {}}


def cluster() -> dict:
    """The record of a 10,000-host cloud, as ``_store.clusters.get_cluster`` returns it."""
    hosts, components = [], []
    for n in range(1, CONTROLLERS + 1):
        name = "ctl%02d" % n
        hosts.append({"name": name, "address": "10.0.0.%d" % n, "roles": ["control"]})
        components += [component(service, binary, name, "internal") for service, binary in CONTROL_BINARIES]
    for n in range(1, COMPUTES + 1):
        name = "cmp%05d" % n
        hosts.append({"name": name, "address": "10.%d.%d.%d" % (1 + n // 65536, n // 256 % 256, n % 256),
                      "roles": ["compute"]})
        components.append(component("nova", "nova-compute", name, "az%d" % (1 + n % ZONES)))
    return {"name": "bench", "region": "RegionOne", "method": "openstack_api", "state": "active",
            "hosts": sorted(hosts, key=lambda h: h["name"]),
            "components": sorted(components, key=lambda c: (c["service"], c["binary"], c["host"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=50, help="compute hosts per batch (default 50)")
    args = parser.parse_args()
    record = cluster()
    options = {"batch_size": args.batch_size}
    print(f"cluster: {len(record['hosts']):,} hosts ({CONTROLLERS} controllers x 5 services, {COMPUTES:,} computes "
          f"in {ZONES} zones), {len(record['components']):,} components; 2025.1 -> 2026.1, batch_size "
          f"{args.batch_size}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    times = []
    steps = []
    for i in range(args.repeat):
        del steps
        gc.collect()
        began = time.perf_counter()
        steps = plan_upgrade(record, "2026.1", options)
        times.append(time.perf_counter() - began)
        print(f"  run {i + 1}: {times[-1]:.3f} s", flush=True)
    batches = steps[-1]["detail"]["batch"]
    phases = {}
    for step in steps:
        phases[step["phase"]] = phases.get(step["phase"], 0) + 1
    print(f"plan: {len(steps):,} steps in {batches:,} batches ("
          + ", ".join(f"{phase} {count:,}" for phase, count in phases.items()) + ")", flush=True)
    del steps
    gc.collect()
    tracemalloc.start()
    plan_upgrade(record, "2026.1", options)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    median = statistics.median(times)
    print(f"time: median {median:.3f} s, slowest {max(times):.3f} s of {args.repeat} (goal < {GOAL_SECONDS:.0f} s): "
          f"{'met' if max(times) < GOAL_SECONDS else 'NOT met'}")
    print(f"memory: plan peak {peak_mb:.1f} MB (tracemalloc), process max RSS {rss_mb:.1f} MB (goal < {GOAL_MB:.0f} MB): "
          f"{'met' if rss_mb < GOAL_MB else 'NOT met'}")


if __name__ == "__main__":
    main()
