"""The lab as a whole: bring-up, teardown, status, reset, faults and nova rolling upgrades."""
from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

from . import cloud, cloudkitty, install, services
from .hosts import SSH_PORT, Host, Program, kill_all, lab_member_pids, wait_gone
from .paths import LabPaths
from .releases import RELEASES, TOOLS, Release, VenvSpec, check_options, get_release, upgrade_refusal, venvs_for

#: Debian packages the lab needs (``labctl deps``).
APT_PACKAGES = ("rabbitmq-server", "mariadb-server", "mariadb-client", "openssh-server", "openssh-client",
                "sqlite3", "util-linux", "iproute2", "procps", "haproxy", *cloudkitty.APT_PACKAGES)
#: Executables checked before ``up``.
REQUIRED_BINARIES = ("/usr/sbin/sshd", "/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/bin/mariadb",
                     "/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/bin/epmd", "/usr/bin/unshare",
                     "/usr/bin/nsenter", "/usr/bin/ssh-keygen", "/usr/bin/ss")
#: HAProxy (Debian's), for the HA lab only.
HAPROXY = "/usr/sbin/haproxy"
MAX_COMPUTES = 20
#: Controllers: 1, or 2 for the highly available lab (HAProxy on a VIP in front of both).
MAX_CONTROLLERS = 2
#: Everything the lab writes in its home (``up`` empties only a directory holding nothing else).
HOME_ENTRIES = {"ssh", "hosts", "mysql", "lab.json", "clouds.yaml", "inventory.yml", "hosts.txt"}


class LabError(RuntimeError):
    """A user-facing failure (the message says what to do)."""


