# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schema migrations of the state store, run by Alembic without a script directory.

Modules reach the target as an AnsiballZ zip and are imported with zipimport,
so Alembic's file-based script directory cannot be used.  The revisions are an
ordered tuple of ``(revision id, upgrade(op))`` pairs instead; each
``upgrade`` receives an ``alembic.operations.Operations``.  The applied
revision is kept in Alembic's standard ``alembic_version`` table (same layout
as Alembic's own), read with ``MigrationContext.get_current_revision()``.
``MigrationContext.stamp()`` is not used: it resolves revisions through a
ScriptDirectory, which needs files; the one row is written here instead.

To change the schema: append a revision here (never edit a released one), make
the ORM models in ``_store`` match, and use ``op.batch_alter_table`` for
column changes so SQLite can follow.  The unit tests compare the migrated
schema with the models on every backend.

The policy (refusing a store written by a newer collection, locking) lives in
``_store``; this file only knows the revisions.
"""

from __future__ import annotations

import importlib.util

try:
    import sqlalchemy as sa
    from sqlalchemy.dialects import mysql
except ImportError as exc:
    # _store reports it before anything here is called.
    MIGRATIONS_IMPORT_ERROR = str(exc)
else:
    # alembic is imported only when a migration runs (a quarter of a second a
    # module run need not pay on a store at its head); missing, it is said now.
    MIGRATIONS_IMPORT_ERROR = None if importlib.util.find_spec('alembic') else "No module named 'alembic'"

VERSION_TABLE = 'alembic_version'

# Upgrade statuses that hold a cluster's single "active upgrade" slot
# (upgrades.active_cluster_id is set exactly while the status is one of them).
ACTIVE_UPGRADE_STATUSES = ('pending', 'running', 'paused', 'cancelling', 'failed', 'rolling_back')
FINISHED_UPGRADE_STATUSES = ('cancelled', 'rolled_back', 'completed')
STEP_STATUSES = ('pending', 'running', 'done', 'failed', 'reverted')
CLUSTER_STATES = ('active', 'maintenance', 'error')
ACTION_TYPES = ('pre', 'host', 'post')
# Maintenance sessions (0002): a host's state in its session, a step's phase and status.
MAINTENANCE_HOST_STATES = ('pending', 'running', 'done', 'failed')
SESSION_STEP_PHASES = ('prepare', 'host', 'complete')
SESSION_STEP_STATUSES = ('pending', 'running', 'done', 'failed', 'skipped')


def in_list(column, values):
    """SQL text ``column IN ('a', 'b')`` for a CHECK constraint (values are ours, not input)."""
    return '%s IN (%s)' % (column, ', '.join("'%s'" % v for v in values))


# The CHECK that ties the active-upgrade slot to the status: with the UNIQUE
# constraint on active_cluster_id it lets the database itself refuse a second
# active upgrade for a cluster.  It works the same on SQLite, PostgreSQL and
# MariaDB/MySQL (no partial index needed); it does not name cluster_id, which
# MySQL forbids in a CHECK because of the column's ON DELETE CASCADE.
ACTIVE_SLOT_CHECK = '(%s AND active_cluster_id IS NOT NULL) OR (%s AND active_cluster_id IS NULL)' % (
    in_list('status', ACTIVE_UPGRADE_STATUSES), in_list('status', FINISHED_UPGRADE_STATUSES))


def timestamp():
    """A UTC timestamp column type; microseconds on MariaDB/MySQL too (DATETIME(6))."""
    return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')


def _timestamps():
    return [sa.Column('created_at', timestamp(), nullable=False),
            sa.Column('updated_at', timestamp(), nullable=False)]


def _cluster_fk(table):
    return sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], ondelete='CASCADE',
                                   name='fk_%s_cluster' % table)


def _0001_initial(op):
    """Clusters and their inventory, upgrades and their steps, maintenance sessions."""
    op.create_table(
        'clusters',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('region', sa.String(255)),
        sa.Column('method', sa.String(64), nullable=False),
        sa.Column('params', sa.JSON, nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('state_reason', sa.Text),
        *_timestamps(),
        sa.UniqueConstraint('name', name='uq_clusters_name'),
        sa.CheckConstraint(in_list('state', CLUSTER_STATES), name='ck_clusters_state'),
    )
    op.create_table(
        'hosts',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('cluster_id', sa.Integer, nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('address', sa.String(255)),
        sa.Column('roles', sa.JSON, nullable=False),
        _cluster_fk('hosts'),
        sa.UniqueConstraint('cluster_id', 'name', name='uq_hosts_cluster_name'),
    )
    op.create_table(
        'components',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('cluster_id', sa.Integer, nullable=False),
        sa.Column('service', sa.String(64), nullable=False),
        sa.Column('binary', sa.String(128), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('version', sa.String(64)),
        sa.Column('release', sa.String(16)),
        sa.Column('state', sa.String(32)),
        sa.Column('extra', sa.JSON, nullable=False),
        _cluster_fk('components'),
        sa.UniqueConstraint('cluster_id', 'service', 'binary', 'host',
                            name='uq_components_cluster_service_binary_host'),
    )
    op.create_table(
        'discovery_runs',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('cluster_id', sa.Integer, nullable=False),
        sa.Column('method', sa.String(64), nullable=False),
        sa.Column('started_at', timestamp(), nullable=False),
        sa.Column('finished_at', timestamp()),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('diff', sa.JSON),
        sa.Column('api_calls', sa.Integer),
        sa.Column('error', sa.Text),
        _cluster_fk('discovery_runs'),
    )
    op.create_index('ix_discovery_runs_cluster_started', 'discovery_runs', ['cluster_id', 'started_at'])
    op.create_table(
        'upgrades',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('cluster_id', sa.Integer, nullable=False),
        sa.Column('active_cluster_id', sa.Integer),
        sa.Column('from_release', sa.String(16), nullable=False),
        sa.Column('to_release', sa.String(16), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('error', sa.Text),
        *_timestamps(),
        _cluster_fk('upgrades'),
        sa.UniqueConstraint('active_cluster_id', name='uq_upgrades_active_cluster'),
        sa.CheckConstraint(in_list('status', ACTIVE_UPGRADE_STATUSES + FINISHED_UPGRADE_STATUSES),
                           name='ck_upgrades_status'),
        sa.CheckConstraint(ACTIVE_SLOT_CHECK, name='ck_upgrades_active_slot'),
    )
    op.create_index('ix_upgrades_cluster', 'upgrades', ['cluster_id'])
    op.create_table(
        'upgrade_steps',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('upgrade_id', sa.String(36), nullable=False),
        sa.Column('position', sa.Integer, nullable=False),
        sa.Column('phase', sa.String(64), nullable=False),
        sa.Column('service', sa.String(64)),
        sa.Column('host', sa.String(255)),
        sa.Column('action', sa.String(64), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('started_at', timestamp()),
        sa.Column('finished_at', timestamp()),
        sa.Column('detail', sa.JSON, nullable=False),
        sa.Column('from_version', sa.String(64)),
        sa.Column('to_version', sa.String(64)),
        sa.ForeignKeyConstraint(['upgrade_id'], ['upgrades.id'], ondelete='CASCADE',
                                name='fk_upgrade_steps_upgrade'),
        sa.UniqueConstraint('upgrade_id', 'position', name='uq_upgrade_steps_upgrade_position'),
        sa.CheckConstraint(in_list('status', STEP_STATUSES), name='ck_upgrade_steps_status'),
    )
    op.create_table(
        'maintenance_sessions',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('cluster_id', sa.Integer, nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('workflow', sa.String(64), nullable=False),
        sa.Column('maintenance_at', timestamp()),
        sa.Column('metadata', sa.JSON, nullable=False),
        sa.Column('download', sa.JSON, nullable=False),
        *_timestamps(),
        _cluster_fk('maintenance_sessions'),
    )
    op.create_index('ix_maintenance_sessions_cluster', 'maintenance_sessions', ['cluster_id'])
    op.create_table(
        'maintenance_hosts',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('session_id', sa.String(36), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('position', sa.Integer, nullable=False),
        sa.Column('started_at', timestamp()),
        sa.Column('finished_at', timestamp()),
        sa.Column('detail', sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['maintenance_sessions.id'], ondelete='CASCADE',
                                name='fk_maintenance_hosts_session'),
        sa.UniqueConstraint('session_id', 'host', name='uq_maintenance_hosts_session_host'),
    )
    op.create_table(
        'maintenance_actions',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('session_id', sa.String(36), nullable=False),
        sa.Column('plugin', sa.String(128), nullable=False),
        sa.Column('type', sa.String(8), nullable=False),
        sa.Column('metadata', sa.JSON, nullable=False),
        sa.Column('host', sa.String(255)),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('started_at', timestamp()),
        sa.Column('finished_at', timestamp()),
        sa.Column('detail', sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['maintenance_sessions.id'], ondelete='CASCADE',
                                name='fk_maintenance_actions_session'),
        sa.CheckConstraint(in_list('type', ACTION_TYPES), name='ck_maintenance_actions_type'),
    )
    op.create_index('ix_maintenance_actions_session', 'maintenance_actions', ['session_id'])


def _0002_upgrade_details(op):
    """What running an upgrade needs: its options, who started it and when, where it is,
    and each step's batch and claim."""
    with op.batch_alter_table('upgrades') as table:
        table.add_column(sa.Column('options', sa.JSON))
        table.add_column(sa.Column('started_by', sa.String(255)))
        table.add_column(sa.Column('started_at', timestamp()))
        table.add_column(sa.Column('finished_at', timestamp()))
        table.add_column(sa.Column('current_batch', sa.Integer))
        table.add_column(sa.Column('current_position', sa.Integer))
    with op.batch_alter_table('upgrade_steps') as table:
        table.add_column(sa.Column('batch', sa.Integer))
        table.add_column(sa.Column('claimed_by', sa.String(255)))
        table.add_column(sa.Column('claimed_at', timestamp()))
        table.add_column(sa.Column('error', sa.Text))
    # Upgrades stored before: no options, each step a batch of its own.
    upgrades = sa.table('upgrades', sa.column('options', sa.JSON))
    op.execute(upgrades.update().values(options={}))
    steps = sa.table('upgrade_steps', sa.column('batch', sa.Integer), sa.column('position', sa.Integer))
    op.execute(steps.update().values(batch=steps.c.position))
    op.create_index('ix_upgrade_steps_upgrade_batch', 'upgrade_steps', ['upgrade_id', 'batch'])


