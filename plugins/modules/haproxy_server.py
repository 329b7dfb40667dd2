#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: haproxy_server
short_description: Drain a server of an HAProxy backend, or put it back, through HAProxy's admin socket
version_added: 0.2.0
author: osops.lifecycle contributors (@osops)
description:
  - Sets the administrative state of one server of one HAProxy backend
    through HAProxy's runtime API on the HAProxy host (its C(stats socket)
    of C(level admin)) - V(drain) before the service behind it restarts,
    V(ready) once it answers again - and waits until HAProxy settled it.
  - V(drain) - HAProxy sends the server no new sessions (except those a
    C(cookie) or C(stick on) rule persists to it); V(maint) - nothing at all,
    and stops its health checks; V(ready) - back to normal.
  - With O(wait), waits until the server has no current session (V(drain),
    V(maint); queued ones included) or HAProxy's health check sees it C(UP)
    (V(ready); at once for a server without a health check), failing after
    O(timeout) with what it saw. The state set stays.
  - A server already in O(state) is not changed (C(changed) false), but is
    still waited for.
  - The upgrade role runs it on every HAProxy host around an API's restart
    (openstack-ansible's backends, C(osops_upgrade_haproxy_hosts)).
  - Standard library only; one command a connection (C(show servers state),
    C(show stat), C(set server)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  socket:
    description: HAProxy's admin socket (its C(stats socket), C(level admin)); openstack-ansible's is the default.
    type: path
    default: /var/run/haproxy.stat
  backend:
    description:
      - The backend, for example V(keystone_service-back) (openstack-ansible
        names its backends C(<haproxy_service_name>-back)).
    type: str
    required: true
  server:
    description: The server in O(backend); openstack-ansible names them by inventory hostname.
    type: str
    required: true
  state:
    description: The administrative state to put the server in.
    type: str
    required: true
    choices: [ready, drain, maint]
  wait:
    description: Wait until the server has no session left (V(drain), V(maint)) or is C(UP) (V(ready)).
    type: bool
    default: true
  timeout:
    description: Seconds O(wait) may wait.
    type: float
    default: 60
attributes:
  check_mode:
    support: full
    details: Reads the server and predicts the change; sends no C(set) command, and waits only when nothing would change.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.service_restart
  - module: osops.lifecycle.service_wait
  - name: HAProxy management guide, the runtime API
    description: The commands this module sends.
    link: https://docs.haproxy.org/2.6/management.html#9.3
'''

EXAMPLES = r'''
- name: Drain this host's keystone server on every HAProxy host
  osops.lifecycle.haproxy_server:
    backend: keystone_service-back
    server: "{{ inventory_hostname }}"
    state: drain
    timeout: 120
  delegate_to: "{{ item }}"
  loop: "{{ groups['haproxy_all'] }}"

- name: Put it back once keystone answers, and wait until HAProxy sees it UP
  osops.lifecycle.haproxy_server:
    backend: keystone_service-back
    server: "{{ inventory_hostname }}"
    state: ready
  delegate_to: "{{ item }}"
  loop: "{{ groups['haproxy_all'] }}"
'''

RETURN = r'''
previous_state:
  description: The server's administrative state before, V(ready), V(drain) or V(maint).
  returned: success
  type: str
  sample: ready
state:
  description: Its administrative state after (in check mode, as it would be).
  returned: success
  type: str
  sample: drain
status:
  description:
    - HAProxy's status of the server at the end (C(show stat)) - V(UP), V(DOWN),
      V(DRAIN), V(MAINT), V(no check), or a transition such as V(DOWN 1/2).
  returned: success
  type: str
  sample: DRAIN
sessions:
  description: Its current sessions at the end, those queued for it included.
  returned: success
  type: int
  sample: 0
check:
  description: Its last health check (status and description), or null without one.
  returned: success
  type: str
  sample: L7OK Layer7 check passed
waited:
  description: Whether it waited (not in check mode when the state would change, nor without O(wait)).
  returned: success
  type: bool
  sample: true
elapsed:
  description: Seconds the module spent, its wait included.
  returned: success
  type: float
  sample: 1.5
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.haproxy import STATES, RuntimeApi, ensure


class HaproxyServerModule(OsopsModule):
    argument_spec = dict(
        socket=dict(type='path', default='/var/run/haproxy.stat'),
        backend=dict(type='str', required=True),
        server=dict(type='str', required=True),
        state=dict(type='str', required=True, choices=list(STATES)),
        wait=dict(type='bool', default=True),
        timeout=dict(type='float', default=60),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        params = self.params
        result = ensure(RuntimeApi(params['socket']), params['backend'], params['server'], params['state'],
                        params['wait'], params['timeout'], self.check_mode)
        where = '%s/%s' % (params['backend'], params['server'])
        if result['changed']:
            msg = '%s %s %s (was %s)' % (where, 'would be' if self.check_mode else 'is', params['state'],
                                         result['previous_state'])
        else:
            msg = '%s already %s' % (where, params['state'])
        self.exit_json(msg=msg, diff={'before': {'state': result['previous_state']}, 'after': {'state': result['state']}},
                       **result)


def main():
    HaproxyServerModule()()


if __name__ == '__main__':
    main()
