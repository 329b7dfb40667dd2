"""The cluster summaries: its release, the upgrades it can take, its status."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import summary as discovery_summary
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


def test_upgrade_options_follow_the_slurp_rules():
    allowed, refused = discovery_summary.upgrade_options('2025.1')
    assert [a['release'] for a in allowed] == ['2025.2', '2026.1']
    assert dict((r['release'], r['reason']) for r in refused) == {
        '2026.2': '2025.1 → 2026.2 skips 2026.1 (SLURP): only N→N+1 or SLURP→next SLURP is supported.',
        '2027.1': '2025.1 → 2027.1 skips 2026.1 (SLURP) and 2026.2: only N→N+1 or SLURP→next SLURP is supported.'}
    allowed, refused = discovery_summary.upgrade_options('2026.2')
    assert allowed == [] and refused == [{'release': '2027.1', 'name': 'indri', 'slurp': True,
                                          'reason': '2027.1 is not released yet.'}]
    allowed, refused = discovery_summary.upgrade_options(None, 'mixed releases: ...')
    assert allowed == [] and {r['reason'] for r in refused} == {'mixed releases: ...'}


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
