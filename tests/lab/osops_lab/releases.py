"""Which package versions make up each OpenStack release the lab can build.

Every service follows the chosen release: a 2024.1 lab runs Keystone 25, Placement 11, Glance 28,
Neutron 24 and Nova 29, each from its own venv pinned by that release's upper-constraints. The
newest point release of each series on the package index is used.
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
    #: Keystone, Placement, Glance and Neutron of the same release (controller only).
    shared: tuple[VenvSpec, ...] = ()
    #: Services a lab runs only when asked (``labctl up --with cloudkitty``), same constraints.
    optional: tuple[VenvSpec, ...] = ()

    def spec(self, service: str) -> VenvSpec:
        """The venv spec of ``service`` (nova, keystone, placement, glance, neutron or an optional one)."""
        if service == "nova":
            return self.nova
        for spec in (*self.shared, *self.optional):
            if spec.service == service:
                return spec
        raise KeyError(f"release {self.name} has no venv for {service!r}")


#: uWSGI is an sdist (a ~20 s C build): every venv uses this one version, built once into a wheel.
UWSGI = "uWSGI==2.0.31"


#: PyPI distribution of each service (the venv is named after the service).
DISTRIBUTIONS = {"nova": "nova", "keystone": "keystone", "placement": "openstack-placement",
                 "glance": "glance", "neutron": "neutron", "cloudkitty": "cloudkitty"}

#: Services a lab runs only when ``up --with`` names them.
OPTIONAL_SERVICES = ("cloudkitty",)


def _spec(service: str, version: str, constraints: str, *extra: str) -> VenvSpec:
    return VenvSpec(service, version, (f"{DISTRIBUTIONS[service]}=={version}", UWSGI, "PyMySQL", *extra),
                    constraints)


def _release(name: str, versions: dict[str, str], constraints: str, service_version: int,
             *extra: str) -> Release:
    """A release whose five services are pinned by one upper-constraints file."""
    shared = tuple(_spec(s, versions[s], constraints, *extra) for s in ("keystone", "placement", "glance", "neutron"))
    optional = tuple(_spec(s, versions[s], constraints, *extra) for s in OPTIONAL_SERVICES)
    return Release(name, _spec("nova", versions["nova"], constraints, *extra), service_version, shared, optional)


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        # 2024.1 projects still import pkg_resources, removed from setuptools 81.
        _release("2024.1", {"nova": "29.4.0", "keystone": "25.0.0", "placement": "11.0.1", "glance": "28.2.0",
                            "neutron": "24.2.2", "cloudkitty": "20.1.0"}, "uc-unmaintained_2024.1.txt", 67, "setuptools<81"),
        _release("2025.1", {"nova": "31.3.1", "keystone": "27.1.0", "placement": "13.0.1", "glance": "30.2.0",
                            "neutron": "26.0.6", "cloudkitty": "22.1.0"}, "uc-stable_2025.1.txt", 68),
        _release("2025.2", {"nova": "32.2.1", "keystone": "28.1.0", "placement": "14.0.0", "glance": "31.1.0",
                            "neutron": "27.0.4", "cloudkitty": "23.0.0"}, "uc-stable_2025.2.txt", 70),
        _release("2026.1", {"nova": "33.0.2", "keystone": "29.1.0", "placement": "15.0.0", "glance": "32.0.0",
                            "neutron": "28.0.2", "cloudkitty": "24.0.0"}, "uc-stable_2026.1.txt", 72),
        _release("2026.2", {"nova": "34.0.0", "keystone": "30.0.0", "placement": "16.0.0", "glance": "33.0.0",
                            "neutron": "29.0.0", "cloudkitty": "25.0.0"}, FREEZE_2026_2, 74),
    )
}

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


def venvs_for(release: Release, options: tuple[str, ...] = ()) -> tuple[VenvSpec, ...]:
    """All service venvs a lab at ``release`` runs from, with the ``options`` it was asked for."""
    return (*release.shared, release.nova, *(s for s in release.optional if s.service in options))


def check_options(options: tuple[str, ...]) -> tuple[str, ...]:
    """The optional services asked for, in a stable order; an unknown one is refused with the known ones."""
    unknown = sorted(set(options) - set(OPTIONAL_SERVICES))
    if unknown:
        raise UnknownRelease(f"unknown lab option {', '.join(map(repr, unknown))}; the lab can add: "
                             f"{', '.join(OPTIONAL_SERVICES)}")
    return tuple(s for s in OPTIONAL_SERVICES if s in options)


def _series(name: str) -> tuple[int, int]:
    year, half = name.split(".")
    return int(year), int(half)


def upgrade_refusal(source: str, target: str) -> str | None:
    """Why nova may not go from ``source`` to ``target`` in one upgrade, or None when it may.

    OpenStack's rule: the next release (N -> N+1), or from a SLURP release (every YYYY.1 since
    2023.1) to the next SLURP release, skipping the .2 release between them. Never backwards.
    """
    src, dst = _series(source), _series(target)
    if dst <= src:
        return f"{target} is not newer than {source} (nova never goes backwards)"
    following = (src[0], 2) if src[1] == 1 else (src[0] + 1, 1)
    if dst == following:
        return None
    if src[1] == 1 and dst == (src[0] + 1, 1):
        return None
    allowed = f"{following[0]}.{following[1]}"
    if src[1] == 1:
        allowed += f" or the next SLURP release {src[0] + 1}.1"
    return f"{target} skips too far; from {source} the next step is {allowed}"
