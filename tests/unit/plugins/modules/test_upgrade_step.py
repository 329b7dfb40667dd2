"""osops.lifecycle.upgrade_step in-process over a real store: the role's bookkeeping, batch by batch."""

import shutil

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.modules import upgrade, upgrade_info, upgrade_step

CLAIM_FIELDS = {'changed', 'msg', 'stop', 'upgrade', 'batch', 'phase', 'rollback', 'steps', 'hosts', 'by_host', '_rc', 'invocation'}
FINISH_FIELDS = {'changed', 'msg', 'stop', 'upgrade', 'batch', 'steps', 'failed', '_rc', 'invocation'}
UPGRADE_FIELDS = {'id', 'cluster', 'from_release', 'to_release', 'status', 'error', 'options', 'started_by',
                  'started_at', 'finished_at', 'current_batch', 'current_position', 'steps_total', 'batches_total',
                  'created_at', 'updated_at'}


@pytest.fixture
def started(run_module, lab_store):
    result = run_module(upgrade.main, {'cluster': 'lab', 'target_release': '2026.1', 'store': lab_store})
    return result['upgrade']['id']


def claim(run_module, url, check_mode=False, **args):
    return run_module(upgrade_step.main, dict({'cluster': 'lab', 'state': 'claimed', 'store': url}, **args),
                      check_mode=check_mode)


def finish(run_module, url, batch, results, check_mode=False, **args):
    return run_module(upgrade_step.main, dict({'cluster': 'lab', 'state': 'finished', 'batch': batch,
                                               'results': results, 'store': url}, **args), check_mode=check_mode)


def all_done(claimed, status='done'):
    return [{'position': s['position'], 'status': status} for s in claimed['steps']]


def test_a_role_drives_the_whole_plan_to_completed(run_module, lab_store, started):
    seen, lines = [], []
    while True:
        claimed = claim(run_module, lab_store, claimed_by='awx-job-42')
        assert set(claimed) == CLAIM_FIELDS and set(claimed['upgrade']) == UPGRADE_FIELDS
        if claimed['stop']:
            break
        seen.append((claimed['batch'], claimed['phase'], claimed['hosts']))
        for step in claimed['steps']:
            lines.append('[%d/%d] %s' % (step['position'], claimed['upgrade']['steps_total'], step['label']))
            assert step['claimed_by'] == 'awx-job-42' and step['status'] == 'running'
        assert sum(len(v) for v in claimed['by_host'].values()) == len([s for s in claimed['steps'] if s['host']])
        finished = finish(run_module, lab_store, claimed['batch'], all_done(claimed))
        assert set(finished) == FINISH_FIELDS and finished['failed'] == []
    assert claimed['msg'] == 'Upgrade %s is completed: nothing left to run.' % started
    assert (claimed['upgrade']['status'], claimed['changed']) == ('completed', False)
    assert len(seen) == 16 and seen[11] == (12, 'compute', ['compute1'])
    assert seen[0] == (1, 'prepare', ['compute1', 'compute2', 'controller'])  # check_path and check_code
    assert lines[37] == '[38/54] compute batch 1/2: switch nova-compute on compute1 31.3.1 → 33.0.2'
    info = run_module(upgrade_info.main, {'cluster': 'lab', 'store': lab_store})['upgrade']
    assert (info['status'], info['step_counts'], info['hosts_upgraded'], info['hosts_total']) == (
        'completed', {'done': 54}, 3, 3)


def test_finish_check_apply_check_apply(run_module, lab_store, started):
    claimed = claim(run_module, lab_store)
    results = all_done(claimed)
    check = finish(run_module, lab_store, claimed['batch'], results, check_mode=True)
    assert (check['changed'], check['steps'][0]['status']) == (True, 'done')
    store = store_engine.open_store(lab_store)
    try:
        assert store_upgrades.get_upgrade(store, started)['steps'][0]['status'] == 'running'
        applied = finish(run_module, lab_store, claimed['batch'], results)
        assert (applied['changed'], applied['stop']) == (True, False)
        assert applied['msg'] == 'Batch 1 of upgrade %s finished; the upgrade is running.' % started
        assert store_upgrades.get_upgrade(store, started)['steps'][0]['status'] == 'done'
    finally:
        store.close()
    for check_mode in (True, False):
        again = finish(run_module, lab_store, claimed['batch'], results, check_mode=check_mode)
        assert (again['changed'], again['steps']) == (False, [])


