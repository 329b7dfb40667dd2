"""Running an upgrade batch by batch in the store: claim, finish, cancel, roll back (SQLite and PostgreSQL)."""

import multiprocessing

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import batches
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import CUT_SHORT


def _step(batch, phase, action, host=None, service='nova', binary=None):
    detail = {'batch': batch}
    if binary:
        detail['binary'] = binary
    return {'phase': phase, 'service': service, 'host': host, 'action': action, 'from_version': '31.3.1',
            'to_version': '33.0.2', 'detail': detail}


def _code(batch, phase, host, binary):
    return [_step(batch, phase, action, host, binary=binary) for action in ('switch', 'restart', 'wait_ready')]


# Positions: 1 prepare | 2 expand | 3-5 control ctl | 6-11 compute cmp1+cmp2 | 12-14 compute cmp3 | 15 finalize
PLAN = ([_step(1, 'prepare', 'check_path', service=None), _step(2, 'expand', 'db_sync', 'ctl')]
        + _code(3, 'control', 'ctl', 'nova-conductor') + _code(4, 'compute', 'cmp1', 'nova-compute')
        + _code(4, 'compute', 'cmp2', 'nova-compute') + _code(5, 'compute', 'cmp3', 'nova-compute')
        + [_step(6, 'finalize', 'db_contract', 'ctl')])


@pytest.fixture
def upgrade(store):
    store_clusters.upsert_cluster(store, 'lab', 'api', hosts=[{'name': h} for h in ('ctl', 'cmp1', 'cmp2', 'cmp3')])
    return store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', PLAN, started_by='ops@bastion')['id']


def _done(positions):
    return [{'position': p, 'status': 'done'} for p in positions]


def _statuses(store, upgrade_id):
    found = store_upgrades.get_upgrade(store, upgrade_id)
    return found['status'], [s['status'] for s in found['steps']]


def _run(store, upgrade_id, through):
    """Claim and finish every batch up to ``through``, all done."""
    while True:
        claimed = batches.claim_batch(store, upgrade_id, 'me')
        batches.finish_batch(store, upgrade_id, claimed['batch'], _done(s['position'] for s in claimed['steps']))
        if claimed['batch'] == through:
            return


def test_claims_hand_out_the_batches_in_order_and_the_last_finish_completes(store, upgrade):
    first = batches.claim_batch(store, upgrade, 'ops@bastion')
    assert (first['batch'], first['stop'], first['changed'], first['status_before']) == (1, False, True, 'pending')
    assert first['upgrade']['status'] == 'running' and first['upgrade']['started_at']
    assert (first['upgrade']['current_batch'], first['upgrade']['current_position']) == (1, 1)
    assert (first['upgrade']['steps_total'], first['upgrade']['batches_total']) == (15, 6)
    assert [(s['position'], s['status'], s['claimed_by']) for s in first['steps']] == [(1, 'running', 'ops@bastion')]
    assert first['steps'][0]['started_at'] and first['steps'][0]['claimed_at']
    assert _statuses(store, upgrade) == ('running', ['running'] + ['pending'] * 14)
    finished = batches.finish_batch(store, upgrade, 1, [{'position': 1, 'status': 'done', 'detail': {'ok': 1}}])
    assert (finished['stop'], finished['failed'], finished['upgrade']['status']) == (False, [], 'running')
    assert finished['steps'][0]['detail'] == {'batch': 1, 'ok': 1}  # merged into the step's
    compute = None
    for expected in (2, 3, 4):
        compute = batches.claim_batch(store, upgrade, 'me')
        assert compute['batch'] == expected
        if expected < 4:
            batches.finish_batch(store, upgrade, expected, _done(s['position'] for s in compute['steps']))
    assert [(s['host'], s['action']) for s in compute['steps']] == [
        ('cmp1', 'switch'), ('cmp1', 'restart'), ('cmp1', 'wait_ready'),
        ('cmp2', 'switch'), ('cmp2', 'restart'), ('cmp2', 'wait_ready')]
    batches.finish_batch(store, upgrade, 4, _done(range(6, 12)))
    _run(store, upgrade, 6)
    status, steps = _statuses(store, upgrade)
    assert (status, set(steps)) == ('completed', {'done'})
    assert store_upgrades.get_upgrade(store, upgrade)['finished_at'] and store_upgrades.active_upgrade(store, 'lab') is None
    after = batches.claim_batch(store, upgrade, 'me')
    assert (after['stop'], after['batch'], after['changed']) == (True, None, False)
    assert after['reason'] == 'Upgrade %s is completed: nothing left to run.' % upgrade


