"""maintenance_session over a real store: create, continue, delete; check -> apply -> check -> apply; bad input.

The cloud's capacity (what ``read_capacity`` reads through openstacksdk) is given as plain data in
most tests; test_the_plan_is_read_from_the_cloud reads it from FakeCloud over real HTTP.
"""

import datetime
import uuid

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import session_steps as store_steps
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.modules import cluster_info, maintenance_session
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud

RETURNED = {'changed', 'msg', 'session_id', 'session', 'plan', 'run_at', 'waited'}
SMALL = {'VCPU': 2, 'MEMORY_MB': 2048}


def compute(name, vcpu=8, used=0, enabled=True, az='nova'):
    return {'name': name, 'az': az, 'enabled': enabled,
            'inventories': {'VCPU': {'total': vcpu, 'reserved': 0, 'allocation_ratio': 1.0},
                            'MEMORY_MB': {'total': vcpu * 1024, 'reserved': 0, 'allocation_ratio': 1.0}},
            'usages': {'VCPU': used * 2, 'MEMORY_MB': used * 2048}}


class Cloud:
    """What read_capacity returns: compute1 holds 2 instances, compute2 1, compute3 none."""

    def __init__(self):
        self.hosts = [compute('compute1', used=2), compute('compute2', used=1), compute('compute3')]
        self.instances = [{'id': 'i-1', 'host': 'compute1', 'resources': SMALL, 'server_groups': []},
                          {'id': 'i-2', 'host': 'compute1', 'resources': SMALL, 'server_groups': []},
                          {'id': 'i-3', 'host': 'compute2', 'resources': SMALL, 'server_groups': []}]
        self.reads = 0

    def read(self, conn):
        assert conn == 'connection'
        self.reads += 1
        return [dict(h) for h in self.hosts], list(self.instances)


@pytest.fixture
def cloud(monkeypatch):
    fake = Cloud()
    monkeypatch.setattr(maintenance_session, 'read_capacity', fake.read)
    monkeypatch.setattr(maintenance_session.MaintenanceSessionModule, 'conn', 'connection')
    return fake


