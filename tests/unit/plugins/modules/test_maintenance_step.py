"""maintenance_step over a real store: the bookkeeping of a session's runner, a batch per run."""

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import maintenance_session_info, maintenance_step

CLAIMED = {'changed', 'session', 'claimed', 'waiting', 'finished_hosts'}
FINISHED = {'changed', 'session', 'finished', 'unchanged'}
STEP_FIELDS = {'position', 'stage', 'phase', 'batch', 'host', 'action', 'plugin', 'metadata', 'status', 'attempts',
               'started_at', 'finished_at', 'detail'}


@pytest.fixture
def store_url(maintenance_store):
    return maintenance_store[0]


@pytest.fixture
def session(maintenance_store):
    return maintenance_store[1]


def step(run_module, store_url, session, state, check_mode=False, **extra):
    return run_module(maintenance_step.main, dict({'session': session, 'state': state, 'store': store_url}, **extra),
                      check_mode=check_mode)


def test_claim_and_finish_the_steps_of_a_batch(run_module, store_url, session):
    predicted = step(run_module, store_url, session, 'claimed', check_mode=True)
    assert predicted['changed'] and CLAIMED <= set(predicted)
    assert [(s['action'], s['plugin'], s['status']) for s in predicted['claimed']] == [
        ('pre_action', 'site.ops.announce', 'running')]
    assert predicted['session']['state'] == 'MAINTENANCE'  # nothing written
    pre = step(run_module, store_url, session, 'claimed')
    assert pre['session']['state'] == 'PREPARE_MAINTENANCE' and set(pre['claimed'][0]) == STEP_FIELDS
    assert pre['claimed'][0]['attempts'] == 1 and pre['claimed'][0]['started_at']
    blocked = step(run_module, store_url, session, 'claimed', hosts=['c1', 'c2'])
    assert blocked['changed'] is False and blocked['claimed'] == [] and [w['host'] for w in blocked['waiting']] == [
        'c1', 'c2']
    assert blocked['waiting'][0]['reason'] == 'waits for step 1 (pre_action site.ops.announce), of an earlier stage'

    task = {'results': [{'position': pre['claimed'][0]['position'], 'outcome': 'done', 'detail': {'msg': 'sent'}}]}
    finished = [step(run_module, store_url, session, 'finished', check_mode=check_mode, **task)
                for check_mode in (True, False, True, False)]
    assert [f['changed'] for f in finished] == [True, True, False, False]
    assert FINISHED <= set(finished[1]) and finished[1]['finished'][0]['status'] == 'done'
    assert finished[1]['finished'][0]['detail'] == {'msg': 'sent'}
    assert [s['position'] for s in finished[3]['unchanged']] == [1]

    batch = step(run_module, store_url, session, 'claimed', hosts=['c1', 'c2'], action='disable')
    assert [s['host'] for s in batch['claimed']] == ['c1'] and batch['session']['state'] == 'PLANNED_MAINTENANCE'
    assert batch['waiting'] == [{'host': 'c2', 'position': 8, 'action': 'disable',
                                 'reason': 'waits for step 2 (disable on c1), of an earlier stage'}]
    done = step(run_module, store_url, session, 'finished', results=[{'host': 'c1'}])
    assert [(s['action'], s['status']) for s in done['finished']] == [('disable', 'done')]


def test_a_failed_step_stops_the_session_until_it_is_continued(run_module, store_url, session):
    step(run_module, store_url, session, 'claimed')
    step(run_module, store_url, session, 'finished', results=[{'position': 1}])
    step(run_module, store_url, session, 'claimed', hosts=['c1'])
    failed = step(run_module, store_url, session, 'finished',
                  results=[{'host': 'c1', 'outcome': 'failed', 'detail': {'msg': 'nova-compute did not stop'}}])
    assert failed['session']['state'] == 'MAINTENANCE_FAILED'
    assert failed['session']['reason'] == 'step 2 (disable on c1) failed: nova-compute did not stop'
    refused = step(run_module, store_url, session, 'claimed', hosts=['c1'])
    assert refused['failed'] and refused['msg'].startswith('Maintenance session %s failed: step 2 (disable on c1) '
                                                           'failed: nova-compute did not stop. Fix the cause' % session)
    info = run_module(maintenance_session_info.main, {'id': session, 'store': store_url})['sessions'][0]
    assert info['hosts_to_enable'] == ['c1'] and info['state'] == 'MAINTENANCE_FAILED'
    assert [(s['position'], s['status']) for s in info['steps'][:3]] == [(1, 'done'), (2, 'failed'), (3, 'pending')]


@pytest.mark.parametrize('task,message', [
    ({'state': 'finished', 'results': [{'position': 1, 'host': 'c1'}]}, 'parameters are mutually exclusive: position|host'),
    ({'state': 'finished', 'results': [{'position': 1, 'outcome': 'great'}]}, 'value of outcome must be one of: done, '
                                                                              'failed, skipped, got: great'),
    ({'state': 'finished'}, 'state is finished but all of the following are missing: results'),
    ({'state': 'finished', 'results': [{'position': 2}]}, 'Step 2 (disable on c1) of maintenance session {id} is '
                                                          'pending: only a claimed (running) step can become done.'),
    ({'state': 'claimed', 'hosts': ['c9']}, 'Not hosts of maintenance session {id}: c9.'),
    ({'state': 'claimed', 'session': 'nope'}, 'No maintenance session nope in the store: '),
])
def test_bad_input_is_named(run_module, store_url, session, task, message):
    result = run_module(maintenance_step.main, dict({'session': session, 'store': store_url}, **task))
    assert result['failed'] and message.format(id=session) in result['msg']
