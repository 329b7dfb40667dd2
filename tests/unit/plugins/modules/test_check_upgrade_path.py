"""check_upgrade_path: the SLURP rules through the module, and bad input."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_upgrade_path


@pytest.mark.parametrize('current,target,result', [
    ('2025.1', '2025.2', 'Success'),   # N -> N+1
    ('2025.1', '2026.1', 'Success'),   # SLURP -> next SLURP
    ('2025.2', '2026.1', 'Success'),
    ('2025.2', '2026.2', 'Failure'),   # non-SLURP skips a release
    ('2024.1', '2026.1', 'Failure'),   # two SLURP releases at once
    ('2026.1', '2025.1', 'Failure'),   # backwards
    ('2026.1', '2026.1', 'Failure'),   # not an upgrade
])
def test_paths(run_module, current, target, result):
    out = run_module(check_upgrade_path.main, {'current_release': current, 'target_release': target})
    (check,) = out['upgrade_checks']
    assert (check['project'], check['name'], check['result']) == ('openstack', 'Upgrade path (SLURP)', result)
    assert check['details']


def test_current_release_from_the_installed_nova(run_module):
    out = run_module(check_upgrade_path.main, {'version': '31.3.1', 'target_release': 'gazpacho'})
    assert (out['current_release'], out['target_release']) == ('2025.1', '2026.1')
    assert out['upgrade_checks'][0]['result'] == 'Success'
    assert out['allowed_targets'] == ['2025.2', '2026.1']


def test_skipping_slurp_names_what_is_skipped(run_module):
    out = run_module(check_upgrade_path.main, {'current_release': '2024.1', 'target_release': '2026.1'})
    assert '2025.1 (SLURP)' in out['upgrade_checks'][0]['details']


@pytest.mark.parametrize('args,message', [
    ({'current_release': 'zed2', 'target_release': '2026.1'}, "Unknown OpenStack release 'zed2'"),
    ({'version': '99.0.0', 'target_release': '2026.1'}, "Option version: got '99.0.0', expected a nova version"),
    ({'version': 'abc', 'target_release': '2026.1'}, "nova version 'abc' is not a version"),
    ({'target_release': '2026.1'}, 'one of the following is required: current_release, version'),
    ({'current_release': '2025.1', 'version': '31.0.0', 'target_release': '2026.1'},
     'parameters are mutually exclusive: current_release|version'),
])
def test_bad_input(run_module, args, message):
    out = run_module(check_upgrade_path.main, args)
    assert out['failed'] is True and message in out['msg'], out['msg']


def test_the_source_of_the_current_release_is_in_the_details(run_module):
    out = run_module(check_upgrade_path.main, {
        'current_release': '2025.1', 'target_release': '2026.1',
        'current_release_source': "the minimum service version of nova's control services (68)."})
    assert out['upgrade_checks'][0]['details'] == (
        '2025.1 → 2026.1 goes from a SLURP release to the next SLURP release, skipping 2025.2. '
        "Current release 2025.1: the minimum service version of nova's control services (68).")
    blank = run_module(check_upgrade_path.main, {
        'current_release': '2025.1', 'target_release': '2026.1', 'current_release_source': ' '})
    assert blank['upgrade_checks'][0]['details'].endswith('skipping 2025.2.')


def control(nova, version):
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-osapi_compute'):
        nova.insert(nova.cell1, 'services', host='ctl', binary=binary, version=version, deleted=0,
                    forced_down=False)


def test_current_release_from_nova_database(nova, run_module):
    nova.map_cells()
    control(nova, 72)
    out = run_module(check_upgrade_path.main, nova.args(from_nova_database=True, version='31.3.1',
                                                        target_release='2026.2'))
    assert out['current_release'] == '2026.1'  # the database wins over the fallback's 2025.1
    assert out['upgrade_checks'][0]['details'] == (
        '2026.1 → 2026.2 is one release forward (N→N+1). Current release 2026.1: '
        "from nova's database: the lowest service version of nova's control services is 72.")


def test_the_version_stands_in_when_the_database_names_no_release(nova, run_module):
    nova.map_cells()
    out = run_module(check_upgrade_path.main, nova.args(
        from_nova_database=True, version='31.3.1', target_release='2026.1',
        current_release_source='from the nova venv (nova-31.3.1)'))
    assert (out['current_release'], out['upgrade_checks'][0]['result']) == ('2025.1', 'Success')
    assert out['upgrade_checks'][0]['details'].endswith(
        "Current release 2025.1: from the nova venv (nova-31.3.1), because nova's database gave no release: "
        'no live nova-conductor, nova-scheduler, nova-osapi_compute service with a version in the database.')
    alone = run_module(check_upgrade_path.main, nova.args(from_nova_database=True, target_release='2026.1'))
    assert (alone['current_release'], alone['allowed_targets']) == (None, [])
    assert alone['upgrade_checks'][0]['result'] == 'Error' and alone['code'] == 255
    assert alone['upgrade_checks'][0]['details'] == (
        "Nova's database gave no current release (no live nova-conductor, nova-scheduler, nova-osapi_compute "
        'service with a version in the database); pass current_release, or version as the fallback.')


def test_an_unreadable_database_is_said_without_its_password(tmp_path, run_module):
    pytest.importorskip('pymysql')
    conf = tmp_path / 'nova.conf'
    conf.write_text('[api_database]\nconnection = mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:9/nova_api\n')
    out = run_module(check_upgrade_path.main, {'config_files': [str(conf)], 'from_nova_database': True,
                                               'version': '31.3.1', 'target_release': '2026.1'})
    details = out['upgrade_checks'][0]['details']
    assert out['upgrade_checks'][0]['result'] == 'Success'
    assert "from nova 31.3.1, because nova's database gave no release: Cannot read cell_mappings from " \
           'mysql+pymysql://nova:***@127.0.0.1:9/nova_api' in details
    assert 's3cr3t-pw' not in str(out)


def test_from_nova_database_and_a_named_release_exclude_each_other(nova, run_module):
    out = run_module(check_upgrade_path.main, nova.args(from_nova_database=True, current_release='2025.1',
                                                        target_release='2026.1'))
    assert out['failed'] is True and 'mutually exclusive: current_release|from_nova_database' in out['msg']
