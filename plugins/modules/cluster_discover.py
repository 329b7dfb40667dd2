#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: cluster_discover
short_description: Discover an OpenStack cluster and record it in the state store
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(discover-cluster METHOD NAME ARGS) - reads what the cluster is
    made of (hosts, their roles, each service binary on each host, its version
    and release) with one discovery O(method), and records it as cluster
    O(name) in the state store.
  - Discovering the same O(name) again updates the record (hosts and
    components no longer found are removed) and returns what changed in
    RV(diff). Discovering an unchanged cluster changes nothing.
  - A release is inferred only from facts - a project version, the series the
    deployment names, or an API maximum microversion measured for exactly one
    release; otherwise it is null and C(extra.release_reason) says why. Give
    versions from host facts with C(params.versions) / C(params.host_versions);
    M(osops.lifecycle.service_version_info) reads a host's entry from its
    running processes (the C(discover) role's C(osops_discover_host_versions)).
  - Nothing is written when discovery fails - an unreadable source, an
    unreachable API or a store that cannot be opened end the task with a clear
    message. A failed rediscovery of a known cluster is recorded as a failed
    discovery run. A SQLite store file that does not exist yet is created
    only by a discovery that succeeds - a failed first discovery leaves no
    file behind.
  - See M(osops.lifecycle.discovery_method_info) for every method's parameters.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
  - osops.lifecycle.store
options:
  method:
    description:
      - How to discover the cluster.
      - V(openstack_api) - the OpenStack APIs through openstacksdk (catalog, compute
        services, hypervisors, placement resource providers, network agents and
        volume services when present, API version documents), with the
        authentication options (O(cloud), O(auth), ...). Every listing is one
        paginated request, never one per host. Hypervisors are listed as
        C(params.hypervisors) says (by default only up to 500 computes).
      - V(openstack_ansible) - openstack-ansible's C(openstack_inventory.json).
      - V(kolla_ansible) - kolla-ansible's inventory (C(multinode),
        C(all-in-one)); roles from its top-level groups, services where
        kolla's roles place them, as its settings (C(params.globals)) decide.
      - V(ansible_inventory) - any Ansible inventory with a group to service map.
    type: str
    required: true
    choices: [openstack_api, openstack_ansible, kolla_ansible, ansible_inventory]
  name:
    description:
      - Name of the cluster in the store.
    type: str
    required: true
  params:
    description:
      - Parameters of O(method); each method accepts only its own and names a
        missing or malformed one. Secrets (keys named like password or token)
        are never stored.
      - C(inventory) (V(openstack_ansible), V(kolla_ansible), V(ansible_inventory))
        - path of the inventory; for V(ansible_inventory) also the inventory
        as a dict in the JSON format of C(ansible-inventory --list).
      - "C(groups) (V(ansible_inventory), required) - group name to the service
        binaries its hosts run, a string or a list (V({computes: nova-compute}))."
      - C(fact_cache) (V(openstack_ansible)) - directory of Ansible's jsonfile
        fact cache (openstack-ansible keeps it in C(/etc/openstack_deploy/ansible_facts));
        the hosts' C(ansible_local.openstack_ansible.<project>.venv_tag) facts there
        (from C(/etc/ansible/facts.d/openstack_ansible.fact)) give the release.
      - C(openstack_release) (V(kolla_ansible)) - kolla-ansible's
        C(openstack_release), a series such as V(2025.1); also read from
        C(globals) and the inventory's variables.
      - C(globals) (V(kolla_ansible)) - kolla-ansible's C(globals.yml) as a
        dict; its settings that decide which services run
        (C(neutron_plugin_agent), C(nova_console), C(enable_cinder), ...) win
        over the inventory's variables, kolla's defaults apply otherwise.
      - "C(versions) (every method) - project to the version it runs, such as
        V({nova: 31.3.1})."
      - "C(host_versions) (every method) - host to C({project: version}), from
        host facts; wins over C(versions) on that host."
      - C(hypervisors) (V(openstack_api)) - V(auto) (default), V(always) or
        V(never) - whether to list the hypervisors (C(GET /os-hypervisors/detail)),
        the only source of the hosts' addresses and of the computes'
        hypervisor type and version. nova-api looks each hypervisor up one by
        one, so at thousands of computes that listing is most of the
        discovery; V(auto) lists them up to 500 nova-compute services (counted
        in the compute service listing) and skips them above, saying so in
        RV(notes) and a warning.
    type: dict
    default: {}
  return_inventory:
    description:
      - Return the cluster's hosts and components (RV(cluster.hosts),
        RV(cluster.components)) and the lists of added, removed and changed
        ones (RV(diff.hosts), RV(diff.components)).
      - V(false) returns only their numbers, in RV(counts). At thousands of
        hosts those lists are megabytes that Ansible masks, serialises and
        parses for seconds (and AWX keeps as a job event); the record, its
        diff included, is stored the same, and M(osops.lifecycle.cluster_info),
        M(osops.lifecycle.cluster_component_info) and the C(osops.lifecycle.cluster)
        inventory plugin read it back. The C(discover) role passes V(false).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Reads the source and predicts the record and RV(diff) without writing.
  diff_mode:
    support: none
    details: RV(diff) is always returned, in the structure described below.
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
'''

EXAMPLES = r'''
- name: Discover an openstack-ansible cloud from its inventory
  osops.lifecycle.cluster_discover:
    method: openstack_ansible
    name: prod
    params:
      inventory: /etc/openstack_deploy/openstack_inventory.json
  delegate_to: localhost
  run_once: true

