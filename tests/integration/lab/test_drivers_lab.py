"""The upgrade role's two drivers on one real lab, each upgrading and rolling back through ansible-playbook.

From a 2025.1 lab with the 2026.1 venvs installed beside it (one bring-up for three scenarios): first,
on the fresh lab, compute_service and compute_host_drain on compute1 (labcompute.py: it leaves three
instances on compute2 and every compute enabled; on demand, ``make lab-extra``: test_maintenance_lab.py
runs both modules in the test command); then the command driver's scenario (it leaves every program back
on 2025.1, keystone's schema at 2026.1); then the venv driver's (on demand too).

The ``command`` driver: an operator's own command lines move keystone and a compute to 2026.1 and back:
the commands an operator of the lab's layout
(supervisord programs, keystone under uWSGI, openstack-ansible's venvs) would write - GNU sed on the
program's section of the host's supervisord.conf and on keystone's uWSGI ini, supervisorctl
reread/update/start/status, the new venv's keystone-manage, the new venv's python importing the project:

1. ``upgrade.yml`` (discovered first, with host versions) with ``osops_upgrade_driver: command``, restricted
   to keystone: check_code, readiness, expand, switch/restart/wait_ready, contract, readiness again, all by
   the command driver - completed, every step done.
2. compute1's nova-compute through the driver entry point with the same kind of commands, waiting until nova
   shows 2026.1's service version.
3. Both back to 2025.1 with the same commands (``version`` and ``from_version`` swapped), keystone first.

Checked without the collection: the main processes' command lines under /proc, keystone's uWSGI ini, a fresh
token from keystone, keystone's alembic revisions and nova's ``services`` rows with SQL, and the store's steps
with sqlite3.

The ``venv`` driver (on demand, ``make lab-extra``; the test command proves the venv driver with
``test_upgrade_lab.py``, Molecule's ``upgrade`` scenario and ``test_lab.py``'s HA upgrade): one playbook of
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
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from labcompute import check_disable_drain_enable_compute1
from labupgrade import issue_token, main_pids, nova_versions, playbook_cloud, venvs_running

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
SOURCE, TARGET = "2025.1", "2026.1"
VENVS = "/openstack/venvs"
KEYSTONE = {SOURCE: "27.1.0", TARGET: "29.1.0"}
NOVA = {SOURCE: "31.3.1", TARGET: "33.0.2"}
SERVICE_VERSION = {SOURCE: 68, TARGET: 72}
KEYSTONE_EXPAND_2026_1 = "742c857f1dfb"  # keystone 29.1.0's migrations/versions/2026.1/expand
KEYSTONE_INI = "/etc/keystone/keystone-uwsgi.ini"


def supervisor(status: dict, host: str) -> tuple[str, str]:
    """The host's supervisord config and the supervisorctl beside its supervisord, read from /proc - what an
    operator of the lab's layout finds with ``ps``."""
    pid = next(h["supervisord_pid"] for h in status["hosts"] if h["name"] == host)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    daemon = next(word for word in argv if word.endswith("/supervisord"))
    return argv[argv.index("-c") + 1], str(Path(daemon).with_name("supervisorctl"))


def commands(status: dict, host: str, uwsgi_ini: str | None = None) -> dict:
    """An operator's osops_upgrade_commands for the supervisord programs of ``host`` (uWSGI: also its ini)."""
    conf, ctl = supervisor(status, host)
    venv_path = VENVS + "/{{ project }}-[0-9][^/ ]*"
    switch = [["sed", "-i", "-E", "/^\\[program:{{ service }}\\]/,/^\\[/ s#" + venv_path + "#{{ venv }}#g", conf]]
    if uwsgi_ini:
        switch.append(f"sed -i -E 's#^virtualenv = {venv_path}$#virtualenv = {{{{ venv }}}}#' {uwsgi_ini}")
    return {
        "check_code": ["{{ venv }}/bin/python", "-c", "import {{ project }}"],
        "db": "{{ venv }}/bin/{{ argv[0] }} {{ config_args }} {{ argv[1:] | join(' ') }}",
        "switch": switch + [[ctl, "-c", conf, "reread"]],
        # update applies the changed section (stopping the old process); start is a no-op when already started
        "restart": [[ctl, "-c", conf, "update", "{{ service }}"], [ctl, "-c", conf, "start", "{{ service }}"]],
        "wait_ready": [ctl, "-c", conf, "status", "{{ service }}"],
    }


@pytest.fixture(scope="module")
def cloud(lab, tmp_path_factory):
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    status = lab.status()
    return playbook_cloud(status, tmp_path_factory.mktemp("command-driver"))


def ansible_playbook(cloud, name: str, playbook: str, extra: dict | None = None) -> tuple[str, float]:
    """ansible-playbook over the lab's inventory (real SSH); its output and wall time (fails on a non-zero exit)."""
    argv = [str(BIN / "ansible-playbook"), "-i", cloud["status"]["inventory"],
            "-e", json.dumps({**cloud["vars"], **(extra or {})}), playbook]
    start = time.monotonic()
    proc = subprocess.run(argv, env=cloud["env"], capture_output=True, text=True, check=False, timeout=1200)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    (cloud["work"] / f"{name}.log").write_text(out)
    assert proc.returncode == 0, out[-6000:]
    return out, took


