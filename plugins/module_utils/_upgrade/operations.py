# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the upgrade modules do with the store: start an upgrade from its plan, move it, run it batch by batch.

Store-backed (it imports ``_store``, hence SQLAlchemy); ``planner``,
``rollback`` and ``progress`` stay pure.  Each function returns the module's
result (``changed``, ``msg`` and the documented fields) and, with
``check_mode``, writes nothing.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store import batches as store_batches
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster, list_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import UPGRADE_TRANSITIONS
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.planner import NothingToUpgrade, from_release, plan_upgrade
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.progress import batch_summary, describe, step_label
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.rollback import revert_order, rollback_order

# What each asked state moves an upgrade to (cancel and rollback may go one status further).
_TARGET = {'running': 'running', 'paused': 'paused', 'cancelled': 'cancelling', 'rolled_back': 'rolling_back'}
# Statuses in which an asked state is already reached.
_REACHED = {'running': ('running',), 'paused': ('paused',), 'cancelled': ('cancelling', 'cancelled'),
            'rolled_back': ('rolling_back', 'rolled_back')}


def _unknown_cluster(store, cluster):
    if store is None or cluster not in set(c['name'] for c in list_clusters(store)):
        raise OsopsError('No cluster named %r in the store; discover it first (osops.lifecycle.cluster_discover).'
                         % cluster)


def find(store, upgrade_id=None, cluster=None):
    """Upgrade ``upgrade_id``, or cluster ``cluster``'s active upgrade, else its latest (without steps).

    ``store`` None (no store file yet) holds nothing.
    """
    if upgrade_id is not None:
        if store is None:
            raise OsopsError('No upgrade %s in the store: ansible-playbook osops.lifecycle.upgrades lists the upgrades it holds.' % upgrade_id)
        return store_upgrades.get_upgrade(store, upgrade_id, steps=False)
    _unknown_cluster(store, cluster)
    found = store_upgrades.find_upgrade(store, cluster)
    if found is None:
        raise OsopsError('Cluster %s has no upgrade: nothing to act on. Start one with ansible-playbook '
                         'osops.lifecycle.upgrade -e osops_upgrade_cluster=%s -e osops_upgrade_target_release=RELEASE '
                         '(the module: osops.lifecycle.upgrade state=started).' % (cluster, cluster))
    return found


def start(store, cluster, target, options, started_by, check_mode=False):
    """Plan and persist an upgrade of ``cluster`` to ``target``; the active one when it has the same target."""
    _unknown_cluster(store, cluster)
    active = store_upgrades.active_upgrade(store, cluster)
    if active is not None and active['to_release'] != target:
        raise store_upgrades.active_refusal(cluster, active)
    if active is not None:
        upgrade = store_upgrades.get_upgrade(store, active['id'])
        warnings = []
        if upgrade['options'] != options:
            warnings.append('Upgrade %s keeps the options it was planned with (%s); the options given now are '
                            'not applied.' % (upgrade['id'], ', '.join('%s=%s' % (k, v) for k, v in sorted(
                                upgrade['options'].items()) if options.get(k) != v)))
        return {'changed': False, 'upgrade': describe(upgrade), 'batches': batch_summary(upgrade['steps']),
                'warnings': warnings,
                'msg': 'Cluster %s already has upgrade %s to %s (status %s); nothing changed.' % (
                    cluster, upgrade['id'], target, upgrade['status'])}
    try:
        steps = plan_upgrade(get_cluster(store, cluster), target, options)
    except NothingToUpgrade as exc:
        # the same upgrade asked again once it completed: that upgrade, nothing changed
        latest = store_upgrades.find_upgrade(store, cluster)
        if latest is None or latest['status'] != 'completed' or latest['to_release'] != target:
            raise
        upgrade = store_upgrades.get_upgrade(store, latest['id'])
        return {'changed': False, 'upgrade': describe(upgrade), 'batches': batch_summary(upgrade['steps']),
                'warnings': [], 'msg': '%s Upgrade %s took it there (completed %s); nothing changed.' % (
                    exc.msg, upgrade['id'], upgrade['finished_at'])}
    source = from_release(steps)
    if check_mode:
        stored = [dict(step, position=position, batch=step['detail']['batch'], status='pending', started_at=None,
                       finished_at=None, claimed_by=None, claimed_at=None, error=None)
                  for position, step in enumerate(steps, 1)]
        upgrade = {'id': None, 'cluster': cluster, 'from_release': source, 'to_release': target, 'status': 'pending',
                   'error': None, 'options': options, 'started_by': started_by, 'created_at': None,
                   'started_at': None, 'finished_at': None, 'updated_at': None, 'steps': stored}
    else:
        upgrade = store_upgrades.create_upgrade(store, cluster, source, target, steps, options, started_by)
    result = {'changed': True, 'upgrade': describe(upgrade), 'batches': batch_summary(upgrade['steps']),
              'msg': 'Upgrade %s of cluster %s %s → %s %s: %d steps in %d batches.' % (
                  upgrade['id'] or '(check mode)', cluster, source, target,
                  'would be planned' if check_mode else 'planned', len(steps), steps[-1]['detail']['batch']),
              'warnings': []}
    not_planned = steps[0]['detail']['not_planned']
    if not_planned:
        result['warnings'].append('Cluster %s also runs %s, which this upgrade leaves as it is.'
                                  % (cluster, ', '.join(not_planned)))
    if check_mode:
        result['plan'] = steps
    return result


