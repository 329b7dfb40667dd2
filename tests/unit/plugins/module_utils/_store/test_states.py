"""The status tables: every status can be reached, every upgrade and every maintenance session can finish.

The store's writers enforce these tables (test_upgrades.py drives every
allowed change through them, and every refused one); here, properties the
tables themselves must have.
"""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store import states as store_states
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import paths_from

TABLES = {
    'upgrade': (store_states.UPGRADE_TRANSITIONS,
                migrations.ACTIVE_UPGRADE_STATUSES + migrations.FINISHED_UPGRADE_STATUSES),
    'step': (store_states.STEP_TRANSITIONS, migrations.STEP_STATUSES),
    'session_step': (store_states.SESSION_STEP_TRANSITIONS, migrations.SESSION_STEP_STATUSES),
    'maintenance_host': (store_states.MAINTENANCE_HOST_TRANSITIONS, migrations.MAINTENANCE_HOST_STATES),
}


@pytest.mark.parametrize('kind', sorted(TABLES))
def test_the_table_names_exactly_the_statuses_the_database_accepts(kind):
    transitions, accepted = TABLES[kind]
    assert set(transitions) == set(accepted)
    for source, targets in transitions.items():
        assert set(targets) <= set(accepted), source
        assert len(set(targets)) == len(targets), source


@pytest.mark.parametrize('kind', sorted(TABLES))
def test_every_status_is_reached_from_pending(kind):
    transitions = TABLES[kind][0]
    assert set(paths_from(transitions, 'pending')) == set(transitions)


def test_upgrade_statuses_are_either_active_or_finished():
    active, finished = set(migrations.ACTIVE_UPGRADE_STATUSES), set(migrations.FINISHED_UPGRADE_STATUSES)
    assert active | finished == set(store_states.UPGRADE_TRANSITIONS)
    assert not active & finished
    assert 'pending' in active  # a new upgrade takes the cluster's slot


@pytest.mark.parametrize('status', sorted(store_states.UPGRADE_TRANSITIONS))
def test_a_final_upgrade_status_holds_no_slot_and_every_other_can_finish(status):
    reachable = paths_from(store_states.UPGRADE_TRANSITIONS, status)
    if not store_states.UPGRADE_TRANSITIONS[status]:
        assert status in migrations.FINISHED_UPGRADE_STATUSES
    assert set(reachable) & set(migrations.FINISHED_UPGRADE_STATUSES), (
        'an upgrade that is %s can never finish' % status)


def test_the_session_states_other_code_relies_on_are_states_of_the_table():
    # And the schema's CHECKs accept exactly the values of the step and host tables.
    for states in (store_states.RUNNABLE_SESSION_STATES, store_states.WAITING_SESSION_STATES,
                   store_states.FINISHED_SESSION_STATES, tuple(store_states.SESSION_PHASE_STATES.values())):
        assert set(states) <= set(store_states.SESSION_TRANSITIONS)
    assert set(store_states.SESSION_STEP_TRANSITIONS) == set(migrations.SESSION_STEP_STATUSES)
    assert set(store_states.MAINTENANCE_HOST_TRANSITIONS) == set(migrations.MAINTENANCE_HOST_STATES)
    assert set(store_states.SESSION_PHASE_STATES) == set(migrations.SESSION_STEP_PHASES)


@pytest.mark.parametrize('state', sorted(store_states.SESSION_TRANSITIONS))
def test_every_session_state_is_reached_and_every_session_can_finish(state):
    assert state in paths_from(store_states.SESSION_TRANSITIONS, 'SCHEDULED')
    assert 'MAINTENANCE_DONE' in paths_from(store_states.SESSION_TRANSITIONS, state)
    assert (not store_states.SESSION_TRANSITIONS[state]) == (state in store_states.FINISHED_SESSION_STATES)
