# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A maintenance session as asked (Fenix's create): its hosts, its twin in the store, when it starts.

Pure functions over plain data (a stored cluster record, stored sessions);
``maintenance_session`` opens the store and the cloud and calls them.
"""

from __future__ import annotations

import datetime

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError


def compute_hosts(cluster):
    """The compute hosts of a stored cluster record: hosts with a nova-compute or the compute role."""
    computes = set(c['host'] for c in cluster['components'] if c['binary'] == 'nova-compute' and c['host'])
    computes.update(h['name'] for h in cluster['hosts'] if 'compute' in (h.get('roles') or []))
    return sorted(computes)


def resolve_hosts(cluster, requested):
    """The hosts of a new session: ``requested``, or every compute of the record when empty."""
    computes = compute_hosts(cluster)
    if not requested:
        if not computes:
            raise OptionError('hosts', [], 'compute hosts', 'The record of cluster %s has none: rediscover it '
                              '(osops.lifecycle.cluster_discover).' % cluster['name'])
        return computes
    twice = sorted(set(h for h in requested if requested.count(h) > 1))
    if twice:
        raise OptionError('hosts', twice, 'each host once')
    known = set(h['name'] for h in cluster['hosts']) | set(computes)
    unknown = [h for h in requested if h not in known]
    if unknown:
        raise OptionError('hosts', unknown, 'hosts of cluster %s' % cluster['name'],
                          'Its computes are %s; rediscover it (osops.lifecycle.cluster_discover) if a host is new.'
                          % (', '.join(computes) or 'none'))
    others = [h for h in requested if h not in computes]
    if others:
        roles = dict((h['name'], ', '.join(h.get('roles') or []) or 'none') for h in cluster['hosts'])
        raise OptionError('hosts', others, 'compute hosts (running nova-compute)', '; '.join(
            '%s of cluster %s has roles: %s' % (h, cluster['name'], roles.get(h, 'none')) for h in others) + '.')
    return list(requested)


def same_session(taken, session, hosts):
    """Whether ``session`` (holding the hosts ``taken``) is the one asked for over ``hosts``.

    A session over other hosts that holds one of ``hosts`` is an error naming
    the host and the session.
    """
    if session is not None and set(h['host'] for h in session['hosts']) == set(hosts):
        return True
    first = taken[0]
    raise OsopsError('Host %s is already in maintenance session %s (%s); finish that session, or delete it, first.'
                     % (first['host'], first['session'], first['state']), session=first['session'],
                     hosts=[t['host'] for t in taken])


def option_differences(session, wanted):
    """The creation options in which a stored session differs from ``wanted`` (the module's)."""
    stored = {
        'workflow': session['workflow'], 'max_parallel': session['max_parallel'], 'metadata': session['metadata'],
        'download': session['download'],
        'actions': [{'plugin': a['plugin'], 'type': a['type'], 'metadata': a['metadata']} for a in session['actions']],
    }
    return sorted(name for name, value in stored.items() if wanted[name] != value)


def parse_time(text):
    """An ISO 8601 time as an aware datetime (UTC when no offset is given); OptionError when malformed."""
    try:
        value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise OptionError('maintenance_at', text, 'an ISO 8601 time such as 2026-12-01T02:00:00+00:00') from None
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def start_in(maintenance_at, now, wait_max):
    """Seconds to wait before the session starts: 0 (start now), up to ``wait_max`` (wait), or None
    (too far: the session stays scheduled)."""
    if maintenance_at is None:
        return 0
    if isinstance(maintenance_at, str):
        maintenance_at = parse_time(maintenance_at)
    wait = (maintenance_at - now).total_seconds()
    if wait <= 0:
        return 0
    return wait if wait <= wait_max else None


def session_hosts(plan):
    """The session's hosts in plan order, with their batch and why they are there."""
    return [{'host': host, 'batch': batch['batch'],
             'detail': dict((k, plan['hosts'][host][k]) for k in ('az', 'instances', 'reason'))}
            for batch in plan['batches'] for host in batch['hosts']]


def stored_plan(plan):
    """The plan as the session keeps it (each instance is in ``moves`` already)."""
    return dict((key, value) for key, value in plan.items() if key != 'instances')


def predicted(cluster, options, layout):
    """The session check mode predicts: what ``_store.sessions.create_session`` would return, without an id."""
    when = options['maintenance_at']
    return {
        'id': None, 'cluster': cluster, 'state': options['state'], 'workflow': options['workflow'],
        'maintenance_at': when.isoformat() if when else None, 'metadata': options['metadata'],
        'download': options['download'], 'max_parallel': options['max_parallel'], 'reason': None,
        'created_at': None, 'updated_at': None,
        'hosts': [dict(host, position=position, state='pending', started_at=None, finished_at=None)
                  for position, host in enumerate(layout['hosts'], 1)],
        'actions': [dict(action, host=None, state='pending', started_at=None, finished_at=None, detail={})
                    for action in options['actions']],
        'steps': [dict({'batch': None, 'host': None, 'plugin': None, 'metadata': {}}, **step, position=position,
                       status='pending', attempts=0, started_at=None, finished_at=None, detail={})
                  for position, step in enumerate(layout['steps'], 1)],
    }
