"""Planning of the nova-compute service state, on plain data (every combination)."""

import itertools

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError, MaintenanceError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.compute import (
    compute_services,
    plan_service,
    require_compute_microversion,
    service_diff,
)


def service(host='compute1', binary='nova-compute', status='enabled', state='up', forced_down=False, reason=None):
    return dict(host=host, binary=binary, id='id-%s-%s' % (host, binary), status=status, state=state,
                forced_down=forced_down, disabled_reason=reason)


def nova_put(current, body):
    """What nova's PUT /os-services/{id} (2.53+) does with a body (nova/api/openstack/compute/services.py)."""
    after = dict(current)
    if body.get('status') == 'enabled':
        assert 'disabled_reason' not in body  # nova answers 400
        after.update(status='enabled', disabled_reason=None)
    elif body.get('status') == 'disabled':
        after.update(status='disabled', disabled_reason=body.get('disabled_reason'))
    if 'forced_down' in body:
        after['forced_down'] = body['forced_down']
        if body['forced_down']:
            after['state'] = 'down'
    assert body, 'nova answers 400 to an empty update'
    return after


def satisfied(record, state, reason, forced_down):
    return ((state is None or record['status'] == state)
            and (reason is None or record['disabled_reason'] == reason)
            and (forced_down is None or record['forced_down'] == forced_down))


CURRENT = [service(status=s, reason=r, forced_down=f, state='down' if f else 'up')
           for s, r, f in itertools.product(('enabled', 'disabled'), (None, 'old'), (False, True))
           if not (s == 'enabled' and r)]
ASKED = [(state, reason, forced) for state, reason, forced in itertools.product(
    (None, 'enabled', 'disabled'), (None, 'old', 'new'), (None, False, True))
    if (state, forced) != (None, None) and (reason is None or state == 'disabled')]


@pytest.mark.parametrize('current', CURRENT, ids=lambda c: '%s-%s-%s' % (c['status'], c['disabled_reason'],
                                                                         c['forced_down']))
@pytest.mark.parametrize('state,reason,forced_down', ASKED)
def test_every_combination(current, state, reason, forced_down):
    update, after = plan_service(current, state, reason, forced_down)
    # The update is needed exactly when the service is not as asked.
    assert bool(update) == (not satisfied(current, state, reason, forced_down))
    if update:
        # The predicted record is what nova makes of the update, and it is as asked.
        assert after == nova_put(current, update)
        assert satisfied(after, state, reason, forced_down)
    else:
        assert after == current
    # What is not asked is kept.
    if state is None:
        assert (after['status'], after['disabled_reason']) == (current['status'], current['disabled_reason'])
    if forced_down is None:
        assert after['forced_down'] == current['forced_down']
    if state == 'disabled' and reason is None and current['status'] == 'disabled':
        assert after['disabled_reason'] == current['disabled_reason']
    # Applying the plan again changes nothing.
    assert plan_service(after, state, reason, forced_down)[0] == {}


@pytest.mark.parametrize('current,asked,update', [
    (service(), ('disabled', 'CHG-1', None), {'status': 'disabled', 'disabled_reason': 'CHG-1'}),
    (service(), ('disabled', None, None), {'status': 'disabled'}),
    (service(status='disabled', reason='old'), ('disabled', 'new', None),
     {'status': 'disabled', 'disabled_reason': 'new'}),
    (service(status='disabled', reason='old'), ('disabled', None, None), {}),
    (service(status='disabled', reason='old'), ('enabled', None, None), {'status': 'enabled'}),
    (service(), (None, None, True), {'forced_down': True}),
    (service(forced_down=True, state='down'), ('enabled', None, False), {'forced_down': False}),
    (service(status='disabled'), ('enabled', None, True), {'status': 'enabled', 'forced_down': True}),
])
def test_the_request_nova_gets(current, asked, update):
    assert plan_service(current, *asked)[0] == update


def test_unforcing_keeps_the_state_read_now():
    # nova tells up or down from the heartbeat; the plan does not guess it.
    assert plan_service(service(forced_down=True, state='down'), forced_down=False)[1]['state'] == 'down'
    assert plan_service(service(forced_down=True, state='up'), forced_down=False)[1]['state'] == 'up'


SERVICES = [service('controller', 'nova-conductor'), service('controller', 'nova-scheduler'),
            service('compute1'), service('compute2')]


def test_compute_services_in_the_order_asked():
    found = compute_services(SERVICES, ['compute2', 'compute1'])
    assert list(found) == ['compute2', 'compute1'] and found['compute1']['id'] == 'id-compute1-nova-compute'


@pytest.mark.parametrize('hosts,named', [
    (['controller'], 'controller (runs nova-conductor, nova-scheduler, no nova-compute)'),
    (['compute9'], 'compute9 (unknown to nova)'),
    (['compute1', 'compute9', 'controller'], 'compute9 (unknown to nova); controller (runs'),
])
def test_a_host_without_nova_compute_is_named_with_the_computes(hosts, named):
    with pytest.raises(MaintenanceError) as raised:
        compute_services(SERVICES, hosts)
    assert named in raised.value.msg
    assert raised.value.msg.endswith('nova-compute runs on: compute1, compute2. Nothing was changed.')
    assert raised.value.result['computes'] == ['compute1', 'compute2']
    assert 'compute1' not in raised.value.result['invalid_hosts']


def test_two_compute_services_of_one_host_are_refused():
    with pytest.raises(MaintenanceError, match='compute1 .2 nova-compute services'):
        compute_services(SERVICES + [service('compute1')], ['compute1'])


def test_diff_has_the_settable_fields_per_host():
    before = [service(), service('compute2', status='disabled', reason='x')]
    after = [dict(before[0], status='disabled', disabled_reason='r', changed=True), dict(before[1], changed=False)]
    assert service_diff(before, after) == {
        'before': {'compute1': {'status': 'enabled', 'disabled_reason': None, 'forced_down': False},
                   'compute2': {'status': 'disabled', 'disabled_reason': 'x', 'forced_down': False}},
        'after': {'compute1': {'status': 'disabled', 'disabled_reason': 'r', 'forced_down': False},
                  'compute2': {'status': 'disabled', 'disabled_reason': 'x', 'forced_down': False}}}


class EndpointData:
    def __init__(self, maximum):
        self.max_microversion = maximum


class Conn:
    def __init__(self, maximum):
        data = EndpointData(maximum) if maximum != 'none' else None
        self.compute = type('Compute', (), {'get_endpoint_data': lambda self: data})()


@pytest.mark.parametrize('maximum,message', [
    ((2, 53), None), ((2, 100), None), ((3, 0), None),
    ((2, 52), 'offers 2.52'), (None, 'offers no microversions'), ('none', 'offers no microversions'),
])
def test_the_compute_api_must_offer_the_microversion(maximum, message):
    if message is None:
        require_compute_microversion(Conn(maximum), (2, 53), 'X')
    else:
        with pytest.raises(CloudError) as raised:
            require_compute_microversion(Conn(maximum), (2, 53), 'Updating a nova-compute service')
        assert raised.value.msg.startswith('Updating a nova-compute service needs the compute API at '
                                           'microversion 2.53 or later; this cloud ' + message)
