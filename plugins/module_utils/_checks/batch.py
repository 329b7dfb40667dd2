# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several check modules' classes run in one process (the ``check_batch`` module).

Each check keeps its own class, options and results; the batch validates
every check's options with that class's argument spec, then runs them in
order.  What several checks would each build - a parsed service config,
nova's database engines, an openstacksdk connection and its token - is
built once (``shared``).  The check classes are imported only when a batch
names them, so a batch of database checks does not import openstacksdk.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import worst
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import hide_cloud_secrets, openstack_argument_spec

COLLECTION = 'osops.lifecycle.'


def _api():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import api as _check_api
    return _check_api


def _nova():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import nova as _check_nova
    return _check_nova


def _config():
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks import config as _check_config
    return _check_config


# check module -> (the module_utils that holds its class, the class's name)
CHECKS = {
    'check_cells_v2': (_nova, 'CheckCellsV2Module'),
    'check_cinder_api': (_api, 'CheckCinderApiModule'),
    'check_cloudkitty_storage': (_config, 'CheckCloudkittyStorageModule'),
    'check_hw_machine_type': (_nova, 'CheckHwMachineTypeModule'),
    'check_instance_states': (_api, 'CheckInstanceStatesModule'),
    'check_old_computes': (_nova, 'CheckOldComputesModule'),
    'check_placement_api': (_api, 'CheckPlacementApiModule'),
    'check_policy_json': (_config, 'CheckPolicyJsonModule'),
    'check_rpc_pin': (_nova, 'CheckRpcPinModule'),
    'check_service_user_token': (_config, 'CheckServiceUserTokenModule'),
    'check_services': (_api, 'CheckServicesModule'),
    'check_upgrade_path': (_nova, 'CheckUpgradePathModule'),
}
# The argument-spec keys a check's own constraints may use.
_CONSTRAINTS = ('mutually_exclusive', 'required_together', 'required_one_of', 'required_if', 'required_by')


def check_class(name):
    """The class of check module ``name`` (short or fully qualified)."""
    short = name[len(COLLECTION):] if name.startswith(COLLECTION) else name
    module_utils, class_name = CHECKS[short]
    return short, getattr(module_utils(), class_name)


class CheckBatchModule(OsopsModule):
    """The ``check_batch`` module."""

    argument_spec = dict(
        openstack_argument_spec(),
        checks=dict(type='list', elements='dict', required=True, options=dict(
            module=dict(type='str', required=True,
                        choices=sorted(CHECKS) + sorted(COLLECTION + name for name in CHECKS)),
            options=dict(type='dict', default={}),
        )),
    )
    module_kwargs = dict(supports_check_mode=True)

    def __init__(self):
        super().__init__()
        hide_cloud_secrets(self.ansible, self.params)
        self._shared = {}
        self.members = []

    def shared(self, key, build):
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    def _member(self, index, entry):
        """The check object of ``checks[index]``, its options validated (OsopsError when they are not)."""
        name, cls = check_class(entry['module'])
        where = 'checks[%d] (%s)' % (index, name)
        spec = cls.full_argument_spec()
        params = dict(entry['options'])
        for option in openstack_argument_spec():
            if option in params:
                raise OsopsError('%s: %s is an option of check_batch, not of each check; set it once '
                                 'beside checks.' % (where, option))
            if option in spec and self.params[option] is not None:
                params[option] = self.params[option]
        constraints = dict((k, cls.module_kwargs[k]) for k in _CONSTRAINTS if k in cls.module_kwargs)
        validated = ArgumentSpecValidator(spec, **constraints).validate(params)
        if validated.error_messages:
            raise OsopsError('%s: %s' % (where, '; '.join(
                ('Unsupported parameters: ' if isinstance(error, UnsupportedError) else '') + error.error_message
                for error in validated.errors)))
        member = cls(params=validated.validated_parameters, batch=self)
        try:
            member.validate()
        except OsopsError as exc:
            raise OsopsError('%s: %s' % (where, exc.msg))
        return name, member

    def run(self):
        # Every check is built and validated before the first one runs.
        self.members = [self._member(index, entry) for index, entry in enumerate(self.params['checks'])]
        modules, upgrade_checks = [], []
        for name, member in self.members:
            result = member.check_results()
            upgrade_checks.extend(result['upgrade_checks'])
            modules.append(dict(result, module=name))
        # Not "results": Ansible and the check_table callback read that key as a loop's items.
        self.exit_json(upgrade_checks=upgrade_checks, code=worst(c['code'] for c in upgrade_checks),
                       modules=modules)
