"""The upgrade planner: pure code from a stored cluster to ordered steps, tested without Ansible or a database."""

import datetime
import json
import os
import random
import subprocess
import sys

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import commands
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.planner import (
    PlanError,
    from_release,
    plan_options,
    plan_upgrade,
)

STEP_KEYS = {'phase', 'service', 'host', 'action', 'from_version', 'to_version', 'detail'}
LAB_VERSIONS = {'nova': '33.0.2', 'keystone': '29.1.0', 'placement': '15.0.0', 'glance': '32.0.0', 'neutron': '28.0.2'}
VERSIONS_2025_1 = {'keystone': '27.1.0', 'glance': '30.2.0', 'placement': '13.0.1', 'nova': '31.3.1',
                   'neutron': '26.0.6', 'cinder': '26.3.0'}


def comp(binary, host, release='2025.1', version=None, zone=None, service=None):
    service = service or ('placement' if binary == 'placement-api' else binary.split('-')[0])
    return {'service': service, 'binary': binary, 'host': host, 'state': 'up', 'release': release,
            'version': version or (VERSIONS_2025_1[service] if release == '2025.1' else None),
            'extra': {'zone': zone} if zone else {}}


def host(name, *roles):
    return {'name': name, 'address': None, 'roles': list(roles)}


def lab_cluster():
    """The lab as openstack_api discovery records it: the APIs without a host, nova's services with one."""
    return {'name': 'lab', 'hosts': [host('compute1', 'compute'), host('compute2', 'compute'),
                                     host('controller', 'control')],
            'components': [comp('keystone', ''), comp('glance-api', ''), comp('placement-api', ''),
                           comp('nova-api', ''), comp('neutron-server', ''),
                           comp('nova-conductor', 'controller', zone='internal'),
                           comp('nova-scheduler', 'controller', zone='internal'),
                           comp('nova-compute', 'compute1', zone='nova'), comp('nova-compute', 'compute2', zone='nova')]}


def shape(steps):
    return [(s['detail']['batch'], s['phase'], s['action'], s['detail'].get('binary') or s['service'], s['host'])
            for s in steps]


