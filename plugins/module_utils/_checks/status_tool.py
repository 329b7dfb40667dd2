# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One run of a project's ``<project>-status upgrade check``: the ``status_check`` module, and a member of ``check_batch``.

``_checks.status_cli`` builds the command line and reads the answer; this
finds the tool, runs it and returns what the module returns.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.concurrent import CommandTimeout
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import Code, CheckResult, worst
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.status_cli import JSON_CAPABLE, classify, status_command
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import mask_url

STATUS_ARGUMENT_SPEC = dict(
    project=dict(type='str', required=True),
    venv=dict(type='path'),
    executable=dict(type='str'),
    command_prefix=dict(type='list', elements='str', default=[]),
    config_files=dict(type='list', elements='path', default=[]),
    config_dir=dict(type='path'),
    json=dict(type='str', choices=['auto', 'always', 'never'], default='auto'),
    environment=dict(type='dict', default={}),
)


def executable(params, get_bin_path):
    """``(tool, None)``, or ``(None, reason)`` when what runs first is not on this host."""
    name = params['executable'] or '%s-status' % params['project']
    if params['venv'] and not params['executable']:
        name = os.path.join(params['venv'], 'bin', name)
    prefix = params['command_prefix']
    first = prefix[0] if prefix else name
    if os.sep in first:
        found = first if os.access(first, os.X_OK) else None
    else:
        found = get_bin_path(first)
    if not found:
        return None, ('%s does not exist or is not executable on this host; name the tool '
                      'with executable or venv' % first)
    return (name if prefix else found), None


def status_results(params, run_command, get_bin_path):
    """What ``status_check`` returns for ``params`` (its options): the tool's checks, or one Error saying why there are none.

    ``run_command`` is ``AnsibleModule.run_command`` or a :func:`_checks.concurrent.timed_runner`
    of it; a run it stops or cannot start is that Error.
    """
    project = params['project']
    # Reported under the tool's name, so its checks stand apart from the
    # native checks of the same names.
    label = '%s-status' % project
    command_name = '%s upgrade check' % label
    tool, missing = executable(params, get_bin_path)
    use_json = params['json'] == 'always' or (params['json'] == 'auto' and project in JSON_CAPABLE)
    cmd = status_command(tool or '', params['config_files'], params['config_dir'], use_json, params['command_prefix'])
    exit_code = None
    start = time.monotonic()
    if missing:
        error = '%s could not run: %s.' % (command_name, missing)
        results = [CheckResult(command_name, Code.ERROR, error, project=label)]
    else:
        environ = dict(params['environment'], PYTHONWARNINGS='ignore')
        try:
            exit_code, stdout, stderr = run_command(cmd, environ_update=environ)
        except CommandTimeout as exc:
            error = '%s: %s' % (command_name, exc.msg)
            results = [CheckResult(command_name, Code.ERROR, error, duration=time.monotonic() - start, project=label)]
        except OsopsError as exc:
            error = '%s could not run: %s' % (command_name, exc.msg)
            results = [CheckResult(command_name, Code.ERROR, error, duration=time.monotonic() - start, project=label)]
        else:
            results, error = classify(label, command_name, exit_code, stdout, stderr, time.monotonic() - start)
            if error:  # a tool that failed may print a database or message queue URL, its password included
                error = mask_url(error)
                results = [replace(r, details=error) if r.name == command_name else r for r in results]
    return dict(upgrade_checks=[r.as_dict() for r in results], code=worst(r.code for r in results),
                exit_code=exit_code, cmd=cmd, run_error=error)
