# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: check_table
type: aggregate
short_description: Print the "Upgrade Check Results" table and write a JSON report
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Collects the C(upgrade_checks) that the collection's check modules and
    C(*-status) runner return, and at the end of the play run prints, per host
    and project, the table exactly as C(nova-status upgrade check) and every
    other oslo.upgradecheck tool print it, then one line with the overall
    result and its code (0 Success, 1 Warning, 2 Failure, 255 a check could
    not run).
  - Optionally writes the same results as a JSON report (schema in the
    collection's C(docs/schemas/check-report.schema.json)).
  - An aggregate callback, so it works next to any stdout callback (AWX's
    included). Enable it by its full name in C(callbacks_enabled).
requirements:
  - prettytable >= 3.12.0 (on the controller)
options:
  report_path:
    description:
      - Path of the JSON report to write at the end of the run. Parent
        directories are created. No report is written when unset.
    type: path
    ini:
      - section: callback_check_table
        key: report_path
    env:
      - name: OSOPS_CHECK_REPORT_PATH
'''

import json
import os

from ansible.plugins.callback import CallbackBase

from ansible_collections.osops.lifecycle.plugins.plugin_utils._check_report import (
    add_results,
    finish_report,
    new_report,
    render_report,
)


def _task_result_data(result):
    """The module's return values (ansible-core 2.19 ``result``, older ``_result``)."""
    data = getattr(result, 'result', None)
    return data if data is not None else result._result


def _executing_host(result, data):
    """Where the check ran: the delegated host's inventory name, else the task's host."""
    task = getattr(result, 'task', None) or result._task
    if data.get('_ansible_delegated_vars') and task.delegate_to:
        return task.delegate_to
    host = getattr(result, 'host', None) or result._host
    return host.get_name()


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'osops.lifecycle.check_table'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._report = new_report()
        self._seen = False
        self._report_path = None

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._report_path = self.get_option('report_path')

    def _collect(self, result):
        data = _task_result_data(result)
        if add_results(self._report, _executing_host(result, data), data):
            self._seen = True

    def v2_runner_on_ok(self, result):
        self._collect(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._collect(result)

    def v2_playbook_on_stats(self, stats):
        if not self._seen and not self._report_path:
            return
        report = finish_report(self._report)
        if self._seen:
            try:
                self._display.display(render_report(report))
            except ImportError as exc:
                self._display.warning('osops.lifecycle.check_table: %s' % exc)
        if self._report_path:
            self._write_report(report)

    def _write_report(self, report):
        path = self._report_path
        tmp = path + '.tmp'
        try:
            directory = os.path.dirname(path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            with open(tmp, 'w', encoding='utf-8') as handle:
                json.dump(report, handle, indent=2, sort_keys=False)
                handle.write('\n')
            os.replace(tmp, path)
        except OSError as exc:
            self._display.warning(
                'osops.lifecycle.check_table: cannot write the JSON report to %s: %s'
                % (path, exc))