def test_a_batch_cut_short_is_handed_out_again_and_done_steps_are_skipped(store, upgrade):
    _run(store, upgrade, 3)
    batches.claim_batch(store, upgrade, 'first')
    # The controller dies inside the batch (outcomes are recorded per batch, so none is): the whole
    # batch is handed out again, to be redone.
    again = batches.claim_batch(store, upgrade, 'second')
    assert again['batch'] == 4 and [s['position'] for s in again['steps']] == list(range(6, 12))
    assert {s['claimed_by'] for s in again['steps']} == {'second'}
    assert {s['status_before'] for s in again['steps']} == {'running'}  # redone
    # A failure on cmp2 only: continue retries cmp2's steps, cmp1's done ones are skipped.
    batches.finish_batch(store, upgrade, 4, _done(range(6, 10)) + [
        {'position': 10, 'status': 'failed', 'error': 'nova-compute did not start'}])
    assert store_upgrades.get_upgrade(store, upgrade, steps=False)['status'] == 'failed'
    store_upgrades.transition_upgrade(store, upgrade, 'running')
    retry = batches.claim_batch(store, upgrade, 'me')
    assert [(s['position'], s['status'], s['status_before'], s['error']) for s in retry['steps']] == [
        (10, 'running', 'failed', None), (11, 'running', 'failed', None)]  # 11 had no outcome: failed


def test_a_failed_step_fails_the_upgrade_naming_step_host_and_reason(store, upgrade):
    _run(store, upgrade, 3)
    claimed = batches.claim_batch(store, upgrade, 'me')
    # cmp2 never answered: its steps have no outcome.
    finished = batches.finish_batch(store, upgrade, 4, _done(range(6, 9)) + [
        {'position': 9, 'status': 'failed', 'error': 'venv missing'}])
    assert claimed['batch'] == 4 and finished['stop'] is True
    assert finished['upgrade']['status'] == 'failed'
    assert finished['reason'] == finished['upgrade']['error'] == (
        'step 9 (switch nova-compute on cmp2) failed: venv missing (and 2 more steps)')
    assert [(s['position'], s['error']) for s in finished['failed']] == [
        (9, 'venv missing'), (10, 'no outcome was reported (host cmp2 unreachable, or the play stopped)'),
        (11, 'no outcome was reported (host cmp2 unreachable, or the play stopped)')]
    assert _statuses(store, upgrade)[1][5:11] == ['done'] * 3 + ['failed'] * 3
    stopped = batches.claim_batch(store, upgrade, 'me')
    assert stopped['stop'] and stopped['reason'].startswith(
        'Upgrade %s failed: step 9 (switch nova-compute on cmp2) failed: venv missing (and 2 more steps) Fix the '
        'cause, then continue it (osops.lifecycle.upgrade state=running)' % upgrade)
    # continued: the upgrade's error is cleared, and the failed steps are handed out again
    continued = store_upgrades.transition_upgrade(store, upgrade, 'running')
    assert (continued['status'], continued['error']) == ('running', None)
    again = batches.claim_batch(store, upgrade, 'me')
    assert [(s['position'], s['status']) for s in again['steps']] == [(9, 'running'), (10, 'running'), (11, 'running')]


