# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state store: clusters, upgrades and maintenance sessions in one database.

One URL selects the database (module option ``store``, environment
``OSOPS_STORE_URL``); the default is a SQLite file under ``~/.ansible/osops/``.
PostgreSQL (``postgresql+psycopg://``) and MariaDB/MySQL
(``mysql+pymysql://``) serve teams and AWX.  Opening a store applies the
migrations in ``_store_migrations`` and refuses a store written by a newer
collection.

The functions below are the whole API the modules use.  They take a
:class:`Store`, run one short transaction each and return plain dicts.
Errors are :class:`StoreError` with secret-free messages: a password in the
URL is always shown as ``***``.

Invariants the database itself enforces: one active upgrade per cluster
(a UNIQUE slot column tied to the status by a CHECK constraint), one row per
cluster name, host and component.  Status changes are compare-and-set on the
current status, so two controllers never both move the same upgrade or step.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import time
import uuid

from ansible_collections.osops.lifecycle.plugins.module_utils import _store_migrations as migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import SECRET_KEY

try:
    import sqlalchemy as sa
    from sqlalchemy import event, orm
    from sqlalchemy.engine import make_url
except ImportError as exc:
    STORE_IMPORT_ERROR = str(exc)
else:
    # alembic is imported (and checked) by _store_migrations.
    STORE_IMPORT_ERROR = migrations.MIGRATIONS_IMPORT_ERROR

STORE_URL_ENV = 'OSOPS_STORE_URL'
DEFAULT_STORE_PATH = os.path.join('~', '.ansible', 'osops', 'store.db')
SUPPORTED_URLS = 'sqlite:///PATH, postgresql+psycopg://USER:PASSWORD@HOST/DB or mysql+pymysql://USER:PASSWORD@HOST/DB'

# Seconds a connection attempt may take, and a writer may wait for SQLite's
# lock or for another controller's migration.
CONNECT_TIMEOUT = 10
LOCK_TIMEOUT = 30

# Every allowed upgrade status change, in one place.
UPGRADE_TRANSITIONS = {
    # A plan that never started can be dropped without a rollback.
    'pending': ('running', 'cancelled'),
    'running': ('paused', 'cancelling', 'failed', 'rolling_back', 'completed'),
    'paused': ('running', 'rolling_back'),
    'cancelling': ('cancelled',),
    'cancelled': ('rolling_back',),
    # continue after a fix retries the failed step; or roll back.
    'failed': ('running', 'rolling_back'),
    'rolling_back': ('rolled_back',),
    'rolled_back': (),
    'completed': (),
}

# Every allowed step status change.  A step found ``running`` is run again
# (the controller died during it: driver steps are idempotent); rollback
# reverts whatever a step may have changed.
STEP_TRANSITIONS = {
    'pending': ('running',),
    'running': ('running', 'done', 'failed', 'reverted'),
    'done': ('reverted',),
    'failed': ('running', 'reverted'),
    'reverted': (),
}

# Keys of discovery parameters that hold secrets; they are never stored.
# The password part of something that looks like a URL, for text that is not one.
_URL_PASSWORD = re.compile(r'(//[^/:@]*:)[^@/]*@')


class StoreError(OsopsError):
    """The state store cannot be opened, read or changed as asked."""


class StoreConflict(StoreError):
    """A change the database refused because of a constraint or a concurrent change."""


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


if STORE_IMPORT_ERROR is None:  # the ORM models need SQLAlchemy when they are defined

    class Base(orm.DeclarativeBase):
        """Declarative base of the store's models (mirrors ``_store_migrations``)."""

    class _Timestamps:
        created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
            migrations.timestamp(), default=_now)
        updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
            migrations.timestamp(), default=_now)

    class Cluster(_Timestamps, Base):
        __tablename__ = 'clusters'
        __table_args__ = (
            sa.UniqueConstraint('name', name='uq_clusters_name'),
            sa.CheckConstraint(migrations.in_list('state', migrations.CLUSTER_STATES),
                               name='ck_clusters_state'),
        )
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
        region: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        method: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        params: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
        state: orm.Mapped[str] = orm.mapped_column(sa.String(16), default='active')
        state_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
        hosts: orm.Mapped[list[Host]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='Host.name')
        components: orm.Mapped[list[Component]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True,
            order_by=lambda: (Component.service, Component.binary, Component.host))

    def _cluster_fk(table):
        return sa.ForeignKey('clusters.id', ondelete='CASCADE', name='fk_%s_cluster' % table)

    class Host(Base):
        __tablename__ = 'hosts'
        __table_args__ = (sa.UniqueConstraint('cluster_id', 'name', name='uq_hosts_cluster_name'),)
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        cluster_id: orm.Mapped[int] = orm.mapped_column(_cluster_fk('hosts'))
        name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
        address: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        roles: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)

    class Component(Base):
        __tablename__ = 'components'
        __table_args__ = (sa.UniqueConstraint('cluster_id', 'service', 'binary', 'host',
                                              name='uq_components_cluster_service_binary_host'),)
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        cluster_id: orm.Mapped[int] = orm.mapped_column(_cluster_fk('components'))
        service: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        binary: orm.Mapped[str] = orm.mapped_column(sa.String(128))
        host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
        version: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
        release: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
        state: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
        extra: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

    class DiscoveryRun(Base):
        __tablename__ = 'discovery_runs'
        __table_args__ = (sa.Index('ix_discovery_runs_cluster_started', 'cluster_id', 'started_at'),)
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        cluster_id: orm.Mapped[int] = orm.mapped_column(_cluster_fk('discovery_runs'))
        method: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        started_at: orm.Mapped[datetime.datetime] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        diff: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)
        api_calls: orm.Mapped[int | None]
        error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)

    class Upgrade(_Timestamps, Base):
        __tablename__ = 'upgrades'
        __table_args__ = (
            sa.UniqueConstraint('active_cluster_id', name='uq_upgrades_active_cluster'),
            sa.CheckConstraint(
                migrations.in_list('status', migrations.ACTIVE_UPGRADE_STATUSES
                                   + migrations.FINISHED_UPGRADE_STATUSES),
                name='ck_upgrades_status'),
            sa.CheckConstraint(migrations.ACTIVE_SLOT_CHECK, name='ck_upgrades_active_slot'),
            sa.Index('ix_upgrades_cluster', 'cluster_id'),
        )
        id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
        cluster_id: orm.Mapped[int] = orm.mapped_column(_cluster_fk('upgrades'))
        # The cluster's id while the upgrade is active, NULL once it is finished.
        active_cluster_id: orm.Mapped[int | None]
        from_release: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        to_release: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
        cluster: orm.Mapped[Cluster] = orm.relationship()
        steps: orm.Mapped[list[UpgradeStep]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='UpgradeStep.position')

    class UpgradeStep(Base):
        __tablename__ = 'upgrade_steps'
        __table_args__ = (
            sa.UniqueConstraint('upgrade_id', 'position', name='uq_upgrade_steps_upgrade_position'),
            sa.CheckConstraint(migrations.in_list('status', migrations.STEP_STATUSES),
                               name='ck_upgrade_steps_status'),
        )
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        upgrade_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey(
            'upgrades.id', ondelete='CASCADE', name='fk_upgrade_steps_upgrade'))
        position: orm.Mapped[int]
        phase: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        service: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
        host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        action: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default='pending')
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        detail: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
        from_version: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
        to_version: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))

    class MaintenanceSession(_Timestamps, Base):
        __tablename__ = 'maintenance_sessions'
        __table_args__ = (sa.Index('ix_maintenance_sessions_cluster', 'cluster_id'),)
        id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
        cluster_id: orm.Mapped[int] = orm.mapped_column(_cluster_fk('maintenance_sessions'))
        state: orm.Mapped[str] = orm.mapped_column(sa.String(32))
        workflow: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        maintenance_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        # ``metadata`` is reserved on declarative classes: the column keeps the name.
        meta: orm.Mapped[dict] = orm.mapped_column('metadata', sa.JSON, default=dict)
        download: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)
        cluster: orm.Mapped[Cluster] = orm.relationship()
        hosts: orm.Mapped[list[MaintenanceHost]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='MaintenanceHost.position')
        actions: orm.Mapped[list[MaintenanceAction]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='MaintenanceAction.id')

    def _session_fk(table):
        return sa.ForeignKey('maintenance_sessions.id', ondelete='CASCADE', name='fk_%s_session' % table)

    class MaintenanceHost(Base):
        __tablename__ = 'maintenance_hosts'
        __table_args__ = (sa.UniqueConstraint('session_id', 'host', name='uq_maintenance_hosts_session_host'),)
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        session_id: orm.Mapped[str] = orm.mapped_column(_session_fk('maintenance_hosts'))
        host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
        state: orm.Mapped[str] = orm.mapped_column(sa.String(32), default='pending')
        position: orm.Mapped[int]
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        detail: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

    class MaintenanceAction(Base):
        __tablename__ = 'maintenance_actions'
        __table_args__ = (
            sa.CheckConstraint(migrations.in_list('type', migrations.ACTION_TYPES),
                               name='ck_maintenance_actions_type'),
            sa.Index('ix_maintenance_actions_session', 'session_id'),
        )
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        session_id: orm.Mapped[str] = orm.mapped_column(_session_fk('maintenance_actions'))
        plugin: orm.Mapped[str] = orm.mapped_column(sa.String(128))
        type: orm.Mapped[str] = orm.mapped_column(sa.String(8))
        meta: orm.Mapped[dict] = orm.mapped_column('metadata', sa.JSON, default=dict)
        host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        state: orm.Mapped[str] = orm.mapped_column(sa.String(32), default='pending')
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        detail: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)


