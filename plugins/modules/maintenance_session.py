#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: maintenance_session
short_description: Create, continue or delete a maintenance session of compute hosts
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Fenix's maintenance API over the state store. O(state=present) is Fenix's
    create - plans the order in which the hosts are taken out (empty hosts
    first, never more hosts out than the rest can absorb, hosts of a batch in
    one availability zone and without a shared anti-affinity server group,
    instances onto hosts already maintained), records the session with every
    step it will run, and returns its id and the plan. O(state=continued) is
    Fenix's update - continues a failed session from the step that failed.
    O(state=absent) is Fenix's delete.
  - This module only plans and records. The C(maintenance) role runs the
    steps (disable, notify, drain, host actions, enable, verify), claiming and
    finishing each one with M(osops.lifecycle.maintenance_step).
  - The plan reads the cloud - compute services, placement inventories and
    usages, servers and server groups of every project (admin credentials).
    O(state=continued) and O(state=absent) only use the store.
  - Idempotent - while a session over exactly the same hosts is not finished,
    O(state=present) returns it unchanged (and starts it when it was
    scheduled and its time has come). A host in another active session, an
    unknown or non-compute host, an unknown workflow, an action type other
    than C(pre), C(host) or C(post), or hosts the others cannot absorb are
    refused with the reason, and nothing is written.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - osops.lifecycle.openstack
  - osops.lifecycle.store
