"""Upgrades in the store: one active per cluster, moved by compare-and-set along the transition tables."""

import uuid

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store import states as store_states
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import _cluster, _raw, paths_from, race


STEPS = [
    {'phase': 'control', 'service': 'keystone', 'host': 'ctl1', 'action': 'upgrade',
     'from_version': '25.0.0', 'to_version': '27.0.2'},
    {'phase': 'control', 'service': 'nova', 'host': None, 'action': 'db_sync', 'detail': {'once': True}},
    {'phase': 'computes', 'service': 'nova', 'host': 'cmp1', 'action': 'upgrade'},
]

# A path from pending to every status, along allowed transitions.
PATH_TO = paths_from(store_states.UPGRADE_TRANSITIONS, 'pending')
EDGES = [(a, b) for a, targets in sorted(store_states.UPGRADE_TRANSITIONS.items()) for b in targets]
STEP_PATH_TO = paths_from(store_states.STEP_TRANSITIONS, 'pending')
STEP_EDGES = [(a, b) for a, targets in sorted(store_states.STEP_TRANSITIONS.items()) for b in targets]


def _upgrade_at(store, status, cluster='lab'):
    upgrade = store_upgrades.create_upgrade(store, cluster, '2024.1', '2025.1', STEPS)
    for step in PATH_TO[status]:
        upgrade = store_upgrades.transition_upgrade(store, upgrade['id'], step)
    assert upgrade['status'] == status
    return upgrade


def test_a_new_upgrade_is_pending_with_its_steps_in_order(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    assert upgrade['status'] == 'pending' and upgrade['cluster'] == 'lab'
    assert uuid.UUID(upgrade['id'])
    assert [(s['position'], s['service'], s['action'], s['status']) for s in upgrade['steps']] == [
        (1, 'keystone', 'upgrade', 'pending'), (2, 'nova', 'db_sync', 'pending'),
        (3, 'nova', 'upgrade', 'pending')]
    assert upgrade['steps'][0]['to_version'] == '27.0.2' and upgrade['steps'][1]['detail'] == {'once': True}
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == upgrade['id']


def test_a_step_without_phase_or_action_is_refused(store):
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS + [{'phase': 'x'}])
    assert info.value.msg.startswith("Step 4 needs a phase and an action: {'phase': 'x'}")
    assert store_upgrades.active_upgrade(store, 'lab') is None


def test_an_unknown_cluster_is_named(store):
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, 'nowhere', '2024.1', '2025.1', [])
    assert info.value.msg.startswith("No cluster named 'nowhere' in the store")


@pytest.mark.parametrize('source,target', EDGES)
def test_every_allowed_transition(store, source, target):
    _cluster(store)
    upgrade = _upgrade_at(store, source)
    moved = store_upgrades.transition_upgrade(store, upgrade['id'], target, error='why' if target == 'failed' else None)
    assert moved['status'] == target == store_upgrades.get_upgrade(store, upgrade['id'])['status']
    active = store_upgrades.active_upgrade(store, 'lab')
    assert (active is not None) == (target in migrations.ACTIVE_UPGRADE_STATUSES)
    if target == 'failed':
        assert moved['error'] == 'why'
        assert store_upgrades.transition_upgrade(store, upgrade['id'], 'rolling_back')['error'] == 'why'


def test_every_status_an_upgrade_takes_is_its_history(store):
    """Each move is one event, in order, with its time, batch and reason; refused and lost moves add none."""
    upgrade = _upgrade_at(store, 'running', _cluster(store))
    store_upgrades.transition_upgrade(store, upgrade['id'], 'paused')
    store_upgrades.transition_upgrade(store, upgrade['id'], 'running')
    store_upgrades.transition_upgrade(store, upgrade['id'], 'failed', error='nova-api did not answer')
    with pytest.raises(StoreError):
        store_upgrades.transition_upgrade(store, upgrade['id'], 'completed')
    store_upgrades.transition_upgrade(store, upgrade['id'], 'rolling_back')
    events = store_upgrades.upgrade_events(store, upgrade['id'])
    assert [(e['from_status'], e['to_status'], e['reason']) for e in events] == [
        ('pending', 'running', None), ('running', 'paused', None), ('paused', 'running', None),
        ('running', 'failed', 'nova-api did not answer'), ('failed', 'rolling_back', 'nova-api did not answer')]
    times = [e['at'] for e in events]
    assert times == sorted(times) and all(times)
    assert store_upgrades.upgrade_events(store, 'no-such-upgrade') == []


