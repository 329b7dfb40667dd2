"""The upgrade role's venv driver in real ansible-playbook runs, on a local "host" with a supervisorctl stand-in.

keystone under supervisord and uWSGI (the lab's layout) in temp dirs: its
database commands and code step in check mode (nothing written, started or
run), for real, and again (no change); a missing target venv recorded in
osops_upgrade_driver_result, or failing the host; a wait that
fails after the switch and restart names the action and keeps theirs; in a
batch, a failed step fails the host's later steps as not run.
"""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from driver_play import BIN, FAKECTL, ROOT, Versions, run, venv  # noqa: E402  (shared by the driver tests)


@pytest.fixture
def host(tmp_path):
    ran = tmp_path / 'ran.log'
    old, new = venv(tmp_path, '27.1.0', ran, package=True), venv(tmp_path, '29.1.0', ran, package=True)
    ini = tmp_path / 'keystone-uwsgi.ini'
    ini.write_text('[uwsgi]\nvirtualenv = %s\nmodule = keystone.wsgi.api:application\n' % old)
    conf = tmp_path / 'supervisord.conf'
    conf.write_text('[program:keystone]\ncommand = %s/bin/uwsgi --ini %s\n' % (old, ini))
    sbin = tmp_path / 'sbin'
    sbin.mkdir()
    with open(FAKECTL) as fake:
        (sbin / 'supervisorctl').write_text('#!%s\n%s' % (sys.executable, fake.read()))
    (sbin / 'supervisorctl').chmod(0o755)
    subprocess.run([str(sbin / 'supervisorctl'), '-c', str(conf), 'start', 'keystone'], check=True,
                   capture_output=True)
    server = http.server.HTTPServer(('127.0.0.1', 0), Versions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'controller': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}))
    yield dict(root=tmp_path, old=old, new=new, ini=ini, conf=conf, ran=ran, inventory=str(inventory),
               url='http://127.0.0.1:%d/v3' % server.server_port, state=sbin / 'state.json',
               common={'osops_upgrade_service': 'keystone', 'osops_upgrade_supervisord_config': str(conf),
                       'osops_upgrade_supervisorctl': str(sbin / 'supervisorctl')})
    server.shutdown()
    for pid in json.loads((sbin / 'state.json').read_text())['pid'].values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def upgrade(host, version, url=True):
    return [{'osops_upgrade_action': 'db', 'osops_upgrade_version': version,
             'osops_upgrade_db_commands': [['keystone-manage', 'db_sync', '--expand'],
                                           ['keystone-manage', 'db_sync', '--migrate']],
             'osops_upgrade_config_files': ['/etc/keystone/keystone.conf']},
            {'osops_upgrade_action': 'code', 'osops_upgrade_version': version,
             'osops_upgrade_wait_url': host['url'] if url else ''}]


def test_check_mode_then_upgrade_then_nothing_to_do(host):
    before = (host['conf'].read_text(), host['ini'].read_text(), host['state'].read_text())
    proc, (db, code) = run(host, upgrade(host, '29.1.0'), '--check', '--diff')
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (host['conf'].read_text(), host['ini'].read_text(), host['state'].read_text()) == before
    assert not host['ran'].exists()  # the database commands did not run
    assert db['venv'] == host['new'] and db['changed'] and db['actions']['db']['durations'] == [0.0, 0.0]
    assert code['changed'] and code['venv'] == host['new'] and code['previous_venv'] == host['old']
    assert code['actions']['restart']['reason'].startswith('pid ') and 'wait_ready' not in code['actions']
    assert '-virtualenv = %s' % host['old'] in proc.stdout and '+virtualenv = %s' % host['new'] in proc.stdout

    proc, (db, code) = run(host, upgrade(host, '29.1.0'))
    assert proc.returncode == 0, proc.stdout[-3000:]
    manage = ['--config-file', '/etc/keystone/keystone.conf', 'db_sync']
    ran = [json.loads(line) for line in host['ran'].read_text().splitlines()]
    assert ran == [manage + ['--expand'], manage + ['--migrate']]
    assert 'virtualenv = %s\n' % host['new'] in host['ini'].read_text()
    assert (code['changed'], code['failed'], code['version'], code['previous_version']) == (
        True, False, '29.1.0', '27.1.0')
    assert code['actions']['wait_ready']['http_status'] == 200 and code['duration'] > 0
    assert set(code) >= {'driver', 'service', 'host', 'action', 'changed', 'failed', 'msg', 'venv', 'version',
                         'previous_venv', 'previous_version', 'duration', 'actions'}

    proc, (code,) = run(host, upgrade(host, '29.1.0')[1:])
    assert proc.returncode == 0 and code['changed'] is False
    assert code['actions']['restart']['reason'] == 'pid %d already runs %s' % (
        code['actions']['wait_ready']['pid'], host['new'])
    assert 'changed=0' in proc.stdout


