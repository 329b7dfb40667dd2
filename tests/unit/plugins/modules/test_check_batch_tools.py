"""check_batch with status tools and schema checks: run side by side, reported as each module reports them, in order."""

import json
import stat
import sys
import textwrap

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import batch
from ansible_collections.osops.lifecycle.plugins.modules import check_batch, check_schema_migrations, status_check

TABLE = """+------------------------------+
| Upgrade Check Results        |
+------------------------------+
| Check: Cells v2              |
| Result: Success              |
| Details: None                |
+------------------------------+"""

# Each tool waits (up to 20 s) until the other has started: run one after the other, the first
# would print nothing and say so.
MEET = '''
import os, time
here = os.path.dirname(sys.argv[0])
open(os.path.join(here, "started"), "w").close()
other = os.path.join(os.path.dirname(os.path.dirname(here)), {other!r}, "bin", "started")
deadline = time.time() + 20
while not os.path.exists(other) and time.time() < deadline:
    time.sleep(0.05)
print("met" if os.path.exists(other) else "alone")
'''


def tool(tmp_path, venv, name, body):
    path = tmp_path / venv / 'bin' / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!%s\nimport json, sys\n%s\n' % (sys.executable, textwrap.dedent(body)))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(tmp_path / venv)


def test_tools_run_side_by_side_and_report_in_order_as_alone(tmp_path, run_module):
    conf = tmp_path / 'x.conf'
    conf.write_text('[DEFAULT]\n')
    nova = tool(tmp_path, 'nova-33.0.0', 'nova-status', MEET.format(other='keystone-29.0.0') + textwrap.dedent('''
        if not os.path.exists(other):
            sys.exit(255)
        print(%r)
        sys.exit(0)
    ''' % TABLE))
    keystone = tool(tmp_path, 'keystone-29.0.0', 'keystone-status', MEET.format(other='nova-33.0.0') + textwrap.dedent('''
        if not os.path.exists(other):
            sys.exit(255)
        print(json.dumps({"name": "Upgrade Check Results", "checks": [
            {"check": "Check trust policies are not empty", "result": 1, "details": "Trusts are empty."}]}))
        sys.exit(1)
    '''))
    schema = tool(tmp_path, 'glance-31.0.0', 'glance-manage', '''
        print("Database is up to date. No migrations needed.")
    ''')
    members = [
        ('status_check', {'project': 'nova', 'venv': nova, 'config_files': [str(conf)]}),
        ('check_schema_migrations', {'project': 'glance', 'venv': schema, 'config_files': [str(conf)]}),
        ('status_check', {'project': 'keystone', 'venv': keystone, 'config_files': [str(conf)]}),
    ]
    out = run_module(check_batch.main, {'checks': [{'module': m, 'options': o} for m, o in members]})
    assert [m['module'] for m in out['modules']] == ['status_check', 'check_schema_migrations', 'status_check']
    assert [(c['project'], c['name'], c['result']) for c in out['upgrade_checks']] == [
        ('nova-status', 'Cells v2', 'Success'),
        ('glance', 'Database schema migrations', 'Success'),
        ('keystone-status', 'Check trust policies are not empty', 'Warning'),
    ]
    assert out['code'] == 1
    # each as its own module returns it (the tools meet no one when run alone: those two fail alone)
    schema_alone = run_module(check_schema_migrations.main, dict(members[1][1]))
    got = dict(out['modules'][1])
    assert got.pop('module') == 'check_schema_migrations'
    assert strip(got) == strip(schema_alone)
    assert out['modules'][2]['cmd'] == [keystone + '/bin/keystone-status', '--config-file', str(conf), 'upgrade', 'check', '--json']
    assert (out['modules'][2]['exit_code'], out['modules'][2]['run_error']) == (1, None)


def strip(result):
    result = dict(result)
    result.pop('_rc', None)
    result.pop('changed', None)
    result.pop('invocation', None)
    result['upgrade_checks'] = [dict(c, duration=None) for c in result['upgrade_checks']]
    return result


