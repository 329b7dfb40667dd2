"""Service configuration of the lab: what runs on which host, with which config.

Config files are written into each host's ``/etc/<service>/`` (seen under that path inside the
host); logs and state stay under the host's directory in the lab home. Every server listens on
the host's own 127.0.0.x address; one worker per service (the machine has 2 cores).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from . import hypervisor
from .hosts import Host, Program
from .releases import VenvSpec

PASSWORD = "secret"
DB_USER = "osops"
REGION = "RegionOne"


def _lab_net() -> str:
    """First three octets of the lab's addresses: ``OSOPS_LAB_NET`` (default ``127.0.0``).

    A second lab (another checkout, a benchmark) runs beside the first with, for example,
    ``OSOPS_LAB_NET=127.0.1`` and its own ``OSOPS_LAB_HOME``. Only 127.0.0.0/8 is accepted.
    """
    net = os.environ.get("OSOPS_LAB_NET", "127.0.0")
    parts = net.split(".")
    if len(parts) != 3 or parts[0] != "127" or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts[1:]):
        raise SystemExit(f"OSOPS_LAB_NET={net!r} is not three octets inside 127.0.0.0/8 (e.g. 127.0.1)")
    return net


LAB_NET = _lab_net()
CONTROLLER_ADDRESS = f"{LAB_NET}.2"
_NET_OFFSET = int(LAB_NET.split(".")[2]) + 256 * int(LAB_NET.split(".")[1])


def host_address(index: int) -> str:
    """Address of the lab's host number ``index`` (0 = controller, 1.. = computes)."""
    return f"{LAB_NET}.{2 + index}"


#: The highly available lab (``up --controllers 2``): the second controller runs the API services and
#: nova's conductor and scheduler; HAProxy on the controller serves every API on the VIP, as
#: openstack-ansible's haproxy_server does, and the catalog names the VIP.
CONTROLLER2_ADDRESS = f"{LAB_NET}.30"
VIP_ADDRESS = f"{LAB_NET}.100"
#: openstack-ansible's HAProxy backend of each API (its haproxy service names, ``-back``).
HAPROXY_BACKENDS: dict[str, str] = {
    "keystone": "keystone_service-back",
    "placement": "placement-back",
    "glance": "glance_api-back",
    "nova-api": "nova_api_os_compute-back",
    "neutron": "neutron_server-back",
}
#: Where clients reach the APIs: the controller, or the VIP of an HA lab (``use_vip``).
_API = {"address": CONTROLLER_ADDRESS}


def use_vip(on: bool) -> None:
    """Point the catalog, clouds.yaml and every service's clients at the VIP (HA lab) or the controller."""
    _API["address"] = VIP_ADDRESS if on else CONTROLLER_ADDRESS


def api_address() -> str:
    """Address the APIs are reached at: the VIP of an HA lab, else the controller."""
    return _API["address"]


#: TCP ports of the controller's servers (all on the controller address).
CONTROLLER_PORTS: dict[str, int] = {
    "keystone": 5000,
    "placement": 8778,
    "nova-api": 8774,
    "glance": 9292,
    "neutron": 9696,
    "rabbitmq": 5672,
    # RabbitMQ checks its distribution port on every address and epmd also listens on 127.0.0.1:
    # a second lab (OSOPS_LAB_NET) moves both by its own offset
    "rabbitmq-dist": 25672 + _NET_OFFSET,
    "epmd": 4369 + _NET_OFFSET,
    "mariadb": 3306,
}

#: Service catalog: (name, type, url path after host:port).
CATALOG: tuple[tuple[str, str, str, str], ...] = (
    ("placement", "placement", "placement", ""),
    ("nova", "compute", "nova-api", "/v2.1"),
    ("glance", "image", "glance", ""),
    ("neutron", "network", "neutron", ""),
)

#: Databases of the lab (all on the controller's MariaDB).
DATABASES = ("keystone", "placement", "glance", "neutron", "nova_api", "nova", "nova_cell0")

#: supervisord program names of the nova control plane, in start order.
NOVA_CONTROL = ("nova-conductor", "nova-scheduler", "nova-api")
#: Programs of the OpenStack API services other than nova.
SHARED_PROGRAMS = ("keystone", "placement", "glance", "neutron")
#: Infrastructure programs of the controller, in start order.
INFRA_PROGRAMS = ("mariadb", "epmd", "rabbitmq")

