#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_batch
short_description: Run several readiness checks in one module run
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Runs the collection's check modules named in O(checks) - the same code,
    options and results as running each module as its own task - in one
    Python process on the host, so a host pays one interpreter start, one
    import of openstacksdk or SQLAlchemy, one authentication and one
    database connection for all of them instead of one per check.
  - The checks that read OpenStack APIs share one connection, made from this
    module's authentication options. Checks that read the same service's
    configuration share its parsed files; nova's database checks share
    nova's databases.
  - A member may also be M(osops.lifecycle.status_check), a project's
    C(<project>-status upgrade check), with that module's options; its
    results and return values are that module's.
  - The members whose work is a subprocess - M(osops.lifecycle.status_check),
    M(osops.lifecycle.check_schema_migrations) and the checks run with
    another interpreter (O(checks[].python)) - run side by side (at most
    eight at once) while the other checks run in order; results keep the
    order of O(checks) whichever ends first. A tool that fails or outlives
    O(tool_timeout) is an C(Error) of its own check only.
  - Every check's options are validated before any check runs; an unknown
    check or a bad option fails the module and runs nothing.
  - The C(check) role runs its checks this way, one batch per host.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  checks:
    description:
      - The checks to run, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      module:
        description:
          - The check module, by short name (C(check_cells_v2)) or fully
            qualified (C(osops.lifecycle.check_cells_v2)).
        type: str
        required: true
        choices:
          - check_backends
          - check_cells_v2
          - check_cinder_api
          - check_cloudkitty_storage
          - check_hw_machine_type
          - check_instance_states
          - check_old_computes
          - check_online_migrations
          - check_placement_api
          - check_policy_json
          - check_rpc_pin
          - check_schema_migrations
          - check_service_user_token
          - check_services
          - check_upgrade_path
          - status_check
          - osops.lifecycle.check_backends
          - osops.lifecycle.check_cells_v2
          - osops.lifecycle.check_cinder_api
          - osops.lifecycle.check_cloudkitty_storage
          - osops.lifecycle.check_hw_machine_type
          - osops.lifecycle.check_instance_states
          - osops.lifecycle.check_old_computes
          - osops.lifecycle.check_online_migrations
          - osops.lifecycle.check_placement_api
          - osops.lifecycle.check_policy_json
          - osops.lifecycle.check_rpc_pin
          - osops.lifecycle.check_schema_migrations
          - osops.lifecycle.check_service_user_token
          - osops.lifecycle.check_services
          - osops.lifecycle.check_upgrade_path
          - osops.lifecycle.status_check
      options:
        description:
          - That module's options, as its documentation gives them. The
            authentication options are this module's, not each check's.
        type: dict
        default: {}
      python:
        description:
          - Run this check with that Python interpreter, in a subprocess of
            the batch, with the same code and results as the check module
            run with it - for M(osops.lifecycle.check_backends), the
            interpreter of the service's venv, whose database and message
            queue drivers it uses. Not for M(osops.lifecycle.status_check),
            which runs its tool.
        type: path
      python_if_needed:
        description:
          - For a M(osops.lifecycle.check_backends) member with
            O(checks[].python) - run the check in the batch's own process
            when the batch's interpreter has every driver the service's
            configuration needs (SQLAlchemy and the driver of each database
            URL; kombu and amqp when a C(transport_url) is set), and with
            O(checks[].python) only when it lacks one. The service's own
            configuration is used either way; this spares an interpreter
            start per service. RV(modules[].python) says which ran it.
          - V(false) always runs it with O(checks[].python), the service's
            own drivers.
        type: bool
        default: false
  cluster:
    description:
      - Name of the cloud or cluster (as the operator calls it) that the
        cloud-wide checks are about - the API checks, C(check_cells_v2),
        C(check_old_computes), C(check_hw_machine_type),
        C(check_online_migrations) and C(check_upgrade_path), whose answer is the same from any host. Each of
        their RV(upgrade_checks) then carries it as C(scope), and the
        C(osops.lifecycle.check_table) callback and the
        C(osops.lifecycle.check_report) filter report them under the cloud,
        not under the host they ran on.
      - Unset, every result is reported under the host that ran it.
    type: str
  controller_checks:
    description:
      - Checks that read the cloud's APIs (C(check_placement_api),
        C(check_cinder_api), C(check_services), C(check_instance_states)),
        with the elements of O(checks), to run from the controller while
        the host runs O(checks) - in ansible-playbook's own process, with its
        Python and this task's authentication options, in a thread beside
        the module's run on the host, so that the host's checks and the
        cloud's take the time of the longer instead of both.
      - The action plugin runs them; the module on the host never receives
        them. Their results and RV(modules) come before the host's, those
        modules marked C(from_controller), and RV(from_controller) counts
        them.
      - When they cannot run there (ansible-playbook's Python lacks their
        libraries, or they fail as a whole), the task warns and returns the
        host's results alone, with RV(from_controller) 0, so that a task
        after it can run them as its own.
      - The authentication options are not sent to the host when no member
        of O(checks) reads the cloud's APIs.
    type: list
    elements: dict
  tool_timeout:
    description:
      - Seconds a project's tool (a C(*-status) tool, a schema check's
        command) may run before it is stopped and its check is an C(Error).
    type: int
    default: 600
