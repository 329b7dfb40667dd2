"""Discovery parsers on realistic fixtures, release inference and the cluster summaries."""

import json
import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import api as discovery_api
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import inference
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import inventory
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import methods as discovery_methods
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import summary as discovery_summary
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import topology
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.topology import DiscoveryError
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'discovery')
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
OSA_OLD = os.path.join(FIXTURES, 'openstack_inventory.json')
OSA_NEW = os.path.join(FIXTURES, 'openstack_inventory-2026.1.json')


def run_command(args, environ_update=None):
    result = subprocess.run(args, capture_output=True, text=True, check=False,
                            env=dict(os.environ, **(environ_update or {})))
    return result.returncode, result.stdout, result.stderr


def discover(method, **params):
    params = discovery_methods.validate_params(method, params)
    if method == 'openstack_ansible':
        return inventory.discover_openstack_ansible(params)
    if method == 'kolla_ansible':
        return inventory.discover_kolla_ansible(params, run_command, ANSIBLE_INVENTORY)
    return inventory.discover_ansible_inventory(params, run_command, ANSIBLE_INVENTORY)


def by_binary(components):
    result = {}
    for c in components:
        result.setdefault(c['binary'], {})[c['host']] = c
    return result


# --------------------------------------------------------------------------
# openstack-ansible
# --------------------------------------------------------------------------

def test_both_openstack_ansible_spellings_give_the_same_cluster():
    old, new = discover('openstack_ansible', inventory=OSA_OLD), discover('openstack_ansible', inventory=OSA_NEW)
    assert json.load(open(OSA_OLD))['shared-infra_hosts'] and json.load(open(OSA_NEW))['shared_infra_hosts']
    assert [(h['name'], h['roles']) for h in old['hosts']] == [(h['name'], h['roles']) for h in new['hosts']]
    assert [(c['binary'], c['host']) for c in old['components']] == [(c['binary'], c['host']) for c in new['components']]
    hosts = dict((h['name'], h) for h in new['hosts'])
    assert hosts['infra1']['roles'] == ['control', 'network'] and hosts['infra1']['address'] == '127.29.236.11'
    assert hosts['compute1']['roles'] == ['compute', 'network']
    binaries = by_binary(new['components'])
    assert sorted(binaries['nova-compute']) == ['compute1', 'compute2']
    assert sorted(binaries['nova-conductor']) == ['infra1_nova_api_container-1a2b3c03',
                                                  'infra2_nova_api_container-1a2b3c04']
    assert set(binaries) >= {'keystone', 'placement-api', 'glance-api', 'neutron-server', 'nova-api',
                             'nova-scheduler', 'nova-novncproxy', 'nova-api-metadata', 'ovn-controller'}
    # containers are hosts of their own, addressed on the management network
    assert hosts['infra1_nova_api_container-1a2b3c03']['address'].startswith('127.29.238.')


def test_openstack_ansible_venv_tags_give_releases_and_reveal_mixed_computes():
    found = discover('openstack_ansible', inventory=OSA_OLD)
    nova = by_binary(found['components'])['nova-compute']
    assert (nova['compute1']['release'], nova['compute2']['release']) == ('2025.1', '2025.2')
    assert nova['compute1']['version'] is None  # the tag is openstack-ansible's, not nova's version
    assert nova['compute1']['extra'] == {
        'venv_tag': '31.1.0',
        'release_reason': "openstack-ansible venv_tag 31.1.0 is 2025.1 (openstack-ansible majors follow nova's)"}
    keystone = next(iter(by_binary(found['components'])['keystone'].values()))
    assert keystone['release'] is None and 'params.versions' in keystone['extra']['release_reason']
    summary = dict((c['binary'], c) for c in discovery_summary.component_summary(found['components'], '2026.1'))
    assert summary['nova-compute']['mixed'] is True and summary['nova-compute']['can_upgrade'] is False
    assert summary['nova-compute']['reason'] == (
        'nova-compute runs mixed releases (2025.1 on compute1; 2025.2 on compute2): '
        'finish the previous upgrade first.')
    assert summary['nova-conductor']['can_upgrade'] is True
    assert summary['keystone']['can_upgrade'] is False and 'unknown' in summary['keystone']['reason']


def test_versions_and_host_versions_override_facts():
    found = discover('openstack_ansible', inventory=OSA_OLD, versions={'nova': '31.3.1', 'keystone': '27.0.2'},
                     host_versions={'compute2': {'nova': '32.2.1'}})
    binaries = by_binary(found['components'])
    assert binaries['nova-compute']['compute1']['version'] == '31.3.1'
    assert binaries['nova-compute']['compute2']['version'] == '32.2.1'
    assert binaries['nova-compute']['compute2']['release'] == '2025.2'
    assert binaries['nova-compute']['compute2']['extra'] == {'release_reason': 'nova 32.2.1 shipped in 2025.2'}
    assert {c['release'] for c in binaries['keystone'].values()} == {'2025.1'}


