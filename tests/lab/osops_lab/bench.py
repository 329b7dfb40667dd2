"""What the benchmark scripts share: the status of the lab they measure."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LABCTL = Path(__file__).resolve().parents[1] / "labctl"


def running_lab(script: str) -> dict:
    """``labctl status --json`` of the lab the environment names; exit with a hint when it is not up."""
    res = subprocess.run([sys.executable, str(LABCTL), "status", "--json"], capture_output=True, text=True,
                         check=True)
    status = json.loads(res.stdout)
    if not status.get("up"):
        sys.exit(f"{script}: the lab is not up (labctl up --release 2025.1 first)")
    return status