def driver_steps(cloud, name: str, steps: dict[str, dict]) -> tuple[list[dict], float]:
    """One play over the hosts of ``steps`` (host -> its step's variables, the hosts at once) running the driver
    entry point; every host's osops_upgrade_driver_result."""
    results = cloud["work"] / f"{name}.json"
    # a variable one host's step does not give: the role's default for every host
    neutral = {"osops_upgrade_wait_url": "", "osops_upgrade_nova_service_version": 0}
    steps = {host: {**neutral, **variables} for host, variables in steps.items()}
    names = sorted({key for variables in steps.values() for key in variables})
    play = {"name": f"The driver's steps on {', '.join(steps)}", "hosts": ",".join(steps), "gather_facts": False,
            "vars": {"lab_steps": steps}, "tasks": [
                {"name": "The step", "ansible.builtin.include_role": {"name": "osops.lifecycle.upgrade", "tasks_from": "driver"},
                 "vars": {key: f"{{{{ lab_steps[inventory_hostname].{key} }}}}" for key in names}}]}
    write = {"name": "Results", "hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "Write them", "ansible.builtin.copy": {
            "dest": str(results), "mode": "0600",
            "content": "{{ lab_hosts | map('extract', hostvars, 'osops_upgrade_driver_result') | to_json }}"}}],
        "vars": {"lab_hosts": list(steps)}}
    path = cloud["work"] / f"{name}.yml"
    path.write_text(yaml.safe_dump([play, write], sort_keys=False))
    _out, took = ansible_playbook(cloud, name, str(path))
    return json.loads(results.read_text()), took


def store_steps(cloud) -> list[dict]:
    with sqlite3.connect(f"file:{cloud['store']}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT s.phase, s.action, s.status, u.status AS upgrade_status "
                                            "FROM upgrade_steps s JOIN upgrades u ON u.id = s.upgrade_id "
                                            "ORDER BY s.position")]


def running(lab) -> dict[str, str]:
    return venvs_running(lab, (("controller", "keystone"), ("compute1", "nova-compute"), ("compute2", "nova-compute")))


def keystone_ini(cloud) -> str:
    return (Path(cloud["status"]["home"]) / "hosts" / "controller" / "etc" / "keystone" / "keystone-uwsgi.ini").read_text()


@pytest.mark.skipif(os.environ.get("OSOPS_LAB_EXTRA") != "1",
                    reason="on demand (make lab-extra): test_maintenance_lab.py runs both modules on the lab in the "
                           "test command - alone (idempotence, the drain's check mode, an empty host) and in the "
                           "sessions' drains (live, cold, confirmed, nova's migration records)")
def test_compute_service_and_drain_on_the_fresh_lab(lab, tmp_path):
    """compute_service and compute_host_drain through ansible-playbook (labcompute.py)."""
    check_disable_drain_enable_compute1(lab, tmp_path)


