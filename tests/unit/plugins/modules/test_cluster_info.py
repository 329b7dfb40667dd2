"""The read-only modules over a real store: cluster_info, cluster_component_info,
upgrade_version_info and discovery_method_info."""

import datetime
import json
import os

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import methods as discovery_methods
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.modules import (
    cluster_component_info,
    cluster_info,
    discovery_method_info,
    upgrade_version_info,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def component(binary, host, release, version=None, state=None):
    return {'service': binary.split('-')[0], 'binary': binary, 'host': host, 'version': version,
            'release': release, 'state': state, 'extra': {} if release else {'release_reason': 'not told'}}


@pytest.fixture
def store_url(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    store = store_engine.open_store(url)
    hosts = [{'name': 'ctl', 'address': '192.0.2.1', 'roles': ['control']},
             {'name': 'c1', 'address': None, 'roles': ['compute']},
             {'name': 'c2', 'address': None, 'roles': ['compute']}]
    store_clusters.upsert_cluster(store, 'even', 'ansible_inventory', region='RegionOne', hosts=hosts, components=[
        component('nova-api', 'ctl', '2025.1', '31.3.1'), component('nova-compute', 'c1', '2025.1', '31.3.1'),
        component('nova-compute', 'c2', '2025.1', '31.3.1')])
    store_clusters.upsert_cluster(store, 'mixed', 'ansible_inventory', hosts=hosts, components=[
        component('nova-api', 'ctl', '2025.2', '32.2.1'), component('nova-compute', 'c1', '2025.1', '31.3.1'),
        component('nova-compute', 'c2', '2025.2', '32.2.1'), component('keystone', 'ctl', None)])
    store_upgrades.create_upgrade(store, 'mixed', '2025.1', '2025.2', [{'phase': 'nova', 'action': 'upgrade'}])
    store.close()
    return url


def test_cluster_info_all_one_and_none(run_module, store_url, tmp_path):
    result = run_module(cluster_info.main, {'store': store_url}, check_mode=True)
    assert result['changed'] is False
    clusters = dict((c['name'], c) for c in result['clusters'])
    assert sorted(clusters) == ['even', 'mixed']
    even = clusters['even']
    assert (even['regions'], even['state'], even['release'], even['hosts'], even['upgrade_in_progress']) == (
        ['RegionOne'], 'active', '2025.1', 3, False)
    assert even['component_releases'] == {'nova/nova-api': ['2025.1'], 'nova/nova-compute': ['2025.1']}
    mixed = clusters['mixed']
    assert mixed['release'] is None and mixed['release_reason'].startswith('mixed releases: 2025.1 (nova-compute on c1)')
    assert mixed['component_releases']['keystone/keystone'] == ['unknown']
    assert mixed['upgrade_in_progress'] and mixed['upgrade']['status'] == 'pending'
    assert set(even) == {'name', 'regions', 'method', 'state', 'state_reason', 'release', 'release_reason',
                         'component_releases', 'hosts', 'upgrade_in_progress', 'upgrade', 'discovered_at',
                         'last_discovery'}
    one = run_module(cluster_info.main, {'store': store_url, 'name': 'even'})
    assert [c['name'] for c in one['clusters']] == ['even']
    assert run_module(cluster_info.main, {'store': store_url, 'name': 'nope'})['clusters'] == []
    missing = tmp_path / 'missing.db'
    assert run_module(cluster_info.main, {'store': 'sqlite:///%s' % missing})['clusters'] == []
    assert not missing.exists()  # reading never creates a store


def test_components_and_can_upgrade(run_module, store_url):
    result = run_module(cluster_component_info.main, {'store': store_url, 'name': 'mixed', 'target_release': 'gazpacho'},
                        check_mode=True)
    assert result['changed'] is False and result['target_release'] == '2026.1'
    components = dict((c['binary'], c) for c in result['components'])
    compute = components['nova-compute']
    assert (compute['hosts'], compute['versions'], compute['releases'], compute['mixed'], compute['can_upgrade']) == (
        ['c1', 'c2'], ['31.3.1', '32.2.1'], ['2025.1', '2025.2'], True, False)
    assert compute['reason'] == ('nova-compute runs mixed releases (2025.1 on c1; 2025.2 on c2): '
                                 'finish the previous upgrade first.')
    assert components['nova-api']['can_upgrade'] is True
    assert components['keystone']['can_upgrade'] is False and components['keystone']['unknown_release_hosts'] == ['ctl']
    plain = run_module(cluster_component_info.main, {'store': store_url, 'name': 'even'})
    assert 'can_upgrade' not in plain['components'][0] and plain['target_release'] is None
    assert run_module(cluster_component_info.main, {'store': store_url, 'name': 'nope'})['components'] == []
    bad = run_module(cluster_component_info.main, {'store': store_url, 'name': 'even', 'target_release': 'zz'})
    assert bad['failed'] and bad['msg'].startswith("Option target_release: got 'zz', expected an OpenStack release. "
                                                   "Unknown OpenStack release 'zz'")


def test_upgrade_versions(run_module, store_url):
    even = run_module(upgrade_version_info.main, {'store': store_url, 'name': 'even'}, check_mode=True)
    assert (even['changed'], even['current_release'], [v['release'] for v in even['upgrade_versions']]) == (
        False, '2025.1', ['2025.2', '2026.1'])
    assert [(r['release'], r['rule']) for r in even['refused']] == [
        ('2021.2', 'backwards'), ('2022.1', 'backwards'), ('2022.2', 'backwards'), ('2023.1', 'backwards'),
        ('2023.2', 'backwards'), ('2024.1', 'backwards'), ('2024.2', 'backwards'), ('2025.1', 'same'),
        ('2026.2', 'too_far'), ('2027.1', 'too_far')]
    mixed = run_module(upgrade_version_info.main, {'store': store_url, 'name': 'mixed'})
    assert mixed['current_release'] is None and mixed['upgrade_versions'] == []
    assert all(r['reason'].startswith('the current release is unknown: mixed releases') for r in mixed['refused'])
    given = run_module(upgrade_version_info.main, {'current_release': 'flamingo'})
    assert [v['release'] for v in given['upgrade_versions']] == ['2026.1']
    refused = dict((r['release'], r) for r in given['refused'])
    assert refused['2026.2']['reason'].endswith('2025.2 is not a SLURP release, so it only upgrades to 2026.1.')
    assert refused['2025.2']['rule'] == 'same' and refused['2025.1']['rule'] == 'backwards'
    # 2027.1 is planned for 2027-03-24: the module decides with today's date
    out = run_module(upgrade_version_info.main, {'current_release': '2026.2'})
    (indri,) = [v for v in out['upgrade_versions'] + out['refused'] if v['release'] == '2027.1']
    assert indri['rule'] == ('unreleased' if datetime.date.today() < datetime.date(2027, 3, 24) else 'next')
    unknown = run_module(upgrade_version_info.main, {'store': store_url, 'name': 'nope'})
    assert unknown['reason'] == 'no cluster named nope in the store; discover it first'
    both = run_module(upgrade_version_info.main, {'name': 'a', 'current_release': '2025.1'})
    assert both['failed'] and 'mutually exclusive' in both['msg']


def test_discovery_methods(run_module):
    registry = json.loads(json.dumps(discovery_methods.method_list()))
    result = run_module(discovery_method_info.main, {}, check_mode=True)
    assert result['methods'] == registry and result['changed'] is False
    for method in registry:
        one = run_module(discovery_method_info.main, {'name': method['name']})
        assert one['methods'] == [method]
    unknown = run_module(discovery_method_info.main, {'name': 'ssh'})
    assert unknown['failed'] and unknown['msg'].endswith(': %s, got: ssh' % ', '.join(m['name'] for m in registry))