def test_pause_stops_claims_but_the_running_batch_still_finishes(store, upgrade):
    batches.claim_batch(store, upgrade, 'me')
    store_upgrades.transition_upgrade(store, upgrade, 'paused')
    finished = batches.finish_batch(store, upgrade, 1, _done([1]))
    assert (finished['upgrade']['status'], finished['stop']) == ('paused', True)
    assert finished['reason'].startswith('Upgrade %s is paused (last batch 1): continue it' % upgrade)
    stopped = batches.claim_batch(store, upgrade, 'me')
    assert (stopped['stop'], stopped['batch'], stopped['changed']) == (True, None, False)
    assert _statuses(store, upgrade) == ('paused', ['done'] + ['pending'] * 14)
    store_upgrades.transition_upgrade(store, upgrade, 'running')
    assert batches.claim_batch(store, upgrade, 'me')['batch'] == 2


def test_cancel_lets_the_running_batch_finish_then_cancels(store, upgrade):
    _run(store, upgrade, 3)
    batches.claim_batch(store, upgrade, 'me')
    cancelled = batches.cancel_upgrade(store, upgrade)
    assert (cancelled['changed'], cancelled['upgrade']['status']) == (True, 'cancelling')
    assert batches.cancel_upgrade(store, upgrade)['changed'] is False
    # The controller died inside the batch: the batch is handed out once more, then the upgrade ends.
    redo = batches.claim_batch(store, upgrade, 'me')
    assert redo['batch'] == 4 and not redo['stop']
    finished = batches.finish_batch(store, upgrade, 4, _done(range(6, 12)))
    assert (finished['upgrade']['status'], finished['stop']) == ('cancelled', True)
    assert _statuses(store, upgrade)[1][11:] == ['pending'] * 4  # cmp3 and finalize never ran
    assert store_upgrades.active_upgrade(store, 'lab') is None


def test_cancel_with_nothing_running_cancels_at_once(store, upgrade):
    assert batches.cancel_upgrade(store, upgrade)['upgrade']['status'] == 'cancelled'  # pending
    other = store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', PLAN)['id']
    _run(store, other, 2)
    store_upgrades.transition_upgrade(store, other, 'paused')
    assert batches.cancel_upgrade(store, other)['upgrade']['status'] == 'cancelled'
    finished = store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', PLAN[:1])['id']
    _run(store, finished, 1)
    with pytest.raises(StoreError) as info:
        batches.cancel_upgrade(store, finished)
    assert info.value.msg.startswith('Upgrade %s is completed: it cannot become cancelling' % finished)


def test_a_batch_asked_for_is_checked_against_the_plan(store, upgrade):
    _run(store, upgrade, 2)
    done = batches.claim_batch(store, upgrade, 'me', batch=1)
    assert (done['batch'], done['steps'], done['stop'], done['changed']) == (1, [], False, False)
    assert done['reason'] == 'Batch 1 of upgrade %s is done already.' % upgrade
    with pytest.raises(StoreError) as info:
        batches.claim_batch(store, upgrade, 'me', batch=5)
    assert info.value.msg == 'Batch 5 of upgrade %s cannot be claimed: batch 3 comes before it.' % upgrade
    assert info.value.result == {'batch': 3}
    assert batches.claim_batch(store, upgrade, 'me', batch=3)['batch'] == 3


@pytest.mark.parametrize('results,message', [
    ([{'position': 1, 'status': 'done'}], 'Step 1 is not in batch 3 of upgrade {id} (its steps are 3, 4, 5).'),
    ([{'position': 3, 'status': 'done'}] * 2, 'Step 3 has two outcomes.'),
    ([{'position': 3, 'status': 'skipped'}], "Step 3: status 'skipped'; expected done, failed or reverted."),
])
def test_bad_outcomes_are_refused_and_change_nothing(store, upgrade, results, message):
    _run(store, upgrade, 2)
    batches.claim_batch(store, upgrade, 'me')
    before = store_upgrades.get_upgrade(store, upgrade)
    with pytest.raises(StoreError) as info:
        batches.finish_batch(store, upgrade, 3, results)
    assert info.value.msg == message.format(id=upgrade)
    assert store_upgrades.get_upgrade(store, upgrade) == before