def test_the_lab_plan_2025_1_to_2026_1():
    steps = plan_upgrade(lab_cluster(), '2026.1', {'target_versions': LAB_VERSIONS})
    assert all(set(step) == STEP_KEYS for step in steps)
    code = ('switch', 'restart', 'wait_ready')
    # check_path and check_code in one batch; one batch for expand's database commands, one per host for
    # finalize's restarts, one for its database commands: batches are where the upgrade can pause
    expected = ([(1, 'prepare', 'check_path', None, None)]
                + [(1, 'prepare', 'check_code', None, h) for h in ('compute1', 'compute2', 'controller')]
                + [(2, 'prepare', 'readiness', None, None)]
                + [(3, 'prepare', 'rpc_pin', 'nova', h) for h in ('compute1', 'compute2', 'controller')]
                + [(4, 'expand', 'db_expand', 'keystone', 'controller'), (4, 'expand', 'db_migrate', 'keystone', 'controller'),
                   (4, 'expand', 'db_expand', 'glance', 'controller'), (4, 'expand', 'db_migrate', 'glance', 'controller'),
                   (4, 'expand', 'db_sync', 'placement', 'controller'),
                   (4, 'expand', 'api_db_sync', 'nova', 'controller'), (4, 'expand', 'db_sync', 'nova', 'controller'),
                   (4, 'expand', 'db_expand', 'neutron', 'controller')]
                + [(batch, 'control', action, binary, 'controller')
                   for batch, binary in enumerate(('keystone', 'glance-api', 'placement-api', 'nova-conductor',
                                                   'nova-scheduler', 'nova-api', 'neutron-server'), 5)
                   for action in code]
                + [(batch, 'compute', action, 'nova-compute', h) for batch, h in ((12, 'compute1'), (13, 'compute2'))
                   for action in code]
                + [(14, 'finalize', action, binary, 'controller')
                   for binary in ('nova-conductor', 'nova-scheduler', 'nova-api') for action in ('restart', 'wait_ready')]
                + [(15, 'finalize', 'online_data_migrations', 'nova', 'controller'),
                   (15, 'finalize', 'db_contract', 'keystone', 'controller'),
                   (15, 'finalize', 'db_contract', 'glance', 'controller'),
                   (15, 'finalize', 'db_contract', 'neutron', 'controller'),
                   (16, 'finalize', 'readiness', None, None)])
    assert shape(steps) == expected
    check = steps[0]['detail']
    assert check['from_releases'] == {'2025.1': '2025.1 → 2026.1 goes from a SLURP release to the next SLURP '
                                                'release, skipping 2025.2.'}
    assert (check['to_release'], check['services'], check['not_planned']) == (
        '2026.1', ['keystone', 'glance', 'placement', 'nova', 'neutron'], [])
    assert steps[3]['detail']['versions'] == LAB_VERSIONS  # check_code on the controller
    assert steps[6]['detail'] == {'batch': 3, 'mode': 'set', 'section': 'upgrade_levels', 'option': 'compute',
                                  'value': 'auto'}
    by = dict(((s['action'], s['detail'].get('binary'), s['host']), s) for s in steps if s['phase'] == 'compute')
    wait = by[('wait_ready', 'nova-compute', 'compute2')]
    assert (wait['from_version'], wait['to_version']) == ('31.3.1', '33.0.2')
    assert wait['detail'] == {'batch': 13, 'binary': 'nova-compute', 'zone': 'nova', 'compute_batch': 2,
                              'compute_batches': 2, 'service_version': 72, 'from_service_version': 68}
    contract = [s for s in steps if s['action'] == 'db_contract'][0]
    assert (contract['service'], contract['from_version'], contract['to_version'], contract['detail']['command']) == (
        'keystone', '27.1.0', '29.1.0', ['keystone-manage', 'db_sync', '--contract'])
    online = [s for s in steps if s['action'] == 'online_data_migrations'][0]
    assert online['detail'] == {'batch': 15, 'command': ['nova-manage', 'db', 'online_data_migrations'],
                                'repeat_while_rc': 1}
    assert from_release(steps) == '2025.1'


def test_the_plan_is_the_same_whatever_the_input_order_and_hash_seed():
    cluster = lab_cluster()
    first = plan_upgrade(cluster, '2026.1', {'target_versions': LAB_VERSIONS, 'batch_size': 2})
    shuffled = dict(cluster, hosts=list(cluster['hosts']), components=list(cluster['components']))
    for _round in range(5):
        random.shuffle(shuffled['hosts'])
        random.shuffle(shuffled['components'])
        assert plan_upgrade(shuffled, '2026.1', {'target_versions': LAB_VERSIONS, 'batch_size': 2}) == first
    # Sets of strings iterate in another order under another hash seed: the plan must not.
    probe = ('import json, sys; sys.path[:0] = json.loads(sys.argv[1]); '
             'from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.planner import plan_upgrade; '
             'print(json.dumps(plan_upgrade(json.loads(sys.argv[2]), "2026.1", {"batch_size": 2})))')
    outputs = set()
    for seed in ('1', '2', '3'):
        result = subprocess.run([sys.executable, '-c', probe, json.dumps(sys.path), json.dumps(cluster)],
                                capture_output=True, text=True, check=True, env=dict(os.environ, PYTHONHASHSEED=seed))
        outputs.add(result.stdout)
    assert len(outputs) == 1


def many_computes(zones):
    """Computes named c<zone>-<n> in the given zones ({zone: count}), one controller."""
    components = [comp('nova-conductor', 'ctl'), comp('nova-scheduler', 'ctl'), comp('nova-api', 'ctl')]
    hosts = [host('ctl', 'control')]
    for zone, count in zones.items():
        for n in range(count):
            name = 'c%s-%02d' % (zone or 'none', n)
            components.append(comp('nova-compute', name, zone=zone))
            hosts.append(host(name, 'compute'))
    return {'name': 'big', 'hosts': hosts, 'components': components}


