"""compute_host_drain against nova's API over real HTTP (FakeCloud): plan, moves, waits, aborts; bad input."""

import pytest
from openstack import exceptions as sdk_exceptions

from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import drain
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.migrations import NovaMover
from ansible_collections.osops.lifecycle.plugins.modules import compute_host_drain

FIELDS = {'id', 'name', 'status', 'from', 'to', 'method', 'preference', 'fallback', 'outcome', 'duration',
          'migration_id', 'message'}


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(drain, 'POLL_INTERVAL', 0.01)
    monkeypatch.setattr(drain, 'ABORT_WAIT', 2)
    monkeypatch.setattr(drain, 'RETRY_INTERVAL', 0.05)


@pytest.fixture
def cloud(fake_cloud):
    fake = fake_cloud(computes=3, with_network=False)
    fake.ids = dict((name, fake.add_server(name, 'compute1', status))
                    for name, status in (('web-1', 'ACTIVE'), ('db-1', 'SHUTOFF'), ('cache-1', 'PAUSED')))
    fake.add_server('elsewhere', 'compute2')
    return fake


def run(run_module, cloud, check_mode=False, **args):
    args.setdefault('host', 'compute1')
    return run_module(compute_host_drain.main, dict(args, cloud=cloud.cloud()), check_mode=check_mode)


def writes(cloud):
    return [(method, path) for method, path in cloud.requests if method in ('PUT', 'POST', 'DELETE')
            and not path.startswith('/identity/')]


def placed(cloud):
    return dict((s['name'], (s['host'], s['status'], s['task_state'])) for s in cloud.servers.values())


def by_name(result):
    return dict((i['name'], i) for i in result['instances'])


def test_check_then_drain_then_nothing_left(run_module, cloud):
    plan = run(run_module, cloud, check_mode=True, disable_reason='kernel CHG-1')
    assert plan['changed'] is True and writes(cloud) == []
    assert plan['msg'] == 'host compute1: 3 instances: 1 would move cold, 2 would move live'
    assert [(i['name'], i['method'], i['outcome'], i['to']) for i in plan['instances']] == [
        ('cache-1', 'live', 'planned', None), ('db-1', 'cold', 'planned', None), ('web-1', 'live', 'planned', None)]
    assert plan['service']['status'] == 'disabled' and cloud.service('compute1')['status'] == 'enabled'

    result = run(run_module, cloud, disable_reason='kernel CHG-1')
    assert result['changed'] is True and not result.get('failed'), result.get('msg')
    assert result['msg'] == 'host compute1: 3 instances: 1 moved cold, 2 moved live'
    # read back from nova: every instance on another (enabled) host, in its original status, settled
    assert placed(cloud) == {'web-1': ('compute2', 'ACTIVE', None), 'db-1': ('compute2', 'SHUTOFF', None),
                             'cache-1': ('compute2', 'PAUSED', None), 'elsewhere': ('compute2', 'ACTIVE', None)}
    assert cloud.service('compute1')['status'] == 'disabled'
    assert cloud.service('compute1')['disabled_reason'] == 'kernel CHG-1'
    instances = by_name(result)
    assert all(set(i) == FIELDS for i in instances.values())
    migrations = dict((m['instance_uuid'], m) for m in cloud.migrations)
    for name, method in (('web-1', 'live'), ('db-1', 'cold'), ('cache-1', 'live')):
        i = instances[name]
        assert (i['from'], i['to'], i['method'], i['outcome'], i['message']) == (
            'compute1', 'compute2', method, 'moved', None)
        assert i['id'] == cloud.ids[name] and i['migration_id'] == migrations[i['id']]['id']
        assert i['duration'] >= 0
    assert migrations[cloud.ids['db-1']]['status'] == 'confirmed'  # the cold migration was confirmed
    actions = [body for method, path, body in cloud.bodies if path.endswith('/action')]
    assert {'os-migrateLive': {'host': None, 'block_migration': 'auto'}} in actions
    assert {'confirmResize': None} in actions
    # the host was disabled before the first migration started
    first = writes(cloud)
    assert first[0] == ('PUT', '/compute/v2.1/os-services/%s' % cloud.service('compute1')['id'])

    for check_mode in (True, False):
        again = run(run_module, cloud, check_mode=check_mode)
        assert again['changed'] is False and again['instances'] == []
        assert again['msg'] == 'host compute1 has no instances'
    assert writes(cloud) == first


