"""HAProxy's runtime API: its answers parsed, and a server set and waited for, against a fake admin socket."""

import os
import socket

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service import haproxy
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._service.fake_haproxy import FakeHaproxy
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils.fake_clock import Clock

# HAProxy 2.6.12's answers (Debian 12), as read from its socket: server a UP and drained, b DOWN.
SERVERS_STATE = (
    '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight '
    'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state '
    'bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr '
    'srv_agent_addr srv_agent_port\n'
    '3 be 1 a 127.0.0.1 2 8 1 1 1 15 3 1 6 0 0 0 - 18402 - 0 0 - - 0\n'
    '3 be 2 b 127.0.0.1 0 0 1 1 3 8 2 0 6 0 0 0 - 18403 - 0 0 - - 0\n\n')
STAT = (
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,'
    'act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,'
    'check_status,check_code,check_duration,\n'
    'be,a,1,0,2,0,,0,0,0,,0,,0,0,0,0,DRAIN,1,1,0,1,1,1,1,,1,3,1,,0,,2,0,,0,L7OK,200,1,\n'
    'be,b,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,3,3,,1,3,2,,0,,2,0,,0,L4CON,,0,\n\n')


def test_parse_servers_state():
    states = haproxy.parse_servers_state(SERVERS_STATE)
    assert sorted(states) == ['a', 'b']
    assert (states['a']['srv_admin_state'], states['b']['srv_op_state'], states['b']['srv_port']) == ('8', '0', '18403')
    assert haproxy.parse_servers_state("Can't find backend.\n\n") is None
    assert haproxy.parse_servers_state('1\n# be_id be_name srv_id srv_name\n\n') == {}  # a backend without servers


def test_parse_stat():
    rows = haproxy.parse_stat(STAT)
    assert sorted(rows) == ['a', 'b']
    assert (rows['a']['status'], rows['a']['scur'], rows['a']['qcur'], rows['b']['check_status']) == (
        'DRAIN', '2', '1', 'L4CON')
    assert haproxy.parse_stat('No such proxy.\n\n') is None


@pytest.mark.parametrize('bits, state', [
    ('0', 'ready'), ('8', 'drain'), ('16', 'drain'), ('1', 'maint'), ('2', 'maint'), ('4', 'maint'),
    ('32', 'maint'), ('9', 'maint'), ('64', 'ready')])
def test_admin_state(bits, state):
    assert haproxy.admin_state(bits) == state


@pytest.fixture
def fake():
    started = []

    def start(servers=None, **options):
        started.append(FakeHaproxy(servers or {
            'keystone_service-back': {
                'infra1': {'admin': 0, 'status': 'UP', 'scur': 0, 'check': ('L7OK', 'Layer7 check passed')},
                'infra2': {'admin': 0, 'status': 'UP', 'scur': 0, 'check': ('L7OK', 'Layer7 check passed')}},
            'placement-back': {'infra1': {'admin': 0, 'status': 'no check', 'scur': 0}}}, **options))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def ensure(fake, *args, clock=None, **kwargs):
    clock = clock or Clock()
    return haproxy.ensure(haproxy.RuntimeApi(fake.path), *args, clock=clock, sleep=clock.sleep, **kwargs)


def ending_sessions(fake):
    """Each look at show stat, one session of infra1 less."""
    server = fake.servers['keystone_service-back']['infra1']
    server['scur'] = max(server['scur'] - 1, 0)


def test_drain_waits_until_the_sessions_end(fake):
    hx = fake(on_stat=ending_sessions)
    hx.servers['keystone_service-back']['infra1']['scur'] = 4
    result = ensure(hx, 'keystone_service-back', 'infra1', 'drain')
    assert result == {'changed': True, 'previous_state': 'ready', 'state': 'drain', 'status': 'DRAIN', 'sessions': 0,
                      'check': 'L7OK Layer7 check passed', 'waited': True, 'elapsed': 1.0}  # two sleeps of 0.5 s
    assert hx.sets() == ['set server keystone_service-back/infra1 state drain']
    # the other server is untouched
    assert hx.servers['keystone_service-back']['infra2']['admin'] == 0