def test_finishing_a_pending_batch_or_twice(store, upgrade):
    with pytest.raises(StoreError) as info:
        batches.finish_batch(store, upgrade, 1, _done([1]))
    assert info.value.msg == 'Upgrade %s is pending: no batch of it can be finished.' % upgrade
    batches.claim_batch(store, upgrade, 'me')
    with pytest.raises(StoreError) as info:
        batches.finish_batch(store, upgrade, 2, _done([2]))
    assert info.value.msg.startswith('Step 2 of upgrade %s is pending: it cannot become done' % upgrade)
    assert batches.finish_batch(store, upgrade, 1, _done([1]))['changed'] is True
    assert batches.finish_batch(store, upgrade, 1, _done([1]))['changed'] is False  # told twice
    with pytest.raises(StoreError) as info:
        batches.finish_batch(store, upgrade, 9, [])
    assert info.value.msg == 'Upgrade %s has no batch 9.' % upgrade


def test_rollback_undoes_code_batches_last_first_and_ends_rolled_back(store, upgrade):
    _run(store, upgrade, 4)
    started = batches.start_rollback(store, upgrade)
    assert (started['changed'], started['upgrade']['status']) == (True, 'rolling_back')
    assert batches.start_rollback(store, upgrade)['changed'] is False
    forward = batches.claim_batch(store, upgrade, 'me')
    assert forward['stop'] and forward['reason'].startswith('Upgrade %s is rolling back' % upgrade)
    first = batches.claim_batch(store, upgrade, 'me', rollback=True)
    assert first['batch'] == 4 and [s['position'] for s in first['steps']] == list(range(6, 12))
    assert {s['status'] for s in first['steps']} == {'done'}  # claimed to revert: the status stays
    # cmp2's switch back failed: the step stays done, to be reverted again.
    finished = batches.finish_batch(store, upgrade, 4, [{'position': p, 'status': 'reverted'} for p in range(6, 9)]
                                    + [{'position': 9, 'status': 'failed', 'error': 'venv gone'}]
                                    + [{'position': p, 'status': 'reverted'} for p in (10, 11)])
    assert (finished['upgrade']['status'], finished['stop']) == ('rolling_back', False)
    assert finished['failed'][0]['error'] == 'revert failed: venv gone'
    assert _statuses(store, upgrade)[1][5:11] == ['reverted'] * 3 + ['done'] + ['reverted'] * 2
    again = batches.claim_batch(store, upgrade, 'me', rollback=True)
    assert (again['batch'], [s['position'] for s in again['steps']]) == (4, [9])
    batches.finish_batch(store, upgrade, 4, [{'position': 9, 'status': 'reverted'}])
    control = batches.claim_batch(store, upgrade, 'me', rollback=True)
    assert control['batch'] == 3
    last = batches.finish_batch(store, upgrade, 3, [{'position': p, 'status': 'reverted'} for p in (3, 4, 5)])
    assert (last['upgrade']['status'], last['stop']) == ('rolled_back', True)
    status, steps = _statuses(store, upgrade)
    # prepare and expand stay done: the expanded schema stays.
    assert (status, steps[:2], set(steps[2:11]), steps[11:]) == (
        'rolled_back', ['done', 'done'], {'reverted'}, ['pending'] * 4)


def test_rollback_is_refused_once_finalize_started(store, upgrade):
    _run(store, upgrade, 5)
    batches.claim_batch(store, upgrade, 'me')
    before = store_upgrades.get_upgrade(store, upgrade)
    with pytest.raises(StoreError) as info:
        batches.start_rollback(store, upgrade)
    assert info.value.msg == ('Upgrade %s cannot be rolled back: its finalize phase started with step 15 '
                              '(db_contract nova on ctl) (running).' % upgrade)
    assert store_upgrades.get_upgrade(store, upgrade) == before


def test_a_rollback_with_nothing_to_undo_ends_at_once(store, upgrade):
    _run(store, upgrade, 2)
    store_upgrades.transition_upgrade(store, upgrade, 'paused')
    assert batches.start_rollback(store, upgrade)['upgrade']['status'] == 'rolled_back'


