"""Crash trials of the rolling upgrade on the real lab, run on demand: ``make chaos [TRIALS=20] [SEED=n]``.

Each trial SIGKILLs ansible-playbook (and every process under it, as a crash of the controller ends
them) at a random moment drawn from a seeded generator, goes on as an operator would, and checks the
invariants of ``labchaos.py`` from the store and from the hosts independently: every service at the
expected version, no step done twice (no service started more often than the store's done steps
allow), none skipped, every instance present in its state. Trials take turns:

- ``rollback``: ``upgrade.yml`` killed at a random moment before finalize, ``upgrade_rollback.yml``
  killed at a random moment, run again until rolled back (the lab is back at 2025.1);
- ``maintenance``: ``maintenance.yml`` over both computes (disable, drain, enable each) killed at a
  random moment, continued until done: every step done once (only those running at the kill tried
  twice), every compute enabled, every instance present in its state, no service started;
- ``upgrade``: ``upgrade.yml`` killed at a random moment of the whole upgrade, continued until
  completed; then the lab is brought up again at 2025.1 for the next trial.

The seed and every kill's moment and running steps are printed and written, one JSON line per trial,
to ``OSOPS_CHAOS_RECORD`` (default: ``chaos-trials.jsonl`` in the test's directory); the same seed
draws the same moments. The test command runs the short version inside ``test_upgrade_lab.py``.
"""
from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from labchaos import maintenance_trial, rollback_trial, seed_from_env, trial_record, upgrade_trial
from labupgrade import SOURCE, TARGET, VERSIONS, boot, play, playbook_cloud

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

# seconds: the whole upgrade of the lab takes about 150 s, its part before finalize about 110 s, a rollback 40 s,
# a maintenance session over both computes about 45 s
UPGRADE_WITHIN, BEFORE_FINALIZE_WITHIN, ROLLBACK_WITHIN, MAINTENANCE_WITHIN = 150.0, 100.0, 40.0, 45.0
KINDS = ("rollback", "maintenance", "upgrade")


def fresh_lab(lab, work: Path) -> dict:
    """The lab at 2025.1 with 2026.1's venvs, two servers, discovered (the store keeps earlier trials)."""
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    cloud = playbook_cloud(lab.status(), work, schema_checks=True)
    conn = lab.connect()
    for i in range(2):
        boot(lab, conn, f"chaos-{time.monotonic():.0f}-{i}")
    play(cloud, "discover")
    return cloud


def test_crash_trials(lab, tmp_path):
    trials = int(os.environ.get("OSOPS_CHAOS_TRIALS", "3"))
    seed = seed_from_env()
    rng = random.Random(seed)
    record = Path(os.environ.get("OSOPS_CHAOS_RECORD", tmp_path / "chaos-trials.jsonl"))
    print(f"\ncrash trials: {trials}, seed {seed} (OSOPS_CHAOS_SEED={seed} replays them), record {record}")
    lab.labctl("down")  # the trials begin from a freshly brought-up lab
    cloud = fresh_lab(lab, tmp_path)
    extra = {"osops_upgrade_target_release": TARGET, "osops_upgrade_target_versions": VERSIONS[TARGET]}
    finished = 0
    for number in range(1, trials + 1):
        kind = KINDS[(number - 1) % len(KINDS)]
        entry = {"trial": number, "of": trials, "seed": seed, "kind": kind}
        try:
            if kind == "rollback":
                entry.update(rollback_trial(lab, cloud, rng, extra, SOURCE, BEFORE_FINALIZE_WITHIN, ROLLBACK_WITHIN))
            elif kind == "maintenance":
                entry.update(maintenance_trial(lab, cloud, rng, ["compute1", "compute2"], MAINTENANCE_WITHIN))
            else:
                entry.update(upgrade_trial(lab, cloud, rng, extra, UPGRADE_WITHIN))
        except BaseException as exc:
            entry["failed"] = f"{type(exc).__name__}: {exc}"[:4000]
            trial_record(record, entry)
            print(f"trial {number}/{trials} ({kind}) FAILED: {entry['failed'][:2000]}")
            raise
        finished += 1
        trial_record(record, entry)
        print(f"trial {number}/{trials} ({kind}) finished in {entry['seconds']} s; kills: "
              + "; ".join(f"at {k['moment']} s, running {k.get('running')}" if k["killed"] else
                          f"none (the play ended after {k['moment']} s)" for k in entry["kills"]))
        if kind == "upgrade" and number < trials:
            lab.labctl("down")
            cloud = fresh_lab(lab, tmp_path)
    print(f"crash trials finished: {finished} of {trials} (seed {seed})")
    assert finished == trials
