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
  - Results that carry a C(scope) (cloud-wide checks run by
    M(osops.lifecycle.check_batch) with its O(osops.lifecycle.check_batch#module:cluster)
    option) are the cloud's, printed as C(nova on cloud NAME) whatever host
    ran them. Within a project the rows keep the order of the project's own
    tool (C(nova-status)'s for nova), the collection's own checks after.
  - Clouds and hosts come in the order their first results came; when the
    C(check) role ran, in the order of its aggregated report (the fact
    C(osops_check_report)), which lists the cloud, then the play's hosts.
  - Optionally writes the same results as a JSON report (schema in the
    collection's C(docs/schemas/check-report.schema.json)).
  - A host Ansible cannot reach is a row C(Host reachable) of project
    C(ansible) with result C(Error) (code 255) naming the host, the task and
    Ansible's message, once per host (not when the task sets
    C(ignore_unreachable)). A task that fails without returning any check
    result (a check module given a bad option, a missing interpreter, a
    failed C(ansible.builtin.assert)) is a row C(Tasks completed), C(Error), naming the task, the
    host and the message - unless its failure is ignored (C(ignore_errors)),
    it sits in a block with a C(rescue) section, or it sets the task
    variable C(osops_check_verdict=true) (a task whose failure is the
    verdict on the results, as the C(check) role's last task is). The
    other hosts' checks are reported as usual.
  - It speaks only in a run where readiness checks ran - a task of the
    collection's C(check) role, or of one of its check modules
    (C(check_*), C(check_batch), C(status_check)), started or returned
    check results. In any other run (a playbook that fails without any
    check, with the callback enabled for every job, as in AWX) it prints
    nothing and writes no report.
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
    add_host_error,
    add_results,
    finish_report,
    in_report_order,
    new_report,
    render_report,
    report_order,
    task_failed_check,
    unreachable_check,
)

VERDICT_VAR = 'osops_check_verdict'
COLLECTION = 'osops.lifecycle'
CHECK_ROLE = COLLECTION + '.check'


def _task_result_data(result):
    """The module's return values (ansible-core 2.19 ``result``, older ``_result``)."""
    data = getattr(result, 'result', None)
    return data if data is not None else result._result


def _task(result):
    return getattr(result, 'task', None) or result._task


def _executing_host(result, data):
    """Where the check ran: the delegated host's inventory name, else the task's host."""
    task = _task(result)
    if data.get('_ansible_delegated_vars') and task.delegate_to:
        return task.delegate_to
    host = getattr(result, 'host', None) or result._host
    return host.get_name()


def _task_name(task):
    try:
        return task.get_name().strip() or task.action
    except Exception:  # pylint: disable=broad-except
        return getattr(task, 'action', None) or 'unnamed task'


def _true(value):
    return value is True or str(value).strip().lower() in ('true', 'yes', '1')


def _is_verdict(task):
    """Whether the task says its failure is the verdict on the checks, not an error."""
    try:
        task_vars = task.get_vars()
    except Exception:  # pylint: disable=broad-except
        task_vars = getattr(task, 'vars', None) or {}
    return _true(task_vars.get(VERDICT_VAR, False))


def _is_check_task(task):
    """Whether the task is a readiness check: one of the collection's check modules, or a task of its check role."""
    # resolved_action is the module's full name once Ansible resolved it; action as written otherwise
    action = getattr(task, 'resolved_action', None) or getattr(task, 'action', None) or ''
    collection, _dot, short = action.rpartition('.')
    if collection == COLLECTION and (short.startswith('check_') or short == 'status_check'):
        return True
    role = getattr(task, '_role', None)
    try:
        return role is not None and role.get_name() == CHECK_ROLE
    except Exception:  # pylint: disable=broad-except
        return False


def _rescued(task):
    """Whether a block around the task has a rescue section that handles its failure."""
    parent = getattr(task, '_parent', None)
    while parent is not None:
        if getattr(parent, 'rescue', None):
            return True
        parent = getattr(parent, '_parent', None)
    return False


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'osops.lifecycle.check_table'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._report = new_report()
        self._checking = False  # a readiness check ran in this run
        self._seen = False
        self._report_path = None
        self._order = None

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._report_path = self.get_option('report_path')

    def _collect(self, result):
        data = _task_result_data(result)
        self._order = report_order(data) or self._order
        if add_results(self._report, _executing_host(result, data), data):
            self._seen = self._checking = True
            return True
        return False

    def v2_playbook_on_task_start(self, task, is_conditional):
        if not self._checking and _is_check_task(task):
            self._checking = True

    def v2_runner_on_ok(self, result):
        self._collect(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if self._collect(result) or ignore_errors:
            return
        task = _task(result)
        if _is_verdict(task) or _rescued(task):
            return
        data = _task_result_data(result)
        host = _executing_host(result, data)
        if add_host_error(self._report, host, task_failed_check(host, _task_name(task), data)):
            self._seen = True

    def v2_runner_on_unreachable(self, result):
        task = _task(result)
        if getattr(task, 'ignore_unreachable', False):
            return
        data = _task_result_data(result)
        host = _executing_host(result, data)
        if add_host_error(self._report, host, unreachable_check(host, _task_name(task), data)):
            self._seen = True

    def v2_playbook_on_stats(self, stats):
        if not self._checking or (not self._seen and not self._report_path):
            return
        self._report['hosts'] = in_report_order(self._report['hosts'], self._order)
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