def compute_batches(steps):
    batches = {}
    for step in steps:
        if step['phase'] == 'compute':
            entry = batches.setdefault(step['detail']['batch'], {'zones': set(), 'hosts': [], 'numbers': set()})
            entry['zones'].add(step['detail']['zone'])
            entry['numbers'].add((step['detail']['compute_batch'], step['detail']['compute_batches']))
            if step['host'] not in entry['hosts']:
                entry['hosts'].append(step['host'])
    return [batches[b] for b in sorted(batches)]


def test_compute_batches_hold_batch_size_hosts_and_never_span_two_zones():
    steps = plan_upgrade(many_computes({'az2': 2, 'az1': 5, None: 1}), '2026.1', {'batch_size': 3})
    batches = compute_batches(steps)
    assert [(sorted(b['zones'], key=str), b['hosts'], b['numbers']) for b in batches] == [
        (['az1'], ['caz1-00', 'caz1-01', 'caz1-02'], {(1, 4)}),
        (['az1'], ['caz1-03', 'caz1-04'], {(2, 4)}),
        (['az2'], ['caz2-00', 'caz2-01'], {(3, 4)}),
        ([None], ['cnone-00'], {(4, 4)}),  # hosts whose zone is unknown come last, among themselves
    ]
    for batch in batches:  # each host's steps in order, hosts one after the other
        assert len(batch['hosts']) <= 3


def test_batch_size_one_is_one_host_per_batch_by_default():
    steps = plan_upgrade(many_computes({'az1': 3}), '2026.1')
    assert [b['hosts'] for b in compute_batches(steps)] == [['caz1-00'], ['caz1-01'], ['caz1-02']]


def test_drain_moves_instances_off_first_and_enables_the_host_last():
    steps = plan_upgrade(many_computes({'az1': 2}), '2026.1', {'drain': True, 'batch_size': 2})
    compute = [(s['action'], s['host']) for s in steps if s['phase'] == 'compute']
    assert compute == [(a, 'caz1-00') for a in ('drain', 'switch', 'restart', 'wait_ready', 'enable')] + [
        (a, 'caz1-01') for a in ('drain', 'switch', 'restart', 'wait_ready', 'enable')]
    drain = [s for s in steps if s['action'] == 'drain'][0]
    assert (drain['service'], drain['from_version'], drain['detail']['binary']) == ('nova', None, 'nova-compute')


def full_cluster():
    """Two controllers with every service (cinder too), a network host, two computes with an agent each."""
    components = []
    for ctl in ('ctl2', 'ctl1'):
        components += [comp(b, ctl) for b in ('neutron-server', 'nova-api', 'nova-scheduler', 'nova-conductor',
                                              'placement-api', 'cinder-api', 'cinder-scheduler', 'glance-api',
                                              'keystone', 'nova-novncproxy')]
    components += [comp('cinder-volume', 'stor1'), comp('neutron-l3-agent', 'net1')]
    for compute in ('cmp1', 'cmp2'):
        components += [comp('nova-compute', compute, zone='az1'), comp('neutron-openvswitch-agent', compute)]
    components.append(comp('heat-api', 'ctl1', release=None))  # not upgraded here, release unknown
    hosts = [host('ctl1', 'control'), host('ctl2', 'control'), host('stor1', 'storage'), host('net1', 'network'),
             host('cmp1', 'compute', 'network'), host('cmp2', 'compute', 'network')]
    return {'name': 'full', 'hosts': hosts, 'components': components}


