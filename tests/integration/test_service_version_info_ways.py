"""service_version_info's three ways in real ansible-playbook runs, on one fake /proc: the same result.

Its action plugin (plugins/action/service_version_info.py) runs the module's
class in ansible-playbook when the task's interpreter is ansible-playbook's
own; gives the host's Python the reading code alone (plugin_utils/_lean.py)
when the module would be pipelined; and runs the module otherwise. The play
runs each way on localhost (a wrapper script as the other interpreter, so
that the task does not run in-process), at -vvv, and compares: the results,
the notes as warnings, the message for a directory that cannot be listed, an
option error. Only the module way builds the module.
"""

import json
import os
import re
import subprocess
import sys

import yaml

from ansible_collections.osops.lifecycle.tests.conftest import COLLECTIONS_PATH

BIN = os.path.dirname(sys.executable)
VENVS = '/openstack/venvs'
PROCESSES = [
    ('%s/nova-32.2.1/bin/python3' % VENVS, '%s/nova-32.2.1/bin/nova-conductor' % VENVS),
    ('%s/nova-31.3.1/bin/nova-compute' % VENVS, '--config-file', '/etc/nova/nova.conf'),
    ('%s/keystone-28.0.0/bin/uwsgi' % VENVS, '--ini', '/etc/keystone/keystone-uwsgi.ini'),
    ('/usr/sbin/mariadbd',),
]
WAYS = {
    'in_process': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
    'lean': {'ansible_pipelining': True},
    'module': {'ansible_pipelining': False},
}


def test_in_process_lean_and_module_return_the_same(tmp_path):
    proc_path = tmp_path / 'proc'
    for pid, args in enumerate(PROCESSES, start=100):
        (proc_path / str(pid)).mkdir(parents=True)
        (proc_path / str(pid) / 'cmdline').write_bytes(b''.join(arg.encode() + b'\0' for arg in args))
    venvs = tmp_path / 'venvs'
    for name in ('nova-31.3.1', 'nova-32.2.1', 'nova-33.0.2', 'keystone-28.0.0', 'not-a-venv'):
        (venvs / name).mkdir(parents=True)
    wrapper = tmp_path / 'python3'  # another interpreter path: the task does not run in ansible-playbook
    wrapper.write_text('#!/bin/sh\nexec %s "$@"\n' % sys.executable)
    wrapper.chmod(0o755)
    cases = {
        'read': {'proc_path': str(proc_path), 'venvs_dir': VENVS},
        'venvs': {'proc_path': str(proc_path), 'venvs_dir': str(venvs), 'same_mount_namespace': False},
        'unlistable': {'proc_path': str(tmp_path / 'no-proc')},
        'bad_option': {'proc_path': str(proc_path), 'same_mount_namespace': 'perhaps'},
    }
    tasks = [{'name': '%s %s' % (way, case), 'osops.lifecycle.service_version_info': args, 'vars': way_vars,
              'environment': {'LC_ALL': 'C'} if way == 'lean' and case == 'read' else {},
              'register': '%s_%s' % (way, case), 'ignore_errors': True}
             for way, way_vars in WAYS.items() for case, args in cases.items()]
    names = ['%s_%s' % (way, case) for way in WAYS for case in cases]
    tasks.append({'ansible.builtin.copy': {'dest': str(tmp_path / 'out.json'), 'content': '{{ {%s} | to_json }}' % (
        ', '.join('"%s": %s' % (name, name) for name in names))}, 'vars': {'ansible_pipelining': False}})
    playbook = tmp_path / 'play.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': str(wrapper)}}}}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_NOCOLOR='1', HOME=str(tmp_path),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default')
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-vvv', '-i', str(inventory), str(playbook)],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    out = json.loads((tmp_path / 'out.json').read_text())

    # only the module way builds the module (bad options fail before, in the action plugin, for the two others)
    built = re.findall(r'Using module file \S*/service_version_info\.py', proc.stdout)
    assert len(built) == len(cases), built
    for case in cases:
        got = dict((way, dict((key, value) for key, value in out['%s_%s' % (way, case)].items()
                              if key != 'invocation')) for way in WAYS)
        if case == 'bad_option':  # AnsibleModule's message lists the valid booleans from a set, in any order
            for result in got.values():
                result['msg'] = result['msg'].split(' Valid booleans include')[0]
        assert got['lean'] == got['module'] == got['in_process'], case
    read = out['lean_read']
    assert read['projects'] == {'keystone': ['28.0.0'], 'nova': ['31.3.1', '32.2.1']}
    assert read['host_versions_entry'] == {'keystone': '28.0.0', 'nova': '31.3.1'}
    assert read['warnings'] == read['notes'] and read['notes'][0].startswith('nova runs 2 versions on this host')
    assert read['changed'] is False and read['unreadable'] == 0 and read['installed'] == []
    assert [venv['path'] for venv in out['lean_venvs']['installed']] == [
        str(venvs / name) for name in ('keystone-28.0.0', 'nova-31.3.1', 'nova-32.2.1', 'nova-33.0.2')]
    assert out['lean_unlistable']['failed'] and out['lean_unlistable']['msg'] == (
        'Cannot list the processes in %s: No such file or directory.' % (tmp_path / 'no-proc'))
    assert out['lean_bad_option']['failed'] and 'same_mount_namespace' in out['lean_bad_option']['msg']
    assert 'Traceback' not in proc.stdout + proc.stderr
