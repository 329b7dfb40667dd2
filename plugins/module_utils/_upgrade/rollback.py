# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order in which a rollback undoes an upgrade: code only, backwards, refused once finalize started.

Pure code over the steps of a stored upgrade (dicts with ``position``,
``phase``, ``service``, ``host``, ``action``, ``status``, ``from_version``,
``to_version``, ``detail`` and ``batch``).

A rollback takes every host back to the code it ran before: the code steps
(phases ``control`` and ``compute``) that ran - done, running (cut short) or
failed - are undone, the last batch first.  prepare and expand steps stay
done: the expanded schema stays, and the old code runs on it.  Once a step of
``finalize`` has started (a contract removes what the old code needs) a
rollback is refused.

Inside one host's steps of a batch the undoing runs forward - switch back to
the step's ``from_version``, restart, wait until ready - and, when the host
was drained, enable it last.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import CODE_PHASES, NO_RETURN_PHASE


class RollbackRefused(OsopsError):
    """An upgrade that can no longer be rolled back, or a step nobody knows how to undo."""


# The action that undoes each code action; None: nothing to run, the step is only marked reverted
# (a drain's enable undoes both).
REVERT_ACTIONS = {'switch': 'switch', 'restart': 'restart', 'wait_ready': 'wait_ready', 'drain': 'enable',
                  'enable': None}
# Steps that may have changed something.
RAN = ('done', 'running', 'failed')
# Order inside one host's group: the code first, in plan order, then the host back in service.
_LAST = {'drain': 1, 'enable': 2}


def check_rollback(steps):
    """Raise RollbackRefused when a step of the finalize phase has started."""
    for step in steps:
        if step['phase'] == NO_RETURN_PHASE and step['status'] != 'pending':
            raise RollbackRefused(
                'The upgrade cannot be rolled back: its %s phase started with step %d (%s %s%s, %s); contract '
                'steps remove what the old code needs. Continue the upgrade instead.' % (
                    NO_RETURN_PHASE, step['position'], step['action'], step['service'] or '',
                    ' on %s' % step['host'] if step['host'] else '', step['status']),
                position=step['position'])


def _batch(step):
    return step.get('batch') or step['detail'].get('batch')


def revert_order(steps):
    """What undoes the code steps of ``steps`` that ran, in the order to run it.

    Each entry names the ``position`` of the step it undoes, the ``action``
    to run (None: nothing to run), what it ``reverts``, the versions from and
    to (the step's, swapped), its ``service``, ``host``, ``batch``, ``status``
    and ``detail``.
    """
    groups = {}
    for step in steps:
        if step['phase'] in CODE_PHASES and step['status'] in RAN:
            if step['action'] not in REVERT_ACTIONS:
                raise RollbackRefused('Step %d: no way is known to undo action %s.' % (step['position'], step['action']),
                                      position=step['position'])
            groups.setdefault((_batch(step), step['host']), []).append(step)
    entries = []
    for key in sorted(groups, key=lambda k: max(s['position'] for s in groups[k]), reverse=True):
        for step in sorted(groups[key], key=lambda s: (_LAST.get(s['action'], 0), s['position'])):
            entries.append({
                'position': step['position'], 'phase': step['phase'], 'service': step['service'],
                'host': step['host'], 'action': REVERT_ACTIONS[step['action']], 'reverts': step['action'],
                'from_version': step['to_version'], 'to_version': step['from_version'], 'batch': _batch(step),
                'status': step['status'], 'detail': step['detail']})
    return entries


def rollback_order(steps):
    """The rollback of an upgrade's ``steps``: ``revert_order``, or RollbackRefused once finalize started."""
    check_rollback(steps)
    return revert_order(steps)
