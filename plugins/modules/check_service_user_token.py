#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_service_user_token
short_description: Readiness check - nova sends service user tokens
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads nova's configuration on a nova host and reports C(Failure) when
    C([service_user] send_service_user_token) is not true. Since 2023.2 nova
    needs it on every service (CVE-2023-2088 hardening); without it, volume
    operations that need the user's and the service's tokens are refused.
  - The same check as C(Service User Token Configuration) in
    C(nova-status upgrade check).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
options:
  project:
    description:
      - The project whose configuration is read. Only nova has this check.
    type: str
    default: nova
    choices: [nova]
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - name: Service user token configuration
    description: Nova's guide to configuring the service user.
    link: https://docs.openstack.org/nova/latest/admin/configuration/service-user-token.html
'''

EXAMPLES = r'''
- name: Check every nova host's service user token setting
  osops.lifecycle.check_service_user_token:
    config_files:
      - /etc/nova/nova.conf
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
      sample: Service User Token Configuration
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
      sample: null
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.001
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_service_user_token')()


if __name__ == '__main__':
    main()
