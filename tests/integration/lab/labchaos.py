"""Crash trials of the rolling upgrade on the lab: kill the controller at a seeded random moment, go on, check.

What a trial checks is read without the collection, from two sides that must agree:

- the store, read with sqlite3: the upgrade's status and every step's;
- the hosts: the venv each service's process runs (its command line under /proc), nova's service
  versions (SQL on nova's database), the instances (SQL), and how often each service was started
  (the ``spawned:`` lines of each lab host's supervisord log - the lab's own record, not ours).

A step done twice shows as a service started more often than the store's done restarts allow; a step
skipped, as a service on the wrong code, a restart missing or a step not done. A restart whose step
was running when the controller died may happen once more (the step is run again; a forced restart
- finalize's - restarts again), so each such kill allows one more start of that service.

Used by ``tests/chaos`` (the on-demand run of many trials) and by ``test_upgrade_lab.py``, whose
SIGKILLs fall at seeded random moments of their phase (the short version in the test command).
"""
from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path

from labupgrade import (PROGRAMS, SERVICE_VERSION, at, kill, nova_versions, play, running_version, running_versions,
                        start, steps, upgrades, wait_step)

# a step's ``binary`` -> the lab's supervisord program that runs it
PROGRAM_OF = {"keystone": "keystone", "glance-api": "glance", "placement-api": "placement",
              "nova-conductor": "nova-conductor", "nova-scheduler": "nova-scheduler", "nova-api": "nova-api",
              "nova-compute": "nova-compute", "neutron-server": "neutron"}
SPAWNED = re.compile(r"INFO spawned: '([^']+)' with pid \d+")
UNEXPECTED = re.compile(r"exited: (\S+) \(.*; not expected\)")


def seed_from_env(default: int | None = None) -> int:
    """``OSOPS_CHAOS_SEED``, else ``default``, else a new one (printed with every trial, to replay it)."""
    value = os.environ.get("OSOPS_CHAOS_SEED")
    if value:
        return int(value)
    return default if default is not None else random.SystemRandom().randrange(1, 10**9)


class Witness:
    """What the hosts did from now on: services started (supervisord's logs) and the instances before."""

    def __init__(self, lab):
        self.lab = lab
        home = lab.home()
        self.logs = {host["name"]: home / "hosts" / host["name"] / "log" / "supervisord.log"
                     for host in lab.status()["hosts"]}
        self.offsets = {name: (path.stat().st_size if path.exists() else 0) for name, path in self.logs.items()}
        self.instances = instances(lab)
        self.autorestarts: Counter = Counter()  # filled by spawns()

    def spawns(self) -> Counter:
        """``program@host`` -> how many times it was started since the witness began; supervisord's own
        restarts of a program that exited unexpectedly (``exited: ... not expected``: the lab's nova-api
        when its port is still held by the process a slow stop killed) are not the collection's and are
        counted apart, in ``self.autorestarts``."""
        found: Counter = Counter()
        self.autorestarts = Counter()
        for name, path in self.logs.items():
            crashed = set()
            with open(path, "rb") as log:
                log.seek(self.offsets[name])
                for line in log.read().decode(errors="replace").splitlines():
                    exited = UNEXPECTED.search(line)
                    if exited:
                        crashed.add(exited.group(1))
                    match = SPAWNED.search(line)
                    if match and match.group(1) in crashed:
                        crashed.discard(match.group(1))
                        self.autorestarts[f"{match.group(1)}@{name}"] += 1
                    elif match:
                        found[f"{match.group(1)}@{name}"] += 1
        return found


def instances(lab) -> dict[str, tuple[str, str]]:
    """uuid -> (vm_state, power_state) of every instance nova's cell database holds (read with SQL); the lab's
    hypervisor keeps its guests through restarts of nova-compute, so both must come out of a trial unchanged."""
    rows = lab.mysql("SELECT uuid, vm_state, power_state FROM nova.instances WHERE deleted = 0")
    return {uuid: (vm_state, power) for uuid, vm_state, power in (r.split("\t") for r in rows.splitlines() if r)}


def running_programs(cloud, upgrade_id: str) -> list[str]:
    """``program@host`` of the restart steps running now (their service may be started once more)."""
    found = []
    for step in steps(cloud, upgrade_id):
        binary = json.loads(step["detail"] or "{}").get("binary")
        if step["status"] == "running" and step["action"] == "restart" and binary in PROGRAM_OF:
            found.append(f"{PROGRAM_OF[binary]}@{step['host']}")
    return found


