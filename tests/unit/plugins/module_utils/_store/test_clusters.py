"""Clusters in the store: upsert, diff, idempotence, reading back, discovery runs, deletion."""

import datetime

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models as store_models
from ansible_collections.osops.lifecycle.plugins.module_utils._store import rows as store_rows
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import COMPONENTS, HOSTS, SECRET, TABLES, _raw


PARAMS = {'cloud': 'lab', 'auth': {'auth_url': 'http://127.0.0.2:5000/v3', 'password': SECRET,
                                   'application_credential_secret': SECRET}, 'api_token': SECRET}


def test_first_upsert_creates_everything(store):
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    assert diff['changed'] and diff['created'] and diff['cluster'] == {}
    assert [h['name'] for h in diff['hosts']['added']] == ['cmp1', 'ctl1']
    assert [(c['service'], c['binary']) for c in diff['components']['added']] == [
        ('neutron', 'neutron-dhcp-agent'), ('nova', 'nova-compute'), ('nova', 'nova-conductor')]
    stored = store_clusters.get_cluster(store, 'lab')
    assert stored['region'] == 'RegionOne' and stored['state'] == 'active'
    assert stored['params'] == {'cloud': 'lab', 'auth': {'auth_url': 'http://127.0.0.2:5000/v3'}}
    assert SECRET not in repr(stored)
    assert {(c['binary'], c['host'], c['version']) for c in stored['components']} == {
        ('nova-conductor', 'ctl1', '29.4.0'), ('nova-compute', 'cmp1', '29.4.0'),
        ('neutron-dhcp-agent', 'ctl1', '24.2.2')}


def test_the_same_input_twice_is_an_empty_diff_without_writes(store, writes):
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    before = store_clusters.get_cluster(store, 'lab')
    writes.clear()
    # The same facts in another order, with tuples instead of lists.
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', dict(PARAMS), 'RegionOne',
                                         [dict(h, roles=tuple(h['roles'])) for h in reversed(HOSTS)],
                                         list(reversed(COMPONENTS)))
    assert diff == {'changed': False, 'created': False, 'cluster': {},
                    'hosts': {'added': [], 'removed': [], 'changed': []},
                    'components': {'added': [], 'removed': [], 'changed': []}}
    assert writes == []
    assert store_clusters.get_cluster(store, 'lab') == before


def test_diff_names_added_removed_and_changed(store):
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    components = [dict(COMPONENTS[0], version='31.3.1', release='2025.1'),  # upgraded
                  {'service': 'nova', 'binary': 'nova-compute', 'host': 'cmp2', 'version': '29.4.0'}]
    hosts = [dict(HOSTS[0], roles=['control', 'network']), {'name': 'cmp2'}]
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionTwo', hosts, components)
    assert diff['changed'] and not diff['created']
    assert diff['cluster'] == {'region': {'before': 'RegionOne', 'after': 'RegionTwo'}}
    assert diff['hosts'] == {
        'added': [{'name': 'cmp2', 'address': None, 'roles': []}],
        'removed': [{'name': 'cmp1', 'address': '127.0.0.3', 'roles': ['compute']}],
        'changed': [{'name': 'ctl1', 'before': {'roles': ['control']},
                     'after': {'roles': ['control', 'network']}}],
    }
    assert [(c['binary'], c['host']) for c in diff['components']['added']] == [('nova-compute', 'cmp2')]
    assert [(c['binary'], c['host']) for c in diff['components']['removed']] == [
        ('neutron-dhcp-agent', 'ctl1'), ('nova-compute', 'cmp1')]
    assert diff['components']['changed'] == [{
        'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl1',
        'before': {'version': '29.4.0', 'release': '2024.1'},
        'after': {'version': '31.3.1', 'release': '2025.1'}}]
    stored = store_clusters.get_cluster(store, 'lab')
    assert [h['name'] for h in stored['hosts']] == ['cmp2', 'ctl1']
    assert {(c['binary'], c['host'], c['version']) for c in stored['components']} == {
        ('nova-conductor', 'ctl1', '31.3.1'), ('nova-compute', 'cmp2', '29.4.0')}
    assert store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionTwo', hosts, components)['changed'] is False


def test_check_mode_predicts_without_writing(store, writes):
    writes.clear()
    diff = store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, None, HOSTS, COMPONENTS, check_mode=True)
    assert diff['changed'] and diff['created'] and len(diff['components']['added']) == 3
    assert writes == [] and store_clusters.get_cluster(store, 'lab') is None


