"""The cluster inventory plugin's grouping (the plugin itself runs in tests/integration)."""

from ansible_collections.osops.lifecycle.plugins.inventory.cluster import cluster_inventory, group_name


def test_groups_by_binary_service_and_role_with_hostvars():
    cluster = {
        'name': 'prod',
        'hosts': [{'name': 'ctl', 'address': '192.0.2.1', 'roles': ['control']},
                  {'name': 'c1', 'address': None, 'roles': ['compute', 'network']}],
        'components': [
            {'service': 'nova', 'binary': 'nova-api', 'host': '', 'version': None, 'release': '2026.2', 'state': 'up'},
            {'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl', 'version': '31.3.1', 'release': '2025.1',
             'state': None},
            {'service': 'nova', 'binary': 'nova-compute', 'host': 'c1', 'version': '31.3.1', 'release': '2025.1',
             'state': 'up'},
            {'service': 'placement', 'binary': 'placement-api', 'host': 'ctl', 'version': None, 'release': None,
             'state': None}]}
    groups, hostvars = cluster_inventory(cluster)
    assert groups == {'role_control': ['ctl'], 'role_compute': ['c1'], 'role_network': ['c1'],
                      'nova_conductor': ['ctl'], 'service_nova': ['ctl', 'c1'], 'nova_compute': ['c1'],
                      'placement_api': ['ctl'], 'service_placement': ['ctl']}
    assert hostvars['ctl'] == {
        'osops_cluster': 'prod', 'osops_roles': ['control'], 'ansible_host': '192.0.2.1',
        'osops_components': [
            {'service': 'nova', 'binary': 'nova-conductor', 'version': '31.3.1', 'release': '2025.1', 'state': None},
            {'service': 'placement', 'binary': 'placement-api', 'version': None, 'release': None, 'state': None}]}
    assert 'ansible_host' not in hostvars['c1']


def test_group_names_are_valid():
    assert group_name('shared-infra.hosts') == 'shared_infra_hosts'
