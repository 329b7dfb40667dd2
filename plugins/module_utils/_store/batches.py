# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running an upgrade's plan batch by batch: claim, finish, cancel and roll back.

A batch is the steps of a plan that share ``batch`` (consecutive positions).
The upgrade role claims all of a batch's steps in one module run and one
transaction, runs them on the hosts, then finishes them with their outcomes
in another: the bookkeeping scales with batches, not hosts.

Every function here locks the upgrade's row first, so two controllers
working on one upgrade take turns and each sees what the other committed;
every status change is also a compare-and-set on the status it read.
With ``check_mode`` they return what they would do and write nothing.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreConflict, StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import record_upgrade_versions
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import UpgradeStep, utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, iso, plain
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import (
    CODE_PHASES,
    CUT_SHORT,
    NO_RETURN_PHASE,
    STEP_TRANSITIONS,
    UPGRADE_TRANSITIONS,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._store.upgrades import (
    active_conflict,
    load_upgrade,
    move_upgrade,
    refuse_transition,
    status_values,
    upgrade_dict,
)

try:
    import sqlalchemy as sa
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs

# Steps a forward claim (re)runs: a running one was cut short, a failed one is retried.
CLAIMABLE = ('pending', 'running', 'failed')
# Steps of the code phases a rollback undoes.
REVERTIBLE = ('done', 'running', 'failed')
# Statuses in which a batch that was claimed may still be finished.
FINISHING = ('running', 'paused', 'cancelling', 'rolling_back')


def _label(step):
    where = ' on %s' % step['host'] if step['host'] else ''
    what = step['detail'].get('binary') or step['service'] or ''
    return 'step %d (%s %s%s)' % (step['position'], step['action'], what, where) if what else \
        'step %d (%s%s)' % (step['position'], step['action'], where)


def _batch_steps(session, upgrade_id, batch):
    return list(session.scalars(sa.select(UpgradeStep).where(
        UpgradeStep.upgrade_id == upgrade_id, UpgradeStep.batch == batch).order_by(UpgradeStep.position)))


def _first_batch(session, upgrade_id, *criteria, last=False):
    func = sa.func.max if last else sa.func.min
    return session.scalar(sa.select(func(UpgradeStep.batch)).where(UpgradeStep.upgrade_id == upgrade_id, *criteria))


def _count(session, upgrade_id, *criteria):
    return session.scalar(sa.select(sa.func.count()).select_from(UpgradeStep)
                          .where(UpgradeStep.upgrade_id == upgrade_id, *criteria))


def _revertible(session, upgrade_id):
    return _count(session, upgrade_id, UpgradeStep.phase.in_(CODE_PHASES), UpgradeStep.status.in_(REVERTIBLE))


def _write_steps(session, changes):
    """Compare-and-set each step of ``changes``: ``(step, values)``, from the status it was read with.

    One executemany for all; ``values`` of every change have the same keys.
    """
    if not changes:
        return
    table = UpgradeStep.__table__
    keys = sorted(changes[0][1])
    statement = (table.update()
                 .where(table.c.id == sa.bindparam('b_id'), table.c.status == sa.bindparam('b_was'))
                 .values(**dict((key, sa.bindparam('v_' + key)) for key in keys)))
    rows = [dict([('b_id', step.id), ('b_was', step.status)] + [('v_' + key, values[key]) for key in keys])
            for step, values in changes]
    result = session.execute(statement, rows)
    if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise StoreError('Steps of upgrade %s changed meanwhile; nothing changed.' % changes[0][0].upgrade_id)


def _after(step, values):
    """``plain(step)`` as it reads once ``values`` are written."""
    result = plain(step)
    result.update((key, iso(value) if hasattr(value, 'isoformat') else value) for key, value in values.items())
    return result


def _outcome(session, upgrade, before, batch=None, steps=(), stop=False, reason='', changed=False):
    totals = session.execute(sa.select(sa.func.count(), sa.func.max(UpgradeStep.batch))
                             .where(UpgradeStep.upgrade_id == upgrade.id)).one()
    record = dict(upgrade_dict(session, upgrade, steps=False), steps_total=totals[0], batches_total=totals[1] or 0)
    return {'upgrade': record, 'status_before': before, 'batch': batch, 'steps': list(steps), 'stop': stop,
            'reason': reason, 'changed': changed}


def _move(session, upgrade, status, write, **values):
    """Move ``upgrade`` to ``status`` (in check mode: only in memory, for the returned record)."""
    if write:
        if not move_upgrade(session, upgrade, status, **values):
            raise StoreError('Upgrade %s changed status meanwhile; nothing changed.' % upgrade.id)
        record_upgrade_versions(session, upgrade, status)
    else:
        for key, value in dict(values, **status_values(upgrade, status)).items():
            setattr(upgrade, key, value)


def _update(session, upgrade, write, **values):
    """Set columns of ``upgrade`` other than its status."""
    if write:
        session.execute(sa.update(type(upgrade)).where(type(upgrade).id == upgrade.id)
                        .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False))
        session.refresh(upgrade)
    else:
        for key, value in values.items():
            setattr(upgrade, key, value)