def test_an_already_disabled_host_keeps_its_reason(run_module, cloud):
    cloud.service('compute1').update(status='disabled', disabled_reason='by the operator')
    result = run(run_module, cloud, disable_reason='ignored')
    assert result['service']['changed'] is False and result['service']['disabled_reason'] == 'by the operator'
    assert cloud.service('compute1')['disabled_reason'] == 'by the operator'


def test_disable_false_leaves_the_service(run_module, cloud):
    result = run(run_module, cloud, disable=False, target_host='compute3')
    assert result['service'] is None and cloud.service('compute1')['status'] == 'enabled'
    assert {i['to'] for i in result['instances']} == {'compute3'}
    assert placed(cloud)['db-1'] == ('compute3', 'SHUTOFF', None)
    migrate = [body for method, path, body in cloud.bodies if 'migrate' in body]
    assert migrate == [{'migrate': {'host': 'compute3'}}]


def test_an_empty_host_is_disabled_but_nothing_moves(run_module, cloud):
    result = run(run_module, cloud, host='compute3')
    assert result['changed'] is True and result['msg'] == 'host compute3 has no instances'
    assert result['service']['status'] == 'disabled'
    assert [m for m, _p in writes(cloud)] == ['PUT']


def test_unmovable_instances_refuse_the_host_before_anything_changes(run_module, cloud):
    bad = cloud.add_server('broken', 'compute1', 'ERROR')
    busy = cloud.add_server('busy', 'compute1', 'ACTIVE', 'rebooting')
    result = run(run_module, cloud)
    assert result['failed'] is True and result.get('changed', False) is False
    assert result['msg'].startswith('Host compute1 has instances that cannot be moved: broken (%s): status ERROR; '
                                    'busy (%s): task_state rebooting (an operation is in progress). Nothing was '
                                    'changed.' % (bad, busy))
    assert [u['name'] for u in result['unmovable']] == ['broken', 'busy']
    assert writes(cloud) == [] and cloud.service('compute1')['status'] == 'enabled'


def test_skip_unmovable_moves_the_others(run_module, cloud):
    cloud.add_server('broken', 'compute1', 'ERROR')
    cloud.add_server('sleepy', 'compute1', 'SUSPENDED')
    result = run(run_module, cloud, skip_unmovable=True)
    assert not result.get('failed') and result['changed'] is True
    assert result['msg'] == ('host compute1: 3 instances: 1 moved cold, 2 moved live; 2 skipped, left on the '
                             'host: broken, sleepy')
    skipped = [i for i in result['instances'] if i['outcome'] == 'skipped']
    assert [(i['name'], i['message']) for i in skipped] == [
        ('broken', 'status ERROR'),
        ('sleepy', 'status SUSPENDED (nova migrates only ACTIVE, PAUSED and SHUTOFF instances)')]
    assert placed(cloud)['broken'][0] == 'compute1' and placed(cloud)['web-1'][0] == 'compute2'


def test_a_stuck_live_migration_is_aborted_through_the_api(run_module, cloud):
    cloud.behaviour[cloud.ids['web-1']] = {'live': 'stuck'}
    result = run(run_module, cloud, migration_timeout=1)
    assert result['failed'] is True and result['changed'] is True
    web = by_name(result)['web-1']
    migration = [m for m in cloud.migrations if m['instance_uuid'] == web['id']][0]
    assert ('DELETE', '/compute/v2.1/servers/%s/migrations/%d' % (web['id'], migration['id'])) in writes(cloud)
    assert not any(path.endswith('/action') and body == {'os-migrateLive': {'force_complete': None}}
                   for _m, path, body in cloud.bodies)
    assert (web['outcome'], web['migration_id'], migration['status']) == ('aborted', migration['id'], 'cancelled')
    assert web['message'].startswith('live migration took longer than 1 s and was aborted')
    assert placed(cloud)['web-1'] == ('compute1', 'ACTIVE', None)  # rolled back, running where it was
    assert result['msg'].startswith('Draining compute1 failed: host compute1: 3 instances: 1 aborted, '
                                    '1 moved cold, 1 moved live.')
    assert placed(cloud)['db-1'][0] == placed(cloud)['cache-1'][0] == 'compute2'


