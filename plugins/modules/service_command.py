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
  - With O(commands), runs several such commands one after the other in one
    module run (one connection to the host; the upgrade runs a host's
    consecutive database steps so), each from its own venv; every venv and
    program is looked for before the first runs, and the first that fails
    stops the rest.
  - Commands given a O(commands[].lane) run in lanes (one lane per
    service, for example). A lane's commands run one after the other, in
    their order; the lanes run at once, as many at a time as the host has
    CPUs (at most 8; the others wait for one to end, in their order). A command
    that fails stops its own lane; the other lanes run to their end. The
    upgrade so runs the schema steps of the services of one host side by
    side (each service has its own database), as it does for services on
    different hosts.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  venv:
    description:
      - The venv to run from, for example C(/openstack/venvs/keystone-29.1.0).
      - Required with O(argv).
    type: path
  argv:
    description:
      - The command - a program of C(<venv>/bin) (or an absolute path) and its arguments.
      - One of O(argv) and O(commands) is required.
    type: list
    elements: str
  config_files:
    description: C(--config-file) arguments put right after the program, in order.
    type: list
    elements: path
    default: []
  commands:
    description:
      - Several commands, run in order, each as O(venv), O(argv),
        O(config_files) and O(repeat_while_rc) describe one. Not with O(argv).
    type: list
    elements: dict
    suboptions:
      venv:
        description: The venv to run it from.
        type: path
        required: true
      argv:
        description: The command.
        type: list
        elements: str
        required: true
      config_files:
        description: C(--config-file) arguments put right after the program.
        type: list
        elements: path
        default: []
      repeat_while_rc:
        description: Run it again while it exits with this code.
        type: int
      lane:
        description:
          - The lane it runs in. Commands of one lane run in order; the lanes
            run at once. Commands without a lane make one lane of their own.
        type: str
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

- name: keystone's expand and migrate, then placement's sync, in one run
  osops.lifecycle.service_command:
    commands:
      - venv: /openstack/venvs/keystone-29.1.0
        argv: [keystone-manage, db_sync, --expand]
        config_files: [/etc/keystone/keystone.conf]
      - venv: /openstack/venvs/keystone-29.1.0
        argv: [keystone-manage, db_sync, --migrate]
        config_files: [/etc/keystone/keystone.conf]
      - venv: /openstack/venvs/placement-15.0.0
        argv: [placement-manage, db, sync]

- name: The same, keystone's two commands in order beside placement's
  osops.lifecycle.service_command:
    commands:
      - venv: /openstack/venvs/keystone-29.1.0
        argv: [keystone-manage, db_sync, --expand]
        config_files: [/etc/keystone/keystone.conf]
        lane: keystone
      - venv: /openstack/venvs/keystone-29.1.0
        argv: [keystone-manage, db_sync, --migrate]
        config_files: [/etc/keystone/keystone.conf]
        lane: keystone
      - venv: /openstack/venvs/placement-15.0.0
        argv: [placement-manage, db, sync]
        lane: placement
'''

RETURN = r'''
cmd:
  description: The command run (in check mode, that would run); with O(commands), the last one run.
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
  description:
    - Seconds it ran (all runs; with O(commands), the sum over every command,
      even those that ran at once in lanes).
  returned: always
  type: float
  sample: 4.1
elapsed:
  description: With O(commands), the seconds from the first command's start to the last one's end.
  returned: with O(commands), when they ran
  type: float
  sample: 3.2
results:
  description:
    - With O(commands), one entry per command run, in the order of O(commands) - C(index) (from 0),
      C(cmd), C(rc), C(runs), C(stdout), C(stderr), C(duration). Without lanes, up to the one that
      failed; with lanes, every command that ran (a failure stops only its lane). In check mode,
      each command's C(index) and C(cmd).
  returned: with O(commands)
  type: list
  elements: dict
failed_index:
  description: With O(commands), the index (from 0) of the (first) command that failed, or could not run.
  returned: with O(commands), when one failed
  type: int
  sample: 1
failed_indexes:
  description: With O(commands), the indexes of every command that failed (more than one only with lanes).
  returned: with O(commands), when one failed
  type: list
  elements: int
  sample: [1]
