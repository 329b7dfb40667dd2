#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_wait
short_description: Wait until an OpenStack service runs its venv and, for an API, answers (the venv driver)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Polls, until O(timeout) runs out, until the process manager reports the
    service running, its main process up for a second at least, its processes run
    the venv its files name (or O(venv)), and - when O(url) is given - a GET
    of O(url) (an API's version document, for example
    C(http://127.0.0.2:5000/v3)) gets an HTTP answer below 500.
  - The request goes to O(url) directly (no proxy), each with O(request_timeout).
  - Fails when the time runs out, saying what was still missing - not
    running, running another venv, or the URL's last answer or error.
  - Only reads; never restarts anything.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.venv_service
options:
  venv:
    description: The venv the processes must run. Defaults to the one the service's files name.
    type: path
  url:
    description: An URL the service answers once it serves, for example its version document.
    type: str
  timeout:
    description: Seconds to wait in all.
    type: float
    default: 120
  request_timeout:
    description: Seconds each request to O(url) may take.
    type: float
    default: 5
attributes:
  check_mode:
    support: full
    details: Only reads; waits in check mode as well.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
  action_group:
    description: Use C(group/osops.lifecycle.venv_service) in C(module_defaults) to set its defaults.
    support: full
    membership:
      - osops.lifecycle.venv_service
seealso:
  - module: osops.lifecycle.service_restart
'''

EXAMPLES = r'''
- name: Wait until keystone answers from its new venv
  osops.lifecycle.service_wait:
    name: keystone
    url: "http://{{ ansible_host }}:5000/v3"
    timeout: 180

- name: Wait until nova-compute runs its new venv
  osops.lifecycle.service_wait:
    name: nova-compute
'''

RETURN = r'''
venv:
  description: The venv waited for.
  returned: success
  type: str
  sample: /openstack/venvs/keystone-29.1.0
elapsed:
  description: Seconds waited.
  returned: success
  type: float
  sample: 3.2
pid:
  description: The service's main pid.
  returned: success
  type: int
  sample: 4343
venvs:
  description: The venvs its processes run from.
  returned: success
  type: list
  elements: str
  sample: [/openstack/venvs/keystone-29.1.0]
http_status:
  description: The status of the last GET of O(url), or null without O(url).
  returned: success
  type: int
  sample: 200
document:
  description: The JSON document O(url) answered, or null.
  returned: success
  type: dict
  sample: {version: {id: v3.14, status: stable}}
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import (
    VenvServiceModule,
    wait_ready,
)


class ServiceWaitModule(VenvServiceModule):
    argument_spec = dict(
        VenvServiceModule.argument_spec,
        venv=dict(type='path'),
        url=dict(type='str'),
        timeout=dict(type='float', default=120),
        request_timeout=dict(type='float', default=5),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        service = self.service()
        venv = self.params['venv'] or service.layout()['venv']
        state = wait_ready(service, venv, self.params['url'], self.params['timeout'],
                           self.params['request_timeout'])
        self.exit_json(venv=venv, elapsed=state['elapsed'], pid=state['pid'], venvs=state['venvs'],
                       http_status=state['http_status'], document=state['document'])


def main():
    ServiceWaitModule()()


if __name__ == '__main__':
    main()