def test_claim_in_check_mode_writes_nothing(run_module, lab_store, started):
    check = claim(run_module, lab_store, check_mode=True)
    assert (check['batch'], check['upgrade']['status'], check['steps'][0]['status']) == (1, 'running', 'running')
    info = run_module(upgrade_info.main, {'id': started, 'store': lab_store})['upgrade']
    assert (info['status'], info['step_counts']) == ('pending', {'pending': 54})


def test_a_pause_from_another_process_stops_the_play_after_its_batch(run_module, lab_store, started):
    for _batch in range(11):
        claimed = claim(run_module, lab_store)
        finish(run_module, lab_store, claimed['batch'], all_done(claimed))
    claimed = claim(run_module, lab_store)
    assert claimed['phase'] == 'compute'
    run_module(upgrade.main, {'cluster': 'lab', 'state': 'paused', 'store': lab_store})  # another terminal
    finished = finish(run_module, lab_store, claimed['batch'], all_done(claimed))
    assert (finished['stop'], finished['upgrade']['status']) == (True, 'paused')
    assert finished['msg'].startswith('Upgrade %s is paused (last batch 12): continue it' % started)
    stopped = claim(run_module, lab_store)
    assert (stopped['stop'], stopped['batch'], stopped['steps'], stopped['changed']) == (True, None, [], False)
    run_module(upgrade.main, {'cluster': 'lab', 'state': 'running', 'store': lab_store})
    assert claim(run_module, lab_store)['batch'] == 13


def test_an_unreachable_host_fails_the_upgrade_naming_it(run_module, lab_store, started):
    prepare = claim(run_module, lab_store)  # check_path, then check_code on compute1, compute2, controller
    # compute2 did not answer: the play has no outcome for it.
    results = [r for r in all_done(prepare) if r['position'] != 3]
    finished = finish(run_module, lab_store, prepare['batch'], results)
    assert (finished['stop'], finished['upgrade']['status']) == (True, 'failed')
    assert finished['msg'] == ('step 3 (check_code on compute2) failed: no outcome was reported (host compute2 '
                               'unreachable, or the play stopped)')
    assert [(s['position'], s['host'], s['status']) for s in finished['failed']] == [(3, 'compute2', 'failed')]
    assert [s['status'] for s in finished['steps']] == ['done', 'done', 'failed', 'done']  # the others keep theirs
    run_module(upgrade.main, {'cluster': 'lab', 'state': 'running', 'store': lab_store})
    retry = claim(run_module, lab_store)
    assert [(s['position'], s['status_before']) for s in retry['steps']] == [(3, 'failed')]


def test_a_rollback_is_driven_the_same_way(run_module, lab_store, started):
    for _batch in range(12):  # through compute1's batch
        claimed = claim(run_module, lab_store)
        finish(run_module, lab_store, claimed['batch'], all_done(claimed))
    run_module(upgrade.main, {'cluster': 'lab', 'state': 'paused', 'store': lab_store})
    rolling = run_module(upgrade.main, {'cluster': 'lab', 'state': 'rolled_back', 'store': lab_store})
    assert rolling['upgrade']['status'] == 'rolling_back' and len(rolling['rollback']) == 24
    forward = claim(run_module, lab_store)
    assert forward['stop'] and forward['msg'].startswith('Upgrade %s is rolling back' % started)
    reverted = []
    while True:
        back = claim(run_module, lab_store, rollback=True)
        if back['stop']:
            break
        assert back['rollback'] is True
        reverted.append((back['batch'], [(s['action'], s['host'], s['to_version']) for s in back['steps']]))
        finish(run_module, lab_store, back['batch'], all_done(back, 'reverted'), rollback=True)
    assert reverted[0] == (12, [('switch', 'compute1', '31.3.1'), ('restart', 'compute1', '31.3.1'),
                                ('wait_ready', 'compute1', '31.3.1')])
    assert [batch for batch, _steps in reverted] == list(range(12, 4, -1))
    assert back['upgrade']['status'] == 'rolled_back'
    assert back['steps'] == [] and back['msg'].startswith('Upgrade %s is rolled back' % started)
    labels = claim(run_module, lab_store, rollback=True)
    assert labels['stop'] and labels['upgrade']['status'] == 'rolled_back'


