#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_hw_machine_type
short_description: Readiness check - instances record their hw_machine_type
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads every cell's database (cell0 included) and reports C(Warning) when
    live instances have no C(hw_machine_type) recorded in their image
    metadata. On libvirt computes a change of the default machine type
    would then change those guests' virtual hardware on their next hard
    reboot or migration.
  - The same check as C(hw_machine_type unset) in C(nova-status upgrade check).
  - Run it on a nova control host with the interpreter of nova's environment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - name: hw_machine_type
    description: Nova's guide to machine types, C(nova-manage libvirt list_unset_machine_type) and C(nova-manage libvirt update_machine_type).
    link: https://docs.openstack.org/nova/latest/admin/hw-machine-type.html
'''

EXAMPLES = r'''
- name: Instances without a recorded machine type
  osops.lifecycle.check_hw_machine_type:
  run_once: true
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python
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
      sample: hw_machine_type unset
    result:
      description: C(Success), C(Warning), or C(Error) when the check could not run.
      type: str
      sample: Warning
    code:
      description: 0, 1, or 255 for C(Error).
      type: int
      sample: 1
    details:
      description: What was found and how to fix it, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.05
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 1
instances:
  description: UUIDs of the live instances without hw_machine_type.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_hw_machine_type')()


if __name__ == '__main__':
    main()
