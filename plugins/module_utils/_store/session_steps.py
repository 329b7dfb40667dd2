# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The steps of a maintenance session: claimed before they run, finished after, by compare-and-set.

Claiming marks steps ``running`` with their start time (a step found
``running`` is claimed again: the controller died during it), moves the
hosts of host-phase steps to ``running`` (a download leaves a host in
service) and the session to the state of the steps' phase.
Finishing records the outcome (done, failed or skipped), the end time and the
details; a failed step fails its host and the session, so nothing after it
is claimed until the session is continued; the last step finishes its host,
the last of all the session.  Steps run stage after stage: the steps of a
stage (the hosts of one batch) may run at once.  Each call is one short
transaction for a whole batch.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._store import models
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreConflict, StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, plain
from ansible_collections.osops.lifecycle.plugins.module_utils._store.sessions import (
    UNFINISHED_STEP_STATUSES,
    describe_step,
    load_session,
    session_dict,
    set_state,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import (
    RUNNABLE_SESSION_STATES,
    SESSION_PHASE_STATES,
    SESSION_STEP_TRANSITIONS,
    STEP_OUTCOMES,
)

try:
    import sqlalchemy as sa
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def _not_runnable(maintenance):
    if maintenance.state == 'SCHEDULED':
        return ('Maintenance session %s is scheduled for %s: start it then with osops.lifecycle.maintenance_session '
                '(state present, the same options).' % (maintenance.id, maintenance.maintenance_at))
    if maintenance.state == 'MAINTENANCE_FAILED':
        return ('Maintenance session %s failed: %s. Fix the cause, then continue it (osops.lifecycle.'
                'maintenance_session, state continued).' % (maintenance.id, maintenance.reason))
    return 'Maintenance session %s is %s: nothing is left to run.' % (maintenance.id, maintenance.state)


def _next_steps(session, maintenance, hosts):
    """``{host or None: its first step not finished}`` (None: the next step of no host)."""
    step = models.MaintenanceStep
    query = sa.select(step).where(step.session_id == maintenance.id, step.status.in_(('pending', 'running')))
    if not hosts:
        found = session.scalars(query.where(step.host.is_(None)).order_by(step.position).limit(1)).one_or_none()
        return {None: found}
    known = set(session.scalars(sa.select(models.MaintenanceHost.host).where(
        models.MaintenanceHost.session_id == maintenance.id, models.MaintenanceHost.host.in_(hosts))))
    unknown = [h for h in hosts if h not in known]
    if unknown:
        raise StoreError('Not hosts of maintenance session %s: %s.' % (maintenance.id, ', '.join(unknown)),
                         hosts=unknown)
    result = dict.fromkeys(hosts)
    for found in session.scalars(query.where(step.host.in_(hosts)).order_by(step.host, step.position)):
        if result[found.host] is None:
            result[found.host] = found
    return result


def claim_steps(store, session_id, hosts=(), action=None, check_mode=False):
    """Claim the next step of each of ``hosts`` (none: the next step of no host, such as a pre action).

    A step is claimed when its stage is the first one not finished and, with
    ``action``, when it is that action.  Returns ``{'session', 'claimed',
    'waiting', 'finished'}``: the claimed steps, ``{'host', 'position',
    'action', 'reason'}`` for steps that wait, and the hosts with nothing
    left.  Refused (StoreError) when the session is not running.
    """
    hosts = list(hosts)
    step = models.MaintenanceStep
    with store.transaction() as session:
        maintenance = load_session(session, session_id)
        if maintenance.state not in RUNNABLE_SESSION_STATES:
            raise StoreError(_not_runnable(maintenance), state=maintenance.state)
        first = session.scalars(sa.select(step).where(step.session_id == session_id,
                                                      step.status.in_(UNFINISHED_STEP_STATUSES))
                                .order_by(step.stage, step.position).limit(1)).one_or_none()
        claimed, waiting, finished = [], [], []
        for host, found in _next_steps(session, maintenance, hosts).items():
            if found is None:
                finished.append(host)
            elif found.stage != first.stage:
                waiting.append({'host': host, 'position': found.position, 'action': found.action,
                                'reason': 'waits for %s, of an earlier stage' % describe_step(first)})
            elif action is not None and found.action != action:
                waiting.append({'host': host, 'position': found.position, 'action': found.action,
                                'reason': 'its next step is %s, not %s' % (describe_step(found), action)})
            else:
                claimed.append(found)
        if claimed and not check_mode:
            _claim(session, maintenance, claimed)
        return {'session': session_dict(session, maintenance, details=False),
                'claimed': [dict(plain(s), status='running') for s in claimed],
                'waiting': waiting, 'finished': [h for h in finished if h is not None]}


def _claim(session, maintenance, claimed):
    step, host = models.MaintenanceStep, models.MaintenanceHost
    now = utcnow()
    for status in [s for s, targets in SESSION_STEP_TRANSITIONS.items() if 'running' in targets]:
        ids = [s.id for s in claimed if s.status == status]
        if ids and session.execute(
                sa.update(step).where(step.id.in_(ids), step.status == status)
                .values(status='running', started_at=now, finished_at=None, attempts=step.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount != len(ids):
            raise StoreConflict('Another controller claimed steps of maintenance session %s meanwhile; nothing '
                                'changed.' % maintenance.id)
    names = sorted(set(s.host for s in claimed if s.phase == 'host'))  # a download leaves a host in service
    if names:
        session.execute(sa.update(host).where(host.session_id == maintenance.id, host.host.in_(names),
                                              host.state == 'pending')
                        .values(state='running', started_at=now).execution_options(synchronize_session=False))
    state = SESSION_PHASE_STATES[claimed[0].phase]
    if maintenance.state != state:
        set_state(session, maintenance, state)
    for claimed_step in claimed:
        session.refresh(claimed_step)


def _resolve(session, maintenance, result):
    step = models.MaintenanceStep
    if result.get('position') is not None:
        found = session.scalars(sa.select(step).where(step.session_id == maintenance.id,
                                                      step.position == result['position'])).one_or_none()
        if found is None:
            raise StoreError('No step %s in maintenance session %s.' % (result['position'], maintenance.id))
        return found
    found = session.scalars(sa.select(step).where(step.session_id == maintenance.id, step.host == result.get('host'),
                                                  step.status == 'running').order_by(step.position)).first()
    if found is None:
        raise StoreError('Host %s has no running step in maintenance session %s: claim its step first.'
                         % (result.get('host'), maintenance.id), host=result.get('host'))
    return found


def finish_steps(store, session_id, results, check_mode=False):
    """Record how claimed steps ended: ``results`` are dicts with ``position`` (or ``host``: its running
    step), ``outcome`` (done, failed or skipped) and ``detail`` (a dict).

    A result already recorded is left as it is.  Returns ``{'session',
    'finished', 'unchanged'}`` (the steps).  A failed step fails its host and
    the session, with the step named in the session's reason.
    """
    for result in results:
        if result.get('outcome') not in STEP_OUTCOMES:
            raise StoreError('Outcome %r of a step: expected one of %s.' % (result.get('outcome'), ', '.join(STEP_OUTCOMES)))
    with store.transaction() as session:
        maintenance = load_session(session, session_id)
        finished, unchanged, now = [], [], utcnow()
        for result in results:
            found = _resolve(session, maintenance, result)
            detail = None if result.get('detail') is None else as_json(result['detail'], 'detail of %s' % describe_step(found))
            if found.status == result['outcome'] and detail in (None, found.detail):
                unchanged.append(plain(found))
                continue
            if found.status != 'running' or result['outcome'] not in SESSION_STEP_TRANSITIONS[found.status]:
                raise StoreError('%s of maintenance session %s is %s: only a claimed (running) step can become %s.'
                                 % (describe_step(found).capitalize(), session_id, found.status, result['outcome']),
                                 status=found.status)
            finished.append((found, result['outcome'], detail))
        if finished and not check_mode:
            _finish(session, maintenance, finished, now)
        return {'session': session_dict(session, maintenance, details=False), 'unchanged': unchanged,
                'finished': [dict(plain(s), status=outcome, detail=detail if detail is not None else s.detail)
                             for s, outcome, detail in finished]}


def _finish(session, maintenance, finished, now):
    step, host = models.MaintenanceStep, models.MaintenanceHost
    for found, outcome, detail in finished:
        values = {'status': outcome, 'finished_at': now}
        if detail is not None:
            values['detail'] = detail
        if not session.execute(sa.update(step).where(step.id == found.id, step.status == 'running').values(**values)
                               .execution_options(synchronize_session=False)).rowcount:
            raise StoreConflict('%s of maintenance session %s was finished by another controller meanwhile; nothing '
                                'changed.' % (describe_step(found).capitalize(), maintenance.id))
    failed = [(found, detail) for found, outcome, detail in finished if outcome == 'failed']
    failed_hosts = sorted(set(found.host for found, _detail in failed if found.phase == 'host'))
    if failed_hosts:
        session.execute(sa.update(host).where(host.session_id == maintenance.id, host.host.in_(failed_hosts))
                        .values(state='failed', finished_at=now).execution_options(synchronize_session=False))
    others = sorted(set(found.host for found, _outcome, _detail in finished if found.phase == 'host')
                    - set(failed_hosts))
    if others:
        busy = sa.select(step.host).where(step.session_id == maintenance.id, step.host.in_(others),
                                          step.status.in_(UNFINISHED_STEP_STATUSES))
        session.execute(sa.update(host).where(host.session_id == maintenance.id, host.host.in_(others),
                                              host.host.not_in(busy), host.state == 'running')
                        .values(state='done', finished_at=now).execution_options(synchronize_session=False))
    if failed:
        found, detail = failed[0]
        why = detail.get('msg') if isinstance(detail, dict) and detail.get('msg') else 'see its detail'
        reason = '%s failed: %s' % (describe_step(found), why)
        if len(failed) > 1:
            reason += ' (and %d more failed steps)' % (len(failed) - 1)
        if maintenance.state != 'MAINTENANCE_FAILED':
            set_state(session, maintenance, 'MAINTENANCE_FAILED', reason)
    elif maintenance.state != 'MAINTENANCE_FAILED' and session.scalar(
            sa.select(sa.func.count()).select_from(step).where(
                step.session_id == maintenance.id, step.status.in_(UNFINISHED_STEP_STATUSES))) == 0:
        set_state(session, maintenance, 'MAINTENANCE_DONE')
