"""CloudKitty on the lab's controller, only with ``labctl up --with cloudkitty``.

cloudkitty-api (uWSGI, like the other APIs) and cloudkitty-processor run from the release's
cloudkitty venv; its database is on the lab's MariaDB. Storage v1 is sqlalchemy on that database;
storage v2 (cloudkitty's default, the one a lab starts with) is InfluxDB 1.x (Debian's ``influxdb``
package), run by the lab as a supervisord program on the controller's address, never as the
system's service. ``labctl cloudkitty-storage --version 1|2`` switches between them.
"""
from __future__ import annotations

from pathlib import Path

from .hosts import Host, Program
from .releases import VenvSpec
from . import services

#: TCP ports of the option's servers (checked only when the option is asked for).
PORTS = {"cloudkitty": 8889, "influxdb": 8086, "influxdb-rpc": 8088}
#: supervisord programs of the option, in start order.
PROGRAMS = ("influxdb", "cloudkitty-api", "cloudkitty-processor")
#: ``/etc/<dir>`` bind mounts of the controller for the option.
ETC = ("cloudkitty", "influxdb")
DATABASE = "cloudkitty"
#: InfluxDB database of the v2 storage.
INFLUX_DATABASE = "cloudkitty"
INFLUXD = "/usr/bin/influxd"
#: Debian package of InfluxDB (``labctl deps --with cloudkitty``).
APT_PACKAGES = ("influxdb",)
CONF = "/etc/cloudkitty/cloudkitty.conf"

#: cloudkitty's api_paste.ini (etc/cloudkitty/api_paste.ini of the project; not in the wheel).
API_PASTE = """[pipeline:cloudkitty+noauth]
pipeline = cors healthcheck http_proxy_to_wsgi request_id ck_api

[pipeline:cloudkitty+keystone]
pipeline = cors healthcheck http_proxy_to_wsgi request_id authtoken ck_api

[app:ck_api]
paste.app_factory = cloudkitty.api.app:app_factory

[filter:authtoken]
acl_public_routes = /, /v1, /v2, /healthcheck
paste.filter_factory = cloudkitty.api.middleware:AuthTokenMiddleware.factory

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = cloudkitty

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = /etc/cloudkitty/healthcheck_disable

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory
oslo_config_project = cloudkitty
"""

#: One metric for the prometheus collector: the processor validates this file when it starts;
#: no project has the rating role, so it never collects (no Prometheus is needed).
METRICS = """metrics:
  openstack_nova_server_status:
    unit: instance
    groupby: [id, project_id]
    metadata: [flavor_id]
"""


def url() -> str:
    """cloudkitty-api's base URL (the catalog's ``rating`` endpoint)."""
    return f"http://{services.CONTROLLER_ADDRESS}:{PORTS['cloudkitty']}"


def influx_url() -> str:
    """InfluxDB's HTTP API."""
    return f"http://{services.CONTROLLER_ADDRESS}:{PORTS['influxdb']}"


def ports() -> list[tuple[str, int, str]]:
    """(address, port, purpose) of the option's listeners."""
    return [(services.CONTROLLER_ADDRESS, port, name) for name, port in PORTS.items()]


def storage_sections(version: int) -> dict[str, dict[str, object]]:
    """The ``[storage]`` (and for v2 ``[storage_influxdb]``) sections of cloudkitty.conf.

    v1: the sqlalchemy backend in cloudkitty's database; v2: InfluxDB 1.x on the controller.
    """
    if version == 1:
        return {"storage": {"version": 1, "backend": "sqlalchemy"}}
    if version == 2:
        return {"storage": {"version": 2, "backend": "influxdb"},
                "storage_influxdb": {"host": services.CONTROLLER_ADDRESS, "port": PORTS["influxdb"],
                                     "database": INFLUX_DATABASE, "version": 1}}
    raise ValueError(f"cloudkitty storage version {version!r} is not 1 or 2")


