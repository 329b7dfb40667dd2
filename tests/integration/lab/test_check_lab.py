"""The check role on the real lab, compared with the real nova-status of the target release.

For each scenario the lab is put in a state, the TARGET release's ``nova-status upgrade check``
runs on the controller over SSH, ``playbooks/check.yml`` runs with ansible-playbook, and the
results of the checks both have are compared. The lab is restored after each scenario.
The lab runs CloudKitty too (``labctl up --with cloudkitty``): the healthy scenario compares our
cloudkitty checks with the real ``cloudkitty-status`` on storage v2 (InfluxDB), the last one on v1
(sqlalchemy on MariaDB).

The healthy scenario runs check.yml the way an openstack-ansible deployment runs it
(docs/openstack-ansible.md): the collection installed from user-collection-requirements.yml into a
deploy host laid out like OSA's, its Python libraries in the ansible runtime venv from
user-ansible-venv-requirements.txt, the lab's hosts in openstack_inventory.json served by the dynamic
inventory, the variables in user_*.yml, through the ``openstack-ansible`` wrapper. The same deploy
host then discovers the lab from openstack_inventory.json in both spellings of OSA's group names and
plans the upgrade in check mode.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_cli import parse_table

from labchecks import (
    NOVA_CONF,
    RESULTS,
    assert_reads_like_nova_status,
    assert_same_as_nova_status,
    ours,
    printed_tables,
    real_nova_status,
    real_status,
    real_status_json,
    run_check_playbook,
    run_check_playbook_in_ee,
    tool_table,
)

from ansible_collections.osops.lifecycle.tests.conftest import COLLECTIONS_PATH
from ansible_collections.osops.lifecycle.tests.integration.eeimage import build_image
from ansible_collections.osops.lifecycle.tests.integration.osa_deploy import ROOT, DeployHost, printed
from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import table

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
]

SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
TARGET = os.environ.get("OSOPS_LAB_TARGET", "2026.1")


#: Major versions of the other projects' status tools per target release (what the lab installs).
MAJORS = {
    "2025.2": {"placement": "14", "keystone": "28", "glance": "31", "neutron": "27"},
    "2026.1": {"placement": "15", "keystone": "29", "glance": "32", "neutron": "28"},
    "2026.2": {"placement": "16", "keystone": "30", "glance": "33", "neutron": "29"},
}


#: cloudkitty's major version per target release (what the lab installs).
CLOUDKITTY_MAJORS = {"2025.2": "23", "2026.1": "24", "2026.2": "25"}


@pytest.fixture(scope="module")
def cloud(lab):
    """The lab at SOURCE with CloudKitty, and the TARGET release's venvs installed beside it."""
    lab.labctl("up", "--release", SOURCE, "--with", "cloudkitty")
    lab.labctl("install", "--release", TARGET, "--with", "cloudkitty")
    status = lab.status()
    found = lab.ssh("controller", "ls -d /openstack/venvs/nova-*").stdout.split()
    target_major = {"2025.2": "32", "2026.1": "33", "2026.2": "34"}[TARGET]
    (target_venv,) = [v for v in found if v.startswith(f"/openstack/venvs/nova-{target_major}.")]
    return dict(status=status, target_venv=target_venv, target=TARGET)


