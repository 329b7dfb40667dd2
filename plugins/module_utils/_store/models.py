# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The store's ORM models (they mirror the schema ``migrations`` creates)."""

from __future__ import annotations

import datetime

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import STORE_IMPORT_ERROR

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


if STORE_IMPORT_ERROR is None:  # the ORM models need SQLAlchemy when they are defined

    class Base(orm.DeclarativeBase):
        """Declarative base of the store's models (mirrors ``migrations``)."""

    class _Timestamps:
        created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
            migrations.timestamp(), default=utcnow)
        updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
            migrations.timestamp(), default=utcnow)

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
        # 0002: the planner's options, who started it, when it first ran and ended,
        # and the batch (and its first step) claimed last.
        options: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)
        started_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        current_batch: orm.Mapped[int | None]
        current_position: orm.Mapped[int | None]
        cluster: orm.Mapped[Cluster] = orm.relationship()
        steps: orm.Mapped[list[UpgradeStep]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='UpgradeStep.position')

    class UpgradeStep(Base):
        __tablename__ = 'upgrade_steps'
        __table_args__ = (
            sa.UniqueConstraint('upgrade_id', 'position', name='uq_upgrade_steps_upgrade_position'),
            sa.CheckConstraint(migrations.in_list('status', migrations.STEP_STATUSES),
                               name='ck_upgrade_steps_status'),
            sa.Index('ix_upgrade_steps_upgrade_batch', 'upgrade_id', 'batch'),
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
        # 0002: steps claimed together form a batch; who claimed it last, and when; why it failed.
        batch: orm.Mapped[int | None]
        claimed_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        claimed_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)

    class UpgradeEvent(Base):
        """One status an upgrade took (revision 0004): from which, when, in which batch, why."""
        __tablename__ = 'upgrade_events'
        __table_args__ = (sa.Index('ix_upgrade_events_upgrade', 'upgrade_id', 'id'),)
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        upgrade_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey(
            'upgrades.id', ondelete='CASCADE', name='fk_upgrade_events_upgrade'))
        at: orm.Mapped[datetime.datetime] = orm.mapped_column(migrations.timestamp())
        from_status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        to_status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        batch: orm.Mapped[int | None]
        reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)

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
        max_parallel: orm.Mapped[int] = orm.mapped_column(default=1, server_default='1')
        reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
        plan: orm.Mapped[list | None] = orm.mapped_column(sa.JSON)
        cluster: orm.Mapped[Cluster] = orm.relationship()
        hosts: orm.Mapped[list[MaintenanceHost]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='MaintenanceHost.position')
        actions: orm.Mapped[list[MaintenanceAction]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='MaintenanceAction.id')
        steps: orm.Mapped[list[MaintenanceStep]] = orm.relationship(
            cascade='all, delete-orphan', passive_deletes=True, order_by='MaintenanceStep.position')

    def _session_fk(table):
        return sa.ForeignKey('maintenance_sessions.id', ondelete='CASCADE', name='fk_%s_session' % table)

    class MaintenanceHost(Base):
        __tablename__ = 'maintenance_hosts'
        __table_args__ = (
            sa.UniqueConstraint('session_id', 'host', name='uq_maintenance_hosts_session_host'),
            # One active session per host of a cluster (NULL once the session is finished).
            sa.UniqueConstraint('active_cluster_id', 'host', name='uq_maintenance_hosts_active_host'),
            sa.CheckConstraint(migrations.in_list('state', migrations.MAINTENANCE_HOST_STATES),
                               name='ck_maintenance_hosts_state'),
        )
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        session_id: orm.Mapped[str] = orm.mapped_column(_session_fk('maintenance_hosts'))
        host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
        state: orm.Mapped[str] = orm.mapped_column(sa.String(32), default='pending')
        position: orm.Mapped[int]
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        detail: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
        active_cluster_id: orm.Mapped[int | None]
        batch: orm.Mapped[int | None]

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

    class MaintenanceStep(Base):
        __tablename__ = 'maintenance_steps'
        __table_args__ = (
            sa.UniqueConstraint('session_id', 'position', name='uq_maintenance_steps_session_position'),
            sa.CheckConstraint(migrations.in_list('phase', migrations.SESSION_STEP_PHASES),
                               name='ck_maintenance_steps_phase'),
            sa.CheckConstraint(migrations.in_list('status', migrations.SESSION_STEP_STATUSES),
                               name='ck_maintenance_steps_status'),
            sa.Index('ix_maintenance_steps_session_host', 'session_id', 'host'),
            sa.Index('ix_maintenance_steps_session_stage', 'session_id', 'stage'),
        )
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        session_id: orm.Mapped[str] = orm.mapped_column(_session_fk('maintenance_steps'))
        position: orm.Mapped[int]
        stage: orm.Mapped[int]
        phase: orm.Mapped[str] = orm.mapped_column(sa.String(16))
        batch: orm.Mapped[int | None]
        host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        action: orm.Mapped[str] = orm.mapped_column(sa.String(64))
        plugin: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
        meta: orm.Mapped[dict] = orm.mapped_column('metadata', sa.JSON, default=dict)
        status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default='pending')
        attempts: orm.Mapped[int] = orm.mapped_column(default=0)
        started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(migrations.timestamp())
        detail: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

else:
    # Without SQLAlchemy the names still exist, so that modules import (Ansible's import test, a
    # controller without the library): engine.open_store says what is missing before any is used.
    Base = Cluster = Host = Component = DiscoveryRun = Upgrade = UpgradeStep = UpgradeEvent = None
    MaintenanceSession = MaintenanceHost = MaintenanceAction = MaintenanceStep = None