@pytest.mark.parametrize('how', ['refuse', 'fail'])
def test_fallback_cold_when_live_migration_refuses(run_module, cloud, how):
    cloud.behaviour[cloud.ids['web-1']] = {'live': how}
    result = run(run_module, cloud, fallback_cold=True)
    assert not result.get('failed'), result['msg']
    web = by_name(result)['web-1']
    assert (web['method'], web['outcome'], web['to']) == ('cold', 'moved', 'compute2')
    assert web['message'].startswith('live migration %s: ' % {'refuse': 'refused', 'fail': 'failed'}[how])
    assert placed(cloud)['web-1'] == ('compute2', 'ACTIVE', None)
    assert by_name(result)['cache-1']['fallback'] is None  # PAUSED: nova cannot cold-migrate it


def test_without_fallback_a_refused_live_migration_fails_the_task(run_module, cloud):
    cloud.behaviour[cloud.ids['web-1']] = {'live': 'refuse'}
    result = run(run_module, cloud)
    web = by_name(result)['web-1']
    assert result['failed'] is True and web['outcome'] == 'failed'
    assert web['message'].startswith('live migration refused: ') and 'fake refusal' in web['message']
    assert placed(cloud)['web-1'] == ('compute1', 'ACTIVE', None)
    assert cloud.service('compute1')['status'] == 'disabled'  # stays cordoned


def test_no_valid_host_is_tried_again_while_the_others_move(run_module, cloud):
    # nova's scheduler keeps a live-migrated instance on its source host until that host's next instance sync:
    # an anti-affinity peer sent there meanwhile is refused with No valid host, then accepted.
    cloud.behaviour[cloud.ids['cache-1']] = {'no_valid_host': 2}
    result = run(run_module, cloud, no_valid_host_wait=30)
    assert not result.get('failed'), result['msg']
    cache = by_name(result)['cache-1']
    assert (cache['outcome'], cache['method'], cache['to']) == ('moved', 'live', 'compute2')
    assert cache['message'].startswith("nova's scheduler found no valid host 2 times over ")
    assert cache['message'].endswith('before it accepted the migration')
    assert placed(cloud)['cache-1'] == ('compute2', 'PAUSED', None)
    # the first in the plan, refused: the others were not held up behind it
    assert [m['instance_uuid'] for m in cloud.migrations][0] != cloud.ids['cache-1']


def test_no_valid_host_for_good_fails_after_the_wait(run_module, cloud):
    cloud.behaviour[cloud.ids['web-1']] = {'no_valid_host': 10 ** 6}
    result = run(run_module, cloud, no_valid_host_wait=1)
    web = by_name(result)['web-1']
    assert result['failed'] is True and web['outcome'] == 'failed'
    assert web['message'].startswith('live migration refused: ') and 'No valid host was found' in web['message']
    assert "(nova's scheduler found no valid host " in web['message'] and web['message'].endswith(' s)')
    assert placed(cloud)['web-1'] == ('compute1', 'ACTIVE', None)
    assert {i['name']: i['outcome'] for i in result['instances']} == {
        'cache-1': 'moved', 'db-1': 'moved', 'web-1': 'failed'}


def test_no_valid_host_wait_0_fails_at_once(run_module, cloud):
    cloud.behaviour[cloud.ids['web-1']] = {'no_valid_host': 1}
    result = run(run_module, cloud, no_valid_host_wait=0)
    web = by_name(result)['web-1']
    assert result['failed'] is True and web['outcome'] == 'failed' and web['duration'] == 0.0
    assert web['message'] == ('live migration refused: BadRequestException: 400: Client Error for url: %s, No valid '
                              'host was found. There are not enough hosts available.'
                              % web['message'].split('url: ', 1)[1].split(',', 1)[0])