def _load(session, upgrade_id, write):
    """Upgrade ``upgrade_id``, its row locked; in check mode detached, so that what is
    predicted on it is never flushed."""
    upgrade = load_upgrade(session, upgrade_id, lock=True)
    if not write:
        session.expunge(upgrade)
    return upgrade


def _stopped(upgrade):
    name, status = upgrade.id, upgrade.status
    if status == 'paused':
        return ('Upgrade %s is paused (last batch %s): continue it with osops.lifecycle.upgrade '
                'state=running, then run the play again.' % (name, upgrade.current_batch))
    if status == 'failed':
        return ('Upgrade %s failed: %s Fix the cause, then continue it (osops.lifecycle.upgrade '
                'state=running) to retry the failed steps, or roll it back (state=rolled_back).'
                % (name, upgrade.error))
    if status == 'rolling_back':
        return 'Upgrade %s is rolling back: run the rollback, which claims with rollback=true.' % name
    if status == 'pending':
        return 'Upgrade %s has not started: it is not rolling back.' % name
    return 'Upgrade %s is %s: nothing left to run.' % (name, status.replace('_', ' '))


def claim_batch(store, upgrade_id, claimed_by, batch=None, rollback=False, check_mode=False):
    """Claim the next batch of upgrade ``upgrade_id`` in one transaction.

    Forward (``rollback`` false): the first batch with a step not done; its
    pending, running (cut short: redone) and failed (retried) steps become
    running and are returned; done ones are skipped.  A pending upgrade
    becomes running.  Nothing is claimed when the upgrade is paused, failed or
    finished: ``stop`` is true and ``reason`` says why and how to go on.  A
    cancelling upgrade hands out only the batch that was running; with none,
    it becomes cancelled.

    Rollback (``rollback`` true, the upgrade rolling back): the last batch
    with code steps (control, compute) done, running or failed; those steps
    are returned, in plan order, for the caller to revert (their status
    changes when they are finished); with none left it becomes rolled back.

    ``batch`` asks for one batch: a batch already done (reverted) returns no
    steps; a later one than the next is an error.

    Returns ``upgrade`` (without steps), ``status_before``, ``batch``,
    ``steps`` (each with its ``status_before``), ``stop``, ``reason`` and
    ``changed``.
    """
    write = not check_mode
    with store.transaction() as session:
        upgrade = _load(session, upgrade_id, write)
        before = upgrade.status
        if rollback:
            if before != 'rolling_back':
                return _outcome(session, upgrade, before, stop=True, reason=_stopped(upgrade))
            target = _first_batch(session, upgrade_id, UpgradeStep.phase.in_(CODE_PHASES),
                                  UpgradeStep.status.in_(REVERTIBLE), last=True)
            if target is None:
                _move(session, upgrade, 'rolled_back', write)
                return _outcome(session, upgrade, before, stop=True, changed=True,
                                reason='Upgrade %s is rolled back: every code step is reverted.' % upgrade_id)
        else:
            if before not in ('pending', 'running', 'cancelling'):
                return _outcome(session, upgrade, before, stop=True, reason=_stopped(upgrade))
            target = _first_batch(session, upgrade_id, UpgradeStep.status == 'running')
            if before == 'cancelling' and target is None:
                _move(session, upgrade, 'cancelled', write)
                return _outcome(session, upgrade, before, stop=True, changed=True,
                                reason='Upgrade %s is cancelled; the cluster stays as it is.' % upgrade_id)
            if before != 'cancelling':
                target = _first_batch(session, upgrade_id, UpgradeStep.status != 'done')
            if target is None:
                if before == 'pending':
                    _move(session, upgrade, 'running', write)
                _move(session, upgrade, 'completed', write)
                return _outcome(session, upgrade, before, stop=True, changed=True,
                                reason='Upgrade %s is completed: every step is done.' % upgrade_id)
        if batch is not None and batch != target:
            if (batch > target) != rollback:
                raise StoreError('Batch %d of upgrade %s cannot be claimed: batch %d comes %s it.' % (
                    batch, upgrade_id, target, 'after' if rollback else 'before'), batch=target)
            return _outcome(session, upgrade, before, batch, reason='Batch %d of upgrade %s is %s already.'
                            % (batch, upgrade_id, 'reverted' if rollback else 'done'))
        steps = [s for s in _batch_steps(session, upgrade_id, target)
                 if s.status in (REVERTIBLE if rollback else CLAIMABLE) and (not rollback or s.phase in CODE_PHASES)]
        now = utcnow()
        values = {'claimed_by': claimed_by, 'claimed_at': now}
        if not rollback:
            values.update(status='running', started_at=now, finished_at=None, error=None)
        changes = [(step, values) for step in steps]
        # status_before: pending (first run), running (cut short: redone), failed (retried), done (to revert).
        claimed = [dict(_after(step, values), status_before=step.status) for step, values in changes]
        if write:
            _write_steps(session, changes)
        pointer = {'current_batch': target, 'current_position': steps[0].position}
        if before == 'pending':
            _move(session, upgrade, 'running', write, **pointer)
        else:
            _update(session, upgrade, write, **pointer)
        reason = '%s batch %d of upgrade %s: %d step%s.' % (
            'Reverting' if rollback else 'Claimed', target, upgrade_id, len(claimed), '' if len(claimed) == 1 else 's')
        return _outcome(session, upgrade, before, target, claimed, changed=True, reason=reason)


