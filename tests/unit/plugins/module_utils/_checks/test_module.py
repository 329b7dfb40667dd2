"""The generic check module, with toy checks: one function and one registration each."""

import copy
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from ansible_collections.osops import lifecycle
from ansible_collections.osops.lifecycle.plugins.module_utils._checks import registry
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule, check_results
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import Check
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError


def colour(ctx):
    ctx.found['seen'] = ctx.params['colour']
    return warning('%s is %s.' % (ctx.project, ctx.params['colour']))


def colour_option(params):
    if params['colour'] == 'plaid':
        raise OptionError('colour', 'plaid', 'a plain colour')
    return dict(asked=params['colour'])


def not_an_outcome(ctx):
    return 'fine'


def raises(ctx):
    raise KeyError('cell0')


def refuses(ctx):
    ctx.found['seen'] = 'half-way'
    raise OsopsError('The toy cannot be read.')


def per_project(ctx, project):
    if project == 'neutron':
        raise RuntimeError('agents unreachable')
    ctx.found['seen'].append(project)
    return success()


def config_project(ctx):
    return success(ctx.config.project)


TOYS = SimpleNamespace(colour=colour, colour_option=colour_option, not_an_outcome=not_an_outcome, raises=raises,
                       refuses=refuses, per_project=per_project, config_project=config_project)


def toy(run, **fields):
    fields.setdefault('argument_spec', dict(colour=dict(type='str', default='blue')))
    fields.setdefault('returns', dict(seen=None))
    return Check('Toy', lambda: TOYS, run, **fields)


@pytest.fixture
def register(monkeypatch):
    def add(check):
        monkeypatch.setitem(registry.CHECKS, 'check_toy', check)

        def main():
            CheckModule('check_toy')()
        return main
    return add


def test_a_toy_check_is_a_module(register, run_module):
    main = register(toy('colour', validate='colour_option', project=registry.project_option,
                        argument_spec=dict(project=dict(type='str', default='glance'),
                                           colour=dict(type='str', required=True))))
    result = run_module(main, {'colour': 'red', 'config_files': ['/etc/glance/glance.conf']})
    (check,) = result['upgrade_checks']
    assert (check['project'], check['name'], check['result'], check['details']) == (
        'glance', 'Toy', 'Warning', 'glance is red.')
    assert (result['code'], result['seen'], result['asked'], result['changed']) == (1, 'red', 'red', False)
    assert result['invocation']['module_args'] == {
        'colour': 'red', 'project': 'glance', 'config_files': ['/etc/glance/glance.conf'], 'config_dir': None}


@pytest.mark.parametrize('run,details', [
    ('not_an_outcome', "The check raised TypeError: check returned 'fine' instead of an Outcome"),
    ('raises', "The check raised KeyError: 'cell0'"),
])
def test_a_broken_check_is_an_error_with_its_default_returns(register, run_module, run, details):
    result = run_module(register(toy(run, returns=dict(seen=None, items=[]))), {})
    assert 'failed' not in result and result['_rc'] == 0
    assert [(c['name'], c['result'], c['code'], c['details']) for c in result['upgrade_checks']] == [
        ('Toy', 'Error', 255, details)]
    assert (result['code'], result['seen'], result['items']) == (255, None, [])


def test_an_osops_error_is_the_checks_details_and_what_it_found_is_kept(register, run_module):
    result = run_module(register(toy('refuses')), {})
    assert [(c['result'], c['details']) for c in result['upgrade_checks']] == [('Error', 'The toy cannot be read.')]
    assert result['seen'] == 'half-way'


def test_a_bad_option_fails_the_module_and_runs_nothing(register, run_module):
    result = run_module(register(toy('raises', validate='colour_option')), {'colour': 'plaid'})
    assert result['failed'] is True and 'upgrade_checks' not in result
    assert result['msg'] == "Option colour: got 'plaid', expected a plain colour."
    unknown = run_module(register(toy('colour')), {'colour': 'red', 'cloud': 'lab'})
    assert unknown['failed'] is True and unknown['msg'].startswith('Unsupported parameters')


