# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opening the state store: its URL, the engine of each database, migrations.

The state store keeps clusters, upgrades and maintenance sessions in one
database.  One URL selects the database (module option ``store``, environment
``OSOPS_STORE_URL``); the default is a SQLite file under ``~/.ansible/osops/``.
PostgreSQL (``postgresql+psycopg://``) and MariaDB/MySQL
(``mysql+pymysql://``) serve teams and AWX.  Opening a store applies the
migrations in ``migrations`` and refuses a store written by a newer
collection.

The functions of ``clusters``, ``upgrades``, ``sessions`` and
``session_steps`` are the whole API the modules use.  They take a
:class:`Store`, run one short transaction each and return plain dicts.
Errors are :class:`StoreError` with secret-free messages: a password in the
URL is always shown as ``***``.

Invariants the database itself enforces: one active upgrade per cluster
(a UNIQUE slot column tied to the status by a CHECK constraint), one active
maintenance session per host (a UNIQUE slot on the session's hosts), one row
per cluster name, host and component.  Status changes are compare-and-set on
the current status, so two controllers never both move the same upgrade,
session or step.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import hide_password, mask_url, url_password
from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations

try:
    import sqlalchemy as sa
    from sqlalchemy import event, orm
    from sqlalchemy.engine import make_url
except ImportError as exc:
    STORE_IMPORT_ERROR = str(exc)
else:
    # alembic is imported (and checked) by migrations.
    STORE_IMPORT_ERROR = migrations.MIGRATIONS_IMPORT_ERROR

STORE_URL_ENV = 'OSOPS_STORE_URL'
DEFAULT_STORE_PATH = os.path.join('~', '.ansible', 'osops', 'store.db')
SUPPORTED_URLS = 'sqlite:///PATH, postgresql+psycopg://USER:PASSWORD@HOST/DB or mysql+pymysql://USER:PASSWORD@HOST/DB'

# Seconds a connection attempt may take, and a writer may wait for SQLite's
# lock or for another controller's migration.
CONNECT_TIMEOUT = 10
LOCK_TIMEOUT = 30


class StoreError(OsopsError):
    """The state store cannot be opened, read or changed as asked."""


class StoreConflict(StoreError):
    """A change the database refused because of a constraint or a concurrent change."""


def _reason(exc, password):
    """A one-line, secret-free reason from a database error (the password as written and decoded)."""
    orig = getattr(exc, 'orig', None) or exc
    text = '; '.join(line.strip() for line in str(orig).splitlines() if line.strip())
    text = re.sub(r'\s*\(Background on this error at: [^)]*\)', '', text)
    return hide_password(text, password) or type(orig).__name__


# What SQLite says of a file that is no database, or one cut short or overwritten.
_DAMAGED = re.compile(r'file is not a database|database disk image is malformed|file is encrypted')


class Store:
    """An open store: an engine and its short transactions."""

    def __init__(self, engine, url, password=None):
        self.engine = engine
        self.url = url  # rendered with the password hidden
        self._password = password
        self._sessions = orm.sessionmaker(engine, expire_on_commit=False)

    def __repr__(self):
        return '<Store %s>' % self.url

    def error(self, exc, doing='Store'):
        """A StoreError for a database exception, naming the store but no secret."""
        cls = StoreConflict if isinstance(exc, sa.exc.IntegrityError) else StoreError
        reason = _reason(exc, self._password)
        if self.engine.dialect.name == 'sqlite' and _DAMAGED.search(reason):
            reason += (': the file is not a SQLite database or it is damaged (cut short, overwritten). Restore it '
                       'from a backup (sqlite3 FILE .recover saves what can be read), or give another store.')
        return cls('%s %s: %s' % (doing, self.url, reason))

    @contextlib.contextmanager
    def transaction(self):
        """One short transaction as an ORM session, committed when the block ends."""
        try:
            with self._sessions.begin() as session:
                yield session
        except sa.exc.SQLAlchemyError as exc:
            raise self.error(exc) from None

    def close(self):
        self.engine.dispose()


def store_url(url=None):
    """The store URL to use: ``url``, else ``OSOPS_STORE_URL``, else the default SQLite file."""
    return url or os.environ.get(STORE_URL_ENV) or 'sqlite:///' + os.path.expanduser(DEFAULT_STORE_PATH)


def sqlite_path(url):
    """The file of a SQLite store URL, or None for other databases and in-memory ones."""
    try:
        parsed = make_url(url)
    except (NameError, sa.exc.ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != 'sqlite' or not parsed.database or parsed.database == ':memory:' \
            or parsed.database.startswith('file:'):
        return None
    return os.path.expanduser(parsed.database)


def _wal(cursor, locked_error):
    """Switch to WAL (readers never wait for the writer; persistent once set).

    The switch needs an exclusive lock and SQLite answers "database is
    locked" at once, without its busy timeout, while another process is
    creating the same file: retry until LOCK_TIMEOUT.
    """
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            cursor.execute('PRAGMA journal_mode = WAL')
            return
        except locked_error as exc:
            if 'locked' not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_engine(url):
    database = url.database
    if database and database != ':memory:' and not database.startswith('file:'):
        database = os.path.expanduser(database)
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
        url = url.set(database=database)
    engine = sa.create_engine(url, connect_args={'timeout': LOCK_TIMEOUT})

    @event.listens_for(engine, 'connect')
    def _configure(dbapi_connection, _record):
        # Transactions are begun explicitly below, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys = ON')  # ON DELETE CASCADE
        _wal(cursor, engine.dialect.dbapi.OperationalError)
        cursor.close()

    @event.listens_for(engine, 'begin')
    def _begin(connection):
        # Take the write lock at the start: a deferred transaction that reads,
        # then writes, fails at once with "database is locked" when another
        # process wrote meanwhile; an immediate one waits the busy timeout.
        connection.exec_driver_sql('BEGIN IMMEDIATE')

    return engine


def _create_engine(url):
    backend = url.get_backend_name()
    if backend == 'sqlite':
        return _sqlite_engine(url)
    if backend == 'postgresql':
        return sa.create_engine(url, connect_args={'connect_timeout': CONNECT_TIMEOUT})
    if backend in ('mysql', 'mariadb'):
        return sa.create_engine(url, pool_pre_ping=True,
                                connect_args={'connect_timeout': CONNECT_TIMEOUT, 'charset': 'utf8mb4'})
    raise StoreError('Cannot open store %s: %s databases are not supported; use %s.'
                     % (mask_url(url.render_as_string(hide_password=False)), backend, SUPPORTED_URLS))


# Key of the PostgreSQL advisory lock held while migrating ('osops' in ASCII).
_PG_MIGRATION_LOCK = 0x6F736F7073
_MYSQL_MIGRATION_LOCK = 'osops.lifecycle store migrations'


@contextlib.contextmanager
def _migration_lock(connection):
    """Serialise migrations between controllers opening the same store at once."""
    backend = connection.dialect.name
    if backend == 'postgresql':
        connection.execute(sa.text('SELECT pg_advisory_xact_lock(%d)' % _PG_MIGRATION_LOCK))
    elif backend in ('mysql', 'mariadb'):
        locked = connection.scalar(sa.text('SELECT GET_LOCK(:name, :timeout)'),
                                   {'name': _MYSQL_MIGRATION_LOCK, 'timeout': LOCK_TIMEOUT})
        if locked != 1:
            raise StoreError('Another controller has been migrating this store for %d s; try again.'
                             % LOCK_TIMEOUT)
    # SQLite: the transaction's BEGIN IMMEDIATE already excludes other writers.
    try:
        yield
    finally:
        if backend in ('mysql', 'mariadb'):
            connection.execute(sa.text('SELECT RELEASE_LOCK(:name)'), {'name': _MYSQL_MIGRATION_LOCK})


def _migrate(store):
    with store.engine.begin() as connection, _migration_lock(connection):
        revision = migrations.current_revision(connection)
        if revision is not None and revision not in migrations.KNOWN_REVISIONS:
            raise StoreError(
                'Store %s was written by a newer osops.lifecycle (revision %s); upgrade the '
                'collection (this one knows revisions up to %s).' % (store.url, revision, migrations.HEAD))
        migrations.upgrade(connection, revision)


def open_store(url=None):
    """Open (creating and migrating when needed) the store at ``url``.

    ``url`` defaults to ``OSOPS_STORE_URL``, then to a SQLite file at
    ``~/.ansible/osops/store.db`` (its directory is created).
    """
    if STORE_IMPORT_ERROR is not None:
        raise StoreError('The state store needs the Python libraries SQLAlchemy (2.0 or later) '
                         'and alembic on the controller: %s' % STORE_IMPORT_ERROR)
    text = store_url(url)
    try:
        parsed = make_url(text)
    except (sa.exc.ArgumentError, ValueError):
        raise StoreError('Cannot parse the store URL %s; expected %s.'
                         % (mask_url(text), SUPPORTED_URLS)) from None
    # Masked in the text as given: SQLAlchemy parses a password holding an unencoded @ up to that @.
    safe, password = mask_url(text), url_password(text)
    if password and '@' in password:
        raise StoreError('Cannot open store %s: its password holds an unencoded @, which ends the password '
                         'for the database driver; percent-encode it (@ as %%40, : as %%3A, / as %%2F).' % safe)
    try:
        engine = _create_engine(parsed)
    except OSError as exc:  # the SQLite file's directory cannot be created
        raise StoreError('Cannot open store %s: %s.' % (safe, exc)) from None
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as exc:
        raise StoreError('Cannot open store %s: %s; supported URLs: %s.'
                         % (safe, _reason(exc, password), SUPPORTED_URLS)) from None
    store = Store(engine, safe, password)
    try:
        _migrate(store)
    except sa.exc.SQLAlchemyError as exc:
        store.close()
        raise store.error(exc, 'Cannot open store') from None
    except StoreError:
        store.close()
        raise
    return store
