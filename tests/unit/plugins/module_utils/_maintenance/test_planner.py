"""The maintenance planner: host order and batches that keep capacity, on plain data."""

import random

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.planner import PlanError, plan_maintenance

SMALL = {'VCPU': 2, 'MEMORY_MB': 2048}


def host(name, az='az1', vcpu=8, ram=8192, ratio=1.0, reserved=0, enabled=True):
    return {'name': name, 'az': az, 'enabled': enabled,
            'inventories': {'VCPU': {'total': vcpu, 'reserved': reserved, 'allocation_ratio': ratio},
                            'MEMORY_MB': {'total': ram, 'reserved': 0, 'allocation_ratio': 1.0}}}


def vm(instance_id, on, resources=None, groups=()):
    return {'id': instance_id, 'host': on, 'resources': resources or SMALL, 'power_state': 'RUNNING',
            'server_groups': [{'id': g, 'policy': p} for g, p in groups]}


def cloud(hosts, instances):
    """Hosts with placement usages that are the sum of their instances' flavors."""
    for entry in hosts:
        entry['usages'] = {'VCPU': 0, 'MEMORY_MB': 0}
    by_name = dict((h['name'], h) for h in hosts)
    for instance in instances:
        for rc, amount in instance['resources'].items():
            by_name[instance['host']]['usages'][rc] += amount
    return hosts, instances


def batches(plan):
    return [b['hosts'] for b in plan['batches']]


# Each scenario: hosts, instances, session hosts, max_parallel -> the batches, and words that must be
# in the batches' reasons and notes.
SCENARIOS = {
    'empty hosts first': (
        [host('c1'), host('c2'), host('c3')],
        [vm('a', 'c1'), vm('b', 'c1'), vm('c', 'c3')],
        None, 1,
        [['c2'], ['c3'], ['c1']],
        ['c2 (empty): empty hosts go first', 'c3 (1 instance): the lightest load left (25% of its VCPU)']),
    'capacity for one host serialises two asked in parallel': (
        # c1 and c2 each hold 6 VCPU; c3 (outside the session) has 6 free: room for one host at a time.
        [host('c1'), host('c2'), host('c3', vcpu=6, ram=6144)],
        [vm('a%d' % i, 'c1') for i in range(3)] + [vm('b%d' % i, 'c2') for i in range(3)],
        ['c1', 'c2'], 2,
        [['c1'], ['c2']],
        ['c2 waits, though max_parallel is 2, and so do the hosts after it: with c1 out, availability zone az1 '
         'cannot absorb the instances of c2 (MEMORY_MB: 6144 needed, 0 free; VCPU: 6 needed, 0 free)',
         'c2 (3 instances): the lightest load left (75% of its VCPU); its instances go to maintained hosts (3)']),
    'room for both runs them in parallel': (
        [host('c1'), host('c2'), host('c3', vcpu=16, ram=16384)],
        [vm('a%d' % i, 'c1') for i in range(3)] + [vm('b%d' % i, 'c2') for i in range(3)],
        ['c1', 'c2'], 2,
        [['c1', 'c2']],
        ['c2 (3 instances) joins: availability zone az1 absorbs it too']),
    'anti-affinity members split the batch': (
        [host('c1'), host('c2'), host('c3', vcpu=32, ram=32768)],
        [vm('a', 'c1', groups=[('g1', 'anti-affinity')]), vm('b', 'c2', groups=[('g1', 'anti-affinity')])],
        ['c1', 'c2'], 2,
        [['c1'], ['c2']],
        ['c2 waits: it shares anti-affinity group g1 with this batch']),
    'soft anti-affinity splits the batch too': (
        [host('c1'), host('c2'), host('c3', vcpu=32, ram=32768)],
        [vm('a', 'c1', groups=[('g1', 'soft-anti-affinity')]), vm('b', 'c2', groups=[('g1', 'soft-anti-affinity')])],
        ['c1', 'c2'], 2,
        [['c1'], ['c2']],
        ['c2 waits: it shares anti-affinity group g1 with this batch']),
    'availability zones split the batch': (
        [host('c1', az='az1'), host('c2', az='az2'), host('o1', az='az1'), host('o2', az='az2')],
        [vm('a', 'c1'), vm('b', 'c2')],
        ['c1', 'c2'], 2,
        [['c1'], ['c2']],
        ['no other host of availability zone az1 can join; hosts of az2 wait: a batch stays in one '
         'availability zone']),
    'allocation ratio makes room': (
        # 4 physical VCPU at ratio 4.0 hold the 12 VCPU of c1's instance.
        [host('c1', vcpu=16), host('o1', vcpu=4, ratio=4.0, ram=16384)],
        [vm('a', 'c1', {'VCPU': 12, 'MEMORY_MB': 1024})],
        ['c1'], 1,
        [['c1']],
        ['its instances go to hosts outside the session (1)']),
}


