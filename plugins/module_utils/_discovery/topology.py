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
    'neutron-metadata-agent': 'network', 'neutron-openvswitch-agent': 'network',
    'neutron-linuxbridge-agent': 'network', 'neutron-ovn-metadata-agent': 'network',
    'ovn-controller': 'network', 'neutron-sriov-nic-agent': 'network',
}


def project_of(binary):
    """The project a service binary belongs to (nova-compute -> nova)."""
    return _BINARY_PROJECTS.get(binary, binary.split('-', 1)[0])


def role_of(binary):
    return _ROLE_OF_BINARY.get(binary, 'control')


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

# kolla-ansible service groups are the binaries themselves.
KOLLA_GROUPS = dict((binary, binary) for binary in (
    'keystone', 'glance-api', 'placement-api',
    'nova-api', 'nova-conductor', 'nova-super-conductor', 'nova-scheduler',
    'nova-novncproxy', 'nova-spicehtml5proxy', 'nova-serialproxy', 'nova-compute',
    'nova-compute-ironic', 'neutron-server', 'neutron-dhcp-agent', 'neutron-l3-agent',
    'neutron-metadata-agent', 'neutron-ovn-metadata-agent', 'neutron-openvswitch-agent',
    'cinder-api', 'cinder-scheduler', 'cinder-volume', 'cinder-backup',
    'heat-api', 'heat-engine', 'horizon', 'cloudkitty-api'))
KOLLA_ROLE_GROUPS = dict((role, role) for role in ('control', 'compute', 'network', 'storage', 'monitoring'))

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
