# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A check of ``check_batch`` run by another Python interpreter - a service's venv - as a subprocess.

``check_backends`` reaches a service's databases and message queues with
the service's own drivers: it runs with the interpreter of the service's
venv.  Inside ``check_batch`` such a member is a subprocess of that
interpreter running the same check code (``check_results``), from the same
files this module was loaded from (the module's payload under Ansible), so
its results are the ones the check module gives when Ansible runs it with
that interpreter.  The subprocess then runs beside the batch's other tools.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import json
import os
import sys

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError

# What the interpreter runs: the check, its options and extra values read from the environment (REQUEST: not
# stdin, which an interpreter that fails at once would leave unread; not the command line, which any user
# reads), its return values to stdout.
REQUEST = 'OSOPS_CHECK_REQUEST'
RUNNER = ('import sys\n'
          'sys.path.insert(0, sys.argv[1])\n'
          'from ansible_collections.osops.lifecycle.plugins.module_utils._checks.interpreter import run_here\n'
          'run_here()\n')


def code_root():
    """The directory, or the zip of an Ansible module run, that holds ``ansible_collections/`` as this file was loaded."""
    here = os.path.abspath(__file__)
    return here[:here.rindex(os.sep + 'ansible_collections' + os.sep)]


def run_here(stdout=None):
    """In the interpreter: run the check the request in the environment names; its return values as JSON on stdout."""
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import check_results
    from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import lookup
    request = json.loads(os.environ.pop(REQUEST))
    _name, check = lookup(request['module'])
    (stdout or sys.stdout).write(json.dumps(check_results(check, request['params'], request['found'])))


def _last_line(text):
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    return lines[-1] if lines else 'no output'


def run_with(python, name, params, found, run_command):
    """What check module ``name`` returns with ``params`` when ``python`` runs it; OsopsError when it could not run.

    ``run_command`` is the batch's (``_checks.concurrent.timed_runner``).
    """
    if not os.access(python, os.X_OK):
        raise OsopsError('%s is not an executable file: python must be the interpreter of the venv the service runs '
                         'from (/openstack/venvs/<project>-<version>/bin/python).' % python)
    request = json.dumps(dict(module=name, params=params, found=found))
    rc, stdout, stderr = run_command([python, '-c', RUNNER, code_root()],
                                     environ_update={'PYTHONWARNINGS': 'ignore', REQUEST: request})
    try:
        result = json.loads(stdout) if rc == 0 else None
    except ValueError:
        result = None
    if not isinstance(result, dict) or 'upgrade_checks' not in result:
        raise OsopsError('%s could not run %s: exit code %s, %s.' % (python, name, rc, _last_line(stderr or stdout)))
    return result
