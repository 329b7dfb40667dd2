#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_backends
short_description: Readiness check - a service host reaches its database and message queue with its own config
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads the service's config files on its host and connects, as the
    service would, to every database they name (C([database] connection),
    C([api_database] connection), C([placement_database] connection)), where
    C(SELECT 1) must answer, and to every host of every message queue
    (C([DEFAULT] transport_url), C([oslo_messaging_notifications]
    transport_url)), where the AMQP connection must open - handshake, login
    and virtual host.
  - C(Failure) when a database, or every host of a transport URL, cannot be
    reached (refused, timed out, credentials or virtual host refused);
    C(Warning) when some hosts of a transport URL answer and others do not
    (a RabbitMQ cluster member down); C(Success) otherwise, also when the
    config names neither (said in the details).
  - Passwords are masked (C(***)) in the details, RV(backends) and every
    error message.
  - Run it on every host of the service with the interpreter of the
    service's environment (for openstack-ansible
    C(/openstack/venvs/<project>-<version>/bin/python)), which has
    SQLAlchemy, the database driver and kombu. Only RabbitMQ transport URLs
    (C(rabbit://)) are reached; a C(ssl=1) query turns TLS on with the
    system's default certificates.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
options:
  project:
    description:
      - The service's project (C(nova), C(neutron), ...); its config is
        C(/etc/<project>/<project>.conf) unless O(config_files) says otherwise.
    type: str
    required: true
  timeout:
    description: Seconds to wait for each connection to open.
    type: int
    default: 5
'''

EXAMPLES = r'''
- name: Nova reaches its database and RabbitMQ from this host
  osops.lifecycle.check_backends:
    project: nova
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python

- name: Placement, with its own config file
  osops.lifecycle.check_backends:
    project: placement
    config_files: [/etc/placement/placement.conf]
    timeout: 3
  vars:
    ansible_python_interpreter: /openstack/venvs/placement-13.0.1/bin/python
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
      sample: Database and message queue reachable
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Failure
    code:
      description: 0, 1, 2, or 255 for C(Error).
      type: int
      sample: 2
    details:
      description: What was reached, what was not and why, passwords masked.
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
backends:
  description: Each database and message queue host tried, in the order of the options.
  returned: always
  type: list
  elements: dict
  contains:
    option:
      description: The option that names it.
      type: str
      sample: '[DEFAULT] transport_url'
    url:
      description: Its URL, the password masked.
      type: str
      sample: 'rabbit://nova:***@10.0.0.5:5672/'
    reached:
      description: Whether it answered.
      type: bool
    reason:
      description: Why it was not reached (the driver's message, passwords masked), or null.
      type: str
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_backends')()


if __name__ == '__main__':
    main()
