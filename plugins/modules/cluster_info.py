#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: cluster_info
short_description: Status of the clusters in the state store
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(cluster-status) - for every stored cluster (or the one named
    O(name)) its region(s), the release of each component and of the whole
    cluster, its state with the reason, and whether an upgrade is in progress.
  - C(state) is the stored one when a workflow set it (C(maintenance),
    C(error)); otherwise C(error) when the last discovery failed or a
    discovered service was down, C(maintenance) while a maintenance session
    is open, else C(active).
  - Only reads. A SQLite store file that does not exist is not created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  name:
    description:
      - Name of one cluster. When omitted, every cluster.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
'''

EXAMPLES = r'''
- name: Status of every discovered cluster
  osops.lifecycle.cluster_info:
  delegate_to: localhost
  run_once: true
  register: clusters

- name: One cluster, from a shared store
  osops.lifecycle.cluster_info:
    name: prod
    store: "{{ osops_store_url }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
clusters:
  description: One entry per cluster, by name; empty when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the cluster.
      type: str
      sample: prod
    regions:
      description: Region(s) the discovery found; empty when the method does not tell.
      type: list
      elements: str
      sample: [RegionOne]
    method:
      description: The discovery method that recorded it.
      type: str
      sample: openstack_api
    state:
      description: C(active), C(maintenance) or C(error).
      type: str
      sample: active
    state_reason:
      description: Why the cluster is not active, or null.
      type: str
      sample: 'down: nova-compute on compute2'
    release:
      description: The release the cluster runs, or null when it is mixed or unknown.
      type: str
      sample: '2025.1'
    release_reason:
      description: How RV(clusters[].release) was found, or why it is null.
      type: str
      sample: every component runs 2025.1
    component_releases:
      description: C(service/binary) to the releases it runs (C(unknown) when not known).
      type: dict
      sample: {nova/nova-compute: ['2025.1', '2025.2']}
    hosts:
      description: Number of hosts.
      type: int
      sample: 3
    upgrade_in_progress:
      description: Whether the cluster has an active upgrade.
      type: bool
      sample: false
    upgrade:
      description: The active upgrade (C(id), C(from_release), C(to_release), C(status)), or null.
      type: dict
      sample: null
    discovered_at:
      description: When the record last changed (ISO 8601, UTC).
      type: str
      sample: '2026-11-22T05:40:00+00:00'
    last_discovery:
      description: The last recorded discovery run (C(started_at), C(status), C(api_calls), C(error)), or null.
      type: dict
      sample: {started_at: '2026-11-22T05:40:00+00:00', status: ok, api_calls: 12, error: null}
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.summary import cluster_status
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import list_clusters


class ClusterInfoModule(OsopsModule):
    argument_spec = dict(
        name=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        clusters = []
        with module_store(self, read_only=True) as store:
            names = [] if store is None else [c['name'] for c in list_clusters(store)]
            for name in names:
                if self.params['name'] not in (None, name):
                    continue
                clusters.append(cluster_status(store, name))
        self.exit_json(clusters=clusters)


def main():
    ClusterInfoModule()()


if __name__ == '__main__':
    main()
