"""Rolling upgrades of the whole lab with the playbooks an operator runs, 2025.1 -> 2026.1 (SLURP).

Real keystone, glance, placement, nova (conductor, scheduler, API, two computes) and neutron, on
RabbitMQ and MariaDB, instances booted first; the playbooks run with ansible-playbook over SSH, and
what runs on the hosts is read independently of the collection: the command lines of the services'
processes under /proc, nova's ``services`` rows with SQL, keystone tokens and servers through
openstacksdk. One lab, two upgrades:

The three SIGKILLs fall at seeded random moments of their phase (a random batch of it, a random
delay after it shows running): the short version of the crash trials of ``tests/chaos``, checked
with the same invariants (``labchaos.py``): every service on the expected code, started exactly as
often as the store's done steps say (no step done twice, none skipped), the instances unchanged.

1. ``upgrade.yml``, SIGKILLed in the control phase and continued with
   ``upgrade_continue.yml``; cancelled from a second process during the compute phase: the running
   batch finishes, the upgrade is cancelled, and the cloud works at two versions (it boots an
   instance). ``upgrade_status.yml`` says where it stopped. ``upgrade_rollback.yml`` is refused before
   anything changes, naming that instance (2025.1's code cannot read what 2026.1 wrote for it); with
   ``osops_upgrade_rollback_ignore_newer_records`` (in check mode) it names it and goes on; deleted,
   ``upgrade_rollback.yml`` then takes every
   service back to its 2025.1 venv on the expanded schemas: keystone issues tokens, nova reports 2025.1's
   service version everywhere, and an instance boots and live-migrates.
2. ``upgrade.yml`` again (a new upgrade, the cluster being back at 2025.1), paused from a second
   process during the compute phase (the play stops after its running batch); compute2 drops off
   (its sshd stopped, its SSH sessions ended) and ``upgrade.yml`` fails at compute2's batch naming it,
   the other hosts as they were; compute2 back, continued, SIGKILLed
   in the next compute batch (compute2's), continued with ``upgrade_continue.yml``, SIGKILLed
   inside finalize and continued: completed, every step done, nova's control services restarted by
   finalize (the RPC pin lifts), every service at 2026.1 and nova's
   service versions at 2026.1's, instances ACTIVE and live-migratable, the readiness checks after the
   upgrade without a new Warning; a rollback is refused now that finalize ran.
"""
from __future__ import annotations

import json
import random
import re
import time

import pytest
from labchaos import Witness, check_finished, done_restarts, kill_in_batch, restarts_before_rollback, seed_from_env
from labupgrade import (SERVICE_VERSION, SOURCE, TARGET, VERSIONS, at, boot, issue_token, live_migrate,
                        drop_host, main_pids, nova_versions, play, playbook_cloud, restore_host, running_versions,
                        start, steps, upgrades, wait_step)

from ansible_collections.osops.lifecycle.tests.integration.report_page import assert_page_matches_store

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


@pytest.fixture(scope="module")
def cloud(lab, tmp_path_factory):
    lab.labctl("up", "--release", SOURCE)
    lab.labctl("install", "--release", TARGET)
    status = lab.status()
    return playbook_cloud(status, tmp_path_factory.mktemp("upgrade"), schema_checks=True,
                          # as the README sets it up: the readiness steps print their tables
                          ANSIBLE_CALLBACKS_ENABLED="osops.lifecycle.check_table")


