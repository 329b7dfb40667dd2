# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The openstacksdk side of draining a compute host.

``NovaMover`` starts, watches, confirms and aborts the migration of one
instance; ``drain_host`` validates the host (and the target), plans every
instance, disables the host, and runs the moves with ``drain.move_all``.
Nothing is changed before everything is validated and planned.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError, OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.compute import (
    compute_services,
    ensure_services,
    require_compute_microversion,
    service_record,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.drain import (
    COLD,
    CONFIRM_ACCEPTED,
    DELETED,
    GONE,
    LIVE,
    MIGRATION_IN_PROGRESS,
    MOVED,
    OWNER,
    PLANNED,
    STOP_START,
    Refused,
    Unseen,
    final_check,
    move_all,
    plan_drain,
    preference_of,
)

try:
    from openstack import exceptions as sdk_exceptions
except ImportError:  # the OpenStack base module reports the missing library
    sdk_exceptions = None

# 2.56: cold migration to a given host; live migration with block_migration 'auto' (2.25) and a host the
# scheduler checks (2.30); the abort of a live migration (2.24) - everything a drain uses (nova 17.0.0, Queens).
DRAIN_MICROVERSION = (2, 56)
# nova's migration_type of each method (os-migrations).
MIGRATION_TYPES = {LIVE: 'live-migration', COLD: 'migration', STOP_START: 'migration'}
# nova's NoValidHost, as its API words the 400 of a live or cold migration the scheduler placed nowhere.
NO_VALID_HOST = 'No valid host'
# nova's 409 for a migration asked while another one of the instance is at work (InstanceInvalidState).
IN_FLIGHT = ("while it is in task_state migrating", "while it is in task_state resize_")
TAKEN_OVER = 'a migration of it was already at work (another drain - e.g. of a play killed without its workers)'
CONFIRM_FAILED = 'confirming the cold migration failed'
# nova's power_state (OS-EXT-STS:power_state) -> the status a moving instance settles in.
POWER_STATUS = {1: 'ACTIVE', 3: 'PAUSED', 4: 'SHUTOFF'}


def host_instances(conn, host):
    """Every instance nova places on ``host``, in every project, as plain dicts (with their metadata)."""
    return [dict(id=s.id, name=s.name, status=s.status, task_state=s.task_state, host=s.compute_host,
                 metadata=dict(s.metadata or {}))
            for s in conn.compute.servers(details=True, all_projects=True, compute_host=host)
            if s.compute_host == host]


def unfinished_moves(conn, host):
    """Moves for the migrations off ``host`` that nobody saw through - a drain whose controller died:
    still at work, or cold ones waiting in VERIFY_RESIZE (migration ``finished``) for their confirm.

    Each is a move as ``plan_drain`` makes them, with ``migration_id``; its
    ``status`` (the one it keeps) is read from the instance's power state where
    nova tells it (live migrations, and cold ones waiting for their confirm),
    else null: any settled status but ERROR will do.
    """
    newest = {}
    for migration in conn.compute.migrations(source_compute=host):
        migration = migration.to_dict(computed=False)
        if migration.get('source_compute') != host or migration.get('migration_type') not in MIGRATION_TYPES.values():
            continue
        known = newest.get(migration['server_id'])
        if known is None or migration['id'] > known['id']:
            newest[migration['server_id']] = migration
    moves = []
    for server_id, migration in sorted(newest.items()):
        if migration['status'] not in MIGRATION_IN_PROGRESS + ('finished',):
            continue
        try:
            server = conn.compute.get_server(server_id)
        except sdk_exceptions.NotFoundException:  # deleted meanwhile
            continue
        method = LIVE if migration['migration_type'] == MIGRATION_TYPES[LIVE] else COLD
        status = POWER_STATUS.get(server.power_state) if method == LIVE or server.status == 'VERIFY_RESIZE' else None
        moves.append(dict(id=server_id, name=server.name, status=status, method=method, fallback=None, duration=None,
                          migration_id=migration['id'], to=None, outcome=PLANNED, **{
                              'from': host, 'message': 'migration %s (%s) was started by an earlier drain that did '
                                                       'not see it through' % (migration['id'], migration['status'])}))
    return moves


class NovaMover:
    """The API calls of moving one instance (``drain.move_all`` drives them)."""

    def __init__(self, conn, target_host=None):
        self.conn = conn
        self.target_host = target_host
        self.known = {}  # instance id -> migration ids that existed before its move started

    def _migrations(self, server_id):
        return [m.to_dict(computed=False) for m in self.conn.compute.migrations(server_id=server_id)]

    def _migration(self, move):
        """The nova migration record of ``move`` (the newest one it started), or None."""
        found = [m for m in self._migrations(move['id']) if m['id'] not in self.known[move['id']]
                 and m.get('migration_type') in (MIGRATION_TYPES[move['method']], None)]
        if not found:
            return None
        newest = max(found, key=lambda m: m['id'])
        move['migration_id'] = newest['id']
        return newest

    def start(self, move):
        """Start the migration of ``move`` - for a stop_start move of an ACTIVE instance, first its stop."""
        try:
            if move['method'] == STOP_START and move['status'] == 'ACTIVE' and not move.get('_phase'):
                self.conn.compute.stop_server(move['id'])
                move['_phase'] = 'stop'
                return
            self.known[move['id']] = set(m['id'] for m in self._migrations(move['id']))
            if move['method'] == LIVE:
                self.conn.compute.live_migrate_server(move['id'], host=self.target_host, block_migration='auto')
            else:
                self.conn.compute.migrate_server(move['id'], host=self.target_host)
        except sdk_exceptions.ConflictException as exc:
            if not any(words in str(exc) for words in IN_FLIGHT):
                raise Refused(str(exc))
            # Someone else's migration of it is at work: watch that one (judge: running while nova has a
            # task_state, then done once it is on another host in its status, failed if it stayed here).
            move['message'] = '; '.join(m for m in (move.get('message'), TAKEN_OVER + ': watched to its end') if m)
        except sdk_exceptions.SDKException as exc:
            raise Refused(str(exc), no_valid_host=NO_VALID_HOST in str(exc))
        if move['method'] == STOP_START:  # its migration started (ours, or one at work already)
            move['_phase'] = 'migrate'

    def power_on(self, move):
        """Start a stop_start move's instance again on its new host."""
        try:
            self.conn.compute.start_server(move['id'])
        except sdk_exceptions.SDKException as exc:
            raise Refused(str(exc))

    def observe(self, move):
        try:
            server = self.conn.compute.get_server(move['id'])
            migration = self._migration(move) if move['id'] in self.known else None
        except sdk_exceptions.NotFoundException:
            return dict(status=GONE, task_state=None, host=None, fault=None, migration_status=None)
        except sdk_exceptions.SDKException as exc:
            raise Unseen(str(exc))
        return dict(status=server.status, task_state=server.task_state, host=server.compute_host,
                    fault=(server.fault or {}).get('message'),
                    migration_status=migration['status'] if migration else None)

    def confirm(self, move):
        """Confirm a cold migration waiting in VERIFY_RESIZE.

        A refusal is no failure when nova's record of the migration says it is
        confirmed already (or being confirmed): by an earlier confirm whose
        answer was lost, or by nova's own ``resize_confirm_window``.
        """
        try:
            self.conn.compute.confirm_server_resize(move['id'])
            if (move['message'] or '').startswith(CONFIRM_FAILED):  # an earlier try failed, this one did not
                move['message'] = None
        except sdk_exceptions.SDKException as exc:
            try:
                migration = self._migration(move)
            except sdk_exceptions.SDKException:
                migration = None
            if migration is None or migration.get('status') not in CONFIRM_ACCEPTED:
                move['message'] = '%s: %s' % (CONFIRM_FAILED, exc)

    def abort(self, move):
        """Abort a live migration (DELETE /servers/{id}/migrations/{migration}); what happened, as text."""
        try:
            migration = self._migration(move)
            if migration is None:
                return 'aborting: nova shows no migration record to abort'
            self.conn.compute.abort_server_migration(migration['id'], move['id'], ignore_missing=False)
        except sdk_exceptions.SDKException as exc:
            return 'aborting migration %s failed: %s' % (move['migration_id'], exc)
        return 'aborting migration %s' % migration['id']


def _by_name(instance):
    return (instance['name'] or '', instance['id'])


def _summary(host, moves, skipped, check_mode):
    """``host c1: 3 instances: 2 moved live, 1 failed`` (``would move live`` in check mode)."""
    counts = {}
    for move in moves:
        if move['method'] == OWNER and move['outcome'] in (MOVED, PLANNED):
            key = 'would be left to their owner' if check_mode else 'moved by their owner'
        elif move['outcome'] in (MOVED, PLANNED):
            key = '%s %s' % ('would move' if check_mode else 'moved', move['method'])
        else:
            key = move['outcome']
        counts[key] = counts.get(key, 0) + 1
    text = 'host %s: %d instance%s: %s' % (host, len(moves), '' if len(moves) == 1 else 's',
                                           ', '.join('%d %s' % (n, k) for k, n in sorted(counts.items())))
    if skipped:
        text += '; %d skipped, left on the host: %s' % (len(skipped), ', '.join(s['name'] or s['id'] for s in skipped))
    return text


def drain_host(conn, host, target_host=None, disable=True, disable_reason=None, parallel=1, timeout=600,
               fallback_cold=False, skip_unmovable=False, check_mode=False, no_valid_host_wait=0,
               metadata_key='maintenance_move', owner_timeout=600):
    """Move every instance off ``host``; the module's result (raises MaintenanceError with it on failure)."""
    if target_host == host:
        raise OptionError('target_host', target_host, 'another host than host (%s)' % host)
    require_compute_microversion(conn, DRAIN_MICROVERSION, 'Draining a compute host')
    services = [service_record(s) for s in conn.compute.services()]
    found = compute_services(services, [host] + ([target_host] if target_host else []))
    if target_host and (found[target_host]['status'], found[target_host]['state']) != ('enabled', 'up'):
        raise MaintenanceError('target_host %s cannot receive instances: its nova-compute is %s and %s. '
                               'Nothing was changed.' % (target_host, found[target_host]['status'],
                                                         found[target_host]['state']))
    instances = host_instances(conn, host)
    owned = set(i['id'] for i in instances if preference_of(i, metadata_key) == OWNER)  # their migrations: the owner's
    adopted = [m for m in unfinished_moves(conn, host) if m['id'] not in owned]
    instances = [i for i in instances if i['id'] not in set(m['id'] for m in adopted)]
    moves, skipped = plan_drain(instances, host, target_host, fallback_cold, skip_unmovable, metadata_key)
    result = dict(changed=False, service=None, instances=sorted(adopted + moves + skipped, key=_by_name))
    if disable:
        reason = disable_reason if found[host]['status'] == 'enabled' else None
        (result['service'],), _diff = ensure_services(conn, [host], 'disabled', reason, check_mode=check_mode,
                                                      services=services)
        result['changed'] = result['service']['changed']
    if not moves and not adopted:
        result['msg'] = 'host %s has no instances%s' % (
            host, ' to move (%d skipped, left on the host)' % len(skipped) if skipped else '')
        return result
    result['changed'] = True
    moves = sorted(adopted + moves, key=_by_name)
    if not check_mode:
        mover = NovaMover(conn, target_host)
        for move in adopted:  # its own migration is the one to watch
            mover.known[move['id']] = set(m['id'] for m in mover._migrations(move['id']) if m['id'] < move['migration_id'])
        final_check(move_all([m for m in moves if m not in adopted], mover, parallel, timeout,
                             retry_wait=no_valid_host_wait, adopted=adopted, owner_timeout=owner_timeout,
                             metadata_key=metadata_key), mover)
    summary = _summary(host, moves, skipped, check_mode)
    if not check_mode and any(m['outcome'] not in (MOVED, DELETED) for m in moves):
        raise MaintenanceError('Draining %s failed: %s. See instances for each one\'s message.' % (host, summary),
                               **result)
    return dict(result, msg=summary)
