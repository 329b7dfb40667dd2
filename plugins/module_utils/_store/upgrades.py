# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upgrades in the store: a plan of ordered steps, moved by compare-and-set."""

from __future__ import annotations

import uuid

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreConflict, StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, cluster_id_of, plain
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import STEP_TRANSITIONS, UPGRADE_TRANSITIONS

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def _upgrade_dict(upgrade, steps=True):
    result = plain(upgrade)
    result['cluster'] = upgrade.cluster.name
    if steps:
        result['steps'] = [plain(s) for s in upgrade.steps]
    return result


def _load_upgrade(session, upgrade_id):
    upgrade = session.scalars(
        sa.select(models.Upgrade).where(models.Upgrade.id == upgrade_id)
        .options(orm.selectinload(models.Upgrade.steps), orm.joinedload(models.Upgrade.cluster))
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
            sa.select(models.Upgrade).join(models.Upgrade.cluster)
            .where(models.Cluster.name == cluster, models.Upgrade.active_cluster_id.is_not(None))
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
            cluster_id = cluster_id_of(session, cluster)
            upgrade = models.Upgrade(id=upgrade_id, cluster_id=cluster_id, active_cluster_id=cluster_id,
                                     from_release=from_release, to_release=to_release, status='pending')
            upgrade.steps = [
                models.UpgradeStep(position=position, phase=step['phase'], service=step.get('service'),
                                   host=step.get('host'), action=step['action'],
                                   from_version=step.get('from_version'), to_version=step.get('to_version'),
                                   detail=as_json(step.get('detail') or {}, 'detail of step %d' % position))
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
            values = {'status': status, 'updated_at': utcnow(), 'active_cluster_id': (
                upgrade.cluster_id if status in migrations.ACTIVE_UPGRADE_STATUSES else None)}
            if error is not None:
                values['error'] = error
            moved = session.execute(
                sa.update(models.Upgrade)
                .where(models.Upgrade.id == upgrade_id, models.Upgrade.status == current)
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
        step = session.scalars(sa.select(models.UpgradeStep).where(
            models.UpgradeStep.upgrade_id == upgrade_id, models.UpgradeStep.position == position)).one_or_none()
        if step is None:
            raise StoreError('No step %s in the store.' % name)
        current = step.status
        if status not in STEP_TRANSITIONS[current]:
            raise _refuse_transition('Step', name, current, status, STEP_TRANSITIONS)
        values = {'status': status}
        if status == 'running':
            values.update(started_at=utcnow(), finished_at=None)
        else:
            values['finished_at'] = utcnow()
        if detail is not None:
            values['detail'] = as_json(detail, 'detail of step %s' % name)
        moved = session.execute(
            sa.update(models.UpgradeStep)
            .where(models.UpgradeStep.id == step.id, models.UpgradeStep.status == current)
            .values(**values).execution_options(synchronize_session=False)).rowcount
        if not moved:
            raise StoreError('Step %s changed status meanwhile (it was %s); nothing changed.'
                             % (name, current))
        session.refresh(step)
        return plain(step)
