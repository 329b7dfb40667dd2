#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_services
short_description: Readiness check - every service is up and enabled
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Lists nova's compute services, neutron's agents and cinder's volume
    services and reports, per project (a C(Success) that says so when the
    project is not in the catalog), C(Failure) when an enabled service is down (a rolling upgrade
    would wait on it, or drain onto it) and C(Warning) when a service is
    disabled (say why, or enable it, before the upgrade).
  - No C(*-status) tool checks this.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
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
- name: Services up and enabled
  osops.lifecycle.check_services:
    cloud: mycloud
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
upgrade_checks:
  description: One result per project found in the catalog (nova, neutron, cinder), in the check model.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: C(nova), C(neutron) or C(cinder).
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Services up and enabled
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Success
    code:
      description: 0, 1, 2, or 255.
      type: int
      sample: 0
    details:
      description: The services that are down or disabled, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.08
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
services:
  description: Every service found.
  returned: always
  type: list
  elements: dict
  sample: [{project: nova, binary: nova-compute, host: compute1, up: true, enabled: true, reason: null}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_services')()


if __name__ == '__main__':
    main()
