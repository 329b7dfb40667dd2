"""Planning a drain and the loop that moves the instances, on plain data with a fake clock."""

import itertools

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import drain
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.drain import (
    CONFIRM,
    DONE,
    FAILED,
    RUNNING,
    Refused,
    Unseen,
    final_check,
    judge,
    move_all,
    plan_drain,
    plan_instance,
)
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils.fake_clock import Clock

STATUSES = ['ACTIVE', 'PAUSED', 'SHUTOFF', 'SUSPENDED', 'ERROR', 'RESCUE', 'SHELVED', 'VERIFY_RESIZE',
            'BUILD', 'MIGRATING', 'RESIZE', 'REBOOT', 'HARD_REBOOT', 'UNKNOWN']
TASK_STATES = [None, 'migrating', 'powering-off', 'resize_prep', 'rebooting', 'spawning']
METHOD = {'ACTIVE': 'live', 'PAUSED': 'live', 'SHUTOFF': 'cold'}


def instance(name, status='ACTIVE', task_state=None, iid=None):
    return dict(id=iid or 'id-' + name, name=name, status=status, task_state=task_state, host='c1')


@pytest.mark.parametrize('status,task_state', list(itertools.product(STATUSES, TASK_STATES)))
def test_every_status_and_task_state(status, task_state):
    method, reason = plan_instance(instance('a', status, task_state))
    if task_state:
        assert (method, reason) == (None, 'task_state %s (an operation is in progress)' % task_state)
    elif status in METHOD:
        assert (method, reason) == (METHOD[status], None)
    else:
        assert method is None and reason.startswith('status %s' % status)


@pytest.mark.parametrize('status,fallback_cold,fallback', [
    ('ACTIVE', True, 'cold'), ('ACTIVE', False, None), ('PAUSED', True, None),
    ('SHUTOFF', True, None), ('SHUTOFF', False, None),
])
def test_a_cold_fallback_only_for_active_instances(status, fallback_cold, fallback):
    (move,), skipped = plan_drain([instance('a', status)], 'c1', fallback_cold=fallback_cold)
    assert move['fallback'] == fallback and skipped == []


def test_the_plan_orders_by_name_and_names_the_target():
    moves, skipped = plan_drain([instance('b', 'SHUTOFF'), instance('a'), instance('c', 'PAUSED')], 'c1', 'c2')
    assert [(m['name'], m['method'], m['from'], m['to'], m['outcome']) for m in moves] == [
        ('a', 'live', 'c1', 'c2', 'planned'), ('b', 'cold', 'c1', 'c2', 'planned'),
        ('c', 'live', 'c1', 'c2', 'planned')]
    assert plan_drain([instance('a')], 'c1')[0][0]['to'] is None  # the scheduler chooses


def test_unmovable_instances_refuse_the_host_naming_all_of_them():
    with pytest.raises(MaintenanceError) as raised:
        plan_drain([instance('ok'), instance('bad', 'ERROR'), instance('busy', 'ACTIVE', 'migrating')], 'c1')
    msg = raised.value.msg
    assert msg.startswith('Host c1 has instances that cannot be moved: bad (id-bad): status ERROR; '
                          'busy (id-busy): task_state migrating')
    assert 'Nothing was changed' in msg and 'skip_unmovable' in msg
    assert [u['name'] for u in raised.value.result['unmovable']] == ['bad', 'busy']


def test_skip_unmovable_leaves_them_reported():
    moves, skipped = plan_drain([instance('ok'), instance('bad', 'ERROR')], 'c1', skip_unmovable=True)
    assert [m['name'] for m in moves] == ['ok']
    assert [(s['name'], s['outcome'], s['method'], s['message']) for s in skipped] == [
        ('bad', 'skipped', None, 'status ERROR')]


def move(method='live', status='ACTIVE', fallback=None, name='a'):
    return dict(id='id-' + name, name=name, status=status, method=method, fallback=fallback, outcome='planned',
                duration=None, migration_id=None, message=None, to=None, **{'from': 'c1'})


def seen(status='ACTIVE', task_state=None, host='c2', migration_status=None, fault=None):
    return dict(status=status, task_state=task_state, host=host, migration_status=migration_status, fault=fault)


