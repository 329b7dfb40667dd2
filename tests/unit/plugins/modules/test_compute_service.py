"""compute_service against nova's API over real HTTP (FakeCloud): check -> apply -> check -> apply; bad input."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import compute_service
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud

FIELDS = {'host', 'binary', 'id', 'status', 'state', 'forced_down', 'disabled_reason', 'changed'}


@pytest.fixture
def cloud():
    with FakeCloud(computes=3, with_network=False) as fake:
        yield fake


def run(run_module, cloud, check_mode=False, **args):
    return run_module(compute_service.main, dict(args, cloud=cloud.cloud()), check_mode=check_mode)


def puts(cloud):
    return [path for method, path in cloud.requests if method == 'PUT']


def settable(cloud, host):
    service = cloud.service(host)
    return service['status'], service['disabled_reason'], service['forced_down']


def test_disable_check_apply_check_apply(run_module, cloud):
    args = dict(hosts=['compute1', 'compute2'], state='disabled', disabled_reason='kernel CHG-1')
    predicted = run(run_module, cloud, check_mode=True, **args)
    assert predicted['changed'] is True and puts(cloud) == []
    assert settable(cloud, 'compute1') == ('enabled', None, False)
    applied = run(run_module, cloud, **args)
    assert applied['changed'] is True and predicted['services'] == applied['services']
    assert predicted['diff'] == applied['diff'] == {
        'before': {h: {'status': 'enabled', 'disabled_reason': None, 'forced_down': False}
                   for h in ('compute1', 'compute2')},
        'after': {h: {'status': 'disabled', 'disabled_reason': 'kernel CHG-1', 'forced_down': False}
                  for h in ('compute1', 'compute2')}}
    # read back from nova, independently of the module
    assert settable(cloud, 'compute1') == settable(cloud, 'compute2') == ('disabled', 'kernel CHG-1', False)
    assert settable(cloud, 'compute3') == ('enabled', None, False)
    assert [s['host'] for s in applied['services']] == ['compute1', 'compute2']
    assert all(set(s) == FIELDS and s['state'] == 'up' and s['changed'] for s in applied['services'])
    assert puts(cloud) == ['/compute/v2.1/os-services/%s' % cloud.service(h)['id'] for h in ('compute1', 'compute2')]
    # service updates by id, at a microversion that has them (2.53+)
    headers = [h for path, h in cloud.microversions if path in puts(cloud)]
    assert headers and all(h.startswith('compute 2.') and int(h.split('.')[1]) >= 53 for h in headers)
    assert ('PUT', puts(cloud)[0], {'status': 'disabled', 'disabled_reason': 'kernel CHG-1'}) in cloud.bodies
    for check_mode in (True, False):
        again = run(run_module, cloud, check_mode=check_mode, **args)
        assert again['changed'] is False and not any(s['changed'] for s in again['services'])
        assert again['diff']['before'] == again['diff']['after'] == applied['diff']['after']
        assert again['msg'] == 'nova-compute already as asked on compute1, compute2'
    assert len(puts(cloud)) == 2


def test_a_new_reason_replaces_the_old_and_no_reason_keeps_it(run_module, cloud):
    run(run_module, cloud, hosts='compute1', state='disabled', disabled_reason='old')
    assert run(run_module, cloud, hosts='compute1', state='disabled')['changed'] is False
    changed = run(run_module, cloud, hosts='compute1', state='disabled', disabled_reason='new')
    assert changed['changed'] is True and settable(cloud, 'compute1') == ('disabled', 'new', False)


def test_enable_clears_the_reason_and_changes_only_what_differs(run_module, cloud):
    run(run_module, cloud, hosts=['compute2'], state='disabled', disabled_reason='x')
    result = run(run_module, cloud, hosts=['compute1', 'compute2'], state='enabled')
    assert [s['changed'] for s in result['services']] == [False, True]
    assert result['msg'] == 'nova-compute changed on compute2'
    assert settable(cloud, 'compute2') == ('enabled', None, False)
    assert len(puts(cloud)) == 2  # the disable, then compute2's enable only


def test_force_down_and_back(run_module, cloud):
    for check_mode, changed in ((True, True), (False, True), (True, False), (False, False)):
        result = run(run_module, cloud, check_mode=check_mode, host='compute3', forced_down=True)
        assert result['changed'] is changed and len(puts(cloud)) == (0 if changed and check_mode else 1)
        assert result['services'][0]['state'] == 'down' and result['services'][0]['forced_down'] is True
    assert settable(cloud, 'compute3') == ('enabled', None, True)
    up = run(run_module, cloud, host='compute3', forced_down=False, state='enabled')
    assert up['changed'] is True and up['services'][0]['state'] == 'up'
    assert settable(cloud, 'compute3') == ('enabled', None, False)


def test_a_host_that_is_not_a_compute_changes_nothing(run_module, cloud):
    result = run(run_module, cloud, hosts=['compute1', 'controller', 'compute9'], state='disabled')
    assert result['failed'] is True and result.get('changed', False) is False
    assert result['msg'] == ('Not a nova-compute host: controller (runs nova-conductor, nova-scheduler, no '
                             'nova-compute); compute9 (unknown to nova). nova-compute runs on: compute1, compute2, '
                             'compute3. Nothing was changed.')
    assert result['invalid_hosts'] == ['controller', 'compute9']
    assert result['computes'] == ['compute1', 'compute2', 'compute3']
    assert puts(cloud) == [] and settable(cloud, 'compute1') == ('enabled', None, False)


@pytest.mark.parametrize('args,message', [
    (dict(hosts=['compute1'], state='enabled', disabled_reason='x'),
     "Option disabled_reason: got 'x', expected no value unless state is disabled."),
    (dict(hosts=['compute1'], disabled_reason='x', forced_down=True),
     "Option disabled_reason: got 'x', expected no value unless state is disabled."),
    (dict(hosts=['compute1']), 'one of the following is required: state, forced_down'),
    (dict(hosts=[], state='enabled'), 'Option hosts: got [], expected at least one host.'),
    (dict(hosts=['compute1'], state='up'), 'value of state must be one of: enabled, disabled'),
])
def test_bad_options_call_no_api(run_module, cloud, args, message):
    result = run(run_module, cloud, **args)
    assert result['failed'] is True and message in result['msg']
    assert cloud.requests == []


def test_an_api_without_service_updates_by_id_is_refused(run_module):
    with FakeCloud(max_microversion='2.52', with_network=False) as cloud:
        result = run(run_module, cloud, hosts=['compute1'], state='disabled')
        assert result['failed'] is True and puts(cloud) == []
    assert result['msg'] == ('Updating a nova-compute service needs the compute API at microversion 2.53 or later; '
                             'this cloud offers 2.52. Upgrade nova first.')


def test_an_update_that_fails_names_what_was_already_changed(run_module, cloud):
    cloud.errors['/compute/v2.1/os-services/%s' % cloud.service('compute2')['id']] = 500
    result = run(run_module, cloud, hosts=['compute1', 'compute2', 'compute3'], state='disabled')
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith('Updating nova-compute on compute2 failed: ')
    assert result['msg'].endswith('Already changed: compute1.')
    assert [s['host'] for s in result['services']] == ['compute1']
    assert settable(cloud, 'compute1')[0] == 'disabled' and settable(cloud, 'compute3')[0] == 'enabled'
