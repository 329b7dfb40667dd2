"""The upgrade role's venv driver and the maintenance modules alone, on demand (``make lab-extra``).

From a 2025.1 lab with the 2026.1 venvs installed beside it (one bring-up for both scenarios): first, on the
fresh lab, compute_service and compute_host_drain on compute1 (labcompute.py: it leaves three instances on
compute2 and every compute enabled; test_maintenance_lab.py runs both modules in the test command); then the
venv driver's scenario. The ``command`` driver's scenario (labcommand.py) runs in the test command, as the
last scenario of test_opchecks_lab.py's lab.

The ``venv`` driver (the test command proves it with ``test_upgrade_lab.py``, Molecule's ``upgrade``
scenario and ``test_lab.py``'s HA upgrade): one playbook of
the ``upgrade`` role's steps over SSH: keystone's ``db_sync --expand`` and ``--migrate`` from its 2026.1 venv,
keystone (uWSGI) switched, restarted and answering; nova's ``api_db sync`` and ``db sync`` from its 2026.1 venv, the
nova control plane switched; one compute (a plain program) switched and reporting 2026.1's service
version. Checked independently of the collection: the processes' command lines under /proc, a
token from keystone, nova's ``services`` rows and the compute service list (openstacksdk). The same
playbook again changes nothing (same processes). Then the rollback, code only: keystone and the
compute back on their 2025.1 venvs, on the schemas 2026.1 expanded; keystone still issues tokens.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from labcommand import KEYSTONE, NOVA, SERVICE_VERSION, SOURCE, TARGET, VENVS, supervisor
from labcompute import check_disable_drain_enable_compute1
from labdriver import LabDriver
from labupgrade import issue_token, main_pids, nova_versions, venvs_running

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

ROOT = Path(__file__).resolve().parents[3]


#: A service that takes 4 s to stop on SIGTERM, as nova's do when they finish their work first.
SLOW_STOP = ("#!%s\nimport signal, sys, time\n"
             "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(4), sys.exit(0)))\n"
             "while True:\n    time.sleep(0.2)\n" % os.path.realpath(sys.executable))


def test_a_restart_waits_for_a_stop_still_in_progress(lab_status, tmp_path):
    """The lab's own supervisord (supervisor 4.3.0, its tools venv), in a temp dir with a unix socket: a
    `supervisorctl update` killed while supervisord stops the old process leaves the program STOPPING, as seed
    369758533 of the upgrade scenario's kills left nova-conductor. service_code's restart (ansible-playbook, the
    module) waits for that stop to end, then updates: the program runs the new venv."""
    _conf, ctl = supervisor(lab_status, "controller")
    venvs = {}
    for version in (NOVA[SOURCE], NOVA[TARGET]):
        program = tmp_path / "venvs" / f"nova-{version}" / "bin" / "nova-conductor"
        program.parent.mkdir(parents=True)
        program.write_text(SLOW_STOP)
        program.chmod(0o755)
        venvs[version] = program.parent.parent
        (venvs[version] / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a venv, as the driver requires
        (venvs[version] / "lib" / "python3.11" / "site-packages" / f"nova-{version}.dist-info").mkdir(parents=True)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"[unix_http_server]\nfile = {tmp_path}/sv.sock\n\n[supervisord]\nlogfile = {tmp_path}/sv.log\n"
                    f"pidfile = {tmp_path}/sv.pid\n\n[rpcinterface:supervisor]\n"
                    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
                    f"[supervisorctl]\nserverurl = unix://{tmp_path}/sv.sock\n\n[program:nova-conductor]\n"
                    f"command = {venvs[NOVA[SOURCE]]}/bin/nova-conductor\nstopwaitsecs = 20\n")
    status = [ctl, "-c", str(conf), "status", "nova-conductor"]
    started = subprocess.run([str(Path(ctl).with_name("supervisord")), "-c", str(conf)], capture_output=True,
                             text=True, timeout=30, check=False)
    assert started.returncode == 0, started.stdout + started.stderr
    pid = int(LabDriver.wait_for("supervisord's pid file", lambda: (tmp_path / "sv.pid").exists()
                                 and (tmp_path / "sv.pid").read_text().strip(), 15, interval=0.2))
    try:
        LabDriver.wait_for("nova-conductor running", lambda: "RUNNING" in subprocess.run(
            status, capture_output=True, text=True, check=False).stdout, 15, interval=0.2)
        conf.write_text(conf.read_text().replace(str(venvs[NOVA[SOURCE]]), str(venvs[NOVA[TARGET]])))
        cut = subprocess.Popen([ctl, "-c", str(conf), "update", "nova-conductor"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        time.sleep(1)
        cut.kill()  # while supervisord stops the old process (4 s)
        assert cut.wait() == -signal.SIGKILL
        assert subprocess.run(status, capture_output=True, text=True, check=False).stdout.split()[1] == "STOPPING"

        results = tmp_path / "restart.json"
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"osops.lifecycle.service_code": {"name": "nova-conductor", "supervisord_config": str(conf),
                                              "supervisorctl": ctl, "version": NOVA[TARGET], "timeout": 60},
             "register": "code"},
            {"ansible.builtin.copy": {"dest": str(results), "content": "{{ code | to_json }}"}}]}]
        (tmp_path / "restart.yml").write_text(yaml.safe_dump(play))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1")
        proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                               "-e", f"ansible_python_interpreter={sys.executable}", str(tmp_path / "restart.yml")],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        code = json.loads(results.read_text())
        assert code["changed"] and code["restarted"] and code["venv"] == str(venvs[NOVA[TARGET]]), code
        assert code["actions"]["restart"]["duration"] >= 1.5  # it waited for the old process's stop
        now = subprocess.run(status, capture_output=True, text=True, check=False).stdout.split()
        assert now[1] == "RUNNING" and int(now[3].rstrip(",")) == code["pid"]
        running = Path(f"/proc/{code['pid']}/cmdline").read_bytes().decode().split("\0")
        assert running[1] == f"{venvs[NOVA[TARGET]]}/bin/nova-conductor"
    finally:
        os.kill(pid, signal.SIGTERM)  # supervisord stops its program, then itself
        LabDriver.wait_for("supervisord's exit", lambda: not Path(f"/proc/{pid}").exists(), 30, interval=0.2)


@pytest.mark.skipif(os.environ.get("OSOPS_LAB_EXTRA") != "1",
                    reason="on demand (make lab-extra): test_maintenance_lab.py runs both modules on the lab in the "
                           "test command - alone (idempotence, the drain's check mode, an empty host) and in the "
                           "sessions' drains (live, cold, confirmed, nova's migration records)")
def test_compute_service_and_drain_on_the_fresh_lab(lab, tmp_path):
    """compute_service and compute_host_drain through ansible-playbook (labcompute.py)."""
    check_disable_drain_enable_compute1(lab, tmp_path)


def step(service: str, action: str, version: str, **extra) -> dict:
    """One step's variables for the upgrade role."""
    return {"osops_upgrade_service": service, "osops_upgrade_action": action, "osops_upgrade_version": version,
            **extra}