# --------------------------------------------------------------------------
# Opening a store
# --------------------------------------------------------------------------

def _hide_password(text):
    """Mask a URL password in text that could not be parsed as a URL."""
    return _URL_PASSWORD.sub(r'\1***@', text)


def _reason(exc, password):
    """A one-line, secret-free reason from a database error."""
    orig = getattr(exc, 'orig', None) or exc
    text = '; '.join(line.strip() for line in str(orig).splitlines() if line.strip())
    text = re.sub(r'\s*\(Background on this error at: [^)]*\)', '', text)
    if password:
        text = text.replace(password, '***')
    return text or type(orig).__name__


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
        return cls('%s %s: %s' % (doing, self.url, _reason(exc, self._password)))

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


def url_password(url):
    """The password in a store URL, or None (so callers can mask it in every output)."""
    try:
        return make_url(url).password
    except (NameError, sa.exc.ArgumentError, ValueError):  # NameError: no SQLAlchemy
        match = re.search(r'//[^/:@]*:([^@/]*)@', url)
        return match.group(1) if match else None


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
                     % (url.render_as_string(hide_password=True), backend, SUPPORTED_URLS))


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
                         % (_hide_password(text), SUPPORTED_URLS)) from None
    safe = parsed.render_as_string(hide_password=True)
    try:
        engine = _create_engine(parsed)
    except OSError as exc:  # the SQLite file's directory cannot be created
        raise StoreError('Cannot open store %s: %s.' % (safe, exc)) from None
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as exc:
        raise StoreError('Cannot open store %s: %s; supported URLs: %s.'
                         % (safe, _reason(exc, parsed.password), SUPPORTED_URLS)) from None
    store = Store(engine, safe, parsed.password)
    try:
        _migrate(store)
    except sa.exc.SQLAlchemyError as exc:
        store.close()
        raise store.error(exc, 'Cannot open store') from None
    except StoreError:
        store.close()
        raise
    return store


