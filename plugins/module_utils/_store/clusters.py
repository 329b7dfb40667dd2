# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Clusters in the store: what discovery recorded, and its runs."""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, release_from_version
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models
from ansible_collections.osops.lifecycle.plugins.module_utils._store.models import utcnow
from ansible_collections.osops.lifecycle.plugins.module_utils._store.rows import as_json, plain, plain_rows, plain_select, without_secrets

try:
    import sqlalchemy as sa
    from sqlalchemy import orm
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


_HOST_FIELDS = ('address', 'roles')
_COMPONENT_KEY = ('service', 'binary', 'host')
_COMPONENT_FIELDS = ('version', 'release', 'state', 'extra')


def _desired_hosts(hosts):
    desired = {}
    for host in hosts:
        name = host.get('name')
        if not name:
            raise StoreError('A host needs a name: %r' % (host,))
        if name in desired:
            raise StoreError('Host %s is listed twice.' % name)
        desired[name] = {'name': name, 'address': host.get('address'),
                         'roles': sorted(set(as_json(host.get('roles') or [], 'roles of %s' % name)))}
    return desired


def _desired_components(components):
    desired = {}
    for component in components:
        if not component.get('service') or not component.get('binary'):
            raise StoreError('A component needs a service and a binary: %r' % (component,))
        key = (component['service'], component['binary'], component.get('host') or '')
        if key in desired:
            raise StoreError('Component %s %s on host %r is listed twice.' % key)
        version = component.get('version')
        desired[key] = dict(zip(_COMPONENT_KEY, key), **{
            'version': None if version is None else str(version),
            'release': component.get('release'),
            'state': component.get('state'),
            'extra': as_json(component.get('extra') or {}, 'extra of %s %s on %r' % key),
        })
    return desired


def _diff(existing, desired, key_fields, fields):
    """added / removed / changed between two ``{key: dict}`` maps, in key order."""
    added = [desired[key] for key in sorted(desired.keys() - existing.keys())]
    removed = [existing[key] for key in sorted(existing.keys() - desired.keys())]
    changed = []
    for key in sorted(existing.keys() & desired.keys()):
        before = dict((f, existing[key][f]) for f in fields if existing[key][f] != desired[key][f])
        if before:
            entry = dict((f, desired[key][f]) for f in key_fields)
            entry.update(before=before, after=dict((f, desired[key][f]) for f in before))
            changed.append(entry)
    return {'added': added, 'removed': removed, 'changed': changed}


def upsert_cluster(store, name, method, params=None, region=None, hosts=(), components=(),
                   check_mode=False):
    """Record what discovery found about cluster ``name``; return the difference.

    ``hosts`` are dicts with ``name``, ``address``, ``roles``; ``components``
    dicts with ``service``, ``binary``, ``host``, ``version``, ``release``,
    ``state``, ``extra``.  Hosts and components not listed are removed.
    Secrets are removed from ``params`` before they are stored.

    Returns ``{'changed', 'created', 'cluster', 'hosts', 'components'}``:
    ``cluster`` maps each changed cluster field to its ``before``/``after``;
    ``hosts`` and ``components`` hold ``added``, ``removed`` and ``changed``
    lists.  Nothing is written when nothing changed, nor in ``check_mode``.
    """
    wanted = {'region': region, 'method': method,
              'params': as_json(without_secrets(params or {}), 'params')}
    desired_hosts = _desired_hosts(hosts)
    desired_components = _desired_components(components)
    with store.transaction() as session:
        cluster = session.scalars(
            sa.select(models.Cluster).where(models.Cluster.name == name)
            .options(orm.selectinload(models.Cluster.hosts), orm.selectinload(models.Cluster.components))
        ).one_or_none()
        current = dict((h.name, plain(h)) for h in cluster.hosts) if cluster else {}
        host_diff = _diff(current, desired_hosts, ('name',), _HOST_FIELDS)
        current = dict(((c.service, c.binary, c.host), plain(c)) for c in cluster.components) if cluster else {}
        component_diff = _diff(current, desired_components, _COMPONENT_KEY, _COMPONENT_FIELDS)
        cluster_diff = {}
        if cluster is not None:
            cluster_diff = dict((f, {'before': getattr(cluster, f), 'after': wanted[f]})
                                for f in wanted if getattr(cluster, f) != wanted[f])
        result = {
            'created': cluster is None,
            'cluster': cluster_diff,
            'hosts': host_diff,
            'components': component_diff,
        }
        result['changed'] = bool(result['created'] or cluster_diff
                                 or any(host_diff.values()) or any(component_diff.values()))
        if result['changed'] and not check_mode:
            _apply_cluster(session, cluster, name, wanted, host_diff, component_diff)
    return result