def test_queued_sessions_count(fake):
    hx = fake()
    hx.servers['keystone_service-back']['infra1'].update(admin=8, scur=1, qcur=2)
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra1', 'drain', timeout=2)
    assert error.value.result['sessions'] == 3


def test_a_drained_server_is_not_set_again_but_still_waited_for(fake):
    hx = fake(on_stat=ending_sessions)
    hx.servers['keystone_service-back']['infra1'].update(admin=8, status='DRAIN', scur=2)
    result = ensure(hx, 'keystone_service-back', 'infra1', 'drain')
    assert (result['changed'], result['previous_state'], result['sessions'], result['waited']) == (
        False, 'drain', 0, True)
    assert hx.sets() == []


def test_check_mode_reads_and_predicts(fake):
    hx = fake()
    hx.servers['keystone_service-back']['infra1']['scur'] = 5  # would block a wait: none happens
    result = ensure(hx, 'keystone_service-back', 'infra1', 'drain', check_mode=True)
    assert (result['changed'], result['previous_state'], result['state'], result['status'], result['waited']) == (
        True, 'ready', 'drain', 'UP', False)
    assert hx.sets() == [] and hx.servers['keystone_service-back']['infra1']['admin'] == 0
    # nothing to change: the wait is a read, so check mode waits too
    ready = ensure(hx, 'keystone_service-back', 'infra1', 'ready', check_mode=True)
    assert (ready['changed'], ready['waited'], ready['status']) == (False, True, 'UP') and hx.sets() == []


def test_ready_waits_until_haproxy_sees_it_up(fake):
    looks = []

    def check_passes_on_the_third_look(hx):
        looks.append(1)
        if len(looks) == 3:
            hx.servers['keystone_service-back']['infra1']['status'] = 'UP'

    hx = fake(on_stat=check_passes_on_the_third_look)
    hx.servers['keystone_service-back']['infra1'].update(admin=8, status='DOWN', check=('L4CON', 'Connection refused'))
    result = ensure(hx, 'keystone_service-back', 'infra1', 'ready')
    assert (result['changed'], result['previous_state'], result['state'], result['status']) == (
        True, 'drain', 'ready', 'UP')
    assert result['elapsed'] == 0.5 and hx.sets() == ['set server keystone_service-back/infra1 state ready']


def test_ready_without_a_health_check_is_at_once(fake):
    hx = fake()
    result = ensure(hx, 'placement-back', 'infra1', 'ready')
    assert (result['changed'], result['status'], result['check'], result['elapsed']) == (False, 'no check', None, 0.0)


def test_maint(fake):
    hx = fake()
    result = ensure(hx, 'keystone_service-back', 'infra2', 'maint')
    assert (result['changed'], result['state'], result['status']) == (True, 'maint', 'MAINT')
    assert hx.servers['keystone_service-back']['infra2']['admin'] == 1


def test_a_drain_that_does_not_end_says_how_many_sessions_are_left(fake):
    hx = fake()
    hx.servers['keystone_service-back']['infra1']['scur'] = 3
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra1', 'drain', timeout=10)
    assert error.value.msg.startswith(
        'Server keystone_service-back/infra1 on %s is in state drain but did not settle within 10 s: 3 session(s) '
        'left. Waited for its sessions to end.' % socket.gethostname())
    assert 'Raise the option timeout' in error.value.msg
    assert error.value.result == {'previous_state': 'ready', 'state': 'drain', 'status': 'DRAIN', 'sessions': 3,
                                  'elapsed': 10.0, 'changed': True}
    assert hx.servers['keystone_service-back']['infra1']['admin'] == 8  # it stays drained


def test_a_server_that_stays_down_is_a_timeout_naming_its_check(fake):
    hx = fake()
    hx.servers['keystone_service-back']['infra1'].update(admin=8, status='DOWN', check=('L4CON', 'Connection refused'))
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra1', 'ready', timeout=3)
    assert ('is in state ready but did not settle within 3 s: it is DOWN (last check: L4CON Connection refused). '
            'Waited for HAProxy to see it UP.') in error.value.msg
    assert 'is the service answering on the address and port HAProxy checks?' in error.value.msg