# --------------------------------------------------------------------------
# Plain data out, normalised data in
# --------------------------------------------------------------------------

def _iso(value):
    """ISO 8601 in UTC; naive values (SQLite, MySQL) are UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).isoformat()


def _plain(obj):
    """A model instance as a dict keyed by column name, datetimes as ISO text.

    Internal columns are left out: integer surrogate keys, foreign keys and
    the active-upgrade slot.  Upgrades and sessions keep their uuid ``id``.
    """
    result = {}
    for attr in sa.inspect(obj).mapper.column_attrs:
        column = attr.columns[0]
        if _internal(column):
            continue
        value = getattr(obj, attr.key)
        result[column.name] = _iso(value) if isinstance(value, datetime.datetime) else value
    return result


def _internal(column):
    return (bool(column.foreign_keys) or column.name == 'active_cluster_id'
            or (column.primary_key and isinstance(column.type, sa.Integer)))


def _plain_select(model, leave_out=()):
    """A SELECT of the columns ``_plain`` gives for ``model`` but ``leave_out``; callers add the rest."""
    return sa.select(*[c for c in model.__table__.columns if not _internal(c) and c.name not in leave_out])


def _plain_rows(session, statement):
    """What ``_plain`` gives for each row of ``statement`` (a ``_plain_select``).

    The rows are read as rows, without building a model instance each: at
    thousands of hosts that is about five times faster.
    """
    result = session.execute(statement)
    names = list(result.keys())
    return [dict(zip(names, [_iso(v) if isinstance(v, datetime.datetime) else v for v in row])) for row in result]


def _json(value, what):
    """``value`` as it reads back from a JSON column (tuples become lists ...)."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise StoreError('%s cannot be stored as JSON: %s' % (what, exc)) from None


