# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: cluster
short_description: Hosts of a discovered cluster, grouped by service and role
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads cluster O(cluster) from the state store (recorded by
    M(osops.lifecycle.cluster_discover)) and yields its hosts, so plays can
    target what discovery found.
  - Groups - one per service binary with dashes as underscores (C(nova_compute),
    C(nova_conductor), C(keystone)), one per project (C(service_nova)), one per
    role (C(role_compute), C(role_control), C(role_network), C(role_storage),
    C(role_monitoring)), all children of a group named after the cluster
    (C(cluster_<name>), dashes as underscores).
  - Host variables - C(ansible_host) (the discovered address, when known),
    C(osops_cluster), C(osops_roles), and C(osops_components) (service, binary,
    version, release, state of each component on the host).
  - The configuration file name must end with C(.osops_cluster.yml) or
    C(.osops_cluster.yaml).
extends_documentation_fragment:
  - osops.lifecycle.store
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [osops.lifecycle.cluster]
  cluster:
    description: Name of the cluster in the store.
    type: str
    required: true
'''

EXAMPLES = r'''
# prod.osops_cluster.yml - then: ansible-inventory -i prod.osops_cluster.yml --graph
plugin: osops.lifecycle.cluster
cluster: prod
store: sqlite:////var/lib/osops/store.db
'''

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import open_store


def group_name(text):
    """An inventory group name for ``text`` (dashes and dots as underscores)."""
    return ''.join(c if c.isalnum() or c == '_' else '_' for c in text)


def cluster_inventory(cluster):
    """``(groups: {group: [hosts]}, hostvars: {host: vars})`` of a stored cluster (pure)."""
    groups, hostvars = {}, {}
    for host in cluster['hosts']:
        variables = {'osops_cluster': cluster['name'], 'osops_roles': host['roles'], 'osops_components': []}
        if host['address']:
            variables['ansible_host'] = host['address']
        hostvars[host['name']] = variables
        for role in host['roles']:
            groups.setdefault('role_' + group_name(role), []).append(host['name'])
    for component in cluster['components']:
        if component['host'] not in hostvars:  # a cluster-wide API, or a host not recorded
            continue
        hostvars[component['host']]['osops_components'].append(dict(
            (key, component[key]) for key in ('service', 'binary', 'version', 'release', 'state')))
        for group in (group_name(component['binary']), 'service_' + group_name(component['service'])):
            members = groups.setdefault(group, [])
            if component['host'] not in members:
                members.append(component['host'])
    return groups, hostvars


class InventoryModule(BaseInventoryPlugin):
    NAME = 'osops.lifecycle.cluster'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('.osops_cluster.yml', '.osops_cluster.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        name = self.get_option('cluster')
        try:
            store = open_store(self.get_option('store'))
            try:
                cluster = get_cluster(store, name)
            finally:
                store.close()
        except OsopsError as exc:
            raise AnsibleParserError('%s: %s' % (path, exc.msg)) from None
        if cluster is None:
            raise AnsibleParserError('%s: no cluster named %r in the store %s; discover it first '
                                     '(osops.lifecycle.cluster_discover).' % (path, name, store.url))
        top = self.inventory.add_group('cluster_' + group_name(name))
        groups, hostvars = cluster_inventory(cluster)
        for host, variables in hostvars.items():
            self.inventory.add_host(host, group=top)
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
        for group, hosts in sorted(groups.items()):
            self.inventory.add_group(group)
            self.inventory.add_child(top, group)
            for host in hosts:
                self.inventory.add_host(host, group=group)
