# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: upgrade_status_lines
short_description: An upgrade's status as lines an operator reads
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Turns one upgrade as M(osops.lifecycle.upgrade_info) returns it
    (RV(osops.lifecycle.upgrade_info#module:upgrade) or an element of
    RV(osops.lifecycle.upgrade_info#module:upgrades)) into lines - id,
    cluster, releases and status; phase, batch and the current step; hosts
    upgraded; versions per service; the failed step; elapsed and remaining
    time.
  - The C(upgrade_status) and C(upgrades) playbooks print them.
positional: _input
options:
  _input:
    description: An upgrade as M(osops.lifecycle.upgrade_info) returns it.
    type: dict
    required: true
  brief:
    description: Only the first line (what C(list-upgrades) shows per upgrade).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Where the upgrade of prod stands
  osops.lifecycle.upgrade_info:
    cluster: prod
  register: status

- name: Show it
  ansible.builtin.debug:
    msg: "{{ status.upgrade | osops.lifecycle.upgrade_status_lines }}"
'''

RETURN = r'''
_value:
  description: The lines, first the upgrade's id, cluster, releases and status.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError


def _duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return '%d s' % seconds
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return '%d min %02d s' % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    return '%d h %02d min' % (hours, minutes)


def upgrade_status_lines(upgrade, brief=False):
    if not isinstance(upgrade, dict) or not upgrade.get('id'):
        raise AnsibleFilterError('upgrade_status_lines expects an upgrade as upgrade_info returns it, got %r'
                                 % (upgrade,))
    lines = ['Upgrade %s of %s: %s -> %s, %s' % (upgrade['id'], upgrade.get('cluster'), upgrade.get('from_release'),
                                                 upgrade.get('to_release'), upgrade.get('status'))]
    if upgrade.get('started_by'):
        lines[0] += ' (started by %s)' % upgrade['started_by']
    if brief:
        return lines
    step = upgrade.get('step')
    if step:
        lines.append('Phase %s, batch %s of %s, step %s of %s: %s (%s)' % (
            step.get('phase'), step.get('batch'), upgrade.get('batches_total'), step.get('position'),
            upgrade.get('steps_total'), step.get('label'), step.get('status')))
    if upgrade.get('hosts_total') is not None:
        lines.append('Hosts upgraded: %s of %s' % (upgrade.get('hosts_upgraded'), upgrade['hosts_total']))
    for service, versions in sorted((upgrade.get('services') or {}).items()):
        lines.append('%s: %s' % (service, ', '.join(
            '%s on %d host%s' % (version, count, '' if count == 1 else 's')
            for version, count in sorted(versions.items()))))
    failed = upgrade.get('failed_step')
    if failed:
        reason = failed.get('error') or upgrade.get('error') or 'no reason recorded'
        lines.append('Failed step %s: %s: %s' % (failed.get('position'), failed.get('label'), reason))
    elif upgrade.get('error'):
        lines.append('Error: %s' % upgrade['error'])
    if upgrade.get('elapsed') is not None:
        line = 'Elapsed %s' % _duration(upgrade['elapsed'])
        if upgrade.get('remaining') is not None and upgrade.get('status') not in ('completed', 'cancelled', 'rolled_back'):
            line += ', about %s left' % _duration(upgrade['remaining'])
        lines.append(line)
    return lines


class FilterModule:
    def filters(self):
        return {'upgrade_status_lines': upgrade_status_lines}
