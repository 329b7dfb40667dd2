"""Shared by the driver tests: a fake keystone venv, its version document, and one play of the
upgrade role's driver entry point on a local host."""

import http.server
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
FAKECTL = os.path.join(ROOT, 'tests', 'fixtures', 'venv_driver', 'fakectl.py')
SLEEPER = '#!%s\nimport time\ntime.sleep(600)\n' % os.path.realpath(sys.executable)
RECORDER = '#!%s\nimport json, sys\nopen(%%r, "a").write(json.dumps(sys.argv[1:]) + "\\n")\n' % sys.executable


class Versions(http.server.BaseHTTPRequestHandler):
    """keystone's version document, for the wait's URL."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{"version": {"id": "v3.14"}}')

    def log_message(self, *args):
        pass


def venv(root, version, ran, package=False):
    """A keystone venv under ``root``/venvs: uwsgi sleeps, keystone-manage records its arguments in ``ran``;
    with ``package`` also keystone's WSGI module and dist-info (what the venv driver's switch looks for)."""
    path = root / 'venvs' / ('keystone-%s' % version)
    if package:
        site = path / 'lib' / 'python3.11' / 'site-packages'
        (site / 'keystone' / 'wsgi').mkdir(parents=True)
        (site / 'keystone' / 'wsgi' / 'api.py').write_text('')
        (site / ('keystone-%s.dist-info' % version)).mkdir()
    (path / 'bin').mkdir(parents=True)
    (path / 'pyvenv.cfg').write_text('')
    for name, body in (('uwsgi', SLEEPER), ('keystone-manage', RECORDER % str(ran))):
        (path / 'bin' / name).write_text(body)
        (path / 'bin' / name).chmod(0o755)
    return str(path)


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