@pytest.fixture(scope="module")
def osa(cloud, tmp_path_factory):
    """An openstack-ansible deploy host for the lab, with the collection installed as OSA installs a user's
    collection (its group names spelled with dashes, as before 2026.1; the wrapper transforms them)."""
    work = tmp_path_factory.mktemp("osa")
    built = subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", str(ROOT),
                            "--output-path", str(work / "dist")], capture_output=True, text=True, timeout=300,
                           check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = (work / "dist").glob("osops-lifecycle-*.tar.gz")
    host = DeployHost(work / "root")
    host.write_inventory(yaml.safe_load(Path(cloud["status"]["inventory"]).read_text()), "dashes")
    host.write("user-collection-requirements.yml",
               {"collections": [{"name": "osops.lifecycle", "type": "file", "source": str(tarball)}]})
    host.write("user-ansible-venv-requirements.txt", (ROOT / "requirements.txt").read_text())
    store = f"sqlite:///{work / 'osops.db'}"
    host.write("user_variables.yml", {"osops_discover_store": store, "osops_upgrade_store": store, "osops_store": store})
    host.write("user_variables_osops.yml", {
        "osops_check_cloud": "lab", "osops_check_target_release": TARGET, "osops_check_schema_projects": [],
        "osops_discover_cluster": "lab", "osops_discover_method": "openstack_ansible",
        "osops_discover_params": {"inventory": str(host.config_dir / "openstack_inventory.json"),
                                  "fact_cache": str(host.config_dir / "ansible_facts")},
        "osops_discover_host_versions": True, "osops_cluster": "lab",
        "osops_upgrade_cluster": "lab", "osops_upgrade_target_release": TARGET})
    report = work / "check-report.json"
    host.write("user.rc", f"export ANSIBLE_CALLBACKS_ENABLED=osops.lifecycle.check_table\n"
                          f"export OSOPS_CHECK_REPORT_PATH={report}\n"
                          f"export OS_CLIENT_CONFIG_FILE={cloud['status']['clouds_yaml']}\n")
    installed = host.bootstrap()
    assert "osops.lifecycle:" in installed.stdout and "was installed successfully" in installed.stdout, installed.stdout
    return {"host": host, "report": report, "store": store, "work": work}


def test_healthy_lab_all_success_and_the_play_passes(lab, cloud, osa, tmp_path):
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 0, output
    # check.yml from the collection openstack-ansible installed, through its wrapper and inventory
    proc = osa["host"].openstack_ansible("osops.lifecycle.check")
    assert osa["report"].exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    report = json.loads(osa["report"].read_text())
    assert_same_as_nova_status(ours(report), theirs)
    assert set(ours(report).values()) == {"Success"}
    assert proc.returncode == 0, proc.stdout[-5000:]
    # The target release's own tool ran through status_check and agrees; its table, as the
    # callback prints it, is the tool's byte for byte.
    assert ours(report, "nova-status") == theirs
    tables = printed_tables(proc.stdout)
    assert tables["nova-status on controller"] == tool_table(output), (tables["nova-status on controller"], output)
    # Our own nova tables read like nova-status's: the cloud's checks under the cloud (lab),
    # nova-status's order in each table, ours after.
    assert_reads_like_nova_status(tables, theirs, "lab")
    # So do the other projects' status tools of the target release, run by hand here.
    worst = 0
    for project, major in MAJORS[TARGET].items():
        real = real_status(lab, project, major)
        assert real is not None, f"{project} {major}.x venv missing: labctl install --release {TARGET}"
        rc, output, checks = real
        assert checks and ours(report, f"{project}-status") == checks, (project, output)
        worst = max(worst, rc)
        # every tool's every check Success: neutron's OVN baremetal DHCP check does not apply to the
        # lab (no OVN, its DHCP for baremetal ports disabled), so the demo's result is clean
        assert rc == 0 and set(checks.values()) == {"Success"}, output
        if project == "neutron":
            assert checks["OVN support for BM provisioning over IPv6 check"] == "Success", output
    assert report["code"] == worst
    assert f"Ready to upgrade: {RESULTS[worst]} (code {worst})" in proc.stdout
    # CloudKitty on storage v2 (InfluxDB): served, processing, and checked as cloudkitty-status says.
    assert_cloudkitty_serves(lab, 2)
    assert_cloudkitty_as_cloudkitty_status(lab, 2, proc, report)


def components(store: str) -> dict[str, set]:
    """{cluster: {(service, binary, host, version)}} of the store, read with plain SQL."""
    engine = sa.create_engine(store)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT c.name, m.service, m.binary, m.host, m.version FROM components m "
                                        "JOIN clusters c ON c.id = m.cluster_id")).all()
    finally:
        engine.dispose()
    found: dict[str, set] = {}
    for cluster, *component in rows:
        found.setdefault(cluster, set()).add(tuple(component))
    return found