def done_restarts(cloud, upgrade_id: str) -> Counter:
    """``program@host`` -> the upgrade's restart steps the store says are done (or were, before a rollback)."""
    found: Counter = Counter()
    for step in steps(cloud, upgrade_id):
        binary = json.loads(step["detail"] or "{}").get("binary")
        if step["action"] == "restart" and binary in PROGRAM_OF and step["status"] in ("done", "reverted"):
            found[f"{PROGRAM_OF[binary]}@{step['host']}"] += 1
    return found


def newest(cloud, known: set[str]) -> dict | None:
    """The newest upgrade of the store that is not in ``known`` (the one a trial started), or None."""
    if not cloud["store"].exists():
        return None
    fresh = [u for u in upgrades(cloud) if u["id"] not in known]
    return fresh[-1] if fresh else None


def kill_at(cloud, proc, moment: float, known: set[str], before_finalize: bool = False) -> dict:
    """SIGKILL the play ``moment`` seconds after now - or earlier when ``before_finalize`` and the upgrade's
    last compute batch runs (finalize comes next, and a rollback stops being possible) - and return what
    was running then. ``{"killed": False}`` when the play ended first."""
    began = time.monotonic()
    while time.monotonic() - began < moment and proc.poll() is None:
        upgrade = newest(cloud, known) if before_finalize else None
        if upgrade:
            compute = [s["status"] for s in steps(cloud, upgrade["id"]) if s["phase"] == "compute"]
            if compute and "pending" not in compute:
                break
        time.sleep(0.1)
    if proc.poll() is not None:
        return {"killed": False, "moment": round(time.monotonic() - began, 1), "rc": proc.returncode}
    upgrade = newest(cloud, known)
    running = [f"{s['position']} {s['phase']} {s['action']} {s['host'] or ''}".strip()
               for s in (steps(cloud, upgrade["id"]) if upgrade else []) if s["status"] == "running"]
    again = running_programs(cloud, upgrade["id"]) if upgrade else []
    kill(proc)
    return {"killed": True, "moment": round(time.monotonic() - began, 1), "upgrade": upgrade and upgrade["id"],
            "status": upgrade and upgrade["status"], "running": running, "may_start_again": again}


def kill_in_batch(lab, cloud, proc, rng: random.Random, what: str, match, spread: float) -> dict:
    """SIGKILL the play at a random moment of a random batch among those with a step matching ``match``:
    the batch drawn, then ``spread`` seconds at most after the store shows it running (the short
    version of the trials, in ``test_upgrade_lab.py``). What was running then, as ``kill_at``."""
    lab.wait_for("the upgrade recorded", lambda: proc.poll() is not None or (
        cloud["store"].exists() and upgrades(cloud) and upgrades(cloud)[-1]["status"] in ("pending", "running")),
        300, interval=0.2)
    upgrade = upgrades(cloud)[-1]
    batches = sorted({json.loads(s["detail"])["batch"] for s in steps(cloud, upgrade["id"])
                      if s["status"] != "done" and match(s)})
    assert batches, f"no batch left for {what}"
    batch = rng.choice(batches)
    wait_step(lab, cloud, proc, f"{what} (batch {batch})", lambda s: json.loads(s["detail"])["batch"] == batch)
    known = {u["id"] for u in upgrades(cloud)} - {upgrade["id"]}
    record = kill_at(cloud, proc, round(rng.uniform(0.0, spread), 1), known)
    assert record["killed"], f"the play ended before the kill {what}: {record}"
    record.update(what=what, batch=batch)
    print(f"\nkilled {what}: batch {batch}, {record['moment']} s after it showed running; running then: "
          f"{record['running']}")
    return record


def restarts_before_rollback(lab, cloud, upgrade_id: str, source: str) -> Counter:
    """The starts a rollback's trial expects, read when the rollback begins: the upgrade's done restarts,
    and one more for each service that does not run ``source``'s code - on other code, or stopped by a
    restart the crash cut in half (the rollback starts it). Waits for supervisord to settle first."""
    def settled():
        states = {f"{name}@{host['name']}": prog["state"] for host in lab.status()["hosts"]
                  for name, prog in host["programs"].items()}
        if any(f"{name}@{host}" not in states for host, name, _project in PROGRAMS):
            return None  # supervisorctl did not answer for every program (a busy supervisord): ask again
        return not [s for s in states.values() if s in ("STARTING", "STOPPING", "BACKOFF")] and states
    states = lab.wait_for("the lab's programs settled after the kill", settled, 120)
    expected = done_restarts(cloud, upgrade_id)
    back = at(source)
    for host, name, _project in PROGRAMS:
        key = f"{name}@{host}"
        if states[key] != "RUNNING":
            expected[key] += 1
        elif running_version(lab, host, name) != back[key]:
            expected[key] += 1
    return expected