- name: Discover through the APIs, nova's version from the packages on the hosts
  osops.lifecycle.cluster_discover:
    method: openstack_api
    name: prod
    cloud: prod-admin
    params:
      versions:
        nova: 31.3.1
  delegate_to: localhost
  run_once: true

- name: Any inventory, with a map of groups to services, into a shared store
  osops.lifecycle.cluster_discover:
    method: ansible_inventory
    name: lab
    store: postgresql+psycopg://osops:{{ osops_db_password }}@db.example.org/osops
    params:
      inventory: inventories/lab.ini
      groups:
        controllers: [keystone, nova-api, nova-conductor, nova-scheduler, placement-api]
        computes: nova-compute
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
cluster:
  description: The cluster as recorded (in check mode, as it would be recorded).
  returned: success
  type: dict
  contains:
    name:
      description: Name of the cluster.
      type: str
      sample: prod
    region:
      description: Region(s) of the catalog, comma-separated; null when the method does not tell.
      type: str
      sample: RegionOne
    method:
      description: The discovery method.
      type: str
      sample: openstack_ansible
    params:
      description: The method's parameters, without secrets.
      type: dict
      sample: {inventory: /etc/openstack_deploy/openstack_inventory.json}
    state:
      description: C(active), C(maintenance) or C(error).
      type: str
      sample: active
    hosts:
      description: Hosts, by name.
      returned: when O(return_inventory) is true
      type: list
      elements: dict
      sample: [{name: compute1, address: 127.29.236.21, roles: [compute]}]
    components:
      description:
        - One per service binary and host (host empty for a cluster-wide API).
          C(extra.release_reason) says how the release was found or why it is unknown.
      returned: when O(return_inventory) is true
      type: list
      elements: dict
      sample: [{service: nova, binary: nova-compute, host: compute1, version: 31.3.1,
                release: '2025.1', state: null,
                extra: {release_reason: nova 31.3.1 shipped in 2025.1}}]
diff:
  description: What the discovery changed (or would change) in the store.
  returned: success
  type: dict
  contains:
    created:
      description: Whether the cluster is new.
      type: bool
      sample: false
    cluster:
      description: Changed cluster fields, each with C(before) and C(after).
      type: dict
      sample: {region: {before: null, after: RegionOne}}
    hosts:
      description: C(added), C(removed) and C(changed) hosts.
      returned: when O(return_inventory) is true
      type: dict
      sample: {added: [], removed: [], changed: []}
    components:
      description: C(added), C(removed) and C(changed) components (a change has C(before) and C(after)).
      returned: when O(return_inventory) is true
      type: dict
      sample: {added: [], removed: [], changed: [{service: nova, binary: nova-compute, host: compute1,
               before: {version: 31.3.1}, after: {version: 32.2.1}}]}
