"""The operational pre-flight checks on the real lab: online data migrations and the backends each host reaches.

One lab at SOURCE (2025.1) with one server. ``playbooks/check.yml`` runs for the TARGET release
(2026.1) without the ``*-status`` tools (they are another module's proof), and:

- online data migrations: the server's ``compute_id`` set to NULL in the lab's MariaDB makes a row
  pending for real. Ours says Failure with the count and the command; the real ``nova-manage db
  online_data_migrations`` of the lab's venv then reports the same migration (1 migrated, and as
  matched the host-less instances it never migrates), and ours passes afterwards. With the node renamed too, nova cannot migrate the row: ours says
  Warning, and the real tool reports it matched and not migrated;
- backends: Success on every host and project; with compute1's nova.conf pointing RabbitMQ at a
  wrong port, Failure for nova on compute1 only, naming the port; the passwords of the lab's
  database and RabbitMQ never in the play's output or the report. The controller's batch, run by
  nova's interpreter, reaches every service's backends itself (no interpreter started for them),
  with the answers each service's own venv interpreter gives;
- database schema steps: Success for keystone, glance and neutron on the fresh lab, for the venvs
  their processes run (the first check.yml run), from the heads of their scripts read as text, without
  the tools; the real tools of those venvs, asked (``ask_tool``), say the same. The heads read as text
  are alembic's own in every keystone, glance and neutron venv the lab built. Then the TARGET code installed
  (``labctl install``) and its schema steps not run, as on a host switched to TARGET before its
  database: the TARGET keystone-manage and neutron-db-manage say expand is left, and ours says
  Failure with that command; the command the details name, run as written from the TARGET venv,
  moves the databases' alembic revisions (read in MariaDB), and ours then says Success. The
  running SOURCE tools, asked about that expanded database, cannot read it: ours says Warning,
  naming the revision (an upgrade under way, or rolled back on the expanded schema: not an Error,
  which would stop the upgrade's readiness). Glance's schema is the same from 2024.1 to 2026.2: Success throughout;
- faults in the APIs (labfaults.py): HAProxy in front of nova-api and placement answering 503, resetting
  connections and delaying answers for one request in three; discovery records what it records without
  them and check.yml has no Error; with nova answering 503 every time, nova's API checks are Error rows
  naming the endpoint and every other row is as before;
- last, the upgrade role's ``command`` driver (labcommand.py): keystone and compute1 to TARGET by an
  operator's command lines and back (it leaves keystone's schema at TARGET's contract).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from labchecks import ROOT, STATUS_CONFIG, run_check_playbook
import labcommand
from labcommand import command_driver_scenario
from labfaults import NOVA_API_CHECKS, discover, faults_cloud, faulty, rows
from labupgrade import playbook_cloud

from ansible_collections.osops.lifecycle.tests.integration.haproxy_faults import available as haproxy_available

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")
# the schema checks (3 tool runs, about 15 s) only in the run that asserts them
FAST = {"osops_check_status_projects": [], "osops_check_schema_projects": []}
SCHEMA = ("keystone", "glance", "neutron")
# the lab's credentials (tests/lab: MariaDB user osops, RabbitMQ guest)
PASSWORDS = (":secret@", "guest:guest", "-psecret")


@pytest.fixture(scope="module")
def cloud(lab):
    lab.labctl("up", "--release", SOURCE)
    conn = lab.connect()
    # right after up the computes may not have reported their resources to placement yet: a boot would go to ERROR
    lab.wait_for("both computes' resource providers in placement", lambda: len(
        conn.placement.get("/resource_providers", params={"resources": "VCPU:1"}, microversion="1.4").json().get("resource_providers", [])) >= 2, 120)
    lab.labctl("boot", "1")
    status = lab.status()
    major = {"2024.1": "29", "2025.1": "31", "2025.2": "32", "2026.1": "33", "2026.2": "34"}[SOURCE]
    (venv,) = lab.ssh("controller", f"ls -d /openstack/venvs/nova-{major}.*").stdout.split()  # the running nova
    return dict(status=status, target=TARGET, nova_venv=venv)


def checks(report, name):
    """{(host, project): (result, details)} of the check ``name`` in the report."""
    return {(h["host"], p["project"]): (c["result"], c["details"])
            for h in report["hosts"] for p in h["projects"] for c in p["checks"] if c["name"] == name}


def assert_no_password(proc, report):
    text = proc.stdout + proc.stderr + json.dumps(report)
    assert not [p for p in PASSWORDS if p in text], [p for p in PASSWORDS if p in text]


def online_migrations(lab, cloud):
    """rc and {migration: (total needed, completed)} of the real nova-manage db online_data_migrations."""
    res = lab.ssh("controller", f"PYTHONWARNINGS=ignore {cloud['nova_venv']}/bin/nova-manage "
                                "--config-file /etc/nova/nova.conf db online_data_migrations")
    table = {}
    for line in res.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[1].isdigit() and cells[1] != "0":
            table[cells[0]] = (int(cells[1]), int(cells[2]))
    return res.returncode, table, res.stdout + res.stderr


def test_online_data_migrations_against_nova_manage(lab, cloud, tmp_path):
    proc, report = run_check_playbook(cloud, tmp_path, dict(FAST, osops_check_schema_projects=list(SCHEMA)))
    assert checks(report, "Online data migrations") == {("lab", "nova"): ("Success", None)}, proc.stdout[-3000:]
    assert_schema_done_with_the_running_tools(cloud, report)
    (uuid,) = lab.mysql("SELECT uuid FROM nova.instances WHERE deleted = 0").split()
    host, node = lab.mysql(f"SELECT host, node FROM nova.instances WHERE uuid = '{uuid}'").split()
    # its nova-compute stopped: running, it sets the instance's compute_id itself (seen in the lab)
    lab.labctl("stop", "nova-compute", "--host", host)
    try:
        online_migrations_made_pending(lab, cloud, tmp_path, uuid, node)
    finally:
        lab.labctl("start", "nova-compute", "--host", host)
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    assert checks(report, "Online data migrations") == {("lab", "nova"): ("Success", None)}


def online_migrations_made_pending(lab, cloud, tmp_path, uuid, node):
    """Warning, then Failure, each against the real nova-manage, on the instance ``uuid`` (its compute stopped)."""
    # nova cannot migrate an instance whose node has no compute node record: Warning, and nova-manage agrees
    lab.mysql(f"UPDATE nova.instances SET compute_id = NULL, node = 'osops-gone' WHERE uuid = '{uuid}'")
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    ((result, details),) = checks(report, "Online data migrations").values()
    assert result == "Warning", details
    assert "populate_instance_compute_id: 1 row in cell1." in details
    rc, table, output = online_migrations(lab, cloud)
    # The tool also matches the instances without a host, which it never migrates and we do not count: the
    # marker instance its own fill_virtual_interface_list creates (deleted, no host) on its first run.
    hostless = int(lab.mysql("SELECT COUNT(*) FROM nova.instances WHERE compute_id IS NULL AND host IS NULL"))
    assert hostless >= 1
    assert (rc, table) == (0, {"populate_instance_compute_id": (1 + hostless, 0)}), output

    # a row nova can migrate: Failure with the count and the command; nova-manage migrates it; Success again
    lab.mysql(f"UPDATE nova.instances SET node = '{node}' WHERE uuid = '{uuid}'")
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    ((result, details),) = checks(report, "Online data migrations").values()
    assert result == "Failure", details
    assert details.startswith("1 row of the online data migrations of nova are not done: "
                              "populate_instance_compute_id: 1 row in cell1.")
    assert "`nova-manage db online_data_migrations`" in details
    assert "Online data migrations" in proc.stdout and proc.returncode == 2  # the table shows it; not ready
    rc, table, output = online_migrations(lab, cloud)
    # batches until one migrates nothing (so rc 0); the table adds up the batches' matches
    assert f"{1 + hostless} rows matched query populate_instance_compute_id, 1 migrated" in output, output
    assert (rc, list(table), table["populate_instance_compute_id"][1]) == (0, ["populate_instance_compute_id"], 1), output
    assert lab.mysql(f"SELECT compute_id IS NOT NULL FROM nova.instances WHERE uuid = '{uuid}'").strip() == "1"


def test_backends_reached_then_a_wrong_port(lab, cloud, tmp_path):
    proc, report = run_check_playbook(cloud, tmp_path, FAST)
    found = checks(report, "Database and message queue reachable")
    assert set(found) == {("controller", p) for p in ("keystone", "placement", "glance", "neutron", "nova")} | {
        ("compute1", "nova"), ("compute2", "nova")}, found
    assert {result for result, _details in found.values()} == {"Success"}, found
    assert "[DEFAULT] transport_url rabbit://guest:***@" in found[("compute1", "nova")][1]
    assert "[api_database] connection mysql+pymysql://osops:***@" in found[("controller", "nova")][1]
    assert_no_password(proc, report)

    net = os.environ.get("OSOPS_LAB_NET", "127.0.0")
    conf = "/etc/nova/nova.conf"
    moved = lab.ssh("compute1", f"cp {conf} /root/nova.conf.orig && sed -i 's/:5672/:5999/' {conf}")
    assert moved.returncode == 0, moved.stderr
    try:
        proc, report = run_check_playbook(cloud, tmp_path, FAST)
    finally:
        lab.ssh("compute1", f"mv /root/nova.conf.orig {conf}")
    found = checks(report, "Database and message queue reachable")
    result, details = found.pop(("compute1", "nova"))
    assert result == "Failure", details
    assert details.startswith(f"Cannot reach [DEFAULT] transport_url rabbit://guest:***@{net}.2:5999/: "), details
    assert {result for result, _details in found.values()} == {"Success"}, found
    assert proc.returncode == 2
    assert_no_password(proc, report)


def test_backends_in_the_batch_with_its_drivers_or_each_with_its_own(lab, cloud, tmp_path):
    """The check role's way (python_if_needed): the controller's batch, run by nova's interpreter, reaches every
    service's database and message queue itself, with the same answers as each service's own interpreter."""
    versions = cloud["status"]["versions"]
    nova = f"{cloud['nova_venv']}/bin/python"
    own = {p: f"/openstack/venvs/{p}-{versions[p]}/bin/python" for p in ("keystone", "placement", "glance", "neutron")}
    own["nova"] = nova

    def members(if_needed):  # each with the config files its services run with, as the check role gives them
        return [dict({"module": "check_backends", "python": python, "options": dict(
            {"project": project}, **({"config_files": [STATUS_CONFIG[project]]} if project in STATUS_CONFIG else {}))},
            **({"python_if_needed": True} if if_needed else {})) for project, python in own.items()]
    shared, alone = (controller_batch(cloud, tmp_path, members(flag), python=nova) for flag in (True, False))
    assert [m["python"] for m in shared] == [nova] * len(own), shared  # no interpreter started for them
    assert [m["python"] for m in alone] == list(own.values()), alone
    for here, there in zip(shared, alone):
        assert [(row["project"], row["result"], row["details"]) for row in here["upgrade_checks"]] == [
            (row["project"], row["result"], row["details"]) for row in there["upgrade_checks"]]
        assert here["backends"] == there["backends"] and here["upgrade_checks"][0]["result"] == "Success", here


# --- database schema steps --------------------------------------------------------------------------------


def assert_schema_done_with_the_running_tools(cloud, report):
    """The check role's schema rows on the fresh lab: Success, each from the venv its service's processes run."""
    found = checks(report, "Database schema migrations")
    assert set(found) == {("lab", project) for project in SCHEMA}, found
    assert {result for result, _details in found.values()} == {"Success"}, found
    for project in SCHEMA:  # the venv labctl started the service from
        venv = f"/openstack/venvs/{project}-{cloud['status']['versions'][project]}"
        # the database holds the heads of the venv's scripts: the tool is not started (its answer is asked below)
        assert found[("lab", project)][1].startswith(
            f"No schema step left for the code in {venv}: the database is at the heads of its migrations ("), (venv, found)


def controller_batch(cloud, tmp_path, members, python=None):
    """``modules`` of one check_batch of ``members`` on the controller through ansible-playbook (real SSH), as the
    check role runs it; with ``python``, that is the batch's interpreter."""
    result = tmp_path / "batch.json"
    play = [{"name": "Batch", "hosts": "controller", "gather_facts": False, "tasks": [
        {"name": "Checks", "osops.lifecycle.check_batch": {"cluster": "lab", "checks": members}, "register": "out",
         **({"vars": {"ansible_python_interpreter": python}} if python else {})},
        {"name": "Keep", "ansible.builtin.copy": {"content": "{{ out.modules | to_json }}", "dest": str(result), "mode": "0600"},
         "delegate_to": "localhost"}]}]
    (tmp_path / "batch.yml").write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="True")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", cloud["status"]["inventory"],
                           str(tmp_path / "batch.yml")], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert_no_password(proc, {})
    return json.loads(result.read_text())


