#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: check_schema_migrations
short_description: Readiness check - a project's database schema steps of the current release are done
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Asks the project's own tool, run from the venv O(venv) with the
    project's config, whether the database schema holds every step that
    release's code expects, and changes nothing.
  - C(keystone) - C(keystone-manage db_sync --check), whose exit code is its
    answer (0 done, 2 expand not done, 4 contract not done).
  - C(glance) - C(glance-manage db check) (0 done, 3 expand, 4 migrate,
    5 contract not done).
  - C(neutron) - C(neutron-db-manage current --verbose), which marks each
    revision the database holds that is its branch's head in that release's
    code; a branch (expand or contract) whose revision is not marked, or that
    the database holds no revision of, is not done (for neutron and each
    subproject it lists).
  - Unless O(ask_tool) is set, the tool is asked only when needed. First
    the heads of the migration scripts in O(venv) are read as text (each
    script's C(revision), C(down_revision) and C(branch_labels), nothing
    imported or run) and compared with the database's C(alembic_version)
    table (C([database] connection) of the config, SQLAlchemy of the
    interpreter that runs the check). When the database is where the tool
    says every step is done - keystone and neutron, it holds exactly those
    heads; glance, the contract head is among its revisions, on MySQL or
    SQLite - the check says so and the tool is not started (it costs 1.3 to
    2.4 CPU-seconds). In any other
    case - a step left, a revision the code does not know, scripts whose
    values are not literals, a neutron subproject with migrations of its
    own, a database this interpreter cannot read - the tool answers.
  - The same commands and answers in keystone 25.0.0 to 30.0.0, glance
    28.2.0 to 33.0.0 and neutron 24.2.2 to 29.0.0 (2024.1 to 2026.2).
  - Placement is not checked. placement-manage has no read-only check
    (its db version prints the revision, not whether the code expects
    another; its db sync writes); C(placement-status upgrade check) covers
    placement's online data migrations.
  - C(Failure) when a step is left, with the command that does it. C(Success)
    otherwise. C(Warning) when the database holds a revision the release
    does not know - a later release's expand already ran there (an upgrade
    under way, or rolled back to this code on the expanded schema) - so the
    tool cannot tell. C(Error) when the tool is not in O(venv), a config
    file is missing, or the tool exited without an answer (the database not
    reachable; passwords in its message are masked).
  - Run it once per project, on a host of the service, with the venv of the
    release that runs there (before an upgrade, the current release's).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
options:
  project:
    description: The project whose database schema is checked.
    type: str
    required: true
    choices: [glance, keystone, neutron]
  venv:
    description:
      - The project's venv whose tool answers, for example
        C(/openstack/venvs/keystone-27.1.0); the tool is keystone-manage,
        glance-manage or neutron-db-manage in its C(bin) directory.
    type: path
    required: true
  ask_tool:
    description:
      - Always ask the project's tool, also when the database is at the
        heads of the venv's migration scripts.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: The commands only read, so they also run in check mode.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - name: Keystone upgrades
    description: keystone-manage db_sync's expand, migrate, contract and check.
    link: https://docs.openstack.org/keystone/latest/admin/upgrading.html
  - name: Glance rolling upgrades
    description: glance-manage db expand, migrate, contract and check.
    link: https://docs.openstack.org/glance/latest/admin/rollingupgrades.html
  - name: Neutron database migrations
    description: neutron-db-manage's expand and contract branches.
    link: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
'''

EXAMPLES = r'''
- name: Keystone's schema steps of the current release are done
  osops.lifecycle.check_schema_migrations:
    project: keystone
    venv: /openstack/venvs/keystone-27.1.0
  run_once: true

- name: Glance's, with the config glance-api runs with
  osops.lifecycle.check_schema_migrations:
    project: glance
    venv: /openstack/venvs/glance-30.2.0
    config_files: [/etc/glance/glance-api.conf]
  run_once: true
'''

RETURN = r'''
upgrade_checks:
  description: The check's result in the check model; the check_table callback renders it.
  returned: always
  type: list
  elements: dict
  contains:
    project:
      description: The project.
      type: str
      sample: keystone
    name:
      description: The check's name.
      type: str
      sample: Database schema migrations
    result:
      description: C(Success), C(Warning), C(Failure), or C(Error) when the check could not run.
      type: str
      sample: Failure
    code:
      description: 0, 1, 2, or 255 for C(Error).
      type: int
      sample: 2
    details:
      description: The tool's answer, and the commands that finish the steps left; or what kept it from answering.
      type: str
    duration:
      description: Seconds the check took.
      type: float
      sample: 2.4
code:
  description: The worst code of RV(upgrade_checks).
  returned: always
  type: int
  sample: 2
pending:
  description: The steps left, in the order an upgrade runs them (C(expand), C(migrate), C(contract)).
  returned: always
  type: list
  elements: str
  sample: [expand]
answered_by:
  description:
    - C(revisions) when the database is at the heads of the venv's migration
      scripts and the tool was not asked; C(tool) when the tool answered;
      null when neither could (the tool missing, a config file missing).
  returned: always
  type: str
  sample: revisions
commands:
  description: The commands run (the tool's name and subcommand, config options left out) and their exit codes.
  returned: always
  type: list
  elements: dict
  contains:
    cmd:
      description: The command.
      type: str
      sample: keystone-manage db_sync --check
    exit_code:
      description: Its exit code.
      type: int
      sample: 2
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


def main():
    CheckModule('check_schema_migrations')()


if __name__ == '__main__':
    main()
