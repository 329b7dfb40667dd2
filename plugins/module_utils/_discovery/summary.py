# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summaries of a stored cluster: releases per component, mixed versions, upgrade targets, status."""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series, check_upgrade_path, series
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import FINISHED_SESSION_STATES, WAITING_SESSION_STATES


def component_summary(components, target=None):
    """Components of a cluster grouped by (service, binary), with mixed versions flagged."""
    grouped = {}
    for component in components:
        grouped.setdefault((component['service'], component['binary']), []).append(component)
    result = []
    for (service, binary), members in sorted(grouped.items()):
        releases = sorted(set(m['release'] for m in members if m['release']))
        versions = sorted(set(m['version'] for m in members if m['version']))
        unknown = sorted(m['host'] or '(cluster)' for m in members if not m['release'])
        entry = {
            'service': service, 'binary': binary,
            'hosts': sorted(m['host'] for m in members if m['host']),
            'versions': versions, 'releases': releases,
            'mixed': len(releases) > 1 or len(versions) > 1,
            'unknown_release_hosts': unknown,
            'release_reasons': sorted(set(m['extra'].get('release_reason') for m in members
                                          if not m['release'] and m['extra'].get('release_reason'))),
        }
        if target is not None:
            entry['can_upgrade'], entry['reason'] = _can_upgrade(binary, members, releases, unknown, target)
        result.append(entry)
    return result


def _where(members, release):
    return ', '.join(sorted(m['host'] or '(cluster)' for m in members if m['release'] == release))


def _can_upgrade(binary, members, releases, unknown, target):
    if len(releases) > 1:
        return False, ('%s runs mixed releases (%s): finish the previous upgrade first.' % (
            binary, '; '.join('%s on %s' % (r, _where(members, r)) for r in releases)))
    if unknown or not releases:
        return False, ('the release of %s on %s is unknown: rediscover with params.versions or '
                       'params.host_versions.' % (binary, ', '.join(unknown)))
    path = check_upgrade_path(releases[0], target)
    return path.allowed, path.reason


def cluster_release(components):
    """``(release or None, reason)`` of a whole cluster from its components."""
    if not components:
        return None, 'the cluster has no components'
    releases = sorted(set(c['release'] for c in components if c['release']), key=series)
    unknown = [c for c in components if not c['release']]
    if len(releases) > 1:
        where = dict((r, sorted(set('%s on %s' % (c['binary'], c['host'] or '(cluster)')
                                    for c in components if c['release'] == r))) for r in releases)
        return None, 'mixed releases: %s' % '; '.join('%s (%s)' % (r, ', '.join(where[r][:3]) + (
            ', ...' if len(where[r]) > 3 else '')) for r in releases)
    if not releases:
        return None, 'the release of no component is known; rediscover with params.versions'
    if unknown:
        names = sorted(set('%s on %s' % (c['binary'], c['host'] or '(cluster)') for c in unknown))
        return None, ('%d of %d components run %s; the release of the others is unknown (%s): '
                      'rediscover with params.versions or params.host_versions'
                      % (len(components) - len(unknown), len(components), releases[0],
                         ', '.join(names[:5]) + (', ...' if len(names) > 5 else '')))
    return releases[0], 'every component runs %s' % releases[0]


def upgrade_options(current, reason_if_unknown=None, today=None):
    """Where ``current`` may upgrade to (``allowed``) and why not to every other known release (``refused``).

    Each entry: release, name, slurp, the ``rule`` of ``check_upgrade_path``
    that decided (``current_unknown`` when ``current`` is None) and its reason.
    """
    allowed, refused = [], []
    for candidate in all_series():
        entry = {'release': candidate.id, 'name': candidate.name, 'slurp': candidate.slurp}
        if current is None:
            refused.append(dict(entry, rule='current_unknown', reason=reason_if_unknown))
            continue
        path = check_upgrade_path(current, candidate, today)
        (allowed if path.allowed else refused).append(dict(entry, rule=path.rule, reason=path.reason))
    return allowed, refused


def compose_status(cluster, upgrade, sessions, last_run):
    """Cluster-status of one stored cluster: region(s), releases, state with reason, upgrade.

    ``cluster`` is a stored cluster with its hosts and components.
    ``state`` is the stored one when it is not active (set by whoever put the
    cluster in maintenance or error), else ``error`` when the last discovery
    failed or an enabled component is down, else ``maintenance`` while a
    maintenance session is open (started, running or failed; not one only
    scheduled, nor a finished one), else ``active``.
    """
    components = cluster['components']
    release, release_reason = cluster_release(components)
    releases = {}
    for component in components:
        entry = releases.setdefault('%s/%s' % (component['service'], component['binary']), set())
        entry.add(component['release'])
    state, reason = cluster['state'], cluster.get('state_reason')
    down = sorted('%s on %s' % (c['binary'], c['host'] or '(cluster)') for c in components
                  if c['state'] == 'down')
    open_sessions = [s for s in sessions if s['state'] not in FINISHED_SESSION_STATES + WAITING_SESSION_STATES]
    if state == 'active':
        if last_run and last_run['status'] == 'failed':
            state, reason = 'error', 'the last discovery (%s) failed: %s' % (last_run['started_at'], last_run['error'])
        elif down:
            state, reason = 'error', 'down: %s' % ', '.join(down)
        elif open_sessions:
            state, reason = 'maintenance', 'maintenance session %s is %s' % (
                open_sessions[0]['id'], open_sessions[0]['state'])
    return {
        'name': cluster['name'],
        'regions': [r for r in (cluster['region'] or '').split(',') if r],
        'method': cluster['method'],
        'state': state,
        'state_reason': reason,
        'release': release,
        'release_reason': release_reason,
        'component_releases': dict((key, sorted(r or 'unknown' for r in value))
                                   for key, value in sorted(releases.items())),
        'hosts': len(cluster['hosts']),
        'upgrade_in_progress': upgrade is not None,
        'upgrade': None if upgrade is None else dict(
            (k, upgrade[k]) for k in ('id', 'from_release', 'to_release', 'status')),
        'discovered_at': cluster['updated_at'],
        'last_discovery': None if last_run is None else dict(
            (k, last_run[k]) for k in ('started_at', 'status', 'api_calls', 'error')),
    }


def cluster_status(store, name, cluster=None):
    """The status of cluster ``name`` read from ``store`` (``cluster``: its record, when already read); None when unknown.

    What ``cluster_info`` returns per cluster and ``cluster_discover`` after a discovery.
    """
    # pylint: disable=import-outside-toplevel
    # Imported here: cluster_discover reads the APIs while SQLAlchemy is imported (in_background).
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster, last_discovery_run
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.sessions import list_sessions
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.upgrades import active_upgrade
    if cluster is None:
        cluster = get_cluster(store, name)
    if cluster is None:
        return None
    return compose_status(cluster, active_upgrade(store, name), list_sessions(store, name),
                          last_discovery_run(store, name, diff=False))
