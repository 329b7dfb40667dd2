"""The check registry: every record is a module, every check module a record, and what they return is documented."""

import importlib
import os

import pytest
import yaml

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import api as _api
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import Outcome
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS, lookup
from ansible_collections.osops.lifecycle.plugins.modules import check_batch

MODULES = 'ansible_collections.osops.lifecycle.plugins.modules.'
MODULES_DIR = os.path.dirname(check_batch.__file__)


def test_every_check_module_file_is_registered():
    files = sorted(name[:-3] for name in os.listdir(MODULES_DIR)
                   if name.startswith('check_') and name.endswith('.py') and name != 'check_batch.py')
    assert files == sorted(CHECKS)


@pytest.mark.parametrize('name', sorted(CHECKS))
def test_the_module_file_runs_its_check(name, monkeypatch):
    module = importlib.import_module(MODULES + name)
    ran = []

    class Recorder:
        def __init__(self, check_name):
            ran.append(check_name)

        def __call__(self):
            ran.append('called')

    monkeypatch.setattr(module, 'CheckModule', Recorder)
    module.main()
    assert ran == [name, 'called']


@pytest.mark.parametrize('name', sorted(CHECKS))
def test_functions_exist_and_returns_are_documented(name):
    check = CHECKS[name]
    assert callable(check.function(check.run))
    assert check.validate is None or callable(check.function(check.validate))
    assert check.reads in ('config', 'cloud')
    documented = yaml.safe_load(importlib.import_module(MODULES + name).RETURN)
    assert {'upgrade_checks', 'code'} | set(check.returns) <= set(documented)


def test_check_services_runs_once_per_project_it_can_list():
    assert CHECKS['check_services'].projects == tuple(_api.SOURCES)


def test_lookup_takes_short_and_full_names():
    assert lookup('check_rpc_pin') == ('check_rpc_pin', CHECKS['check_rpc_pin'])
    assert lookup('osops.lifecycle.check_rpc_pin') == ('check_rpc_pin', CHECKS['check_rpc_pin'])
    with pytest.raises(KeyError):
        lookup('check_rpc_pins')


def test_check_batch_accepts_every_registered_check_and_status_check():
    choices = check_batch.CheckBatchModule.argument_spec['checks']['options']['module']['choices']
    names = set(CHECKS) | {'status_check'}
    assert set(choices) == names | set('osops.lifecycle.' + name for name in names)


@pytest.mark.parametrize('name,options', [
    ('check_policy_json', ['config_files', 'config_dir', 'project']),
    ('check_cells_v2', ['config_files', 'config_dir']),
    ('check_placement_api', ['cloud', 'auth', 'auth_type', 'region_name', 'interface', 'validate_certs',
                             'ca_cert', 'client_cert', 'client_key', 'api_timeout', 'api_retries',
                             'required_microversion']),
])
def test_shared_options_come_first(name, options):
    assert list(CHECKS[name].full_argument_spec()) == options


def test_a_check_is_a_plain_function_of_a_context():
    class Context:
        found = dict(pin=None)

        class config:
            @staticmethod
            def get(section, option):
                return ' auto ' if (section, option) == ('upgrade_levels', 'compute') else None

    check = CHECKS['check_rpc_pin']
    outcome = check.function(check.run)(Context)
    assert outcome == Outcome(0, 'Compute RPC is pinned to auto.') and Context.found == dict(pin='auto')