def test_openstack_ansible_deploy_host_discovers_and_plans(lab, cloud, osa):
    """After check.yml (above): discovery from openstack_inventory.json with the versions the hosts run,
    in both spellings of OSA's group names, the cluster's status, and the upgrade planned in check mode."""
    host = osa["host"]
    discovered = host.openstack_ansible("osops.lifecycle.discover")
    assert discovered.returncode == 0, discovered.stdout[-4000:] + discovered.stderr[-2000:]
    shown = dict(table(printed(discovered)))
    lab_hosts = {h["name"] for h in cloud["status"]["hosts"]}
    assert shown["cluster"] == "lab" and shown["hosts"].startswith(f"{len(lab_hosts)} (added {len(lab_hosts)},"), shown
    assert shown["release"].startswith(f"{SOURCE} ("), shown
    # the versions were read on the hosts: nova's on every nova host is the source release's
    dashes = components(osa["store"])["lab"]
    nova = {(binary, version) for service, binary, _host, version in dashes if service == "nova"}
    assert {binary for binary, _version in nova} >= {"nova-compute", "nova-conductor", "nova-scheduler"}, nova
    versions = {version for _binary, version in nova}
    assert None not in versions and len(versions) == 1, nova

    # the same deployment with the group names of 2026.1 and later (underscores): the same components
    underscores = host.write_inventory(yaml.safe_load(Path(cloud["status"]["inventory"]).read_text()), "underscores",
                                       "openstack_inventory-2026.1.json")
    again = host.openstack_ansible("osops.lifecycle.discover", "-e", json.dumps({
        "osops_discover_cluster": "lab-2026", "osops_discover_params": {"inventory": str(underscores)}}))
    assert again.returncode == 0 and "Read the service versions" in again.stdout, again.stdout[-4000:]
    found = components(osa["store"])
    assert {c[:3] for c in found["lab-2026"]} == {c[:3] for c in dashes}, found["lab-2026"] ^ dashes
    assert "shared-infra_hosts" in (host.config_dir / "openstack_inventory.json").read_text()
    assert "shared-infra_hosts" not in underscores.read_text()

    status = host.openstack_ansible("osops.lifecycle.cluster_status")
    assert dict(zip(*table(printed(status))))["release"] == SOURCE, printed(status)

    # the upgrade in check mode: its plan, nothing recorded
    planned = host.openstack_ansible("osops.lifecycle.upgrade", "--check")
    assert planned.returncode == 0, planned.stdout[-4000:] + planned.stderr[-2000:]
    assert f"{SOURCE} → {TARGET} would be planned" in planned.stdout, planned.stdout[-4000:]
    engine = sa.create_engine(osa["store"])
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM upgrades")).scalar() == 0
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def ee_image():
    """The collection's execution environment, built by ee/build.sh (cached with the lab's caches)."""
    return build_image()


def test_placement_stopped(lab, cloud, ee_image, tmp_path):
    """Run from the execution environment (docs/execution-environment.md): check.yml inside the image."""
    lab.labctl("stop", "placement")
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 255 and theirs == {}, output  # a traceback, no table
        proc, report = run_check_playbook_in_ee(cloud, tmp_path, ee_image)
        assert "Upgrade Check Results" in proc.stdout and "nova on cloud lab: Failure" in proc.stdout, proc.stdout[-3000:]
        mine = ours(report)
        assert mine["Placement API"] == "Failure"
        placement = [c for h in report["hosts"] for p in h["projects"] for c in p["checks"]
                     if c["name"] == "Placement API"]
        assert f"http://{os.environ.get('OSOPS_LAB_NET', '127.0.0')}.2:8778" in placement[0]["details"], placement
        # every other check still reported
        assert {"Cells v2", "Older than N-1 computes", "hw_machine_type unset",
                "Service User Token Configuration", "Policy File JSON to YAML Migration"} <= set(mine)
        assert proc.returncode == 2
    finally:
        lab.labctl("start", "placement")


