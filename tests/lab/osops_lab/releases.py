"""Which package versions make up each OpenStack release the lab can build.

Only nova follows the chosen release. Keystone, Placement, Glance and Neutron stay at the newest
release (2026.2) for every lab: that is the combination the lab notes proved (nova 29..34 against
those services), and an upgrade rehearsal only moves nova.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

CONSTRAINTS_DIR = Path(__file__).resolve().parent.parent / "constraints"

#: Frozen result of installing the 2026.2 services (the upstream master upper-constraints were too
#: old for nova 34.0.0 when the lab was designed).
FREEZE_2026_2 = "lab-2026.2-freeze.txt"


@dataclasses.dataclass(frozen=True)
class VenvSpec:
    """One service venv: ``<service>-<version>`` built from ``packages`` under ``constraints``."""

    service: str
    version: str
    packages: tuple[str, ...]
    constraints: str

    @property
    def name(self) -> str:
        """Directory name of the venv, as openstack-ansible names it."""
        return f"{self.service}-{self.version}"

    @property
    def constraints_path(self) -> Path:
        """The upper-constraints file shipped in tests/lab/constraints/."""
        return CONSTRAINTS_DIR / self.constraints


@dataclasses.dataclass(frozen=True)
class Release:
    """An OpenStack series the lab can be built at."""

    name: str
    nova: VenvSpec
    #: nova's compute service version (nova/objects/service.py), as seen in services.version.
    compute_service_version: int


#: uWSGI is an sdist (a ~20 s C build): every venv uses this one version, built once into a wheel.
UWSGI = "uWSGI==2.0.31"


def _nova(version: str, constraints: str, *extra: str) -> VenvSpec:
    return VenvSpec("nova", version, ("nova==" + version, UWSGI, "PyMySQL", *extra), constraints)


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        # nova 29 still imports pkg_resources, removed from setuptools 81.
        Release("2024.1", _nova("29.4.0", "uc-unmaintained_2024.1.txt", "setuptools<81"), 67),
        Release("2025.1", _nova("31.3.1", "uc-stable_2025.1.txt"), 68),
        Release("2025.2", _nova("32.2.1", "uc-stable_2025.2.txt"), 70),
        Release("2026.1", _nova("33.0.2", "uc-stable_2026.1.txt"), 72),
        Release("2026.2", _nova("34.0.0", FREEZE_2026_2), 74),
    )
}

#: Services shared by every release.
SHARED_SERVICES: tuple[VenvSpec, ...] = (
    VenvSpec("keystone", "30.0.0", ("keystone==30.0.0", UWSGI, "PyMySQL"), FREEZE_2026_2),
    VenvSpec("placement", "16.0.0", ("openstack-placement==16.0.0", UWSGI, "PyMySQL"), FREEZE_2026_2),
    VenvSpec("glance", "33.0.0", ("glance==33.0.0", UWSGI, "PyMySQL"), FREEZE_2026_2),
    VenvSpec("neutron", "29.0.0", ("neutron==29.0.0", UWSGI, "PyMySQL"), FREEZE_2026_2),
)

#: The lab's own tooling: supervisord for every simulated host, openstacksdk and pytest for tests.
TOOLS = VenvSpec(
    "tools", "1", ("supervisor==4.3.0", "openstacksdk", "pytest", "PyYAML"), FREEZE_2026_2
)


class UnknownRelease(ValueError):
    """The release is not one the lab knows how to build."""


def get_release(name: str) -> Release:
    """Return the release called ``name`` or raise :class:`UnknownRelease` with the known ones."""
    try:
        return RELEASES[name]
    except KeyError:
        known = ", ".join(RELEASES)
        raise UnknownRelease(f"unknown release {name!r}; the lab knows: {known}") from None


def venvs_for(release: Release) -> tuple[VenvSpec, ...]:
    """All service venvs a lab at ``release`` runs from."""
    return (*SHARED_SERVICES, release.nova)
