"""An openstack-ansible deploy host, laid out as OSA lays one out, under a directory instead of /.

What OSA's ``scripts/bootstrap-ansible.sh`` and its wrapper give an operator, and what this
module builds:

* ``opt/ansible-runtime`` - the ansible runtime venv: ansible-core and the Python libraries of
  ``etc/openstack_deploy/user-ansible-venv-requirements.txt`` (where OSA takes the Python
  libraries a user's collections need);
* ``etc/ansible/ansible_collections`` - the collections of
  ``etc/openstack_deploy/user-collection-requirements.yml``, installed as OSA installs them:
  ``ansible-galaxy collection install --force -r`` of the entries that have a ``source``;
* ``etc/openstack_deploy/openstack_inventory.json`` - the dynamic inventory's file, read by
  ``opt/openstack-ansible/inventory/dynamic_inventory.py``, with OSA's group names in the
  spelling of a release: ``dashes`` (``shared-infra_hosts``, before 2026.1) or ``underscores``;
* ``etc/openstack_deploy/user_*.yml`` and ``user.rc`` - the operator's variables and settings;
* ``openstack-ansible`` - the wrapper (``tests/integration/osa/openstack-ansible``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "osa"


def osa_inventory(inventory: dict, spelling: str = "underscores") -> dict:
    """An Ansible YAML inventory (``all`` with ``vars``, ``hosts``, ``children``) as OSA's
    openstack_inventory.json: every group with its ``hosts`` and ``children`` lists, the hosts'
    variables under ``_meta.hostvars`` with what OSA records of a host on metal (container name and
    address, physical host, ``is_metal``), the inventory's variables as ``all.vars`` (OSA's
    ``global_overrides``). ``dashes`` spells the infrastructure groups as releases before 2026.1
    did (``shared-infra_hosts``)."""
    if spelling not in ("dashes", "underscores"):
        raise ValueError(f"spelling is dashes or underscores, not {spelling!r}")
    top = inventory["all"]

    def name(group: str) -> str:
        return group.replace("_infra_hosts", "-infra_hosts") if spelling == "dashes" else group

    groups: dict[str, dict] = {}

    def walk(group: str, body: dict | None) -> None:
        # a group named again as a child (nova_all's nova_compute) adds to what it has, never empties it
        body = body or {}
        known = groups.setdefault(name(group), {"hosts": [], "children": []})
        known["hosts"] = sorted(set(known["hosts"]) | set(body.get("hosts") or {}))
        known["children"] = sorted(set(known["children"]) | {name(child) for child in body.get("children") or {}})
        for child, child_body in (body.get("children") or {}).items():
            walk(child, child_body)

    for group, body in top["children"].items():
        walk(group, body)
    hostvars = {}
    for host, variables in top["hosts"].items():
        address = (variables or {}).get("ansible_host", host)
        hostvars[host] = {**(variables or {}), "container_address": address, "container_name": host,
                          "physical_host": host, "is_metal": True, "properties": {"is_metal": True}}
    return {"_meta": {"hostvars": hostvars},
            "all": {"vars": dict(top.get("vars") or {})},
            "hosts": {"hosts": sorted(top["hosts"]), "children": []},
            **groups}


class DeployHost:
    """The deploy host under ``root``."""

    def __init__(self, root: Path):
        self.root = root
        self.config_dir = root / "etc" / "openstack_deploy"
        self.collections = root / "etc" / "ansible"
        self.runtime = root / "opt" / "ansible-runtime"
        self.inventory_script = root / "opt" / "openstack-ansible" / "inventory" / "dynamic_inventory.py"
        self.config_dir.mkdir(parents=True, exist_ok=True)

    def write_inventory(self, inventory: dict, spelling: str, name: str = "openstack_inventory.json") -> Path:
        """openstack_inventory.json (or ``name`` beside it) from an Ansible YAML inventory, and the script that
        serves openstack_inventory.json."""
        path = self.config_dir / name
        path.write_text(json.dumps(osa_inventory(inventory, spelling), indent=2))
        self.inventory_script.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "dynamic_inventory.py", self.inventory_script)
        self.inventory_script.chmod(0o755)
        return path

    def write(self, name: str, content: str | dict) -> Path:
        """A file of /etc/openstack_deploy (a dict as YAML)."""
        path = self.config_dir / name
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        return path

    def bootstrap(self) -> subprocess.CompletedProcess[str]:
        """What bootstrap-ansible.sh does for a user's collection: the runtime venv with ansible-core (the
        version the tests run) and user-ansible-venv-requirements.txt, then the collections of
        user-collection-requirements.yml that have a ``source``, with ansible-galaxy from that venv."""
        import ansible

        subprocess.run([sys.executable, "-m", "venv", "--clear", str(self.runtime)], check=True, timeout=300)
        pip = [str(self.runtime / "bin" / "pip"), "install", "--isolated", "-q", f"ansible-core=={ansible.__version__}"]
        requirements = self.config_dir / "user-ansible-venv-requirements.txt"
        if requirements.exists():
            pip += ["-r", str(requirements)]
        subprocess.run(pip, check=True, timeout=900, capture_output=True)
        wanted = yaml.safe_load((self.config_dir / "user-collection-requirements.yml").read_text()) or {}
        merged = self.root / "collection-requirements.yml"
        merged.write_text(yaml.safe_dump({"collections": [c for c in wanted.get("collections") or [] if "source" in c]}))
        return subprocess.run([str(self.runtime / "bin" / "ansible-galaxy"), "collection", "install", "--force",
                               "-r", str(merged), "-p", str(self.collections)],
                              capture_output=True, text=True, timeout=300, check=True)

    def openstack_ansible(self, *args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """``openstack-ansible ARGS`` on this deploy host (``env``: the environment it starts from)."""
        base = {key: value for key, value in (env or os.environ).items()
                if not key.startswith(("ANSIBLE_", "OSA_", "VIRTUAL_ENV"))
                or key == "ANSIBLE_LOG_PATH"}  # the secret scan's log (tests/secretscan.py), as OSA's rc sets one
        base["PATH"] = os.pathsep.join(p for p in base.get("PATH", "").split(os.pathsep)
                                       if not p.startswith(str(ROOT)))  # not the tests' own venv
        return subprocess.run([str(HERE / "openstack-ansible"), *args], env=dict(base, OSA_ROOT=str(self.root)),
                              capture_output=True, text=True, timeout=timeout, check=False)


def printed(proc: subprocess.CompletedProcess[str]) -> list:
    """The ``msg`` lines of the last debug task of an ``openstack-ansible`` run, whose results are YAML
    (``ANSIBLE_CALLBACK_RESULT_FORMAT=yaml``, as openstack-ansible.rc sets)."""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    start = max(index for index, line in enumerate(lines) if line.startswith("ok: [") and line.rstrip().endswith("=>"))
    block = []
    for line in lines[start + 1:]:
        if line and not line[0].isspace():
            break
        block.append(line)
    return yaml.safe_load(textwrap.dedent("\n".join(block)))["msg"]
