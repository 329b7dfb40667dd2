#!/usr/bin/env python
"""The check role against the real nova-status on the lab: wall times and their ratio.

Usage (project venv, a lab that is up, the target release's nova venv in the lab cache)::

    OSOPS_LAB_NET=127.0.1 OSOPS_LAB_HOME=~/.cache/osops-lab/run-b \\
        .venv/bin/python tests/lab/bench_check.py [--target 2026.1] [--repeat 5]

In one run, interleaved so that they share the machine's load, ``--repeat`` times each:

* the five target ``*-status`` tools (nova, placement, keystone, glance, neutron) run by hand on the
  controller over SSH, one after the other, as an operator would: one ssh per tool,
  ``<venv>/bin/<project>-status --config-file ... upgrade check`` from the TARGET release's venv, the
  command lines tests/integration/lab/test_check_lab.py uses for the real tools (each wall time
  includes its SSH session, as an operator's would); ``nova-status`` is the first of them;
* ``playbooks/check.yml`` restricted to the checks nova-status makes: the play on the nova control
  hosts only, ``osops_check_status_projects=[]`` (nova-status itself not run again), nova's
  service groups only; the report must hold nova-status's seven checks;
* ``playbooks/check.yml`` as an operator runs it on the whole lab: every host, every project,
  and each project's target ``*-status`` tool where its venv is installed.

With ``--variant 'NAME=JSON'`` (repeatable), the full play also runs with those extra variables,
interleaved with the others (for example ``'no backends={"osops_check_backends": false}'``); with
``--nova-variant 'NAME=JSON'``, nova's play. The plays run in turn after the tools, in the opposite
order every other run.

Prints the median of each, the ratio of the full play to the five tools' sum and of nova's checks to
nova-status (goal <= 1.0 for both: issue 11's "Figures"), and the machine's busy CPU time during each
(core-seconds, every process) with the least wall time it allows on this machine's CPUs; with
``--per-process``, one more run of the full play with the CPU time of each command line.
Nothing in the lab is changed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from osops_lab.bench import ProcessCPU, cpu_seconds, running_lab  # noqa: E402

GOAL_RATIO = 1.0
NOVA_STATUS_CHECKS = {"Cells v2", "Placement API", "Cinder API", "Policy File JSON to YAML Migration",
                      "Older than N-1 computes", "hw_machine_type unset", "Service User Token Configuration"}
TARGET_MAJOR = {"2025.2": "32", "2026.1": "33", "2026.2": "34"}
#: The target release's major version of each project's status tool (what the lab installs; as
#: tests/integration/lab/test_check_lab.py's MAJORS), nova's from TARGET_MAJOR.
STATUS_MAJORS = {
    "2025.2": {"placement": "14", "keystone": "28", "glance": "31", "neutron": "27"},
    "2026.1": {"placement": "15", "keystone": "29", "glance": "32", "neutron": "28"},
    "2026.2": {"placement": "16", "keystone": "30", "glance": "33", "neutron": "29"},
}
#: The config file each tool is run with (tests/integration/lab/labchecks.py's NOVA_CONF and STATUS_CONFIG).
STATUS_CONFIG = {"nova": "/etc/nova/nova.conf", "placement": "/etc/placement/placement.conf",
                 "keystone": "/etc/keystone/keystone.conf", "glance": "/etc/glance/glance-api.conf",
                 "neutron": "/etc/neutron/neutron.conf"}
TOOLS = ("nova", "placement", "keystone", "glance", "neutron")


def ssh_command(status: dict, host: str, command: str) -> list[str]:
    """The ssh command line tests/integration/lab/conftest.py's LabDriver.ssh uses."""
    entry = next(h for h in status["hosts"] if h["name"] == host)
    known_hosts = Path(status["ssh_key"]).parent / "known_hosts"
    return ["ssh", "-i", status["ssh_key"], "-p", str(entry["ssh_port"]), "-o", f"UserKnownHostsFile={known_hosts}",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"root@{entry['address']}", command]


