# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: first_host
short_description: The first host of the play in some inventory groups
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Returns the first host of O(play_hosts) found in the inventory groups
    named by the input, taking the groups in the order given and each
    group's hosts in inventory order; null when none is in the play.
  - Groups the inventory does not have are skipped.
  - The C(check) role runs a tool of the whole cloud once, on the host it
    picks (C(osops_check_service_groups[project])), and the checks of the
    whole cloud on the first nova control host of the play.
positional: _input, groups, play_hosts
options:
  _input:
    description: Names of inventory groups.
    type: list
    elements: str
    required: true
  groups:
    description: The inventory's groups, group name to host names (C(groups)).
    type: dict
    required: true
  play_hosts:
    description: The hosts that may be picked (C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Run once per cloud, on the first nova control host of the play
  ansible.builtin.command: /openstack/venvs/nova/bin/nova-manage db online_data_migrations
  when: >-
    inventory_hostname == ['nova_conductor', 'nova_scheduler']
    | osops.lifecycle.first_host(groups, ansible_play_hosts)
'''

RETURN = r'''
_value:
  description: The host's name, or null when no host of the play is in the groups.
  type: str
'''


def first_host(group_names, groups, play_hosts):
    in_play = set(play_hosts)
    for name in group_names:
        for host in groups.get(name, ()):
            if host in in_play:
                return host
    return None


class FilterModule:
    def filters(self):
        return {'first_host': first_host}
