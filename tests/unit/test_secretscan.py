"""The secret scan of the integration and lab tiers (tests/secretscan.py), in whole pytest sessions (pytester).

Each planted secret, in each kind of output the tiers write (the ANSIBLE_LOG_PATH log, a captured
ansible-playbook output, a JSON report, an HTML report, an ansible-runner job event, an SQLite store's row, a
fact cache), fails a session whose tests all passed, naming the file and the secret's kind and never the
secret; the same secrets in a test's inputs (clouds.yaml, a playbook, ansible-runner's env/ and its record of
the command line) do not.
"""

import json
import os
import sqlite3

import pytest

from ansible_collections.osops.lifecycle.tests import secretscan
from ansible_collections.osops.lifecycle.tests.conftest import COLLECTIONS_PATH

CONFTEST = '''
import sys
sys.path.insert(0, %r)
from ansible_collections.osops.lifecycle.tests import secretscan
pytest_addoption = secretscan.pytest_addoption
pytest_sessionstart = secretscan.pytest_sessionstart
pytest_sessionfinish = secretscan.pytest_sessionfinish
pytest_unconfigure = secretscan.pytest_unconfigure
pytest_terminal_summary = secretscan.pytest_terminal_summary
''' % COLLECTIONS_PATH

STORE_URL = 'postgresql+psycopg://osops:%s@127.0.0.1:5432/osops' % secretscan.PG_PASSWORD
FERNET = 'gAAAAABn' + 'Qx7-k_9ZpL2' * 12
LAB = secretscan.lab_secrets()[0].value if secretscan.lab_secrets() else None

# kind -> (the inner test's body, the secret's kind as the summary names it, the planted text, the file's name)
PLANTED = {
    'ansible log': (
        "open(os.environ['ANSIBLE_LOG_PATH'], 'a').write('p=1 u=root n=ansible | msg: Cannot open %s\\n' % SECRET)",
        'PostgreSQL store password', STORE_URL, 'ansible.log'),
    'captured ansible-playbook output': (
        "script = tmp_path / 'ansible-playbook'\n"
        "    script.write_text('#!/bin/sh\\necho \"$1\"\\n')\n"
        "    script.chmod(0o755)\n"
        "    proc = subprocess.run([str(script), SECRET], capture_output=True, text=True, check=True)\n"
        "    assert proc.stdout.strip() == SECRET",
        'keystone password (AWX OpenStack credential)', secretscan.KEYSTONE_PASSWORD, '-ansible-playbook.out'),
    'JSON report': (
        "(tmp_path / 'check-report.json').write_text(json.dumps({'details': SECRET}))",
        'store URL password (module option)', 'store postgresql://osops:%s@db/osops' % secretscan.STORE_URL_PASSWORD,
        'check-report.json'),
    'HTML report': (
        "(tmp_path / 'report.html').write_text('<html><td>X-Auth-Token: %s</td></html>' % SECRET)",
        'keystone Fernet token', FERNET, 'report.html'),
    'job event': (
        "events = tmp_path / 'job-1' / 'artifacts' / '1' / 'job_events'\n"
        "    events.mkdir(parents=True)\n"
        "    (events / '3-ok.json').write_text(json.dumps({'event_data': {'res': {'msg': SECRET}}}))",
        'PostgreSQL store password', STORE_URL, '3-ok.json'),
    'SQLite row': (
        "db = sqlite3.connect(str(tmp_path / 'store'))\n"
        "    db.execute('CREATE TABLE upgrades (id TEXT, error TEXT)')\n"
        "    db.execute('INSERT INTO upgrades VALUES (?, ?)', ('u1', 'failed: ' + SECRET))\n"
        "    db.commit()\n"
        "    db.close()",
        'PostgreSQL store password', STORE_URL, 'store (table upgrades, row 1)'),
    'fact cache': (
        "facts = tmp_path / 'ansible_facts'\n"
        "    facts.mkdir()\n"
        "    (facts / 'controller').write_text(json.dumps({'ansible_env': {'OSOPS_STORE_URL': SECRET}}))",
        'PostgreSQL store password', STORE_URL, 'ansible_facts/controller'),
}
if LAB:
    PLANTED['lab password in a log'] = (
        "(tmp_path / 'labctl.log').write_text('connection = %s\\n' % SECRET)",
        'lab password (MariaDB, keystone admin and service users)', 'mysql+pymysql://osops:%s@127.0.0.2/nova' % LAB,
        'labctl.log')

TEST = '''
import json, os, sqlite3, subprocess
SECRET = %r

def test_writes_an_output(tmp_path):
    %s
'''


def _session(pytester, body, secret, *args):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_planted=TEST % (secret, body))
    xdist = () if '-n' in args else ('-p', 'no:xdist')
    return pytester.runpytest_subprocess('-p', 'no:cacheprovider', *xdist, *args)


@pytest.mark.parametrize('where', sorted(PLANTED))
def test_a_secret_in_an_output_fails_the_session_naming_file_and_kind_not_the_secret(pytester, where):
    body, kind, planted, name = PLANTED[where]
    result = _session(pytester, body, planted, '--secret-scan')
    result.assert_outcomes(passed=1)  # the test itself passed: the scan fails the session
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    found = [line for line in result.outlines if line.startswith('SECRET FOUND: ')]
    assert len(found) == 1 and found[0].startswith('SECRET FOUND: %s in ' % kind), result.outlines
    assert name in found[0], found
    assert 'secrets found: 1' in result.outlines
    for text in (result.stdout.str(), result.stderr.str()):
        assert planted not in text
    # the summary file the docs' figures come from: the same finding, no secret
    report = pytester.path / 'runpytest-0' / 'secret-scan.json'  # in the session's basetemp
    data = json.loads(report.read_text())
    assert [f['kind'] for f in data['found']] == [kind] and planted not in report.read_text()


