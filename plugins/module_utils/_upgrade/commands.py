# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each service's database commands of an upgrade, per release, as data.

A command runs once per service, on the service's first control host, from
the TARGET release's code (the new venv): its ``argv`` is the tool and its
arguments, without configuration options (the driver adds those).  An entry
applies to the target releases from ``since`` to ``until`` (release ids,
both included; None: no bound); when a release changes a command line, the
entry gets an ``until`` and a new entry follows.

``expand`` commands are additive (the old code keeps working on the result);
``finalize`` commands run once every host runs the new code:
``online_data_migrations`` first, then ``db_contract``, which removes what
the old code needs - the point of no return of an upgrade.

``repeat_while_rc``: run the command again while it exits with that code
(nova's and cinder's ``online_data_migrations`` exit 1 while a run migrated
something, 0 when nothing remains, 2 when some migrations keep failing).

Verified on 2026-12-04 with ``--help`` (``<tool> <command> --help`` for each
command line below, ``glance-manage db --help`` listing expand, migrate and
contract) from the lab's venvs under ``~/.cache/osops-lab/venvs``:

* keystone-manage ``db_sync --expand|--migrate|--contract``: keystone 25.0.0
  (2024.1), 27.1.0 (2025.1), 28.1.0 (2025.2), 29.1.0 (2026.1), 30.0.0 (2026.2);
* glance-manage ``db expand|migrate|contract``: glance 28.2.0, 30.2.0, 31.1.0,
  32.0.0, 33.0.0;
* placement-manage ``db sync``: placement 11.0.1, 13.0.1, 14.0.0, 15.0.0, 16.0.0;
* nova-manage ``api_db sync``, ``db sync``, ``db online_data_migrations``:
  nova 29.4.0, 31.3.1, 32.2.1, 33.0.2, 34.0.0;
* neutron-db-manage ``upgrade --expand|--contract``: neutron 24.2.2, 26.0.6,
  27.0.4, 28.0.2, 29.0.0.

cinder-manage ``db sync`` and ``db online_data_migrations`` are NOT verified
(the lab has no cinder): they are cinder's documented rolling upgrade
procedure (doc/source/admin/upgrades.rst).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import series

Command = namedtuple('Command', 'phase action argv since until repeat_while_rc')


def _command(phase, action, argv, since=None, until=None, repeat_while_rc=None):
    return Command(phase, action, tuple(argv), since, until, repeat_while_rc)


DB_COMMANDS = {
    'keystone': (
        _command('expand', 'db_expand', ('keystone-manage', 'db_sync', '--expand')),
        _command('expand', 'db_migrate', ('keystone-manage', 'db_sync', '--migrate')),
        _command('finalize', 'db_contract', ('keystone-manage', 'db_sync', '--contract')),
    ),
    'glance': (
        _command('expand', 'db_expand', ('glance-manage', 'db', 'expand')),
        _command('expand', 'db_migrate', ('glance-manage', 'db', 'migrate')),
        _command('finalize', 'db_contract', ('glance-manage', 'db', 'contract')),
    ),
    'cinder': (
        _command('expand', 'db_sync', ('cinder-manage', 'db', 'sync')),
        _command('finalize', 'online_data_migrations', ('cinder-manage', 'db', 'online_data_migrations'),
                 repeat_while_rc=1),
    ),
    'placement': (
        _command('expand', 'db_sync', ('placement-manage', 'db', 'sync')),
    ),
    'nova': (
        _command('expand', 'api_db_sync', ('nova-manage', 'api_db', 'sync')),
        _command('expand', 'db_sync', ('nova-manage', 'db', 'sync')),
        _command('finalize', 'online_data_migrations', ('nova-manage', 'db', 'online_data_migrations'),
                 repeat_while_rc=1),
    ),
    'neutron': (
        _command('expand', 'db_expand', ('neutron-db-manage', 'upgrade', '--expand')),
        _command('finalize', 'db_contract', ('neutron-db-manage', 'upgrade', '--contract')),
    ),
}

# Finalize runs every service's data migrations before any contract.
FINALIZE_ORDER = ('online_data_migrations', 'db_contract')


def db_commands(service, phase, release):
    """The commands of ``service`` in ``phase`` for an upgrade to ``release``, in order."""
    target = series(release)
    return [c for c in DB_COMMANDS.get(service, ())
            if c.phase == phase and (c.since is None or series(c.since) <= target)
            and (c.until is None or target <= series(c.until))]