def test_missing_target_is_recorded_or_fails_the_host(host):
    before = host['ini'].read_text()
    step = dict(upgrade(host, '99.0.0')[1], osops_upgrade_fail_on_error=False)
    proc, (code,) = run(host, [step])
    assert proc.returncode == 0 and code['failed'] and not code['changed']
    assert code['msg'].startswith('target venv %s/venvs/keystone-99.0.0 does not exist on ' % host['root'])
    assert code['msg'].endswith('(task: Switch, restart and wait, in one run)')
    assert code['failed_action'] == 'switch' and code['actions'] == {}
    proc, results = run(host, [dict(step, osops_upgrade_fail_on_error=True)])
    assert proc.returncode == 2 and results is None and 'keystone-99.0.0 does not exist' in proc.stdout
    assert host['ini'].read_text() == before


def test_a_wait_that_fails_keeps_the_actions_done_before_it(host):
    # the API never answers (nothing listens on port 1): switch and restart done, wait_ready failed
    step = {'osops_upgrade_action': 'code', 'osops_upgrade_version': '29.1.0', 'osops_upgrade_wait_timeout': 2,
            'osops_upgrade_wait_url': 'http://127.0.0.1:1/v3', 'osops_upgrade_fail_on_error': False}
    proc, (code,) = run(host, [step])
    assert proc.returncode == 0 and code['failed'] and code['failed_action'] == 'wait_ready'
    assert sorted(code['actions']) == ['restart', 'switch'] and code['actions']['restart']['restarted']
    assert 'is not ready after 2 s' in code['msg'] and 'virtualenv = %s\n' % host['new'] in host['ini'].read_text()


def _claimed(position, action, version, **detail):
    return {'position': position, 'phase': 'expand' if action.startswith('db_') else 'control', 'service': 'keystone',
            'host': 'controller', 'action': action, 'from_version': '27.1.0', 'to_version': version,
            'label': '%s keystone on controller' % action, 'detail': dict(detail, batch=4)}


def _batch(host, steps):
    """The role's step.yml over the host's groups of ``steps``, as batch.yml runs them; the outcomes by position."""
    results = host['root'] / 'outcomes.json'
    play = [{'hosts': 'controller', 'gather_facts': False, 'vars': dict(
        host['common'], osops_upgrade_venvs_dir=str(host['root'] / 'venvs'), _osops_upgrade_rollback=False,
        osops_upgrade_wait_urls={'keystone': host['url']}, _osops_upgrade_claim={'by_host': {'controller': steps}}),
        'tasks': [
            {'name': 'The groups', 'ansible.builtin.set_fact': {
                '_osops_upgrade_groups': "{{ _osops_upgrade_claim.by_host | osops.lifecycle.upgrade_step_groups('venv') }}",
                '_osops_upgrade_results': [], '_osops_upgrade_host_failed': False}},
            {'name': 'The steps', 'ansible.builtin.include_role': {'name': 'osops.lifecycle.upgrade', 'tasks_from': 'step'},
             'loop': '{{ range(_osops_upgrade_groups.controller | length) | list }}',
             'loop_control': {'loop_var': '_osops_upgrade_index'}},
            {'name': 'Write the outcomes', 'ansible.builtin.copy': {
                'content': '{{ _osops_upgrade_results | to_json }}', 'dest': str(results), 'mode': '0600'}}]}]
    playbook = host['root'] / 'batch.yml'
    playbook.write_text(yaml.safe_dump(play))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'), ANSIBLE_NOCOLOR='1',
               HOME=str(host['root']), ANSIBLE_LOCAL_TEMP=str(host['root'] / 'tmp'))
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', host['inventory'], str(playbook)], env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return dict((o['position'], o) for o in json.loads(results.read_text()))


