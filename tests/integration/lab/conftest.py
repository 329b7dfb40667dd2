"""Fixtures of the lab tier: a real OpenStack driven through ``tests/lab/labctl``.

These tests run only when selected with ``-m lab`` (``make lab-test``): they build venvs and
start real services, which takes minutes.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

# the scenario modules share helpers (labchecks.py, labdriver.py) in this directory
sys.path.insert(0, str(Path(__file__).resolve().parent))
from labdriver import LABCTL, LabDriver  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip lab tests unless the run selected them (``-m lab``)."""
    markexpr = config.getoption("markexpr") or ""
    if re.search(r"\blab\b", markexpr) and not re.search(r"\bnot\s+lab\b", markexpr):
        return
    skip = pytest.mark.skip(reason="lab tier: run with -m lab (make lab-test)")
    for item in items:
        if item.get_closest_marker("lab") is not None:  # a marker, not a keyword: tests/unit/lab is no lab test
            item.add_marker(skip)


@pytest.fixture(scope="module")
def lab() -> Iterator[LabDriver]:
    """The lab driver; whatever happens, the lab is down at the end of the module."""
    driver = LabDriver()
    yield driver
    subprocess.run([sys.executable, str(LABCTL), "down"], capture_output=True, timeout=300, check=False)
