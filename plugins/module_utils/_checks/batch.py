# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several check modules run in one process (the ``check_batch`` module).

Each check keeps its own record, options and results (``_checks.registry``);
the batch validates every check's options with that record's argument spec,
then runs them in order.  What several checks would each build - a parsed
service config, nova's database engines, an openstacksdk connection and its
token - is built once (one ``shared`` cache for the batch).  A check's
functions are imported only when a batch names it, so a batch of database
checks does not import openstacksdk.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import worst
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import check_options, check_results, open_cloud
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS, COLLECTION, cloud_wide, lookup
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import hide_cloud_secrets, openstack_argument_spec


class CheckBatchModule(OsopsModule):
    """The ``check_batch`` module."""

    argument_spec = dict(
        openstack_argument_spec(),
        checks=dict(type='list', elements='dict', required=True, options=dict(
            module=dict(type='str', required=True,
                        choices=sorted(CHECKS) + sorted(COLLECTION + name for name in CHECKS)),
            options=dict(type='dict', default={}),
        )),
        cluster=dict(type='str'),
    )
    module_kwargs = dict(supports_check_mode=True)

    def __init__(self):
        super().__init__()
        hide_cloud_secrets(self.ansible, self.params)

    def _member(self, index, entry):
        """``(name, check, its options, its extra return values)`` of ``checks[index]``; OsopsError for bad options."""
        name, check = lookup(entry['module'])
        where = 'checks[%d] (%s)' % (index, name)
        spec = check.full_argument_spec()
        params = dict(entry['options'])
        for option in openstack_argument_spec():
            if option in params:
                raise OsopsError('%s: %s is an option of check_batch, not of each check; set it once '
                                 'beside checks.' % (where, option))
            if option in spec and self.params[option] is not None:
                params[option] = self.params[option]
        validated = ArgumentSpecValidator(spec, **check.constraints).validate(params)
        if validated.error_messages:
            raise OsopsError('%s: %s' % (where, '; '.join(
                ('Unsupported parameters: ' if isinstance(error, UnsupportedError) else '') + error.error_message
                for error in validated.errors)))
        params = validated.validated_parameters
        if check.reads == 'cloud':
            open_cloud(self.ansible, params)
        try:
            return name, check, params, check_options(check, params)
        except OsopsError as exc:
            raise OsopsError('%s: %s' % (where, exc.msg))

    def run(self):
        # Every check is validated before the first one runs.
        members = [self._member(index, entry) for index, entry in enumerate(self.params['checks'])]
        shared = {}
        modules, upgrade_checks = [], []
        for name, check, params, found in members:
            result = check_results(check, params, found, shared, self.ansible.run_command)
            if self.params['cluster'] and cloud_wide(name):
                for row in result['upgrade_checks']:
                    row['scope'] = self.params['cluster']
            upgrade_checks.extend(result['upgrade_checks'])
            modules.append(dict(result, module=name))
        # Not "results": Ansible and the check_table callback read that key as a loop's items.
        self.exit_json(upgrade_checks=upgrade_checks, code=worst(c['code'] for c in upgrade_checks),
                       modules=modules)
