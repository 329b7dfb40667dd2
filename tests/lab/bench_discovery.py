#!/usr/bin/env python
"""Discovery at scale on the lab: seeded computes, API calls per page, and openstackclient.

Usage (project venv, a lab that is up; e.g. a second lab)::

    OSOPS_LAB_NET=127.0.1 OSOPS_LAB_HOME=~/.cache/osops-lab/run-b \\
        .venv/bin/python tests/lab/bench_discovery.py [--sizes 0,5000] [--repeat 3]

For each size (0: the lab as it is, two computes), in this order:

Part A seeds the lab's REAL databases and APIs up to that size: ``nova-compute`` rows in
``services``, hypervisors in ``compute_nodes`` (the columns nova's fake driver writes, copied from
compute1's row) and their ``host_mappings`` in nova's API database, straight into MariaDB; one
resource provider per seeded compute through the REAL placement API (openstacksdk, concurrently;
placement has no bulk create). Then ``playbooks/discover.yml`` (method ``openstack_api``) runs with
ansible-playbook as an operator runs it, on a fresh store: wall time and the ``api_calls`` the
module reports, for two modes, their runs interleaved so both meet the same load of a shared
machine: the default ``params.hypervisors`` (``auto``: hypervisors are listed only up to 500
nova-compute services) and ``always`` (hypervisors listed whatever the size). Goal: < 10 s at 5,000
hosts, calls growing with pages, not hosts.

Part B, on the same lab at the same size: the python-openstackclient commands an operator would
type for the same facts, each as its own process (the ``osc`` venv is built from the lab's
constraints with the lab's install helper when missing). Goal: ours <= 0.25x theirs for the same
facts: each discovery against every command when it read the hypervisors, against every command
but ``hypervisor list`` when it skipped them.

Seeded rows and providers are removed at the end (also on failure), leaving the lab as it was.
Figures print as they are measured; the median of ``--repeat`` runs is reported.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from osops_lab.bench import running_lab  # noqa: E402
from osops_lab.install import ensure_venv, venv_path  # noqa: E402
from osops_lab.paths import LabPaths  # noqa: E402
from osops_lab.releases import FREEZE_2026_2, VenvSpec  # noqa: E402

#: python-openstackclient (and osc-placement for ``resource provider list``) at the versions of the
#: lab's 2026.2 freeze; a venv of its own under the lab cache, never inside a lab host's view.
OSC = VenvSpec("osc", "10.5.0", ("python-openstackclient==10.5.0", "osc-placement==4.9.1"), FREEZE_2026_2)
PREFIX = "bench-"  # every seeded host name starts with it
GOAL_SECONDS = 10.0
GOAL_RATIO = 0.25
DB_USER, DB_PASSWORD = "osops", "secret"  # tests/lab/osops_lab/services.py
UPTIME = " 07:40:15 up 12 days,  2:56,  0 users,  load average: 0.52, 0.41, 0.30"  # as libvirt's driver reports


def controller(status: dict) -> str:
    return next(h["address"] for h in status["hosts"] if h["name"] == "controller")


def db(status: dict, name: str):
    import pymysql

    return pymysql.connect(host=controller(status), port=3306, user=DB_USER, password=DB_PASSWORD, database=name,
                           autocommit=False)


def connect(status: dict):
    import openstack.config
    import openstack.connection

    region = openstack.config.OpenStackConfig(config_files=[status["clouds_yaml"]]).get_one(cloud="lab")
    return openstack.connection.Connection(config=region)


# --------------------------------------------------------------------------- seeding

def seeded_hosts(status: dict) -> list[str]:
    with db(status, "nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT host FROM services WHERE host LIKE %s AND deleted = 0 ORDER BY host", (PREFIX + "%",))
        return [row[0] for row in cur.fetchall()]


def seed_nova(status: dict, start: int, stop: int) -> list[tuple[str, str]]:
    """Computes ``start``..``stop-1`` into nova's cell and API databases; ``[(host, node uuid)]``."""
    hosts = [(f"{PREFIX}{i:05d}", str(uuid.uuid4())) for i in range(start, stop)]
    now = datetime.datetime.utcnow().replace(microsecond=0)
    with db(status, "nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT `binary`, topic, version FROM services WHERE host = 'compute1' AND deleted = 0")
        binary, topic, version = cur.fetchone()
        cur.executemany(
            "INSERT INTO services (created_at, updated_at, host, `binary`, topic, report_count, disabled, deleted, "
            "last_seen_up, forced_down, version, uuid) VALUES (%s, %s, %s, %s, %s, 1, 0, 0, %s, 0, %s, %s)",
            [(now, now, host, binary, topic, now, version, str(uuid.uuid4())) for host, _node_uuid in hosts])
        cur.execute("SELECT host, id FROM services WHERE host LIKE %s AND deleted = 0", (PREFIX + "%",))
        service_ids = dict(cur.fetchall())
        columns = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used",
                   "hypervisor_type", "hypervisor_version", "cpu_info", "disk_available_least", "free_ram_mb",
                   "free_disk_gb", "current_workload", "running_vms", "supported_instances", "pci_stats",
                   "metrics", "extra_resources", "stats", "numa_topology", "ram_allocation_ratio",
                   "cpu_allocation_ratio", "disk_allocation_ratio")
        cur.execute(f"SELECT {', '.join(columns)} FROM compute_nodes WHERE host = 'compute1' AND deleted = 0")
        # Libvirt computes, the common case: QEMU, and the host's uptime in stats (nova-api then answers
        # GET /os-hypervisors/detail at 2.88 from the row instead of one RPC call per hypervisor).
        template = dict(zip(columns, cur.fetchone()), hypervisor_type="QEMU", hypervisor_version=8000000,
                        stats=json.dumps({"failed_builds": "0", "uptime": UPTIME}))
        template = tuple(template[c] for c in columns)
        names = ("created_at", "updated_at", "service_id", "host", "hypervisor_hostname", "host_ip", "uuid",
                 "mapped", "deleted") + columns
        cur.executemany(
            f"INSERT INTO compute_nodes ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
            [(now, now, service_ids[host], host, host, f"127.1.{i // 250}.{i % 250 + 1}", node, 1, 0) + template
             for i, (host, node) in enumerate(hosts, start)])
        conn.commit()
    with db(status, "nova_api") as conn, conn.cursor() as cur:
        cur.execute("SELECT cell_id FROM host_mappings WHERE host = 'compute1'")
        (cell,) = cur.fetchone()
        cur.executemany("INSERT INTO host_mappings (created_at, cell_id, host) VALUES (%s, %s, %s)",
                        [(now, cell, host) for host, _node_uuid in hosts])
        conn.commit()
    return hosts