def check_finished(lab, cloud, upgrade_id: str, release: str, witness: Witness, kills: list[dict],
                   expected_starts: Counter) -> dict:
    """The invariants once an upgrade (to ``release``) completed or its rollback (to ``release``) ended.

    ``expected_starts``: ``program@host`` -> how often the service must have been started since the
    witness began (``done_restarts`` for an upgrade, ``restarts_before_rollback`` for a rollback); each
    kill whose running steps restarted a service allows it one start more. Returns what was checked.
    """
    (upgrade,) = [u for u in upgrades(cloud) if u["id"] == upgrade_id]
    history = steps(cloud, upgrade_id)
    rolled_back = upgrade["status"] == "rolled_back"
    assert upgrade["status"] in ("completed", "rolled_back"), (upgrade, kills)
    # rolled back: no step left running; a failed one only where the rollback closed a step a crash had
    # cut short before the code phases (states.CUT_SHORT)
    unfinished = [s for s in history if s["status"] == "running" or (not rolled_back and s["status"] != "done") or (
        s["status"] == "failed" and not (s["error"] or "").startswith("cut short"))]
    assert not unfinished, f"steps not finished: {unfinished}"
    positions = [s["position"] for s in history]
    assert positions == sorted(set(positions)), "a step recorded twice"

    versions = running_versions(lab)
    assert versions == at(release), (versions, kills)  # every service on the expected code: none skipped
    assert set(nova_versions(lab).values()) == {SERVICE_VERSION[release]}, nova_versions(lab)
    now = instances(lab)
    assert now == witness.instances, ("instances changed", witness.instances, now)

    started = witness.spawns()
    allowed: Counter = Counter()
    for record in kills:
        allowed.update(record.get("may_start_again", []))
    problems = []
    for name in sorted(set(expected_starts) | set(started) | set(allowed)):
        if name.startswith(("sshd@", "epmd@")):
            continue
        low, high = expected_starts[name], expected_starts[name] + allowed[name]
        if not low <= started[name] <= high:
            problems.append(f"{name} started {started[name]} times, expected {low}"
                            + (f" to {high}" if high != low else ""))
    assert not problems, f"{problems} (kills: {kills})"
    return {"status": upgrade["status"], "steps": len(history), "starts": dict(started)}


