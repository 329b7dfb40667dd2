"""osops.lifecycle.upgrade in-process over a real store: start, pause, continue, cancel, roll back."""

import io
import json
import multiprocessing
import sys
import uuid

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.osops.lifecycle.plugins.module_utils._store import batches as store_batches
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.modules import cluster_info, upgrade

TARGET = {'nova': '33.0.2', 'keystone': '29.1.0', 'placement': '15.0.0', 'glance': '32.0.0', 'neutron': '28.0.2'}
START = {'cluster': 'lab', 'target_release': '2026.1', 'target_versions': TARGET, 'started_by': 'ops@bastion'}
UPGRADE_FIELDS = {'id', 'cluster', 'from_release', 'to_release', 'status', 'error', 'options', 'started_by',
                  'created_at', 'started_at', 'finished_at', 'updated_at', 'steps_total', 'step_counts',
                  'batches_total', 'phase', 'step', 'batch', 'hosts_upgraded', 'hosts_total', 'services',
                  'failed_step', 'elapsed', 'remaining'}


def _read(url, upgrade_id=None, cluster='lab'):
    """The store's own record, read without the module."""
    store = store_engine.open_store(url)
    try:
        if upgrade_id is None:
            return store_upgrades.list_upgrades(store, cluster)
        return store_upgrades.get_upgrade(store, upgrade_id)
    finally:
        store.close()


def _start(run_module, url, check_mode=False, **args):
    return run_module(upgrade.main, dict(START, store=url, **args), check_mode=check_mode)


def test_start_check_apply_check_apply(run_module, lab_store):
    check = _start(run_module, lab_store, check_mode=True)
    assert (check['changed'], check['upgrade']['id'], check['upgrade']['status']) == (True, None, 'pending')
    assert set(check['upgrade']) == UPGRADE_FIELDS
    assert len(check['plan']) == check['upgrade']['steps_total'] == 54
    assert check['plan'][0]['action'] == 'check_path' and check['upgrade']['batches_total'] == 16
    assert check['msg'].startswith('Upgrade (check mode) of cluster lab 2025.1 → 2026.1 would be planned: 54 steps in '
                                   '16 batches.')
    assert _read(lab_store) == []  # nothing written

    applied = _start(run_module, lab_store)
    assert applied['changed'] is True and uuid.UUID(applied['upgrade']['id'])
    assert 'plan' not in applied and len(applied['batches']) == 16
    assert set(applied['upgrade']) == UPGRADE_FIELDS
    assert (applied['upgrade']['status'], applied['upgrade']['started_by'], applied['upgrade']['phase']) == (
        'pending', 'ops@bastion', 'prepare')
    assert applied['upgrade']['options']['batch_size'] == 1 and applied['upgrade']['options']['target_versions'] == TARGET
    stored = _read(lab_store, applied['upgrade']['id'])
    # The recorded plan is the one check mode predicted.
    assert [(s['phase'], s['action'], s['host']) for s in stored['steps']] == [
        (s['phase'], s['action'], s['host']) for s in check['plan']]
    assert applied['batches'][11] == {'batch': 12, 'phase': 'compute', 'status': 'pending', 'steps': 3,
                                      'services': ['nova'], 'hosts': ['compute1']}

    again = _start(run_module, lab_store, check_mode=True)
    assert (again['changed'], again['upgrade']['id']) == (False, applied['upgrade']['id'])
    assert again['msg'] == 'Cluster lab already has upgrade %s to 2026.1 (status pending); nothing changed.' % (
        applied['upgrade']['id'])
    once_more = _start(run_module, lab_store)
    assert (once_more['changed'], once_more['upgrade']['id']) == (False, applied['upgrade']['id'])
    assert len(_read(lab_store)) == 1


def _finish(url, upgrade_id):
    """Run every batch of the upgrade to its end, each step done (what the upgrade role records)."""
    store = store_engine.open_store(url)
    try:
        while True:
            claimed = store_batches.claim_batch(store, upgrade_id, 'test')
            if claimed['stop']:
                return
            store_batches.finish_batch(store, upgrade_id, claimed['batch'],
                                       [{'position': step['position'], 'status': 'done'} for step in claimed['steps']])
    finally:
        store.close()


