#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_online_migrations
short_description: Readiness check - nova's online data migrations of the current release are done
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Counts, in nova's API database and every cell's database (cell0
    included), the rows each online data migration of
    C(nova-manage db online_data_migrations) would still touch, with the
    queries those migrations run, and changes nothing (the tool has no
    read-only mode).
  - The migrations are the eleven of the tool's C(online_migrations) list in
    nova 29.x to 34.x (2024.1 to 2026.2), the same list in each.
  - C(Failure) when rows are left that nova-manage would migrate, since a release
    may drop the code that migrates them, so the previous upgrade's
    migrations must be finished before the next one. C(Warning) when the
    only rows left are ones nova-manage finds but cannot migrate (instances
    whose host and node have no compute node record, instance mappings
    without a cell). C(Success) otherwise.
  - Run it on a nova control host with the interpreter of nova's environment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - name: nova-manage db online_data_migrations
    description: The command that runs the migrations.
    link: https://docs.openstack.org/nova/latest/cli/nova-manage.html#db-online-data-migrations
'''

EXAMPLES = r'''
- name: Online data migrations left from the previous upgrade
  osops.lifecycle.check_online_migrations:
  run_once: true
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: C(nova).
      type: str
      sample: nova
    name:
      description: The check's name.
      type: str
      sample: Online data migrations
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Failure
    code:
      description: 0, 1, 2, or 255 for C(Error).
      type: int
      sample: 2
    details:
      description: What was found and how to fix it, or null.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 0.05
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 2
online_migrations:
  description: Each migration with rows left, per database.
  returned: always
  type: list
  elements: dict
  contains:
    migration:
      description: The migration's name in nova-manage's table.
      type: str
      sample: populate_instance_compute_id
    database:
      description: C(api), or the name of the cell.
      type: str
      sample: cell1
    pending:
      description: Rows nova-manage would migrate.
      type: int
      sample: 2
    stuck:
      description: Rows nova-manage finds but cannot migrate.
      type: int
      sample: 0
    why:
      description: Why the stuck rows cannot be migrated, or null.
      type: str
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_online_migrations')()


if __name__ == '__main__':
    main()
