# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova's online data migrations, counted with read-only queries.

``nova-manage db online_data_migrations`` has no read-only mode: it migrates
what it finds.  Each entry of :data:`ONLINE_MIGRATIONS` is one function of
its ``online_migrations`` list (``nova/cmd/manage.py``, the same eleven in
nova 29.x to 34.x: 2024.1 to 2026.2) and counts, with the query that
function runs, the rows it would still touch:

* ``pending``: rows the tool would migrate;
* ``stuck``: rows its query finds but the tool cannot migrate (it reports
  them as matched and not migrated on every run), with the reason.

Rows the tool finds and leaves alone by design are not counted: instances
without a host for ``populate_instance_compute_id`` (shelved-offloaded, or
not scheduled yet: nova sets compute_id when they land on a node).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

try:
    import sqlalchemy as sa
except ImportError:
    sa = None

# The uuid of the marker instance fill_virtual_interface_list keeps in each cell
# (nova.objects.virtual_interface.FAKE_UUID); populate_user_id skips its mapping.
MARKER_UUID = '00000000-0000-0000-0000-000000000000'


@dataclass(frozen=True)
class OnlineMigration:
    """One function of nova-manage's online_migrations: its name, its database, its counter."""

    name: str
    database: str  # 'api': nova's API database; 'cell': every cell's database
    count: Callable  # (NovaDatabase, url) -> (pending, stuck, why stuck)
    added: str  # the release whose nova-manage added it (its "# Added in" note)


def _count(db, url, table_name, where):
    """Rows of ``table_name`` for which ``where(table)`` holds."""
    return db.rows(url, table_name, lambda t: sa.select(sa.func.count()).select_from(t).where(*where(t)))[0][0]


def _simple(table_name, where):
    """A counter of the rows a migration's single query finds (the tool migrates them all)."""
    return lambda db, url: (_count(db, url, table_name, where), 0, None)


def _quota_limits(db, url):
    pending = sum(_count(db, url, name, lambda t: (t.c.deleted == 0,)) for name in ('quotas', 'project_user_quotas'))
    return pending, 0, None


def _empty_ratio(t):
    return (sa.or_(*[sa.or_(t.c[name] == 0, t.c[name].is_(None))
                     for name in ('ram_allocation_ratio', 'cpu_allocation_ratio', 'disk_allocation_ratio')]),
            t.c.deleted == 0)


def _compute_id(db, url):
    """Instances with a host and no compute_id; stuck when no compute node (deleted or not) is theirs."""
    def query(instances):
        nodes = db.table(url, 'compute_nodes')
        has_node = sa.select(nodes.c.id).where(nodes.c.host == instances.c.host,
                                               nodes.c.hypervisor_hostname == instances.c.node).exists()
        return sa.select(has_node.label('has_node'), sa.func.count()).where(
            instances.c.compute_id.is_(None), instances.c.host.is_not(None)).group_by(has_node)
    counts = {bool(row[0]): row[1] for row in db.rows(url, 'instances', query)}
    return (counts.get(True, 0), counts.get(False, 0),
            'instances whose host and node have no compute node record (nova logs "Unable to migrate instance" for each)')


def _user_id(db, url):
    """Instance mappings without user_id; stuck when they have no cell yet."""
    def query(t):
        return sa.select(t.c.cell_id.is_(None).label('no_cell'), sa.func.count()).where(
            t.c.user_id.is_(None), t.c.project_id != MARKER_UUID).group_by(t.c.cell_id.is_(None))
    counts = {bool(row[0]): row[1] for row in db.rows(url, 'instance_mappings', query)}
    return (counts.get(False, 0), counts.get(True, 0),
            'instance mappings without a cell (builds in flight, or left behind by failed ones)')


def _vif_ids(network_info):
    try:
        return [vif['id'] for vif in json.loads(network_info or '[]')]
    except (ValueError, TypeError, KeyError):
        return []


