# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every check module, as data: one :class:`Check` record per module name.

A record names the check, the function that makes it (``(ctx) -> Outcome``,
in ``_checks.api``, ``_checks.nova``, ``_checks.config`` or ``_checks.schema``), what it reads,
its own options and the extra values it returns.  The check modules and
``check_batch`` are built from these records (``_checks.module``,
``_checks.batch``).

The functions' files are imported only when a check of theirs runs, so a
batch of database checks does not import openstacksdk, and a config check
does not import SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import openstack_argument_spec
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import CONFIG_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._service.schema import PROJECTS as SCHEMA_PROJECTS

COLLECTION = 'osops.lifecycle.'


def _api():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import api
    return api


def _nova():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import nova
    return nova


def _config():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import config
    return config


def _schema():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import schema
    return schema


def project_option(params):
    """The project a check's ``project`` option names."""
    return params['project']


@dataclass(frozen=True)
class Check:
    """One check module.

    ``run`` and ``validate`` name functions of the module_utils ``family``
    returns.  ``run(ctx)`` returns the :class:`Outcome`; with ``projects``
    it runs once per project, as ``run(ctx, project)``.  ``validate(params)``
    raises OptionError (or OsopsError) for option values the argument spec
    cannot refuse, and returns the extra values the options decide (or None).
    """

    name: str  # as the check table shows it
    family: Callable
    run: str
    # 'config': the config_files / config_dir options (a service's config, and nova's
    # databases it names); 'cloud': the authentication options (OpenStack APIs).
    reads: str = 'config'
    # The project of the results: a name, or a function of the options.
    project: str | Callable = 'nova'
    projects: tuple = ()
    argument_spec: dict = field(default_factory=dict)
    # mutually_exclusive, required_one_of ...: for AnsibleModule and check_batch's validator.
    constraints: dict = field(default_factory=dict)
    validate: str | None = None
    # The extra return values beside upgrade_checks and code, and their values when nothing was found.
    returns: dict = field(default_factory=dict)
    # Its work is a project's tool run as a subprocess: check_batch runs it beside the others (_checks.concurrent).
    tool: bool = False

    def full_argument_spec(self):
        """The check's options: the config or authentication options, then its own."""
        spec = openstack_argument_spec() if self.reads == 'cloud' else dict(CONFIG_ARGUMENT_SPEC)
        spec.update(self.argument_spec)
        return spec

    def function(self, name):
        """The function ``name`` of the check's family (importing it)."""
        return getattr(self.family(), name)

    def project_of(self, params):
        return self.project(params) if callable(self.project) else self.project


def _api_version_check(name, run, default, key):
    """A check that an API answers with ``required_microversion`` (default ``default``); what it found in ``key``."""
    return Check(name, _api, run, reads='cloud',
                 argument_spec=dict(required_microversion=dict(type='str', default=default)),
                 validate='microversion_option', returns={key: dict(endpoint=None, max_microversion=None)})


