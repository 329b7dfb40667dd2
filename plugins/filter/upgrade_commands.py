# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r'''
name: upgrade_commands
short_description: The command driver's commands of one action, as argument lists
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Takes what C(osops_upgrade_commands) gives for one action of the
    upgrade role's C(command) driver, already templated for the step, and
    returns the commands to run in order, each an argument list for
    C(ansible.builtin.command) C(argv) (no shell).
  - A string is one command line, split as a POSIX shell splits words
    (quotes, backslashes), without running a shell - no pipes, redirections
    or variables. A list of strings is one argument list. Any other list is
    several commands, each a command line or an argument list. An empty
    list is nothing to run.
  - Anything else - an empty command line, an empty argument list, a
    mapping, a number, a line with an unclosed quote - fails naming the
    action, what was given and what is expected.
positional: _input, action, before
options:
  _input:
    description: The action's command(s).
    type: raw
    required: true
  action:
    description: The action (V(switch), V(restart), ...), for the messages.
    type: str
    required: true
  before:
    description: Commands to put first (already argument lists), to gather several templatings.
    type: list
    elements: list
    default: []
'''

EXAMPLES = r'''
- name: The restart commands
  ansible.builtin.command:
    argv: "{{ item }}"
  loop: "{{ osops_upgrade_commands.restart | osops.lifecycle.upgrade_commands('restart') }}"
'''

RETURN = r'''
_value:
  description: The commands, in order, each a non-empty list of strings.
  type: list
  elements: list
'''

_EXPECTED = ('a command line, an argument list (a list of strings), a list of commands, or [] for nothing to run; '
             'a shell only when asked for, as [/bin/sh, -c, "..."]')


def _argv(command, action, given):
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise AnsibleFilterError('osops_upgrade_commands.%s: cannot split the command line %r (%s); give %s'
                                     % (action, command, exc, _EXPECTED))
        if not argv:
            raise AnsibleFilterError('osops_upgrade_commands.%s has an empty command line; give %s' % (action, _EXPECTED))
        return argv
    if isinstance(command, (list, tuple)) and command and all(isinstance(word, str) for word in command):
        return list(command)
    raise AnsibleFilterError('osops_upgrade_commands.%s: %r is not a command (in %r); give %s'
                             % (action, command, given, _EXPECTED))


def upgrade_commands(given, action, before=None):
    """What osops_upgrade_commands[action] gives -> ``before`` + the commands to run, each an argument list."""
    before = [list(argv) for argv in before or []]
    if isinstance(given, str):
        return before + [_argv(given, action, given)]
    if isinstance(given, Mapping) or not isinstance(given, (list, tuple)):
        raise AnsibleFilterError('osops_upgrade_commands.%s is a %s (%r); give %s'
                                 % (action, 'mapping' if isinstance(given, Mapping) else type(given).__name__,
                                    dict(given) if isinstance(given, Mapping) else given, _EXPECTED))
    if given and all(isinstance(word, str) for word in given):
        return before + [list(given)]
    return before + [_argv(command, action, given) for command in given]


class FilterModule:
    def filters(self):
        return {'upgrade_commands': upgrade_commands}
