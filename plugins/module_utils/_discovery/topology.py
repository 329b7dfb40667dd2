# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What deployments call their services: binaries, projects, roles and inventory groups.

openstack-ansible's and kolla-ansible's group names, the catalog's service
types, and which role (control, compute, network, storage) a binary gives
its host.  Pure data and lookups.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


class DiscoveryError(OsopsError):
    """A discovery source that cannot be read or understood."""


# Binaries whose project is not the part before the first dash.
_BINARY_PROJECTS = {'placement-api': 'placement'}
# Role of a host running a binary; control for everything not listed.
_ROLE_OF_BINARY = {
    'nova-compute': 'compute', 'nova-compute-ironic': 'compute',
    'cinder-volume': 'storage', 'cinder-backup': 'storage',
    'neutron-l3-agent': 'network', 'neutron-dhcp-agent': 'network',
    'neutron-metadata-agent': 'network', 'neutron-bgp-dragent': 'network',
}
# Agents that run wherever instances or routers are, on computes and network nodes alike: they
# give a host no role of their own (a compute running the OVS agent is no network node); a host
# running nothing else is a network node (an OVN gateway chassis).
_HOST_AGENTS = frozenset((
    'neutron-openvswitch-agent', 'neutron-linuxbridge-agent', 'neutron-ovn-metadata-agent',
    'neutron-ovn-agent', 'neutron-sriov-nic-agent', 'ovn-controller',
    'openvswitch-vswitchd', 'openvswitch-db-server'))


def project_of(binary):
    """The project a service binary belongs to (nova-compute -> nova)."""
    return _BINARY_PROJECTS.get(binary, binary.split('-', 1)[0])


def role_of(binary):
    """The role a binary gives its host; None for an agent that runs on computes and network nodes alike."""
    if binary in _HOST_AGENTS:
        return None
    return _ROLE_OF_BINARY.get(binary, 'control')


def host_roles(binaries):
    """The roles of a host from the binaries it runs, when no deployment group says them."""
    roles = set(role_of(binary) for binary in binaries) - {None}
    return sorted(roles or (['network'] if binaries else []))


# openstack-ansible component groups -> binary.  Both spellings are real:
# these groups were always underscored; only the *_hosts groups changed.
OSA_GROUPS = {
    'keystone_all': 'keystone',
    'glance_api': 'glance-api', 'glance_all': 'glance-api',
    'placement_all': 'placement-api',
    'nova_api_os_compute': 'nova-api', 'nova_api_metadata': 'nova-api-metadata',
    'nova_conductor': 'nova-conductor', 'nova_scheduler': 'nova-scheduler',
    'nova_novncproxy': 'nova-novncproxy', 'nova_spice_console': 'nova-spicehtml5proxy',
    'nova_serialconsole_proxy': 'nova-serialproxy', 'nova_compute': 'nova-compute',
    'neutron_server': 'neutron-server', 'neutron_l3_agent': 'neutron-l3-agent',
    'neutron_dhcp_agent': 'neutron-dhcp-agent', 'neutron_metadata_agent': 'neutron-metadata-agent',
    'neutron_openvswitch_agent': 'neutron-openvswitch-agent',
    'neutron_linuxbridge_agent': 'neutron-linuxbridge-agent',
    'neutron_ovn_controller': 'ovn-controller', 'neutron_ovn_northd': 'ovn-northd',
    'cinder_api': 'cinder-api', 'cinder_scheduler': 'cinder-scheduler',
    'cinder_volume': 'cinder-volume', 'cinder_backup': 'cinder-backup',
    'heat_api': 'heat-api', 'heat_engine': 'heat-engine',
    'horizon_all': 'horizon', 'cloudkitty_all': 'cloudkitty-api',
}
# openstack-ansible host groups -> role; dashed before 2026.1, underscored after.
OSA_ROLE_GROUPS = {}
for _group, _role in (('shared-infra_hosts', 'control'), ('os-infra_hosts', 'control'),
                      ('identity_hosts', 'control'), ('compute_hosts', 'compute'),
                      ('network_hosts', 'network'), ('network-infra_hosts', 'network'),
                      ('network-agent_hosts', 'network'), ('storage_hosts', 'storage'),
                      ('storage-infra_hosts', 'control'), ('log_hosts', 'monitoring')):
    OSA_ROLE_GROUPS[_group] = _role
    OSA_ROLE_GROUPS[_group.replace('-', '_')] = _role

# Catalog service type -> project, and the binary that serves its API.
SERVICE_PROJECTS = {
    'identity': 'keystone', 'compute': 'nova', 'placement': 'placement', 'image': 'glance',
    'network': 'neutron', 'block-storage': 'cinder', 'volumev3': 'cinder', 'volume': 'cinder',
    'orchestration': 'heat', 'rating': 'cloudkitty', 'load-balancer': 'octavia',
    'key-manager': 'barbican', 'object-store': 'swift', 'dns': 'designate',
    'baremetal': 'ironic', 'shared-file-system': 'manila', 'sharev2': 'manila',
}
API_BINARIES = {'keystone': 'keystone', 'neutron': 'neutron-server', 'swift': 'swift-proxy-server',
                'placement': 'placement-api'}
