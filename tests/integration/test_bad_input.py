"""The bad input catalogue (issue 15): each input a user can get wrong, through the real playbook.

Every case runs ``ansible-playbook`` of the collection's playbook a user would
run (discover, upgrade and its verbs, maintenance) with the collection on
ANSIBLE_COLLECTIONS_PATH, and asserts:

- the run fails with the message that docs/reliability.md's "Bad input" table
  quotes for that input (the table is read here, so it cannot drift: each
  piece between the row's ``…`` must be in what the run printed);
- no Python traceback anywhere in the output;
- nothing half-written: every file of the case's directory (the store, the
  inventories) byte-identical, no file added, no store created where there
  was none; where a run does change something (a maintenance session that
  failed on its webhook, an upgrade recorded before the play found its hosts
  missing), exactly what the message reports, read back with plain sqlite3.

The maintenance cases run against the FakeCloud of the unit tier
(keystone, nova, placement over real HTTP on 127.0.0.1) and an application
manager on 127.0.0.1 that answers garbage.
"""

import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
DOC = os.path.join(ROOT, 'docs', 'reliability.md')
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'discovery')
OSA = {'dashes': os.path.join(FIXTURES, 'openstack_inventory.json'),
       'underscores': os.path.join(FIXTURES, 'openstack_inventory-2026.1.json')}
TRACEBACKS = ('Traceback', 'MODULE FAILURE', 'Exception')
LABELS = []  # every case's input, as the first column of docs/reliability.md's table names it


def label(text):
    """``text``, registered as a case's input (module level, so the table's test sees them all)."""
    LABELS.append(text)
    return text


VERSIONS = {'keystone': '27.1.0', 'glance': '30.2.0', 'placement': '13.0.1', 'nova': '31.3.1', 'neutron': '26.0.6'}


# ---------------------------------------------------------------- the doc's table

def doc_rows():
    """``{input: (where, [message pieces])}`` of docs/reliability.md's Bad input table."""
    with open(DOC, encoding='utf-8') as handle:
        text = handle.read()
    section = text.split('\n## Bad input\n', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')] if line.startswith('|') else []
        if len(cells) != 3 or cells[0] in ('input', '') or set(cells[0]) <= set('-: '):
            continue
        message = cells[2].strip('`')
        rows[cells[0]] = (cells[1], [piece.strip() for piece in message.split('…') if piece.strip()])
    return rows, section


def expect_documented(text, proc):
    """The run printed every piece of the message the doc quotes for ``text``."""
    rows, _section = doc_rows()
    assert text in rows, 'docs/reliability.md has no Bad input row for %r' % text
    _where, pieces = rows[text]
    printed = proc.stdout + proc.stderr
    printed += printed.replace('\\"', '"').replace('\\\\', '\\')
    assert sum(len(piece) for piece in pieces) >= 30, 'the row of %r quotes too little: %r' % (text, pieces)
    for piece in pieces:
        assert piece in printed, 'docs/reliability.md quotes %r for %r; the run printed:\n%s' % (
            piece, text, proc.stdout[-4000:] + proc.stderr[-2000:])


# ---------------------------------------------------------------- running and watching

class Case:
    """A case's directory (``work``: inputs and store), its HOME, and the real ansible-playbook."""

    def __init__(self, tmp_path):
        self.work = tmp_path / 'work'
        self.home = tmp_path / 'home'
        self.work.mkdir()
        self.home.mkdir()
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
                        ANSIBLE_NOCOLOR='1', HOME=str(self.home), ANSIBLE_LOCAL_TEMP=str(self.home / 'tmp'),
                        ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
                        OS_CLIENT_CONFIG_FILE=str(self.work / 'absent-clouds.yaml'))
        for name in ('OSOPS_STORE_URL', 'OS_CLOUD'):
            self.env.pop(name, None)
        self.inventory = self.work / 'controller.ini'
        self.inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        self.store = self.work / 'store.db'
        self.url = 'sqlite:///%s' % self.store
        self.before = None

    def files(self):
        return dict((str(path.relative_to(self.work)), path.read_bytes())
                    for path in sorted(self.work.rglob('*')) if path.is_file())

    def playbook(self, name, inventory=None, **variables):
        self.before = self.files()
        proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory or self.inventory),
                               '-e', json.dumps(variables), os.path.join(ROOT, 'playbooks', '%s.yml' % name)],
                              env=self.env, capture_output=True, text=True, check=False, timeout=300)
        return proc

    def refused(self, proc, text, changes=()):
        """The run failed with the doc's message, no traceback; nothing but ``changes`` (file names) changed."""
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0, output[-3000:]
        assert 'fatal: [' in proc.stdout or '[ERROR]' in output, output[-3000:]
        for word in TRACEBACKS:
            assert word not in output, '%s in the output:\n%s' % (word, output[-4000:])
        expect_documented(text, proc)
        after = self.files()
        assert set(after) == set(self.before), 'files added or removed: %s' % (set(after) ^ set(self.before))
        assert [name for name in after if after[name] != self.before[name]] == list(changes)
        # no store created in its default place either
        assert not (self.home / '.ansible' / 'osops').exists()