def test_a_failing_or_hanging_tool_is_an_error_of_its_own_check_without_secrets(tmp_path, run_module, capsys):
    conf = tmp_path / 'x.conf'
    conf.write_text('[DEFAULT]\n')
    failing = tool(tmp_path, 'glance-32.0.0', 'glance-status', '''
        sys.stderr.write("Traceback (most recent call last):\\n  ...\\n"
                         "sqlalchemy.exc.OperationalError: cannot reach mysql+pymysql://glance:s3cr3t-pw@127.0.0.9/glance\\n")
        sys.exit(1)
    ''')
    hanging = tool(tmp_path, 'neutron-28.0.0', 'neutron-status', '''
        import time
        time.sleep(60)
    ''')
    fine = tool(tmp_path, 'placement-15.0.0', 'placement-status', 'print(%r)' % TABLE)
    out = run_module(check_batch.main, {'tool_timeout': 2, 'checks': [
        {'module': 'osops.lifecycle.status_check', 'options': {'project': p, 'venv': v, 'config_files': [str(conf)]}}
        for p, v in (('glance', failing), ('neutron', hanging), ('placement', fine))]})
    rows = [(c['project'], c['name'], c['result']) for c in out['upgrade_checks']]
    assert rows == [('glance-status', 'glance-status upgrade check', 'Error'),
                    ('neutron-status', 'neutron-status upgrade check', 'Error'),
                    ('placement-status', 'Cells v2', 'Success')]
    glance, neutron = out['upgrade_checks'][0]['details'], out['upgrade_checks'][1]['details']
    assert glance == ('glance-status upgrade check exited 1 without results: it raised sqlalchemy.exc.OperationalError: '
                      'cannot reach mysql+pymysql://glance:***@127.0.0.9/glance')
    assert neutron.startswith('neutron-status upgrade check: neutron-status did not finish within 2 s and was stopped')
    assert out['modules'][1]['exit_code'] is None and out['modules'][1]['run_error'] == neutron
    assert out['code'] == 255 and out['_rc'] == 0
    assert 's3cr3t' not in json.dumps(out)
    # status_check alone masks it the same way
    alone = run_module(status_check.main, {'project': 'glance', 'venv': failing, 'config_files': [str(conf)]})
    assert alone['run_error'] == glance and 's3cr3t' not in json.dumps(alone)


def test_a_status_member_with_a_bad_option_runs_nothing(tmp_path, run_module):
    out = run_module(check_batch.main, {'checks': [
        {'module': 'status_check', 'options': {'project': 'nova', 'json': 'sometimes'}}]})
    assert out['failed'] and out['msg'].startswith('checks[0] (status_check): ')
    assert 'json' in out['msg']


def test_a_member_with_python_runs_in_that_interpreter_with_the_same_results(tmp_path, run_module, monkeypatch):
    subprocesses = []
    real = batch.run_with
    monkeypatch.setattr(batch, 'run_with', lambda python, *args: subprocesses.append(python) or real(python, *args))
    policy = tmp_path / 'policy.json'
    policy.write_text('{}')
    conf = tmp_path / 'nova.conf'
    conf.write_text('[oslo_policy]\npolicy_file = %s\n' % policy)
    # an interpreter that says where it ran, then is the test's python
    python = tmp_path / 'venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho ran >> %s\nexec %s "$@"\n' % (tmp_path / 'ran', sys.executable))
    python.chmod(0o755)
    options = {'project': 'nova', 'config_files': [str(conf)]}
    out = run_module(check_batch.main, {'checks': [
        {'module': 'check_policy_json', 'options': options},
        {'module': 'check_policy_json', 'options': options, 'python': str(python)},
        # the batch's own interpreter: run in the batch's process, no subprocess
        {'module': 'check_policy_json', 'options': options, 'python': sys.executable}]})
    assert (tmp_path / 'ran').read_text() == 'ran\n'
    here, there, same = [strip(m) for m in out['modules']]
    # a member given python says which interpreter ran it
    assert ('python' not in here, there.pop('python'), same.pop('python')) == (True, str(python), sys.executable)
    assert here == there == same and there['upgrade_checks'][0]['result'] == 'Failure'
    assert subprocesses == [str(python)]