@pytest.mark.parametrize('method,status,look,verdict', [
    ('live', 'ACTIVE', seen('MIGRATING', 'migrating', 'c1'), RUNNING),
    ('live', 'ACTIVE', seen('ACTIVE'), DONE),
    ('live', 'ACTIVE', seen('ACTIVE', migration_status='completed'), DONE),
    # On its new host and settled while nova's record still runs (the source cleans up): not yet done.
    ('live', 'ACTIVE', seen('ACTIVE', migration_status='running'), RUNNING),
    ('live', 'ACTIVE', seen('ACTIVE', migration_status='post-migrating'), RUNNING),
    ('cold', 'SHUTOFF', seen('SHUTOFF', migration_status='confirming'), RUNNING),
    ('cold', 'SHUTOFF', seen('SHUTOFF', migration_status='confirmed'), DONE),
    ('live', 'PAUSED', seen('PAUSED'), DONE),
    ('live', 'ACTIVE', seen('ACTIVE', host='c1', migration_status='error'), FAILED),
    ('live', 'ACTIVE', seen('ACTIVE', host='c1', migration_status='cancelled'), FAILED),
    ('live', 'ACTIVE', seen('ERROR', host='c1', fault='boom'), FAILED),
    ('live', 'ACTIVE', seen('SHUTOFF'), FAILED),
    ('cold', 'SHUTOFF', seen('RESIZE', 'resize_migrating', 'c1'), RUNNING),
    ('cold', 'SHUTOFF', seen('VERIFY_RESIZE'), CONFIRM),
    ('cold', 'SHUTOFF', seen('VERIFY_RESIZE', 'resize_confirming'), RUNNING),
    # confirmed (by an earlier look, or nova's resize_confirm_window): the source still cleans up - not again
    ('cold', 'SHUTOFF', seen('VERIFY_RESIZE', migration_status='confirming'), RUNNING),
    ('cold', 'SHUTOFF', seen('VERIFY_RESIZE', migration_status='confirmed'), RUNNING),
    ('cold', 'SHUTOFF', seen('VERIFY_RESIZE', migration_status='finished'), CONFIRM),
    ('cold', 'SHUTOFF', seen('SHUTOFF'), DONE),
    ('cold', 'ACTIVE', seen('ACTIVE'), DONE),
    ('cold', 'SHUTOFF', seen('SHUTOFF', host='c1', migration_status='error'), FAILED),
    ('cold', 'SHUTOFF', seen('ACTIVE'), FAILED),
])
def test_judge(method, status, look, verdict):
    assert judge(move(method, status), look)[0] == verdict


def test_judge_says_why():
    assert judge(move(), seen('ERROR', fault='No valid host'))[1] == 'the instance went to ERROR: No valid host'
    assert judge(move(), seen(host='c1', migration_status='error'))[1] == (
        'live migration did not move it (migration status error); it is still on c1, ACTIVE')
    assert judge(move('cold', 'SHUTOFF'), seen('ACTIVE'))[1] == 'it reached c2 as ACTIVE, not SHUTOFF'


class FakeMover:
    """Migrations that take ``takes`` seconds (None: never end), refusals and failures per instance."""

    def __init__(self, clock, takes=10, refuse=(), fail=(), unseen=(), no_valid_host=None):
        self.clock, self.takes, self.refuse, self.fail, self.unseen = clock, takes, refuse, fail, unseen
        self.no_valid_host = dict(no_valid_host or {})  # id -> refusals left ("No valid host")
        self.refused = []  # (id, time) of each No valid host
        self.started, self.aborted, self.confirmed = {}, [], []
        self.running_max = self.running = 0
        self.where = {}

    def start(self, move):
        if (move['id'], move['method']) in self.refuse:
            raise Refused('HTTP 400: nope')
        if self.no_valid_host.get(move['id'], 0) > 0:
            self.no_valid_host[move['id']] -= 1
            self.refused.append((move['id'], self.clock()))
            raise Refused('HTTP 400: No valid host was found.', no_valid_host=True)
        self.started[move['id']] = (self.clock(), move['method'])
        self.running += 1
        self.running_max = max(self.running_max, self.running)

    def _takes(self, move):
        return self.takes[move['id']] if isinstance(self.takes, dict) else self.takes

    def observe(self, move):
        if move['id'] in self.unseen and self.clock() < 5:
            raise Unseen('HTTP 503')
        if move['id'] in self.where:
            return self.where[move['id']]
        at, method = self.started[move['id']]
        move['migration_id'] = 7
        takes = self._takes(move)
        if move['id'] in self.aborted:
            return self._end(move, seen(move['status'], host='c1', migration_status='cancelled'))
        if takes is None or self.clock() - at < takes:
            return seen('MIGRATING', 'migrating', 'c1')
        if (move['id'], method) in self.fail:
            return self._end(move, seen(move['status'], host='c1', migration_status='error'))
        if method == 'cold' and move['id'] not in self.confirmed:
            return seen('VERIFY_RESIZE', host='c2')
        return self._end(move, seen(move['status'], host='c2', migration_status='completed'))

    def _end(self, move, look):
        self.running -= 1
        if look['host'] != 'c1':
            self.where[move['id']] = look
        return look

    def confirm(self, move):
        self.confirmed.append(move['id'])

    def abort(self, move):
        self.aborted.append(move['id'])
        return 'aborting migration 7'