def rows(path):
    """Rows per table of a SQLite store, read with plain sqlite3 (no SQLAlchemy, no migration)."""
    # read-write mode, though it only reads: the last connection to close removes the WAL files, where a
    # read-only one leaves them behind
    connection = sqlite3.connect(str(path))
    try:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return dict((table, connection.execute('SELECT COUNT(*) FROM "%s"' % table).fetchone()[0]) for table in tables)
    finally:
        connection.close()


def component(binary, host, zone=None):
    service = 'placement' if binary == 'placement-api' else binary.split('-')[0]
    return {'service': service, 'binary': binary, 'host': host, 'state': 'up', 'release': '2025.1',
            'version': VERSIONS[service], 'extra': {'zone': zone} if zone else {}}


def seed(case):
    """Cluster ``lab`` (2025.1: a controller, two computes) and ``ctl`` (a controller only) in the case's store."""
    store = engine.open_store(case.url)
    try:
        clusters.upsert_cluster(
            store, 'lab', 'openstack_api',
            hosts=[{'name': name, 'roles': [role]} for name, role in
                   (('controller', 'control'), ('compute1', 'compute'), ('compute2', 'compute'))],
            components=[component(b, '') for b in ('keystone', 'glance-api', 'placement-api', 'nova-api',
                                                   'neutron-server')]
            + [component('nova-conductor', 'controller', 'internal'), component('nova-compute', 'compute1', 'nova'),
               component('nova-compute', 'compute2', 'nova')])
        clusters.upsert_cluster(store, 'ctl', 'openstack_api', hosts=[{'name': 'controller', 'roles': ['control']}],
                                components=[component('nova-conductor', 'controller', 'internal')])
    finally:
        store.close()
    return rows(case.store)


@pytest.fixture
def case(tmp_path):
    return Case(tmp_path)


# ---------------------------------------------------------------- deployment inventories