def schema_checks(cloud, tmp_path, venvs, ask_tool=False):
    """[(project, result, details)]: check_schema_migrations for each ``(project, venv)``, in one check_batch on the
    controller, as the check role runs it; with ``ask_tool``, always the tools."""
    modules = controller_batch(cloud, tmp_path, [
        {"module": "check_schema_migrations",
         "options": {"project": project, "venv": venv, "config_files": [STATUS_CONFIG[project]], "ask_tool": ask_tool}}
        for project, venv in venvs])
    rows = [row for module in modules for row in module["upgrade_checks"]]
    assert [(row["name"], row["scope"]) for row in rows] == [("Database schema migrations", "lab")] * len(venvs), rows
    return [(row["project"], row["result"], row["details"]) for row in rows]


def revisions(lab):
    """{project: its alembic revisions} of keystone's and neutron's databases, read in MariaDB."""
    found = {"keystone": set(), "neutron": set()}
    for line in lab.mysql("SELECT 'keystone', version_num FROM keystone.alembic_version UNION ALL "
                          "SELECT 'neutron', version_num FROM neutron.alembic_version").splitlines():
        project, revision = line.split()
        found[project].add(revision)
    return found


def test_schema_steps_left_then_done_by_the_advised_command(lab, cloud, tmp_path):
    lab.labctl("install", "--release", TARGET)
    major = {"2026.1": ("29", "32", "28"), "2026.2": ("30", "33", "29")}[TARGET]
    listed = lab.ssh("controller", "ls -d " + " ".join(f"/openstack/venvs/{project}-{m}.*" for project, m in zip(SCHEMA, major)))
    target = {path.rsplit("/", 1)[1].split("-")[0]: path for path in listed.stdout.split()}
    assert sorted(target) == sorted(SCHEMA), listed.stdout + listed.stderr
    before = revisions(lab)

    # the real tools of the running venvs agree with the rows the heads of their scripts gave (the check role's run)
    sources = [(project, f"/openstack/venvs/{project}-{cloud['status']['versions'][project]}") for project in SCHEMA]
    asked = schema_checks(cloud, tmp_path, sources, ask_tool=True)
    assert [(project, result) for project, result, _details in asked] == [(project, "Success") for project in SCHEMA], asked
    assert "`keystone-manage db_sync --check` exited 0 (expand " in asked[0][2], asked
    assert "`glance-manage db check` exited 0" in asked[1][2], asked
    assert "`neutron-db-manage current --verbose` marks every revision of the database its branch's head" in asked[2][2], asked

    found = {project: (result, details) for project, result, details in schema_checks(cloud, tmp_path, target.items())}
    assert found["glance"][0] == "Success", found
    advised = []
    for project, command in (("keystone", "keystone-manage db_sync --expand"), ("neutron", "neutron-db-manage upgrade --expand")):
        result, details = found[project]
        assert result == "Failure", details
        assert details.startswith(f"The expand step of the {project} database schema is not done for the code in {target[project]}: "), details
        spans = re.findall(r"`([a-z-]+-manage [^`]*)`", details.split(" Run ", 1)[1])
        assert spans == [command], details
        tool, *args = spans[0].split()
        advised.append(f"{target[project]}/bin/{tool} --config-file {STATUS_CONFIG[project]} {' '.join(args)}")
    assert "`keystone-manage db_sync --check` exited 2 (expand " in found["keystone"][1]

    # the advised commands, run as written from the TARGET venv with the service's config: the real tools do the step
    ran = lab.ssh("controller", "export PYTHONWARNINGS=ignore; " + " && ".join(advised))
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    after = revisions(lab)
    new = {project: after[project] - before[project] for project in after}
    assert [len(revs) for revs in new.values()] == [1, 1], (before, after)

    # TARGET's tools: done. The SOURCE tools (the venvs the lab's services run) cannot read the database TARGET
    # expanded: Warning, naming the revision (an upgrade under way; not an Error, which would stop it).
    running = [(project, f"/openstack/venvs/{project}-{cloud['status']['versions'][project]}") for project in new]
    found = schema_checks(cloud, tmp_path, [(project, target[project]) for project in new] + running)
    assert [(project, result) for project, result, _details in found] == [
        ("keystone", "Success"), ("neutron", "Success"), ("keystone", "Warning"), ("neutron", "Warning")], found
    for project, _result, details in found[2:]:
        (revision,) = new[project]
        assert f"the database holds revision {revision}, which this release does not know" in details, details


