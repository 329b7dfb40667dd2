"""The config_checks and nova_db_checks filters build the check role's batches."""

import pytest

from ansible_collections.osops.lifecycle.plugins.filter.check_batches import (
    backends_checks,
    config_checks,
    nova_db_checks,
    schema_checks,
    status_checks,
)

SERVICE_GROUPS = {
    'keystone': ['keystone_all'],
    'nova': ['nova_api_os_compute', 'nova_conductor', 'nova_compute'],
    'cinder': ['cinder_api', 'cinder_volume'],
    'cloudkitty': ['cloudkitty_all'],
}
NOVA_CONF = {'nova': ['/etc/nova/nova.conf', '/etc/nova/extra.conf']}


def modules(checks):
    return [(check['module'], check['options'].get('project')) for check in checks]


@pytest.mark.parametrize('group_names,expected', [
    (['nova_compute'], [('check_policy_json', 'nova'), ('check_service_user_token', None)]),
    # one project held through any of its groups, once
    (['nova_conductor', 'nova_api_os_compute'], [('check_policy_json', 'nova'), ('check_service_user_token', None)]),
    # policy per project in the order of the service groups, then nova's and cloudkitty's own
    (['cloudkitty_all', 'cinder_volume', 'keystone_all', 'nova_conductor'],
     [('check_policy_json', 'keystone'), ('check_policy_json', 'nova'), ('check_policy_json', 'cinder'),
      ('check_policy_json', 'cloudkitty'), ('check_service_user_token', None), ('check_cloudkitty_storage', None)]),
    (['cloudkitty_all'], [('check_policy_json', 'cloudkitty'), ('check_cloudkitty_storage', None)]),
    (['galera_all', 'ungrouped'], []),
    ([], []),
])
def test_config_checks_follow_the_host_groups(group_names, expected):
    assert modules(config_checks(SERVICE_GROUPS, group_names)) == expected


@pytest.mark.parametrize('config_files,expected', [
    ({}, {}),
    (NOVA_CONF, {'nova': NOVA_CONF['nova']}),
    # an empty list is given, not dropped: the checks then read no file
    ({'cinder': [], 'cloudkitty': ['/etc/cloudkitty/ck.conf']}, {'cinder': [], 'cloudkitty': ['/etc/cloudkitty/ck.conf']}),
])
def test_config_files_only_for_the_projects_listed(config_files, expected):
    checks = config_checks(SERVICE_GROUPS, ['nova_compute', 'cinder_api', 'cloudkitty_all'], config_files=config_files)
    project_of = {'check_service_user_token': 'nova', 'check_cloudkitty_storage': 'cloudkitty'}
    for check in checks:
        project = check['options'].get('project') or project_of[check['module']]
        if project in expected:
            assert check['options']['config_files'] == expected[project], check
        else:
            assert 'config_files' not in check['options'], check


def test_config_checks_options_are_the_check_modules_own():
    checks = config_checks(SERVICE_GROUPS, ['nova_compute'], config_files=NOVA_CONF)
    assert checks == [
        {'module': 'check_policy_json', 'options': {'project': 'nova', 'config_files': NOVA_CONF['nova']}},
        {'module': 'check_service_user_token', 'options': {'config_files': NOVA_CONF['nova']}},
    ]


def test_nova_db_checks_without_the_cloud_checks_is_the_rpc_pin_only():
    assert nova_db_checks('2026.1', config_files=NOVA_CONF, current_release='2025.1', venv_version='31.3.1',
                          venvs_dir='/openstack/venvs') == [
        {'module': 'check_rpc_pin', 'options': {'config_files': NOVA_CONF['nova']}}]


def test_nova_db_checks_of_the_whole_cloud():
    checks = nova_db_checks('2026.1', config_files=NOVA_CONF, cloud_checks=True)
    assert [c['module'] for c in checks] == ['check_rpc_pin', 'check_cells_v2', 'check_old_computes',
                                             'check_hw_machine_type', 'check_online_migrations', 'check_upgrade_path']
    assert all(c['options']['config_files'] == NOVA_CONF['nova'] for c in checks)
    assert [c['options'].get('target_release') for c in checks] == [None, None, '2026.1', None, None, '2026.1']