@pytest.mark.parametrize('source', sorted(store_states.UPGRADE_TRANSITIONS))
def test_invalid_transitions_name_the_current_status_and_change_nothing(store, source):
    _cluster(store)
    upgrade = _upgrade_at(store, source)
    allowed = store_states.UPGRADE_TRANSITIONS[source]
    for target in sorted(set(store_states.UPGRADE_TRANSITIONS) - set(allowed)):
        with pytest.raises(StoreError) as info:
            store_upgrades.transition_upgrade(store, upgrade['id'], target)
        assert info.value.msg.startswith('Upgrade %s is %s: it cannot become %s (from %s it can only become '
                                         % (upgrade['id'], source, target, source))
        assert (', '.join(allowed) if allowed else 'nothing: it is final') in info.value.msg
        assert info.value.result == {'status': source}
    assert store_upgrades.get_upgrade(store, upgrade['id']) == upgrade


@pytest.mark.parametrize('status', migrations.ACTIVE_UPGRADE_STATUSES)
def test_every_active_upgrade_can_finish_and_then_frees_its_cluster(store, status):
    """No status holds the cluster's one active slot for good: from each, allowed transitions lead
    to a finished status, and once there the cluster takes a new upgrade."""
    upgrade = _upgrade_at(store, status, _cluster(store))
    paths = paths_from(store_states.UPGRADE_TRANSITIONS, status)
    finished = [paths[s] for s in migrations.FINISHED_UPGRADE_STATUSES if s in paths]
    assert finished, 'an upgrade that is %s can never finish' % status
    for step in min(finished, key=len):
        assert store_upgrades.active_upgrade(store, 'lab')['id'] == upgrade['id']
        upgrade = store_upgrades.transition_upgrade(store, upgrade['id'], step)
    assert upgrade['status'] in migrations.FINISHED_UPGRADE_STATUSES
    assert store_upgrades.active_upgrade(store, 'lab') is None
    assert store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', [])['status'] == 'pending'