def test_venv_tags_from_the_fact_cache():
    found = discover('openstack_ansible', inventory=OSA_NEW, fact_cache=os.path.join(FIXTURES, 'ansible_facts'))
    binaries = by_binary(found['components'])
    assert binaries['nova-compute']['compute1']['release'] == '2025.2'
    assert binaries['nova-compute']['compute1']['extra']['venv_tag'] == '32.1.0'
    assert binaries['nova-compute']['compute2']['release'] is None  # no cached facts for compute2
    assert binaries['ovn-controller']['compute1']['release'] is None  # OVN is not an OpenStack project


def test_a_broken_fact_cache_is_named(tmp_path):
    with pytest.raises(DiscoveryError, match='Fact cache .*/nope is not a directory.'):
        discover('openstack_ansible', inventory=OSA_NEW, fact_cache=str(tmp_path / 'nope'))
    (tmp_path / 'compute1').write_text('{"ansible_local": ')
    with pytest.raises(DiscoveryError, match='Cached facts of compute1, .*/compute1 is not valid JSON'):
        discover('openstack_ansible', inventory=OSA_NEW, fact_cache=str(tmp_path))


@pytest.mark.parametrize('content, message', [
    ('{"_meta": {', 'is not valid JSON'),
    ('[1, 2]', 'is not an inventory: expected a JSON object of groups, got list'),
    ('{"nova_compute": 3}', 'group nova_compute is not an object with hosts and children'),
    ('{"web": {"hosts": ["a"]}}', 'names no OpenStack service group openstack-ansible deploys'),
])
def test_malformed_openstack_ansible_inventory_is_named(tmp_path, content, message):
    path = tmp_path / 'openstack_inventory.json'
    path.write_text(content)
    with pytest.raises(DiscoveryError) as error:
        discover('openstack_ansible', inventory=str(path))
    assert message in error.value.msg and str(path) in error.value.msg


def test_missing_inventory_is_named(tmp_path):
    with pytest.raises(DiscoveryError, match='openstack-ansible inventory .*/nope.json does not exist'):
        discover('openstack_ansible', inventory=str(tmp_path / 'nope.json'))
    with pytest.raises(DiscoveryError, match='Inventory .*/multinode does not exist'):
        discover('kolla_ansible', inventory=str(tmp_path / 'multinode'))


# --------------------------------------------------------------------------
# kolla-ansible and any inventory
# --------------------------------------------------------------------------

def test_kolla_multinode():
    found = discover('kolla_ansible', inventory=os.path.join(FIXTURES, 'multinode'), openstack_release='epoxy')
    hosts = dict((h['name'], h) for h in found['hosts'])
    assert set(hosts) == {'control01', 'control02', 'network01', 'compute01', 'compute02',
                          'monitoring01', 'storage01'}  # localhost (deployment) runs no service
    assert hosts['compute01'] == {'name': 'compute01', 'address': '127.0.10.31', 'roles': ['compute', 'network']}
    assert hosts['monitoring01']['roles'] == ['monitoring']
    binaries = by_binary(found['components'])
    assert sorted(binaries['nova-api']) == ['control01', 'control02']  # [nova-api:children] nova -> control
    assert sorted(binaries['neutron-l3-agent']) == ['network01']
    assert sorted(binaries['cinder-volume']) == ['storage01']
    assert sorted(binaries['neutron-openvswitch-agent']) == ['compute01', 'compute02', 'network01']
    assert {c['release'] for c in found['components']} == {'2025.1'}
    assert found['components'][0]['extra'] == {'release_reason': 'kolla-ansible openstack_release is 2025.1'}


def test_kolla_release_from_inventory_variables(tmp_path):
    path = tmp_path / 'multinode'
    path.write_text(open(os.path.join(FIXTURES, 'multinode')).read() + '\n[all:vars]\nopenstack_release=2024.1\n')
    assert {c['release'] for c in discover('kolla_ansible', inventory=str(path))['components']} == {'2024.1'}
    path.write_text(open(os.path.join(FIXTURES, 'multinode')).read() + '\n[all:vars]\nopenstack_release=master\n')
    component = discover('kolla_ansible', inventory=str(path))['components'][0]
    assert component['release'] is None
    assert component['extra']['release_reason'] == "kolla-ansible openstack_release 'master' is not a known series"


def test_an_unparsable_inventory_is_named(tmp_path):
    path = tmp_path / 'multinode'
    path.write_text('[control\ncontrol01\n')
    with pytest.raises(DiscoveryError, match='Cannot parse inventory .*multinode'):
        discover('kolla_ansible', inventory=str(path))


