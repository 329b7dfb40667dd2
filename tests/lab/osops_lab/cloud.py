"""OpenStack API operations of the lab, all through openstacksdk (imported lazily)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from . import services

if TYPE_CHECKING:  # pragma: no cover
    import openstack.connection

T = TypeVar("T")

IMAGE_NAME = "osops-lab-tiny"
FLAVOR_NAME = "osops-lab-tiny"


class Timeout(RuntimeError):
    """A bounded wait ran out."""


class Failed(RuntimeError):
    """A waited-for operation failed for good (polling stops at once)."""


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T:
    """Poll ``probe`` until it returns something truthy; raise :class:`Timeout` naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
            if result:
                return result
        except Failed:
            raise
        except Exception as exc:  # the service may still be starting: keep polling, report at the end
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise Timeout(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def clouds_yaml(path: Path) -> None:
    """Write clouds.yaml with the ``lab`` cloud (admin on the admin project)."""
    path.write_text(
        "clouds:\n"
        "  lab:\n"
        "    auth:\n"
        f"      auth_url: {services.keystone_url()}\n"
        "      username: admin\n"
        f"      password: {services.PASSWORD}\n"
        "      project_name: admin\n"
        "      user_domain_name: Default\n"
        "      project_domain_name: Default\n"
        f"    region_name: {services.REGION}\n"
        "    interface: public\n"
        "    identity_api_version: 3\n"
    )


def connect(clouds: Path) -> "openstack.connection.Connection":
    """An openstacksdk connection to the ``lab`` cloud described in ``clouds``."""
    import openstack.config
    import openstack.connection

    region = openstack.config.OpenStackConfig(config_files=[str(clouds)]).get_one(cloud="lab")
    return openstack.connection.Connection(config=region)


def register_catalog(conn: "openstack.connection.Connection") -> None:
    """Service project, service users and the catalog of the lab (idempotent, few API calls)."""
    idn = conn.identity
    project = idn.find_project("service", domain_id="default") or idn.create_project(
        name="service", domain_id="default")
    roles = {r.name: r for r in idn.roles()}
    if "service" not in roles:
        roles["service"] = idn.create_role(name="service")
    users = {u.name: u for u in idn.users(domain_id="default")}
    known = {s.type: s for s in idn.services()}
    endpoints = {(e.service_id, e.interface) for e in idn.endpoints()}
    for name, stype, port_key, path in services.CATALOG:
        user = users.get(name) or idn.create_user(name=name, password=services.PASSWORD, domain_id="default")
        for role in ("admin", "service"):
            idn.assign_project_role_to_user(project, user, roles[role])
        svc = known.get(stype) or idn.create_service(name=name, type=stype)
        for iface in ("public", "internal", "admin"):
            if (svc.id, iface) not in endpoints:
                idn.create_endpoint(service_id=svc.id, interface=iface, url=services.url(port_key) + path,
                                    region_id=services.REGION)


def register_service(conn: "openstack.connection.Connection", name: str, stype: str, url: str) -> None:
    """One more service of the catalog (an optional one, e.g. cloudkitty): its user with the admin and
    service roles on the service project, the service and its three endpoints (idempotent)."""
    idn = conn.identity
    project = idn.find_project("service", domain_id="default")
    user = idn.find_user(name, domain_id="default") or idn.create_user(
        name=name, password=services.PASSWORD, domain_id="default")
    for role in ("admin", "service"):
        idn.assign_project_role_to_user(project, user, idn.find_role(role))
    svc = next((s for s in idn.services() if s.type == stype), None) or idn.create_service(name=name, type=stype)
    endpoints = {e.interface for e in idn.endpoints(service_id=svc.id)}
    for iface in ("public", "internal", "admin"):
        if iface not in endpoints:
            idn.create_endpoint(service_id=svc.id, interface=iface, url=url, region_id=services.REGION)


def compute_services_up(conn: "openstack.connection.Connection", expected: set[tuple[str, str]]) -> bool:
    """True when every (binary, host) in ``expected`` is reported up."""
    up = {(s.binary, s.host) for s in conn.compute.services() if s.state == "up"}
    return expected <= up


def ensure_image_and_flavor(conn: "openstack.connection.Connection") -> tuple[str, str]:
    """A 1 MiB raw image and a tiny flavor for booting on the fake computes; return their ids."""
    image = conn.image.find_image(IMAGE_NAME)
    if image is None:
        image = conn.image.create_image(name=IMAGE_NAME, disk_format="raw", container_format="bare",
                                        visibility="public", data=b"\0" * 1024 * 1024)
    flavor = conn.compute.find_flavor(FLAVOR_NAME)
    if flavor is None:
        flavor = conn.compute.create_flavor(name=FLAVOR_NAME, vcpus=1, ram=64, disk=1)
    return image.id, flavor.id


def boot(conn: "openstack.connection.Connection", count: int, prefix: str, timeout: float = 180) -> list[str]:
    """Boot ``count`` servers without networks; wait until all are ACTIVE; return their ids."""
    image_id, flavor_id = ensure_image_and_flavor(conn)
    ids = [
        conn.compute.create_server(name=f"{prefix}-{i}", image_id=image_id, flavor_id=flavor_id,
                                   networks="none").id
        for i in range(1, count + 1)
    ]

    def all_active() -> bool:
        states = {sid: conn.compute.get_server(sid).status for sid in ids}
        failed = [sid for sid, st in states.items() if st == "ERROR"]
        if failed:
            raise Failed(f"servers went to ERROR: {failed}")
        return all(st == "ACTIVE" for st in states.values())

    wait_for(f"{count} servers ACTIVE", all_active, timeout, interval=1)
    return ids


def live_migrate(conn: "openstack.connection.Connection", server_id: str, target: str, timeout: float = 180) -> None:
    """Live-migrate a server to compute host ``target`` and wait until it is ACTIVE there."""
    conn.compute.live_migrate_server(server_id, host=target, block_migration="auto")

    def arrived() -> bool:
        server = conn.compute.get_server(server_id)
        if server.status == "ERROR":
            raise Failed(f"server {server_id} went to ERROR during live migration")
        return server.status == "ACTIVE" and server.compute_host == target and server.task_state is None

    wait_for(f"server {server_id} live-migrated to {target}", arrived, timeout, interval=1)
