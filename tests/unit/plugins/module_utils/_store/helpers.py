"""What several of the state store's test modules share: sample inventory, direct SQL, paths.

Imported by name (``ansible_collections.osops.lifecycle.tests.unit...``); the
fixtures are in conftest.py.
"""

import multiprocessing

import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import batches as store_batches
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import session_steps as store_steps
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades

TABLES = {'alembic_version', 'clusters', 'hosts', 'components', 'discovery_runs', 'upgrades',
          'upgrade_steps', 'upgrade_events', 'maintenance_sessions', 'maintenance_hosts', 'maintenance_actions',
          'maintenance_steps'}
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


# The checks a readiness step of upgrade_story records (the upgrade role keeps them with check_rows).
CHECKS_BEFORE = [{'host': 'lab', 'project': 'nova', 'check': 'Cells v2', 'result': 'Success'},
                 {'host': 'controller', 'project': 'nova', 'check': 'hw_machine_type unset', 'result': 'Warning'}]


def run_batches(store, upgrade_id, count, fail=None, rollback=False):
    """Claim and finish ``count`` batches as the upgrade role would: done (reverted), the step at ``fail`` failed,
    readiness steps with a report's summary."""
    for _batch in range(count):
        claimed = store_batches.claim_batch(store, upgrade_id, 'test', rollback=rollback)
        results = []
        for step in claimed['steps']:
            result = {'position': step['position'], 'status': 'reverted' if rollback else 'done'}
            if step['action'] == 'readiness':
                result['detail'] = {'result': 'Warning', 'code': 1, 'warnings': ['nova: hw_machine_type unset'],
                                    'counts': {'Success': 1, 'Warning': 1, 'Failure': 0, 'Error': 0},
                                    'checks': CHECKS_BEFORE}
            if step['position'] == fail:
                result.update(status='failed', error='nova-compute did not start')
            results.append(result)
        store_batches.finish_batch(store, upgrade_id, claimed['batch'], results)


def upgrade_story(url, upgrade_id):
    """Upgrade ``upgrade_id`` (the lab's 54-step plan, started) runs 5 batches, is paused and continued, fails
    in compute1's batch (its restart, step 38), and is rolled back; returns it as the store has it then."""
    store = store_engine.open_store(url)
    try:
        run_batches(store, upgrade_id, 5)
        store_upgrades.transition_upgrade(store, upgrade_id, 'paused')
        store_upgrades.transition_upgrade(store, upgrade_id, 'running')
        run_batches(store, upgrade_id, 7, fail=38)
        store_batches.start_rollback(store, upgrade_id)
        for _batch in range(20):
            if store_upgrades.get_upgrade(store, upgrade_id, steps=False)['status'] == 'rolled_back':
                break
            run_batches(store, upgrade_id, 1, rollback=True)
        return store_upgrades.get_upgrade(store, upgrade_id)
    finally:
        store.close()
