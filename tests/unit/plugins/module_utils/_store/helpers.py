"""What several of the state store's test modules share: sample inventory, direct SQL, paths.

Imported by name (``ansible_collections.osops.lifecycle.tests.unit...``); the
fixtures are in conftest.py.
"""

import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters

TABLES = {'alembic_version', 'clusters', 'hosts', 'components', 'discovery_runs', 'upgrades',
          'upgrade_steps', 'maintenance_sessions', 'maintenance_hosts', 'maintenance_actions'}
SECRET = 'Sup3r-Secret'

HOSTS = [
    {'name': 'ctl1', 'address': '127.0.0.2', 'roles': ['control']},
    {'name': 'cmp1', 'address': '127.0.0.3', 'roles': ['compute']},
]
COMPONENTS = [
    {'service': 'nova', 'binary': 'nova-conductor', 'host': 'ctl1', 'version': '29.4.0',
     'release': '2024.1', 'state': 'up', 'extra': {'zone': 'internal'}},
    {'service': 'nova', 'binary': 'nova-compute', 'host': 'cmp1', 'version': '29.4.0',
     'release': '2024.1', 'state': 'up', 'extra': {}},
    {'service': 'neutron', 'binary': 'neutron-dhcp-agent', 'host': 'ctl1', 'version': '24.2.2',
     'release': '2024.1', 'state': 'up'},
]


def _raw(url, sql, **params):
    """Run SQL on the store's database directly, bypassing the store API."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(sql), params)
            return result.fetchall() if result.returns_rows else None
    finally:
        engine.dispose()


def _cluster(store, name='lab'):
    store_clusters.upsert_cluster(store, name, 'api', {}, None, HOSTS, COMPONENTS)
    return name


def paths_from(transitions, start):
    """The shortest path from ``start`` to every status it can reach along ``transitions``.

    A dict of status to the statuses to pass through, in order (``start`` itself: ``[]``).
    """
    paths, queue = {start: []}, [start]
    while queue:
        current = queue.pop(0)
        for target in transitions[current]:
            if target not in paths:
                paths[target] = paths[current] + [target]
                queue.append(target)
    return paths
