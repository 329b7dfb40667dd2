"""Fixtures shared by the plugins' unit tests: run a module in-process.

The real PostgreSQL server (fixture ``postgres``) is in tests/conftest.py,
shared with the integration tier.
"""

import json

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


@pytest.fixture
def run_module(capsys):
    def run(main, args, check_mode=False):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        # AnsibleModule.warn() records into a process-wide dict that exit_json() returns: without
        # this, a warning of one in-process run is returned again by every later run.
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                main()
        result = json.loads(capsys.readouterr().out)
        result['_rc'] = exit_info.value.code
        return result
    return run
