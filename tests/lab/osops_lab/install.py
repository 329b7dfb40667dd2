"""Build service venvs from PyPI, pinned by each release's upper-constraints (stdlib only).

A venv is rebuilt only when its spec or constraints change (a marker file records a digest), so a
second ``up`` costs nothing, and pip's wheel cache under the lab cache makes a fresh build fast.
"""
from __future__ import annotations

import concurrent.futures
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import hypervisor
from .paths import LabPaths
from .releases import UWSGI, VenvSpec

MARKER = ".osops-lab-venv"


class InstallError(RuntimeError):
    """A venv could not be built (message says which and why)."""


def _digest(spec: VenvSpec) -> str:
    h = hashlib.sha256()
    h.update(repr((spec.packages, sys.version_info[:2])).encode())
    h.update(spec.constraints_path.read_bytes())
    return h.hexdigest()


def venv_path(paths: LabPaths, spec: VenvSpec) -> Path:
    """Real (absolute) path of the venv for ``spec``.

    The lab's own tools venv lives beside, not inside, the service venvs that hosts expose.
    """
    if spec.service == "tools":
        return paths.cache / "tools"
    return paths.venvs / spec.name


def is_installed(paths: LabPaths, spec: VenvSpec) -> bool:
    """True when the venv exists and was built from exactly this spec."""
    marker = venv_path(paths, spec) / MARKER
    return marker.is_file() and marker.read_text().strip() == _digest(spec)


def pip_env(paths: LabPaths) -> dict[str, str]:
    """Environment for pip: the lab's own wheel cache, quiet and non-interactive."""
    env = dict(os.environ)
    env.update(
        PIP_CACHE_DIR=str(paths.pip_cache),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PYTHONWARNINGS="ignore",
    )
    return env


def ensure_venv(paths: LabPaths, spec: VenvSpec, log=print) -> float:
    """Build the venv for ``spec`` unless it is already there; return the seconds spent."""
    if is_installed(paths, spec):
        return 0.0
    start = time.monotonic()
    target = venv_path(paths, spec)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    logfile = paths.cache / "install-logs" / f"{spec.name}.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    base_python = getattr(sys, "_base_executable", sys.executable)
    log(f"installing {spec.name} (constraints {spec.constraints}); log: {logfile}")
    with logfile.open("w") as out:
        steps = (
            [base_python, "-m", "venv", str(target)],
            [str(target / "bin" / "pip"), "install", "--no-compile", "--find-links", str(paths.wheels),
             "-c", str(spec.constraints_path), *spec.packages],
        )
        for cmd in steps:
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=pip_env(paths), check=False).returncode
            if rc != 0:
                break
    if rc != 0:
        tail = "".join(logfile.read_text().splitlines(keepends=True)[-15:])
        raise InstallError(
            f"{spec.name} does not install on Python {sys.version.split()[0]} with "
            f"{spec.constraints} (pip rc={rc}); last lines of {logfile}:\n{tail}"
        )
    (target / MARKER).write_text(_digest(spec) + "\n")
    took = time.monotonic() - start
    log(f"installed {spec.name} in {took:.1f} s")
    return took


def ensure_uwsgi_wheel(paths: LabPaths, log=print) -> None:
    """Build the uWSGI wheel once, so that parallel venv builds do not each compile it."""
    name, version = UWSGI.split("==")
    if list(paths.wheels.glob(f"{name}-{version}-*.whl")) + list(paths.wheels.glob(f"{name.lower()}-{version}-*.whl")):
        return
    paths.wheels.mkdir(parents=True, exist_ok=True)
    log(f"building the {UWSGI} wheel into {paths.wheels}")
    base_python = getattr(sys, "_base_executable", sys.executable)
    res = subprocess.run([base_python, "-m", "pip", "wheel", "--no-deps", "-w", str(paths.wheels), UWSGI],
                         capture_output=True, text=True, env=pip_env(paths), check=False)
    if res.returncode != 0:
        raise InstallError(f"cannot build {UWSGI}: {res.stdout[-2000:]}{res.stderr[-2000:]}")


def ensure_venvs(paths: LabPaths, specs: tuple[VenvSpec, ...], log=print, parallel: int = 3) -> float:
    """Build all missing venvs, a few at a time (pip is mostly waiting on the network and disk).

    Two labs (each with its own OSOPS_LAB_HOME, so each with its own lock) share the cache: building
    and patching its venvs is one process at a time, under the cache's own lock."""
    start = time.monotonic()
    paths.cache.mkdir(parents=True, exist_ok=True)
    with (paths.cache / "install.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_venvs(paths, specs, log, parallel)
    return time.monotonic() - start


def _ensure_venvs(paths: LabPaths, specs: tuple[VenvSpec, ...], log, parallel: int) -> None:
    missing = [s for s in specs if not is_installed(paths, s)]
    if any(UWSGI in s.packages for s in missing):
        ensure_uwsgi_wheel(paths, log)
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        for fut in [pool.submit(ensure_venv, paths, s, log) for s in missing]:
            fut.result()
    for spec in (s for s in specs if s.service == "nova"):
        try:
            written = hypervisor.install(venv_path(paths, spec))
        except FileNotFoundError as exc:
            raise InstallError(f"{exc}: remove {venv_path(paths, spec)} and run `labctl install` again") from None
        if written:
            log(f"{spec.name}: the lab's hypervisor written into nova/virt ({hypervisor.COMPUTE_DRIVER})")