def test_a_rollback_closes_the_prepare_steps_a_crash_left_running(store, upgrade):
    # found by the crash trials (tests/chaos): killed in batch 1, then rolled back
    batches.claim_batch(store, upgrade, 'me')
    predicted = batches.start_rollback(store, upgrade, check_mode=True)
    assert predicted['upgrade']['status'] == 'rolled_back' and _statuses(store, upgrade)[1][0] == 'running'
    assert batches.start_rollback(store, upgrade)['upgrade']['status'] == 'rolled_back'
    first = store_upgrades.get_upgrade(store, upgrade)['steps'][0]
    assert (first['status'], first['error']) == ('failed', CUT_SHORT) and first['finished_at']
    assert _statuses(store, upgrade)[1][1:] == ['pending'] * 14


def test_check_mode_predicts_and_writes_nothing(store, upgrade):
    def snapshot():
        return store_upgrades.get_upgrade(store, upgrade)

    before = snapshot()
    claimed = batches.claim_batch(store, upgrade, 'me', check_mode=True)
    assert (claimed['batch'], claimed['upgrade']['status'], claimed['steps'][0]['status']) == (1, 'running', 'running')
    assert snapshot() == before
    _run(store, upgrade, 3)
    batches.claim_batch(store, upgrade, 'me')
    before = snapshot()
    finished = batches.finish_batch(store, upgrade, 4, _done(range(6, 11)), check_mode=True)
    assert finished['upgrade']['status'] == 'failed' and finished['failed'][0]['position'] == 11
    assert batches.cancel_upgrade(store, upgrade, check_mode=True)['upgrade']['status'] == 'cancelling'
    assert batches.start_rollback(store, upgrade, check_mode=True)['upgrade']['status'] == 'rolling_back'
    assert snapshot() == before
    finished = batches.finish_batch(store, upgrade, 4, _done(range(6, 12)), check_mode=True)
    assert finished['upgrade']['status'] == 'running' and snapshot() == before


def _pause(url, upgrade_id, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('pause', store_upgrades.transition_upgrade(opened, upgrade_id, 'paused')['status']))
    except StoreError as exc:
        results.put(('pause', exc.msg))
    finally:
        opened.close()


def _finish_last(url, upgrade_id, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('finish', batches.finish_batch(opened, upgrade_id, 6, _done([15]))['upgrade']['status']))
    finally:
        opened.close()


@pytest.mark.parametrize('round_', range(3))
def test_a_pause_racing_the_last_finish_never_loses_either(store_url, store, upgrade, round_):
    _run(store, upgrade, 5)
    batches.claim_batch(store, upgrade, 'me')
    context = multiprocessing.get_context('fork')
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=target, args=(store_url, upgrade, barrier, results))
               for target in (_pause, _finish_last)]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=60) for _worker in workers)
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    status, steps = _statuses(store, upgrade)
    assert set(steps) == {'done'}  # the outcomes are recorded either way
    if outcomes['pause'] == 'paused':  # paused first: the finish keeps it paused
        assert outcomes['finish'] == status == 'paused'
    else:  # finished first: completed, and the pause is refused naming it
        assert outcomes['finish'] == status == 'completed'
        # It read completed (serialised), or its compare-and-set found the status moved.
        assert (outcomes['pause'].startswith('Upgrade %s is completed: it cannot become paused' % upgrade)
                or outcomes['pause'] == ('Upgrade %s was moved from running to completed by another controller '
                                         'meanwhile; nothing changed.' % upgrade))


def test_steps_are_written_with_compare_and_set(store, upgrade):
    """Every UPDATE of a step names the status it moves from."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith('UPDATE upgrade_steps'):
            seen.append(statement)
    sa.event.listen(store.engine, 'before_cursor_execute', record)
    try:
        claimed = batches.claim_batch(store, upgrade, 'me')
        batches.finish_batch(store, upgrade, claimed['batch'], _done([1]))
    finally:
        sa.event.remove(store.engine, 'before_cursor_execute', record)
    assert len(seen) == 2 and all('upgrade_steps.status =' in s for s in seen)


def _versions(store):
    """(binary, host) -> (version, release) of the cluster's components, as the store holds them."""
    cluster = store_clusters.get_cluster(store, 'lab')
    return dict(((c['binary'], c['host']), (c['version'], c['release'])) for c in cluster['components'])