def _0003_maintenance_steps(op):
    """Maintenance sessions that run: options, plan and failure reason; one active session per host;
    every step of a session.

    ``maintenance_hosts.active_cluster_id`` holds the session's cluster while
    the session is active and NULL once it is finished: UNIQUE with the host
    name, it lets the database refuse a host in two active sessions (NULLs
    never collide).  The session's state has no CHECK: adding one to the
    existing table would make SQLite copy it, and dropping the old copy of a
    parent table cascades its ON DELETE to the hosts and actions; the
    writers in ``sessions`` enforce the states.
    """
    op.add_column('maintenance_sessions', sa.Column('max_parallel', sa.Integer, nullable=False, server_default='1'))
    op.add_column('maintenance_sessions', sa.Column('reason', sa.Text))
    op.add_column('maintenance_sessions', sa.Column('plan', sa.JSON))
    # maintenance_hosts is nobody's parent: SQLite may copy it to add the constraints.
    with op.batch_alter_table('maintenance_hosts') as batch:
        batch.add_column(sa.Column('active_cluster_id', sa.Integer))
        batch.add_column(sa.Column('batch', sa.Integer))
        batch.create_unique_constraint('uq_maintenance_hosts_active_host', ['active_cluster_id', 'host'])
        batch.create_check_constraint('ck_maintenance_hosts_state', in_list('state', MAINTENANCE_HOST_STATES))
    op.create_table(
        'maintenance_steps',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('session_id', sa.String(36), nullable=False),
        sa.Column('position', sa.Integer, nullable=False),
        # Steps of one stage may run at once (the hosts of a batch); a stage starts once every
        # earlier one is finished.
        sa.Column('stage', sa.Integer, nullable=False),
        sa.Column('phase', sa.String(16), nullable=False),
        sa.Column('batch', sa.Integer),
        sa.Column('host', sa.String(255)),
        sa.Column('action', sa.String(64), nullable=False),
        sa.Column('plugin', sa.String(255)),
        sa.Column('metadata', sa.JSON, nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer, nullable=False),
        sa.Column('started_at', timestamp()),
        sa.Column('finished_at', timestamp()),
        sa.Column('detail', sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['maintenance_sessions.id'], ondelete='CASCADE',
                                name='fk_maintenance_steps_session'),
        sa.UniqueConstraint('session_id', 'position', name='uq_maintenance_steps_session_position'),
        sa.CheckConstraint(in_list('phase', SESSION_STEP_PHASES), name='ck_maintenance_steps_phase'),
        sa.CheckConstraint(in_list('status', SESSION_STEP_STATUSES), name='ck_maintenance_steps_status'),
    )
    op.create_index('ix_maintenance_steps_session_host', 'maintenance_steps', ['session_id', 'host'])
    op.create_index('ix_maintenance_steps_session_stage', 'maintenance_steps', ['session_id', 'stage'])