def test_a_cold_migration_is_confirmed_once_while_nova_confirms_it(run_module, cloud):
    # nova answers a confirm at once and leaves the instance in VERIFY_RESIZE (migration confirming) until the
    # source compute has cleaned up; a second confirm then answers "Instance has not been resized".
    cloud.behaviour[cloud.ids['db-1']] = {'confirm': 3}
    result = run(run_module, cloud)
    assert not result.get('failed'), result['msg']
    db = by_name(result)['db-1']
    assert (db['outcome'], db['method'], db['message']) == ('moved', 'cold', None)
    assert cloud.confirms == [cloud.ids['db-1']]
    assert placed(cloud)['db-1'] == ('compute2', 'SHUTOFF', None)
    migration = [m for m in cloud.migrations if m['instance_uuid'] == db['id']][0]
    assert migration['status'] == 'confirmed'


def test_a_drain_cut_short_is_seen_through_by_the_next_one(run_module, cloud):
    # A drain whose controller was killed left web-1's live migration running and db-1's cold one waiting in
    # VERIFY_RESIZE (already on compute2); cache-1 had not started.
    servers = cloud.servers
    assert cloud._action(servers[cloud.ids['web-1']], {'os-migrateLive': {'host': None}})[0] == 202
    assert cloud._action(servers[cloud.ids['db-1']], {'migrate': None})[0] == 202
    while servers[cloud.ids['db-1']]['status'] != 'VERIFY_RESIZE':
        cloud._advance(servers[cloud.ids['db-1']])
    before = {m['instance_uuid']: m['id'] for m in cloud.migrations}
    result = run(run_module, cloud)
    assert not result.get('failed'), result['msg']
    assert result['msg'] == 'host compute1: 3 instances: 1 moved cold, 2 moved live'
    assert placed(cloud) == {'web-1': ('compute2', 'ACTIVE', None), 'db-1': ('compute2', 'SHUTOFF', None),
                             'cache-1': ('compute2', 'PAUSED', None), 'elsewhere': ('compute2', 'ACTIVE', None)}
    instances = by_name(result)
    for name in ('web-1', 'db-1'):  # watched (and confirmed) where they were, not started again
        i = instances[name]
        assert (i['outcome'], i['migration_id'], i['status']) == ('moved', before[cloud.ids[name]],
                                                                  'SHUTOFF' if name == 'db-1' else 'ACTIVE')
        assert i['message'].startswith('migration %d (' % i['migration_id'])
        assert i['message'].endswith(') was started by an earlier drain that did not see it through')
    assert instances['cache-1']['message'] is None
    assert cloud.confirms == [cloud.ids['db-1']]
    assert sorted(m['instance_uuid'] for m in cloud.migrations) == sorted(cloud.ids.values())  # none started twice


class Migration(dict):
    def to_dict(self, computed=False):
        return dict(self)


class ConfirmRefused:
    """conn.compute whose confirm is refused as nova refuses it once the migration is no longer 'finished'."""

    def __init__(self, status):
        self.status = status
        self.compute = self

    def confirm_server_resize(self, server_id):
        raise sdk_exceptions.BadRequestException('400: Instance has not been resized.')

    def migrations(self, server_id):
        return [Migration(id=1, migration_type='migration', status='finished'),
                Migration(id=8, migration_type='migration', status=self.status)]


@pytest.mark.parametrize('status,message', [
    ('confirmed', None),  # confirmed meanwhile (nova's resize_confirm_window, or our earlier confirm): done
    ('confirming', None),
    ('error', 'confirming the cold migration failed: 400: Instance has not been resized.'),
])
def test_a_refused_confirm_is_no_failure_when_nova_says_it_is_confirmed(status, message):
    mover = NovaMover(ConfirmRefused(status))
    mover.known['id-x'] = {1}  # migration 1 is from before this move
    move = dict(id='id-x', method='cold', message=None, migration_id=None)
    mover.confirm(move)
    assert (move['message'], move['migration_id']) == (message, 8)