def test_json_policy_and_no_service_user_token(lab, cloud, tmp_path):
    # The checkers read nova.conf afresh; the running nova services do not, so
    # they keep their policy and service token while the files say otherwise.
    # The copy stays in the lab host's own /etc/nova: /root is the machine's, shared by every lab
    # (another lab's scenario moved this one's copy away once, leaving nova.conf changed).
    prepared = lab.ssh("controller", f"cp {NOVA_CONF} {NOVA_CONF}.orig && "
                                     "echo '{\"admin_api\": \"is_admin:True\"}' > /etc/nova/policy-check.json && "
                                     f"sed -i 's/^send_service_user_token.*/send_service_user_token = false/' {NOVA_CONF} && "
                                     f"printf '\\n[oslo_policy]\\npolicy_file = policy-check.json\\n' >> {NOVA_CONF}")
    assert prepared.returncode == 0, prepared.stderr
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 2, output
        assert theirs["Policy File JSON to YAML Migration"] == "Failure"
        assert theirs["Service User Token Configuration"] == "Failure"
        proc, report = run_check_playbook(cloud, tmp_path)
        assert_same_as_nova_status(ours(report), theirs)
        assert_reads_like_nova_status(printed_tables(proc.stdout), theirs, "lab")
    finally:
        restored = lab.ssh("controller", f"mv {NOVA_CONF}.orig {NOVA_CONF} && rm -f /etc/nova/policy-check.json")
        assert restored.returncode == 0, restored.stderr


def test_instances_without_machine_type(lab, cloud, tmp_path):
    lab.labctl("boot", "1")
    rc, output, theirs = real_nova_status(lab, cloud)
    assert rc == 1 and theirs["hw_machine_type unset"] == "Warning", output
    proc, report = run_check_playbook(cloud, tmp_path)
    assert_same_as_nova_status(ours(report), theirs)
    assert proc.returncode == 0  # a Warning does not fail the play by default


def test_service_version_info_reads_the_same_without_the_module(lab, cloud, tmp_path):
    """The check and discover roles' first task on every host: its lean read (the host's Python given the
    reading code alone, where the module would be pipelined) and the module (pipelining off) agree over SSH on
    the lab's real processes and venvs, and on a directory that cannot be listed; no module is built for it."""
    results = tmp_path / "versions.json"
    names = ["lean", "module", "lean_bad", "module_bad"]
    tasks = [{"name": name, "osops.lifecycle.service_version_info": ({"proc_path": "/no/such/proc"} if "bad" in name else {}),
              "vars": {} if name.startswith("lean") else {"ansible_ssh_pipelining": False}, "register": name, "ignore_errors": "bad" in name}
             for name in names]
    hosts = ["controller", "compute1", "compute2"]
    play = [{"hosts": ":".join(hosts), "gather_facts": False, "tasks": tasks},
            {"hosts": "localhost", "gather_facts": False, "vars": {"lab_hosts": hosts, "lab_names": names},
             "tasks": [{"ansible.builtin.copy": {"dest": str(results), "content": (
                 "{{ dict(lab_hosts | zip(lab_hosts | map('extract', hostvars) | map('dict2items')"
                 " | map('selectattr', 'key', 'in', lab_names) | map('items2dict'))) | to_json }}")}}]}]
    path = tmp_path / "versions.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="True")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-vvv", "-i", cloud["status"]["inventory"],
                           str(path)], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    built = re.findall(r"Using module file \S*/service_version_info\.py", proc.stdout)
    assert len(built) == 6, built  # the module tasks only, on three hosts each
    got = json.loads(results.read_text())
    for host, runs in got.items():
        lean, module = ({k: v for k, v in runs[name].items() if k not in ("invocation", "unreadable")}
                        for name in ("lean", "module"))
        assert lean == module, host
        assert isinstance(runs["lean"]["unreadable"], int)
        assert {venv["project"] for venv in lean["installed"]} >= {"nova", "keystone", "placement"}, host
        assert runs["lean_bad"]["failed"] and runs["module_bad"]["failed"]
        assert runs["lean_bad"]["msg"] == runs["module_bad"]["msg"] == (
            "Cannot list the processes in /no/such/proc: No such file or directory.")
    assert set(got["controller"]["lean"]["projects"]) >= {"nova", "keystone", "placement", "glance", "neutron"}
    assert got["compute1"]["lean"]["projects"]["nova"] == got["controller"]["lean"]["projects"]["nova"]


CELL0 = "00000000-0000-0000-0000-000000000000"