def drive(moves, mover, clock, parallel=1, timeout=100, retry_wait=0):
    return move_all(moves, mover, parallel, timeout, clock=clock, sleep=clock.sleep, retry_wait=retry_wait)


def test_live_and_cold_moves_succeed_one_at_a_time():
    clock = Clock()
    moves = [move(), move('cold', 'SHUTOFF', name='b')]
    mover = FakeMover(clock)
    drive(moves, mover, clock)
    assert [(m['outcome'], m['to'], m['method'], m['migration_id']) for m in moves] == [
        ('moved', 'c2', 'live', 7), ('moved', 'c2', 'cold', 7)]
    assert mover.confirmed == ['id-b'] and mover.running_max == 1
    assert moves[0]['duration'] == 10.0 and moves[1]['duration'] == 12.0  # one look more to confirm
    assert not any(k.startswith('_') for m in moves for k in m)


@pytest.mark.parametrize('parallel,expected_max', [(1, 1), (2, 2), (3, 3), (10, 5)])
def test_parallel_is_the_limit_of_moves_in_flight(parallel, expected_max):
    clock = Clock()
    moves = [move(name='m%d' % i) for i in range(5)]
    mover = FakeMover(clock)
    drive(moves, mover, clock, parallel=parallel)
    assert mover.running_max == expected_max and {m['outcome'] for m in moves} == {'moved'}


def test_a_stuck_live_migration_is_aborted_through_the_api():
    clock = Clock()
    moves = [move(), move(name='b')]
    mover = FakeMover(clock, takes={'id-a': None, 'id-b': 4})
    drive(moves, mover, clock, timeout=30)
    assert mover.aborted == ['id-a']
    assert moves[0]['outcome'] == 'aborted' and moves[0]['to'] is None
    assert moves[0]['message'].startswith('live migration took longer than 30 s and was aborted; live migration '
                                          'did not move it (migration status cancelled)')
    assert moves[1]['outcome'] == 'moved'  # the next one still ran


def test_a_migration_that_completes_while_it_is_aborted_is_moved():
    clock = Clock()
    mover = FakeMover(clock, takes=31)
    mover.abort = lambda m: 'aborting migration 7'  # too late: nova finishes it anyway
    moves = drive([move()], mover, clock, timeout=30)
    assert (moves[0]['outcome'], moves[0]['to']) == ('moved', 'c2')
    assert moves[0]['message'] == ('it completed before the abort asked after 30 s took effect '
                                   '(aborting migration 7)')


def test_an_abort_that_never_settles_is_a_timeout_bounded_in_time():
    clock = Clock()
    mover = FakeMover(clock, takes=None)
    asked = []
    mover.abort = lambda m: asked.append(m['id']) or 'abort refused: HTTP 400'  # nothing changes
    moves = drive([move()], mover, clock, timeout=30)
    assert asked == ['id-a'] and moves[0]['outcome'] == 'timeout'
    assert clock.now <= 30 + drain.ABORT_WAIT + 2 * drain.POLL_INTERVAL
    assert moves[0]['message'] == ('live migration still in progress after 30 s (task_state migrating); abort '
                                   'refused: HTTP 400, and it did not end within 120 s more')


def test_a_cold_migration_cannot_be_aborted_it_times_out():
    clock = Clock()
    mover = FakeMover(clock, takes=None)
    moves = drive([move('cold', 'SHUTOFF')], mover, clock, timeout=20)
    assert mover.aborted == [] and moves[0]['outcome'] == 'timeout'
    assert moves[0]['message'] == ('cold migration still in progress after 20 s (task_state migrating); '
                                   'not aborted: nova cannot abort a cold migration')
    assert clock.now <= 20 + 2 * drain.POLL_INTERVAL


