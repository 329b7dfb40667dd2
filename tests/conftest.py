"""Make ``ansible_collections.osops.lifecycle`` importable; shared fixtures.

The collection is exposed through a link tree under ``.cache/collections``
(git-ignored), so unit tests import it by its real name without installing it.

``postgres`` starts one PostgreSQL server (initdb + pg_ctl from Debian's
``postgresql`` package) on 127.0.0.1 the first time a test asks for it, and
stops it at the end of the session (of each worker under pytest-xdist).  The
state store's unit tests (``module_utils/_store``), ``cluster_discover``'s and
the integration tier's two upgrades started at once run on it.  Without
PostgreSQL, tests that need it are skipped, or fail when
``OSOPS_REQUIRE_POSTGRES=1`` (CI and ``make`` set it).
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
LINK = os.path.join(COLLECTIONS, 'ansible_collections', 'osops', 'lifecycle')


def _link_tree():
    # When the checkout itself sits at .../ansible_collections/osops/lifecycle
    # (ansible-test's layout), use that tree.
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:
        return os.sep.join(parts[:-3])
    if not os.path.islink(LINK):
        os.makedirs(os.path.dirname(LINK), exist_ok=True)
        try:
            os.symlink(ROOT, LINK)
        except FileExistsError:
            pass
    return COLLECTIONS


# The directory holding ansible_collections/osops/lifecycle: for sys.path, and for ANSIBLE_COLLECTIONS_PATH.
COLLECTIONS_PATH = _link_tree()
sys.path.insert(0, COLLECTIONS_PATH)

# pylint: disable-next=wrong-import-position
from ansible_collections.osops.lifecycle.tests import secretscan

# The secret scan of the integration and lab tiers (--secret-scan): its hooks, bound here.
pytest_addoption = secretscan.pytest_addoption
pytest_sessionstart = secretscan.pytest_sessionstart
pytest_sessionfinish = secretscan.pytest_sessionfinish
pytest_unconfigure = secretscan.pytest_unconfigure
pytest_terminal_summary = secretscan.pytest_terminal_summary

PG_PASSWORD = secretscan.PG_PASSWORD

# pytester: the secret scan's own tests run whole pytest sessions (tests/unit/test_secretscan.py)
pytest_plugins = ('pytester',)


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
        self.password = PG_PASSWORD
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
        secretscan.dump_postgres(self.url(), 'before-emptied')  # the last test's rows, for the secret scan
        self._admin('osops', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public')
        return self.url()

    def stop(self):
        if self.pid:
            try:
                secretscan.dump_postgres(self.url(), 'at-stop')
            finally:
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


CELL0 = '00000000-0000-0000-0000-000000000000'


def _tables(meta):
    def table(name, *columns):
        sa.Table(name, meta, sa.Column('id', sa.Integer, primary_key=True), *columns,
                 sa.Column('deleted', sa.Integer, server_default='0'))

    def text(*names):
        return [sa.Column(name, sa.String(255)) for name in names]

    table('services', *text('host', 'binary'), sa.Column('version', sa.Integer),
          sa.Column('forced_down', sa.Boolean, default=False))
    table('compute_nodes', *text('host', 'hypervisor_hostname'),
          *[sa.Column(name, sa.Float, server_default='1.0') for name in ('ram_allocation_ratio', 'cpu_allocation_ratio', 'disk_allocation_ratio')])
    table('instances', *text('uuid', 'host', 'node', 'availability_zone', 'display_name'),
          sa.Column('compute_id', sa.Integer), sa.Column('created_at', sa.DateTime))
    # the JSON columns of serialized nova objects (nova.db.main.models.InstanceExtra)
    table('instance_extra', *text('instance_uuid'), *[sa.Column(name, sa.Text) for name in (
        'numa_topology', 'pci_requests', 'flavor', 'vcpu_model', 'migration_context', 'keypairs', 'device_metadata',
        'trusted_certs', 'resources')])
    table('instance_system_metadata', *text('instance_uuid', 'key'), sa.Column('value', sa.Text))
    # what nova's online data migrations read (nova/cmd/manage.py online_migrations)
    for name in ('quotas', 'project_user_quotas', 'quota_classes'):
        table(name, *text('project_id', 'resource'))
    for name in ('migrations', 'block_device_mapping', 'pci_devices'):
        table(name, *text('uuid'))
    table('virtual_interfaces', *text('uuid', 'instance_uuid', 'tag'), sa.Column('created_at', sa.DateTime))
    table('instance_info_caches', *text('instance_uuid'), sa.Column('network_info', sa.Text))


class NovaDatabases:
    """An API database, cell0 and cell1, and a nova.conf naming them."""

    def __init__(self, path):
        self.path = path
        self.api = 'sqlite:///%s' % (path / 'nova_api.sqlite')
        self.cell0 = 'sqlite:///%s' % (path / 'nova_cell0.sqlite')
        self.cell1 = 'sqlite:///%s' % (path / 'nova.sqlite')
        api_meta = sa.MetaData()
        sa.Table('cell_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('uuid', sa.String(36)), sa.Column('name', sa.String(255)),
                 sa.Column('database_connection', sa.Text))
        sa.Table('host_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('host', sa.String(255)))
        sa.Table('instance_mappings', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('instance_uuid', sa.String(36)), sa.Column('cell_id', sa.Integer),
                 sa.Column('project_id', sa.String(255)), sa.Column('user_id', sa.String(255)),
                 sa.Column('queued_for_delete', sa.Boolean))
        sa.Table('request_specs', api_meta, sa.Column('id', sa.Integer, primary_key=True),
                 sa.Column('instance_uuid', sa.String(36)), sa.Column('spec', sa.Text))
        api_meta.create_all(sa.create_engine(self.api))
        for url in (self.cell0, self.cell1):
            meta = sa.MetaData()
            _tables(meta)
            meta.create_all(sa.create_engine(url))
        self.conf = path / 'nova.conf'
        self.conf.write_text('[api_database]\nconnection = %s\n[database]\nconnection = %s\n'
                             '[upgrade_levels]\n' % (self.api, self.cell1))
        self.cell1_mapping = self.cell1

    def insert(self, url, table, **values):
        engine = sa.create_engine(url)
        meta = sa.MetaData()
        tbl = sa.Table(table, meta, autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(tbl.insert().values(**values))

    def map_cells(self, cell0=True, cell1=True):
        if cell0:
            self.insert(self.api, 'cell_mappings', uuid=CELL0, name='cell0', database_connection=self.cell0)
        if cell1:
            self.insert(self.api, 'cell_mappings', uuid='c1c1c1c1-0000-0000-0000-000000000001',
                        name='cell1', database_connection=self.cell1_mapping)

    def args(self, **extra):
        args = {'config_files': [str(self.conf)]}
        args.update(extra)
        return args


@pytest.fixture
def nova(tmp_path):
    return NovaDatabases(tmp_path)


@pytest.fixture(scope='session')
def kolla_inventory():
    """Path of an inventory (``multinode``, ``all-in-one``) that the installed kolla-ansible ships.

    kolla-ansible is installed from PyPI without its dependencies (test-requirements-nodeps.txt):
    the test reads kolla's own files, never a copy.
    """
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        dist = distribution('kolla-ansible')
    except PackageNotFoundError:
        pytest.fail('kolla-ansible is not installed: run make setup (test-requirements-nodeps.txt)')
    shipped = dict((str(f).rsplit('/', 1)[-1], str(dist.locate_file(f))) for f in dist.files
                   if '/ansible/inventory/' in str(f))

    def path(name):
        assert name in shipped, 'kolla-ansible %s ships no inventory %s (it has %s)' % (
            dist.version, name, ', '.join(sorted(shipped)))
        return shipped[name]
    return path
