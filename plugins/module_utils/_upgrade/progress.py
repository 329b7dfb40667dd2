# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a stored upgrade stands: progress, versions per service, time left; batches; step labels.

Pure code over an upgrade as ``_store.upgrades.get_upgrade`` returns it
(with its steps).
"""

from __future__ import annotations

import datetime

from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import CODE_PHASES

# The fields of an upgrade every description has (upgrade_info's list of upgrades).
SUMMARY_FIELDS = ('id', 'cluster', 'from_release', 'to_release', 'status', 'error', 'options', 'started_by',
                  'created_at', 'started_at', 'finished_at', 'updated_at')
# Statuses in which the plan still goes forward.
FORWARD = ('pending', 'running', 'paused', 'cancelling', 'failed')


def _time(text):
    return None if text is None else datetime.datetime.fromisoformat(text)


def _batch(step):
    return step.get('batch') or step['detail'].get('batch')


def step_label(step):
    """``compute batch 2/3: switch nova-compute on compute1 31.3.1 → 33.0.2``, and the like."""
    detail = step['detail']
    where = step['phase']
    if detail.get('compute_batch'):
        where = 'compute batch %d/%d' % (detail['compute_batch'], detail['compute_batches'])
    text = '%s: %s' % (where, step['action'])
    what = detail.get('binary') or step['service']
    if what:
        text += ' ' + what
    if step['host']:
        text += ' on %s' % step['host']
    if step['from_version'] and step['to_version'] and step['from_version'] != step['to_version']:
        text += ' %s → %s' % (step['from_version'], step['to_version'])
    return text


def _step(step):
    if step is None:
        return None
    keys = ('position', 'phase', 'service', 'host', 'action', 'status', 'from_version', 'to_version', 'error')
    return dict([(k, step.get(k)) for k in keys] + [('batch', _batch(step)), ('label', step_label(step))])


def _current(steps, status):
    if status == 'rolling_back':
        ran = [s for s in steps if s['phase'] in CODE_PHASES and s['status'] in ('done', 'running', 'failed')]
        return ran[-1] if ran else None
    if status not in FORWARD + ('cancelled',):
        return None
    return next((s for s in steps if s['status'] != 'done'), None)


def _versions(steps):
    """``(hosts upgraded, hosts in all, {service: {version: hosts}})`` over the code steps.

    A host is upgraded once all its code steps are done; it counts at a
    service's target version once all that service's code steps on it are.
    """
    per_service, per_host = {}, {}
    for step in steps:
        if step['phase'] not in CODE_PHASES:
            continue
        done = step['status'] == 'done'
        entry = per_service.setdefault((step['service'], step['host']), [True, step['from_version'], step['to_version']])
        entry[0] = entry[0] and done
        if step['action'] == 'switch':  # the versions of the code, not of drain/enable
            entry[1], entry[2] = entry[1] or step['from_version'], step['to_version'] or entry[2]
        per_host[step['host']] = per_host.get(step['host'], True) and done
    services = {}
    for (service, _host), (done, before, after) in sorted(per_service.items()):
        version = str((after if done else before) or 'unknown')
        counts = services.setdefault(service, {})
        counts[version] = counts.get(version, 0) + 1
    return sum(per_host.values()), len(per_host), services


def _estimate(steps, status):
    """Seconds the rest of the plan should take from how long its done batches took; None without any."""
    if status not in FORWARD:
        return None
    batches = {}
    for step in steps:
        batches.setdefault(_batch(step), []).append(step)
    took, left = {}, []
    for members in batches.values():
        phase = members[0]['phase']
        if all(s['status'] == 'done' and s['started_at'] and s['finished_at'] for s in members):
            seconds = (max(_time(s['finished_at']) for s in members)
                       - min(_time(s['started_at']) for s in members)).total_seconds()
            took.setdefault(phase, []).append(seconds)
        elif any(s['status'] != 'done' for s in members):
            left.append(phase)
    if not took:
        return None
    everything = [seconds for values in took.values() for seconds in values]
    mean = dict((phase, sum(values) / len(values)) for phase, values in took.items())
    overall = sum(everything) / len(everything)
    return int(round(sum(mean.get(phase, overall) for phase in left)))


def describe(upgrade, now=None):
    """Upgrade ``upgrade`` (with its steps) as ``upgrade_info`` returns it."""
    steps = upgrade['steps']
    now = now or datetime.datetime.now(datetime.timezone.utc)
    counts = {}
    for step in steps:
        counts[step['status']] = counts.get(step['status'], 0) + 1
    upgraded, hosts, services = _versions(steps)
    current = _current(steps, upgrade['status'])
    failed = next((s for s in steps if s['status'] == 'failed' or (s.get('error') and s['status'] != 'reverted')), None)
    started, finished = _time(upgrade['started_at']), _time(upgrade['finished_at'])
    result = dict((key, upgrade.get(key)) for key in SUMMARY_FIELDS)
    result.update(
        steps_total=len(steps), step_counts=counts, batches_total=max([_batch(s) for s in steps] or [0]),
        phase=current['phase'] if current else None, step=_step(current), batch=_batch(current) if current else None,
        hosts_upgraded=upgraded, hosts_total=hosts, services=services, failed_step=_step(failed),
        elapsed=None if started is None else int(((finished or now) - started).total_seconds()),
        remaining=_estimate(steps, upgrade['status']))
    return result


def batch_summary(steps):
    """One entry per batch, in order: ``batch``, ``phase``, ``status``, ``steps``, ``services``, ``hosts``.

    ``status`` is the steps' one status when they share it, else ``failed``
    or ``running`` when one is, else ``partial``.
    """
    batches = []
    for step in steps:
        number = _batch(step)
        if not batches or batches[-1]['batch'] != number:
            batches.append({'batch': number, 'phase': step['phase'], 'statuses': set(), 'steps': 0,
                            'services': [], 'hosts': []})
        entry = batches[-1]
        entry['statuses'].add(step['status'])
        entry['steps'] += 1
        for key, value in (('services', step['service']), ('hosts', step['host'])):
            if value and value not in entry[key][-1:]:
                entry[key].append(value)
    for entry in batches:
        statuses = entry.pop('statuses')
        entry['status'] = (statuses.pop() if len(statuses) == 1 else 'failed' if 'failed' in statuses
                           else 'running' if 'running' in statuses else 'partial')
        for key in ('services', 'hosts'):  # consecutive duplicates were skipped; these are the others
            entry[key] = list(dict.fromkeys(entry[key]))
    return batches