def _0004_upgrade_events(op):
    """Every status an upgrade took, when, from which, in which batch and why: the history its report draws
    (pauses, failures, rollbacks).  Upgrades stored before have no history."""
    op.create_table(
        'upgrade_events',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('upgrade_id', sa.String(36), nullable=False),
        sa.Column('at', timestamp(), nullable=False),
        sa.Column('from_status', sa.String(16), nullable=False),
        sa.Column('to_status', sa.String(16), nullable=False),
        sa.Column('batch', sa.Integer),
        sa.Column('reason', sa.Text),
        sa.ForeignKeyConstraint(['upgrade_id'], ['upgrades.id'], ondelete='CASCADE',
                                name='fk_upgrade_events_upgrade'),
    )
    op.create_index('ix_upgrade_events_upgrade', 'upgrade_events', ['upgrade_id', 'id'])


# Oldest first.  Never edit or reorder a released revision: append a new one.
REVISIONS = (
    ('0001_initial', _0001_initial),
    ('0002_upgrade_details', _0002_upgrade_details),
    ('0003_maintenance_steps', _0003_maintenance_steps),
    ('0004_upgrade_events', _0004_upgrade_events),
)
KNOWN_REVISIONS = tuple(revision for revision, _upgrade in REVISIONS)
HEAD = KNOWN_REVISIONS[-1]