@pytest.fixture
def store_url(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    store = store_engine.open_store(url)
    hosts = [{'name': 'controller', 'roles': ['control']}] + [
        {'name': 'compute%d' % i, 'roles': ['compute']} for i in (1, 2, 3)]
    components = [{'service': 'nova', 'binary': 'nova-compute', 'host': 'compute%d' % i, 'state': 'up'} for i in (1, 2, 3)]
    store_clusters.upsert_cluster(store, 'lab', 'openstack_api', hosts=hosts, components=components)
    store.close()
    return url


@pytest.fixture
def store(store_url):
    opened = store_engine.open_store(store_url)
    yield opened
    opened.close()


def args(store_url, **extra):
    return dict({'cluster': 'lab', 'store': store_url}, **extra)


def test_create_check_apply_check_apply(run_module, store_url, store, cloud):
    task = args(store_url, hosts=['compute1', 'compute2', 'compute3'], max_parallel=2, metadata={'ticket': 'CHG-7'},
                actions=[{'plugin': 'osops_site.kernel.update', 'type': 'host', 'metadata': {'reboot': True}},
                         {'plugin': 'osops_site.notify.start', 'type': 'pre'}],
                download=[{'url': 'http://127.0.0.1/k.deb', 'checksum': 'sha256:00ff', 'dest': '/tmp/k.deb'}])
    predicted = run_module(maintenance_session.main, task, check_mode=True)
    assert predicted['changed'] is True and predicted['session_id'] is None and RETURNED <= set(predicted)
    assert store_sessions.list_sessions(store) == []  # check mode writes nothing
    # compute3 (empty) first, alone: with it out, nothing maintained could take compute2's instance yet.
    assert [b['hosts'] for b in predicted['plan']['batches']] == [['compute3'], ['compute2', 'compute1']]
    assert predicted['plan']['instances'] == {'i-1': 'maintained', 'i-2': 'maintained', 'i-3': 'maintained'}

    created = run_module(maintenance_session.main, task)
    assert created['changed'] is True and uuid.UUID(created['session_id']) and RETURNED <= set(created)
    assert created['msg'] == 'Maintenance session %s created over 3 hosts in 2 batches.' % created['session_id']
    stored = store_sessions.get_session(store, created['session_id'])
    assert created['session'] == stored
    assert created['plan']['batches'] == predicted['plan']['batches']
    assert stored['plan'] == dict((k, v) for k, v in created['plan'].items() if k != 'instances')
    assert [(h['host'], h['batch'], h['state']) for h in stored['hosts']] == [
        ('compute3', 1, 'pending'), ('compute2', 2, 'pending'), ('compute1', 2, 'pending')]
    assert stored['hosts'][0]['detail']['reason'] == 'compute3 (empty): empty hosts go first'
    assert (stored['state'], stored['metadata'], stored['max_parallel']) == ('MAINTENANCE', {'ticket': 'CHG-7'}, 2)
    # The steps check mode predicted are the ones written, positions and all.
    drop = ('started_at', 'finished_at')
    assert [dict((k, v) for k, v in s.items() if k not in drop) for s in predicted['session']['steps']] == \
        [dict((k, v) for k, v in s.items() if k not in drop) for s in stored['steps']]
    assert [s['action'] for s in stored['steps'] if s['host'] == 'compute1'] == [
        'download', 'disable', 'notify', 'drain', 'host_action', 'enable', 'verify']
    assert [s['plugin'] for s in stored['steps'] if s['action'] in ('pre_action', 'host_action')][:2] == [
        'osops_site.notify.start', 'osops_site.kernel.update']

    for check_mode in (True, False):
        again = run_module(maintenance_session.main, task, check_mode=check_mode)
        assert again['changed'] is False and again['session_id'] == created['session_id']
        assert again['msg'] == 'Hosts compute3, compute2, compute1 are already in maintenance session %s ' \
                               '(MAINTENANCE).' % created['session_id']
        assert RETURNED <= set(again) and again['plan'] == stored['plan']
    assert cloud.reads == 2  # the plan is read for a new session only
    assert len(store_sessions.list_sessions(store)) == 1


def test_the_plan_is_read_from_the_cloud(run_module, store_url, store):
    """Compute services, placement inventories and usages, servers and server groups through openstacksdk."""
    with FakeCloud(computes=3, with_network=False) as fake:
        web = [fake.add_server('web-%d' % i, 'compute1') for i in (1, 2)]
        db = fake.add_server('db-1', 'compute2', status='SHUTOFF')
        fake.server_groups.append({'id': 'g-web', 'name': 'web', 'policy': 'anti-affinity', 'members': [web[0], db]})
        task = args(store_url, cloud=fake.cloud(), max_parallel=2)
        predicted = run_module(maintenance_session.main, task, check_mode=True)
        created = run_module(maintenance_session.main, task)
    assert predicted['changed'] and created['changed'] and predicted['plan']['batches'] == created['plan']['batches']
    # compute3 (empty) first, then compute2 (the lighter); compute1 shares group g-web with it: a batch of its own.
    assert [b['hosts'] for b in created['plan']['batches']] == [['compute3'], ['compute2'], ['compute1']]
    assert created['plan']['batches'][1]['notes'] == ['compute1 waits: it shares anti-affinity group g-web with '
                                                      'this batch']
    assert created['plan']['instances'] == dict.fromkeys(web + [db], 'maintained')
    # db-1 goes to compute3; web-1, of its group, cannot join it there: compute2, maintained by then.
    assert sorted((m['batch'], m['host'], m['destination_host'], m['instances']) for m in created['plan']['moves']) == [
        (2, 'compute2', 'compute3', [db]), (3, 'compute1', 'compute2', [web[0]]), (3, 'compute1', 'compute3', [web[1]])]
    asked = dict((path, version) for path, version in fake.microversions if version)
    assert asked['/compute/v2.1/servers/detail'] == 'compute 2.47'
    assert asked['/compute/v2.1/os-server-groups'] == 'compute 2.64'
    assert ('GET', '/placement/resource_providers/rp-compute1/usages') in fake.requests
    assert len(store_sessions.list_sessions(store)) == 1


def test_no_hosts_means_every_compute_of_the_record(run_module, store_url, store, cloud):
    result = run_module(maintenance_session.main, args(store_url))
    assert sorted(h['host'] for h in result['session']['hosts']) == ['compute1', 'compute2', 'compute3']
    assert [b['hosts'] for b in result['plan']['batches']] == [['compute3'], ['compute2'], ['compute1']]


def test_two_hosts_asked_in_parallel_with_room_for_one_are_serialised(run_module, store_url, store, cloud):
    # compute1 and compute2 each hold 3 instances; compute3 (outside the session) has room for 3.
    cloud.hosts = [compute('compute1', used=3), compute('compute2', used=3), compute('compute3', vcpu=6)]
    cloud.instances = [{'id': 'i-%d' % i, 'host': 'compute%d' % (1 + i // 3), 'resources': SMALL, 'server_groups': []}
                       for i in range(6)]
    result = run_module(maintenance_session.main, args(store_url, hosts=['compute1', 'compute2'], max_parallel=2),
                        check_mode=True)
    assert [b['hosts'] for b in result['plan']['batches']] == [['compute1'], ['compute2']]
    assert result['plan']['batches'][0]['notes'] == [
        'compute2 waits, though max_parallel is 2, and so do the hosts after it: with compute1 out, availability '
        'zone nova cannot absorb the instances of compute2 (MEMORY_MB: 6144 needed, 0 free; VCPU: 6 needed, 0 free)']
    assert store_sessions.list_sessions(store) == []


@pytest.mark.parametrize('extra,message', [
    ({'hosts': ['compute9']}, "Option hosts: got ['compute9'], expected hosts of cluster lab. Its computes are "
                              "compute1, compute2, compute3"),
    ({'hosts': ['controller']}, "Option hosts: got ['controller'], expected compute hosts (running nova-compute). "
                                "controller of cluster lab has roles: control."),
    ({'hosts': ['compute1', 'compute1']}, "Option hosts: got ['compute1'], expected each host once."),
    ({'workflow': 'express'}, "Option workflow: got 'express', expected one of default."),
    ({'actions': [{'plugin': 'x.y.z', 'type': 'during'}]}, 'value of type must be one of: pre, host, post, got: during'),
    ({'actions': [{'plugin': 'update it', 'type': 'host'}]}, "Option actions[0].plugin: got 'update it', expected a "
                                                             "task file (.yml or .yaml) or a module's FQCN"),
    ({'actions': [{'plugin': '/nowhere/tasks.yml', 'type': 'host'}]}, "Option actions[0].plugin: got "
                                                                      "'/nowhere/tasks.yml', expected an existing task file."),
    ({'download': [{'url': 'http://x', 'checksum': 'abc', 'dest': '/tmp/x'}]}, "Option download[0].checksum: got 'abc'"),
    ({'download': [{'checksum': 'sha256:ab', 'dest': '/tmp/x'}]}, 'one of the following is required: url, path'),
    ({'cluster': 'elsewhere'}, 'No cluster named elsewhere in the store; discover it first'),
    ({'max_parallel': 0}, 'Option max_parallel: got 0, expected 1 or more.'),
    ({'maintenance_at': 'tomorrow'}, "Option maintenance_at: got 'tomorrow', expected an ISO 8601 time"),
])
def test_bad_input_is_refused_and_nothing_is_written(run_module, store_url, store, cloud, extra, message):
    result = run_module(maintenance_session.main, args(store_url, **extra))
    assert result['failed'] and message in result['msg']
    assert store_sessions.list_sessions(store) == []


def test_a_host_in_another_active_session_is_refused(run_module, store_url, store, cloud):
    first = run_module(maintenance_session.main, args(store_url, hosts=['compute1', 'compute3']))
    result = run_module(maintenance_session.main, args(store_url, hosts=['compute3', 'compute2']))
    assert result['failed'] and result['msg'] == (
        'Host compute3 is already in maintenance session %s (MAINTENANCE); finish that session, or delete it, '
        'first.' % first['session_id'])
    assert [s['id'] for s in store_sessions.list_sessions(store)] == [first['session_id']]
    other = run_module(maintenance_session.main, args(store_url, hosts=['compute1', 'compute3'], workflow='default',
                                                      metadata={'ticket': 'other'}))
    assert other['failed'] and other['msg'].startswith('Maintenance session %s over these hosts was created with '
                                                       'other metadata; delete it' % first['session_id'])


def test_no_capacity_to_empty_a_host_is_refused(run_module, store_url, store, cloud):
    cloud.hosts = [compute('compute1', used=4), compute('compute2', vcpu=4, used=1), compute('compute3', vcpu=2, used=1)]
    cloud.instances = [{'id': 'i-%d' % i, 'host': 'compute1', 'resources': SMALL, 'server_groups': []} for i in range(4)]
    result = run_module(maintenance_session.main, args(store_url, hosts=['compute1']))
    assert result['failed'] and result['msg'].startswith(
        'Cannot plan the maintenance session: compute1 cannot be emptied: availability zone nova cannot absorb the '
        'instances of compute1 (MEMORY_MB: 8192 needed, 2048 free; VCPU: 8 needed, 2 free)')
    assert result['refused'] == [{'host': 'compute1', 'reason': result['refused'][0]['reason']}]
    assert store_sessions.list_sessions(store) == []


def test_a_session_far_ahead_is_scheduled_and_started_when_its_time_comes(
        run_module, store_url, store, cloud, monkeypatch):
    slept = []
    monkeypatch.setattr(maintenance_session.time, 'sleep', slept.append)
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)).replace(microsecond=0)
    task = args(store_url, hosts=['compute2'], maintenance_at=when.isoformat())
    scheduled = run_module(maintenance_session.main, task)
    assert scheduled['changed'] and scheduled['session']['state'] == 'SCHEDULED'
    assert scheduled['run_at'] == when.isoformat() and scheduled['waited'] == 0 and slept == []
    assert scheduled['msg'] == ('Maintenance session %s is scheduled for %s: run this task again then.'
                                % (scheduled['session_id'], when.isoformat()))
    assert run_module(maintenance_session.main, task)['changed'] is False
    # Within wait_max the module waits, then starts it (check mode says so without waiting).
    soon = dict(task, wait_max=3 * 3600)
    predicted = run_module(maintenance_session.main, soon, check_mode=True)
    assert predicted['changed'] and predicted['session']['state'] == 'MAINTENANCE' and slept == []
    started = run_module(maintenance_session.main, soon)
    assert started['changed'] and started['session']['state'] == 'MAINTENANCE' and started['run_at'] is None
    assert 7000 < slept[0] <= 7200 and started['waited'] == slept[0]
    assert started['diff'] == {'before': {'state': 'SCHEDULED'}, 'after': {'state': 'MAINTENANCE'}}
    assert store_sessions.get_session(store, scheduled['session_id'])['state'] == 'MAINTENANCE'
    assert run_module(maintenance_session.main, soon)['changed'] is False


def _fail_a_drain(store, session_id, host='compute2'):
    store_steps.claim_steps(store, session_id, [host])  # disable
    store_steps.finish_steps(store, session_id, [{'host': host, 'outcome': 'done'}])
    for action in ('notify', 'drain'):
        store_steps.claim_steps(store, session_id, [host], action)
        outcome = 'failed' if action == 'drain' else 'done'
        store_steps.finish_steps(store, session_id, [{'host': host, 'outcome': outcome, 'detail': {'msg': 'stuck'}}])


def test_continue_a_failed_session(run_module, store_url, store, cloud):
    created = run_module(maintenance_session.main, args(store_url, hosts=['compute2']))
    _fail_a_drain(store, created['session_id'])
    task = {'state': 'continued', 'id': created['session_id'], 'store': store_url}
    predicted = run_module(maintenance_session.main, task, check_mode=True)
    assert predicted['changed'] and predicted['session']['state'] == 'PLANNED_MAINTENANCE'
    assert store_sessions.get_session(store, created['session_id'])['state'] == 'MAINTENANCE_FAILED'
    result = run_module(maintenance_session.main, task)
    assert result['changed'] and result['msg'] == ('Maintenance session %s continues (PLANNED_MAINTENANCE) from '
                                                   'step 3 (drain on compute2).' % created['session_id'])
    assert [s['position'] for s in result['reset']] == [3]
    assert {'changed', 'msg', 'session_id', 'session', 'reset'} <= set(result)
    for check_mode in (True, False):
        again = run_module(maintenance_session.main, task, check_mode=check_mode)
        assert again['changed'] is False and again['msg'] == (
            'Maintenance session %s is PLANNED_MAINTENANCE: it has not failed; a step left running is claimed '
            'again.' % created['session_id'])
    unknown = run_module(maintenance_session.main, dict(task, id='nope'))
    assert unknown['failed'] and unknown['msg'] == ('No maintenance session nope in the store: ansible-playbook '
                                                    'osops.lifecycle.maintenance_list lists the sessions it holds.')


def test_delete_a_finished_session(run_module, store_url, store, cloud):
    created = run_module(maintenance_session.main, args(store_url, hosts=['compute3']))
    session_id = created['session_id']
    while store_sessions.get_session(store, session_id)['state'] != 'MAINTENANCE_DONE':
        claimed = store_steps.claim_steps(store, session_id, ['compute3'])['claimed']
        store_steps.finish_steps(store, session_id, [{'position': s['position'], 'outcome': 'done'} for s in claimed])
    task = {'state': 'absent', 'id': session_id, 'store': store_url}
    predicted = run_module(maintenance_session.main, task, check_mode=True)
    assert predicted['changed'] and predicted['hosts_to_enable'] == []
    assert store_sessions.get_session(store, session_id)['state'] == 'MAINTENANCE_DONE'
    deleted = run_module(maintenance_session.main, task)
    assert deleted['changed'] and deleted['msg'] == 'Maintenance session %s (MAINTENANCE_DONE) deleted.' % session_id
    assert {'changed', 'msg', 'session_id', 'session', 'hosts_to_enable'} <= set(deleted)
    for check_mode in (True, False):
        again = run_module(maintenance_session.main, task, check_mode=check_mode)
        assert again['changed'] is False and again['msg'] == 'No maintenance session %s: nothing to delete.' % session_id
    assert store_sessions.list_sessions(store) == []


def test_an_active_session_is_deleted_only_with_force_and_names_the_hosts_to_enable(
        run_module, store_url, store, cloud):
    created = run_module(maintenance_session.main, args(store_url, hosts=['compute2']))
    _fail_a_drain(store, created['session_id'])
    task = {'state': 'absent', 'id': created['session_id'], 'store': store_url}
    refused = run_module(maintenance_session.main, task)
    assert refused['failed'] and refused['msg'] == (
        'Maintenance session %s is MAINTENANCE_FAILED, not finished: continue it, or delete it with force=true and '
        'then enable compute2 again (osops.lifecycle.compute_service).' % created['session_id'])
    assert refused['hosts_to_enable'] == ['compute2'] and len(store_sessions.list_sessions(store)) == 1
    forced = run_module(maintenance_session.main, dict(task, force=True))
    assert forced['changed'] and forced['hosts_to_enable'] == ['compute2']
    assert forced['msg'].endswith('deleted; enable compute2 again.')
    assert store_sessions.list_sessions(store) == [] and store_sessions.active_hosts(store, 'lab') == []


def test_cluster_info_shows_maintenance_while_a_session_runs(run_module, store_url, store, cloud):
    def cluster_state():
        return run_module(cluster_info.main, {'store': store_url, 'name': 'lab'})['clusters'][0]['state']
    assert cluster_state() == 'active'
    created = run_module(maintenance_session.main, args(store_url, hosts=['compute3']))
    assert cluster_state() == 'maintenance'
    while store_sessions.get_session(store, created['session_id'])['state'] != 'MAINTENANCE_DONE':
        claimed = store_steps.claim_steps(store, created['session_id'], ['compute3'])['claimed']
        store_steps.finish_steps(store, created['session_id'], [{'position': s['position'], 'outcome': 'done'}
                                                                for s in claimed])
    assert cluster_state() == 'active'
