"""Maintenance sessions in the store: create, read, delete; one active session per host; the state table."""

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store import states as store_states
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import (
    _raw,
    computes,
    maintenance_steps,
    new_session,
    paths_from,
    race,
    run_to_the_end,
)


ACTIONS = [
    {'plugin': 'dummy', 'type': 'pre', 'metadata': {'wait': 1}},
    {'plugin': 'os_update', 'type': 'host', 'host': 'cmp1'},
    {'plugin': 'notify', 'type': 'post'},
]


def test_session_create_get_list_delete(store_url, store):
    computes(store)
    computes(store, 'other')
    created = new_session(store, workflow='default', metadata={'ticket': 'CHG-1'}, download=[{'url': 'http://x'}],
                          actions=ACTIONS, max_parallel=2, plan=[{'batch': 1, 'hosts': ['cmp1']}])
    assert created == store_sessions.get_session(store, created['id'])
    assert (created['state'], created['cluster'], created['max_parallel'], created['reason']) == (
        'MAINTENANCE', 'lab', 2, None)
    assert created['metadata'] == {'ticket': 'CHG-1'} and created['download'] == [{'url': 'http://x'}]
    assert created['plan'] == [{'batch': 1, 'hosts': ['cmp1']}]
    assert [(h['host'], h['position'], h['batch'], h['state']) for h in created['hosts']] == [
        ('cmp1', 1, 1, 'pending'), ('cmp2', 2, 2, 'pending')]
    assert [(a['plugin'], a['type'], a['host'], a['metadata']) for a in created['actions']] == [
        ('dummy', 'pre', None, {'wait': 1}), ('os_update', 'host', 'cmp1', {}), ('notify', 'post', None, {})]
    assert [(s['position'], s['stage'], s['phase'], s['host'], s['action'], s['status'], s['attempts'])
            for s in created['steps'][:4]] == [
        (1, 1, 'prepare', 'cmp1', 'download', 'pending', 0), (2, 1, 'prepare', 'cmp2', 'download', 'pending', 0),
        (3, 2, 'prepare', None, 'pre_action', 'pending', 0), (4, 3, 'host', 'cmp1', 'disable', 'pending', 0)]
    assert created['steps'][2]['metadata'] == {'wait': 1} and len(created['steps']) == 10
    other = store_sessions.create_session(store, 'other', ['cmp1'])  # another cluster's cmp1
    assert [s['id'] for s in store_sessions.list_sessions(store, 'lab')] == [created['id']]
    assert {s['id'] for s in store_sessions.list_sessions(store)} == {created['id'], other['id']}
    summary = store_sessions.list_sessions(store, 'lab')[0]
    assert 'hosts' not in summary and 'steps' not in summary and 'plan' not in summary
    assert store_sessions.active_hosts(store, 'lab') == [
        {'host': 'cmp1', 'session': created['id'], 'state': 'MAINTENANCE'},
        {'host': 'cmp2', 'session': created['id'], 'state': 'MAINTENANCE'}]
    assert store_sessions.active_hosts(store, 'lab', ['cmp2', 'ctl1']) == [
        {'host': 'cmp2', 'session': created['id'], 'state': 'MAINTENANCE'}]

    with pytest.raises(StoreError) as info:
        store_sessions.delete_session(store, created['id'])
    assert info.value.msg == ('Maintenance session %s is MAINTENANCE, not finished: delete it with force once the '
                              'hosts it disabled are enabled again.' % created['id'])
    forced = store_sessions.delete_session(store, created['id'], force=True)
    assert forced['deleted'] and forced['session']['steps'] == created['steps']
    assert store_sessions.delete_session(store, created['id']) == {'deleted': False, 'session': None}
    with pytest.raises(StoreError) as info:
        store_sessions.get_session(store, created['id'])
    assert info.value.msg == ('No maintenance session %s in the store: ansible-playbook osops.lifecycle.maintenance_list '
                              'lists the sessions it holds.') % created['id']
    for table in ('maintenance_hosts', 'maintenance_actions', 'maintenance_steps'):
        assert _raw(store_url, 'SELECT COUNT(*) FROM %s' % table) == [(1 if table == 'maintenance_hosts' else 0,)]


@pytest.mark.parametrize('hosts,actions,steps,message', [
    (['cmp1'], [{'plugin': 'x', 'type': 'during'}], [], "Action 'x': type must be one of pre, host, post."),
    (['cmp1', 'cmp1'], [], [], 'A host is listed twice in cmp1, cmp1.'),
    (['cmp1'], [], [{'phase': 'host', 'stage': 1, 'action': 'drain', 'host': 'cmp9'}], 'Step 1 needs a phase'),
    (['cmp1'], [], [{'phase': 'during', 'stage': 1, 'action': 'drain'}], 'Step 1 needs a phase (prepare, host, complete)'),
    (['cmp1'], [], [{'phase': 'host', 'action': 'drain', 'host': 'cmp1'}], 'Step 1 needs a phase'),
])
def test_bad_sessions_are_refused(store, hosts, actions, steps, message):
    computes(store)
    with pytest.raises(StoreError) as info:
        store_sessions.create_session(store, 'lab', hosts, actions=actions, steps=steps)
    assert info.value.msg.startswith(message)
    assert store_sessions.list_sessions(store) == []