class Lab:
    """One lab, rooted at ``paths.home``; ``log`` receives progress lines."""

    def __init__(self, paths: LabPaths, log: Callable[[str], None] = print) -> None:
        self.paths = paths
        self._log = log
        self._t0 = time.monotonic()
        self.tools_bin = install.venv_path(paths, TOOLS) / "bin"

    # ------------------------------------------------------------------ helpers
    def step(self, message: str) -> None:
        """Log a progress line with the time since the command started."""
        self._log(f"[{time.monotonic() - self._t0:6.1f}s] {message}")

    def load_state(self) -> dict[str, Any] | None:
        """The saved description of the lab, if any (an HA lab's clients then go through its VIP)."""
        try:
            state = json.loads(self.paths.state_file.read_text())
        except (OSError, ValueError):
            return None
        services.use_vip(state.get("controllers", 1) > 1)
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        """Persist the description of the lab."""
        self.paths.state_file.write_text(json.dumps(state, indent=2) + "\n")

    def make_hosts(self, computes: int, controllers: int = 1) -> list[Host]:
        """The controller (127.0.0.2), ``computes`` compute hosts (127.0.0.3 onwards) and, for an HA
        lab (``controllers`` 2), controller2 (127.0.0.30: the APIs, nova's conductor and scheduler).

        The first three octets come from ``OSOPS_LAB_NET`` (see services.host_address).
        """
        hosts = [Host("controller", services.host_address(0), ("controller",), self.paths)]
        hosts += [Host(f"compute{i}", services.host_address(i), ("compute",), self.paths)
                  for i in range(1, computes + 1)]
        if controllers > 1:
            hosts.append(Host("controller2", services.CONTROLLER2_ADDRESS, ("api",), self.paths))
        return hosts

    @staticmethod
    def api_hosts(hosts: list[Host]) -> list[Host]:
        """Hosts running the API services (both controllers of an HA lab)."""
        return [h for h in hosts if "controller" in h.roles or "api" in h.roles]

    def hosts(self, state: dict[str, Any] | None = None) -> list[Host]:
        """Hosts of the saved lab."""
        state = state or self.load_state()
        if not state:
            raise LabError("no lab is up (run: labctl up --release R)")
        return self.make_hosts(state["computes"], state.get("controllers", 1))

    def host(self, name: str, state: dict[str, Any] | None = None) -> Host:
        """One host of the saved lab, by name."""
        for h in self.hosts(state):
            if h.name == name:
                return h
        raise LabError(f"no host {name!r} in the lab")

    @property
    def supervisorctl(self) -> Path:
        """supervisorctl from the tools venv."""
        return self.tools_bin / "supervisorctl"

    def venv_real(self, spec: VenvSpec) -> Path:
        """Real path of a service venv."""
        return install.venv_path(self.paths, spec)

    @staticmethod
    def shared_specs(state: dict[str, Any]) -> dict[str, VenvSpec]:
        """Keystone, placement, glance and neutron of the lab: those of the release it was built at
        (an upgrade rehearsal with upgrade-nova moves nova only)."""
        return {s.service: s for s in get_release(state["built_at"]).shared}

    def programs(self, host: Host, nova: VenvSpec, state: dict[str, Any]) -> list[Program]:
        """Every supervisord program of ``host`` (configs are rendered on the way)."""
        programs = [host.sshd_program()]
        if "controller" in host.roles:
            programs += services.controller_programs(host, self.shared_specs(state), self.venv_real)
            if state.get("controllers", 1) > 1:
                programs.append(services.haproxy_program(host, self.api_hosts(self.hosts(state))))
        if "api" in host.roles:
            programs += services.api_programs(host, self.shared_specs(state), self.venv_real,
                                              glance_lib=self.hosts(state)[0].lib / "glance")
        programs += services.nova_programs(host, nova, self.venv_real(nova))
        if "controller" in host.roles and "cloudkitty" in state.get("options", ()):
            spec = get_release(state["built_at"]).spec("cloudkitty")
            programs += cloudkitty.programs(host, spec, self.venv_real(spec), state.get("cloudkitty_storage", 2))
        return programs

    @staticmethod
    def etc_dirs(host: Host, options: tuple[str, ...] = ()) -> tuple[str, ...]:
        """``/etc/<dir>`` bind mounts of a host."""
        if "api" in host.roles:
            return services.API_ETC
        if "controller" not in host.roles:
            return services.COMPUTE_ETC
        return services.CONTROLLER_ETC + (cloudkitty.ETC if "cloudkitty" in options else ())

    def ctl(self, host: Host, *args: str) -> str:
        """supervisorctl on one host."""
        return host.ctl(self.supervisorctl, *args)

    def start_programs(self, host: Host, *names: str) -> None:
        """Start programs on a host (supervisorctl start waits for each to be RUNNING)."""
        out = host.ctl(self.supervisorctl, "start", *names, check=False)
        bad = [line for line in out.splitlines() if "ERROR" in line and "already started" not in line]
        if bad:
            raise LabError(f"cannot start {', '.join(names)} on {host.name}: {'; '.join(bad)} "
                           f"(logs in {host.log_dir})")

    def program_states(self, host: Host) -> dict[str, dict[str, Any]]:
        """supervisord's view of every program of a host: state and pid."""
        if host.pid() is None:
            return {}
        out = host.ctl(self.supervisorctl, "status", check=False)
        states: dict[str, dict[str, Any]] = {}
        for line in out.splitlines():
            parts = line.split(None, 2)
            if len(parts) < 2:
                continue
            m = re.search(r"pid (\d+)", line)
            states[parts[0]] = {"state": parts[1], "pid": int(m.group(1)) if m else None}
        return states

    # ------------------------------------------------------------------ checks
    @staticmethod
    def check_binaries(options: tuple[str, ...] = (), controllers: int = 1) -> None:
        """Fail with a clear message when Debian packages are missing."""
        required = REQUIRED_BINARIES + ((cloudkitty.INFLUXD,) if "cloudkitty" in options else ())
        required += (HAPROXY,) if controllers > 1 else ()
        missing = [b for b in required if not os.access(b, os.X_OK)]
        if missing:
            raise LabError(f"missing {', '.join(missing)}: run `labctl deps` (apt-get install "
                           f"{' '.join(APT_PACKAGES)})")

    @staticmethod
    def listeners() -> list[tuple[str, int, str]]:
        """Listening TCP sockets: (address, port, process description)."""
        out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
        found = []
        for line in out.splitlines():
            cols = line.split()
            if len(cols) < 4:
                continue
            addr, port = cols[3].rsplit(":", 1)
            holders = re.findall(r'\("([^"]+)",pid=(\d+)', cols[5]) if len(cols) > 5 else []
            proc = ", ".join(f"{name} (pid {pid})" for name, pid in holders) or "a process of another user/namespace"
            found.append((addr.strip("[]"), int(port), proc))
        return found

    def lab_ports(self, computes: int, options: tuple[str, ...] = (),
                  controllers: int = 1) -> list[tuple[str, int, str]]:
        """Every (address, port, purpose) the lab listens on."""
        ports = [(services.CONTROLLER_ADDRESS, p, name) for name, p in services.CONTROLLER_PORTS.items()]
        if controllers > 1:
            for name in services.HAPROXY_BACKENDS:
                port = services.CONTROLLER_PORTS[name]
                ports += [(services.VIP_ADDRESS, port, f"{name} on the VIP (haproxy)"),
                          (services.CONTROLLER2_ADDRESS, port, f"{name} of controller2")]
        if "cloudkitty" in options:
            ports += cloudkitty.ports()
        ports.append(("127.0.0.1", services.CONTROLLER_PORTS["epmd"], "epmd (loopback)"))
        ports += [(h.address, SSH_PORT, f"sshd of {h.name}") for h in self.make_hosts(computes, controllers)]
        return ports

    def busy_ports(self, computes: int, options: tuple[str, ...] = (), controllers: int = 1) -> list[str]:
        """Descriptions of lab ports already held by someone."""
        wildcard = {"0.0.0.0", "*", "::", ""}
        taken = []
        listening = self.listeners()
        for addr, port, purpose in self.lab_ports(computes, options, controllers):
            for laddr, lport, proc in listening:
                if lport == port and (laddr == addr or laddr in wildcard):
                    taken.append(f"port {addr}:{port} ({purpose}) is taken by {proc} listening on {laddr}:{lport}")
        return taken

    # ------------------------------------------------------------------ install
    def install(self, release: Release, only: tuple[str, ...] = (), options: tuple[str, ...] = ()) -> float:
        """Build every venv of ``release`` with the ``options`` (or of the ``only`` services; missing ones
        only); return seconds."""
        specs = tuple(s for s in venvs_for(release, options + only) if not only or s.service in only)
        try:
            return install.ensure_venvs(self.paths, specs, log=self.step)
        except install.InstallError as exc:
            raise LabError(str(exc)) from None

    # ------------------------------------------------------------------ up
    def up(self, release_name: str, computes: int = 2, options: tuple[str, ...] = (), controllers: int = 1) -> bool:
        """Bring the lab up at ``release_name`` with the optional services ``options`` (e.g. cloudkitty)
        and ``controllers`` controllers (2: the HA lab); return False when it was already up (nothing changed)."""
        release = get_release(release_name)
        options = check_options(options)
        if not 1 <= computes <= MAX_COMPUTES:
            raise LabError(f"--computes must be between 1 and {MAX_COMPUTES}")
        if not 1 <= controllers <= MAX_CONTROLLERS:
            raise LabError(f"--controllers must be 1 or {MAX_CONTROLLERS} (2: the APIs behind HAProxy on a VIP)")
        state = self.load_state()
        if state is not None or lab_member_pids(self.paths.home):
            health = self.health(state) if state else None
            if state and health == "up":
                if state["release"] != release.name or state["computes"] != computes or \
                        tuple(state.get("options", ())) != options or state.get("controllers", 1) != controllers:
                    with_ = "".join(f" --with {o}" for o in state.get("options", ()))
                    raise LabError(f"a lab is already up at {state['release']} with {state['computes']} computes"
                                   f"{with_} and {state.get('controllers', 1)} controller(s); run `labctl down` first")
                stopped = self.stopped_programs(state)
                note = f" (not running: {', '.join(stopped)}; see labctl start)" if stopped else ""
                self._log(f"lab already up at {release.name} with {computes} computes: nothing changed{note}")
                return False
            self.step(f"found a half-started lab ({health or 'no state'}): cleaning it up first")
            self.down()
        services.use_vip(controllers > 1)
        self.check_binaries(options, controllers)
        busy = self.busy_ports(computes, options, controllers)
        if busy:
            raise LabError("cannot start the lab:\n  " + "\n  ".join(busy))
        took = self.install(release, options=options)
        self.step(f"venvs ready for {release.name} ({took:.1f} s)")

        hosts = self.make_hosts(computes, controllers)
        self._fresh_home(hosts, options)
        state = {"release": release.name, "built_at": release.name, "computes": computes, "ready": False,
                 "nova": {h.name: release.nova.name for h in hosts}, "started_at": time.time()}
        if controllers > 1:
            state["controllers"] = controllers
        if options:
            state["options"] = list(options)
        if "cloudkitty" in options:
            state["cloudkitty_storage"] = 2
        self.save_state(state)
        for h in hosts:
            h.write_supervisord_conf(self.programs(h, release.nova, state))
        self._init_mariadb(hosts[0])
        for h in hosts:
            h.start(self.tools_bin / "supervisord", self.paths.home / "hosts.txt", self.etc_dirs(h, options))
        for h in hosts:
            cloud.wait_for(f"supervisord of {h.name}", lambda h=h: self.program_states(h), 20, 0.1)
            (h.dir / "mntns").write_text(os.readlink(f"/proc/{h.pid()}/ns/mnt") + "\n")
        self.step(f"{len(hosts)} hosts up (sshd on {hosts[0].address}-{hosts[-1].address.split('.')[-1]}:{SSH_PORT})")
        self._bootstrap(hosts, release)
        if "cloudkitty" in options:
            self._bootstrap_cloudkitty(hosts[0], release.spec("cloudkitty"))
        state["ready"] = True
        self.save_state(state)
        self.step(f"lab ready at {release.name}: export OS_CLIENT_CONFIG_FILE={self.paths.clouds_yaml} OS_CLOUD=lab")
        return True

    def _fresh_home(self, hosts: list[Host], options: tuple[str, ...] = ()) -> None:
        """Empty the lab home (keeping the SSH client key), then write keys, hosts file, inventory.

        Refuses a directory holding anything the lab does not write (a mistaken OSOPS_LAB_HOME).
        """
        home = self.paths.home
        home.mkdir(parents=True, exist_ok=True)
        foreign = sorted(e.name for e in home.iterdir() if e.name not in HOME_ENTRIES)
        if foreign:
            raise LabError(f"{home} holds files the lab did not write ({', '.join(foreign[:5])}): "
                           "choose another OSOPS_LAB_HOME")
        for entry in home.iterdir():
            if entry.name == "ssh":
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
        ssh = self.paths.ssh_dir
        ssh.mkdir(mode=0o700, exist_ok=True)
        key = ssh / "id_ed25519"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "osops-lab", "-f", str(key)],
                           check=True)
        (ssh / "authorized_keys").write_text((ssh / "id_ed25519.pub").read_text())
        for h in hosts:
            h.prepare(self.etc_dirs(h, options))
        (ssh / "known_hosts").write_text(
            "".join(f"[{h.address}]:{SSH_PORT} {h.host_public_key()}\n" for h in hosts))
        (home / "hosts.txt").write_text(
            "127.0.0.1 localhost\n" + "".join(f"{h.address} {h.name}\n" for h in hosts))
        # mount points needed by the host views; empty directories on the real machine
        Path("/openstack").mkdir(exist_ok=True)
        Path("/run/sshd").mkdir(exist_ok=True)
        cloud.clouds_yaml(self.paths.clouds_yaml)
        self._write_inventory(hosts, options)

    def _write_inventory(self, hosts: list[Host], options: tuple[str, ...] = ()) -> None:
        """Ansible inventory with openstack-ansible's (underscored) group names."""
        import yaml

        controller = [h.name for h in hosts if "controller" in h.roles]
        apis = [h.name for h in self.api_hosts(hosts)]
        computes = [h.name for h in hosts if "compute" in h.roles]

        def group(names: list[str]) -> dict[str, Any]:
            return {"hosts": {n: None for n in names}}

        def parent(*children: str) -> dict[str, Any]:
            return {"children": {c: None for c in children}}

        leaf = {g: group(controller) for g in ("galera_all", "rabbitmq_all", "utility_all")}
        leaf.update({g: group(apis) for g in (
            "keystone_all", "placement_all", "glance_all", "neutron_server", "nova_api_os_compute",
            "nova_conductor", "nova_scheduler")})
        if len(apis) > 1:
            leaf["haproxy_all"] = group(controller)
        leaf["nova_compute"] = group(computes)
        if "cloudkitty" in options:
            leaf["cloudkitty_all"] = group(controller)
        children: dict[str, Any] = {
            **leaf,
            "shared_infra_hosts": group(controller),
            "os_infra_hosts": group(apis),
            "identity_hosts": group(apis),
            "image_hosts": group(apis),
            "network_hosts": group(apis),
            "placement_infra_hosts": group(apis),
            "compute_infra_hosts": group(apis),
            "compute_hosts": group(computes),
            "nova_all": parent("nova_api_os_compute", "nova_conductor", "nova_scheduler", "nova_compute"),
            "neutron_all": parent("neutron_server"),
        }
        inventory = {
            "all": {
                "vars": {
                    "ansible_user": "root",
                    "ansible_port": SSH_PORT,
                    "ansible_ssh_private_key_file": str(self.paths.ssh_dir / "id_ed25519"),
                    "ansible_ssh_common_args": f"-o UserKnownHostsFile={self.paths.ssh_dir / 'known_hosts'} "
                                               "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
                    "ansible_ssh_pipelining": True,
                    "ansible_python_interpreter": "/usr/bin/python3",
                    "osops_lab_clouds_yaml": str(self.paths.clouds_yaml),
                    # the lab's supervisord programs of the APIs openstack-ansible names glance-api, ...
                    "osops_upgrade_units": {"glance-api": "glance", "placement-api": "placement",
                                            "neutron-server": "neutron"},
                },
                "hosts": {h.name: {"ansible_host": h.address} for h in hosts},
                "children": children,
            }
        }
        if len(apis) > 1:
            # the upgrade role drains each API's backend on HAProxy's admin socket around a restart
            inventory["all"]["vars"]["osops_upgrade_haproxy_socket"] = str(services.haproxy_socket(hosts[0]))
        self.paths.inventory.write_text(yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False))

    def _init_mariadb(self, controller: Host) -> None:
        """Create an empty MariaDB data directory."""
        self.paths.mysql_data.mkdir(parents=True, exist_ok=True)
        with (controller.log_dir / "mariadb-install-db.log").open("w") as out:
            subprocess.run(["mariadb-install-db", f"--defaults-file={controller.etc / 'mysql' / 'my.cnf'}",
                            "--auth-root-authentication-method=socket", "--skip-test-db"],
                           stdout=out, stderr=subprocess.STDOUT, check=True, stdin=subprocess.DEVNULL)

    def mysql(self, sql: str) -> str:
        """Run SQL as MariaDB's root over the controller's unix socket; return tab-separated rows."""
        controller = self.make_hosts(0)[0]
        res = subprocess.run(["mariadb", f"--socket={controller.dir / 'mysqld.sock'}", "-uroot", "-N", "-B",
                              "-e", sql], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise LabError(f"mariadb: {res.stderr.strip()}")
        return res.stdout

    def _create_databases(self) -> None:
        """Fresh lab databases and the lab's database user."""
        stmts = [f"DROP DATABASE IF EXISTS {d}; CREATE DATABASE {d};" for d in services.DATABASES]
        stmts.append(f"CREATE USER IF NOT EXISTS '{services.DB_USER}'@'%' IDENTIFIED BY '{services.PASSWORD}';"
                     f"GRANT ALL PRIVILEGES ON *.* TO '{services.DB_USER}'@'%'; FLUSH PRIVILEGES;")
        self.mysql(" ".join(stmts))

    def snapshot_path(self, release: Release) -> Path:
        """Cached dump of the freshly bootstrapped databases of ``release``.

        Keyed on the lab's addresses, the venvs and on the lab's own code (configs, bootstrap), so that any change makes
        the next bring-up run the real schema tools again.
        """
        h = hashlib.sha256()
        h.update(services.api_address().encode())  # the catalog holds the lab's addresses (an HA lab's VIP)
        for spec in venvs_for(release):
            h.update(spec.name.encode())
        for source in sorted(Path(__file__).parent.glob("*.py")):
            h.update(source.read_bytes())
        return self.paths.cache / "db-snapshots" / f"{release.name}-{h.hexdigest()[:16]}.sql"

    def _bootstrap(self, hosts: list[Host], release: Release) -> None:
        """From running hosts to a working cloud: DBs, services, catalog, cells.

        The first time, the real tools build every schema (keystone-manage, placement-manage,
        glance-manage, neutron-db-manage, nova-manage; each chain in its own thread so that their
        imports overlap), keystone is bootstrapped and the catalog registered; the result is dumped
        into the cache. Later bring-ups (and resets) load that dump instead: same databases, a
        minute less of CPU.
        """
        controller = hosts[0]
        computes = [h for h in hosts if "compute" in h.roles]
        apis = self.api_hosts(hosts)
        shared = {s.service: services.view_venv(s) for s in release.shared}
        nova = services.view_venv(release.nova)
        snapshot = self.snapshot_path(release)

        if len(apis) > 1:
            self.start_programs(controller, "haproxy")
        self.start_programs(controller, "mariadb", "epmd")
        cloud.wait_for("MariaDB", self._mysql_ping, 60, 0.2)
        self.start_programs(controller, "rabbitmq")
        self._create_databases()
        for keys in ("fernet-keys", "credential-keys"):
            # what fernet_setup/credential_setup write, without two more keystone-manage imports
            _fernet_repository(controller.etc / "keystone" / keys)
            for other in apis[1:]:  # keystone's hosts share their keys, as openstack-ansible syncs them
                shutil.rmtree(other.etc / "keystone" / keys, ignore_errors=True)
                shutil.copytree(controller.etc / "keystone" / keys, other.etc / "keystone" / keys)
        for d in ("images", "staging", "tasks"):
            (controller.lib / "glance" / d).mkdir(parents=True, exist_ok=True)
        self.step("mariadb up, databases created; rabbitmq starting")

        if snapshot.exists():
            self.mysql_load(snapshot)
            self.step(f"databases loaded from {snapshot.name}")
            for h in apis:
                self.start_programs(h, *services.SHARED_PROGRAMS)
        else:
            self._build_databases(controller, shared, nova, apis)
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            self.mysql_dump(snapshot)
            self.step(f"databases saved to {snapshot}")
        rabbit = (services.CONTROLLER_ADDRESS, services.CONTROLLER_PORTS["rabbitmq"])
        cloud.wait_for("RabbitMQ", lambda: _tcp_open(*rabbit), 90, 0.2)
        for h in apis:
            self.start_programs(h, *services.NOVA_CONTROL)
        for h in computes:
            self.start_programs(h, "nova-compute")
        for name in ("keystone", "placement", "glance", "neutron", "nova-api"):
            self.wait_http(name, 120, apis)
        self.step("all APIs serving; waiting for nova services")
        conn = cloud.connect(self.paths.clouds_yaml)
        expected = {(binary, h.name) for h in apis for binary in ("nova-conductor", "nova-scheduler")}
        expected |= {("nova-compute", h.name) for h in computes}
        cloud.wait_for("nova services up", lambda: cloud.compute_services_up(conn, expected), 180, 1)
        # the scheduler maps new computes to cell1 (discover_hosts_in_cells_interval)
        names = {h.name for h in computes}
        cloud.wait_for("computes mapped to cell1",
                       lambda: names <= set(self.mysql("SELECT host FROM nova_api.host_mappings").split()), 60, 1)
        self.step(f"nova up: conductor, scheduler, api ({len(apis)} hosts), {len(computes)} computes")

    def _bootstrap_cloudkitty(self, controller: Host, spec: VenvSpec) -> None:
        """CloudKitty with storage v2 (its default): its database built by its own tools, InfluxDB up
        with cloudkitty's database, the ``rating`` service in the catalog, api and processor running."""
        venv = services.view_venv(spec)
        self.mysql(f"DROP DATABASE IF EXISTS {cloudkitty.DATABASE}; CREATE DATABASE {cloudkitty.DATABASE};")
        self.start_programs(controller, "influxdb")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            catalog = pool.submit(cloud.register_service, cloud.connect(self.paths.clouds_yaml), "cloudkitty",
                                  "rating", cloudkitty.url())
            controller.run([f"{venv}/bin/cloudkitty-dbsync", "--config-file", cloudkitty.CONF, "upgrade"],
                           "cloudkitty-manage.log")
            self.wait_url("influxdb", cloudkitty.influx_url() + "/ping", 60)
            self.influx_query(f'CREATE DATABASE "{cloudkitty.INFLUX_DATABASE}"')
            controller.run([f"{venv}/bin/cloudkitty-storage-init", "--config-file", cloudkitty.CONF],
                           "cloudkitty-manage.log")
            catalog.result()
        self.start_programs(controller, "cloudkitty-api", "cloudkitty-processor")
        self.wait_url("cloudkitty-api", cloudkitty.url(), 90)
        self.step(f"cloudkitty {spec.version} serving (storage v2 on InfluxDB)")

    def influx_query(self, query: str) -> dict[str, Any]:
        """One InfluxQL statement on the lab's InfluxDB (POST /query); its JSON answer."""
        data = urllib.parse.urlencode({"q": query}).encode()
        with urllib.request.urlopen(cloudkitty.influx_url() + "/query", data=data, timeout=10) as answer:
            result = json.loads(answer.read())
        errors = [r["error"] for r in result.get("results", []) if "error" in r]
        if errors:
            raise LabError(f"influxdb refused {query!r}: {'; '.join(errors)}")
        return result

    def cloudkitty_storage(self, version: int) -> bool:
        """Switch cloudkitty to storage ``version`` (1: sqlalchemy, 2: InfluxDB): stop api and processor,
        rewrite ``[storage]``, run ``cloudkitty-storage-init``, start them again. False when already there."""
        state = self.load_state()
        if not state or self.health(state) != "up":
            raise LabError("the lab is not up")
        if "cloudkitty" not in state.get("options", ()):
            raise LabError("this lab runs no cloudkitty: bring it up with `labctl up --release R --with cloudkitty`")
        if version not in (1, 2):
            raise LabError(f"cloudkitty storage version {version} is not 1 (sqlalchemy) or 2 (InfluxDB)")
        if state.get("cloudkitty_storage") == version:
            self._log(f"cloudkitty already uses storage v{version}: nothing changed")
            return False
        controller = self.hosts(state)[0]
        spec = get_release(state["built_at"]).spec("cloudkitty")
        controller.ctl(self.supervisorctl, "stop", "cloudkitty-processor", "cloudkitty-api")
        (controller.etc / "cloudkitty" / "cloudkitty.conf").write_text(cloudkitty.cloudkitty_conf(controller, version))
        state["cloudkitty_storage"] = version
        self.save_state(state)
        controller.run([f"{services.view_venv(spec)}/bin/cloudkitty-storage-init", "--config-file", cloudkitty.CONF],
                       "cloudkitty-manage.log")
        self.start_programs(controller, "cloudkitty-api", "cloudkitty-processor")
        self.wait_url("cloudkitty-api", cloudkitty.url(), 90)
        self.step(f"cloudkitty runs with storage v{version}")
        return True

    def _build_databases(self, controller: Host, shared: dict[str, str], nova: str, apis: list[Host]) -> None:
        """Every schema with the services' own tools, keystone bootstrap and the catalog.

        Leaves keystone, placement, glance and neutron running on every API host.
        """

        def start(name: str) -> None:
            for h in apis:
                self.start_programs(h, name)
        # schema chains off keystone's and nova's critical path yield the CPU (2 cores)
        nice = ["nice", "-n", "10"]

        def keystone() -> None:
            ks = [f"{shared['keystone']}/bin/keystone-manage", "--config-file", "/etc/keystone/keystone.conf"]
            controller.run([*ks, "db_sync"], "keystone-manage.log")
            kurl = services.keystone_url()
            controller.run([*ks, "bootstrap", "--bootstrap-password", services.PASSWORD,
                            "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
                            "--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
                            "--bootstrap-region-id", services.REGION, "--bootstrap-admin-url", kurl,
                            "--bootstrap-public-url", kurl, "--bootstrap-internal-url", kurl],
                           "keystone-manage.log")
            start("keystone")
            self.wait_http("keystone", 90, apis)
            self.step("keystone serving")
            cloud.register_catalog(cloud.connect(self.paths.clouds_yaml))
            self.step("catalog registered")

        def placement() -> None:
            controller.run([*nice, f"{shared['placement']}/bin/placement-manage", "--config-file",
                            "/etc/placement/placement.conf", "db", "sync"], "placement-manage.log")
            start("placement")

        def glance() -> None:
            controller.run([*nice, f"{shared['glance']}/bin/glance-manage", "--config-file",
                            "/etc/glance/glance-api.conf", "db_sync"], "glance-manage.log")
            start("glance")

        def neutron() -> None:
            controller.run([*nice, f"{shared['neutron']}/bin/neutron-db-manage", "--config-file",
                            "/etc/neutron/neutron.conf", "upgrade", "heads"], "neutron-db-manage.log")
            start("neutron")

        def nova_databases() -> None:
            self.nova_db_setup(controller, nova)
            self.step("nova databases ready")

        with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
            for fut in [pool.submit(fn) for fn in (keystone, nova_databases, placement, glance, neutron)]:
                fut.result()

    def mysql_dump(self, target: Path) -> None:
        """Dump every lab database into ``target``."""
        controller = self.make_hosts(0)[0]
        tmp = target.with_suffix(".tmp")
        with tmp.open("w") as out:
            res = subprocess.run(["mariadb-dump", f"--socket={controller.dir / 'mysqld.sock'}", "-uroot",
                                  "--skip-dump-date", "--databases", *services.DATABASES],
                                 stdout=out, stderr=subprocess.PIPE, text=True, check=False)
        if res.returncode != 0:
            raise LabError(f"mariadb-dump: {res.stderr.strip()}")
        tmp.rename(target)

    def mysql_load(self, dump: Path) -> None:
        """Load a dump made by :meth:`mysql_dump`."""
        controller = self.make_hosts(0)[0]
        with dump.open() as src:
            res = subprocess.run(["mariadb", f"--socket={controller.dir / 'mysqld.sock'}", "-uroot"],
                                 stdin=src, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise LabError(f"loading {dump}: {res.stderr.strip()}")

    def nova_db_setup(self, controller: Host, nova: str) -> None:
        """Fresh nova API, cell0 and cell1 databases with the given nova venv (inside the controller)."""
        manage = [f"{nova}/bin/nova-manage", "--config-file", "/etc/nova/nova.conf"]
        controller.run([*manage, "api_db", "sync"], "nova-manage.log")
        controller.run([*manage, "cell_v2", "map_cell0", "--database_connection", services.db_url("nova_cell0")],
                       "nova-manage.log")
        controller.run([*manage, "db", "sync"], "nova-manage.log")  # cell0 and cell1
        controller.run([*manage, "cell_v2", "create_cell", "--name", "cell1"], "nova-manage.log")

    def _mysql_ping(self) -> bool:
        try:
            self.mysql("SELECT 1")
        except LabError:
            return False
        return True

    @classmethod
    def wait_http(cls, service: str, timeout: float, hosts: list[Host] | None = None) -> None:
        """Wait until an API answers HTTP (any status) where clients reach it and, with ``hosts``, on each one."""
        for h in hosts or ():
            cls.wait_url(service, services.url(service, h.address), timeout)
        cls.wait_url(service, services.url(service), timeout)

    @staticmethod
    def wait_url(service: str, address: str, timeout: float) -> None:
        """Wait until ``address`` answers HTTP (any status)."""
        def probe() -> bool:
            try:
                urllib.request.urlopen(address, timeout=5).close()
            except urllib.error.HTTPError:
                pass  # any HTTP answer (401, 300...) means the server is serving
            return True

        cloud.wait_for(f"{service} at {address}", probe, timeout, 0.3)

    # ------------------------------------------------------------------ down
    def down(self) -> float:
        """Stop every process of the lab (even a half-started one); return the seconds it took."""
        start = time.monotonic()
        home = self.paths.home
        supervisords = []
        namespaces = set()
        for host_dir in sorted(self.paths.hosts_dir.glob("*")) if self.paths.hosts_dir.exists() else []:
            host = Host(host_dir.name, "", (), self.paths)
            pid = host.pid()
            if pid:
                supervisords.append(pid)
            ns = host_dir / "mntns"
            if ns.exists():
                namespaces.add(ns.read_text().strip())
        members = [p for p in _namespace_members(namespaces) + lab_member_pids(home) if p not in supervisords]
        # services first (graceful, all at once), then the supervisords, then anything left
        kill_all(members, signal.SIGTERM)
        kill_all(wait_gone(members, 10), signal.SIGKILL)
        kill_all(supervisords, signal.SIGTERM)
        kill_all(wait_gone(supervisords, 5), signal.SIGKILL)
        for _attempt in range(3):
            left = list(set(_namespace_members(namespaces) + lab_member_pids(home)))
            if not left:
                break
            kill_all(left, signal.SIGKILL)
            wait_gone(left, 5)
        state = self.load_state()
        if state is not None:
            self.paths.state_file.unlink()
        took = time.monotonic() - start
        self.step(f"lab down ({len(members) + len(supervisords)} processes stopped in {took:.1f} s)")
        return took

    # ------------------------------------------------------------------ status
    def health(self, state: dict[str, Any]) -> str:
        """``up`` when the bring-up finished and every host runs, else what is wrong."""
        if not state.get("ready"):
            return "not ready (bring-up did not finish)"
        for host in self.hosts(state):
            if not self.program_states(host):
                return f"host {host.name} is not running"
        return "up"

    def stopped_programs(self, state: dict[str, Any]) -> list[str]:
        """``program@host`` of every program not RUNNING (e.g. stopped for a fault scenario)."""
        return [f"{name}@{host.name}" for host in self.hosts(state)
                for name, prog in self.program_states(host).items() if prog["state"] != "RUNNING"]

    def status(self) -> dict[str, Any]:
        """Everything about the lab: release, hosts, programs, versions, URLs, files."""
        state = self.load_state()
        if state is None:
            leftovers = lab_member_pids(self.paths.home)
            return {"up": False, "leftover_pids": leftovers}
        hosts = []
        for host in self.hosts(state):
            hosts.append({
                "name": host.name, "address": host.address, "ssh_port": SSH_PORT, "roles": list(host.roles),
                "supervisord_pid": host.pid(), "nova_venv": f"/openstack/venvs/{state['nova'][host.name]}",
                "programs": self.program_states(host),
            })
        versions = {s.service: s.version for s in self.shared_specs(state).values()}
        options = tuple(state.get("options", ()))
        for option in options:
            versions[option] = get_release(state["built_at"]).spec(option).version
        health = self.health(state)
        stopped = self.stopped_programs(state) if health == "up" else []
        if stopped:
            health = f"up; not running: {', '.join(stopped)}"
        result = {
            "up": health.startswith("up"), "health": health, "not_running": stopped, "release": state["release"],
            "home": str(self.paths.home), "versions": versions, "nova_venvs": state["nova"],
            "urls": {entry[0]: services.url(entry[2]) + entry[3] for entry in services.CATALOG},
            "clouds_yaml": str(self.paths.clouds_yaml), "inventory": str(self.paths.inventory),
            "ssh_key": str(self.paths.ssh_dir / "id_ed25519"), "hosts": hosts,
        }
        result["urls"]["keystone"] = services.keystone_url()
        result["options"] = list(options)
        result["controllers"] = state.get("controllers", 1)
        if result["controllers"] > 1:
            result["vip"] = services.VIP_ADDRESS
            result["haproxy_socket"] = str(services.haproxy_socket(self.hosts(state)[0]))
            result["haproxy_backends"] = dict(services.HAPROXY_BACKENDS)
        if "cloudkitty" in options:
            result["cloudkitty_storage"] = state.get("cloudkitty_storage", 2)
            result["urls"]["cloudkitty"] = cloudkitty.url()
            result["urls"]["influxdb"] = cloudkitty.influx_url()
        try:
            result["nova_service_versions"] = self.nova_service_versions()
        except LabError as exc:
            result["nova_service_versions"] = f"unavailable: {exc}"
        return result

    def nova_service_versions(self) -> dict[str, int]:
        """``binary@host`` -> services.version from nova's cell database."""
        rows = self.mysql("SELECT `binary`, host, version FROM nova.services WHERE deleted = 0")
        return {f"{b}@{h}": int(v) for b, h, v in (r.split("\t") for r in rows.splitlines() if r)}

    # ------------------------------------------------------------------ reset
    def reset(self) -> None:
        """Fresh databases: stop the OpenStack services, recreate every DB and bootstrap again."""
        state = self.load_state()
        if not state or self.health(state) == "host controller is not running":
            raise LabError("no lab is up (run: labctl up --release R)")
        hosts = self.hosts(state)
        controller = hosts[0]
        for h in hosts[1:]:
            if "api" in h.roles:
                h.ctl(self.supervisorctl, "stop", *services.NOVA_CONTROL, *services.SHARED_PROGRAMS, check=False)
            else:
                h.ctl(self.supervisorctl, "stop", "nova-compute", check=False)
        with_cloudkitty = "cloudkitty" in state.get("options", ())
        optional = cloudkitty.PROGRAMS if with_cloudkitty else ()
        controller.ctl(self.supervisorctl, "stop", *services.NOVA_CONTROL, *services.SHARED_PROGRAMS, *optional,
                       check=False)
        if with_cloudkitty:
            shutil.rmtree(controller.lib / "influxdb", ignore_errors=True)
            (controller.lib / "influxdb").mkdir()
            (controller.etc / "cloudkitty" / "cloudkitty.conf").write_text(cloudkitty.cloudkitty_conf(controller, 2))
            state["cloudkitty_storage"] = 2
            self.save_state(state)
        for h in hosts:
            shutil.rmtree(h.lib / "nova", ignore_errors=True)
            (h.lib / "nova" / "instances").mkdir(parents=True)
        shutil.rmtree(controller.lib / "glance", ignore_errors=True)
        for keys in ("fernet-keys", "credential-keys"):
            for h in self.api_hosts(hosts):
                shutil.rmtree(h.etc / "keystone" / keys, ignore_errors=True)
        release = get_release(state["release"])
        if set(state["nova"].values()) != {release.nova.name} or state.get("built_at") != release.name:
            raise LabError(f"nova was upgraded or runs mixed versions ({', '.join(sorted(set(state['nova'].values())))} "
                           f"on {state.get('built_at')} services); run `labctl down` and `labctl up` instead of reset")
        self.step("services stopped; databases reset")
        self._bootstrap(hosts, release)
        if with_cloudkitty:
            self._bootstrap_cloudkitty(controller, release.spec("cloudkitty"))
        self.step("lab reset")

    # ------------------------------------------------------------------ faults
    def _program_hosts(self, service: str, host: str | None) -> list[Host]:
        state = self.load_state()
        hosts = [self.host(host, state)] if host else self.hosts(state)
        chosen = [h for h in hosts if service in self.program_states(h)]
        if not chosen:
            raise LabError(f"no program {service!r} on {host or 'any host'}")
        return chosen

    def stop(self, service: str, host: str | None = None) -> None:
        """Stop a service (on one host, or wherever it runs); stopping a stopped one says so."""
        for h in self._program_hosts(service, host):
            self._log(h.ctl(self.supervisorctl, "stop", service, check=False).strip() + f" ({h.name})")

    def start(self, service: str, host: str | None = None) -> None:
        """Start a service (on one host, or wherever it runs)."""
        for h in self._program_hosts(service, host):
            self.start_programs(h, service)
            self._log(f"{service}: started ({h.name})")

    # ------------------------------------------------------------------ boot
    def boot(self, count: int) -> list[str]:
        """Boot ``count`` tiny servers on the fake computes; return their ids."""
        conn = cloud.connect(self.paths.clouds_yaml)
        ids = cloud.boot(conn, count, f"lab-{int(time.time())}")
        self.step(f"{count} servers ACTIVE: {', '.join(ids)}")
        return ids

    # ------------------------------------------------------------------ upgrade
    def _switch_nova(self, host: Host, state: dict[str, Any], target: VenvSpec) -> None:
        """Point the host's nova programs at another venv (supervisord reread/update, not started)."""
        host.write_supervisord_conf(self.programs(host, target, state))
        self.ctl(host, "reread")
        self.ctl(host, "update")
        state["nova"][host.name] = target.name
        self.save_state(state)

    @staticmethod
    def _refuse_ha(state: dict[str, Any], command: str) -> None:
        """The lab's own nova moves know one controller; an HA lab is upgraded by the collection."""
        if state.get("controllers", 1) > 1:
            raise LabError(f"{command} knows a single controller; on a lab up with --controllers 2 upgrade with "
                           "the collection's playbooks/upgrade.yml instead")

    def switch_nova(self, host_name: str, to: str) -> dict[str, Any]:
        """Restart one compute host's nova-compute from another release's venv (no database change).

        What a half-done rolling upgrade, or a compute left behind, looks like: the control plane
        stays where it is. Returns the nova service versions after the compute reported in.
        """
        target = get_release(to)
        state = self.load_state()
        if not state or self.health(state) != "up":
            raise LabError("the lab is not up")
        self._refuse_ha(state, "switch-nova")
        host = self.host(host_name, state)
        if "compute" not in host.roles:
            raise LabError(f"{host_name} is not a compute host; the control plane moves with upgrade-nova only "
                           "(it needs the database migrations)")
        if state["nova"][host.name] == target.nova.name:
            self._log(f"{host.name} already runs {target.nova.name}: nothing changed")
            return {"changed": False, "versions": self.nova_service_versions()}
        running = self.nova_service_versions().get(f"nova-compute@{host.name}", 0)
        if target.compute_service_version < running:
            raise LabError(f"{host.name} reports service version {running}; nova refuses to start a compute "
                           f"older than that (ServiceTooOld), so it cannot go back to {target.name}")
        controller_release = next(r for r in RELEASES.values() if r.nova.name == state["nova"]["controller"])
        if target.compute_service_version > controller_release.compute_service_version:
            raise LabError(f"the control plane runs {controller_release.name}; a compute may not be newer "
                           "(upgrade-nova moves the control plane first)")
        self.install(target, only=("nova",))
        conn = cloud.connect(self.paths.clouds_yaml)
        host.ctl(self.supervisorctl, "stop", "nova-compute")
        self._switch_nova(host, state, target.nova)
        self.start_programs(host, "nova-compute")
        cloud.wait_for(
            f"{host.name} reporting service version {target.compute_service_version}",
            lambda: self.nova_service_versions().get(f"nova-compute@{host.name}") == target.compute_service_version
            and cloud.compute_services_up(conn, {("nova-compute", host.name)}), 120, 1)
        versions = self.nova_service_versions()
        self.step(f"{host.name} runs {target.nova.name}: service versions {versions}")
        return {"changed": True, "versions": versions}

    def upgrade_nova(self, to: str, only: list[str] | None = None) -> dict[str, Any]:
        """Rolling upgrade of nova to release ``to``: control plane first, then computes one by one.

        Control plane: stop api/scheduler/conductor, ``api_db sync`` + ``db sync`` with the target
        venv, start them from the target venv. Each compute: disable, live-migrate its servers away,
        restart from the target venv, wait for its new service version, enable. Finally
        ``online_data_migrations``. Returns the nova service versions before and after.

        ``only`` names the computes to upgrade (default: all; an empty list upgrades the control
        plane only): the others stay on their release, as in a rolling upgrade caught half-way.
        The lab's release becomes ``to`` once every host runs it.
        """
        target = get_release(to)
        state = self.load_state()
        if not state or self.health(state) != "up":
            raise LabError("the lab is not up")
        if set(state["nova"].values()) == {target.nova.name}:
            raise LabError(f"nova already runs {target.nova.name} everywhere: nothing to upgrade")
        self._refuse_ha(state, "upgrade-nova")
        refusal = upgrade_refusal(state["release"], target.name)
        if refusal:
            raise LabError(f"refusing to upgrade nova from {state['release']} to {target.name}: {refusal}")
        self.install(target, only=("nova",))
        hosts = self.hosts(state)
        controller, computes = hosts[0], hosts[1:]
        if only is not None:
            unknown = sorted(set(only) - {h.name for h in computes})
            if unknown:
                raise LabError(f"no compute host {', '.join(unknown)}; the computes are "
                               f"{', '.join(h.name for h in computes)}")
            computes = [h for h in computes if h.name in only]
        before = self.nova_service_versions()
        nova = services.view_venv(target.nova)
        manage = [f"{nova}/bin/nova-manage", "--config-file", "/etc/nova/nova.conf"]
        conn = cloud.connect(self.paths.clouds_yaml)

        if state["nova"][controller.name] == target.nova.name:
            raise LabError(f"the control plane already runs {target.nova.name}; move the remaining computes "
                           "with switch-nova")
        controller.ctl(self.supervisorctl, "stop", *reversed(services.NOVA_CONTROL))
        self.step("nova control plane stopped")
        controller.run([*manage, "api_db", "sync"], "nova-upgrade.log")
        controller.run([*manage, "db", "sync"], "nova-upgrade.log")
        self.step(f"nova api_db sync + db sync done with {target.nova.name}")
        self._switch_nova(controller, state, target.nova)
        self.start_programs(controller, *services.NOVA_CONTROL)
        self.wait_http("nova-api", 90)
        control = {("nova-conductor", "controller"), ("nova-scheduler", "controller")}
        cloud.wait_for("new nova control plane up", lambda: cloud.compute_services_up(conn, control), 120, 1)
        self.step(f"nova control plane running {target.nova.name}")

        for host in computes:
            service = next(s for s in conn.compute.services() if s.binary == "nova-compute" and s.host == host.name)
            conn.compute.disable_service(service, host.name, "nova-compute", disabled_reason="osops-lab upgrade")
            others = [h.name for h in computes if h is not host]
            for server in conn.compute.servers(all_projects=True, compute_host=host.name):
                if others:
                    enabled = {s.host for s in conn.compute.services()
                               if s.binary == "nova-compute" and s.status == "enabled" and s.state == "up"}
                    dest = next((o for o in others if o in enabled), None)
                    if dest:
                        cloud.live_migrate(conn, server.id, dest)
                        self.step(f"{server.name} live-migrated {host.name} -> {dest}")
            host.ctl(self.supervisorctl, "stop", "nova-compute")
            self._switch_nova(host, state, target.nova)
            self.start_programs(host, "nova-compute")
            cloud.wait_for(
                f"{host.name} reporting service version {target.compute_service_version}",
                lambda host=host: self.nova_service_versions().get(f"nova-compute@{host.name}")
                == target.compute_service_version and cloud.compute_services_up(conn, {("nova-compute", host.name)}),
                120, 1)
            conn.compute.enable_service(service, host.name, "nova-compute")
            self.step(f"{host.name} upgraded to {target.nova.name}")
        controller.run([*manage, "db", "online_data_migrations"], "nova-upgrade.log")
        if set(state["nova"].values()) == {target.nova.name}:
            state["release"] = target.name
        self.save_state(state)
        after = self.nova_service_versions()
        self.step(f"nova upgraded to {target.name}: service versions {after}")
        return {"before": before, "after": after}


def _fernet_repository(path: Path) -> None:
    """A fresh Fernet key repository (primary key 1, staged key 0), as keystone-manage writes it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for index in (0, 1):
        key = path / str(index)
        key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
        key.chmod(0o600)


def _tcp_open(address: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((address, port)) == 0


def _namespace_members(namespaces: set[str]) -> list[int]:
    """PIDs of processes living in one of the given mount namespaces (e.g. SSH sessions)."""
    if not namespaces:
        return []
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if os.readlink(entry / "ns" / "mnt") in namespaces:
                found.append(int(entry.name))
        except OSError:
            continue
    return found
