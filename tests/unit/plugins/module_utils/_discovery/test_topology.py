"""What deployments call their services: each mapped binary has a project and a role."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import kolla, topology

ROLES = {'control', 'compute', 'network', 'storage', 'monitoring'}
KOLLA_ALL = {'neutron_plugin_agent': 'ovn', 'enable_cinder': True, 'enable_ironic': True, 'enable_cells': True,
             'enable_cloudkitty': True, 'enable_nova_serialconsole_proxy': True}
BINARIES = sorted(set(topology.OSA_GROUPS.values()) | set(kolla.service_groups(kolla.settings({}, {})))
                  | set(kolla.service_groups(kolla.settings(KOLLA_ALL, {}))) | set(topology.API_BINARIES.values()))
HOST_AGENTS = ['neutron-openvswitch-agent', 'neutron-linuxbridge-agent', 'neutron-ovn-metadata-agent',
               'ovn-controller', 'openvswitch-vswitchd', 'openvswitch-db-server']


@pytest.mark.parametrize('binary', BINARIES)
def test_every_mapped_binary_has_a_project_and_a_role(binary):
    assert topology.project_of(binary) and '-' not in topology.project_of(binary)
    assert topology.host_roles([binary]) in [[role] for role in ROLES]


@pytest.mark.parametrize('agent', HOST_AGENTS)
def test_agents_running_on_computes_and_network_nodes_alike_do_not_make_a_network_node(agent):
    assert topology.host_roles(['nova-compute', agent]) == ['compute']
    assert topology.host_roles(['neutron-l3-agent', agent]) == ['network']
    assert topology.host_roles([agent]) == ['network']  # a gateway running nothing else
    assert topology.host_roles(['keystone', 'nova-compute', 'cinder-volume', agent]) == ['compute', 'control', 'storage']


@pytest.mark.parametrize('project', sorted(topology.API_BINARIES))
def test_the_api_binary_of_a_project_belongs_to_it(project):
    assert topology.project_of(topology.API_BINARIES[project]) == project


def test_openstack_ansible_host_groups_give_the_same_role_in_both_spellings():
    for group, role in topology.OSA_ROLE_GROUPS.items():
        assert role in ROLES
        assert topology.OSA_ROLE_GROUPS[group.replace('-', '_')] == role
    assert any('-' in group for group in topology.OSA_ROLE_GROUPS)  # the spelling before 2026.1 is there