@pytest.mark.parametrize('name', sorted(SCENARIOS))
def test_scenarios(name):
    hosts, instances, session, parallel, expected, words = SCENARIOS[name]
    plan = plan_maintenance(*cloud(hosts, instances), session_hosts=session, max_parallel=parallel)
    assert batches(plan) == expected
    text = ' | '.join(b['reason'] + ' | ' + ' | '.join(b['notes']) for b in plan['batches'])
    for phrase in words:
        assert phrase in text


@pytest.mark.parametrize('ratio,reserved,refused', [
    (4.0, 0, False),   # capacity 16: 12 fit
    (2.0, 0, True),    # capacity 8
    (4.0, 2, True),    # (4 - 2) * 4 = 8
    (3.0, 0, False),   # exactly 12
])
def test_allocation_ratio_and_reserved(ratio, reserved, refused):
    hosts, instances = cloud([host('c1', vcpu=16), host('o1', vcpu=4, ratio=ratio, reserved=reserved, ram=16384)],
                             [vm('a', 'c1', {'VCPU': 12, 'MEMORY_MB': 1024})])
    if refused:
        with pytest.raises(PlanError):
            plan_maintenance(hosts, instances, ['c1'])
    else:
        assert plan_maintenance(hosts, instances, ['c1'])['instances'] == {'a': 'outside'}


def test_a_host_that_cannot_be_emptied_is_refused_with_the_reason():
    # 10 VCPU to move; 6 free on c2 and 2 on o1.
    hosts, instances = cloud([host('c1', vcpu=16), host('c2'), host('o1', vcpu=2)],
                             [vm('big', 'c1', {'VCPU': 10, 'MEMORY_MB': 1024}), vm('x', 'c2')])
    with pytest.raises(PlanError) as info:
        plan_maintenance(hosts, instances, ['c1', 'c2'])
    # Tried again after c2 (whose instance took o1's room): still no room.
    assert info.value.msg == (
        'Cannot plan the maintenance session: c1 cannot be emptied: availability zone az1 cannot absorb the '
        'instances of c1 (VCPU: 10 needed, 8 free). Free capacity there (scale in, enable or add hosts) or leave '
        'it out of the session.')
    assert [r['host'] for r in info.value.result['refused']] == ['c1']


def test_enough_room_in_total_but_on_no_single_host_is_refused():
    # 8 VCPU free in total, 4 on each of two hosts: an 8 VCPU instance fits on neither.
    hosts, instances = cloud([host('c1', vcpu=8), host('o1', vcpu=4), host('o2', vcpu=4)],
                             [vm('big', 'c1', {'VCPU': 8, 'MEMORY_MB': 1024})])
    with pytest.raises(PlanError) as info:
        plan_maintenance(hosts, instances, ['c1'])
    assert ('no maintained host or enabled host outside the session or enabled session host not maintained yet in '
            'availability zone az1 has room for instance big (MEMORY_MB 1024, VCPU 8)') in info.value.msg


def test_instances_land_on_maintained_hosts_then_outside_so_none_moves_twice():
    hosts, instances = cloud([host('c1'), host('c2'), host('c3'), host('o1')],
                             [vm('a', 'c1'), vm('b', 'c2'), vm('c', 'c2')])
    plan = plan_maintenance(hosts, instances, ['c1', 'c2', 'c3'])
    assert batches(plan) == [['c3'], ['c1'], ['c2']]
    assert plan['instances'] == {'a': 'maintained', 'b': 'maintained', 'c': 'maintained'}
    assert plan['moves_twice'] == []
    # First fit among the maintained hosts: c3 takes them all.
    assert [(m['host'], m['destination_host'], sorted(m['instances'])) for m in plan['moves']] == [
        ('c1', 'c3', ['a']), ('c2', 'c3', ['b', 'c'])]
    outside = plan_maintenance(*cloud([host('c1'), host('o1')], [vm('a', 'c1')]), ['c1'])
    assert outside['instances'] == {'a': 'outside'} and outside['moves'][0]['destination_host'] == 'o1'


