# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova's serialized objects in its databases, and which of them a release's code cannot read.

nova keeps some records as JSON of its versioned objects (oslo.versionedobjects'
primitive: ``{"nova_object.name": ..., "nova_object.version": "1.42",
"nova_object.data": {...}}``, nested objects inside ``data``): the request
spec of every server (``nova_api.request_specs.spec``) and the JSON columns of
``instance_extra`` in the cells (flavor, numa_topology, keypairs, ...).  Code
reads such a record with ``obj_from_primitive``, which finds a registered class
of the same name whose version has the same major number and a minor number at
least as high (``VersionedObjectRegistry.obj_class_from_name``); any nested
object without one makes the whole record unreadable
(``IncompatibleObjectVersion``, ``UnsupportedObjectError``): the API answers 500
for that server.  A rollback to older code must find such records first.

The walk is pure; ``nova_registry`` imports the nova of the running interpreter
(the venv of the release to go back to), and ``scan`` reads the databases through
``nova_db.NovaDatabase`` (read-only, pages of rows).
"""

from __future__ import annotations

import json
import sys

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError

PREFIX = 'nova_object.'
NAME, VERSION, DATA = PREFIX + 'name', PREFIX + 'version', PREFIX + 'data'
# The columns of instance_extra that hold serialized nova objects (nova.db.main.models.InstanceExtra).
EXTRA_COLUMNS = ('numa_topology', 'pci_requests', 'flavor', 'vcpu_model', 'migration_context', 'keypairs',
                 'device_metadata', 'trusted_certs', 'resources')
PAGE = 500


def _version(text):
    """``'1.42'`` -> ``(1, 42)``; None when it is not ``major.minor``."""
    parts = str(text).split('.') if isinstance(text, str) else []
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])


def _newest(versions):
    parsed = [v for v in versions if _version(v)]
    return max(parsed, key=_version) if parsed else None


def why_unreadable(name, version, known):
    """Why code whose registry holds ``known`` (name -> its classes' versions) cannot read ``name`` ``version``,
    or None when it can.

    As oslo.versionedobjects decides: a class of that name of the same major version, at least as new.
    """
    if name not in known:
        return 'unknown object'
    wanted = _version(version)
    if wanted is None:
        return 'not a version'
    for have in (_version(v) for v in known[name]):
        if have and have[0] == wanted[0] and have >= wanted:
            return None
    return 'newer' if any(_version(v) and _version(v) < wanted for v in known[name]) else 'other major version'


def unreadable_objects(primitive, known, path=''):
    """Every nova object in ``primitive`` (decoded JSON), at any depth, that ``known`` cannot read.

    Dicts of ``object`` (its name), ``version``, ``known_version`` (the newest the registry has of it, or
    None), ``reason`` (``newer``, ``unknown object``, ``other major version``, ``not a version``) and
    ``path`` (the fields leading to it, ``spec.image.properties``), outermost first.
    """
    found = []
    if isinstance(primitive, list):
        for index, item in enumerate(primitive):
            found.extend(unreadable_objects(item, known, '%s[%d]' % (path, index)))
    elif isinstance(primitive, dict) and NAME in primitive:
        name, version = primitive.get(NAME), primitive.get(VERSION)
        reason = why_unreadable(name, version, known)
        if reason:
            found.append(dict(object=name, version=version, known_version=_newest(known.get(name, ())),
                              reason=reason, path=path))
        data = primitive.get(DATA)
        if isinstance(data, dict):
            for field in sorted(data):
                found.extend(unreadable_objects(data[field], known, '%s.%s' % (path, field) if path else field))
    elif isinstance(primitive, dict):
        for key in sorted(primitive):
            found.extend(unreadable_objects(primitive[key], known, '%s.%s' % (path, key) if path else str(key)))
    return found


def decode(text, where):
    """A JSON column's value decoded; an OsopsError naming ``where`` when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise OsopsError('%s is not JSON (%s): no nova code can read it; repair or delete that record, '
                         'then run this again.' % (where, exc))


def nova_registry():
    """The objects the running interpreter's nova knows: ``(name -> [versions], nova's version)``."""
    try:
        from nova import objects
        from nova.objects.base import NovaObjectRegistry
        objects.register_all()
        classes = NovaObjectRegistry.obj_classes()
    except Exception as exc:  # nova missing or broken in this interpreter: say which and why
        raise OsopsError('nova\'s objects cannot be loaded by %s (%s: %s). Run this with the interpreter of the '
                         'nova venv of the release whose code must read the records (for a rollback, the one '
                         'it goes back to: <venvs>/nova-<version>/bin/python).'
                         % (sys.executable, type(exc).__name__, exc))
    try:
        from importlib.metadata import version
        release = version('nova')
    except Exception:  # a nova without distribution metadata: its objects still tell
        release = None
    return dict((name, [cls.VERSION for cls in found]) for name, found in classes.items()), release