def test_the_same_upgrade_asked_again_once_completed_changes_nothing(run_module, lab_store):
    first = _start(run_module, lab_store)
    _finish(lab_store, first['upgrade']['id'])
    for check_mode in (True, False):
        again = _start(run_module, lab_store, check_mode=check_mode)
        assert (again['changed'], again['upgrade']['id'], again['upgrade']['status']) == (
            False, first['upgrade']['id'], 'completed')
        assert again['msg'].startswith('Cluster lab already runs 2026.1 (') and again['msg'].endswith(
            'nothing to upgrade. Upgrade %s took it there (completed %s); nothing changed.' % (
                first['upgrade']['id'], _read(lab_store, first['upgrade']['id'])['finished_at']))
    assert len(_read(lab_store)) == 1
    # the cluster now runs the target release: its status says so, without a new discovery
    status = run_module(cluster_info.main, {'name': 'lab', 'store': lab_store})
    assert status['clusters'][0]['release'] == '2026.1'
    # another target is planned from the versions the upgrade left (2026.1 -> 2026.2 is a plain next release)
    onwards = _start(run_module, lab_store, check_mode=True, target_release='2026.2', target_versions={})
    assert onwards['changed'] is True and onwards['upgrade']['from_release'] == '2026.1'


def test_starting_again_with_other_options_keeps_the_plan_and_warns(run_module, lab_store, warned):
    first = _start(run_module, lab_store)
    assert warned == []
    again = _start(run_module, lab_store, batch_size=5)
    assert again['changed'] is False and again['upgrade']['options']['batch_size'] == 1
    assert warned == ['Upgrade %s keeps the options it was planned with (batch_size=1); the options given '
                      'now are not applied.' % first['upgrade']['id']]


def _running(url, upgrade_id):
    """Claim and finish batches 1-5 (prepare, expand, keystone's control batch), then claim the 6th."""
    store = store_engine.open_store(url)
    try:
        for _batch in range(5):
            claimed = store_batches.claim_batch(store, upgrade_id, 'test')
            store_batches.finish_batch(store, upgrade_id, claimed['batch'],
                                       [{'position': s['position'], 'status': 'done'} for s in claimed['steps']])
        store_batches.claim_batch(store, upgrade_id, 'test')
    finally:
        store.close()


@pytest.mark.parametrize('state,before,after', [
    ('paused', 'running', 'paused'),
    ('cancelled', 'running', 'cancelling'),  # the running batch finishes first
    ('rolled_back', 'running', 'rolling_back'),
])
def test_transitions_check_apply_check_apply(run_module, lab_store, state, before, after):
    upgrade_id = _start(run_module, lab_store)['upgrade']['id']
    _running(lab_store, upgrade_id)
    args = {'cluster': 'lab', 'state': state, 'store': lab_store}
    check = run_module(upgrade.main, args, check_mode=True)
    assert (check['changed'], check['upgrade']['status'], check['diff']) == (
        True, after, {'before': {'status': before}, 'after': {'status': after}})
    assert _read(lab_store, upgrade_id)['status'] == before
    applied = run_module(upgrade.main, args)
    assert (applied['changed'], applied['upgrade']['status']) == (True, after)
    assert applied['msg'] == 'Upgrade %s of cluster lab: %s → %s.' % (upgrade_id, before, after)
    assert _read(lab_store, upgrade_id)['status'] == after
    for check_mode in (True, False):
        again = run_module(upgrade.main, args, check_mode=check_mode)
        assert (again['changed'], again['upgrade']['status']) == (False, after)
        assert again['msg'] == 'Upgrade %s of cluster lab is %s already; nothing changed.' % (upgrade_id, after)
    assert set(applied['upgrade']) == UPGRADE_FIELDS


def test_continue_a_paused_upgrade_by_id(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)['upgrade']['id']
    _running(lab_store, upgrade_id)
    run_module(upgrade.main, {'id': upgrade_id, 'state': 'paused', 'store': lab_store})
    args = {'id': upgrade_id, 'state': 'running', 'store': lab_store}
    check = run_module(upgrade.main, args, check_mode=True)
    assert (check['changed'], check['upgrade']['status']) == (True, 'running')
    assert _read(lab_store, upgrade_id)['status'] == 'paused'
    applied = run_module(upgrade.main, args)
    assert (applied['changed'], applied['upgrade']['status'], applied['upgrade']['batch']) == (True, 'running', 6)
    assert applied['batches'][5]['status'] == 'running' and applied['batches'][4]['status'] == 'done'
    assert run_module(upgrade.main, args)['changed'] is False


