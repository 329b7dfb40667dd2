#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_upgrade_path
short_description: Readiness check - the upgrade path is one OpenStack supports
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reports C(Failure) unless going from O(current_release) to
    O(target_release) is a supported upgrade - one release forward (N to
    N+1), or from a SLURP release to the next SLURP release (skipping the
    one release between). Never further, never backwards.
  - The current release is named, or inferred from the installed version of
    a project (O(project) and O(version), for example nova 31.3.1 is 2025.1).
    The C(check) role names it from nova's service versions in the database
    (M(osops.lifecycle.nova_service_info)) and says so in
    O(current_release_source).
  - Only reads the collection's release data; runs anywhere.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  current_release:
    description: The release the cloud runs, by id or name (C(2025.1), C(epoxy)).
    type: str
  project:
    description: A project whose installed O(version) tells the current release.
    type: str
    default: nova
  version:
    description: The installed version of O(project), for example C(31.3.1).
    type: str
  target_release:
    description: The release to upgrade to.
    type: str
    required: true
  current_release_source:
    description:
      - How the current release was found, for the operator; added to the
        check's details (for example C(the minimum service version of nova's
        control services in the database, 68)).
    type: str
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
- name: Is 2024.1 -> 2026.1 allowed?
  osops.lifecycle.check_upgrade_path:
    current_release: '2024.1'
    target_release: '2026.1'

- name: From the nova version installed
  osops.lifecycle.check_upgrade_path:
    project: nova
    version: 31.3.1
    target_release: gazpacho

- name: From the control plane's service version in nova's database
  osops.lifecycle.check_upgrade_path:
    current_release: "{{ nova_services.control.min.release }}"
    current_release_source: "nova's control services, service version {{ nova_services.control.min.version }}"
    target_release: '2026.1'
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: C(openstack), the cloud as a whole.
      type: str
      sample: openstack
    name:
      description: The check's name.
      type: str
      sample: Upgrade path (SLURP)
    result:
      description: C(Success), C(Failure), or C(Error).
      type: str
      sample: Failure
    code:
      description: 0, 2, or 255.
      type: int
      sample: 2
    details:
      description:
        - Why the path is or is not supported, then where the current release
          came from when O(current_release_source) is given.
      type: str
      sample: 2024.1 → 2026.1 skips 2025.1 (SLURP) and 2025.2 - only N→N+1 or SLURP→next SLURP is supported.
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.0
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
current_release:
  description: The current release's id.
  returned: always
  type: str
  sample: '2025.1'
target_release:
  description: The target release's id.
  returned: always
  type: str
  sample: '2026.1'
allowed_targets:
  description: Every release the current one may be upgraded to.
  returned: always
  type: list
  elements: str
  sample: ['2025.2', '2026.1']
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import failure, success
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._module import CheckModule
from ansible_collections.osops.lifecycle.plugins.module_utils._releases import (
    check_upgrade_path,
    release_of,
    series,
    upgrade_paths,
)

CHECK_NAME = 'Upgrade path (SLURP)'


class CheckUpgradePathModule(CheckModule):
    argument_spec = dict(
        current_release=dict(type='str'),
        project=dict(type='str', default='nova'),
        version=dict(type='str'),
        target_release=dict(type='str', required=True),
        current_release_source=dict(type='str'),
    )
    module_kwargs = dict(
        supports_check_mode=True,
        required_one_of=[('current_release', 'version')],
        mutually_exclusive=[('current_release', 'version')],
    )

    project = 'openstack'

    def validate(self):
        if self.params['current_release']:
            self.current = series(self.params['current_release'])
        else:
            self.current = release_of(self.params['project'], self.params['version'])
            if self.current is None:
                raise OptionError('version', self.params['version'],
                                  'a %s version of a release this collection knows'
                                  % self.params['project'])
        self.target = series(self.params['target_release'])

    def checks(self):
        return [(CHECK_NAME, self.check_path)]

    def check_path(self):
        allowed, reason = check_upgrade_path(self.current, self.target)
        source = (self.params['current_release_source'] or '').strip()
        if source:
            reason = '%s Current release %s: %s.' % (reason, self.current.id, source.rstrip('.'))
        return success(reason) if allowed else failure(reason)

    def extra_results(self):
        return dict(current_release=self.current.id, target_release=self.target.id,
                    allowed_targets=[s.id for s in upgrade_paths(self.current)])


def main():
    CheckUpgradePathModule()()


if __name__ == '__main__':
    main()