def test_cell0_mapping_removed(lab, cloud, tmp_path):
    """Without the cell0 mapping both say Cells v2 Failure; every other check still agrees."""
    lab.mysql(f"CREATE TABLE nova_api.osops_cell0_backup AS SELECT * FROM nova_api.cell_mappings "
              f"WHERE uuid = '{CELL0}'; DELETE FROM nova_api.cell_mappings WHERE uuid = '{CELL0}'")
    try:
        rc, output, theirs = real_nova_status(lab, cloud)
        assert rc == 2 and theirs["Cells v2"] == "Failure", output
        proc, report = run_check_playbook(cloud, tmp_path)
        assert_same_as_nova_status(ours(report), theirs)
        cells = [c for h in report["hosts"] for p in h["projects"] for c in p["checks"] if c["name"] == "Cells v2"]
        assert "cell0" in cells[0]["details"], cells
        assert proc.returncode == 2
    finally:
        lab.mysql("INSERT INTO nova_api.cell_mappings SELECT * FROM nova_api.osops_cell0_backup; "
                  "DROP TABLE nova_api.osops_cell0_backup")
    assert lab.mysql(f"SELECT COUNT(*) FROM nova_api.cell_mappings WHERE uuid = '{CELL0}'").strip() == "1"


def _processor_loaded_scopes(lab) -> int:
    """How many times cloudkitty-processor listed the scopes to rate from keystone (its log)."""
    log = lab.home() / "hosts" / "controller" / "log" / "cloudkitty-processor.log"
    return log.read_text().count("Tenants loaded for fetcher keystone") if log.exists() else 0


def assert_cloudkitty_serves(lab, version: int, seen: int = 0) -> None:
    """cloudkitty runs on storage ``version``: api and processor RUNNING, the processor lists its
    scopes from keystone (more often than ``seen``), the API answers from that storage."""
    status = lab.status()
    assert status["cloudkitty_storage"] == version
    controller = next(h for h in status["hosts"] if h["name"] == "controller")
    assert {controller["programs"][p]["state"] for p in ("cloudkitty-api", "cloudkitty-processor")} == {"RUNNING"}
    lab.wait_for("cloudkitty-processor listing scopes", lambda: _processor_loaded_scopes(lab) > seen, 60)
    conn = lab.connect()
    # openstacksdk's rating proxy (its discovered v1 API), through the catalog
    summary = conn.rating.get("/report/summary")
    assert summary.status_code == 200 and "summary" in summary.json(), summary.text
    v2 = conn.session.get("/v2/summary", endpoint_filter={"service_type": "rating"}, raise_exc=False)
    if version == 1:
        assert v2.status_code == 404, v2.text  # cloudkitty disables its v2 API on storage v1
        return
    assert v2.status_code == 200 and v2.json()["results"] == [], v2.text
    lab.labctl("stop", "influxdb")  # the v2 API reads InfluxDB: without it, no summary
    try:
        down = conn.session.get("/v2/summary", endpoint_filter={"service_type": "rating"}, raise_exc=False)
        assert down.status_code >= 500, down.text
    finally:
        lab.labctl("start", "influxdb")


def assert_cloudkitty_as_cloudkitty_status(lab, version: int, proc, report: dict) -> None:
    """Our cloudkitty checks and status runner (in a check.yml run) against the target release's real
    cloudkitty-status, as a table and as JSON: same checks, outcomes, codes; the runner's details and
    table are the tool's byte for byte, ours start with the tool's details; our table in its order."""
    rc, output, theirs = real_status(lab, "cloudkitty", CLOUDKITTY_MAJORS[TARGET])
    json_rc, answers = real_status_json(lab, "cloudkitty", CLOUDKITTY_MAJORS[TARGET])
    assert rc == json_rc == (0 if version == 2 else 1), output
    assert list(theirs) == list(answers) == ["Storage version", "Policy File JSON to YAML Migration"], output
    assert theirs["Storage version"] == ("Success" if version == 2 else "Warning")
    assert {name: RESULTS[code] for name, (code, _details) in answers.items()} == theirs

    (runner,) = [p for h in report["hosts"] for p in h["projects"] if p["project"] == "cloudkitty-status"]
    (native,) = [p for h in report["hosts"] for p in h["projects"] if p["project"] == "cloudkitty"]
    assert [(c["name"], c["code"], c["details"]) for c in runner["checks"]] == [
        (name, code, details) for name, (code, details) in answers.items()]
    assert runner["code"] == rc
    tables = printed_tables(proc.stdout)
    assert tables["cloudkitty-status on controller"] == tool_table(output), (tables, output)
    mine = {c["name"]: c for c in native["checks"]}
    for name, (code, details) in answers.items():
        assert mine[name]["code"] == code, (name, mine[name], details)
        if details is None:
            assert mine[name]["details"] is None, mine[name]
        else:
            assert mine[name]["details"].startswith(details + " Set [storage] version = 2"), mine[name]
    assert mine["Storage version"]["code"] == rc
    rows = [name for name, _code, _details in parse_table(tables["cloudkitty on controller"])]
    assert rows[:2] == list(answers) and "Database and message queue reachable" in rows[2:], rows
    assert re.search(r"^cloudkitty on controller: " + RESULTS[rc] + "$", proc.stdout, re.M)


