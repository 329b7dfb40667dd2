# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Maintenance sessions in the store, with their hosts and actions."""

from __future__ import annotations

import datetime
import uuid

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, cluster_id_of, iso, plain

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def _session_dict(maintenance, details=True):
    result = plain(maintenance)
    result['cluster'] = maintenance.cluster.name
    if details:
        result['hosts'] = [plain(h) for h in maintenance.hosts]
        result['actions'] = [plain(a) for a in maintenance.actions]
    return result


def _load_session(session, session_id):
    maintenance = session.scalars(
        sa.select(models.MaintenanceSession).where(models.MaintenanceSession.id == session_id)
        .options(orm.selectinload(models.MaintenanceSession.hosts),
                 orm.selectinload(models.MaintenanceSession.actions),
                 orm.joinedload(models.MaintenanceSession.cluster))
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
        maintenance = models.MaintenanceSession(
            id=session_id, cluster_id=cluster_id_of(session, cluster), state=state, workflow=workflow,
            maintenance_at=maintenance_at, meta=as_json(metadata or {}, 'metadata'),
            download=as_json(download or [], 'download'))
        maintenance.hosts = [models.MaintenanceHost(host=host, position=position)
                             for position, host in enumerate(hosts, 1)]
        maintenance.actions = [
            models.MaintenanceAction(plugin=action['plugin'], type=action['type'], host=action.get('host'),
                                     meta=as_json(action.get('metadata') or {}, 'metadata of %s' % action['plugin']))
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
        query = (sa.select(models.MaintenanceSession).join(models.MaintenanceSession.cluster)
                 .options(orm.contains_eager(models.MaintenanceSession.cluster))
                 .order_by(models.MaintenanceSession.created_at, models.MaintenanceSession.id))
        if cluster is not None:
            query = query.where(models.Cluster.name == cluster)
        return [_session_dict(m, details=False) for m in session.scalars(query)]


def _comparable(value):
    # A datetime read back from SQLite or MySQL is naive (UTC): compare as UTC text.
    return iso(value) if isinstance(value, datetime.datetime) else value


def update_session(store, session_id, state=None, maintenance_at=None, metadata=None):
    """Change a session's state, time or metadata (None leaves a field as it is)."""
    with store.transaction() as session:
        maintenance = _load_session(session, session_id)
        wanted = {'state': state, 'maintenance_at': maintenance_at,
                  'meta': None if metadata is None else as_json(metadata, 'metadata')}
        changes = dict((field, value) for field, value in wanted.items()
                       if value is not None
                       and _comparable(getattr(maintenance, field)) != _comparable(value))
        if changes:
            for field, value in changes.items():
                setattr(maintenance, field, value)
            maintenance.updated_at = utcnow()
        return _session_dict(maintenance)


def delete_session(store, session_id):
    """Delete a maintenance session with its hosts and actions; False when there was none."""
    with store.transaction() as session:
        return bool(session.execute(
            sa.delete(models.MaintenanceSession).where(models.MaintenanceSession.id == session_id)
            .execution_options(synchronize_session=False)).rowcount)
