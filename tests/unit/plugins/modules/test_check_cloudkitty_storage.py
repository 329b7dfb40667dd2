"""check_cloudkitty_storage: v1, v2, unset, malformed."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_cloudkitty_storage


@pytest.mark.parametrize('text,result,version', [
    ('[storage]\nversion = 2\nbackend = influxdb\n', 'Success', 2),
    ('[storage]\nbackend = influxdb\n', 'Success', 2),
    ('[storage]\nversion = 1\n', 'Warning', 1),
    ('[storage]\nversion = two\n', 'Error', None),
    ('[storage]\nversion = 3\n', 'Error', None),
])
def test_storage_version(run_module, tmp_path, text, result, version):
    conf = tmp_path / 'cloudkitty.conf'
    conf.write_text(text)
    out = run_module(check_cloudkitty_storage.main, {'config_files': [str(conf)]})
    (check,) = out['upgrade_checks']
    assert (check['project'], check['name'], check['result']) == ('cloudkitty', 'Storage version', result)
    assert out['storage_version'] == version
    if result == 'Error':
        assert '[storage] version' in check['details']


#: cloudkitty-status's details for storage v1 (cloudkitty 22.1.0 and 24.0.0, run on the lab).
CLOUDKITTY_STATUS_V1 = 'Storage version is inferior to 2. Support for v1 storage will be dropped in a future release.'


def test_v1_details_are_cloudkitty_status_s_then_what_to_do(run_module, tmp_path):
    conf = tmp_path / 'cloudkitty.conf'
    conf.write_text('[storage]\nversion = 1\nbackend = sqlalchemy\n')
    (check,) = run_module(check_cloudkitty_storage.main, {'config_files': [str(conf)]})['upgrade_checks']
    assert check['details'].startswith(CLOUDKITTY_STATUS_V1 + ' Set [storage] version = 2')
    assert check['details'].endswith('(rated data in the v1 storage is not moved).')
