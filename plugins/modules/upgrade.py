#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade
short_description: Start, pause, continue, cancel or roll back the upgrade of a cluster
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(upgrade-cluster), C(upgrade-pause), C(upgrade-continue),
    C(upgrade-cancel) and C(upgrade-rollback) on a cluster recorded by
    M(osops.lifecycle.cluster_discover).
  - V(started) plans the upgrade of cluster O(cluster) to O(target_release)
    and records the plan in the state store; it returns the upgrade's id.
    The plan is ordered steps in phases - C(prepare) (the path is allowed
    from every component's release by OpenStack's SLURP rules, the target
    code is on every host, the readiness checks pass, nova's RPC pin),
    C(expand) (each service's additive database commands, once),
    C(control) (keystone, glance, cinder, placement, nova conductor,
    scheduler and api, neutron server; one host at a time), C(compute)
    (nova-compute hosts in batches of O(batch_size), never across two
    availability zones) and C(finalize) (nova's control services restarted
    to lift the pin, online data migrations, contract commands, the
    readiness checks again). See C(docs/upgrades.md).
  - Nothing runs on the hosts here. The C(upgrade) role runs the plan batch
    by batch with M(osops.lifecycle.upgrade_step).
  - V(running) continues a pending, paused or failed upgrade (a failed step
    is retried). V(paused) pauses a running upgrade; the play stops once its
    running batch is done. V(cancelled) cancels it; the batch that runs
    finishes first and the cluster stays as it is. V(rolled_back) starts
    the rollback - the code steps that ran are undone, last first; the
    expanded schema stays - refused once the C(finalize) phase started.
  - By O(id), or by O(cluster) - its active upgrade, else its latest.
    Asking the state an upgrade is already in changes nothing; an upgrade
    that cannot reach the asked state fails naming its status.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  state:
    description:
      - V(started) - plan and record a new upgrade (an active upgrade of the
        cluster to the same O(target_release) is returned unchanged).
      - V(running) - continue; V(paused) - pause; V(cancelled) - cancel
        (C(cancelling) while a batch still runs); V(rolled_back) - roll
        back (C(rolling_back) until the rollback has run).
    type: str
    choices: [started, running, paused, cancelled, rolled_back]
    default: started
  cluster:
    description:
      - Name of the cluster in the store. Required with O(state=started).
    type: str
  id:
    description:
      - Id of the upgrade, as V(started) returned it.
    type: str
  target_release:
    description:
      - The release to upgrade to (V(2026.1) or V(gazpacho)). Required with
        O(state=started).
    type: str
  batch_size:
    description:
      - Number of nova-compute hosts upgraded together in the compute phase
        (a batch never spans two availability zones). Only with
        O(state=started).
    type: int
    default: 1
  drain:
    description:
      - Move the instances off each compute host (a maintenance session)
        before its code changes, and enable it again after. Only with
        O(state=started).
    type: bool
    default: false
  services:
    description:
      - The services to upgrade, among keystone, glance, cinder, placement,
        nova and neutron. When omitted, every one of them the cluster runs.
        Only with O(state=started).
    type: list
    elements: str
  target_versions:
    description:
      - "Service to the version to install (V({nova: 33.0.2})); each must be a
        version of O(target_release). When omitted, the newest version of the
        release this collection knows. Only with O(state=started)."
    type: dict
  service_hosts:
    description:
      - Service to the hosts running it, for services the discovery found
        only in the catalog (without hosts); otherwise those run on the
        cluster's hosts with the C(control) role. Only with O(state=started).
    type: dict
  rpc_pin:
    description:
      - Nova's C([upgrade_levels] compute = auto) on every nova host during
        the upgrade - V(set) it, or V(require) it (the prepare phase fails
        when it is not there). Only with O(state=started).
    type: str
    choices: [set, require]
    default: set
  fail_on_warning:
    description:
      - Whether a readiness check's Warning stops the upgrade as a Failure
        does. Only with O(state=started).
    type: bool
    default: false
  started_by:
    description:
      - Who starts the upgrade, as recorded (an AWX role passes the job's
        user). Default C(user@host) of the process. Only with
        O(state=started).
    type: str
attributes:
  check_mode:
    support: full
    details: Returns the predicted plan (V(started)) or status and writes nothing.
  diff_mode:
    support: partial
    details: RV(diff) holds the status before and after for every state but V(started).
  platform:
    support: full
    platforms: posix
notes:
  - Run it on the controller (C(delegate_to=localhost), C(run_once=true)).
seealso:
  - module: osops.lifecycle.upgrade_info
  - module: osops.lifecycle.upgrade_step
'''

EXAMPLES = r'''
- name: Plan the upgrade of cluster prod to 2026.1, computes four at a time
  osops.lifecycle.upgrade:
    cluster: prod
    target_release: '2026.1'
    batch_size: 4
  delegate_to: localhost
  run_once: true
  register: upgrade

- name: Pause it (from another terminal or AWX job; the play stops after its running batch)
  osops.lifecycle.upgrade:
    cluster: prod
    state: paused
  delegate_to: localhost
  run_once: true

- name: Continue it
  osops.lifecycle.upgrade:
    id: "{{ upgrade.upgrade.id }}"
    state: running
  delegate_to: localhost
  run_once: true

- name: Roll it back (refused once its finalize phase started)
  osops.lifecycle.upgrade:
    cluster: prod
    state: rolled_back
    store: "{{ osops_store_url }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
msg:
  description: What happened, or would happen in check mode.
  returned: always
  type: str
  sample: 'Upgrade 4d0b… of cluster prod 2025.1 → 2026.1 planned: 54 steps in 26 batches.'
upgrade:
  description:
    - The upgrade after the change (in check mode, as it would be; its
      C(id) is null for a plan not recorded), as
      M(osops.lifecycle.upgrade_info) returns it in its
      RV(osops.lifecycle.upgrade_info#module:upgrade) - id, cluster, releases,
      status, options, who started it and when, the current phase, step and
      batch, hosts upgraded of all, versions per service, the failed step,
      elapsed and remaining seconds.
  returned: success
  type: dict
  sample: {id: 4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1, cluster: prod, from_release: '2025.1', to_release: '2026.1',
           status: pending, steps_total: 54, batches_total: 26, phase: prepare, hosts_upgraded: 0, hosts_total: 3}
batches:
  description:
    - The plan's batches in order, for a role whose plays follow them
      (C(serial)). C(status) is the steps' one status when they share it,
      else C(failed) or C(running) when one is, else C(partial).
  returned: with O(state=started) and O(state=running)
  type: list
  elements: dict
  sample: [{batch: 17, phase: compute, status: pending, steps: 3, services: [nova], hosts: [compute1]}]
plan:
  description:
    - The steps the upgrade would record, in order (C(phase), C(service),
      C(host), C(action), C(from_version), C(to_version), C(detail) with
      C(batch)).
  returned: in check mode with O(state=started), when the upgrade is not started yet
  type: list
  elements: dict
  sample: [{phase: control, service: nova, host: controller, action: switch, from_version: 31.3.1,
            to_version: 33.0.2, detail: {batch: 13, binary: nova-conductor}}]
rollback:
  description:
    - What the rollback undoes, in the order it runs - per step the
      C(position) it undoes, the C(action) that does it (null - only marked
      reverted), what it C(reverts), C(from_version) and C(to_version).
  returned: with O(state=rolled_back), when the rollback starts
  type: list
  elements: dict
  sample: [{position: 41, action: switch, reverts: switch, host: compute2, from_version: 33.0.2,
            to_version: 31.3.1, batch: 18}]
diff:
  description: The status before and after.
  returned: with every state but V(started)
  type: dict
  sample: {before: {status: running}, after: {status: paused}}
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, series
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import operations
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.planner import OPTION_DEFAULTS, plan_options


class UpgradeModule(OsopsModule):
    argument_spec = dict(
        state=dict(type='str', default='started', choices=['started', 'running', 'paused', 'cancelled', 'rolled_back']),
        cluster=dict(type='str'),
        id=dict(type='str'),
        target_release=dict(type='str'),
        batch_size=dict(type='int', default=1),
        drain=dict(type='bool', default=False),
        services=dict(type='list', elements='str'),
        target_versions=dict(type='dict'),
        service_hosts=dict(type='dict'),
        rpc_pin=dict(type='str', default='set', choices=['set', 'require']),
        fail_on_warning=dict(type='bool', default=False),
        started_by=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True,
                         mutually_exclusive=[('cluster', 'id')],
                         required_one_of=[('cluster', 'id')],
                         required_if=[('state', 'started', ('cluster', 'target_release'))])

    def validate(self):
        if self.params['state'] != 'started':
            return
        try:
            self.target = series(self.params['target_release']).id
        except ReleaseError as exc:
            raise OptionError('target_release', self.params['target_release'], 'an OpenStack release', exc.msg) from None
        self.options = plan_options(dict((key, self.params[key]) for key in OPTION_DEFAULTS))

    def run(self):
        state = self.params['state']
        with module_store(self, read_only=True) as store:  # a store that does not exist holds no cluster
            if state == 'started':
                result = operations.start(store, self.params['cluster'], self.target, self.options,
                                          self.params['started_by'] or self.actor(), self.check_mode)
            else:
                upgrade = operations.find(store, self.params['id'], self.params['cluster'])
                result = operations.change_status(store, upgrade, state, self.check_mode)
        for warning in result.pop('warnings'):
            self.ansible.warn(warning)
        self.exit_json(**result)


def main():
    UpgradeModule()()


if __name__ == '__main__':
    main()