def test_a_batchs_database_steps_run_together_and_a_failure_fails_the_later_steps_as_not_run(host):
    # A batch as upgrade_step claims it: keystone's two database steps (one service_command run), then
    # its code change (one service_code run); the first database step's target venv is missing. The
    # failure is recorded with its error, and every later step of the host as not run because of it
    # (continue runs them), none as "no outcome"; nothing ran.
    def batch(expand_version):
        return [_claimed(5, 'db_expand', expand_version, command=['keystone-manage', 'db_sync', '--expand']),
                _claimed(6, 'db_migrate', '29.1.0', command=['keystone-manage', 'db_sync', '--migrate'])] + [
            _claimed(position, action, '29.1.0', binary='keystone')
            for position, action in ((7, 'switch'), (8, 'restart'), (9, 'wait_ready'))]
    before = host['ini'].read_text()
    outcomes = _batch(host, batch('99.0.0'))
    assert sorted(outcomes) == [5, 6, 7, 8, 9]
    assert outcomes[5]['status'] == 'failed' and 'keystone-99.0.0 does not exist' in outcomes[5]['error'], outcomes[5]
    assert outcomes[5]['error'].endswith('(task: Run the database commands from the target venv) (on controller)')
    for position in (6, 7, 8, 9):
        assert outcomes[position] == {'position': position, 'status': 'failed', 'detail': {'seconds': 0.0},
                                      'error': 'not run: step 5 failed before it'}
    assert not host['ran'].exists() and host['ini'].read_text() == before

    # Continued with the venv there: both commands in order, each step with its own driver seconds.
    outcomes = _batch(host, batch('29.1.0'))
    assert [outcomes[p]['status'] for p in sorted(outcomes)] == ['done'] * 5
    assert all(outcomes[p]['detail']['driver_seconds'] > 0 for p in (5, 6, 8))
    manage = ['--config-file', '/etc/keystone/keystone.conf', 'db_sync']
    ran = [json.loads(line) for line in host['ran'].read_text().splitlines()]
    assert ran == [manage + ['--expand'], manage + ['--migrate']]
    assert 'virtualenv = %s\n' % host['new'] in host['ini'].read_text()


def test_check_code_names_the_missing_target_venvs_in_one_look(host):
    # check_code's one find over the host's target venvs: all there, then one of them missing.
    def check_code(venvs):
        playbook = host['root'] / 'check_code.yml'
        playbook.write_text(yaml.safe_dump([{'hosts': 'controller', 'gather_facts': False, 'tasks': [
            {'name': 'Check the code', 'ansible.builtin.include_role': {
                'name': 'osops.lifecycle.upgrade', 'tasks_from': 'step_check_code'},
             'vars': {'_osops_upgrade_task': {'venvs': venvs}, '_osops_upgrade_command_check_code': False}}]}]))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
                   ANSIBLE_NOCOLOR='1', HOME=str(host['root']), ANSIBLE_LOCAL_TEMP=str(host['root'] / 'tmp'))
        return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', host['inventory'], str(playbook)],
                              env=env, capture_output=True, text=True, check=False, timeout=300)

    os.symlink(sys.executable, os.path.join(host['new'], 'bin', 'python'))  # a venv's python is a link
    there = check_code({'keystone': host['new']})
    assert there.returncode == 0, there.stdout[-3000:]
    missing = str(host['root'] / 'venvs' / 'glance-32.0.0')
    proc = check_code({'keystone': host['new'], 'glance': missing, 'nova': host['old']})  # old: no bin/python
    assert proc.returncode == 2
    assert ('The target code is missing on controller: %s, %s (no bin/python).' % (missing, host['old'])
            in ' '.join(proc.stdout.split()))
