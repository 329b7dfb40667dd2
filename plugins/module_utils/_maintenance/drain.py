# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Emptying one compute host: the plan per instance, and the loop that moves them.

Pure: ``plan_instance`` / ``plan_drain`` (which instances move, and how, with
each instance's own preference from its metadata) and ``judge`` (what one look
at a moving instance means).  ``move_all`` is the
loop, bounded in time, over a *mover* that does the API calls
(``_maintenance.migrations.NovaMover``) and an injected clock, so it is
tested without a cloud.
"""

from __future__ import annotations

import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError

LIVE, COLD = 'live', 'cold'
# nova live-migrates ACTIVE and PAUSED instances, and cold-migrates (and stops) ACTIVE and SHUTOFF ones.
LIVE_STATUSES = ('ACTIVE', 'PAUSED')
COLD_STATUSES = ('SHUTOFF',)
# Per-instance preferences (server metadata), and the statuses each takes: also stop, cold-migrate and start
# again (STOP_START); or leave the move to the instance's owner and wait for it (OWNER).
STOP_START, OWNER = 'stop_start', 'owner'
PREFERENCES = (LIVE, COLD, STOP_START, OWNER)
PREFERRED_STATUSES = {LIVE: LIVE_STATUSES, COLD: ('ACTIVE', 'SHUTOFF'), STOP_START: ('ACTIVE', 'SHUTOFF')}
# Outcomes of a move.
PLANNED, MOVED, FAILED, ABORTED, TIMEOUT, SKIPPED = 'planned', 'moved', 'failed', 'aborted', 'timeout', 'skipped'
DELETED = 'deleted'  # deleted during the drain (by its owner, or anyone): no longer on the host
RUNNING, CONFIRM, DONE = 'running', 'confirm', 'done'  # verdicts of ``judge``
GONE = 'DELETED'  # the status a mover's look reports for an instance that no longer exists
# What ``_start`` answers for a move to be tried again later.
LATER = 'later'
# nova's migration record statuses while a migration is still at work: the instance may already
# show its new host, settled, while the source compute still cleans up (post-migrating, then
# completed); a host action or restart before then would cut that short.
MIGRATION_IN_PROGRESS = ('accepted', 'queued', 'preparing', 'running', 'post-migrating', 'pre-migrating',
                         'migrating', 'confirming')
# Seconds between two looks at the moving instances.
POLL_INTERVAL = 2.0
# Seconds an aborted live migration is given to roll back (nova puts the instance back on its source).
ABORT_WAIT = 120.0
# Seconds between two tries of a migration nova's scheduler refused with "No valid host" (see ``Refused``).
RETRY_INTERVAL = 10.0
# nova's migration record statuses once a confirm was accepted: the instance shows VERIFY_RESIZE until the
# source compute has cleaned up, and a second confirm then answers "Instance has not been resized".
CONFIRM_ACCEPTED = ('confirming', 'confirmed')


class Refused(Exception):
    """nova refused to start a migration (the mover raises it with nova's reason).

    ``no_valid_host``: the refusal is nova's scheduler finding no host, which
    may be its stale view rather than the cloud: after a live migration the
    source compute reports the instance to the scheduler as still its own, and
    the scheduler believes it until that host's next instance sync
    (``scheduler_instance_sync_interval``, 120 s by default) - meanwhile
    ``ServerGroupAntiAffinityFilter`` refuses that host to the instance's group
    peers.  ``move_all`` tries such a move again for a while.
    """

    def __init__(self, message, no_valid_host=False):
        super().__init__(message)
        self.no_valid_host = no_valid_host


class Unseen(Exception):
    """A moving instance could not be read this time (the mover raises it; the move's clock runs on)."""


def preference_of(instance, metadata_key):
    """The instance's preference (its metadata ``metadata_key``), None when it has none; an unknown value is
    returned as it is (``plan_drain`` refuses it)."""
    value = (instance.get('metadata') or {}).get(metadata_key) if metadata_key else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def plan_instance(instance, preference=None):
    """``(method, reason)``: how ``instance`` leaves its host (``live``, ``cold``,
    ``stop_start`` or ``owner``), or ``(None, why it cannot)``.  ``instance`` has
    ``status`` and ``task_state``; ``preference`` is one of PREFERENCES or None
    (then: live for ACTIVE and PAUSED, cold for SHUTOFF)."""
    status, task_state = instance['status'], instance['task_state']
    if preference == OWNER:  # its owner moves it, whatever it is doing
        return OWNER, None
    if task_state:
        return None, 'task_state %s (an operation is in progress)' % task_state
    if status == 'ERROR':
        return None, 'status ERROR'
    if preference:
        if status in PREFERRED_STATUSES[preference]:
            return preference, None
        return None, 'status %s, and its preference %s takes only %s instances' % (
            status, preference, ' and '.join(PREFERRED_STATUSES[preference]))
    if status in LIVE_STATUSES:
        return LIVE, None
    if status in COLD_STATUSES:
        return COLD, None
    return None, 'status %s (nova migrates only ACTIVE, PAUSED and SHUTOFF instances)' % status


def plan_drain(instances, host, target_host=None, fallback_cold=False, skip_unmovable=False, metadata_key=None):
    """``(moves, skipped)`` for the instances on ``host``, ordered by name.

    Each move is a dict: ``id``, ``name``, ``status`` (kept), ``from``,
    ``to`` (``target_host``, or None while the scheduler - or the owner - has
    not chosen), ``preference`` (the instance's metadata ``metadata_key``),
    ``method``, ``fallback`` (``cold`` when ``fallback_cold`` and the instance
    is ACTIVE without a preference: cold migration if live migration refuses),
    ``outcome`` ``planned``.  A preference outside PREFERENCES, or instances
    that cannot move, raise MaintenanceError naming them (the latter unless
    ``skip_unmovable``: then they are returned as skipped).
    """
    instances = sorted(instances, key=lambda i: (i['name'] or '', i['id']))
    unknown = [(i, preference_of(i, metadata_key)) for i in instances
               if preference_of(i, metadata_key) not in PREFERENCES + (None,)]
    if unknown:
        raise MaintenanceError(
            'Host %s has instances whose metadata %s is not a known preference: %s. Nothing was changed. '
            'Set it to one of %s, or remove it (openstack server unset --property %s SERVER) for the default '
            '(live for ACTIVE and PAUSED, cold for SHUTOFF).'
            % (host, metadata_key, '; '.join('%s (%s): %r' % (i['name'], i['id'], value) for i, value in unknown),
               ', '.join(PREFERENCES), metadata_key),
            unknown_preferences=[dict(id=i['id'], name=i['name'], value=value) for i, value in unknown])
    moves, skipped, refused = [], [], []
    for instance in instances:
        preference = preference_of(instance, metadata_key)
        method, reason = plan_instance(instance, preference)
        entry = dict(id=instance['id'], name=instance['name'], status=instance['status'], method=method,
                     preference=preference, fallback=None, duration=None, migration_id=None, message=reason,
                     to=target_host if method and method != OWNER else None, outcome=PLANNED if method else SKIPPED)
        entry['from'] = host
        if method is None:
            (skipped if skip_unmovable else refused).append(entry)
            continue
        if fallback_cold and instance['status'] == 'ACTIVE' and preference is None:
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
    if seen['status'] == GONE:
        return DELETED, 'it was deleted during the drain'
    if seen['status'] == 'ERROR':
        return FAILED, 'the instance went to ERROR%s' % (': %s' % seen['fault'] if seen.get('fault') else '')
    if seen['task_state']:
        return RUNNING, None
    if move['method'] == COLD and seen['status'] == 'VERIFY_RESIZE':
        # Confirmed already (by us on an earlier look, or by nova's resize_confirm_window): wait for the source.
        return (RUNNING, None) if seen.get('migration_status') in CONFIRM_ACCEPTED else (CONFIRM, None)
    migration = ' (migration status %s)' % seen['migration_status'] if seen.get('migration_status') else ''
    if seen['host'] == move['from']:
        return FAILED, '%s migration did not move it%s; it is still on %s, %s' % (
            move['method'], migration, move['from'], seen['status'])
    if move['status'] and seen['status'] != move['status']:
        return FAILED, 'it reached %s as %s, not %s%s' % (seen['host'], seen['status'], move['status'], migration)
    if seen.get('migration_status') in MIGRATION_IN_PROGRESS:
        return RUNNING, None
    return DONE, None


def _finish(move, outcome, now, message=None):
    move.update(outcome=outcome, duration=round(now - move.pop('_started'), 1),
                message=message if message is not None else move['message'])
    for key in ('_deadline', '_aborting', '_retry_until', '_refusals', '_not_before', '_phase', '_key', '_owner_timeout'):
        move.pop(key, None)


def _start(move, mover, now, timeout, retry_wait=0):
    """Start ``move`` (or its cold fallback when live migration is refused).

    True when started; ``LATER`` when nova's scheduler found no valid host and
    the move is to be tried again (``_not_before``) within ``retry_wait``
    seconds of its first refusal; False when it is refused for good.
    """
    move.setdefault('_started', now)
    while True:
        try:
            mover.start(move)
        except Refused as exc:
            if exc.no_valid_host and now < move.setdefault('_retry_until', now + retry_wait):
                move['_refusals'] = move.get('_refusals', 0) + 1
                move['_not_before'] = now + RETRY_INTERVAL
                return LATER
            if move['method'] == LIVE and move['fallback'] == COLD:
                move.update(method=COLD, fallback=None, message='live migration refused: %s' % exc)
                continue
            refused = '%s migration refused: %s' % (move['method'], exc)
            if move.get('_refusals'):
                refused += (' (nova\'s scheduler found no valid host %d times over %d s)'
                            % (move['_refusals'] + 1, round(now - move['_started'])))
            if move.get('_phase') == 'stopped':  # a stop_start move: the drain stopped it
                refused += '; it was stopped for its move: start it again (openstack server start %s)' % move['id']
            _finish(move, FAILED, now, '; '.join(m for m in (move['message'], refused) if m))
            return False
        if move.get('_refusals'):
            move['message'] = '; '.join(m for m in (move['message'], (
                'nova\'s scheduler found no valid host %d time%s over %d s (its view of the hosts lags behind '
                'live migrations) before it accepted the migration' % (
                    move['_refusals'], '' if move['_refusals'] == 1 else 's', round(now - move['_started'])))) if m)
            move['_started'] = now  # the duration is the migration's own
        move['_deadline'] = now + timeout
        return True


def _look(move, mover, seen, now, timeout, retry_wait=0):
    """Act on one look at a running move; True while it keeps running (``LATER``: its cold fallback is to
    be tried again)."""
    if move['method'] == OWNER:
        return _look_owner(move, seen, now)
    if move['method'] == STOP_START and move.get('_phase') != 'migrate':
        return _look_stop_start(move, mover, seen, now, timeout, retry_wait)
    verdict, message = judge(dict(move, method=COLD, status='SHUTOFF') if move['method'] == STOP_START else move, seen)
    if verdict == DELETED:
        _finish(move, DELETED, now, message)
        return False
    if verdict == CONFIRM:
        mover.confirm(move)
        return True
    if verdict == DONE and move['method'] == STOP_START and move['status'] == 'ACTIVE':
        move['to'], move['_phase'] = seen['host'], 'start'
        try:
            mover.power_on(move)
        except Refused as exc:
            _finish(move, FAILED, now, 'it was cold-migrated to %s but starting it again was refused: %s; start '
                    'it (openstack server start %s)' % (move['to'], exc, move['id']))
            return False
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
            return _start(move, mover, now, timeout, retry_wait)
        if move['method'] == STOP_START and move['status'] == 'ACTIVE':
            message += '; it was stopped for its move: start it again (openstack server start %s)' % move['id']
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


def _look_owner(move, seen, now):
    """A move left to the instance's owner: done once it is on another host, settled, or deleted."""
    if seen['status'] == GONE:
        _finish(move, DELETED, now, 'deleted by its owner')
        return False
    if seen['host'] not in (None, move['from']) and not seen['task_state']:
        move['to'] = seen['host']
        _finish(move, MOVED, now, 'moved by its owner to %s (%s)' % (seen['host'], seen['status']))
        return False
    if now < move['_deadline']:
        return True
    _finish(move, TIMEOUT, now, (
        'its metadata %s is owner, and its owner did not move it within %d s: it is still on %s (%s%s). Ask the '
        'owner to move or delete it, or set %s to live, cold or stop_start for the drain to move it; then run '
        'the drain again (continue the session)') % (
            move['_key'], move['_owner_timeout'], move['from'], seen['status'],
            ', task_state %s' % seen['task_state'] if seen['task_state'] else '', move['_key']))
    return False


def _look_stop_start(move, mover, seen, now, timeout, retry_wait):
    """A stop_start move while it stops (then its cold migration starts) or starts again on its new host."""
    if seen['status'] in (GONE, 'ERROR'):
        verdict, message = judge(move, seen)
        _finish(move, verdict, now, message)
        return False
    wanted = 'SHUTOFF' if move['_phase'] == 'stop' else 'ACTIVE'
    if seen['status'] == wanted and not seen['task_state']:
        if move['_phase'] == 'stop':
            move['_phase'] = 'stopped'
            return _start(move, mover, now, timeout, retry_wait)
        _finish(move, MOVED, now)
        return False
    if now < move['_deadline']:
        return True
    _finish(move, TIMEOUT, now, 'stop_start: %s did not reach %s within %d s (it is %s, task_state %s)%s' % (
        'stopping it' if move['_phase'] == 'stop' else 'starting it again on %s' % move['to'], wanted, timeout,
        seen['status'], seen['task_state'], '' if move['_phase'] == 'stop' else
        '; start it (openstack server start %s)' % move['id']))
    return False


def move_all(moves, mover, parallel, timeout, clock=time.monotonic, sleep=time.sleep, retry_wait=0, adopted=(),
             owner_timeout=600, metadata_key='maintenance_move'):
    """Run ``moves`` with at most ``parallel`` at a time, each bounded by ``timeout`` seconds.

    A live migration over its time is aborted through the API and given
    ABORT_WAIT seconds to roll back; a cold one cannot be aborted and is
    reported ``timeout``.  A migration nova's scheduler refuses with "No valid
    host" is tried again every RETRY_INTERVAL seconds for up to ``retry_wait``
    seconds (the others go on meanwhile).  ``adopted`` moves are migrations
    already at work (started by a drain whose controller died): watched,
    confirmed and bounded like the others, on top of ``parallel``.  ``owner``
    moves start nothing: each is watched, on top of ``parallel``, for up to
    ``owner_timeout`` seconds until its owner moved it off the host (or deleted
    it).  A ``stop_start`` move stops the instance, cold-migrates it (confirmed)
    and starts it again when it was ACTIVE.  Each move gets ``outcome``, ``to``,
    ``duration``, ``migration_id`` and ``message``.
    """
    owned = [m for m in moves if m['method'] == OWNER]
    pending, running = [m for m in moves if m['method'] != OWNER], list(adopted) + owned
    extra = set(id(m) for m in running)  # not counted in parallel
    for move in adopted:
        move.update(_started=clock(), _deadline=clock() + timeout)
    for move in owned:
        move.update(_started=clock(), _deadline=clock() + owner_timeout, _key=metadata_key,
                    _owner_timeout=owner_timeout)
    while pending or running:
        now = clock()
        for move in [m for m in pending if m.get('_not_before', 0) <= now]:
            if len([m for m in running if id(m) not in extra]) >= parallel:
                break
            pending.remove(move)
            started = _start(move, mover, now, timeout, retry_wait)
            if started is LATER:
                pending.append(move)
            elif started:
                running.append(move)
        if not pending and not running:
            break
        sleep(POLL_INTERVAL)
        for move in list(running):
            try:
                seen = mover.observe(move)
            except Unseen as exc:
                seen = dict(status=move['status'], task_state='unknown (%s)' % exc, host=None)
            still = _look(move, mover, seen, clock(), timeout, retry_wait)
            if still is LATER:
                running.remove(move)
                pending.append(move)
            elif not still:
                running.remove(move)
    return moves


def final_check(moves, mover):
    """Look again at every moved instance: on another host, in its original status (one its owner moved: in any
    but ERROR; one deleted meanwhile: ``deleted``)."""
    for move in moves:
        if move['outcome'] != MOVED:
            continue
        try:
            seen = mover.observe(move)
        except Unseen as exc:
            move.update(outcome=FAILED, message='final check: cannot read it: %s' % exc)
            continue
        status = move['status'] if move['method'] != OWNER else None
        if seen['status'] == GONE:
            move.update(outcome=DELETED, message='final check: it was deleted meanwhile')
        elif (seen['host'] == move['from'] or seen['task_state']
                or seen['status'] != status and (status or seen['status'] == 'ERROR')):
            move.update(outcome=FAILED, message='final check: it is on %s as %s (task_state %s), expected '
                        'another host than %s as %s' % (seen['host'], seen['status'], seen['task_state'],
                                                        move['from'], status or 'any status but ERROR'))
    return moves