def test_unknown_status_is_refused(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', [])
    with pytest.raises(StoreError) as info:
        store_upgrades.transition_upgrade(store, upgrade['id'], 'done')
    assert info.value.msg.startswith("Unknown upgrade status 'done'; expected one of pending, running")


def test_a_second_active_upgrade_names_the_first(store):
    first = _upgrade_at(store, 'paused', _cluster(store))
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', STEPS)
    assert info.value.msg == (
        'Cluster lab already has an active upgrade: {0} (2024.1 → 2025.1, status paused, started by unknown); '
        'nothing was recorded (one active upgrade per cluster). See where it stands: ansible-playbook '
        'osops.lifecycle.upgrade_status -e osops_upgrade_id={0}; continue it (one play at a time): ansible-playbook '
        'osops.lifecycle.upgrade_continue -e osops_upgrade_id={0}; or cancel it first: ansible-playbook '
        'osops.lifecycle.upgrade_cancel -e osops_upgrade_id={0}.'.format(first['id']))
    assert info.value.result == {'upgrade_id': first['id'], 'status': 'paused'}
    # Once it is finished, the cluster takes a new upgrade; another cluster always can.
    store_upgrades.create_upgrade(store, _cluster(store, 'other'), '2024.1', '2025.1', [])
    store_upgrades.transition_upgrade(store, first['id'], 'rolling_back')
    store_upgrades.transition_upgrade(store, first['id'], 'rolled_back')
    second = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', STEPS)
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == second['id']


def test_a_cancelled_upgrade_cannot_roll_back_over_an_active_one(store):
    cancelled = _upgrade_at(store, 'cancelled', _cluster(store))
    active = store_upgrades.create_upgrade(store, 'lab', '2024.1', '2025.1', [])
    with pytest.raises(StoreError) as info:
        store_upgrades.transition_upgrade(store, cancelled['id'], 'rolling_back')
    assert info.value.msg.startswith('Cluster lab already has an active upgrade: %s' % active['id'])
    assert store_upgrades.get_upgrade(store, cancelled['id'])['status'] == 'cancelled'


def test_the_database_itself_enforces_one_active_upgrade(store_url, store):
    """Writes that bypass the Python API are refused by the constraints."""
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', [])
    cluster_id = _raw(store_url, "SELECT id FROM clusters WHERE name = 'lab'")[0][0]
    insert = ("INSERT INTO upgrades (id, cluster_id, active_cluster_id, from_release, to_release, status, "
              "created_at, updated_at) VALUES (:id, :cid, :active, '2024.1', '2025.1', :status, "
              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    for active, status in [(cluster_id, 'running'),      # a second holder of the slot
                           (None, 'running'),            # active without the slot
                           (cluster_id + 1, 'completed'),  # finished but holding a slot
                           (None, 'exploded')]:          # not a status
        # (MariaDB reports a failed CHECK as an OperationalError, 4025.)
        with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)):
            _raw(store_url, insert, id=str(uuid.uuid4()), cid=cluster_id, active=active, status=status)
    _raw(store_url, insert, id=str(uuid.uuid4()), cid=cluster_id, active=None, status='completed')
    assert store_upgrades.active_upgrade(store, 'lab')['id'] == upgrade['id']


