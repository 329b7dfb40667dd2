# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The commands the checks tell an operator to run, as data: one place for all of them.

A check's details name a command by its :class:`Advice` (``'%s' % advice``),
never by retyping it, so what the details say is what is declared here.
``since`` and ``until`` bound the releases whose tool has the command (release
ids, both included; None: no bound), as in ``_upgrade.commands``.

Every command below exists in the tool of every release from 2024.1 to 2026.2:
``tests/integration/lab/test_advice_lab.py`` runs ``<command> --help`` from each
release's venv of the lab, and a unit test extracts the commands of every
check's details (every outcome) and of ``docs/*.md`` and refuses any that is not
declared here.  Tools the lab does not install are verified in their project's
source at the release tags and say so:

* ``cloudkitty-storage-init``: a console script of cloudkitty 20.0.0 (2024.1)
  through 24.0.0 (2026.1) and of the 2026.2 branch (``setup.cfg`` /
  ``pyproject.toml`` of openstack/cloudkitty), read on 2026-12-04.

nova's ``libvirt`` commands date from nova 23.0.0 (Wallaby); nova-status of
2024.1 (nova 29) still named ``nova-manage machine_type list_unset``, which no
nova release has.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Advice:
    """One command: its words (tool and subcommands), then the options and placeholders an operator fills in."""

    argv: tuple
    usage: str = ''
    since: str | None = None
    until: str | None = None

    def __str__(self):
        return ' '.join(self.argv + ((self.usage,) if self.usage else ()))


def _advice(*argv, usage='', since=None, until=None):
    return Advice(tuple(argv), usage, since, until)


SIMPLE_CELL_SETUP = _advice('nova-manage', 'cell_v2', 'simple_cell_setup')
MAP_CELL0 = _advice('nova-manage', 'cell_v2', 'map_cell0')
CREATE_CELL = _advice('nova-manage', 'cell_v2', 'create_cell')
DISCOVER_HOSTS = _advice('nova-manage', 'cell_v2', 'discover_hosts')
ONLINE_DATA_MIGRATIONS = _advice('nova-manage', 'db', 'online_data_migrations')
LIST_UNSET_MACHINE_TYPE = _advice('nova-manage', 'libvirt', 'list_unset_machine_type')
UPDATE_MACHINE_TYPE = _advice('nova-manage', 'libvirt', 'update_machine_type', usage='<instance uuid> <machine type>')
CONVERT_POLICY = _advice('oslopolicy-convert-json-to-yaml',
                         usage='--namespace <project> --policy-file <json file> --output-file <yaml file>')
CLOUDKITTY_STORAGE_INIT = _advice('cloudkitty-storage-init')
KEYSTONE_DB_CHECK = _advice('keystone-manage', 'db_sync', usage='--check')
KEYSTONE_DB_EXPAND = _advice('keystone-manage', 'db_sync', usage='--expand')
KEYSTONE_DB_CONTRACT = _advice('keystone-manage', 'db_sync', usage='--contract')
GLANCE_DB_CHECK = _advice('glance-manage', 'db', 'check')
GLANCE_DB_EXPAND = _advice('glance-manage', 'db', 'expand')
GLANCE_DB_MIGRATE = _advice('glance-manage', 'db', 'migrate')
GLANCE_DB_CONTRACT = _advice('glance-manage', 'db', 'contract')
NEUTRON_DB_CURRENT = _advice('neutron-db-manage', 'current', usage='--verbose')
NEUTRON_DB_EXPAND = _advice('neutron-db-manage', 'upgrade', usage='--expand')
NEUTRON_DB_CONTRACT = _advice('neutron-db-manage', 'upgrade', usage='--contract')

# project -> step -> the command that does it (the check's advice).
SCHEMA_STEPS = {
    'keystone': {'expand': KEYSTONE_DB_EXPAND, 'contract': KEYSTONE_DB_CONTRACT},
    'glance': {'expand': GLANCE_DB_EXPAND, 'migrate': GLANCE_DB_MIGRATE, 'contract': GLANCE_DB_CONTRACT},
    'neutron': {'expand': NEUTRON_DB_EXPAND, 'contract': NEUTRON_DB_CONTRACT},
}

# check module -> the commands its details (any outcome) and its section of docs/checks.md name.
ADVICE = {
    'check_cells_v2': (SIMPLE_CELL_SETUP, MAP_CELL0, CREATE_CELL, DISCOVER_HOSTS),
    'check_hw_machine_type': (LIST_UNSET_MACHINE_TYPE, UPDATE_MACHINE_TYPE),
    'check_online_migrations': (ONLINE_DATA_MIGRATIONS,),
    'check_policy_json': (CONVERT_POLICY,),
    'check_cloudkitty_storage': (CLOUDKITTY_STORAGE_INIT,),
    'check_schema_migrations': (KEYSTONE_DB_CHECK, KEYSTONE_DB_EXPAND, KEYSTONE_DB_CONTRACT, GLANCE_DB_CHECK,
                                GLANCE_DB_EXPAND, GLANCE_DB_MIGRATE, GLANCE_DB_CONTRACT, NEUTRON_DB_CURRENT,
                                NEUTRON_DB_EXPAND, NEUTRON_DB_CONTRACT),
}
