"""Discovery from deployment inventories (openstack-ansible, kolla-ansible, any Ansible inventory) on realistic fixtures."""

import json
import os
import re
import subprocess
import sys

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import inventory
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import methods as discovery_methods
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import summary as discovery_summary
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.topology import DiscoveryError


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'discovery')
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
OSA_OLD = os.path.join(FIXTURES, 'openstack_inventory.json')
OSA_NEW = os.path.join(FIXTURES, 'openstack_inventory-2026.1.json')
# openstack-ansible's host groups (spelled with dashes before 2026.1) and their roles.
OSA_ROLES = {'shared-infra_hosts': 'control', 'os-infra_hosts': 'control', 'identity_hosts': 'control',
             'compute_hosts': 'compute', 'network_hosts': 'network', 'network-infra_hosts': 'network',
             'network-agent_hosts': 'network', 'storage_hosts': 'storage', 'storage-infra_hosts': 'control',
             'log_hosts': 'monitoring'}


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


def binaries_of(found, host):
    return [c['binary'] for c in found['components'] if c['host'] == host]


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
    # roles come from openstack-ansible's host groups: a compute running ovn-controller is no network node
    assert hosts['compute1']['roles'] == hosts['compute2']['roles'] == ['compute']
    assert sorted(binaries_of(new, 'compute1')) == ['nova-compute', 'ovn-controller']
    # a container is in no host group: its services give its role
    assert hosts['infra1_nova_api_container-1a2b3c03']['roles'] == ['control']
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
    ('{"_meta": {"hostvars": {"a": {}}}, "web": {"hosts": ["a"]}}',
     'names no OpenStack service group openstack-ansible deploys'),
    ('{"nova_compute": {"hosts": ["a"]}}', 'has no _meta.hostvars: openstack-ansible\'s openstack_inventory.json'),
    ('{"_meta": {}, "nova_compute": {"hosts": ["a"]}}', 'has no _meta.hostvars'),
    ('{"_meta": {"hostvars": {"a": {}}}, "nova_compute": {"hosts": ["a", "ghost"]}, "nova_all": {"children": '
     '["nova_compute"]}}', 'names host ghost (group nova_compute), which _meta.hostvars does not hold'),
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

def roles(found):
    return dict((h['name'], h['roles']) for h in found['hosts'])


def hosts_of(found):
    return dict((binary, sorted(hosts)) for binary, hosts in by_binary(found['components']).items())


CONTROLS = ['control01', 'control02', 'control03']
# What kolla-ansible deploys on its stock multinode inventory with its default globals
# (neutron_plugin_agent openvswitch, nova_console novnc; cinder, ironic, cells, cloudkitty off).
KOLLA_DEFAULT_SERVICES = {
    'keystone': CONTROLS, 'glance-api': CONTROLS, 'placement-api': CONTROLS, 'horizon': CONTROLS,
    'nova-api': CONTROLS, 'nova-api-metadata': CONTROLS, 'nova-scheduler': CONTROLS, 'nova-conductor': CONTROLS,
    'nova-novncproxy': CONTROLS, 'nova-compute': ['compute01'],
    'neutron-server': CONTROLS, 'neutron-rpc-server': CONTROLS, 'neutron-periodic-workers': CONTROLS,
    'neutron-dhcp-agent': ['network01', 'network02'], 'neutron-l3-agent': ['network01', 'network02'],
    'neutron-metadata-agent': ['network01', 'network02'],
    'neutron-openvswitch-agent': ['compute01', 'network01', 'network02'],
    'heat-api': CONTROLS, 'heat-api-cfn': CONTROLS, 'heat-engine': CONTROLS,
    'mariadb': CONTROLS, 'rabbitmq': CONTROLS, 'memcached': CONTROLS,
    'openvswitch-db-server': ['compute01', 'network01', 'network02'],
    'openvswitch-vswitchd': ['compute01', 'network01', 'network02'],
}