def _conductor_extra(store):
    cluster = store_clusters.get_cluster(store, 'lab')
    return next(c['extra'] for c in cluster['components'] if (c['binary'], c['host']) == ('nova-conductor', 'ctl'))


@pytest.fixture
def deployed(store, upgrade):
    """The cluster of ``upgrade`` with components on its hosts, a hostless catalog entry and a service it skips."""
    components = [{'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl', 'version': '31.3.1', 'release': '2025.1',
                   'extra': {'release_reason': 'nova 31.3.1 shipped in 2025.1', 'version_from': 'params.host_versions'}}]
    components += [{'service': 'nova', 'binary': 'nova-compute', 'host': h, 'version': '31.3.1', 'release': '2025.1'}
                   for h in ('cmp1', 'cmp2', 'cmp3')]
    components += [{'service': 'nova', 'binary': 'nova-conductor', 'host': '', 'version': '31.3.1', 'release': '2025.1'},
                   {'service': 'keystone', 'binary': 'keystone', 'host': 'ctl', 'version': '27.1.0', 'release': '2025.1'}]
    store_clusters.upsert_cluster(store, 'lab', 'api', hosts=[{'name': h} for h in ('ctl', 'cmp1', 'cmp2', 'cmp3')],
                                  components=components)
    return upgrade


def test_a_completed_upgrade_records_the_versions_its_hosts_run(store, deployed):
    _run(store, deployed, 5)
    assert set(_versions(store).values()) == {('31.3.1', '2025.1'), ('27.1.0', '2025.1')}  # not before the end
    _run(store, deployed, 6)
    assert _statuses(store, deployed)[0] == 'completed'
    assert _versions(store) == {
        ('nova-conductor', 'ctl'): ('33.0.2', '2026.1'), ('nova-conductor', ''): ('33.0.2', '2026.1'),
        ('nova-compute', 'cmp1'): ('33.0.2', '2026.1'), ('nova-compute', 'cmp2'): ('33.0.2', '2026.1'),
        ('nova-compute', 'cmp3'): ('33.0.2', '2026.1'), ('keystone', 'ctl'): ('27.1.0', '2025.1')}
    # worded as discovery words it, the rest of what discovery recorded kept
    assert _conductor_extra(store) == {'release_reason': 'nova 33.0.2 shipped in 2026.1',
                                       'version_from': 'params.host_versions'}


def test_a_cancelled_upgrade_records_what_it_switched(store, deployed):
    _run(store, deployed, 4)
    batches.cancel_upgrade(store, deployed)
    assert _statuses(store, deployed)[0] == 'cancelled'
    versions = _versions(store)
    switched = sorted((key for key, value in versions.items() if value == ('33.0.2', '2026.1')), key=str)
    assert switched == sorted([('nova-compute', 'cmp1'), ('nova-compute', 'cmp2'), ('nova-conductor', 'ctl'),
                               ('nova-conductor', '')], key=str)
    assert versions[('nova-compute', 'cmp3')] == ('31.3.1', '2025.1')


def test_a_rolled_back_upgrade_records_the_versions_it_went_back_to(store, deployed):
    _run(store, deployed, 4)
    batches.start_rollback(store, deployed)
    while True:
        claimed = batches.claim_batch(store, deployed, 'me', rollback=True)
        if claimed['stop']:
            break
        batches.finish_batch(store, deployed, claimed['batch'],
                             [{'position': s['position'], 'status': 'reverted'} for s in claimed['steps']])
    assert _statuses(store, deployed)[0] == 'rolled_back'
    # every switch went back: each component runs 31.3.1 (of 2025.1, from the release data) as before
    assert set(_versions(store).values()) == {('31.3.1', '2025.1'), ('27.1.0', '2025.1')}
    assert _conductor_extra(store)['release_reason'] == 'nova 31.3.1 shipped in 2025.1'