def test_a_cancel_with_nothing_running_ends_at_once(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)['upgrade']['id']
    status = run_module(cluster_info.main, {'name': 'lab', 'store': lab_store})['clusters'][0]
    assert (status['upgrade_in_progress'], status['upgrade']) == (True, {
        'id': upgrade_id, 'from_release': '2025.1', 'to_release': '2026.1', 'status': 'pending'})
    result = run_module(upgrade.main, {'cluster': 'lab', 'state': 'cancelled', 'store': lab_store})
    assert (result['changed'], result['upgrade']['status']) == (True, 'cancelled')  # pending
    status = run_module(cluster_info.main, {'name': 'lab', 'store': lab_store})['clusters'][0]
    assert (status['upgrade_in_progress'], status['upgrade']) == (False, None)
    assert run_module(upgrade.main, {'id': upgrade_id, 'state': 'cancelled', 'store': lab_store})['changed'] is False


def test_rollback_returns_what_it_will_undo(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)['upgrade']['id']
    store = store_engine.open_store(lab_store)
    try:
        for _batch in range(5):  # prepare, expand, keystone's control batch
            claimed = store_batches.claim_batch(store, upgrade_id, 'test')
            store_batches.finish_batch(store, upgrade_id, claimed['batch'],
                                       [{'position': s['position'], 'status': 'done'} for s in claimed['steps']])
    finally:
        store.close()
    run_module(upgrade.main, {'cluster': 'lab', 'state': 'paused', 'store': lab_store})
    result = run_module(upgrade.main, {'cluster': 'lab', 'state': 'rolled_back', 'store': lab_store})
    assert result['upgrade']['status'] == 'rolling_back'
    assert [(e['position'], e['action'], e['host'], e['to_version']) for e in result['rollback']] == [
        (17, 'switch', 'controller', '27.1.0'), (18, 'restart', 'controller', '27.1.0'),
        (19, 'wait_ready', 'controller', '27.1.0')]


def _error(run_module, **args):
    result = run_module(upgrade.main, args)
    assert result.get('failed') is True, result
    return result


def test_errors_say_what_and_how_to_go_on(run_module, lab_store, tmp_path):
    unknown = _error(run_module, cluster='nowhere', target_release='2026.1', store=lab_store)
    assert unknown['msg'] == ("No cluster named 'nowhere' in the store; discover it first "
                              "(osops.lifecycle.cluster_discover).")
    refused = _error(run_module, cluster='old', target_release='2026.1', store=lab_store)
    assert refused['msg'] == ('Cluster old cannot be upgraded to 2026.1: 2024.1 → 2026.1 skips 2025.1 (SLURP) and '
                              '2025.2: only N→N+1 or SLURP→next SLURP is supported. (nova-compute on compute1, '
                              'nova-conductor on controller)')
    assert refused['reason'].startswith('2024.1 → 2026.1 skips')
    nothing = _error(run_module, cluster='old', state='paused', store=lab_store)
    assert nothing['msg'] == ('Cluster old has no upgrade: nothing to act on. Start one with ansible-playbook '
                              'osops.lifecycle.upgrade -e osops_upgrade_cluster=old -e osops_upgrade_target_release='
                              'RELEASE (the module: osops.lifecycle.upgrade state=started).')
    bad_release = _error(run_module, cluster='lab', target_release='2031.1', store=lab_store)
    assert bad_release['msg'].startswith("Option target_release: got '2031.1', expected an OpenStack release. "
                                         "Unknown OpenStack release '2031.1'")
    bad_option = _error(run_module, cluster='lab', target_release='2026.1', batch_size=0, store=lab_store)
    assert bad_option['msg'] == 'Option batch_size: got 0, expected a whole number of hosts, 1 or more.'
    started = _start(run_module, lab_store)['upgrade']
    other = _error(run_module, cluster='lab', target_release='2025.2', store=lab_store)
    assert other['msg'] == (
        'Cluster lab already has an active upgrade: {0} (2025.1 → 2026.1, status pending, started by ops@bastion); '
        'nothing was recorded (one active upgrade per cluster). See where it stands: ansible-playbook '
        'osops.lifecycle.upgrade_status -e osops_upgrade_id={0}; continue it (one play at a time): ansible-playbook '
        'osops.lifecycle.upgrade_continue -e osops_upgrade_id={0}; or cancel it first: ansible-playbook '
        'osops.lifecycle.upgrade_cancel -e osops_upgrade_id={0}.'.format(started['id']))
    assert other['upgrade_id'] == started['id']
    pause_pending = _error(run_module, id=started['id'], state='paused', store=lab_store)
    assert pause_pending['msg'] == ('Upgrade %s is pending: it cannot become paused (from pending it can only become '
                                    'running, cancelled).' % started['id'])
    no_such = _error(run_module, id='0000', state='paused', store=lab_store)
    assert no_such['msg'] == 'No upgrade 0000 in the store: ansible-playbook osops.lifecycle.upgrades lists the upgrades it holds.'
    missing = tmp_path / 'missing.db'
    assert _error(run_module, cluster='lab', target_release='2026.1', store='sqlite:///%s' % missing)['msg'].startswith(
        "No cluster named 'lab' in the store")
    assert not missing.exists()  # check mode or not, a missing store is not created for nothing
    both = _error(run_module, cluster='lab', id=started['id'], state='paused', store=lab_store)
    assert 'mutually exclusive' in both['msg']


