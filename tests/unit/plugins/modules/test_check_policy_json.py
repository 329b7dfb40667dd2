"""check_policy_json: all three outcomes that apply, the error path, bad options."""

import json
import os

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_policy_json

CONF = """[DEFAULT]
debug = true
{extra}
"""


@pytest.fixture
def etc(tmp_path, monkeypatch):
    # Keep oslo.config's fallback search dirs (~/.nova, ~) inside the sandbox.
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    conf_dir = tmp_path / 'etc' / 'nova'
    conf_dir.mkdir(parents=True)
    return conf_dir


def write_conf(conf_dir, extra=''):
    path = conf_dir / 'nova.conf'
    path.write_text(CONF.format(extra=extra))
    return str(path)


def only_check(result):
    assert result['_rc'] == 0, result
    assert result['changed'] is False
    (check,) = result['upgrade_checks']
    assert check['name'] == 'Policy File JSON to YAML Migration'
    assert check['project'] == 'nova'
    assert set(check) == {'project', 'name', 'result', 'code', 'details', 'duration'}
    assert result['code'] == check['code']
    return check


def test_no_policy_file_is_success(etc, run_module):
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [write_conf(etc)]})
    check = only_check(result)
    assert (check['result'], check['code'], check['details']) == ('Success', 0, None)
    assert result['policy_file'] is None


def test_yaml_policy_file_is_success(etc, run_module):
    (etc / 'policy.yaml').write_text('"os_compute_api:servers:index": "rule:admin_api"\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [write_conf(etc)]})
    assert only_check(result)['result'] == 'Success'
    assert result['policy_file'] == str(etc / 'policy.yaml')


def test_json_policy_file_named_in_config_is_failure(etc, run_module):
    (etc / 'policy.json').write_text(json.dumps({'admin_api': 'is_admin:True'}))
    conf = write_conf(etc, '[oslo_policy]\npolicy_file = policy.json\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [conf]})
    check = only_check(result)
    assert (check['result'], check['code']) == ('Failure', 2)
    assert str(etc / 'policy.json') in check['details']
    assert 'oslopolicy-convert-json-to-yaml' in check['details']


def test_json_content_under_a_yaml_name_is_failure(etc, run_module):
    # oslo checks the content, not the extension: JSON is valid YAML too.
    (etc / 'policy.yaml').write_text('{"admin_api": "is_admin:True"}')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [write_conf(etc)]})
    assert only_check(result)['result'] == 'Failure'


def test_config_dir_overrides_config_file(etc, run_module, tmp_path):
    (etc / 'policy.json').write_text('{}')
    conf = write_conf(etc, '[oslo_policy]\npolicy_file = policy.json\n')
    conf_d = tmp_path / 'nova.conf.d'
    conf_d.mkdir()
    (conf_d / '50-policy.conf').write_text('[oslo_policy]\npolicy_file = custom.yaml\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [conf],
                                                 'config_dir': str(conf_d)})
    assert only_check(result)['result'] == 'Success'


def test_policy_file_in_default_section_is_not_oslo_policy(etc, run_module):
    (etc / 'policy.json').write_text('{}')
    conf = write_conf(etc, 'policy_file = policy.json\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [conf]})
    assert only_check(result)['result'] == 'Success'


def test_absolute_policy_path(etc, run_module, tmp_path):
    policy = tmp_path / 'elsewhere.json'
    policy.write_text('{}')
    conf = write_conf(etc, '[oslo_policy]\npolicy_file = %s\n' % policy)
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [conf]})
    assert only_check(result)['result'] == 'Failure'


def test_check_mode_gives_the_same_answer(etc, run_module):
    (etc / 'policy.json').write_text('{}')
    conf = write_conf(etc, '[oslo_policy]\npolicy_file = policy.json\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [conf]},
                        check_mode=True)
    assert only_check(result)['result'] == 'Failure'
    assert os.path.exists(etc / 'policy.json')


def test_missing_config_file_is_an_error_result_not_a_crash(etc, run_module):
    missing = str(etc / 'absent.conf')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [missing]})
    check = only_check(result)
    assert (check['result'], check['code'], result['code']) == ('Error', 255, 255)
    assert missing in check['details'] and 'config_files' in check['details']
    assert 'Traceback' not in json.dumps(result)


def test_unparsable_config_is_an_error_result(etc, run_module):
    path = etc / 'nova.conf'
    path.write_text('this is not ini\n')
    result = run_module(check_policy_json.main, {'project': 'nova', 'config_files': [str(path)]})
    check = only_check(result)
    assert check['result'] == 'Error'
    assert str(path) in check['details']


def test_unknown_option_is_a_clear_module_failure(run_module):
    result = run_module(check_policy_json.main, {'project': 'nova', 'policy': 'x'})
    assert result['failed'] is True and result['_rc'] == 1
    assert 'policy' in result['msg'] and 'Supported parameters include' in result['msg']


def test_missing_project_is_a_clear_module_failure(run_module):
    result = run_module(check_policy_json.main, {})
    assert result['failed'] is True
    assert result['msg'] == 'missing required arguments: project'