class MigrationConflict:
    """A nova that answers the migration of an instance with a 409 (``answer``)."""

    def __init__(self, answer):
        self.answer = answer
        self.compute = self

    def migrations(self, server_id):
        return [Migration(id=3, migration_type='live-migration', status='running')]  # started before this move

    def live_migrate_server(self, server_id, host=None, block_migration=None):
        raise sdk_exceptions.ConflictException(self.answer)

    migrate_server = live_migrate_server


@pytest.mark.parametrize('method', ['live', 'cold', 'stop_start'])
def test_a_migration_already_at_work_is_watched_not_failed(method):
    # a drain of a play killed without its workers still moves the instance: nova refuses a second migration
    mover = NovaMover(MigrationConflict(
        "409: Client Error for url: http://127.0.0.2:8774/v2.1/servers/id-x/action, Cannot 'os-migrateLive' "
        "instance id-x while it is in task_state migrating" if method == 'live' else
        "409: Cannot 'migrate' instance id-x while it is in task_state resize_prep"))
    move = dict(id='id-x', method=method, status='SHUTOFF', message=None, migration_id=None)
    mover.start(move)  # no Refused: the move counts as started and is watched like our own
    assert move['message'] == ('a migration of it was already at work (another drain - e.g. of a play killed '
                               'without its workers): watched to its end')
    assert mover.known['id-x'] == {3}
    assert move.get('_phase') == ('migrate' if method == 'stop_start' else None)


def test_another_conflict_is_a_refusal():
    mover = NovaMover(MigrationConflict("409: Cannot 'os-migrateLive' instance id-x while it is in vm_state error"))
    with pytest.raises(drain.Refused, match='in vm_state error') as refused:
        mover.start(dict(id='id-x', method='live', status='ACTIVE', message=None, migration_id=None))
    assert refused.value.no_valid_host is False


@pytest.mark.parametrize('args,message', [
    (dict(target_host='compute1'), "Option target_host: got 'compute1', expected another host than host (compute1)."),
    (dict(host='controller'), 'Not a nova-compute host: controller (runs nova-conductor, nova-scheduler, no '
                              'nova-compute). nova-compute runs on: compute1, compute2, compute3. Nothing was changed.'),
    (dict(target_host='compute9'), 'Not a nova-compute host: compute9 (unknown to nova).'),
    (dict(parallel=0), 'Option parallel: got 0, expected a positive number.'),
    (dict(migration_timeout=0), 'Option migration_timeout: got 0, expected a positive number.'),
    (dict(no_valid_host_wait=-1), 'Option no_valid_host_wait: got -1, expected a number of seconds, 0 or more.'),
    (dict(owner_timeout=0), 'Option owner_timeout: got 0, expected a positive number.'),
])
def test_bad_input_changes_nothing(run_module, cloud, args, message):
    result = run(run_module, cloud, **args)
    assert result['failed'] is True and result['msg'].startswith(message)
    assert writes(cloud) == []


def test_a_disabled_target_is_refused(run_module, cloud):
    cloud.service('compute3')['status'] = 'disabled'
    result = run(run_module, cloud, target_host='compute3')
    assert result['msg'] == ('target_host compute3 cannot receive instances: its nova-compute is disabled and up. '
                             'Nothing was changed.')
    assert writes(cloud) == []


def test_an_api_older_than_queens_is_refused(run_module, fake_cloud):
    with fake_cloud(max_microversion='2.55', with_network=False) as cloud:
        result = run(run_module, cloud)
        assert writes(cloud) == []
    assert result['msg'] == ('Draining a compute host needs the compute API at microversion 2.56 or later; '
                             'this cloud offers 2.55. Upgrade nova first.')


def prefer(cloud, **preferences):
    """Set each named server's metadata maintenance_move (or ``key``)."""
    key = preferences.pop('key', 'maintenance_move')
    for name, value in preferences.items():
        cloud.servers[cloud.ids[name]]['metadata'] = {key: value}


