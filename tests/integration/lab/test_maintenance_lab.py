"""Maintenance sessions on the real lab: playbooks/maintenance.yml through real ansible-playbook runs.

One lab (three computes) and one scenario:

- six instances on compute1 and compute2 (per host: an ACTIVE one, a SHUTOFF one and a member of an
  anti-affinity group); the session's modules alone (``compute_service`` disabling and enabling compute3,
  each twice - the second run changes nothing -, ``compute_host_drain`` draining the disabled and empty
  compute3 - nothing to do - and planning compute1's drain in check mode - nothing moves, compute1 stays
  enabled); the plan in check mode (nothing recorded, nothing changed), for the two hosts and
  for ``hosts: []`` (the cluster's three computes, two at a time, the empty one first), and with compute2
  disabled outside any session for compute3 and compute1 two at a time (serialised: the zone cannot absorb
  compute1 beside compute3; nothing changed);
- session A over compute1 and compute2, an application manager (an HTTP server of this test on
  127.0.0.1, named by the instances' project's property ``maintenance_webhook``, which wins over the
  session's webhook) that ACKs: each host disabled during its turn with the session in the reason,
  notified, drained (live for ACTIVE, cold for SHUTOFF; the instances' own ``maintenance_move``: web-1
  ``cold``, web-2 ``stop_start``, aa-1 ``owner`` - the manager live-migrates it itself once the drain
  runs), a host action over SSH writes a marker, enabled, verified; nothing lost, power states kept,
  anti-affinity honoured, nova's migration types as preferred, no migration onto a host while it was
  disabled, maintenance_session_info lists every step with times; cluster_info ``active`` after;
- session B over compute2 and compute3 (the project's property removed: the session's webhook): the manager
  ACKs compute2 and NACKs compute3 - the session fails
  at compute3's notify with the manager's reason, compute3's instances stay, cluster_info ``maintenance``;
  continued with the manager silent (timeout -> the session's default action, ACK) and ansible-playbook
  SIGKILLed (its whole process tree) while nova moves compute3's instances in its drain; continued - the drain
  takes over the migrations left in flight, none migrated twice - and a host action that fails for real on
  compute3 - failed at that step, nothing after it ran; the cause removed but compute3 dropped off (sshd
  stopped, its SSH sessions ended), continued - failed at compute3's host action, naming the host as
  unreachable, nothing else moved; compute3 back, continued again - completes without running a
  finished step again, every instance in its original status.

The lab (``OSOPS_LAB_NET`` / ``OSOPS_LAB_HOME`` pick which) is brought up at ``OSOPS_LAB_SOURCE``
(default 2025.1) with three computes and down at the end.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from labcompute import LOCAL_PLAY, REASON
from labupgrade import drop_host, kill_tree, restore_host

pytestmark = [
    pytest.mark.lab,
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "lab"))
sys.dont_write_bytecode, _bytecode = True, sys.dont_write_bytecode  # labctl keeps __pycache__ out of tests/lab
from osops_lab.cloud import ensure_image_and_flavor  # noqa: E402  (the lab's image and flavor)
sys.dont_write_bytecode = _bytecode

BIN = Path(sys.executable).parent
SOURCE = os.environ.get("OSOPS_LAB_SOURCE", "2025.1")
MARKER = "/tmp/osops-maintenance-lab-{{ inventory_hostname }}"  # written on the host over SSH
FAIL_FLAG = "/tmp/osops-maintenance-lab-fail-{{ inventory_hostname }}"

HOST_ACTION = f"""
- name: Refuse while the fail flag is there (a host action that fails for real)
  ansible.builtin.stat:
    path: "{FAIL_FLAG}"
  register: flag
  failed_when: flag.stat.exists

- name: Write the marker on the host (over SSH; SSH_CONNECTION names the address reached)
  ansible.builtin.shell: echo "{{{{ osops_maintenance_action.session }}}} $SSH_CONNECTION" > {MARKER}
  changed_when: true
