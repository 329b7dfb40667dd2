#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: cluster_component_info
short_description: Components of a stored cluster, their versions and releases
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(cluster-component-list) - one entry per service binary of
    cluster O(name) with its hosts, the version(s) and release(s) it runs,
    and whether it runs mixed versions (for example nova-compute on two
    releases, an unfinished upgrade).
  - With O(target_release), whether each component can upgrade to it and
    why - the SLURP rules of M(osops.lifecycle.check_upgrade_path); a
    component on mixed or unknown releases cannot.
  - Only reads. A SQLite store file that does not exist is not created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  name:
    description:
      - Name of the cluster.
    type: str
    required: true
  target_release:
    description:
      - A release to judge the upgrade to, by id or name (V(2026.1), V(gazpacho)).
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
- name: Can every component of prod go to 2026.1?
  osops.lifecycle.cluster_component_info:
    name: prod
    target_release: '2026.1'
  delegate_to: localhost
  run_once: true
  register: prod_components

- name: Stop when a component cannot
  ansible.builtin.assert:
    that: prod_components.components | rejectattr('can_upgrade') | list | length == 0
    fail_msg: "{{ prod_components.components | rejectattr('can_upgrade') | map(attribute='reason') | list }}"
'''

RETURN = r'''
components:
  description: One entry per service and binary, in order; empty when the cluster is not in the store.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The project.
      type: str
      sample: nova
    binary:
      description: The service binary.
      type: str
      sample: nova-compute
    hosts:
      description: Hosts it runs on (empty for a cluster-wide API).
      type: list
      elements: str
      sample: [compute1, compute2]
    versions:
      description: Distinct known versions.
      type: list
      elements: str
      sample: [31.3.1, 32.2.1]
    releases:
      description: Distinct known releases.
      type: list
      elements: str
      sample: ['2025.1', '2025.2']
    mixed:
      description: Whether it runs more than one version or release.
      type: bool
      sample: true
    unknown_release_hosts:
      description: Hosts where its release is unknown (C((cluster)) for a cluster-wide API).
      type: list
      elements: str
      sample: []
    release_reasons:
      description: Why a release is unknown, as recorded by the discovery.
      type: list
      elements: str
      sample: []
    can_upgrade:
      description: Whether it can upgrade to O(target_release).
      returned: when O(target_release) is given
      type: bool
      sample: false
    reason:
      description: Why it can or cannot.
      returned: when O(target_release) is given
      type: str
      sample: 'nova-compute runs mixed releases (2025.1 on compute1; 2025.2 on compute2): finish the previous upgrade first.'
target_release:
  description: O(target_release) as a release id, or null.
  returned: always
  type: str
  sample: '2026.1'
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.summary import component_summary
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, series
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster


class ClusterComponentInfoModule(OsopsModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        target_release=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True)

    def validate(self):
        self.target = None
        if self.params['target_release'] is not None:
            try:
                self.target = series(self.params['target_release']).id
            except ReleaseError as exc:
                raise OptionError('target_release', self.params['target_release'],
                                  'an OpenStack release', exc.msg) from None

    def run(self):
        with module_store(self, read_only=True) as store:
            cluster = None if store is None else get_cluster(store, self.params['name'])
        components = [] if cluster is None else component_summary(cluster['components'], self.target)
        self.exit_json(components=components, target_release=self.target)


def main():
    ClusterComponentInfoModule()()


if __name__ == '__main__':
    main()