#: ``/etc/<dir>`` of each role.
CONTROLLER_ETC = ("keystone", "placement", "glance", "neutron", "nova", "rabbitmq", "mysql")
COMPUTE_ETC = ("nova",)
API_ETC = ("keystone", "placement", "glance", "neutron", "nova")


def url(service: str, address: str | None = None) -> str:
    """Base URL of an API as clients reach it (the VIP of an HA lab), or on one host's ``address``."""
    return f"http://{address or api_address()}:{CONTROLLER_PORTS[service]}"


def keystone_url() -> str:
    """Keystone v3 endpoint."""
    return url("keystone") + "/v3"


def db_url(name: str) -> str:
    """SQLAlchemy URL of one lab database."""
    return f"mysql+pymysql://{DB_USER}:{PASSWORD}@{CONTROLLER_ADDRESS}:{CONTROLLER_PORTS['mariadb']}/{name}?charset=utf8"


def transport_url() -> str:
    """oslo.messaging URL of the lab's RabbitMQ."""
    return f"rabbit://guest:guest@{CONTROLLER_ADDRESS}:{CONTROLLER_PORTS['rabbitmq']}/"


def view_venv(spec: VenvSpec) -> str:
    """Path of a venv inside a host, openstack-ansible style."""
    return f"/openstack/venvs/{spec.name}"


def _ini(sections: dict[str, dict[str, object]]) -> str:
    out = []
    for section, values in sections.items():
        out.append(f"[{section}]")
        out += [f"{k} = {v}" for k, v in values.items()]
        out.append("")
    return "\n".join(out)


def _auth(username: str) -> dict[str, object]:
    return {
        "auth_url": keystone_url(),
        "auth_type": "password",
        "project_domain_name": "Default",
        "user_domain_name": "Default",
        "project_name": "service",
        "username": username,
        "password": PASSWORD,
    }


def _authtoken(username: str) -> dict[str, object]:
    return {"www_authenticate_uri": keystone_url(), **_auth(username), "region_name": REGION}


_POLICY = {"enforce_new_defaults": "true", "enforce_scope": "true"}


def _uwsgi(host: Host, name: str, port_key: str, venv: str, app: tuple[str, str], env: dict[str, str],
           port: int | None = None) -> str:
    """uWSGI ini for one API server (http-socket, one worker, no keep-alive); ``port`` for an
    optional service's port (default: ``CONTROLLER_PORTS[port_key]``)."""
    lines = [
        "[uwsgi]",
        f"http-socket = {host.address}:{port or CONTROLLER_PORTS[port_key]}",
        f"virtualenv = {venv}",
        f"{app[0]} = {app[1]}",
        *[f"env = {k}={v}" for k, v in env.items()],
        "master = true",
        "processes = 1",
        "threads = 1",
        "enable-threads = true",
        "lazy-apps = true",
        "die-on-term = true",
        "need-app = true",
        "buffer-size = 65535",
        # uWSGI's http-socket does no keep-alive: clients reusing connections get resets without it
        "add-header = Connection: close",
        "http-chunked-input = true",
        "http-auto-chunked = true",
        "hook-master-start = unix_signal:15 gracefully_kill_them_all",
        f"logto = {host.log_dir / ('uwsgi-' + name + '.log')}",
    ]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _uwsgi_program(name: str, venv: str, ini: str) -> Program:
    return Program(name, f"{venv}/bin/uwsgi --ini {ini}", {"PYTHONWARNINGS": "ignore"})


@dataclasses.dataclass(frozen=True)
class NovaLayout:
    """Where a nova release's API application lives inside its venv."""

    venv_real: Path
    venv_view: str

    def api_app(self) -> tuple[str, str]:
        """uWSGI app option: the ``nova.wsgi`` module when present (nova >= 30), else the script."""
        site = next(self.venv_real.glob("lib/python3*/site-packages"))
        if (site / "nova" / "wsgi" / "osapi_compute.py").exists():
            return ("module", "nova.wsgi.osapi_compute:application")
        return ("wsgi-file", f"{self.venv_view}/bin/nova-api-wsgi")


