#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_rpc_pin
short_description: Readiness check - nova control services pin the compute RPC version
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads C([upgrade_levels] compute) on a nova control host (API,
    conductor, scheduler) and the service versions in nova's databases.
  - During a rolling upgrade the control plane runs a newer release than
    some computes. Without C([upgrade_levels] compute = auto) (or an explicit
    pin) a newer conductor sends compute RPC messages the older computes do
    not consume - for 2026.1 over 2025.2 computes they go to a topic nobody
    listens on - and operations such as live migration hang until the long
    RPC timeout (30 minutes). No C(*-status) checker detects this.
  - C(Failure) when the pin is unset and computes older than the control
    services are running now; C(Warning) when it is unset and the cloud is
    not mixed yet (set it before the rolling upgrade starts); C(Success)
    when it is set.
  - Run it on every nova control host with the interpreter of nova's environment.
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
'''

EXAMPLES = r'''
- name: RPC pin on every nova control host
  osops.lifecycle.check_rpc_pin:
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
      sample: Compute RPC version pin
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Failure
    code:
      description: 0, 1, 2, or 255 for C(Error).
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
  sample: 0
pin:
  description: The value of C([upgrade_levels] compute) on this host, or null when unset.
  returned: always
  type: str
  sample: auto
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_rpc_pin')()


if __name__ == '__main__':
    main()