def test_a_member_whose_interpreter_fails_is_an_error_of_that_check_only(tmp_path, run_module):
    conf = tmp_path / 'nova.conf'
    conf.write_text('[DEFAULT]\n')
    broken = tmp_path / 'venv' / 'bin' / 'python'
    broken.parent.mkdir(parents=True)
    broken.write_text('#!/bin/sh\necho "ModuleNotFoundError: No module named sqlalchemy" >&2\nexit 1\n')
    broken.chmod(0o755)
    options = {'project': 'nova', 'config_files': [str(conf)]}
    out = run_module(check_batch.main, {'checks': [
        {'module': 'check_backends', 'options': options, 'python': str(broken)},
        {'module': 'check_backends', 'options': options, 'python': str(tmp_path / 'nowhere' / 'python')},
        {'module': 'check_policy_json', 'options': options}]})
    rows = [(c['project'], c['name'], c['result'], c['details']) for c in out['upgrade_checks']]
    assert rows[0] == ('nova', 'Database and message queue reachable', 'Error',
                       '%s could not run check_backends: exit code 1, ModuleNotFoundError: No module named sqlalchemy.' % broken)
    assert rows[1][2] == 'Error' and rows[1][3].startswith('%s is not an executable file' % (tmp_path / 'nowhere' / 'python'))
    assert rows[2][:3] == ('nova', 'Policy File JSON to YAML Migration', 'Success')
    assert out['modules'][0]['backends'] == [] and out['code'] == 255


def test_python_is_not_for_a_status_tool(run_module):
    out = run_module(check_batch.main, {'checks': [
        {'module': 'status_check', 'options': {'project': 'nova'}, 'python': '/usr/bin/python3'}]})
    assert out['failed'] and out['msg'] == ('checks[0] (status_check): python is for a check module; '
                                            'a status tool runs its own (name it with venv).')


def _recording_python(tmp_path):
    """An interpreter that notes that it ran, then is the test's python."""
    python = tmp_path / 'venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho ran >> %s\nexec %s "$@"\n' % (tmp_path / 'ran', sys.executable))
    python.chmod(0o755)
    return python


def test_python_if_needed_runs_in_the_batch_when_its_interpreter_has_the_drivers(tmp_path, run_module):
    python = _recording_python(tmp_path)
    conf = tmp_path / 'keystone.conf'
    conf.write_text('[database]\nconnection = sqlite:///%s\n' % (tmp_path / 'keystone.db'))
    options = {'project': 'keystone', 'config_files': [str(conf)]}
    out = run_module(check_batch.main, {'checks': [
        {'module': 'check_backends', 'options': options, 'python': str(python), 'python_if_needed': True}]})
    (module,) = out['modules']
    assert not (tmp_path / 'ran').exists() and module['python'] == sys.executable
    assert [(b['option'], b['reached']) for b in module['backends']] == [('[database] connection', True)]
    # the same member without python_if_needed runs in its interpreter, with the same results
    again = run_module(check_batch.main, {'checks': [
        {'module': 'check_backends', 'options': options, 'python': str(python)}]})
    (there,) = again['modules']
    assert (tmp_path / 'ran').read_text() == 'ran\n' and there.pop('python') == str(python)
    module.pop('python')
    assert strip(there) == strip(module)


def test_python_if_needed_runs_in_its_interpreter_when_the_batch_lacks_a_driver(tmp_path, run_module):
    python = _recording_python(tmp_path)
    conf = tmp_path / 'glance.conf'
    conf.write_text('[database]\nconnection = mysql+mysqldb://glance:s3cr3t@127.0.0.1:1/glance\n')
    out = run_module(check_batch.main, {'checks': [
        {'module': 'check_backends', 'options': {'project': 'glance', 'config_files': [str(conf)]},
         'python': str(python), 'python_if_needed': True}]})
    (module,) = out['modules']
    assert (tmp_path / 'ran').read_text() == 'ran\n' and module['python'] == str(python)
    # the interpreter given lacks MySQLdb too: its answer, the password masked
    assert module['upgrade_checks'][0]['result'] == 'Error' and 's3cr3t' not in json.dumps(out)


@pytest.mark.parametrize('member', [
    {'module': 'check_policy_json', 'options': {'project': 'nova'}, 'python': '/usr/bin/python3', 'python_if_needed': True},
    {'module': 'check_backends', 'options': {'project': 'nova'}, 'python_if_needed': True},
])
def test_python_if_needed_is_for_a_backends_member_with_python(run_module, member):
    out = run_module(check_batch.main, {'checks': [member]})
    assert out['failed'] and out['msg'] == (
        'checks[0] (%s): python_if_needed is for a check_backends member with python (the interpreter to use when '
        'the batch\'s own lacks its drivers); remove it or give python.' % member['module'])