def nova_conf(host: Host, extra_default: dict[str, object]) -> str:
    """nova.conf for ``host``; computes get no database credentials (they go through the conductor)."""
    databases: dict[str, dict[str, object]] = {}
    if "compute" not in host.roles:
        databases = {"api_database": {"connection": db_url("nova_api")}, "database": {"connection": db_url("nova")}}
    return _ini(
        {
            "DEFAULT": {
                "host": host.name,
                "my_ip": host.address,
                "log_dir": host.log_dir,
                "state_path": host.lib / "nova",
                "instances_path": host.lib / "nova" / "instances",
                "transport_url": transport_url(),
                "debug": "false",
                # fast, deterministic stops (default 60 s)
                "graceful_shutdown_timeout": 5,
                # nova's fake driver (FakeDriverWithoutFakeNodes: writes state_path/compute_id, so a fake
                # compute can be restarted) whose guests outlive a restart of nova-compute (hypervisor.py)
                "compute_driver": hypervisor.COMPUTE_DRIVER,
                # periodic tasks (the scheduler's host discovery) start at once, not up to 60 s later
                "periodic_fuzzy_delay": 0,
                **extra_default,
            },
            "api": {"auth_strategy": "keystone"},
            **databases,
            "keystone_authtoken": _authtoken("nova"),
            "service_user": {"send_service_user_token": "true", **_auth("nova")},
            "placement": {**_auth("placement"), "region_name": REGION, "valid_interfaces": "public"},
            "glance": {"region_name": REGION},
            "neutron": {**_auth("nova"), "region_name": REGION},
            "cinder": {"os_region_name": REGION},
            # mandatory with mixed versions: caps compute RPC at the oldest running nova-compute
            "upgrade_levels": {"compute": "auto"},
            "oslo_concurrency": {"lock_path": host.lib / "nova" / "locks"},
            "conductor": {"workers": 1},
            "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": 2},
            "oslo_policy": _POLICY,
            "vnc": {"enabled": "false"},
            "spice": {"enabled": "false"},
        }
    )


def nova_programs(host: Host, nova: VenvSpec, nova_real: Path) -> list[Program]:
    """nova programs of ``host`` running from the ``nova`` venv; (re)writes their config files."""
    venv = view_venv(nova)
    etc = host.etc / "nova"
    (host.lib / "nova" / "instances").mkdir(parents=True, exist_ok=True)
    env = {"PYTHONWARNINGS": "ignore"}
    if "compute" in host.roles:
        _write(etc / "nova.conf", nova_conf(host, {"log_file": "nova-compute.log"}))
        return [Program("nova-compute", f"{venv}/bin/nova-compute --config-file /etc/nova/nova.conf", env)]
    _write(etc / "nova.conf", nova_conf(host, {}))
    _write(etc / "nova-api.conf", _ini({"DEFAULT": {"log_file": "nova-api.log"}}))
    layout = NovaLayout(nova_real, venv)
    _write(
        etc / "nova-api-uwsgi.ini",
        _uwsgi(host, "nova-api", "nova-api", venv, layout.api_app(), {
            "OS_NOVA_CONFIG_DIR": "/etc/nova",
            # the api-paste.ini must come first
            "OS_NOVA_CONFIG_FILES": f"{venv}/etc/nova/api-paste.ini;nova.conf;nova-api.conf",
        }),
    )
    return [
        Program("nova-conductor", f"{venv}/bin/nova-conductor --config-file /etc/nova/nova.conf "
                                  "--log-file nova-conductor.log", env),
        Program("nova-scheduler", f"{venv}/bin/nova-scheduler --config-file /etc/nova/nova.conf "
                                  "--log-file nova-scheduler.log", env),
        _uwsgi_program("nova-api", venv, "/etc/nova/nova-api-uwsgi.ini"),
    ]


#: uWSGI application of each API service: (module in newer releases, console script of older ones).
WSGI_APPS: dict[str, tuple[str, str]] = {
    "keystone": ("keystone.wsgi.api", "keystone-wsgi-public"),
    "placement": ("placement.wsgi.api", "placement-api"),
    "glance": ("glance.wsgi.api", "glance-wsgi-api"),
    "neutron": ("neutron.wsgi.api", "neutron-api"),
}


