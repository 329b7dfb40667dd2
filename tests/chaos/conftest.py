"""The crash trials run on demand (``make chaos``) against the lab, with the lab tier's driver and helpers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "lab"))
from labdriver import LABCTL, LabDriver  # noqa: E402


@pytest.fixture(scope="module")
def lab() -> Iterator[LabDriver]:
    """The lab driver; whatever happens, the lab is down at the end."""
    driver = LabDriver()
    yield driver
    subprocess.run([sys.executable, str(LABCTL), "down"], capture_output=True, timeout=300, check=False)