def heartbeat(status: dict) -> None:
    """Mark every seeded compute as just seen, as a running nova-compute does every 10 s.

    nova-api reports a service down once its last heartbeat is older than ``service_down_time``
    (60 s): without this, the seeded computes would go down in the middle of a measurement and
    an unchanged rediscovery would see them change.
    """
    with db(status, "nova") as conn, conn.cursor() as cur:
        cur.execute("UPDATE services SET last_seen_up = UTC_TIMESTAMP() WHERE host LIKE %s AND deleted = 0",
                    (PREFIX + "%",))
        conn.commit()


def _pool_map(status: dict, work, items, workers: int = 6) -> None:
    """``work(conn, item)`` for every item, ``workers`` openstacksdk connections at a time."""
    chunks = [items[i::workers] for i in range(workers)]

    def run(chunk):
        conn = connect(status)
        try:
            for item in chunk:
                work(conn, item)
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(run, chunk) for chunk in chunks if chunk]:
            future.result()


def seed_placement(status: dict, hosts: list[tuple[str, str]]) -> None:
    """One resource provider per compute (name = host, uuid = its compute node's), as nova-compute makes."""
    _pool_map(status, lambda conn, h: conn.placement.create_resource_provider(name=h[0], id=h[1]), hosts)


def seed(status: dict, start: int, stop: int) -> float:
    began = time.monotonic()
    hosts = seed_nova(status, start, stop)
    seed_placement(status, hosts)
    return time.monotonic() - began


def clean(status: dict) -> float:
    """Remove every seeded row and provider (idempotent)."""
    began = time.monotonic()
    conn = connect(status)
    try:
        providers = [p.id for p in conn.placement.resource_providers() if p.name.startswith(PREFIX)]
    finally:
        conn.close()
    _pool_map(status, lambda c, rp: c.placement.delete_resource_provider(rp, ignore_missing=True), providers)
    with db(status, "nova") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM compute_nodes WHERE host LIKE %s", (PREFIX + "%",))
        cur.execute("DELETE FROM services WHERE host LIKE %s", (PREFIX + "%",))
        conn.commit()
    with db(status, "nova_api") as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM host_mappings WHERE host LIKE %s", (PREFIX + "%",))
        conn.commit()
    return time.monotonic() - began