CHECKS = {
    'check_backends': Check(
        'Database and message queue reachable', _config, 'backends', project=project_option,
        argument_spec=dict(project=dict(type='str', required=True), timeout=dict(type='int', default=5)),
        validate='backends_options', returns=dict(backends=[])),
    'check_cells_v2': Check('Cells v2', _nova, 'cells_v2', returns=dict(cells=[])),
    'check_cinder_api': _api_version_check('Cinder API', 'cinder_api', '3.44', 'cinder'),
    'check_cloudkitty_storage': Check(
        'Storage version', _config, 'cloudkitty_storage', project=project_option,
        argument_spec=dict(project=dict(type='str', default='cloudkitty', choices=['cloudkitty'])),
        returns=dict(storage_version=None)),
    'check_hw_machine_type': Check('hw_machine_type unset', _nova, 'hw_machine_type', returns=dict(instances=[])),
    'check_instance_states': Check(
        'Instances in transitional states', _api, 'instance_states', reads='cloud',
        argument_spec=dict(list_limit=dict(type='int', default=5)), validate='list_limit_option',
        returns=dict(instances=[])),
    'check_old_computes': Check(
        'Older than N-1 computes', _nova, 'old_computes',
        argument_spec=dict(target_release=dict(type='str', required=True)),
        validate='old_computes_options', returns=dict(oldest_supported_version=None, computes=[])),
    'check_online_migrations': Check('Online data migrations', _nova, 'online_migrations', returns=dict(online_migrations=[])),
    'check_placement_api': _api_version_check('Placement API', 'placement_api', '1.36', 'placement'),
    'check_policy_json': Check(
        'Policy File JSON to YAML Migration', _config, 'policy_json', project=project_option,
        argument_spec=dict(project=dict(type='str', required=True)), returns=dict(policy_file=None)),
    'check_rpc_pin': Check('Compute RPC version pin', _nova, 'rpc_pin', returns=dict(pin=None)),
    'check_service_user_token': Check(
        'Service User Token Configuration', _config, 'service_user_token', project=project_option,
        argument_spec=dict(project=dict(type='str', default='nova', choices=['nova']))),
    'check_schema_migrations': Check(
        'Database schema migrations', _schema, 'schema_migrations', project=project_option,
        argument_spec=dict(project=dict(type='str', required=True, choices=list(SCHEMA_PROJECTS)),
                           venv=dict(type='path', required=True),
                           ask_tool=dict(type='bool', default=False)),
        returns=dict(pending=[], commands=[], answered_by=None), tool=True),
    'check_services': Check(
        'Services up and enabled', _api, 'services', reads='cloud', projects=('nova', 'neutron', 'cinder'),
        returns=dict(services=[])),
    'check_upgrade_path': Check(
        'Upgrade path (SLURP)', _nova, 'upgrade_path', project='openstack',
        argument_spec=dict(
            current_release=dict(type='str'),
            project=dict(type='str', default='nova'),
            version=dict(type='str'),
            from_nova_database=dict(type='bool'),
            target_release=dict(type='str', required=True),
            current_release_source=dict(type='str'),
        ),
        constraints=dict(
            required_one_of=[('current_release', 'version', 'from_nova_database')],
            mutually_exclusive=[('current_release', 'version'), ('current_release', 'from_nova_database')],
        ),
        validate='upgrade_path_options', returns=dict(current_release=None, target_release=None, allowed_targets=[])),
}


# Checks whose answer is about the whole cloud, not the host they run on: the API checks
# (every check that reads the cloud) and these, which read nova's databases, the cloud's
# release, or a project's database schema. check_batch reports them under the cloud's name (its ``cluster`` option).
CLOUD_WIDE = frozenset(('check_cells_v2', 'check_old_computes', 'check_hw_machine_type', 'check_online_migrations',
                        'check_upgrade_path', 'check_schema_migrations'))


def cloud_wide(name):
    """Whether the results of check module ``name`` (short name) are about the whole cloud."""
    return name in CLOUD_WIDE or CHECKS[name].reads == 'cloud'


# The order of each project's own status tool (nova-status upgrade check, the same in nova
# 29.x to 34.x: 2024.1 to 2026.2; cloudkitty-status of cloudkitty 22.1.0 and 24.0.0, run on the
# lab); a table keeps it, and puts the checks the tool lacks after.
TOOL_ORDER = {
    'nova': ('Cells v2', 'Placement API', 'Cinder API', 'Policy File JSON to YAML Migration',
             'Older than N-1 computes', 'hw_machine_type unset', 'Service User Token Configuration'),
    'cloudkitty': ('Storage version', 'Policy File JSON to YAML Migration'),
}


def lookup(name):
    """``(short name, Check)`` of check module ``name``, short or fully qualified."""
    short = name[len(COLLECTION):] if name.startswith(COLLECTION) else name
    return short, CHECKS[short]
