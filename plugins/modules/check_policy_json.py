#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_policy_json
short_description: Readiness check - a service's policy file is not JSON
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads a service's configuration on its host the way the service does,
    finds the file named by C([oslo_policy] policy_file) in the same
    directories oslo.config searches, and reports C(Failure) when that file is
    JSON-formatted. JSON policy files are deprecated; newer releases ignore
    them.
  - The same check as C(Policy File JSON to YAML Migration) in
    C(nova-status upgrade check) (oslo.upgradecheck's common check), for any
    service.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
options:
  project:
    description:
      - The service whose configuration is read, for example C(nova),
        C(cinder) or C(keystone). Names the default config file and the
        C(/etc/<project>) and C(~/.<project>) search directories.
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
seealso:
  - name: oslopolicy-convert-json-to-yaml
    description: The tool that converts a JSON policy file to YAML.
    link: https://docs.openstack.org/oslo.policy/latest/cli/oslopolicy-convert-json-to-yaml.html
'''

EXAMPLES = r'''
- name: Check nova's policy file on every nova API host
  osops.lifecycle.check_policy_json:
    project: nova

- name: Check a service that runs with a config dir
  osops.lifecycle.check_policy_json:
    project: cinder
    config_files:
      - /etc/cinder/cinder.conf
    config_dir: /etc/cinder/cinder.conf.d
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: The O(project).
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Policy File JSON to YAML Migration
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
      sample: null
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.002
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
policy_file:
  description: The policy file found, or null when there is none.
  returned: always
  type: str
  sample: /etc/nova/policy.yaml
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_policy_json')()


if __name__ == '__main__':
    main()
