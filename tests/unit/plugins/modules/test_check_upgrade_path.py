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
