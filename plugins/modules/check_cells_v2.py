#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_cells_v2
short_description: Readiness check - nova's cells v2 are set up
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads nova's API database and reports C(Failure) when there are fewer
    than two cell mappings, when no cell0 mapping exists, or when compute
    nodes exist but no host mappings do. A fresh cloud with no computes yet
    is a C(Success) with a reminder to discover hosts.
  - The same check as C(Cells v2) in C(nova-status upgrade check).
  - Run it on a nova control host with the interpreter of nova's
    environment, so the database driver and URLs are nova's own.
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
- name: Cells v2 check on the first nova conductor host
  osops.lifecycle.check_cells_v2:
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
      sample: Cells v2
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
      sample: 0.04
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
cells:
  description: The cell mappings found (names and uuids; never URLs).
  returned: always
  type: list
  elements: dict
  sample: [{name: cell0, uuid: 00000000-0000-0000-0000-000000000000}, {name: cell1, uuid: 1b5f6c1e-...}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_cells_v2')()


if __name__ == '__main__':
    main()
