"""The lean read (plugin_utils/_lean.py): the program a host's Python is given, and what comes back.

The real runs (ansible-playbook, localhost and the lab's hosts over SSH, against the module's) are in
tests/integration/test_service_version_info_ways.py and tests/integration/lab/test_check_lab.py.
"""

import ast
import json
import subprocess
import sys
from unittest import mock

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._service import processes
from ansible_collections.osops.lifecycle.plugins.plugin_utils._lean import DRIVER, lean_interpreter, run_lean

with open(processes.__file__, encoding='utf-8') as _handle:
    SOURCE = _handle.read()


def test_the_read_imports_the_standard_library_alone():
    # a host's Python may have nothing else: packaging only where its absence is handled
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                top = name.split('.')[0]
                assert top in sys.stdlib_module_names or top == 'packaging', name
    guarded = [node for node in ast.walk(ast.parse(SOURCE)) if isinstance(node, ast.Try)
               and any(isinstance(child, ast.ImportFrom) and child.module.startswith('packaging') for child in node.body)]
    assert guarded and guarded[0].handlers[0].type.id == 'ImportError'


def run_program(call, *python_flags):
    program = SOURCE + DRIVER % (call, 'ReadError')
    done = subprocess.run([sys.executable, *python_flags], input=program, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_bare_python_runs_the_program(tmp_path):
    # -I -S: no site-packages, no user site, no PYTHONPATH: what a host's Python has at least
    (tmp_path / 'proc' / '7').mkdir(parents=True)
    (tmp_path / 'proc' / '7' / 'cmdline').write_bytes(b'/openstack/venvs/nova-32.2.1/bin/nova-compute\0')
    out = run_program('read_host(%r, %r, False)' % (str(tmp_path / 'proc'), '/openstack/venvs'), '-I', '-S')
    assert out['result']['projects'] == {'nova': ['32.2.1']} and out['result']['unreadable'] == 0
    missing = run_program('read_host(%r, %r, False)' % (str(tmp_path / 'none'), '/openstack/venvs'), '-I', '-S')
    assert missing == {'error': 'Cannot list the processes in %s: No such file or directory.' % (tmp_path / 'none')}


def fake_action(pipelining=True, delegate_to=None, async_val=0, result=None):
    action = mock.Mock()
    action._task.delegate_to, action._task.async_val = delegate_to, async_val
    action._is_pipelining_enabled.return_value = pipelining
    action._templar.template.side_effect = lambda value: value.replace('{{ venv }}', '/opt/venv')
    action._compute_environment_string.return_value = ''
    action._connection._shell.build_module_command.side_effect = lambda env, shebang, cmd: shebang[2:]
    action._low_level_execute_command.return_value = result
    return action


@pytest.mark.parametrize('task_vars, expected', [
    ({'ansible_python_interpreter': '/usr/bin/python3'}, '/usr/bin/python3'),
    ({'ansible_python_interpreter': '{{ venv }}/bin/python'}, '/opt/venv/bin/python'),
    ({'ansible_facts': {'discovered_interpreter_python': '/usr/bin/python3.11'}}, '/usr/bin/python3.11'),
    ({'ansible_python_interpreter': 'auto_silent'}, None),  # discovery: the module run does it
    ({}, None),
])
def test_the_interpreter_must_be_known(task_vars, expected):
    assert lean_interpreter(fake_action(), task_vars) == expected


@pytest.mark.parametrize('why', [dict(pipelining=False), dict(delegate_to='db1'), dict(async_val=30)])
def test_without_pipelining_delegated_or_async_the_module_runs(why):
    assert lean_interpreter(fake_action(**why), {'ansible_python_interpreter': '/usr/bin/python3'}) is None


def test_a_python_that_cannot_run_it_fails_clearly():
    action = fake_action(result={'rc': 127, 'stdout': '', 'stderr': '/bin/sh: 1: /usr/bin/python9: not found\n'})
    out = run_lean(action, '/usr/bin/python9', SOURCE, 'read_host("/proc", "/openstack/venvs")', 'ReadError')
    assert out['failed'] and out['msg'] == ('/usr/bin/python9 on the host could not run the read (exit code 127): '
                                            '/bin/sh: 1: /usr/bin/python9: not found')
    # a banner before the result is skipped; a last line that is not the result is a failure
    action = fake_action(result={'rc': 0, 'stdout': 'Welcome!\n\n{"result": 1}\n', 'stderr': ''})
    assert run_lean(action, '/usr/bin/python3', SOURCE, '1', 'ReadError') == {'result': 1}
    action = fake_action(result={'rc': 0, 'stdout': '{"result": 1}\nBye\n', 'stderr': ''})
    assert run_lean(action, '/usr/bin/python3', SOURCE, '1', 'ReadError')['failed']
