"""The check_table callback in a real ansible-playbook run, full output compared."""

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = os.path.join(HERE, 'check_table')
# Details carry the policy file's path and are wrapped at 60 characters, so
# the fixture lives at a fixed path to keep the expected output stable.
FIXTURE_ROOT = '/tmp/osops-lifecycle-it-check-table'
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
# A warning Python prints for a library under site-packages: its line, then the source line it quotes.
THIRD_PARTY_WARNING = re.compile(r'^\S*/site-packages/\S+:\d+: \w*Warning: .*\n(?:  .*\n)?', re.MULTILINE)


def make_fixture():
    shutil.rmtree(FIXTURE_ROOT, ignore_errors=True)
    etc = os.path.join(FIXTURE_ROOT, 'etc')
    files = {
        'nova/nova.conf': '[oslo_policy]\npolicy_file = policy.json\n',
        'nova/policy.json': '{"admin_api": "is_admin:True"}\n',
        'keystone/keystone.conf': '[DEFAULT]\n',
        'keystone/policy.yaml': '"identity:list_users": "rule:admin_required"\n',
        'placement/placement.conf': '[oslo_policy]\npolicy_file = policy.d\n',
    }
    for name, text in files.items():
        path = os.path.join(etc, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
    os.makedirs(os.path.join(etc, 'placement', 'policy.d'))


def run_playbook(tmp_path, stdout_callback, report=None, playbook='playbook.yml'):
    report = report or tmp_path / ('report-%s.json' % stdout_callback.rsplit('.', 1)[-1])
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.cache', 'collections'),
        'ANSIBLE_STDOUT_CALLBACK': stdout_callback,
        'OSOPS_CHECK_REPORT_PATH': str(report),
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
        'ANSIBLE_CONFIG': os.path.join(TARGET, 'ansible.cfg'),
        'COLUMNS': '80',
        'HOME': str(tmp_path),
    })
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, '-i', os.path.join(TARGET, 'inventory.ini'),
         '-e', 'ansible_python_interpreter=%s' % sys.executable,
         '-e', 'fixture_root=%s' % FIXTURE_ROOT,
         os.path.join(TARGET, playbook)],
        env=env, capture_output=True, text=True, check=False, timeout=300)
    if not os.path.exists(report):
        return proc, None
    with open(report, encoding='utf-8') as handle:
        return proc, json.load(handle)


@pytest.fixture(scope='module')
def fixture_root():
    # The path is one for every pytest-xdist worker that runs tests of this module: each holds it, under a lock,
    # from making it to removing it; another worker waits (else it would remove the files under a running play).
    with open(FIXTURE_ROOT + '.lock', 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        make_fixture()
        yield FIXTURE_ROOT
        shutil.rmtree(FIXTURE_ROOT, ignore_errors=True)


def test_full_output_with_the_default_stdout_callback(fixture_root, tmp_path):
    proc, report = run_playbook(tmp_path, 'ansible.builtin.default')
    assert proc.returncode == 0, proc.stderr
    with open(os.path.join(TARGET, 'expected-default.txt'), encoding='utf-8') as handle:
        assert proc.stdout == handle.read()
    # nothing on stderr but the warnings third-party libraries raise as ansible-playbook imports them (e.g.
    # cryptography 51's CryptographyDeprecationWarning for DSA, from ansible-core's SSH agent module)
    assert THIRD_PARTY_WARNING.sub('', proc.stderr) == '', proc.stderr


def test_json_report(fixture_root, tmp_path):
    report = run_playbook(tmp_path, 'ansible.builtin.default')[1]
    with open(os.path.join(ROOT, 'docs', 'schemas', 'check-report.schema.json'), encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    assert (report['code'], report['result']) == (255, 'Error')
    summary = [(h['host'], p['project'], c['name'], c['result'], c['code'])
               for h in report['hosts'] for p in h['projects'] for c in p['checks']]
    name = 'Policy File JSON to YAML Migration'
    assert summary == [
        ('api1', 'nova', name, 'Failure', 2),
        ('api1', 'keystone', name, 'Success', 0),
        ('api1', 'keystone', name, 'Success', 0),  # delegated from compute1
        ('api1', 'placement', name, 'Error', 255),
        ('compute1', 'nova', name, 'Failure', 2),
        ('compute1', 'cinder', name, 'Error', 255),
    ]
    checks = [c for h in report['hosts'] for p in h['projects'] for c in p['checks']]
    assert checks[3]['details'].startswith('The check raised IsADirectoryError')
    assert 'cinder.conf' in checks[5]['details']
    assert all(isinstance(c['duration'], float) and c['duration'] >= 0 for c in checks)
    assert [h['code'] for h in report['hosts']] == [255, 255]


def test_works_next_to_another_stdout_callback(fixture_root, tmp_path):
    default_proc, default_report = run_playbook(tmp_path, 'ansible.builtin.default')
    proc, report = run_playbook(tmp_path, 'ansible.builtin.minimal')
    assert proc.returncode == 0, proc.stderr
    table = default_proc.stdout[default_proc.stdout.index('nova on api1: Failure'):
                                default_proc.stdout.index('PLAY RECAP')]
    assert table.strip() in proc.stdout

    for doc in (report, default_report):
        for host in doc['hosts']:
            for project in host['projects']:
                for check in project['checks']:
                    check['duration'] = None
    assert report == default_report


def test_unwritable_report_path_is_a_warning_not_a_crash(fixture_root, tmp_path):
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('')
    proc, report = run_playbook(tmp_path, 'ansible.builtin.default', report=blocker / 'report.json')
    assert report is None
    assert proc.returncode == 0, proc.stderr
    assert 'Overall upgrade check result: Error (code 255)' in proc.stdout
    assert ('[WARNING]: osops.lifecycle.check_table: cannot write the JSON report to %s'
            % (blocker / 'report.json')) in proc.stderr
    assert 'Traceback' not in proc.stdout + proc.stderr


def test_a_run_without_readiness_checks_gets_no_table_and_no_report(fixture_root, tmp_path):
    report = tmp_path / 'report.json'
    proc, found = run_playbook(tmp_path, 'ansible.builtin.default', report=report, playbook='no_checks.yml')
    assert proc.returncode == 2, proc.stderr
    assert 'this play has no readiness checks' in proc.stdout
    assert 'Upgrade Check Results' not in proc.stdout and 'Overall upgrade check result' not in proc.stdout
    assert found is None and not report.exists()
