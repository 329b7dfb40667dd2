"""The upgrade role's command driver in real ansible-playbook runs, on a local "host".

keystone as the lab runs it - a supervisord program starting uWSGI from a venv, the ini naming the venv -
in temp dirs, with the supervisorctl stand-in of the venv driver's tests (it really starts the configured
command). The operator's commands are real command lines: GNU sed rewrites the ini and the program's
section, supervisorctl reread/update/start/status, the venv's keystone-manage (a recorder) for the
database commands. Check mode runs nothing; the upgrade switches the process to the new venv; a failing
command stops the action and is reported with the command, host and rc; bad commands are refused before
anything runs; the nova service-version wait reads a real (SQLite) nova database.
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
from driver_play import FAKECTL, Versions, run, venv  # noqa: E402  (shared by the driver tests)

OLD, NEW = '27.1.0', '29.1.0'


@pytest.fixture
def host(tmp_path):
    ran = tmp_path / 'ran.log'
    old, new = venv(tmp_path, OLD, ran), venv(tmp_path, NEW, ran)
    ini = tmp_path / 'keystone-uwsgi.ini'
    ini.write_text('[uwsgi]\nvirtualenv = %s\nmodule = keystone.wsgi.api:application\n' % old)
    conf = tmp_path / 'supervisord.conf'
    conf.write_text('[program:keystone]\ncommand = %s/bin/uwsgi --ini %s\n\n'
                    '[program:keystone-other]\ncommand = %s/bin/uwsgi --ini other.ini\n' % (old, ini, old))
    sbin = tmp_path / 'sbin'
    sbin.mkdir()
    with open(FAKECTL) as fake:
        (sbin / 'supervisorctl').write_text('#!%s\n%s' % (sys.executable, fake.read()))
    (sbin / 'supervisorctl').chmod(0o755)
    ctl = [str(sbin / 'supervisorctl'), '-c', str(conf)]
    subprocess.run(ctl + ['start', 'keystone'], check=True, capture_output=True)
    server = http.server.HTTPServer(('127.0.0.1', 0), Versions)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'controller': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}}}))
    venvs = str(tmp_path / 'venvs')
    # what an operator of this layout writes (one command line, argument lists, a list of commands)
    commands = {
        'db': '{{ venv }}/bin/{{ argv[0] }} {{ config_args }} {{ argv[1:] | join(" ") }}',
        'switch': [
            "sed -i -E 's#%s/keystone-[0-9.]+#{{ venv }}#g' %s" % (venvs, ini),
            ['sed', '-i', '-E', '/^\\[program:{{ service }}\\]/,/^\\[/ s#%s/{{ project }}-[0-9.]+#{{ venv }}#g' % venvs,
             str(conf)],
            ctl + ['reread'],
        ],
        'restart': [ctl + ['update', '{{ service }}'], ctl + ['start', '{{ service }}']],
        'wait_ready': ctl + ['status', '{{ service }}'],
    }
    yield dict(root=tmp_path, old=old, new=new, ini=ini, conf=conf, ran=ran, inventory=str(inventory),
               url='http://127.0.0.1:%d/v3' % server.server_port, state=sbin / 'state.json', calls=sbin / 'calls.log',
               common={'osops_upgrade_driver': 'command', 'osops_upgrade_service': 'keystone',
                       'osops_upgrade_venvs_dir': venvs, 'osops_upgrade_commands': commands})
    server.shutdown()
    for pid in json.loads((sbin / 'state.json').read_text())['pid'].values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def upgrade(host, version=NEW, **extra):
    return [{'osops_upgrade_action': 'db', 'osops_upgrade_version': version,
             'osops_upgrade_db_commands': [['keystone-manage', 'db_sync', '--expand'],
                                           ['keystone-manage', 'db_sync', '--migrate']],
             'osops_upgrade_config_files': ['/etc/keystone/keystone.conf']},
            dict({'osops_upgrade_action': 'code', 'osops_upgrade_version': version, 'osops_upgrade_from_version': OLD,
                  'osops_upgrade_wait_url': host['url']}, **extra)]


def running_command(host):
    pid = json.loads(host['state'].read_text())['pid']['keystone']
    with open('/proc/%d/cmdline' % pid, 'rb') as cmdline:
        return pid, cmdline.read().replace(b'\0', b' ').decode()


def files(host):
    return host['conf'].read_text(), host['ini'].read_text(), host['state'].read_text()


def test_check_mode_then_upgrade_then_again(host):
    before = files(host)
    proc, (db, code) = run(host, upgrade(host), '--check')
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert files(host) == before and not host['ran'].exists()  # nothing written, restarted or run
    assert db['driver'] == 'command' and db['changed'] and db['actions']['db']['ran'] is False
    manage = '%s/bin/keystone-manage --config-file /etc/keystone/keystone.conf db_sync' % host['new']
    assert db['actions']['db']['commands'] == [manage + ' --expand', manage + ' --migrate']
    assert code['actions']['switch']['commands'][0] == "sed -i -E 's#%s/keystone-[0-9.]+#%s#g' %s" % (
        os.path.dirname(host['new']), host['new'], host['ini'])
    assert code['actions']['restart']['commands'][1].endswith(' start keystone')
    assert code['actions']['restart']['rcs'] == [] and 'Would run on controller for code keystone' in proc.stdout

    proc, (db, code) = run(host, upgrade(host))
    assert proc.returncode == 0, proc.stdout[-3000:]
    ran = [json.loads(line) for line in host['ran'].read_text().splitlines()]
    assert ran == [['--config-file', '/etc/keystone/keystone.conf', 'db_sync', '--expand'],
                   ['--config-file', '/etc/keystone/keystone.conf', 'db_sync', '--migrate']]
    assert db['actions']['db']['rcs'] == [0, 0] and db['venv'] == host['new']
    # the operator's commands did it: files and the running process name the new venv, the other program not
    assert 'virtualenv = %s\n' % host['new'] in host['ini'].read_text()
    conf = host['conf'].read_text()
    assert '[program:keystone]\ncommand = %s/bin/uwsgi' % host['new'] in conf
    assert '[program:keystone-other]\ncommand = %s/bin/uwsgi' % host['old'] in conf
    pid, cmdline = running_command(host)
    assert ' %s/bin/uwsgi --ini ' % host['new'] in cmdline  # behind the sleeper's interpreter
    assert (code['changed'], code['failed'], code['version'], code['previous_version'], code['previous_venv']) == (
        True, False, NEW, OLD, host['old'])
    assert [code['actions'][a]['rcs'] for a in ('switch', 'restart', 'wait_ready')] == [[0, 0, 0], [0, 0], [0]]
    assert code['actions']['wait_ready']['http_status'] == 200 and code['actions']['wait_ready']['url'] == host['url']
    assert code['duration'] > 0 and code['duration'] >= code['actions']['restart']['duration']
    calls = [json.loads(line)[2:] for line in host['calls'].read_text().splitlines()]
    assert calls[-4:] == [['reread'], ['update', 'keystone'], ['start', 'keystone'], ['status', 'keystone']]

    # the same step again: the commands run again (idempotence is theirs: sed finds nothing to replace)
    proc, (code,) = run(host, upgrade(host)[1:])
    assert proc.returncode == 0 and code['changed'] and not code['failed'], proc.stdout[-3000:]
    assert host['conf'].read_text() == conf and running_command(host)[1] == cmdline


def test_a_failing_command_stops_the_action_with_command_host_and_rc(host):
    commands = dict(host['common']['osops_upgrade_commands'])
    missing = str(host['root'] / 'no-such.ini')
    commands['switch'] = ['sed -i s/a/b/ %s' % missing] + commands['switch'][1:]
    before = files(host)
    step = dict(upgrade(host)[1], osops_upgrade_commands=commands, osops_upgrade_fail_on_error=False)
    proc, (code,) = run(host, [step])
    assert proc.returncode == 0 and code['failed'] and not code['changed'], proc.stdout[-3000:]
    assert code['msg'].startswith("The command driver's switch of keystone failed on controller: "
                                  "`sed -i s/a/b/ %s` exited 2: sed: can't read %s" % (missing, missing)), code['msg']
    assert files(host) == before  # the commands after it did not run
    assert not host['calls'].read_text().count('"reread"')

    proc, results = run(host, [dict(step, osops_upgrade_fail_on_error=True)])
    assert proc.returncode == 2 and results is None
    assert "`sed -i s/a/b/ %s` exited 2" % missing in proc.stdout


@pytest.mark.parametrize('commands,message', [
    ({'switch': [], 'wait_ready': []},
     'The command driver has no command for restart (code keystone on controller): osops_upgrade_commands has '
     'switch, wait_ready. Give osops_upgrade_commands.restart'),
    ({'switch': [], 'restart': {'cmd': 'x'}},
     "osops_upgrade_commands.restart is a mapping ({'cmd': 'x'}); give a command line, an argument list"),
    ({'switch': [], 'restart': ['supervisorctl restart', ['a', 7]]},
     "osops_upgrade_commands.restart: ['a', 7] is not a command"),
    ({'switch': "sed -i 's/unclosed", 'restart': []},
     "osops_upgrade_commands.switch: cannot split the command line \"sed -i 's/unclosed\" (No closing quotation)"),
    ({'switch': [], 'restart': [], 'reload': 'x'},
     'osops_upgrade_commands must map actions (db, switch, restart, wait_ready, check_code) to a command line, an '
     'argument list or a list of commands (got dict with unknown action reload)'),
    ('supervisorctl restart keystone', 'osops_upgrade_commands must map actions'),
])
def test_bad_commands_are_refused_before_anything_runs(host, commands, message):
    before = files(host), host['calls'].read_text()
    step = dict(upgrade(host)[1], osops_upgrade_commands=commands, osops_upgrade_fail_on_error=False)
    proc, (code,) = run(host, [step])
    assert proc.returncode == 0 and code['failed'], proc.stdout[-3000:]
    assert message in code['msg'], code['msg']
    assert (files(host), host['calls'].read_text()) == before


def test_waits_for_nova_service_version(host, nova):
    nova.map_cells()
    for name, version in (('controller', 72), ('compute9', 68)):
        nova.insert(nova.cell1, 'services', host=name, binary='nova-compute', version=version, deleted=0, forced_down=False)
    wait = {'osops_upgrade_action': 'wait_ready', 'osops_upgrade_version': NEW, 'osops_upgrade_service': 'nova-compute',
            'osops_upgrade_nova_service_version': 72, 'osops_upgrade_nova_info_python': sys.executable,
            'osops_upgrade_nova_config_files': [str(nova.conf)], 'osops_upgrade_nova_info_host': 'controller',
            'osops_upgrade_commands': {'wait_ready': ['test', '-x', '{{ venv }}/bin/uwsgi']},
            'osops_upgrade_project': 'keystone', 'osops_upgrade_fail_on_error': False}
    proc, (ok, late) = run(host, [wait, dict(wait, osops_upgrade_nova_host='compute9', osops_upgrade_wait_timeout=4)])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert not ok['failed'] and ok['actions']['wait_ready']['nova_service_version'] == 72, ok
    assert ok['actions']['wait_ready']['commands'] == ['test -x %s/bin/uwsgi' % host['new']]
    assert late['failed'] and late['msg'].startswith(
        "nova-compute on compute9 did not report service version 72 within 4 s: nova's database (read on controller) "
        "shows version 68."), late['msg']
