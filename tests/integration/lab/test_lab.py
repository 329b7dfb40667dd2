"""The lab is a real, upgradable OpenStack, highly available with ``--controllers 2``.

In order: a smoke test at the source release on the HA lab (every API on two controllers behind
HAProxy on a VIP: discovery, ``nova-status``, boot, live migration), the collection's
``openstack_api`` discovery of that lab (labdiscover.py), keystone upgraded on both controllers by
``upgrade.yml`` while a probe asks keystone and the compute API every 0.5 s (the upgrade drains each
keystone server in HAProxy around its restart: no answer lost); then - on demand only (``make
lab-selftest``, ``OSOPS_LAB_SELFTEST=1``, on a one-controller lab) - a rolling upgrade of nova from the
source to the target release by the lab's own ``upgrade-nova``, and the same smoke test on a fresh lab
at the target release; last, ``down`` leaves nothing of the lab running.

The test command runs the first three and the last: the rest of the lab tier upgrades the
one-controller lab to the target release with the collection itself (test_upgrade_lab.py, then a boot
and a live migration there) and uses ``upgrade-nova`` to build its half-upgraded cloud
(test_mixed_lab.py). The whole-lab upgrade on the HA lab, with the same probe, is
``tests/lab/bench_upgrade.py --controllers 2`` (docs/reliability.md).

Releases: ``OSOPS_LAB_SOURCE`` (default 2025.1) and ``OSOPS_LAB_TARGET`` (default 2026.1, the
SLURP jump). Every API call goes through openstacksdk.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from labdiscover import check_openstack_api_discovery
from labupgrade import ROOT, cmdline, play, playbook_cloud, program

sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.probe import Probe  # noqa: E402  (the availability probe, as bench_upgrade.py runs it)
sys.dont_write_bytecode = _bytecode

pytestmark = [
    pytest.mark.lab,
    # raised by openstacksdk itself, not by these tests
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")
COMPUTES = ("compute1", "compute2")
NET = os.environ.get("OSOPS_LAB_NET", "127.0.0")
SELFTEST = pytest.mark.skipif(os.environ.get("OSOPS_LAB_SELFTEST") != "1",
                              reason="the lab's own release upgrade: on demand (make lab-selftest)")
# the lab's own upgrade-nova knows one controller: the self-test runs on a one-controller lab
HA = os.environ.get("OSOPS_LAB_SELFTEST") != "1"
CONTROLLERS = "2" if HA else "1"
LAB_ADDRESSES = (f"{NET}.2", f"{NET}.3", f"{NET}.4", f"{NET}.30", f"{NET}.100")
KEYSTONE = {"2025.1": "27.1.0", "2025.2": "28.1.0", "2026.1": "29.1.0"}


def compute_service_version(lab, release: str) -> int:
    """The compute service version nova of ``release`` reports (from ``labctl releases``)."""
    out = lab.labctl("releases").stdout
    line = next(line for line in out.splitlines() if line.startswith(release + " "))
    return int(re.search(r"compute service version (\d+)", line).group(1))


def release_versions(lab, release: str) -> dict[str, str]:
    """service -> package version of every service of ``release`` (from ``labctl releases``)."""
    out = lab.labctl("releases").stdout
    line = next(line for line in out.splitlines() if line.startswith(release + " "))
    return dict(re.findall(r"(nova|keystone|placement|glance|neutron) (\d+\.\d+\.\d+)", line))


def check_service_venvs(lab, release: str) -> None:
    """Every API service of the controller really runs from its own venv of ``release``."""
    status = lab.status()
    wanted = release_versions(lab, release)
    assert status["versions"] == {k: v for k, v in wanted.items() if k != "nova"}
    programs = status["hosts"][0]["programs"]
    for service, version in status["versions"].items():
        pid = programs[service]["pid"]
        cmdline = lab.ssh("controller", f"tr '\\0' ' ' < /proc/{pid}/cmdline").stdout
        assert f"/openstack/venvs/{service}-{version}/bin/" in cmdline, (service, cmdline)
    assert status["nova_venvs"]["controller"] == f"nova-{wanted['nova']}"


def nova_status(lab, venv: str) -> subprocess.CompletedProcess[str]:
    """The real ``nova-status upgrade check`` of a nova venv, run on the controller over SSH."""
    return lab.ssh("controller", f"PYTHONWARNINGS=ignore {venv}/bin/nova-status "
                                 "--config-file /etc/nova/nova.conf upgrade check")


def check_discovery(lab, conn) -> None:
    """Catalog, compute services and hypervisors as an operator's tooling would see them."""
    types = {s.type for s in conn.identity.services()}
    assert {"identity", "compute", "placement", "image", "network"} <= types
    endpoints = list(conn.identity.endpoints())
    assert all(e.url.startswith(f"http://{NET}.100:" if HA else f"http://{NET}.2:") for e in endpoints)
    services = {(s.binary, s.host): s for s in conn.compute.services()}
    controllers = ("controller", "controller2") if HA else ("controller",)
    expected = {(binary, c) for c in controllers for binary in ("nova-conductor", "nova-scheduler")}
    expected |= {("nova-compute", c) for c in COMPUTES}
    assert expected <= set(services)
    assert all(services[k].state == "up" and services[k].status == "enabled" for k in expected)
    hypervisors = {h.name: h for h in conn.compute.hypervisors(details=True)}
    assert set(COMPUTES) <= set(hypervisors)
    assert {hypervisors[c].hypervisor_type for c in COMPUTES} == {"fake"}
    # placement has one resource provider per fake compute
    providers = conn.placement.get("/resource_providers").json()["resource_providers"]
    assert set(COMPUTES) <= {p["name"] for p in providers}


