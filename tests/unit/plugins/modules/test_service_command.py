"""service_command runs a venv's program as an argument list, and fails naming it."""

import json
import sys

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import service_command


def venv_with(tmp_path, name, body):
    venv = tmp_path / 'keystone-29.1.0'
    (venv / 'bin').mkdir(parents=True, exist_ok=True)
    (venv / 'pyvenv.cfg').write_text('')
    path = venv / 'bin' / name
    path.write_text('#!%s\nimport json, os, sys\n%s\n' % (sys.executable, body))
    path.chmod(0o755)
    return venv


def test_runs_with_config_files_first(tmp_path, run_module):
    venv = venv_with(tmp_path, 'keystone-manage',
                     'print(json.dumps([sys.argv[1:], os.environ["PYTHONWARNINGS"], os.environ["OSOPS_X"]]))')
    args = {'venv': str(venv), 'argv': ['keystone-manage', 'db_sync', '--expand'],
            'config_files': ['/etc/keystone/keystone.conf'], 'environment': {'OSOPS_X': 1}}
    predicted = run_module(service_command.main, args, check_mode=True)
    assert predicted['changed'] and 'rc' not in predicted and predicted['msg'].startswith('would run ')
    result = run_module(service_command.main, args)
    assert result['cmd'] == [str(venv / 'bin' / 'keystone-manage'), '--config-file', '/etc/keystone/keystone.conf',
                             'db_sync', '--expand']
    assert json.loads(result['stdout']) == [result['cmd'][1:], 'ignore', '1']
    assert (result['rc'], result['changed'], result['stderr']) == (0, True, '')
    assert set(result) >= {'cmd', 'rc', 'stdout', 'stderr', 'duration'}


def test_failure_names_the_command_host_and_rc(tmp_path, run_module):
    venv = venv_with(tmp_path, 'nova-manage', 'sys.stderr.write("noise\\nDBError: no such table\\n"); sys.exit(1)')
    result = run_module(service_command.main, {'venv': str(venv), 'argv': ['nova-manage', 'api_db', 'sync']})
    assert result['failed'] and result['rc'] == 1
    assert result['msg'].startswith('%s api_db sync failed on ' % (venv / 'bin' / 'nova-manage'))
    assert result['msg'].endswith('(rc 1): noise\nDBError: no such table')


def test_missing_venv_or_program_runs_nothing(tmp_path, run_module):
    result = run_module(service_command.main, {'venv': str(tmp_path / 'nova-33.0.2'), 'argv': ['nova-manage']})
    assert result['failed'] and result['rc'] is None
    assert 'venv %s does not exist on ' % (tmp_path / 'nova-33.0.2') in result['msg']
    assert 'labctl install' in result['msg']
    venv = venv_with(tmp_path, 'keystone-manage', '')
    result = run_module(service_command.main, {'venv': str(venv), 'argv': ['glance-manage', 'db', 'sync']})
    assert result['failed'] and 'glance-manage is not an executable' in result['msg']
    result = run_module(service_command.main, {'venv': str(venv), 'argv': []})
    assert result['failed'] and result['msg'] == 'Option argv: the command is empty.'


def test_repeat_while_rc_runs_until_done_or_max_runs(tmp_path, run_module):
    # like nova-manage db online_data_migrations: exits 1 while migrations remain (here: 2 more runs)
    counter = tmp_path / 'left'
    counter.write_text('2')
    venv = venv_with(tmp_path, 'nova-manage', 'p = %r\nleft = int(open(p).read())\nopen(p, "w").write(str(left - 1))\n'
                                              'print("left", left)\nsys.exit(1 if left > 0 else 0)' % str(counter))
    args = {'venv': str(venv), 'argv': ['nova-manage', 'db', 'online_data_migrations'], 'repeat_while_rc': 1}
    result = run_module(service_command.main, args)
    assert (result['rc'], result['runs'], result['stdout'].strip()) == (0, 3, 'left 0')
    assert not result.get('failed')
    counter.write_text('9')
    result = run_module(service_command.main, dict(args, max_runs=2))
    assert result['failed'] and (result['rc'], result['runs']) == (1, 2)
    assert 'after 2 runs (it still exits 1: raise max_runs' in result['msg']
    assert counter.read_text() == '7'
    # without repeat_while_rc, exit 1 is a failure at once
    result = run_module(service_command.main, {'venv': str(venv), 'argv': ['nova-manage', 'db', 'x']})
    assert result['failed'] and result['runs'] == 1 and counter.read_text() == '6'