"""

# The session's building blocks alone (compute_service, compute_host_drain), each step registered: a disable
# and an enable each run twice (the second changes nothing), the drain of the disabled host, which holds no
# instance (nothing to do), and the drain of a host with instances in check mode (the plan, nothing moves).
MODULES = LOCAL_PLAY.format(name="The maintenance modules alone") + """\
    - name: Disable compute3
      osops.lifecycle.compute_service: {hosts: [compute3], state: disabled, disabled_reason: "{{ reason }}"}
      register: disable
    - name: Disable compute3 again
      osops.lifecycle.compute_service: {hosts: [compute3], state: disabled, disabled_reason: "{{ reason }}"}
      register: disable_again
    - name: Drain compute3, which holds no instance
      osops.lifecycle.compute_host_drain: {host: compute3}
      register: empty
    - name: Plan compute1's drain
      osops.lifecycle.compute_host_drain: {host: compute1, parallel: 2, migration_timeout: 300}
      check_mode: true
      register: plan
    - name: Enable compute3
      osops.lifecycle.compute_service: {hosts: [compute3], state: enabled}
      register: enable
    - name: Enable compute3 again
      osops.lifecycle.compute_service: {hosts: [compute3], state: enabled}
      register: enable_again
    - name: Save the results
      ansible.builtin.copy:
        content: "{{ {'disable': disable, 'disable_again': disable_again, 'plan': plan, 'empty': empty,
                      'enable': enable, 'enable_again': enable_again} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""

