"""Judgement of the API checks, on plain data (the lab runs them on a real cloud)."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.api import judge_instances, judge_services


def svc(binary, host, up=True, enabled=True, reason=None):
    return dict(binary=binary, host=host, up=up, enabled=enabled, reason=reason)


@pytest.mark.parametrize('services,code,phrase', [
    ([svc('nova-compute', 'c1'), svc('nova-conductor', 'ctl')], 0, None),
    ([], 0, None),
    ([svc('nova-compute', 'c1', up=False)], 2, 'Enabled but down: nova-compute on c1.'),
    ([svc('nova-compute', 'c1', enabled=False, reason='maintenance')], 1,
     'Disabled: nova-compute on c1 (maintenance).'),
    ([svc('nova-compute', 'c1', up=False, enabled=False)], 1, 'Disabled: nova-compute on c1.'),
    ([svc('nova-compute', 'c2', enabled=False), svc('nova-compute', 'c1', up=False)], 2,
     'Enabled but down: nova-compute on c1.'),
])
def test_services(services, code, phrase):
    outcome = judge_services(services)
    assert outcome.code == code
    assert (outcome.details or '').startswith(phrase or '')


def server(status, task_state=None, sid='s'):
    return dict(id=sid, status=status, task_state=task_state)


@pytest.mark.parametrize('servers,code', [
    ([server('ACTIVE'), server('SHUTOFF'), server('SUSPENDED')], 0),
    ([server('ACTIVE', 'migrating')], 2),
    ([server('MIGRATING', 'migrating')], 2),
    ([server('BUILD', 'spawning')], 2),
    ([server('VERIFY_RESIZE')], 1),
    ([server('ERROR')], 1),
    ([server('ERROR'), server('RESIZE', 'resize_prep')], 2),
])
def test_instance_states(servers, code):
    assert judge_instances(servers).code == code


def test_instance_details_group_and_limit():
    servers = [server('ERROR', sid='e%d' % i) for i in range(7)] + [server('VERIFY_RESIZE', sid='v1')]
    details = judge_instances(servers, limit=3).details
    assert details.startswith('Waiting for an operator: 7 ERROR (e0, e1, e2, ...); 1 VERIFY_RESIZE (v1).')