def _pages(database, url, table_name, columns, where=None):
    """The rows of ``table_name`` in pages of PAGE, by id: ``id`` and ``columns(table)``, ``where(table)``."""
    import sqlalchemy as sa
    last = 0
    while True:
        def query(t, last=last):
            cond = [t.c.id > last] + (where(t) if where else [])
            return sa.select(t.c.id, *columns(t)).where(*cond).order_by(t.c.id).limit(PAGE)
        rows = database.rows(url, table_name, query)
        yield from rows
        if len(rows) < PAGE:
            return
        last = rows[-1].id


def _instances(database, uuids):
    """uuid -> {name, cell, deleted} of ``uuids`` in every cell (a live row wins over deleted ones)."""
    import sqlalchemy as sa
    found, wanted = {}, sorted(uuids)
    for cell in database.cells(include_cell0=True):
        for start in range(0, len(wanted), PAGE):
            chunk = wanted[start:start + PAGE]
            rows = database.rows(cell['url'], 'instances', lambda t, chunk=chunk: sa.select(
                t.c.uuid, t.c.display_name, t.c.deleted).where(t.c.uuid.in_(chunk)))
            for row in rows:
                if row.uuid not in found or found[row.uuid]['deleted']:
                    found[row.uuid] = dict(name=row.display_name, cell=cell['name'], deleted=bool(row.deleted))
    return found


def scan(database, known):
    """Records in nova's databases that code with the registry ``known`` cannot read.

    ``request_specs`` of the API database, then ``instance_extra`` of the live instances of every cell
    (cell0 too). A request spec whose instance is deleted is left out (nova keeps it until
    ``archive_deleted_rows``; nothing reads it). Returns ``(records, counts)``: records are dicts of
    ``instance_uuid``, ``name``, ``cell``, ``table``, ``column`` and ``objects`` (``unreadable_objects``),
    ordered by instance; counts say how many rows were read and how many records of deleted servers
    were left out.
    """
    import sqlalchemy as sa
    records, counts = [], dict(request_specs=0, instance_extra=0, deleted_left_out=0)
    for row in _pages(database, database.api_url, 'request_specs', lambda t: [t.c.instance_uuid, t.c.spec]):
        counts['request_specs'] += 1
        where = 'request_specs.spec of instance %s' % row.instance_uuid
        objects = unreadable_objects(decode(row.spec, where), known, 'spec') if row.spec else []
        if objects:
            records.append(dict(instance_uuid=row.instance_uuid, name=None, cell=None, table='request_specs',
                                column='spec', objects=objects))
    if records:
        instances = _instances(database, set(r['instance_uuid'] for r in records))
        kept = []
        for record in records:
            instance = instances.get(record['instance_uuid'])
            if instance and instance['deleted']:
                counts['deleted_left_out'] += 1
                continue
            kept.append(dict(record, name=instance and instance['name'], cell=instance and instance['cell']))
        records = kept
    for cell in database.cells(include_cell0=True):
        def extra(t):
            return [t.c.instance_uuid] + [t.c[c] for c in EXTRA_COLUMNS if c in t.c]

        def live(t, url=cell['url']):
            instances = database.table(url, 'instances')
            return [t.c.deleted == 0, sa.select(instances.c.id).where(
                instances.c.uuid == t.c.instance_uuid, instances.c.deleted == 0).exists()]
        for row in _pages(database, cell['url'], 'instance_extra', extra, live):
            counts['instance_extra'] += 1
            for column, text in row._mapping.items():
                if column in ('id', 'instance_uuid') or not text:
                    continue
                where = 'instance_extra.%s of instance %s in cell %s' % (column, row.instance_uuid, cell['name'])
                objects = unreadable_objects(decode(text, where), known, column)
                if objects:
                    records.append(dict(instance_uuid=row.instance_uuid, name=None, cell=cell['name'],
                                        table='instance_extra', column=column, objects=objects))
    names = _instances(database, set(r['instance_uuid'] for r in records if r['name'] is None)) if records else {}
    for record in records:
        if record['name'] is None and record['instance_uuid'] in names:
            record['name'] = names[record['instance_uuid']]['name']
    records.sort(key=lambda r: (r['instance_uuid'], r['table'] != 'request_specs', r['column']))
    return records, counts


def summary(record, release=None):
    """One line for a record: ``server 5f0c… (mixed, cell1) request_specs.spec: ImageMetaProps 1.42 at
    spec.image.properties (nova 31.3.1 reads up to 1.39)``."""
    where = ', '.join(str(part) for part in (record['name'], record['cell']) if part)
    code = 'nova %s' % release if release else 'this nova'
    objects = '; '.join('%s %s at %s (%s)' % (
        o['object'], o['version'], o['path'] or record['column'],
        '%s reads up to %s' % (code, o['known_version']) if o['known_version'] else '%s: %s' % (code, o['reason']))
        for o in record['objects'])
    return 'server %s%s %s.%s: %s' % (record['instance_uuid'], ' (%s)' % where if where else '', record['table'],
                                      record['column'], objects)
