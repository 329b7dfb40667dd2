"""check_services end to end: main() against the fake cloud over real HTTP through openstacksdk.

The fake (fake_cloud, conftest.py) lists nova's services (os-services), neutron's agents and
cinder's services (with_volume); the tests set which are down or disabled.
"""

import json

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_services
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.check_helpers import CHECK_FIELDS, without_durations

pytestmark = pytest.mark.usefixtures('no_user_cloud_config')

PASSWORD = 'services-Secret-3'
SERVICE_FIELDS = {'project', 'binary', 'host', 'up', 'enabled', 'reason'}
PROJECTS = ['nova', 'neutron', 'cinder']
ALL_UP = [('nova', 'nova-conductor', 'controller'), ('nova', 'nova-scheduler', 'controller'),
          ('nova', 'nova-compute', 'compute1'), ('nova', 'nova-compute', 'compute2'),
          ('neutron', 'neutron-ovn-metadata-agent', 'compute1'),
          ('neutron', 'neutron-ovn-metadata-agent', 'compute2'),
          ('cinder', 'cinder-scheduler', 'controller'), ('cinder', 'cinder-volume', 'controller@lvm')]


def run(run_module, fake, check_mode=False, **args):
    args.setdefault('cloud', fake.cloud(password=PASSWORD))
    return run_module(check_services.main, args, check_mode=check_mode)


def checks(result):
    """project -> (result, code, details), after what every run must be."""
    assert result['_rc'] == 0 and 'failed' not in result, result
    assert result['changed'] is False
    assert [c['project'] for c in result['upgrade_checks']] == PROJECTS
    for check in result['upgrade_checks']:
        assert set(check) == CHECK_FIELDS
        assert check['name'] == 'Services up and enabled'
        assert isinstance(check['duration'], float) and check['duration'] >= 0
    assert result['code'] == max(c['code'] for c in result['upgrade_checks'])
    assert isinstance(result['services'], list)
    for service in result['services']:
        assert set(service) == SERVICE_FIELDS
    assert PASSWORD not in json.dumps(result)
    return dict((c['project'], (c['result'], c['code'], c['details'])) for c in result['upgrade_checks'])


def found(result):
    return dict(((s['project'], s['binary'], s['host']), (s['up'], s['enabled'], s['reason']))
                for s in result['services'])


OK = ('Success', 0, None)


