"""check_service_user_token: every way the option can be written, and the error path."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_service_user_token


def run(run_module, tmp_path, text, check_mode=False):
    conf = tmp_path / 'nova.conf'
    conf.write_text(text)
    result = run_module(check_service_user_token.main, {'config_files': [str(conf)]},
                        check_mode=check_mode)
    assert result['changed'] is False
    (check,) = result['upgrade_checks']
    assert (check['project'], check['name']) == ('nova', 'Service User Token Configuration')
    return check


@pytest.mark.parametrize('value', ['true', 'True', 'YES', 'on', '1'])
def test_enabled_is_success(run_module, tmp_path, value):
    text = '[service_user]\nsend_service_user_token = %s\nauth_type = password\n' % value
    assert run(run_module, tmp_path, text)['result'] == 'Success'


@pytest.mark.parametrize('text', [
    '[service_user]\nsend_service_user_token = false\n',
    '[service_user]\nsend_service_user_token = off\n',
    '[service_user]\nauth_type = password\n',
    '[DEFAULT]\nsend_service_user_token = true\n',  # wrong section: nova ignores it
    '',
])
def test_disabled_or_unset_is_failure(run_module, tmp_path, text):
    check = run(run_module, tmp_path, text)
    assert (check['result'], check['code']) == ('Failure', 2)
    assert 'send_service_user_token = true' in check['details']


def test_later_config_file_wins(run_module, tmp_path):
    first = tmp_path / 'nova.conf'
    first.write_text('[service_user]\nsend_service_user_token = true\n')
    override = tmp_path / 'override.conf'
    override.write_text('[service_user]\nsend_service_user_token = false\n')
    result = run_module(check_service_user_token.main, {'config_files': [str(first), str(override)]})
    assert result['upgrade_checks'][0]['result'] == 'Failure'


def test_not_a_boolean_is_an_error_naming_the_option(run_module, tmp_path):
    check = run(run_module, tmp_path, '[service_user]\nsend_service_user_token = maybe\n')
    assert check['result'] == 'Error'
    assert check['details'] == ('[service_user] send_service_user_token = maybe in the nova config '
                                'is not a boolean; use true or false.')


def test_check_mode(run_module, tmp_path):
    check = run(run_module, tmp_path, '[service_user]\nsend_service_user_token = true\n', check_mode=True)
    assert check['result'] == 'Success'


def test_other_projects_are_refused(run_module):
    result = run_module(check_service_user_token.main, {'project': 'cinder'})
    assert result['failed'] is True
    assert 'value of project must be one of: nova, got: cinder' in result['msg']