def without_secrets(params):
    """``params`` with every key that names a secret (password, token, ...) removed."""
    if isinstance(params, dict):
        return dict((key, without_secrets(value)) for key, value in params.items()
                    if not SECRET_KEY.search(str(key)))
    if isinstance(params, list):
        return [without_secrets(value) for value in params]
    return params


def _cluster_id(session, name):
    cluster_id = session.scalar(sa.select(Cluster.id).where(Cluster.name == name))
    if cluster_id is None:
        raise StoreError('No cluster named %r in the store; discover it first '
                         '(osops.lifecycle.cluster_discover).' % name)
    return cluster_id


# --------------------------------------------------------------------------
# Clusters
# --------------------------------------------------------------------------

_HOST_FIELDS = ('address', 'roles')
_COMPONENT_KEY = ('service', 'binary', 'host')
_COMPONENT_FIELDS = ('version', 'release', 'state', 'extra')


def _desired_hosts(hosts):
    desired = {}
    for host in hosts:
        name = host.get('name')
        if not name:
            raise StoreError('A host needs a name: %r' % (host,))
        if name in desired:
            raise StoreError('Host %s is listed twice.' % name)
        desired[name] = {'name': name, 'address': host.get('address'),
                         'roles': sorted(set(_json(host.get('roles') or [], 'roles of %s' % name)))}
    return desired


def _desired_components(components):
    desired = {}
    for component in components:
        if not component.get('service') or not component.get('binary'):
            raise StoreError('A component needs a service and a binary: %r' % (component,))
        key = (component['service'], component['binary'], component.get('host') or '')
        if key in desired:
            raise StoreError('Component %s %s on host %r is listed twice.' % key)
        version = component.get('version')
        desired[key] = dict(zip(_COMPONENT_KEY, key), **{
            'version': None if version is None else str(version),
            'release': component.get('release'),
            'state': component.get('state'),
            'extra': _json(component.get('extra') or {}, 'extra of %s %s on %r' % key),
        })
    return desired


def _diff(existing, desired, key_fields, fields):
    """added / removed / changed between two ``{key: dict}`` maps, in key order."""
    added = [desired[key] for key in sorted(desired.keys() - existing.keys())]
    removed = [existing[key] for key in sorted(existing.keys() - desired.keys())]
    changed = []
    for key in sorted(existing.keys() & desired.keys()):
        before = dict((f, existing[key][f]) for f in fields if existing[key][f] != desired[key][f])
        if before:
            entry = dict((f, desired[key][f]) for f in key_fields)
            entry.update(before=before, after=dict((f, desired[key][f]) for f in before))
            changed.append(entry)
    return {'added': added, 'removed': removed, 'changed': changed}


