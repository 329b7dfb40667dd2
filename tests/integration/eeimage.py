"""The collection's execution environment (``ee/build.sh``, docs/execution-environment.md), built once and
run the way ansible-navigator and AWX run an EE: ``podman run`` of the image with the host's network.

The image's podman storage is the one ee/build.sh writes (``.cache/ee/storage.conf``, with the lab's
caches). Every ``podman run`` here sets the limits this machine allows (podman's default open-files
limit is over what a process here may raise) and runs as root inside (the lab's SSH key is root's).
"""
from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _limit(kind: int, cap: int | None = None) -> int:
    hard = resource.getrlimit(kind)[1]
    if hard == resource.RLIM_INFINITY:
        hard = cap or 1048576
    return min(hard, cap) if cap else hard


def podman_env() -> dict:
    return dict(os.environ, CONTAINERS_STORAGE_CONF=str(ROOT / ".cache" / "ee" / "storage.conf"))


def build_image() -> str:
    """ee/build.sh (nothing rebuilt when nothing changed); the image it built."""
    proc = subprocess.run(["bash", str(ROOT / "ee" / "build.sh")], capture_output=True, text=True, timeout=1800,
                          check=False)
    if proc.returncode != 0:
        pytest.fail("ee/build.sh failed:\n" + proc.stdout[-3000:] + proc.stderr[-5000:])
    return proc.stdout.strip().splitlines()[-1]


def run_in_image(image: str, command: list[str], env: dict[str, str], mounts: dict[str, str],
                 timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``command`` in a container of ``image``: the host's network, ``env`` set, each host path of ``mounts``
    at the same path inside (``ro`` or ``rw``)."""
    options = ["--rm", "--network", "host", "--user", "0",
               "--ulimit", "nofile={0}:{0}".format(_limit(resource.RLIMIT_NOFILE)),
               "--ulimit", "nproc={0}:{0}".format(_limit(resource.RLIMIT_NPROC, 32768))]
    for path, mode in mounts.items():
        options += ["-v", f"{path}:{path}:{mode}"]
    for key, value in env.items():
        options += ["-e", f"{key}={value}"]
    return subprocess.run(["podman", "run", *options, image, *command], env=podman_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)
