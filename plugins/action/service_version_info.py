# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``service_version_info`` module: the check and discover roles run it on every host first.

Its read (module_utils/_service/processes.py) is standard library alone, so
where the module would be pipelined anyway the host's Python is given that
file and the call instead of the module (plugin_utils/_lean.py): no payload
to build here, no AnsibleModule to import there; about 0.4 s less per host
and run. The options are validated with the module's own argument spec
first, and the result is the module's: the same keys, the notes as warnings,
the same message when a directory cannot be read. Otherwise (no pipelining,
an interpreter still to discover, delegation) the module runs; on the
controller with ansible-playbook's Python, its class runs in this process.
"""

from __future__ import annotations

import functools
import sys

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import InProcessAction
from ansible_collections.osops.lifecycle.plugins.plugin_utils._lean import lean_interpreter, run_lean

try:
    from ansible_collections.osops.lifecycle.plugins.module_utils._service import processes
except ImportError:  # the module's own run says what is missing
    processes = None


@functools.lru_cache(maxsize=1)
def _source():
    """The read's code, as the host's Python is given it (read once per worker)."""
    with open(sys.modules[processes.__name__].__file__, encoding='utf-8') as handle:
        return handle.read()


class ActionModule(InProcessAction):
    MODULE = 'service_version_info'
    MODULE_CLASS = 'ServiceVersionInfoModule'
    STORE = False

    def _run_module(self, args, task_vars):
        interpreter = lean_interpreter(self, task_vars)
        if self._runs_here(task_vars) or interpreter is None or not self.module_class or processes is None:
            return super()._run_module(args, task_vars)
        params, hidden, failure = self._validated(args)
        if failure:
            return failure
        out = run_lean(self, interpreter, _source(), 'read_host(%r, %r, %r)' % (
            params['proc_path'], params['venvs_dir'], params['same_mount_namespace']), 'ReadError')
        if 'result' not in out:
            return dict(failed=True, msg=out['error']) if 'error' in out else out
        result = dict(out['result'], changed=False)
        if result['notes']:
            result['warnings'] = list(result['notes'])
        return remove_values(result, hidden)