def test_several_commands_run_in_order_and_the_first_failure_stops_the_rest(tmp_path, run_module):
    log = tmp_path / 'ran'
    record = 'open(%r, "a").write(json.dumps(sys.argv[1:]) + "\\n")' % str(log)
    venv = venv_with(tmp_path, 'keystone-manage', record + '\nsys.exit(3 if "--migrate" in sys.argv else 0)')
    venv_with(tmp_path, 'nova-manage', record)
    conf = ['/etc/keystone/keystone.conf']
    commands = [{'venv': str(venv), 'argv': ['keystone-manage', 'db_sync', '--expand'], 'config_files': conf},
                {'venv': str(venv), 'argv': ['nova-manage', 'db', 'online_data_migrations'], 'repeat_while_rc': 1}]
    predicted = run_module(service_command.main, {'commands': commands}, check_mode=True)
    assert predicted['changed'] and not log.exists() and 'rc' not in predicted
    assert [r['cmd'][-1] for r in predicted['results']] == ['--expand', 'online_data_migrations']
    first, second = (' '.join(r['cmd']) for r in predicted['results'])
    assert predicted['msg'] == 'would run %s; %s' % (first, second)
    done = run_module(service_command.main, {'commands': commands})
    assert not done.get('failed') and done['changed'] and [r['rc'] for r in done['results']] == [0, 0]
    assert done['cmd'] == done['results'][1]['cmd'] and 'failed_index' not in done
    assert done['duration'] == round(sum(r['duration'] for r in done['results']), 3)
    assert [json.loads(line) for line in log.read_text().splitlines()] == [
        ['--config-file', conf[0], 'db_sync', '--expand'], ['db', 'online_data_migrations']]

    log.unlink()
    three = [commands[0], dict(commands[0], argv=['keystone-manage', 'db_sync', '--migrate']), commands[1]]
    failed = run_module(service_command.main, {'commands': three})
    assert failed['failed'] and failed['failed_index'] == 1 and failed['rc'] == 3
    assert [r['rc'] for r in failed['results']] == [0, 3]  # the third never ran
    assert failed['msg'].startswith('%s --config-file %s db_sync --migrate failed on ' % (venv / 'bin' / 'keystone-manage',
                                                                                          conf[0]))
    assert len(log.read_text().splitlines()) == 2


def test_several_commands_are_all_found_before_any_runs(tmp_path, run_module):
    log = tmp_path / 'ran'
    venv = venv_with(tmp_path, 'keystone-manage', 'open(%r, "a").write("ran\\n")' % str(log))
    commands = [{'venv': str(venv), 'argv': ['keystone-manage', 'db_sync']},
                {'venv': str(tmp_path / 'glance-32.0.0'), 'argv': ['glance-manage', 'db', 'expand']}]
    result = run_module(service_command.main, {'commands': commands})
    assert result['failed'] and result['failed_index'] == 1 and result['results'] == [] and not log.exists()
    assert 'venv %s does not exist on ' % (tmp_path / 'glance-32.0.0') in result['msg']
    result = run_module(service_command.main, {'commands': [dict(commands[0], argv=[])]})
    assert result['failed'] and result['msg'] == 'Option commands[0].argv: the command is empty.'
    result = run_module(service_command.main, {'commands': []})
    assert result['failed'] and result['msg'] == 'Option commands: no command given.'


@pytest.mark.parametrize('args, message', [
    ({'venv': '/v', 'argv': ['x'], 'commands': [{'venv': '/v', 'argv': ['x']}]}, 'mutually exclusive'),
    ({'config_files': []}, 'one of the following is required: argv, commands'),
    ({'argv': ['x']}, 'missing parameter(s) required by \'argv\': venv'),
])
def test_argv_or_commands(args, message, run_module):
    result = run_module(service_command.main, args)
    assert result['failed'] and message in result['msg']


# "meet OTHER": says it started, then waits (up to 20 s) until the command of venv OTHER has started
# too. Were the lanes run one after the other, the first would print "alone".
MEET = """
if sys.argv[1] == "meet":
    import time
    here = os.path.dirname(os.path.dirname(sys.argv[0]))
    open(os.path.join(here, "started"), "w").close()
    other = os.path.join(os.path.dirname(here), sys.argv[2], "started")
    deadline = time.time() + 20
    while not os.path.exists(other) and time.time() < deadline:
        time.sleep(0.05)
    print("met" if os.path.exists(other) else "alone")
"""


