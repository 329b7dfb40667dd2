"""Shared by the driver tests: one play of the upgrade role's driver entry point on a local host."""

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def run(host, steps, *options):
    """One play of the driver entry point's steps on the host; (process, [osops_upgrade_driver_result of each])."""
    results = host['root'] / 'results.json'
    tasks = []
    for variables in steps:
        tasks += [{'name': 'Step', 'ansible.builtin.include_role': {'name': 'osops.lifecycle.upgrade', 'tasks_from': 'driver'},
                   'vars': dict(host['common'], **variables)},
                  {'name': 'Keep it', 'ansible.builtin.set_fact': {
                      'kept': '{{ kept | default([]) + [osops_upgrade_driver_result] }}'}}]
    write = {'content': '{{ kept | to_json }}', 'dest': str(results), 'mode': '0600'}
    tasks.append({'name': 'Write them', 'ansible.builtin.copy': write, 'check_mode': False, 'changed_when': False})
    playbook = host['root'] / 'playbook.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'controller', 'gather_facts': False, 'tasks': tasks}]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', HOME=str(host['root']), ANSIBLE_LOCAL_TEMP=str(host['root'] / 'tmp'))
    if results.exists():
        results.unlink()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', host['inventory'], str(playbook)]
                          + list(options), env=env, capture_output=True, text=True, check=False, timeout=300)
    return proc, json.loads(results.read_text()) if results.exists() else None