def boot_and_live_migrate(lab, conn) -> list[str]:
    """Two servers ACTIVE on the fake computes, then one live-migrated to the other compute."""
    out = lab.labctl("boot", "2").stdout
    ids = [i.strip() for i in out.rsplit("ACTIVE:", 1)[1].split(",")]
    servers = [conn.compute.get_server(i) for i in ids]
    assert [s.status for s in servers] == ["ACTIVE", "ACTIVE"]
    assert {s.compute_host for s in servers} <= set(COMPUTES)
    assert len(list(conn.compute.servers(details=True))) >= 2  # GET /servers/detail works
    moving = servers[0]
    target = next(c for c in COMPUTES if c != moving.compute_host)
    conn.compute.live_migrate_server(moving, host=target, block_migration="auto")

    def arrived() -> bool:
        server = conn.compute.get_server(moving.id)
        assert server.status != "ERROR", f"live migration of {moving.id} failed"
        return server.status == "ACTIVE" and server.compute_host == target and not server.task_state

    lab.wait_for(f"{moving.id} live-migrated to {target}", arrived, 240)
    return ids


def check_down_leaves_nothing(lab) -> None:
    """``down`` stops every lab process and frees every lab port."""
    started = time.monotonic()
    lab.labctl("down")
    took = time.monotonic() - started
    marker = f"OSOPS_LAB_MEMBER={lab.home()}".encode()
    leftovers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    leftovers.append(entry.name)
            except OSError:
                continue
    assert leftovers == []
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True).stdout
    held = [line for line in listening.splitlines()
            if any(f" {a}:" in f" {line.split()[3]}" for a in LAB_ADDRESSES) or "127.0.0.1:4369" in line]
    assert held == []
    assert "lab is down" in lab.labctl("status").stdout
    assert took < 60


