"""The check role in a real ansible-playbook run, on local hosts.

Nova's databases are SQLite files shaped like nova's; the nova venvs are
directories whose bin/python is this interpreter; the target release's
nova-status is a script printing the tool's table. The API checks meet no
cloud, which they must report as Errors while everything else still runs.
The lab tests run the same role against a real cloud.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys

import jsonschema
import pytest
import sqlalchemy as sa

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = os.path.join(HERE, 'check_role')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
NOVA_STATUS = """#!/bin/sh
cat <<EOT
+------------------------------+
| Upgrade Check Results        |
+------------------------------+
| Check: Cells v2              |
| Result: Success              |
| Details: None                |
+------------------------------+
EOT
"""


@pytest.fixture
def cloud(nova, tmp_path):
    nova.map_cells()
    nova.insert(nova.api, 'host_mappings', host='compute1')
    nova.insert(nova.cell1, 'compute_nodes', deleted=0)
    nova.insert(nova.cell1, 'services', host='compute1', binary='nova-compute', version=68,
                deleted=0, forced_down=False)
    nova.insert(nova.cell1, 'services', host='controller', binary='nova-conductor', version=68,
                deleted=0, forced_down=False)
    with open(nova.conf, 'a', encoding='utf-8') as handle:
        handle.write('compute = auto\n[service_user]\nsend_service_user_token = true\n')
    for version in ('31.3.1', '33.0.2'):
        bindir = tmp_path / 'venvs' / ('nova-' + version) / 'bin'
        bindir.mkdir(parents=True)
        # this interpreter, with its packages: a symlink to a venv's python outside the venv is the base
        # python without them (python finds its venv by the pyvenv.cfg beside the path it was started as)
        (bindir / 'python').write_text('#!/bin/sh\nexec %s "$@"\n' % sys.executable)
        (bindir / 'python').chmod(0o755)
    tool = tmp_path / 'venvs' / 'nova-33.0.2' / 'bin' / 'nova-status'
    tool.write_text(NOVA_STATUS)
    tool.chmod(0o755)
    return nova


def run(tmp_path, nova, inventory=os.path.join(TARGET, 'inventory.ini'),
        playbook=os.path.join(ROOT, 'playbooks', 'check.yml'), **extra):
    variables = {
        'osops_check_venvs_dir': str(tmp_path / 'venvs'),
        'osops_check_config_files': {'nova': [str(nova.conf)]},
        'osops_check_service_groups': {'nova': ['nova_conductor', 'nova_compute']},
        'ansible_python_interpreter': sys.executable,
        'osops_check_cluster': 'prod',
    }
    variables.update(extra)
    variables = dict((name, value) for name, value in variables.items() if value is not None)
    report = tmp_path / 'report.json'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_CALLBACKS_ENABLED='osops.lifecycle.check_table', ANSIBLE_SHOW_CUSTOM_STATS='1',
               ANSIBLE_NOCOLOR='1', OSOPS_CHECK_REPORT_PATH=str(report), HOME=str(tmp_path),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'))
    for name in [n for n in env if n.startswith('OS_')]:
        del env[name]
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, '-i', str(inventory), '-e', json.dumps(variables),
         playbook],
        env=env, capture_output=True, text=True, check=False, timeout=600)
    data = json.loads(report.read_text()) if report.exists() else None
    return proc, data


def results(report):
    return {(h['host'], p['project'], c['name']): c['result']
            for h in report['hosts'] for p in h['projects'] for c in p['checks']}


def api_task(stdout):
    """What the role's own task of API checks printed: skipped when the first host's batch ran them."""
    start = stdout.index('TASK [osops.lifecycle.check : API checks from the controller]')
    return stdout[start:stdout.index('TASK [', start + 1)]


@pytest.mark.parametrize('alongside', [True, False])
def test_every_check_runs_on_its_host_and_api_errors_do_not_stop_the_rest(cloud, tmp_path, alongside):
    # The API checks run beside the first host's batch (check_batch's controller_checks), or on their own:
    # the same report either way.
    proc, report = run(tmp_path, cloud, osops_check_target_release='2026.1', osops_check_api_alongside=alongside)
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert ('skipping: [controller]' in api_task(proc.stdout)) is alongside, api_task(proc.stdout)
    found = results(report)
    expected_success = [
        ('controller', 'nova', 'Policy File JSON to YAML Migration'),
        ('controller', 'nova', 'Service User Token Configuration'),
        ('controller', 'nova', 'Compute RPC version pin'),
        ('prod', 'nova', 'Cells v2'),
        ('prod', 'nova', 'Older than N-1 computes'),
        ('prod', 'nova', 'hw_machine_type unset'),
        ('prod', 'nova', 'Online data migrations'),
        ('prod', 'openstack', 'Upgrade path (SLURP)'),
        ('controller', 'nova-status', 'Cells v2'),  # the target release's tool, from nova-33.0.2
        ('controller', 'nova', 'Database and message queue reachable'),  # the SQLite databases of nova.conf
        ('compute1', 'nova', 'Policy File JSON to YAML Migration'),
        ('compute1', 'nova', 'Service User Token Configuration'),
        ('compute1', 'nova', 'Database and message queue reachable'),
    ]
    assert {key: found.get(key) for key in expected_success} == dict.fromkeys(expected_success, 'Success'), \
        proc.stdout[proc.stdout.find("This host's checks"):][:3000]
    api = {key: value for key, value in found.items() if key[0] == 'prod' and value != 'Success'}
    assert set(api.values()) == {'Error'} and len(api) == 6
    assert not [key for key in found if key[0] == 'localhost']  # the API checks are the cloud's
    # The table: the cloud's nova checks in nova-status's order, ours after; each host's own after
    # (prod: osops_check_cluster, see run(); without it osops_check_cloud names the cloud)
    titles = [line for line in proc.stdout.splitlines() if re.match(r'^[a-z-]+ on [a-z0-9 ]+: [A-Z][a-z]+$', line)]
    assert titles == ['nova on cloud prod: Error', 'neutron on cloud prod: Error', 'cinder on cloud prod: Error',
                      'openstack on cloud prod: Success', 'nova on controller: Success',
                      'nova-status on controller: Success', 'nova on compute1: Success'], titles
    cloud_nova = [p for h in report['hosts'] if h['host'] == 'prod' for p in h['projects'] if p['project'] == 'nova']
    assert [c['name'] for c in cloud_nova[0]['checks']] == [
        'Cells v2', 'Placement API', 'Cinder API', 'Older than N-1 computes', 'hw_machine_type unset',
        'Services up and enabled', 'Instances in transitional states', 'Online data migrations']
    (controller,) = [h for h in report['hosts'] if h['host'] == 'controller']
    assert [c['name'] for c in controller['projects'][0]['checks']] == [
        'Policy File JSON to YAML Migration', 'Service User Token Configuration', 'Compute RPC version pin',
        'Database and message queue reachable']
    assert (report['code'], report['counts']['Success']) == (255, 13)
    assert 'Not ready to upgrade: Error (code 255)' in proc.stdout
    assert '"osops_check": {' in proc.stdout  # set_stats for AWX
    assert 'Overall upgrade check result: Error (code 255)' in proc.stdout
    assert upgrade_path(report)['details'].endswith(
        "Current release 2025.1: from nova's database: the lowest service version of nova's "
        "control services is 68 (service version 68 is 2025.1's (measured); 2024.2's is not "
        'measured and may be the same number).')


def test_the_api_checks_run_on_their_own_when_the_first_hosts_batch_fails(cloud, tmp_path):
    # The controller carries the API checks (the play's first host); its batch fails (nova's interpreter exits
    # at once), and the role's own task runs them: each once, under the cloud, beside the controller's Error.
    broken = tmp_path / 'broken-python'
    broken.write_text('#!/bin/sh\nexit 3\n')
    broken.chmod(0o755)
    inventory = tmp_path / 'inventory.ini'  # the interpreter as an inventory variable: the role's task vars win
    inventory.write_text(open(os.path.join(TARGET, 'inventory.ini'), encoding='utf-8').read()
                         + 'ansible_python_interpreter=%s\n' % sys.executable)
    proc, report = run(tmp_path, cloud, inventory=inventory, ansible_python_interpreter=None,
                       osops_check_target_release='2026.1', osops_check_nova_python=str(broken))
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert 'skipping' not in api_task(proc.stdout) and 'ok: [compute1 -> localhost]' in api_task(proc.stdout)
    found = results(report)
    api = {key: value for key, value in found.items() if key[0] == 'prod'}
    assert set(api.values()) == {'Error'} and len(api) == 6, api  # nova's database checks ran on the controller
    rows = [(h['host'], p['project'], c['name']) for h in report['hosts'] for p in h['projects'] for c in p['checks']]
    assert len(rows) == len(set(rows)), rows
    assert [key for key in found if key[0] == 'controller'] == [('controller', 'ansible', 'Tasks completed')]
    assert found[('compute1', 'nova', 'Policy File JSON to YAML Migration')] == 'Success'


def test_target_rules_old_computes_and_upgrade_path(cloud, tmp_path):
    # A 2025.1 cloud (only its venv installed): its computes (68) cannot run
    # under 2026.2, and 2025.1 -> 2026.2 skips a SLURP release.
    shutil.rmtree(tmp_path / 'venvs' / 'nova-33.0.2')
    proc, report = run(tmp_path, cloud, osops_check_target_release='2026.2')
    found = results(report)
    assert found[('prod', 'nova', 'Older than N-1 computes')] == 'Failure'
    assert found[('prod', 'openstack', 'Upgrade path (SLURP)')] == 'Failure'
    assert ('controller', 'nova-status', 'Cells v2') not in found  # no 2026.2 venv installed
    assert proc.returncode == 2


def test_unknown_target_release_stops_before_any_check(cloud, tmp_path):
    proc, report = run(tmp_path, cloud, osops_check_target_release='2031.7')
    assert proc.returncode == 2
    assert "Unknown OpenStack release '2031.7'; known releases: " in proc.stdout
    # No check ran; the report says why instead of looking empty (and ready).
    assert results(report) == {('controller', 'ansible', 'Tasks completed'): 'Error'}
    (row,) = [c for h in report['hosts'] for p in h['projects'] for c in p['checks']]
    assert row['details'].startswith(
        'Task "osops.lifecycle.check : Read the target release (an unknown one fails here, '
        'naming the known ones)" failed on controller: ')
    assert "Unknown OpenStack release '2031.7'" in row['details']
    assert report['code'] == 255


def test_current_release_given_overrides_the_database(cloud, tmp_path):
    sql(cloud.cell1, 'UPDATE services SET version = 72')  # the database would say 2026.1
    proc, report = run(tmp_path, cloud, osops_check_target_release='2026.2',
                       osops_check_current_release='2025.1')
    assert results(report)[('prod', 'openstack', 'Upgrade path (SLURP)')] == 'Failure'
    (path,) = [c for h in report['hosts'] for p in h['projects'] for c in p['checks']
               if c['name'] == 'Upgrade path (SLURP)']
    assert path['details'].startswith('2025.1 → 2026.2 skips 2026.1 (SLURP)')
    assert path['details'].endswith('Current release 2025.1: given (osops_check_current_release).')
    assert proc.returncode == 2


def upgrade_path(report):
    (check,) = [c for h in report['hosts'] for p in h['projects'] for c in p['checks']
                if c['name'] == 'Upgrade path (SLURP)']
    return check


def sql(url, statement):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement))


def test_current_release_comes_from_the_database_not_a_lingering_venv(cloud, tmp_path):
    # The cloud runs 2026.1 (every service writes 72) from a venv whose name
    # is not a version; 2025.1's venv (nova-31.3.1) lingers. The venv guess
    # would say 2025.1, and 2025.1 -> 2026.2 skips a SLURP release; the
    # database says 2026.1, one release from 2026.2.
    sql(cloud.cell1, 'UPDATE services SET version = 72')
    shutil.rmtree(tmp_path / 'venvs' / 'nova-33.0.2')
    proc, report = run(tmp_path, cloud, osops_check_target_release='2026.2')
    check = upgrade_path(report)
    assert check['result'] == 'Success', proc.stdout[-3000:]
    assert check['details'] == (
        '2026.1 → 2026.2 is one release forward (N→N+1). Current release 2026.1: '
        "from nova's database: the lowest service version of nova's control services is 72.")
    assert results(report)[('prod', 'nova', 'Older than N-1 computes')] == 'Success'


def test_the_venv_stands_in_when_the_database_tells_no_release(cloud, tmp_path):
    # No control service has recorded a version yet: the newest nova venv
    # older than the target (nova-31.3.1, 2025.1) is the current release.
    sql(cloud.cell1, "UPDATE services SET version = NULL WHERE \"binary\" = 'nova-conductor'")
    proc, report = run(tmp_path, cloud, osops_check_target_release='2026.1')
    check = upgrade_path(report)
    assert check['result'] == 'Success', proc.stdout[-3000:]
    assert check['details'].endswith(
        'Current release 2025.1: from the newest nova venv under %s older than the target '
        "(nova-31.3.1), because nova's database gave no release: no live nova-conductor, "
        'nova-scheduler, nova-osapi_compute service with a version in the database.'
        % (tmp_path / 'venvs'))


def closed_port():
    """A loopback TCP port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_unreachable_host_is_an_error_row_and_the_rest_is_reported(cloud, tmp_path):
    # compute2 is a nova compute reached over SSH on a loopback port nobody
    # listens on: Ansible cannot reach it.
    port = closed_port()
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(
        open(os.path.join(TARGET, 'inventory.ini'), encoding='utf-8').read().replace(
            '[nova_compute]\ncompute1\n',
            '[nova_compute]\ncompute1\ncompute2 ansible_connection=ssh ansible_host=127.0.0.1 '
            'ansible_port=%d ansible_timeout=5 ansible_ssh_retries=0 '
            "ansible_ssh_common_args='-o BatchMode=yes -o ConnectTimeout=5 "
            "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n" % port))
    proc, report = run(tmp_path, cloud, inventory=inventory, osops_check_target_release='2026.1')
    assert proc.returncode == 4, proc.stdout[-3000:]  # ansible-playbook's code for unreachable hosts

    found = results(report)
    assert found[('compute2', 'ansible', 'Host reachable')] == 'Error', proc.stdout[-3000:]
    (row,) = [c for h in report['hosts'] if h['host'] == 'compute2'
              for p in h['projects'] for c in p['checks']]
    assert (row['code'], row['duration']) == (255, None)
    # the first task that goes to the host: the listing of its venvs
    assert row['details'].startswith('Ansible could not reach compute2 (task "osops.lifecycle.check : The environments of '
                                     'this host and the versions its services run"): ')
    assert 'port %d: Connection refused' % port in row['details']

    # Every other host's checks are still there, as without compute2.
    for key in [('prod', 'nova', 'Cells v2'), ('prod', 'nova', 'Older than N-1 computes'),
                ('prod', 'openstack', 'Upgrade path (SLURP)'),
                ('controller', 'nova-status', 'Cells v2'),
                ('compute1', 'nova', 'Policy File JSON to YAML Migration'),
                ('compute1', 'nova', 'Service User Token Configuration')]:
        assert found[key] == 'Success', key
    assert (report['code'], report['result']) == (255, 'Error')
    assert (report['counts']['Success'], report['counts']['Error']) == (13, 7)
    with open(os.path.join(ROOT, 'docs', 'schemas', 'check-report.schema.json'), encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))

    # The table the callback prints has the row; the role's summary (set_stats)
    # counts the host that left the play, and the play is not ready.
    assert 'ansible on compute2: Error' in proc.stdout
    assert '| Check: Host reachable' in proc.stdout
    assert 'Overall upgrade check result: Error (code 255)' in proc.stdout
    assert 'compute2 left the play before its checks finished' in proc.stdout  # set_stats
    assert 'Not ready to upgrade: Error (code 255)' in proc.stdout