def test_any_inventory_with_a_group_map():
    found = discover('ansible_inventory', inventory=os.path.join(FIXTURES, 'inventory.ini'),
                     groups={'controllers': ['nova-api', 'keystone', 'placement-api'], 'computes': 'nova-compute'},
                     versions={'nova': '33.0.2'})
    assert [(h['name'], h['address'], h['roles']) for h in found['hosts']] == [
        ('cmp1', '192.0.2.20', ['compute']), ('cmp2', '192.0.2.21', ['compute']),
        ('ctl1', '192.0.2.10', ['control']), ('ctl2', '192.0.2.11', ['control'])]
    binaries = by_binary(found['components'])
    assert binaries['placement-api']['ctl1']['service'] == 'placement'
    assert binaries['nova-compute']['cmp2']['release'] == '2026.1'


def test_any_inventory_as_a_dict_and_unknown_groups():
    inventory = {'_meta': {'hostvars': {'a': {'ansible_host': '192.0.2.1'}}},
                 'all': {'children': ['ctl']}, 'ctl': {'hosts': ['a'], 'children': ['more']},
                 'more': {'hosts': ['b']}}
    found = discover('ansible_inventory', inventory=inventory, groups={'ctl': 'keystone'})
    assert [(h['name'], h['address']) for h in found['hosts']] == [('a', '192.0.2.1'), ('b', None)]
    with pytest.raises(DiscoveryError, match=r'params.groups names computes, which params.inventory does '
                                             r'not have \(its groups: ctl, more\)'):
        discover('ansible_inventory', inventory=inventory, groups={'computes': 'nova-compute'})


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------

@pytest.mark.parametrize('method, params, message', [
    ('ssh', {}, "Option method: got 'ssh', expected one of ansible_inventory, kolla_ansible, openstack_ansible, openstack_api."),
    ('openstack_ansible', {}, 'Option params.inventory: got None, expected a path (required by method openstack_ansible).'),
    ('openstack_ansible', {'inventory': 3}, 'Option params.inventory: got 3, expected a path.'),
    ('openstack_ansible', {'inventory': 'x', 'group': 'y'},
     "Option params.group: got 'y', expected one of the parameters of method openstack_ansible: "
     'fact_cache, host_versions, inventory, versions.'),
    ('openstack_api', {'versions': {'nova': 'thirty'}}, "Option params.versions.nova: got 'thirty', expected a version such as 31.3.1."),
    ('openstack_api', {'host_versions': {'c1': []}}, 'Option params.host_versions.c1: got [], expected a dict'),
    ('ansible_inventory', {'inventory': 'x', 'groups': {'web': []}},
     "Option params.groups.web: got [], expected a service binary such as nova-compute, or a list of them."),
    ('kolla_ansible', {'inventory': 'x', 'openstack_release': 'zz'}, "Option params.openstack_release: got 'zz'"),
    ('openstack_api', {'hypervisors': 'sometimes'},
     "Option params.hypervisors: got 'sometimes', expected one of auto, always, never."),
    ('openstack_api', {'hypervisors': True}, 'Option params.hypervisors: got True, expected one of auto, always, never.'),
    ('openstack_ansible', {'inventory': 'x', 'hypervisors': 'never'},
     "Option params.hypervisors: got 'never', expected one of the parameters of method openstack_ansible:"),
])
def test_bad_parameters_name_the_parameter(method, params, message):
    with pytest.raises(OptionError) as error:
        discovery_methods.validate_params(method, params)
    assert error.value.msg.startswith(message)


def test_method_list_documents_every_parameter():
    methods = dict((m['name'], m) for m in discovery_methods.method_list())
    assert sorted(methods) == ['ansible_inventory', 'kolla_ansible', 'openstack_ansible', 'openstack_api']
    for method in methods.values():
        for parameter in method['parameters']:
            assert set(parameter) - {'choices', 'default'} == {'name', 'type', 'required', 'description'}
            assert parameter['description']
    assert [(p['name'], p['required']) for p in methods['ansible_inventory']['parameters']] == [
        ('groups', True), ('host_versions', False), ('inventory', True), ('versions', False)]
    api = dict((p['name'], p) for p in methods['openstack_api']['parameters'])
    assert sorted(api) == ['host_versions', 'hypervisors', 'versions']
    assert (api['hypervisors']['type'], api['hypervisors']['required']) == ('str', False)
    assert (api['hypervisors']['choices'], api['hypervisors']['default']) == (['auto', 'always', 'never'], 'auto')
    assert '500 nova-compute services' in api['hypervisors']['description']


@pytest.mark.parametrize('choice', ['auto', 'always', 'never'])
def test_hypervisors_choices_are_accepted_and_kept(choice):
    assert discovery_methods.validate_params('openstack_api', {'hypervisors': choice}) == {'hypervisors': choice}


