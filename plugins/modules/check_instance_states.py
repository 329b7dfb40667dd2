#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_instance_states
short_description: Readiness check - no instance is in the middle of an operation
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Lists the servers of every project and reports C(Failure) when any is
    in the middle of an operation (building, migrating, resizing,
    rebuilding, rebooting, or any task state); restarting nova under it
    can leave it stuck. C(Warning) for servers waiting for a resize
    confirmation or in C(ERROR), which need an operator's decision.
  - No C(*-status) tool checks this.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  list_limit:
    description: How many server IDs the details name per state, at most.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
'''

EXAMPLES = r'''
- name: Instances in transitional states
  osops.lifecycle.check_instance_states:
    cloud: mycloud
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: C(nova).
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Instances in transitional states
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Success
    code:
      description: 0, 1, 2, or 255.
      type: int
      sample: 0
    details:
      description: The states found, with server IDs, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.1
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
instances:
  description: The servers that are not settled, with their status and task state.
  returned: always
  type: list
  elements: dict
  sample: [{id: 5d1c..., status: MIGRATING, task_state: migrating}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._openstack import OpenStackCheckModule

CHECK_NAME = 'Instances in transitional states'
# Server statuses of an operation in flight (compute API server statuses).
IN_FLIGHT = frozenset(('BUILD', 'MIGRATING', 'RESIZE', 'REVERT_RESIZE', 'REBUILD',
                       'REBOOT', 'HARD_REBOOT', 'PASSWORD', 'RESCUE'))
NEEDS_DECISION = frozenset(('VERIFY_RESIZE', 'ERROR'))


def _describe(servers, limit):
    by_state = {}
    for server in servers:
        state = server['status'] + ('/%s' % server['task_state'] if server['task_state'] else '')
        by_state.setdefault(state, []).append(server['id'])
    return '; '.join('%d %s (%s%s)' % (len(ids), state, ', '.join(ids[:limit]),
                                       ', ...' if len(ids) > limit else '')
                     for state, ids in sorted(by_state.items()))


def judge(servers, limit=5):
    """The outcome for a list of server dicts (id, status, task_state)."""
    busy = [s for s in servers if s['task_state'] or s['status'] in IN_FLIGHT]
    waiting = [s for s in servers if s not in busy and s['status'] in NEEDS_DECISION]
    if busy:
        return failure('Operations in flight: %s. Wait for them to finish, or resolve them, '
                       'before restarting nova.' % _describe(busy, limit))
    if waiting:
        return warning('Waiting for an operator: %s. Confirm or revert resizes; rebuild, '
                       'reset or delete servers in ERROR.' % _describe(waiting, limit))
    return success()


class CheckInstanceStatesModule(OpenStackCheckModule):
    argument_spec = dict(
        list_limit=dict(type='int', default=5),
    )

    project = 'nova'
    unsettled = ()

    def checks(self):
        return [(CHECK_NAME, self.check_instances)]

    def check_instances(self):
        servers = [dict(id=s.id, status=s.status, task_state=s.task_state)
                   for s in self.conn.compute.servers(details=True, all_projects=True)]
        self.unsettled = [s for s in servers if s['task_state'] or s['status'] in IN_FLIGHT | NEEDS_DECISION]
        return judge(servers, self.params['list_limit'])

    def extra_results(self):
        return dict(instances=list(self.unsettled))


def main():
    CheckInstanceStatesModule()()


if __name__ == '__main__':
    main()