def _version_table():
    # Alembic's own layout of the version table.
    return sa.Table(VERSION_TABLE, sa.MetaData(),
                    sa.Column('version_num', sa.String(32), nullable=False),
                    sa.PrimaryKeyConstraint('version_num', name='%s_pkc' % VERSION_TABLE))


def current_revision(connection):
    """The revision recorded in the store, or None for an empty database.

    Read from alembic's version table as alembic reads it (one row), without
    importing alembic.
    """
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(sa.select(_version_table().c.version_num)).scalars().all()
    if len(found) > 1:
        raise ValueError('The store records several revisions (%s); it was not written by osops.lifecycle.'
                         % ', '.join(found))
    return found[0] if found else None


def upgrade(connection, revision):
    """Apply every revision after ``revision`` (None: all) and record the head.

    ``revision`` must be one of REVISIONS (the caller checks).  Runs on the
    caller's connection and transaction.
    """
    start = 0 if revision is None else KNOWN_REVISIONS.index(revision) + 1
    if start == len(REVISIONS):
        return
    from alembic.operations import Operations  # pylint: disable=import-outside-toplevel
    from alembic.runtime.migration import MigrationContext  # pylint: disable=import-outside-toplevel

    op = Operations(MigrationContext.configure(connection))
    for _revision, apply in REVISIONS[start:]:
        apply(op)
    table = _version_table()
    if revision is None:
        table.create(connection, checkfirst=True)
        connection.execute(table.insert().values(version_num=HEAD))
    else:
        connection.execute(table.update().values(version_num=HEAD))
