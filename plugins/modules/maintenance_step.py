#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: maintenance_step
short_description: Claim and finish the steps of a maintenance session (the bookkeeping of its runner)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - The C(maintenance) role records every step of a session in the store
    before and after it runs. O(state=claimed) marks the next step of each of
    O(hosts) running (with no O(hosts), the next step of the session itself -
    a pre or post action); O(state=finished) records how claimed steps ended.
    One module run and one transaction for a whole batch of hosts.
  - Steps run stage after stage - downloads, each pre action, the hosts batch
    after batch (the hosts of a batch at once), each post action. A step of a
    later stage is not claimed (RV(waiting) says what it waits for), nor one
    other than O(action) when O(action) is given.
  - A step found running (the controller died during it) is claimed again.
    A failed step fails its host and the session; claims are then refused
    until the session is continued (M(osops.lifecycle.maintenance_session),
    O(osops.lifecycle.maintenance_session#module:state=continued)). Claims
    are refused too while the session is scheduled or once it is finished.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  session:
    description: The session's id.
    type: str
    required: true
  state:
    description:
      - V(claimed) before steps run, V(finished) after.
    type: str
    required: true
    choices: [claimed, finished]
  hosts:
    description:
      - With O(state=claimed), the hosts whose next step to claim (a batch).
        Empty - the session's own next step (no host).
    type: list
    elements: str
    default: []
  action:
    description:
      - With O(state=claimed), claim only steps of this action (V(download),
        V(pre_action), V(disable), V(notify), V(drain), V(host_action),
        V(enable), V(verify), V(post_action)); the others wait.
    type: str
  results:
    description:
      - With O(state=finished), how each step ended.
    type: list
    elements: dict
    suboptions:
      position:
        description: The step, by its position in the session. Exactly one of O(results[].position) and O(results[].host).
        type: int
      host:
        description: The running step of this host.
        type: str
      outcome:
        description: How it ended.
        type: str
        choices: [done, failed, skipped]
        default: done
      detail:
        description: What happened (C(msg) names a failure in the session's reason).
        type: dict
attributes:
  check_mode:
    support: full
    details: Says what would be claimed or finished, writes nothing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
notes:
  - Run it on the controller (C(delegate_to=localhost), C(run_once=true)).
seealso:
  - module: osops.lifecycle.maintenance_session
  - module: osops.lifecycle.maintenance_session_info
'''

EXAMPLES = r'''
- name: Claim the drain of the batch's hosts
  osops.lifecycle.maintenance_step:
    session: "{{ osops_maintenance_session_id }}"
    state: claimed
    hosts: "{{ ansible_play_batch }}"
    action: drain
  delegate_to: localhost
  run_once: true
  register: claim

- name: Record how each host's drain ended
  osops.lifecycle.maintenance_step:
    session: "{{ osops_maintenance_session_id }}"
    state: finished
    results: "{{ claim.claimed | map(attribute='host') | map('extract', hostvars, 'osops_maintenance_result') | list }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
session:
  description: The session after the change (C(id), C(cluster), C(state), C(reason), ...).
  returned: always
  type: dict
  sample: {id: 3f2c1d0e-8a4b-4c55-9e0f-6c7d8e9fa0b1, state: PLANNED_MAINTENANCE, reason: null}
claimed:
  description:
    - The steps claimed, now running - C(position), C(stage), C(phase),
      C(batch), C(host), C(action), C(plugin), C(metadata), C(status),
      C(attempts), C(started_at), C(finished_at), C(detail).
  returned: when state=claimed
  type: list
  elements: dict
  sample: [{position: 9, phase: host, batch: 1, host: compute1, action: drain, status: running, attempts: 1}]
waiting:
  description: Hosts whose next step was not claimed - C(host), C(position), C(action), C(reason).
  returned: when state=claimed
  type: list
  elements: dict
  sample: [{host: compute3, position: 15, action: disable, reason: 'waits for step 9 (drain on compute1), of an earlier stage'}]
finished_hosts:
  description: Hosts of O(hosts) with no step left.
  returned: when state=claimed
  type: list
  elements: str
  sample: []
finished:
  description: The steps recorded as ended, with their C(status) (the outcome) and C(detail).
  returned: when state=finished
  type: list
  elements: dict
  sample: [{position: 9, host: compute1, action: drain, status: done, finished_at: '2026-12-01T02:03:00+00:00'}]
unchanged:
  description: Steps that had ended so already (nothing written).
  returned: when state=finished
  type: list
  elements: dict
  sample: []
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.session_steps import claim_steps, finish_steps


class MaintenanceStepModule(OsopsModule):
    argument_spec = dict(
        session=dict(type='str', required=True),
        state=dict(type='str', required=True, choices=['claimed', 'finished']),
        hosts=dict(type='list', elements='str', default=[]),
        action=dict(type='str'),
        results=dict(type='list', elements='dict', options=dict(
            position=dict(type='int'), host=dict(type='str'),
            outcome=dict(type='str', default='done', choices=['done', 'failed', 'skipped']),
            detail=dict(type='dict')),
            mutually_exclusive=[('position', 'host')], required_one_of=[('position', 'host')]),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True, required_if=[('state', 'finished', ['results'])],
                         mutually_exclusive=[('results', 'hosts'), ('results', 'action')])

    def run(self):
        with module_store(self, predict=self.check_mode) as store:
            if self.params['state'] == 'claimed':
                result = claim_steps(store, self.params['session'], self.params['hosts'], self.params['action'],
                                     check_mode=self.check_mode)
                self.exit_json(changed=bool(result['claimed']), session=result['session'], claimed=result['claimed'],
                               waiting=result['waiting'], finished_hosts=result['finished'])
            result = finish_steps(store, self.params['session'], self.params['results'], check_mode=self.check_mode)
            self.exit_json(changed=bool(result['finished']), session=result['session'], finished=result['finished'],
                           unchanged=result['unchanged'])


def main():
    MaintenanceStepModule()()


if __name__ == '__main__':
    main()
