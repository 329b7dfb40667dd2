# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: table
short_description: Rows as a compact text table an operator reads
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Renders a list of dicts - the records an C(_info) module returns - as a
    text table (prettytable), one line per list element, for
    C(ansible.builtin.debug) to print. A list value is shown comma-separated
    (a list of records by their C(name)), a boolean as C(yes) or C(no), null
    as C(-); long text wraps within O(max_width) characters.
  - The cluster playbooks (C(cluster_status), C(cluster_components),
    C(upgrade_versions), C(discovery_methods), C(check_upgrade)) and the
    maintenance ones (C(maintenance_list), C(maintenance_get)) print their
    answers this way.
positional: _input
options:
  _input:
    description: The rows.
    type: list
    elements: dict
    required: true
  columns:
    description: The keys to show, in order.
    type: list
    elements: str
    required: true
  headers:
    description: The columns' titles; the keys when unset.
    type: list
    elements: str
  max_width:
    description: The widest a column may be before its text wraps.
    type: int
    default: 60
  empty:
    description: The one line returned when there is no row.
    type: str
    default: (none)
requirements:
  - prettytable >= 3.12.0 (on the controller)
'''

EXAMPLES = r'''
- name: The cluster's components
  osops.lifecycle.cluster_component_info:
    name: prod
  register: found

- name: As a table
  ansible.builtin.debug:
    msg: "{{ found.components | osops.lifecycle.table(['service', 'binary', 'hosts', 'versions']) }}"
'''

RETURN = r'''
_value:
  description: The table's lines, borders included.
  type: list
  elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

try:
    import prettytable
except ImportError:  # reported when the filter is used
    prettytable = None


def _cell(value):
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (list, tuple)):
        # a list of records (a method's parameters): their names
        return ', '.join(_cell(item.get('name', item) if isinstance(item, Mapping) else item) for item in value) or '-'
    if isinstance(value, Mapping):
        return ', '.join('%s: %s' % (key, _cell(item)) for key, item in value.items()) or '-'
    return str(value)


def table(rows, columns, headers=None, max_width=60, empty='(none)'):
    """``rows`` (dicts) as the lines of a text table of ``columns``."""
    if prettytable is None:
        raise AnsibleFilterError('osops.lifecycle.table needs the prettytable Python library on the controller '
                                 '(pip install prettytable).')
    if not isinstance(rows, (list, tuple)) or not all(isinstance(row, Mapping) for row in rows):
        raise AnsibleFilterError('osops.lifecycle.table: expected a list of dicts, got %s.' % type(rows).__name__)
    columns = list(columns or [])
    if not columns:
        raise AnsibleFilterError('osops.lifecycle.table: columns must name at least one key of the rows.')
    headers = list(headers) if headers else columns
    if len(headers) != len(columns):
        raise AnsibleFilterError('osops.lifecycle.table: %d headers for %d columns; give one title per column.'
                                 % (len(headers), len(columns)))
    if not rows:
        return [empty]
    rendered = prettytable.PrettyTable(headers)
    rendered.align = 'l'
    rendered.max_width = int(max_width)
    for row in rows:
        rendered.add_row([_cell(row.get(column)) for column in columns])
    return rendered.get_string().splitlines()


class FilterModule(object):
    def filters(self):
        return {'table': table}