def test_every_service_up_and_enabled_is_a_success_per_project(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    result = run(run_module, cloud)
    assert checks(result) == {'nova': OK, 'neutron': OK, 'cinder': OK}
    assert [(s['project'], s['binary'], s['host']) for s in result['services']] == ALL_UP
    assert set(found(result).values()) == {(True, True, None)}
    # read from the three listings, and nothing but GETs (and the token)
    paths = cloud.paths()
    for path in ('/compute/v2.1/os-services', '/network/v2.0/agents', '/volume/v3/os-services'):
        assert path in paths
    assert {method for method, path in cloud.requests if path != '/identity/v3/auth/tokens'} == {'GET'}


def test_an_enabled_nova_compute_down_is_a_failure_of_nova_only(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.down.add('compute2')
    result = run(run_module, cloud)
    assert checks(result) == {
        'nova': ('Failure', 2, 'Enabled but down: nova-compute on compute2. Start them or disable them '
                               'with a reason before the upgrade.'),
        'neutron': OK, 'cinder': OK}
    assert result['code'] == 2
    assert found(result)[('nova', 'nova-compute', 'compute2')] == (False, True, None)
    assert found(result)[('nova', 'nova-compute', 'compute1')] == (True, True, None)


def test_every_service_down_is_named(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.down.update({'controller', 'compute1'})
    details = checks(run(run_module, cloud))['nova'][2]
    assert details.startswith('Enabled but down: nova-conductor on controller, nova-scheduler on controller, '
                              'nova-compute on compute1. ')


def test_a_disabled_nova_compute_is_a_warning_with_its_reason(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.disabled['compute1'] = 'hardware maintenance'
    result = run(run_module, cloud)
    assert checks(result) == {
        'nova': ('Warning', 1, 'Disabled: nova-compute on compute1 (hardware maintenance). Enable them, '
                               'or keep them out of the upgrade on purpose.'),
        'neutron': OK, 'cinder': OK}
    assert result['code'] == 1
    assert found(result)[('nova', 'nova-compute', 'compute1')] == (True, False, 'hardware maintenance')


def test_a_disabled_service_that_is_down_is_only_a_warning(run_module, fake_cloud):
    # Disabled with a reason is the fix the Failure asks for.
    cloud = fake_cloud(with_volume=True)
    cloud.disabled['compute2'] = None
    cloud.down.add('compute2')
    assert checks(run(run_module, cloud))['nova'] == (
        'Warning', 1, 'Disabled: nova-compute on compute2. Enable them, or keep them out of the upgrade on purpose.')


def test_down_outranks_disabled_in_one_project(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.disabled['compute1'] = 'maintenance'
    cloud.down.add('compute2')
    assert checks(run(run_module, cloud))['nova'][:2] == ('Failure', 2)


def test_a_dead_neutron_agent_is_a_failure_of_neutron(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.dead_agents.add('compute1')
    result = run(run_module, cloud)
    assert checks(result) == {
        'nova': OK,
        'neutron': ('Failure', 2, 'Enabled but down: neutron-ovn-metadata-agent on compute1. Start them or '
                                  'disable them with a reason before the upgrade.'),
        'cinder': OK}
    assert found(result)[('neutron', 'neutron-ovn-metadata-agent', 'compute1')] == (False, True, None)


def test_an_administratively_down_neutron_agent_is_a_warning_of_neutron(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.disabled_agents.add('compute2')
    result = run(run_module, cloud)
    assert checks(result)['neutron'] == (
        'Warning', 1, 'Disabled: neutron-ovn-metadata-agent on compute2. Enable them, or keep them out of the '
                      'upgrade on purpose.')
    assert result['code'] == 1


def test_cinder_volume_down_and_disabled(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_services[1].update(state='down')
    assert checks(run(run_module, cloud))['cinder'][:2] == ('Failure', 2)
    cloud.volume_services[1].update(status='disabled', disabled_reason='backend retired')
    result = run(run_module, cloud)
    assert checks(result) == {
        'nova': OK, 'neutron': OK,
        'cinder': ('Warning', 1, 'Disabled: cinder-volume on controller@lvm (backend retired). Enable them, '
                                 'or keep them out of the upgrade on purpose.')}
    assert found(result)[('cinder', 'cinder-volume', 'controller@lvm')] == (False, False, 'backend retired')


def test_one_result_per_project_the_worst_is_the_code(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.disabled['compute1'] = 'maintenance'
    cloud.dead_agents.add('compute2')
    result = run(run_module, cloud)
    assert [(p, r[0]) for p, r in checks(result).items()] == [
        ('nova', 'Warning'), ('neutron', 'Failure'), ('cinder', 'Success')]
    assert result['code'] == 2


def test_check_mode_gives_the_same_answer_the_same_way(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.down.add('compute1')
    cloud.disabled_agents.add('compute2')
    applied = run(run_module, cloud)
    asked = list(cloud.requests)
    checked = run(run_module, cloud, check_mode=True)
    assert checks(checked)['nova'][0] == 'Failure'
    assert without_durations(checked) == without_durations(applied)
    assert cloud.requests[len(asked):] == asked


def test_projects_not_in_the_catalog_are_successes_that_say_so(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=False, with_network=False)
    cloud.down.add('compute1')
    result = run(run_module, cloud)
    assert checks(result) == {
        'nova': ('Failure', 2, 'Enabled but down: nova-compute on compute1. Start them or disable them '
                               'with a reason before the upgrade.'),
        'neutron': ('Success', 0, 'neutron (network) is not in the service catalog; nothing to check.'),
        'cinder': ('Success', 0, 'cinder (block-storage) is not in the service catalog; nothing to check.')}
    assert {s['project'] for s in result['services']} == {'nova'}
    assert not [p for p in cloud.paths() if p.startswith(('/network', '/volume'))]


def test_cinder_registered_as_volumev3_is_read(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_service_type = 'volumev3'
    cloud.volume_services[0].update(state='down')
    assert checks(run(run_module, cloud))['cinder'][2].startswith(
        'Enabled but down: cinder-scheduler on controller.')


@pytest.mark.parametrize('status', [500, 503])
def test_a_listing_answering_an_error_is_an_error_of_that_project_naming_the_url(run_module, fake_cloud, status):
    cloud = fake_cloud(with_volume=True)
    cloud.errors['/compute/v2.1/os-services'] = status
    cloud.dead_agents.add('compute1')
    result = run(run_module, cloud)
    outcomes = checks(result)
    assert outcomes['nova'][:2] == ('Error', 255) and result['code'] == 255
    assert '%s/compute/v2.1/os-services' % cloud.url in outcomes['nova'][2]
    assert str(status) in outcomes['nova'][2]
    assert 'Traceback' not in json.dumps(result)
    # the other projects are still checked
    assert outcomes['neutron'][:2] == ('Failure', 2) and outcomes['cinder'] == OK
    assert {s['project'] for s in result['services']} == {'neutron', 'cinder'}


def test_a_service_not_answering_is_an_error_of_that_project_naming_the_url(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    endpoint = cloud.closed_url('/network')
    cloud.endpoints['network'] = endpoint
    result = run(run_module, cloud)
    outcomes = checks(result)
    assert outcomes['neutron'][:2] == ('Error', 255)
    assert endpoint in outcomes['neutron'][2]
    assert (outcomes['nova'], outcomes['cinder']) == (OK, OK)
    assert 'Traceback' not in json.dumps(result)


def test_keystone_not_answering_is_an_error_of_every_project(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    config = cloud.cloud(password=PASSWORD)
    config['auth']['auth_url'] = cloud.closed_url('/identity/v3')
    result = run(run_module, cloud, cloud=config)
    outcomes = checks(result)
    assert {o[:2] for o in outcomes.values()} == {('Error', 255)}
    for _result, _code, details in outcomes.values():
        assert details.startswith('Cannot read the service catalog: ')
    assert result['services'] == [] and cloud.requests == []


def test_the_services_of_a_clouds_yaml_cloud(run_module, fake_cloud, tmp_path, monkeypatch):
    cloud = fake_cloud(with_volume=True)
    cloud.disabled['compute2'] = 'drained'
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', cloud.write_clouds_yaml(tmp_path / 'clouds.yaml', 'lab', PASSWORD))
    monkeypatch.setenv('OS_CLOUD', 'lab')
    result = run(run_module, cloud, cloud=None)
    assert checks(result)['nova'][:2] == ('Warning', 1)


@pytest.mark.parametrize('args,message', [
    ({'interface': 'private'}, 'value of interface must be one of: public, internal, admin, got: private'),
    ({'region_name': 'RegionOne'}, 'Option region_name: '),
    ({'services': ['nova']}, 'Unsupported parameters for '),
])
def test_bad_options_fail_the_module_before_any_request(run_module, fake_cloud, args, message):
    cloud = fake_cloud(with_volume=True)
    result = run(run_module, cloud, **args)
    assert result['failed'] is True and result['_rc'] == 1
    assert result['msg'].startswith(message), result['msg']
    assert 'upgrade_checks' not in result and cloud.requests == []


@pytest.mark.parametrize('broken', [False, True])
def test_a_password_in_a_cloud_dict_never_appears_in_the_output(run_module, fake_cloud, broken):
    cloud = fake_cloud(with_volume=True)
    if broken:
        cloud.errors['/network/v2.0/agents'] = 500
    result = run(run_module, cloud, cloud=cloud.cloud(password='dict-Pa55-word'))
    output = json.dumps(result)
    assert checks(result)['neutron'][0] == ('Error' if broken else 'Success')
    assert 'dict-Pa55-word' not in output and 'fake-token' not in output
    assert result['invocation']['module_args']['cloud']['auth']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
