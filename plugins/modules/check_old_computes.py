#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_old_computes
short_description: Readiness check - no nova-compute is too old for the target release
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads the service version of every live C(nova-compute) service (not
    deleted, not forced down) in every cell, and reports C(Failure) when the
    lowest is older than the oldest compute service version the TARGET
    release's control plane accepts. Such an upgrade is refused by nova
    itself (C(TooOldComputeService)) - its conductor and API do not start.
  - C(Older than N-1 computes) in C(nova-status upgrade check) answers the
    same question for the release that is installed; this check answers it
    for the release you are going to, before you install it.
  - Run it on a nova control host with the interpreter of nova's environment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
options:
  target_release:
    description:
      - The release the cloud is being upgraded to, by id or name (C(2026.1),
        C(gazpacho)).
    type: str
    required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
'''

EXAMPLES = r'''
- name: Are the computes new enough for 2026.1?
  osops.lifecycle.check_old_computes:
    target_release: '2026.1'
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
      sample: Older than N-1 computes
    result:
      description: C(Success), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Failure
    code:
      description: 0, 2, or 255 for C(Error).
      type: int
      sample: 2
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
  sample: 2
oldest_supported_version:
  description: The oldest compute service version the target release accepts.
  returned: always
  type: int
  sample: 72
computes:
  description: Every live nova-compute service found.
  returned: always
  type: list
  elements: dict
  sample: [{cell: cell1, host: compute1, version: 67}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_old_computes')()


if __name__ == '__main__':
    main()