def change_status(store, upgrade, state, check_mode=False):
    """Move ``upgrade`` (found by ``find``) to the asked ``state``: running, paused, cancelled or rolled_back."""
    upgrade_id, before = upgrade['id'], upgrade['status']
    full = store_upgrades.get_upgrade(store, upgrade_id)
    rollback = None
    if state == 'rolled_back' and before not in _REACHED[state]:
        rollback = rollback_order(full['steps'])  # refused once finalize started, with the reason
    if before in _REACHED[state]:
        after = before
    elif state == 'cancelled':
        after = store_batches.cancel_upgrade(store, upgrade_id, check_mode)['upgrade']['status']
    elif state == 'rolled_back':
        after = store_batches.start_rollback(store, upgrade_id, check_mode)['upgrade']['status']
    elif _TARGET[state] not in UPGRADE_TRANSITIONS[before]:
        raise store_upgrades.refuse_transition('Upgrade', upgrade_id, before, _TARGET[state], UPGRADE_TRANSITIONS)
    elif check_mode:
        after = _TARGET[state]
    else:
        after = store_upgrades.transition_upgrade(store, upgrade_id, _TARGET[state])['status']
    changed = after != before
    now = dict(full, status=after) if check_mode else store_upgrades.get_upgrade(store, upgrade_id)
    if changed:
        msg = 'Upgrade %s of cluster %s: %s → %s.' % (upgrade_id, upgrade['cluster'], before, after)
    else:
        msg = 'Upgrade %s of cluster %s is %s already; nothing changed.' % (upgrade_id, upgrade['cluster'], before)
    result = {'changed': changed, 'upgrade': describe(now), 'msg': msg, 'warnings': [],
              'diff': {'before': {'status': before}, 'after': {'status': after}}}
    if state == 'running':
        result['batches'] = batch_summary(now['steps'])
    if rollback is not None:
        result['rollback'] = rollback
    return result


def _with_labels(steps):
    return [dict(step, label=step_label(step) if step['action'] else 'mark reverted: %s' % step_label(
        dict(step, action=step['reverts']))) for step in steps]


def claim(store, upgrade, claimed_by, batch=None, rollback=False, check_mode=False):
    """Claim the next batch (``batch``) of ``upgrade``: ``store.batches.claim_batch`` plus labels and hosts.

    Rolling back, the steps are the revert entries (``rollback.revert_order``).
    """
    out = store_batches.claim_batch(store, upgrade['id'], claimed_by, batch, rollback, check_mode)
    steps = _with_labels(revert_order(out['steps']) if rollback else out['steps'])
    _attach_compared(store, upgrade['id'], steps)
    by_host = {}
    for step in steps:
        if step['host']:
            by_host.setdefault(step['host'], []).append(step)
    return {'changed': out['changed'], 'upgrade': out['upgrade'], 'batch': out['batch'], 'rollback': rollback,
            'phase': steps[0]['phase'] if steps else None, 'steps': steps, 'hosts': list(by_host),
            'by_host': by_host, 'stop': out['stop'], 'msg': out['reason']}


def _attach_compared(store, upgrade_id, steps):
    """A readiness step compared with an earlier one (``compare_with: before``) gets that step's
    recorded detail as ``compared_detail`` (its warnings), whichever process ran it."""
    wanted = [step for step in steps if step['action'] == 'readiness' and step['detail'].get('compare_with')]
    if not wanted:
        return
    earlier = dict((step['detail'].get('when'), step) for step in store_upgrades.get_upgrade(store, upgrade_id)['steps']
                   if step['action'] == 'readiness')
    for step in wanted:
        found = earlier.get(step['detail']['compare_with'])
        step['compared_detail'] = found['detail'] if found and found['status'] == 'done' else None


def finish(store, upgrade, batch, results, check_mode=False):
    """Record a batch's outcomes: ``store.batches.finish_batch`` plus labels."""
    out = store_batches.finish_batch(store, upgrade['id'], batch, results, check_mode)
    return {'changed': out['changed'], 'upgrade': out['upgrade'], 'batch': batch,
            'steps': _with_labels(out['steps']), 'failed': _with_labels(out['failed']), 'stop': out['stop'],
            'msg': out['reason']}


def batch_step(store, params, actor, check_mode=False):
    """What ``upgrade_step`` does with its validated ``params``: claim a batch, or finish one (and claim the next).

    ``actor`` records who claims when ``claimed_by`` is not given.  The module
    and its action plugin (which runs it inside ansible-playbook) share it.
    """
    upgrade = find(store, params['id'], params['cluster'])
    claimed_by = params['claimed_by'] or actor
    if params['state'] == 'claimed':
        return claim(store, upgrade, claimed_by, params['batch'], params['rollback'], check_mode)
    result = finish(store, upgrade, params['batch'], params['results'], check_mode)
    if params['claim_next']:
        result['next'] = claim(store, find(store, upgrade['id']), claimed_by, params['next_batch'], params['rollback'],
                               check_mode)
        result['changed'] = result['changed'] or result['next']['changed']
    return result