def lane_venv(tmp_path, name, program, fails_on):
    """A venv whose program logs its arguments, meets (MEET) and exits 3 when its first argument is ``fails_on``."""
    venv = tmp_path / name
    (venv / 'bin').mkdir(parents=True, exist_ok=True)
    (venv / 'pyvenv.cfg').write_text('')
    path = venv / 'bin' / program
    path.write_text('#!%s\nimport json, os, sys\nopen(%r, "a").write(json.dumps(sys.argv[1:]) + "\\n")\n%s\n'
                    'sys.exit(3 if sys.argv[1] == %r else 0)\n' % (sys.executable, str(tmp_path / 'ran'), MEET, fails_on))
    path.chmod(0o755)
    return str(venv)


def test_lanes_run_at_once_each_in_order_and_a_failure_stops_only_its_lane(tmp_path, run_module, monkeypatch):
    monkeypatch.setattr(service_command, 'host_cpus', lambda: 4)
    keystone = lane_venv(tmp_path, 'keystone-29.1.0', 'keystone-manage', fails_on='no-such-command')
    glance = lane_venv(tmp_path, 'glance-31.0.0', 'glance-manage', fails_on='contract')
    commands = [
        {'venv': keystone, 'argv': ['keystone-manage', 'meet', 'glance-31.0.0'], 'lane': 'keystone'},
        {'venv': glance, 'argv': ['glance-manage', 'meet', 'keystone-29.1.0'], 'lane': 'glance'},
        {'venv': keystone, 'argv': ['keystone-manage', 'db_sync', '--contract'], 'lane': 'keystone'},
        {'venv': glance, 'argv': ['glance-manage', 'contract'], 'lane': 'glance'},
        {'venv': glance, 'argv': ['glance-manage', 'never'], 'lane': 'glance'}]
    predicted = run_module(service_command.main, {'commands': commands}, check_mode=True)
    assert [r['index'] for r in predicted['results']] == [0, 1, 2, 3, 4] and not (tmp_path / 'ran').exists()

    failed = run_module(service_command.main, {'commands': commands})
    assert failed['failed'] and (failed['failed_index'], failed['failed_indexes'], failed['rc']) == (3, [3], 3)
    # both lanes at once (each met the other), each in order; the glance lane stopped at its failure
    assert [(r['index'], r['rc'], r['stdout'].strip()) for r in failed['results']] == [
        (0, 0, 'met'), (1, 0, 'met'), (2, 0, ''), (3, 3, '')]
    ran = [json.loads(line) for line in (tmp_path / 'ran').read_text().splitlines()]
    assert sorted(args[0] for args in ran) == ['contract', 'db_sync', 'meet', 'meet']
    assert ran.index(['db_sync', '--contract']) > ran.index(['meet', 'glance-31.0.0'])
    assert failed['msg'].startswith('%s/bin/glance-manage contract failed on ' % glance) and 'also' not in failed['msg']
    assert failed['duration'] == round(sum(r['duration'] for r in failed['results']), 3)
    assert failed['elapsed'] > 0

    # a failure in each lane: both named, the first by index first
    both = [commands[1], dict(commands[3]), dict(commands[2], argv=['keystone-manage', 'no-such-command'])]
    failed = run_module(service_command.main, {'commands': both})
    assert (failed['failed_index'], failed['failed_indexes']) == (1, [1, 2])
    assert failed['msg'].startswith('%s/bin/glance-manage contract failed on ' % glance)
    assert '; also failed: %s/bin/keystone-manage no-such-command failed on ' % keystone in failed['msg']


def test_no_more_lanes_at_once_than_the_host_has_cpus(tmp_path, run_module, monkeypatch):
    monkeypatch.setattr(service_command, 'host_cpus', lambda: 1)
    venv = lane_venv(tmp_path, 'keystone-29.1.0', 'keystone-manage', fails_on='-')
    log = tmp_path / 'ran'
    commands = [{'venv': venv, 'argv': ['keystone-manage', 'sleep', name], 'lane': name} for name in 'abc']
    slow = '#!%s\nimport sys, time\nlog = open(%r, "a", buffering=1)\nlog.write("start " + sys.argv[-1] + "\\n")\n' \
           'time.sleep(0.2)\nlog.write("end " + sys.argv[-1] + "\\n")\n' % (sys.executable, str(log))
    (tmp_path / 'keystone-29.1.0' / 'bin' / 'keystone-manage').write_text(slow)
    result = run_module(service_command.main, {'commands': commands})
    assert not result.get('failed') and [r['index'] for r in result['results']] == [0, 1, 2]
    # one CPU: one lane at a time, each started after the one before it ended
    assert log.read_text().split('\n')[:-1] == ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']
