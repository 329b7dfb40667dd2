#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_placement_api
short_description: Readiness check - the Placement API is in the catalog, reachable and new enough
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Looks up the C(placement) endpoint in the service catalog, reads the API's
    version document, and reports C(Failure) when the endpoint is missing,
    does not answer, or its maximum microversion is below O(required_microversion).
  - The same question as C(Placement API) in C(nova-status upgrade check), but
    a Placement service that is down is reported as a C(Failure) with the
    reason instead of ending the whole run with a traceback.
  - Only reads; never changes the cloud.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  required_microversion:
    description:
      - The lowest Placement API maximum microversion the target nova needs.
      - C(1.36) for every nova from 2021.2 (Xena) through 2026.2.
    type: str
    default: '1.36'
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
- name: Check Placement before upgrading nova
  osops.lifecycle.check_placement_api:
    cloud: mycloud
  delegate_to: localhost
  run_once: true

- name: Same, with credentials from module_defaults
  module_defaults:
    group/osops.lifecycle.openstack:
      cloud: mycloud
      interface: internal
  block:
    - name: Placement API check
      osops.lifecycle.check_placement_api:
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: Always C(nova), whose upgrade needs Placement.
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Placement API
    result:
      description: C(Success), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Success
    code:
      description: 0, 2, or 255 for C(Error).
      type: int
      sample: 0
    details:
      description: What was found and how to fix it, or null.
      type: str
      sample: null
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.051
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
placement:
  description: What was found of the Placement API.
  returned: always
  type: dict
  contains:
    endpoint:
      description: The catalog endpoint, or null when there is none.
      type: str
      sample: http://127.0.0.2:8778
    max_microversion:
      description: The API's maximum microversion, or null when it was not read.
      type: str
      sample: '1.39'
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_placement_api')()


if __name__ == '__main__':
    main()
