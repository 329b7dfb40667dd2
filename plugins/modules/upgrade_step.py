#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade_step
short_description: Claim and finish the steps of an upgrade, one batch at a time
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - The bookkeeping of an upgrade planned by M(osops.lifecycle.upgrade) -
    the C(upgrade) role calls it once per batch to claim the batch's steps
    and once to finish them, from the controller (C(run_once),
    C(delegate_to=localhost)); the batch's hosts run the steps in between.
    Each call is one transaction, however many hosts the batch has.
  - V(claimed) hands out the next batch (or O(batch)) - its steps not done
    yet become C(running) and are returned, with the hosts in plan order
    and each host's steps in RV(by_host). Done steps are skipped; a step
    found C(running) (the controller died inside it) is handed out again, to
    be redone. A pending upgrade starts running.
  - It claims nothing when the upgrade is paused, failed, cancelled,
    completed or rolling back - RV(stop) is true and RV(msg) says why and
    how to go on, so the play can end cleanly. A cancelling upgrade hands
    out only the batch that was running (cut short), then becomes cancelled.
  - With O(rollback=true), on an upgrade rolling back, the last batch whose
    code steps ran is handed out in the order to undo it (see
    M(osops.lifecycle.upgrade) O(osops.lifecycle.upgrade#module:state=rolled_back)).
  - V(finished) records the outcomes of batch O(batch) - O(results), one
    per step. A step the batch ran without an outcome failed (its host did
    not answer). A failed step fails the upgrade with the step, its host
    and the reason; continuing it retries the step. When no step is left,
    the upgrade is completed (rolled back). With O(claim_next) it then
    claims the next batch, returned as RV(next), saving the play a run.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  state:
    description:
      - V(claimed) - claim the next batch; V(finished) - record the outcomes of O(batch).
    type: str
    required: true
    choices: [claimed, finished]
  id:
    description:
      - Id of the upgrade.
    type: str
  cluster:
    description:
      - Name of the cluster, for its active upgrade (else its latest).
    type: str
  batch:
    description:
      - The batch. Required with O(state=finished).
      - With O(state=claimed), the batch the play expects - one already done
        returns no steps (the play goes on), one after the next batch fails.
    type: int
  rollback:
    description:
      - Claim the steps to undo, on an upgrade rolling back.
    type: bool
    default: false
  results:
    description:
      - With O(state=finished), the outcome of each step of the batch.
    type: list
    elements: dict
    default: []
    suboptions:
      position:
        description: The step's C(position).
        type: int
        required: true
      status:
        description:
          - V(done), V(failed), or V(reverted) for a step undone by a rollback
            (V(failed) there leaves the step to be undone again).
        type: str
        required: true
        choices: [done, failed, reverted]
      error:
        description: Why it failed.
        type: str
      detail:
        description: What the step found or did; merged into its detail.
        type: dict
  claimed_by:
    description:
      - Who claims, as recorded on the steps (an AWX role passes the job).
        Default C(user@host) of the process.
    type: str
  claim_next:
    description:
      - With O(state=finished), claim the next batch in the same run once
        the outcomes are recorded - exactly what a separate V(claimed) call
        would do (pause, cancel or failure included) - and return it as
        RV(next). One run per batch instead of two.
    type: bool
    default: false
  next_batch:
    description:
      - With O(claim_next), the batch the play expects next, as O(batch)
        for V(claimed). Rolling back (O(rollback)), leave it out.
    type: int
attributes:
  check_mode:
    support: full
    details: Returns what would be claimed or recorded and writes nothing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.upgrade
  - module: osops.lifecycle.upgrade_info
'''

EXAMPLES = r'''
# One play per batch of the plan (osops.lifecycle.upgrade returns the batches); its hosts are the
# batch's hosts, so serial follows the plan.
- name: Claim the batch
  osops.lifecycle.upgrade_step:
    cluster: prod
    state: claimed
    batch: "{{ osops_upgrade_batch }}"
  delegate_to: localhost
  run_once: true
  register: claim

- name: Stop cleanly when the upgrade is paused, cancelled or failed
  ansible.builtin.meta: end_play
  when: claim.stop

- name: Run this host's steps (the driver)
  ansible.builtin.include_tasks: steps.yml
  loop: "{{ claim.by_host[inventory_hostname] | default([]) }}"
  loop_control:
    loop_var: osops_upgrade_step

- name: Finish the batch with every host's outcomes
  osops.lifecycle.upgrade_step:
    cluster: prod
    state: finished
    batch: "{{ claim.batch }}"
    results: "{{ ansible_play_hosts_all | map('extract', hostvars, '_osops_upgrade_results')
                 | select('defined') | flatten }}"
  delegate_to: localhost
  run_once: true
  when: claim.batch is not none
