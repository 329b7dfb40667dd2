#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade_report
short_description: Write an upgrade's report, one self-contained HTML page, from the state store
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Reads an upgrade (O(id), or the active or latest upgrade of O(cluster))
    from the state store and writes one HTML page to O(path).
  - "The page shows the plan as a timeline: one row per host (the cluster's
    own row first, for the upgrade path and readiness steps), one bar per step
    that ran, placed at its start, as long as it took and coloured by its
    outcome (done, failed, reverted, running), and a mark at each pause,
    failure, cancel and rollback the upgrade went through, with its reason.
    Then the failed steps with their errors, per service how many hosts ran
    each version before and after, and the readiness checks before and after
    (counts per result, the Warnings, every check)."
  - The page has its style inline and nothing else - no script, font or
    image - so it opens offline, from a mail or a change ticket.
  - The page depends only on what the store holds, so writing it again for
    an upgrade that did not move changes nothing (C(changed=false)). The
    file is replaced in one move, never half written. Missing parent
    directories are created.
  - The C(upgrade) role writes it at the end of every run
    (C(osops_upgrade_report_dir)); C(playbooks/upgrade_report.yml) writes it on
    demand.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  id:
    description:
      - Id of the upgrade.
      - One of O(id) and O(cluster) is required.
    type: str
  cluster:
    description:
      - Name of a cluster - its active upgrade, else its latest.
    type: str
  path:
    description:
      - The HTML file to write. A directory (an existing one, or a path ending
        in C(/)) gets C(upgrade-ID.html) in it.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    details: Says whether the file would change, and returns the report, without writing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.upgrade_info
  - module: osops.lifecycle.upgrade
'''

EXAMPLES = r'''
- name: The report of the latest upgrade of cluster prod
  osops.lifecycle.upgrade_report:
    cluster: prod
    path: /var/www/upgrades/
  delegate_to: localhost
  run_once: true
  register: report

- name: Where it is
  ansible.builtin.debug:
    msg: "{{ report.path }}: {{ report.report.status }}, {{ report.report.marks | length }} pauses, failures and rollbacks"
'''

RETURN = r'''
path:
  description: The file written (or that would be, in check mode).
  returned: always
  type: str
  sample: /var/www/upgrades/upgrade-4d0b2a51-6a43-4ac5-9b1e-2a49b8f3c0e1.html
report:
  description: What the page shows.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the upgrade.
      type: str
    cluster:
      description: Name of the cluster.
      type: str
    status:
      description: Status of the upgrade.
      type: str
      sample: completed
    seconds:
      description: Seconds from its first step (or status change) to its last; null before it started.
      type: float
      sample: 163.4
    rows:
      description:
        - The timeline, one row per host - C(host), C(cluster) (true for the
          cluster's own row), C(steps), C(not_run) and C(bars) - each bar a
          step that ran, with C(position), C(phase), C(action), C(status),
          C(label), C(error), C(seconds) and its C(left) and C(width) in
          percent of the timeline.
      type: list
      elements: dict
    marks:
      description:
        - Each pause, failure, cancel, rollback and the completion, oldest
          first - C(status), C(word), C(at), C(left), C(batch), C(reason).
      type: list
      elements: dict
    versions:
      description: C(before) and C(after), per service the number of hosts at each version.
      type: dict
      sample: {before: {nova: {31.3.1: 3}}, after: {nova: {33.0.2: 3}}}
    checks:
      description:
        - C(before) and C(after), the readiness steps - C(status),
          C(result), C(counts), C(warnings), C(checks) - or null when the
          plan has none.
      type: dict
    failed:
      description: The failed steps, each with C(position), C(label) and C(error).
      type: list
      elements: dict
'''

import os
import tempfile

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.upgrades import find_upgrade, get_upgrade, upgrade_events
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.report import render, report_model


class UpgradeReportModule(OsopsModule):
    argument_spec = dict(
        id=dict(type='str'),
        cluster=dict(type='str'),
        path=dict(type='path', required=True),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[('id', 'cluster')],
                         required_one_of=[('id', 'cluster')])

    def _read(self):
        upgrade_id, cluster = self.params['id'], self.params['cluster']
        with module_store(self, read_only=True) as store:
            if store is None:
                raise OsopsError('The state store holds nothing yet (its file does not exist): no upgrade to report. '
                                 'Run an upgrade first, or name the store with the store option.')
            if cluster is not None:
                found = find_upgrade(store, cluster)
                if found is None:
                    raise OsopsError('No upgrade of cluster %s in the store: ansible-playbook osops.lifecycle.upgrades '
                                     'lists the upgrades there are.' % cluster)
                upgrade_id = found['id']
            try:
                upgrade = get_upgrade(store, upgrade_id)
            except StoreError:
                raise OsopsError('No upgrade %s in the store: ansible-playbook osops.lifecycle.upgrades lists the '
                                 'upgrades there are.' % upgrade_id) from None
            return upgrade, upgrade_events(store, upgrade['id'])

    def _target(self, upgrade_id):
        path = self.params['path']
        if path.endswith('/') or os.path.isdir(path):
            path = os.path.join(path, 'upgrade-%s.html' % upgrade_id)
        return os.path.abspath(path)

    def run(self):
        upgrade, events = self._read()
        model = report_model(upgrade, events)
        page = render(model).encode('utf-8')
        path = self._target(upgrade['id'])
        try:
            with open(path, 'rb') as handle:
                changed = handle.read() != page
        except OSError:  # not there (or not readable: writing says why)
            changed = True
        if changed and not self.check_mode:
            self._write(path, page)
        self.exit_json(changed=changed, path=path, report=model)

    def _write(self, path, page):
        directory = os.path.dirname(path)
        try:
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix='.upgrade-report-', dir=directory)
            try:
                with os.fdopen(handle, 'wb') as out:
                    out.write(page)
                os.chmod(temporary, 0o644)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:
            raise OsopsError('Cannot write the report to %s: %s. Give a path this user can write.'
                             % (path, exc.strerror or exc)) from None


def main():
    UpgradeReportModule()()


if __name__ == '__main__':
    main()
