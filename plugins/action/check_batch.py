# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``check_batch`` module: the check role runs the API checks of the whole cloud with it, from the controller.

A batch of API checks only (checks that read the cloud through its APIs:
no status tool, no schema tool, no other interpreter) runs inside
ansible-playbook when the module would run on the controller with
ansible-playbook's own Python (plugin_utils/_in_process.py); any other
batch runs as the module, on its host.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import InProcessAction

try:
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import lookup
except ImportError:  # the module's own run says what is missing
    lookup = None


def api_checks_only(checks):
    """Whether every member of ``checks`` (check_batch's option, as given) is a check that reads the cloud's APIs."""
    if lookup is None or not isinstance(checks, list) or not checks:
        return False
    for entry in checks:
        if not isinstance(entry, dict) or not isinstance(entry.get('module'), str) or entry.get('python'):
            return False
        try:
            _name, check = lookup(entry['module'])
        except KeyError:  # not a check module (a status tool, or a bad name the module reports)
            return False
        if check.reads != 'cloud' or check.tool:
            return False
    return True


class ActionModule(InProcessAction):
    MODULE = 'check_batch'
    MODULE_CLASS = 'CheckBatchModule'
    STORE = False

    def _runs_here(self, task_vars):
        return api_checks_only(self._task.args.get('checks')) and super()._runs_here(task_vars)
