# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: check_report
short_description: Aggregate registered readiness-check results into one report
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Takes dicts of host name to the results registered from the collection's
    check modules (single results or loop results; the input and any further
    positional arguments, in order) and returns the same
    report the C(osops.lifecycle.check_table) callback writes - overall
    C(code) and C(result), C(counts), and per host and project every check.
  - The C(check) role publishes it with C(set_stats) and decides from its
    C(code) whether the play fails.
  - Each host of O(lost_hosts) adds an C(Error) row C(Tasks completed) of
    project C(ansible), so a host that left the play (unreachable, or a task
    failed there) never lets the run look ready.
positional: _input, more
options:
  _input:
    description: Host name to a registered result or a list of them.
    type: dict
    required: true
  more:
    description: More dicts like O(_input), added after it.
    type: dict
  lost_hosts:
    description:
      - Hosts whose checks did not finish (for example those of
        C(ansible_play_hosts_all) not in C(ansible_play_hosts)).
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Summarise an API check run once from localhost and a check every host registered
  ansible.builtin.set_fact:
    summary: >-
      {{ {'localhost': api_check}
         | osops.lifecycle.check_report(dict(ansible_play_hosts_all | zip(ansible_play_hosts_all
             | map('extract', hostvars, 'config_check'))),
           lost_hosts=ansible_play_hosts_all | reject('in', ansible_play_hosts) | list) }}
'''

RETURN = r'''
_value:
  description: The report (see the collection's docs/schemas/check-report.schema.json).
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.plugin_utils._check_report import (
    add_host_error,
    add_results,
    finish_report,
    lost_host_check,
    new_report,
)


def check_report(per_host, *more, lost_hosts=None):
    report = new_report()
    for mapping in (per_host,) + more:
        if not isinstance(mapping, dict):
            raise AnsibleFilterError(
                'check_report expects dicts of host name to registered check results, got %s'
                % type(mapping).__name__)
        for host, registered in mapping.items():
            add_results(report, host, registered)
    if lost_hosts is not None and not isinstance(lost_hosts, (list, tuple)):
        raise AnsibleFilterError('check_report: lost_hosts must be a list of host names, got %s'
                                 % type(lost_hosts).__name__)
    for host in lost_hosts or ():
        add_host_error(report, str(host), lost_host_check(str(host)))
    return finish_report(report)


class FilterModule:
    def filters(self):
        return {'check_report': check_report}
