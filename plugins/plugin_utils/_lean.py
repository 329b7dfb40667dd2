# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a read made of standard-library code on a host, without building a module around it.

A module run builds its payload on the controller (the module, Ansible's
module_utils and the collection's: about a quarter of a second of
ansible-playbook's CPU for service_version_info) and, on the host, unpacks it
and imports AnsibleModule (a sixth of a second more). A read whose code is one
module_utils file of the standard library alone needs neither: the host's
Python is given that file's source and one call on its standard input, and
prints the call's result as JSON. The command is the one a pipelined module
run uses (the task's environment, the interpreter, become), only the program
differs.

It is used only where the module would be pipelined anyway (pipelining on,
no async), with an interpreter that is known without discovery (set, or
discovered by an earlier task), and not delegated; otherwise the module runs.
The action plugin validates the options with the module's argument spec first.
"""

from __future__ import annotations

import json

#: Appended to the source: the call's result, or the message of an expected error, as the last line printed.
DRIVER = '''

def _lean_main():
    import json as _json
    try:
        out = {"result": %s}
    except %s as exc:
        out = {"error": str(exc)}
    print()
    print(_json.dumps(out))


_lean_main()
'''


def lean_interpreter(action, task_vars):
    """The host's Python a lean run uses, or None when the module must run instead."""
    if action._task.delegate_to or action._task.async_val:
        return None
    if not action._is_pipelining_enabled('new'):
        return None
    value = task_vars.get('ansible_python_interpreter')
    if value is None:
        value = (task_vars.get('ansible_facts') or {}).get('discovered_interpreter_python')
    if value is None:
        return None
    value = action._templar.template(value)
    if not isinstance(value, str) or not value.startswith('/'):
        return None  # "auto" and its kinds: discovery, which the module run does
    return value


def run_lean(action, interpreter, source, call, error_class):
    """The result of ``call`` (a Python expression of ``source``'s names) run on the host by ``interpreter``.

    ``{'result': value}``, ``{'error': message}`` when the call raised
    ``error_class`` (a name of ``source``), or a failure (``failed``, ``msg``)
    when the host's Python could not run it or printed no result.
    """
    program = source + DRIVER % (call, error_class)
    command = action._connection._shell.build_module_command(action._compute_environment_string(), '#!' + interpreter, '')
    res = action._low_level_execute_command(command, sudoable=True, in_data=program.encode('utf-8'))
    lines = [line for line in (res.get('stdout') or '').splitlines() if line.strip()]
    try:
        out = json.loads(lines[-1]) if lines else None
    except ValueError:
        out = None
    if res.get('rc') != 0 or not isinstance(out, dict) or not ('result' in out or 'error' in out):
        stderr = (res.get('stderr') or '').strip()
        return dict(failed=True, rc=res.get('rc'), msg='%s on the host could not run the read (exit code %s)%s' % (
            interpreter, res.get('rc'), ': %s' % stderr.splitlines()[-1] if stderr else ''),
            stdout=res.get('stdout', ''), stderr=res.get('stderr', ''))
    return out
