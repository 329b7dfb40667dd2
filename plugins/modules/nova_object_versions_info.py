#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: nova_object_versions_info
short_description: Records in nova's databases that the running nova's code cannot read (before a rollback)
version_added: 0.1.0
author: osops.lifecycle contributors (@osops)
description:
  - nova keeps some records as JSON of its versioned objects - the request
    spec of every server (C(request_specs.spec) in the API database) and the
    JSON columns of C(instance_extra) in every cell (C(flavor),
    C(numa_topology), C(keypairs), C(migration_context), ...). Code reads a
    record only when it has a class of the same major version at least as new
    for the record's object and every object nested in it; otherwise nova
    raises C(IncompatibleObjectVersion) and its API answers 500 for that
    server and for listings that include it.
  - A server created, moved, resized or rebuilt through an upgraded control
    plane keeps records in the new release's object versions (its request
    spec holds C(ImageMetaProps) 1.42 in 2026.1), which the previous
    release's code cannot read. Run with the interpreter of the nova venv of
    the release to go back to, this module lists those records before a
    rollback - per server, each object whose version that code does not know,
    with the newest version it knows.
  - The objects known are those of the interpreter's nova
    (C(nova.objects.register_all()), C(NovaObjectRegistry)); the C(upgrade)
    role runs this before it starts a rollback that takes nova back.
  - Request specs of deleted servers are left out (nova keeps them until its
    deleted rows are archived; nothing reads them), and so is
    C(instance_extra) of deleted instances.
  - Run it on a nova control host. It only reads.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - osops.lifecycle.service_config
  - osops.lifecycle.nova_database
options: {}
requirements:
  - nova itself in the interpreter (the nova venv of the release whose code must read the records).
attributes:
  check_mode:
    support: full
    details: Only reads; the same in check mode.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
seealso:
  - module: osops.lifecycle.nova_service_version
  - module: osops.lifecycle.upgrade
'''

EXAMPLES = r'''
- name: Can 2025.1's nova read every record before the rollback?
  osops.lifecycle.nova_object_versions_info:
  register: newer
  run_once: true
  vars:
    ansible_python_interpreter: /openstack/venvs/nova-31.3.1/bin/python

- name: Stop when it cannot
  ansible.builtin.fail:
    msg: "{{ newer.msg }}"
  when: newer.records | length > 0
'''

RETURN = r'''
records:
  description:
    - The records the interpreter's nova cannot read, ordered by server; empty when it reads them all.
  returned: success
  type: list
  elements: dict
  contains:
    instance_uuid:
      description: The server's uuid.
      type: str
      sample: 5f0c2b9e-8d4f-4a51-9b3a-0d3c7e1f2a44
    name:
      description: The server's name, or null when no cell holds its instance.
      type: str
      sample: web-1
    cell:
      description: The cell of its instance, or null.
      type: str
      sample: cell1
    table:
      description: The table, V(request_specs) (API database) or V(instance_extra) (the cell's).
      type: str
      sample: request_specs
    column:
      description: The column holding the record.
      type: str
      sample: spec
    objects:
      description:
        - Each object in the record, at any depth, that the code cannot read -
          C(object) (its name), C(version), C(known_version) (the newest
          version of it the code knows, null for an object it does not know),
          C(reason) (V(newer), V(unknown object), V(other major version) or
          V(not a version)) and C(path) (the fields leading to it).
      type: list
      elements: dict
      sample: [{object: ImageMetaProps, version: '1.42', known_version: '1.39', reason: newer,
                path: spec.image.properties}]
    summary:
      description: The record in one line.
      type: str
      sample: >-
        server 5f0c2b9e-8d4f-4a51-9b3a-0d3c7e1f2a44 (web-1, cell1) request_specs.spec: ImageMetaProps 1.42 at
        spec.image.properties (nova 31.3.1 reads up to 1.39)
servers:
  description: The uuids of the servers with such records, sorted.
  returned: success
  type: list
  elements: str
  sample: [5f0c2b9e-8d4f-4a51-9b3a-0d3c7e1f2a44]
nova_version:
  description: The version of the interpreter's nova (whose code the records were compared with), or null.
  returned: success
  type: str
  sample: 31.3.1
counts:
  description:
    - Rows read - C(request_specs), C(instance_extra) - and
      C(deleted_left_out), the unreadable request specs of deleted servers left out.
  returned: success
  type: dict
  sample: {request_specs: 12, instance_extra: 12, deleted_left_out: 1}
msg:
  description: What was found, in words.
  returned: success
  type: str
  sample: 'nova 31.3.1 reads every record of 12 request specs and 12 instance_extra rows.'
'''

from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import NovaDatabaseModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_objects import nova_registry, scan, summary


class NovaObjectVersionsInfoModule(NovaDatabaseModule):

    def run(self):
        known, release = nova_registry()
        records, counts = scan(self.database, known)
        for record in records:
            record['summary'] = summary(record, release)
        servers = sorted(set(r['instance_uuid'] for r in records))
        code = 'nova %s' % release if release else 'This nova'
        if records:
            msg = '%s cannot read the records of %d server(s): %s' % (
                code, len(servers), '; '.join(r['summary'] for r in records))
        else:
            msg = '%s reads every record of %d request specs and %d instance_extra rows.' % (
                code, counts['request_specs'], counts['instance_extra'])
        self.exit_json(records=records, servers=servers, nova_version=release, counts=counts, msg=msg)


def main():
    NovaObjectVersionsInfoModule()()


if __name__ == '__main__':
    main()
