"""The checks that read nova's databases, on SQLite databases shaped like nova's."""

import os

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import (
    check_cells_v2,
    check_hw_machine_type,
    check_old_computes,
    check_rpc_pin,
)


def only(result, name):
    assert result['changed'] is False, result
    (check,) = result['upgrade_checks']
    assert (check['project'], check['name']) == ('nova', name)
    return check


# --- Cells v2 ---------------------------------------------------------------

def test_cells_v2_no_mappings(nova, run_module):
    check = only(run_module(check_cells_v2.main, nova.args()), 'Cells v2')
    assert check['result'] == 'Failure' and 'at least two cell mappings' in check['details']


def test_cells_v2_without_cell0(nova, run_module):
    nova.map_cells(cell0=False)
    nova.insert(nova.api, 'cell_mappings', uuid='c2', name='cell2', database_connection=nova.cell1)
    check = only(run_module(check_cells_v2.main, nova.args()), 'Cells v2')
    assert check['result'] == 'Failure' and 'No cell0 mapping found' in check['details']


def test_cells_v2_fresh_install_is_success_with_a_reminder(nova, run_module):
    nova.map_cells()
    check = only(run_module(check_cells_v2.main, nova.args()), 'Cells v2')
    assert check['result'] == 'Success' and 'discover_hosts' in check['details']


def test_cells_v2_computes_without_host_mappings(nova, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'compute_nodes', deleted=0)
    check = only(run_module(check_cells_v2.main, nova.args()), 'Cells v2')
    assert check['result'] == 'Failure' and 'No host mappings found but there are compute nodes' in check['details']


def test_cells_v2_healthy(nova, run_module):
    nova.map_cells()
    nova.insert(nova.cell1, 'compute_nodes', deleted=0)
    nova.insert(nova.api, 'host_mappings', host='compute1')
    result = run_module(check_cells_v2.main, nova.args())
    assert (only(result, 'Cells v2')['result'], only(result, 'Cells v2')['details']) == ('Success', None)
    assert [c['name'] for c in result['cells']] == ['cell0', 'cell1']
    assert 'sqlite' not in str(result['cells'])


def test_unreachable_database_is_an_error_without_the_password(tmp_path, run_module):
    conf = tmp_path / 'nova.conf'
    conf.write_text('[api_database]\nconnection = mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:9/nova_api\n')
    pytest.importorskip('pymysql')
    result = run_module(check_cells_v2.main, {'config_files': [str(conf)]})
    check = only(result, 'Cells v2')
    assert check['result'] == 'Error'
    assert 'Cannot read cell_mappings from mysql+pymysql://nova:***@127.0.0.1:9/nova_api' in check['details']
    assert 's3cr3t-pw' not in str(result)


def test_not_a_control_host(tmp_path, run_module):
    conf = tmp_path / 'nova.conf'
    conf.write_text('[DEFAULT]\nhost = compute1\n')
    check = only(run_module(check_cells_v2.main, {'config_files': [str(conf)]}), 'Cells v2')
    assert check['result'] == 'Error' and '[api_database] connection is not set' in check['details']


# --- Older than N-1 computes -------------------------------------------------

def computes(nova, *versions, **kwargs):
    nova.map_cells()
    for index, version in enumerate(versions, start=1):
        nova.insert(nova.cell1, 'services', host='compute%d' % index, binary='nova-compute',
                    version=version, deleted=0, forced_down=False, **kwargs)


@pytest.mark.parametrize('target,versions,expected', [
    ('2026.1', (68, 68), 'Success'),      # 2025.1 computes under 2026.1: SLURP, allowed
    ('2026.1', (67, 68), 'Failure'),      # a 2024.1 compute is too old for 2026.1
    ('2026.2', (72, 72), 'Success'),
    ('2026.2', (70, 72), 'Failure'),      # 2026.2 supports >= 2026.1 (72) only
    ('2025.2', (67,), 'Success'),
    ('gazpacho', (), 'Success'),          # no computes yet
])
def test_old_computes_against_the_target(nova, run_module, target, versions, expected):
    computes(nova, *versions)
    result = run_module(check_old_computes.main, nova.args(target_release=target))
    check = only(result, 'Older than N-1 computes')
    assert check['result'] == expected
    assert len(result['computes']) == len(versions)