def test_upgrade_keystone_and_a_compute_with_command_lines_and_back(lab, cloud, record_property):
    status = cloud["status"]
    before = running(lab)
    assert f"{VENVS}/keystone-{KEYSTONE[SOURCE]}/bin/uwsgi" in before["keystone@controller"]
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in before["nova-compute@compute1"]
    started = time.monotonic()

    # 1. upgrade.yml, keystone only, every step on a host by the operator's commands
    ansible_playbook(cloud, "discover", "osops.lifecycle.discover")
    out, upgrade_took = ansible_playbook(cloud, "upgrade", "osops.lifecycle.upgrade", {
        "osops_upgrade_target_release": TARGET, "osops_upgrade_services": ["keystone"],
        "osops_upgrade_target_versions": {"keystone": KEYSTONE[TARGET]},
        "osops_upgrade_driver": "command", "osops_upgrade_commands": commands(status, "controller", KEYSTONE_INI),
        # the readiness steps: the status checks of the project upgraded (the config and database checks: all)
        "osops_check_status_projects": ["keystone"]})
    assert "Completed - every step is done." in out, out[-3000:]
    steps = store_steps(cloud)
    assert [(s["phase"], s["action"]) for s in steps] == [
        ("prepare", "check_path"), ("prepare", "check_code"), ("prepare", "readiness"),
        ("expand", "db_expand"), ("expand", "db_migrate"), ("control", "switch"), ("control", "restart"),
        ("control", "wait_ready"), ("finalize", "db_contract"), ("finalize", "readiness")]
    assert {(s["status"], s["upgrade_status"]) for s in steps} == {("done", "completed")}
    new_ks = f"{VENVS}/keystone-{KEYSTONE[TARGET]}"
    # the commands themselves ran (their task lines), templated for the step
    assert f"{new_ks}/bin/python -c 'import keystone'" in out
    assert f"{new_ks}/bin/keystone-manage --config-file /etc/keystone/keystone.conf db_sync --expand" in out
    assert f"{new_ks}/bin/keystone-manage --config-file /etc/keystone/keystone.conf db_sync --contract" in out
    # independently: the process, its ini, a token, keystone's schema at 2026.1's expand revision
    assert f"{new_ks}/bin/uwsgi --ini {KEYSTONE_INI}" in running(lab)["keystone@controller"]
    assert f"virtualenv = {new_ks}\n" in keystone_ini(cloud)
    assert issue_token(lab)
    assert KEYSTONE_EXPAND_2026_1 in lab.mysql("SELECT version_num FROM keystone.alembic_version").split()

    # 2. compute1's nova-compute, through the driver entry point, until nova shows 2026.1's service version
    nova_commands = commands(status, "compute1")
    results, compute_took = driver_steps(cloud, "compute1", {"compute1": {
        "osops_upgrade_driver": "command", "osops_upgrade_commands": nova_commands,
        "osops_upgrade_service": "nova-compute", "osops_upgrade_action": "code",
        "osops_upgrade_version": NOVA[TARGET], "osops_upgrade_from_version": NOVA[SOURCE],
        "osops_upgrade_nova_service_version": SERVICE_VERSION[TARGET], "osops_upgrade_nova_info_host": "controller"}})
    (compute,) = results
    assert compute["changed"] and not compute["failed"], compute
    assert compute["actions"]["wait_ready"]["nova_service_version"] == SERVICE_VERSION[TARGET]
    assert [compute["actions"][a]["rcs"] for a in ("switch", "restart", "wait_ready")] == [[0, 0], [0, 0], [0]]
    now = running(lab)
    assert f"{VENVS}/nova-{NOVA[TARGET]}/bin/nova-compute" in now["nova-compute@compute1"]
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in now["nova-compute@compute2"]
    versions = nova_versions(lab)
    assert (versions["nova-compute@compute1"], versions["nova-compute@compute2"]) == (
        SERVICE_VERSION[TARGET], SERVICE_VERSION[SOURCE]), versions

    # 3. both back to 2025.1 with the same commands, code only (keystone's 2026.1 schema stays): keystone
    # first, as a rollback orders them - a nova-compute starting while keystone restarts cannot authenticate
    # to placement and exits (seen once when both went back in one play)
    keystone_back_results, keystone_back_took = driver_steps(cloud, "back-keystone", {"controller": {
        "osops_upgrade_driver": "command", "osops_upgrade_commands": commands(status, "controller", KEYSTONE_INI),
        "osops_upgrade_service": "keystone", "osops_upgrade_action": "code",
        "osops_upgrade_version": KEYSTONE[SOURCE], "osops_upgrade_from_version": KEYSTONE[TARGET],
        "osops_upgrade_wait_url": "http://{{ ansible_host }}:5000/v3", "osops_upgrade_nova_info_host": "controller"}})
    compute_back_results, compute_back_took = driver_steps(cloud, "back-compute1", {"compute1": {
        "osops_upgrade_driver": "command", "osops_upgrade_commands": nova_commands,
        "osops_upgrade_service": "nova-compute", "osops_upgrade_action": "code",
        "osops_upgrade_version": NOVA[SOURCE], "osops_upgrade_from_version": NOVA[TARGET],
        "osops_upgrade_nova_service_version": SERVICE_VERSION[SOURCE], "osops_upgrade_nova_info_host": "controller"}})
    back, back_took = keystone_back_results + compute_back_results, keystone_back_took + compute_back_took
    assert all(r["changed"] and not r["failed"] for r in back), back
    keystone_back = next(r for r in back if r["service"] == "keystone")
    assert keystone_back["actions"]["wait_ready"]["http_status"] == 200
    assert keystone_back["previous_venv"] == new_ks
    now = running(lab)
    assert f"{VENVS}/keystone-{KEYSTONE[SOURCE]}/bin/uwsgi --ini {KEYSTONE_INI}" in now["keystone@controller"]
    assert f"virtualenv = {VENVS}/keystone-{KEYSTONE[SOURCE]}\n" in keystone_ini(cloud)
    assert f"{VENVS}/nova-{NOVA[SOURCE]}/bin/nova-compute" in now["nova-compute@compute1"]
    assert issue_token(lab)
    assert nova_versions(lab)["nova-compute@compute1"] == SERVICE_VERSION[SOURCE]

    timings = {"upgrade_yml_keystone_s": round(upgrade_took, 1), "compute1_s": round(compute_took, 1),
               "back_s": round(back_took, 1), "all_s": round(time.monotonic() - started, 1),
               "compute1_driver_s": compute["duration"],
               "compute1_actions_s": {a: compute["actions"][a]["duration"] for a in ("switch", "restart")}
               | {"wait_ready": compute["actions"]["wait_ready"]["elapsed"]}}
    record_property("timings", timings)
    print(json.dumps(timings, indent=2))


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
