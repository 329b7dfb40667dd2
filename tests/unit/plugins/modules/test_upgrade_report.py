"""osops.lifecycle.upgrade_report in-process over a real store: the page, its data, idempotence, bad input."""

import os

from ansible_collections.osops.lifecycle.plugins.modules import upgrade, upgrade_report
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import CHECKS_BEFORE, upgrade_story


def _story(run_module, url):
    """An upgrade that ran 5 batches, was paused and continued, failed in compute1's batch, and rolled back."""
    upgrade_id = run_module(upgrade.main, {'cluster': 'lab', 'target_release': '2026.1', 'store': url})['upgrade']['id']
    return upgrade_story(url, upgrade_id)


def test_the_page_of_an_upgrade_paused_failed_and_rolled_back(run_module, lab_store, tmp_path):
    stored = _story(run_module, lab_store)
    assert stored['status'] == 'rolled_back'
    target = tmp_path / 'reports' / 'x.html'
    args = {'cluster': 'lab', 'path': str(target), 'store': lab_store}

    predicted = run_module(upgrade_report.main, args, check_mode=True)
    assert predicted['changed'] is True and not target.exists()
    written = run_module(upgrade_report.main, args)
    assert written['changed'] is True and written['path'] == str(target) and target.exists()
    assert oct(os.stat(target).st_mode & 0o777) == '0o644'
    again = run_module(upgrade_report.main, {'id': stored['id'], 'path': str(target), 'store': lab_store})
    assert again['changed'] is False and again['report'] == written['report']
    assert run_module(upgrade_report.main, args, check_mode=True)['changed'] is False

    report = written['report']
    assert (report['id'], report['status']) == (stored['id'], 'rolled_back')
    # one row per host, the cluster's own first; a bar for each step that ran, none for the others
    steps = stored['steps']
    assert [row['host'] for row in report['rows']] == ['lab', 'controller', 'compute1', 'compute2']
    for row in report['rows']:
        host = None if row['cluster'] else row['host']
        ran = [s for s in steps if s['host'] == host and s['started_at']]
        assert [b['position'] for b in row['bars']] == [s['position'] for s in ran]
        assert [b['status'] for b in row['bars']] == [s['status'] for s in ran]
        assert row['not_run'] == len([s for s in steps if s['host'] == host]) - len(ran)
        assert all(0 <= b['left'] <= 100 and 0 <= b['left'] + b['width'] <= 100.001 for b in row['bars'])
    # compute2 stopped after prepare: its compute steps never ran
    assert {b['phase'] for b in report['rows'][3]['bars']} == {'prepare'} and report['rows'][3]['not_run'] == 3
    assert [m['status'] for m in report['marks']] == ['paused', 'failed', 'rolling_back', 'rolled_back']
    assert report['marks'][1]['reason'] == stored['error']
    assert report['versions'] == {'before': {'glance': {'30.2.0': 1}, 'keystone': {'27.1.0': 1},
                                             'neutron': {'26.0.6': 1}, 'nova': {'31.3.1': 3},
                                             'placement': {'13.0.1': 1}},
                                  'after': {'glance': {'30.2.0': 1}, 'keystone': {'27.1.0': 1},
                                            'neutron': {'26.0.6': 1}, 'nova': {'31.3.1': 3},
                                            'placement': {'13.0.1': 1}}}
    assert report['checks']['before']['counts'] == {'Success': 1, 'Warning': 1, 'Failure': 0, 'Error': 0}
    assert report['checks']['before']['checks'] == CHECKS_BEFORE
    assert report['checks']['after']['result'] is None and report['checks']['after']['status'] == 'pending'

    page = target.read_text()
    assert page.startswith('<!DOCTYPE html>') and '<script' not in page and 'http' not in page.split('<body>')[1]
    assert page.count('class="bar"') == sum(len(row['bars']) for row in report['rows'])
    # a pause mark across every row, and its row in the table of events
    assert page.count('data-mark="paused"') == len(report['rows']) + 1
    assert 'nova-compute did not start' in page


def test_a_directory_gets_the_upgrade_s_file_and_nothing_is_left_on_failure(run_module, lab_store, tmp_path):
    stored = _story(run_module, lab_store)
    result = run_module(upgrade_report.main, {'id': stored['id'], 'path': str(tmp_path), 'store': lab_store})
    assert result['path'] == str(tmp_path / ('upgrade-%s.html' % stored['id'])) and result['_rc'] == 0
    (tmp_path / 'file.html').write_text('not a directory')
    failed = run_module(upgrade_report.main, {'id': stored['id'], 'path': str(tmp_path / 'file.html' / 'r.html'),
                                              'store': lab_store})
    assert failed['failed'] is True and failed['_rc'] == 1
    assert failed['msg'].startswith('Cannot write the report to %s: ' % (tmp_path / 'file.html' / 'r.html'))
    assert failed['msg'].endswith('Give a path this user can write.')
    assert (tmp_path / 'file.html').read_text() == 'not a directory'
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(['file.html', 'store.db', os.path.basename(result['path'])])


def test_bad_input_is_named_and_writes_nothing(run_module, lab_store, tmp_path):
    target = tmp_path / 'r.html'
    missing = run_module(upgrade_report.main, {'cluster': 'lab', 'path': str(target),
                                               'store': 'sqlite:///%s' % (tmp_path / 'none.db')})
    assert missing['msg'].startswith('The state store holds nothing yet')
    assert not (tmp_path / 'none.db').exists()
    unknown = run_module(upgrade_report.main, {'cluster': 'nowhere', 'path': str(target), 'store': lab_store})
    assert unknown['msg'] == ('No upgrade of cluster nowhere in the store: ansible-playbook osops.lifecycle.upgrades '
                              'lists the upgrades there are.')
    no_id = run_module(upgrade_report.main, {'id': 'nope', 'path': str(target), 'store': lab_store})
    assert no_id['msg'].startswith('No upgrade nope in the store')
    neither = run_module(upgrade_report.main, {'path': str(target), 'store': lab_store})
    assert 'one of the following is required: id, cluster' in neither['msg']
    assert not target.exists()
