# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: newest_venv
short_description: A project's newest venv older than a release, and its interpreter
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - openstack-ansible keeps one venv per project and version,
    C(<venvs_dir>/<project>-<version>). Of the venvs of O(project) in
    O(found), returns the newest older than the major version of O(before)
    (the venv of the release running before an upgrade to that version), or
    the newest of all when none is older; null when O(found) has none.
  - Versions compare as P(osops.lifecycle.newest_version#filter) compares them;
    names whose rest is not a version are left out.
  - The filter runs on the controller, so the venvs present on the host come
    in O(found), as M(ansible.builtin.find) returned them there.
positional: _input, project, found
options:
  _input:
    description: The directory of the venvs on the host (C(/openstack/venvs)).
    type: str
    required: true
  project:
    description: The project whose venvs count (C(nova)).
    type: str
    required: true
  found:
    description:
      - The venvs on the host, each with its C(path) - C(installed) of
        M(osops.lifecycle.service_version_info), or C(files) of M(ansible.builtin.find).
    type: list
    elements: dict
    required: true
  before:
    description:
      - A version of the project (for example the first of the target
        release, C(33.0.0)). Venvs of its major version or newer count only
        when no other is there.
    type: str
'''

EXAMPLES = r'''
- name: Find nova's venvs
  ansible.builtin.find:
    paths: /openstack/venvs
    patterns: "nova-*"
    file_type: directory
  register: nova_venvs

- name: Nova's venv before the upgrade to 2026.1 (nova 33)
  ansible.builtin.set_fact:
    nova_venv: "{{ '/openstack/venvs' | osops.lifecycle.newest_venv('nova', nova_venvs.files, before='33.0.0') }}"

- name: Nova's RPC pin, read with nova's interpreter
  osops.lifecycle.check_rpc_pin:
  vars:
    ansible_python_interpreter: "{{ nova_venv.python }}"
'''

RETURN = r'''
_value:
  description: The venv, or null.
  type: dict
  contains:
    version:
      description: The project's version in the venv.
      type: str
      sample: 31.3.1
    python:
      description: The venv's interpreter, C(<venvs_dir>/<project>-<version>/bin/python).
      type: str
      sample: /openstack/venvs/nova-31.3.1/bin/python
'''

import posixpath

from ansible_collections.osops.lifecycle.plugins.filter.release import newest_version


def newest_venv(venvs_dir, project, found, before=None):
    prefix = project + '-'
    names = [posixpath.basename(item['path']) for item in found]
    versions = [name[len(prefix):] for name in names if name.startswith(prefix)]
    version = None
    if before:
        version = newest_version(versions, below=str(before).split('.', 1)[0] + '.0.0')
    version = version or newest_version(versions)
    if version is None:
        return None
    return {'version': version, 'python': '%s/%s%s/bin/python' % (venvs_dir, prefix, version)}


class FilterModule:
    def filters(self):
        return {'newest_venv': newest_venv}
