"""A maintenance session as asked: its hosts from the stored record, its twin, when it starts."""

import datetime

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import session

UTC = datetime.timezone.utc
CLUSTER = {
    'name': 'lab',
    'hosts': [{'name': 'ctl', 'roles': ['control']}, {'name': 'c1', 'roles': ['compute']},
              {'name': 'c2', 'roles': ['compute', 'network']}, {'name': 'net1', 'roles': []}],
    'components': [{'binary': 'nova-compute', 'host': 'c1'}, {'binary': 'nova-compute', 'host': 'c3'},
                   {'binary': 'nova-api', 'host': 'ctl'}, {'binary': 'nova-api', 'host': ''}],
}


def test_compute_hosts_come_from_roles_and_nova_compute_components():
    assert session.compute_hosts(CLUSTER) == ['c1', 'c2', 'c3']


@pytest.mark.parametrize('requested,expected', [([], ['c1', 'c2', 'c3']), (['c2', 'c1'], ['c2', 'c1'])])
def test_resolve_hosts(requested, expected):
    assert session.resolve_hosts(CLUSTER, requested) == expected


@pytest.mark.parametrize('cluster,requested,message', [
    (CLUSTER, ['c1', 'c9'], "Option hosts: got ['c9'], expected hosts of cluster lab. Its computes are c1, c2, c3; "
                            "rediscover it (osops.lifecycle.cluster_discover) if a host is new."),
    (CLUSTER, ['ctl', 'net1'], "Option hosts: got ['ctl', 'net1'], expected compute hosts (running nova-compute). ctl "
                               "of cluster lab has roles: control; net1 of cluster lab has roles: none."),
    (CLUSTER, ['c1', 'c1'], "Option hosts: got ['c1'], expected each host once."),
    (dict(CLUSTER, hosts=[], components=[]), [], 'Option hosts: got [], expected compute hosts. The record of cluster '
                                                 'lab has none: rediscover it (osops.lifecycle.cluster_discover).'),
])
def test_bad_hosts_are_named(cluster, requested, message):
    with pytest.raises(OptionError) as info:
        session.resolve_hosts(cluster, requested)
    assert info.value.msg == message


def test_the_same_session_or_a_clear_refusal():
    stored = {'id': 's1', 'hosts': [{'host': 'c1'}, {'host': 'c2'}]}
    taken = [{'host': 'c1', 'session': 's1', 'state': 'MAINTENANCE'}, {'host': 'c2', 'session': 's1',
                                                                       'state': 'MAINTENANCE'}]
    assert session.same_session(taken, stored, ['c2', 'c1']) is True
    with pytest.raises(OsopsError) as info:
        session.same_session(taken[:1], stored, ['c1'])
    assert info.value.msg == ('Host c1 is already in maintenance session s1 (MAINTENANCE); finish that session, or '
                              'delete it, first.')
    assert info.value.result == {'session': 's1', 'hosts': ['c1']}


def test_option_differences():
    stored = {'workflow': 'default', 'max_parallel': 2, 'metadata': {}, 'download': [],
              'actions': [{'plugin': 'a.b.c', 'type': 'host', 'metadata': {}, 'state': 'pending', 'host': None}]}
    wanted = {'workflow': 'default', 'max_parallel': 2, 'metadata': {}, 'download': [],
              'actions': [{'plugin': 'a.b.c', 'type': 'host', 'metadata': {}}]}
    assert session.option_differences(stored, wanted) == []
    assert session.option_differences(stored, dict(wanted, max_parallel=1, metadata={'x': 1})) == [
        'max_parallel', 'metadata']


@pytest.mark.parametrize('text,expected', [
    ('2026-12-01T02:00:00Z', datetime.datetime(2026, 12, 1, 2, tzinfo=UTC)),
    ('2026-12-01T03:00:00+01:00', datetime.datetime(2026, 12, 1, 2, tzinfo=UTC)),
    ('2026-12-01 02:00', datetime.datetime(2026, 12, 1, 2, tzinfo=UTC)),  # no offset: UTC
])
def test_parse_time(text, expected):
    assert session.parse_time(text) == expected


@pytest.mark.parametrize('offset,wait_max,expected', [
    (None, 300, 0), (-60, 300, 0), (120, 300, 120), (300, 300, 300), (301, 300, None), (3600, 0, None),
])
def test_start_in(offset, wait_max, expected):
    now = datetime.datetime(2026, 12, 1, 2, tzinfo=UTC)
    when = None if offset is None else now + datetime.timedelta(seconds=offset)
    assert session.start_in(when, now, wait_max) == expected
    if when is not None:  # as the store gives it back
        assert session.start_in(when.isoformat(), now, wait_max) == expected