def test_when_only_session_hosts_have_room_instances_move_twice_and_the_plan_says_so():
    hosts, instances = cloud([host('c1'), host('c2')], [vm('a', 'c1'), vm('b', 'c2'), vm('c', 'c2')])
    plan = plan_maintenance(hosts, instances)
    assert batches(plan) == [['c1'], ['c2']]
    assert plan['instances'] == {'a': 'pending', 'b': 'maintained', 'c': 'maintained'}
    assert plan['moves_twice'] == ['a']
    assert 'session hosts not maintained yet, from which they move again (1)' in plan['batches'][0]['reason']
    assert plan['hosts']['c2']['instances'] == 3  # its own two and a


def test_a_host_that_would_make_instances_move_twice_does_not_join_a_batch():
    # c3 (empty) goes first; c1 beside it would send its instance to c2, not maintained yet.
    hosts, instances = cloud([host('c1'), host('c2'), host('c3')], [vm('a', 'c1'), vm('b', 'c2'), vm('c', 'c2')])
    plan = plan_maintenance(hosts, instances, max_parallel=2)
    assert batches(plan) == [['c3'], ['c1', 'c2']]
    assert plan['batches'][0]['notes'] == [
        'c1 waits, though max_parallel is 2, and so do the hosts after it: with c3 out, no maintained host or '
        'enabled host outside the session in availability zone az1 has room for instance a (MEMORY_MB 2048, VCPU 2)']
    assert plan['moves_twice'] == []


def test_two_members_of_an_anti_affinity_group_never_share_a_host():
    group = [('g1', 'anti-affinity')]
    hosts, instances = cloud([host('c1'), host('o1'), host('o2')],
                             [vm('a', 'c1', groups=group), vm('b', 'o1', groups=group)])
    plan = plan_maintenance(hosts, instances, ['c1'])
    assert plan['moves'][0]['destination_host'] == 'o2'  # o1 has room but holds b
    crowded = cloud([host('c1'), host('o1')], [vm('a', 'c1', groups=group), vm('b', 'o1', groups=group)])
    with pytest.raises(PlanError) as info:
        plan_maintenance(*crowded, ['c1'])
    assert 'has room for instance a' in info.value.msg


def test_affinity_members_move_together():
    group = [('g2', 'affinity')]
    hosts, instances = cloud([host('c1'), host('o1', vcpu=2, ram=2048), host('o2')],
                             [vm('a', 'c1', groups=group), vm('b', 'c1', groups=group), vm('x', 'c1')])
    plan = plan_maintenance(hosts, instances, ['c1'])
    together = [m for m in plan['moves'] if 'a' in m['instances']][0]
    assert together['destination_host'] == 'o2' and sorted(together['instances'])[:2] == ['a', 'b']
    assert plan['hosts']['c1']['instances'] == 3
    small = cloud([host('c1'), host('o1', vcpu=2, ram=2048), host('o2', vcpu=2, ram=2048)],
                  [vm('a', 'c1', groups=group), vm('b', 'c1', groups=group)])
    with pytest.raises(PlanError) as info:
        plan_maintenance(*small, ['c1'])
    assert 'has room for the affinity group of a, b (MEMORY_MB 4096, VCPU 4)' in info.value.msg


def test_disabled_hosts_take_nothing_until_maintained():
    hosts, instances = cloud([host('c1'), host('o1', enabled=False)], [vm('a', 'c1')])
    with pytest.raises(PlanError):  # o1 is disabled: nothing can take a
        plan_maintenance(hosts, instances, ['c1'])
    # c2, disabled and in the session, takes a once it is maintained (and enabled again).
    hosts, instances = cloud([host('c1'), host('c2', enabled=False)], [vm('a', 'c1')])
    plan = plan_maintenance(hosts, instances, ['c1', 'c2'])
    assert batches(plan) == [['c2'], ['c1']] and plan['instances'] == {'a': 'maintained'}


def test_a_host_that_cannot_be_emptied_at_its_turn_goes_after_the_others():
    # c1 (25 % load) goes first, but its 8 VCPU instance fits nowhere: o1 has 4 free, c2 is disabled.
    # c2 is emptied onto o1 and c1, then c1's instances fit on c2, maintained.
    hosts, instances = cloud([host('c1', vcpu=32), host('c2', vcpu=16, enabled=False), host('o1', vcpu=4)],
                             [vm('big', 'c1', {'VCPU': 8, 'MEMORY_MB': 1024})] + [vm('s%d' % i, 'c2') for i in range(3)])
    plan = plan_maintenance(hosts, instances, ['c1', 'c2'])
    assert batches(plan) == [['c2'], ['c1']]
    assert plan['batches'][1]['reason'] == (
        'c1 (2 instances): the lightest load left (25% of its VCPU); at its first turn availability zone az1 cannot '
        'absorb the instances of c1 (VCPU: 8 needed, 4 free); its instances go to maintained hosts (2)')
    assert plan['instances']['big'] == 'maintained' and plan['moves_twice'] == ['s2']