def test_rollback_after_finalize_started_is_refused(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)['upgrade']['id']
    store = store_engine.open_store(lab_store)
    try:
        for _batch in range(13):  # everything up to the finalize phase
            claimed = store_batches.claim_batch(store, upgrade_id, 'test')
            store_batches.finish_batch(store, upgrade_id, claimed['batch'],
                                       [{'position': s['position'], 'status': 'done'} for s in claimed['steps']])
        assert store_batches.claim_batch(store, upgrade_id, 'test')['steps'][0]['phase'] == 'finalize'
    finally:
        store.close()
    before = _read(lab_store, upgrade_id)
    for check_mode in (True, False):
        refused = run_module(upgrade.main, {'cluster': 'lab', 'state': 'rolled_back', 'store': lab_store},
                             check_mode=check_mode)
        assert refused['failed'] is True
        assert refused['msg'] == ('The upgrade cannot be rolled back: its finalize phase started with step 44 (restart '
                                  'nova on controller, running); contract steps remove what the old code needs. '
                                  'Continue the upgrade instead.')
    assert _read(lab_store, upgrade_id) == before


def _start_in_a_process(url, barrier, out):
    """Run the module in a forked process, its result (stdout) sent back on ``out``."""
    sys.stdout = io.StringIO()
    with patch_module_args(dict(START, store=url)):
        barrier.wait()
        try:
            upgrade.main()
        except SystemExit:
            pass
    out.put(json.loads(sys.stdout.getvalue()))


@pytest.mark.parametrize('round_', range(2))
def test_two_upgrades_started_at_once_exactly_one_wins(lab_store_any, round_):
    context = multiprocessing.get_context('fork')
    barrier, out = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_start_in_a_process, args=(lab_store_any, barrier, out)) for _i in range(2)]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _worker in workers]
    for worker in workers:
        worker.join(60)
    won = [r for r in results if r.get('changed')]
    assert len(won) == 1, results
    winner = won[0]['upgrade']['id']
    lost = [r for r in results if not r.get('changed')][0]
    # It lost at the database's constraint, or it came second and found the winner: same target, no change.
    if lost.get('failed'):
        assert lost['msg'].startswith('Cluster lab already has an active upgrade: %s (2025.1 → 2026.1, status '
                                      'pending, started by ops@bastion); nothing was recorded' % winner)
        assert 'osops.lifecycle.upgrade_continue -e osops_upgrade_id=%s;' % winner in lost['msg']
    else:
        assert lost['upgrade']['id'] == winner
    assert [u['id'] for u in _read(lab_store_any)] == [winner]
    assert len(_read(lab_store_any, winner)['steps']) == 54