def upsert_cluster(store, name, method, params=None, region=None, hosts=(), components=(),
                   check_mode=False):
    """Record what discovery found about cluster ``name``; return the difference.

    ``hosts`` are dicts with ``name``, ``address``, ``roles``; ``components``
    dicts with ``service``, ``binary``, ``host``, ``version``, ``release``,
    ``state``, ``extra``.  Hosts and components not listed are removed.
    Secrets are removed from ``params`` before they are stored.

    Returns ``{'changed', 'created', 'cluster', 'hosts', 'components'}``:
    ``cluster`` maps each changed cluster field to its ``before``/``after``;
    ``hosts`` and ``components`` hold ``added``, ``removed`` and ``changed``
    lists.  Nothing is written when nothing changed, nor in ``check_mode``.
    """
    wanted = {'region': region, 'method': method,
              'params': _json(without_secrets(params or {}), 'params')}
    desired_hosts = _desired_hosts(hosts)
    desired_components = _desired_components(components)
    with store.transaction() as session:
        cluster = session.scalars(
            sa.select(Cluster).where(Cluster.name == name)
            .options(orm.selectinload(Cluster.hosts), orm.selectinload(Cluster.components))
        ).one_or_none()
        current = dict((h.name, _plain(h)) for h in cluster.hosts) if cluster else {}
        host_diff = _diff(current, desired_hosts, ('name',), _HOST_FIELDS)
        current = dict(((c.service, c.binary, c.host), _plain(c)) for c in cluster.components) if cluster else {}
        component_diff = _diff(current, desired_components, _COMPONENT_KEY, _COMPONENT_FIELDS)
        cluster_diff = {}
        if cluster is not None:
            cluster_diff = dict((f, {'before': getattr(cluster, f), 'after': wanted[f]})
                                for f in wanted if getattr(cluster, f) != wanted[f])
        result = {
            'created': cluster is None,
            'cluster': cluster_diff,
            'hosts': host_diff,
            'components': component_diff,
        }
        result['changed'] = bool(result['created'] or cluster_diff
                                 or any(host_diff.values()) or any(component_diff.values()))
        if result['changed'] and not check_mode:
            _apply_cluster(session, cluster, name, wanted, host_diff, component_diff)
    return result


def _apply_cluster(session, cluster, name, wanted, host_diff, component_diff):
    if cluster is None:
        cluster = Cluster(name=name, **wanted)
        session.add(cluster)
    else:
        for field, value in wanted.items():
            setattr(cluster, field, value)
        cluster.updated_at = _now()
    hosts = dict((h.name, h) for h in cluster.hosts)
    for entry in host_diff['removed']:
        cluster.hosts.remove(hosts[entry['name']])
    for entry in host_diff['changed']:
        for field, value in entry['after'].items():
            setattr(hosts[entry['name']], field, value)
    components = dict(((c.service, c.binary, c.host), c) for c in cluster.components)
    for entry in component_diff['removed']:
        cluster.components.remove(components[tuple(entry[f] for f in _COMPONENT_KEY)])
    for entry in component_diff['changed']:
        for field, value in entry['after'].items():
            setattr(components[tuple(entry[f] for f in _COMPONENT_KEY)], field, value)
    # New hosts and components as bulk INSERTs (executemany), not one ORM object each: a first
    # discovery of thousands of hosts spent most of its store time building and flushing objects.
    # The session flushes the removals and changes above (and a new cluster, for its id) first.
    session.flush()
    for model, added in ((Host, host_diff['added']), (Component, component_diff['added'])):
        if added:
            session.execute(sa.insert(model), [dict(entry, cluster_id=cluster.id) for entry in added])


def get_cluster(store, name):
    """Cluster ``name`` with its hosts and components, or None."""
    with store.transaction() as session:
        cluster = session.scalars(sa.select(Cluster).where(Cluster.name == name)).one_or_none()
        if cluster is None:
            return None
        result = _plain(cluster)
        # In the order of the relationships Cluster.hosts and Cluster.components.
        result['hosts'] = _plain_rows(session, _plain_select(Host).where(Host.cluster_id == cluster.id)
                                      .order_by(Host.name))
        result['components'] = _plain_rows(session, _plain_select(Component)
                                           .where(Component.cluster_id == cluster.id)
                                           .order_by(Component.service, Component.binary, Component.host))
        return result


def list_clusters(store):
    """Every cluster (without hosts and components), by name."""
    with store.transaction() as session:
        return [_plain(c) for c in session.scalars(sa.select(Cluster).order_by(Cluster.name))]