def test_kolla_multinode_roles_are_kollas_top_level_groups(kolla_inventory):
    found = discover('kolla_ansible', inventory=kolla_inventory('multinode'), openstack_release='epoxy')
    # controllers are not computes (nova-compute-ironic:children points at nova), computes are not
    # network nodes (the OVS agent runs there), nor controllers storage hosts (cinder-volume:children cinder)
    assert roles(found) == dict([(host, ['control']) for host in CONTROLS] + [
        ('network01', ['network']), ('network02', ['network']), ('compute01', ['compute']),
        ('monitoring01', ['monitoring']), ('storage01', ['storage'])])  # localhost (deployment) runs nothing


def test_kolla_multinode_services_are_what_kolla_deploys_there(kolla_inventory):
    found = discover('kolla_ansible', inventory=kolla_inventory('multinode'), openstack_release='epoxy')
    assert hosts_of(found) == KOLLA_DEFAULT_SERVICES
    projects = dict((c['binary'], c['service']) for c in found['components'])
    assert (projects['mariadb'], projects['openvswitch-vswitchd'], projects['nova-api-metadata']) == (
        'mariadb', 'openvswitch', 'nova')
    assert {c['release'] for c in found['components']} == {'2025.1'}
    assert found['components'][0]['extra'] == {'release_reason': 'kolla-ansible openstack_release is 2025.1'}


def test_kolla_globals_decide_which_services_run(kolla_inventory):
    found = discover('kolla_ansible', inventory=kolla_inventory('multinode'), openstack_release='2025.2',
                     globals={'neutron_plugin_agent': 'ovn', 'enable_cinder': 'yes', 'enable_ironic': True,
                              'enable_cells': 'true', 'nova_console': 'spice', 'enable_heat': 'no',
                              'enable_cinder_backend_lvm': 'yes'})
    services = hosts_of(found)
    for gone in ('neutron-openvswitch-agent', 'neutron-l3-agent', 'neutron-dhcp-agent', 'neutron-metadata-agent',
                 'nova-novncproxy', 'heat-api', 'heat-engine'):
        assert gone not in services
    assert services['ovn-controller'] == ['compute01', 'network01', 'network02']
    assert services['neutron-ovn-metadata-agent'] == ['compute01', 'network01', 'network02']
    for binary in ('ovn-northd', 'ovn-nb-db', 'ovn-sb-db', 'ovn-sb-db-relay', 'neutron-ovn-maintenance-worker',
                   'nova-compute-ironic', 'nova-super-conductor', 'nova-spicehtml5proxy', 'cinder-api'):
        assert services[binary] == CONTROLS, binary
    assert services['cinder-volume'] == services['cinder-backup'] == ['storage01']  # the LVM groups
    assert services['openvswitch-vswitchd'] == ['compute01', 'network01', 'network02']  # OVN needs OVS too
    # roles do not move with the services
    assert roles(found)['control01'] == ['control'] and roles(found)['compute01'] == ['compute']


def test_kolla_globals_from_the_inventory_and_bad_values(kolla_inventory, tmp_path):
    path = tmp_path / 'multinode'
    text = open(kolla_inventory('multinode')).read()
    path.write_text(text + '\n[all:vars]\nneutron_plugin_agent=ovn\nenable_cinder=yes\n')
    services = hosts_of(discover('kolla_ansible', inventory=str(path)))
    assert 'ovn-controller' in services and 'neutron-openvswitch-agent' not in services
    assert services['cinder-volume'] == CONTROLS  # kolla 22: [cinder-volume:children] cinder
    # params.globals (globals.yml) win over inventory variables, as extra vars do
    services = hosts_of(discover('kolla_ansible', inventory=str(path), globals={'neutron_plugin_agent': 'openvswitch'}))
    assert 'ovn-controller' not in services and 'neutron-openvswitch-agent' in services
    with pytest.raises(DiscoveryError) as error:
        discover('kolla_ansible', inventory=str(path), globals={'enable_cinder': 'maybe'})
    assert error.value.msg == ("kolla-ansible setting enable_cinder of compute01 is 'maybe', expected a "
                               'boolean (yes, no, true, false); fix it in params.globals or the inventory.')


