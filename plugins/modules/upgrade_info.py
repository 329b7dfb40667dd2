#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade_info
short_description: Status of an upgrade, or the list of upgrades, from the state store
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(upgrade-status) and C(list-upgrades).
  - With O(id), or O(cluster) (its active upgrade, else its latest), the
    status of that upgrade in RV(upgrade) - its phase, step and batch, how
    many hosts are upgraded of all, per service how many hosts run each
    version, the failed step with its reason, the time since it started and
    an estimate of the time left.
  - RV(upgrades) lists the upgrades - of O(cluster), of the one O(id), or
    of every cluster when neither is given - oldest first.
  - Only reads. A SQLite store file that does not exist is not created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  id:
    description:
      - Id of one upgrade.
    type: str
  cluster:
    description:
      - Name of a cluster.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.upgrade
'''

EXAMPLES = r'''
- name: Every upgrade of every cluster (list-upgrades)
  osops.lifecycle.upgrade_info:
  delegate_to: localhost
  run_once: true
  register: upgrades

- name: Where the upgrade of cluster prod stands
  osops.lifecycle.upgrade_info:
    cluster: prod
  delegate_to: localhost
  run_once: true
  register: status

- name: Say it
  ansible.builtin.debug:
    msg: >-
      {{ status.upgrade.status }} in {{ status.upgrade.phase }}:
      {{ status.upgrade.hosts_upgraded }}/{{ status.upgrade.hosts_total }} hosts upgraded,
      about {{ status.upgrade.remaining | default('?', true) }} s left
  when: status.upgrade is not none
'''

RETURN = r'''
upgrade:
  description: The upgrade asked for with O(id) or O(cluster); null when there is none, or neither was given.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the upgrade.
      type: str
      sample: 4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1
    cluster:
      description: Name of the cluster.
      type: str
      sample: prod
    from_release:
      description: The oldest release the upgrade started from.
      type: str
      sample: '2025.1'
    to_release:
      description: The target release.
      type: str
      sample: '2026.1'
    status:
      description:
        - C(pending), C(running), C(paused), C(cancelling), C(cancelled),
          C(failed), C(rolling_back), C(rolled_back) or C(completed).
      type: str
      sample: running
    error:
      description: Why it failed (the failed step and its reason), or null.
      type: str
      sample: null
    options:
      description: The options it was planned with (batch_size, drain, services, ...).
      type: dict
      sample: {batch_size: 1, drain: false, rpc_pin: set}
    started_by:
      description: Who started it.
      type: str
      sample: ops@bastion
    created_at:
      description: When it was planned (ISO 8601, UTC).
      type: str
      sample: '2026-12-04T08:00:00+00:00'
    started_at:
      description: When its first batch was claimed, or null.
      type: str
      sample: '2026-12-04T08:00:02+00:00'
    finished_at:
      description: When it ended (completed, cancelled, rolled back), or null.
      type: str
      sample: null
    updated_at:
      description: When it last changed.
      type: str
      sample: '2026-12-04T08:10:00+00:00'
    steps_total:
      description: Number of steps.
      type: int
      sample: 54
    step_counts:
      description: Number of steps in each status.
      type: dict
      sample: {done: 40, running: 3, pending: 11}
    batches_total:
      description: Number of batches.
      type: int
      sample: 26
    phase:
      description: Phase of the current step, or null once it is over.
      type: str
      sample: compute
    step:
      description:
        - The current step - the first not done; rolling back, the last still
          to revert - with C(position), C(phase), C(service), C(host),
          C(action), C(status), C(from_version), C(to_version), C(error),
          C(batch) and a C(label); or null.
      type: dict
      sample: {position: 41, phase: compute, service: nova, host: compute2, action: switch, status: running,
               batch: 18, label: 'compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2'}
    batch:
      description: Batch of the current step, or null.
      type: int
      sample: 18
    hosts_upgraded:
      description: Hosts whose code steps are all done.
      type: int
      sample: 2
    hosts_total:
      description: Hosts with code steps (control and compute phases).
      type: int
      sample: 3
    services:
      description:
        - Per service, the number of hosts at each version - a host counts at
          the target version once all that service's code steps on it are done.
      type: dict
      sample: {nova: {31.3.1: 1, 33.0.2: 2}, keystone: {29.1.0: 1}}
    failed_step:
      description: The first failed step (as RV(upgrade.step)), with its C(error); or null.
      type: dict
      sample: null
    elapsed:
      description: Seconds since it started (to its end once finished); null before it starts.
      type: int
      sample: 512
    remaining:
      description:
        - Estimated seconds left - the mean time a done batch of each phase
          took (of any phase for a phase with none done yet), times the
          batches left; null until a batch is done, and once it is over.
      type: int
      sample: 90
upgrades:
  description:
    - The upgrades, oldest first, each with C(id), C(cluster),
      C(from_release), C(to_release), C(status), C(error), C(options),
      C(started_by), C(created_at), C(started_at), C(finished_at),
      C(updated_at), C(steps_total) and C(step_counts); empty when there are none.
  returned: always
  type: list
  elements: dict
  sample: [{id: 4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1, cluster: prod, from_release: '2025.1', to_release: '2026.1',
            status: completed, steps_total: 54, step_counts: {done: 54}}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.upgrades import find_upgrade, get_upgrade, list_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.progress import SUMMARY_FIELDS, describe


def _summary(upgrade):
    return dict((key, upgrade[key]) for key in SUMMARY_FIELDS + ('steps_total', 'step_counts'))


class UpgradeInfoModule(OsopsModule):
    argument_spec = dict(
        id=dict(type='str'),
        cluster=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[('id', 'cluster')])

    def run(self):
        upgrade_id, cluster = self.params['id'], self.params['cluster']
        upgrade, upgrades = None, []
        with module_store(self, read_only=True) as store:
            if store is not None and cluster is not None:
                found = find_upgrade(store, cluster)
                upgrade_id = found['id'] if found else None
            if store is not None and upgrade_id is not None:
                try:
                    upgrade = describe(get_upgrade(store, upgrade_id))
                except StoreError:  # no such upgrade: nothing matches
                    upgrade = None
            if self.params['id'] is not None:
                upgrades = [] if upgrade is None else [_summary(upgrade)]
            elif store is not None:
                upgrades = [_summary(u) for u in list_upgrades(store, cluster)]
        self.exit_json(upgrade=upgrade, upgrades=upgrades)


def main():
    UpgradeInfoModule()()


if __name__ == '__main__':
    main()
