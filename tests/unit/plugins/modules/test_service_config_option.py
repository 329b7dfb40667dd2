"""service_config_option sets one option in place, predicts it in check mode, and requires it."""

from ansible_collections.osops.lifecycle.plugins.modules import service_config_option

CONF = '[DEFAULT]\n# keep me\ndebug = true\n\n[upgrade_levels]\ncompute = 6.0\n'


def test_set_check_mode_then_idempotent(tmp_path, run_module):
    path = tmp_path / 'nova.conf'
    path.write_text(CONF)
    path.chmod(0o640)
    args = {'path': str(path), 'section': 'upgrade_levels', 'option': 'compute', 'value': 'auto'}
    predicted = run_module(service_config_option.main, args, check_mode=True)
    assert predicted['changed'] and predicted['previous'] == '6.0' and path.read_text() == CONF
    done = run_module(service_config_option.main, args)
    assert done['changed'] and done['diff']['after'] == path.read_text()
    assert path.read_text() == CONF.replace('6.0', 'auto') and oct(path.stat().st_mode & 0o777) == '0o640'
    again = run_module(service_config_option.main, args)
    assert not again['changed'] and again['previous'] == again['value'] == 'auto'
    assert not list(tmp_path.glob('*.osops-tmp'))


def test_require_changes_nothing_and_says_how_to_fix(tmp_path, run_module):
    path = tmp_path / 'nova.conf'
    path.write_text('[DEFAULT]\n')
    args = {'path': str(path), 'section': 'upgrade_levels', 'option': 'compute', 'value': 'auto', 'mode': 'require'}
    result = run_module(service_config_option.main, args)
    assert result['failed'] and path.read_text() == '[DEFAULT]\n'
    assert result['msg'].startswith('[upgrade_levels] compute in %s is not set, not auto as required.' % path)
    assert 'nova_nova_conf_overrides' in result['msg']
    path.write_text('[upgrade_levels]\ncompute = auto\n')
    assert not run_module(service_config_option.main, args)['changed']


def test_missing_file(tmp_path, run_module):
    result = run_module(service_config_option.main, {'path': str(tmp_path / 'no.conf'), 'section': 's',
                                                     'option': 'o', 'value': 'v'})
    assert result['failed'] and 'the file does not exist' in result['msg'] and not (tmp_path / 'no.conf').exists()