def status_commands(status: dict, target: str) -> dict[str, list[str]]:
    """The ssh command line of each target ``*-status`` tool, as labchecks.real_nova_status / real_status run it."""
    found = subprocess.run(ssh_command(status, "controller", "ls -d /openstack/venvs/*-*"), capture_output=True,
                           text=True, check=True).stdout.split()
    majors = dict(STATUS_MAJORS[target], nova=TARGET_MAJOR[target])
    commands = {}
    for project in TOOLS:
        venvs = sorted(v for v in found if v.startswith(f"/openstack/venvs/{project}-{majors[project]}."))
        if not venvs:
            sys.exit(f"bench_check: no {project} venv of {target} on the controller (found {found})")
        commands[project] = ssh_command(status, "controller", f"PYTHONWARNINGS=ignore {venvs[-1]}/bin/{project}-status "
                                                              f"--config-file {STATUS_CONFIG[project]} upgrade check")
    return commands


def playbook_command(status: dict, target: str, nova_only: bool, extra: dict | None = None) -> list[str]:
    variables: dict = {"osops_check_cloud": "lab", "osops_check_target_release": target, **(extra or {})}
    if nova_only:
        control = ["nova_api_os_compute", "nova_conductor", "nova_scheduler"]
        variables.update(osops_check_hosts=":".join(control), osops_check_status_projects=[],
                         osops_check_service_groups={"nova": control})
    return [str(Path(sys.executable).parent / "ansible-playbook"), "-i", status["inventory"],
            "-e", json.dumps(variables), str(ROOT / "playbooks" / "check.yml")]


def playbook_env(status: dict, report: Path) -> dict[str, str]:
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
                ANSIBLE_CALLBACKS_ENABLED="osops.lifecycle.check_table", ANSIBLE_NOCOLOR="1",
                OSOPS_CHECK_REPORT_PATH=str(report), OS_CLIENT_CONFIG_FILE=status["clouds_yaml"],
                ANSIBLE_HOST_KEY_CHECKING="True")


CPU: dict[str, list[float]] = {}


def timed(command: list[str], env: dict[str, str] | None = None,
          cpu: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """The wall time of ``command``; with ``cpu``, the machine's busy core-seconds meanwhile go to CPU[cpu]."""
    began, busy = time.monotonic(), cpu_seconds()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=900)
    if cpu:
        CPU.setdefault(cpu, []).append(cpu_seconds() - busy)
    return time.monotonic() - began, proc


def sections_in(report: Path) -> set[tuple[str, str]]:
    """(host or cloud, project) of every table of the report."""
    data = json.loads(report.read_text())
    return {(h["host"], p["project"]) for h in data["hosts"] for p in h["projects"]}