status:
  description:
    - The cluster's status read back from the store after the discovery, as
      M(osops.lifecycle.cluster_info) returns it (one element of its
      RV(osops.lifecycle.cluster_info#module:clusters)); in check mode the
      status of the record as it is stored, null when it is not stored yet.
  returned: success
  type: dict
  sample: {name: prod, regions: [RegionOne], method: openstack_api, state: active, state_reason: null,
           release: '2025.1', release_reason: every component runs 2025.1,
           component_releases: {nova/nova-compute: ['2025.1']}, hosts: 3, upgrade_in_progress: false,
           upgrade: null, discovered_at: '2026-11-22T10:57:31+00:00',
           last_discovery: {started_at: '2026-11-22T10:57:25+00:00', status: ok, api_calls: 13, error: null}}
counts:
  description: How many hosts and components the cluster has (C(total)) and were added, removed or changed.
  returned: success
  type: dict
  contains:
    hosts:
      description: C(total), C(added), C(removed), C(changed).
      type: dict
      sample: {total: 5003, added: 5003, removed: 0, changed: 0}
    components:
      description: C(total), C(added), C(removed), C(changed).
      type: dict
      sample: {total: 5009, added: 5009, removed: 0, changed: 0}
api_calls:
  description: HTTP requests made to the cloud (authentication included); null for the inventory methods.
  returned: success
  type: int
  sample: 12
notes:
  description:
    - What the discovery did not read, and why; empty when it read everything.
    - V(openstack_api) - when hypervisors are not listed (C(params.hypervisors)),
      the hosts have no address and the nova-compute components no hypervisor
      type or version. Skipped by V(auto) above 500 nova-compute services, the
      note is also returned as a warning; with V(never), only here.
  returned: success
  type: list
  elements: str
  sample: ['5,002 nova-compute services > 500: hypervisor details (type, version, host address) not read;
            nova-api looks each hypervisor up one by one; pass params.hypervisors: always to read them.']
'''

import datetime
import os
import sys

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import OpenStackModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.api import counting_requests, discover_openstack_api, in_background
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.inventory import (
    discover_ansible_inventory,
    discover_kolla_ansible,
    discover_openstack_ansible,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.methods import METHODS, validate_params
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.summary import cluster_status
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


class ClusterDiscoverModule(OpenStackModule):
    argument_spec = dict(
        method=dict(type='str', required=True, choices=sorted(METHODS)),
        name=dict(type='str', required=True),
        params=dict(type='dict', default={}),
        return_inventory=dict(type='bool', default=True),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True)

    def validate(self):
        super().validate()
        self.method_params = validate_params(self.params['method'], self.params['params'])

    def discover_api(self):
        with counting_requests(self.conn.session) as counter:
            # As the connection resolved them (from the options, clouds.yaml or OS_*).
            found = discover_openstack_api(self.conn, self.method_params, self.conn.config.get_interface(),
                                           self.conn.config.region_name or None)
        return dict(found, api_calls=counter['calls'])

    def discover_inventory(self):
        method, params = self.params['method'], self.method_params
        if method == 'openstack_ansible':
            return dict(discover_openstack_ansible(params), api_calls=None, notes=[], warnings=[])
        tool = self.ansible.get_bin_path('ansible-inventory', required=True,
                                         opt_dirs=[os.path.dirname(sys.executable)])
        discover = discover_kolla_ansible if method == 'kolla_ansible' else discover_ansible_inventory
        return dict(discover(params, self.ansible.run_command, tool), api_calls=None, notes=[], warnings=[])

    def run(self):
        name, method, inventory = self.params['name'], self.params['method'], self.params['return_inventory']
        started = datetime.datetime.now(datetime.timezone.utc)
        # The APIs are read while the store is opened (importing SQLAlchemy and alembic takes most
        # of a second); nothing is written before both are done.
        api = in_background(self.discover_api) if method == 'openstack_api' else None
        # pylint: disable=import-outside-toplevel
        from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
        from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster, record_discovery_run, upsert_cluster
        from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import without_secrets
        from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import sqlite_path, store_url
        discover = api.result if api else self.discover_inventory
        found = None
        path = sqlite_path(store_url(self.params.get('store')))
        if not self.check_mode and path is not None and not os.path.exists(path):
            # No store file yet: it is created only by a discovery that succeeds (a failed first
            # discovery leaves nothing behind), so this one is read before the store opens.
            found = discover()
        with module_store(self, predict=self.check_mode) as store:
            if found is None:
                try:
                    found = discover()
                except OsopsError as exc:
                    if not self.check_mode:
                        record_discovery_run(store, name, method, started, 'failed', error=exc.msg)
                    raise
            for warning in found.pop('warnings'):
                self.ansible.warn(warning)
            diff = upsert_cluster(store, name, method, params=self.method_params, region=found['region'],
                                  hosts=found['hosts'], components=found['components'],
                                  check_mode=self.check_mode)
            if diff['changed'] and not self.check_mode:
                record_discovery_run(store, name, method, started, 'ok', diff=diff,
                                     api_calls=found['api_calls'])
            # Read back from the store, as cluster_info reads it (in check mode: the record as it is).
            cluster = get_cluster(store, name)
            status = cluster_status(store, name, cluster)
        if cluster is not None and not inventory:
            cluster = dict((k, v) for k, v in cluster.items() if k not in ('hosts', 'components'))
        if self.check_mode:
            cluster = dict(cluster or {'name': name, 'state': 'active', 'state_reason': None},
                           region=found['region'], method=method, params=without_secrets(self.method_params))
            if inventory:
                cluster.update(hosts=found['hosts'], components=found['components'])
        changed = diff.pop('changed')
        counts = dict((kind, dict([('total', len(found[kind]))]
                                  + [(what, len(entries)) for what, entries in sorted(diff[kind].items())]))
                      for kind in ('hosts', 'components'))
        if not inventory:
            del diff['hosts'], diff['components']
        self.exit_json(changed=changed, cluster=cluster, diff=diff, counts=counts, status=status,
                       api_calls=found['api_calls'], notes=found['notes'])


def main():
    ClusterDiscoverModule()()


if __name__ == '__main__':
    main()