def record_discovery_run(store, cluster, method, started_at, status, diff=None, api_calls=None,
                         error=None):
    """Record one discovery of cluster ``cluster`` (``status`` ok or failed); False when it is unknown.

    A run of a cluster that is not in the store (its first discovery failed)
    is not recorded: nothing about it is written.
    """
    with store.transaction() as session:
        cluster_id = session.scalar(sa.select(Cluster.id).where(Cluster.name == cluster))
        if cluster_id is None:
            return False
        session.add(DiscoveryRun(cluster_id=cluster_id, method=method, started_at=started_at,
                                 finished_at=_now(), status=status,
                                 diff=None if diff is None else _json(diff, 'diff'),
                                 api_calls=api_calls, error=error))
    return True


def last_discovery_run(store, cluster, diff=True):
    """The latest discovery run of cluster ``cluster``, or None.

    With ``diff`` false, the run's ``diff`` is not read (a first discovery's
    lists every host and component it added).
    """
    with store.transaction() as session:
        runs = _plain_rows(session, _plain_select(DiscoveryRun, leave_out=() if diff else ('diff',))
                           .join(Cluster, DiscoveryRun.cluster_id == Cluster.id).where(Cluster.name == cluster)
                           .order_by(DiscoveryRun.started_at.desc(), DiscoveryRun.id.desc()).limit(1))
        return runs[0] if runs else None


# --------------------------------------------------------------------------
# Upgrades
# --------------------------------------------------------------------------

def _upgrade_dict(upgrade, steps=True):
    result = _plain(upgrade)
    result['cluster'] = upgrade.cluster.name
    if steps:
        result['steps'] = [_plain(s) for s in upgrade.steps]
    return result


def _load_upgrade(session, upgrade_id):
    upgrade = session.scalars(
        sa.select(Upgrade).where(Upgrade.id == upgrade_id)
        .options(orm.selectinload(Upgrade.steps), orm.joinedload(Upgrade.cluster))
    ).one_or_none()
    if upgrade is None:
        raise StoreError('No upgrade %s in the store.' % upgrade_id)
    return upgrade


def get_upgrade(store, upgrade_id):
    """Upgrade ``upgrade_id`` with its steps in order; StoreError when unknown."""
    with store.transaction() as session:
        return _upgrade_dict(_load_upgrade(session, upgrade_id))


def active_upgrade(store, cluster):
    """The active upgrade of cluster ``cluster`` (without its steps), or None."""
    with store.transaction() as session:
        upgrade = session.scalars(
            sa.select(Upgrade).join(Upgrade.cluster)
            .where(Cluster.name == cluster, Upgrade.active_cluster_id.is_not(None))
        ).one_or_none()
        return None if upgrade is None else _upgrade_dict(upgrade, steps=False)


def _active_conflict(store, cluster, exc):
    """The error for a refused second active upgrade, naming the one that holds the slot."""
    active = active_upgrade(store, cluster)
    if active is None:  # it finished meanwhile: report what the database said
        return exc
    return StoreConflict(
        'Cluster %s already has an active upgrade: %s (%s → %s, status %s). Finish, cancel or '
        'roll it back first.' % (cluster, active['id'], active['from_release'],
                                 active['to_release'], active['status']),
        upgrade_id=active['id'], status=active['status'])


def create_upgrade(store, cluster, from_release, to_release, steps):
    """Persist a new ``pending`` upgrade of ``cluster`` with its ordered steps.

    ``steps`` are dicts with ``phase``, ``service``, ``host``, ``action``,
    ``from_version``, ``to_version`` and ``detail``, in execution order.
    The database refuses it when the cluster already has an active upgrade.
    """
    for position, step in enumerate(steps, 1):
        if not step.get('phase') or not step.get('action'):
            raise StoreError('Step %d needs a phase and an action: %r' % (position, step))
    upgrade_id = str(uuid.uuid4())
    try:
        with store.transaction() as session:
            cluster_id = _cluster_id(session, cluster)
            upgrade = Upgrade(id=upgrade_id, cluster_id=cluster_id, active_cluster_id=cluster_id,
                              from_release=from_release, to_release=to_release, status='pending')
            upgrade.steps = [
                UpgradeStep(position=position, phase=step['phase'], service=step.get('service'),
                            host=step.get('host'), action=step['action'],
                            from_version=step.get('from_version'), to_version=step.get('to_version'),
                            detail=_json(step.get('detail') or {}, 'detail of step %d' % position))
                for position, step in enumerate(steps, 1)]
            session.add(upgrade)
    except StoreConflict as exc:
        raise _active_conflict(store, cluster, exc) from None
    return get_upgrade(store, upgrade_id)