@pytest.mark.parametrize('how', ['refused', 'failed'])
def test_live_refused_or_failed_falls_back_to_cold(how):
    clock = Clock()
    mover = FakeMover(clock, refuse=[('id-a', 'live')] if how == 'refused' else (),
                      fail=[('id-a', 'live')] if how == 'failed' else ())
    moves = drive([move(fallback='cold')], mover, clock)
    assert (moves[0]['outcome'], moves[0]['method'], moves[0]['fallback']) == ('moved', 'cold', None)
    assert moves[0]['message'].startswith('live migration %s: ' % how)


@pytest.mark.parametrize('how', ['refused', 'failed'])
def test_without_fallback_the_instance_fails_and_the_others_go_on(how):
    clock = Clock()
    mover = FakeMover(clock, refuse=[('id-a', 'live')] if how == 'refused' else (),
                      fail=[('id-a', 'live')] if how == 'failed' else ())
    moves = drive([move(), move(name='b')], mover, clock)
    assert [m['outcome'] for m in moves] == ['failed', 'moved']
    expected = ('live migration refused: HTTP 400: nope' if how == 'refused'
                else 'live migration did not move it (migration status error); it is still on c1, ACTIVE')
    assert moves[0]['message'] == expected


def test_cold_refused_after_live_refused_says_both():
    clock = Clock()
    mover = FakeMover(clock, refuse=[('id-a', 'live'), ('id-a', 'cold')])
    moves = drive([move(fallback='cold')], mover, clock)
    assert moves[0]['outcome'] == 'failed'
    assert moves[0]['message'] == 'live migration refused: HTTP 400: nope; cold migration refused: HTTP 400: nope'


def test_an_instance_that_cannot_be_read_for_a_while_is_waited_for():
    clock = Clock()
    mover = FakeMover(clock, takes=2, unseen=['id-a'])
    assert drive([move()], mover, clock)[0]['outcome'] == 'moved'


def test_final_check_reads_every_moved_instance_again():
    clock = Clock()
    mover = FakeMover(clock)
    moves = drive([move(), move(name='b')], mover, clock)
    mover.where['id-b'] = seen('SHUTOFF', host='c3')  # stopped by someone meanwhile
    final_check(moves, mover)
    assert moves[0]['outcome'] == 'moved'
    assert moves[1]['outcome'] == 'failed' and moves[1]['message'].startswith('final check: it is on c3 as SHUTOFF')


def test_no_valid_host_is_tried_again_and_the_others_go_first():
    clock = Clock()
    mover = FakeMover(clock, no_valid_host={'id-a': 2})
    moves = drive([move(), move('cold', 'SHUTOFF', name='b'), move(name='c')], mover, clock, retry_wait=180)
    assert [(m['name'], m['outcome']) for m in moves] == [('a', 'moved'), ('b', 'moved'), ('c', 'moved')]
    # the refused one waits behind the others (RETRY_INTERVAL at least): the scheduler's view has time to catch up
    assert [t for _i, t in mover.refused] == [0.0, 22.0]
    assert sorted(mover.started, key=lambda i: mover.started[i][0]) == ['id-b', 'id-c', 'id-a']
    assert mover.started['id-a'][0] == 32.0
    assert moves[0]['message'] == ("nova's scheduler found no valid host 2 times over 32 s (its view of the hosts "
                                   "lags behind live migrations) before it accepted the migration")
    assert moves[0]['duration'] == 10.0  # the migration's own time, not the wait
    assert not any(k.startswith('_') for m in moves for k in m)


def test_no_valid_host_for_good_fails_once_the_wait_is_over():
    clock = Clock()
    mover = FakeMover(clock, no_valid_host={'id-a': 10 ** 6})
    moves = drive([move(), move(name='b')], mover, clock, parallel=2, retry_wait=60)
    assert [m['outcome'] for m in moves] == ['failed', 'moved']
    tries = [t for _i, t in mover.refused]
    assert tries == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]  # every RETRY_INTERVAL, bounded by the wait
    assert moves[0]['message'] == ("live migration refused: HTTP 400: No valid host was found. (nova's scheduler "
                                   "found no valid host 7 times over 60 s)")
    assert not any(k.startswith('_') for m in moves for k in m)


