"""check_instance_states end to end: main() against the fake cloud over real HTTP through openstacksdk.

The fake (fake_cloud, conftest.py) lists nova's servers (GET /servers/detail, paginated with
next links, every project's only when all_tenants is asked); the tests set their status and
task state.
"""

import json

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_instance_states
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.check_helpers import CHECK_FIELDS, outcome, without_durations

pytestmark = pytest.mark.usefixtures('no_user_cloud_config')

PASSWORD = 'instances-Secret-5'
LISTING = '/compute/v2.1/servers/detail'
FAILURE_END = ' Wait for them to finish, or resolve them, before restarting nova.'
WARNING_END = ' Confirm or revert resizes; rebuild, reset or delete servers in ERROR.'


def server(sid, status, task_state=None, project='p1'):
    return {'id': sid, 'status': status, 'task_state': task_state, 'project': project}


def run(run_module, fake, check_mode=False, **args):
    args.setdefault('cloud', fake.cloud(password=PASSWORD))
    return run_module(check_instance_states.main, args, check_mode=check_mode)


def only_check(result):
    """The module's one check, after what every run must be."""
    assert result['_rc'] == 0 and 'failed' not in result, result
    assert result['changed'] is False
    (check,) = result['upgrade_checks']
    assert set(check) == CHECK_FIELDS
    assert (check['project'], check['name']) == ('nova', 'Instances in transitional states')
    assert isinstance(check['duration'], float) and check['duration'] >= 0
    assert result['code'] == check['code']
    assert isinstance(result['instances'], list)
    for instance in result['instances']:
        assert set(instance) == {'id', 'status', 'task_state'}
    assert PASSWORD not in json.dumps(result)
    return check


def test_no_servers_is_a_success(run_module, fake_cloud):
    cloud = fake_cloud()
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == ('Success', 0, None)
    assert result['instances'] == []
    assert LISTING in cloud.paths()


def test_settled_servers_are_a_success(run_module, fake_cloud):
    cloud = fake_cloud()
    cloud.servers = [server('a1', 'ACTIVE'), server('s1', 'SHUTOFF'), server('p1', 'PAUSED'),
                     server('u1', 'SUSPENDED'), server('h1', 'SHELVED_OFFLOADED')]
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == ('Success', 0, None)
    assert result['instances'] == []
    assert {method for method, path in cloud.requests if path != '/identity/v3/auth/tokens'} == {'GET'}


@pytest.mark.parametrize('status,task_state', [
    ('MIGRATING', 'migrating'),
    ('ACTIVE', 'migrating'),  # a live migration: the server stays ACTIVE, its task state says it
    ('BUILD', 'spawning'),
    ('BUILD', None),  # stuck building: no task state, the status alone says it
    ('RESIZE', 'resize_prep'),
    ('REVERT_RESIZE', 'resize_reverting'),
    ('REBUILD', 'rebuilding'),
    ('REBOOT', 'rebooting'),
    ('HARD_REBOOT', 'rebooting_hard'),
    ('SHUTOFF', 'powering-on'),
    ('ACTIVE', 'image_snapshot'),
])
def test_a_server_in_flight_is_a_failure_naming_it(run_module, fake_cloud, status, task_state):
    cloud = fake_cloud()
    cloud.servers = [server('a1', 'ACTIVE'), server('busy-1', status, task_state)]
    result = run(run_module, cloud)
    state = status + ('/%s' % task_state if task_state else '')
    assert outcome(only_check(result)) == (
        'Failure', 2, 'Operations in flight: 1 %s (busy-1).%s' % (state, FAILURE_END))
    assert result['instances'] == [{'id': 'busy-1', 'status': status, 'task_state': task_state}]


@pytest.mark.parametrize('status', ['VERIFY_RESIZE', 'ERROR'])
def test_a_server_waiting_for_an_operator_is_a_warning(run_module, fake_cloud, status):
    cloud = fake_cloud()
    cloud.servers = [server('a1', 'ACTIVE'), server('wait-1', status)]
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Warning', 1, 'Waiting for an operator: 1 %s (wait-1).%s' % (status, WARNING_END))
    assert result['instances'] == [{'id': 'wait-1', 'status': status, 'task_state': None}]


def test_in_flight_outranks_waiting_and_both_are_returned(run_module, fake_cloud):
    cloud = fake_cloud()
    cloud.servers = [server('e1', 'ERROR'), server('a1', 'ACTIVE'), server('m1', 'MIGRATING', 'migrating'),
                     server('m2', 'MIGRATING', 'migrating'), server('v1', 'VERIFY_RESIZE')]
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Failure', 2, 'Operations in flight: 2 MIGRATING/migrating (m1, m2).' + FAILURE_END)
    assert [i['id'] for i in result['instances']] == ['e1', 'm1', 'm2', 'v1']


def test_every_page_of_servers_is_read(run_module, fake_cloud):
    # Two servers a page: the one in flight is on the third page.
    cloud = fake_cloud(server_page=2)
    cloud.servers = [server('a%d' % i, 'ACTIVE') for i in range(4)] + [server('r1', 'RESIZE', 'resize_migrating')]
    result = run(run_module, cloud)
    assert outcome(only_check(result))[0] == 'Failure'
    assert result['instances'] == [{'id': 'r1', 'status': 'RESIZE', 'task_state': 'resize_migrating'}]
    assert cloud.paths().count(LISTING) == 3


def test_servers_of_every_project_are_read(run_module, fake_cloud):
    # The fake lists another project's servers only when all_tenants is asked, as nova does.
    cloud = fake_cloud()
    cloud.servers = [server('mine', 'ACTIVE'), server('theirs', 'BUILD', 'scheduling', project='p2')]
    result = run(run_module, cloud)
    assert outcome(only_check(result))[:2] == ('Failure', 2)
    assert result['instances'] == [{'id': 'theirs', 'status': 'BUILD', 'task_state': 'scheduling'}]