def trial_record(path: Path, record: dict) -> None:
    """Append one trial's record (JSON lines) to ``path``."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")


def upgrade_trial(lab, cloud, rng: random.Random, extra: dict, within: float) -> dict:
    """``upgrade.yml`` SIGKILLed at a random moment of its first ``within`` seconds, then continued until
    completed (``upgrade_continue.yml``; ``upgrade.yml`` again when the kill came before the upgrade was
    recorded); the invariants."""
    known = {u["id"] for u in upgrades(cloud)} if cloud["store"].exists() else set()
    witness = Witness(lab)
    began = time.monotonic()
    proc = start(cloud, "upgrade", extra)
    kills = [kill_at(cloud, proc, round(rng.uniform(1.0, within), 1), known)]
    if not kills[0]["killed"]:
        assert kills[0]["rc"] == 0, kills
    elif newest(cloud, known) is None:
        play(cloud, "upgrade", extra)  # nothing was recorded: the upgrade starts again
    else:
        # a crash leaves it as it was: pending (recorded, never claimed) or running
        assert newest(cloud, known)["status"] in ("pending", "running"), kills
        play(cloud, "upgrade_continue")
    upgrade_id = newest(cloud, known)["id"]
    checked = check_finished(lab, cloud, upgrade_id, extra["osops_upgrade_target_release"], witness, kills,
                             done_restarts(cloud, upgrade_id))
    return {"kind": "upgrade", "upgrade": upgrade_id, "kills": kills, "seconds": round(time.monotonic() - began, 1),
            **checked}


def rollback_trial(lab, cloud, rng: random.Random, extra: dict, source: str, within: float,
                   rollback_within: float) -> dict:
    """``upgrade.yml`` SIGKILLed at a random moment after the upgrade began to run and before finalize,
    ``upgrade_rollback.yml`` SIGKILLed at a random moment, then run again until rolled back; the
    invariants (every service back at ``source``)."""
    known = {u["id"] for u in upgrades(cloud)} if cloud["store"].exists() else set()
    witness = Witness(lab)
    began = time.monotonic()
    proc = start(cloud, "upgrade", extra)

    def running():  # a pending upgrade cannot be rolled back (cancel it): wait for its first claim
        upgrade = newest(cloud, known)
        return proc.poll() is not None or (upgrade and upgrade["status"] == "running")
    lab.wait_for("the upgrade running", running, 300, interval=0.2)
    kills = [kill_at(cloud, proc, round(rng.uniform(0.0, within), 1), known, before_finalize=True)]
    assert kills[0]["killed"], f"the upgrade ended before its kill: {kills}"
    upgrade_id = newest(cloud, known)["id"]
    expected = restarts_before_rollback(lab, cloud, upgrade_id, source)
    proc = start(cloud, "upgrade_rollback")
    kills.append(kill_at(cloud, proc, round(rng.uniform(0.5, rollback_within), 1), known))
    if kills[-1]["killed"]:
        play(cloud, "upgrade_rollback")
    else:
        assert kills[-1]["rc"] == 0, kills
    checked = check_finished(lab, cloud, upgrade_id, source, witness, kills, expected)
    return {"kind": "rollback", "upgrade": upgrade_id, "kills": kills, "seconds": round(time.monotonic() - began, 1),
            **checked}


def sessions(cloud) -> list[dict]:
    """Maintenance sessions of the store, oldest first (read with sqlite3)."""
    if not cloud["store"].exists():
        return []
    with sqlite3.connect(f"file:{cloud['store']}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT id, state FROM maintenance_sessions ORDER BY rowid")]


def session_steps(cloud, session_id: str) -> list[dict]:
    with sqlite3.connect(f"file:{cloud['store']}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT id, phase, host, action, status, attempts FROM maintenance_steps "
                                            "WHERE session_id = ? ORDER BY id", (session_id,))]


def computes_enabled(lab) -> dict[str, tuple[int, int]]:
    """nova-compute host -> (disabled, forced_down), read with SQL."""
    rows = lab.mysql("SELECT host, disabled, forced_down FROM nova.services WHERE `binary` = 'nova-compute' "
                     "AND deleted = 0")
    return {h: (int(d), int(f)) for h, d, f in (r.split("\t") for r in rows.splitlines() if r)}


def maintenance_trial(lab, cloud, rng: random.Random, hosts: list[str], within: float) -> dict:
    """``maintenance.yml`` over ``hosts`` (disable, drain, enable each) SIGKILLed at a random moment of its
    first ``within`` seconds, then continued (``osops_maintenance_session_id``; run again when the kill came
    before the session was recorded) until done. The invariants: the session MAINTENANCE_DONE with every step
    done, none recorded twice, only those running at the kill tried twice; every compute enabled and not
    forced down; every instance present in its state; no service started (a session changes no code)."""
    known = {s["id"] for s in sessions(cloud)}
    witness = Witness(lab)
    extra = {"osops_maintenance_cluster": "lab", "osops_maintenance_cloud": "lab",
             "osops_maintenance_store": f"sqlite:///{cloud['store']}", "osops_maintenance_hosts": hosts,
             "osops_maintenance_migration_timeout": 300}
    began = time.monotonic()
    proc = start(cloud, "maintenance", extra)
    moment = round(rng.uniform(1.0, within), 1)
    while time.monotonic() - began < moment and proc.poll() is None:
        time.sleep(0.1)
    fresh = [s for s in sessions(cloud) if s["id"] not in known]
    record = {"killed": proc.poll() is None, "moment": round(time.monotonic() - began, 1)}
    if record["killed"]:
        record["running"] = [f"{s['host'] or ''} {s['action']}".strip() for s in
                             (session_steps(cloud, fresh[-1]["id"]) if fresh else []) if s["status"] == "running"]
        kill(proc)
        fresh = [s for s in sessions(cloud) if s["id"] not in known]
        if fresh:
            record.update(session=fresh[-1]["id"], state=fresh[-1]["state"])
            play(cloud, "maintenance", {**extra, "osops_maintenance_session_id": fresh[-1]["id"]})
        else:
            play(cloud, "maintenance", extra)  # nothing was recorded: the session starts again
    else:
        record["rc"] = proc.returncode
        assert proc.returncode == 0, record
    (session,) = [s for s in sessions(cloud) if s["id"] not in known]
    assert session["state"] == "MAINTENANCE_DONE", (session, record)
    history = session_steps(cloud, session["id"])
    assert [s for s in history if s["status"] != "done"] == [], (history, record)
    keys = [(s["phase"], s["host"], s["action"]) for s in history]
    assert len(keys) == len(set(keys)), f"a step recorded twice: {keys}"
    again = sorted(f"{s['host'] or ''} {s['action']}".strip() for s in history if s["attempts"] > 1)
    assert set(again) <= set(record.get("running", [])), (again, record)
    assert {h: v for h, v in computes_enabled(lab).items() if h in hosts} == {h: (0, 0) for h in hosts}
    assert instances(lab) == witness.instances, ("instances changed", witness.instances, instances(lab))
    started = {k: v for k, v in witness.spawns().items() if not k.startswith("sshd@")}
    assert started == {}, f"services started during a maintenance session: {started}"
    return {"kind": "maintenance", "session": session["id"], "kills": [record], "steps": len(history),
            "tried_twice": again, "seconds": round(time.monotonic() - began, 1)}
