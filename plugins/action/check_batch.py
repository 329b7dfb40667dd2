# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``check_batch`` module: the check role runs every host's checks with it, and the cloud's API checks.

A batch of API checks only (checks that read the cloud through its APIs:
no status tool, no schema tool, no other interpreter) runs inside
ansible-playbook when the module would run on the controller with
ansible-playbook's own Python (plugin_utils/_in_process.py); any other
batch runs as the module, on its host.

``controller_checks`` (API checks) run in ansible-playbook, in a thread of
this task's worker, while the module runs the host's ``checks``: the role's
first host carries the cloud's API checks that way, and they cost no time of
their own.  The thread starts once the host's module is built (building it
takes this process's CPU for a quarter of a second: the thread would only
take turns with it).  Their results join the host's; when they cannot run here, the
task warns and returns the host's alone (``from_controller`` 0), and the role
runs them as a task of their own.
"""

from __future__ import annotations

import threading

from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import InProcessAction

try:
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS, lookup
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import worst
    from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import openstack_argument_spec
except ImportError:  # the module's own run says what is missing
    lookup = None

#: The authentication options (and their aliases): the host is sent them only when one of its checks reads the APIs.
AUTH_OPTIONS = frozenset(
    list(openstack_argument_spec())
    + [alias for spec in openstack_argument_spec().values() for alias in spec.get('aliases', [])]) if lookup else frozenset()


def _api_check(entry):
    """Whether ``entry`` (a member of check_batch's checks, as given) is a check that reads the cloud's APIs."""
    if not isinstance(entry, dict) or not isinstance(entry.get('module'), str) or entry.get('python'):
        return False
    try:
        _name, check = lookup(entry['module'])
    except KeyError:  # not a check module (a status tool, or a bad name the module reports)
        return False
    return check.reads == 'cloud' and not check.tool


def api_checks_only(checks):
    """Whether every member of ``checks`` (check_batch's option, as given) is a check that reads the cloud's APIs."""
    if lookup is None or not isinstance(checks, list) or not checks:
        return False
    return all(_api_check(entry) for entry in checks)


def reads_apis(checks):
    """Whether a member of ``checks`` reads the cloud's APIs (or may: ``checks`` is not a list the plugin can read)."""
    if lookup is None or not isinstance(checks, list):
        return True
    return any(_api_check(entry) or not isinstance(entry, dict) for entry in checks)


class ActionModule(InProcessAction):
    MODULE = 'check_batch'
    MODULE_CLASS = 'CheckBatchModule'
    STORE = False

    def _runs_here(self, task_vars):
        return api_checks_only(self._task.args.get('checks')) and super()._runs_here(task_vars)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        args = dict(self._task.args)
        controller = args.pop('controller_checks', None)
        if not reads_apis(args.get('checks')):
            for option in AUTH_OPTIONS.intersection(args):
                del args[option]
        if not controller:
            result = super(InProcessAction, self).run(tmp, task_vars)
            result.update(self._run_module(args, task_vars))
            return result
        return self._with_controller(controller, args, tmp, task_vars)

    def _with_controller(self, controller, args, tmp, task_vars):
        """The host's batch (``args``) with ``controller`` run from here meanwhile, their results joined."""
        params = dict((key, value) for key, value in self._task.args.items() if key not in ('checks', 'controller_checks'))
        params['checks'] = controller
        ran = {}
        thread = threading.Thread(target=lambda: ran.update(result=self._from_controller(params)), daemon=True)
        # Started once the host's module is built (_configure_module): both
        # need this process's CPU, and only one thread at a time holds it.
        self._start_controller = thread.start
        if not args.get('checks') or self._runs_here(task_vars) and self.module_class:
            self._controller_started()  # no module to build
        try:
            result = super(InProcessAction, self).run(tmp, task_vars)
            if args.get('checks'):
                result.update(self._run_module(args, task_vars))
            else:  # nothing for the host: no module run there
                result.update(changed=False, upgrade_checks=[], modules=[], code=0)
        finally:
            self._start_controller = None  # not started: no module was built (the host's batch failed first)
            if thread.ident is not None:
                thread.join()
        theirs = ran.get('result') or dict(failed=True, msg='the controller checks ended without a result')
        result['from_controller'] = 0
        if result.get('failed') or result.get('unreachable'):
            return result  # the host's failure is the task's; the role runs the controller's checks on their own
        if theirs.get('failed'):
            result['warnings'] = list(result.get('warnings', [])) + [
                'The controller_checks could not run from the controller (%s); the host\'s results are returned '
                'alone.' % theirs.get('msg')]
            return result
        # the cloud's first, as when they run before the hosts' checks: the report lists the cloud first
        modules = [dict(module, from_controller=True) for module in theirs['modules']]
        result['upgrade_checks'] = list(theirs['upgrade_checks']) + list(result.get('upgrade_checks', []))
        result['modules'] = modules + list(result.get('modules', []))
        result['code'] = worst(check['code'] for check in result['upgrade_checks'])
        result['from_controller'] = len(modules)
        if theirs.get('warnings'):
            result['warnings'] = list(result.get('warnings', [])) + list(theirs['warnings'])
        return result

    _start_controller = None

    def _controller_started(self):
        """Start the controller checks' thread, unless it was."""
        start, self._start_controller = self._start_controller, None
        if start is not None:
            start()

    def _configure_module(self, module_name, module_args, task_vars):
        built = super()._configure_module(module_name, module_args, task_vars)
        self._controller_started()
        return built

    def _from_controller(self, params):
        """check_batch's result for ``params`` (API checks) run in this process; failed when they cannot run here."""
        if not self.module_class:
            return dict(failed=True, msg="ansible-playbook's Python cannot import the collection's check code")
        if not api_checks_only(params['checks']):
            return dict(failed=True, msg='controller_checks may only name checks that read the cloud\'s APIs (%s)'
                        % ', '.join(sorted(name for name, check in CHECKS.items() if check.reads == 'cloud' and not check.tool)))
        try:
            return self._run_here(params)
        except Exception as exc:  # pylint: disable=broad-except
            # its message is not shown: it might hold a value the module hides; the role's own task says more
            return dict(failed=True, msg='unexpected %s' % type(exc).__name__)