def test_bad_calls_are_refused(run_module, lab_store, started):
    no_batch = run_module(upgrade_step.main, {'cluster': 'lab', 'state': 'finished', 'store': lab_store})
    assert no_batch['failed'] and 'state is finished but all of the following are missing: batch' in no_batch['msg']
    claimed = claim(run_module, lab_store)
    outside = finish(run_module, lab_store, claimed['batch'], [{'position': 7, 'status': 'done'}])
    assert outside['failed'] and outside['msg'] == ('Step 7 is not in batch 1 of upgrade %s (its steps are 1, 2, 3, 4).'
                                                    % started)
    bad_status = finish(run_module, lab_store, 1, [{'position': 1, 'status': 'skipped'}])
    assert bad_status['failed'] and 'value of status must be one of: done, failed, reverted' in bad_status['msg']
    later = claim(run_module, lab_store, batch=5)
    assert later['failed'] and later['msg'] == ('Batch 5 of upgrade %s cannot be claimed: batch 1 comes before it.'
                                                % started)
    nothing = run_module(upgrade_step.main, {'cluster': 'old', 'state': 'claimed', 'store': lab_store})
    assert nothing['failed'] and nothing['msg'].startswith('Cluster old has no upgrade: nothing to act on.')


def _compare(claimed):
    """A claim without what differs between two runs (times)."""
    keep = ('position', 'phase', 'service', 'host', 'action', 'from_version', 'to_version', 'status', 'batch',
            'label', 'claimed_by')
    return (claimed['stop'], claimed['batch'], claimed['phase'], claimed['hosts'],
            [dict((k, s.get(k)) for k in keep) for s in claimed['steps']])


def _drive(run_module, url, started, one_run):
    """Run the plan to its end, pausing in batch 12 (another terminal) and continuing; every claim seen."""
    seen, claimed = [], claim(run_module, url, claimed_by='awx-job-7')
    while not claimed['stop']:
        seen.append(_compare(claimed))
        if claimed['batch'] == 12:
            run_module(upgrade.main, {'cluster': 'lab', 'state': 'paused', 'store': url})
        if one_run:
            finished = finish(run_module, url, claimed['batch'], all_done(claimed), claim_next=True,
                              next_batch=claimed['batch'] + 1, claimed_by='awx-job-7')
            assert set(finished) == FINISH_FIELDS | {'next'}
            assert set(finished['next']) == CLAIM_FIELDS - {'_rc', 'invocation'}
            claimed = finished['next']
        else:
            finish(run_module, url, claimed['batch'], all_done(claimed))
            claimed = claim(run_module, url, claimed_by='awx-job-7', batch=claimed['batch'] + 1)
        if claimed['stop'] and claimed['upgrade']['status'] == 'paused':
            seen.append(claimed['msg'])
            run_module(upgrade.main, {'cluster': 'lab', 'state': 'running', 'store': url})
            claimed = claim(run_module, url, claimed_by='awx-job-7')
    seen.append((claimed['upgrade']['status'], claimed['msg']))
    return seen


def test_finish_claiming_the_next_batch_is_a_finish_then_a_claim(run_module, lab_store, started, tmp_path):
    """The role's one run per batch (claim_next) hands out what two runs do: every batch, a pause, the end."""
    other = 'sqlite:///%s' % (tmp_path / 'other.db')
    shutil.copy(lab_store[len('sqlite:///'):], tmp_path / 'other.db')
    one_run = _drive(run_module, lab_store, started, one_run=True)
    assert one_run == _drive(run_module, other, started, one_run=False)
    assert [entry[1] for entry in one_run if isinstance(entry, tuple) and len(entry) == 5] == list(range(1, 17))
    assert one_run[12].startswith('Upgrade %s is paused (last batch 12): continue it' % started)
    assert one_run[-1] == ('completed', 'Upgrade %s is completed: nothing left to run.' % started)