def _result_changes(upgrade, steps, results, rollback):
    """``(changes, failures)`` for the outcomes ``results`` of a batch's ``steps``."""
    by_position = dict((step.position, step) for step in steps)
    outcomes = {}
    for result in results:
        position = result.get('position')
        if position not in by_position:
            raise StoreError('Step %r is not in batch %d of upgrade %s (its steps are %s).' % (
                position, steps[0].batch, upgrade.id, ', '.join(str(p) for p in sorted(by_position))))
        if position in outcomes:
            raise StoreError('Step %d has two outcomes.' % position)
        if result.get('status') not in ('done', 'failed', 'reverted'):
            raise StoreError('Step %d: status %r; expected done, failed or reverted.' % (position, result.get('status')))
        outcomes[position] = result
    expected = [s for s in steps if s.status == 'running'
                or (rollback and s.phase in CODE_PHASES and s.status in REVERTIBLE)]
    for step in expected:  # an unreachable host, or a play that stopped, reports nothing
        outcomes.setdefault(step.position, {'status': 'failed', 'error': 'no outcome was reported (host %s '
                                            'unreachable, or the play stopped)' % step.host})
    now = utcnow()
    changes, failures = [], []
    for position in sorted(outcomes):
        step, result = by_position[position], outcomes[position]
        wanted, error = result['status'], result.get('error')
        detail = as_json(dict(step.detail or {}, **(result.get('detail') or {})), 'detail of step %d' % position)
        if rollback and wanted == 'failed' and step.status in ('done', 'failed'):
            # A revert that failed: the step stays as it is, to be reverted again.
            wanted, error = step.status, 'revert failed: %s' % (error or 'no reason given')
        elif wanted == step.status:
            continue  # told again (a play run twice): nothing changes
        elif wanted not in STEP_TRANSITIONS[step.status]:
            raise refuse_transition('Step', '%d of upgrade %s' % (position, upgrade.id), step.status, wanted,
                                    STEP_TRANSITIONS)
        values = {'status': wanted, 'finished_at': now, 'detail': detail, 'error': error}
        changes.append((step, values))
        if error is not None:
            failures.append(_after(step, values))
    return changes, failures


def finish_batch(store, upgrade_id, batch, results, check_mode=False):
    """Record the outcomes of batch ``batch`` of upgrade ``upgrade_id`` in one transaction.

    ``results`` are dicts with ``position``, ``status`` (``done``, ``failed``
    or, rolling back, ``reverted``), optionally ``detail`` (merged into the
    step's) and ``error``.  A step the batch still runs (or, rolling back,
    still has to revert) without an outcome has failed: its host did not
    answer.  A revert that failed leaves the step as it was.

    Then the upgrade: a failure fails a running upgrade (paused, cancelling
    and rolling back ones keep their status; the error is recorded); a
    cancelling upgrade with nothing running is cancelled; a running one with
    every step done is completed; a rolling back one with nothing left to
    revert is rolled back.  Returns ``upgrade``, ``status_before``, ``batch``,
    ``steps`` (those that changed), ``failed``, ``stop``, ``reason``, ``changed``.
    """
    write = not check_mode
    with store.transaction() as session:
        upgrade = _load(session, upgrade_id, write)
        before = upgrade.status
        if before not in FINISHING:
            raise StoreError('Upgrade %s is %s: no batch of it can be finished.' % (upgrade_id, before),
                             status=before)
        steps = _batch_steps(session, upgrade_id, batch)
        if not steps:
            raise StoreError('Upgrade %s has no batch %d.' % (upgrade_id, batch))
        rollback = before == 'rolling_back'
        changes, failures = _result_changes(upgrade, steps, results, rollback)
        if write:
            _write_steps(session, changes)
        finished = [_after(step, values) for step, values in changes]
        # The plan once the changes are written: this batch from memory, the others from the database.
        after = dict((step.id, step.status) for step in steps)
        after.update((step.id, values['status']) for step, values in changes)

        def left(statuses, code_only=False):
            criteria = [UpgradeStep.batch != batch, UpgradeStep.status.in_(statuses)]
            if code_only:
                criteria.append(UpgradeStep.phase.in_(CODE_PHASES))
            return _count(session, upgrade_id, *criteria) + sum(
                1 for step in steps if after[step.id] in statuses and (not code_only or step.phase in CODE_PHASES))

        status, values = before, {}
        if failures:
            values['error'] = '%s failed: %s%s' % (_label(failures[0]), failures[0]['error'], (
                ' (and %d more step%s)' % (len(failures) - 1, '' if len(failures) == 2 else 's')
                if len(failures) > 1 else ''))
            if before == 'running':
                status = 'failed'
        if status == 'running' and not left(CLAIMABLE):
            status = 'completed'
        if status == 'cancelling' and not left(('running',)):
            status = 'cancelled'
        if status == 'rolling_back' and not failures and not left(REVERTIBLE, code_only=True):
            status = 'rolled_back'
        if status != before:
            _move(session, upgrade, status, write, **values)
        elif values:
            _update(session, upgrade, write, **values)
        stop = upgrade.status != ('rolling_back' if rollback else 'running')
        if failures or not stop or upgrade.status not in ('paused', 'failed'):
            reason = values.get('error') or ('Batch %d of upgrade %s finished; the upgrade is %s.'
                                             % (batch, upgrade_id, upgrade.status.replace('_', ' ')))
        else:
            reason = _stopped(upgrade)
        result = _outcome(session, upgrade, before, batch, finished, stop, reason, bool(changes) or status != before)
        result['failed'] = failures
        return result