def test_list_limit_shortens_the_details_not_the_instances(run_module, fake_cloud):
    cloud = fake_cloud()
    cloud.servers = [server('e%d' % i, 'ERROR') for i in range(7)]
    result = run(run_module, cloud, list_limit=3)
    assert outcome(only_check(result)) == (
        'Warning', 1, 'Waiting for an operator: 7 ERROR (e0, e1, e2, ...).' + WARNING_END)
    assert len(result['instances']) == 7
    # the default: 5
    assert only_check(run(run_module, cloud))['details'].startswith(
        'Waiting for an operator: 7 ERROR (e0, e1, e2, e3, e4, ...).')


def test_check_mode_gives_the_same_answer_the_same_way(run_module, fake_cloud):
    cloud = fake_cloud(server_page=2)
    cloud.servers = [server('a1', 'ACTIVE'), server('e1', 'ERROR'), server('b1', 'BUILD', 'spawning')]
    applied = run(run_module, cloud)
    asked = list(cloud.requests)
    checked = run(run_module, cloud, check_mode=True)
    assert outcome(only_check(checked))[0] == 'Failure'
    assert without_durations(checked) == without_durations(applied)
    assert cloud.requests[len(asked):] == asked


def test_the_servers_of_a_clouds_yaml_cloud(run_module, fake_cloud, tmp_path, monkeypatch):
    cloud = fake_cloud()
    cloud.servers = [server('v1', 'VERIFY_RESIZE')]
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', cloud.write_clouds_yaml(tmp_path / 'clouds.yaml', 'lab', PASSWORD))
    result = run(run_module, cloud, cloud='lab')
    assert outcome(only_check(result))[:2] == ('Warning', 1)


@pytest.mark.parametrize('status', [500, 503])
def test_nova_answering_an_error_is_an_error_of_the_check_naming_the_url(run_module, fake_cloud, status):
    cloud = fake_cloud()
    cloud.servers = [server('m1', 'MIGRATING', 'migrating')]
    cloud.errors[LISTING] = status
    result = run(run_module, cloud)
    check = only_check(result)
    assert (check['result'], check['code'], result['code']) == ('Error', 255, 255)
    assert '%s%s' % (cloud.url, LISTING) in check['details'] and str(status) in check['details']
    assert result['instances'] == []
    assert 'Traceback' not in json.dumps(result)


def test_nova_not_answering_is_an_error_of_the_check_naming_the_endpoint(run_module, fake_cloud):
    cloud = fake_cloud()
    endpoint = cloud.closed_url('/compute/v2.1')
    cloud.endpoints['compute'] = endpoint
    result = run(run_module, cloud)
    check = only_check(result)
    assert (check['result'], check['code']) == ('Error', 255)
    assert endpoint in check['details']
    assert 'Traceback' not in json.dumps(result)


def test_keystone_not_answering_is_an_error_of_the_check(run_module, fake_cloud):
    cloud = fake_cloud()
    config = cloud.cloud(password=PASSWORD)
    config['auth']['auth_url'] = cloud.closed_url('/identity/v3')
    result = run(run_module, cloud, cloud=config)
    check = only_check(result)
    assert (check['result'], check['code']) == ('Error', 255)
    assert config['auth']['auth_url'] in check['details']
    assert cloud.requests == []


@pytest.mark.parametrize('args,message', [
    ({'list_limit': 'many'}, "argument 'list_limit' is of type "),
    ({'interface': 'private'}, 'value of interface must be one of: public, internal, admin, got: private'),
    ({'api_timeout': 5}, 'Option api_timeout: '),  # inside the cloud dict, not beside it
    ({'all_projects': True}, 'Unsupported parameters for '),
])
def test_bad_options_fail_the_module_before_any_request(run_module, fake_cloud, args, message):
    cloud = fake_cloud()
    result = run(run_module, cloud, **args)
    assert result['failed'] is True and result['_rc'] == 1
    assert result['msg'].startswith(message), result['msg']
    assert 'upgrade_checks' not in result and cloud.requests == []


@pytest.mark.parametrize('limit', [0, -1])
def test_a_list_limit_below_one_fails_the_module(run_module, fake_cloud, limit):
    cloud = fake_cloud()
    cloud.servers = [server('m1', 'ACTIVE', 'migrating')]
    result = run(run_module, cloud, list_limit=limit)
    assert result.get('failed') is True and 'list_limit' in result['msg']


@pytest.mark.parametrize('broken', [False, True])
def test_a_password_in_a_cloud_dict_never_appears_in_the_output(run_module, fake_cloud, broken):
    cloud = fake_cloud()
    cloud.servers = [server('e1', 'ERROR')]
    if broken:
        cloud.errors[LISTING] = 500
    result = run(run_module, cloud, cloud=cloud.cloud(password='dict-Pa55-word'))
    output = json.dumps(result)
    assert result['upgrade_checks'][0]['result'] == ('Error' if broken else 'Warning')
    assert 'dict-Pa55-word' not in output and 'fake-token' not in output
    assert result['invocation']['module_args']['cloud']['auth']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_a_password_in_the_auth_option_never_appears_in_the_output(run_module, fake_cloud):
    cloud = fake_cloud()
    config = cloud.cloud(password='auth-Pa55-word')
    result = run(run_module, cloud, cloud=None, auth=config['auth'], auth_type='password',
                 region_name='RegionOne')
    assert only_check(result)['result'] == 'Success'
    assert 'auth-Pa55-word' not in json.dumps(result)