INFO = """
- name: Read the session and the cluster
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The session
      osops.lifecycle.maintenance_session_info:
        id: "{{ session_id }}"
        store: "{{ store }}"
      register: info
    - name: The cluster
      osops.lifecycle.cluster_info:
        name: lab
        store: "{{ store }}"
      register: cluster
    - name: Save them
      ansible.builtin.copy:
        content: "{{ {'session': info.sessions[0], 'cluster': cluster.clusters[0]} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


class Manager:
    """The application's manager: answers per host ``ACK``, ``NACK`` (with a reason) or nothing (``SILENT``);
    ``paths`` the URL path of each notification.  The instances of ``owned`` (name -> destination host) it
    moves itself: once notified, and once the drain of their host moves another instance (so that the drain
    watches the owner's move), it live-migrates them (``owner_moves``: name -> None or the error)."""

    def __init__(self):
        self.mode, self.received, self.paths, self.owned, self.owner_moves = {}, [], [], {}, {}
        self.connect = None  # () -> an openstacksdk connection (one per thread)
        manager = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                mode = manager.mode.get(body["host"], "ACK")
                manager.received.append((body, mode))
                manager.paths.append(self.path)
                for instance in body["instances"]:
                    if instance["name"] in manager.owned and mode == "ACK":
                        threading.Thread(target=manager.move, args=(instance, body["instances"]), daemon=True).start()
                if mode == "SILENT":
                    time.sleep(body["reply_timeout"] + 3)
                answer = json.dumps({"reply": mode} if mode != "NACK" else
                                    {"reply": "NACK", "reason": f"database resync on {body['host']}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # silent: the client gave up
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/maintenance"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def move(self, instance, others):
        """As an owner: live-migrate ``instance`` once the drain moves one of ``others``, to its chosen host."""
        try:
            conn = self.connect()
            deadline = time.monotonic() + 240
            others = [o["id"] for o in others if o["id"] != instance["id"]]
            while not any(s.task_state or s.status == "VERIFY_RESIZE" for s in map(conn.compute.get_server, others)):
                assert time.monotonic() < deadline, "the drain moved nothing within 240 s"
                time.sleep(0.5)
            conn.compute.live_migrate_server(instance["id"], host=self.owned[instance["name"]], block_migration="auto")
            self.owner_moves[instance["name"]] = None
        except Exception as exc:  # noqa: BLE001  (reported to the test)
            self.owner_moves[instance["name"]] = repr(exc)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def cloud(lab, tmp_path_factory):
    lab.labctl("up", "--release", SOURCE, "--computes", "3")
    status = lab.status()
    work = tmp_path_factory.mktemp("maintenance")
    store = f"sqlite:///{work / 'store.db'}"
    link = ROOT / ".cache" / "collections" / "ansible_collections" / "osops" / "lifecycle"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    (work / "host_action.yml").write_text(HOST_ACTION)
    (work / "info.yml").write_text(INFO)
    (work / "modules.yml").write_text(MODULES)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               OS_CLIENT_CONFIG_FILE=status["clouds_yaml"], ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_HOST_KEY_CHECKING="True", ANSIBLE_LOCAL_TEMP=str(work / "tmp"), PYTHONWARNINGS="ignore")
    for key in [k for k in env if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        del env[key]
    manager = Manager()
    yield {"status": status, "work": work, "store": store, "env": env, "manager": manager,
           "vars": {"osops_maintenance_cluster": "lab", "osops_maintenance_cloud": "lab",
                    "osops_maintenance_store": store, "osops_maintenance_migration_timeout": 300}}
    manager.close()


def play(cloud, playbook: str, extra: dict, expect_rc: int | tuple[int, ...] = 0, check: bool = False) -> str:
    """ansible-playbook over the lab's inventory; its output (the test fails on another exit code)."""
    target = f"osops.lifecycle.{playbook}" if "/" not in playbook else playbook
    command = [str(BIN / "ansible-playbook"), "-i", cloud["status"]["inventory"], "-e", json.dumps(extra), target]
    proc = subprocess.run(command + (["--check"] if check else []), env=cloud["env"], capture_output=True, text=True,
                          check=False, timeout=1500)
    out = proc.stdout + proc.stderr
    (cloud["work"] / f"{Path(playbook).stem}-{time.monotonic():.0f}.log").write_text(out)
    assert proc.returncode in ((expect_rc,) if isinstance(expect_rc, int) else expect_rc), out[-8000:]
    return out


#: a cold migration past nova's scheduler (a "No valid host" leaves it in status error instead): it ends in
#: finished - the instance in VERIFY_RESIZE - and stays there until the drain confirms it
PAST_THE_SCHEDULER = ("migrating", "post-migrating", "finished")


def maintenance_killed_in_drain(cloud, conn, extra: dict, session_id: str, host: str) -> dict[str, str]:
    """maintenance.yml, SIGKILLed with every process under it (ansible-playbook, its workers - in sessions of
    their own - and the drain module: a crash of the controller) once the store shows ``host``'s drain step
    running and one of the drain's own cold migrations off ``host`` (web-1's, db-1's; aa-1 is moved by its
    owner) is past nova's scheduler; those migrations, name -> status, as seen just before the kill."""
    command = [str(BIN / "ansible-playbook"), "-i", cloud["status"]["inventory"], "-e",
               json.dumps({**cloud["vars"], **extra}), "osops.lifecycle.maintenance"]
    log = cloud["work"] / f"maintenance-killed-{time.monotonic():.0f}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=cloud["env"], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    store = cloud["store"].removeprefix("sqlite:///")
    deadline = time.monotonic() + 300
    moving = {s.id: s.name for s in conn.compute.servers(all_projects=True) if s.name in ("web-1", "db-1", "aa-1")}
    names = {i: name for i, name in moving.items() if name != "aa-1"}  # the drain's own moves
    running = None  # when the store showed the drain step running
    in_flight: dict[str, str] = {}
    try:
        while True:
            assert proc.poll() is None, f"the play ended before {host}'s drain: " + log.read_text()[-4000:]
            assert time.monotonic() < deadline, f"{host}'s drain never ran: " + log.read_text()[-4000:]
            if running is None:
                with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
                    row = db.execute("SELECT status FROM maintenance_steps WHERE session_id = ? AND host = ? AND "
                                     "action = 'drain'", (session_id, host)).fetchone()
                running = time.monotonic() if row and row[0] == "running" else None
            # then as soon as one of the drain's own migrations is past the scheduler (under load the scheduler
            # may refuse a first try, which the drain retries: a kill then would leave nothing in flight)
            if running is not None:
                in_flight = {names[m.server_id]: m.status for m in conn.compute.migrations(source_compute=host)
                             if m.server_id in names and m.status in PAST_THE_SCHEDULER}
                if in_flight:
                    break
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            kill_tree(proc.pid)
        proc.wait()
    if running is not None:
        print(f"\nkilled {time.monotonic() - running:.1f} s after the store showed {host}'s drain running: "
              + ", ".join(f"{s.name} {s.compute_host} {s.status} {s.task_state}" for s in map(conn.compute.get_server, moving)))
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    return in_flight


def maintenance(cloud, extra: dict, expect_rc: int | tuple[int, ...] = 0, check: bool = False) -> str:
    return play(cloud, "maintenance", {**cloud["vars"], **extra}, expect_rc, check)


def info(cloud, session_id: str) -> tuple[dict, dict]:
    """maintenance_session_info of the session and cluster_info of the lab (real module runs)."""
    result = cloud["work"] / "info.json"
    play(cloud, str(cloud["work"] / "info.yml"),
         {"session_id": session_id, "store": cloud["store"], "result_file": str(result),
          "ansible_python_interpreter": sys.executable})
    data = json.loads(result.read_text())
    return data["session"], data["cluster"]


def session_id_of(output: str) -> str:
    line = next(line for line in output.splitlines() if "Maintenance session " in line and ": MAINTENANCE_" in line)
    return line.split("Maintenance session ", 1)[1].split(":", 1)[0]


def boot(lab, conn, specs: dict[str, tuple[str, str]], group_id: str) -> dict[str, str]:
    """name -> id of servers booted as ``specs`` (name -> (host, 'ACTIVE'|'SHUTOFF'|'AA')); AA ones join the
    anti-affinity group."""
    image_id, flavor_id = ensure_image_and_flavor(conn)
    ids = {}
    for name, (host, kind) in specs.items():
        hints = {"group": group_id} if kind == "AA" else {}
        ids[name] = conn.compute.create_server(name=name, image_id=image_id, flavor_id=flavor_id, networks="none",
                                               availability_zone=f"nova:{host}", scheduler_hints=hints).id

    def active():
        servers = [conn.compute.get_server(i) for i in ids.values()]
        assert not [s.name for s in servers if s.status == "ERROR"], "a server went to ERROR while booting"
        return all(s.status == "ACTIVE" for s in servers)
    lab.wait_for("the instances ACTIVE", active, 300)
    for name, (_host, kind) in specs.items():
        if kind == "SHUTOFF":
            conn.compute.stop_server(ids[name])
    lab.wait_for("the SHUTOFF ones stopped", lambda: all(
        conn.compute.get_server(ids[n]).status == "SHUTOFF" for n, (_h, k) in specs.items() if k == "SHUTOFF"), 180)
    return ids


def where(conn, ids: dict[str, str]) -> dict[str, tuple]:
    return {name: (s.compute_host, s.status, s.task_state)
            for name, s in ((name, conn.compute.get_server(i)) for name, i in ids.items())}


def when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def steps_of(session: dict, host: str | None = None) -> dict[str, dict]:
    return {s["action"]: s for s in session["steps"] if host is None or s["host"] == host}


def assert_no_migration_into_disabled_host(conn, ids: dict[str, str], session: dict) -> None:
    """No migration (nova's records) went to a session host between its disable and its enable."""
    windows = {}
    for host in {s["host"] for s in session["steps"] if s["host"]}:
        mine = steps_of(session, host)
        windows[host] = (when(mine["disable"]["started_at"]), when(mine["enable"]["finished_at"]))
    for server_id in ids.values():
        for migration in conn.compute.migrations(server_id=server_id):
            created = when(migration.created_at)
            window = windows.get(migration.dest_compute)
            assert not (window and window[0] <= created <= window[1]), (
                f"{server_id} migrated onto {migration.dest_compute} while it was disabled ({migration.created_at})")


def test_sessions_ack_nack_silence_failure_and_update(lab, cloud, record_property):
    timings, started = {}, time.monotonic()
    conn = lab.connect()
    manager = cloud["manager"]
    for server in list(conn.compute.servers(all_projects=True)):  # a lab left up by an earlier run
        conn.compute.delete_server(server.id)
        conn.compute.wait_for_delete(server)
    play(cloud, "discover", {"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                             "osops_discover_cloud": "lab", "osops_discover_store": cloud["store"]})
    group = conn.compute.create_server_group(name=f"aa-{time.time():.0f}", policies=["anti-affinity"])
    ids = boot(lab, conn, {"web-1": ("compute1", "ACTIVE"), "db-1": ("compute1", "SHUTOFF"),
                           "aa-1": ("compute1", "AA"), "web-2": ("compute2", "ACTIVE"),
                           "db-2": ("compute2", "SHUTOFF"), "aa-2": ("compute2", "AA")}, group.id)
    before = where(conn, ids)
    statuses = {name: state[1] for name, state in before.items()}
    timings["discover and boot"] = time.monotonic() - started

    # The modules alone: disable and enable are idempotent, an empty disabled host's drain has nothing to do, the
    # drain's check mode plans and changes nothing (compute1 stays enabled); nova read back independently.
    mark = time.monotonic()
    result = cloud["work"] / "modules.json"
    play(cloud, str(cloud["work"] / "modules.yml"), {"reason": REASON,
                                                     "result_file": str(result),
                                                     "ansible_python_interpreter": sys.executable})
    modules = json.loads(result.read_text())
    assert (modules["disable"]["changed"], modules["disable_again"]["changed"]) == (True, False), modules
    assert modules["disable"]["services"][0]["status"] == "disabled", modules["disable"]
    assert modules["plan"]["changed"] is True, modules["plan"]
    assert {(i["name"], i["method"], i["outcome"]) for i in modules["plan"]["instances"]} == {
        ("web-1", "live", "planned"), ("aa-1", "live", "planned"), ("db-1", "cold", "planned")}, modules["plan"]
    assert (modules["empty"]["changed"], modules["empty"]["msg"], modules["empty"]["instances"]) == (
        False, "host compute3 has no instances", [])
    assert (modules["enable"]["changed"], modules["enable_again"]["changed"]) == (True, False), modules
    assert where(conn, ids) == before
    assert all(not list(conn.compute.migrations(server_id=i)) for i in ids.values())
    assert {s.host: (s.status, s.disabled_reason, s.state) for s in conn.compute.services()
            if s.binary == "nova-compute"} == dict.fromkeys(["compute1", "compute2", "compute3"], ("enabled", None, "up"))
    timings["the modules alone"] = time.monotonic() - mark

    # Check mode: the plan, nothing recorded, nothing changed.
    mark = time.monotonic()
    session_a = {"osops_maintenance_hosts": ["compute1", "compute2"],
                 "osops_maintenance_metadata": {"webhook": manager.url, "notify_timeout": 20, "reason": "kernel CHG-12"},
                 "osops_maintenance_actions": [{"plugin": str(cloud["work"] / "host_action.yml"), "type": "host"}]}
    out = maintenance(cloud, session_a, check=True)
    assert "(check mode: nothing recorded, nothing changed)" in out
    assert "batch 1 (az nova): compute1" in out and "batch 2 (az nova): compute2" in out
    assert where(conn, ids) == before and not manager.received
    assert all(s.status == "enabled" for s in conn.compute.services() if s.binary == "nova-compute")
    # hosts: [] - every compute of the cluster's record (discovered), planned two at a time: the empty one first
    out = maintenance(cloud, dict(session_a, osops_maintenance_hosts=[], osops_maintenance_max_parallel=2), check=True)
    assert "Maintenance session (check mode) created over 3 hosts" in out, out[-3000:]
    batches = [line.strip(' ",').split(": ", 1)[1].split(" - ", 1)[0].split(", ")
               for line in out.splitlines() if line.strip(' "').startswith("batch ")]
    assert batches[0][0] == "compute3" and "compute3 (empty): empty hosts go first" in out, batches
    assert sorted(h for batch in batches for h in batch) == ["compute1", "compute2", "compute3"], batches
    assert all(len(batch) <= 2 for batch in batches), batches
    # compute2 disabled outside any session: compute3 and compute1 asked two at a time are serialised, the zone
    # cannot absorb compute1 beside compute3 (it would have: compute2 takes 3 instances), and the plan says so.
    compute2 = next(s for s in conn.compute.services() if (s.binary, s.host) == ("nova-compute", "compute2"))
    conn.compute.disable_service(compute2, disabled_reason="out of service, not in a session")
    try:
        out = maintenance(cloud, dict(session_a, osops_maintenance_hosts=["compute3", "compute1"],
                                      osops_maintenance_max_parallel=2), check=True)
        services = {s.host: (s.status, s.disabled_reason) for s in conn.compute.services() if s.binary == "nova-compute"}
    finally:
        conn.compute.enable_service(compute2)
    assert "batch 1 (az nova): compute3 - compute3 (empty): empty hosts go first" in out, out[-3000:]
    assert "batch 2 (az nova): compute1 - compute1 (3 instances)" in out, out[-3000:]
    assert ("compute1 waits, though max_parallel is 2, and so do the hosts after it: with compute3 out, "
            "availability zone nova cannot absorb the instances of compute1 (") in out, out[-3000:]
    assert services == {"compute1": ("enabled", None), "compute3": ("enabled", None),
                        "compute2": ("disabled", "out of service, not in a session")}  # nothing changed
    with sqlite3.connect(f"file:{cloud['store'].removeprefix('sqlite:///')}?mode=ro", uri=True) as db:
        assert db.execute("SELECT count(*) FROM maintenance_sessions").fetchone() == (0,)  # nothing recorded
    assert where(conn, ids) == before and not manager.received
    timings["check mode (three times)"] = time.monotonic() - mark

    # Session A: the manager ACKs, named by the project (before the session's webhook); instances with their
    # own preference: web-1 cold, web-2 stop_start, aa-1 moved by its owner (the manager) to compute3.
    mark = time.monotonic()
    preferences = {"web-1": "cold", "web-2": "stop_start", "aa-1": "owner"}
    for name, value in preferences.items():
        conn.compute.set_server_metadata(ids[name], maintenance_move=value)
    project_id = conn.compute.get_server(ids["web-1"]).project_id
    conn.identity.update_project(project_id, maintenance_webhook=manager.url.replace("/maintenance", "/project"))
    manager.connect, manager.owned = lab.connect, {"aa-1": "compute3"}
    out = maintenance(cloud, session_a)
    timings["session A (2 hosts)"] = time.monotonic() - mark
    sid = session_id_of(out)
    session, cluster = info(cloud, sid)
    assert session["state"] == "MAINTENANCE_DONE" and cluster["state"] == "active", (session["reason"], cluster)
    workflow = ["disable", "notify", "drain", "host_action", "enable", "verify"]
    assert [s["action"] for s in session["steps"]] == workflow * 2
    for step in session["steps"]:
        assert step["status"] == "done" and step["attempts"] == 1, step
        assert when(step["started_at"]) <= when(step["finished_at"]), step
    first, second = steps_of(session, "compute1"), steps_of(session, "compute2")
    assert when(first["verify"]["finished_at"]) <= when(second["disable"]["started_at"])  # one host at a time
    for host, mine in (("compute1", first), ("compute2", second)):
        assert mine["disable"]["detail"]["msg"] == f"nova-compute disabled: maintenance session {sid}: kernel CHG-12"
        drained = {i["name"]: i for i in mine["drain"]["detail"]["instances"]}
        assert {n: (i["method"], i["preference"], i["outcome"]) for n, i in drained.items()} == {
            n: (preferences.get(n, "cold" if statuses[n] == "SHUTOFF" else "live"), preferences.get(n), "moved")
            for n in drained}
        assert len(drained) == 3
        # nova's scheduler may refuse aa-2 for a while (its view still has aa-1 on compute1): said, then moved
        lagged = [f"{n}: {i['message']}" for n, i in drained.items() if i["message"] and n != "aa-1"]
        assert all("found no valid host" in m for m in lagged), lagged
        print(f"\n{host} drain: " + ("; ".join(lagged) or "no instance refused by the scheduler"))
        marker = lab.ssh(host, f"cat {MARKER.replace('{{ inventory_hostname }}', host)}").stdout.split()
        address = next(h["address"] for h in cloud["status"]["hosts"] if h["name"] == host)
        assert marker[0] == sid and marker[3] == address, marker  # written by the session over SSH to the host
        assert when(mine["drain"]["finished_at"]) <= when(mine["host_action"]["started_at"])
        assert when(mine["host_action"]["finished_at"]) <= when(mine["enable"]["started_at"])
    owned = next(i for i in first["drain"]["detail"]["instances"] if i["name"] == "aa-1")
    assert (owned["to"], owned["message"]) == ("compute3", "moved by its owner to compute3 (ACTIVE)"), owned
    assert manager.owner_moves == {"aa-1": None}
    assert [(b["host"], mode) for b, mode in manager.received] == [("compute1", "ACK"), ("compute2", "ACK")]
    assert manager.paths == ["/project", "/project"]  # the project's manager, not the session's
    assert sorted(i["name"] for i in manager.received[0][0]["instances"]) == ["aa-1", "db-1", "web-1"]
    assert all(b["session"] == sid for b, _mode in manager.received)
    after = where(conn, ids)
    assert {n: s[1:] for n, s in after.items()} == {n: (statuses[n], None) for n in ids}  # none lost, states kept
    assert after["aa-1"][0] != after["aa-2"][0]  # anti-affinity honoured
    assert all(host == "compute3" for host, _s, _t in (after[n] for n in ("web-1", "db-1", "aa-1")))  # the plan's target
    assert all(host == "compute1" for host, _s, _t in (after[n] for n in ("web-2", "db-2", "aa-2")))  # maintained first
    assert_no_migration_into_disabled_host(conn, ids, session)
    # nova's records (a migration its scheduler refused is an "error" record): the type each preference asked
    types = {n: [m.migration_type for m in conn.compute.migrations(server_id=ids[n]) if m.status != "error"]
             for n in ids}
    assert types == {"web-1": ["migration"], "db-1": ["migration"], "aa-1": ["live-migration"],
                     "web-2": ["migration"], "db-2": ["migration"], "aa-2": ["live-migration"]}, types
    for service in conn.compute.services():
        if service.binary == "nova-compute":
            assert (service.status, service.state, service.disabled_reason) == ("enabled", "up", None), service
    record_property("session_a_steps", len(session["steps"]))
    for name in preferences:  # session B: every instance as nova's status says, the session's manager
        conn.compute.delete_server_metadata(ids[name], ["maintenance_move"])
    conn.identity.update_project(project_id, maintenance_webhook=None)

    # Session B over compute2 (empty) and compute3 (3 instances): compute3 NACKed -> failed, instances stay.
    mark = time.monotonic()
    manager.received.clear()
    manager.paths.clear()
    manager.mode.update({"compute2": "ACK", "compute3": "NACK"})
    session_b = dict(session_a, osops_maintenance_hosts=["compute2", "compute3"],
                     osops_maintenance_metadata={"webhook": manager.url, "notify_timeout": 3, "default_action": "ACK"})
    lab.ssh("compute3", f"touch {FAIL_FLAG.replace('{{ inventory_hostname }}', 'compute3')}")
    out = maintenance(cloud, session_b, expect_rc=2)
    timings["session B: NACK"] = time.monotonic() - mark
    assert "answered NACK: database resync on compute3" in out
    assert manager.paths and set(manager.paths) == {"/maintenance"}  # no project property: the session's webhook
    sid_b = next(line.split("osops_maintenance_session_id=", 1)[1].split()[0].strip('",')
                 for line in out.splitlines() if "osops_maintenance_session_id=" in line)
    session, cluster = info(cloud, sid_b)
    assert session["state"] == "MAINTENANCE_FAILED" and cluster["state"] == "maintenance"
    assert session["reason"].startswith("step 8 (notify on compute3) failed: The application manager refused")
    assert {s["action"]: s["status"] for s in steps_of(session, "compute2").values()} == dict.fromkeys(
        ["disable", "notify", "drain", "host_action", "enable", "verify"], "done")
    assert {a: s["status"] for a, s in steps_of(session, "compute3").items()} == {
        "disable": "done", "notify": "failed", "drain": "pending", "host_action": "pending", "enable": "pending",
        "verify": "pending"}
    assert {n: s[0] for n, s in where(conn, ids).items() if s[0] == "compute3"} == dict.fromkeys(
        ["web-1", "db-1", "aa-1"], "compute3")  # the host is left: nothing moved
    assert session["hosts_to_enable"] == ["compute3"]

    # Continue with the manager silent (default action ACK); the controller killed (SIGKILL) in compute3's drain
    # while nova moves its instances.
    mark = time.monotonic()
    manager.mode["compute3"] = "SILENT"
    in_flight = maintenance_killed_in_drain(cloud, conn, {"osops_maintenance_session_id": sid_b}, sid_b, "compute3")
    timings["session B: silence, killed in the drain"] = time.monotonic() - mark
    session, _cluster = info(cloud, sid_b)
    assert (steps_of(session, "compute3")["drain"]["status"], session["state"]) == ("running", "PLANNED_MAINTENANCE")

    # Continue: the drain runs again and sees through the migrations left in flight (none started twice); then
    # the host action fails for real on compute3.
    mark = time.monotonic()
    out = maintenance(cloud, {**cloud["vars"], "osops_maintenance_session_id": sid_b}, expect_rc=2)
    timings["session B: continue after the kill, failing host action"] = time.monotonic() - mark
    session, _cluster = info(cloud, sid_b)
    mine = steps_of(session, "compute3")
    assert (mine["drain"]["status"], mine["drain"]["attempts"], mine["notify"]["attempts"]) == ("done", 2, 2)
    drained = {i["name"]: i for i in mine["drain"]["detail"]["instances"]}
    # those whose migration had ended before the kill are no longer on compute3: the others, all moved
    assert drained and {n: i["outcome"] for n, i in drained.items()} == dict.fromkeys(drained, "moved"), drained
    assert set(drained) <= {"web-1", "db-1", "aa-1"}
    # the migrations the kill left in flight past the scheduler (they end in VERIFY_RESIZE and wait there for the
    # drain's confirm) are taken over, not started again - every one still on compute3 (not one the killed drain
    # confirmed in the instant before the kill); one it had started a moment before the kill may be too
    taken_over = {n for n, i in drained.items() if "started by an earlier drain" in (i["message"] or "")}
    assert taken_over and taken_over >= set(in_flight) & set(drained), (in_flight, drained)
    for name in ("web-1", "db-1", "aa-1"):  # one migration off compute3 each: none started twice
        off = [m for m in conn.compute.migrations(server_id=ids[name]) if m.source_compute == "compute3"]
        # a live migration nova's scheduler refused ("No valid host", in the killed run or this one) leaves a
        # record in status error that moved nothing; the drain retries it
        moved = [m for m in off if m.status != "error"]
        assert len(moved) == 1, [(m.id, m.migration_type, m.status, m.dest_compute) for m in off]
    assert session["state"] == "MAINTENANCE_FAILED" and "host_action" in session["reason"], session["reason"]
    assert "no reply (default action ACK)" in mine["notify"]["detail"]["msg"]
    assert mine["notify"]["detail"]["replies"][0]["reply"] == "TIMEOUT"
    assert (mine["drain"]["status"], mine["host_action"]["status"], mine["enable"]["status"],
            mine["verify"]["status"]) == ("done", "failed", "pending", "pending")
    assert not [n for n, s in where(conn, ids).items() if s[0] == "compute3"]
    service = next(s for s in conn.compute.services() if (s.binary, s.host) == ("nova-compute", "compute3"))
    assert service.status == "disabled" and sid_b in service.disabled_reason  # nothing after the failed step ran

    # The cause removed, but compute3 drops off (its sshd stopped, its SSH sessions ended): the continue fails at
    # compute3's host action naming it, no other step moves. Back: continue -> done, no finished step run again.
    mark = time.monotonic()
    lab.ssh("compute3", f"rm -f {FAIL_FLAG.replace('{{ inventory_hostname }}', 'compute3')}")
    done_before = {s["position"]: (s["started_at"], s["attempts"]) for s in session["steps"] if s["status"] == "done"}
    drop_host(lab, "compute3")
    try:
        out = maintenance(cloud, {**cloud["vars"], "osops_maintenance_session_id": sid_b}, expect_rc=(2, 4))
    finally:
        restore_host(lab, "compute3")
    timings["session B: continue with compute3 unreachable"] = time.monotonic() - mark
    assert "UNREACHABLE" in out and "Traceback" not in out, out[-3000:]
    session, _cluster = info(cloud, sid_b)
    mine = steps_of(session, "compute3")
    assert session["state"] == "MAINTENANCE_FAILED", session["reason"]
    assert "compute3" in session["reason"] and "unreachable" in session["reason"], session["reason"]
    assert (mine["host_action"]["status"], mine["enable"]["status"], mine["verify"]["status"]) == (
        "failed", "pending", "pending"), mine
    assert {p: (s["started_at"], s["attempts"]) for p, s in ((s["position"], s) for s in session["steps"])
            if p in done_before} == done_before
    service = next(s for s in conn.compute.services() if (s.binary, s.host) == ("nova-compute", "compute3"))
    assert service.status == "disabled" and sid_b in service.disabled_reason
    mark = time.monotonic()
    maintenance(cloud, {**cloud["vars"], "osops_maintenance_session_id": sid_b})
    timings["session B: continue to the end"] = time.monotonic() - mark
    session, cluster = info(cloud, sid_b)
    assert session["state"] == "MAINTENANCE_DONE" and cluster["state"] == "active"
    assert {p: (s["started_at"], s["attempts"]) for p, s in ((s["position"], s) for s in session["steps"])
            if p in done_before} == done_before
    assert steps_of(session, "compute3")["host_action"]["attempts"] == 3  # failed, unreachable, done
    after = where(conn, ids)
    assert {n: s[1:] for n, s in after.items()} == {n: (statuses[n], None) for n in ids}
    assert after["aa-1"][0] != after["aa-2"][0]
    assert not [n for n, s in after.items() if s[0] == "compute3"]
    assert_no_migration_into_disabled_host(conn, ids, session)
    assert all(s.status == "enabled" for s in conn.compute.services() if s.binary == "nova-compute")

    timings["total"] = time.monotonic() - started
    record_property("timings", json.dumps({k: round(v, 1) for k, v in timings.items()}))
    print("\nmaintenance sessions on the lab: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