@pytest.mark.parametrize('current,venv_version,expected', [
    # given by the operator: that release, nothing read from the database
    ('2025.1', '31.3.1', {'current_release': '2025.1', 'current_release_source': 'given (osops_check_current_release)'}),
    # else nova's database, with the venv standing in when the database tells nothing
    (None, '31.3.1', {'from_nova_database': True, 'version': '31.3.1',
                      'current_release_source': 'from the newest nova venv under /srv/venvs older than the target '
                                                '(nova-31.3.1)'}),
    (None, None, {'from_nova_database': True}),
    ('', '', {'from_nova_database': True}),
])
def test_nova_db_checks_upgrade_path_source(current, venv_version, expected):
    checks = nova_db_checks('2026.2', cloud_checks=True, current_release=current, venv_version=venv_version,
                            venvs_dir='/srv/venvs')
    (path,) = [c['options'] for c in checks if c['module'] == 'check_upgrade_path']
    assert path == dict(expected, target_release='2026.2')


def test_nova_db_checks_options_are_separate_dicts():
    checks = nova_db_checks('2026.1', config_files=NOVA_CONF, cloud_checks=True)
    checks[0]['options']['config_files'] = ['/changed']
    assert checks[1]['options']['config_files'] == NOVA_CONF['nova']


def test_nova_db_checks_leave_out_the_upgrade_path_when_asked():
    # the upgrade role's readiness after an upgrade: the cloud is at the target, no path to check
    full = [c['module'] for c in nova_db_checks('2026.1', cloud_checks=True)]
    without = [c['module'] for c in nova_db_checks('2026.1', cloud_checks=True, upgrade_path=False)]
    assert 'check_upgrade_path' in full
    assert without == [m for m in full if m != 'check_upgrade_path']


def test_backends_checks_one_per_project_on_the_host_with_its_venv():
    groups = {'keystone': ['keystone_all'], 'nova': ['nova_compute', 'nova_conductor'], 'glance': ['glance_all'],
              'cinder': ['cinder_api']}
    venvs = [{'path': '/srv/venvs/%s' % name} for name in ('nova-31.3.1', 'nova-33.0.2', 'glance-30.2.0', 'keystone-27.1.0')]
    target = {'nova': {'first': '33.0.0'}, 'keystone': {'first': '29.0.0'}, 'glance': {'first': '32.0.0'}}
    assert backends_checks(groups, ['nova_conductor', 'glance_all', 'cinder_api'], venvs, '/srv/venvs', target,
                           config_files={'glance': ['/etc/glance/glance-api.conf']}) == [
        # nova: the venv older than the target, not the staged one; keystone: not on this host; cinder: no venv
        {'project': 'nova', 'python': '/srv/venvs/nova-31.3.1/bin/python'},
        {'project': 'glance', 'python': '/srv/venvs/glance-30.2.0/bin/python', 'config_files': ['/etc/glance/glance-api.conf']},
    ]
    assert backends_checks(groups, ['nova_compute'], [], '/srv/venvs', target) == []


def test_schema_checks_take_the_running_venv_else_the_one_before_the_target():
    names = ('keystone-27.1.0', 'keystone-28.1.0', 'keystone-29.1.0', 'neutron-26.0.6', 'neutron-28.0.2')
    venvs = [{'path': '/srv/venvs/%s' % name} for name in names]
    target = {'keystone': {'first': '29.0.0'}, 'neutron': {'first': '28.0.0'}, 'glance': {'first': '32.0.0'}}
    checks = schema_checks(['keystone', 'neutron', 'glance'], venvs, '/srv/venvs', target,
                           running={'keystone': ['27.1.0', '28.1.0']}, config_files={'neutron': ['/etc/neutron/neutron.conf']})
    assert checks == [
        # keystone: the newest version its processes run; neutron runs nothing here: the venv before the target
        {'module': 'check_schema_migrations', 'options': {'project': 'keystone', 'venv': '/srv/venvs/keystone-28.1.0'}},
        {'module': 'check_schema_migrations', 'options': {'project': 'neutron', 'venv': '/srv/venvs/neutron-26.0.6',
                                                          'config_files': ['/etc/neutron/neutron.conf']}},
    ]  # glance: neither running nor installed
    assert schema_checks(['glance'], [], '/srv/venvs', target, running={'glance': ['30.2.0']}) == [
        {'module': 'check_schema_migrations', 'options': {'project': 'glance', 'venv': '/srv/venvs/glance-30.2.0'}}]
    assert schema_checks([], venvs, '/srv/venvs', target) == []
    # osops_check_schema_ask_tool: every member always asks its tool
    assert schema_checks(['keystone'], venvs, '/srv/venvs', target, ask_tool=True) == [
        {'module': 'check_schema_migrations', 'options': {'project': 'keystone', 'venv': '/srv/venvs/keystone-28.1.0',
                                                          'ask_tool': True}}]


