"""The venv driver's modules in-process, on temp dirs, with stand-ins for supervisorctl and systemctl.

The stand-ins really start and stop the service's command (a script in a
fake venv that sleeps), so the modules read real processes under /proc.
"""

import http.server
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import process_managers
from ansible_collections.osops.lifecycle.plugins.modules import (
    service_code,
    service_restart,
    service_venv,
    service_venv_info,
    service_wait,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# supervisorctl / systemctl stand-in: the program's command is what was last loaded (update / daemon-reload).
FAKECTL = os.path.join(ROOT, 'tests', 'fixtures', 'venv_driver', 'fakectl.py')

# not a venv's interpreter, so the only venv a sleeper runs is its own
SLEEPER = '#!%s\nimport time\ntime.sleep(600)\n' % os.path.realpath(sys.executable)


def make_venv(root, name, version, programs, modules=()):
    """A venv-shaped directory: pyvenv.cfg, sleeping programs, the package's dist-info, modules."""
    venv = root / ('%s-%s' % (name, version))
    (venv / 'bin').mkdir(parents=True)
    (venv / 'pyvenv.cfg').write_text('home = /usr/bin\n')
    site = venv / 'lib' / 'python3.11' / 'site-packages'
    (site / ('%s-%s.dist-info' % (name, version))).mkdir(parents=True)
    for program in programs:
        path = venv / 'bin' / program
        path.write_text(SLEEPER)
        path.chmod(0o755)
    for module in modules:
        path = site / (module.replace('.', '/') + '.py')
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('')
    return str(venv)


class Host:
    """A temp dir with venvs, a process manager stand-in, and the calls made to it."""

    def __init__(self, tmp_path):
        self.root = tmp_path
        self.bin = tmp_path / 'sbin'
        self.bin.mkdir()
        for name in ('supervisorctl', 'systemctl'):
            path = self.bin / name
            with open(FAKECTL) as fake:
                path.write_text('#!%s\n%s' % (sys.executable, fake.read()))
            path.chmod(0o755)
        self.venvs = tmp_path / 'venvs'

    def state(self):
        return json.loads((self.bin / 'state.json').read_text())

    def set_units(self, units):
        (self.bin / 'state.json').write_text(json.dumps({'loaded': {}, 'pid': {}, 'units': units}))

    def calls(self):
        log = self.bin / 'calls.log'
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def verbs(self):
        return [call[2] if call[0] == '-c' else call[0] for call in self.calls()]

    def pids(self):
        path = self.bin / 'state.json'
        return list(json.loads(path.read_text())['pid'].values()) if path.exists() else []

    def ctl(self, *args):
        os.system(' '.join([str(self.bin / 'supervisorctl')] + [str(a) for a in args]) + ' >/dev/null')


@pytest.fixture
def host(tmp_path):
    found = Host(tmp_path)
    yield found
    for pid in found.pids():
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def compute(host):
    """nova-compute and nova-conductor under supervisord, nova-compute running from nova-31.3.1."""
    old = make_venv(host.venvs, 'nova', '31.3.1', ['nova-compute', 'nova-conductor'])
    new = make_venv(host.venvs, 'nova', '33.0.2', ['nova-compute', 'nova-conductor'])
    conf = host.root / 'supervisord.conf'
    conf.write_text(textwrap.dedent('''\
        [supervisord]
        nodaemon = true

        [program:nova-conductor]
        command = %(old)s/bin/nova-conductor --config-file /etc/nova/nova.conf

        [program:nova-compute]
        command = %(old)s/bin/nova-compute --config-file /etc/nova/nova.conf
        environment = PATH="%(old)s/bin:/usr/bin"
        ''' % {'old': old}))
    host.ctl('-c', conf, 'start', 'nova-compute')
    args = {'name': 'nova-compute', 'supervisord_config': str(conf), 'supervisorctl': str(host.bin / 'supervisorctl')}
    return dict(old=old, new=new, conf=conf, args=args)


def test_supervisord_check_apply_check_apply(host, compute, run_module):
    args = compute['args']
    info = run_module(service_venv_info.main, args, check_mode=True)
    assert (info['venv'], info['version'], info['venv_source'], info['manager']) == (
        compute['old'], '31.3.1', 'command', 'supervisord')
    assert info['process']['running'] and info['process']['venvs'] == [compute['old']]
    assert info['restart_required'] is False and info['changed'] is False
    before = compute['conf'].read_text()

    predicted = run_module(service_venv.main, dict(args, version='33.0.2'), check_mode=True)
    assert predicted['changed'] and predicted['restart_required']
    assert (predicted['venv'], predicted['previous_venv'], predicted['version']) == (
        compute['new'], compute['old'], '33.0.2')
    assert [c['line'] for c in predicted['changes']] == [8, 9]
    assert predicted['diff'][0]['before'] == before and compute['new'] in predicted['diff'][0]['after']
    assert compute['conf'].read_text() == before and 'reread' not in host.verbs()

    applied = run_module(service_venv.main, dict(args, venv=compute['new']))
    assert applied['changed'] and applied['changes'] == predicted['changes'] and applied['restart_required']
    after = compute['conf'].read_text()
    assert after == predicted['diff'][0]['after']
    assert '%s/bin/nova-conductor' % compute['old'] in after  # another program's section stays
    assert host.verbs().count('reread') == 1

    for check_mode in (True, False):
        again = run_module(service_venv.main, dict(args, venv=compute['new']), check_mode=check_mode)
        assert (again['changed'], again['changes'], again['files']) == (False, [], [])
        assert again['restart_required'] is True  # the process still runs the old venv
    assert compute['conf'].read_text() == after and host.verbs().count('reread') == 1

    # restart: predicted, done, then nothing to do
    old_pid = info['process']['pid']
    predicted = run_module(service_restart.main, args, check_mode=True)
    assert predicted['restarted'] and predicted['pid'] == old_pid and 'update' not in host.verbs()
    assert predicted['reason'] == 'pid %d runs %s, not %s' % (old_pid, compute['old'], compute['new'])
    restarted = run_module(service_restart.main, args)
    assert restarted['changed'] and restarted['pid'] != old_pid and restarted['state'] == 'RUNNING'
    assert host.verbs()[-5:] == ['status', 'update', 'status', 'start', 'status']
    for check_mode in (True, False):
        again = run_module(service_restart.main, args, check_mode=check_mode)
        assert (again['changed'], again['pid']) == (False, restarted['pid'])
        assert again['reason'] == 'pid %d already runs %s' % (restarted['pid'], compute['new'])

    info = run_module(service_venv_info.main, args)
    assert info['venv'] == compute['new'] and info['process']['venvs'] == [compute['new']]
    assert info['restart_required'] is False
    ready = run_module(service_wait.main, dict(args, timeout=10))
    assert ready['venvs'] == [compute['new']] and ready['pid'] == restarted['pid'] and ready['elapsed'] < 5
    assert set(ready) >= {'venv', 'elapsed', 'pid', 'venvs', 'http_status', 'document'}

    forced = run_module(service_restart.main, dict(args, force=True))
    assert forced['changed'] and forced['reason'] == 'forced' and forced['pid'] != restarted['pid']

    # back to the old venv (rollback): the same in reverse
    back = run_module(service_venv.main, dict(args, venv=compute['old']))
    assert back['changed'] and compute['conf'].read_text() == before


def test_an_update_cut_short_is_completed(host, compute, run_module):
    # The upgrade's run was killed in supervisorctl's update of nova-compute, after it removed the program's
    # group and before it added it back (the config already names the new venv): supervisord has no such
    # process. The step run again (service_code's switch, restart and wait) predicts, then completes it.
    run_module(service_venv.main, dict(compute['args'], venv=compute['new']))
    state = host.state()
    os.killpg(state['pid'].pop('nova-compute'), signal.SIGKILL)
    state['loaded'].pop('nova-compute')
    state['removed'] = ['nova-compute']
    (host.bin / 'state.json').write_text(json.dumps(state))

    info = run_module(service_venv_info.main, compute['args'])
    assert (info['process']['state'], info['process']['running'], info['restart_required']) == ('ABSENT', False, True)
    args = dict(compute['args'], version='33.0.2', timeout=10)
    predicted = run_module(service_code.main, args, check_mode=True)
    assert predicted['changed'] and predicted['restarted'] and 'nova-compute' in host.state()['removed']
    before = len(host.verbs())
    done = run_module(service_code.main, args)
    assert done['changed'] and done['restarted'] and done['venv'] == compute['new'], done
    assert done['pid'] == host.state()['pid']['nova-compute'] and host.state()['removed'] == []
    assert 'update' in host.verbs()[before:] and 'start' not in host.verbs()[before:]  # update added and started it
    assert run_module(service_venv_info.main, compute['args'])['process']['venvs'] == [compute['new']]

    # a program the config does not name is still the layout error it was, not a process to add
    bad = run_module(service_venv_info.main, dict(compute['args'], name='nova-api'))
    assert bad['failed'] and 'has no [program:nova-api]' in bad['msg'], bad


def stop_in_progress(host, compute, run_module, seconds):
    """As a run killed in supervisorctl's update leaves nova-compute: the config already naming the new venv,
    supervisord still stopping its process (a stand-in that exits after ``seconds``)."""
    run_module(service_venv.main, dict(compute['args'], venv=compute['new']))
    state = host.state()
    os.killpg(state['pid'].pop('nova-compute'), signal.SIGKILL)
    exiting = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(%s)' % seconds], start_new_session=True)
    state['stopping'] = {'nova-compute': exiting.pid}
    (host.bin / 'state.json').write_text(json.dumps(state))
    return exiting


def test_a_stop_still_in_progress_is_waited_for(host, compute, run_module):
    # The upgrade's run was killed in supervisorctl's update of nova-compute while supervisord was stopping it
    # (seed 369758533 of the lab's chaos draws): supervisord goes on stopping it, and an update then would stop
    # nothing and fail to remove the group (STILL_RUNNING). The restart waits for the stop to end first.
    exiting = stop_in_progress(host, compute, run_module, 1.5)
    info = run_module(service_venv_info.main, compute['args'])
    assert (info['process']['state'], info['process']['running'], info['restart_required']) == (
        'STOPPING', False, True)
    before = len(host.verbs())
    done = run_module(service_code.main, dict(compute['args'], version='33.0.2', timeout=10))
    assert exiting.poll() is not None
    exiting.wait()
    assert done['changed'] and done['restarted'] and done['venv'] == compute['new'], done
    assert done['pid'] == host.state()['pid']['nova-compute']
    calls = host.verbs()[before:]
    assert calls.count('update') == 1 and calls.index('update') > 1  # after two looks, at least: it waited
    assert run_module(service_venv_info.main, compute['args'])['process']['venvs'] == [compute['new']]


def test_a_stop_that_never_ends_fails_clearly(host, compute, run_module, monkeypatch):
    # past the program's stopwaitsecs (the fixture's: supervisord's default, 10 s) and the margin, the restart
    # fails naming the program and what to look at; it has run no update
    monkeypatch.setattr(process_managers.Supervisord, 'stop_margin', 0.5)
    ticks = itertools.count(0, 3.0)  # each look at the clock: three seconds later
    monkeypatch.setattr(process_managers.Supervisord, 'clock', staticmethod(lambda: next(ticks)))
    monkeypatch.setattr(process_managers.Supervisord, 'sleep', staticmethod(lambda seconds: None))
    exiting = stop_in_progress(host, compute, run_module, 30)
    try:
        failed = run_module(service_code.main, dict(compute['args'], version='33.0.2', timeout=10))
    finally:
        exiting.kill()
        exiting.wait()
    assert failed['failed'] and failed['failed_action'] == 'restart', failed
    assert 'is still stopping nova-compute after' in failed['msg'] and '(its stopwaitsecs is 10)' in failed['msg']
    assert 'supervisorctl -c %s status nova-compute' % compute['conf'] in failed['msg']
    assert 'update' not in host.verbs()


def test_a_missing_target_venv_changes_nothing(host, compute, run_module):
    before = compute['conf'].read_text()
    for check_mode in (True, False):
        failed = run_module(service_venv.main, dict(compute['args'], version='99.0.0'), check_mode=check_mode)
        assert failed['failed'] and failed['venv'] == str(host.venvs / 'nova-99.0.0')
        assert failed['msg'].startswith('target venv %s does not exist on %s' % (failed['venv'], failed['host']))
        assert 'labctl install --release' in failed['msg'] and 'nothing was changed' in failed['msg']
    assert compute['conf'].read_text() == before and 'reread' not in host.verbs()


def test_a_target_without_the_program_is_refused(host, compute, run_module):
    partial = make_venv(host.venvs, 'nova', '34.0.0', ['nova-conductor'])
    failed = run_module(service_venv.main, dict(compute['args'], venv=partial))
    assert failed['failed'] and '%s/bin/nova-compute' % partial in failed['msg']
    assert 'nothing was changed' in failed['msg']


def test_unknown_program_and_non_venv_layouts(host, compute, run_module):
    failed = run_module(service_venv_info.main, dict(compute['args'], name='nova-scheduler'))
    assert 'has no [program:nova-scheduler]' in failed['msg']
    conf = host.root / 'distro.conf'
    conf.write_text('[program:nova-compute]\ncommand = /usr/bin/nova-compute\n')
    failed = run_module(service_venv.main, dict(compute['args'], supervisord_config=str(conf), version='1'))
    assert 'is not a virtualenv' in failed['msg'] and 'switches venvs only' in failed['msg']


class Versions(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({'version': {'id': 'v3.14', 'status': 'stable'}}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def keystone(host):
    """keystone under supervisord and uWSGI (lab layout), its API answered by a local HTTP server."""
    old = make_venv(host.venvs, 'keystone', '27.1.0', ['uwsgi'], ['keystone.wsgi.api'])
    new = make_venv(host.venvs, 'keystone', '29.1.0', ['uwsgi'], ['keystone.wsgi.api'])
    ini = host.root / 'keystone-uwsgi.ini'
    ini.write_text('[uwsgi]\nhttp-socket = 127.0.0.1:5000\nvirtualenv = %s\nmodule = keystone.wsgi.api:application\n'
                   'env = OS_KEYSTONE_CONFIG_FILES=/etc/keystone/keystone.conf\n' % old)
    conf = host.root / 'supervisord.conf'
    conf.write_text('[program:keystone]\ncommand = %s/bin/uwsgi --ini %s\n' % (old, ini))
    host.ctl('-c', conf, 'start', 'keystone')
    server = http.server.HTTPServer(('127.0.0.1', 0), Versions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield dict(old=old, new=new, ini=ini, conf=conf, url='http://127.0.0.1:%d/v3' % server.server_port,
               args={'name': 'keystone', 'supervisord_config': str(conf),
                     'supervisorctl': str(host.bin / 'supervisorctl')})
    server.shutdown()


def test_uwsgi_api_switch_restart_wait(host, keystone, run_module):
    args = keystone['args']
    info = run_module(service_venv_info.main, args)
    assert (info['venv'], info['venv_source'], info['uwsgi_ini']) == (keystone['old'], 'uwsgi_ini', str(keystone['ini']))
    switched = run_module(service_venv.main, dict(args, venv=keystone['new']))
    # the ini, which says which venv the service uses, is written last
    assert switched['files'] == [str(keystone['conf']), str(keystone['ini'])]
    assert 'virtualenv = %s\n' % keystone['new'] in keystone['ini'].read_text()
    assert run_module(service_restart.main, args)['restarted']
    ready = run_module(service_wait.main, dict(args, url=keystone['url'], timeout=10))
    assert ready['http_status'] == 200 and ready['document']['version']['id'] == 'v3.14'
    assert ready['venv'] == keystone['new']


def test_an_interrupted_switch_is_completed(host, keystone, run_module):
    # the program's section was written, the ini (which says the venv) was not
    conf = keystone['conf']
    conf.write_text(conf.read_text().replace(keystone['old'], keystone['new']))
    switched = run_module(service_venv.main, dict(keystone['args'], venv=keystone['new']))
    assert switched['changed'] and switched['files'] == [str(keystone['ini'])]
    assert run_module(service_venv.main, dict(keystone['args'], venv=keystone['new']))['changed'] is False


def test_a_target_without_the_wsgi_module_is_refused(host, keystone, run_module):
    older = make_venv(host.venvs, 'keystone', '25.0.0', ['uwsgi', 'keystone-wsgi-public'])
    before = keystone['ini'].read_text()
    failed = run_module(service_venv.main, dict(keystone['args'], venv=older))
    assert 'lacks the Python module keystone.wsgi.api (named in %s)' % keystone['ini'] in failed['msg']
    assert keystone['ini'].read_text() == before


def test_wait_says_what_is_missing(host, keystone, run_module):
    refused = 'http://127.0.0.1:1/v3'
    failed = run_module(service_wait.main, dict(keystone['args'], url=refused, timeout=1.5))
    assert failed['failed'] and 'keystone on ' in failed['msg'] and 'is not ready after 2 s' in failed['msg']
    assert refused + ' answered' in failed['msg']
    failed = run_module(service_wait.main, dict(keystone['args'], venv=keystone['new'], timeout=0))
    assert 'runs %s, not %s' % (keystone['old'], keystone['new']) in failed['msg']
    host.ctl('-c', keystone['conf'], 'update', 'keystone')  # stand-in: stops it when the section changed
    os.killpg(host.state()['pid']['keystone'], signal.SIGKILL)
    time.sleep(0.2)
    failed = run_module(service_wait.main, dict(keystone['args'], timeout=0))
    assert 'it is not running (supervisord STOPPED)' in failed['msg']


OSA_UNIT = '''[Unit]
Description=nova-compute service

[Service]
Type=simple
ExecStart=%(venv)s/bin/nova-compute
Environment="PATH=%(venv)s/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

[Install]
WantedBy=multi-user.target
'''


def test_systemd_unit_and_drop_in(host, run_module, monkeypatch):
    old = make_venv(host.venvs, 'nova', '31.1.0', ['nova-compute'])
    new = make_venv(host.venvs, 'nova', '33.0.2', ['nova-compute'])
    unit = host.root / 'nova-compute.service'
    unit.write_text(OSA_UNIT % {'venv': old})
    (host.root / 'nova-compute.service.d').mkdir()
    drop_in = host.root / 'nova-compute.service.d' / 'overrides.conf'
    drop_in.write_text('[Service]\nExecStart=\nExecStart=%s/bin/nova-compute --debug\n' % old)
    host.set_units({'nova-compute.service': str(unit)})
    monkeypatch.setenv('PATH', '%s:%s' % (host.bin, os.environ['PATH']))
    os.system('%s daemon-reload; %s restart nova-compute.service' % (host.bin / 'systemctl', host.bin / 'systemctl'))
    args = {'name': 'nova-compute', 'unit_path': str(unit)}

    info = run_module(service_venv_info.main, args)
    assert (info['manager'], info['venv'], info['command']) == ('systemd', old, '%s/bin/nova-compute --debug' % old)
    assert info['process']['state'] == 'active/running' and info['restart_required'] is False
    predicted = run_module(service_venv.main, dict(args, version='33.0.2'), check_mode=True)
    assert predicted['files'] == [str(unit), str(drop_in)]  # the drop-in holds the ExecStart: written last
    assert [c['line'] for c in predicted['changes']] == [6, 7, 3]
    assert 'daemon-reload' not in host.verbs()[2:]
    applied = run_module(service_venv.main, dict(args, version='33.0.2'))
    assert applied['changes'] == predicted['changes'] and host.verbs()[-2:] == ['daemon-reload', 'show']
    assert run_module(service_venv.main, dict(args, version='33.0.2'))['changed'] is False

    restarted = run_module(service_restart.main, args)
    assert restarted['restarted'] and restarted['pid'] != info['process']['pid']
    assert run_module(service_restart.main, args)['changed'] is False
    assert run_module(service_wait.main, dict(args, timeout=10))['venvs'] == [new]

    # a unit changed on disk but not reloaded: restart reloads first
    drop_in.write_text(drop_in.read_text().replace('--debug', '--verbose'))
    assert run_module(service_restart.main, args)['reason'] == 'its unit changed on disk since systemd read it'
    assert host.verbs()[-4:] == ['show', 'daemon-reload', 'restart', 'show']


def test_systemd_unit_missing(host, run_module, monkeypatch):
    monkeypatch.setenv('PATH', '%s:%s' % (host.bin, os.environ['PATH']))
    failed = run_module(service_venv_info.main, {'name': 'nova-compute', 'unit_path': str(host.root / 'none.service')})
    assert 'systemd unit file %s does not exist on ' % (host.root / 'none.service') in failed['msg']


def test_restart_of_a_venv_the_files_do_not_name(host, compute, run_module):
    args = dict(compute['args'], venv=compute['new'])
    # check mode: the venv a switch would write, predicted in the same check run
    predicted = run_module(service_restart.main, args, check_mode=True)
    assert predicted['restarted'] and predicted['venv'] == compute['new'] and 'update' not in host.verbs()
    refused = run_module(service_restart.main, args)
    assert refused['failed'] and refused['msg'].endswith(
        'its files name %s, not %s; switch it first (service_venv). Nothing was restarted.' % (
            compute['old'], compute['new']))
    assert 'update' not in host.verbs()


def test_code_switch_restart_wait_in_one_run(host, keystone, run_module):
    args = keystone['args']
    before = (keystone['conf'].read_text(), keystone['ini'].read_text())
    old_pid = host.state()['pid']['keystone']
    predicted = run_module(service_code.main, dict(args, version='29.1.0', url=keystone['url']), check_mode=True)
    assert predicted['changed'] and predicted['restarted'] and set(predicted['actions']) == {'switch', 'restart'}
    assert (predicted['venv'], predicted['previous_venv'], predicted['version']) == (
        keystone['new'], keystone['old'], '29.1.0')
    assert (keystone['conf'].read_text(), keystone['ini'].read_text()) == before and 'update' not in host.verbs()

    done = run_module(service_code.main, dict(args, version='29.1.0', url=keystone['url'], timeout=10))
    assert done['changed'] and done['restarted'] and list(done['actions']) == ['switch', 'restart', 'wait_ready']
    assert done['actions']['switch']['files'] == [str(keystone['conf']), str(keystone['ini'])]
    assert done['actions']['restart']['reason'] == 'pid %d runs %s, not %s' % (old_pid, keystone['old'], keystone['new'])
    assert done['pid'] != old_pid and done['pid'] == done['actions']['wait_ready']['pid'] == host.state()['pid']['keystone']
    assert done['http_status'] == 200 and done['venv'] == keystone['new']
    assert all(found['duration'] >= 0 for found in done['actions'].values())
    assert done['duration'] >= sum(found['duration'] for found in done['actions'].values()) - 0.01

    # done again (a continue after a crash): nothing changes, the same process
    again = run_module(service_code.main, dict(args, version='29.1.0', url=keystone['url'], timeout=10))
    assert (again['changed'], again['restarted'], again['pid']) == (False, False, done['pid'])
    assert again['actions']['restart']['reason'] == 'pid %d already runs %s' % (done['pid'], keystone['new'])

    # a restart and wait only (nova's finalize): the venv the files name, forced
    forced = run_module(service_code.main, dict(args, actions=['restart', 'wait_ready'], force=True, timeout=10))
    assert forced['restarted'] and forced['pid'] != done['pid'] and forced['previous_venv'] is None
    assert list(forced['actions']) == ['restart', 'wait_ready'] and forced['venv'] == keystone['new']


def test_code_names_the_action_that_failed(host, keystone, run_module):
    args = keystone['args']
    failed = run_module(service_code.main, dict(args, venv=keystone['new'], url='http://127.0.0.1:1/v3', timeout=1))
    assert failed['failed'] and failed['failed_action'] == 'wait_ready'
    assert list(failed['actions']) == ['switch', 'restart'] and failed['actions']['restart']['restarted']
    assert 'is not ready after 1 s' in failed['msg'] and 'Traceback' not in failed['msg']

    missing = str(host.venvs / 'keystone-99.0.0')
    before = (keystone['conf'].read_text(), keystone['ini'].read_text())
    failed = run_module(service_code.main, dict(args, venv=missing))
    assert failed['failed_action'] == 'switch' and failed['actions'] == {}
    assert (keystone['conf'].read_text(), keystone['ini'].read_text()) == before

    for bad, expected in ((dict(version='29.1.0', actions=['restart']), 'has no switch'),
                          (dict(actions=['switch', 'restart']), 'needs the venv to switch to')):
        failed = run_module(service_code.main, dict(args, **bad))
        assert failed['failed'] and expected in failed['msg'] and 'failed_action' not in failed
    assert (keystone['conf'].read_text(), keystone['ini'].read_text()) == before