def actions_of(cloud, server_id):
    return [list(body)[0] for method, path, body in cloud.bodies if path == '/compute/v2.1/servers/%s/action' % server_id]


def test_preferences_cold_and_stop_start_end_in_the_original_power_state(run_module, cloud):
    cloud.ids['app-1'] = cloud.add_server('app-1', 'compute1', 'ACTIVE')
    cloud.ids['off-1'] = cloud.add_server('off-1', 'compute1', 'SHUTOFF')
    prefer(cloud, **{'web-1': 'cold', 'app-1': 'stop_start', 'off-1': 'stop_start', 'cache-1': 'live'})
    plan = run(run_module, cloud, check_mode=True)
    assert {i['name']: (i['method'], i['preference']) for i in plan['instances']} == {
        'web-1': ('cold', 'cold'), 'app-1': ('stop_start', 'stop_start'), 'off-1': ('stop_start', 'stop_start'),
        'cache-1': ('live', 'live'), 'db-1': ('cold', None)}
    assert writes(cloud) == []
    result = run(run_module, cloud, parallel=2)
    assert not result.get('failed'), result['msg']
    assert result['msg'] == 'host compute1: 5 instances: 2 moved cold, 1 moved live, 2 moved stop_start'
    assert {n: p for n, p in placed(cloud).items() if n != 'elsewhere'} == {
        'web-1': ('compute2', 'ACTIVE', None), 'app-1': ('compute2', 'ACTIVE', None),
        'off-1': ('compute2', 'SHUTOFF', None), 'cache-1': ('compute2', 'PAUSED', None),
        'db-1': ('compute2', 'SHUTOFF', None)}
    assert actions_of(cloud, cloud.ids['web-1']) == ['migrate', 'confirmResize']  # nova restarts it itself
    assert actions_of(cloud, cloud.ids['app-1']) == ['os-stop', 'migrate', 'confirmResize', 'os-start']
    assert actions_of(cloud, cloud.ids['off-1']) == ['migrate', 'confirmResize']  # already stopped: not started
    types = dict((m['instance_uuid'], m['migration_type']) for m in cloud.migrations)
    assert [types[cloud.ids[n]] for n in ('web-1', 'app-1', 'cache-1')] == ['migration', 'migration', 'live-migration']
    instances = by_name(result)
    assert all(set(i) == FIELDS for i in instances.values())
    assert instances['app-1']['outcome'] == 'moved' and instances['app-1']['migration_id'] is not None


def test_a_preference_overrides_the_cold_fallback(run_module, cloud):
    prefer(cloud, **{'web-1': 'live'})
    cloud.behaviour[cloud.ids['web-1']] = {'live': 'refuse'}
    result = run(run_module, cloud, fallback_cold=True)
    web = by_name(result)['web-1']
    assert result['failed'] is True and (web['method'], web['fallback'], web['outcome']) == ('live', None, 'failed')
    assert placed(cloud)['web-1'][0] == 'compute1'


def test_unknown_preferences_refuse_the_host_before_anything_changes(run_module, cloud):
    prefer(cloud, key='move', **{'web-1': 'fast', 'db-1': 'LIVE'})
    result = run(run_module, cloud, metadata_key='move')
    assert result['failed'] is True and result.get('changed', False) is False
    assert result['msg'] == (
        "Host compute1 has instances whose metadata move is not a known preference: db-1 (%s): 'LIVE'; web-1 (%s): "
        "'fast'. Nothing was changed. Set it to one of live, cold, stop_start, owner, or remove it (openstack server "
        "unset --property move SERVER) for the default (live for ACTIVE and PAUSED, cold for SHUTOFF)."
        % (cloud.ids['db-1'], cloud.ids['web-1']))
    assert result['unknown_preferences'] == [{'id': cloud.ids['db-1'], 'name': 'db-1', 'value': 'LIVE'},
                                             {'id': cloud.ids['web-1'], 'name': 'web-1', 'value': 'fast'}]
    assert writes(cloud) == [] and cloud.service('compute1')['status'] == 'enabled'
    assert not run(run_module, cloud).get('failed')  # another key: these values are not preferences