def checks_in(report: Path) -> set[str]:
    data = json.loads(report.read_text())
    return {c["name"] for h in data["hosts"] for p in h["projects"] for c in p["checks"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="2026.1", choices=sorted(TARGET_MAJOR))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=JSON",
                        help="also run the full play with these extra variables, interleaved with the others "
                             "(for example 'no backends={\"osops_check_backends\": false}')")
    parser.add_argument("--nova-variant", action="append", default=[], metavar="NAME=JSON",
                        help="also run nova's play with these extra variables, likewise "
                             "(for example 'api on its own={\"osops_check_api_alongside\": false}')")
    parser.add_argument("--per-process", action="store_true",
                        help="then run the full play once more, sampling /proc: the CPU time of each command line")
    args = parser.parse_args()
    status = running_lab("bench_check")
    print(f"lab {status['home']} release {status['release']}, target {args.target}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    tools = status_commands(status, args.target)
    for project, command in tools.items():
        print(f"{project}-status: " + " ".join(command), flush=True)
    work = Path(tempfile.mkdtemp(prefix="osops-bench-check-"))
    figures: dict[str, list[float]] = {"nova-status": [], "five tools": [], "check.yml nova": [], "check.yml full": []}
    variants = [("check.yml nova", True, None), ("check.yml full", False, None)]
    for play, nova_only, given_variants in (("nova", True, args.nova_variant), ("full", False, args.variant)):
        for given in given_variants:
            label, _sep, extra = given.partition("=")
            variants.append((f"check.yml {play}, {label}", nova_only, json.loads(extra)))
            figures[variants[-1][0]] = []
    for i in range(args.repeat):
        total, busy = 0.0, cpu_seconds()
        for project, command in tools.items():  # one after the other, one ssh each, as an operator would
            took, proc = timed(command)
            if proc.returncode not in (0, 1):
                sys.exit(f"{project}-status failed (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
            total += took
            if project == "nova":
                figures["nova-status"].append(took)
        figures["five tools"].append(total)
        CPU.setdefault("five tools", []).append(cpu_seconds() - busy)
        # the plays in turn, the order reversed every other run: none always gets the quieter slot after the tools
        for number, (name, nova_only, extra) in list(enumerate(variants))[::1 if i % 2 == 0 else -1]:
            report = work / f"report-{i}-{number}.json"
            command = playbook_command(status, args.target, nova_only, extra)
            if i == 0:
                print(f"{name}: ANSIBLE_CALLBACKS_ENABLED=osops.lifecycle.check_table "
                      f"OS_CLIENT_CONFIG_FILE={status['clouds_yaml']} {' '.join(command[:-3])} "
                      f"-e '{command[-2]}' {command[-1]}", flush=True)
            took, proc = timed(command, playbook_env(status, report), cpu=name)
            if proc.returncode != 0 or not report.exists():
                sys.exit(f"{name} failed (rc={proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}")
            found = checks_in(report)
            missing = NOVA_STATUS_CHECKS - found
            if missing:
                sys.exit(f"{name} did not report {sorted(missing)}")
            if not nova_only:  # every host, each of the five tools, the schema checks
                sections = sections_in(report)
                lost = ({h["name"] for h in status["hosts"]} - {host for host, _project in sections}
                        | {f"{p}-status" for p in TOOLS} - {project for _host, project in sections}
                        | {"Database schema migrations", "Database and message queue reachable"} - found)
                if lost:
                    sys.exit(f"{name} did not cover {sorted(lost)}")
            if i == 0:
                print(f"  {name} reported {len(found)} distinct checks: {', '.join(sorted(found))}", flush=True)
            figures[name].append(took)
        print("run %d: %s" % (i + 1, ", ".join(f"{k} {v[-1]:.2f} s" for k, v in figures.items())), flush=True)
    medians = {k: statistics.median(v) for k, v in figures.items()}
    print("medians over %d runs: %s" % (args.repeat, ", ".join(f"{k} {v:.2f} s" for k, v in medians.items())))
    for name, theirs in [(v[0], "nova-status" if v[1] else "five tools") for v in variants]:
        ratio = medians[name] / medians[theirs]
        print(f"ratio {name} / {theirs}: {ratio:.2f} (goal <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'MISSED'})",
              flush=True)
    # CPU time (the whole machine's, lab services included) and the wall time it allows at best on this
    # machine's CPUs: a run bound by the CPUs cannot take less than its core-seconds over the CPU count.
    cpus = os.cpu_count() or 1
    for name in ["five tools"] + [v[0] for v in variants]:
        used = statistics.median(CPU[name])
        print(f"CPU {name}: median {used:.1f} core-seconds; at best {used / cpus:.1f} s on {cpus} CPUs "
              f"(wall median {medians[name]:.2f} s)", flush=True)
    if args.per_process:
        report = work / "report-sampled.json"
        with ProcessCPU() as sampled:
            took, _proc = timed(playbook_command(status, args.target, False), playbook_env(status, report))
        print(f"check.yml full once more, {took:.2f} s; CPU seconds per command line (sampled every 0.05 s):")
        for spent, command in sampled.top(20):
            print(f"  {spent:5.2f}  {command}")


if __name__ == "__main__":
    main()
