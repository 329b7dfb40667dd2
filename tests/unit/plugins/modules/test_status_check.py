"""status_check runs real executables that behave like the *-status tools."""

import json
import stat
import sys
import textwrap

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import status_check

TABLE = """+------------------------------+
| Upgrade Check Results        |
+------------------------------+
| Check: Cells v2              |
| Result: Success              |
| Details: None                |
+------------------------------+
| Check: hw_machine_type unset |
| Result: Warning              |
| Details: Instances found     |
+------------------------------+"""


def tool(tmp_path, name, body):
    """An executable script in a venv-like layout; it records its argv."""
    path = tmp_path / 'venv' / 'bin' / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!%s\nimport json, os, sys\n'
                    'open(os.path.join(os.path.dirname(sys.argv[0]), "argv.json"), "w").write(json.dumps(sys.argv[1:]))\n'
                    '%s\n' % (sys.executable, textwrap.dedent(body)))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def argv(tmp_path):
    return json.loads((tmp_path / 'venv' / 'bin' / 'argv.json').read_text())


def test_nova_table_without_json(tmp_path, run_module):
    tool(tmp_path, 'nova-status', '''
        if "--json" in sys.argv:
            sys.stderr.write("usage: nova-status\\nnova-status: error: unrecognized arguments: --json\\n"); sys.exit(2)
        sys.stderr.write("EventletDeprecationWarning: noise\\n")
        print(%r); sys.exit(1)''' % TABLE)
    result = run_module(status_check.main, {'project': 'nova', 'venv': str(tmp_path / 'venv'),
                                            'config_files': ['/etc/nova/nova.conf']})
    assert argv(tmp_path) == ['--config-file', '/etc/nova/nova.conf', 'upgrade', 'check']
    assert [(c['name'], c['result'], c['project']) for c in result['upgrade_checks']] == [
        ('Cells v2', 'Success', 'nova-status'), ('hw_machine_type unset', 'Warning', 'nova-status')]
    assert (result['code'], result['exit_code'], result['run_error'], result['changed']) == (1, 1, None, False)
    assert 'rc' not in result  # Ansible would take a non-zero rc for a failed task


def test_keystone_json(tmp_path, run_module):
    tool(tmp_path, 'keystone-status', '''
        assert sys.argv[-1] == "--json"
        print(json.dumps({"name": "Upgrade Check Results", "checks": [
            {"check": "Check trust policies are not empty", "result": 0, "details": None},
            {"check": "Check default roles are immutable", "result": 2, "details": "admin role is mutable"}]}))
        sys.exit(2)''')
    result = run_module(status_check.main, {'project': 'keystone', 'venv': str(tmp_path / 'venv')})
    assert [(c['result'], c['details']) for c in result['upgrade_checks']] == [
        ('Success', None), ('Failure', 'admin role is mutable')]
    assert result['code'] == 2


def test_forcing_json_on_nova_is_a_usage_error_of_the_run(tmp_path, run_module):
    tool(tmp_path, 'nova-status', '''
        sys.stderr.write("usage: nova-status\\nnova-status: error: unrecognized arguments: --json\\n"); sys.exit(2)''')
    result = run_module(status_check.main, {'project': 'nova', 'venv': str(tmp_path / 'venv'), 'json': 'always'})
    (check,) = result['upgrade_checks']
    assert (check['name'], check['result'], result['code']) == ('nova-status upgrade check', 'Error', 255)
    assert result['run_error'] == ('nova-status upgrade check exited 2 without results: usage error: '
                                   'nova-status: error: unrecognized arguments: --json')
    assert 'failed' not in result


def test_traceback_is_an_error_of_the_run(tmp_path, run_module):
    tool(tmp_path, 'nova-status', '''
        print("Error:\\nTraceback (most recent call last):\\n  File \\"x\\"\\n"
              "keystoneauth1.exceptions.connection.ConnectFailure: Unable to establish connection to http://127.0.0.2:8778")
        sys.exit(255)''')
    result = run_module(status_check.main, {'project': 'nova', 'venv': str(tmp_path / 'venv')})
    assert result['upgrade_checks'][0]['result'] == 'Error'
    assert 'it raised keystoneauth1.exceptions.connection.ConnectFailure' in result['run_error']


@pytest.mark.parametrize('args,missing', [
    ({'venv': '/nonexistent/venv'}, '/nonexistent/venv/bin/cloudkitty-status'),
    ({'executable': 'no-such-status-tool'}, 'no-such-status-tool'),
    ({'command_prefix': ['no-such-container-runtime', 'exec', 'x']}, 'no-such-container-runtime'),
])
def test_missing_tool_is_an_error_naming_it(run_module, args, missing):
    result = run_module(status_check.main, dict(project='cloudkitty', **args))
    (check,) = result['upgrade_checks']
    assert check['result'] == 'Error' and result['exit_code'] is None
    assert check['details'].startswith('cloudkitty-status upgrade check could not run: %s does not exist' % missing)


def test_prefix_and_environment(tmp_path, run_module):
    runner = tool(tmp_path, 'runner', '''
        print(json.dumps({"name": "Upgrade Check Results", "checks": [
            {"check": "Storage version", "result": 0, "details": os.environ.get("PYTHONWARNINGS") + "/" + os.environ.get("EXTRA")}]}))''')
    result = run_module(status_check.main, {'project': 'cloudkitty', 'command_prefix': [str(runner), 'exec', 'ck'],
                                            'environment': {'EXTRA': 'yes'}})
    assert argv(tmp_path) == ['exec', 'ck', 'cloudkitty-status', 'upgrade', 'check', '--json']
    assert result['upgrade_checks'][0]['details'] == 'ignore/yes'
    assert result['cmd'][:3] == [str(runner), 'exec', 'ck']


def test_bad_json_choice(run_module):
    result = run_module(status_check.main, {'project': 'nova', 'json': 'sometimes'})
    assert result['failed'] is True and 'value of json must be one of: auto, always, never' in result['msg']
