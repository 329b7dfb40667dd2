"""check_batch: the same results as the check modules one by one, in one process."""

import os

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._base import openstack as _openstack
from ansible_collections.osops.lifecycle.plugins.module_utils._service import nova_db as _nova_db
from ansible_collections.osops.lifecycle.plugins.modules import (
    check_batch,
    check_cells_v2,
    check_hw_machine_type,
    check_old_computes,
    check_policy_json,
    check_rpc_pin,
    check_service_user_token,
    check_upgrade_path,
)


def service(nova, host, binary, version):
    nova.insert(nova.cell1, 'services', host=host, binary=binary, version=version, deleted=0, forced_down=False)


@pytest.fixture
def cloud(nova):
    """A 2025.1 control plane (68) with a 2025.1 compute and a 2024.1 one (67), no pin, a JSON policy."""
    nova.map_cells()
    nova.insert(nova.api, 'host_mappings', host='c1')
    nova.insert(nova.cell1, 'compute_nodes', deleted=0)
    for binary in ('nova-conductor', 'nova-scheduler', 'nova-osapi_compute'):
        service(nova, 'ctl', binary, 68)
    service(nova, 'c1', 'nova-compute', 68)
    service(nova, 'c2', 'nova-compute', 67)
    nova.insert(nova.cell1, 'instances', uuid='i-1', deleted=0)
    (nova.path / 'policy.json').write_text('{}')
    with open(nova.conf, 'a') as conf:
        conf.write('[oslo_policy]\npolicy_file = %s\n[service_user]\nsend_service_user_token = true\n'
                   % (nova.path / 'policy.json'))
    return nova


# (module, its main, its options beyond config_files)
NOVA_CHECKS = [
    ('check_policy_json', check_policy_json.main, {'project': 'nova'}),
    ('check_service_user_token', check_service_user_token.main, {}),
    ('check_rpc_pin', check_rpc_pin.main, {}),
    ('check_cells_v2', check_cells_v2.main, {}),
    ('check_old_computes', check_old_computes.main, {'target_release': '2026.1'}),
    ('check_hw_machine_type', check_hw_machine_type.main, {}),
    ('check_upgrade_path', check_upgrade_path.main, {'from_nova_database': True, 'target_release': '2026.2'}),
]


def without_durations(checks):
    return [dict((k, v) for k, v in check.items() if k != 'duration') for check in checks]


def test_a_batch_returns_what_each_module_returns(cloud, run_module):
    alone = [run_module(main, cloud.args(**options)) for name, main, options in NOVA_CHECKS]
    batch = run_module(check_batch.main, {'checks': [
        {'module': name, 'options': cloud.args(**options)} for name, main, options in NOVA_CHECKS]})
    assert batch['changed'] is False and '_rc' in batch and batch['_rc'] == 0, batch
    assert [r['module'] for r in batch['modules']] == [name for name, main, options in NOVA_CHECKS]
    for own, in_batch in zip(alone, batch['modules']):
        for key in set(own) - {'changed', 'invocation', '_rc', 'upgrade_checks'}:
            assert in_batch[key] == own[key], key
        assert without_durations(in_batch['upgrade_checks']) == without_durations(own['upgrade_checks'])
    flat = without_durations(c for own in alone for c in own['upgrade_checks'])
    assert without_durations(batch['upgrade_checks']) == flat
    # What this cloud really is: every outcome, so the comparison above cannot pass on empty results.
    assert [(c['name'], c['result']) for c in flat] == [
        ('Policy File JSON to YAML Migration', 'Failure'), ('Service User Token Configuration', 'Success'),
        ('Compute RPC version pin', 'Failure'), ('Cells v2', 'Success'),
        ('Older than N-1 computes', 'Failure'), ('hw_machine_type unset', 'Warning'),
        ('Upgrade path (SLURP)', 'Failure')]
    assert batch['code'] == 2


def test_cluster_names_the_cloud_of_the_cloud_wide_checks(cloud, run_module, monkeypatch):
    batch = run_module(check_batch.main, {'cluster': 'prod', 'checks': [
        {'module': name, 'options': cloud.args(**options)} for name, main, options in NOVA_CHECKS]})
    assert [(c['name'], c.get('scope')) for c in batch['upgrade_checks']] == [
        ('Policy File JSON to YAML Migration', None), ('Service User Token Configuration', None),
        ('Compute RPC version pin', None),  # each host's own configuration
        ('Cells v2', 'prod'), ('Older than N-1 computes', 'prod'), ('hw_machine_type unset', 'prod'),
        ('Upgrade path (SLURP)', 'prod')]
    monkeypatch.setattr(_openstack.openstack, 'connect', lambda **kwargs: None)
    api = run_module(check_batch.main, {'cloud': 'lab', 'cluster': 'prod', 'checks': [{'module': 'check_placement_api'}]})
    assert [c.get('scope') for c in api['upgrade_checks']] == ['prod']


