#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: compute_host_drain
short_description: Move every instance off a compute host and wait (the k8s_drain of OpenStack)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Empties one compute host through nova's API, as C(kubernetes.core.k8s_drain)
    empties a node - by default it first disables the host's C(nova-compute)
    (nova's cordon), then moves its instances and waits until each is on
    another host in the status it had (C(ACTIVE), C(PAUSED) or C(SHUTOFF)).
  - C(ACTIVE) and C(PAUSED) instances are live-migrated (C(block_migration=auto),
    so block migration when there is no shared storage); C(SHUTOFF) ones are
    cold-migrated and the migration confirmed. With O(fallback_cold), an
    C(ACTIVE) instance whose live migration nova refuses or fails is
    cold-migrated instead (it is stopped during the copy and started again).
  - Before anything changes, every instance is checked - one in C(ERROR), in a
    status nova cannot migrate (C(SUSPENDED), C(RESCUE), C(SHELVED),
    C(VERIFY_RESIZE) ...) or with an operation in progress (a C(task_state))
    fails the task naming it, unless O(skip_unmovable) leaves such instances
    on the host.
  - At most O(parallel) migrations run at once. A live migration that takes
    longer than O(migration_timeout) is aborted through nova's API
    (C(DELETE /servers/{id}/migrations/{migration}), not force-complete) and
    reported C(aborted); nova cannot abort a cold migration, which is reported
    C(timeout). A migration refused with C(No valid host) is tried again for
    O(no_valid_host_wait) seconds. At the end every moved instance is read
    again and must be on another host in its original status.
  - An instance's own preference, in its server metadata key O(metadata_key),
    overrides the method - V(live) (C(ACTIVE), C(PAUSED); no cold fallback),
    V(cold) (C(ACTIVE), C(SHUTOFF); nova stops an C(ACTIVE) one for the copy and
    starts it again), V(stop_start) (C(ACTIVE), C(SHUTOFF) - the drain stops it,
    cold-migrates it, confirms, and starts it again if it was C(ACTIVE)) or
    V(owner) (the drain moves nothing - it waits up to O(owner_timeout) seconds
    for the instance's owner to move it to another host or delete it; still
    there then, it fails with what to do). Without the key, the default above.
    A value outside these fails the task before anything changes, naming the
    instance, its value and the allowed ones (RV(unknown_preferences)); an
    instance whose status its preference does not take cannot be moved (see
    O(skip_unmovable)).
  - Migrations off the host that an earlier drain started and did not see
    through (its controller was killed) are taken over - watched to their end,
    a cold one confirmed - rather than started again or refused for their
    task in progress. Run the same drain again after a crash. A migration nova
    refuses because another one of the instance is at work (a drain still
    running beside this one, as the workers of a play killed alone do) is
    watched to its end the same way.
  - The task fails when an instance did not move; the host stays disabled (as
    a drained node stays cordoned) and RV(instances) says what happened to each.
    Enable the host again with M(osops.lifecycle.compute_service).
  - Needs compute API microversion 2.56 (nova 17.0.0, Queens) or later.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
options:
  host:
    description:
      - The compute host to empty, as nova names it.
    type: str
    required: true
  target_host:
    description:
      - The host every instance goes to, checked by the scheduler. It must run an
        enabled C(nova-compute) that is up. When omitted the scheduler chooses
        for each instance.
    type: str
  disable:
    description:
      - Disable the host's C(nova-compute) before moving its instances, so that
        none comes back and no new one lands there.
      - An already disabled host keeps its reason.
    type: bool
    default: true
  disable_reason:
    description:
      - The reason nova records when O(disable) disables the host.
    type: str
    default: drained by osops.lifecycle.compute_host_drain
  parallel:
    description:
      - How many migrations off this host run at once. nova's computes run one
        live migration at a time by default (C(max_concurrent_live_migrations));
        raise both together.
    type: int
    default: 1
  migration_timeout:
    description:
      - Seconds each migration may take before a live one is aborted (and then
        given up to 120 s to roll back) or a cold one is reported C(timeout).
    type: int
    default: 600
  fallback_cold:
    description:
      - Cold-migrate an C(ACTIVE) instance whose live migration nova refuses or
        fails (not one aborted for its time). The instance is stopped while
        its disk is copied and started again on the new host.
    type: bool
    default: false
  no_valid_host_wait:
    description:
      - Seconds a migration that nova's scheduler refuses with C(No valid host)
        is tried again (every 10 s; the other instances move meanwhile) before
        it counts as failed. V(0) fails it at once.
      - nova's scheduler can refuse a host wrongly for a while - after a live
        migration, the source compute reports the instance to the scheduler as
        still its own, and the scheduler believes it until that host's next
        instance sync (nova's C(scheduler_instance_sync_interval), 120 s by
        default); meanwhile the anti-affinity filter keeps the instance's
        server group peers off that host. A drain that sends an anti-affinity
        member to a host a peer just left meets it.
    type: int
    default: 180
  skip_unmovable:
    description:
      - Leave instances that cannot be moved (C(ERROR), a status nova cannot
        migrate, an operation in progress) on the host and report them
        C(skipped), instead of failing before anything moves.
    type: bool
    default: false
  metadata_key:
    description:
      - The server metadata key that holds an instance's preference - V(live),
        V(cold), V(stop_start) or V(owner) (see above).
    type: str
    default: maintenance_move
  owner_timeout:
    description:
      - Seconds the drain waits for the owner of an instance whose preference is
        V(owner) to move it off the host or delete it (the other instances move
        meanwhile; these waits do not count in O(parallel)).
    type: int
    default: 600
attributes:
  check_mode:
    support: full
    details: Validates everything and returns the plan (which instance, which method); nothing is disabled or moved.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
seealso:
  - module: osops.lifecycle.compute_service
'''

EXAMPLES = r'''
- name: Empty compute1 for its kernel update
  osops.lifecycle.compute_host_drain:
    cloud: mycloud
    host: compute1
    disable_reason: kernel update CHG-1234
    parallel: 2
    migration_timeout: 900
    fallback_cold: true
  delegate_to: localhost
  run_once: true

- name: What would move, and how
  osops.lifecycle.compute_host_drain:
    cloud: mycloud
    host: compute1
  check_mode: true
  register: drain_plan
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
instances:
  description: Every instance that was on the host, ordered by name - moved, planned (check mode), failed or skipped.
  returned: success, and on failure once the instances were read
  type: list
  elements: dict
  contains:
    id:
      description: The instance's id.
      type: str
      sample: 3f0c2a8e-5a0b-4d1e-9c7a-1f2e3d4c5b6a
    name:
      description: The instance's name.
      type: str
      sample: web-1
    status:
      description:
        - Its status before the drain, which it keeps. Null for a cold migration
          taken over from an earlier drain while nova does not yet tell its power
          state (it may then settle in any status but C(ERROR)).
      type: str
      sample: ACTIVE
    from:
      description: The drained host.
      type: str
      sample: compute1
    to:
      description: The host it landed on (O(target_host), or null, while planned or when it did not move).
      type: str
      sample: compute2
    method:
      description:
        - C(live), C(cold), C(stop_start) or C(owner) (the method used; C(cold) after a live migration refused with
          O(fallback_cold)); null when skipped.
      type: str
      sample: live
    preference:
      description: The instance's preference (its metadata O(metadata_key)), null when it has none.
      type: str
      sample: null
    fallback:
      description: C(cold) when an unused cold fallback was planned for it, else null.
      type: str
      sample: null
    outcome:
      description:
        - C(moved), C(planned) (check mode), C(skipped), C(failed), C(aborted), C(timeout) (also an V(owner)
          instance still on the host after O(owner_timeout)) or C(deleted) (deleted during the drain).
      type: str
      sample: moved
    duration:
      description: Seconds from the start of its migration to its end (null when it did not start).
      type: float
      sample: 16.2
    migration_id:
      description: nova's id of its migration (C(openstack server migration list)), null when none was seen.
      type: int
      sample: 42
    message:
      description:
        - Why it failed, was skipped or fell back to cold migration, how often nova's scheduler found no valid
          host before it accepted the migration, or where its owner moved it; null otherwise.
      type: str
      sample: null
service:
  description: The host's C(nova-compute) service after O(disable), as in M(osops.lifecycle.compute_service); null with O(disable=false).
  returned: success
  type: dict
  sample: {host: compute1, status: disabled, state: up, forced_down: false, disabled_reason: kernel update, changed: true}
unmovable:
  description: When the task failed before anything changed, the instances that cannot be moved (as RV(instances)).
  returned: when an instance cannot be moved and O(skip_unmovable) is false
  type: list
  elements: dict
unknown_preferences:
  description: When the task failed before anything changed, the instances whose preference is not a known value (C(id), C(name), C(value)).
  returned: when an instance's metadata O(metadata_key) is not one of V(live), V(cold), V(stop_start), V(owner)
  type: list
  elements: dict
  sample: [{id: 3f0c2a8e-5a0b-4d1e-9c7a-1f2e3d4c5b6a, name: web-1, value: fast}]
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import OpenStackModule
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.migrations import drain_host


class ComputeHostDrainModule(OpenStackModule):
    argument_spec = dict(
        host=dict(type='str', required=True),
        target_host=dict(type='str'),
        disable=dict(type='bool', default=True),
        disable_reason=dict(type='str', default='drained by osops.lifecycle.compute_host_drain'),
        parallel=dict(type='int', default=1),
        migration_timeout=dict(type='int', default=600),
        fallback_cold=dict(type='bool', default=False),
        skip_unmovable=dict(type='bool', default=False),
        no_valid_host_wait=dict(type='int', default=180),
        metadata_key=dict(type='str', default='maintenance_move', no_log=False),
        owner_timeout=dict(type='int', default=600),
    )
    module_kwargs = dict(supports_check_mode=True)

    def validate(self):
        super().validate()
        for name in ('parallel', 'migration_timeout', 'owner_timeout'):
            if self.params[name] < 1:
                raise OptionError(name, self.params[name], 'a positive number')
        if self.params['no_valid_host_wait'] < 0:
            raise OptionError('no_valid_host_wait', self.params['no_valid_host_wait'], 'a number of seconds, 0 or more')

    def run(self):
        p = self.params
        result = drain_host(self.conn, p['host'], target_host=p['target_host'], disable=p['disable'],
                            disable_reason=p['disable_reason'], parallel=p['parallel'],
                            timeout=p['migration_timeout'], fallback_cold=p['fallback_cold'],
                            skip_unmovable=p['skip_unmovable'], check_mode=self.check_mode,
                            no_valid_host_wait=p['no_valid_host_wait'], metadata_key=p['metadata_key'],
                            owner_timeout=p['owner_timeout'])
        self.exit_json(**result)


def main():
    ComputeHostDrainModule()()


if __name__ == '__main__':
    main()