def test_control_goes_service_by_service_one_host_at_a_time_in_kolla_order():
    steps = plan_upgrade(full_cluster(), '2026.1')
    control = [(s['detail']['binary'], s['host']) for s in steps if s['phase'] == 'control' and s['action'] == 'switch']
    assert control == [
        ('keystone', 'ctl1'), ('keystone', 'ctl2'), ('glance-api', 'ctl1'), ('glance-api', 'ctl2'),
        ('cinder-scheduler', 'ctl1'), ('cinder-scheduler', 'ctl2'), ('cinder-volume', 'stor1'),
        ('cinder-api', 'ctl1'), ('cinder-api', 'ctl2'), ('placement-api', 'ctl1'), ('placement-api', 'ctl2'),
        ('nova-conductor', 'ctl1'), ('nova-conductor', 'ctl2'), ('nova-scheduler', 'ctl1'), ('nova-scheduler', 'ctl2'),
        ('nova-api', 'ctl1'), ('nova-api', 'ctl2'), ('nova-novncproxy', 'ctl1'), ('nova-novncproxy', 'ctl2'),
        ('neutron-server', 'ctl1'), ('neutron-server', 'ctl2'), ('neutron-l3-agent', 'net1')]
    per_batch = {}
    for step in steps:
        if step['phase'] == 'control':
            per_batch.setdefault(step['detail']['batch'], set()).add(step['host'])
    assert all(len(hosts) == 1 for hosts in per_batch.values())
    # The agents beside nova-compute go with their host in the compute phase.
    compute = [(s['detail']['binary'], s['host']) for s in steps if s['phase'] == 'compute' and s['action'] == 'switch']
    assert compute == [('nova-compute', 'cmp1'), ('neutron-openvswitch-agent', 'cmp1'),
                       ('nova-compute', 'cmp2'), ('neutron-openvswitch-agent', 'cmp2')]
    assert steps[0]['detail']['not_planned'] == ['heat']
    # The cinder database: synced in expand, its data migrated in finalize, before the contracts.
    db = [(s['phase'], s['action'], s['service'], s['host']) for s in steps if 'command' in s['detail']]
    assert db == [('expand', 'db_expand', 'keystone', 'ctl1'), ('expand', 'db_migrate', 'keystone', 'ctl1'),
                  ('expand', 'db_expand', 'glance', 'ctl1'), ('expand', 'db_migrate', 'glance', 'ctl1'),
                  ('expand', 'db_sync', 'cinder', 'ctl1'), ('expand', 'db_sync', 'placement', 'ctl1'),
                  ('expand', 'api_db_sync', 'nova', 'ctl1'), ('expand', 'db_sync', 'nova', 'ctl1'),
                  ('expand', 'db_expand', 'neutron', 'ctl1'),
                  ('finalize', 'online_data_migrations', 'cinder', 'ctl1'),
                  ('finalize', 'online_data_migrations', 'nova', 'ctl1'),
                  ('finalize', 'db_contract', 'keystone', 'ctl1'), ('finalize', 'db_contract', 'glance', 'ctl1'),
                  ('finalize', 'db_contract', 'neutron', 'ctl1')]
    restarts = [(s['detail']['binary'], s['host']) for s in steps if s['phase'] == 'finalize' and s['action'] == 'restart']
    assert restarts == [(b, h) for h in ('ctl1', 'ctl2')
                        for b in ('nova-conductor', 'nova-scheduler', 'nova-api', 'nova-novncproxy')]
    # finalize: a batch per host for the restarts, then one for every database command
    batches = [(s['detail']['batch'], s['host']) for s in steps if s['phase'] == 'finalize' and s['host']]
    assert len(set(b for b, h in batches if h == 'ctl1')) == 2 and len(set(b for b, _h in batches)) == 3
    assert len(set(s['detail']['batch'] for s in steps if s['phase'] == 'expand')) == 1


def test_phases_come_in_order_and_batches_never_go_down():
    steps = plan_upgrade(full_cluster(), '2026.1', {'batch_size': 2, 'drain': True})
    order = ['prepare', 'expand', 'control', 'compute', 'finalize']
    phases = [order.index(s['phase']) for s in steps]
    assert phases == sorted(phases) and set(phases) == set(range(5))
    numbers = [s['detail']['batch'] for s in steps]
    assert numbers == sorted(numbers) and sorted(set(numbers)) == list(range(1, numbers[-1] + 1))
    for number in set(numbers):  # a batch is in one phase
        assert len(set(s['phase'] for s in steps if s['detail']['batch'] == number)) == 1