def smoke(lab, release: str) -> None:
    """Up at ``release``; discovery; nova-status rc 0 before instances; boot; live-migrate."""
    lab.labctl("up", "--release", release, "--controllers", CONTROLLERS)
    again = lab.labctl("up", "--release", release, "--controllers", CONTROLLERS)
    assert "nothing changed" in again.stdout
    status = lab.status()
    assert status["up"] and status["release"] == release
    check_service_venvs(lab, release)
    nova_venv = status["hosts"][0]["nova_venv"]
    conn = lab.connect()
    check_discovery(lab, conn)
    result = nova_status(lab, nova_venv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Upgrade Check Results" in result.stdout
    boot_and_live_migrate(lab, conn)
    versions = set(lab.status()["nova_service_versions"].values())
    assert versions == {compute_service_version(lab, release)}


def test_smoke_source_release(lab) -> None:
    """A lab at the source release works end to end (left up for the upgrade test)."""
    smoke(lab, SOURCE)


def test_openstack_api_discovery_of_the_lab(lab, tmp_path) -> None:
    """cluster_discover's openstack_api method on the lab the smoke test left up (labdiscover.py)."""
    lab.labctl("up", "--release", SOURCE, "--controllers", CONTROLLERS)  # no-op after the smoke test
    check_openstack_api_discovery(tmp_path, lab.status())


def haproxy_servers(status: dict, backend: str) -> dict[str, dict[str, str]]:
    """server -> its row of HAProxy's ``show stat`` (status, scur, stot, ...), read from the admin socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(status["haproxy_socket"])
        sock.sendall(b"show stat\n")
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    lines = data.decode().splitlines()
    fields = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(fields, line.split(","))) for line in lines[1:] if line]
    return {r["svname"]: r for r in rows if r["pxname"] == backend and r["svname"] not in ("FRONTEND", "BACKEND")}


@pytest.mark.skipif(not HA, reason="the HA lab's test (OSOPS_LAB_SELFTEST runs a one-controller lab)")
def test_keystone_upgrade_behind_haproxy_loses_no_answer(lab, tmp_path) -> None:
    """keystone SOURCE -> TARGET on both controllers with upgrade.yml while a probe asks keystone for a token
    and the compute API for its servers (which keystone validates) every 0.5 s through the VIP.

    Each keystone restart is drained in HAProxy first and put back once keystone answers on its own
    address: every answer good, both servers UP in HAProxy after, both controllers' keystone on TARGET's
    venv (their command lines under /proc), the restart steps record the drain and the return."""
    lab.labctl("up", "--release", SOURCE, "--controllers", CONTROLLERS)  # no-op after the smoke test
    lab.labctl("install", "--release", TARGET, "--service", "keystone")
    status = lab.status()
    backend = status["haproxy_backends"]["keystone"]
    assert {s: r["status"] for s, r in haproxy_servers(status, backend).items()} == {
        "controller": "UP", "controller2": "UP"}
    before = haproxy_servers(status, backend)
    conn = lab.connect()
    servers = {s.id: s.status for s in conn.compute.servers()}
    assert len(servers) >= 2 and set(servers.values()) == {"ACTIVE"}, servers  # the smoke test's
    run = playbook_cloud(status, tmp_path)
    play(run, "discover")
    probe = Probe(status["clouds_yaml"], 0.5)
    probe.start()
    try:
        time.sleep(1)
        out = play(run, "upgrade", {"osops_upgrade_target_release": TARGET, "osops_upgrade_services": ["keystone"],
                                    "osops_upgrade_target_versions": {"keystone": KEYSTONE[TARGET]},
                                    "osops_check_status_projects": ["keystone"]})
        time.sleep(1)
    finally:
        probe.stop.set()
        probe.join(timeout=30)
    assert "Completed - every step is done." in out, out[-3000:]
    figures = {name: probe.summary(name) for name in ("keystone", "compute")}
    print("\n".join(f.line(name) for name, f in figures.items()))
    for name, figure in figures.items():
        assert figure.asks >= 20, (name, figure)
        assert figure.good >= 0.995 and figure.longest_outage <= 2.0, (name, figure)
    assert {s.id: s.status for s in conn.compute.servers()} == servers  # none lost, all ACTIVE
    new = f"/openstack/venvs/keystone-{KEYSTONE[TARGET]}/bin/uwsgi"
    now = lab.status()
    for host in ("controller", "controller2"):
        assert new in cmdline(program(now, host, "keystone")["pid"]), host
    after = haproxy_servers(now, backend)
    assert {s: r["status"] for s, r in after.items()} == {"controller": "UP", "controller2": "UP"}

    def grew(server: str, field: str) -> int:
        return int(after[server][field] or 0) - int(before[server][field] or 0)
    # both served requests meanwhile, and HAProxy never met a restarting keystone: no connection or response
    # error, no retry, no redispatch on either server (a restart without the drain shows there)
    assert all(grew(s, "stot") > 0 for s in after), (before, after)
    assert {(s, f): grew(s, f) for s in after for f in ("econ", "eresp", "wretr", "wredis")} == {
        (s, f): 0 for s in after for f in ("econ", "eresp", "wretr", "wredis")}, after
    for host in ("controller", "controller2"):
        for state in ("drain", "ready"):
            # delegated to the HAProxy host: "changed: [controller2 -> controller(127.0.0.2)]"
            assert re.search(rf"Set the server's state in HAProxy, {state}\] \*+\nchanged: \[{host}(?: -> [^]]+)?\]",
                             out), (host, state)
    with sqlite3.connect(f"file:{run['store']}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT host, action, detail FROM upgrade_steps WHERE phase = 'control' "
                          "AND service = 'keystone'").fetchall()
    (tmp_path / "control-steps.json").write_text(json.dumps(rows, indent=2))
    assert sorted({host for host, _action, _detail in rows}) == ["controller", "controller2"], rows


@SELFTEST
def test_rolling_upgrade_of_nova(lab) -> None:
    """nova is upgraded SOURCE -> TARGET with servers on the computes; the lab keeps working."""
    lab.labctl("up", "--release", SOURCE)  # no-op after the smoke test
    conn = lab.connect()
    if len(list(conn.compute.servers())) < 2:
        lab.labctl("boot", "2")
    old, new = compute_service_version(lab, SOURCE), compute_service_version(lab, TARGET)
    assert set(lab.status()["nova_service_versions"].values()) == {old}
    lab.labctl("install", "--release", TARGET)
    lab.labctl("upgrade-nova", "--to", TARGET)
    status = lab.status()
    assert status["release"] == TARGET
    assert set(status["nova_service_versions"].values()) == {new}
    assert {h["nova_venv"] for h in status["hosts"]} == {f"/openstack/venvs/{status['nova_venvs']['controller']}"}
    conn = lab.connect()
    assert all(s.state == "up" and s.status == "enabled" for s in conn.compute.services())
    assert {s.status for s in conn.compute.servers()} == {"ACTIVE"}
    # servers exist now: nova-status warns (hw_machine_type unset) but must not fail
    result = nova_status(lab, status["hosts"][0]["nova_venv"])
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Failure" not in result.stdout
    check_down_leaves_nothing(lab)


@SELFTEST
def test_smoke_target_release(lab) -> None:
    """A fresh lab at the target release works end to end."""
    smoke(lab, TARGET)


def test_down_leaves_nothing(lab) -> None:
    """``down`` stops every lab process and frees every lab port."""
    check_down_leaves_nothing(lab)