def forward_plays() -> list[tuple[str, list[dict]]]:
    """The upgrade of keystone, nova's control plane and compute1 to TARGET, as (host, steps)."""
    ks, nova, sv = KEYSTONE[TARGET], NOVA[TARGET], SERVICE_VERSION[TARGET]
    return [
        ("controller", [
            step("keystone", "db", ks, osops_upgrade_config_files=["/etc/keystone/keystone.conf"],
                 osops_upgrade_db_commands=[["keystone-manage", "db_sync", "--expand"],
                                            ["keystone-manage", "db_sync", "--migrate"]]),
            step("keystone", "code", ks, osops_upgrade_wait_url="http://{{ ansible_host }}:5000/v3"),
            step("nova-conductor", "db", nova, osops_upgrade_config_files=["/etc/nova/nova.conf"],
                 osops_upgrade_db_commands=[["nova-manage", "api_db", "sync"], ["nova-manage", "db", "sync"]]),
            step("nova-conductor", "code", nova, osops_upgrade_nova_service_version=sv),
            step("nova-scheduler", "code", nova, osops_upgrade_nova_service_version=sv),
            step("nova-api", "code", nova, osops_upgrade_wait_url="http://{{ ansible_host }}:8774/"),
        ]),
        ("compute1", [
            step("nova-compute", "code", nova, osops_upgrade_nova_service_version=sv,
                 osops_upgrade_nova_info_host="controller"),
        ]),
    ]


