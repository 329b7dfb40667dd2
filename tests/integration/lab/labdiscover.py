"""cluster_discover's openstack_api method against the real lab, through playbooks/discover.yml.

Real keystone, placement, glance, neutron and nova (two fake computes) read
by openstacksdk; the releases the discovery records are compared with what
the lab says it installed; the cluster is read back through the inventory
plugin.  Run by test_lab.py on the lab its smoke test left up (one bring-up
for both), and usable on any running lab, which it leaves as it is.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.inference import release_from_microversion
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import release_of
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster, last_discovery_run
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import open_store

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def discover(tmp_path: Path, status: dict, params: dict, name: str = "lab") -> subprocess.CompletedProcess[str]:
    inventory = tmp_path / "controller.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    variables = {"osops_discover_cluster": name, "osops_discover_method": "openstack_api",
                 "osops_discover_params": params, "osops_discover_cloud": "lab",
                 "osops_discover_store": f"sqlite:///{tmp_path / 'store.db'}"}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), PYTHONWARNINGS="ignore")
    for key in [k for k in env if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        del env[key]
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", json.dumps(variables), "-v",
                           str(ROOT / "playbooks" / "discover.yml")],
                          env=env, capture_output=True, text=True, check=False, timeout=600)


def stored(tmp_path: Path, name: str) -> dict:
    """Cluster ``name`` as the store holds it, hosts and components included."""
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        return get_cluster(store, name)
    finally:
        store.close()


def result_of(proc: subprocess.CompletedProcess[str]) -> dict:
    """The result of the cluster_discover task as -v prints it (``diff`` shows only from -vvv)."""
    marker = "TASK [osops.lifecycle.discover : Run cluster_discover for "
    block = proc.stdout[proc.stdout.index(marker):]
    start = block.index("=> {")
    return json.JSONDecoder().raw_decode(block[start + 3:])[0]


def check_openstack_api_discovery(tmp_path: Path, lab_status: dict) -> None:
    """Discover the running lab three ways (versions given, again, bare) and list it through the inventory plugin."""
    installed = dict(lab_status["versions"])  # keystone, placement, glance, neutron
    nova = {host: venv.split("-", 1)[1] for host, venv in lab_status["nova_venvs"].items()}
    params = {"versions": installed, "host_versions": {host: {"nova": v} for host, v in nova.items()}}

    first = discover(tmp_path, lab_status, params)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    found = result_of(first)
    assert found["changed"] is True
    assert found["notes"] == []  # params.hypervisors auto (the default), 2 computes: hypervisors read
    cluster = stored(tmp_path, "lab")
    # The role asks for numbers only (return_inventory false); the record is read back from the store.
    assert "hosts" not in found["cluster"] and "components" not in found["cluster"]
    assert found["cluster"] == {k: v for k, v in cluster.items() if k not in ("hosts", "components")}
    assert found["counts"]["components"] == {"total": len(cluster["components"]),
                                             "added": len(cluster["components"]), "removed": 0, "changed": 0}
    assert found["counts"]["hosts"]["total"] == len(cluster["hosts"])
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert last_discovery_run(store, "lab")["api_calls"] == found["api_calls"]
    finally:
        store.close()
    components = {(c["binary"], c["host"]): c for c in cluster["components"]}
    for host in ("compute1", "compute2"):
        compute = components[("nova-compute", host)]
        # up; "up (disabled)" while another test drains it
        assert compute["state"].startswith("up") and compute["version"] == nova[host]
        assert compute["release"] == release_of("nova", nova[host]).id
        assert compute["extra"]["hypervisor_type"] == "fake" and compute["extra"]["resource_provider"]
    assert components[("nova-conductor", "controller")]["release"] == release_of("nova", nova["controller"]).id
    # The lab's services are of one release, except during a rolling upgrade of nova (another
    # release on some hosts): the role's report names the mix.
    releases = {c["release"] for c in cluster["components"] if c["release"]}
    assert ("mixed releases" in first.stdout) == (len(releases) > 1)
    placement = components[("placement-api", "")]
    assert placement["release"] == release_of("placement", installed["placement"]).id
    # the API's real maximum is the one recorded for the installed release
    assert placement["extra"]["max_microversion"] == str(release_of("placement", installed["placement"])
                                                         .placement_max_microversion)
    hosts = {h["name"]: h for h in cluster["hosts"]}
    assert hosts["compute1"]["roles"] == ["compute"] and hosts["controller"]["roles"] == ["control"]
    assert all(h["address"] is None or h["address"].startswith("127.") for h in hosts.values())
    calls = found["api_calls"]
    assert 5 <= calls <= 25, calls  # a fixed number of listings, never one per host

    again = discover(tmp_path, lab_status, params)
    assert again.returncode == 0, again.stdout[-3000:]
    assert result_of(again)["api_calls"] == calls
    if result_of(again)["changed"]:
        # Only another test moving the lab meanwhile (a compute disabled for its upgrade) may
        # change something between two discoveries: service states, never the inventory.
        store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
        try:
            diff = last_discovery_run(store, "lab")["diff"]
        finally:
            store.close()
        assert not any(diff["hosts"].values()) and not diff["components"]["added"], diff
        assert not diff["components"]["removed"], diff
        assert all(set(c["after"]) == {"state"} for c in diff["components"]["changed"]), diff

    # Without versions only the API documents speak: a maximum microversion names a release only
    # when no other release shares it (placement's 1.39 never does); the nova services stay unknown.
    # With params.hypervisors never, GET /os-hypervisors/detail (one page here) is not asked at all.
    bare_run = discover(tmp_path, lab_status, {"hypervisors": "never"}, name="lab-bare")
    assert bare_run.returncode == 0, bare_run.stdout[-3000:]
    bare = result_of(bare_run)
    assert bare["notes"] == ["params.hypervisors is never: hypervisor details (type, version, host address) "
                             "not read."]
    output = (bare_run.stdout + bare_run.stderr).splitlines()
    assert not [line for line in output if "[WARNING]" in line and "hypervisor" in line]  # asked for: no warning
    assert bare["api_calls"] == calls - 1
    bare_cluster = stored(tmp_path, "lab-bare")
    never = {c["host"]: c for c in bare_cluster["components"] if c["binary"] == "nova-compute"}
    assert sorted(never) == ["compute1", "compute2"]
    assert all("hypervisor_type" not in c["extra"] and c["extra"]["resource_provider"] for c in never.values())
    assert all(h["address"] is None for h in bare_cluster["hosts"])
    bare_components = {(c["binary"], c["host"]): c for c in bare_cluster["components"]}
    api_placement = bare_components[("placement-api", "")]
    expected, reason = release_from_microversion("placement", api_placement["extra"]["max_microversion"])
    assert api_placement["release"] == expected and api_placement["extra"]["release_reason"] == reason, api_placement
    assert expected is None and "cannot tell them apart" in reason
    assert bare_components[("nova-compute", "compute1")]["release"] is None
    assert "params.versions" in bare_components[("nova-compute", "compute1")]["extra"]["release_reason"]

    config = tmp_path / "lab.osops_cluster.yml"
    config.write_text(f"plugin: osops.lifecycle.cluster\ncluster: lab\nstore: sqlite:///{tmp_path / 'store.db'}\n")
    listed = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(config), "--list"],
                            env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections")),
                            capture_output=True, text=True, check=False, timeout=120)
    assert listed.returncode == 0, listed.stderr
    inventory = json.loads(listed.stdout)
    assert inventory["nova_compute"]["hosts"] == ["compute1", "compute2"]
    assert "controller" in inventory["nova_conductor"]["hosts"]
