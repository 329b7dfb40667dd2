# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module of a registered check, and the steps ``check_batch`` shares with it.

A check module's ``main()`` is ``CheckModule('check_x')()``: its options
are the record's (``_checks.registry``), bad options fail the module, and
findings never do - roles decide what a Failure means.
"""

from __future__ import annotations

import copy
import functools

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import hide_cloud_secrets
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.context import CheckContext
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import run_checks
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS


def open_cloud(ansible_module, params):
    """Before a cloud check's options are checked: mask a cloud dict's secrets; OsopsError without openstacksdk."""
    from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import require_openstacksdk
    hide_cloud_secrets(ansible_module, params)
    require_openstacksdk()


def check_options(check, params):
    """Check what the argument spec cannot; the extra return values before the check runs.

    Raises OptionError (or OsopsError) for a bad value.
    """
    if check.reads == 'cloud':
        from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import connection_kwargs
        connection_kwargs(params)
    found = copy.deepcopy(check.returns)
    if check.validate:
        found.update(check.function(check.validate)(params) or {})
    return found


def check_results(check, params, found, shared=None, run_command=None):
    """Run ``check``: the module's return values, ``changed`` aside (``run_command``: the module's)."""
    project = check.project_of(params)
    ctx = CheckContext(params, project, found, shared, run_command)
    run = check.function(check.run)
    if check.projects:
        checks = [(check.name, functools.partial(run, ctx, other), other) for other in check.projects]
    else:
        checks = [(check.name, functools.partial(run, ctx))]
    result = run_checks(project, checks)
    return dict(upgrade_checks=result.as_dicts(), code=result.code, **ctx.found)


class CheckModule(OsopsModule):
    """The module of the check registered as ``name``."""

    def __init__(self, name):
        self.check = CHECKS[name]
        self.argument_spec = self.check.full_argument_spec()
        self.module_kwargs = dict(supports_check_mode=True, **self.check.constraints)
        super().__init__()

    def validate(self):
        if self.check.reads == 'cloud':
            open_cloud(self.ansible, self.params)
        self.found = check_options(self.check, self.params)

    def run(self):
        self.exit_json(**check_results(self.check, self.params, self.found, run_command=self.ansible.run_command))