@pytest.mark.parametrize('hosts,components,message', [
    ([{'name': 'a'}, {'name': 'a'}], [], 'Host a is listed twice.'),
    ([{'address': '127.0.0.2'}], [], 'A host needs a name'),
    ([], [{'service': 'nova', 'binary': 'nova-api', 'host': 'a'}] * 2,
     "Component nova nova-api on host 'a' is listed twice."),
    ([], [{'service': 'nova', 'host': 'a'}], 'A component needs a service and a binary'),
    ([], [{'service': 'nova', 'binary': 'nova-api', 'extra': {'when': object()}}], 'extra of nova nova-api'),
])
def test_bad_inventory_is_refused_before_any_write(store, hosts, components, message):
    with pytest.raises(StoreError) as info:
        store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, hosts, components)
    assert info.value.msg.startswith(message)
    assert store_clusters.list_clusters(store) == []


def test_a_cluster_reads_back_as_its_model_instances_do(store):
    """get_cluster reads hosts and components as rows: the same dicts as _plain of each instance, in
    the order of the Cluster.hosts and Cluster.components relationships."""
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS, COMPONENTS)
    # cmp0 is stored after cmp1 and ctl1 (a later id) but sorts before them.
    components = COMPONENTS + [dict(COMPONENTS[1], host='cmp0', extra={'zone': 'nova', 'ids': [2, 1]})]
    store_clusters.upsert_cluster(store, 'lab', 'api', PARAMS, 'RegionOne', HOSTS + [{'name': 'cmp0'}], components)
    with store.transaction() as session:
        cluster = session.scalars(sa.select(store_models.Cluster)).one()
        expected = dict(store_rows.plain(cluster), hosts=[store_rows.plain(h) for h in cluster.hosts],
                        components=[store_rows.plain(c) for c in cluster.components])
    stored = store_clusters.get_cluster(store, 'lab')
    assert stored == expected
    assert [h['name'] for h in stored['hosts']] == ['cmp0', 'cmp1', 'ctl1']
    computes = [c['host'] for c in stored['components'] if c['binary'] == 'nova-compute']
    assert computes == ['cmp0', 'cmp1']
    assert stored['components'][1]['extra'] == {'zone': 'nova', 'ids': [2, 1]}
    assert isinstance(stored['created_at'], str) and store_clusters.get_cluster(store, 'other') is None


def test_the_last_discovery_run_is_read_with_or_without_its_diff(store):
    assert store_clusters.last_discovery_run(store, 'lab') is None
    store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, HOSTS, COMPONENTS)
    first = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    store_clusters.record_discovery_run(store, 'lab', 'api', first, 'ok', diff={'hosts': ['cmp1']}, api_calls=11)
    store_clusters.record_discovery_run(store, 'lab', 'api', first + datetime.timedelta(days=1), 'failed', error='boom')
    store_clusters.record_discovery_run(store, 'lab', 'api', first - datetime.timedelta(days=1), 'ok', diff={'old': 1})
    latest = store_clusters.last_discovery_run(store, 'lab')
    assert (latest['status'], latest['error'], latest['diff']) == ('failed', 'boom', None)
    assert latest['started_at'].startswith('2026-11-02')
    assert store_clusters.last_discovery_run(store, 'lab', diff=False) == dict((k, v) for k, v in latest.items() if k != 'diff')
    store_clusters.record_discovery_run(store, 'lab', 'api', first + datetime.timedelta(days=2), 'ok', diff={'a': [1]})
    assert store_clusters.last_discovery_run(store, 'lab')['diff'] == {'a': [1]}
    assert 'diff' not in store_clusters.last_discovery_run(store, 'lab', diff=False)


def test_deleting_a_cluster_cascades(store_url, store):
    store_clusters.upsert_cluster(store, 'lab', 'api', {}, None, HOSTS, COMPONENTS)
    upgrade = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', [{'phase': 'p', 'action': 'a'}])
    store_sessions.create_session(store, 'lab', ['cmp1'], actions=[{'plugin': 'noop', 'type': 'host'}],
                                  steps=[{'phase': 'host', 'stage': 1, 'host': 'cmp1', 'action': 'drain'}])
    with store.transaction() as session:
        session.execute(sa.delete(store_models.Cluster))
    for table in TABLES - {'alembic_version'}:
        assert _raw(store_url, 'SELECT COUNT(*) FROM %s' % table) == [(0,)], table
    with pytest.raises(StoreError):
        store_upgrades.get_upgrade(store, upgrade['id'])