def test_a_host_in_an_active_session_is_refused_until_that_session_is_finished(store):
    first = new_session(store, cluster=computes(store))
    with pytest.raises(StoreError) as info:
        new_session(store, hosts=('cmp2',))
    assert info.value.msg == ('Host cmp2 is already in maintenance session %s (MAINTENANCE); finish that session, '
                              'or delete it, first.' % first['id'])
    assert info.value.result == {'hosts': ['cmp2'], 'session': first['id']}
    assert [s['id'] for s in store_sessions.list_sessions(store)] == [first['id']]  # nothing half-written
    run_to_the_end(store, first)
    assert store_sessions.active_hosts(store, 'lab') == []
    second = new_session(store, hosts=('cmp2',))
    assert store_sessions.active_hosts(store, 'lab') == [{'host': 'cmp2', 'session': second['id'],
                                                          'state': 'MAINTENANCE'}]


def test_the_database_itself_keeps_one_active_session_per_host(store_url, store):
    """Writes that bypass the Python API are refused by the constraints."""
    first = new_session(store, cluster=computes(store))
    cluster_id = _raw(store_url, "SELECT id FROM clusters WHERE name = 'lab'")[0][0]
    others = [store_sessions.create_session(store, 'lab', []) for _session_ in range(2)]

    def insert(session, host, state, active):
        _raw(store_url, 'INSERT INTO maintenance_hosts (session_id, host, state, position, detail, active_cluster_id) '
                        'VALUES (:sid, :host, :state, 1, :detail, :active)',
             sid=session['id'], host=host, state=state, detail='{}', active=active)
    with pytest.raises(sa.exc.IntegrityError):  # cmp1 holds its slot in the first session
        insert(others[0], 'cmp1', 'pending', cluster_id)
    # (MariaDB reports a failed CHECK as an OperationalError, 4025.)
    with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)):
        insert(others[0], 'cmp9', 'exploded', None)
    for other in others:  # rows of finished sessions hold no slot: they never collide
        insert(other, 'cmp1', 'done', None)
    assert store_sessions.active_hosts(store, 'lab') == [
        {'host': 'cmp1', 'session': first['id'], 'state': 'MAINTENANCE'},
        {'host': 'cmp2', 'session': first['id'], 'state': 'MAINTENANCE'}]


def _create_session(url, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', new_session(opened, hosts=('cmp1',))['id']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


@pytest.mark.parametrize('round_', range(3))
def test_two_sessions_claiming_the_same_host_at_once_exactly_one_wins(store_url, store, round_):
    computes(store)
    outcomes = race(_create_session, [(store_url,), (store_url,)])
    assert [kind for kind, _text in outcomes] == ['lost', 'won']
    winner = outcomes[1][1]
    assert outcomes[0][1] == ('Host cmp1 is already in maintenance session %s (MAINTENANCE); finish that session, '
                              'or delete it, first.' % winner)
    assert _raw(store_url, 'SELECT id FROM maintenance_sessions') == [(winner,)]
    assert _raw(store_url, 'SELECT COUNT(*) FROM maintenance_steps') == [(len(maintenance_steps(('cmp1',))),)]


# A path from SCHEDULED to every state, along allowed transitions.
SESSION_PATH_TO = paths_from(store_states.SESSION_TRANSITIONS, 'SCHEDULED')
SESSION_EDGES = [(a, b) for a, targets in sorted(store_states.SESSION_TRANSITIONS.items()) for b in targets]


def _session_at(store, state):
    session = store_sessions.create_session(store, computes(store), ['cmp1'], state='SCHEDULED')
    for step in SESSION_PATH_TO[state]:
        session = store_sessions.transition_session(store, session['id'], step,
                                                    reason='why' if step == 'MAINTENANCE_FAILED' else None)
    assert session['state'] == state
    return session


@pytest.mark.parametrize('source,target', SESSION_EDGES)
def test_every_allowed_session_transition(store, source, target):
    session = _session_at(store, source)
    moved = store_sessions.transition_session(store, session['id'], target,
                                              reason='because' if target == 'MAINTENANCE_FAILED' else None)
    assert moved['state'] == target == store_sessions.get_session(store, session['id'])['state']
    assert (store_sessions.active_hosts(store, 'lab') == []) == (target in store_states.FINISHED_SESSION_STATES)
    if target == 'MAINTENANCE_FAILED':
        assert moved['reason'] == 'because'
    elif target in store_states.SESSION_PHASE_STATES.values():
        assert moved['reason'] is None  # running again: no failure reason


@pytest.mark.parametrize('source', sorted(store_states.SESSION_TRANSITIONS))
def test_invalid_session_transitions_name_the_current_state_and_change_nothing(store, source):
    session = _session_at(store, source)
    before = store_sessions.get_session(store, session['id'])
    allowed = store_states.SESSION_TRANSITIONS[source]
    for target in sorted(set(store_states.SESSION_TRANSITIONS) - set(allowed)):
        with pytest.raises(StoreError) as info:
            store_sessions.transition_session(store, session['id'], target)
        assert info.value.msg.startswith('Maintenance session %s is %s: it cannot become %s (from %s it can only become '
                                         % (session['id'], source, target, source))
        assert info.value.result == {'state': source}
    assert store_sessions.get_session(store, session['id']) == before


def test_an_unknown_session_state_is_refused(store):
    session = _session_at(store, 'MAINTENANCE')
    with pytest.raises(StoreError) as info:
        store_sessions.transition_session(store, session['id'], 'RUNNING')
    assert info.value.msg.startswith("Unknown maintenance session state 'RUNNING'; expected one of SCHEDULED, ")
