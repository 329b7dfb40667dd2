#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_venv_info
short_description: The venv and version an OpenStack service is configured to run and really runs on its host
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads the service's systemd unit or supervisord program and its uWSGI
    ini as M(osops.lifecycle.service_venv) does, and returns the venv they
    name, the service's version in it, and its process - state, pid, the
    venvs its processes run from, and whether it must be restarted to run
    the configured venv.
  - Only reads. Fails, with the reason, when the service does not exist or
    does not run from a venv.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.venv_service
attributes:
  check_mode:
    support: full
    details: Only reads; the same result in check mode.
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
  - module: osops.lifecycle.service_venv
  - module: osops.lifecycle.service_version_info
'''

EXAMPLES = r'''
- name: Which keystone does the controller run?
  osops.lifecycle.service_venv_info:
    name: keystone
  register: keystone

- name: Say it
  ansible.builtin.debug:
    msg: "keystone {{ keystone.version }} from {{ keystone.venv }}, restart required: {{ keystone.restart_required }}"
'''

RETURN = r'''
venv:
  description: The venv the service's files name.
  returned: success
  type: str
  sample: /openstack/venvs/keystone-27.1.0
version:
  description: The service's version in RV(venv) (its package metadata, else the venv's name), or null.
  returned: success
  type: str
  sample: 27.1.0
venv_source:
  description: Where RV(venv) was read - V(uwsgi_ini) (its C(virtualenv)/C(home)) or V(command).
  returned: success
  type: str
  sample: uwsgi_ini
manager:
  description: The process manager, V(systemd) or V(supervisord).
  returned: success
  type: str
  sample: supervisord
command:
  description: The command line the manager starts the service with.
  returned: success
  type: str
  sample: /openstack/venvs/keystone-27.1.0/bin/uwsgi --ini /etc/keystone/keystone-uwsgi.ini
uwsgi_ini:
  description: The uWSGI ini, or null.
  returned: success
  type: str
  sample: /etc/keystone/keystone-uwsgi.ini
files:
  description: The files that start the service (unit and drop-ins, or the supervisord file; then the ini).
  returned: success
  type: list
  elements: str
process:
  description: The running service.
  returned: success
  type: dict
  contains:
    state:
      description: The manager's state (supervisord's, or systemd's C(ActiveState/SubState)).
      type: str
      sample: RUNNING
    running:
      description: Whether it runs.
      type: bool
    pid:
      description: Its main pid, or null.
      type: int
    pids:
      description: The main pid and every process below it.
      type: list
      elements: int
    venvs:
      description: The venvs these processes run from (command lines and mapped files).
      type: list
      elements: str
      sample: [/openstack/venvs/keystone-27.1.0]
    runs_venv:
      description: Whether they run RV(venv).
      type: bool
restart_required:
  description: Whether a restart is needed to run RV(venv) (not running, or running another venv).
  returned: success
  type: bool
  sample: false
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_host import venv_version
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import VenvServiceModule


class ServiceVenvInfoModule(VenvServiceModule):
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        service = self.service()
        layout = service.layout()
        process = service.process(layout['venv'])
        restart_required = process.pop('restart_required')
        process.pop('pending_reload')
        self.exit_json(
            venv=layout['venv'], version=venv_version(layout['venv']), venv_source=layout['source'],
            manager=service.manager.kind, command=layout['command'],
            uwsgi_ini=layout['ini'][0] if layout['ini'] else None,
            files=[path for path, _text, _first, _end in layout['files']] + ([layout['ini'][0]] if layout['ini'] else []),
            process=process, restart_required=restart_required)


def main():
    ServiceVenvInfoModule()()


if __name__ == '__main__':
    main()
