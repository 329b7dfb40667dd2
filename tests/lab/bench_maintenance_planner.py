#!/usr/bin/env python
"""The maintenance planner at scale: wall time and memory of one plan.

Usage (project venv; no lab needed: the planner is pure code)::

    .venv/bin/python tests/lab/bench_maintenance_planner.py [--hosts 10000] [--instances 200000]
        [--groups 50] [--zones 4] [--max-parallel 1,10] [--repeat 3]

A made-up cloud, the same for every run (random with a fixed seed): ``--hosts`` computes spread
over ``--zones`` availability zones (64 VCPU at allocation ratio 4.0, 256 GiB of memory with 4 GiB
reserved, 3,000 GB of disk), 5 % of them empty and 1 % disabled; ``--instances`` instances of five
flavors on the others, placement usages the sum of their flavors; ``--groups`` anti-affinity server
groups of 8 members on 8 hosts of one zone each. Every host is in the session: the largest plan.

For each ``--max-parallel``, the median wall time of ``--repeat`` plans (goal < 2 s; the CPU time
beside it is what a busy machine does not inflate as much), then one more
plan under tracemalloc for what the planner itself allocates (its plan included), and the process's
peak RSS at the end: interpreter, input and plans together (goal < 300 MB).
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(ROOT)
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.planner import plan_maintenance  # noqa: E402

GOAL_SECONDS = 2.0
GOAL_MB = 300
# name: (VCPU, MEMORY_MB, DISK_GB), weight
FLAVORS = {"tiny": ((1, 1024, 10), 3), "small": ((2, 4096, 40), 4), "medium": ((4, 8192, 80), 3),
           "large": ((8, 16384, 160), 2), "xlarge": ((16, 32768, 320), 1)}


def cloud(n_hosts: int, n_instances: int, n_groups: int, n_zones: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(4711)
    inventories = {"VCPU": {"total": 64, "reserved": 0, "allocation_ratio": 4.0},
                   "MEMORY_MB": {"total": 262144, "reserved": 4096, "allocation_ratio": 1.0},
                   "DISK_GB": {"total": 3000, "reserved": 0, "allocation_ratio": 1.0}}
    hosts = [{"name": f"compute{i:05d}", "az": f"az{i % n_zones + 1}", "enabled": rng.random() >= 0.01,
              "inventories": inventories, "usages": {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}}
             for i in range(n_hosts)]
    busy = [h for h in hosts if rng.random() >= 0.05]
    # One resources dict per flavor, shared by its instances, as a caller building them from flavors does.
    flavors = [(dict(zip(("VCPU", "MEMORY_MB", "DISK_GB"), amounts)), weight) for amounts, weight in FLAVORS.values()]
    choices = rng.choices([f for f, _w in flavors], weights=[w for _f, w in flavors], k=n_instances)
    instances = []
    for i, resources in enumerate(choices):
        host = busy[i % len(busy)]
        for rc, amount in resources.items():
            host["usages"][rc] += amount
        instances.append({"id": f"{i:08d}-0000-4000-8000-000000000000", "host": host["name"],
                          "resources": resources, "power_state": "RUNNING", "server_groups": ()})
    on_host: dict[str, list[int]] = {}
    for i, instance in enumerate(instances):
        on_host.setdefault(instance["host"], []).append(i)
    zones: dict[str, list[str]] = {}
    for host in busy:
        zones.setdefault(host["az"], []).append(host["name"])
    for g in range(n_groups):
        group = ({"id": f"anti-{g:03d}", "policy": "anti-affinity"},)
        members = rng.sample(zones[f"az{g % n_zones + 1}"], 8)
        for name in members:  # one member on each of 8 distinct hosts of the zone
            instances[on_host[name][g % len(on_host[name])]]["server_groups"] = group
    return hosts, instances


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=10000)
    parser.add_argument("--instances", type=int, default=200000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--max-parallel", default="1,10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    began = time.monotonic()
    hosts, instances = cloud(args.hosts, args.instances, args.groups, args.zones)
    print(f"input: {len(hosts):,} hosts, {len(instances):,} instances, {args.groups} anti-affinity groups, "
          f"{args.zones} zones, built in {time.monotonic() - began:.2f} s", flush=True)
    verdicts = []
    for parallel in [int(p) for p in args.max_parallel.split(",")]:
        times, cpu = [], []
        for _run in range(args.repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            plan = plan_maintenance(hosts, instances, max_parallel=parallel)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            del plan
        tracemalloc.start()
        plan = plan_maintenance(hosts, instances, max_parallel=parallel)
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kinds: dict[str, int] = {}
        for batch in plan["batches"]:
            for kind, count in batch["destinations"].items():
                kinds[kind] = kinds.get(kind, 0) + count
        median = statistics.median(times)
        print(f"max_parallel {parallel}: {len(plan['batches']):,} batches, {len(plan['instances']):,} instances move "
              f"({', '.join(f'{k} {v:,}' for k, v in kinds.items())}), {len(plan['moves_twice']):,} move twice; "
              f"wall median {median:.2f} s of {', '.join(f'{t:.2f}' for t in times)} s, "
              f"CPU median {statistics.median(cpu):.2f} s; "
              f"planner allocations peak {peak / 2**20:.0f} MB", flush=True)
        verdicts.append(median < GOAL_SECONDS)
        del plan
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS of the whole process (input and plans): {rss:.0f} MB")
    print(f"goal < {GOAL_SECONDS} s: {'met' if all(verdicts) else 'MISSED'}; goal < {GOAL_MB} MB: "
          f"{'met' if rss < GOAL_MB else 'MISSED'}")


if __name__ == "__main__":
    main()