def _refuse_transition(kind, name, current, wanted, table):
    allowed = table[current]
    return StoreError('%s %s is %s: it cannot become %s (from %s it can only become %s).' % (
        kind, name, current, wanted, current, ', '.join(allowed) if allowed else 'nothing: it is final'),
        status=current)


def transition_upgrade(store, upgrade_id, status, error=None):
    """Move upgrade ``upgrade_id`` to ``status`` if UPGRADE_TRANSITIONS allows it.

    Compare-and-set on the current status in one short transaction: when
    another controller moved the upgrade first, nothing changes and the error
    names the status it found.  ``error`` (why it failed, was cancelled ...)
    is recorded when given and kept otherwise.
    """
    if status not in UPGRADE_TRANSITIONS:
        raise StoreError('Unknown upgrade status %r; expected one of %s.'
                         % (status, ', '.join(UPGRADE_TRANSITIONS)))
    cluster = None
    try:
        with store.transaction() as session:
            upgrade = _load_upgrade(session, upgrade_id)
            cluster, current = upgrade.cluster.name, upgrade.status
            if status not in UPGRADE_TRANSITIONS[current]:
                raise _refuse_transition('Upgrade', upgrade_id, current, status, UPGRADE_TRANSITIONS)
            values = {'status': status, 'updated_at': _now(), 'active_cluster_id': (
                upgrade.cluster_id if status in migrations.ACTIVE_UPGRADE_STATUSES else None)}
            if error is not None:
                values['error'] = error
            moved = session.execute(
                sa.update(Upgrade)
                .where(Upgrade.id == upgrade_id, Upgrade.status == current)
                .values(**values)
                .execution_options(synchronize_session=False)).rowcount
            if moved:
                session.refresh(upgrade)
                return _upgrade_dict(upgrade)
    except StoreConflict as exc:
        raise _active_conflict(store, cluster, exc) from None
    # Read in a new transaction: the status the other controller committed.
    now = get_upgrade(store, upgrade_id)['status']
    raise StoreError('Upgrade %s was moved from %s to %s by another controller meanwhile; '
                     'nothing changed.' % (upgrade_id, current, now), status=now)


def mark_step(store, upgrade_id, position, status, detail=None):
    """Move step ``position`` of upgrade ``upgrade_id`` to ``status`` (compare-and-set).

    ``running`` records the start time, ``done``/``failed``/``reverted`` the
    end time; ``detail`` (a dict) replaces the step's detail when given.
    """
    if status not in STEP_TRANSITIONS:
        raise StoreError('Unknown step status %r; expected one of %s.'
                         % (status, ', '.join(STEP_TRANSITIONS)))
    name = '%d of upgrade %s' % (position, upgrade_id)
    with store.transaction() as session:
        step = session.scalars(sa.select(UpgradeStep).where(
            UpgradeStep.upgrade_id == upgrade_id, UpgradeStep.position == position)).one_or_none()
        if step is None:
            raise StoreError('No step %s in the store.' % name)
        current = step.status
        if status not in STEP_TRANSITIONS[current]:
            raise _refuse_transition('Step', name, current, status, STEP_TRANSITIONS)
        values = {'status': status}
        if status == 'running':
            values.update(started_at=_now(), finished_at=None)
        else:
            values['finished_at'] = _now()
        if detail is not None:
            values['detail'] = _json(detail, 'detail of step %s' % name)
        moved = session.execute(
            sa.update(UpgradeStep)
            .where(UpgradeStep.id == step.id, UpgradeStep.status == current)
            .values(**values).execution_options(synchronize_session=False)).rowcount
        if not moved:
            raise StoreError('Step %s changed status meanwhile (it was %s); nothing changed.'
                             % (name, current))
        session.refresh(step)
        return _plain(step)


# --------------------------------------------------------------------------
# Maintenance sessions
# --------------------------------------------------------------------------