def rollback_plays() -> list[tuple[str, list[dict]]]:
    """Code only, back to SOURCE: keystone and compute1 (compute2 never left SOURCE)."""
    return [
        ("controller", [step("keystone", "code", KEYSTONE[SOURCE],
                             osops_upgrade_wait_url="http://{{ ansible_host }}:5000/v3")]),
        ("compute1", [step("nova-compute", "code", NOVA[SOURCE], osops_upgrade_nova_service_version=SERVICE_VERSION[SOURCE],
                           osops_upgrade_nova_info_host="controller")]),
    ]


def role_playbook(plays: list[tuple[str, list[dict]]], results: Path) -> list[dict]:
    """One play per host; after each step its osops_upgrade_driver_result joins the host's list;
    the last play writes every host's list to ``results``."""
    out = []
    for host, steps in plays:
        tasks = []
        for index, variables in enumerate(steps):
            tasks.append({"name": f"Step {index + 1}: {variables['osops_upgrade_action']} "
                                  f"{variables['osops_upgrade_service']}",
                          "ansible.builtin.include_role": {"name": "osops.lifecycle.upgrade", "tasks_from": "driver"}, "vars": variables})
            tasks.append({"name": "Keep the step's result", "ansible.builtin.set_fact": {
                "lab_results": "{{ lab_results | default([]) + [osops_upgrade_driver_result] }}"}})
        out.append({"name": f"Upgrade steps on {host}", "hosts": host, "gather_facts": False, "tasks": tasks})
    out.append({"name": "Results", "hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "Write them", "ansible.builtin.copy": {
            "dest": str(results), "mode": "0600",
            "content": "{{ groups['all'] | map('extract', hostvars) | selectattr('lab_results', 'defined')"
                       " | map(attribute='lab_results') | flatten | to_json }}"}}]})
    return out


