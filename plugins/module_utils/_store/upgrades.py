# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upgrades in the store: a plan of ordered steps, moved by compare-and-set.

Running a plan batch by batch (claim, finish, cancel, roll back) is in
``batches``.
"""

from __future__ import annotations

import uuid

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreConflict, StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import Cluster, Upgrade, UpgradeEvent, UpgradeStep, utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, cluster_id_of, plain, plain_rows, plain_select
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import STEP_TRANSITIONS, UPGRADE_TRANSITIONS

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def upgrade_dict(session, upgrade, steps=True):
    """An upgrade loaded in ``session`` as plain data, with its steps as rows when ``steps``."""
    result = plain(upgrade)
    result['cluster'] = upgrade.cluster.name
    result['options'] = result['options'] or {}  # upgrades stored before revision 0002
    if steps:
        # As rows: a plan has tens of thousands of steps at thousands of hosts.
        result['steps'] = plain_rows(session, plain_select(UpgradeStep)
                                     .where(UpgradeStep.upgrade_id == upgrade.id)
                                     .order_by(UpgradeStep.position))
    return result


def load_upgrade(session, upgrade_id, lock=False):
    """Upgrade ``upgrade_id`` in ``session`` (its row locked with ``lock``); StoreError when unknown.

    Whoever changes an upgrade's steps locks its row first, so changes to one
    upgrade happen one after another on every database (SQLite's
    BEGIN IMMEDIATE already does that).
    """
    query = sa.select(Upgrade).where(Upgrade.id == upgrade_id).options(orm.joinedload(Upgrade.cluster))
    if lock:
        query = query.with_for_update(of=Upgrade)
    upgrade = session.scalars(query).one_or_none()
    if upgrade is None:
        raise StoreError('No upgrade %s in the store: ansible-playbook osops.lifecycle.upgrades lists the upgrades it holds.' % upgrade_id)
    return upgrade


def get_upgrade(store, upgrade_id, steps=True):
    """Upgrade ``upgrade_id`` (with ``steps``: its steps in order); StoreError when unknown."""
    with store.transaction() as session:
        return upgrade_dict(session, load_upgrade(session, upgrade_id), steps)


def active_upgrade(store, cluster):
    """The active upgrade of cluster ``cluster`` (without its steps), or None."""
    with store.transaction() as session:
        upgrade = session.scalars(
            sa.select(Upgrade).join(Upgrade.cluster)
            .where(Cluster.name == cluster, Upgrade.active_cluster_id.is_not(None))
        ).one_or_none()
        return None if upgrade is None else upgrade_dict(session, upgrade, steps=False)


def find_upgrade(store, cluster):
    """The upgrade of cluster ``cluster`` to act on (without steps): the active one, else the latest; or None."""
    with store.transaction() as session:
        upgrade = session.scalars(
            sa.select(Upgrade).join(Upgrade.cluster).where(Cluster.name == cluster)
            .order_by(Upgrade.active_cluster_id.is_(None), Upgrade.created_at.desc(), Upgrade.id).limit(1)
        ).one_or_none()
        return None if upgrade is None else upgrade_dict(session, upgrade, steps=False)


def list_upgrades(store, cluster=None):
    """Upgrades (without steps), oldest first, of one cluster or all; each with ``step_counts`` by status and ``steps_total``."""
    with store.transaction() as session:
        query = (sa.select(Upgrade).join(Upgrade.cluster).options(orm.contains_eager(Upgrade.cluster))
                 .order_by(Upgrade.created_at, Upgrade.id))
        counts = (sa.select(UpgradeStep.upgrade_id, UpgradeStep.status, sa.func.count())
                  .join(Upgrade, UpgradeStep.upgrade_id == Upgrade.id).join(Upgrade.cluster)
                  .group_by(UpgradeStep.upgrade_id, UpgradeStep.status))
        if cluster is not None:
            query, counts = query.where(Cluster.name == cluster), counts.where(Cluster.name == cluster)
        by_upgrade = {}
        for upgrade_id, status, count in session.execute(counts):
            by_upgrade.setdefault(upgrade_id, {})[status] = count
        return [dict(upgrade_dict(session, u, steps=False), step_counts=by_upgrade.get(u.id, {}),
                     steps_total=sum(by_upgrade.get(u.id, {}).values())) for u in session.scalars(query)]


def active_conflict(store, cluster, exc):
    """The error for a refused second active upgrade, naming the one that holds the slot."""
    active = active_upgrade(store, cluster)
    if active is None:  # it finished meanwhile: report what the database said
        return exc
    return active_refusal(cluster, active)


def active_refusal(cluster, active):
    """Why nothing was recorded: upgrade ``active`` holds the cluster's one active slot; how to go on."""
    return StoreConflict(
        'Cluster %s already has an active upgrade: %s (%s → %s, status %s, started by %s); nothing was recorded '
        '(one active upgrade per cluster). See where it stands: ansible-playbook osops.lifecycle.upgrade_status '
        '-e osops_upgrade_id=%s; continue it (one play at a time): ansible-playbook osops.lifecycle.upgrade_continue '
        '-e osops_upgrade_id=%s; or cancel it first: ansible-playbook osops.lifecycle.upgrade_cancel '
        '-e osops_upgrade_id=%s.' % (cluster, active['id'], active['from_release'], active['to_release'],
                                     active['status'], active['started_by'] or 'unknown', active['id'],
                                     active['id'], active['id']),
        upgrade_id=active['id'], status=active['status'])