'''

RETURN = r'''
msg:
  description: What was claimed or recorded, or why nothing was claimed and how to go on.
  returned: always
  type: str
  sample: 'Claimed batch 17 of upgrade 4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1: 3 steps.'
stop:
  description:
    - Whether the play should stop - nothing to claim (paused, failed,
      cancelled, completed, rolled back), or once finished, the upgrade no
      longer runs (rolls back, with O(rollback)).
  returned: success
  type: bool
  sample: false
upgrade:
  description:
    - The upgrade after the call - C(id), C(cluster), C(from_release),
      C(to_release), C(status), C(error), C(options), C(started_by),
      C(started_at), C(finished_at), C(current_batch), C(current_position),
      C(steps_total), C(batches_total).
  returned: success
  type: dict
  sample: {id: 4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1, cluster: prod, status: running, current_batch: 17,
           current_position: 38, steps_total: 54, batches_total: 26}
batch:
  description: The batch claimed or finished; null when nothing was claimed.
  returned: success
  type: int
  sample: 17
phase:
  description: Phase of the claimed steps; null when none.
  returned: with O(state=claimed)
  type: str
  sample: compute
rollback:
  description: Whether the steps are to be undone (O(rollback)).
  returned: with O(state=claimed)
  type: bool
  sample: false
steps:
  description:
    - The steps claimed (with O(state=finished) - the steps that changed),
      in the order to run them - C(position), C(phase), C(service), C(host),
      C(action), C(from_version), C(to_version), C(status), C(batch),
      C(detail) (C(binary), C(command), ...), C(started_at), C(finished_at),
      C(error) and a C(label) for progress lines.
    - Rolling back, the entries that undo steps - C(position) of the step
      undone, C(action) to run (null - nothing to run, only mark it
      reverted), C(reverts), the versions from and to (the step's, swapped).
  returned: success
  type: list
  elements: dict
  sample: [{position: 38, phase: compute, service: nova, host: compute1, action: switch, status: running,
            from_version: 31.3.1, to_version: 33.0.2, batch: 17,
            detail: {binary: nova-compute, zone: nova, compute_batch: 1, compute_batches: 2},
            label: 'compute batch 1/2: switch nova-compute on compute1 31.3.1 → 33.0.2'}]
hosts:
  description: The hosts of the claimed steps, in plan order (steps without a host run on the controller).
  returned: with O(state=claimed)
  type: list
  elements: str
  sample: [compute1]
by_host:
  description: Host to its claimed steps, in order.
  returned: with O(state=claimed)
  type: dict
  sample: {compute1: [{position: 38, action: switch}, {position: 39, action: restart}]}
failed:
  description: The steps of the batch that failed (a revert that failed, rolling back), with their C(error).
  returned: with O(state=finished)
  type: list
  elements: dict
  sample: []
next:
  description:
    - With O(claim_next), the claim of the next batch - the same keys a
      V(claimed) run returns (C(stop), C(msg), C(upgrade), C(batch),
      C(phase), C(rollback), C(steps), C(hosts), C(by_host)).
  returned: with O(state=finished) and O(claim_next)
  type: dict
  sample: {stop: false, batch: 18, phase: compute, hosts: [compute2], by_host: {compute2: []}, steps: []}
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import operations


class UpgradeStepModule(OsopsModule):
    argument_spec = dict(
        state=dict(type='str', required=True, choices=['claimed', 'finished']),
        id=dict(type='str'),
        cluster=dict(type='str'),
        batch=dict(type='int'),
        rollback=dict(type='bool', default=False),
        results=dict(type='list', elements='dict', default=[], options=dict(
            position=dict(type='int', required=True),
            status=dict(type='str', required=True, choices=['done', 'failed', 'reverted']),
            error=dict(type='str'),
            detail=dict(type='dict'),
        )),
        claimed_by=dict(type='str'),
        claim_next=dict(type='bool', default=False),
        next_batch=dict(type='int'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True,
                         mutually_exclusive=[('cluster', 'id')],
                         required_one_of=[('cluster', 'id')],
                         required_if=[('state', 'finished', ('batch',))])

    def run(self):
        with module_store(self, read_only=True) as store:  # a store that does not exist holds no cluster
            self.exit_json(**operations.batch_step(store, self.params, self.actor(), self.check_mode))


def main():
    UpgradeStepModule()()


if __name__ == '__main__':
    main()
