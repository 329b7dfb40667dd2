# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only queries on nova's API and cell databases.

The checks that use this run on a nova host with the interpreter of nova's
own environment (for openstack-ansible ``/openstack/venvs/nova-<version>/bin/python``),
so SQLAlchemy and the database driver are the ones nova uses, and the
database URLs come from nova's configuration - as ``nova-status`` does.
Tables are reflected, never modelled, so the queries work on the schema of
any release; each table once per database and object (the checks of a batch
share one), without the tables its foreign keys name.  Nothing here writes
but :meth:`NovaDatabase.lower_service_version`.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import hide_password, mask_url
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import CONFIG_ARGUMENT_SPEC, ServiceConfig
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import release_of_nova_service_version

try:
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool
except ImportError:
    sa = None

CELL0_UUID = '00000000-0000-0000-0000-000000000000'
COMPUTE_BINARY = 'nova-compute'
CONTROL_BINARIES = ('nova-conductor', 'nova-scheduler', 'nova-osapi_compute')


def format_cell_url(template, default):
    """Fill a cell mapping's URL template from ``[database] connection``.

    Nova stores cell database URLs either literally or as templates such as
    ``{scheme}://{username}:{password}@{hostname}/{path}``; it fills them
    from the parts of its own ``[database] connection`` (nova.objects.cell_mapping).
    """
    if '{' not in template or not default:
        return template
    parts = urlsplit(default)
    return template.format(
        scheme=parts.scheme, username=parts.username, password=parts.password,
        hostname=parts.hostname, port=parts.port, path=parts.path.lstrip('/'),
        query=parts.query, fragment=parts.fragment)


