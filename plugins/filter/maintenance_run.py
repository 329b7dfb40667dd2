# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The maintenance role's computing: outcomes of claimed steps, the drain's target, plan and step lines.

Documented in maintenance_results.yml, maintenance_target_host.yml, maintenance_plan_lines.yml and
maintenance_step_lines.yml.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

NO_OUTCOME = 'no outcome came back from the host (unreachable, or the play lost it)'


def maintenance_results(claimed, outcomes):
    """One result per claimed step, as maintenance_step's ``results`` takes them: the host's outcome
    for it, else ``failed`` saying no outcome came back."""
    if not isinstance(claimed, list) or not isinstance(outcomes, list):
        raise AnsibleFilterError('maintenance_results expects the claimed steps and a list of outcomes')
    found = dict((o['position'], o) for o in outcomes if isinstance(o, dict) and o.get('position') is not None)
    results = []
    for step in claimed:
        got = found.get(step['position'])
        if got is None:
            results.append({'position': step['position'], 'outcome': 'failed',
                            'detail': {'msg': '%s on %s: %s' % (step['action'], step.get('host') or 'the controller',
                                                                NO_OUTCOME)}})
        else:
            results.append({'position': step['position'], 'outcome': got.get('outcome', 'done'),
                            'detail': got.get('detail') or {}})
    return results


def maintenance_target_host(plan, host):
    """Where the plan sends every instance of ``host``, when it sends them all to one host; else None
    (nova's scheduler chooses)."""
    targets = set(m.get('destination_host') for m in (plan or {}).get('moves') or [] if m.get('host') == host)
    if len(targets) == 1:
        return targets.pop()
    return None


def maintenance_plan_lines(plan):
    """The plan's batches as lines: ``batch 1 (az nova): compute3 - why``, then its notes."""
    lines = []
    for batch in (plan or {}).get('batches') or []:
        lines.append('batch %s (az %s): %s - %s' % (batch.get('batch'), batch.get('az'), ', '.join(batch.get('hosts') or []),
                                                    batch.get('reason')))
        lines.extend('  note: %s' % note for note in batch.get('notes') or [])
    twice = (plan or {}).get('moves_twice') or []
    if twice:
        lines.append('%d instances move twice (no room elsewhere): %s' % (len(twice), ', '.join(twice)))
    return lines


def maintenance_step_lines(steps):
    """Every step of a session as a line: position, action, host, status, start and end."""
    lines = []
    for step in steps or []:
        what = step.get('action') + (' %s' % step['plugin'] if step.get('plugin') else '')
        what = what if len(what) < 40 else what[:37] + '...'
        line = '%3s %-12s %-10s %-8s' % (step.get('position'), what, step.get('host') or '-', step.get('status'))
        if step.get('started_at'):
            line += ' %s -> %s' % (step['started_at'], step.get('finished_at') or '...')
        msg = (step.get('detail') or {}).get('msg') if isinstance(step.get('detail'), dict) else None
        if msg:
            line += ': %s' % msg
        lines.append(line)
    return lines


class FilterModule:
    def filters(self):
        return {'maintenance_results': maintenance_results, 'maintenance_target_host': maintenance_target_host,
                'maintenance_plan_lines': maintenance_plan_lines, 'maintenance_step_lines': maintenance_step_lines}
