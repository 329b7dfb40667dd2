"""Where the lab keeps its state and caches (never inside the checkout)."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class LabPaths:
    """Filesystem layout of one lab.

    ``cache`` holds what survives ``down`` (venvs, pip's wheel cache); ``home`` holds the state of
    the running lab (configs, logs, pids, databases, ssh keys, inventory, clouds.yaml).
    """

    cache: Path
    home: Path

    @classmethod
    def from_env(cls) -> "LabPaths":
        """Honour OSOPS_LAB_CACHE and OSOPS_LAB_HOME; default under ~/.cache/osops-lab."""
        cache = Path(os.environ.get("OSOPS_LAB_CACHE", Path.home() / ".cache" / "osops-lab"))
        home = Path(os.environ.get("OSOPS_LAB_HOME", cache / "run"))
        return cls(cache=cache.resolve(), home=home.resolve())

    @property
    def venvs(self) -> Path:
        """One venv per service and version: ``venvs/<service>-<version>``."""
        return self.cache / "venvs"

    @property
    def pip_cache(self) -> Path:
        """pip's HTTP and wheel cache (uWSGI is built once, then reused)."""
        return self.cache / "pip"

    @property
    def wheels(self) -> Path:
        """Wheels the lab builds itself (uWSGI), shared by every venv build."""
        return self.cache / "wheels"

    @property
    def state_file(self) -> Path:
        """JSON description of the running lab (release, hosts, services)."""
        return self.home / "lab.json"

    @property
    def ssh_dir(self) -> Path:
        """Lab SSH client key, host keys and known_hosts."""
        return self.home / "ssh"

    @property
    def hosts_dir(self) -> Path:
        """One directory per simulated host (its /etc view, logs, data, supervisord)."""
        return self.home / "hosts"

    @property
    def inventory(self) -> Path:
        """Ansible inventory with openstack-ansible group names."""
        return self.home / "inventory.yml"

    @property
    def clouds_yaml(self) -> Path:
        """clouds.yaml with the ``lab`` cloud (admin)."""
        return self.home / "clouds.yaml"

    @property
    def mysql_data(self) -> Path:
        """MariaDB data directory."""
        return self.home / "mysql"