def test_cancel_rollback_then_pause_kill_continue_complete(lab, cloud, record_property):
    conn = lab.connect()
    first = [boot(lab, conn, f"upgrade-lab-{i}") for i in range(2)]
    assert running_versions(lab) == at(SOURCE)
    play(cloud, "discover")
    extra = {"osops_upgrade_target_release": TARGET, "osops_upgrade_target_versions": VERSIONS[TARGET]}

    # The kills fall at seeded random moments of their phase (tests/chaos runs many such trials):
    # OSOPS_CHAOS_SEED=<the seed printed> replays them.
    seed = seed_from_env()
    rng = random.Random(seed)
    print(f"\nkills drawn with seed {seed}")
    record_property("chaos_seed", seed)

    # --- 1. killed in the control phase, continued; cancelled in the compute phase ---
    started = time.monotonic()
    witness = Witness(lab)
    proc = start(cloud, "upgrade", extra)
    kills = [kill_in_batch(lab, cloud, proc, rng, "in the control phase", lambda s: s["phase"] == "control", 3.0)]
    (upgrade,) = upgrades(cloud)
    assert upgrade["status"] == "running"  # a crash leaves it as it was: nobody paused or failed it
    cut_short = [s["position"] for s in steps(cloud, upgrade["id"]) if s["status"] == "running"]

    proc = start(cloud, "upgrade_continue")
    wait_step(lab, cloud, proc, "the compute phase", lambda s: s["phase"] == "compute")
    cancelled = play(cloud, "upgrade_cancel")
    assert proc.wait(timeout=600) == 0
    history = steps(cloud, upgrade["id"])
    assert upgrades(cloud)[0]["status"] == "cancelled", cancelled
    assert all(s["status"] == "done" for s in history if s["position"] in cut_short)
    compute = [s for s in history if s["phase"] == "compute"]
    # the running batch (compute1) finished; compute2's never started
    assert {s["status"] for s in compute if s["host"] == "compute1"} == {"done"}
    assert {s["status"] for s in compute if s["host"] == "compute2"} == {"pending"}
    mixed = running_versions(lab)
    assert mixed == {**at(TARGET), "nova-compute@compute2": VERSIONS[SOURCE]["nova"]}, mixed
    versions = nova_versions(lab)
    assert versions["nova-compute@compute1"] == SERVICE_VERSION[TARGET], versions
    assert versions["nova-compute@compute2"] == SERVICE_VERSION[SOURCE], versions
    mixed_server = boot(lab, conn, "upgrade-lab-mixed")  # the cloud works at two versions (RPC pin)
    status = play(cloud, "upgrade_status")
    assert re.search(r"\| status +\| cancelled +\|", status) and re.search(
        r"\| nova +\| 31\.3\.1 on 1 host, 33\.0\.2 on 2 hosts +\|", status), status
    # A server the 2026.1 control plane created carries records in 2026.1's object versions (its request
    # spec's ImageMetaProps 1.42), which 2025.1's code cannot read (docs/upgrades.md): the rollback is refused
    # before anything changes, naming it; once it is deleted, the rollback runs.
    refused = play(cloud, "upgrade_rollback", expect_rc=2)
    assert "refused before anything changed (it stays cancelled)" in refused, refused[-4000:]
    assert (f"server {mixed_server} (upgrade-lab-mixed, cell1) request_specs.spec: ImageMetaProps 1.42 at "
            "spec.image.properties (nova 31.3.1 reads up to 1.39)") in refused, refused[-4000:]
    assert "osops.lifecycle.upgrade_continue" in refused and "osops_upgrade_rollback_ignore_newer_records" in refused
    assert not any(server in refused for server in first), refused[-4000:]  # the servers from before are readable
    assert upgrades(cloud)[0]["status"] == "cancelled"
    assert steps(cloud, upgrade["id"]) == history  # no step moved
    assert running_versions(lab) == mixed  # nothing switched
    # osops_upgrade_rollback_ignore_newer_records turns the refusal into a notice naming the server (in check
    # mode here: a rollback that leaves that server unreadable would break the rest of this scenario)
    anyway = play(cloud, "upgrade_rollback", {"osops_upgrade_rollback_ignore_newer_records": True}, 0, "--check")
    assert ("Rolling back although the nova code it goes back to cannot read the records of "
            f"{mixed_server}") in anyway, anyway[-4000:]
    assert "refused before anything changed" not in anyway, anyway[-4000:]
    assert upgrades(cloud)[0]["status"] == "cancelled" and steps(cloud, upgrade["id"]) == history
    assert running_versions(lab) == mixed
    conn.compute.delete_server(mixed_server)
    lab.wait_for("the mixed-state server deleted", lambda: conn.compute.find_server(mixed_server, ignore_missing=True)
                 is None, 120)

    expected = restarts_before_rollback(lab, cloud, upgrade["id"], SOURCE)
    play(cloud, "upgrade_rollback")
    assert upgrades(cloud)[0]["status"] == "rolled_back"
    # every service back on 2025.1's code, started exactly as often as the store's steps say, same instances
    check_finished(lab, cloud, upgrade["id"], SOURCE, witness, kills, expected)
    assert running_versions(lab) == at(SOURCE)
    assert set(nova_versions(lab).values()) == {SERVICE_VERSION[SOURCE]}
    assert issue_token(lab)
    old_code_server = boot(lab, conn, "upgrade-lab-rolled-back")
    live_migrate(lab, conn, old_code_server)
    record_property("first_upgrade_and_rollback_seconds", round(time.monotonic() - started, 1))

    # --- 2. a new upgrade: paused in the compute phase, continued, killed in compute2's batch, continued,
    # killed in finalize, continued ---
    play(cloud, "discover")
    started = time.monotonic()
    witness = Witness(lab)
    proc = start(cloud, "upgrade", extra)
    wait_step(lab, cloud, proc, "the compute phase", lambda s: s["phase"] == "compute")
    play(cloud, "upgrade_pause")
    assert proc.wait(timeout=600) == 0
    second = upgrades(cloud)[-1]
    # nova's control services finalize will restart (on the code they run since the control phase)
    to_restart = [f"{json.loads(s['detail'])['binary']}@{s['host']}" for s in steps(cloud, second["id"])
                  if s["phase"] == "finalize" and s["action"] == "restart" and s["status"] != "done"]
    assert to_restart
    control_pids = dict((name, main_pids(lab)[name]) for name in to_restart)
    assert second["id"] != upgrade["id"] and second["status"] == "paused"
    status = play(cloud, "upgrade_status")
    assert re.search(r"\| status +\| paused +\|", status) and re.search(r"\| phase +\| compute, ", status), status
    paused_at = [s for s in steps(cloud, second["id"]) if s["status"] != "done"]
    assert paused_at and paused_at[0]["phase"] in ("compute", "finalize")

    # compute2 drops off (its sshd stopped, its sessions ended): continued, the upgrade fails at
    # compute2's batch naming it; every other host keeps its state. Back, the upgrade goes on.
    before_drop = steps(cloud, second["id"])
    drop_host(lab, "compute2")
    try:
        dropped = play(cloud, "upgrade", extra, (2, 4))  # failed, or a host unreachable
    finally:
        restore_host(lab, "compute2")
    failed = upgrades(cloud)[-1]
    assert failed["status"] == "failed", (failed, dropped[-3000:])
    assert "compute2" in failed["error"] and "unreachable" in failed["error"], failed
    assert f"Upgrade {second['id']} failed: " in dropped and "compute2" in dropped, dropped[-3000:]
    assert "UNREACHABLE" in dropped and "Traceback" not in dropped, dropped[-3000:]
    after_drop = steps(cloud, second["id"])
    assert {s["status"] for s in after_drop if s["host"] == "compute2" and s["phase"] == "compute"} == {"failed"}
    assert [s for s in after_drop if s["host"] != "compute2" or s["phase"] != "compute"] == [
        s for s in before_drop if s["host"] != "compute2" or s["phase"] != "compute"]
    assert running_versions(lab) == {**at(TARGET), "nova-compute@compute2": VERSIONS[SOURCE]["nova"]}

    proc = start(cloud, "upgrade", extra)  # upgrade.yml again continues the failed upgrade (retries compute2)
    kills = [kill_in_batch(lab, cloud, proc, rng, "in compute2's batch",
                           lambda s: s["phase"] == "compute" and s["host"] == "compute2", 8.0)]
    assert upgrades(cloud)[-1]["status"] == "running"
    cut_short = [s["position"] for s in steps(cloud, second["id"]) if s["status"] == "running"]
    proc = start(cloud, "upgrade_continue")
    kills.append(kill_in_batch(lab, cloud, proc, rng, "in finalize", lambda s: s["phase"] == "finalize", 4.0))
    assert all(s["status"] == "done" for s in steps(cloud, second["id"]) if s["position"] in cut_short)
    out = play(cloud, "upgrade", extra)
    assert "completed" in out and "Completed - every step is done." in out, out[-3000:]
    took = time.monotonic() - started
    history = steps(cloud, second["id"])
    assert [s["status"] for s in history] == ["done"] * len(history)
    assert upgrades(cloud)[-1]["status"] == "completed"
    after = next(s for s in history if s["action"] == "readiness" and json.loads(s["detail"])["when"] == "after")
    before = next(s for s in history if s["action"] == "readiness" and json.loads(s["detail"])["when"] == "before")
    assert set(json.loads(after["detail"])["warnings"]) <= set(json.loads(before["detail"])["warnings"])
    assert running_versions(lab) == at(TARGET)
    # every service on 2026.1's code, started as often as the store's done restarts say (a step done
    # twice would start its service once more), the same instances
    check_finished(lab, cloud, second["id"], TARGET, witness, kills, done_restarts(cloud, second["id"]))
    assert set(nova_versions(lab).values()) == {SERVICE_VERSION[TARGET]}
    # finalize restarted them: with [upgrade_levels] compute = auto, the RPC pin lifts
    now_pids = main_pids(lab)
    assert all(now_pids[name] != pid for name, pid in control_pids.items()), (control_pids, now_pids)
    assert issue_token(lab)
    for server_id in first + [old_code_server]:
        server = conn.compute.get_server(server_id)
        assert (server.status, server.power_state) == ("ACTIVE", 1), (server.name, server.status, server.power_state)
    # a server from before both upgrades, its compute restarted by each upgrade, the rollback and the kills,
    # moves on the upgraded cloud
    live_migrate(lab, conn, first[0])

    refused = play(cloud, "upgrade_rollback", expect_rc=2)
    assert "cannot be rolled back: its finalize phase started" in refused, refused[-3000:]
    assert upgrades(cloud)[-1]["status"] == "completed"
    record_property("second_upgrade_seconds", round(took, 1))

    # --- 3. the HTML reports, opened in Chromium: what they show is what the store holds ---
    report = cloud["work"] / "reports" / f"upgrade-{second['id']}.html"
    assert f"report: {report}" in out, out[-3000:]  # the upgrade role wrote it at the end of its run
    page, truth = assert_page_matches_store(str(report), f"sqlite:///{cloud['store']}", second["id"],
                                            "upgrade-report-lab-completed")
    assert truth["marks"][-1] == "completed" and "paused" in truth["marks"]
    assert [row["host"] for row in page["rows"]] == ["lab", "controller", "compute1", "compute2"]
    # nova's hosts: the controller (conductor, scheduler, api) and the two computes
    assert page["versions"]["nova"] == {"before": f"{VERSIONS[SOURCE]['nova']} × 3", "after": f"{VERSIONS[TARGET]['nova']} × 3"}
    assert set(page["checks"]) == {"before", "after"}
    out = play(cloud, "upgrade_report", {"osops_upgrade_id": upgrade["id"]})  # the first one, on demand
    report = cloud["work"] / "reports" / f"upgrade-{upgrade['id']}.html"
    assert f"report: {report}" in out, out[-3000:]
    page, truth = assert_page_matches_store(str(report), f"sqlite:///{cloud['store']}", upgrade["id"],
                                            "upgrade-report-lab-rolled-back")
    assert "cancelling" in truth["marks"] and truth["marks"][-1] == "rolled_back"
