#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: nova_service_version
short_description: Lower a nova service's recorded service version before it goes back to older code (rollback)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - nova records each service's version in the C(services) table of its cell
    and refuses to start a service whose code is older than the oldest live
    record of its binary, its own record included - C(This service is older
    (v68) than the minimum (v72) version of the rest of the deployment) - so
    a service rolled back to its previous release's code cannot start while
    its record says the newer version.
  - This module sets the record of O(binary) on O(host) to O(version), the
    version the older code reports, in every cell that holds it; the
    service then starts and keeps it. The C(upgrade) role runs it in a
    rollback, before it restarts a nova service on its initial venv.
  - It only lowers a version. A record at or below O(version) stays as it is
    (a starting service raises its own record itself); a record the service
    changed meanwhile is left alone (compare-and-set).
  - Run it on a nova control host with the interpreter of nova's environment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
options:
  host:
    description: The service's host, as nova names it.
    type: str
    required: true
  binary:
    description: The binary, as nova's table names it (V(nova-conductor), V(nova-osapi_compute), V(nova-compute)).
    type: str
    required: true
  version:
    description: The service version of the code the service goes back to (68 for 2025.1).
    type: int
    required: true
attributes:
  check_mode:
    support: full
    details: Returns the changes it would make and writes nothing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.nova_service_info
'''

EXAMPLES = r'''
- name: nova-conductor on controller goes back to 2025.1's code
  osops.lifecycle.nova_service_version:
    host: controller
    binary: nova-conductor
    version: 68
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python
'''

RETURN = r'''
changes:
  description: The records changed (in check mode, that would change).
  returned: success
  type: list
  elements: dict
  contains:
    cell:
      description: The cell's name.
      type: str
      sample: cell1
    host:
      description: The service's host.
      type: str
      sample: controller
    binary:
      description: The binary.
      type: str
      sample: nova-conductor
    before:
      description: The version recorded before.
      type: int
      sample: 72
    after:
      description: The version recorded now.
      type: int
      sample: 68
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import NovaDatabaseModule


class NovaServiceVersionModule(NovaDatabaseModule):
    argument_spec = dict(
        NovaDatabaseModule.argument_spec,
        host=dict(type='str', required=True),
        binary=dict(type='str', required=True),
        version=dict(type='int', required=True),
    )

    def validate(self):
        if self.params['version'] < 1:
            self.fail_json('Option version: %d is not a nova service version (a positive number, such as 68 '
                           'for 2025.1).' % self.params['version'])

    def run(self):
        host, binary, version = self.params['host'], self.params['binary'], self.params['version']
        changes = self.database.lower_service_version(host, binary, version, self.check_mode)
        if changes:
            before = ', '.join(str(c['before']) for c in changes)
            msg = '%s %s on %s from %s to %d' % ('would lower' if self.check_mode else 'lowered', binary, host, before,
                                                 version)
        else:
            msg = 'no live record of %s on %s above %d' % (binary, host, version)
        self.exit_json(changed=bool(changes), changes=changes, msg=msg)


def main():
    NovaServiceVersionModule()()


if __name__ == '__main__':
    main()