def test_only_the_services_the_cluster_has_are_planned():
    cluster = {'name': 'small', 'hosts': [host('ctl', 'control'), host('cmp', 'compute')],
               'components': [comp('keystone', 'ctl'), comp('nova-conductor', 'ctl'), comp('nova-compute', 'cmp')]}
    steps = plan_upgrade(cluster, '2026.1')
    assert set(s['service'] for s in steps) == {None, 'keystone', 'nova'}
    only = plan_upgrade(cluster, '2026.1', {'services': ['nova']})
    assert set(s['service'] for s in only) == {None, 'nova'}
    assert only[0]['detail']['services'] == ['nova'] and only[0]['detail']['not_planned'] == ['keystone']
    keystone = plan_upgrade(cluster, '2026.1', {'services': ['keystone']})
    assert 'rpc_pin' not in [s['action'] for s in keystone] and 'compute' not in [s['phase'] for s in keystone]
    assert [s['action'] for s in keystone if s['phase'] == 'finalize'] == ['db_contract', 'readiness']


@pytest.mark.parametrize('components,target,message', [
    ([comp('nova-compute', 'c1', '2024.1', '29.4.0')], '2026.1',
     'Cluster x cannot be upgraded to 2026.1: 2024.1 → 2026.1 skips 2025.1 (SLURP) and 2025.2: only N→N+1 or '
     'SLURP→next SLURP is supported. (nova-compute on c1)'),
    ([comp('nova-compute', 'c1', '2025.2', '32.2.1')], '2027.1',
     'Cluster x cannot be upgraded to 2027.1: 2025.2 → 2027.1 skips 2026.1 (SLURP) and 2026.2: only N→N+1 or '
     'SLURP→next SLURP is supported; 2025.2 is not a SLURP release, so it only upgrades to 2026.1. (nova-compute on c1)'),
    ([comp('nova-compute', 'c1', '2026.2', '34.0.0')], '2026.1',
     'Cluster x cannot be upgraded to 2026.1: 2026.2 → 2026.1 goes backwards: downgrades are not supported. '
     '(nova-compute on c1)'),
    ([comp('nova-compute', 'c1', None), comp('keystone', '', None)], '2026.1',
     'Cannot check the path to 2026.1 of cluster x: the release of keystone on (cluster), nova-compute on c1 is '
     'unknown; rediscover it with params.versions or params.host_versions.'),
    ([comp('nova-compute', 'c1', '2026.1', '33.0.2')], 'gazpacho', 'Cluster x already runs 2026.1 (nova): nothing to upgrade.'),
    ([comp('heat-api', 'c1', version='24.0.0')], '2026.1', 'Cluster x runs none of the services this collection upgrades'),
])
def test_a_refused_path_says_why(components, target, message):
    with pytest.raises(PlanError) as info:
        plan_upgrade({'name': 'x', 'hosts': [host('c1', 'control')], 'components': components}, target)
    assert info.value.msg.startswith(message)


@pytest.mark.skipif(datetime.date.today() >= datetime.date(2027, 3, 24), reason='2027.1 is released from 2027-03-24')
@pytest.mark.parametrize('release,version', [('2026.1', '33.0.2'), ('2026.2', '34.0.0')])
def test_an_unreleased_target_is_refused(release, version):
    """The rule of check_upgrade_path and upgrade_version_info: 2027.1 is not out on 2026-12-04 (issue 11)."""
    with pytest.raises(PlanError) as info:
        plan_upgrade({'name': 'x', 'hosts': [host('c1', 'control')],
                      'components': [comp('nova-compute', 'c1', release, version)]}, '2027.1')
    assert info.value.msg == ('Cluster x cannot be upgraded to 2027.1: %s → 2027.1: 2027.1 is not released yet '
                              '(planned for 2027-03-24). (nova-compute on c1)' % release)


def test_the_slurp_reason_is_returned_as_a_field_too():
    with pytest.raises(PlanError) as info:
        plan_upgrade({'name': 'x', 'hosts': [], 'components': [comp('nova-compute', 'c1', '2024.1', '29.4.0')]},
                     '2026.1')
    assert info.value.result['reason'].startswith('2024.1 → 2026.1 skips 2025.1 (SLURP)')


