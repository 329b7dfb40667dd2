"""Fixtures shared by the plugins' unit tests: a real PostgreSQL server for the session.

``postgres`` starts one server (initdb + pg_ctl from Debian's ``postgresql``
package) on 127.0.0.1 the first time a test asks for it, and stops it at the
end of the session (of each worker under pytest-xdist).  The state store's
tests (``module_utils/_store``) and ``cluster_discover``'s run on it.  Without
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
import tempfile
import time

import pytest
import sqlalchemy as sa

PG_PASSWORD = 'pg-Secret-4711'


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
