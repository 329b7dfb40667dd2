"""Fixtures for module tests: run a module in-process; a small OpenStack over real HTTP on 127.0.0.1 (fake_cloud.py)."""

import json

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud


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


@pytest.fixture
def fake_cloud():
    """``fake_cloud(**options)`` starts a FakeCloud and returns it; each is stopped when the test ends.

    A started cloud is also a context manager (``with fake_cloud() as cloud:``) that stops it
    at the end of the block.
    """
    clouds = []

    def start(**options):
        cloud = FakeCloud(**options)
        clouds.append(cloud)
        return cloud.start()

    yield start
    for cloud in clouds:
        cloud.stop()
