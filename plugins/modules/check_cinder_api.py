#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_cinder_api
short_description: Readiness check - the Block Storage API offers what nova needs
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - When the catalog has a C(block-storage) (cinder) endpoint, reads its
    version document and reports C(Failure) when the maximum microversion
    is below O(required_microversion) (3.44, for volume attachment
    records and multi-attach). Without cinder in the catalog the check is a
    C(Success) that says so.
  - The question of C(Cinder API) in C(nova-status upgrade check), asked of
    the catalog rather than of nova's configuration.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  required_microversion:
    description: The lowest maximum microversion nova needs.
    type: str
    default: '3.44'
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
- name: Cinder API check
  osops.lifecycle.check_cinder_api:
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
      description: C(nova), whose upgrade needs this.
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Cinder API
    result:
      description: C(Success), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Success
    code:
      description: 0, 2, or 255.
      type: int
      sample: 0
    details:
      description: What was found and how to fix it, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.03
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
cinder:
  description: What was found of the Block Storage API.
  returned: always
  type: dict
  contains:
    endpoint:
      description: The catalog endpoint, or null.
      type: str
    max_microversion:
      description: The maximum microversion, or null when not read.
      type: str
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_cinder_api')()


if __name__ == '__main__':
    main()
