"""The maintenance role's filters: outcomes of claimed steps, the drain's target, plan and step lines."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.maintenance_run import (
    maintenance_plan_lines,
    maintenance_results,
    maintenance_step_lines,
    maintenance_target_host,
)

CLAIMED = [{'position': 3, 'host': 'compute1', 'action': 'drain'}, {'position': 9, 'host': 'compute2', 'action': 'drain'},
           {'position': 12, 'host': None, 'action': 'post_action'}]


def test_results_one_per_claimed_step_and_a_missing_outcome_fails():
    outcomes = [{'position': 3, 'outcome': 'done', 'detail': {'msg': 'ok'}},
                {'position': 12, 'outcome': 'failed', 'detail': {'msg': 'boom'}}, {'position': 99, 'outcome': 'done'}]
    assert maintenance_results(CLAIMED, outcomes) == [
        {'position': 3, 'outcome': 'done', 'detail': {'msg': 'ok'}},
        {'position': 9, 'outcome': 'failed', 'detail': {
            'msg': 'drain on compute2: no outcome came back from the host (unreachable, or the play lost it)'}},
        {'position': 12, 'outcome': 'failed', 'detail': {'msg': 'boom'}}]
    with pytest.raises(AnsibleFilterError):
        maintenance_results('x', [])


def test_target_host_only_when_the_plan_sends_everything_to_one_host():
    plan = {'moves': [{'host': 'compute1', 'destination_host': 'compute3'},
                      {'host': 'compute2', 'destination_host': 'compute1'},
                      {'host': 'compute2', 'destination_host': 'compute3'}]}
    assert maintenance_target_host(plan, 'compute1') == 'compute3'
    assert maintenance_target_host(plan, 'compute2') is None
    assert maintenance_target_host(plan, 'compute4') is None
    assert maintenance_target_host(None, 'compute1') is None


def test_lines():
    plan = {'batches': [{'batch': 1, 'az': 'nova', 'hosts': ['compute3'], 'reason': 'empty', 'notes': ['compute2 waits']}],
            'moves_twice': ['i-1']}
    assert maintenance_plan_lines(plan) == ['batch 1 (az nova): compute3 - empty', '  note: compute2 waits',
                                            '1 instances move twice (no room elsewhere): i-1']
    (line,) = maintenance_step_lines([{'position': 1, 'action': 'disable', 'host': 'compute1', 'status': 'done',
                                       'started_at': 'a', 'finished_at': 'b', 'detail': {'msg': 'm'}}])
    assert line == '  1 disable      compute1   done     a -> b: m'