def _step_rows(steps):
    """The rows of ``steps`` with positions and batches; StoreError for a malformed step.

    A step's batch is ``detail['batch']``; a step without one is a batch of
    its own.  Batches never go down along the plan, so each is one run of
    consecutive steps.
    """
    rows, batch = [], 0
    for position, step in enumerate(steps, 1):
        if not step.get('phase') or not step.get('action'):
            raise StoreError('Step %d needs a phase and an action: %r' % (position, step))
        detail = as_json(step.get('detail') or {}, 'detail of step %d' % position)
        given = detail.get('batch', batch + 1)
        if not isinstance(given, int) or isinstance(given, bool) or given < batch:
            raise StoreError('Step %d: batch %r comes after batch %d; batches are integers that never '
                             'go down along the plan.' % (position, given, batch))
        batch = given
        rows.append({'position': position, 'phase': step['phase'], 'service': step.get('service'),
                     'host': step.get('host'), 'action': step['action'], 'status': 'pending',
                     'from_version': step.get('from_version'), 'to_version': step.get('to_version'),
                     'detail': detail, 'batch': batch})
    return rows


def create_upgrade(store, cluster, from_release, to_release, steps, options=None, started_by=None):
    """Persist a new ``pending`` upgrade of ``cluster`` with its ordered steps.

    ``steps`` are dicts with ``phase``, ``service``, ``host``, ``action``,
    ``from_version``, ``to_version`` and ``detail``, in execution order;
    ``detail['batch']`` groups them into the batches ``batches.claim_batch``
    hands out.  ``options`` are the planner's options, ``started_by`` who
    asked.  The database refuses it when the cluster already has an active
    upgrade.
    """
    rows = _step_rows(steps)
    upgrade_id = str(uuid.uuid4())
    try:
        with store.transaction() as session:
            cluster_id = cluster_id_of(session, cluster)
            session.add(Upgrade(id=upgrade_id, cluster_id=cluster_id, active_cluster_id=cluster_id,
                                from_release=from_release, to_release=to_release, status='pending',
                                options=as_json(options or {}, 'options'), started_by=started_by))
            session.flush()
            if rows:  # one executemany, not an ORM object per step
                session.execute(sa.insert(UpgradeStep), [dict(row, upgrade_id=upgrade_id) for row in rows])
    except StoreConflict as exc:
        raise active_conflict(store, cluster, exc) from None
    return get_upgrade(store, upgrade_id)