def test_the_role_twice_in_a_play_reports_each_run_alone(cloud, tmp_path):
    # As an upgrade's readiness checks run it, before and after: the second report holds the second
    # run's results only - nothing of the first, which said Success where the second says Failure.
    reports = tmp_path / 'reports.json'
    proc = run(tmp_path, cloud, playbook=os.path.join(TARGET, 'twice.yml'), osops_check_target_release='2026.1',
               nova_conf=str(cloud.conf), reports_path=str(reports))[0]
    assert proc.returncode == 0, proc.stdout[-3000:]
    both = json.loads(reports.read_text())
    first, second = results(both['first']), results(both['second'])
    rows = [sum(len(p['checks']) for h in report['hosts'] for p in h['projects']) for report in both.values()]
    assert rows[0] == rows[1] == len(first) == len(second), rows  # no row twice
    token = [('controller', 'nova', 'Service User Token Configuration'),
             ('compute1', 'nova', 'Service User Token Configuration')]
    assert [first[key] for key in token] == ['Success', 'Success']
    assert [second[key] for key in token] == ['Failure', 'Failure']
    assert {k: v for k, v in second.items() if k not in token} == {k: v for k, v in first.items() if k not in token}
    assert (both['first']['counts']['Failure'], both['second']['counts']['Failure']) == (0, 2)