options:
  state:
    description:
      - V(present) creates the session (Fenix's create), V(continued)
        continues a failed one (Fenix's update), V(absent) deletes one
        (Fenix's delete).
    type: str
    choices: [present, continued, absent]
    default: present
  id:
    description:
      - The session, for O(state=continued) and O(state=absent).
    type: str
  cluster:
    description:
      - The stored cluster (see M(osops.lifecycle.cluster_discover)) whose
        compute hosts are maintained. Required with O(state=present).
    type: str
  hosts:
    description:
      - Compute hosts to maintain, by the names in the cluster's record.
      - Empty - every compute host of the cluster's stored record.
    type: list
    elements: str
    default: []
  initial_state:
    description:
      - Fenix's C(state) - the workflow's initial state.
    type: str
    choices: [MAINTENANCE]
    default: MAINTENANCE
  maintenance_at:
    description:
      - When the session starts (ISO 8601; UTC without an offset). Fenix's
        C(maintenance_at).
      - Up to O(wait_max) seconds ahead, the module waits; later, the session
        is recorded as C(SCHEDULED) and RV(run_at) says when to run the task
        again to start it.
    type: str
  wait_max:
    description:
      - Longest wait, in seconds, for O(maintenance_at).
    type: int
    default: 300
  workflow:
    description:
      - Named workflow - the steps of each host. V(default) disables
        nova-compute (the reason names the session), notifies the
        application's manager, moves the instances off, runs the host
        actions, enables and verifies the host.
    type: str
    default: default
  max_parallel:
    description:
      - Most hosts taken out at once. The plan takes fewer when capacity,
        anti-affinity or availability zones demand it, and says why.
    type: int
    default: 1
  metadata:
    description:
      - Free data kept with the session and returned (Fenix's C(metadata);
        the application manager's webhook, for instance).
    type: dict
    default: {}
  download:
    description:
      - Files every host fetches before the first host is touched (Fenix's
        C(download)).
    type: list
    elements: dict
    default: []
    suboptions:
      url:
        description: Where to fetch it from. Exactly one of O(download[].url) and O(download[].path).
        type: str
      path:
        description: A file on the controller to copy.
        type: path
      checksum:
        description: C(ALGORITHM:HEX), as M(ansible.builtin.get_url) takes it (C(sha256:...)).
        type: str
        required: true
      dest:
        description: Where the file goes on each host.
        type: path
        required: true
  actions:
    description:
      - Actions to run (Fenix's C(actions)) - C(pre) once before the first
        host, C(host) on each host while it is empty, C(post) once after the
        last host.
    type: list
    elements: dict
    default: []
    suboptions:
      plugin:
        description:
          - A task file (C(.yml) or C(.yaml); an absolute path must exist) or a
            module's FQCN.
        type: str
        required: true
      type:
        description: When the action runs.
        type: str
        required: true
        choices: [pre, host, post]
      metadata:
        description: Data for the action (the module's options, or the task file's variables).
        type: dict
        default: {}
  force:
    description:
      - With O(state=absent), delete a session that is not finished. Enable the
        hosts of RV(hosts_to_enable) again afterwards
        (M(osops.lifecycle.compute_service)) - this module does not touch
        nova.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Plans, validates and predicts the change; writes nothing and never waits.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: posix
  action_group:
    support: full
    membership:
      - osops.lifecycle.openstack
notes:
  - Run it on the controller (C(delegate_to=localhost), C(run_once=true)).
  - The plan keeps instances in their availability zone and counts a
    flavor's resources as nova asks placement for them (VCPU, MEMORY_MB,
    DISK_GB and C(resources:*) extra specs).
seealso:
  - module: osops.lifecycle.maintenance_session_info
  - module: osops.lifecycle.maintenance_step
'''

EXAMPLES = r'''
- name: Plan a maintenance of every compute, two hosts at a time (check mode shows the plan)
  osops.lifecycle.maintenance_session:
    cloud: mycloud
    cluster: prod
    max_parallel: 2
    metadata:
      webhook: https://app-manager.example.com/maintenance
    actions:
      - plugin: osops_site.kernel.update
        type: host
        metadata: {reboot: true}
  delegate_to: localhost
  run_once: true
  register: session

- name: Continue the session that failed
  osops.lifecycle.maintenance_session:
    state: continued
    id: "{{ session.session_id }}"
  delegate_to: localhost
  run_once: true

- name: Delete a finished session
  osops.lifecycle.maintenance_session:
    state: absent
    id: "{{ session.session_id }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
session_id:
  description: The session's id; null when check mode predicts a new session.
  returned: always
  type: str
  sample: 3f2c1d0e-8a4b-4c55-9e0f-6c7d8e9fa0b1
session:
  description:
    - The session - C(id), C(cluster), C(state), C(workflow),
      C(maintenance_at), C(metadata), C(download), C(max_parallel),
      C(reason) (why it failed), C(created_at), C(updated_at); with
      O(state=present) also C(hosts), C(actions) and C(steps) as
      M(osops.lifecycle.maintenance_session_info) returns them. Null when
      O(state=absent) found none.
  returned: always
  type: dict
  sample: {id: 3f2c1d0e-8a4b-4c55-9e0f-6c7d8e9fa0b1, cluster: prod, state: MAINTENANCE, workflow: default}
plan:
  description:
    - The host order (O(state=present)). C(batches) in order (C(batch),
      C(az), C(hosts), C(instances), C(destinations) counted by kind,
      C(reason), C(notes) on hosts that could have joined and why they wait);
      C(hosts) (name to C(batch), C(az), C(instances), C(reason)); C(moves)
      (C(batch), C(host), C(destination) - C(maintained), C(outside) the
      session or C(pending), a session host not maintained yet -
      C(destination_host) where the capacity model puts them, C(instances));
      C(moves_twice) (instance ids); when just planned, C(instances) (id to
      the kind of host it moves to first).
  returned: when state=present
  type: dict
  sample: {max_parallel: 2, batches: [{batch: 1, az: nova, hosts: [compute3], reason: 'compute3 (empty): empty hosts go first'}]}
run_at:
  description: When a C(SCHEDULED) session starts (run the task again then), or null.
  returned: when state=present
  type: str
  sample: '2026-12-01T02:00:00+00:00'
waited:
  description: Seconds waited for O(maintenance_at).
  returned: when state=present
  type: float
  sample: 0
reset:
  description: Steps made pending again by O(state=continued) (the failed ones).
  returned: when state=continued
  type: list
  elements: dict
  sample: [{position: 12, action: drain, host: compute2, status: pending}]
hosts_to_enable:
  description:
    - Hosts the deleted session may have disabled and not enabled again;
      enable them with M(osops.lifecycle.compute_service).
  returned: when state=absent
  type: list
  elements: str
  sample: [compute2]
msg:
  description: What happened, in a sentence.
  returned: always
  type: str
  sample: Maintenance session 3f2c1d0e-8a4b-4c55-9e0f-6c7d8e9fa0b1 created over 3 hosts in 2 batches.
'''

import datetime
import time

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import OpenStackModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import session as asked
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import workflow
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.capacity import read_capacity
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.planner import plan_maintenance
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster
from ansible_collections.osops.lifecycle.plugins.module_utils._store.states import FINISHED_SESSION_STATES


class MaintenanceSessionModule(OpenStackModule):
    argument_spec = dict(
        state=dict(type='str', default='present', choices=['present', 'continued', 'absent']),
        id=dict(type='str'),
        cluster=dict(type='str'),
        hosts=dict(type='list', elements='str', default=[]),
        initial_state=dict(type='str', default='MAINTENANCE', choices=['MAINTENANCE']),
        maintenance_at=dict(type='str'),
        wait_max=dict(type='int', default=300),
        workflow=dict(type='str', default='default'),
        max_parallel=dict(type='int', default=1),
        metadata=dict(type='dict', default={}),
        download=dict(type='list', elements='dict', default=[], options=dict(
            url=dict(type='str'), path=dict(type='path'), checksum=dict(type='str', required=True),
            dest=dict(type='path', required=True)),
            mutually_exclusive=[('url', 'path')], required_one_of=[('url', 'path')]),
        actions=dict(type='list', elements='dict', default=[], options=dict(
            plugin=dict(type='str', required=True), type=dict(type='str', required=True, choices=['pre', 'host', 'post']),
            metadata=dict(type='dict', default={}))),
        force=dict(type='bool', default=False),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True, required_if=[
        ('state', 'present', ['cluster']), ('state', 'continued', ['id']), ('state', 'absent', ['id'])])

    def validate(self):
        super().validate()
        if self.params['state'] == 'present':
            workflow.host_steps(self.params['workflow'])
            workflow.check_actions(self.params['actions'])
            workflow.check_download(self.params['download'])
            if self.params['max_parallel'] < 1:
                raise OsopsError('Option max_parallel: got %d, expected 1 or more.' % self.params['max_parallel'])
            self.when = self.params['maintenance_at'] and asked.parse_time(self.params['maintenance_at'])

    def run(self):
        with module_store(self, predict=self.check_mode) as store:
            getattr(self, self.params['state'])(store)

    def wanted(self):
        return dict((k, self.params[k]) for k in ('workflow', 'max_parallel', 'metadata', 'download', 'actions'))

    def present(self, store):
        name = self.params['cluster']
        cluster = get_cluster(store, name)
        if cluster is None:
            raise OsopsError('No cluster named %s in the store; discover it first (osops.lifecycle.cluster_discover).'
                             % name)
        hosts = asked.resolve_hosts(cluster, self.params['hosts'])
        taken = sessions.active_hosts(store, name, hosts)
        if taken:
            session = sessions.get_session(store, taken[0]['session'])
            asked.same_session(taken, session, hosts)
            differs = asked.option_differences(session, self.wanted())
            if differs:
                raise OsopsError('Maintenance session %s over these hosts was created with other %s; delete it '
                                 '(state=absent) first to change them.' % (session['id'], ', '.join(differs)),
                                 session_id=session['id'])
            return self.start(store, session, changed=False)
        plan = plan_maintenance(*read_capacity(self.conn), session_hosts=hosts,
                                max_parallel=self.params['max_parallel'])
        wait = asked.start_in(self.when, datetime.datetime.now(datetime.timezone.utc), self.params['wait_max'])
        layout = dict(hosts=asked.session_hosts(plan), steps=workflow.lay_out(
            self.params['workflow'], [b['hosts'] for b in plan['batches']], self.params['actions'],
            self.params['download']))
        options = dict(self.wanted(), maintenance_at=self.when,
                       state=self.params['initial_state'] if wait == 0 else 'SCHEDULED')
        if self.check_mode:
            session = asked.predicted(name, options, layout)
        else:
            session = sessions.create_session(store, name, plan=asked.stored_plan(plan), **dict(options, **layout))
        self.start(store, session, changed=True, plan=plan)

    def start(self, store, session, changed, plan=None):
        """Exit with ``session``, started first when it is scheduled and its time has come."""
        before = {} if plan else {'state': session['state']}
        wait = 0 if session['state'] != 'SCHEDULED' else asked.start_in(
            session['maintenance_at'], datetime.datetime.now(datetime.timezone.utc), self.params['wait_max'])
        if session['state'] == 'SCHEDULED' and wait is not None:
            changed = True
            if not self.check_mode:
                time.sleep(wait)
            session = dict(session, state='MAINTENANCE') if self.check_mode or session['id'] is None else dict(
                session, **sessions.transition_session(store, session['id'], 'MAINTENANCE'))
        if session['state'] == 'SCHEDULED':
            msg = 'Maintenance session %s is scheduled for %s: run this task again then.' % (
                session['id'], session['maintenance_at'])
        elif changed:
            msg = 'Maintenance session %s %s over %d hosts in %d batches.' % (
                session['id'] or '(check mode)', 'created' if plan else 'started', len(session['hosts']),
                len(set(h['batch'] for h in session['hosts'])))
        else:
            msg = 'Hosts %s are already in maintenance session %s (%s).' % (
                ', '.join(h['host'] for h in session['hosts']), session['id'], session['state'])
        self.exit_json(changed=changed, msg=msg, session_id=session['id'], session=session,
                       plan=plan or session['plan'], waited=0 if self.check_mode else wait or 0,
                       run_at=session['maintenance_at'] if session['state'] == 'SCHEDULED' else None,
                       diff={'before': before, 'after': {'state': session['state']}})

    def continued(self, store):
        result = sessions.continue_session(store, self.params['id'], check_mode=self.check_mode)
        session = result['session']
        if result['changed']:
            msg = 'Maintenance session %s continues (%s) from %s.' % (session['id'], session['state'], ', '.join(
                'step %d (%s%s)' % (s['position'], s['action'], ' on %s' % s['host'] if s['host'] else '')
                for s in result['reset']))
        else:
            msg = 'Maintenance session %s is %s: %s.' % (session['id'], session['state'], {
                'MAINTENANCE_DONE': 'it is finished, nothing to continue',
                'SCHEDULED': 'it has not started, nothing to continue'}.get(
                    session['state'], 'it has not failed; a step left running is claimed again'))
        before = 'MAINTENANCE_FAILED' if result['changed'] else session['state']
        self.exit_json(changed=result['changed'], msg=msg, session_id=session['id'], session=session,
                       reset=result['reset'], diff={'before': {'state': before}, 'after': {'state': session['state']}})

    def absent(self, store):
        session_id = self.params['id']
        if session_id not in [s['id'] for s in sessions.list_sessions(store)]:
            self.exit_json(msg='No maintenance session %s: nothing to delete.' % session_id, session_id=session_id,
                           session=None, hosts_to_enable=[])
        session = sessions.get_session(store, session_id)
        enable = workflow.hosts_to_enable(session['steps'])
        if session['state'] not in FINISHED_SESSION_STATES and not self.params['force']:
            raise OsopsError('Maintenance session %s is %s, not finished: continue it, or delete it with force=true '
                             'and then enable %s again (osops.lifecycle.compute_service).' % (
                                 session_id, session['state'], ', '.join(enable) or 'no host (it disabled none)'),
                             hosts_to_enable=enable, state=session['state'])
        sessions.delete_session(store, session_id, force=self.params['force'], check_mode=self.check_mode)
        summary = dict((k, v) for k, v in session.items() if k not in ('plan', 'hosts', 'actions', 'steps'))
        self.exit_json(changed=True, session_id=session_id, session=summary, hosts_to_enable=enable,
                       msg='Maintenance session %s (%s) deleted%s.' % (session_id, session['state'], (
                           '; enable %s again' % ', '.join(enable)) if enable else ''),
                       diff={'before': {'state': session['state']}, 'after': {}})


def main():
    MaintenanceSessionModule()()


if __name__ == '__main__':
    main()
