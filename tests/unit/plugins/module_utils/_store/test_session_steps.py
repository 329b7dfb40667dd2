"""The steps of a maintenance session: claimed before they run, finished after, stage after stage."""

import datetime

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import session_steps as store_steps
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import (
    computes,
    new_session,
    run_to_the_end,
)

ACTIONS = [{'plugin': 'dummy', 'type': 'pre', 'metadata': {'wait': 1}}]


def _claim(store, session, hosts=(), action=None):
    return store_steps.claim_steps(store, session['id'], hosts, action)


def _finish(store, session, outcome='done', detail=None, **which):
    return store_steps.finish_steps(store, session['id'], [dict(which, outcome=outcome, detail=detail)])


def test_a_session_runs_stage_after_stage_and_records_every_step(store, writes):
    session = new_session(store, cluster=computes(store), actions=ACTIONS)
    # Stage 1: both downloads at once; cmp2's disable (stage 4) waits.
    first = _claim(store, session, ['cmp1', 'cmp2'])
    assert [(s['host'], s['action'], s['status'], s['attempts']) for s in first['claimed']] == [
        ('cmp1', 'download', 'running', 1), ('cmp2', 'download', 'running', 1)]
    assert first['session']['state'] == 'PREPARE_MAINTENANCE' and first['claimed'][0]['started_at']
    assert _claim(store, session)['waiting'] == [{
        'host': None, 'position': 3, 'action': 'pre_action',
        'reason': 'waits for step 1 (download on cmp1), of an earlier stage'}]
    done = store_steps.finish_steps(store, session['id'], [
        {'host': 'cmp1', 'outcome': 'done', 'detail': {'files': 1}}, {'position': 2, 'outcome': 'skipped'}])
    assert [(s['position'], s['status'], s['detail']) for s in done['finished']] == [
        (1, 'done', {'files': 1}), (2, 'skipped', {})]
    writes.clear()
    again = store_steps.finish_steps(store, session['id'], [{'position': 1, 'outcome': 'done', 'detail': {'files': 1}}])
    assert again['finished'] == [] and [s['position'] for s in again['unchanged']] == [1] and writes == []
    # Stage 2: the pre action, then batch 1 (cmp1) while batch 2 (cmp2) waits.
    pre = _claim(store, session)['claimed']
    assert [(s['action'], s['plugin'], s['metadata']) for s in pre] == [('pre_action', 'dummy', {'wait': 1})]
    _finish(store, session, position=pre[0]['position'])
    batch = _claim(store, session, ['cmp1', 'cmp2'], action='disable')
    assert [s['host'] for s in batch['claimed']] == ['cmp1'] and batch['session']['state'] == 'PLANNED_MAINTENANCE'
    assert batch['waiting'] == [{'host': 'cmp2', 'position': 7, 'action': 'disable',
                                 'reason': 'waits for step 4 (disable on cmp1), of an earlier stage'}]
    _finish(store, session, host='cmp1')
    wrong = _claim(store, session, ['cmp1'], action='enable')
    assert wrong['claimed'] == [] and wrong['waiting'][0]['reason'] == 'its next step is step 5 (drain on cmp1), not enable'
    for action in ('drain', 'enable'):
        assert [s['action'] for s in _claim(store, session, ['cmp1'], action)['claimed']] == [action]
        _finish(store, session, host='cmp1')
    stored = store_sessions.get_session(store, session['id'])
    assert [(h['host'], h['state'], bool(h['started_at']), bool(h['finished_at'])) for h in stored['hosts']] == [
        ('cmp1', 'done', True, True), ('cmp2', 'pending', False, False)]
    assert _claim(store, session, ['cmp1'])['finished'] == ['cmp1']
    run_to_the_end(store, session)
    stored = store_sessions.get_session(store, session['id'])
    assert stored['state'] == 'MAINTENANCE_DONE' and stored['reason'] is None
    assert all(s['status'] in ('done', 'skipped') and s['started_at'] <= s['finished_at'] for s in stored['steps'])
    assert [h['state'] for h in stored['hosts']] == ['done', 'done']
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg == 'Maintenance session %s is MAINTENANCE_DONE: nothing is left to run.' % session['id']
    assert store_sessions.delete_session(store, session['id'])['deleted']


