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
    description: How many server IDs the details name per state, at most (1 or more).
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

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_instance_states')()


if __name__ == '__main__':
    main()
