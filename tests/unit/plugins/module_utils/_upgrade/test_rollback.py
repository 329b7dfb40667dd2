"""The rollback order of an upgrade's steps: code only, backwards, refused once finalize started."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.rollback import (
    RollbackRefused,
    revert_order,
    rollback_order,
)


def _stored(plan, statuses):
    """Steps as the store returns them: positions, batches and the given statuses (the rest pending)."""
    return [dict(step, position=position, batch=step['detail']['batch'], status=statuses.get(position, 'pending'))
            for position, step in enumerate(plan, 1)]


def _step(batch, phase, action, host, binary='nova-compute', frm='31.3.1', to='33.0.2'):
    return {'phase': phase, 'service': binary.split('-')[0], 'host': host, 'action': action, 'from_version': frm,
            'to_version': to, 'detail': {'batch': batch, 'binary': binary}}


CODE = ('switch', 'restart', 'wait_ready')
# 1 prepare | 2 expand | 3-5 control keystone | 6-11 compute cmp1, cmp2 (drained) | 12-16 compute cmp3 | 17 finalize
PLAN = ([_step(1, 'prepare', 'check_code', 'ctl'), _step(2, 'expand', 'db_expand', 'ctl', 'keystone')]
        + [_step(3, 'control', a, 'ctl', 'keystone', '27.1.0', '29.1.0') for a in CODE]
        + [_step(4, 'compute', a, h) for h in ('cmp1', 'cmp2') for a in CODE]
        + [_step(5, 'compute', a, 'cmp3') for a in ('drain',) + CODE + ('enable',)]
        + [_step(6, 'finalize', 'db_contract', 'ctl', 'keystone')])


def test_done_code_batches_are_undone_last_first_each_host_forward():
    steps = _stored(PLAN, dict((p, 'done') for p in range(1, 12)))
    order = rollback_order(steps)
    assert [(e['position'], e['action'], e['host']) for e in order] == [
        (9, 'switch', 'cmp2'), (10, 'restart', 'cmp2'), (11, 'wait_ready', 'cmp2'),
        (6, 'switch', 'cmp1'), (7, 'restart', 'cmp1'), (8, 'wait_ready', 'cmp1'),
        (3, 'switch', 'ctl'), (4, 'restart', 'ctl'), (5, 'wait_ready', 'ctl')]
    first = order[0]
    assert (first['from_version'], first['to_version'], first['reverts'], first['batch'], first['status']) == (
        '33.0.2', '31.3.1', 'switch', 4, 'done')
    assert order[-1]['to_version'] == '27.1.0' and order[-1]['detail']['binary'] == 'keystone'


def test_a_drained_host_is_enabled_after_its_code_is_back():
    statuses = dict((p, 'done') for p in range(1, 16))
    statuses[16] = 'running'  # enable was running when the rollback was asked
    order = revert_order(_stored(PLAN, statuses))
    assert [(e['position'], e['action'], e['reverts']) for e in order[:5]] == [
        (13, 'switch', 'switch'), (14, 'restart', 'restart'), (15, 'wait_ready', 'wait_ready'),
        (12, 'enable', 'drain'), (16, None, 'enable')]


def test_a_host_cut_short_gets_back_only_what_ran():
    # cmp1: switched, the restart failed, wait_ready never ran; cmp2 never started.
    statuses = dict((p, 'done') for p in range(1, 6))
    statuses.update({6: 'done', 7: 'failed'})
    order = revert_order(_stored(PLAN, statuses))
    assert [(e['position'], e['action'], e['status']) for e in order[:2]] == [(6, 'switch', 'done'), (7, 'restart', 'failed')]
    assert [e['position'] for e in order] == [6, 7, 3, 4, 5]


def test_nothing_ran_nothing_to_undo():
    assert rollback_order(_stored(PLAN, {})) == []
    assert rollback_order(_stored(PLAN, {1: 'done', 2: 'done'})) == []  # prepare and expand stay


@pytest.mark.parametrize('status', ['running', 'done', 'failed'])
def test_refused_once_a_finalize_step_started(status):
    steps = _stored(PLAN, dict([(p, 'done') for p in range(1, 17)] + [(17, status)]))
    with pytest.raises(RollbackRefused) as info:
        rollback_order(steps)
    assert info.value.msg == ('The upgrade cannot be rolled back: its finalize phase started with step 17 '
                              '(db_contract keystone on ctl, %s); contract steps remove what the old code needs. '
                              'Continue the upgrade instead.' % status)
    assert info.value.result == {'position': 17}
    assert revert_order(steps)[0]['position'] == 13  # the order itself does not check


def test_an_action_nobody_knows_how_to_undo_is_refused():
    plan = PLAN[:3] + [_step(3, 'control', 'reboot', 'ctl')]
    with pytest.raises(RollbackRefused) as info:
        rollback_order(_stored(plan, {1: 'done', 2: 'done', 3: 'done', 4: 'done'}))
    assert info.value.msg == 'Step 4: no way is known to undo action reboot.'
