"""The state store, on SQLite and on a real PostgreSQL server.

Every test taking ``store_url`` runs twice: on a SQLite file and on a fresh
database of a PostgreSQL server this module starts (from Debian's
``postgresql`` package) on 127.0.0.1 for the session.  Without PostgreSQL the
PostgreSQL variants are skipped, or fail when ``OSOPS_REQUIRE_POSTGRES=1``
(CI sets it).
"""

import datetime
import glob
import multiprocessing
import os
import pwd
import shutil
import signal
import socket
import sys
import subprocess
import tempfile
import time
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models as store_models
from ansible_collections.osops.lifecycle.plugins.module_utils._store import rows as store_rows
from ansible_collections.osops.lifecycle.plugins.module_utils._store import session_steps as store_steps
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store import states as store_states
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError

PG_PASSWORD = 'pg-Secret-4711'
TABLES = {'alembic_version', 'clusters', 'hosts', 'components', 'discovery_runs', 'upgrades',
          'upgrade_steps', 'maintenance_sessions', 'maintenance_hosts', 'maintenance_actions', 'maintenance_steps'}


# --------------------------------------------------------------------------
# A PostgreSQL server for the session
# --------------------------------------------------------------------------

def _pg_bindir():
    """The directory holding initdb and pg_ctl, or None."""
    found = shutil.which('initdb')
    if found and shutil.which('pg_ctl'):
        return os.path.dirname(os.path.realpath(found))
    # Debian keeps them off PATH, one directory per major version.
    candidates = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                        key=lambda path: int(path.split('/')[-3]))
    return os.path.dirname(candidates[-1]) if candidates else None


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl start in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix='osops-pg-')
        self.data = os.path.join(self.dir, 'data')
        self.pid = None
        # initdb refuses to run as root: run the server as the postgres system user.
        self.user = 'postgres' if os.geteuid() == 0 else None
        if self.user:
            try:
                entry = pwd.getpwnam(self.user)
            except KeyError:
                raise RuntimeError('running as root needs the postgres system user '
                                   '(created by the Debian postgresql package)')
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *args):
        command = [os.path.join(self.bindir, args[0])] + list(args[1:])
        if self.user:
            command = ['runuser', '-u', self.user, '--'] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise RuntimeError('%s failed (rc %s): %s%s' % (args[0], result.returncode,
                                                            result.stdout, result.stderr))

    def start(self):
        pwfile = os.path.join(self.dir, 'pwfile')
        with open(pwfile, 'w') as handle:
            handle.write(PG_PASSWORD + '\n')
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self._run('initdb', '-D', self.data, '-U', 'osops', '--pwfile', pwfile,
                  '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-sync')
        self._run('pg_ctl', '-D', self.data, '-l', os.path.join(self.dir, 'server.log'), '-w',
                  '-o', '-k %s -c listen_addresses=127.0.0.1 -p %d -c fsync=off '
                        '-c synchronous_commit=off -c full_page_writes=off' % (self.dir, self.port),
                  'start')
        with open(os.path.join(self.data, 'postmaster.pid')) as handle:
            self.pid = int(handle.readline())
        self._admin('postgres', 'CREATE DATABASE osops')

    def url(self, database='osops'):
        return 'postgresql+psycopg://osops:%s@127.0.0.1:%d/%s' % (PG_PASSWORD, self.port, database)

    def _admin(self, database, sql):
        engine = sa.create_engine(self.url(database), isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def empty_database(self):
        """The URL of the ``osops`` database, emptied (faster than a new database per test)."""
        self._admin('osops', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public')
        return self.url()

    def stop(self):
        if self.pid:
            os.kill(self.pid, signal.SIGINT)  # PostgreSQL's fast shutdown
            # The server removes its pid file when it has shut down (the process
            # itself may linger as a zombie where nothing reaps it).
            pidfile = os.path.join(self.data, 'postmaster.pid')
            deadline = time.monotonic() + 30
            while os.path.exists(pidfile) and time.monotonic() < deadline:
                time.sleep(0.1)
            if os.path.exists(pidfile):
                os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='session')
def postgres():
    """A running PostgreSQL server, or a skip (a failure with OSOPS_REQUIRE_POSTGRES=1)."""
    required = os.environ.get('OSOPS_REQUIRE_POSTGRES') == '1'
    bindir = _pg_bindir()
    if bindir is None:
        message = ('PostgreSQL binaries (initdb, pg_ctl) not found on PATH nor in '
                   '/usr/lib/postgresql/*/bin: apt-get install -y postgresql')
        if required:
            pytest.fail('OSOPS_REQUIRE_POSTGRES=1 but ' + message, pytrace=False)
        pytest.skip(message)
    server = PostgresServer(bindir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        pytest.fail('Cannot start PostgreSQL from %s: %s' % (bindir, exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=['sqlite', 'postgresql'])
def store_url(request, tmp_path):
    """The URL of an empty store on each backend."""
    if request.param == 'sqlite':
        return 'sqlite:///%s' % (tmp_path / 'store.db')
    return request.getfixturevalue('postgres').empty_database()


@pytest.fixture
def store(store_url):
    opened = store_engine.open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def writes():
    """The data- and schema-changing SQL statements any engine sends (clear() to start afresh)."""
    seen = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.split(None, 1)[0].upper() in ('INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'DROP'):
            seen.append(statement)
    sa.event.listen(sa.engine.Engine, 'before_cursor_execute', record)
    yield seen
    sa.event.remove(sa.engine.Engine, 'before_cursor_execute', record)


def _raw(url, sql, **params):
    """Run SQL on the store's database directly, bypassing the store API."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(sql), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# Migrations
# --------------------------------------------------------------------------

def test_opening_an_empty_database_creates_the_schema_at_head(store):
    assert set(sa.inspect(store.engine).get_table_names()) == TABLES
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == migrations.HEAD


def test_migrated_schema_matches_the_models(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), store_models.Base.metadata)
    assert differences == []


def test_opening_again_changes_nothing(store_url, store, writes):
    store_clusters.upsert_cluster(store, 'c1', 'api')
    assert writes  # the recorder works
    writes.clear()
    store_engine.open_store(store_url).close()
    assert writes == []
    assert [c['name'] for c in store_clusters.list_clusters(store)] == ['c1']
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


def _snapshot(url):
    engine = sa.create_engine(url)
    try:
        tables = sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return tables, _raw(url, 'SELECT version_num FROM alembic_version'), _raw(url, 'SELECT name FROM clusters')


def test_a_store_from_a_newer_collection_is_refused_untouched(store_url, store):
    store_clusters.upsert_cluster(store, 'c1', 'api')
    store.close()
    _raw(store_url, "UPDATE alembic_version SET version_num = '0042_from_the_future'")
    before = _snapshot(store_url)
    with pytest.raises(StoreError) as info:
        store_engine.open_store(store_url)
    assert info.value.msg.startswith('Store %s was written by a newer osops.lifecycle '
                                     '(revision 0042_from_the_future); upgrade the collection'
                                     % sa.engine.make_url(store_url).render_as_string(hide_password=True))
    assert _snapshot(store_url) == before


def _open_and_report(url, barrier, results):
    barrier.wait()
    try:
        store_engine.open_store(url).close()
        results.put('ok')
    except StoreError as exc:
        results.put(exc.msg)


def test_two_processes_opening_an_empty_store_at_once_both_succeed(store_url):
    context = multiprocessing.get_context('fork')
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_open_and_report, args=(store_url, barrier, results))
               for _worker in range(2)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(60)
    assert outcomes == ['ok', 'ok']
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


# --------------------------------------------------------------------------
# Opening errors never show a password
# --------------------------------------------------------------------------

SECRET = 'Sup3r-Secret'


def _closed_port():
    return _free_port()  # nothing listens there once the probe socket is closed


@pytest.mark.parametrize('url,expected', [
    ('postgresql+psycopg://osops:%s@127.0.0.1:{port}/osops' % SECRET,
     'Cannot open store postgresql+psycopg://osops:***@127.0.0.1:{port}/osops: '),
    ('mysql+pymysql://osops:%s@127.0.0.1:{port}/osops' % SECRET,
     'Cannot open store mysql+pymysql://osops:***@127.0.0.1:{port}/osops: '),
    ('postgresql+psycopg://osops:%s@127.0.0.1:notaport/osops' % SECRET,
     'Cannot parse the store URL postgresql+psycopg://osops:***@127.0.0.1:notaport/osops; '),
    ('oracle+oracledb://osops:%s@127.0.0.1/osops' % SECRET,
     'Cannot open store oracle+oracledb://osops:***@127.0.0.1/osops: oracle databases are not supported'),
    ('postgresql+nosuchdriver://osops:%s@127.0.0.1/osops' % SECRET,
     'Cannot open store postgresql+nosuchdriver://osops:***@127.0.0.1/osops: '),
    ('not a url at all', 'Cannot parse the store URL not a url at all; expected sqlite:///PATH'),
])
def test_open_errors_are_clear_and_hide_the_password(url, expected):
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url.format(port=port))
    error = info.value
    assert isinstance(error, OsopsError)
    assert error.msg.startswith(expected.format(port=port))
    for text in (error.msg, str(error), repr(error.result), repr(error)):
        assert SECRET not in text
    # No chained database exception (whose text could hold the URL) in a traceback.
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_a_sqlite_file_that_cannot_be_created_is_named(tmp_path):
    (tmp_path / 'file').write_text('not a directory')
    url = 'sqlite:///%s' % (tmp_path / 'file' / 'sub' / 'store.db')
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert info.value.msg.startswith('Cannot open store %s: ' % url)
    assert str(tmp_path / 'file') in info.value.msg


def test_connection_refused_is_named():
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        store_engine.open_store('postgresql+psycopg://osops:%s@127.0.0.1:%d/osops' % (SECRET, port))
    assert 'Connection refused' in info.value.msg


def test_a_wrong_password_on_a_real_server_is_not_echoed(postgres):
    url = postgres.url().replace(PG_PASSWORD, SECRET)
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert 'password authentication failed for user "osops"' in info.value.msg
    assert SECRET not in info.value.msg and PG_PASSWORD not in info.value.msg


def test_default_store_is_a_sqlite_file_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv(store_engine.STORE_URL_ENV, raising=False)
    opened = store_engine.open_store()
    opened.close()
    assert opened.url == 'sqlite:///%s' % (tmp_path / '.ansible' / 'osops' / 'store.db')
    assert (tmp_path / '.ansible' / 'osops' / 'store.db').is_file()


def test_the_environment_names_the_store_unless_the_option_does(tmp_path, monkeypatch):
    from_env = 'sqlite:///%s' % (tmp_path / 'env' / 'store.db')
    monkeypatch.setenv(store_engine.STORE_URL_ENV, from_env)
    assert store_engine.store_url() == from_env
    assert store_engine.store_url('sqlite:///x.db') == 'sqlite:///x.db'
    store_engine.open_store().close()
    assert (tmp_path / 'env' / 'store.db').is_file()


# --------------------------------------------------------------------------
# Clusters: upsert, diff, idempotence
# --------------------------------------------------------------------------

HOSTS = [
    {'name': 'ctl1', 'address': '127.0.0.2', 'roles': ['control']},
    {'name': 'cmp1', 'address': '127.0.0.3', 'roles': ['compute']},
]
COMPONENTS = [
    {'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl1', 'version': '29.4.0',
     'release': '2024.1', 'state': 'up', 'extra': {'zone': 'internal'}},
    {'service': 'nova', 'binary': 'nova-compute', 'host': 'cmp1', 'version': '29.4.0',
     'release': '2024.1', 'state': 'up', 'extra': {}},
    {'service': 'neutron', 'binary': 'neutron-dhcp-agent', 'host': 'ctl1', 'version': '24.2.2',
     'release': '2024.1', 'state': 'up'},
]
PARAMS = {'cloud': 'lab', 'auth': {'auth_url': 'http://127.0.0.2:5000/v3', 'password': SECRET,
                                   'application_credential_secret': SECRET}, 'api_token': SECRET}


def test_first_upsert_creates_everything(store):
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    assert diff['changed'] and diff['created'] and diff['cluster'] == {}
    assert [h['name'] for h in diff['hosts']['added']] == ['cmp1', 'ctl1']
    assert [(c['service'], c['binary']) for c in diff['components']['added']] == [
        ('neutron', 'neutron-dhcp-agent'), ('nova', 'nova-compute'), ('nova', 'nova-conductor')]
    stored = store_clusters.get_cluster(store, 'lab')
    assert stored['region'] == 'RegionOne' and stored['state'] == 'active'
    assert stored['params'] == {'cloud': 'lab', 'auth': {'auth_url': 'http://127.0.0.2:5000/v3'}}
    assert SECRET not in repr(stored)
    assert {(c['binary'], c['host'], c['version']) for c in stored['components']} == {
        ('nova-conductor', 'ctl1', '29.4.0'), ('nova-compute', 'cmp1', '29.4.0'),
        ('neutron-dhcp-agent', 'ctl1', '24.2.2')}


def test_the_same_input_twice_is_an_empty_diff_without_writes(store, writes):
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    before = store_clusters.get_cluster(store, 'lab')
    writes.clear()
    # The same facts in another order, with tuples instead of lists.
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', dict(PARAMS), 'RegionOne',
                                 [dict(h, roles=tuple(h['roles'])) for h in reversed(HOSTS)],
                                 list(reversed(COMPONENTS)))
    assert diff == {'changed': False, 'created': False, 'cluster': {},
                    'hosts': {'added': [], 'removed': [], 'changed': []},
                    'components': {'added': [], 'removed': [], 'changed': []}}
    assert writes == []
    assert store_clusters.get_cluster(store, 'lab') == before


def test_diff_names_added_removed_and_changed(store):
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    components = [dict(COMPONENTS[0], version='31.3.1', release='2025.1'),  # upgraded
                  {'service': 'nova', 'binary': 'nova-compute', 'host': 'cmp2', 'version': '29.4.0'}]
    hosts = [dict(HOSTS[0], roles=['control', 'network']), {'name': 'cmp2'}]
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionTwo', hosts, components)
    assert diff['changed'] and not diff['created']
    assert diff['cluster'] == {'region': {'before': 'RegionOne', 'after': 'RegionTwo'}}
    assert diff['hosts'] == {
        'added': [{'name': 'cmp2', 'address': None, 'roles': []}],
        'removed': [{'name': 'cmp1', 'address': '127.0.0.3', 'roles': ['compute']}],
        'changed': [{'name': 'ctl1', 'before': {'roles': ['control']},
                     'after': {'roles': ['control', 'network']}}],
    }
    assert [(c['binary'], c['host']) for c in diff['components']['added']] == [('nova-compute', 'cmp2')]
    assert [(c['binary'], c['host']) for c in diff['components']['removed']] == [
        ('neutron-dhcp-agent', 'ctl1'), ('nova-compute', 'cmp1')]
    assert diff['components']['changed'] == [{
        'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl1',
        'before': {'version': '29.4.0', 'release': '2024.1'},
        'after': {'version': '31.3.1', 'release': '2025.1'}}]
    stored = store_clusters.get_cluster(store, 'lab')
    assert [h['name'] for h in stored['hosts']] == ['cmp2', 'ctl1']
    assert {(c['binary'], c['host'], c['version']) for c in stored['components']} == {
        ('nova-conductor', 'ctl1', '31.3.1'), ('nova-compute', 'cmp2', '29.4.0')}
    assert store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionTwo', hosts, components)['changed'] is False


def test_check_mode_predicts_without_writing(store, writes):
    writes.clear()
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, None, HOSTS, COMPONENTS, check_mode=True)
    assert diff['changed'] and diff['created'] and len(diff['components']['added']) == 3
    assert writes == [] and store_clusters.get_cluster(store, 'lab') is None


@pytest.mark.parametrize('hosts,components,message', [
    ([{'name': 'a'}, {'name': 'a'}], [], 'Host a is listed twice.'),
    ([{'address': '127.0.0.2'}], [], 'A host needs a name'),
    ([], [{'service': 'nova', 'binary': 'nova-api', 'host': 'a'}] * 2,
     "Component nova nova-api on host 'a' is listed twice."),
    ([], [{'service': 'nova', 'host': 'a'}], 'A component needs a service and a binary'),
    ([], [{'service': 'nova', 'binary': 'nova-api', 'extra': {'when': object()}}], 'extra of nova nova-api'),
])
def test_bad_inventory_is_refused_before_any_write(store, hosts, components, message):
    with pytest.raises(StoreError) as info:
        store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, hosts, components)
    assert info.value.msg.startswith(message)
    assert store_clusters.list_clusters(store) == []


@pytest.mark.parametrize('params,kept', [
    ({'password': 'x', 'username': 'admin'}, {'username': 'admin'}),
    ({'auth': {'token': 'x', 'auth_url': 'u'}}, {'auth': {'auth_url': 'u'}}),
    ({'keystone_url': 'u', 'api_key': 'x', 'client_key': '/k.pem'}, {'keystone_url': 'u'}),
    ({'hosts': [{'name': 'a', 'ssh_passwd': 'x'}]}, {'hosts': [{'name': 'a'}]}),
    ({'db_password': 'x', 'secret': 'x', 'credentials': {}}, {}),
])
def test_secrets_are_removed_from_discovery_params(params, kept):
    assert store_rows.without_secrets(params) == kept


def test_a_cluster_reads_back_as_its_model_instances_do(store):
    """get_cluster reads hosts and components as rows: the same dicts as _plain of each instance, in
    the order of the Cluster.hosts and Cluster.components relationships."""
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    # cmp0 is stored after cmp1 and ctl1 (a later id) but sorts before them.
    components = COMPONENTS + [dict(COMPONENTS[1], host='cmp0', extra={'zone': 'nova', 'ids': [2, 1]})]
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS + [{'name': 'cmp0'}], components)
    with store.transaction() as session:
        cluster = session.scalars(sa.select(store_models.Cluster)).one()
        expected = dict(store_rows.plain(cluster), hosts=[store_rows.plain(h) for h in cluster.hosts],
                        components=[store_rows.plain(c) for c in cluster.components])
    stored = store_clusters.get_cluster(store, 'lab')
    assert stored == expected
    assert [h['name'] for h in stored['hosts']] == ['cmp0', 'cmp1', 'ctl1']
    computes = [c['host'] for c in stored['components'] if c['binary'] == 'nova-compute']
    assert computes == ['cmp0', 'cmp1']
    assert stored['components'][1]['extra'] == {'zone': 'nova', 'ids': [2, 1]}
    assert isinstance(stored['created_at'], str) and store_clusters.get_cluster(store, 'other') is None


def test_the_last_discovery_run_is_read_with_or_without_its_diff(store):
    assert store_clusters.last_discovery_run(store, 'lab') is None
    store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, HOSTS, COMPONENTS)
    first = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    store_clusters.record_discovery_run(store, 'lab', 'api', first, 'ok', diff={'hosts': ['cmp1']}, api_calls=11)
    store_clusters.record_discovery_run(store, 'lab', 'api', first + datetime.timedelta(days=1), 'failed', error='boom')
    store_clusters.record_discovery_run(store, 'lab', 'api', first - datetime.timedelta(days=1), 'ok', diff={'old': 1})
    latest = store_clusters.last_discovery_run(store, 'lab')
    assert (latest['status'], latest['error'], latest['diff']) == ('failed', 'boom', None)
    assert latest['started_at'].startswith('2026-11-02')
    assert store_clusters.last_discovery_run(store, 'lab', diff=False) == dict((k, v) for k, v in latest.items() if k != 'diff')
    store_clusters.record_discovery_run(store, 'lab', 'api', first + datetime.timedelta(days=2), 'ok', diff={'a': [1]})
    assert store_clusters.last_discovery_run(store, 'lab')['diff'] == {'a': [1]}
    assert 'diff' not in store_clusters.last_discovery_run(store, 'lab', diff=False)


def test_deleting_a_cluster_cascades(store_url, store):
    store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, HOSTS, COMPONENTS)
    upgrade = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', [{'phase': 'p', 'action': 'a'}])
    store_sessions.create_session(store, 'lab', ['cmp1'], actions=[{'plugin': 'noop', 'type': 'host'}],
                                  steps=[{'phase': 'host', 'stage': 1, 'host': 'cmp1', 'action': 'drain'}])
    with store.transaction() as session:
        session.execute(sa.delete(store_models.Cluster))
    for table in TABLES - {'alembic_version'}:
        assert _raw(store_url, 'SELECT COUNT(*) FROM %s' % table) == [(0,)], table
    with pytest.raises(StoreError):
        store_upgrades.get_upgrade(store, upgrade['id'])


# --------------------------------------------------------------------------
# Upgrades: one active per cluster, the transition table, steps
# --------------------------------------------------------------------------

STEPS = [
    {'phase': 'control', 'service': 'keystone', 'host': 'ctl1', 'action': 'upgrade',
     'from_version': '25.0.0', 'to_version': '27.0.2'},
    {'phase': 'control', 'service': 'nova', 'host': None, 'action': 'db_sync', 'detail': {'once': True}},
    {'phase': 'computes', 'service': 'nova', 'host': 'cmp1', 'action': 'upgrade'},
]

# A path from pending to every status, along allowed transitions.
PATH_TO = {
    'pending': [],
    'running': ['running'],
    'paused': ['running', 'paused'],
    'cancelling': ['running', 'cancelling'],
    'cancelled': ['running', 'cancelling', 'cancelled'],
    'failed': ['running', 'failed'],
    'rolling_back': ['running', 'rolling_back'],
    'rolled_back': ['running', 'rolling_back', 'rolled_back'],
    'completed': ['running', 'completed'],
}
EDGES = [(a, b) for a, targets in sorted(store_states.UPGRADE_TRANSITIONS.items()) for b in targets]


def _cluster(store, name='lab'):
    store_clusters.upsert_cluster(store, name, 'api', {}, None, HOSTS, COMPONENTS)
    return name


def _upgrade_at(store, status, cluster='lab'):
    upgrade = store_upgrades.create_upgrade(store, cluster, '2024.1', '2025.1', STEPS)
    for step in PATH_TO[status]:
        upgrade = store_upgrades.transition_upgrade(store, upgrade['id'], step)
    assert upgrade['status'] == status
    return upgrade


def test_transition_table_is_the_one_of_the_design():
    assert store_states.UPGRADE_TRANSITIONS == {
        'pending': ('running', 'cancelled'),
        'running': ('paused', 'cancelling', 'failed', 'rolling_back', 'completed'),
        'paused': ('running', 'rolling_back'),
        'cancelling': ('cancelled',),
        'cancelled': ('rolling_back',),
        'failed': ('running', 'rolling_back'),
        'rolling_back': ('rolled_back',),
        'rolled_back': (),
        'completed': (),
    }
    assert set(migrations.ACTIVE_UPGRADE_STATUSES) | set(migrations.FINISHED_UPGRADE_STATUSES) == \
        set(store_states.UPGRADE_TRANSITIONS)


def test_a_new_upgrade_is_pending_with_its_steps_in_order(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    assert upgrade['status'] == 'pending' and upgrade['cluster'] == 'lab'
    assert uuid.UUID(upgrade['id'])
    assert [(s['position'], s['service'], s['action'], s['status']) for s in upgrade['steps']] == [
        (1, 'keystone', 'upgrade', 'pending'), (2, 'nova', 'db_sync', 'pending'),
        (3, 'nova', 'upgrade', 'pending')]
    assert upgrade['steps'][0]['to_version'] == '27.0.2' and upgrade['steps'][1]['detail'] == {'once': True}
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == upgrade['id']


def test_a_step_without_phase_or_action_is_refused(store):
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS + [{'phase': 'x'}])
    assert info.value.msg.startswith("Step 4 needs a phase and an action: {'phase': 'x'}")
    assert store_upgrades.active_upgrade(store, 'lab') is None


def test_an_unknown_cluster_is_named(store):
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, 'nowhere', '2024.1', '2025.1', [])
    assert info.value.msg.startswith("No cluster named 'nowhere' in the store")


@pytest.mark.parametrize('source,target', EDGES)
def test_every_allowed_transition(store, source, target):
    _cluster(store)
    upgrade = _upgrade_at(store, source)
    moved = store_upgrades.transition_upgrade(store, upgrade['id'], target, error='why' if target == 'failed' else None)
    assert moved['status'] == target == store_upgrades.get_upgrade(store, upgrade['id'])['status']
    active = store_upgrades.active_upgrade(store, 'lab')
    assert (active is not None) == (target in migrations.ACTIVE_UPGRADE_STATUSES)
    if target == 'failed':
        assert moved['error'] == 'why'
        assert store_upgrades.transition_upgrade(store, upgrade['id'], 'rolling_back')['error'] == 'why'


@pytest.mark.parametrize('source', sorted(store_states.UPGRADE_TRANSITIONS))
def test_invalid_transitions_name_the_current_status_and_change_nothing(store, source):
    _cluster(store)
    upgrade = _upgrade_at(store, source)
    allowed = store_states.UPGRADE_TRANSITIONS[source]
    for target in sorted(set(store_states.UPGRADE_TRANSITIONS) - set(allowed)):
        with pytest.raises(StoreError) as info:
            store_upgrades.transition_upgrade(store, upgrade['id'], target)
        assert info.value.msg.startswith('Upgrade %s is %s: it cannot become %s (from %s it can only become '
                                         % (upgrade['id'], source, target, source))
        assert (', '.join(allowed) if allowed else 'nothing: it is final') in info.value.msg
        assert info.value.result == {'status': source}
    assert store_upgrades.get_upgrade(store, upgrade['id']) == upgrade


def test_unknown_status_is_refused(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', [])
    with pytest.raises(StoreError) as info:
        store_upgrades.transition_upgrade(store, upgrade['id'], 'done')
    assert info.value.msg.startswith("Unknown upgrade status 'done'; expected one of pending, running")


def test_a_second_active_upgrade_names_the_first(store):
    first = _upgrade_at(store, 'paused', _cluster(store))
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', STEPS)
    assert info.value.msg == ('Cluster lab already has an active upgrade: %s (2024.1 → 2025.1, status '
                              'paused). Finish, cancel or roll it back first.' % first['id'])
    assert info.value.result == {'upgrade_id': first['id'], 'status': 'paused'}
    # Once it is finished, the cluster takes a new upgrade; another cluster always can.
    store_upgrades.create_upgrade(store, _cluster(store, 'other'), '2024.1', '2025.1', [])
    store_upgrades.transition_upgrade(store, first['id'], 'rolling_back')
    store_upgrades.transition_upgrade(store, first['id'], 'rolled_back')
    second = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', STEPS)
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == second['id']


def test_a_cancelled_upgrade_cannot_roll_back_over_an_active_one(store):
    cancelled = _upgrade_at(store, 'cancelled', _cluster(store))
    active = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', [])
    with pytest.raises(StoreError) as info:
        store_upgrades.transition_upgrade(store, cancelled['id'], 'rolling_back')
    assert info.value.msg.startswith('Cluster lab already has an active upgrade: %s' % active['id'])
    assert store_upgrades.get_upgrade(store, cancelled['id'])['status'] == 'cancelled'


def test_the_database_itself_enforces_one_active_upgrade(store_url, store):
    """Writes that bypass the Python API are refused by the constraints."""
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', [])
    cluster_id = _raw(store_url, "SELECT id FROM clusters WHERE name = 'lab'")[0][0]
    insert = ("INSERT INTO upgrades (id, cluster_id, active_cluster_id, from_release, to_release, status, "
              "created_at, updated_at) VALUES (:id, :cid, :active, '2024.1', '2025.1', :status, "
              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    for active, status in [(cluster_id, 'running'),      # a second holder of the slot
                           (None, 'running'),            # active without the slot
                           (cluster_id + 1, 'completed'),  # finished but holding a slot
                           (None, 'exploded')]:          # not a status
        # (MariaDB reports a failed CHECK as an OperationalError, 4025.)
        with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)):
            _raw(store_url, insert, id=str(uuid.uuid4()), cid=cluster_id, active=active, status=status)
    _raw(store_url, insert, id=str(uuid.uuid4()), cid=cluster_id, active=None, status='completed')
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == upgrade['id']


def _start_upgrade(url, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', store_upgrades.create_upgrade(opened, 'lab', '2024.1', '2025.1', STEPS)['id']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


def _move_upgrade(url, upgrade_id, status, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', store_upgrades.transition_upgrade(opened, upgrade_id, status)['status']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


def _race(target, args_per_process):
    context = multiprocessing.get_context('fork')
    barrier, results = context.Barrier(len(args_per_process)), context.Queue()
    workers = [context.Process(target=target, args=args + (barrier, results)) for args in args_per_process]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    return sorted(outcomes)


@pytest.mark.parametrize('round_', range(3))
def test_two_processes_starting_an_upgrade_at_once_exactly_one_wins(store_url, store, round_):
    _cluster(store)
    outcomes = _race(_start_upgrade, [(store_url,), (store_url,)])
    assert [kind for kind, _text in outcomes] == ['lost', 'won']
    winner = outcomes[1][1]
    assert outcomes[0][1].startswith('Cluster lab already has an active upgrade: %s (2024.1 → 2025.1, '
                                     'status pending)' % winner)
    assert _raw(store_url, 'SELECT id FROM upgrades') == [(winner,)]


def test_two_processes_moving_one_upgrade_at_once_exactly_one_wins(store_url, store):
    upgrade = _upgrade_at(store, 'running', _cluster(store))
    outcomes = _race(_move_upgrade, [(store_url, upgrade['id'], 'paused'),
                                     (store_url, upgrade['id'], 'cancelling')])
    kinds = [kind for kind, _text in outcomes]
    assert sorted(kinds) == ['lost', 'won']
    final = store_upgrades.get_upgrade(store, upgrade['id'])['status']
    assert ('won', final) in outcomes
    loser = [text for kind, text in outcomes if kind == 'lost'][0]
    # Either it read the new status (serialised) or its compare-and-set found it moved.
    assert ('is %s: it cannot become' % final in loser
            or 'was moved from running to %s by another controller' % final in loser)


def test_compare_and_set_loses_to_a_controller_that_moved_first(store_url, store):
    """Another controller commits between this one's read and its write."""
    if store_url.startswith('sqlite'):
        pytest.skip('BEGIN IMMEDIATE serialises SQLite writers: the interleaving cannot happen')
    upgrade = _upgrade_at(store, 'running', _cluster(store))
    other = store_engine.open_store(store_url)

    def move_first(_conn, _cursor, statement, *_args):
        if statement.startswith('UPDATE upgrades') and not fired:
            fired.append(True)
            store_upgrades.transition_upgrade(other, upgrade['id'], 'paused')
    fired = []
    sa.event.listen(store.engine, 'before_cursor_execute', move_first)
    try:
        with pytest.raises(StoreError) as info:
            store_upgrades.transition_upgrade(store, upgrade['id'], 'cancelling')
    finally:
        other.close()
    assert info.value.msg == ('Upgrade %s was moved from running to paused by another controller '
                              'meanwhile; nothing changed.' % upgrade['id'])
    assert store_upgrades.get_upgrade(store, upgrade['id'])['status'] == 'paused'


def test_steps_move_through_their_statuses_with_times(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    running = store_upgrades.mark_step(store, upgrade['id'], 1, 'running')
    assert running['status'] == 'running' and running['started_at'] and running['finished_at'] is None
    again = store_upgrades.mark_step(store, upgrade['id'], 1, 'running')  # redone after a controller crash
    assert again['started_at'] >= running['started_at']
    done = store_upgrades.mark_step(store, upgrade['id'], 1, 'done', detail={'venv': '/openstack/venvs/keystone-27'})
    assert done['finished_at'] >= done['started_at'] and done['detail'] == {'venv': '/openstack/venvs/keystone-27'}
    assert store_upgrades.mark_step(store, upgrade['id'], 1, 'reverted')['status'] == 'reverted'
    assert [s['status'] for s in store_upgrades.get_upgrade(store, upgrade['id'])['steps']] == \
        ['reverted', 'pending', 'pending']


@pytest.mark.parametrize('status,message', [
    ('done', 'Step 2 of upgrade {id} is pending: it cannot become done (from pending it can only become running).'),
    ('reverted', 'Step 2 of upgrade {id} is pending: it cannot become reverted'),
    ('skipped', "Unknown step status 'skipped'"),
])
def test_invalid_step_changes_are_refused(store, status, message):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    with pytest.raises(StoreError) as info:
        store_upgrades.mark_step(store, upgrade['id'], 2, status)
    assert info.value.msg.startswith(message.format(id=upgrade['id']))
    assert store_upgrades.get_upgrade(store, upgrade['id']) == upgrade


def test_an_unknown_step_is_named(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    with pytest.raises(StoreError) as info:
        store_upgrades.mark_step(store, upgrade['id'], 9, 'running')
    assert info.value.msg == 'No step 9 of upgrade %s in the store.' % upgrade['id']


# --------------------------------------------------------------------------
# Maintenance sessions: one active session per host, the state table, steps
# --------------------------------------------------------------------------

ACTIONS = [
    {'plugin': 'dummy', 'type': 'pre', 'metadata': {'wait': 1}},
    {'plugin': 'os_update', 'type': 'host', 'host': 'cmp1'},
    {'plugin': 'notify', 'type': 'post'},
]


def _steps(hosts=('cmp1', 'cmp2')):
    """Steps as a workflow lays them out: downloads (stage 1), a pre action (2), one batch per host
    (disable, drain, enable), a post action."""
    steps = [{'phase': 'prepare', 'stage': 1, 'action': 'download', 'host': h} for h in hosts]
    steps.append({'phase': 'prepare', 'stage': 2, 'action': 'pre_action', 'plugin': 'dummy', 'metadata': {'wait': 1}})
    for batch, host in enumerate(hosts, 1):
        steps += [{'phase': 'host', 'stage': 2 + batch, 'batch': batch, 'host': host, 'action': action}
                  for action in ('disable', 'drain', 'enable')]
    steps.append({'phase': 'complete', 'stage': 3 + len(hosts), 'action': 'post_action', 'plugin': 'notify'})
    return steps


def _computes(store, name='lab'):
    store_clusters.upsert_cluster(store, name, 'api', {}, None, HOSTS + [{'name': 'cmp2', 'roles': ['compute']}],
                                  COMPONENTS)
    return name


def _session(store, hosts=('cmp1', 'cmp2'), cluster='lab', **kwargs):
    return store_sessions.create_session(store, cluster, [{'host': h, 'batch': b} for b, h in enumerate(hosts, 1)],
                                         steps=_steps(hosts), **kwargs)


def _claim(store, session, hosts=(), action=None):
    return store_steps.claim_steps(store, session['id'], hosts, action)


def _finish(store, session, outcome='done', detail=None, **which):
    return store_steps.finish_steps(store, session['id'], [dict(which, outcome=outcome, detail=detail)])


def test_session_tables_match_the_design():
    assert store_states.SESSION_TRANSITIONS == {
        'SCHEDULED': ('MAINTENANCE',),
        'MAINTENANCE': ('PREPARE_MAINTENANCE', 'PLANNED_MAINTENANCE'),
        'PREPARE_MAINTENANCE': ('PLANNED_MAINTENANCE', 'MAINTENANCE_FAILED'),
        'PLANNED_MAINTENANCE': ('MAINTENANCE_COMPLETE', 'MAINTENANCE_DONE', 'MAINTENANCE_FAILED'),
        'MAINTENANCE_COMPLETE': ('MAINTENANCE_DONE', 'MAINTENANCE_FAILED'),
        'MAINTENANCE_FAILED': ('PREPARE_MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_COMPLETE'),
        'MAINTENANCE_DONE': (),
    }
    # The states other code relies on are states of the table, and the schema's CHECKs allow the tables' values.
    for states in (store_states.RUNNABLE_SESSION_STATES, store_states.WAITING_SESSION_STATES,
                   store_states.FINISHED_SESSION_STATES, tuple(store_states.SESSION_PHASE_STATES.values())):
        assert set(states) <= set(store_states.SESSION_TRANSITIONS)
    assert set(store_states.SESSION_STEP_TRANSITIONS) == set(migrations.SESSION_STEP_STATUSES)
    assert set(store_states.MAINTENANCE_HOST_TRANSITIONS) == set(migrations.MAINTENANCE_HOST_STATES)
    assert set(store_states.SESSION_PHASE_STATES) == set(migrations.SESSION_STEP_PHASES)


def test_session_create_get_list_delete(store_url, store):
    _computes(store)
    _computes(store, 'other')
    created = _session(store, workflow='default', metadata={'ticket': 'CHG-1'}, download=[{'url': 'http://x'}],
                       actions=ACTIONS, max_parallel=2, plan=[{'batch': 1, 'hosts': ['cmp1']}])
    assert created == store_sessions.get_session(store, created['id'])
    assert (created['state'], created['cluster'], created['max_parallel'], created['reason']) == (
        'MAINTENANCE', 'lab', 2, None)
    assert created['metadata'] == {'ticket': 'CHG-1'} and created['download'] == [{'url': 'http://x'}]
    assert created['plan'] == [{'batch': 1, 'hosts': ['cmp1']}]
    assert [(h['host'], h['position'], h['batch'], h['state']) for h in created['hosts']] == [
        ('cmp1', 1, 1, 'pending'), ('cmp2', 2, 2, 'pending')]
    assert [(a['plugin'], a['type'], a['host'], a['metadata']) for a in created['actions']] == [
        ('dummy', 'pre', None, {'wait': 1}), ('os_update', 'host', 'cmp1', {}), ('notify', 'post', None, {})]
    assert [(s['position'], s['stage'], s['phase'], s['host'], s['action'], s['status'], s['attempts'])
            for s in created['steps'][:4]] == [
        (1, 1, 'prepare', 'cmp1', 'download', 'pending', 0), (2, 1, 'prepare', 'cmp2', 'download', 'pending', 0),
        (3, 2, 'prepare', None, 'pre_action', 'pending', 0), (4, 3, 'host', 'cmp1', 'disable', 'pending', 0)]
    assert created['steps'][2]['metadata'] == {'wait': 1} and len(created['steps']) == 10
    other = store_sessions.create_session(store, 'other', ['cmp1'])  # another cluster's cmp1
    assert [s['id'] for s in store_sessions.list_sessions(store, 'lab')] == [created['id']]
    assert {s['id'] for s in store_sessions.list_sessions(store)} == {created['id'], other['id']}
    summary = store_sessions.list_sessions(store, 'lab')[0]
    assert 'hosts' not in summary and 'steps' not in summary and 'plan' not in summary
    assert store_sessions.active_hosts(store, 'lab') == [
        {'host': 'cmp1', 'session': created['id'], 'state': 'MAINTENANCE'},
        {'host': 'cmp2', 'session': created['id'], 'state': 'MAINTENANCE'}]
    assert store_sessions.active_hosts(store, 'lab', ['cmp2', 'ctl1']) == [
        {'host': 'cmp2', 'session': created['id'], 'state': 'MAINTENANCE'}]

    with pytest.raises(StoreError) as info:
        store_sessions.delete_session(store, created['id'])
    assert info.value.msg == ('Maintenance session %s is MAINTENANCE, not finished: delete it with force once the '
                              'hosts it disabled are enabled again.' % created['id'])
    forced = store_sessions.delete_session(store, created['id'], force=True)
    assert forced['deleted'] and forced['session']['steps'] == created['steps']
    assert store_sessions.delete_session(store, created['id']) == {'deleted': False, 'session': None}
    with pytest.raises(StoreError) as info:
        store_sessions.get_session(store, created['id'])
    assert info.value.msg == 'No maintenance session %s in the store.' % created['id']
    for table in ('maintenance_hosts', 'maintenance_actions', 'maintenance_steps'):
        assert _raw(store_url, 'SELECT COUNT(*) FROM %s' % table) == [(1 if table == 'maintenance_hosts' else 0,)]


@pytest.mark.parametrize('hosts,actions,steps,message', [
    (['cmp1'], [{'plugin': 'x', 'type': 'during'}], [], "Action 'x': type must be one of pre, host, post."),
    (['cmp1', 'cmp1'], [], [], 'A host is listed twice in cmp1, cmp1.'),
    (['cmp1'], [], [{'phase': 'host', 'stage': 1, 'action': 'drain', 'host': 'cmp9'}], 'Step 1 needs a phase'),
    (['cmp1'], [], [{'phase': 'during', 'stage': 1, 'action': 'drain'}], 'Step 1 needs a phase (prepare, host, complete)'),
    (['cmp1'], [], [{'phase': 'host', 'action': 'drain', 'host': 'cmp1'}], 'Step 1 needs a phase'),
])
def test_bad_sessions_are_refused(store, hosts, actions, steps, message):
    _computes(store)
    with pytest.raises(StoreError) as info:
        store_sessions.create_session(store, 'lab', hosts, actions=actions, steps=steps)
    assert info.value.msg.startswith(message)
    assert store_sessions.list_sessions(store) == []


def test_a_host_in_an_active_session_is_refused_until_that_session_is_finished(store):
    first = _session(store, cluster=_computes(store))
    with pytest.raises(StoreError) as info:
        _session(store, hosts=('cmp2',))
    assert info.value.msg == ('Host cmp2 is already in maintenance session %s (MAINTENANCE); finish that session, '
                              'or delete it, first.' % first['id'])
    assert info.value.result == {'hosts': ['cmp2'], 'session': first['id']}
    assert [s['id'] for s in store_sessions.list_sessions(store)] == [first['id']]  # nothing half-written
    _run_to_the_end(store, first)
    assert store_sessions.active_hosts(store, 'lab') == []
    second = _session(store, hosts=('cmp2',))
    assert store_sessions.active_hosts(store, 'lab') == [{'host': 'cmp2', 'session': second['id'],
                                                          'state': 'MAINTENANCE'}]


def test_the_database_itself_keeps_one_active_session_per_host(store_url, store):
    """Writes that bypass the Python API are refused by the constraints."""
    first = _session(store, cluster=_computes(store))
    cluster_id = _raw(store_url, "SELECT id FROM clusters WHERE name = 'lab'")[0][0]
    others = [store_sessions.create_session(store, 'lab', []) for _session_ in range(2)]

    def insert(session, host, state, active):
        _raw(store_url, 'INSERT INTO maintenance_hosts (session_id, host, state, position, detail, active_cluster_id) '
                        'VALUES (:sid, :host, :state, 1, :detail, :active)',
             sid=session['id'], host=host, state=state, detail='{}', active=active)
    with pytest.raises(sa.exc.IntegrityError):  # cmp1 holds its slot in the first session
        insert(others[0], 'cmp1', 'pending', cluster_id)
    # (MariaDB reports a failed CHECK as an OperationalError, 4025.)
    with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)):
        insert(others[0], 'cmp9', 'exploded', None)
    for other in others:  # rows of finished sessions hold no slot: they never collide
        insert(other, 'cmp1', 'done', None)
    assert store_sessions.active_hosts(store, 'lab') == [
        {'host': 'cmp1', 'session': first['id'], 'state': 'MAINTENANCE'},
        {'host': 'cmp2', 'session': first['id'], 'state': 'MAINTENANCE'}]


def _create_session(url, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', _session(opened, hosts=('cmp1',))['id']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


@pytest.mark.parametrize('round_', range(3))
def test_two_sessions_claiming_the_same_host_at_once_exactly_one_wins(store_url, store, round_):
    _computes(store)
    outcomes = _race(_create_session, [(store_url,), (store_url,)])
    assert [kind for kind, _text in outcomes] == ['lost', 'won']
    winner = outcomes[1][1]
    assert outcomes[0][1] == ('Host cmp1 is already in maintenance session %s (MAINTENANCE); finish that session, '
                              'or delete it, first.' % winner)
    assert _raw(store_url, 'SELECT id FROM maintenance_sessions') == [(winner,)]
    assert _raw(store_url, 'SELECT COUNT(*) FROM maintenance_steps') == [(len(_steps(('cmp1',))),)]


def _run_to_the_end(store, session):
    hosts = [h['host'] for h in store_sessions.get_session(store, session['id'])['hosts']]
    while store_sessions.get_session(store, session['id'])['state'] != 'MAINTENANCE_DONE':
        claimed = _claim(store, session, hosts)['claimed'] or _claim(store, session)['claimed']
        assert claimed
        store_steps.finish_steps(store, session['id'], [{'position': s['position'], 'outcome': 'done'}
                                                        for s in claimed])


def test_a_session_runs_stage_after_stage_and_records_every_step(store, writes):
    session = _session(store, cluster=_computes(store), actions=ACTIONS)
    # Stage 1: both downloads at once; cmp2's disable (stage 4) waits.
    first = _claim(store, session, ['cmp1', 'cmp2'])
    assert [(s['host'], s['action'], s['status'], s['attempts']) for s in first['claimed']] == [
        ('cmp1', 'download', 'running', 1), ('cmp2', 'download', 'running', 1)]
    assert first['session']['state'] == 'PREPARE_MAINTENANCE' and first['claimed'][0]['started_at']
    assert _claim(store, session)['waiting'] == [{
        'host': None, 'position': 3, 'action': 'pre_action',
        'reason': 'waits for step 1 (download on cmp1), of an earlier stage'}]
    done = store_steps.finish_steps(store, session['id'], [
        {'host': 'cmp1', 'outcome': 'done', 'detail': {'files': 1}}, {'position': 2, 'outcome': 'skipped'}])
    assert [(s['position'], s['status'], s['detail']) for s in done['finished']] == [
        (1, 'done', {'files': 1}), (2, 'skipped', {})]
    writes.clear()
    again = store_steps.finish_steps(store, session['id'], [{'position': 1, 'outcome': 'done', 'detail': {'files': 1}}])
    assert again['finished'] == [] and [s['position'] for s in again['unchanged']] == [1] and writes == []
    # Stage 2: the pre action, then batch 1 (cmp1) while batch 2 (cmp2) waits.
    pre = _claim(store, session)['claimed']
    assert [(s['action'], s['plugin'], s['metadata']) for s in pre] == [('pre_action', 'dummy', {'wait': 1})]
    _finish(store, session, position=pre[0]['position'])
    batch = _claim(store, session, ['cmp1', 'cmp2'], action='disable')
    assert [s['host'] for s in batch['claimed']] == ['cmp1'] and batch['session']['state'] == 'PLANNED_MAINTENANCE'
    assert batch['waiting'] == [{'host': 'cmp2', 'position': 7, 'action': 'disable',
                                 'reason': 'waits for step 4 (disable on cmp1), of an earlier stage'}]
    _finish(store, session, host='cmp1')
    wrong = _claim(store, session, ['cmp1'], action='enable')
    assert wrong['claimed'] == [] and wrong['waiting'][0]['reason'] == 'its next step is step 5 (drain on cmp1), not enable'
    for action in ('drain', 'enable'):
        assert [s['action'] for s in _claim(store, session, ['cmp1'], action)['claimed']] == [action]
        _finish(store, session, host='cmp1')
    stored = store_sessions.get_session(store, session['id'])
    assert [(h['host'], h['state'], bool(h['started_at']), bool(h['finished_at'])) for h in stored['hosts']] == [
        ('cmp1', 'done', True, True), ('cmp2', 'pending', False, False)]
    assert _claim(store, session, ['cmp1'])['finished'] == ['cmp1']
    _run_to_the_end(store, session)
    stored = store_sessions.get_session(store, session['id'])
    assert stored['state'] == 'MAINTENANCE_DONE' and stored['reason'] is None
    assert all(s['status'] in ('done', 'skipped') and s['started_at'] <= s['finished_at'] for s in stored['steps'])
    assert [h['state'] for h in stored['hosts']] == ['done', 'done']
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg == 'Maintenance session %s is MAINTENANCE_DONE: nothing is left to run.' % session['id']
    assert store_sessions.delete_session(store, session['id'])['deleted']


def test_a_failed_step_fails_the_session_and_continuing_redoes_only_it(store):
    session = _session(store, cluster=_computes(store))

    def run_stage(hosts=()):
        store_steps.finish_steps(store, session['id'], [{'position': s['position'], 'outcome': 'done'}
                                                        for s in _claim(store, session, hosts)['claimed']])
    run_stage(['cmp1', 'cmp2'])
    run_stage()
    run_stage(['cmp1'])  # disable
    drain = _claim(store, session, ['cmp1'])['claimed'][0]
    failed = _finish(store, session, 'failed', {'msg': 'migration of i-1 timed out'}, host='cmp1')
    assert failed['session']['state'] == 'MAINTENANCE_FAILED'
    assert failed['session']['reason'] == 'step 5 (drain on cmp1) failed: migration of i-1 timed out'
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg == ('Maintenance session %s failed: step 5 (drain on cmp1) failed: migration of i-1 timed '
                              'out. Fix the cause, then continue it (osops.lifecycle.maintenance_session, state '
                              'continued).' % session['id'])
    assert [h['state'] for h in store_sessions.get_session(store, session['id'])['hosts']] == ['failed', 'pending']
    predicted = store_sessions.continue_session(store, session['id'], check_mode=True)
    assert predicted['changed'] and predicted['session']['state'] == 'PLANNED_MAINTENANCE'
    assert store_sessions.get_session(store, session['id'])['state'] == 'MAINTENANCE_FAILED'
    continued = store_sessions.continue_session(store, session['id'])
    assert continued['changed'] and [s['position'] for s in continued['reset']] == [drain['position']]
    assert (continued['session']['state'], continued['session']['reason']) == ('PLANNED_MAINTENANCE', None)
    assert store_sessions.continue_session(store, session['id'])['changed'] is False
    redo = _claim(store, session, ['cmp1'])['claimed']
    assert [(s['position'], s['attempts'], s['detail']) for s in redo] == [
        (drain['position'], 2, {'msg': 'migration of i-1 timed out'})]
    _finish(store, session, host='cmp1')
    steps = store_sessions.get_session(store, session['id'])['steps']
    assert [s['attempts'] for s in steps if s['host'] == 'cmp1' and s['phase'] == 'host'] == [1, 2, 0]


def test_a_step_found_running_is_claimed_again(store):
    """The controller died during a step: claiming it again redoes it."""
    session = _session(store, cluster=_computes(store))
    first = _claim(store, session, ['cmp1'])['claimed'][0]
    again = _claim(store, session, ['cmp1'])['claimed'][0]
    assert (again['position'], again['attempts']) == (first['position'], 2) and again['started_at'] >= first['started_at']


@pytest.mark.parametrize('which,message', [
    ({'position': 4}, 'Step 4 (disable on cmp1) of maintenance session {id} is pending: only a claimed (running) '
                      'step can become done.'),
    ({'position': 99}, 'No step 99 in maintenance session {id}.'),
    ({'host': 'cmp2'}, 'Host cmp2 has no running step in maintenance session {id}: claim its step first.'),
])
def test_finishing_a_step_that_was_not_claimed_is_refused(store, which, message):
    session = _session(store, cluster=_computes(store))
    before = store_sessions.get_session(store, session['id'])
    with pytest.raises(StoreError) as info:
        _finish(store, session, **which)
    assert info.value.msg == message.format(id=session['id'])
    assert store_sessions.get_session(store, session['id']) == before


def test_claims_name_bad_input(store):
    session = _session(store, cluster=_computes(store))
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1', 'ctl1'])
    assert info.value.msg == 'Not hosts of maintenance session %s: ctl1.' % session['id']
    with pytest.raises(StoreError) as info:
        store_steps.finish_steps(store, session['id'], [{'position': 1, 'outcome': 'great'}])
    assert info.value.msg == "Outcome 'great' of a step: expected one of done, failed, skipped."
    with pytest.raises(StoreError) as info:
        store_steps.claim_steps(store, 'nope', ['cmp1'])
    assert info.value.msg == 'No maintenance session nope in the store.'


def test_a_scheduled_session_is_claimed_only_once_started(store):
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    session = _session(store, cluster=_computes(store), state='SCHEDULED', maintenance_at=when)
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg.startswith('Maintenance session %s is scheduled for 2030-01-01 00:00:00' % session['id'])
    started = store_sessions.transition_session(store, session['id'], 'MAINTENANCE')
    assert started['state'] == 'MAINTENANCE' and started['maintenance_at'] == '2030-01-01T00:00:00+00:00'
    assert _claim(store, session, ['cmp1'])['claimed'][0]['action'] == 'download'


@pytest.mark.parametrize('source', sorted(store_states.SESSION_TRANSITIONS))
def test_invalid_session_transitions_name_the_current_state(store, source):
    _computes(store)
    session = store_sessions.create_session(store, 'lab', ['cmp1'], state='SCHEDULED')
    path = {'SCHEDULED': [], 'MAINTENANCE': ['MAINTENANCE'], 'PREPARE_MAINTENANCE': ['MAINTENANCE', 'PREPARE_MAINTENANCE'],
            'PLANNED_MAINTENANCE': ['MAINTENANCE', 'PLANNED_MAINTENANCE'],
            'MAINTENANCE_COMPLETE': ['MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_COMPLETE'],
            'MAINTENANCE_FAILED': ['MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_FAILED'],
            'MAINTENANCE_DONE': ['MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_DONE']}[source]
    for state in path:
        moved = store_sessions.transition_session(store, session['id'], state, reason='why' if 'FAILED' in state else None)
    assert store_sessions.get_session(store, session['id'])['state'] == source
    allowed = store_states.SESSION_TRANSITIONS[source]
    for target in sorted(set(store_states.SESSION_TRANSITIONS) - set(allowed)):
        with pytest.raises(StoreError) as info:
            store_sessions.transition_session(store, session['id'], target)
        assert info.value.msg.startswith('Maintenance session %s is %s: it cannot become %s (from %s it can only become '
                                         % (session['id'], source, target, source))
        assert info.value.result == {'state': source}
    assert (store_sessions.active_hosts(store, 'lab') == []) == (source == 'MAINTENANCE_DONE')
    if path and path[-1] == 'MAINTENANCE_FAILED':
        assert moved['reason'] == 'why'


def test_check_mode_writes_nothing(store, writes):
    session = _session(store, cluster=_computes(store))
    writes.clear()
    claimed = store_steps.claim_steps(store, session['id'], ['cmp1', 'cmp2'], check_mode=True)
    assert [s['status'] for s in claimed['claimed']] == ['running', 'running']
    store_steps.claim_steps(store, session['id'], ['cmp1'])
    writes.clear()
    finished = store_steps.finish_steps(store, session['id'], [{'host': 'cmp1', 'outcome': 'failed'}], check_mode=True)
    assert finished['finished'][0]['status'] == 'failed'
    assert store_sessions.transition_session(store, session['id'], 'PLANNED_MAINTENANCE', check_mode=True)['state'] == \
        'PLANNED_MAINTENANCE'
    assert store_sessions.delete_session(store, session['id'], force=True, check_mode=True)['deleted']
    assert writes == []
    assert store_sessions.get_session(store, session['id'])['state'] == 'PREPARE_MAINTENANCE'


def _store_at_0001(url):
    """A store at revision 0001 (before maintenance steps), as an older collection left it."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            migrations.REVISIONS[0][1](migrations.Operations(migrations.MigrationContext.configure(connection)))
            table = migrations._version_table()  # pylint: disable=protected-access
            table.create(connection)
            connection.execute(table.insert().values(version_num='0001_initial'))
    finally:
        engine.dispose()


def test_a_store_at_0001_migrates_with_its_sessions_kept(store_url):
    _store_at_0001(store_url)
    now = "'2026-11-01 00:00:00'"
    _raw(store_url, "INSERT INTO clusters (id, name, method, params, state, created_at, updated_at) "
                    "VALUES (1, 'lab', 'api', '{}', 'active', %s, %s)" % (now, now))
    _raw(store_url, "INSERT INTO maintenance_sessions (id, cluster_id, state, workflow, metadata, download, "
                    "created_at, updated_at) VALUES ('s-old', 1, 'MAINTENANCE_DONE', 'default', '{}', '[]', %s, %s)"
         % (now, now))
    _raw(store_url, "INSERT INTO maintenance_hosts (session_id, host, state, position, detail) "
                    "VALUES ('s-old', 'cmp1', 'pending', 1, '{}')")
    _raw(store_url, "INSERT INTO maintenance_actions (session_id, plugin, type, metadata, state, detail) "
                    "VALUES ('s-old', 'noop', 'pre', '{}', 'pending', '{}')")
    opened = store_engine.open_store(store_url)
    try:
        old = store_sessions.get_session(opened, 's-old')
        assert (old['max_parallel'], old['plan'], old['steps']) == (1, None, [])
        assert [(h['host'], h['batch']) for h in old['hosts']] == [('cmp1', None)]
        assert [a['plugin'] for a in old['actions']] == ['noop']
        with opened.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), store_models.Base.metadata) == []
    finally:
        opened.close()
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


# --------------------------------------------------------------------------
# Inside an AnsiballZ payload
# --------------------------------------------------------------------------

ZIP_PROBE = '''
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine
assert '.zip' in engine.__file__, engine.__file__
store = engine.open_store(sys.argv[2])
print(clusters.upsert_cluster(store, 'lab', 'api')['created'])
'''


def test_the_store_migrates_when_imported_from_a_zip(tmp_path):
    """Modules import module_utils through zipimport: no migration may need files."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(store_engine.__file__)))
    payload = tmp_path / 'payload.zip'
    package = 'ansible_collections/osops/lifecycle/plugins/module_utils'
    with zipfile.ZipFile(payload, 'w') as archive:
        parts = package.split('/')
        for depth in range(1, len(parts) + 1):  # AnsiballZ adds these too
            archive.writestr('/'.join(parts[:depth]) + '/__init__.py', '')
        names = ['_errors.py', '_secrets.py'] + ['_store/%s' % name for name in os.listdir(os.path.join(root, '_store'))
                                                  if name.endswith('.py')]
        for name in names:
            archive.write(os.path.join(root, name), '%s/%s' % (package, name))
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    env = dict(os.environ, PYTHONPATH='')  # only the zip provides the collection
    result = subprocess.run([sys.executable, '-c', ZIP_PROBE, str(payload), url], capture_output=True,
                            text=True, timeout=120, check=False, env=env, cwd=str(tmp_path))
    assert (result.returncode, result.stdout.strip()) == (0, 'True'), result.stderr
    assert _raw(url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]
