"""upgrade_status_lines and upgrade_status_table: an upgrade as upgrade_info returns it, as lines or a table."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.upgrade_status_lines import (
    upgrade_status_lines,
    upgrade_status_table,
)

RUNNING = {
    'id': 'u1', 'cluster': 'prod', 'from_release': '2025.1', 'to_release': '2026.1', 'status': 'running',
    'started_by': 'ops@bastion', 'steps_total': 54, 'batches_total': 26,
    'step': {'position': 41, 'phase': 'compute', 'batch': 18, 'status': 'running',
             'label': 'compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2'},
    'hosts_upgraded': 2, 'hosts_total': 3, 'services': {'nova': {'33.0.2': 2, '31.3.1': 1}, 'keystone': {'29.1.0': 1}},
    'failed_step': None, 'error': None, 'elapsed': 3725, 'remaining': 90,
}


def test_a_running_upgrade():
    assert upgrade_status_lines(RUNNING) == [
        'Upgrade u1 of prod: 2025.1 -> 2026.1, running (started by ops@bastion)',
        'Phase compute, batch 18 of 26, step 41 of 54: compute batch 2/2: switch nova-compute on compute2 '
        '31.3.1 → 33.0.2 (running)',
        'Hosts upgraded: 2 of 3',
        'keystone: 29.1.0 on 1 host',
        'nova: 31.3.1 on 1 host, 33.0.2 on 2 hosts',
        'Elapsed 1 h 02 min, about 1 min 30 s left',
    ]


def test_brief_is_the_first_line():
    assert upgrade_status_lines(RUNNING, brief=True) == upgrade_status_lines(RUNNING)[:1]


def test_a_failed_step_is_named_with_its_reason_and_a_finished_upgrade_has_no_time_left():
    failed = dict(RUNNING, status='failed', elapsed=42, failed_step=dict(RUNNING['step'], error='host unreachable'))
    assert 'Failed step 41: compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2: host unreachable' \
        in upgrade_status_lines(failed)
    assert upgrade_status_lines(failed)[-1] == 'Elapsed 42 s, about 1 min 30 s left'
    done = dict(RUNNING, status='completed', step=None, started_by=None, remaining=0)
    lines = upgrade_status_lines(done)
    assert lines[0] == 'Upgrade u1 of prod: 2025.1 -> 2026.1, completed' and lines[-1] == 'Elapsed 1 h 02 min'
    assert not any(line.startswith('Phase') for line in lines)


@pytest.mark.parametrize('value', [None, {}, 'u1', {'cluster': 'prod'}])
def test_not_an_upgrade_is_refused(value):
    with pytest.raises(AnsibleFilterError, match='expects an upgrade as upgrade_info returns it'):
        upgrade_status_lines(value)


def rows(lines):
    """The table's rows, borders dropped, a value wrapped over several lines joined."""
    assert lines[0].startswith('+-') and lines[-1].startswith('+-')
    found = []
    for line in lines:
        if line.startswith('|'):
            field, value = [cell.strip() for cell in line.strip('|').split('|')]
            if field or not found:
                found.append([field, value])
            else:
                found[-1][1] += ' ' + value
    return found


def test_the_table_shows_the_same_facts_field_by_field():
    table = rows(upgrade_status_table(RUNNING))
    assert table == [
        ['Field', 'Value'],
        ['upgrade', 'u1'], ['cluster', 'prod'], ['releases', '2025.1 -> 2026.1'], ['status', 'running'],
        ['started by', 'ops@bastion'], ['phase', 'compute, batch 18 of 26'], ['step', '41 of 54'],
        ['doing', 'compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2 (running)'],
        ['hosts upgraded', '2 of 3'], ['keystone', '29.1.0 on 1 host'], ['nova', '31.3.1 on 1 host, 33.0.2 on 2 hosts'],
        ['elapsed', '1 h 02 min, about 1 min 30 s left'],
    ]


def test_the_table_of_a_failed_and_of_a_finished_upgrade():
    failed = rows(upgrade_status_table(dict(RUNNING, status='failed', failed_step=dict(RUNNING['step'], error='boom'))))
    assert ['failed step', '41: compute batch 2/2: switch nova-compute on compute2 31.3.1 → 33.0.2: boom'] in failed
    done = rows(upgrade_status_table(dict(RUNNING, status='completed', step=None, started_by=None, error='x')))
    assert ['started by', '-'] in done and ['error', 'x'] in done and ['elapsed', '1 h 02 min'] in done
    assert not [row for row in done if row[0] in ('phase', 'step', 'doing', 'failed step')]


def test_a_long_value_wraps_within_the_width():
    long = dict(RUNNING, error='a reason ' * 30)
    lines = upgrade_status_table(long, max_width=40)
    assert max(len(line) for line in lines) == len('| hosts upgraded | ') + 40 + len(' |')
    assert len([line for line in lines if 'a reason' in line]) > 1


@pytest.mark.parametrize('value', [None, {}, 'u1', {'cluster': 'prod'}])
def test_not_an_upgrade_gets_no_table(value):
    with pytest.raises(AnsibleFilterError, match='upgrade_status_table expects an upgrade as upgrade_info returns it'):
        upgrade_status_table(value)