def run_role_playbook(status: dict, plays: list[tuple[str, list[dict]]], tmp_path: Path, name: str) -> tuple[list[dict], float]:
    """ansible-playbook with the lab's inventory (real SSH); the steps' results and the wall time."""
    path, results = tmp_path / f"{name}.yml", tmp_path / f"{name}.json"
    path.write_text(yaml.safe_dump(role_playbook(plays, results), sort_keys=False))
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="True")
    start = time.monotonic()
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", status["inventory"], str(path)],
                          env=env, capture_output=True, text=True, timeout=1200, check=False)
    took = time.monotonic() - start
    (tmp_path / f"{name}.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    return json.loads(results.read_text()), took


def control_and_compute_running(lab) -> dict[str, str]:
    """``program@host`` -> the command line of its main process, read independently of the collection."""
    return venvs_running(lab, (
        ("controller", "keystone"), ("controller", "nova-conductor"), ("controller", "nova-scheduler"),
        ("controller", "nova-api"), ("compute1", "nova-compute"), ("compute2", "nova-compute")))


@pytest.fixture(scope="module")
def lab_status(lab):
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    return lab.status()


def by_step(results: list[dict]) -> dict[str, dict]:
    return {f"{r['action']} {r['service']}@{r['host']}": r for r in results}


@pytest.mark.skipif(os.environ.get("OSOPS_LAB_EXTRA") != "1",
                    reason="on demand (make lab-extra): the whole-lab upgrade (test_upgrade_lab.py: its rollback "
                           "on the expanded schemas), Molecule's upgrade scenario (idempotence) and test_lab.py's "
                           "keystone upgrade on the HA lab cover the venv driver in the test command")
def test_venv_driver_switch_restart_rollback(lab, lab_status, tmp_path, record_property):
    before = control_and_compute_running(lab)
    assert f"{VENVS}/keystone-{KEYSTONE[SOURCE]}/bin/uwsgi" in before["keystone@controller"]
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in before["nova-compute@compute1"]
    pids_before = main_pids(lab)

    # forward: expand, switch, restart, wait ready
    results, took = run_role_playbook(lab_status, forward_plays(), tmp_path, "forward")
    steps = by_step(results)
    assert all(r["changed"] and not r["failed"] for r in results), results
    code = steps["code keystone@controller"]
    assert (code["previous_venv"], code["venv"], code["version"]) == (
        f"{VENVS}/keystone-{KEYSTONE[SOURCE]}", f"{VENVS}/keystone-{KEYSTONE[TARGET]}", KEYSTONE[TARGET])
    assert code["actions"]["wait_ready"]["http_status"] == 200
    assert [c[-2:] for c in steps["db keystone@controller"]["actions"]["db"]["commands"]] == [
        ["db_sync", "--expand"], ["db_sync", "--migrate"]]
    assert steps["code nova-compute@compute1"]["actions"]["wait_ready"]["nova_service_version"] == SERVICE_VERSION[TARGET]

    running = control_and_compute_running(lab)
    assert f"{VENVS}/keystone-{KEYSTONE[TARGET]}/bin/uwsgi" in running["keystone@controller"]
    for name in ("nova-conductor@controller", "nova-scheduler@controller", "nova-api@controller",
                 "nova-compute@compute1"):
        assert f"{VENVS}/nova-{NOVA[TARGET]}/" in running[name], (name, running[name])
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in running["nova-compute@compute2"]
    assert issue_token(lab)
    versions = nova_versions(lab)
    assert versions["nova-compute@compute1"] == SERVICE_VERSION[TARGET], versions
    assert versions["nova-conductor@controller"] == SERVICE_VERSION[TARGET], versions
    assert versions["nova-compute@compute2"] == SERVICE_VERSION[SOURCE], versions
    conn = lab.connect()
    computes = {s.host: s for s in conn.compute.services() if s.binary == "nova-compute"}
    assert computes["compute1"].state == "up" and computes["compute1"].status == "enabled", computes

    # the same playbook again: no switch, no restart (same processes); the db tools run again (no-ops)
    pids = main_pids(lab)
    again, took_again = run_role_playbook(lab_status, forward_plays(), tmp_path, "again")
    assert [r for r in again if r["action"] == "code" and r["changed"]] == []
    assert all(r["actions"]["restart"]["reason"].endswith("already runs " + r["venv"])
               for r in again if r["action"] == "code")
    assert main_pids(lab) == pids
    assert pids != pids_before

    # rollback, code only: the expanded schemas stay
    back, took_back = run_role_playbook(lab_status, rollback_plays(), tmp_path, "rollback")
    assert all(r["changed"] and not r["failed"] for r in back), back
    running = control_and_compute_running(lab)
    assert f"{VENVS}/keystone-{KEYSTONE[SOURCE]}/bin/uwsgi" in running["keystone@controller"]
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in running["nova-compute@compute1"]
    assert f"{VENVS}/nova-{NOVA[TARGET]}/" in running["nova-conductor@controller"]
    assert issue_token(lab)
    assert nova_versions(lab)["nova-compute@compute1"] == SERVICE_VERSION[SOURCE]

    timings = {
        "forward_wall_s": round(took, 1), "again_wall_s": round(took_again, 1), "rollback_wall_s": round(took_back, 1),
        "driver_s": {key: round(r["duration"], 1) for key, r in by_step(results).items()},
        "rollback_driver_s": {key: round(r["duration"], 1) for key, r in by_step(back).items()},
        "keystone_code_actions": {k: v.get("duration", v.get("elapsed")) for k, v in code["actions"].items()},
        "compute_code_actions": {k: v.get("duration", v.get("elapsed"))
                                 for k, v in steps["code nova-compute@compute1"]["actions"].items()},
    }
    record_property("timings", timings)
    print(json.dumps(timings, indent=2))
