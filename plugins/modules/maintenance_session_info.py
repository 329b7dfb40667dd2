#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: maintenance_session_info
short_description: Maintenance sessions in the state store, with every step they ran
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Fenix's list and get - every maintenance session (of one O(cluster), or
    all) with its state, or one session (O(id)) with its plan, its hosts and
    their state, its actions, and every step (what, host, start, end,
    outcome, details) - the step detail Fenix listed as future work.
  - Only reads. A SQLite store file that does not exist is not created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  id:
    description:
      - One session, with its hosts, actions and steps.
    type: str
  cluster:
    description:
      - Only the sessions of this stored cluster.
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
  - module: osops.lifecycle.maintenance_session
'''

EXAMPLES = r'''
- name: Every maintenance session
  osops.lifecycle.maintenance_session_info:
  delegate_to: localhost
  run_once: true
  register: maintenance

- name: One session with every step it ran
  osops.lifecycle.maintenance_session_info:
    id: "{{ session_id }}"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
sessions:
  description: The sessions, oldest first; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The session's id.
      type: str
      sample: 3f2c1d0e-8a4b-4c55-9e0f-6c7d8e9fa0b1
    cluster:
      description: The stored cluster.
      type: str
      sample: prod
    state:
      description:
        - C(SCHEDULED), C(MAINTENANCE) (not started), C(PREPARE_MAINTENANCE)
          (downloads, pre actions), C(PLANNED_MAINTENANCE) (hosts),
          C(MAINTENANCE_COMPLETE) (post actions), C(MAINTENANCE_FAILED) or
          C(MAINTENANCE_DONE).
      type: str
      sample: PLANNED_MAINTENANCE
    reason:
      description: Why the session failed (the step and its message), or null.
      type: str
      sample: 'step 12 (drain on compute2) failed: migration of 5b1c... timed out'
    workflow:
      description: The named workflow.
      type: str
      sample: default
    maintenance_at:
      description: When it starts or started, or null.
      type: str
      sample: null
    max_parallel:
      description: Most hosts out at once.
      type: int
      sample: 2
    metadata:
      description: The session's metadata.
      type: dict
      sample: {}
    download:
      description: What every host fetches first.
      type: list
      sample: []
    created_at:
      description: When the session was created (ISO 8601, UTC).
      type: str
      sample: '2026-12-01T02:00:00+00:00'
    updated_at:
      description: When its state last changed.
      type: str
      sample: '2026-12-01T02:14:09+00:00'
    plan:
      description: The host order and why (see RV(osops.lifecycle.maintenance_session#module:plan)).
      returned: with O(id)
      type: dict
      sample: {batches: []}
    hosts:
      description: C(host), C(batch), C(position), C(state) (C(pending), C(running), C(done), C(failed)), C(started_at), C(finished_at), C(detail).
      returned: with O(id)
      type: list
      elements: dict
      sample: [{host: compute1, batch: 1, position: 1, state: done}]
    actions:
      description: C(plugin), C(type), C(metadata) as given.
      returned: with O(id)
      type: list
      elements: dict
      sample: []
    steps:
      description:
        - Every step in order - C(position), C(stage), C(phase) (C(prepare),
          C(host), C(complete)), C(batch), C(host), C(action), C(plugin),
          C(metadata), C(status) (C(pending), C(running), C(done), C(failed),
          C(skipped)), C(attempts), C(started_at), C(finished_at), C(detail).
      returned: with O(id)
      type: list
      elements: dict
      sample: [{position: 1, action: disable, host: compute1, status: done, started_at: '2026-12-01T02:00:01+00:00'}]
    hosts_to_enable:
      description: Hosts the session may have disabled and not enabled again yet.
      returned: with O(id)
      type: list
      elements: str
      sample: []
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.workflow import hosts_to_enable
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.sessions import get_session, list_sessions


class MaintenanceSessionInfoModule(OsopsModule):
    argument_spec = dict(
        id=dict(type='str'),
        cluster=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        found = []
        with module_store(self, read_only=True) as store:
            summaries = [] if store is None else list_sessions(store, self.params['cluster'])
            for summary in summaries:
                if self.params['id'] is None:
                    found.append(summary)
                elif summary['id'] == self.params['id']:
                    session = get_session(store, summary['id'])
                    found.append(dict(session, hosts_to_enable=hosts_to_enable(session['steps'])))
        self.exit_json(sessions=found)


def main():
    MaintenanceSessionInfoModule()()


if __name__ == '__main__':
    main()