def test_a_mixed_cluster_plans_only_what_is_not_at_the_target_yet():
    """A cancelled upgrade left compute1 at 2026.1: it gets no steps; the others go on from 2025.1."""
    cluster = lab_cluster()
    cluster['components'][-2] = comp('nova-compute', 'compute1', '2026.1', '33.0.2', zone='nova')
    steps = plan_upgrade(cluster, '2026.1', {'target_versions': LAB_VERSIONS})
    assert 'compute1' not in [s['host'] for s in steps if s['phase'] in ('compute', 'control')]
    assert [s['host'] for s in steps if s['action'] == 'check_code'] == ['compute2', 'controller']
    assert [s['host'] for s in steps if s['action'] == 'rpc_pin'] == ['compute1', 'compute2', 'controller']
    assert list(steps[0]['detail']['from_releases']) == ['2025.1']


def test_a_cluster_from_two_releases_checks_each_path():
    cluster = lab_cluster()
    cluster['components'][-1] = comp('nova-compute', 'compute2', '2025.2', '32.2.1', zone='nova')
    steps = plan_upgrade(cluster, '2026.1', {'target_versions': LAB_VERSIONS})
    assert sorted(steps[0]['detail']['from_releases']) == ['2025.1', '2025.2']
    assert steps[0]['detail']['from_releases']['2025.2'] == '2025.2 → 2026.1 is one release forward (N→N+1).'
    assert from_release(steps) == '2025.1'
    switch = [s for s in steps if s['action'] == 'switch' and s['host'] == 'compute2'][0]
    assert (switch['from_version'], switch['to_version']) == ('32.2.1', '33.0.2')


def test_target_versions_default_to_the_newest_known_and_must_be_of_the_target():
    steps = plan_upgrade(lab_cluster(), '2026.1')
    assert steps[3]['detail']['versions'] == {'glance': '32.0.0', 'keystone': '29.0.2', 'neutron': '28.0.1',
                                              'nova': '33.0.2', 'placement': '15.0.0'}
    with pytest.raises(PlanError) as info:
        plan_upgrade(lab_cluster(), '2026.1', {'target_versions': {'nova': '32.2.1'}})
    assert info.value.msg == 'Option target_versions: nova 32.2.1 is 2025.2, not 2026.1.'
    with pytest.raises(PlanError) as info:
        plan_upgrade(lab_cluster(), '2026.1', {'target_versions': {'nova': 'latest'}})
    assert info.value.msg.startswith("Option target_versions: nova version 'latest' is not a version")


def test_services_discovered_without_hosts_run_where_the_operator_says_else_on_control_hosts():
    cluster = lab_cluster()
    cluster['hosts'].append(host('identity1', 'control'))
    default = plan_upgrade(cluster, '2026.1', {'target_versions': LAB_VERSIONS})
    assert [s['host'] for s in default if s['action'] == 'switch' and s['service'] == 'keystone'] == [
        'controller', 'identity1']
    given = plan_upgrade(cluster, '2026.1', {'target_versions': LAB_VERSIONS, 'service_hosts': {'keystone': ['identity1']}})
    assert [s['host'] for s in given if s['service'] == 'keystone'] == ['identity1'] * 6  # expand, control, contract
    with pytest.raises(PlanError) as info:
        plan_upgrade(cluster, '2026.1', {'service_hosts': {'keystone': ['nowhere']}})
    assert info.value.msg == 'Option service_hosts: nowhere is not a host of cluster lab.'
    cluster['hosts'] = [h for h in cluster['hosts'] if 'control' not in h['roles']]
    cluster['components'] = [c for c in cluster['components'] if c['service'] == 'keystone']
    with pytest.raises(PlanError) as info:
        plan_upgrade(cluster, '2026.1')
    assert info.value.msg.startswith('The hosts running keystone of cluster lab are unknown: discovery found it only '
                                     'in the catalog and no host has the control role; give option service_hosts')


def test_database_commands_need_a_control_host():
    cluster = {'name': 'x', 'hosts': [host('cmp', 'compute')], 'components': [comp('nova-compute', 'cmp')]}
    with pytest.raises(PlanError) as info:
        plan_upgrade(cluster, '2026.1')
    assert info.value.msg.startswith('No control host of nova is known to run its database commands on')


