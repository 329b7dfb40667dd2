# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Each filter is documented in its own file beside this one (upgrade_status_lines.yml,
# upgrade_status_table.yml), as ansible-core documents a file of several filters.

from ansible.errors import AnsibleFilterError

try:
    import prettytable
except ImportError:  # reported when the table is asked for
    prettytable = None


def _duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return '%d s' % seconds
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return '%d min %02d s' % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    return '%d h %02d min' % (hours, minutes)


def _plural(count, word):
    return '%d %s%s' % (count, word, '' if count == 1 else 's')


def _fields(upgrade, name):
    """The facts both renderings show, each already worded."""
    if not isinstance(upgrade, dict) or not upgrade.get('id'):
        raise AnsibleFilterError('%s expects an upgrade as upgrade_info returns it, got %r' % (name, upgrade))
    fields = {'releases': '%s -> %s' % (upgrade.get('from_release'), upgrade.get('to_release'))}
    step = upgrade.get('step')
    if step:
        fields['phase'] = '%s, batch %s of %s' % (step.get('phase'), step.get('batch'), upgrade.get('batches_total'))
        fields['step'] = '%s of %s' % (step.get('position'), upgrade.get('steps_total'))
        fields['doing'] = '%s (%s)' % (step.get('label'), step.get('status'))
    if upgrade.get('hosts_total') is not None:
        fields['hosts upgraded'] = '%s of %s' % (upgrade.get('hosts_upgraded'), upgrade['hosts_total'])
    fields['services'] = [(service, ', '.join('%s on %s' % (version, _plural(count, 'host'))
                                              for version, count in sorted(versions.items())))
                          for service, versions in sorted((upgrade.get('services') or {}).items())]
    failed = upgrade.get('failed_step')
    if failed:
        fields['failed step'] = '%s: %s: %s' % (failed.get('position'), failed.get('label'),
                                                failed.get('error') or upgrade.get('error') or 'no reason recorded')
    elif upgrade.get('error'):
        fields['error'] = upgrade['error']
    if upgrade.get('elapsed') is not None:
        fields['elapsed'] = _duration(upgrade['elapsed'])
        if upgrade.get('remaining') is not None and upgrade.get('status') not in ('completed', 'cancelled', 'rolled_back'):
            fields['elapsed'] += ', about %s left' % _duration(upgrade['remaining'])
    return fields


def upgrade_status_lines(upgrade, brief=False):
    fields = _fields(upgrade, 'upgrade_status_lines')
    lines = ['Upgrade %s of %s: %s, %s' % (upgrade['id'], upgrade.get('cluster'), fields['releases'], upgrade.get('status'))]
    if upgrade.get('started_by'):
        lines[0] += ' (started by %s)' % upgrade['started_by']
    if brief:
        return lines
    if 'step' in fields:
        lines.append('Phase %s, step %s: %s' % (fields['phase'], fields['step'], fields['doing']))
    if 'hosts upgraded' in fields:
        lines.append('Hosts upgraded: %s' % fields['hosts upgraded'])
    lines.extend('%s: %s' % service for service in fields['services'])
    if 'failed step' in fields:
        lines.append('Failed step %s' % fields['failed step'])
    elif 'error' in fields:
        lines.append('Error: %s' % fields['error'])
    if 'elapsed' in fields:
        lines.append('Elapsed %s' % fields['elapsed'])
    return lines


def upgrade_status_table(upgrade, max_width=60):
    fields = _fields(upgrade, 'upgrade_status_table')
    if prettytable is None:
        raise AnsibleFilterError('osops.lifecycle.upgrade_status_table needs the prettytable Python library on the '
                                 'controller (pip install prettytable).')
    rows = [('upgrade', upgrade['id']), ('cluster', upgrade.get('cluster')), ('releases', fields['releases']),
            ('status', upgrade.get('status')), ('started by', upgrade.get('started_by') or '-')]
    rows += [(name, fields[name]) for name in ('phase', 'step', 'doing', 'hosts upgraded') if name in fields]
    rows += fields['services']
    rows += [(name, fields[name]) for name in ('failed step', 'error', 'elapsed') if name in fields]
    rendered = prettytable.PrettyTable(['Field', 'Value'])
    rendered.align = 'l'
    rendered.max_width = int(max_width)
    for row in rows:
        rendered.add_row([str(value) for value in row])
    return rendered.get_string().splitlines()


class FilterModule:
    def filters(self):
        return {'upgrade_status_lines': upgrade_status_lines, 'upgrade_status_table': upgrade_status_table}
