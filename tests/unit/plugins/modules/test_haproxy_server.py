"""haproxy_server: check, drain, check again, drain again, back to ready, against a fake admin socket; its
failures are one clear message."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import haproxy_server
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._service.fake_haproxy import FakeHaproxy

RETURNED = {'changed', 'previous_state', 'state', 'status', 'sessions', 'check', 'waited', 'elapsed', 'msg', 'diff'}


@pytest.fixture
def hx():
    fake = FakeHaproxy({'glance_api-back': {
        'infra1': {'admin': 0, 'status': 'UP', 'scur': 0, 'check': ('L7OK', 'Layer7 check passed')},
        'infra2': {'admin': 0, 'status': 'UP', 'scur': 0, 'check': ('L7OK', 'Layer7 check passed')}}})
    yield fake
    fake.stop()


def args(hx, **more):
    return dict({'socket': hx.path, 'backend': 'glance_api-back', 'server': 'infra1', 'state': 'drain'}, **more)


def test_check_apply_check_apply_then_ready(hx, run_module):
    predicted = run_module(haproxy_server.main, args(hx), check_mode=True)
    assert set(predicted) >= RETURNED and predicted['_rc'] == 0
    assert (predicted['changed'], predicted['previous_state'], predicted['state'], predicted['waited']) == (
        True, 'ready', 'drain', False)
    assert predicted['msg'] == 'glance_api-back/infra1 would be drain (was ready)'
    assert predicted['diff'] == {'before': {'state': 'ready'}, 'after': {'state': 'drain'}}
    assert hx.sets() == []

    drained = run_module(haproxy_server.main, args(hx))
    assert (drained['changed'], drained['state'], drained['status'], drained['sessions']) == (True, 'drain', 'DRAIN', 0)
    assert hx.sets() == ['set server glance_api-back/infra1 state drain']

    again = run_module(haproxy_server.main, args(hx), check_mode=True)
    assert (again['changed'], again['previous_state']) == (False, 'drain')
    assert again['msg'] == 'glance_api-back/infra1 already drain'
    assert not run_module(haproxy_server.main, args(hx))['changed'] and len(hx.sets()) == 1

    ready = run_module(haproxy_server.main, args(hx, state='ready'))
    assert (ready['changed'], ready['previous_state'], ready['state'], ready['status']) == (True, 'drain', 'ready', 'UP')
    assert not run_module(haproxy_server.main, args(hx, state='ready'))['changed']
    assert hx.servers['glance_api-back']['infra1']['admin'] == 0 and hx.servers['glance_api-back']['infra2']['admin'] == 0


def test_failures_are_one_message(hx, run_module, tmp_path):
    unknown = run_module(haproxy_server.main, args(hx, server='infra9'))
    assert unknown['failed'] and unknown['_rc'] == 1 and 'exception' not in unknown
    assert "has no server 'infra9'; its servers: infra1, infra2." in unknown['msg']
    assert unknown['servers'] == ['infra1', 'infra2']

    missing = run_module(haproxy_server.main, args(hx, socket=str(tmp_path / 'haproxy.stat')))
    assert missing['failed'] and 'does not exist. Is HAProxy running on this host' in missing['msg']

    hx.servers['glance_api-back']['infra1']['scur'] = 2
    stuck = run_module(haproxy_server.main, args(hx, timeout=0.6))
    assert stuck['failed'] and '2 session(s) left' in stuck['msg']
    assert (stuck['changed'], stuck['state'], stuck['sessions']) == (True, 'drain', 2)  # drained, and says so


def test_state_is_one_of_three(hx, run_module):
    result = run_module(haproxy_server.main, args(hx, state='disabled'))
    assert result['failed'] and 'value of state must be one of: ready, drain, maint' in result['msg']