def test_kolla_all_in_one(kolla_inventory):
    found = discover('kolla_ansible', inventory=kolla_inventory('all-in-one'), openstack_release='2025.1')
    assert found['hosts'] == [{'name': 'localhost', 'address': None,
                               'roles': ['compute', 'control', 'monitoring', 'network', 'storage']}]
    assert hosts_of(found) == dict((binary, ['localhost']) for binary in KOLLA_DEFAULT_SERVICES)


def test_kolla_release_from_inventory_variables(kolla_inventory, tmp_path):
    path = tmp_path / 'multinode'
    text = open(kolla_inventory('multinode')).read()
    path.write_text(text + '\n[all:vars]\nopenstack_release=2024.1\n')
    assert {c['release'] for c in discover('kolla_ansible', inventory=str(path))['components']} == {'2024.1'}
    assert {c['release'] for c in discover('kolla_ansible', inventory=str(path), globals={
        'openstack_release': '2025.2'})['components']} == {'2025.2'}
    path.write_text(text + '\n[all:vars]\nopenstack_release=master\n')
    component = discover('kolla_ansible', inventory=str(path))['components'][0]
    assert component['release'] is None
    assert component['extra']['release_reason'] == "kolla-ansible openstack_release 'master' is not a known series"


def test_a_host_outside_kollas_top_level_groups_gets_roles_from_its_services(tmp_path):
    path = tmp_path / 'multinode'
    path.write_text('[control]\nctl1\n[compute]\ncmp1\n[nova:children]\ncontrol\n[nova-api:children]\nnova\n'
                    '[nova-conductor]\nextra1\n[neutron-l3-agent]\ngw1\n')
    assert roles(discover('kolla_ansible', inventory=str(path))) == {
        'cmp1': ['compute'], 'ctl1': ['control'], 'extra1': ['control'], 'gw1': ['network']}


def test_an_unparsable_inventory_is_named(tmp_path):
    path = tmp_path / 'multinode'
    path.write_text('[control\ncontrol01\n')
    with pytest.raises(DiscoveryError, match='Cannot parse inventory .*multinode') as error:
        discover('kolla_ansible', inventory=str(path))
    # each plugin's reason, once, without ansible-inventory's warnings around it
    assert ': as INI, ' in error.value.msg and '; as YAML, ' in error.value.msg, error.value.msg
    assert '[WARNING]' not in error.value.msg and 'caused by' not in error.value.msg
    assert error.value.msg.endswith('Fix the file (ansible-inventory -i %s --list shows the same error).' % path)


def test_a_kolla_inventory_without_control_hosts_is_refused(kolla_inventory, tmp_path):
    path = tmp_path / 'multinode'
    path.write_text(re.sub(r'\[control\]\n(#.*\n|control0\d\n)*', '[control]\n', open(kolla_inventory('multinode')).read()))
    with pytest.raises(DiscoveryError, match="places none of kolla-ansible's control services \\(keystone, "):
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
    with pytest.raises(DiscoveryError, match=r'params.groups names computes, which params.inventory has no '
                                             r'host in \(its groups with hosts: ctl, more\)'):
        discover('ansible_inventory', inventory=inventory, groups={'computes': 'nova-compute'})
    inventory['empty'] = {'hosts': []}
    with pytest.raises(DiscoveryError, match=r'params.groups names empty, which params.inventory has no host in'):
        discover('ansible_inventory', inventory=inventory, groups={'empty': 'nova-compute'})


@pytest.mark.parametrize('group, role', sorted(OSA_ROLES.items()))
def test_every_openstack_ansible_host_group_gives_its_role_in_both_spellings(tmp_path, group, role):
    for spelling in (group, group.replace('-', '_')):
        path = tmp_path / 'openstack_inventory.json'
        path.write_text(json.dumps({
            '_meta': {'hostvars': {'host1': {}}}, spelling: {'hosts': ['host1']},
            'nova_compute': {'hosts': ['host1']}, 'neutron_ovn_controller': {'hosts': ['host1']}}))
        found = discover('openstack_ansible', inventory=str(path))
        # the group's role only: nova-compute and ovn-controller running there do not add theirs
        assert found['hosts'] == [{'name': 'host1', 'address': None, 'roles': [role]}], spelling
