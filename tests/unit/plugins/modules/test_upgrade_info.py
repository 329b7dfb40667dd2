"""osops.lifecycle.upgrade_info in-process over a real store: one upgrade's status, the list of upgrades."""

from ansible_collections.osops.lifecycle.plugins.module_utils._store import batches as store_batches
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.modules import upgrade, upgrade_info

# The documented fields of RV(upgrade) and of each of RV(upgrades).
DETAIL = {'id', 'cluster', 'from_release', 'to_release', 'status', 'error', 'options', 'started_by', 'created_at',
          'started_at', 'finished_at', 'updated_at', 'steps_total', 'step_counts', 'batches_total', 'phase', 'step',
          'batch', 'hosts_upgraded', 'hosts_total', 'services', 'failed_step', 'elapsed', 'remaining'}
SUMMARY = {'id', 'cluster', 'from_release', 'to_release', 'status', 'error', 'options', 'started_by', 'created_at',
           'started_at', 'finished_at', 'updated_at', 'steps_total', 'step_counts'}


def _start(run_module, url, cluster='lab', target='2026.1'):
    result = run_module(upgrade.main, {'cluster': cluster, 'target_release': target, 'store': url})
    assert result['changed'], result
    return result['upgrade']['id']


def _through(url, upgrade_id, batches, fail=None):
    """Claim and finish ``batches`` batches, all done but the step at position ``fail``."""
    store = store_engine.open_store(url)
    try:
        for _batch in range(batches):
            claimed = store_batches.claim_batch(store, upgrade_id, 'test')
            store_batches.finish_batch(store, upgrade_id, claimed['batch'], [
                {'position': s['position'], 'status': 'failed' if s['position'] == fail else 'done',
                 'error': 'nova-compute did not start' if s['position'] == fail else None}
                for s in claimed['steps']])
    finally:
        store.close()


def test_nothing_stored_yet(run_module, tmp_path):
    missing = tmp_path / 'none.db'
    result = run_module(upgrade_info.main, {'store': 'sqlite:///%s' % missing}, check_mode=True)
    assert (result['changed'], result['upgrade'], result['upgrades']) == (False, None, [])
    assert not missing.exists()


def test_one_upgrade_in_the_compute_phase(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)
    _through(lab_store, upgrade_id, 12)  # through compute1's batch
    result = run_module(upgrade_info.main, {'cluster': 'lab', 'store': lab_store}, check_mode=True)
    info = result['upgrade']
    assert result['changed'] is False and set(info) == DETAIL
    assert (info['id'], info['status'], info['phase'], info['batch'], info['batches_total']) == (
        upgrade_id, 'running', 'compute', 13, 16)
    assert (info['hosts_upgraded'], info['hosts_total']) == (2, 3)  # the controller and compute1
    assert info['services'] == {'glance': {'32.0.0': 1}, 'keystone': {'29.0.2': 1}, 'neutron': {'28.0.1': 1},
                                'nova': {'33.0.2': 2, '31.3.1': 1}, 'placement': {'15.0.0': 1}}
    assert info['step']['label'] == 'compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2'
    assert info['step_counts'] == {'done': 40, 'pending': 14} and info['failed_step'] is None
    assert info['elapsed'] >= 0 and info['remaining'] is not None
    assert [u['id'] for u in result['upgrades']] == [upgrade_id] and set(result['upgrades'][0]) == SUMMARY
    by_id = run_module(upgrade_info.main, {'id': upgrade_id, 'store': lab_store})
    assert by_id['upgrade'] == dict(info, elapsed=by_id['upgrade']['elapsed'], remaining=by_id['upgrade']['remaining'])
    assert [u['id'] for u in by_id['upgrades']] == [upgrade_id]


def test_a_failed_step_with_its_reason(run_module, lab_store):
    upgrade_id = _start(run_module, lab_store)
    _through(lab_store, upgrade_id, 13, fail=42)  # compute2's restart
    info = run_module(upgrade_info.main, {'id': upgrade_id, 'store': lab_store})['upgrade']
    assert info['status'] == 'failed'
    assert info['error'] == 'step 42 (restart nova-compute on compute2) failed: nova-compute did not start'
    assert (info['failed_step']['position'], info['failed_step']['host'], info['failed_step']['error']) == (
        42, 'compute2', 'nova-compute did not start')


def test_the_list_of_all_upgrades(run_module, lab_store):
    first = _start(run_module, lab_store)
    run_module(upgrade.main, {'id': first, 'state': 'cancelled', 'store': lab_store})
    second = _start(run_module, lab_store)
    result = run_module(upgrade_info.main, {'store': lab_store})
    assert result['upgrade'] is None
    assert [(u['id'], u['status'], u['steps_total']) for u in result['upgrades']] == [
        (first, 'cancelled', 54), (second, 'pending', 54)]
    assert all(set(u) == SUMMARY for u in result['upgrades'])
    # By cluster: its active upgrade in detail, and all of its upgrades.
    by_cluster = run_module(upgrade_info.main, {'cluster': 'lab', 'store': lab_store})
    assert by_cluster['upgrade']['id'] == second and len(by_cluster['upgrades']) == 2
    assert run_module(upgrade_info.main, {'cluster': 'old', 'store': lab_store})['upgrades'] == []
    unknown = run_module(upgrade_info.main, {'id': 'nope', 'store': lab_store})
    assert (unknown['upgrade'], unknown['upgrades']) == (None, [])
    both = run_module(upgrade_info.main, {'id': first, 'cluster': 'lab', 'store': lab_store})
    assert both['failed'] and 'mutually exclusive' in both['msg']