def test_the_plan_does_not_depend_on_input_order():
    rng = random.Random(7)
    hosts = [host('c%02d' % i, az='az%d' % (i % 2)) for i in range(12)]
    instances = [vm('i%03d' % i, 'c%02d' % rng.randrange(12), groups=[('g%d' % (i % 3), 'anti-affinity')] if i % 7 == 0 else [])
                 for i in range(20)]
    hosts, instances = cloud(hosts, instances)
    plan = plan_maintenance(hosts, instances, max_parallel=3)
    for _round in range(3):
        rng.shuffle(hosts)
        rng.shuffle(instances)
        again = plan_maintenance(hosts, instances, max_parallel=3)
        assert batches(again) == batches(plan) and again['instances'] == plan['instances']


def test_instances_of_hosts_outside_the_session_or_unknown_do_not_move():
    hosts, instances = cloud([host('c1'), host('o1')], [vm('a', 'c1'), vm('b', 'o1')])
    instances.append(vm('z', 'ironic-1'))
    plan = plan_maintenance(hosts, instances, ['c1'])
    assert plan['instances'] == {'a': 'outside'} and batches(plan) == [['c1']]


@pytest.mark.parametrize('hosts,session,parallel,message', [
    ([host('c1')], ['c9'], 1, 'Not compute hosts of the cloud: c9.'),
    ([host('c1'), host('c1')], None, 1, 'A compute host is listed twice: c1.'),
    ([host('c1')], None, 0, 'max_parallel must be at least 1, got 0.'),
])
def test_bad_input_is_named(hosts, session, parallel, message):
    with pytest.raises(PlanError) as info:
        plan_maintenance(*cloud(hosts, []), session_hosts=session, max_parallel=parallel)
    assert info.value.msg == message


def test_batches_report_what_moves_where():
    hosts, instances = cloud([host('c1'), host('c2'), host('o1', vcpu=32, ram=32768)],
                             [vm('a', 'c1'), vm('b', 'c2'), vm('c', 'c2')])
    plan = plan_maintenance(hosts, instances, ['c1', 'c2'], max_parallel=2)
    assert plan['batches'] == [{
        'batch': 1, 'az': 'az1', 'hosts': ['c1', 'c2'], 'instances': 3,
        'destinations': {'maintained': 0, 'outside': 3, 'pending': 0},
        'reason': 'c1 (1 instance): the lightest load left (25% of its VCPU); its instances go to hosts outside '
                  'the session (1); c2 (2 instances) joins: availability zone az1 absorbs it too; its instances go '
                  'to hosts outside the session (2)',
        'notes': []}]
    assert plan['hosts']['c2'] == {'batch': 1, 'az': 'az1', 'instances': 2, 'reason': plan['hosts']['c2']['reason']}
    assert plan['max_parallel'] == 2


def test_a_disabled_host_outside_the_session_serialises_what_it_would_have_absorbed():
    # c3 (empty) and c1 asked two at a time: with o2 enabled c1 joins c3's batch (o2 absorbs it); with o2
    # disabled nothing outside the session takes c1's instances, so c1 waits for c3 to be maintained.
    def plan_with(o2_enabled):
        hosts, instances = cloud([host('c1'), host('o2', enabled=o2_enabled), host('c3')],
                                 [vm('a', 'c1'), vm('b', 'c1'), vm('x', 'o2')])
        return plan_maintenance(hosts, instances, ['c1', 'c3'], max_parallel=2)
    assert batches(plan_with(True)) == [['c3', 'c1']]
    plan = plan_with(False)
    assert batches(plan) == [['c3'], ['c1']]
    assert plan['batches'][0]['notes'] == [
        'c1 waits, though max_parallel is 2, and so do the hosts after it: with c3 out, availability zone az1 '
        'cannot absorb the instances of c1 (MEMORY_MB: 4096 needed, 0 free; VCPU: 4 needed, 0 free)']
    assert plan['instances'] == {'a': 'maintained', 'b': 'maintained'}
