#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_cloudkitty_storage
short_description: Readiness check - cloudkitty uses storage version 2
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads cloudkitty's configuration on a cloudkitty host and reports
    C(Warning) when C([storage] version) is below 2. Support for the v1
    storage is being dropped, so migrate before upgrading further.
  - The same check as C(Storage version) in C(cloudkitty-status upgrade check).
    An unset option counts as 2, the default of current cloudkitty releases.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
options:
  project:
    description: The project whose configuration is read. Only cloudkitty has this check.
    type: str
    default: cloudkitty
    choices: [cloudkitty]
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
- name: Cloudkitty storage version
  osops.lifecycle.check_cloudkitty_storage:
    config_files: [/etc/cloudkitty/cloudkitty.conf]
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: C(cloudkitty).
      type: str
      sample: cloudkitty
    name:
      description: The check's name.
      type: str
      sample: Storage version
    result:
      description: C(Success), C(Warning), or C(Error) when the check could not run.
      type: str
      sample: Success
    code:
      description: 0, 1, or 255.
      type: int
      sample: 0
    details:
      description: What was found and how to fix it, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.001
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
storage_version:
  description: The storage version in use, or null when the config could not be read.
  returned: always
  type: int
  sample: 2
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_cloudkitty_storage')()


if __name__ == '__main__':
    main()