# alembic's own reading of a venv's scripts (importing each one), every directory of versions/ that holds one
ALEMBIC_HEADS = """
import json, os, sys, warnings
warnings.simplefilter("ignore")
from alembic.script import ScriptDirectory
versions = sys.argv[1]
locations = sorted(d for d, _s, files in os.walk(versions) if any(f.endswith(".py") and f != "__init__.py" for f in files))
script = ScriptDirectory(os.path.dirname(versions), version_locations=locations)
print(json.dumps({h: sorted(set(script.get_revision(h).branch_labels) & {"expand", "contract"}) for h in script.get_heads()}))
"""


def test_script_heads_read_as_text_are_alembics_in_every_lab_venv(lab, cloud):
    """The heads and branches the schema check reads in a venv's scripts as text are the ones alembic finds importing
    them, in every keystone, glance and neutron venv the lab has built (at least the ones its services run). Not the
    EXPAND_HEAD / CONTRACT_HEAD files keystone and neutron ship: keystone 28.1.0's EXPAND_HEAD names 47147121, its
    alembic head is e8725d6fa226."""
    from ansible_collections.osops.lifecycle.plugins.module_utils._service.revisions import SCRIPTS, code_heads, site_packages
    venvs = Path(os.environ.get("OSOPS_LAB_CACHE", Path.home() / ".cache" / "osops-lab")) / "venvs"
    versions = dict(cloud["status"]["versions"])
    pairs = []
    for project in SCHEMA:
        found = sorted(venvs.glob(f"{project}-*"))
        assert f"{project}-{versions[project]}" in [v.name for v in found], (project, found)
        pairs += [(project, venv) for venv in found]

    def alembic(pair):
        project, venv = pair
        scripts = os.path.join(site_packages(str(venv)), SCRIPTS[project])
        return subprocess.run([str(venv / "bin" / "python"), "-c", ALEMBIC_HEADS, scripts],
                              capture_output=True, text=True, timeout=120, check=False)

    with ThreadPoolExecutor(max_workers=2) as pool:  # about 1 CPU-second each: alembic imports every script
        runs = list(pool.map(alembic, pairs))
    for (project, venv), out in zip(pairs, runs):
        assert out.returncode == 0, (venv.name, out.stderr[-2000:])
        ours, theirs = code_heads(project, str(venv)), json.loads(out.stdout)
        assert ours == {head: branches[0] for head, branches in theirs.items()}, (venv.name, ours, theirs)
        assert sorted(ours.values()) == ["contract", "expand"], (venv.name, ours)
    assert len(pairs) >= 6, pairs