def test_a_cloud_check_takes_the_authentication_options(register, run_module, monkeypatch):
    main = register(toy('raises', reads='cloud'))
    result = run_module(main, {'cloud': {'auth': {'password': 'toy-s3cret'}}})
    assert result['upgrade_checks'][0]['result'] == 'Error' and 'toy-s3cret' not in json.dumps(result)
    conflict = run_module(main, {'cloud': {'auth': {}}, 'region_name': 'R'})
    assert conflict['failed'] is True and conflict['msg'].startswith('Option region_name: ')
    from ansible_collections.osops.lifecycle.plugins.module_utils._base import openstack as _openstack
    monkeypatch.setattr(_openstack, 'openstack', None)
    missing = run_module(main, {'cloud': 'lab'})
    assert missing['failed'] is True and 'openstacksdk' in missing['msg'] and 'import_error' in missing


def test_one_result_per_project_each_isolated(register, run_module):
    main = register(toy('per_project', projects=('nova', 'neutron', 'cinder'), returns=dict(seen=[])))
    for attempt in (1, 2):  # the second run starts from the defaults again
        result = run_module(main, {})
        assert [(c['project'], c['result']) for c in result['upgrade_checks']] == [
            ('nova', 'Success'), ('neutron', 'Error'), ('cinder', 'Success')]
        assert result['seen'] == ['nova', 'cinder'] and result['code'] == 255


def test_checks_given_one_cache_share_what_they_build(tmp_path):
    conf = tmp_path / 'nova.conf'
    conf.write_text('')
    shared = {}
    for attempt in (1, 2):
        check_results(toy('config_project', returns={}), {'config_files': [str(conf)], 'config_dir': None}, {}, shared)
    assert list(shared) == [('config', 'nova', (str(conf),), None)]


IMPORTS = """
import json, sys
sys.path.insert(0, {path!r})
from ansible.module_utils.testing import patch_module_args
from ansible_collections.osops.lifecycle.plugins.modules import {module} as module
with patch_module_args({args!r}):
    try:
        module.main()
    except SystemExit:
        pass
print(json.dumps(sorted(name for name in ('openstack', 'sqlalchemy') if name in sys.modules)))
"""


@pytest.mark.parametrize('module,args,imported', [
    ('check_policy_json', {'project': 'nova'}, []),
    ('check_cloudkitty_storage', {}, []),
    ('check_batch', {'checks': [{'module': 'check_cells_v2'}, {'module': 'check_rpc_pin'},
                                {'module': 'check_policy_json', 'options': {'project': 'nova'}}]}, ['sqlalchemy']),
    ('check_batch', {'checks': [{'module': 'check_service_user_token'}]}, []),
    ('check_placement_api', {'cloud': 'nope'}, ['openstack']),
])
def test_checks_import_only_what_they_use(module, args, imported, tmp_path):
    nova = tmp_path / 'nova.conf'
    nova.write_text('[api_database]\nconnection = sqlite:///%s\n' % (tmp_path / 'api.sqlite'))
    args = copy.deepcopy(args)
    if module == 'check_batch':
        for entry in args['checks']:
            entry.setdefault('options', {})['config_files'] = [str(nova)]
    elif 'cloud' not in args:
        args['config_files'] = [str(nova)]
    collections = os.path.dirname(os.path.dirname(os.path.dirname(lifecycle.__path__[0])))
    proc = subprocess.run([sys.executable, '-c', IMPORTS.format(path=collections, module=module, args=args)],
                          capture_output=True, text=True, check=True, cwd=str(tmp_path),
                          env=dict(os.environ, HOME=str(tmp_path), OS_CLIENT_CONFIG_FILE=str(tmp_path / 'none')))
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == imported
