# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emptying one compute host: the plan per instance, and the loop that moves them.

Pure: ``plan_instance`` / ``plan_drain`` (which instances move, and how) and
``judge`` (what one look at a moving instance means).  ``move_all`` is the
loop, bounded in time, over a *mover* that does the API calls
(``_maintenance.migrations.NovaMover``) and an injected clock, so it is
tested without a cloud.
"""

from __future__ import annotations

import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError

LIVE, COLD = 'live', 'cold'
# nova live-migrates ACTIVE and PAUSED instances, and cold-migrates ACTIVE and SHUTOFF (STOPPED) ones.
LIVE_STATUSES = ('ACTIVE', 'PAUSED')
COLD_STATUSES = ('SHUTOFF',)
# Outcomes of a move.
PLANNED, MOVED, FAILED, ABORTED, TIMEOUT, SKIPPED = 'planned', 'moved', 'failed', 'aborted', 'timeout', 'skipped'
# Verdicts of ``judge``.
RUNNING, CONFIRM, DONE = 'running', 'confirm', 'done'
# nova's migration record statuses while a migration is still at work: the instance may already
# show its new host, settled, while the source compute still cleans up (post-migrating, then
# completed); a host action or restart before then would cut that short.
MIGRATION_IN_PROGRESS = ('accepted', 'queued', 'preparing', 'running', 'post-migrating', 'pre-migrating',
                         'migrating', 'confirming')
# Seconds between two looks at the moving instances.
POLL_INTERVAL = 2.0
# Seconds an aborted live migration is given to roll back (nova puts the instance back on its source).
ABORT_WAIT = 120.0


class Refused(Exception):
    """nova refused to start a migration (the mover raises it with nova's reason)."""


class Unseen(Exception):
    """A moving instance could not be read this time (the mover raises it; the move's clock runs on)."""


def plan_instance(instance):
    """``(method, reason)``: how ``instance`` leaves its host (``live`` or ``cold``), or
    ``(None, why it cannot)``.  ``instance`` has ``status`` and ``task_state``."""
    status, task_state = instance['status'], instance['task_state']
    if task_state:
        return None, 'task_state %s (an operation is in progress)' % task_state
    if status in LIVE_STATUSES:
        return LIVE, None
    if status in COLD_STATUSES:
        return COLD, None
    if status == 'ERROR':
        return None, 'status ERROR'
    return None, 'status %s (nova migrates only ACTIVE, PAUSED and SHUTOFF instances)' % status


def plan_drain(instances, host, target_host=None, fallback_cold=False, skip_unmovable=False):
    """``(moves, skipped)`` for the instances on ``host``, ordered by name.

    Each move is a dict: ``id``, ``name``, ``status`` (kept), ``from``,
    ``to`` (``target_host``, or None while the scheduler has not chosen),
    ``method``, ``fallback`` (``cold`` when ``fallback_cold`` and the instance
    is ACTIVE: cold migration if live migration refuses), ``outcome``
    ``planned``.  Instances that cannot move raise MaintenanceError naming
    them, unless ``skip_unmovable``: then they are returned as skipped.
    """
    moves, skipped, refused = [], [], []
    for instance in sorted(instances, key=lambda i: (i['name'] or '', i['id'])):
        method, reason = plan_instance(instance)
        entry = dict(id=instance['id'], name=instance['name'], status=instance['status'], method=method,
                     fallback=None, duration=None, migration_id=None, message=reason,
                     to=target_host if method else None, outcome=PLANNED if method else SKIPPED)
        entry['from'] = host
        if method is None:
            (skipped if skip_unmovable else refused).append(entry)
            continue
        if fallback_cold and instance['status'] == 'ACTIVE':
            entry['fallback'] = COLD
        moves.append(entry)
    if refused:
        raise MaintenanceError(
            'Host %s has instances that cannot be moved: %s. Nothing was changed. Settle them '
            '(e.g. reset or delete the ERROR ones, wait for the operations in progress), or set '
            'skip_unmovable to leave them on the host.'
            % (host, '; '.join('%s (%s): %s' % (e['name'], e['id'], e['message']) for e in refused)),
            unmovable=refused)
    return moves, skipped


def judge(move, seen):
    """``(verdict, message)`` of one look at a moving instance: ``running``, ``confirm``
    (a cold migration waits in VERIFY_RESIZE), ``done`` (on another host, in its original
    status) or ``failed``.

    ``seen`` has ``status``, ``task_state``, ``host``, ``fault`` and
    ``migration_status``.  nova sets a task_state before it accepts a
    migration, so a settled instance still on its host means the migration
    ended without moving it; an instance on its new host is done once nova's
    migration record no longer says the migration is at work.
    """
    if seen['status'] == 'ERROR':
        return FAILED, 'the instance went to ERROR%s' % (': %s' % seen['fault'] if seen.get('fault') else '')
    if seen['task_state']:
        return RUNNING, None
    if move['method'] == COLD and seen['status'] == 'VERIFY_RESIZE':
        return CONFIRM, None
    migration = ' (migration status %s)' % seen['migration_status'] if seen.get('migration_status') else ''
    if seen['host'] == move['from']:
        return FAILED, '%s migration did not move it%s; it is still on %s, %s' % (
            move['method'], migration, move['from'], seen['status'])
    if seen['status'] != move['status']:
        return FAILED, 'it reached %s as %s, not %s%s' % (seen['host'], seen['status'], move['status'], migration)
    if seen.get('migration_status') in MIGRATION_IN_PROGRESS:
        return RUNNING, None
    return DONE, None


def _finish(move, outcome, now, message=None):
    move.update(outcome=outcome, duration=round(now - move.pop('_started'), 1),
                message=message if message is not None else move['message'])
    move.pop('_deadline', None)
    move.pop('_aborting', None)


def _start(move, mover, now, timeout):
    """Start ``move`` (or its cold fallback when live migration is refused); False when both refuse."""
    move.setdefault('_started', now)
    while True:
        try:
            mover.start(move)
        except Refused as exc:
            if move['method'] == LIVE and move['fallback'] == COLD:
                move.update(method=COLD, fallback=None, message='live migration refused: %s' % exc)
                continue
            _finish(move, FAILED, now, '; '.join(
                m for m in (move['message'], '%s migration refused: %s' % (move['method'], exc)) if m))
            return False
        move['_deadline'] = now + timeout
        return True


def _look(move, mover, seen, now, timeout):
    """Act on one look at a running move; True while it keeps running."""
    verdict, message = judge(move, seen)
    if verdict == CONFIRM:
        mover.confirm(move)
        return True
    if verdict == DONE:
        move['to'] = seen['host']
        _finish(move, MOVED, now, 'it completed before the abort asked after %d s took effect (%s)'
                % (timeout, move['message']) if move.get('_aborting') else None)
        return False
    if verdict == FAILED:
        if move.get('_aborting'):
            _finish(move, ABORTED, now, 'live migration took longer than %d s and was aborted; %s'
                    % (timeout, message))
            return False
        if (move['method'] == LIVE and move['fallback'] == COLD and seen['host'] == move['from']
                and seen['status'] == 'ACTIVE'):
            move.update(method=COLD, fallback=None, migration_id=None,
                        message='live migration failed: %s' % message)
            return _start(move, mover, now, timeout)
        _finish(move, FAILED, now, message)
        return False
    if now < move['_deadline']:
        return True
    if move['method'] == LIVE and not move.get('_aborting'):
        move['_aborting'] = True
        move['_deadline'] = now + ABORT_WAIT
        move['message'] = mover.abort(move)
        return True
    detail = '%s migration still in progress after %d s (task_state %s); ' % (
        move['method'], timeout, seen['task_state'])
    if move.get('_aborting'):
        detail += '%s, and it did not end within %d s more' % (move['message'], ABORT_WAIT)
    else:
        detail += 'not aborted: nova cannot abort a cold migration'
    _finish(move, TIMEOUT, now, detail)
    return False


def move_all(moves, mover, parallel, timeout, clock=time.monotonic, sleep=time.sleep):
    """Run ``moves`` with at most ``parallel`` at a time, each bounded by ``timeout`` seconds.

    A live migration over its time is aborted through the API and given
    ABORT_WAIT seconds to roll back; a cold one cannot be aborted and is
    reported ``timeout``.  Each move gets ``outcome``, ``to``, ``duration``,
    ``migration_id`` and ``message``.
    """
    pending, running = list(moves), []
    while pending or running:
        while pending and len(running) < parallel:
            move = pending.pop(0)
            if _start(move, mover, clock(), timeout):
                running.append(move)
        if not running:
            continue
        sleep(POLL_INTERVAL)
        for move in list(running):
            try:
                seen = mover.observe(move)
            except Unseen as exc:
                seen = dict(status=move['status'], task_state='unknown (%s)' % exc, host=None)
            if not _look(move, mover, seen, clock(), timeout):
                running.remove(move)
    return moves


def final_check(moves, mover):
    """Look again at every moved instance: on another host, in its original status."""
    for move in moves:
        if move['outcome'] != MOVED:
            continue
        try:
            seen = mover.observe(move)
        except Unseen as exc:
            move.update(outcome=FAILED, message='final check: cannot read it: %s' % exc)
            continue
        if seen['host'] == move['from'] or seen['status'] != move['status'] or seen['task_state']:
            move.update(outcome=FAILED, message='final check: it is on %s as %s (task_state %s), expected '
                        'another host than %s as %s' % (seen['host'], seen['status'], seen['task_state'],
                                                        move['from'], move['status']))
    return moves
