"""What deployments call their services: each mapped binary has a project and a role."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import topology

ROLES = {'control', 'compute', 'network', 'storage', 'monitoring'}
BINARIES = sorted(set(topology.OSA_GROUPS.values()) | set(topology.KOLLA_GROUPS.values())
                  | set(topology.API_BINARIES.values()))


@pytest.mark.parametrize('binary', BINARIES)
def test_every_mapped_binary_has_a_project_and_a_role(binary):
    assert topology.project_of(binary) and '-' not in topology.project_of(binary)
    assert topology.role_of(binary) in ROLES


@pytest.mark.parametrize('project', sorted(topology.API_BINARIES))
def test_the_api_binary_of_a_project_belongs_to_it(project):
    assert topology.project_of(topology.API_BINARIES[project]) == project


def test_openstack_ansible_host_groups_give_the_same_role_in_both_spellings():
    for group, role in topology.OSA_ROLE_GROUPS.items():
        assert role in ROLES
        assert topology.OSA_ROLE_GROUPS[group.replace('-', '_')] == role
    assert any('-' in group for group in topology.OSA_ROLE_GROUPS)  # the spelling before 2026.1 is there
