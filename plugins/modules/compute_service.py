#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: compute_service
short_description: Enable, disable (with a reason) or force down the nova-compute service of hosts
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Sets the C(nova-compute) service of one host or many as asked - enabled
    or disabled with a reason, forced down or not - through nova's
    C(PUT /os-services/{id}) (compute API microversion 2.53 or later, nova
    16.0.0 Pike; an older API is refused with a clear message).
  - Idempotent - a host already as asked is not written, and the task
    reports changed only when a service changed.
  - Every host is checked before any is changed - a host that is unknown to
    nova or runs no C(nova-compute) fails the task with a message naming it
    and the hosts that run C(nova-compute), and nothing is changed.
  - A disabled host receives no new instances from the scheduler; its
    instances keep running (M(osops.lifecycle.compute_host_drain) moves them).
    Force a host down only when it is fenced (powered off or isolated) - nova
    then lets its instances be evacuated.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  hosts:
    description:
      - The hosts whose C(nova-compute) service to set, as nova names them
        (C(host) of C(openstack compute service list)).
    type: list
    elements: str
    required: true
    aliases: [host]
  state:
    description:
      - C(enabled) or C(disabled). Omit it to change only O(forced_down).
      - Enabling clears the disabled reason (nova does).
    type: str
    choices: [enabled, disabled]
  disabled_reason:
    description:
      - Why the hosts are disabled, shown by nova (C(disabled_reason)). Only with
        O(state=disabled). A disabled host with another reason gets this one;
        when omitted, a disabled host keeps its reason.
    type: str
  forced_down:
    description:
      - V(true) forces the service down (nova then reports it C(down) and allows
        evacuating its instances); V(false) lifts it. Omit it to leave it as it is.
    type: bool
attributes:
  check_mode:
    support: full
    details: Returns the services as they would be (C(state) is the one read now, or C(down) when forced down).
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
seealso:
  - module: osops.lifecycle.compute_host_drain
'''

EXAMPLES = r'''
- name: Take compute1 and compute2 out of scheduling
  osops.lifecycle.compute_service:
    cloud: mycloud
    hosts: [compute1, compute2]
    state: disabled
    disabled_reason: kernel update CHG-1234
  delegate_to: localhost
  run_once: true

- name: Fenced host - force it down so its instances can be evacuated
  osops.lifecycle.compute_service:
    cloud: mycloud
    hosts: compute3
    forced_down: true
  delegate_to: localhost
  run_once: true

- name: Back in service
  osops.lifecycle.compute_service:
    cloud: mycloud
    hosts: [compute1, compute2, compute3]
    state: enabled
    forced_down: false
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
services:
  description: The C(nova-compute) service of each host, in the order of O(hosts), as nova answered the update (as predicted in check mode).
  returned: success
  type: list
  elements: dict
  contains:
    host:
      description: The host.
      type: str
      sample: compute1
    binary:
      description: Always C(nova-compute).
      type: str
      sample: nova-compute
    id:
      description: The service's id (a UUID).
      type: str
      sample: 7b5cd4d1-3a1f-4f1e-9a34-0d1b1c0a8e21
    status:
      description: C(enabled) or C(disabled).
      type: str
      sample: disabled
    state:
      description: C(up) or C(down), as nova tells from the service's heartbeat (C(down) when forced down).
      type: str
      sample: up
    forced_down:
      description: Whether the service is forced down.
      type: bool
      sample: false
    disabled_reason:
      description: Why it is disabled (null when enabled or when no reason was given).
      type: str
      sample: kernel update CHG-1234
    changed:
      description: Whether this host's service was (or, in check mode, would be) changed.
      type: bool
      sample: true
diff:
  description: Per host, C(status), C(disabled_reason) and C(forced_down) before and after.
  returned: success
  type: dict
  sample:
    before: {compute1: {status: enabled, disabled_reason: null, forced_down: false}}
    after: {compute1: {status: disabled, disabled_reason: kernel update CHG-1234, forced_down: false}}
invalid_hosts:
  description: On failure, the hosts that are unknown to nova or run no C(nova-compute).
  returned: when a host is not a nova-compute host
  type: list
  elements: str
  sample: [controller]
computes:
  description: On failure, the hosts that run C(nova-compute).
  returned: when a host is not a nova-compute host
  type: list
  elements: str
  sample: [compute1, compute2]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import OpenStackModule
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.compute import ensure_services


class ComputeServiceModule(OpenStackModule):
    argument_spec = dict(
        hosts=dict(type='list', elements='str', required=True, aliases=['host']),
        state=dict(type='str', choices=['enabled', 'disabled']),
        disabled_reason=dict(type='str'),
        forced_down=dict(type='bool'),
    )
    module_kwargs = dict(
        supports_check_mode=True,
        required_one_of=[('state', 'forced_down')],
    )

    def validate(self):
        super().validate()
        if self.params['disabled_reason'] is not None and self.params['state'] != 'disabled':
            raise OptionError('disabled_reason', self.params['disabled_reason'], 'no value unless state is disabled',
                              'nova clears the reason of a service it enables.')
        if not self.params['hosts']:
            raise OptionError('hosts', [], 'at least one host')

    def run(self):
        hosts = list(dict.fromkeys(self.params['hosts']))
        services, diff = ensure_services(self.conn, hosts, self.params['state'], self.params['disabled_reason'],
                                         self.params['forced_down'], check_mode=self.check_mode)
        changed = [s['host'] for s in services if s['changed']]
        msg = ('nova-compute %s on %s' % ('would change' if self.check_mode else 'changed', ', '.join(changed))
               if changed else 'nova-compute already as asked on %s' % ', '.join(hosts))
        self.exit_json(changed=bool(changed), services=services, diff=diff, msg=msg)


def main():
    ComputeServiceModule()()


if __name__ == '__main__':
    main()
