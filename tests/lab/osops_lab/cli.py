"""``labctl``: the one entry point of the lab (see docs/lab.md)."""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import subprocess
import sys
from typing import Iterator

from .cloud import Failed, Timeout
from .hosts import HostError
from .install import InstallError
from .lab import APT_PACKAGES, Lab, LabError
from .paths import LabPaths
from .releases import OPTIONAL_SERVICES, RELEASES, UnknownRelease, get_release


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="labctl", description="A real, upgradable OpenStack on 127.0.0.0/8.")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="bring the lab up (idempotent)")
    up.add_argument("--release", required=True, help=f"one of {', '.join(RELEASES)}")
    up.add_argument("--computes", type=int, default=2, help="number of fake compute hosts (default 2)")
    up.add_argument("--controllers", type=int, default=1,
                    help="1, or 2 for a highly available lab: the APIs and nova's conductor and scheduler on two "
                         "controllers behind HAProxy on a VIP (default 1)")
    up.add_argument("--with", dest="options", action="append", default=[], choices=OPTIONAL_SERVICES,
                    help="also run this optional service (repeatable): cloudkitty (api, processor, InfluxDB)")
    sub.add_parser("down", help="stop every lab process, even of a half-started lab")
    st = sub.add_parser("status", help="hosts, services, versions, URLs, process state")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    sub.add_parser("reset", help="fresh databases (services bootstrapped again)")
    boot = sub.add_parser("boot", help="boot N tiny servers on the fake computes")
    boot.add_argument("count", type=int)
    for name in ("stop", "start"):
        sp = sub.add_parser(name, help=f"{name} a service by its supervisord name (fault scenarios)")
        sp.add_argument("service", help="e.g. nova-compute, nova-conductor, placement, rabbitmq")
        sp.add_argument("--host", help="only on this host (default: wherever it runs)")
    ins = sub.add_parser("install", help="build the venvs of a release (e.g. an upgrade target)")
    ins.add_argument("--release", required=True)
    ins.add_argument("--service", action="append",
                     choices=("nova", "keystone", "placement", "glance", "neutron", *OPTIONAL_SERVICES),
                     help="only this service's venv (repeatable; default: the five of every lab)")
    ins.add_argument("--with", dest="options", action="append", default=[], choices=OPTIONAL_SERVICES,
                     help="also the venv of this optional service (repeatable)")
    cks = sub.add_parser("cloudkitty-storage", help="switch cloudkitty's storage (1: sqlalchemy, 2: InfluxDB)")
    cks.add_argument("--version", type=int, required=True, choices=(1, 2))
    upg = sub.add_parser("upgrade-nova", help="rolling upgrade of nova to another release (SLURP rules apply)")
    upg.add_argument("--to", required=True)
    upg.add_argument("--computes", help="comma-separated computes to upgrade (default: all; '' for the "
                                        "control plane only)")
    sw = sub.add_parser("switch-nova", help="restart one compute's nova-compute from a newer release's venv "
                                            "(not newer than the control plane)")
    sw.add_argument("--host", required=True, help="a compute host, e.g. compute2")
    sw.add_argument("--release", required=True)
    sub.add_parser("deps", help="apt-get install the Debian packages the lab needs")
    sub.add_parser("releases", help="list the releases the lab can build")
    return p


def deps() -> int:
    """apt-get update, then install the lab's Debian packages (non-interactive, no recommends)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    return subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES], env=env, check=False).returncode


def _print_status(status: dict) -> None:
    if not status["up"] and "hosts" not in status:
        extra = f" (leftover lab processes: {status['leftover_pids']}; run labctl down)" if status[
            "leftover_pids"] else ""
        print(f"lab is down{extra}")
        return
    print(f"release {status['release']}: {status['health']}  (home {status['home']})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in status["versions"].items()))
    if "cloudkitty_storage" in status:
        print(f"cloudkitty storage v{status['cloudkitty_storage']}")
    for h in status["hosts"]:
        print(f"  {h['name']:<11} {h['address']}:{h['ssh_port']}  supervisord pid {h['supervisord_pid']}  "
              f"nova {h['nova_venv']}")
        for name, prog in h["programs"].items():
            print(f"      {name:<15} {prog['state']:<9} pid {prog['pid']}")
    print("urls: " + ", ".join(f"{k} {v}" for k, v in status["urls"].items()))
    print(f"nova service versions: {status['nova_service_versions']}")
    print(f"clouds.yaml {status['clouds_yaml']}  inventory {status['inventory']}  ssh key {status['ssh_key']}")


#: Commands that only read the lab (no lock needed).
READ_ONLY = {"status", "releases", "deps"}


@contextlib.contextmanager
def exclusive(paths: LabPaths, command: list[str]) -> Iterator[None]:
    """Hold the lab's lock: one changing command at a time (others wait, saying for whom)."""
    lock_path = paths.home.parent / f"{paths.home.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            print(f"labctl: waiting for another labctl ({lock.read().strip() or 'unknown'})", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}: {' '.join(command)}\n")
        lock.flush()
        yield


def main(argv: list[str] | None = None) -> int:
    """Run one labctl command; user errors print one clear message and return 2."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    paths = LabPaths.from_env()
    if args.command in READ_ONLY:
        return _run(args, paths)
    with exclusive(paths, argv):
        return _run(args, paths)


def _run(args: argparse.Namespace, paths: LabPaths) -> int:
    """Dispatch one parsed command."""
    lab = Lab(paths, log=lambda m: print(m, flush=True))
    try:
        if args.command == "deps":
            return deps()
        if args.command == "releases":
            for rel in RELEASES.values():
                others = ", ".join(f"{s.service} {s.version}" for s in rel.shared)
                print(f"{rel.name}  nova {rel.nova.version} (compute service version "
                      f"{rel.compute_service_version}), {others}")
        elif args.command == "up":
            lab.up(args.release, args.computes, tuple(args.options), args.controllers)
        elif args.command == "down":
            lab.down()
        elif args.command == "status":
            status = lab.status()
            if args.json:
                print(json.dumps(status, indent=2))
            else:
                _print_status(status)
        elif args.command == "reset":
            lab.reset()
        elif args.command == "boot":
            lab.boot(args.count)
        elif args.command == "stop":
            lab.stop(args.service, args.host)
        elif args.command == "start":
            lab.start(args.service, args.host)
        elif args.command == "install":
            took = lab.install(get_release(args.release), only=tuple(args.service or ()), options=tuple(args.options))
            print(f"venvs of {args.release} ready ({took:.1f} s)")
        elif args.command == "upgrade-nova":
            only = None if args.computes is None else [c for c in args.computes.split(",") if c]
            print(json.dumps(lab.upgrade_nova(args.to, only)))
        elif args.command == "cloudkitty-storage":
            lab.cloudkitty_storage(args.version)
        elif args.command == "switch-nova":
            print(json.dumps(lab.switch_nova(args.host, args.release)))
    except (LabError, UnknownRelease, InstallError, HostError, Timeout, Failed) as exc:
        print(f"labctl: {exc}", file=sys.stderr)
        return 2
    return 0
