# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``upgrade_step`` module, run inside ansible-playbook when it would run on the controller anyway.

An upgrade claims and finishes every batch on the controller.  As a module,
each run starts a Python and imports SQLAlchemy: about half a second a
batch.  Run here, the work is the store's transaction alone.  It runs here
only when the module would run on this machine with this very Python (a
local connection, the task's interpreter ``ansible_playbook_python``, no
task ``environment``) and the store's libraries import; otherwise the
module runs as usual.  Options are validated with the module's own
argument spec, its errors and results are the module's, and the store URL's
password is masked in the result as the module's ``no_log`` would.
"""

from __future__ import annotations

import os
import sys

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

try:
    from ansible_collections.osops.lifecycle.plugins.modules.upgrade_step import UpgradeStepModule
    from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import option_store
    from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import STORE_IMPORT_ERROR
    from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import operations
except ImportError as exc:  # the module's own run says what is missing
    STORE_IMPORT_ERROR = exc

MODULE = 'osops.lifecycle.upgrade_step'


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def _runs_here(self, task_vars):
        """Whether the module would run on this machine with this Python: then it may as well run in this process."""
        environment = self._task.environment or []
        if STORE_IMPORT_ERROR is not None or any(environment if isinstance(environment, list) else [environment]):
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
        if not self._runs_here(task_vars):
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        kwargs = UpgradeStepModule.module_kwargs
        checked = ArgumentSpecValidator(UpgradeStepModule.argument_spec, **dict(
            (key, kwargs[key]) for key in ('mutually_exclusive', 'required_one_of', 'required_if'))).validate(
                dict(self._task.args))
        if checked.error_messages:  # worded as AnsibleModule words them
            msg = checked.errors.msg
            if isinstance(checked.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (MODULE, msg)
            result.update(failed=True, msg=msg)
            return result
        hidden = set()
        try:
            with option_store(checked.validated_parameters['store'], hidden.update, read_only=True) as store:
                out = operations.batch_step(store, checked.validated_parameters, UpgradeStepModule.actor(),
                                            bool(self._task.check_mode))
        except OsopsError as exc:
            out = dict(exc.result, failed=True, msg=exc.msg)
        out.setdefault('changed', False)
        result.update(remove_values(out, hidden))
        return result