def _session_dict(maintenance, details=True):
    result = _plain(maintenance)
    result['cluster'] = maintenance.cluster.name
    if details:
        result['hosts'] = [_plain(h) for h in maintenance.hosts]
        result['actions'] = [_plain(a) for a in maintenance.actions]
    return result


def _load_session(session, session_id):
    maintenance = session.scalars(
        sa.select(MaintenanceSession).where(MaintenanceSession.id == session_id)
        .options(orm.selectinload(MaintenanceSession.hosts),
                 orm.selectinload(MaintenanceSession.actions),
                 orm.joinedload(MaintenanceSession.cluster))
    ).one_or_none()
    if maintenance is None:
        raise StoreError('No maintenance session %s in the store.' % session_id)
    return maintenance


def create_session(store, cluster, hosts, state='MAINTENANCE', workflow='default',
                   maintenance_at=None, metadata=None, download=None, actions=()):
    """Persist a maintenance session of ``cluster`` over ``hosts`` (names, in order).

    ``actions`` are dicts with ``plugin``, ``type`` (pre, host or post),
    ``metadata`` and optionally ``host``.  Returns the session with its id.
    """
    for action in actions:
        if action.get('type') not in migrations.ACTION_TYPES:
            raise StoreError('Action %r: type must be one of %s.'
                             % (action.get('plugin'), ', '.join(migrations.ACTION_TYPES)))
    if len(set(hosts)) != len(hosts):
        raise StoreError('A host is listed twice in %s.' % ', '.join(hosts))
    session_id = str(uuid.uuid4())
    with store.transaction() as session:
        maintenance = MaintenanceSession(
            id=session_id, cluster_id=_cluster_id(session, cluster), state=state, workflow=workflow,
            maintenance_at=maintenance_at, meta=_json(metadata or {}, 'metadata'),
            download=_json(download or [], 'download'))
        maintenance.hosts = [MaintenanceHost(host=host, position=position)
                             for position, host in enumerate(hosts, 1)]
        maintenance.actions = [
            MaintenanceAction(plugin=action['plugin'], type=action['type'], host=action.get('host'),
                              meta=_json(action.get('metadata') or {}, 'metadata of %s' % action['plugin']))
            for action in actions]
        session.add(maintenance)
    return get_session(store, session_id)


def get_session(store, session_id):
    """Maintenance session ``session_id`` with its hosts and actions; StoreError when unknown."""
    with store.transaction() as session:
        return _session_dict(_load_session(session, session_id))


def list_sessions(store, cluster=None):
    """Maintenance sessions (without hosts and actions), oldest first, of one cluster or all."""
    with store.transaction() as session:
        query = (sa.select(MaintenanceSession).join(MaintenanceSession.cluster)
                 .options(orm.contains_eager(MaintenanceSession.cluster))
                 .order_by(MaintenanceSession.created_at, MaintenanceSession.id))
        if cluster is not None:
            query = query.where(Cluster.name == cluster)
        return [_session_dict(m, details=False) for m in session.scalars(query)]


def _comparable(value):
    # A datetime read back from SQLite or MySQL is naive (UTC): compare as UTC text.
    return _iso(value) if isinstance(value, datetime.datetime) else value


def update_session(store, session_id, state=None, maintenance_at=None, metadata=None):
    """Change a session's state, time or metadata (None leaves a field as it is)."""
    with store.transaction() as session:
        maintenance = _load_session(session, session_id)
        wanted = {'state': state, 'maintenance_at': maintenance_at,
                  'meta': None if metadata is None else _json(metadata, 'metadata')}
        changes = dict((field, value) for field, value in wanted.items()
                       if value is not None
                       and _comparable(getattr(maintenance, field)) != _comparable(value))
        if changes:
            for field, value in changes.items():
                setattr(maintenance, field, value)
            maintenance.updated_at = _now()
        return _session_dict(maintenance)


def delete_session(store, session_id):
    """Delete a maintenance session with its hosts and actions; False when there was none."""
    with store.transaction() as session:
        return bool(session.execute(
            sa.delete(MaintenanceSession).where(MaintenanceSession.id == session_id)
            .execution_options(synchronize_session=False)).rowcount)