def test_a_status_its_preference_does_not_take_cannot_be_moved(run_module, cloud):
    prefer(cloud, **{'db-1': 'live', 'cache-1': 'stop_start'})
    result = run(run_module, cloud)
    assert result['failed'] is True and writes(cloud) == []
    assert [(u['name'], u['message']) for u in result['unmovable']] == [
        ('cache-1', 'status PAUSED, and its preference stop_start takes only ACTIVE and SHUTOFF instances'),
        ('db-1', 'status SHUTOFF, and its preference live takes only ACTIVE and PAUSED instances')]


def test_owner_instances_are_waited_for_and_fail_with_what_to_do(run_module, cloud):
    prefer(cloud, **{'web-1': 'owner'})
    plan = run(run_module, cloud, check_mode=True)
    assert plan['msg'] == 'host compute1: 3 instances: 1 would be left to their owner, 1 would move cold, 1 would move live'
    result = run(run_module, cloud, owner_timeout=1)
    web = by_name(result)['web-1']
    assert result['failed'] is True and web['outcome'] == 'timeout' and web['to'] is None
    assert web['message'].startswith(
        'its metadata maintenance_move is owner, and its owner did not move it within 1 s: it is still on compute1 '
        '(ACTIVE). Ask the owner to move or delete it, or set maintenance_move to live, cold or stop_start for the '
        'drain to move it; then run the drain again (continue the session)')
    assert result['msg'].startswith('Draining compute1 failed: host compute1: 3 instances: 1 moved cold, 1 moved '
                                    'live, 1 timeout.')
    assert actions_of(cloud, cloud.ids['web-1']) == [] and placed(cloud)['web-1'][0] == 'compute1'
    assert placed(cloud)['db-1'][0] == 'compute2'  # the others moved meanwhile


@pytest.mark.parametrize('how', ['moved', 'deleted'])
def test_an_owner_that_moves_or_deletes_its_instance_ends_the_wait(run_module, cloud, monkeypatch, how):
    prefer(cloud, **{'web-1': 'owner'})
    cloud.servers[cloud.ids['web-1']]['task_state'] = 'migrating'  # its owner's move is under way: not refused
    observe = NovaMover.observe

    def owner_acts(mover, move):  # the owner acts while the drain watches
        server = cloud.servers.get(cloud.ids['web-1'])
        if move['name'] == 'web-1' and server:
            if how == 'moved':
                server.update(host='compute3', task_state=None)
            else:
                del cloud.servers[cloud.ids['web-1']]
        return observe(mover, move)
    monkeypatch.setattr(NovaMover, 'observe', owner_acts)
    result = run(run_module, cloud, owner_timeout=60)
    web = by_name(result)['web-1']
    assert not result.get('failed'), result['msg']
    assert (web['method'], web['outcome'], web['to']) == (
        ('owner', 'moved', 'compute3') if how == 'moved' else ('owner', 'deleted', None))
    assert web['message'] == ('moved by its owner to compute3 (ACTIVE)' if how == 'moved' else 'deleted by its owner')
    assert actions_of(cloud, cloud.ids['web-1']) == []  # the drain moved nothing of it
    assert 'web-1' not in [m['instance_uuid'] for m in cloud.migrations]


def test_a_stop_start_move_refused_after_the_stop_says_to_start_it_again(run_module, cloud):
    prefer(cloud, **{'web-1': 'stop_start'})
    cloud.behaviour[cloud.ids['web-1']] = {'cold': 'refuse'}
    result = run(run_module, cloud)
    web = by_name(result)['web-1']
    assert result['failed'] is True and web['outcome'] == 'failed'
    assert web['message'].startswith('stop_start migration refused: ')
    assert web['message'].endswith('Migration pre-check error: fake refusal; it was stopped for its move: start it '
                                   'again (openstack server start %s)' % cloud.ids['web-1'])
    assert placed(cloud)['web-1'] == ('compute1', 'SHUTOFF', None)
    assert actions_of(cloud, cloud.ids['web-1']) == ['os-stop', 'migrate']
