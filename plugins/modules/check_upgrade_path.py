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
    one release between). Never further, never backwards, and never to a
    release that is not out yet (its release date in the collection's data
    is after today). The same rule as M(osops.lifecycle.upgrade_version_info)
    and the upgrade plan, decided by the same function.
  - The current release is named, read from nova's database
    (O(from_nova_database), the lowest service version nova's control
    services recorded, as M(osops.lifecycle.nova_service_info) reports it),
    or inferred from the installed version of a project (O(project) and
    O(version), for example nova 31.3.1 is 2025.1). The details say which.
  - Only reads the collection's release data, and nova's database when
    O(from_nova_database) is true; runs anywhere without it, and on a nova
    control host with the interpreter of nova's environment with it.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
options:
  current_release:
    description: The release the cloud runs, by id or name (C(2025.1), C(epoxy)).
    type: str
  from_nova_database:
    description:
      - Read the current release from nova's database, found through nova's
        configuration (O(config_files), O(config_dir)) - the lowest service
        version of the live C(nova-conductor), C(nova-scheduler) and
        C(nova-osapi_compute) services.
      - When the database names no release (unreadable, no versions recorded,
        a number the collection does not know) the release of O(project)
        O(version) stands in, and the details say why; without O(version)
        the check is an C(Error).
      - Cannot be combined with O(current_release).
    type: bool
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

- name: From the control plane's service version in nova's database, else the nova venv's version
  osops.lifecycle.check_upgrade_path:
    from_nova_database: true
    version: 31.3.1
    current_release_source: the nova venv (nova-31.3.1)
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
  description: The current release's id; null when it could not be found (the check is then an C(Error)).
  returned: always
  type: str
  sample: '2025.1'
target_release:
  description: The target release's id.
  returned: always
  type: str
  sample: '2026.1'
allowed_targets:
  description: Every release the current one may be upgraded to (empty when it is not known).
  returned: always
  type: list
  elements: str
  sample: ['2025.2', '2026.1']
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_upgrade_path')()


if __name__ == '__main__':
    main()