def cloudkitty_conf(host: Host, storage: int) -> str:
    """cloudkitty.conf of the controller with storage ``storage`` (1 or 2)."""
    lib = host.lib / "cloudkitty"
    return services._ini({
        "DEFAULT": {"log_dir": host.log_dir, "log_file": "cloudkitty-api.log", "debug": "false",
                    "transport_url": services.transport_url(), "auth_strategy": "keystone",
                    "api_paste_config": "/etc/cloudkitty/api_paste.ini"},
        "database": {"connection": services.db_url(DATABASE)},
        "keystone_authtoken": {**services._authtoken("cloudkitty"), "service_token_roles_required": "true"},
        "fetcher": {"backend": "keystone"},
        "fetcher_keystone": {**services._auth("cloudkitty"), "keystone_version": 3},
        "collect": {"collector": "prometheus", "metrics_conf": "/etc/cloudkitty/metrics.yml", "period": 3600},
        "collector_prometheus": {"prometheus_url": f"http://{services.CONTROLLER_ADDRESS}:9090"},
        # one processor worker, few threads: the machine has 2 cores
        "orchestrator": {"coordination_url": f"file://{lib / 'locks'}", "max_workers": 1,
                         "max_workers_reprocessing": 1, "max_threads": 2},
        **storage_sections(storage),
        "oslo_concurrency": {"lock_path": lib / "locks"},
    })


def influxdb_conf(host: Host) -> str:
    """influxd's config: its data under the lab home, every listener on the controller's address."""
    data = host.lib / "influxdb"
    return "\n".join([
        "reporting-disabled = true",
        f'bind-address = "{services.CONTROLLER_ADDRESS}:{PORTS["influxdb-rpc"]}"',
        "[meta]", f'  dir = "{data / "meta"}"', "  logging-enabled = false",
        "[data]", f'  dir = "{data / "data"}"', f'  wal-dir = "{data / "wal"}"', "  query-log-enabled = false",
        "[http]", "  enabled = true", f'  bind-address = "{services.CONTROLLER_ADDRESS}:{PORTS["influxdb"]}"',
        "  log-enabled = false",
        "[monitor]", "  store-enabled = false",
        "[continuous_queries]", "  enabled = false",
        "[subscriber]", "  enabled = false",
        "",
    ])


def api_app(venv_real: Path, venv_view: str) -> tuple[str, str]:
    """uWSGI app option: ``cloudkitty.wsgi.api`` when the release has it, else its WSGI script."""
    site = next(venv_real.glob("lib/python3*/site-packages"))
    if (site / "cloudkitty" / "wsgi" / "api.py").exists():
        return ("module", "cloudkitty.wsgi.api:application")
    return ("wsgi-file", f"{venv_view}/bin/cloudkitty-api")


def programs(host: Host, spec: VenvSpec, venv_real: Path, storage: int) -> list[Program]:
    """InfluxDB, cloudkitty-api and cloudkitty-processor of the controller; writes their configs."""
    etc = host.etc
    for d in ("cloudkitty/locks", "influxdb"):
        (host.lib / d).mkdir(parents=True, exist_ok=True)
    venv = services.view_venv(spec)
    (etc / "cloudkitty" / "cloudkitty.conf").write_text(cloudkitty_conf(host, storage))
    (etc / "cloudkitty" / "api_paste.ini").write_text(API_PASTE)
    (etc / "cloudkitty" / "metrics.yml").write_text(METRICS)
    (etc / "influxdb" / "influxdb.conf").write_text(influxdb_conf(host))
    uwsgi = services._uwsgi(host, "cloudkitty-api", "cloudkitty", venv, api_app(venv_real, venv), {},
                            port=PORTS["cloudkitty"])
    (etc / "cloudkitty" / "cloudkitty-uwsgi.ini").write_text(uwsgi)
    env = {"PYTHONWARNINGS": "ignore"}
    return [
        Program("influxdb", f"{INFLUXD} run -config /etc/influxdb/influxdb.conf", stopwaitsecs=10),
        Program("cloudkitty-api", f"{venv}/bin/uwsgi --ini /etc/cloudkitty/cloudkitty-uwsgi.ini", env),
        Program("cloudkitty-processor", f"{venv}/bin/cloudkitty-processor --config-file {CONF} "
                                        "--log-file cloudkitty-processor.log", env),
    ]
