"""maintenance_session_info over a real store: list, get with every step; reading never creates a store."""

from ansible_collections.osops.lifecycle.plugins.modules import maintenance_session_info

STEP_FIELDS = {'position', 'stage', 'phase', 'batch', 'host', 'action', 'plugin', 'metadata', 'status', 'attempts',
               'started_at', 'finished_at', 'detail'}


def test_session_info_lists_and_gets(run_module, maintenance_store, tmp_path):
    store_url, session = maintenance_store
    listed = run_module(maintenance_session_info.main, {'store': store_url}, check_mode=True)
    assert listed['changed'] is False and [s['id'] for s in listed['sessions']] == [session]
    assert set(listed['sessions'][0]) == {'id', 'cluster', 'state', 'workflow', 'maintenance_at', 'metadata', 'download',
                                          'max_parallel', 'reason', 'created_at', 'updated_at'}
    assert run_module(maintenance_session_info.main, {'store': store_url, 'cluster': 'other'})['sessions'] == []
    one = run_module(maintenance_session_info.main, {'store': store_url, 'id': session})['sessions'][0]
    assert set(one) == set(listed['sessions'][0]) | {'plan', 'hosts', 'actions', 'steps', 'hosts_to_enable'}
    assert [h['host'] for h in one['hosts']] == ['c1', 'c2'] and len(one['steps']) == 1 + 2 * 6
    assert all(set(s) == STEP_FIELDS for s in one['steps'])
    assert run_module(maintenance_session_info.main, {'store': store_url, 'id': 'nope'})['sessions'] == []
    missing = tmp_path / 'missing.db'
    assert run_module(maintenance_session_info.main, {'store': 'sqlite:///%s' % missing})['sessions'] == []
    assert not missing.exists()  # reading never creates a store
