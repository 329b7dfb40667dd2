"""The cluster summaries: its release, the upgrades it can take, its status."""

import datetime

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import summary as discovery_summary
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series, check_upgrade_path, series
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import topology


def component(binary, host, release, version=None, state=None):
    return {'service': topology.project_of(binary), 'binary': binary, 'host': host, 'release': release,
            'version': version, 'state': state, 'extra': {} if release else {'release_reason': 'not told'}}


def test_cluster_release():
    assert discovery_summary.cluster_release([component('nova-api', 'c', '2025.1'), component('keystone', 'c', '2025.1')]) \
        == ('2025.1', 'every component runs 2025.1')
    release, reason = discovery_summary.cluster_release([component('nova-compute', 'a', '2025.1'),
                                                         component('nova-compute', 'b', '2025.2')])
    assert release is None and reason == 'mixed releases: 2025.1 (nova-compute on a); 2025.2 (nova-compute on b)'
    release, reason = discovery_summary.cluster_release([component('nova-api', 'c', '2025.1'), component('keystone', 'c', None)])
    assert release is None and reason.startswith('1 of 2 components run 2025.1; the release of the others is '
                                                 'unknown (keystone on c)')
    assert discovery_summary.cluster_release([]) == (None, 'the cluster has no components')


TODAY = datetime.date(2026, 12, 4)


def test_upgrade_options_follow_the_slurp_rules():
    allowed, refused = discovery_summary.upgrade_options('2025.1', today=TODAY)
    assert [(a['release'], a['rule']) for a in allowed] == [('2025.2', 'next'), ('2026.1', 'slurp')]
    refusals = dict((r['release'], (r['rule'], r['reason'])) for r in refused)
    assert refusals['2026.2'] == ('too_far', '2025.1 → 2026.2 skips 2026.1 (SLURP): only N→N+1 or SLURP→next SLURP is supported.')
    assert refusals['2027.1'] == ('too_far', '2025.1 → 2027.1 skips 2026.1 (SLURP) and 2026.2: only N→N+1 or SLURP→next '
                                             'SLURP is supported.')
    assert refusals['2025.1'] == ('same', '2025.1 → 2025.1 is not an upgrade: both are the same release.')
    assert refusals['2024.2'] == ('backwards', '2025.1 → 2024.2 goes backwards: downgrades are not supported.')


@pytest.mark.parametrize('current', [s.id for s in all_series()])
def test_upgrade_options_answer_for_every_other_release_with_the_one_rule(current):
    allowed, refused = discovery_summary.upgrade_options(current, today=TODAY)
    assert sorted(e['release'] for e in allowed + refused) == sorted(s.id for s in all_series())
    for entry in allowed + refused:
        path = check_upgrade_path(current, entry['release'], TODAY)
        assert (entry in allowed, entry['rule'], entry['reason']) == path
        assert (entry['name'], entry['slurp']) == (series(entry['release']).name, series(entry['release']).slurp)


@pytest.mark.parametrize('current', ['2026.1', '2026.2'])
def test_upgrade_options_refuse_the_unreleased_target(current):
    allowed, refused = discovery_summary.upgrade_options(current, today=TODAY)
    assert '2027.1' not in [a['release'] for a in allowed]
    assert [r for r in refused if r['release'] == '2027.1'] == [{
        'release': '2027.1', 'name': 'indri', 'slurp': True, 'rule': 'unreleased',
        'reason': '%s → 2027.1: 2027.1 is not released yet (planned for 2027-03-24).' % current}]


def test_upgrade_options_of_an_unknown_release():
    allowed, refused = discovery_summary.upgrade_options(None, 'mixed releases: ...', today=TODAY)
    assert allowed == [] and {(r['rule'], r['reason']) for r in refused} == {('current_unknown', 'mixed releases: ...')}
    assert len(refused) == len(all_series())


def test_cluster_status_state_and_reason():
    cluster = {'name': 'c', 'region': 'One,Two', 'method': 'openstack_api', 'state': 'active', 'state_reason': None,
               'updated_at': 't', 'hosts': [{'name': 'a'}], 'components': [component('nova-compute', 'a', '2025.1', state='up')]}
    status = discovery_summary.compose_status(cluster, None, [], None)
    assert (status['state'], status['regions'], status['release'], status['upgrade_in_progress']) == (
        'active', ['One', 'Two'], '2025.1', False)
    down = dict(cluster, components=[component('nova-compute', 'a', '2025.1', state='down')])
    assert discovery_summary.compose_status(down, None, [], None)['state_reason'] == 'down: nova-compute on a'
    session = {'id': 's1', 'state': 'MAINTENANCE'}
    assert discovery_summary.compose_status(cluster, None, [session], None)['state'] == 'maintenance'
    failed = {'started_at': 't0', 'status': 'failed', 'api_calls': None, 'error': 'boom'}
    assert discovery_summary.compose_status(cluster, None, [], failed)['state_reason'] == 'the last discovery (t0) failed: boom'
    stored = dict(cluster, state='maintenance', state_reason='kernel updates')
    assert discovery_summary.compose_status(stored, None, [], failed)['state_reason'] == 'kernel updates'
    upgrade = {'id': 'u1', 'from_release': '2025.1', 'to_release': '2026.1', 'status': 'running', 'error': None}
    status = discovery_summary.compose_status(cluster, upgrade, [], None)
    assert status['upgrade_in_progress'] and status['upgrade'] == {
        'id': 'u1', 'from_release': '2025.1', 'to_release': '2026.1', 'status': 'running'}


@pytest.mark.parametrize('state,cluster_state', [
    ('SCHEDULED', 'active'),  # holds its hosts, has not touched them
    ('MAINTENANCE', 'maintenance'),
    ('PREPARE_MAINTENANCE', 'maintenance'),
    ('PLANNED_MAINTENANCE', 'maintenance'),
    ('MAINTENANCE_COMPLETE', 'maintenance'),
    ('MAINTENANCE_FAILED', 'maintenance'),  # its hosts may still be disabled
    ('MAINTENANCE_DONE', 'active'),
])
def test_cluster_status_follows_maintenance_sessions(state, cluster_state):
    cluster = {'name': 'c', 'region': None, 'method': 'openstack_api', 'state': 'active', 'state_reason': None,
               'updated_at': 't', 'hosts': [{'name': 'a'}], 'components': [component('nova-compute', 'a', '2025.1', state='up')]}
    done = {'id': 's0', 'state': 'MAINTENANCE_DONE'}
    status = discovery_summary.compose_status(cluster, None, [done, {'id': 's1', 'state': state}], None)
    assert status['state'] == cluster_state
    assert status['state_reason'] == (None if cluster_state == 'active' else 'maintenance session s1 is %s' % state)