def test_old_computes_details_name_the_hosts_and_releases(nova, run_module):
    computes(nova, 67, 72, 67)
    result = run_module(check_old_computes.main, nova.args(target_release='2026.2'))
    details = only(result, 'Older than N-1 computes')['details']
    assert details.startswith('Nova 2026.2 does not support computes older than 2026.1 but the minimum '
                              'compute service level in your system is 67 (2024.1) (on compute1, compute3)')
    assert result['oldest_supported_version'] == 72


def test_old_computes_ignores_deleted_and_forced_down(nova, run_module):
    computes(nova, 72)
    nova.insert(nova.cell1, 'services', host='gone', binary='nova-compute', version=60, deleted=5)
    nova.insert(nova.cell1, 'services', host='down', binary='nova-compute', version=60, deleted=0,
                forced_down=True)
    result = run_module(check_old_computes.main, nova.args(target_release='2026.2'))
    assert only(result, 'Older than N-1 computes')['result'] == 'Success'


def test_old_computes_in_a_templated_cell(nova, run_module):
    nova.cell1_mapping = '{scheme}:///%s' % (nova.path / 'nova.sqlite')
    computes(nova, 67)
    result = run_module(check_old_computes.main, nova.args(target_release='2026.1'))
    assert only(result, 'Older than N-1 computes')['result'] == 'Failure'


def test_unknown_target_fails_the_module_listing_known_releases(nova, run_module):
    result = run_module(check_old_computes.main, nova.args(target_release='2099.9'))
    assert result['failed'] is True
    assert result['msg'].startswith("Unknown OpenStack release '2099.9'; known releases: ")
    assert '2026.1 (gazpacho)' in result['msg']


# --- hw_machine_type ---------------------------------------------------------

def test_machine_type(nova, run_module):
    nova.map_cells()
    check = only(run_module(check_hw_machine_type.main, nova.args()), 'hw_machine_type unset')
    assert check['result'] == 'Success'
    nova.insert(nova.cell1, 'instances', uuid='i-typed', deleted=0)
    nova.insert(nova.cell1, 'instance_system_metadata', instance_uuid='i-typed',
                key='image_hw_machine_type', value='q35', deleted=0)
    nova.insert(nova.cell1, 'instances', uuid='i-gone', deleted=1)
    assert only(run_module(check_hw_machine_type.main, nova.args()), 'hw_machine_type unset')['result'] == 'Success'
    nova.insert(nova.cell1, 'instances', uuid='i-untyped', deleted=0)
    nova.insert(nova.cell0, 'instances', uuid='i-cell0', deleted=0)
    result = run_module(check_hw_machine_type.main, nova.args())
    check = only(result, 'hw_machine_type unset')
    assert (check['result'], check['code']) == ('Warning', 1)
    assert check['details'].startswith('2 instances found without hw_machine_type set.')
    assert sorted(result['instances']) == ['i-cell0', 'i-untyped']


# --- RPC pin -----------------------------------------------------------------

def control(nova, version):
    for binary in ('nova-conductor', 'nova-scheduler'):
        nova.insert(nova.cell1, 'services', host='controller', binary=binary, version=version,
                    deleted=0, forced_down=False)


def test_rpc_pin_set_is_success(nova, run_module):
    computes(nova, 70)
    control(nova, 72)
    with open(nova.conf, 'a', encoding='utf-8') as handle:
        handle.write('compute = auto\n')
    result = run_module(check_rpc_pin.main, nova.args())
    assert only(result, 'Compute RPC version pin')['result'] == 'Success'
    assert result['pin'] == 'auto'


def test_rpc_pin_unset_with_older_computes_is_failure(nova, run_module):
    computes(nova, 70, 72)
    control(nova, 72)
    result = run_module(check_rpc_pin.main, nova.args())
    check = only(result, 'Compute RPC version pin')
    assert check['result'] == 'Failure'
    assert check['details'].startswith('Computes compute1 run an older service version than the control '
                                       'services (72)')
    assert result['pin'] is None


def test_rpc_pin_unset_without_mixed_versions_is_a_warning(nova, run_module):
    computes(nova, 72)
    control(nova, 72)
    check = only(run_module(check_rpc_pin.main, nova.args()), 'Compute RPC version pin')
    assert check['result'] == 'Warning'


def test_database_checks_are_read_only(nova, run_module):
    computes(nova, 67)
    before = {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)}
    for module in (check_cells_v2, check_old_computes, check_hw_machine_type, check_rpc_pin):
        args = nova.args(target_release='2026.1') if module is check_old_computes else nova.args()
        run_module(module.main, args)
    assert {name: os.path.getmtime(nova.path / name) for name in os.listdir(nova.path)} == before
