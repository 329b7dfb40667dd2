"""What several of the state store's test modules share: sample inventory, direct SQL, paths.

Imported by name (``ansible_collections.osops.lifecycle.tests.unit...``); the
fixtures are in conftest.py.
"""

import multiprocessing

import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import session_steps as store_steps
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions

TABLES = {'alembic_version', 'clusters', 'hosts', 'components', 'discovery_runs', 'upgrades',
          'upgrade_steps', 'maintenance_sessions', 'maintenance_hosts', 'maintenance_actions', 'maintenance_steps'}
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


def race(target, args_per_process):
    """Start ``target(*args, barrier, results)`` in one process per ``args``, at once; their outcomes, sorted."""
    context = multiprocessing.get_context('fork')
    barrier, results = context.Barrier(len(args_per_process)), context.Queue()
    workers = [context.Process(target=target, args=args + (barrier, results)) for args in args_per_process]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    return sorted(outcomes)


def maintenance_steps(hosts=('cmp1', 'cmp2')):
    """Steps as a workflow lays them out: downloads (stage 1), a pre action (2), one batch per host
    (disable, drain, enable), a post action."""
    steps = [{'phase': 'prepare', 'stage': 1, 'action': 'download', 'host': h} for h in hosts]
    steps.append({'phase': 'prepare', 'stage': 2, 'action': 'pre_action', 'plugin': 'dummy', 'metadata': {'wait': 1}})
    for batch, host in enumerate(hosts, 1):
        steps += [{'phase': 'host', 'stage': 2 + batch, 'batch': batch, 'host': host, 'action': action}
                  for action in ('disable', 'drain', 'enable')]
    steps.append({'phase': 'complete', 'stage': 3 + len(hosts), 'action': 'post_action', 'plugin': 'notify'})
    return steps


def computes(store, name='lab'):
    """Cluster ``name`` with the compute hosts cmp1 and cmp2."""
    store_clusters.upsert_cluster(store, name, 'api', {}, None, HOSTS + [{'name': 'cmp2', 'roles': ['compute']}],
                                  COMPONENTS)
    return name


def new_session(store, hosts=('cmp1', 'cmp2'), cluster='lab', **kwargs):
    """A session over ``hosts``, one batch each, with the steps of ``maintenance_steps``."""
    return store_sessions.create_session(store, cluster, [{'host': h, 'batch': b} for b, h in enumerate(hosts, 1)],
                                         steps=maintenance_steps(hosts), **kwargs)


def run_to_the_end(store, session):
    """Claim and finish (done) every step of ``session`` until it is MAINTENANCE_DONE."""
    hosts = [h['host'] for h in store_sessions.get_session(store, session['id'])['hosts']]
    while store_sessions.get_session(store, session['id'])['state'] != 'MAINTENANCE_DONE':
        claimed = (store_steps.claim_steps(store, session['id'], hosts)['claimed']
                   or store_steps.claim_steps(store, session['id'])['claimed'])
        assert claimed
        store_steps.finish_steps(store, session['id'], [{'position': s['position'], 'outcome': 'done'}
                                                        for s in claimed])