def _apply_cluster(session, cluster, name, wanted, host_diff, component_diff):
    if cluster is None:
        cluster = models.Cluster(name=name, **wanted)
        session.add(cluster)
    else:
        for field, value in wanted.items():
            setattr(cluster, field, value)
        cluster.updated_at = utcnow()
    hosts = dict((h.name, h) for h in cluster.hosts)
    for entry in host_diff['removed']:
        cluster.hosts.remove(hosts[entry['name']])
    for entry in host_diff['changed']:
        for field, value in entry['after'].items():
            setattr(hosts[entry['name']], field, value)
    components = dict(((c.service, c.binary, c.host), c) for c in cluster.components)
    for entry in component_diff['removed']:
        cluster.components.remove(components[tuple(entry[f] for f in _COMPONENT_KEY)])
    for entry in component_diff['changed']:
        for field, value in entry['after'].items():
            setattr(components[tuple(entry[f] for f in _COMPONENT_KEY)], field, value)
    # New hosts and components as bulk INSERTs (executemany), not one ORM object each: a first
    # discovery of thousands of hosts spent most of its store time building and flushing objects.
    # The session flushes the removals and changes above (and a new cluster, for its id) first.
    session.flush()
    for model, added in ((models.Host, host_diff['added']), (models.Component, component_diff['added'])):
        if added:
            session.execute(sa.insert(model), [dict(entry, cluster_id=cluster.id) for entry in added])


def get_cluster(store, name):
    """Cluster ``name`` with its hosts and components, or None."""
    with store.transaction() as session:
        cluster = session.scalars(sa.select(models.Cluster).where(models.Cluster.name == name)).one_or_none()
        if cluster is None:
            return None
        result = plain(cluster)
        # In the order of the relationships Cluster.hosts and Cluster.components.
        result['hosts'] = plain_rows(session, plain_select(models.Host).where(models.Host.cluster_id == cluster.id)
                                     .order_by(models.Host.name))
        result['components'] = plain_rows(session, plain_select(models.Component)
                                          .where(models.Component.cluster_id == cluster.id)
                                          .order_by(models.Component.service, models.Component.binary,
                                                    models.Component.host))
        return result


def list_clusters(store):
    """Every cluster (without hosts and components), by name."""
    with store.transaction() as session:
        return [plain(c) for c in session.scalars(sa.select(models.Cluster).order_by(models.Cluster.name))]


def record_discovery_run(store, cluster, method, started_at, status, diff=None, api_calls=None,
                         error=None):
    """Record one discovery of cluster ``cluster`` (``status`` ok or failed); False when it is unknown.

    A run of a cluster that is not in the store (its first discovery failed)
    is not recorded: nothing about it is written.
    """
    with store.transaction() as session:
        cluster_id = session.scalar(sa.select(models.Cluster.id).where(models.Cluster.name == cluster))
        if cluster_id is None:
            return False
        session.add(models.DiscoveryRun(cluster_id=cluster_id, method=method, started_at=started_at,
                                        finished_at=utcnow(), status=status,
                                        diff=None if diff is None else as_json(diff, 'diff'),
                                        api_calls=api_calls, error=error))
    return True


def last_discovery_run(store, cluster, diff=True):
    """The latest discovery run of cluster ``cluster``, or None.

    With ``diff`` false, the run's ``diff`` is not read (a first discovery's
    lists every host and component it added).
    """
    with store.transaction() as session:
        run = models.DiscoveryRun
        runs = plain_rows(session, plain_select(run, leave_out=() if diff else ('diff',))
                          .join(models.Cluster, run.cluster_id == models.Cluster.id).where(models.Cluster.name == cluster)
                          .order_by(run.started_at.desc(), run.id.desc()).limit(1))
        return runs[0] if runs else None


def record_upgrade_versions(session, upgrade, status):
    """The cluster's components as a finished upgrade left its hosts, in the transaction that finishes it.

    Completed or cancelled: each component a done ``switch`` step moved runs that step's ``to_version``.
    Rolled back: each one a reverted ``switch`` step moved back runs its ``from_version`` again. Its release
    (and the reason, when the record keeps one) as discovery words them. A component recorded without a
    host (seen only in the catalog; its host is empty) follows its steps on every host. So a later plan -
    the same ``upgrade.yml`` run again - starts from what the hosts run, not from the last discovery: an
    upgrade that completed leaves nothing to upgrade.
    """
    wanted = {'completed': 'done', 'cancelled': 'done', 'rolled_back': 'reverted'}.get(status)
    if wanted is None:
        return
    step_ = models.UpgradeStep
    steps = session.scalars(sa.select(step_).where(
        step_.upgrade_id == upgrade.id, step_.action == 'switch', step_.status == wanted)).all()
    component = models.Component
    for step in steps:
        binary = (step.detail or {}).get('binary')
        version = step.from_version if status == 'rolled_back' else step.to_version
        if not (binary and version and step.service):
            continue
        try:  # as discovery words it, so that a discovery of the same hosts changes nothing
            release, reason = release_from_version(step.service, version)
        except ReleaseError as exc:
            release, reason = None, exc.msg
        rows = session.scalars(sa.select(component).where(
            component.cluster_id == upgrade.cluster_id, component.service == step.service, component.binary == binary,
            sa.or_(component.host == step.host, component.host == '', component.host.is_(None)))).all()
        for row in rows:
            row.version, row.release = version, release
            if 'release_reason' in (row.extra or {}):
                row.extra = dict(row.extra, release_reason=reason)
