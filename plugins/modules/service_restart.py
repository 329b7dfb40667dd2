#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_restart
short_description: Restart an OpenStack service so that it runs the venv its files name (the venv driver)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Restarts the service through its process manager when it does not run
    the venv its unit or supervisord program (and uWSGI ini) name - after
    M(osops.lifecycle.service_venv) switched them - or is not running;
    otherwise changes nothing. O(force) restarts it anyway.
  - systemd - C(daemon-reload) first when the unit changed on disk, then
    C(systemctl restart). supervisord - C(supervisorctl update <name>)
    (applies the program's changed section), then C(start), or C(restart)
    when the old process still runs.
  - Returns once the manager reports the service running; waiting until it
    serves is M(osops.lifecycle.service_wait).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.venv_service
options:
  force:
    description: Restart even when the service already runs the configured venv.
    type: bool
    default: false
  venv:
    description:
      - The venv the service must run. It must be the one its files name
        (the module fails otherwise, changing nothing), except in check mode,
        where it is the one a switch predicted in the same check run would
        write.
      - Defaults to the venv the service's files name.
    type: path
attributes:
  check_mode:
    support: full
    details: Says whether it would restart, without restarting.
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
  - module: osops.lifecycle.service_wait
'''

EXAMPLES = r'''
- name: Restart keystone from the venv it was switched to
  osops.lifecycle.service_restart:
    name: keystone
'''

RETURN = r'''
restarted:
  description: Whether the service was (in check mode, would be) restarted or started.
  returned: success
  type: bool
  sample: true
reason:
  description: Why it was restarted, or why not.
  returned: success
  type: str
  sample: pid 4242 runs /openstack/venvs/keystone-27.1.0, not /openstack/venvs/keystone-29.1.0
venv:
  description: The venv the service runs (in check mode, would run).
  returned: success
  type: str
  sample: /openstack/venvs/keystone-29.1.0
pid_before:
  description: The main pid before, or null when it was not running.
  returned: success
  type: int
  sample: 4242
pid:
  description: The main pid after.
  returned: success
  type: int
  sample: 4343
state:
  description: The manager's state after.
  returned: success
  type: str
  sample: RUNNING
manager:
  description: The process manager, V(systemd) or V(supervisord).
  returned: success
  type: str
  sample: supervisord
duration:
  description: Seconds the module spent.
  returned: success
  type: float
  sample: 1.8
'''

import time

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_service import VenvServiceModule, restart


class ServiceRestartModule(VenvServiceModule):
    argument_spec = dict(VenvServiceModule.argument_spec, force=dict(type='bool', default=False),
                         venv=dict(type='path'))
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        start = time.monotonic()
        result = restart(self.service(), self.params['venv'], self.params['force'], self.check_mode)
        self.exit_json(duration=round(time.monotonic() - start, 3), **result)


def main():
    ServiceRestartModule()()


if __name__ == '__main__':
    main()