def test_no_wait(fake):
    hx = fake()
    hx.servers['keystone_service-back']['infra1']['scur'] = 3
    result = ensure(hx, 'keystone_service-back', 'infra1', 'drain', wait=False)
    assert (result['changed'], result['sessions'], result['waited']) == (True, 3, False)


def test_unknown_backend_lists_the_backends(fake):
    hx = fake()
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone-back', 'infra1', 'drain')
    assert error.value.msg.startswith(
        "HAProxy on %s has no backend 'keystone-back'; its backends: keystone_service-back, placement-back. Set the "
        'option backend to one of them' % socket.gethostname())
    assert error.value.result == {'backends': ['keystone_service-back', 'placement-back']} and hx.sets() == []


def test_unknown_server_lists_the_servers(fake):
    hx = fake()
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra3', 'drain')
    assert error.value.msg.startswith("Backend keystone_service-back on %s has no server 'infra3'; its servers: "
                                      'infra1, infra2.' % socket.gethostname())
    assert 'inventory hostname' in error.value.msg and hx.sets() == []


def test_a_socket_below_level_admin(fake):
    hx = fake(level='operator')
    # reading is allowed: check mode works
    assert ensure(hx, 'keystone_service-back', 'infra1', 'drain', check_mode=True)['changed']
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra1', 'drain')
    assert error.value.msg.startswith('HAProxy refused "set server keystone_service-back/infra1 state drain" on '
                                      "HAProxy's admin socket %s on " % hx.path)
    assert 'Permission denied. The socket\'s level is not admin; give it "level admin"' in error.value.msg


def test_another_refusal_is_quoted(fake):
    hx = fake()
    hx.answer = lambda command: ('Cannot change state of a tracked server\n\n' if command.startswith('set')
                                 else FakeHaproxy.answer(hx, command))
    with pytest.raises(OsopsError) as error:
        ensure(hx, 'keystone_service-back', 'infra1', 'drain')
    assert error.value.msg.endswith(
        'refused "set server keystone_service-back/infra1 state drain": Cannot change state of a tracked server')


@pytest.mark.parametrize('option, name', [('backend', 'be;shutdown sessions server be/x'), ('server', 'a b'),
                                          ('server', '')])
def test_names_haproxy_would_not_allow_send_nothing(fake, option, name):
    hx = fake()
    names = {'backend': 'keystone_service-back', 'server': 'infra1', option: name}
    with pytest.raises(OptionError) as error:
        ensure(hx, names['backend'], names['server'], 'drain')
    assert error.value.msg.startswith('Option %s: got %r, expected a name as HAProxy allows it' % (option, name))
    assert hx.commands == []


def test_no_socket(tmp_path):
    with pytest.raises(OsopsError) as error:
        haproxy.RuntimeApi(str(tmp_path / 'haproxy.stat')).ask('show backend')
    assert "HAProxy's admin socket %s on %s does not exist. Is HAProxy running on this host" % (
        tmp_path / 'haproxy.stat', socket.gethostname()) in error.value.msg
    assert 'osops_upgrade_haproxy_socket' in error.value.msg


def test_not_a_socket(tmp_path):
    (tmp_path / 'haproxy.cfg').write_text('global\n')
    with pytest.raises(OsopsError) as error:
        haproxy.RuntimeApi(str(tmp_path / 'haproxy.cfg')).ask('show backend')
    assert error.value.msg.endswith('is not a unix socket. Set the option socket to the path of HAProxy\'s "stats '
                                    'socket" (openstack-ansible: /var/run/haproxy.stat).')


def test_a_socket_left_by_a_stopped_haproxy(fake):
    hx = fake()
    hx.stop()  # its file stays, nothing listens
    stale = socket.socket(socket.AF_UNIX)
    os.makedirs(hx.directory, exist_ok=True)
    stale.bind(hx.path)
    stale.close()
    try:
        with pytest.raises(OsopsError) as error:
            haproxy.RuntimeApi(hx.path).ask('show backend')
    finally:
        os.unlink(hx.path)
    assert 'nothing listens on it (connection refused): HAProxy is not running' in error.value.msg