class NovaDatabase:
    """nova's API database and its cells, as nova's configuration names them."""

    def __init__(self, config):
        if sa is None:
            raise OsopsError(
                'SQLAlchemy cannot be imported by %s. Run this check with the '
                'interpreter of nova\'s environment (for openstack-ansible: '
                'ansible_python_interpreter=/openstack/venvs/nova-<version>/bin/python).'
                % sys.executable)
        self.api_url = config.get('api_database', 'connection')
        if not self.api_url:
            raise OsopsError('[api_database] connection is not set in the nova config '
                             '(%s): this host is not a nova control host.'
                             % ', '.join(config.config_files))
        self.default_url = config.get('database', 'connection')
        self._engines = {}
        self._tables = {}
        self._cell_mappings = None

    def _engine(self, url):
        if url not in self._engines:
            try:
                self._engines[url] = sa.create_engine(url, poolclass=NullPool)
            except (sa.exc.ArgumentError, ImportError) as exc:
                raise OsopsError('Cannot use database URL %s: %s' % (mask_url(url), exc))
        return self._engines[url]

    def _reflected(self, url, table_name, bind):
        """``table_name`` of the database at ``url``, reflected with ``bind`` the first time it is asked for."""
        key = (url, table_name)
        if key not in self._tables:
            self._tables[key] = sa.Table(table_name, sa.MetaData(), autoload_with=bind, resolve_fks=False)
        return self._tables[key]

    def rows(self, url, table_name, build_query):
        """Run ``build_query(table)`` on ``table_name`` of the database at ``url``: its rows.

        A missing table, or a database that cannot be read, is an OsopsError
        naming the database with its password masked.
        """
        engine = self._engine(url)
        try:
            with engine.connect() as conn:
                return conn.execute(build_query(self._reflected(url, table_name, conn))).all()
        except sa.exc.NoSuchTableError:
            raise OsopsError('Database %s has no %s table: is it a nova database, '
                             'migrated with nova-manage db sync?' % (mask_url(url), table_name))
        except sa.exc.SQLAlchemyError as exc:
            reason = hide_password(str(getattr(exc, 'orig', None) or exc).splitlines()[0], engine.url.password)
            raise OsopsError('Cannot read %s from %s: %s' % (table_name, mask_url(url), reason))

    def table(self, url, table_name):
        """``table_name`` of the database at ``url``, reflected (for a query's second table)."""
        return self._reflected(url, table_name, self._engine(url))

    def cell_mappings(self):
        """Every cell mapping: dicts of uuid, name, url (templates filled).

        Read once per object: every check of a batch that shares this database
        asks for the cells, and one run reads one snapshot of them.
        """
        if self._cell_mappings is None:
            rows = self.rows(self.api_url, 'cell_mappings', lambda t: sa.select(
                t.c.uuid, t.c.name, t.c.database_connection).order_by(t.c.id))
            self._cell_mappings = [dict(uuid=r.uuid, name=r.name,
                                        url=format_cell_url(r.database_connection or '', self.default_url))
                                   for r in rows]
        return [dict(mapping) for mapping in self._cell_mappings]

    def cells(self, include_cell0=False):
        return [c for c in self.cell_mappings() if include_cell0 or c['uuid'] != CELL0_UUID]

    def host_mapping_count(self):
        return self.rows(self.api_url, 'host_mappings',
                         lambda t: sa.select(sa.func.count()).select_from(t))[0][0]

    def compute_node_count(self):
        """Non-deleted compute nodes in the database of ``[database] connection``."""
        if not self.default_url:
            return 0
        return self.rows(self.default_url, 'compute_nodes', lambda t: sa.select(
            sa.func.count()).select_from(t).where(t.c.deleted == 0))[0][0]

    def services(self, binaries):
        """Live services of ``binaries`` in every cell: dicts of cell, host, binary, version.

        Deleted and forced-down services are left out, as nova leaves them
        out of its minimum-version queries.
        """
        found = []
        for cell in self.cells():
            rows = self.rows(cell['url'], 'services', lambda t: sa.select(
                t.c.host, t.c.binary, t.c.version).where(
                    t.c.binary.in_(binaries), t.c.deleted == 0,
                    sa.or_(t.c.forced_down.is_(None), t.c.forced_down == sa.false())))
            found.extend(dict(cell=cell['name'], host=r.host, binary=r.binary,
                              version=r.version or 0) for r in rows)
        return found

    def service_versions(self):
        """Every non-deleted service in every cell, forced down or not.

        Dicts of cell, host, binary, version (None when unset) and
        forced_down, ordered by cell, binary and host.
        """
        found = []
        for cell in self.cells():
            rows = self.rows(cell['url'], 'services', lambda t: sa.select(
                t.c.host, t.c.binary, t.c.version, t.c.forced_down).where(
                    t.c.deleted == 0).order_by(t.c.binary, t.c.host, t.c.id))
            found.extend(dict(cell=cell['name'], host=r.host, binary=r.binary,
                              version=r.version, forced_down=bool(r.forced_down))
                         for r in rows)
        return found

    def lower_service_version(self, host, binary, version, check_mode=False):
        """Lower the service version of ``binary`` on ``host`` to ``version`` in every cell that records it.

        nova refuses to start a service older than the oldest live record of
        its binary (``ServiceTooOld``), its own record included: a service
        rolled back to older code must find its record at the version that
        code reports. Records already at or below ``version`` stay as they
        are (a starting service raises its own). Returns the changes, as
        dicts of cell, host, binary, before and after.
        """
        changes = []
        for cell in self.cells():
            def query(t):
                return sa.select(t.c.id, t.c.version).where(t.c.host == host, t.c.binary == binary, t.c.deleted == 0)
            for row in self.rows(cell['url'], 'services', query):
                if row.version is not None and row.version > version:
                    changes.append(dict(cell=cell['name'], host=host, binary=binary, before=row.version, after=version))
                    if not check_mode:
                        self._write(cell['url'], 'services', row.id, row.version, version)
        return changes

    def _write(self, url, table_name, row_id, before, after):
        """Compare-and-set ``version`` of one row: nothing changes when the service moved it meanwhile."""
        engine = self._engine(url)
        try:
            with engine.begin() as conn:
                table = self._reflected(url, table_name, conn)
                conn.execute(sa.update(table).where(table.c.id == row_id, table.c.version == before)
                             .values(version=after))
        except sa.exc.SQLAlchemyError as exc:
            reason = hide_password(str(getattr(exc, 'orig', None) or exc).splitlines()[0], engine.url.password)
            raise OsopsError('Cannot write %s of %s: %s' % (table_name, mask_url(url), reason))

    def instances_without_machine_type(self):
        """UUIDs of live instances, in every cell and cell0, without hw_machine_type."""
        found = []
        for cell in self.cells(include_cell0=True):
            def query(instances, url=cell['url']):
                meta = self.table(url, 'instance_system_metadata')
                has_type = sa.select(meta.c.id).where(
                    meta.c.instance_uuid == instances.c.uuid,
                    meta.c.key == 'image_hw_machine_type',
                    meta.c.deleted == 0).exists()
                return sa.select(instances.c.uuid).where(instances.c.deleted == 0, ~has_type)
            found.extend(r.uuid for r in self.rows(cell['url'], 'instances', query))
        return found


def version_release(version):
    """``{version, release, note}`` for one service version (None: no services)."""
    if version is None:
        return dict(version=None, release=None, note=None)
    found, note = release_of_nova_service_version(version)
    return dict(version=version, release=found.id if found else None, note=note)


def service_summary(services, binaries):
    """Count and lowest/highest version (with their releases) of the live ``binaries`` among ``services``."""
    counted = [s for s in services
               if s['binary'] in binaries and not s['forced_down'] and s['version'] is not None]
    versions = [s['version'] for s in counted]
    result = dict(binaries=list(binaries), count=len(counted),
                  min=version_release(min(versions) if versions else None),
                  max=version_release(max(versions) if versions else None))
    if not versions:
        reason = 'no live %s service with a version in the database' % ', '.join(binaries)
        result['min']['note'] = result['max']['note'] = reason
    return result


class NovaDatabaseModule(OsopsModule):
    """A module (not a check) that reads nova's API and cell databases.

    A missing or broken config, or a database that cannot be read, fails the module with the reason.
    """

    argument_spec = CONFIG_ARGUMENT_SPEC
    module_kwargs = dict(supports_check_mode=True)

    @property
    def database(self):
        """nova's databases, opened once from the nova config the ``config_files`` / ``config_dir`` options name."""
        if getattr(self, '_database', None) is None:
            self._database = NovaDatabase(ServiceConfig('nova', self.params['config_files'], self.params['config_dir']))
        return self._database
