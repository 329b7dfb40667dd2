# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: release
short_description: Facts about an OpenStack release series
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - Returns the collection's release data for a series named by id or name
    (C(2026.1), C(gazpacho)) - its id, name, SLURP flag, dates, status, each
    project's first and last version, and nova's compute service versions.
  - With O(project), returns instead the series that shipped that version of
    the project (C('31.3.1' | osops.lifecycle.release('nova'))), or null.
  - An unknown release fails the task with the list of known ones.
positional: _input, project
options:
  _input:
    description: A release id or name, or with O(project) a version of that project.
    type: str
    required: true
  project:
    description: A project (C(nova), C(keystone), ...) whose version O(_input) is.
    type: str
'''

EXAMPLES = r'''
- name: The nova major version 2026.1 ships
  ansible.builtin.debug:
    msg: "{{ ('2026.1' | osops.lifecycle.release).projects.nova.first.split('.') | first }}"

- name: The release of the installed nova
  ansible.builtin.debug:
    msg: "{{ ('31.3.1' | osops.lifecycle.release('nova')).id }}"
'''

RETURN = r'''
_value:
  description: The series as a dict (id, name, slurp, released, status, eol, projects, ...), or null.
  type: dict
'''

from ansible.errors import AnsibleFilterError

try:
    from packaging.version import InvalidVersion, Version
except ImportError:
    Version = None

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import release_of, series


def release(value, project=None):
    try:
        found = release_of(project, value) if project else series(value)
    except OsopsError as exc:
        raise AnsibleFilterError(exc.msg)
    return found.as_dict() if found else None


def newest_version(versions, below=None):
    """The newest of ``versions`` (strings), optionally only those below ``below``; or None."""
    if Version is None:
        raise AnsibleFilterError('newest_version needs the Python library packaging on the controller')
    parsed = []
    for text in versions:
        try:
            parsed.append((Version(str(text)), text))
        except InvalidVersion:
            continue
    if below is not None:
        limit = Version(str(below))
        parsed = [p for p in parsed if p[0] < limit]
    return max(parsed)[1] if parsed else None


class FilterModule:
    def filters(self):
        return {'release': release, 'newest_version': newest_version}
