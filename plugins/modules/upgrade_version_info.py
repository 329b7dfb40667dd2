#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: upgrade_version_info
short_description: The releases a cluster may upgrade to, and why not the others
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Kostyor's C(list-upgrade-versions) - for stored cluster O(name), or an
    explicit O(current_release), the releases it may upgrade to
    (N to N+1; a SLURP release also to the next SLURP release; only a release
    out today, by its release date in the collection's data) and, for every
    other known release (the same, older, too far, not released yet), why not.
  - The same rule as M(osops.lifecycle.check_upgrade_path) and the upgrade
    plan of M(osops.lifecycle.upgrade); one function decides for all three.
  - A cluster whose components run mixed releases, or whose release is
    unknown, may go nowhere; the reason says which components.
  - Only reads. A SQLite store file that does not exist is not created.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.store
options:
  name:
    description:
      - Name of a stored cluster; its release is that of its components.
    type: str
  current_release:
    description:
      - A release by id or name (V(2025.1), V(epoxy)), instead of a stored cluster.
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
- name: Where can prod go?
  osops.lifecycle.upgrade_version_info:
    name: prod
  delegate_to: localhost
  run_once: true
  register: prod_paths

- name: Where can a 2025.1 cloud go?
  osops.lifecycle.upgrade_version_info:
    current_release: '2025.1'
'''

RETURN = r'''
current_release:
  description: The release upgrades start from, or null when it is mixed or unknown.
  returned: always
  type: str
  sample: '2025.1'
reason:
  description: How RV(current_release) was found, or why it is null.
  returned: always
  type: str
  sample: every component runs 2025.1
upgrade_versions:
  description: Releases the cluster may upgrade to, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    release:
      description: Release id.
      type: str
      sample: '2025.2'
    name:
      description: Release name.
      type: str
      sample: flamingo
    slurp:
      description: Whether it is a SLURP release.
      type: bool
      sample: false
    rule:
      description: The rule that allows it - V(next) (N to N+1) or V(slurp) (a SLURP release to the next one).
      type: str
      choices: [next, slurp]
      sample: next
    reason:
      description: Why the path is supported.
      type: str
      sample: 2025.1 → 2025.2 is one release forward (N→N+1).
refused:
  description:
    - Every other known release, oldest first, with why not - the current release itself, older ones, later ones
      too far, and releases not out yet.
    - Every known release when the current one is unknown.
  returned: always
  type: list
  elements: dict
  contains:
    release:
      description: Release id.
      type: str
      sample: '2026.2'
    name:
      description: Release name.
      type: str
      sample: hibiscus
    slurp:
      description: Whether it is a SLURP release.
      type: bool
      sample: false
    rule:
      description:
        - The rule that refuses it, the first that applies of V(same) (the current release), V(backwards) (an
          older one), V(too_far) (more than N to N+1 or SLURP to the next SLURP) and V(unreleased) (its release
          date is after today).
        - V(current_unknown) when the current release is unknown (mixed, or no component's release known).
      type: str
      choices: [same, backwards, too_far, unreleased, current_unknown]
      sample: too_far
    reason:
      description: Why the cluster cannot upgrade to it.
      type: str
      sample: '2025.1 → 2026.2 skips 2026.1 (SLURP): only N→N+1 or SLURP→next SLURP is supported.'
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._base.store_options import STORE_ARGUMENT_SPEC
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.summary import cluster_release, upgrade_options
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, series
from ansible_collections.osops.lifecycle.plugins.module_utils._store.clusters import get_cluster


class UpgradeVersionInfoModule(OsopsModule):
    argument_spec = dict(
        name=dict(type='str'),
        current_release=dict(type='str'),
        **STORE_ARGUMENT_SPEC
    )
    module_kwargs = dict(supports_check_mode=True,
                         mutually_exclusive=[('name', 'current_release')],
                         required_one_of=[('name', 'current_release')])

    def current(self):
        if self.params['current_release'] is not None:
            try:
                found = series(self.params['current_release']).id
            except ReleaseError as exc:
                raise OptionError('current_release', self.params['current_release'],
                                  'an OpenStack release', exc.msg) from None
            return found, 'given as current_release'
        with module_store(self, read_only=True) as store:
            cluster = None if store is None else get_cluster(store, self.params['name'])
        if cluster is None:
            return None, 'no cluster named %s in the store; discover it first' % self.params['name']
        return cluster_release(cluster['components'])

    def run(self):
        current, reason = self.current()
        allowed, refused = upgrade_options(current, 'the current release is unknown: %s' % reason)
        self.exit_json(current_release=current, reason=reason, upgrade_versions=allowed, refused=refused)


def main():
    UpgradeVersionInfoModule()()


if __name__ == '__main__':
    main()
