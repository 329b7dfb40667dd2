#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_command
short_description: Run a command of an OpenStack service from a venv, such as its database sync (the venv driver)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Runs one command from a venv on the service's host - the upgrade's
    database steps, for example C(keystone-manage db_sync --expand) or
    C(nova-manage api_db sync) from the TARGET release's venv - as an
    argument list (no shell), with C(PYTHONWARNINGS=ignore).
  - The command line comes from the caller (the upgrade plan knows each
    release's commands); O(config_files) are put right after the program,
    where oslo.config's command line tools take them.
  - Fails when the command exits non-zero, naming the command, the host and
    the exit code, with the end of its error output; also when the venv or
    the program is missing, before running anything.
  - Always reports a change when it ran; the database tools do not say
    whether they changed anything (a second C(db_sync) does nothing).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  venv:
    description: The venv to run from, for example C(/openstack/venvs/keystone-29.1.0).
    type: path
    required: true
  argv:
    description:
      - The command - a program of C(<venv>/bin) (or an absolute path) and its arguments.
    type: list
    elements: str
    required: true
  config_files:
    description: C(--config-file) arguments put right after the program, in order.
    type: list
    elements: path
    default: []
  environment:
    description: Extra environment variables.
    type: dict
    default: {}
  repeat_while_rc:
    description:
      - Run the command again while it exits with this code - nova's
        C(nova-manage db online_data_migrations) exits 1 while migrations
        remain to be done (it migrates in batches), 0 once none remain.
        Any other non-zero code fails the task.
    type: int
  max_runs:
    description:
      - With O(repeat_while_rc), how many times at most to run the command;
        it fails when the command still exits O(repeat_while_rc) then.
    type: int
    default: 50
attributes:
  check_mode:
    support: full
    details: Does not run the command; reports the command it would run, as changed.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.service_venv
'''

EXAMPLES = r'''
- name: Expand keystone's schema with the target release
  osops.lifecycle.service_command:
    venv: /openstack/venvs/keystone-29.1.0
    argv: [keystone-manage, db_sync, --expand]
    config_files: [/etc/keystone/keystone.conf]

- name: Nova's API database, from the target venv
  osops.lifecycle.service_command:
    venv: /openstack/venvs/nova-33.0.2
    argv: [nova-manage, --config-file, /etc/nova/nova.conf, api_db, sync]

- name: Nova's online data migrations, until none remain
  osops.lifecycle.service_command:
    venv: /openstack/venvs/nova-33.0.2
    argv: [nova-manage, db, online_data_migrations]
    config_files: [/etc/nova/nova.conf]
    repeat_while_rc: 1
'''

RETURN = r'''
cmd:
  description: The command run (in check mode, that would run).
  returned: always
  type: list
  elements: str
  sample: [/openstack/venvs/keystone-29.1.0/bin/keystone-manage, --config-file, /etc/keystone/keystone.conf, db_sync, --expand]
runs:
  description: How many times it ran (more than 1 only with O(repeat_while_rc)).
  returned: when it ran
  type: int
  sample: 1
rc:
  description:
    - Its last exit code. Left out in check mode (Ansible reads any C(rc) but 0
      as a failed task); null when the module failed before running it.
  returned: when it ran, or failed before
  type: int
  sample: 0
stdout:
  description: Its standard output (of its last run).
  returned: always
  type: str
stderr:
  description: Its error output (of its last run).
  returned: always
  type: str
duration:
  description: Seconds it ran (all runs).
  returned: always
  type: float
  sample: 4.1
'''

import shlex
import time

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_host import host_name, venv_command
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import BUILD_HINT


class ServiceCommandModule(OsopsModule):
    argument_spec = dict(
        venv=dict(type='path', required=True),
        argv=dict(type='list', elements='str', required=True),
        config_files=dict(type='list', elements='path', default=[]),
        environment=dict(type='dict', default={}),
        repeat_while_rc=dict(type='int'),
        max_runs=dict(type='int', default=50),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        if not self.params['argv']:
            self.fail_json('Option argv: the command is empty.', cmd=[], rc=None, stdout='', stderr='', duration=0.0)
        cmd, problem = venv_command(self.params['venv'], self.params['argv'], self.params['config_files'])
        result = dict(cmd=cmd, rc=None, stdout='', stderr='', duration=0.0)
        if problem:
            self.fail_json('Cannot run %s: %s. %s' % (shlex.join(cmd), problem, BUILD_HINT), **result)
        if self.check_mode:
            del result['rc']
            self.exit_json(changed=True, msg='would run %s' % shlex.join(cmd), **result)
        start = time.monotonic()
        environ = dict(dict((key, str(value)) for key, value in self.params['environment'].items()),
                       PYTHONWARNINGS='ignore')
        repeat, runs = self.params['repeat_while_rc'], 0
        while True:
            rc, out, err = self.ansible.run_command(cmd, environ_update=environ)
            runs += 1
            if repeat is None or rc != repeat or runs >= self.params['max_runs']:
                break
        result.update(rc=rc, stdout=out, stderr=err, runs=runs, duration=round(time.monotonic() - start, 3))
        if rc != 0:
            tail = '\n'.join((err or out).strip().splitlines()[-10:])
            again = (' after %d runs (it still exits %d: raise max_runs, or look at what it reports)' % (runs, rc)
                     if repeat is not None and rc == repeat else '')
            self.fail_json('%s failed on %s (rc %s)%s: %s' % (shlex.join(cmd), host_name(), rc, again, tail), **result)
        self.exit_json(changed=True, **result)


def main():
    ServiceCommandModule()()


if __name__ == '__main__':
    main()