def test_one_config_and_one_database_for_the_whole_batch(cloud, run_module, monkeypatch):
    opened = []
    real = _nova_db.NovaDatabase.__init__

    def counting(self, config):
        opened.append(config)
        real(self, config)

    monkeypatch.setattr(_nova_db.NovaDatabase, '__init__', counting)
    batch = run_module(check_batch.main, {'checks': [
        {'module': name, 'options': cloud.args(**options)} for name, main, options in NOVA_CHECKS]})
    assert batch['code'] == 2
    assert len(opened) == 1
    alone = run_module(check_cells_v2.main, cloud.args())
    assert alone['upgrade_checks'][0]['result'] == 'Success' and len(opened) == 2


def test_each_table_is_reflected_once_per_database(cloud, run_module, monkeypatch):
    reflected = []
    real = _nova_db.sa.Table

    def counting(name, metadata, *args, **kwargs):
        if 'autoload_with' in kwargs:
            reflected.append((str(kwargs['autoload_with'].engine.url), name, kwargs.get('resolve_fks', True)))
        return real(name, metadata, *args, **kwargs)

    monkeypatch.setattr(_nova_db.sa, 'Table', counting)
    checks = NOVA_CHECKS + [('check_online_migrations', None, {})]
    batch = run_module(check_batch.main, {'checks': [
        {'module': name, 'options': cloud.args(**options)} for name, main, options in checks]})
    assert batch['code'] == 2 and reflected
    assert len(reflected) == len(set(reflected)), sorted(reflected)  # services, instances...: once per database
    assert {resolve for _url, _name, resolve in reflected} == {False}  # not the tables their foreign keys name


def test_controller_checks_are_the_action_plugins(cloud, run_module):
    out = run_module(check_batch.main, {'checks': [{'module': 'check_rpc_pin', 'options': cloud.args()}],
                                        'controller_checks': [{'module': 'check_placement_api'}]})
    assert out['failed'] is True and 'upgrade_checks' not in out
    assert out['msg'].startswith('controller_checks are run from the controller by the action plugin of '
                                 'osops.lifecycle.check_batch'), out['msg']


def test_api_checks_share_one_connection(run_module, monkeypatch):
    made = []

    class Unreachable:
        def __getattr__(self, name):
            raise _openstack.ksa_exceptions.ConnectFailure('Unable to establish connection')

    def connect(**kwargs):
        made.append(kwargs)
        return Unreachable()

    monkeypatch.setattr(_openstack.openstack, 'connect', connect)
    monkeypatch.setattr(_openstack, 'install', lambda conn, retries: conn)  # no session to retry with
    batch = run_module(check_batch.main, {'cloud': 'lab', 'checks': [
        {'module': 'check_placement_api'}, {'module': 'osops.lifecycle.check_cinder_api'},
        {'module': 'check_instance_states', 'options': {'list_limit': 3}}]})
    assert made == [{'cloud': 'lab', 'interface': 'public'}]
    assert [(c['name'], c['result']) for c in batch['upgrade_checks']] == [
        ('Placement API', 'Error'), ('Cinder API', 'Error'), ('Instances in transitional states', 'Error')]
    assert batch['code'] == 255


@pytest.mark.parametrize('checks,message', [
    ([{'module': 'check_cells_v3'}], 'value of module must be one of'),
    ([{'module': 'check_cells_v2'}, {'module': 'check_old_computes'}],
     'checks[1] (check_old_computes): missing required arguments: target_release'),
    ([{'module': 'check_old_computes', 'options': {'target_release': '2031.7'}}],
     "checks[0] (check_old_computes): Unknown OpenStack release '2031.7'"),
    ([{'module': 'check_policy_json', 'options': {'project': 'nova', 'colour': 'blue'}}],
     'checks[0] (check_policy_json): Unsupported parameters'),
    ([{'module': 'check_placement_api', 'options': {'cloud': 'other'}}],
     'checks[0] (check_placement_api): cloud is an option of check_batch, not of each check'),
    ([{'module': 'check_upgrade_path', 'options': {'target_release': '2026.1'}}],
     'checks[0] (check_upgrade_path): one of the following is required: current_release, version, '
     'from_nova_database'),
])
def test_bad_input_runs_nothing(cloud, run_module, checks, message, monkeypatch):
    ran = []
    monkeypatch.setattr(_nova_db.NovaDatabase, 'cell_mappings', lambda self: ran.append(self) or [])
    for entry in checks:
        entry.setdefault('options', {}).update(cloud.args() if entry['module'] != 'check_placement_api' else {})
    out = run_module(check_batch.main, {'checks': checks})
    assert out['failed'] is True and message in out['msg'], out['msg']
    assert 'upgrade_checks' not in out and ran == []


def test_check_mode_reads_only(cloud, run_module):
    before = {name: os.path.getmtime(cloud.path / name) for name in os.listdir(cloud.path)}
    checks = [{'module': name, 'options': cloud.args(**options)} for name, main, options in NOVA_CHECKS]
    normal = run_module(check_batch.main, {'checks': checks})
    checked = run_module(check_batch.main, {'checks': checks}, check_mode=True)
    assert without_durations(normal['upgrade_checks']) == without_durations(checked['upgrade_checks'])
    assert {name: os.path.getmtime(cloud.path / name) for name in os.listdir(cloud.path)} == before