def _start_upgrade(url, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', store_upgrades.create_upgrade(opened, 'lab', '2024.1', '2025.1', STEPS)['id']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


def _move_upgrade(url, upgrade_id, status, barrier, results):
    opened = store_engine.open_store(url)
    barrier.wait()
    try:
        results.put(('won', store_upgrades.transition_upgrade(opened, upgrade_id, status)['status']))
    except StoreError as exc:
        results.put(('lost', exc.msg))
    finally:
        opened.close()


@pytest.mark.parametrize('round_', range(3))
def test_two_processes_starting_an_upgrade_at_once_exactly_one_wins(store_url, store, round_):
    _cluster(store)
    outcomes = race(_start_upgrade, [(store_url,), (store_url,)])
    assert [kind for kind, _text in outcomes] == ['lost', 'won']
    winner = outcomes[1][1]
    assert outcomes[0][1].startswith('Cluster lab already has an active upgrade: %s (2024.1 → 2025.1, '
                                     'status pending, started by unknown); nothing was recorded' % winner)
    assert _raw(store_url, 'SELECT id FROM upgrades') == [(winner,)]


def test_two_processes_moving_one_upgrade_at_once_exactly_one_wins(store_url, store):
    upgrade = _upgrade_at(store, 'running', _cluster(store))
    outcomes = race(_move_upgrade, [(store_url, upgrade['id'], 'paused'),
                                    (store_url, upgrade['id'], 'completed')])
    kinds = [kind for kind, _text in outcomes]
    assert sorted(kinds) == ['lost', 'won']
    final = store_upgrades.get_upgrade(store, upgrade['id'])['status']
    assert ('won', final) in outcomes
    loser = [text for kind, text in outcomes if kind == 'lost'][0]
    # Either it read the new status (serialised) or its compare-and-set found it moved.
    assert ('is %s: it cannot become' % final in loser
            or 'was moved from running to %s by another controller' % final in loser)


def test_compare_and_set_loses_to_a_controller_that_moved_first(store_url, store):
    """Another controller commits between this one's read and its write."""
    if store_url.startswith('sqlite'):
        pytest.skip('BEGIN IMMEDIATE serialises SQLite writers: the interleaving cannot happen')
    upgrade = _upgrade_at(store, 'running', _cluster(store))
    other = store_engine.open_store(store_url)

    def move_first(_conn, _cursor, statement, *_args):
        if statement.startswith('UPDATE upgrades') and not fired:
            fired.append(True)
            store_upgrades.transition_upgrade(other, upgrade['id'], 'paused')
    fired = []
    sa.event.listen(store.engine, 'before_cursor_execute', move_first)
    try:
        with pytest.raises(StoreError) as info:
            store_upgrades.transition_upgrade(store, upgrade['id'], 'cancelling')
    finally:
        other.close()
    assert info.value.msg == ('Upgrade %s was moved from running to paused by another controller '
                              'meanwhile; nothing changed.' % upgrade['id'])
    assert store_upgrades.get_upgrade(store, upgrade['id'])['status'] == 'paused'


def test_steps_move_through_their_statuses_with_times(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    running = store_upgrades.mark_step(store, upgrade['id'], 1, 'running')
    assert running['status'] == 'running' and running['started_at'] and running['finished_at'] is None
    again = store_upgrades.mark_step(store, upgrade['id'], 1, 'running')  # redone after a controller crash
    assert again['started_at'] >= running['started_at']
    done = store_upgrades.mark_step(store, upgrade['id'], 1, 'done', detail={'venv': '/openstack/venvs/keystone-27'})
    assert done['finished_at'] >= done['started_at'] and done['detail'] == {'venv': '/openstack/venvs/keystone-27'}
    assert store_upgrades.mark_step(store, upgrade['id'], 1, 'reverted')['status'] == 'reverted'
    assert [s['status'] for s in store_upgrades.get_upgrade(store, upgrade['id'])['steps']] == \
        ['reverted', 'pending', 'pending']


@pytest.mark.parametrize('status,message', [
    ('done', 'Step 2 of upgrade {id} is pending: it cannot become done (from pending it can only become running).'),
    ('reverted', 'Step 2 of upgrade {id} is pending: it cannot become reverted'),
    ('skipped', "Unknown step status 'skipped'"),
])
def test_invalid_step_changes_are_refused(store, status, message):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    with pytest.raises(StoreError) as info:
        store_upgrades.mark_step(store, upgrade['id'], 2, status)
    assert info.value.msg.startswith(message.format(id=upgrade['id']))
    assert store_upgrades.get_upgrade(store, upgrade['id']) == upgrade


def _step_at(store, status):
    """Upgrade of 'lab' whose step 1 has been moved along allowed step changes to ``status``."""
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    for step in STEP_PATH_TO[status]:
        store_upgrades.mark_step(store, upgrade['id'], 1, step)
    return store_upgrades.get_upgrade(store, upgrade['id'])


@pytest.mark.parametrize('source,target', STEP_EDGES)
def test_every_allowed_step_change(store, source, target):
    upgrade = _step_at(store, source)
    assert upgrade['steps'][0]['status'] == source
    moved = store_upgrades.mark_step(store, upgrade['id'], 1, target)
    assert moved['status'] == target == store_upgrades.get_upgrade(store, upgrade['id'])['steps'][0]['status']
    assert (moved['finished_at'] is None) == (target == 'running')


@pytest.mark.parametrize('source', sorted(store_states.STEP_TRANSITIONS))
def test_other_step_changes_name_the_current_status_and_change_nothing(store, source):
    upgrade = _step_at(store, source)
    allowed = store_states.STEP_TRANSITIONS[source]
    for target in sorted(set(store_states.STEP_TRANSITIONS) - set(allowed)):
        with pytest.raises(StoreError) as info:
            store_upgrades.mark_step(store, upgrade['id'], 1, target)
        assert info.value.msg.startswith('Step 1 of upgrade %s is %s: it cannot become %s (from %s it can only '
                                         'become ' % (upgrade['id'], source, target, source))
        assert (', '.join(allowed) if allowed else 'nothing: it is final') in info.value.msg
        assert info.value.result == {'status': source}
    assert store_upgrades.get_upgrade(store, upgrade['id']) == upgrade


def test_an_unknown_step_is_named(store):
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', STEPS)
    with pytest.raises(StoreError) as info:
        store_upgrades.mark_step(store, upgrade['id'], 9, 'running')
    assert info.value.msg == 'No step 9 of upgrade %s in the store.' % upgrade['id']


def test_an_upgrade_keeps_its_options_who_started_it_and_its_batches(store):
    steps = [dict(step, detail=dict(step.get('detail') or {}, batch=batch))
             for step, batch in zip(STEPS, (1, 1, 4))] + [{'phase': 'finalize', 'action': 'check'}]
    upgrade = store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', steps,
                                            options={'batch_size': 2}, started_by='ops@bastion')
    assert (upgrade['options'], upgrade['started_by'], upgrade['started_at'], upgrade['finished_at']) == (
        {'batch_size': 2}, 'ops@bastion', None, None)
    # A step without a batch is a batch of its own, after the one before it.
    assert [(s['position'], s['batch']) for s in upgrade['steps']] == [(1, 1), (2, 1), (3, 4), (4, 5)]
    running = store_upgrades.transition_upgrade(store, upgrade['id'], 'running')
    assert running['started_at'] and running['finished_at'] is None
    paused = store_upgrades.transition_upgrade(store, upgrade['id'], 'paused')
    again = store_upgrades.transition_upgrade(store, upgrade['id'], 'running')
    assert paused['started_at'] == again['started_at'] == running['started_at']  # the first start stays
    done = store_upgrades.transition_upgrade(store, upgrade['id'], 'completed')
    assert done['finished_at'] >= done['started_at']


@pytest.mark.parametrize('batches,message', [
    ((2, 1), 'Step 2: batch 1 comes after batch 2'),
    ((1, 'x'), "Step 2: batch 'x' comes after batch 1"),
    ((True, 1), 'Step 1: batch True comes after batch 0'),
])
def test_batches_that_go_down_are_refused(store, batches, message):
    steps = [dict(STEPS[i], detail={'batch': batch}) for i, batch in enumerate(batches)]
    with pytest.raises(StoreError) as info:
        store_upgrades.create_upgrade(store, _cluster(store), '2024.1', '2025.1', steps)
    assert info.value.msg.startswith(message)
    assert store_upgrades.list_upgrades(store) == []


def test_upgrades_are_listed_and_found(store):
    assert store_upgrades.list_upgrades(store) == [] and store_upgrades.find_upgrade(store, 'lab') is None
    first = _upgrade_at(store, 'completed', _cluster(store))
    store_upgrades.mark_step(store, first['id'], 1, 'running')
    second = store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', STEPS)
    other = store_upgrades.create_upgrade(store, _cluster(store, 'other'), '2024.1', '2025.1', STEPS[:1])
    listed = store_upgrades.list_upgrades(store)
    assert [(u['id'], u['cluster'], u['steps_total'], u['step_counts']) for u in listed] == [
        (first['id'], 'lab', 3, {'running': 1, 'pending': 2}), (second['id'], 'lab', 3, {'pending': 3}),
        (other['id'], 'other', 1, {'pending': 1})]
    assert [u['id'] for u in store_upgrades.list_upgrades(store, 'lab')] == [first['id'], second['id']]
    assert 'steps' not in listed[0]
    # The active upgrade, else the latest.
    assert store_upgrades.find_upgrade(store, 'lab')['id'] == second['id']
    store_upgrades.transition_upgrade(store, second['id'], 'cancelled')
    third = store_upgrades.create_upgrade(store, 'lab', '2025.1', '2026.1', STEPS)
    store_upgrades.transition_upgrade(store, third['id'], 'cancelled')
    assert store_upgrades.find_upgrade(store, 'lab')['id'] == third['id']
    assert store_upgrades.find_upgrade(store, 'nowhere') is None