def test_a_failed_step_fails_the_session_and_continuing_redoes_only_it(store):
    session = new_session(store, cluster=computes(store))

    def run_stage(hosts=()):
        store_steps.finish_steps(store, session['id'], [{'position': s['position'], 'outcome': 'done'}
                                                        for s in _claim(store, session, hosts)['claimed']])
    run_stage(['cmp1', 'cmp2'])
    run_stage()
    run_stage(['cmp1'])  # disable
    drain = _claim(store, session, ['cmp1'])['claimed'][0]
    failed = _finish(store, session, 'failed', {'msg': 'migration of i-1 timed out'}, host='cmp1')
    assert failed['session']['state'] == 'MAINTENANCE_FAILED'
    assert failed['session']['reason'] == 'step 5 (drain on cmp1) failed: migration of i-1 timed out'
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg == ('Maintenance session %s failed: step 5 (drain on cmp1) failed: migration of i-1 timed '
                              'out. Fix the cause, then continue it (osops.lifecycle.maintenance_session, state '
                              'continued).' % session['id'])
    assert [h['state'] for h in store_sessions.get_session(store, session['id'])['hosts']] == ['failed', 'pending']
    predicted = store_sessions.continue_session(store, session['id'], check_mode=True)
    assert predicted['changed'] and predicted['session']['state'] == 'PLANNED_MAINTENANCE'
    assert store_sessions.get_session(store, session['id'])['state'] == 'MAINTENANCE_FAILED'
    continued = store_sessions.continue_session(store, session['id'])
    assert continued['changed'] and [s['position'] for s in continued['reset']] == [drain['position']]
    assert (continued['session']['state'], continued['session']['reason']) == ('PLANNED_MAINTENANCE', None)
    assert store_sessions.continue_session(store, session['id'])['changed'] is False
    redo = _claim(store, session, ['cmp1'])['claimed']
    assert [(s['position'], s['attempts'], s['detail']) for s in redo] == [
        (drain['position'], 2, {'msg': 'migration of i-1 timed out'})]
    _finish(store, session, host='cmp1')
    steps = store_sessions.get_session(store, session['id'])['steps']
    assert [s['attempts'] for s in steps if s['host'] == 'cmp1' and s['phase'] == 'host'] == [1, 2, 0]


def test_a_step_found_running_is_claimed_again(store):
    """The controller died during a step: claiming it again redoes it."""
    session = new_session(store, cluster=computes(store))
    first = _claim(store, session, ['cmp1'])['claimed'][0]
    again = _claim(store, session, ['cmp1'])['claimed'][0]
    assert (again['position'], again['attempts']) == (first['position'], 2) and again['started_at'] >= first['started_at']


@pytest.mark.parametrize('which,message', [
    ({'position': 4}, 'Step 4 (disable on cmp1) of maintenance session {id} is pending: only a claimed (running) '
                      'step can become done.'),
    ({'position': 99}, 'No step 99 in maintenance session {id}.'),
    ({'host': 'cmp2'}, 'Host cmp2 has no running step in maintenance session {id}: claim its step first.'),
])
def test_finishing_a_step_that_was_not_claimed_is_refused(store, which, message):
    session = new_session(store, cluster=computes(store))
    before = store_sessions.get_session(store, session['id'])
    with pytest.raises(StoreError) as info:
        _finish(store, session, **which)
    assert info.value.msg == message.format(id=session['id'])
    assert store_sessions.get_session(store, session['id']) == before


def test_claims_name_bad_input(store):
    session = new_session(store, cluster=computes(store))
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1', 'ctl1'])
    assert info.value.msg == 'Not hosts of maintenance session %s: ctl1.' % session['id']
    with pytest.raises(StoreError) as info:
        store_steps.finish_steps(store, session['id'], [{'position': 1, 'outcome': 'great'}])
    assert info.value.msg == "Outcome 'great' of a step: expected one of done, failed, skipped."
    with pytest.raises(StoreError) as info:
        store_steps.claim_steps(store, 'nope', ['cmp1'])
    assert info.value.msg == 'No maintenance session nope in the store: ansible-playbook osops.lifecycle.maintenance_list lists the sessions it holds.'


def test_a_scheduled_session_is_claimed_only_once_started(store):
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    session = new_session(store, cluster=computes(store), state='SCHEDULED', maintenance_at=when)
    with pytest.raises(StoreError) as info:
        _claim(store, session, ['cmp1'])
    assert info.value.msg.startswith('Maintenance session %s is scheduled for 2030-01-01 00:00:00' % session['id'])
    started = store_sessions.transition_session(store, session['id'], 'MAINTENANCE')
    assert started['state'] == 'MAINTENANCE' and started['maintenance_at'] == '2030-01-01T00:00:00+00:00'
    assert _claim(store, session, ['cmp1'])['claimed'][0]['action'] == 'download'


def test_check_mode_writes_nothing(store, writes):
    session = new_session(store, cluster=computes(store))
    writes.clear()
    claimed = store_steps.claim_steps(store, session['id'], ['cmp1', 'cmp2'], check_mode=True)
    assert [s['status'] for s in claimed['claimed']] == ['running', 'running']
    store_steps.claim_steps(store, session['id'], ['cmp1'])
    writes.clear()
    finished = store_steps.finish_steps(store, session['id'], [{'host': 'cmp1', 'outcome': 'failed'}], check_mode=True)
    assert finished['finished'][0]['status'] == 'failed'
    assert store_sessions.transition_session(store, session['id'], 'PLANNED_MAINTENANCE', check_mode=True)['state'] == \
        'PLANNED_MAINTENANCE'
    assert store_sessions.delete_session(store, session['id'], force=True, check_mode=True)['deleted']
    assert writes == []
    assert store_sessions.get_session(store, session['id'])['state'] == 'PREPARE_MAINTENANCE'