def test_status_checks_take_the_target_release_venv_in_the_order_asked():
    names = ('nova-31.1.0', 'nova-33.0.2', 'keystone-29.0.0', 'keystone-29.1.0', 'glance-31.0.0', 'neutron-28.0.2')
    venvs = [{'path': '/srv/venvs/%s' % name} for name in names]
    target = {'nova': {'first': '33.0.0'}, 'keystone': {'first': '29.0.0'}, 'glance': {'first': '32.0.0'},
              'neutron': {'first': '28.0.0'}}
    checks = status_checks(['neutron', 'nova', 'keystone', 'glance', 'cloudkitty'], venvs, target,
                           config_files={'neutron': ['/etc/neutron/neutron.conf', '/etc/neutron/ml2.ini'], 'nova': []})
    assert checks == [
        {'module': 'status_check', 'options': {'project': 'neutron', 'venv': '/srv/venvs/neutron-28.0.2',
                                               'config_files': ['/etc/neutron/neutron.conf', '/etc/neutron/ml2.ini']}},
        # listed empty: no config file
        {'module': 'status_check', 'options': {'project': 'nova', 'venv': '/srv/venvs/nova-33.0.2', 'config_files': []}},
        # several venvs of the target: the newest; unlisted: /etc/<project>/<project>.conf
        {'module': 'status_check', 'options': {'project': 'keystone', 'venv': '/srv/venvs/keystone-29.1.0',
                                               'config_files': ['/etc/keystone/keystone.conf']}},
    ]  # glance: no venv of the target release; cloudkitty: not a project of the target
    assert status_checks(['nova'], [], target) == []


def test_backends_checks_as_check_batch_members():
    venvs = [{'path': '/srv/venvs/nova-31.3.1'}, {'path': '/srv/venvs/nova-33.0.2'}, {'path': '/srv/venvs/glance-30.0.0'}]
    groups = {'nova': ['nova_compute'], 'glance': ['glance_all']}
    target = {'nova': {'first': '33.0.0'}, 'glance': {'first': '32.0.0'}}
    runs = backends_checks(groups, ['nova_compute'], venvs, '/srv/venvs', target, config_files={'nova': ['/etc/nova/n.conf']})
    assert backends_checks(groups, ['nova_compute'], venvs, '/srv/venvs', target, config_files={'nova': ['/etc/nova/n.conf']},
                           members=True) == [
        {'module': 'check_backends', 'python': run['python'], 'options': {'project': run['project'], 'config_files': run['config_files']}}
        for run in runs] == [
        {'module': 'check_backends', 'python': '/srv/venvs/nova-31.3.1/bin/python',
         'options': {'project': 'nova', 'config_files': ['/etc/nova/n.conf']}}]
    # the role's default: each member may run in the batch's process when its drivers are there
    assert backends_checks(groups, ['nova_compute', 'glance_all'], venvs, '/srv/venvs', target, members=True,
                           python_if_needed=True) == [
        {'module': 'check_backends', 'python': '/srv/venvs/nova-31.3.1/bin/python', 'python_if_needed': True,
         'options': {'project': 'nova'}},
        {'module': 'check_backends', 'python': '/srv/venvs/glance-30.0.0/bin/python', 'python_if_needed': True,
         'options': {'project': 'glance'}}]


def test_status_checks_take_the_newest_target_venv_by_version_not_by_name():
    venvs = [{'path': '/srv/venvs/nova-%s' % v} for v in ('33.0.10', '33.0.2', '33.0.9', '31.3.1')]
    (check,) = status_checks(['nova'], venvs, {'nova': {'first': '33.0.0'}})
    assert check['options']['venv'] == '/srv/venvs/nova-33.0.10'
