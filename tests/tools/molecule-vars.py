"""Write the variables the Molecule scenarios of extensions/molecule need for the lab that is up.

    tests/tools/molecule-vars.py VARS_FILE STORE_URL TARGET_RELEASE

prints the lab's inventory path and writes VARS_FILE (YAML): the lab's cloud name, the store, the
target release and the versions the lab installs for it (``labctl releases``; the release data's newest
known version can be newer than what the lab's constraints install).
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

LABCTL = [sys.executable, str(Path(__file__).resolve().parents[1] / "lab" / "labctl")]


def main(path: str, store: str, target: str) -> None:
    status = json.loads(subprocess.run(LABCTL + ["status", "--json"], capture_output=True, text=True,
                                       check=True).stdout)
    if not status.get("up"):
        sys.exit("the lab is down: make lab-up RELEASE=2025.1 && make lab-install RELEASE=%s" % target)
    releases = subprocess.run(LABCTL + ["releases"], capture_output=True, text=True, check=True).stdout
    line = next((line for line in releases.splitlines() if line.startswith(target + " ")), None)
    if line is None:
        sys.exit("the lab knows no release %s (labctl releases)" % target)
    versions = dict(re.findall(r"\b(nova|keystone|placement|glance|neutron) (\d[\w.]*)", line))
    Path(path).write_text(yaml.safe_dump({
        "osops_molecule_cloud": "lab", "osops_molecule_store": store, "osops_molecule_target": target,
        "osops_molecule_target_versions": versions}, sort_keys=False))
    print(status["inventory"])


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
