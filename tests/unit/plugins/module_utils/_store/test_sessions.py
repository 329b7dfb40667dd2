"""Maintenance sessions in the store."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import _cluster, _raw


ACTIONS = [
    {'plugin': 'dummy', 'type': 'pre', 'metadata': {'wait': 1}},
    {'plugin': 'os_update', 'type': 'host', 'host': 'cmp1'},
    {'plugin': 'notify', 'type': 'post'},
]


def test_session_create_get_list_update_delete(store_url, store, writes):
    _cluster(store)
    _cluster(store, 'other')
    created = store_sessions.create_session(store, 'lab', ['cmp1', 'ctl1'], workflow='default',
                                            metadata={'ticket': 'CHG-1'}, download=['http://127.0.0.1/x'],
                                            actions=ACTIONS)
    assert created == store_sessions.get_session(store, created['id'])
    assert created['state'] == 'MAINTENANCE' and created['cluster'] == 'lab'
    assert created['metadata'] == {'ticket': 'CHG-1'} and created['download'] == ['http://127.0.0.1/x']
    assert [(h['host'], h['position'], h['state']) for h in created['hosts']] == [
        ('cmp1', 1, 'pending'), ('ctl1', 2, 'pending')]
    assert [(a['plugin'], a['type'], a['host'], a['metadata']) for a in created['actions']] == [
        ('dummy', 'pre', None, {'wait': 1}), ('os_update', 'host', 'cmp1', {}), ('notify', 'post', None, {})]
    other = store_sessions.create_session(store, 'other', [])
    assert [s['id'] for s in store_sessions.list_sessions(store, 'lab')] == [created['id']]
    assert {s['id'] for s in store_sessions.list_sessions(store)} == {created['id'], other['id']}
    assert 'hosts' not in store_sessions.list_sessions(store, 'lab')[0]

    writes.clear()
    assert store_sessions.update_session(store, created['id'], state='MAINTENANCE') == created
    assert writes == []  # nothing to change, nothing written
    updated = store_sessions.update_session(store, created['id'], state='MAINTENANCE_FAILED',
                                            metadata={'ticket': 'CHG-2'})
    assert (updated['state'], updated['metadata']) == ('MAINTENANCE_FAILED', {'ticket': 'CHG-2'})
    assert updated['updated_at'] > created['updated_at'] and updated['hosts'] == created['hosts']

    assert store_sessions.delete_session(store, created['id']) is True
    assert store_sessions.delete_session(store, created['id']) is False
    with pytest.raises(StoreError) as info:
        store_sessions.get_session(store, created['id'])
    assert info.value.msg == 'No maintenance session %s in the store.' % created['id']
    assert _raw(store_url, 'SELECT COUNT(*) FROM maintenance_hosts') == [(0,)]
    assert _raw(store_url, 'SELECT COUNT(*) FROM maintenance_actions') == [(0,)]


@pytest.mark.parametrize('hosts,actions,message', [
    (['cmp1'], [{'plugin': 'x', 'type': 'during'}], "Action 'x': type must be one of pre, host, post."),
    (['cmp1', 'cmp1'], [], 'A host is listed twice in cmp1, cmp1.'),
])
def test_bad_sessions_are_refused(store, hosts, actions, message):
    _cluster(store)
    with pytest.raises(StoreError) as info:
        store_sessions.create_session(store, 'lab', hosts, actions=actions)
    assert info.value.msg == message
    assert store_sessions.list_sessions(store) == []