'''

import os
import shlex
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_host import host_name, venv_command
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import BUILD_HINT

# At most this many lanes at once (one per service of the host: five or six in practice), and no more
# than the host's CPUs: the schema tools mostly compute, and more of them than CPUs only share them.
MAX_LANES = 8


def host_cpus():
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class ServiceCommandModule(OsopsModule):
    argument_spec = dict(
        venv=dict(type='path'),
        argv=dict(type='list', elements='str'),
        config_files=dict(type='list', elements='path', default=[]),
        commands=dict(type='list', elements='dict', options=dict(
            venv=dict(type='path', required=True),
            argv=dict(type='list', elements='str', required=True),
            config_files=dict(type='list', elements='path', default=[]),
            repeat_while_rc=dict(type='int'),
            lane=dict(type='str'),
        )),
        environment=dict(type='dict', default={}),
        repeat_while_rc=dict(type='int'),
        max_runs=dict(type='int', default=50),
    )
    module_kwargs = dict(supports_check_mode=True, required_one_of=[('argv', 'commands')],
                         mutually_exclusive=[('argv', 'commands'), ('venv', 'commands')],
                         required_by={'argv': ('venv',)})

    def run(self):
        several = self.params['commands'] is not None
        commands = self.params['commands'] if several else [dict(
            (key, self.params[key]) for key in ('venv', 'argv', 'config_files', 'repeat_while_rc'))]
        if not commands:
            self.fail_json('Option commands: no command given.', results=[], duration=0.0)
        # every command found before the first runs
        cmds = []
        for index, command in enumerate(commands):
            what = 'Option argv' if not several else 'Option commands[%d].argv' % index
            if not command['argv']:
                self.fail_json('%s: the command is empty.' % what, cmd=[], rc=None, stdout='', stderr='', duration=0.0,
                               **self._several(several, [], [index]))
            cmd, problem = venv_command(command['venv'], command['argv'], command['config_files'] or [])
            if problem:
                self.fail_json('Cannot run %s: %s. %s' % (shlex.join(cmd), problem, BUILD_HINT), cmd=cmd, rc=None,
                               stdout='', stderr='', duration=0.0, **self._several(several, [], [index]))
            cmds.append(cmd)
        if self.check_mode:
            self.exit_json(changed=True, msg='would run %s' % '; '.join(shlex.join(cmd) for cmd in cmds), cmd=cmds[-1],
                           stdout='', stderr='', duration=0.0,
                           **self._several(several, [{'index': i, 'cmd': c} for i, c in enumerate(cmds)]))
        environ = dict(dict((key, str(value)) for key, value in self.params['environment'].items()),
                       PYTHONWARNINGS='ignore')
        lanes = {}
        for index, command in enumerate(commands):
            lanes.setdefault(command.get('lane'), []).append(index)
        start = time.monotonic()
        if len(lanes) == 1:
            results = self._run_lane(commands, cmds, list(lanes.values())[0], environ)
        else:
            with ThreadPoolExecutor(max_workers=max(1, min(len(lanes), MAX_LANES, host_cpus()))) as pool:
                done = list(pool.map(lambda indexes: self._run_lane(commands, cmds, indexes, environ), lanes.values()))
            results = sorted((result for lane in done for result in lane), key=lambda result: result['index'])
        elapsed = round(time.monotonic() - start, 3)
        total = round(sum(r['duration'] for r in results), 3)
        failed = [r for r in results if r['rc'] != 0]
        if failed:
            msg = '; also failed: '.join(self._failure(commands[r['index']], r) for r in failed)
            first = dict((key, value) for key, value in failed[0].items() if key != 'index')
            self.fail_json(msg, **dict(first, duration=total, **self._several(
                several, results, [r['index'] for r in failed], elapsed)))
        last = dict((key, value) for key, value in results[-1].items() if key != 'index')
        self.exit_json(changed=True, **dict(last, duration=total, **self._several(several, results, elapsed=elapsed)))

    @staticmethod
    def _failure(command, result):
        tail = '\n'.join((result['stderr'] or result['stdout']).strip().splitlines()[-10:])
        repeat = command['repeat_while_rc']
        again = (' after %d runs (it still exits %d: raise max_runs, or look at what it reports)'
                 % (result['runs'], result['rc']) if repeat is not None and result['rc'] == repeat else '')
        return '%s failed on %s (rc %s)%s: %s' % (shlex.join(result['cmd']), host_name(), result['rc'], again, tail)

    @staticmethod
    def _several(several, results, failed_indexes=None, elapsed=None):
        """The return values only O(commands) has."""
        if not several:
            return {}
        extra = {'results': results}
        if elapsed is not None:
            extra['elapsed'] = elapsed
        if failed_indexes:
            extra.update(failed_index=failed_indexes[0], failed_indexes=failed_indexes)
        return extra

    def _run_lane(self, commands, cmds, indexes, environ):
        """One lane's commands in order, up to the first that fails."""
        results = []
        for index in indexes:
            results.append(dict(self._run_one(cmds[index], commands[index]['repeat_while_rc'], environ), index=index))
            if results[-1]['rc'] != 0:
                break
        return results

    def _run_one(self, cmd, repeat, environ):
        start, runs = time.monotonic(), 0
        while True:
            try:
                # never the module's own fail_json: this may run in a lane's thread
                rc, out, err = self.ansible.run_command(cmd, environ_update=environ, handle_exceptions=False)
            except OSError as exc:
                rc, out, err = None, '', 'it could not start: %s' % (exc.strerror or exc)
            runs += 1
            if rc is None or repeat is None or rc != repeat or runs >= self.params['max_runs']:
                break
        return dict(cmd=cmd, rc=rc, stdout=out, stderr=err, runs=runs, duration=round(time.monotonic() - start, 3))


def main():
    ServiceCommandModule()()


if __name__ == '__main__':
    main()
