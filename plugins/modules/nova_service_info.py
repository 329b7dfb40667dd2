#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: nova_service_info
short_description: nova's service versions from its databases, and the releases they tell
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads the C(services) table of every cell (not deleted) and returns each
    service's binary, host and service version, the lowest and highest
    version of the control plane (C(nova-conductor), C(nova-scheduler),
    C(nova-osapi_compute)) and of the computes (C(nova-compute)), and the
    release each version tells.
  - A nova release writes one service version for all its binaries; the
    collection records the measured one per release (67 2024.1, 68 2025.1,
    70 2025.2, 72 2026.1, 74 2026.2). A version that is exactly a release's
    is that release; one between two known releases is the older of them,
    with a note; any other (unset, 0, older or newer than every known one)
    is no release (null), with the reason.
  - The C(check) role takes the current release from the C(release) of
    RV(control.min) (the oldest control service) when C(osops_check_current_release) is unset.
  - Forced-down services are listed but left out of the minimum and maximum,
    as nova leaves them out of its own minimum-version queries.
  - Run it on a nova control host with the interpreter of nova's environment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
options: {}
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
- name: Which release does the control plane run?
  osops.lifecycle.nova_service_info:
  register: nova_services
  run_once: true
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python

- name: Say it
  ansible.builtin.debug:
    msg: "Control plane {{ nova_services.control.min.release }}, computes {{ nova_services.computes.min.release }}"
'''

RETURN = r'''
services:
  description: Every service not deleted, in every cell, ordered by cell, binary and host.
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
      description: The nova binary.
      type: str
      sample: nova-conductor
    version:
      description: The service version it recorded (null when unset).
      type: int
      sample: 68
    forced_down:
      description: Whether the service is forced down (left out of the minimum and maximum).
      type: bool
      sample: false
    release:
      description: The release id its version tells, or null.
      type: str
      sample: '2025.1'
control:
  description:
    - The control services (C(nova-conductor), C(nova-scheduler),
      C(nova-osapi_compute)) that are not forced down.
  returned: success
  type: dict
  contains:
    binaries:
      description: The binaries counted.
      type: list
      elements: str
      sample: [nova-conductor, nova-scheduler, nova-osapi_compute]
    count:
      description: How many services were counted.
      type: int
      sample: 3
    min:
      description:
        - The lowest service version, the release it tells (C(version),
          C(release), C(note)). C(release) is null when the version tells no
          known release, or when there are no such services; C(note) then says
          why, and says how a version between two releases was read.
      type: dict
      sample: {version: 68, release: '2025.1', note: null}
    max:
      description: The highest service version, as RV(control.min).
      type: dict
      sample: {version: 70, release: '2025.2', note: null}
computes:
  description: The C(nova-compute) services that are not forced down, as RV(control).
  returned: success
  type: dict
  sample:
    binaries: [nova-compute]
    count: 2
    min: {version: 68, release: '2025.1', note: null}
    max: {version: 68, release: '2025.1', note: null}
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import (
    COMPUTE_BINARY,
    CONTROL_BINARIES,
    NovaDatabaseModule,
    service_summary,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import (
    release_of_nova_service_version,
)


class NovaServiceInfoModule(NovaDatabaseModule):

    def run(self):
        services = self.database.service_versions()
        for service in services:
            found = (release_of_nova_service_version(service['version'])[0]
                     if service['version'] is not None else None)
            service['release'] = found.id if found else None
        self.exit_json(services=services,
                       control=service_summary(services, CONTROL_BINARIES),
                       computes=service_summary(services, (COMPUTE_BINARY,)))


def main():
    NovaServiceInfoModule()()


if __name__ == '__main__':
    main()