@pytest.mark.skipif(not haproxy_available(), reason="haproxy is not installed (make setup installs it)")
def test_api_faults_discovery_and_checks_through_haproxy(lab, cloud, tmp_path):
    """Faults in the APIs (labfaults.py): HAProxy in front of nova and placement answers 503, resets, delays;
    discovery and the checks go through; nova always 503: its API checks are Errors, the rest as before."""
    cloud = faults_cloud(lab, cloud)
    # discovery: 503s, resets, delays in front of nova and placement; recorded as without them
    recorded = {}
    for kind in ("none", "503", "reset", "delay"):
        work = tmp_path / f"discover-{kind}"
        work.mkdir()
        proxy, through = faulty(cloud, work, kind)
        try:
            proc, recorded[kind] = discover(through, work)
        finally:
            proxy.stop()
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        assert kind == "none" or proxy.faulted() >= 2, proxy.log()  # the faults were met, not skipped
    assert ("nova-compute", "compute1", "up") in recorded["none"], recorded["none"]
    assert recorded["503"] == recorded["reset"] == recorded["delay"] == recorded["none"]

    # check.yml with 503s and resets by turns: every API check runs, nothing is an Error
    work = tmp_path / "check-mixed"
    work.mkdir()
    proxy, through = faulty(cloud, work, "mixed", every=2)
    try:
        _proc, report = run_check_playbook(through, work, FAST)
    finally:
        proxy.stop()
    healthy = rows(report)
    assert proxy.faulted() >= 2, proxy.log()
    assert not [key for key, (result, _details) in healthy.items() if result == "Error"], healthy
    api = {key[1:]: result for key, (result, _details) in healthy.items()
           if key[2] in ("Placement API", "Services up and enabled", "Instances in transitional states")}
    assert api and set(api.values()) == {"Success"}, api

    # nova answering 503 every time: the nova API checks are Error rows naming the endpoint, the others unchanged
    work = tmp_path / "check-nova-down"
    work.mkdir()
    proxy, through = faulty(cloud, work, "503", every=1, services=("compute",))
    try:
        _proc, report = run_check_playbook(through, work, FAST)
    finally:
        proxy.stop()
    down = rows(report)
    assert set(down) == set(healthy)
    nova_url = urlsplit(cloud["endpoints"]["compute"])
    for key, (result, details) in down.items():
        path = NOVA_API_CHECKS.get(key[1:])
        if path is None:
            assert result == healthy[key][0], (key, result, details)
            continue
        assert result == "Error", (key, result, details)
        assert details.startswith("GET %s%s%s (compute API) answered 503 Service Unavailable 4 times in "
                                  % (proxy.urls["compute"], nova_url.path.rstrip("/"), path)), details
        assert "api_retries is 3" in details and "not ready" in details, details


# --- the command driver -------------------------------------------------------------------------------------


def test_command_driver_moves_keystone_and_a_compute_and_back(lab, cloud, tmp_path_factory, record_property):
    """The upgrade role's ``command`` driver (labcommand.py), last on this lab: it needs the lab at SOURCE with
    TARGET's venvs, which this module's lab is (a lab of its own would cost a bring-up)."""
    if (SOURCE, TARGET) != (labcommand.SOURCE, labcommand.TARGET):
        pytest.skip(f"the command driver's scenario is written for {labcommand.SOURCE} -> {labcommand.TARGET}")
    lab.labctl("install", "--release", TARGET)  # done by the schema scenario; a no-op then
    command_driver_scenario(lab, playbook_cloud(lab.status(), tmp_path_factory.mktemp("command-driver")), record_property)
