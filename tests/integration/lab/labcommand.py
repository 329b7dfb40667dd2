"""The ``command`` driver on the real lab: an operator's own command lines move keystone and a compute to TARGET and back.

Run by ``test_opchecks_lab.py`` (its last scenario, on its lab at 2025.1 with the 2026.1 venvs installed:
one bring-up fewer than a lab of its own). The commands are the ones an operator of the lab's layout
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
with sqlite3. It leaves every program back on 2025.1, keystone's schema at 2026.1.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml
from labupgrade import issue_token, nova_versions, venvs_running

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


def command_driver_scenario(lab, cloud, record_property) -> None:
    """The command driver's scenario (the module's docstring) on a lab at SOURCE with TARGET's venvs installed;
    ``cloud``: :func:`labupgrade.playbook_cloud` of a work directory of its own."""
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