def _virtual_interfaces(db, url):
    """Instances after the migration's marker whose VIFs in the database are fewer than, or ordered unlike, their cache."""
    marker = db.rows(url, 'virtual_interfaces', lambda t: sa.select(t.c.tag).where(t.c.instance_uuid == MARKER_UUID))
    last = marker and db.rows(url, 'instances', lambda t: sa.select(t.c.created_at, t.c.id).where(t.c.uuid == marker[0][0]))

    def instances(t):
        caches = db.table(url, 'instance_info_caches')
        query = sa.select(t.c.uuid, caches.c.network_info).join(caches, caches.c.instance_uuid == t.c.uuid).where(
            t.c.deleted == 0, t.c.uuid != MARKER_UUID, caches.c.deleted == 0)
        if last:  # the tool goes on after the last instance it checked (ordered by created_at, then id)
            created, row_id = last[0]
            query = query.where(sa.or_(t.c.created_at > created, sa.and_(t.c.created_at == created, t.c.id > row_id)))
        return query
    cached = {row.uuid: _vif_ids(row.network_info) for row in db.rows(url, 'instances', instances)}
    in_db = {}
    for row in db.rows(url, 'virtual_interfaces', lambda t: sa.select(t.c.instance_uuid, t.c.uuid).where(
            t.c.deleted == 0, t.c.instance_uuid.in_(list(cached) or [''])).order_by(t.c.created_at, t.c.id)):
        in_db.setdefault(row.instance_uuid, []).append(row.uuid)
    pending = sum(1 for uuid, ids in cached.items()
                  if ids and (len(in_db.get(uuid, [])) < len(ids) or (len(in_db.get(uuid, [])) == len(ids) and in_db[uuid] != ids)))
    return pending, 0, None


ONLINE_MIGRATIONS = (
    OnlineMigration('migrate_quota_limits_to_api_db', 'cell', _quota_limits, 'Pike'),
    OnlineMigration('migrate_quota_classes_to_api_db', 'cell', _simple('quota_classes', lambda t: (t.c.deleted == 0,)), 'Pike'),
    OnlineMigration('migration_migrate_to_uuid', 'cell',
                    _simple('migrations', lambda t: (t.c.uuid.is_(None), t.c.deleted == 0)), 'Queens'),
    OnlineMigration('populate_uuids', 'cell', _simple('block_device_mapping', lambda t: (t.c.uuid.is_(None),)), 'Queens'),
    OnlineMigration('populate_missing_availability_zones', 'cell', _simple(
        'instances', lambda t: (t.c.host.is_not(None), t.c.availability_zone.is_(None))), 'Rocky'),
    OnlineMigration('populate_queued_for_delete', 'api', _simple(
        'instance_mappings', lambda t: (t.c.queued_for_delete.is_(None), t.c.cell_id.is_not(None))), 'Rocky'),
    OnlineMigration('migrate_empty_ratio', 'cell', _simple('compute_nodes', _empty_ratio), 'Stein'),
    OnlineMigration('fill_virtual_interface_list', 'cell', _virtual_interfaces, 'Stein'),
    OnlineMigration('populate_user_id', 'api', _user_id, 'Stein'),
    OnlineMigration('populate_dev_uuids', 'cell', _simple('pci_devices', lambda t: (t.c.uuid.is_(None),)), 'Victoria'),
    OnlineMigration('populate_instance_compute_id', 'cell', _compute_id, '2023.2'),
)


def pending_online_migrations(db):
    """Every migration with rows left: dicts of migration, database (``api`` or a cell's name), pending, stuck, why.

    Cell migrations are counted in every cell, cell0 included; nova-manage
    migrates the cell its ``[database] connection`` names.
    """
    found = []
    for migration in ONLINE_MIGRATIONS:
        where = [('api', db.api_url)] if migration.database == 'api' else [(c['name'], c['url']) for c in db.cells(include_cell0=True)]
        for name, url in where:
            pending, stuck, why = migration.count(db, url)
            if pending or stuck:
                found.append(dict(migration=migration.name, database=name, pending=pending, stuck=stuck,
                                  why=why if stuck else None))
    return found