def test_the_same_secrets_in_inputs_only_pass(pytester):
    body = '\n    '.join([
        "(tmp_path / 'clouds.yaml').write_text('clouds: {lab: {auth: {password: %s}}}' % SECRET)",
        "(tmp_path / 'playbook.yml').write_text('- hosts: all\\n  vars: {store: %s}\\n' % SECRET)",
        "job = tmp_path / 'job-1'",
        "(job / 'env').mkdir(parents=True)",
        "(job / 'project').mkdir()",
        "(job / 'env' / 'envvars').write_text(json.dumps({'OSOPS_STORE_URL': SECRET}))",
        "(job / 'artifacts' / '1').mkdir(parents=True)",
        "(job / 'artifacts' / '1' / 'command').write_text(json.dumps({'env': {'OSOPS_STORE_URL': SECRET}}))",
        "(job / 'artifacts' / '1' / 'stdout').write_text('ok: [localhost]\\n')",
        "(tmp_path / 'report.json').write_text(json.dumps({'store': 'postgresql://osops:***@db/osops'}))",
        "open(os.environ['ANSIBLE_LOG_PATH'], 'a').write('the word secret, a password: ***\\n')",
    ])
    result = _session(pytester, body, STORE_URL, '--secret-scan')
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert 'secrets found: 0' in result.outlines
    assert not [line for line in result.outlines if 'SECRET FOUND' in line]


def test_without_the_option_nothing_is_scanned_or_set(pytester):
    body = "assert 'ANSIBLE_LOG_PATH' not in os.environ\n    (tmp_path / 'r.json').write_text(SECRET)"
    result = _session(pytester, body, STORE_URL)
    assert result.ret == pytest.ExitCode.OK
    assert 'secret scan' not in result.stdout.str()


def test_ansible_log_path_is_set_for_every_subprocess_inside_the_scanned_tree(pytester):
    body = ("log = os.environ['ANSIBLE_LOG_PATH']\n"
            "    assert log.endswith('/secret-scan/ansible.log') and str(tmp_path).startswith(os.path.dirname(os.path.dirname(log)))\n"
            "    assert subprocess.run(['sh', '-c', 'echo $ANSIBLE_LOG_PATH'], capture_output=True, text=True,"
            " check=True).stdout.strip() == log")
    result = _session(pytester, body, STORE_URL, '--secret-scan')
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()


@pytest.mark.parametrize('text, found', [
    ('connection = mysql+pymysql://osops:secret@127.0.0.2:3306/nova', True),
    ('"password": "secret"', True),
    ('mariadb -u osops -psecret -e "SELECT 1"', True),
    ('keystone-manage bootstrap --bootstrap-password secret', True),
    ('transport_url rabbit://guest:guest@127.0.0.2:5672/', True),
    ('transport_url rabbit://guest:***@127.0.0.2:5672/', False),
    ('the secret scan; secrets are masked; client_secret', False),
])
def test_the_labs_weak_passwords_are_found_in_the_forms_a_leak_takes(text, found):
    lab = secretscan.lab_secrets()
    if not lab:
        pytest.skip('the lab code (tests/lab/osops_lab) is not importable')
    assert any(secret.found_in(text) for secret in lab) is found


def test_a_corrupt_sqlite_file_is_scanned_as_bytes(tmp_path):
    path = tmp_path / 'store.db'
    with sqlite3.connect(str(path)) as db:
        db.execute('CREATE TABLE t (v TEXT)')
        db.execute('INSERT INTO t VALUES (?)', (STORE_URL,))
    data = path.read_bytes()
    path.write_bytes(data[:100] + b'\0' * 50 + data[150:])  # the schema's page damaged
    scan = secretscan.Scan(secretscan.known_secrets()).tree(str(tmp_path))
    assert [(os.path.basename(p), kind) for p, kind, _where in scan.findings] == [('store.db', 'PostgreSQL store password')]


def test_postgres_rows_are_dumped_and_found(postgres, tmp_path, monkeypatch):
    import sqlalchemy as sa
    url = postgres.empty_database()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql('CREATE TABLE upgrades (id text, error text)')
        connection.exec_driver_sql("INSERT INTO upgrades VALUES ('u1', 'ok'), ('u2', %s)",
                                   ('store %s' % STORE_URL,))
    engine.dispose()
    directory = tmp_path / secretscan.SCAN_DIRNAME
    directory.mkdir()
    monkeypatch.setenv(secretscan.SCAN_ENV, str(directory))
    secretscan.dump_postgres(url, 'here')
    scan = secretscan.Scan(secretscan.known_secrets()).tree(str(tmp_path))
    assert scan.postgres_rows == 2
    assert [kind for _p, kind, _where in scan.findings] == ['PostgreSQL store password']


def test_under_xdist_the_controller_scans_every_workers_outputs(pytester):
    body = ("log = os.environ['ANSIBLE_LOG_PATH']\n"
            "    assert '/popen-gw' in log\n"
            "    open(log, 'a').write('msg: %s\\n' % SECRET)")
    result = _session(pytester, body, STORE_URL, '--secret-scan', '-n', '2')
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    found = [line for line in result.outlines if line.startswith('SECRET FOUND: ')]
    assert len(found) == 1 and '/popen-gw' in found[0] and found[0].endswith('/secret-scan/ansible.log (text)'), found
