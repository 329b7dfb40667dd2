#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_venv
short_description: Switch an OpenStack service on its host from its venv to another (the venv driver)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Points a service's systemd unit (and drop-ins) or supervisord program,
    and its uWSGI ini when it is an API under uWSGI, at another venv - for
    example from C(/openstack/venvs/nova-31.3.1) to
    C(/openstack/venvs/nova-33.0.2), the openstack-ansible layout - then
    has the process manager read them again (C(systemctl daemon-reload),
    C(supervisorctl reread)). It does not restart the service;
    M(osops.lifecycle.service_restart) does.
  - The current venv is the one the uWSGI ini sets (C(virtualenv)/C(home)),
    else the one holding the program the command starts. Every whole-path
    occurrence of it is replaced - in the unit and its drop-ins, in the
    program's own section of the supervisord config (not in other
    programs'), and in the ini - so C(ExecStart), C(Environment=PATH=...),
    C(wsgi-file) and C(env) paths move together.
  - Refused before anything is written, with the reason - the target venv
    does not exist on the host (the message names the host, the path and
    how to build it); the switched lines would name a file the target venv
    lacks (a release that changed its layout); the service does not run
    from a venv; the unit or program does not exist.
  - Switching to the venv the service already uses changes nothing. The
    file the current venv is read from is written last, so an interrupted
    switch is redone whole by the next run.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.venv_service
options:
  venv:
    description: The venv to switch to.
    type: path
  version:
    description:
      - Switch to the venv beside the current one whose name has this
        version instead, for example V(33.0.2) with C(nova-31.3.1) gives
        C(nova-33.0.2). The current venv must be named C(<name>-<version>).
    type: str
attributes:
  check_mode:
    support: full
    details: Predicts the switch (RV(changes), diff) without writing or reloading.
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
  - module: osops.lifecycle.service_venv_info
  - module: osops.lifecycle.service_restart
  - module: osops.lifecycle.service_wait
'''

EXAMPLES = r'''
- name: Switch keystone to the 2026.1 venv (openstack-ansible, systemd)
  osops.lifecycle.service_venv:
    name: keystone-wsgi-public
    venv: /openstack/venvs/keystone-29.1.0
  become: true
  register: switched

- name: Switch a compute in the lab (supervisord), by version
  osops.lifecycle.service_venv:
    name: nova-compute
    version: 33.0.2

- name: Restart it from the new venv
  osops.lifecycle.service_restart:
    name: nova-compute
'''

RETURN = r'''
venv:
  description: The venv the service's files name now (in check mode, would name).
  returned: success
  type: str
  sample: /openstack/venvs/nova-33.0.2
previous_venv:
  description: The venv they named before.
  returned: success
  type: str
  sample: /openstack/venvs/nova-31.3.1
version:
  description: The version of the service installed in RV(venv) (its package metadata, else the venv's name).
  returned: success
  type: str
  sample: 33.0.2
previous_version:
  description: The version in RV(previous_venv), or null when that venv is gone.
  returned: success
  type: str
  sample: 31.3.1
manager:
  description: The process manager, V(systemd) or V(supervisord).
  returned: success
  type: str
  sample: supervisord
files:
  description: The files written (in check mode, that would be), in the order they are written.
  returned: success
  type: list
  elements: str
  sample: [/etc/keystone/keystone-uwsgi.ini]
changes:
  description: Every changed line.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    line:
      description: Its line number (1-based).
      type: int
    before:
      description: The line before.
      type: str
    after:
      description: The line after.
      type: str
  sample:
    - path: /etc/supervisor/supervisord.conf
      line: 83
      before: command = /openstack/venvs/nova-31.3.1/bin/nova-compute --config-file /etc/nova/nova.conf
      after: command = /openstack/venvs/nova-33.0.2/bin/nova-compute --config-file /etc/nova/nova.conf
restart_required:
  description:
    - Whether the running service must be restarted to run RV(venv) - it
      is not running, or its processes run another venv. Read after the
      switch (in check mode, before it; true when the switch would change
      anything).
  returned: success
  type: bool
  sample: true
duration:
  description: Seconds the module spent.
  returned: success
  type: float
  sample: 0.21
'''

import time

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import VenvServiceModule, switch


class ServiceVenvModule(VenvServiceModule):
    argument_spec = dict(
        VenvServiceModule.argument_spec,
        venv=dict(type='path'),
        version=dict(type='str'),
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[('venv', 'version')],
                         required_one_of=[('venv', 'version')])

    def run(self):
        start = time.monotonic()
        result = switch(self.service(), self.write, self.params['venv'], self.params['version'], self.check_mode)
        self.exit_json(duration=round(time.monotonic() - start, 3), **result)


def main():
    ServiceVenvModule()()


if __name__ == '__main__':
    main()
