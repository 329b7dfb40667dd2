#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_config_option
short_description: Set or require one option of an OpenStack service's configuration file
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Sets one option of an oslo.config file in place, on the service's host -
    the upgrade's RPC pin, C([upgrade_levels] compute = auto) in
    C(/etc/nova/nova.conf), for example. Only the option's line changes (or
    one line, or the section, is added); comments and every other line stay.
  - With O(mode=require) it changes nothing and fails when the option does
    not have O(value) - for a deployment whose configuration is owned by
    another tool (openstack-ansible's C(nova_upgrade_levels_compute), kolla's
    overrides), where the operator sets it there.
  - The running service reads the file when it starts; restart it for the
    value to apply (the upgrade restarts every nova service it switches).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  path:
    description: The configuration file.
    type: path
    required: true
  section:
    description: The section, for example V(upgrade_levels).
    type: str
    required: true
  option:
    description: The option, for example V(compute).
    type: str
    required: true
  value:
    description: The value, for example V(auto).
    type: str
    required: true
  mode:
    description:
      - V(set) - write the value when the file has another one (or none).
      - V(require) - only check that the file has the value.
    type: str
    choices: [set, require]
    default: set
attributes:
  check_mode:
    support: full
    details: Reports the change it would make and writes nothing.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.check_rpc_pin
'''

EXAMPLES = r'''
- name: Pin nova's compute RPC API to the oldest compute during the upgrade
  osops.lifecycle.service_config_option:
    path: /etc/nova/nova.conf
    section: upgrade_levels
    option: compute
    value: auto

- name: Require it where openstack-ansible owns nova.conf
  osops.lifecycle.service_config_option:
    path: /etc/nova/nova.conf
    section: upgrade_levels
    option: compute
    value: auto
    mode: require
'''

RETURN = r'''
previous:
  description: The option's value before (null when the file did not set it).
  returned: success
  type: str
  sample: '6.0'
value:
  description: The option's value after (in check mode, as it would be).
  returned: success
  type: str
  sample: auto
'''

import os

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.ini import get_option, set_option


class ServiceConfigOptionModule(OsopsModule):
    argument_spec = dict(
        path=dict(type='path', required=True),
        section=dict(type='str', required=True),
        option=dict(type='str', required=True),
        value=dict(type='str', required=True),
        mode=dict(type='str', default='set', choices=['set', 'require']),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        path, section, option, value = (self.params[key] for key in ('path', 'section', 'option', 'value'))
        where = '[%s] %s in %s' % (section, option, path)
        if not os.path.isfile(path):
            self.fail_json('%s: the file does not exist. Give the path of the service\'s configuration file '
                           '(option path).' % where)
        with open(path) as handle:
            text = handle.read()
        previous = get_option(text, section, option)
        if previous == value:
            self.exit_json(changed=False, previous=previous, value=value, msg='%s is %s' % (where, value))
        if self.params['mode'] == 'require':
            self.fail_json('%s is %s, not %s as required. Set it with the tool that owns the file '
                           '(openstack-ansible: nova_nova_conf_overrides; kolla-ansible: a config override), '
                           'or let the upgrade set it (rpc_pin: set).'
                           % (where, 'not set' if previous is None else repr(previous), value),
                           previous=previous, value=previous)
        new = set_option(text, section, option, value)
        if not self.check_mode:
            temp = '%s.osops-tmp' % path
            with open(temp, 'w') as handle:
                handle.write(new)
            stat = os.stat(path)
            os.chmod(temp, stat.st_mode)
            try:
                os.chown(temp, stat.st_uid, stat.st_gid)
            except PermissionError:
                pass
            os.replace(temp, path)
        self.exit_json(changed=True, previous=previous, value=value,
                       msg='%s %s %s (was %s)' % (where, 'would be' if self.check_mode else 'set to', value,
                                                  'not set' if previous is None else previous),
                       diff=dict(before=text, after=new, before_header=path, after_header=path))


def main():
    ServiceConfigOptionModule()()


if __name__ == '__main__':
    main()
