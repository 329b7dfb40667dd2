#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: status_check
short_description: Run a project's C(<project>-status upgrade check) and report its checks
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Runs C(<project>-status upgrade check) on the host with the executable
    you name - an openstack-ansible venv, a command inside a kolla
    container, a distribution path - so the TARGET release's checker can be
    run from its venv before the upgrade.
  - Asks for C(--json) only where the project's tool honours it (not
    nova, which rejects it, nor placement, which ignores it) and otherwise
    parses the "Upgrade Check Results" table. Each check becomes one result
    in the check model, so the C(osops.lifecycle.check_table) callback
    shows them beside the native checks.
  - A run that ends without results - a usage error, a traceback, a missing
    executable - is recorded as one C(Error) named after the command, with
    the reason; it is never turned into a check result of its own. The
    module itself does not fail, so a play's other checks keep running.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  project:
    description:
      - The project, for example C(nova), C(placement), C(keystone),
        C(cloudkitty). Names the tool C(<project>-status) unless
        O(executable) is given.
    type: str
    required: true
  venv:
    description:
      - A virtualenv holding the project, for example
        C(/openstack/venvs/nova-31.3.1); the tool is C(<venv>/bin/<project>-status).
    type: path
  executable:
    description:
      - The tool to run, a path or a name looked up on E(PATH). Overrides O(venv).
    type: str
  command_prefix:
    description:
      - Words run before the tool, for example C([docker, exec, nova_api])
        for a kolla container. The tool is then not looked up on this host.
    type: list
    elements: str
    default: []
  config_files:
    description: C(--config-file) arguments, in order.
    type: list
    elements: path
    default: []
  config_dir:
    description: A C(--config-dir) argument.
    type: path
  json:
    description:
      - Whether to ask for JSON output. C(auto) asks only projects whose tool
        honours C(--json).
    type: str
    choices: [auto, always, never]
    default: auto
  environment:
    description:
      - Extra environment variables for the run. C(PYTHONWARNINGS=ignore) is
        always set, so deprecation noise stays out of the output.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details: The tool only reads, so it also runs in check mode.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
'''

EXAMPLES = r'''
- name: The TARGET release's nova-status, from its venv, before the upgrade
  osops.lifecycle.status_check:
    project: nova
    venv: /openstack/venvs/nova-33.0.2
    config_files: [/etc/nova/nova.conf]

- name: cloudkitty-status in a kolla container
  osops.lifecycle.status_check:
    project: cloudkitty
    command_prefix: [docker, exec, cloudkitty_api]
'''

RETURN = r'''
upgrade_checks:
  description: Each check the tool reported, in the check model; or one C(Error) when the run gave no results.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: The tool, C(<project>-status), so its checks stand apart from native ones.
      type: str
      sample: nova-status
    name:
      description: The check's name as the tool printed it.
      type: str
      sample: Cells v2
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error).
      type: str
      sample: Success
    code:
      description: 0, 1, 2, or 255.
      type: int
      sample: 0
    details:
      description: The tool's details, unwrapped, or null.
      type: str
    duration:
      description: The run's seconds, shared among its checks.
      type: float
      sample: 0.6
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 0
exit_code:
  description:
    - The tool's exit code, or null when it could not be started. (Not C(rc), which
      Ansible reads as the task's own success.)
  returned: always
  type: int
  sample: 1
cmd:
  description: The command that was run.
  returned: always
  type: list
  elements: str
run_error:
  description: Why the run did not give trustworthy results, or null.
  returned: always
  type: str
  sample: nova-status upgrade check exited 255 without results - it raised ...
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_tool import STATUS_ARGUMENT_SPEC, status_results


class StatusCheckModule(OsopsModule):
    argument_spec = STATUS_ARGUMENT_SPEC
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        self.exit_json(**status_results(self.params, self.ansible.run_command, self.ansible.get_bin_path))


def main():
    StatusCheckModule()()


if __name__ == '__main__':
    main()
