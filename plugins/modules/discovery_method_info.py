#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: discovery_method_info
short_description: The discovery methods of osops.lifecycle.cluster_discover and their parameters
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(list-discovery-methods) - every method
    M(osops.lifecycle.cluster_discover) accepts, with a description and its
    parameters (type, whether required, description, and the choices and
    default of those that have them).
  - Only reads; needs nothing but the collection.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  name:
    description:
      - Only this method.
    type: str
    choices: [openstack_api, openstack_ansible, kolla_ansible, ansible_inventory]
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
- name: List the discovery methods
  osops.lifecycle.discovery_method_info:
  register: methods

- name: Parameters of the kolla-ansible method
  osops.lifecycle.discovery_method_info:
    name: kolla_ansible
'''

RETURN = r'''
methods:
  description: The methods, by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The method, the value of O(osops.lifecycle.cluster_discover#module:method).
      type: str
      sample: kolla_ansible
    description:
      description: What the method reads.
      type: str
      sample: "kolla-ansible's multinode inventory (INI) ..."
    parameters:
      description: Its parameters, by name.
      type: list
      elements: dict
      contains:
        name:
          description: Key in O(osops.lifecycle.cluster_discover#module:params).
          type: str
          sample: inventory
        type:
          description: C(str), C(path), C(dict) or C(path_or_dict).
          type: str
          sample: path
        required:
          description: Whether the method needs it.
          type: bool
          sample: true
        description:
          description: What it is.
          type: str
          sample: Path of the multinode inventory file.
        choices:
          description: The values it accepts, when it accepts only some.
          returned: when the parameter has choices
          type: list
          elements: str
          sample: [auto, always, never]
        default:
          description: The value used when it is not given.
          returned: when the parameter has a default
          type: str
          sample: auto
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.methods import METHODS, method_list
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule


class DiscoveryMethodInfoModule(OsopsModule):
    argument_spec = dict(
        name=dict(type='str', choices=sorted(METHODS)),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        self.exit_json(methods=[m for m in method_list() if self.params['name'] in (None, m['name'])])


def main():
    DiscoveryMethodInfoModule()()


if __name__ == '__main__':
    main()