# --------------------------------------------------------------------------- measuring

def ansible_env(status: dict, home: Path) -> dict[str, str]:
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_LOCAL_TEMP=str(home / "tmp"), PYTHONWARNINGS="ignore")
    for key in [k for k in env if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        del env[key]
    return env


#: ``params.hypervisors`` of the discoveries timed: the default, and hypervisors read at any size.
MODES = ("auto", "always")


def discover_command(store: Path, mode: str) -> list[str]:
    variables = {"osops_discover_cluster": "bench", "osops_discover_method": "openstack_api",
                 "osops_discover_cloud": "lab", "osops_discover_store": f"sqlite:///{store}"}
    if mode != "auto":  # auto is the default: the operator passes nothing
        variables["osops_discover_params"] = {"hypervisors": mode}
    return [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
            "-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(variables),
            str(ROOT / "playbooks" / "discover.yml")]


def nova_api_log(status: dict) -> Path:
    return Path(status["home"]) / "hosts" / "controller" / "log" / "nova-api.log"


def nova_api_seconds(status: dict, offset: int) -> float:
    """Seconds nova-api spent answering the requests it logged after ``offset`` (its request log)."""
    with nova_api_log(status).open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    return sum(float(line.rsplit(" time: ", 1)[1]) for line in lines if "requestlog" in line and " time: " in line)


def run_discovery(status: dict, work: Path, store_path: Path, mode: str) -> tuple[float, dict]:
    """One ansible-playbook run of playbooks/discover.yml: (wall seconds, what it recorded)."""
    heartbeat(status)
    offset = nova_api_log(status).stat().st_size
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat()
    began = time.monotonic()
    proc = subprocess.run(discover_command(store_path, mode), env=ansible_env(status, work), capture_output=True,
                          text=True, check=False, timeout=900)
    took = time.monotonic() - began
    if proc.returncode != 0:
        sys.exit(f"discovery failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    # Read back from the store, as an operator's later steps do (no -v: its printing of a 5 MB result
    # is not part of a discovery).
    sys.path.insert(0, str(ROOT / ".cache" / "collections"))
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster, last_discovery_run
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import open_store

    store = open_store(f"sqlite:///{store_path}")
    try:
        run = last_discovery_run(store, "bench")
        result = {"cluster": get_cluster(store, "bench"), "api_calls": run["api_calls"],
                  "changed": run["started_at"] > started_at}
    finally:
        store.close()
    result["nova_api_seconds"] = nova_api_seconds(status, offset)
    result["warned"] = "hypervisor details (type, version, host address) not read" in proc.stdout + proc.stderr
    return took, result


def measure_discovery(status: dict, hosts: int, repeat: int) -> dict[str, dict]:
    """Each mode of ``MODES`` ``repeat`` times, interleaved (auto, always, auto, ...), so that both meet
    the same load of a shared machine; then an unchanged rediscovery of each. ``{mode: row}``."""
    work = Path(tempfile.mkdtemp(prefix="osops-bench-discovery-"))
    try:
        rows = {mode: {"times": [], "calls": set(), "nova": []} for mode in MODES}
        for i in range(repeat):
            for mode in MODES:
                # What the module must have done: auto reads the hypervisors up to 500 nova-compute services.
                expect = mode == "always" or hosts + 2 <= 500
                took, result = run_discovery(status, work, work / f"store-{mode}-{i}.db", mode)  # a first discovery
                computes = [c for c in result["cluster"]["components"] if c["binary"] == "nova-compute"]
                assert len(computes) == hosts + 2, (len(computes), hosts)
                read = all("hypervisor_type" in c["extra"] for c in computes)
                assert read == expect and result["warned"] != expect, (mode, hosts, read)
                rows[mode]["times"].append(took)
                rows[mode]["calls"].add(result["api_calls"])
                rows[mode]["nova"].append(result["nova_api_seconds"])
                rows[mode]["hypervisors"] = expect
        for mode in MODES:
            again, result = run_discovery(status, work, work / f"store-{mode}-{repeat - 1}.db", mode)  # unchanged
            assert result["changed"] is False
            row = rows[mode]
            rows[mode] = {"hosts": hosts + 2, "mode": mode, "hypervisors": row["hypervisors"],
                          "first": statistics.median(row["times"]), "runs": row["times"], "again": again,
                          "calls": sorted(row["calls"]), "nova_api": statistics.median(row["nova"])}
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


OSC_COMMANDS = (
    ("service list",),
    ("endpoint list",),
    ("compute service list",),
    ("hypervisor list",),
    ("resource provider list",),
    ("network agent list",),
)


def measure_osc(status: dict, repeat: int) -> dict:
    """Wall time of the openstackclient commands, each its own process; median per command."""
    ensure_venv(LabPaths.from_env(), OSC, log=lambda msg: print(f"  {msg}", flush=True))
    tool = venv_path(LabPaths.from_env(), OSC) / "bin" / "openstack"
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], OS_CLOUD="lab", PYTHONWARNINGS="ignore")
    medians = {}
    for (command,) in OSC_COMMANDS:
        runs = []
        for _run in range(repeat):
            began = time.monotonic()
            proc = subprocess.run([str(tool), *command.split(), "-f", "value"], env=env, capture_output=True,
                                  text=True, check=False, timeout=900)
            runs.append(time.monotonic() - began)
            if proc.returncode != 0:
                sys.exit(f"openstack {command} failed:\n{proc.stderr[-2000:]}")
        medians[command] = statistics.median(runs)
        print(f"  openstack {command:<24} {medians[command]:6.2f} s  ({len(proc.stdout.splitlines())} rows; "
              f"runs {', '.join('%.2f' % r for r in runs)})", flush=True)
    return medians