def _osa_broken(case, spelling, how):
    with open(OSA[spelling], encoding='utf-8') as handle:
        text = handle.read()
    data = json.loads(text)
    if how == 'cut short (bad JSON)':
        text = text[:len(text) // 2]
    elif how == 'without _meta.hostvars':
        del data['_meta']
        text = json.dumps(data)
    else:  # a group naming a host the inventory does not hold
        data['nova_compute']['hosts'].append('compute9')
        text = json.dumps(data)
    path = case.work / 'openstack_inventory.json'
    path.write_text(text)
    return path


OSA_CASES = [(spelling, how, label('openstack-ansible inventory (group names with %s), %s' % (spelling, how)))
             for spelling in ('dashes', 'underscores')
             for how in ('cut short (bad JSON)', 'without _meta.hostvars', 'a group naming an unknown host')]


@pytest.mark.parametrize('spelling, how, text', OSA_CASES)
def test_openstack_ansible_inventory_malformed(case, spelling, how, text):
    path = _osa_broken(case, spelling, how)
    proc = case.playbook('discover', osops_discover_cluster='osa', osops_discover_method='openstack_ansible',
                         osops_discover_params={'inventory': str(path)}, osops_discover_store=case.url)
    case.refused(proc, text)
    assert not case.store.exists()


OSA_MISSING = label('openstack-ansible inventory that does not exist')


def test_openstack_ansible_inventory_missing(case):
    proc = case.playbook('discover', osops_discover_cluster='osa', osops_discover_method='openstack_ansible',
                         osops_discover_params={'inventory': str(case.work / 'nope.json')}, osops_discover_store=case.url)
    case.refused(proc, OSA_MISSING)
    assert not case.store.exists()


def _kolla(case, kolla_inventory, how):
    with open(kolla_inventory('multinode'), encoding='utf-8') as handle:
        text = handle.read()
    if how == 'a service group\'s child group missing':
        broken = text.replace('[nova:children]\ncontrol\n', '')
    else:  # no control hosts
        broken = re.sub(r'\[control\]\n(#.*\n|control0\d\n)*', '[control]\n', text)
    assert broken != text
    path = case.work / 'multinode'
    path.write_text(broken)
    return path


@pytest.mark.parametrize('how, text', [(how, label('kolla-ansible multinode inventory, %s' % how))
                                       for how in ('a service group\'s child group missing', 'no control hosts')])
def test_kolla_inventory_malformed(case, kolla_inventory, how, text):
    path = _kolla(case, kolla_inventory, how)
    proc = case.playbook('discover', osops_discover_cluster='kolla', osops_discover_method='kolla_ansible',
                         osops_discover_params={'inventory': str(path), 'openstack_release': '2025.1'},
                         osops_discover_store=case.url)
    case.refused(proc, text)
    assert not case.store.exists()


PLAIN_EMPTY = label('plain inventory whose mapped groups have no host (empty host lists)')


def test_plain_inventory_with_empty_groups(case):
    path = case.work / 'hosts.ini'
    path.write_text('[controllers]\n[computes]\n[monitoring]\nmon1\n')
    proc = case.playbook('discover', osops_discover_cluster='plain', osops_discover_method='ansible_inventory',
                         osops_discover_params={'inventory': str(path), 'groups': {
                             'controllers': ['keystone', 'nova-api'], 'computes': 'nova-compute'}},
                         osops_discover_store=case.url)
    case.refused(proc, PLAIN_EMPTY)
    assert not case.store.exists()


# ---------------------------------------------------------------- the state store

CORRUPT, TRUNCATED, NEWER, UNSUPPORTED = (
    label('SQLite store of random bytes'), label('SQLite store cut in half'),
    label('store written by a newer osops.lifecycle'), label('store URL of a database the store does not support'))


def test_corrupt_store(case):
    case.store.write_bytes(random.Random(15).randbytes(64 * 1024))
    proc = case.playbook('discover', osops_discover_cluster='osa', osops_discover_method='openstack_ansible',
                         osops_discover_params={'inventory': OSA['dashes']}, osops_discover_store=case.url)
    case.refused(proc, CORRUPT)


def test_truncated_store(case):
    seed(case)
    data = case.store.read_bytes()
    assert len(data) > 8192 and not os.path.exists(str(case.store) + '-wal')
    case.store.write_bytes(data[:len(data) // 2])
    proc = case.playbook('upgrade', osops_upgrade_cluster='lab', osops_upgrade_target_release='2026.1',
                         osops_upgrade_store=case.url)
    case.refused(proc, TRUNCATED)


def test_store_from_a_newer_collection(case):
    before = seed(case)
    connection = sqlite3.connect(str(case.store))
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    connection.close()
    proc = case.playbook('upgrade_status', osops_upgrade_cluster='lab', osops_upgrade_store=case.url)
    case.refused(proc, NEWER)
    proc = case.playbook('upgrade', osops_upgrade_cluster='lab', osops_upgrade_target_release='2026.1',
                         osops_upgrade_store=case.url)
    case.refused(proc, NEWER)
    assert rows(case.store) == before


def test_store_url_of_an_unsupported_database(case):
    proc = case.playbook('upgrades', osops_upgrade_store='oracle+oracledb://osops:s3cret@127.0.0.1/osops')
    case.refused(proc, UNSUPPORTED)
    assert 's3cret' not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- releases, clusters, upgrades

@pytest.mark.parametrize('target, text', [
    ('2031.1', label('unknown target release 2031.1')),
    ('banana', label('unknown target release banana')),
    ('2024.1', label('target release behind the cluster\'s (2025.1 → 2024.1)')),
    ('2026.2', label('target release beyond the next SLURP release (2025.1 → 2026.2)')),
])
def test_target_release_refused(case, target, text):
    before = seed(case)
    proc = case.playbook('upgrade', osops_upgrade_cluster='lab', osops_upgrade_target_release=target,
                         osops_upgrade_store=case.url)
    case.refused(proc, text)
    assert rows(case.store) == before and before['upgrades'] == 0


UNKNOWN_CLUSTER = label('unknown cluster (upgrade)')


def test_unknown_cluster(case):
    before = seed(case)
    proc = case.playbook('upgrade', osops_upgrade_cluster='nope', osops_upgrade_target_release='2026.1',
                         osops_upgrade_store=case.url)
    case.refused(proc, UNKNOWN_CLUSTER)
    assert rows(case.store) == before


@pytest.mark.parametrize('name, text', [(name, label('%s with no upgrade of the cluster' % name)) for name in (
    'upgrade_pause', 'upgrade_continue', 'upgrade_cancel', 'upgrade_rollback')])
def test_nothing_to_act_on(case, name, text):
    before = seed(case)
    proc = case.playbook(name, osops_upgrade_cluster='lab', osops_upgrade_store=case.url)
    case.refused(proc, text)
    assert rows(case.store) == before


UNKNOWN_ID, NOT_NAMED, MISSING_HOSTS = (
    label('upgrade_pause of an unknown upgrade id'), label('upgrade_cancel with neither cluster nor id'),
    label('upgrade.yml over an inventory without the plan\'s hosts'))


def test_unknown_upgrade_id(case):
    before = seed(case)
    proc = case.playbook('upgrade_pause', osops_upgrade_id='0000-no-such-upgrade', osops_upgrade_store=case.url)
    case.refused(proc, UNKNOWN_ID)
    assert rows(case.store) == before


def test_upgrade_not_named(case):
    before = seed(case)
    proc = case.playbook('upgrade_cancel', osops_upgrade_store=case.url)
    case.refused(proc, NOT_NAMED)
    assert rows(case.store) == before


@pytest.mark.parametrize('variables, text', [
    ({'osops_upgrade_batch_size': 'two'}, label('upgrade batch_size "two"')),
    ({'osops_upgrade_batch_size': 0}, label('upgrade batch_size 0')),
    ({'osops_upgrade_fail_on_warning': 'maybe'}, label('upgrade fail_on_warning "maybe"')),
    ({'osops_upgrade_services': {'nova': True}}, label('upgrade services as a mapping where a list is expected')),
])
def test_upgrade_options_of_the_wrong_type(case, variables, text):
    before = seed(case)
    proc = case.playbook('upgrade', osops_upgrade_cluster='lab', osops_upgrade_target_release='2026.1',
                         osops_upgrade_store=case.url, **variables)
    case.refused(proc, text)
    assert rows(case.store) == before


def test_upgrade_over_an_inventory_without_the_plans_hosts(case):
    """The one refusal that records something: the upgrade (pending, nothing run), as the message says."""
    before = seed(case)
    proc = case.playbook('upgrade', osops_upgrade_cluster='lab', osops_upgrade_target_release='2026.1',
                         osops_upgrade_store=case.url)
    case.refused(proc, MISSING_HOSTS, changes=['store.db'])
    connection = sqlite3.connect(str(case.store))
    try:
        ((upgrade_id, status),) = connection.execute('SELECT id, status FROM upgrades').fetchall()
        steps = connection.execute('SELECT DISTINCT status FROM upgrade_steps').fetchall()
    finally:
        connection.close()
    assert status == 'pending' and steps == [('pending',)]
    assert 'osops_upgrade_id=%s' % upgrade_id in proc.stdout
    after = rows(case.store)
    assert dict((t, n) for t, n in after.items() if not t.startswith('upgrade')) == \
        dict((t, n) for t, n in before.items() if not t.startswith('upgrade'))


# ---------------------------------------------------------------- maintenance sessions

class Manager:
    """An application manager on 127.0.0.1 that answers every POST with ``status`` and ``body``."""

    def __init__(self, status, body):
        self.posts = []
        manager = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                manager.posts.append(self.rfile.read(int(self.headers.get('Content-Length') or 0)))
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/maintenance' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloud(case):
    """A FakeCloud with two computes and a server on compute1, named ``fake`` in the case's clouds.yaml."""
    fake = FakeCloud(computes=2, with_network=False).start()
    fake.add_server('vm1', host='compute1')
    clouds = case.home / 'clouds.yaml'
    fake.write_clouds_yaml(clouds)
    case.env['OS_CLIENT_CONFIG_FILE'] = str(clouds)
    yield fake
    fake.stop()


def maintenance(case, **variables):
    inventory = case.home / 'hosts.ini'
    inventory.write_text(''.join('%s ansible_connection=local ansible_python_interpreter=%s\n' % (host, sys.executable)
                                 for host in ('localhost', 'compute1', 'compute2')))
    variables = dict({'osops_maintenance_store': case.url, 'osops_maintenance_cluster': 'lab',
                      'osops_maintenance_cloud': 'fake', 'osops_maintenance_hosts': ['compute1'],
                      'osops_maintenance_notify_timeout': 10}, **variables)
    return case.playbook('maintenance', inventory=inventory, **variables)


@pytest.mark.parametrize('status, body, text', [
    (200, b'<html><body>It works!</body></html>', label('maintenance webhook answering something that is not JSON')),
    (500, b'{"error": "Internal Server Error"}', label('maintenance webhook answering HTTP 500')),
])
def test_webhook_answering_garbage(case, cloud, status, body, text):
    before = seed(case)
    manager = Manager(status, body)
    try:
        proc = maintenance(case, osops_maintenance_webhook=manager.url)
    finally:
        manager.stop()
    # the session records what ran, as the message says: compute1 disabled, its notify failed, nothing after
    case.refused(proc, text, changes=['store.db'])
    assert len(manager.posts) == 1 and json.loads(manager.posts[0])['host'] == 'compute1'
    assert 'hosts left disabled: compute1' in proc.stdout
    connection = sqlite3.connect(str(case.store))
    try:
        ((session_id, state),) = connection.execute('SELECT id, state FROM maintenance_sessions').fetchall()
        steps = connection.execute('SELECT action, status FROM maintenance_steps WHERE session_id = ? '
                                   'ORDER BY position', (session_id,)).fetchall()
    finally:
        connection.close()
    assert state == 'MAINTENANCE_FAILED' and 'osops_maintenance_session_id=%s' % session_id in proc.stdout
    assert steps == [('disable', 'done'), ('notify', 'failed'), ('drain', 'pending'), ('enable', 'pending'),
                     ('verify', 'pending')]
    assert cloud.service('compute1')['status'] == 'disabled' and cloud.service('compute2')['status'] == 'enabled'
    assert not cloud.migrations and cloud.servers[next(iter(cloud.servers))]['host'] == 'compute1'
    assert rows(case.store)['upgrades'] == before['upgrades']


@pytest.mark.parametrize('variables, text', [
    ({'osops_maintenance_hosts': [], 'osops_maintenance_cluster': 'ctl'},
     label('maintenance of a cluster with no compute host (empty host list)')),
    ({'osops_maintenance_hosts': 'compute1,compute9'}, label('maintenance hosts as a string naming an unknown host')),
    ({'osops_maintenance_hosts': {'compute1': True}},
     label('maintenance hosts as a mapping where a list is expected')),
    ({'osops_maintenance_max_parallel': 'two'}, label('maintenance max_parallel "two"')),
    ({'osops_maintenance_cluster': 'nope'}, label('unknown cluster (maintenance)')),
    ({'osops_maintenance_cluster': '', 'osops_maintenance_session_id': 'nope'},
     label('maintenance session id that does not exist')),
])
def test_maintenance_bad_input(case, cloud, variables, text):
    before = seed(case)
    proc = maintenance(case, **variables)
    case.refused(proc, text)
    assert rows(case.store) == before
    assert not [request for request in cloud.requests if request[0] in ('PUT', 'DELETE')]  # nothing changed in nova
    assert not cloud.migrations


# ---------------------------------------------------------------- the table itself

def test_the_table_lists_every_case_and_counts_them():
    """Every row is a case of this file, every case has a row, and the count line is the number of rows."""
    rows_, section = doc_rows()
    assert len(set(LABELS)) == len(LABELS), 'two cases share an input'
    assert sorted(set(LABELS) - set(rows_)) == [], 'cases without a row in docs/reliability.md'
    assert sorted(set(rows_) - set(LABELS)) == [], 'rows of docs/reliability.md that no case runs'
    found = re.search(r'(\d+) bad inputs tried', section)
    assert found and int(found.group(1)) == len(LABELS), 'the count line says %s, there are %d cases' % (
        found and found.group(1), len(LABELS))
    assert '.venv/bin/pytest tests/integration/test_bad_input.py' in section