def test_cloudkitty_storage_v1_as_cloudkitty_status_says(lab, cloud, tmp_path):
    """CloudKitty switched to storage v1 (sqlalchemy on MariaDB): the API serves from it, the
    processor runs, and our checks and status runner say what the real cloudkitty-status says
    (Warning, rc 1). Last in the module: it leaves cloudkitty on storage v1."""
    seen = _processor_loaded_scopes(lab)
    lab.labctl("cloudkitty-storage", "--version", "1")
    assert_cloudkitty_serves(lab, 1, seen)
    proc, report = run_check_playbook(cloud, tmp_path, {
        "osops_check_hosts": "cloudkitty_all", "osops_check_status_projects": ["cloudkitty"]})
    assert proc.returncode == 0, proc.stdout[-5000:]  # a Warning does not fail the play
    assert_cloudkitty_as_cloudkitty_status(lab, 1, proc, report)


def test_molecule_scenarios_converge_against_the_lab(lab, cloud, tmp_path):
    """The Molecule scenarios of extensions/molecule (check, discover, maintenance, upgrade), each converged
    against the lab's hosts by ``molecule test`` with its own sequence (idempotence where the role promises
    it) and its own verify; the last scenario here, since the upgrade one moves keystone to TARGET."""
    # the lab's particulars, as `make molecule` writes them (its inventory, printed; the target's versions)
    variables = tmp_path / "vars.yml"
    written = subprocess.run([sys.executable, str(ROOT / "tests" / "tools" / "molecule-vars.py"), str(variables),
                              f"sqlite:///{tmp_path / 'molecule.db'}", TARGET],
                             capture_output=True, text=True, timeout=120, check=False)
    assert written.returncode == 0 and written.stdout.strip() == cloud["status"]["inventory"], written.stderr
    assert yaml.safe_load(variables.read_text())["osops_molecule_target_versions"]["keystone"].split(".")[0] == \
        MAJORS[TARGET]["keystone"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_NOCOLOR="1",
               NO_COLOR="1", OS_CLIENT_CONFIG_FILE=cloud["status"]["clouds_yaml"], ANSIBLE_HOST_KEY_CHECKING="True",
               OSOPS_MOLECULE_INVENTORY=cloud["status"]["inventory"], OSOPS_MOLECULE_VARS=str(variables),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([str(Path(sys.executable).parent / "molecule"), "test", "--all"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    out = proc.stdout + proc.stderr
    (tmp_path / "molecule.log").write_text(out)
    assert proc.returncode == 0, out[-8000:]
    recap = dict(re.findall(r"^(check|discover|maintenance|upgrade) +: (actions=.*)$", out, re.M))
    assert set(recap) == {"check", "discover", "maintenance", "upgrade"}, out[-3000:]
    expected = {"check": 3, "discover": 3, "maintenance": 2, "upgrade": 3}  # the steps of each test_sequence
    for scenario, actions in expected.items():
        assert recap[scenario].startswith(f"actions={actions} ") and f"successful={actions} " in recap[scenario], recap
    assert re.search(r"^upgrade (>|➜) idempotence: Executed: Successful$", out, re.M), out[-3000:]