def test_without_a_wait_no_valid_host_fails_at_once():
    clock = Clock()
    mover = FakeMover(clock, no_valid_host={'id-a': 1})
    moves = drive([move()], mover, clock)
    assert (moves[0]['outcome'], moves[0]['duration']) == ('failed', 0.0)
    assert moves[0]['message'] == 'live migration refused: HTTP 400: No valid host was found.'


def test_no_valid_host_then_the_cold_fallback_after_the_wait():
    clock = Clock()
    mover = FakeMover(clock, no_valid_host={'id-a': 3})
    moves = drive([move(fallback='cold')], mover, clock, retry_wait=15)
    # refused at 0, 10 and 20 (past the wait): the cold fallback is tried and nova accepts it
    assert [t for _i, t in mover.refused] == [0.0, 10.0, 20.0]
    assert (moves[0]['outcome'], moves[0]['method']) == ('moved', 'cold')
    assert moves[0]['message'].startswith('live migration refused: HTTP 400: No valid host was found.')


def test_a_confirm_is_sent_once_while_nova_confirms():
    clock = Clock()
    looks = iter([seen('VERIFY_RESIZE', migration_status='finished')]
                 + [seen('VERIFY_RESIZE', migration_status='confirming')] * 3
                 + [seen('SHUTOFF', migration_status='confirmed')])
    mover = FakeMover(clock)
    mover.observe = lambda m: next(looks)
    moves = drive([move('cold', 'SHUTOFF')], mover, clock)
    assert mover.confirmed == ['id-a'] and moves[0]['outcome'] == 'moved'


def test_adopted_moves_are_watched_beside_parallel_ones_and_bounded():
    clock = Clock()
    mover = FakeMover(clock, takes={'id-a': None, 'id-b': 4})
    adopted = move('cold', None, name='a')  # a cold migration cut short: nova does not say its status
    mover.started['id-a'] = (0.0, 'cold')
    move_all([move(name='b')], mover, 1, 20, clock=clock, sleep=clock.sleep, adopted=[adopted])
    assert mover.started['id-b'][0] == 0.0  # not held back by the adopted one (parallel counts new moves)
    assert adopted['outcome'] == 'timeout' and 'not aborted: nova cannot abort a cold migration' in adopted['message']
    assert adopted['duration'] <= 20 + 2 * drain.POLL_INTERVAL and not any(k.startswith('_') for k in adopted)


@pytest.mark.parametrize('look,verdict', [
    (seen('SHUTOFF'), DONE), (seen('ACTIVE'), DONE), (seen('ERROR', fault='x'), FAILED),
    (seen('SHUTOFF', host='c1', migration_status='error'), FAILED), (seen('VERIFY_RESIZE'), CONFIRM)])
def test_an_adopted_move_of_unknown_status_settles_in_any_but_error(look, verdict):
    assert judge(move('cold', None), look)[0] == verdict


def test_final_check_of_an_unknown_status_refuses_error_only():
    clock = Clock()
    mover = FakeMover(clock)
    done = dict(move('cold', None), outcome='moved')
    mover.where['id-a'] = seen('SHUTOFF')
    assert final_check([done], mover)[0]['outcome'] == 'moved'
    mover.where['id-a'] = seen('ERROR')
    assert final_check([done], mover)[0]['outcome'] == 'failed'


@pytest.mark.parametrize('preference', ['live', 'cold', 'stop_start', 'owner'])
@pytest.mark.parametrize('status', ['ACTIVE', 'PAUSED', 'SHUTOFF', 'SUSPENDED', 'ERROR'])
def test_every_preference_and_status(preference, status):
    method, reason = plan_instance(instance('a', status), preference)
    takes = {'live': ('ACTIVE', 'PAUSED'), 'cold': ('ACTIVE', 'SHUTOFF'), 'stop_start': ('ACTIVE', 'SHUTOFF')}
    if preference == 'owner':
        assert (method, reason) == ('owner', None)  # its owner moves it, whatever its status
    elif status == 'ERROR':
        assert (method, reason) == (None, 'status ERROR')
    elif status in takes[preference]:
        assert (method, reason) == (preference, None)
    else:
        assert method is None and reason == 'status %s, and its preference %s takes only %s instances' % (
            status, preference, ' and '.join(takes[preference]))


def test_an_owner_instance_is_left_to_its_owner_even_while_it_moves():
    assert plan_instance(instance('a', 'MIGRATING', 'migrating'), 'owner') == ('owner', None)
    assert plan_instance(instance('a', 'MIGRATING', 'migrating'), 'live')[0] is None