notes:
  - Run it where every check in it can run - for nova's database checks,
    on a nova control host with the interpreter of nova's environment
    (which runs the configuration and API checks as well).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
'''

EXAMPLES = r'''
- name: Nova's checks on the first nova conductor host, in one process
  osops.lifecycle.check_batch:
    checks:
      - module: check_policy_json
        options: {project: nova}
      - module: check_service_user_token
      - module: check_cells_v2
      - module: check_old_computes
        options: {target_release: '2026.1'}
      - module: check_upgrade_path
        options: {from_nova_database: true, target_release: '2026.1'}
  run_once: true
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python

- name: The API checks, with one token
  osops.lifecycle.check_batch:
    cloud: mycloud
    cluster: mycloud
    checks:
      - module: check_placement_api
      - module: check_cinder_api
      - module: check_services
      - module: check_instance_states
  delegate_to: localhost
  run_once: true

- name: This host's nova checks, and the cloud's API checks from the controller meanwhile
  osops.lifecycle.check_batch:
    cloud: mycloud
    cluster: mycloud
    checks:
      - module: check_cells_v2
      - module: check_online_migrations
    controller_checks:
      - module: check_placement_api
      - module: check_services
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python

- name: Keystone's config check and the target release's keystone-status, side by side with the schema check
  osops.lifecycle.check_batch:
    checks:
      - module: check_policy_json
        options: {project: keystone}
      - module: check_schema_migrations
        options: {project: keystone, venv: /openstack/venvs/keystone-27.0.0}
      - module: status_check
        options: {project: keystone, venv: /openstack/venvs/keystone-29.1.0}
'''

RETURN = r'''
upgrade_checks:
  description:
    - Every check's results in the check model, in the order of O(checks); the check_table callback renders them.
    - The results of cloud-wide checks carry C(scope), the value of O(cluster), when it is set.
  returned: always
  type: list
  elements: dict
  sample: [{project: nova, name: Cells v2, result: Success, code: 0, details: null, duration: 0.02, scope: mycloud}]
code:
  description: The worst code of RV(upgrade_checks) (0, 1, 2, or 255 when a check could not run).
  returned: always
  type: int
  sample: 0
modules:
  description:
    - One entry per check module, in the order of O(checks) - what that
      module returns when run as its own task (for example C(cells) of
      M(osops.lifecycle.check_cells_v2)), plus C(module), its short name.
  returned: always
  type: list
  elements: dict
  sample: [{module: check_cells_v2, code: 0, cells: [{name: cell0, uuid: 00000000-0000-0000-0000-000000000000}],
            upgrade_checks: [{project: nova, name: Cells v2, result: Success, code: 0, details: null, duration: 0.02}]}]
  contains:
    python:
      description:
        - For a member given O(checks[].python), the interpreter that ran
          it - O(checks[].python), or the batch's own when the check ran in
          the batch's process (that interpreter named, or
          O(checks[].python_if_needed) and its drivers there).
      returned: when the member has O(checks[].python)
      type: str
      sample: /openstack/venvs/nova-31.3.1/bin/python
    from_controller:
      description: The member was one of O(controller_checks), run from the controller.
      returned: for the members of O(controller_checks)
      type: bool
      sample: true
from_controller:
  description: How many members of O(controller_checks) ran from the controller and joined the results (0 when they could not).
  returned: when O(controller_checks) is given
  type: int
  sample: 4
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.batch import CheckBatchModule


def main():
    CheckBatchModule()()


if __name__ == '__main__':
    main()
