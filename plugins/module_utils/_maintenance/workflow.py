# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Workflows of a maintenance session: the steps each host goes through, laid out in order.  Pure code.

A session's steps, each recorded in the store before and after it runs:

- phase ``prepare``: ``download`` on every host at once (stage 1, when the
  session downloads anything), then each ``pre`` action in turn;
- phase ``host``: batch after batch (one stage each; the hosts of a batch at
  once), every host through the workflow's steps; ``host_action`` stands for
  one step per ``host`` action, in the order given;
- phase ``complete``: each ``post`` action in turn.

The role runs what a step names; these functions only lay the steps out.
"""

from __future__ import annotations

import os
import re

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError

# Steps of one host, by workflow name: disable nova-compute (the reason names the session), notify the
# application's manager, move the instances off, the host actions, enable, verify it is up and enabled.
WORKFLOWS = {
    'default': ('disable', 'notify', 'drain', 'host_action', 'enable', 'verify'),
}
FQCN = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*$')
CHECKSUM = re.compile(r'^(md5|sha1|sha224|sha256|sha384|sha512):[0-9a-fA-F]+$')


def host_steps(workflow):
    """The steps of one host in workflow ``workflow``; OptionError naming the known ones when unknown."""
    if workflow not in WORKFLOWS:
        raise OptionError('workflow', workflow, 'one of %s' % ', '.join(sorted(WORKFLOWS)),
                          'More workflows come with later versions of the collection.')
    return WORKFLOWS[workflow]


def check_actions(actions):
    """Each action's plugin is a task file or a module's FQCN (an absolute task file must exist)."""
    for index, action in enumerate(actions):
        plugin = action['plugin']
        if plugin.endswith(('.yml', '.yaml')):
            if os.path.isabs(plugin) and not os.path.isfile(plugin):
                raise OptionError('actions[%d].plugin' % index, plugin, 'an existing task file',
                                  'No such file on the controller.')
        elif not FQCN.match(plugin):
            raise OptionError('actions[%d].plugin' % index, plugin,
                              "a task file (.yml or .yaml) or a module's FQCN (namespace.collection.module)")


def check_download(download):
    for index, item in enumerate(download):
        if not CHECKSUM.match(item['checksum']):
            raise OptionError('download[%d].checksum' % index, item['checksum'],
                              'ALGORITHM:HEX with ALGORITHM one of md5, sha1, sha224, sha256, sha384, sha512')


def lay_out(workflow, batches, actions, download):
    """Every step of a session, in the order they run (dicts for ``_store.sessions.create_session``).

    ``batches``: host names, batch after batch; ``actions``: dicts with
    ``plugin``, ``type`` and ``metadata``; ``download``: what each host fetches
    first.
    """
    steps, stage = [], 0
    hosts = [host for batch in batches for host in batch]
    if download and hosts:
        stage += 1
        steps += [{'phase': 'prepare', 'stage': stage, 'host': host, 'action': 'download'} for host in hosts]
    for action in [a for a in actions if a['type'] == 'pre']:
        stage += 1
        steps.append({'phase': 'prepare', 'stage': stage, 'action': 'pre_action', 'plugin': action['plugin'],
                      'metadata': action.get('metadata') or {}})
    on_host = [a for a in actions if a['type'] == 'host']
    for number, batch in enumerate(batches, 1):
        stage += 1
        for host in batch:
            for name in host_steps(workflow):
                for action in on_host if name == 'host_action' else [None]:
                    steps.append({'phase': 'host', 'stage': stage, 'batch': number, 'host': host, 'action': name,
                                  'plugin': action and action['plugin'],
                                  'metadata': (action.get('metadata') or {}) if action else {}})
    for action in [a for a in actions if a['type'] == 'post']:
        stage += 1
        steps.append({'phase': 'complete', 'stage': stage, 'action': 'post_action', 'plugin': action['plugin'],
                      'metadata': action.get('metadata') or {}})
    return steps


def hosts_to_enable(steps):
    """Hosts a session may have disabled and not enabled again: its ``disable`` step started, its
    ``enable`` step not done."""
    started = dict((s['host'], s['status']) for s in steps if s['action'] == 'disable' and s['status'] != 'pending')
    enabled = set(s['host'] for s in steps if s['action'] == 'enable' and s['status'] == 'done')
    return sorted(host for host in started if host not in enabled)