def compare(rows: dict[str, dict], theirs: dict[str, float]) -> None:
    """Ours against the openstackclient commands for the facts each discovery read: every command when it
    read the hypervisors, every command but ``hypervisor list`` when it skipped them."""
    total = sum(theirs.values())
    for mode in MODES:
        row = rows[mode]
        against, label = total, "every command: the same facts"
        if not row["hypervisors"]:
            against, label = total - theirs["hypervisor list"], "without hypervisor list: the facts it read"
        ratio = row["first"] / against
        print(f"  {row['hosts']} computes, {mode}: ours {row['first']:.2f} s, openstackclient {against:.2f} s "
              f"({label}; sum of medians), ratio {ratio:.2f} (goal <= {GOAL_RATIO}: "
              f"{'met' if ratio <= GOAL_RATIO else 'MISSED'})", flush=True)


def load() -> str:
    return ", ".join("%.2f" % value for value in os.getloadavg())


def volume_service(status: dict) -> bool:
    conn = connect(status)
    try:
        return any(e.get("type") in ("block-storage", "volumev3", "volume")
                   for e in conn.session.auth.get_access(conn.session).service_catalog.catalog)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,5000", help="seeded computes, ascending; 0 is the lab as it is "
                        "(default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clean-only", action="store_true", help="only remove seeded rows and providers")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    status = running_lab("bench_discovery")
    print(f"lab {status['home']} release {status['release']}, {os.cpu_count()} CPUs, "
          f"load average {load()}", flush=True)
    print(f"cleaned leftovers in {clean(status):.1f} s", flush=True)
    if args.clean_only:
        return
    try:
        seeded = 0
        for size in sizes:
            took = seed(status, seeded, size)
            print(f"{size + 2} computes: seeded {size - seeded} (nova DB rows + placement providers) in {took:.1f} s",
                  flush=True)
            seeded = size
            print("  part A: discovery (ansible-playbook playbooks/discover.yml, method openstack_api, fresh store; "
                  "params.hypervisors auto = the default, and always)")
            rows = measure_discovery(status, size, args.repeat)
            for mode in MODES:
                row = rows[mode]
                verdict = "met" if row["first"] < GOAL_SECONDS else "MISSED"
                print(f"  {row['hosts']:5d} computes, {mode:<6} (hypervisors {'read' if row['hypervisors'] else 'skipped'}):"
                      f" {row['first']:5.2f} s median (runs {', '.join('%.2f' % r for r in row['runs'])}), of which "
                      f"nova-api answering {row['nova_api']:.2f} s; rediscovery {row['again']:.2f} s; api_calls "
                      f"{row['calls']}  (goal < {GOAL_SECONDS:.0f} s: {verdict}); load average {load()}", flush=True)
            print("  part B: python-openstackclient for the same facts, each command its own process")
            if not volume_service(status):
                print("  skipped: openstack volume service list (no block-storage service in the catalog)")
            theirs = measure_osc(status, args.repeat)
            print(f"  load average {load()}", flush=True)
            compare(rows, theirs)
    finally:
        print(f"cleaned seeded rows and providers in {clean(status):.1f} s "
              f"({len(seeded_hosts(status))} left)", flush=True)


if __name__ == "__main__":
    main()