def wsgi_app(service: str, venv_real: Path, venv_view: str) -> tuple[str, str]:
    """uWSGI app option for ``service``: its ``<service>.wsgi.api`` module when the release has one,
    else the release's WSGI script (older releases ship scripts only; newer ones dropped them)."""
    module, script = WSGI_APPS[service]
    site = next(venv_real.glob("lib/python3*/site-packages"))
    if (site / (module.replace(".", "/") + ".py")).exists():
        return ("module", module + ":application")
    return ("wsgi-file", f"{venv_view}/bin/{script}")


def controller_programs(host: Host, shared: dict[str, VenvSpec], venv_real) -> list[Program]:
    """Infrastructure and non-nova OpenStack programs of the controller; writes their configs.

    ``shared`` maps keystone, placement, glance and neutron to the venv each runs from;
    ``venv_real(spec)`` is where that venv really is (to see which WSGI entry point it has).
    """
    return infra_programs(host) + api_programs(host, shared, venv_real)


def infra_programs(host: Host) -> list[Program]:
    """MariaDB, epmd and RabbitMQ of the controller; writes their configs."""
    etc = host.etc
    for d in ("rabbitmq", "mysql"):
        (host.lib / d).mkdir(parents=True, exist_ok=True)
    programs: list[Program] = []

    # MariaDB (Debian's), run as root with its data under the lab home
    _write(etc / "mysql" / "my.cnf", _ini({
        "mysqld": {
            "user": "root", "datadir": host.paths.mysql_data, "socket": host.dir / "mysqld.sock",
            "pid-file": host.dir / "mysqld.pid", "bind-address": CONTROLLER_ADDRESS,
            "port": CONTROLLER_PORTS["mariadb"], "log-error": host.log_dir / "mariadb.err",
            "skip-name-resolve": "1", "innodb_buffer_pool_size": "128M", "innodb_log_file_size": "48M",
            "innodb_flush_log_at_trx_commit": 0, "sync_binlog": 0, "innodb_doublewrite": 0,
            "performance_schema": "off", "max_connections": 500, "character-set-server": "utf8mb4",
            "collation-server": "utf8mb4_general_ci",
        },
        "client": {"socket": host.dir / "mysqld.sock"},
    }))
    programs.append(Program("mariadb", "/usr/sbin/mariadbd --defaults-file=/etc/mysql/my.cnf", stopwaitsecs=30))

    # RabbitMQ (Debian's), without systemd: the real server script, stdin from /dev/null
    rabbit_lib = host.lib / "rabbitmq"
    _write(etc / "rabbitmq" / "rabbitmq.conf", "\n".join([
        f"listeners.tcp.default = {CONTROLLER_ADDRESS}:{CONTROLLER_PORTS['rabbitmq']}",
        "loopback_users = none", "default_user = guest", "default_pass = guest",
        "vm_memory_high_watermark.absolute = 512MiB", "disk_free_limit.absolute = 50MB",
        "log.console = false", "log.file.level = warning", "",
    ]))
    _write(etc / "rabbitmq" / "rabbitmq-env.conf", "\n".join([
        f"NODENAME=rabbit@{host.name}", f"NODE_IP_ADDRESS={CONTROLLER_ADDRESS}",
        f"NODE_PORT={CONTROLLER_PORTS['rabbitmq']}", f"DIST_PORT={CONTROLLER_PORTS['rabbitmq-dist']}", f"MNESIA_BASE={rabbit_lib / 'mnesia'}",
        f"LOG_BASE={host.log_dir / 'rabbitmq'}", "CONFIG_FILE=/etc/rabbitmq/rabbitmq.conf",
        f"ENABLED_PLUGINS_FILE={rabbit_lib / 'enabled_plugins'}",
        f"PID_FILE={rabbit_lib / 'rabbitmq.pid'}",
        'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {%s}"' % CONTROLLER_ADDRESS.replace(".", ","),
        "",
    ]))
    (rabbit_lib / "enabled_plugins").write_text("[].\n")
    rabbit_env = {"HOME": str(rabbit_lib), "RABBITMQ_CONF_ENV_FILE": "/etc/rabbitmq/rabbitmq-env.conf",
                  "ERL_EPMD_ADDRESS": CONTROLLER_ADDRESS, "ERL_EPMD_PORT": str(CONTROLLER_PORTS["epmd"])}
    programs.append(Program("epmd", f"/usr/bin/epmd -address {CONTROLLER_ADDRESS} -port {CONTROLLER_PORTS['epmd']}",
                            rabbit_env, stopwaitsecs=5))
    programs.append(Program(
        "rabbitmq", "/bin/sh -c 'exec /usr/lib/rabbitmq/bin/rabbitmq-server < /dev/null'", rabbit_env,
        stopwaitsecs=30))

    return programs