def test_rpc_pin_and_warnings_options_reach_the_steps():
    steps = plan_upgrade(lab_cluster(), '2026.1', {'rpc_pin': 'require', 'fail_on_warning': True})
    assert {s['detail']['mode'] for s in steps if s['action'] == 'rpc_pin'} == {'require'}
    assert [s['detail'] for s in steps if s['action'] == 'readiness'] == [
        {'batch': 2, 'release': '2026.1', 'fail_on_warning': True, 'when': 'before'},
        {'batch': 16, 'release': '2026.1', 'fail_on_warning': True, 'when': 'after', 'compare_with': 'before'}]


@pytest.mark.parametrize('options,message', [
    ({'batch_size': 0}, 'Option batch_size: got 0, expected a whole number of hosts, 1 or more.'),
    ({'batch_size': True}, 'Option batch_size: got True'),
    ({'rpc_pin': 'maybe'}, "Option rpc_pin: got 'maybe', expected one of set, require."),
    ({'services': ['nova', 'heat']}, 'Option services: heat is not a service this collection upgrades'),
    ({'target_versions': {'swift': '1'}}, 'Option target_versions: swift is not a service'),
    ({'colour': 'blue'}, 'Unknown plan option(s) colour'),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(PlanError) as info:
        plan_upgrade(lab_cluster(), '2026.1', options)
    assert info.value.msg.startswith(message)


def test_a_service_the_cluster_lacks_is_named():
    with pytest.raises(PlanError) as info:
        plan_upgrade(lab_cluster(), '2026.1', {'services': ['cinder']})
    assert info.value.msg == ('Cluster lab has no cinder (option services); it has glance, keystone, neutron, '
                              'nova, placement.')


def test_plan_options_fill_in_the_defaults():
    assert plan_options({'batch_size': 4, 'services': ['nova', 'keystone'], 'drain': None}) == {
        'batch_size': 4, 'drain': False, 'services': ['keystone', 'nova'], 'target_versions': {},
        'service_hosts': {}, 'rpc_pin': 'set', 'fail_on_warning': False}


def test_an_unknown_target_release():
    with pytest.raises(ReleaseError):
        plan_upgrade(lab_cluster(), '2031.1')


def test_db_commands_follow_the_releases_they_apply_to(monkeypatch):
    assert [c.action for c in commands.db_commands('keystone', 'expand', '2026.1')] == ['db_expand', 'db_migrate']
    assert commands.db_commands('swift', 'expand', '2026.1') == []
    changed = commands.DB_COMMANDS['keystone'] + (
        commands.Command('expand', 'db_expand', ('keystone-manage', 'db', 'expand'), '2026.2', None, None),)
    changed = (changed[0]._replace(until='2026.1'),) + changed[1:]
    monkeypatch.setitem(commands.DB_COMMANDS, 'keystone', changed)
    assert [c.argv for c in commands.db_commands('keystone', 'expand', '2026.1')] == [
        ('keystone-manage', 'db_sync', '--expand'), ('keystone-manage', 'db_sync', '--migrate')]
    assert [c.argv for c in commands.db_commands('keystone', 'expand', 'hibiscus')] == [
        ('keystone-manage', 'db_sync', '--migrate'), ('keystone-manage', 'db', 'expand')]


def test_every_command_is_of_a_phase_and_order_the_planner_knows():
    for service, entries in commands.DB_COMMANDS.items():
        for entry in entries:
            assert entry.phase in ('expand', 'finalize'), (service, entry)
            assert entry.phase == 'expand' or entry.action in commands.FINALIZE_ORDER, (service, entry)
            assert entry.argv[0].endswith('-manage'), (service, entry)


def test_the_pure_parts_import_neither_sqlalchemy_nor_ansible():
    probe = ('import json, sys; sys.path[:0] = json.loads(sys.argv[1]); '
             'from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import commands, planner, '
             'progress, rollback; '
             'print(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic", "ansible")))')
    result = subprocess.run([sys.executable, '-c', probe, json.dumps(sys.path)], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == '[]'