def cancel_upgrade(store, upgrade_id, check_mode=False):
    """Cancel upgrade ``upgrade_id``: pending → cancelled; running, paused, failed → cancelling.

    A cancelling upgrade with no batch running is cancelled at once; else the
    running batch finishes first (``finish_batch`` / ``claim_batch`` end it).
    Asking again changes nothing.  Returns ``upgrade``, ``status_before``, ``changed``.
    """
    write = not check_mode
    with store.transaction() as session:
        upgrade = _load(session, upgrade_id, write)
        before = upgrade.status
        if before in ('cancelling', 'cancelled'):
            return _outcome(session, upgrade, before)
        target = 'cancelled' if before == 'pending' else 'cancelling'
        if target not in UPGRADE_TRANSITIONS[before]:
            raise refuse_transition('Upgrade', upgrade_id, before, target, UPGRADE_TRANSITIONS)
        _move(session, upgrade, target, write)
        if target == 'cancelling' and not _count(session, upgrade_id, UpgradeStep.status == 'running'):
            _move(session, upgrade, 'cancelled', write)
        return _outcome(session, upgrade, before, changed=True)


def start_rollback(store, upgrade_id, check_mode=False):
    """Start rolling back upgrade ``upgrade_id``; refused once its finalize phase has started.

    With no code step to revert it is rolled back at once.  Asking again
    changes nothing.  Returns ``upgrade``, ``status_before``, ``changed``.
    """
    cluster, write = None, not check_mode
    try:
        with store.transaction() as session:
            upgrade = _load(session, upgrade_id, write)
            cluster, before = upgrade.cluster.name, upgrade.status
            if before in ('rolling_back', 'rolled_back'):
                return _outcome(session, upgrade, before)
            if 'rolling_back' not in UPGRADE_TRANSITIONS[before]:
                raise refuse_transition('Upgrade', upgrade_id, before, 'rolling_back', UPGRADE_TRANSITIONS)
            started = session.scalars(sa.select(UpgradeStep).where(
                UpgradeStep.upgrade_id == upgrade_id, UpgradeStep.phase == NO_RETURN_PHASE,
                UpgradeStep.status != 'pending').order_by(UpgradeStep.position).limit(1)).first()
            if started is not None:
                raise StoreError('Upgrade %s cannot be rolled back: its %s phase started with %s (%s).' % (
                    upgrade_id, NO_RETURN_PHASE, _label(plain(started)), started.status), status=before)
            _move(session, upgrade, 'rolling_back', write)
            cut = session.scalars(sa.select(UpgradeStep).where(UpgradeStep.upgrade_id == upgrade_id, UpgradeStep.status
                                  == 'running', UpgradeStep.phase.not_in(CODE_PHASES))).all() if write else []
            _write_steps(session, [(step, {'status': 'failed', 'error': CUT_SHORT, 'finished_at': utcnow()}) for step in cut])
            if not _revertible(session, upgrade_id):
                _move(session, upgrade, 'rolled_back', write)
            return _outcome(session, upgrade, before, changed=True)
    except StoreConflict as exc:
        raise active_conflict(store, cluster, exc) from None
