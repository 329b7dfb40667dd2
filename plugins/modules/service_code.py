#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_code
short_description: Switch an OpenStack service to another venv, restart it and wait until it is ready, in one run (the venv driver)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - The whole code change of one service on its host in one module run - what
    M(osops.lifecycle.service_venv), M(osops.lifecycle.service_restart) and
    M(osops.lifecycle.service_wait) do one after the other, with the same
    rules; the upgrade role runs it for a host's switch, restart and
    wait_ready steps of one unit in a batch (one SSH round trip instead of three).
  - O(actions) says which of them to run, in that order; a restart without
    a switch restarts the service unless it already runs the venv its files
    name (O(force) restarts it anyway).
  - Every action is idempotent - a service already switched, restarted and
    ready changes nothing.
  - On failure the result names the action that failed (RV(failed_action)) and
    holds the results of the actions done before it.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.venv_service
options:
  actions:
    description: The actions to run, in this order.
    type: list
    elements: str
    choices: [switch, restart, wait_ready]
    default: [switch, restart, wait_ready]
  venv:
    description:
      - The venv to switch to (O(actions) with V(switch)) or to restart and
        wait for; without V(switch), defaults to the one the service's files name.
    type: path
  version:
    description:
      - The version to switch to, in place of O(venv) - the venv of the
        service's current one with this version.
    type: str
  force:
    description: Restart even when the service already runs the venv.
    type: bool
    default: false
  url:
    description: An URL the service answers once it serves (V(wait_ready)), for example its version document.
    type: str
  timeout:
    description: Seconds V(wait_ready) waits in all.
    type: float
    default: 120
  request_timeout:
    description: Seconds each request to O(url) may take.
    type: float
    default: 5
attributes:
  check_mode:
    support: full
    details: Says what the switch would write and whether the service would be restarted; does not wait.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
  action_group:
    description: Use C(group/osops.lifecycle.venv_service) in C(module_defaults) to set its defaults.
    support: full
    membership:
      - osops.lifecycle.venv_service
seealso:
  - module: osops.lifecycle.service_venv
  - module: osops.lifecycle.service_restart
  - module: osops.lifecycle.service_wait
'''

EXAMPLES = r'''
- name: Take keystone to its 2026.1 venv, restart it and wait until it answers
  osops.lifecycle.service_code:
    name: keystone
    version: 29.1.0
    url: "http://{{ ansible_host }}:5000/v3"
    timeout: 180

- name: Restart nova-conductor (unless it runs its venv already) and wait until it runs
  osops.lifecycle.service_code:
    name: nova-conductor
    actions: [restart, wait_ready]
'''

RETURN = r'''
venv:
  description: The venv the service runs (in check mode, would run).
  returned: success
  type: str
  sample: /openstack/venvs/keystone-29.1.0
previous_venv:
  description: The venv its files named before (null without V(switch)).
  returned: success
  type: str
  sample: /openstack/venvs/keystone-27.1.0
previous_version:
  description: The version of RV(previous_venv) (null without V(switch)).
  returned: success
  type: str
  sample: 27.1.0
version:
  description: The version of RV(venv).
  returned: success
  type: str
  sample: 29.1.0
restarted:
  description: Whether the service was (in check mode, would be) restarted.
  returned: success
  type: bool
  sample: true
pid:
  description: The service's main pid at the end (null in check mode before a restart).
  returned: success
  type: int
  sample: 4343
http_status:
  description: The status of the last GET of O(url) (null without O(url) or V(wait_ready)).
  returned: success
  type: int
  sample: 300
actions:
  description:
    - Each action run, by name, with its own result - C(switch) as
      M(osops.lifecycle.service_venv) returns it, C(restart) as
      M(osops.lifecycle.service_restart), C(wait_ready) as M(osops.lifecycle.service_wait)
      (not in check mode) - and its C(duration) in seconds.
  returned: always
  type: dict
  sample: {switch: {changed: true, files: [/etc/supervisor/conf.d/keystone.conf], duration: 0.2},
           restart: {changed: true, reason: "pid 4242 runs /openstack/venvs/keystone-27.1.0", pid: 4343, duration: 1.1},
           wait_ready: {elapsed: 3.2, pid: 4343, http_status: 300, duration: 3.2}}
failed_action:
  description: The action that failed.
  returned: failure
  type: str
  sample: wait_ready
duration:
  description: Seconds the actions took together.
  returned: always
  type: float
  sample: 4.5
'''

import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_host import venv_version
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import (
    VenvServiceModule,
    restart,
    switch,
    wait_ready,
)

ACTIONS = ('switch', 'restart', 'wait_ready')


class ServiceCodeModule(VenvServiceModule):
    argument_spec = dict(
        VenvServiceModule.argument_spec,
        actions=dict(type='list', elements='str', choices=list(ACTIONS), default=list(ACTIONS)),
        venv=dict(type='path'),
        version=dict(type='str'),
        force=dict(type='bool', default=False),
        url=dict(type='str'),
        timeout=dict(type='float', default=120),
        request_timeout=dict(type='float', default=5),
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[('venv', 'version')])

    def run(self):
        asked = [action for action in ACTIONS if action in self.params['actions']]
        if self.params['version'] and 'switch' not in asked:
            raise OsopsError('Option version: it names the venv to switch to, but actions %s has no switch. Give '
                             'venv (or nothing: the venv the files name) to restart or wait without a switch.'
                             % asked)
        if 'switch' in asked and not (self.params['venv'] or self.params['version']):
            raise OsopsError('Option venv or version: the switch needs the venv to switch to (got neither).')
        service = self.service()
        done, venv, start = {}, self.params['venv'], time.monotonic()
        result = dict(previous_venv=None, previous_version=None, restarted=False, pid=None, http_status=None, diff=[])
        for action in asked:
            began = time.monotonic()
            try:
                if action == 'switch':
                    found = switch(service, self.write, self.params['venv'], self.params['version'], self.check_mode)
                    venv = found['venv']
                    result.update(previous_venv=found['previous_venv'], previous_version=found['previous_version'],
                                  diff=found.pop('diff'))
                elif action == 'restart':
                    found = restart(service, venv, self.params['force'], self.check_mode)
                    venv = found['venv']
                    result.update(restarted=found['restarted'], pid=found['pid'])
                elif self.check_mode:
                    continue  # nothing was restarted: nothing to wait for
                else:
                    venv = venv or service.layout()['venv']
                    found = wait_ready(service, venv, self.params['url'], self.params['timeout'],
                                       self.params['request_timeout'])
                    found = dict(venv=venv, elapsed=found['elapsed'], pid=found['pid'], venvs=found['venvs'],
                                 http_status=found['http_status'])
                    result.update(pid=found['pid'], http_status=found['http_status'])
            except OsopsError as exc:
                exc.result.update(failed_action=action, actions=done, duration=round(time.monotonic() - start, 3))
                raise
            found['duration'] = round(time.monotonic() - began, 3)
            done[action] = found
        venv = venv or service.layout()['venv']
        self.exit_json(changed=any(found.get('changed') for found in done.values()), venv=venv,
                       version=venv_version(venv), actions=done, duration=round(time.monotonic() - start, 3),
                       **result)


def main():
    ServiceCodeModule()()


if __name__ == '__main__':
    main()
