# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Maintenance sessions in the store: their hosts, actions and steps, moved by compare-and-set.

A session is created with every step it will run (the workflow's, in
order); ``session_steps`` claims and finishes them.  While a session is not
finished each of its hosts holds the slot ``(cluster, host)``, which the
database keeps unique: one active session per host.  Every function is one
short transaction.
"""

from __future__ import annotations

import uuid

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreConflict, StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, cluster_id_of, plain, plain_rows, plain_select
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import (
    FINISHED_SESSION_STATES,
    SESSION_PHASE_STATES,
    SESSION_TRANSITIONS,
)

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs

NEW_SESSION_STATES = ('MAINTENANCE', 'SCHEDULED')
UNFINISHED_STEP_STATUSES = ('pending', 'running', 'failed')
NO_SESSION = ('No maintenance session %s in the store: ansible-playbook osops.lifecycle.maintenance_list lists the '
              'sessions it holds.')


def session_dict(session, maintenance, details=True):
    """A session as plain data; with ``details`` its plan, hosts, actions and steps in order."""
    result = plain(maintenance)
    result['cluster'] = maintenance.cluster.name
    if not details:
        del result['plan']
        return result
    step = models.MaintenanceStep
    result['hosts'] = [plain(h) for h in maintenance.hosts]
    result['actions'] = [plain(a) for a in maintenance.actions]
    result['steps'] = plain_rows(session, plain_select(step).where(step.session_id == maintenance.id)
                                 .order_by(step.position))
    return result


def load_session(session, session_id):
    maintenance = session.scalars(
        sa.select(models.MaintenanceSession).where(models.MaintenanceSession.id == session_id)
        .options(orm.joinedload(models.MaintenanceSession.cluster))
    ).one_or_none()
    if maintenance is None:
        raise StoreError(NO_SESSION % session_id, session=session_id)
    return maintenance


def describe_step(step):
    """``step 7 (drain on c2)`` for messages."""
    return 'step %d (%s%s%s)' % (step.position, step.action, ' %s' % step.plugin if step.plugin else '',
                                 ' on %s' % step.host if step.host else '')


def set_state(session, maintenance, state, reason=None):
    """Move ``maintenance`` to ``state`` inside the caller's transaction (compare-and-set).

    A finished session gives its hosts' slots back.
    """
    current = maintenance.state
    if state not in SESSION_TRANSITIONS[current]:
        allowed = SESSION_TRANSITIONS[current]
        raise StoreError('Maintenance session %s is %s: it cannot become %s (from %s it can only become %s).' % (
            maintenance.id, current, state, current, ', '.join(allowed) if allowed else 'nothing: it is finished'),
            state=current)
    values = {'state': state, 'updated_at': utcnow()}
    if reason is not None or state in SESSION_PHASE_STATES.values():
        values['reason'] = reason  # a session that runs again has no failure reason any more
    moved = session.execute(
        sa.update(models.MaintenanceSession)
        .where(models.MaintenanceSession.id == maintenance.id, models.MaintenanceSession.state == current)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not moved:
        raise StoreConflict('Maintenance session %s was moved from %s by another controller meanwhile; nothing '
                            'changed.' % (maintenance.id, current), state=current)
    if state in FINISHED_SESSION_STATES:
        session.execute(sa.update(models.MaintenanceHost).where(models.MaintenanceHost.session_id == maintenance.id)
                        .values(active_cluster_id=None).execution_options(synchronize_session=False))
    session.refresh(maintenance)


def _check_new(state, hosts, actions, steps):
    if state not in NEW_SESSION_STATES:
        raise StoreError('A new maintenance session is %s, not %r.' % (' or '.join(NEW_SESSION_STATES), state))
    names = [h['host'] for h in hosts]
    if len(set(names)) != len(names):
        raise StoreError('A host is listed twice in %s.' % ', '.join(names))
    for action in actions:
        if action.get('type') not in migrations.ACTION_TYPES:
            raise StoreError('Action %r: type must be one of %s.'
                             % (action.get('plugin'), ', '.join(migrations.ACTION_TYPES)))
    for position, step in enumerate(steps, 1):
        if step.get('phase') not in migrations.SESSION_STEP_PHASES or not step.get('action') \
                or not isinstance(step.get('stage'), int) or step.get('host') not in [None] + names:
            raise StoreError('Step %d needs a phase (%s), an action, a stage and a host of the session or none: %r'
                             % (position, ', '.join(migrations.SESSION_STEP_PHASES), step))


def create_session(store, cluster, hosts, state='MAINTENANCE', workflow='default', maintenance_at=None,
                   metadata=None, download=None, actions=(), steps=(), max_parallel=1, plan=None):
    """Persist a maintenance session of ``cluster``; returns it with its id, hosts and steps.

    ``hosts``: names, or dicts with ``host`` and optionally ``batch`` and
    ``detail``, in the order they are maintained.  ``actions``: dicts with
    ``plugin``, ``type`` (pre, host or post), ``metadata`` and optionally
    ``host``.  ``steps``: dicts with ``phase``, ``stage``, ``action`` and
    optionally ``batch``, ``host``, ``plugin``, ``metadata``, in the order they
    run.  The database refuses a host that is in another active session.
    """
    hosts = [h if isinstance(h, dict) else {'host': h} for h in hosts]
    _check_new(state, hosts, actions, steps)
    session_id = str(uuid.uuid4())
    try:
        with store.transaction() as session:
            cluster_id = cluster_id_of(session, cluster)
            maintenance = models.MaintenanceSession(
                id=session_id, cluster_id=cluster_id, state=state, workflow=workflow, maintenance_at=maintenance_at,
                meta=as_json(metadata or {}, 'metadata'), download=as_json(download or [], 'download'),
                max_parallel=max_parallel, plan=None if plan is None else as_json(plan, 'plan'))
            maintenance.actions = [
                models.MaintenanceAction(plugin=action['plugin'], type=action['type'], host=action.get('host'),
                                         meta=as_json(action.get('metadata') or {}, 'metadata of %s' % action['plugin']))
                for action in actions]
            session.add(maintenance)
            session.flush()
            if hosts:  # (an INSERT of no rows would insert one of defaults)
                session.execute(sa.insert(models.MaintenanceHost), [
                    {'session_id': session_id, 'host': h['host'], 'position': position, 'state': 'pending',
                     'batch': h.get('batch'), 'active_cluster_id': cluster_id,
                     'detail': as_json(h.get('detail') or {}, 'detail of %s' % h['host'])}
                    for position, h in enumerate(hosts, 1)])
            if steps:
                # One executemany: a session over thousands of hosts has tens of thousands of steps.
                session.execute(sa.insert(models.MaintenanceStep), [
                    {'session_id': session_id, 'position': position, 'stage': step['stage'], 'phase': step['phase'],
                     'batch': step.get('batch'), 'host': step.get('host'), 'action': step['action'],
                     'plugin': step.get('plugin'), 'status': 'pending', 'attempts': 0, 'detail': {},
                     'meta': as_json(step.get('metadata') or {}, 'metadata of step %d' % position)}
                    for position, step in enumerate(steps, 1)])
    except StoreConflict as exc:
        raise _host_conflict(store, cluster, [h['host'] for h in hosts], exc) from None
    return get_session(store, session_id)


def active_hosts(store, cluster, hosts=None):
    """``[{'host', 'session', 'state'}]``: the hosts of ``cluster`` (or of ``hosts``) in an active session."""
    host, maintenance = models.MaintenanceHost, models.MaintenanceSession
    with store.transaction() as session:
        query = (sa.select(host.host, maintenance.id, maintenance.state)
                 .join(maintenance, host.session_id == maintenance.id).join(models.Cluster)
                 .where(models.Cluster.name == cluster, host.active_cluster_id.is_not(None)).order_by(host.host))
        if hosts is not None:
            query = query.where(host.host.in_(list(hosts)))
        return [{'host': name, 'session': session_id, 'state': state}
                for name, session_id, state in session.execute(query)]


def _host_conflict(store, cluster, hosts, exc):
    """The error for a host already in another active session, naming the session."""
    taken = active_hosts(store, cluster, hosts)
    if not taken:  # that session finished meanwhile: report what the database said
        return exc
    first = taken[0]
    return StoreConflict(
        'Host %s is already in maintenance session %s (%s); finish that session, or delete it, first.'
        % (first['host'], first['session'], first['state']), hosts=[t['host'] for t in taken],
        session=first['session'])


def get_session(store, session_id):
    """Maintenance session ``session_id`` with its plan, hosts, actions and steps; StoreError when unknown."""
    with store.transaction() as session:
        maintenance = session.scalars(
            sa.select(models.MaintenanceSession).where(models.MaintenanceSession.id == session_id)
            .options(orm.selectinload(models.MaintenanceSession.hosts),
                     orm.selectinload(models.MaintenanceSession.actions),
                     orm.joinedload(models.MaintenanceSession.cluster))).one_or_none()
        if maintenance is None:
            raise StoreError(NO_SESSION % session_id, session=session_id)
        return session_dict(session, maintenance)


def list_sessions(store, cluster=None):
    """Maintenance sessions (without plan, hosts, actions, steps), oldest first, of one cluster or all."""
    with store.transaction() as session:
        query = (sa.select(models.MaintenanceSession).join(models.MaintenanceSession.cluster)
                 .options(orm.contains_eager(models.MaintenanceSession.cluster))
                 .order_by(models.MaintenanceSession.created_at, models.MaintenanceSession.id))
        if cluster is not None:
            query = query.where(models.Cluster.name == cluster)
        return [session_dict(session, m, details=False) for m in session.scalars(query)]


def transition_session(store, session_id, state, reason=None, check_mode=False):
    """Move session ``session_id`` to ``state`` if SESSION_TRANSITIONS allows it; the session.

    Compare-and-set on the current state in one short transaction; a
    finished session gives its hosts back.  ``reason`` (why it failed) is
    recorded when given.
    """
    if state not in SESSION_TRANSITIONS:
        raise StoreError('Unknown maintenance session state %r; expected one of %s.'
                         % (state, ', '.join(SESSION_TRANSITIONS)))
    with store.transaction() as session:
        maintenance = load_session(session, session_id)
        if check_mode:
            if state not in SESSION_TRANSITIONS[maintenance.state]:
                set_state(session, maintenance, state)  # raises the same refusal
            return dict(session_dict(session, maintenance, details=False), state=state)
        set_state(session, maintenance, state, reason)
        return session_dict(session, maintenance, details=False)


def _first_unfinished(session, session_id):
    step = models.MaintenanceStep
    return session.scalars(sa.select(step).where(step.session_id == session_id,
                                                 step.status.in_(UNFINISHED_STEP_STATUSES))
                           .order_by(step.stage, step.position).limit(1)).one_or_none()


def continue_session(store, session_id, check_mode=False):
    """Continue a failed session (Fenix's update): its failed steps become pending again.

    Finished steps, and so finished hosts, are not run again; steps found
    ``running`` (the controller died) are claimed again.  Returns
    ``{'changed', 'session', 'reset'}``: ``reset`` the steps made pending.  A
    session that is not failed is left as it is (``changed`` false).
    """
    step, host = models.MaintenanceStep, models.MaintenanceHost
    with store.transaction() as session:
        maintenance = load_session(session, session_id)
        if maintenance.state != 'MAINTENANCE_FAILED':
            return {'changed': False, 'session': session_dict(session, maintenance, details=False), 'reset': []}
        failed = list(session.scalars(sa.select(step).where(step.session_id == session_id, step.status == 'failed')
                                      .order_by(step.position)))
        reset = [dict(plain(s), status='pending') for s in failed]
        state = SESSION_PHASE_STATES[_first_unfinished(session, session_id).phase]
        if check_mode:
            return {'changed': True, 'reset': reset,
                    'session': dict(session_dict(session, maintenance, details=False), state=state, reason=None)}
        session.execute(sa.update(step).where(step.session_id == session_id, step.status == 'failed')
                        .values(status='pending', finished_at=None).execution_options(synchronize_session=False))
        session.execute(sa.update(host).where(host.session_id == session_id, host.state == 'failed')
                        .values(state='running', finished_at=None).execution_options(synchronize_session=False))
        set_state(session, maintenance, state)
        return {'changed': True, 'session': session_dict(session, maintenance, details=False), 'reset': reset}


def delete_session(store, session_id, force=False, check_mode=False):
    """Delete a finished session with its hosts, actions and steps (an active one only with ``force``).

    Returns ``{'deleted', 'session'}``: the session as it was, with its steps
    (whoever forces the deletion re-enables what they disabled), or None when
    there is no such session.
    """
    with store.transaction() as session:
        maintenance = session.get(models.MaintenanceSession, session_id)
        if maintenance is None:
            return {'deleted': False, 'session': None}
        if maintenance.state not in FINISHED_SESSION_STATES and not force:
            raise StoreError('Maintenance session %s is %s, not finished: delete it with force once the hosts it '
                             'disabled are enabled again.' % (session_id, maintenance.state), state=maintenance.state)
        result = session_dict(session, maintenance)
        if not check_mode:
            session.execute(sa.delete(models.MaintenanceSession).where(models.MaintenanceSession.id == session_id)
                            .execution_options(synchronize_session=False))
        return {'deleted': True, 'session': result}