def with_metadata(name, status='ACTIVE', **metadata):
    return dict(instance(name, status), metadata=metadata)


def test_the_plan_reads_each_preference_and_refuses_unknown_ones_naming_them():
    moves, _skipped = plan_drain([with_metadata('a', how='cold'), with_metadata('b', 'SHUTOFF'),
                                  with_metadata('c', how=' owner '), with_metadata('d', how='')], 'c1', 'c2',
                                 fallback_cold=True, metadata_key='how')
    assert [(m['name'], m['method'], m['preference'], m['fallback'], m['to']) for m in moves] == [
        ('a', 'cold', 'cold', None, 'c2'), ('b', 'cold', None, None, 'c2'), ('c', 'owner', 'owner', None, None),
        ('d', 'live', None, 'cold', 'c2')]
    with pytest.raises(MaintenanceError) as err:
        plan_drain([with_metadata('a', how='Live'), with_metadata('b', how='cold')], 'c1', metadata_key='how')
    assert "a (id-a): 'Live'. Nothing was changed. Set it to one of live, cold, stop_start, owner" in str(err.value)
    assert err.value.result['unknown_preferences'] == [{'id': 'id-a', 'name': 'a', 'value': 'Live'}]
    assert plan_drain([with_metadata('a', how='Live')], 'c1')[0][0]['method'] == 'live'  # no key: no preference


class OwnerMover:
    """An owner that moves (or deletes) its instance ``after`` seconds; the drain only watches."""

    def __init__(self, clock, after, deleted=False):
        self.clock, self.after, self.deleted, self.started = clock, after, deleted, []

    def start(self, move):
        self.started.append(move['id'])

    def observe(self, move):
        if self.after is None or self.clock() < self.after:
            return seen('ACTIVE', 'migrating' if self.clock() > 1 else None, 'c1')
        return seen('DELETED', host=None) if self.deleted else seen('ACTIVE', host='c3')


@pytest.mark.parametrize('after,deleted,outcome,to,message', [
    (30, False, 'moved', 'c3', 'moved by its owner to c3 (ACTIVE)'),
    (30, True, 'deleted', None, 'deleted by its owner'),
])
def test_an_owner_move_is_watched_until_the_owner_moves_or_deletes_it(after, deleted, outcome, to, message):
    clock = Clock()
    owned = move('owner')
    mover = OwnerMover(clock, after, deleted)
    move_all([owned], mover, 1, 100, clock=clock, sleep=clock.sleep, owner_timeout=60)
    assert (owned['outcome'], owned['to'], owned['message'], owned['duration']) == (outcome, to, message, 30.0)
    assert mover.started == [] and not any(k.startswith('_') for k in owned)


def test_an_owner_that_does_not_move_it_fails_it_after_the_owner_timeout_saying_what_to_do():
    clock = Clock()
    owned = move('owner')
    move_all([owned], OwnerMover(clock, None), 1, 100, clock=clock, sleep=clock.sleep, owner_timeout=60,
             metadata_key='how')
    assert owned['outcome'] == 'timeout' and owned['duration'] == 60.0
    assert owned['message'] == (
        'its metadata how is owner, and its owner did not move it within 60 s: it is still on c1 (ACTIVE, '
        'task_state migrating). Ask the owner to move or delete it, or set how to live, cold or stop_start for '
        'the drain to move it; then run the drain again (continue the session)')


def test_the_owner_timeout_message_names_the_timeout_asked_even_when_the_drain_looks_late():
    """A busy controller looks again only after the deadline: the message still names the timeout asked."""
    clock = Clock()
    owned = move('owner')
    move_all([owned], OwnerMover(clock, None), 1, 100, clock=clock, sleep=lambda s: clock.sleep(s + 0.7),
             owner_timeout=1)
    assert owned['outcome'] == 'timeout' and owned['duration'] > 1.5
    assert 'its owner did not move it within 1 s: it is still on c1' in owned['message']
    assert not any(k.startswith('_') for k in owned)


def test_owner_waits_do_not_take_a_parallel_slot():
    clock = Clock()
    owned, other = move('owner', name='o'), move(name='x')
    mover = FakeMover(clock)
    mover.where['id-o'] = seen('ACTIVE', host='c3')
    move_all([owned, other], mover, 1, 100, clock=clock, sleep=clock.sleep, owner_timeout=60)
    assert (owned['outcome'], other['outcome'], other['duration']) == ('moved', 'moved', 10.0)
    assert list(mover.started) == ['id-x']
