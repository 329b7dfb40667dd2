# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several check modules run in one process (the ``check_batch`` module).

Each check keeps its own record, options and results (``_checks.registry``);
the batch validates every check's options with that record's argument spec,
then runs them.  What several checks would each build - a parsed
service config, nova's database engines, an openstacksdk connection and its
token - is built once (one ``shared`` cache for the batch).  A check's
functions are imported only when a batch names it, so a batch of database
checks does not import openstacksdk.

A member with ``python`` runs in that interpreter, a subprocess
(``_checks.interpreter``): ``check_backends`` with the service's venv; in
the batch's own process when that is the batch's interpreter (nova's
``check_backends`` in the batch nova's venv runs), and, with
``python_if_needed``, when the batch's interpreter has every driver the
service's configuration needs (``_service.backends.drivers_missing``).
A member may also be ``status_check``: a project's ``*-status upgrade check``
with that module's options and return values.  The members whose work is a
subprocess (``status_check``, ``check_schema_migrations``, a member with
``python``) run side by side in threads while the others run in order (``_checks.concurrent``); the
results keep the order of ``checks``.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

import functools
import os
import sys

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.concurrent import run_in_order, timed_runner
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.context import CheckContext
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.interpreter import run_with
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import Code, describe_error, worst
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import check_options, check_results, open_cloud
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS, COLLECTION, cloud_wide, lookup
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_tool import STATUS_ARGUMENT_SPEC, status_results
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.backends import drivers_missing
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import hide_cloud_secrets, openstack_argument_spec


STATUS = 'status_check'
# The member that may run in the batch's own process when its interpreter has the drivers (python_if_needed).
IF_NEEDED = 'check_backends'


def elsewhere(python):
    """``python`` when it is another interpreter than the batch's own, else None (the check runs in the batch)."""
    if python and os.path.abspath(python) != os.path.abspath(sys.executable):
        return python
    return None


class CheckBatchModule(OsopsModule):
    """The ``check_batch`` module."""

    argument_spec = dict(
        openstack_argument_spec(),
        checks=dict(type='list', elements='dict', required=True, options=dict(
            module=dict(type='str', required=True,
                        choices=sorted(list(CHECKS) + [STATUS]) + sorted(COLLECTION + name for name in list(CHECKS) + [STATUS])),
            options=dict(type='dict', default={}),
            python=dict(type='path'),
            python_if_needed=dict(type='bool', default=False),
        )),
        cluster=dict(type='str'),
        tool_timeout=dict(type='int', default=600),
        # run by the action plugin, from the controller (plugins/action/check_batch.py); never the module's
        controller_checks=dict(type='list', elements='dict'),
    )
    module_kwargs = dict(supports_check_mode=True)

    def setup(self):
        hide_cloud_secrets(self.ansible, self.params)

    def _member(self, index, entry):
        """``(name, check, its options, its extra return values, python, if_needed)`` of ``checks[index]``;
        OsopsError for bad options.

        A ``status_check`` member has no check record: ``(name, None, its options, None, None, False)``.
        """
        module = entry['module']
        name, check = (STATUS, None) if module in (STATUS, COLLECTION + STATUS) else lookup(module)
        where = 'checks[%d] (%s)' % (index, name)
        if entry['python'] and check is None:
            raise OsopsError('%s: python is for a check module; a status tool runs its own (name it with venv).' % where)
        if entry['python_if_needed'] and (name != IF_NEEDED or not entry['python']):
            raise OsopsError('%s: python_if_needed is for a %s member with python (the interpreter to use when the '
                             'batch\'s own lacks its drivers); remove it or give python.' % (where, IF_NEEDED))
        spec = dict(STATUS_ARGUMENT_SPEC) if check is None else check.full_argument_spec()
        params = dict(entry['options'])
        for option in openstack_argument_spec():
            if option in params:
                raise OsopsError('%s: %s is an option of check_batch, not of each check; set it once '
                                 'beside checks.' % (where, option))
            if option in spec and self.params[option] is not None:
                params[option] = self.params[option]
        validated = ArgumentSpecValidator(spec, **(check.constraints if check else {})).validate(params)
        if validated.error_messages:
            raise OsopsError('%s: %s' % (where, '; '.join(
                ('Unsupported parameters: ' if isinstance(error, UnsupportedError) else '') + error.error_message
                for error in validated.errors)))
        params = validated.validated_parameters
        if check is None:
            return name, check, params, None, None, False
        if check.reads == 'cloud':
            open_cloud(self.ansible, params)
        try:
            return name, check, params, check_options(check, params), entry['python'], entry['python_if_needed']
        except OsopsError as exc:
            raise OsopsError('%s: %s' % (where, exc.msg))

    def _result(self, member, shared, run_command):
        """What the member's module returns, ``module`` (its short name) added."""
        name, check, params, found, given, if_needed = member
        if check is None:
            result = status_results(params, run_command, self.ansible.get_bin_path)
        else:
            python = elsewhere(given)
            if python and if_needed and not self._lacks(check, params, found, shared):
                python = None
            if python:
                try:
                    result = run_with(python, name, params, found, run_command)
                except OsopsError as exc:
                    return self._error(member, exc)
            else:
                result = check_results(check, params, found, shared, run_command)
            if given:
                result['python'] = python or sys.executable
            if self.params['cluster'] and cloud_wide(name):
                for row in result['upgrade_checks']:
                    row['scope'] = self.params['cluster']
        return dict(result, module=name)

    @staticmethod
    def _lacks(check, params, found, shared):
        """What this interpreter lacks to run a ``python_if_needed`` member itself (``[]``: nothing).

        A configuration that cannot be read lacks nothing: the check, run here, says what is wrong with it.
        """
        try:
            config = CheckContext(params, check.project_of(params), found, shared).config
        except OsopsError:
            return []
        return drivers_missing(config)

    def _error(self, member, exc):
        """The result of a member that could not run: one Error of that member."""
        name, check, params, _found, _python, _if_needed = member
        project = '%s-status' % params['project'] if check is None else check.project_of(params)
        row = dict(project=project, name=check.name if check else '%s upgrade check' % project, result='Error',
                   code=Code.ERROR, details=describe_error(exc), duration=0.0)
        return dict(_found or {}, upgrade_checks=[row], code=Code.ERROR, module=name)

    def run(self):
        if self.params['controller_checks']:
            raise OsopsError('controller_checks are run from the controller by the action plugin of '
                             'osops.lifecycle.check_batch, which this run did not go through: run the task with '
                             'that name, or give those checks in checks.')
        # Every check is validated before the first one runs.
        members = [self._member(index, entry) for index, entry in enumerate(self.params['checks'])]
        shared = {}
        run_command = timed_runner(self.ansible.run_command, self.params['tool_timeout'])
        jobs = [functools.partial(self._result, member, shared, run_command) for member in members]
        tools = [index for index, (_name, check, _params, _found, python, _if_needed) in enumerate(members)
                 if check is None or check.tool or elsewhere(python)]
        modules = run_in_order(jobs, tools, lambda index, exc: self._error(members[index], exc))
        upgrade_checks = [row for result in modules for row in result['upgrade_checks']]
        # Not "results": Ansible and the check_table callback read that key as a loop's items.
        self.exit_json(upgrade_checks=upgrade_checks, code=worst(c['code'] for c in upgrade_checks),
                       modules=modules)
