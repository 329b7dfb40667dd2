# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a controller-side module of the collection inside ansible-playbook when it would run there anyway.

The upgrade role claims and finishes every batch, starts the upgrade and
reads its status on the controller, with ansible-playbook's own Python; the
check role runs its API checks there too.  As a module, each of those runs
starts a Python, unpacks the module and imports its libraries (SQLAlchemy,
openstacksdk): up to a second or more.  An action plugin built on
:class:`InProcessAction` runs the module's own class in the worker process
instead, when that is where the module would run: a local connection, the
task's interpreter ``ansible_playbook_python`` (the same executable), no task
``environment``, and the module's imports available here.  Otherwise the
module runs as usual.

Either way the options are validated with the module's own argument spec
(the same messages as AnsibleModule's), its errors and results are the
module's, and the values a module would hide (no_log options, a store URL's
password) are masked in the result as AnsibleModule masks them.
"""

from __future__ import annotations

import importlib
import os
import sys

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

#: the ``module_kwargs`` of an OsopsModule that ArgumentSpecValidator takes too
VALIDATOR_KWARGS = ('mutually_exclusive', 'required_together', 'required_one_of', 'required_if', 'required_by')


class _Exit(Exception):
    """exit_json or fail_json of a module run in-process: its result, as the module would print it."""

    def __init__(self, result):
        super().__init__()
        self.result = result


class _ModuleShim:
    """The part of AnsibleModule an OsopsModule uses (``module.ansible``), for a run in this process."""

    def __init__(self, check_mode, hidden):
        self.check_mode = check_mode
        self.no_log_values = hidden
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def run_command(self, *args, **kwargs):
        raise RuntimeError('a module run in-process runs no command: its action plugin must run the module instead')

    get_bin_path = run_command

    def exit_json(self, **result):
        raise _Exit(result)

    def fail_json(self, msg, **result):
        raise _Exit(dict(result, failed=True, msg=msg))


def run_module_class(module_class, params, check_mode, hidden):
    """The result of ``module_class`` (an OsopsModule) run on validated ``params``, as exit_json would give it.

    ``hidden`` (a set) receives what the module hides; the result is not yet masked.
    """
    shim = _ModuleShim(check_mode, hidden)
    module = module_class.__new__(module_class)  # no AnsibleModule: it would read its options from stdin
    module.ansible = shim
    module.params = params
    module.check_mode = check_mode
    try:
        module.setup()
        module()
    except _Exit as done:
        result = done.result
    else:  # an OsopsModule always ends with exit_json or fail_json
        result = dict(failed=True, msg='%s ended without a result' % module_class.__name__)
    if shim.warnings:
        result['warnings'] = list(result.get('warnings', [])) + shim.warnings
    return result


def find_module_class(name, class_name, store=True):
    """The OsopsModule subclass ``class_name`` of the collection's module ``name``, or None when it cannot run here.

    None when its imports fail in this Python, or (``store``: a module of the
    state store) the store's libraries do not import: then the module runs,
    and says what is missing.
    """
    try:
        found = getattr(importlib.import_module('ansible_collections.osops.lifecycle.plugins.modules.' + name), class_name)
        if store:  # not for the others: importing the store's libraries takes a third of a second
            from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import STORE_IMPORT_ERROR
            if STORE_IMPORT_ERROR is not None:
                return None
    except ImportError:
        return None
    return found


class InProcessAction(ActionBase):
    """Base of an action plugin that runs its module's class here when the module would run here anyway.

    Subclasses set ``MODULE`` (the module's name in the collection),
    ``MODULE_CLASS`` (the name of its OsopsModule subclass) and ``STORE``
    (False for a module that does not open the state store).
    """

    MODULE = None
    MODULE_CLASS = None
    STORE = True
    module_class = None  # the class, once the subclass is defined (None: the module runs)
    _supports_check_mode = True
    _supports_async = False

    def __init_subclass__(cls, **kwargs):
        # Imported with the plugin, not in each task's run: ansible-playbook loads the plugin before it forks
        # the task's worker, which then finds the module's imports (SQLAlchemy's among them) done.
        super().__init_subclass__(**kwargs)
        cls.module_class = find_module_class(cls.MODULE, cls.MODULE_CLASS, cls.STORE)

    def _runs_here(self, task_vars):
        """Whether the module would run on this machine with this Python: then it may as well run in this process."""
        environment = self._task.environment or []
        if any(environment if isinstance(environment, list) else [environment]):
            return False
        if self._connection.transport not in ('local', 'ansible.builtin.local'):
            return False
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get('ansible_delegated_vars', {}).get(self._task.delegate_to, task_vars)
        interpreter = host_vars.get('ansible_python_interpreter', task_vars.get('ansible_python_interpreter'))
        if interpreter is None:
            return False
        interpreter = self._templar.template(interpreter)
        return isinstance(interpreter, str) and os.path.abspath(interpreter) == os.path.abspath(sys.executable)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        result.update(self._run_module(self._task.args, task_vars))
        return result

    def _run_module(self, args, task_vars):
        """The module's result for ``args``: its class run here when it would run here, else the module run."""
        if self._runs_here(task_vars) and self.module_class:
            return self._run_here(args)
        return self._execute_module(module_name='osops.lifecycle.' + self.MODULE, module_args=args, task_vars=task_vars)

    def _validated(self, args):
        """``(params, hidden, failure)``: ``args`` checked with the module's argument spec, as AnsibleModule would.

        ``hidden`` holds the values of no_log options; ``failure`` is the
        module's result for bad options (masked), else None.
        """
        kwargs = self.module_class.module_kwargs
        checked = ArgumentSpecValidator(self.module_class.argument_spec, **dict(
            (key, kwargs[key]) for key in VALIDATOR_KWARGS if key in kwargs)).validate(dict(args))
        hidden = set(checked._no_log_values)
        if checked.error_messages:  # worded as AnsibleModule words them
            msg = checked.errors.msg
            if isinstance(checked.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (osops.lifecycle.%s) module: %s' % (self.MODULE, msg)
            return None, hidden, remove_values(dict(failed=True, msg=msg), hidden)
        return checked.validated_parameters, hidden, None

    def _run_here(self, args):
        """The result of the module's class run in this process on ``args`` (validated first), masked."""
        params, hidden, failure = self._validated(args)
        if failure:
            return failure
        out = run_module_class(self.module_class, params, bool(self._task.check_mode), hidden)
        out.setdefault('changed', False)
        return remove_values(out, hidden)
