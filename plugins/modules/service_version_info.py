#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: service_version_info
short_description: The OpenStack service versions the running processes of a host use
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads the command line of every process of the host (C(/proc/<pid>/cmdline))
    and returns, for each OpenStack project, the versions its running processes
    use, from the openstack-ansible style venv they run from -
    C(<venvs_dir>/<project>-<version>/bin/...), for example
    C(/openstack/venvs/nova-32.2.1/bin/nova-compute).
  - Several venvs of a project can be installed side by side; only the ones
    running processes were started from count. A service restarted from another
    venv shows at once.
  - "Recognised command lines: a console script run directly
    (C(<venv>/bin/nova-conductor ...)), a script run by an interpreter
    (C(<venv>/bin/python3 <venv>/bin/nova-compute ...), as the kernel shows a
    script's shebang), and uWSGI (C(<venv>/bin/uwsgi --ini ...)), whose venv
    gives the project. Other processes are ignored."
  - Processes that end while they are read, and entries that cannot be read,
    are skipped (counted in RV(unreadable)).
  - RV(host_versions_entry) is this host's entry of the C(host_versions)
    parameter of M(osops.lifecycle.cluster_discover); the C(discover) role
    gathers it from every host with C(osops_discover_host_versions).
  - RV(installed) lists the venvs under O(venvs_dir), whether a process runs
    from them or not, so that one run tells both what is installed and what
    runs (the C(check) role's steps read both).
  - Versions are checked and compared with the Python library C(packaging)
    when the host's Python has it, else by the release number pattern
    (C(32.2.1), C(32.0.0.0rc1), C(33.1.0.dev4)); a venv whose name does not end in a
    version is ignored.
  - Only reads. Run it on each host, with any Python 3 of the host.
  - Its action plugin saves the module's build and start where it can. Where
    the module would be pipelined (pipelining on, the interpreter set or
    already discovered, no delegation, no async), the host's Python is given
    the read's own code, which is standard library alone, instead of the
    module; with ansible-playbook's own Python on the controller, the
    module's code runs in ansible-playbook. The options, result, warnings and
    messages are the module's either way.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  venvs_dir:
    description:
      - Directory of the service venvs, one per project and version.
    type: path
    default: /openstack/venvs
  proc_path:
    description:
      - Where the process file system is mounted. Meant for tests and
        containers that see the host's processes elsewhere.
    type: path
    default: /proc
  same_mount_namespace:
    description:
      - Count only the processes in this module's mount namespace when both
        namespaces can be read (C(<proc_path>/<pid>/ns/mnt)). A host sees the
        processes of its containers, which are not its own services.
      - V(false) counts every process under O(proc_path).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Only reads; the same result in check mode.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
    details: Linux, or any system with a C(/proc) that has C(<pid>/cmdline).
seealso:
  - module: osops.lifecycle.cluster_discover
  - module: osops.lifecycle.cluster_component_info
'''

EXAMPLES = r'''
- name: Which nova does each compute run?
  osops.lifecycle.service_version_info:
  register: running

- name: Say it
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs nova {{ running.projects.nova | default(['none']) | join(', ') }}"

- name: Discover with the versions the hosts run
  osops.lifecycle.cluster_discover:
    method: openstack_ansible
    name: prod
    params:
      inventory: /etc/openstack_deploy/openstack_inventory.json
      host_versions: >-
        {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, ['running', 'host_versions_entry']))) }}
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
projects:
  description: Each project with a running process, to the versions in use, lowest first.
  returned: success
  type: dict
  sample: {nova: ['32.2.1'], keystone: ['27.0.0']}
processes:
  description: Every process that runs from a service venv, by pid.
  returned: success
  type: list
  elements: dict
  contains:
    pid:
      description: The process id.
      type: int
      sample: 4242
    project:
      description: The project, from the venv's name.
      type: str
      sample: nova
    version:
      description: The version, from the venv's name.
      type: str
      sample: 32.2.1
    binary:
      description: The program run from the venv (C(uwsgi) for an API under uWSGI).
      type: str
      sample: nova-compute
    venv:
      description: The venv.
      type: str
      sample: /openstack/venvs/nova-32.2.1
host_versions_entry:
  description:
    - Each project to the version its processes use on this host; the lowest
      when more than one is in use (RV(notes) then says so). The entry of
      this host in C(params.host_versions) of M(osops.lifecycle.cluster_discover).
  returned: success
  type: dict
  sample: {nova: 32.2.1, keystone: 27.0.0}
notes:
  description:
    - One sentence per project running more than one version on this host
      (also returned as a warning).
  returned: success
  type: list
  elements: str
  sample: ['nova runs 2 versions on this host (31.3.1: nova-compute; 32.2.1: nova-compute);
            host_versions_entry reports the lowest, 31.3.1: restart the services still on the old
            venv or finish the upgrade.']
installed:
  description:
    - Every venv under O(venvs_dir) (a directory, or a link to one, named
      C(<project>-<version>)), by project then version, lowest first. Empty
      when O(venvs_dir) does not exist.
  returned: success
  type: list
  elements: dict
  contains:
    project:
      description: The project, from the venv's name.
      type: str
      sample: nova
    version:
      description: The version, from the venv's name.
      type: str
      sample: 33.0.2
    path:
      description: The venv.
      type: str
      sample: /openstack/venvs/nova-33.0.2
unreadable:
  description: Process entries skipped because they ended while being read or could not be read.
  returned: success
  type: int
  sample: 0
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.processes import ReadError, read_host


class ServiceVersionInfoModule(OsopsModule):
    argument_spec = dict(
        venvs_dir=dict(type='path', default='/openstack/venvs'),
        proc_path=dict(type='path', default='/proc'),
        same_mount_namespace=dict(type='bool', default=True),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        try:
            found = read_host(self.params['proc_path'], self.params['venvs_dir'], self.params['same_mount_namespace'])
        except ReadError as exc:
            raise OsopsError(str(exc)) from None
        for note in found['notes']:
            self.ansible.warn(note)
        self.exit_json(**found)


def main():
    ServiceVersionInfoModule()()


if __name__ == '__main__':
    main()