def api_programs(host: Host, shared: dict[str, VenvSpec], venv_real, glance_lib: Path | None = None) -> list[Program]:
    """Keystone, placement, glance and neutron on ``host``'s address; writes their configs.

    ``glance_lib``: where glance keeps its images (default the host's own; the controllers of an HA
    lab share the first one's, as they would share a store).
    """

    def app(service: str) -> tuple[str, str]:
        return wsgi_app(service, venv_real(shared[service]), view_venv(shared[service]))
    etc = host.etc
    for d in ("keystone", "placement", "glance", "neutron"):
        (host.lib / d).mkdir(parents=True, exist_ok=True)
    programs: list[Program] = []

    # Keystone
    ks = view_venv(shared["keystone"])
    _write(etc / "keystone" / "keystone.conf", _ini({
        "DEFAULT": {"log_dir": host.log_dir, "log_file": "keystone.log", "debug": "false"},
        "database": {"connection": db_url("keystone")},
        "token": {"provider": "fernet", "expiration": 86400},
        "fernet_tokens": {"key_repository": "/etc/keystone/fernet-keys"},
        "fernet_receipts": {"key_repository": "/etc/keystone/fernet-keys"},
        "credential": {"key_repository": "/etc/keystone/credential-keys"},
        # in-process cache (one uWSGI worker): token validations and policy lookups stay cheap
        "cache": {"enabled": "true", "backend": "dogpile.cache.memory"},
        # bcrypt's cheapest cost: every service authenticates often, the lab has 2 cores
        "identity": {"password_hash_rounds": 4},
        "oslo_policy": _POLICY,
    }))
    _write(etc / "keystone" / "keystone-uwsgi.ini", _uwsgi(
        host, "keystone", "keystone", ks, app("keystone"),
        {"OS_KEYSTONE_CONFIG_FILES": "/etc/keystone/keystone.conf"}))
    programs.append(_uwsgi_program("keystone", ks, "/etc/keystone/keystone-uwsgi.ini"))

    # Placement
    pl = view_venv(shared["placement"])
    _write(etc / "placement" / "placement.conf", _ini({
        "DEFAULT": {"log_dir": host.log_dir, "log_file": "placement.log", "debug": "false"},
        "placement_database": {"connection": db_url("placement")},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": {**_authtoken("placement"), "service_token_roles_required": "true"},
        "oslo_policy": _POLICY,
    }))
    _write(etc / "placement" / "placement-uwsgi.ini", _uwsgi(
        host, "placement", "placement", pl, app("placement"),
        {"OS_PLACEMENT_CONFIG_DIR": "/etc/placement"}))
    programs.append(_uwsgi_program("placement", pl, "/etc/placement/placement-uwsgi.ini"))

    # Glance (file store)
    gl = view_venv(shared["glance"])
    glib = glance_lib or host.lib / "glance"
    _write(etc / "glance" / "glance-api.conf", _ini({
        "DEFAULT": {"log_dir": host.log_dir, "log_file": "glance-api.log", "debug": "false",
                    "enabled_backends": "fs:file", "worker_self_reference_url": url("glance", host.address)},
        "database": {"connection": db_url("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": glib / "images"},
        "os_glance_staging_store": {"filesystem_store_datadir": glib / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": glib / "tasks"},
        "keystone_authtoken": _authtoken("glance"),
        "paste_deploy": {"flavor": "keystone", "config_file": "/etc/glance/glance-api-paste.ini"},
        "oslo_policy": _POLICY,
    }))
    # glance before 2025.1 reads /etc/glance/glance-api-paste.ini whatever paste_deploy says: the
    # release's own paste file is copied there for every release
    paste = venv_real(shared["glance"]) / "etc" / "glance" / "glance-api-paste.ini"
    _write(etc / "glance" / "glance-api-paste.ini", paste.read_text())
    _write(etc / "glance" / "glance-uwsgi.ini", _uwsgi(
        host, "glance", "glance", gl, app("glance"),
        {"OS_GLANCE_CONFIG_DIR": "/etc/glance"}))
    programs.append(_uwsgi_program("glance", gl, "/etc/glance/glance-uwsgi.ini"))

    # Neutron: API only (ML2 without agents), enough for servers/detail and instance ports
    ne = view_venv(shared["neutron"])
    _write(etc / "neutron" / "neutron.conf", _ini({
        "DEFAULT": {"log_dir": host.log_dir, "log_file": "neutron-server.log", "debug": "false",
                    "core_plugin": "ml2", "service_plugins": "", "auth_strategy": "keystone",
                    "transport_url": transport_url(), "api_paste_config": f"{ne}/etc/neutron/api-paste.ini",
                    "state_path": host.lib / "neutron", "notify_nova_on_port_status_changes": "false",
                    "notify_nova_on_port_data_changes": "false",
                    # neutron-status warns while the worker counts are left to their defaults
                    "api_workers": 1, "rpc_workers": 1},
        "database": {"connection": db_url("neutron")},
        "keystone_authtoken": _authtoken("neutron"),
        "oslo_concurrency": {"lock_path": host.lib / "neutron" / "locks"},
        "ml2": {"type_drivers": "flat,vxlan", "tenant_network_types": "vxlan", "mechanism_drivers": "",
                "extension_drivers": "port_security"},
        "ml2_type_vxlan": {"vni_ranges": "1:1000"},
        # No OVN here, so no OVN DHCP for baremetal ports: neutron-status's "OVN support for BM
        # provisioning over IPv6" check does not apply (it would warn that it cannot reach OVN).
        "ovn": {"disable_ovn_dhcp_for_baremetal_ports": "true"},
        "oslo_policy": _POLICY,
    }))
    _write(etc / "neutron" / "neutron-uwsgi.ini", _uwsgi(
        host, "neutron", "neutron", ne, app("neutron"),
        {"OS_NEUTRON_CONFIG_DIR": "/etc/neutron", "OS_NEUTRON_CONFIG_FILES": "neutron.conf"}))
    programs.append(_uwsgi_program("neutron", ne, "/etc/neutron/neutron-uwsgi.ini"))
    return programs


def haproxy_socket(host: Host) -> Path:
    """HAProxy's admin socket (runtime API, ``level admin``) on the controller of an HA lab."""
    return host.dir / "haproxy.sock"


def haproxy_program(host: Host, api_hosts: list[Host]) -> Program:
    """HAProxy of an HA lab, on the controller: every API on the VIP, balanced over ``api_hosts``.

    One frontend and one backend per API, named as openstack-ansible names them, a server per host
    named after the host (its inventory name), HTTP health checks every second.
    """
    lines = [
        "global",
        "    maxconn 4000",
        f"    stats socket {haproxy_socket(host)} mode 600 level admin",
        "    stats timeout 30s",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 180s",
        "    timeout server 180s",
        "    timeout queue 60s",
        "    timeout check 2s",
        "    retries 3",
        "    option redispatch",
        "",
    ]
    for service, backend in HAPROXY_BACKENDS.items():
        port = CONTROLLER_PORTS[service]
        lines += [f"frontend {backend.removesuffix('-back')}-front", f"    bind {VIP_ADDRESS}:{port}",
                  f"    default_backend {backend}", "",
                  f"backend {backend}", "    balance leastconn", "    option httpchk GET /",
                  # keystone and glance answer 300 on /, the others 200
                  "    http-check expect rstatus ^[23]"]
        lines += [f"    server {h.name} {h.address}:{port} check inter 1s fall 2 rise 1" for h in api_hosts]
        lines.append("")
    path = host.dir / "haproxy.cfg"
    _write(path, "\n".join(lines))
    return Program("haproxy", f"/usr/sbin/haproxy -db -f {path}", stopwaitsecs=5)