@pytest.mark.parametrize('choice, computes, note', [
    ('auto', 0, None),
    ('auto', 500, None),  # the limit itself is still read
    ('auto', 501, '501 nova-compute services > 500: hypervisor details (type, version, host address) not read; '
                  'nova-api looks each hypervisor up one by one; pass params.hypervisors: always to read them.'),
    ('auto', 5002, '5,002 nova-compute services > 500: hypervisor details (type, version, host address) not read;'),
    ('always', 5002, None),
    ('never', 0, 'params.hypervisors is never: hypervisor details (type, version, host address) not read.'),
])
def test_hypervisors_are_skipped_above_the_limit_with_auto_only(choice, computes, note):
    assert discovery_methods.HYPERVISORS_AUTO_LIMIT == 500
    skipped = discovery_api.hypervisors_skipped(choice, computes)
    if note is None or note.endswith('.'):
        assert skipped == note
    else:
        assert skipped.startswith(note)


# --------------------------------------------------------------------------
# Releases and summaries
# --------------------------------------------------------------------------

@pytest.mark.parametrize('project, maximum, release, reason', [
    ('nova', '2.104', '2026.2', 'nova API maximum microversion 2.104 is the maximum of 2026.2 only'),
    ('nova', '2.103', '2026.1', 'nova API maximum microversion 2.103 is the maximum of 2026.1 only'),
    ('nova', '2.93', '2022.2', 'nova API maximum microversion 2.93 is the maximum of 2022.2 only'),
    ('nova', '2.100', None, 'nova API maximum microversion 2.100 is the maximum of 2025.1 and 2025.2: '
                            'the API alone cannot tell them apart'),
    ('nova', '2.96', None, 'nova API maximum microversion 2.96 is the maximum of 2024.1 and 2024.2:'),
    ('placement', '1.39', None, 'placement API maximum microversion 1.39 is the maximum of 2022.1 and 2022.2 and '
                                '2023.1'),
    ('placement', '1.38', '2021.2', 'placement API maximum microversion 1.38 is the maximum of 2021.2 only'),
    ('nova', '2.200', None, 'nova API maximum microversion 2.200 identifies no release: the recorded maximums '
                            'are 2.90 in 2021.2'),
    ('nova', '2.97', None, 'nova API maximum microversion 2.97 identifies no release'),
    ('glance', '2.17', None, None),
])
def test_release_from_microversion_is_never_guessed(project, maximum, release, reason):
    found, why = inference.release_from_microversion(project, maximum)
    assert found == release
    assert (why or '').startswith(reason or '')


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


def test_release_from_microversion_waits_for_the_next_release(monkeypatch):
    """A maximum unique so far names no release while the release after it is not recorded."""
    import dataclasses

    series = [s for s in all_series() if s.projects]
    last = series[-1]
    unrecorded = dataclasses.replace(last, id='2099.1', nova_max_microversion=None)
    monkeypatch.setattr(inference, 'all_series', lambda: [*series, unrecorded])
    found, why = inference.release_from_microversion('nova', str(last.nova_max_microversion))
    assert found is None
    assert why.endswith('and 2099.1, whose maximum is not recorded, may answer the same')


@pytest.mark.parametrize('maximum, expected', [
    ('2.104', '2.87'),  # from 2.88 nova-api asks every hypervisor's nova-compute for its uptime
    ('2.88', '2.87'),
    ('2.87', '2.87'),
    ('2.60', '2.60'),
    (None, None),
    ('nonsense', None),
])
def test_hypervisors_are_listed_below_the_uptime_microversion(maximum, expected):
    assert discovery_api.hypervisor_microversion(maximum) == expected


def test_in_background_runs_at_once_and_gives_back_a_result_or_an_error():
    started, release = threading.Event(), threading.Event()

    def work():
        started.set()
        if not release.wait(10):  # the caller must go on while this runs
            raise AssertionError('the caller waited for the work')
        return 'done'

    future = discovery_api.in_background(work)
    assert started.wait(10)
    assert not future.done()
    release.set()
    assert future.result(10) == 'done'
    failing = discovery_api.in_background(lambda: int('not a number'))
    with pytest.raises(ValueError, match='not a number'):
        failing.result(10)


def test_importing_discovery_leaves_sqlalchemy_and_openstacksdk_for_later():
    # cluster_discover imports the store (SQLAlchemy, alembic) while its API discovery runs, and the
    # info modules never need openstacksdk: importing the discovery module must not import them.
    code = ('import sys; from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import '
            'api, inference, inventory, methods, summary, topology; '
            'print(sorted(m for m in ("sqlalchemy", "alembic", "openstack") if m in sys.modules))')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.stdout.strip() == '[]'