def refuse_transition(kind, name, current, wanted, table):
    allowed = table[current]
    return StoreError('%s %s is %s: it cannot become %s (from %s it can only become %s).' % (
        kind, name, current, wanted, current, ', '.join(allowed) if allowed else 'nothing: it is final'),
        status=current)


def status_values(upgrade, status):
    """The columns of ``upgrade`` that change with its status: the active slot, first start, end."""
    now = utcnow()
    values = {'status': status, 'updated_at': now, 'active_cluster_id': (
        upgrade.cluster_id if status in migrations.ACTIVE_UPGRADE_STATUSES else None)}
    if status == 'running' and upgrade.started_at is None:
        values['started_at'] = now
    if status in migrations.FINISHED_UPGRADE_STATUSES:
        values['finished_at'] = now
    if status in ('running', 'completed'):
        # continued or done: the reason it failed stays with its failed step
        values['error'] = None
    return values


def move_upgrade(session, upgrade, status, **values):
    """Compare-and-set ``upgrade`` (loaded in ``session``) from its status to ``status``; True when moved.

    Keeps the active-upgrade slot, the first start and the end time in step
    with the status; ``values`` are further columns to set.  The caller
    checked UPGRADE_TRANSITIONS.
    """
    values.update(status_values(upgrade, status))
    before = upgrade.status
    moved = session.execute(
        sa.update(Upgrade).where(Upgrade.id == upgrade.id, Upgrade.status == before)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if moved:
        session.refresh(upgrade)
        # its history, in the same transaction: the report's pauses, failures and rollbacks
        session.execute(sa.insert(UpgradeEvent).values(
            upgrade_id=upgrade.id, at=values['updated_at'], from_status=before, to_status=status,
            batch=upgrade.current_batch, reason=upgrade.error))
    return bool(moved)


def upgrade_events(store, upgrade_id):
    """The statuses upgrade ``upgrade_id`` took, oldest first (none for upgrades stored before revision 0004)."""
    with store.transaction() as session:
        return plain_rows(session, plain_select(UpgradeEvent).where(UpgradeEvent.upgrade_id == upgrade_id)
                          .order_by(UpgradeEvent.id))


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
            upgrade = load_upgrade(session, upgrade_id)
            cluster, current = upgrade.cluster.name, upgrade.status
            if status not in UPGRADE_TRANSITIONS[current]:
                raise refuse_transition('Upgrade', upgrade_id, current, status, UPGRADE_TRANSITIONS)
            if move_upgrade(session, upgrade, status, **({} if error is None else {'error': error})):
                return upgrade_dict(session, upgrade)
    except StoreConflict as exc:
        raise active_conflict(store, cluster, exc) from None
    # Read in a new transaction: the status the other controller committed.
    now = get_upgrade(store, upgrade_id, steps=False)['status']
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
        load_upgrade(session, upgrade_id, lock=True)
        step = session.scalars(sa.select(UpgradeStep).where(
            UpgradeStep.upgrade_id == upgrade_id, UpgradeStep.position == position)).one_or_none()
        if step is None:
            raise StoreError('No step %s in the store.' % name)
        current = step.status
        if status not in STEP_TRANSITIONS[current]:
            raise refuse_transition('Step', name, current, status, STEP_TRANSITIONS)
        values = {'status': status}
        if status == 'running':
            values.update(started_at=utcnow(), finished_at=None)
        else:
            values['finished_at'] = utcnow()
        if detail is not None:
            values['detail'] = as_json(detail, 'detail of step %s' % name)
        moved = session.execute(
            sa.update(UpgradeStep)
            .where(UpgradeStep.id == step.id, UpgradeStep.status == current)
            .values(**values).execution_options(synchronize_session=False)).rowcount
        if not moved:
            raise StoreError('Step %s changed status meanwhile (it was %s); nothing changed.'
                             % (name, current))
        session.refresh(step)
        return plain(step)
