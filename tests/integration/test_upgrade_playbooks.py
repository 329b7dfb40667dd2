"""Kostyor's verbs as playbooks: upgrade-status, list-upgrades, upgrade-pause, upgrade-cancel; cluster-status,
cluster-component-list, list-upgrade-versions, list-discovery-methods, check-upgrade; and Fenix's list, get
and delete of maintenance sessions.

A real ansible-playbook run of each against a SQLite store holding a planned
upgrade; what they change is read back from the store directly.  Two
upgrade.yml runs starting an upgrade of the same cluster at once, on SQLite
and on PostgreSQL (the ``postgres`` fixture of tests/conftest.py): exactly
one is recorded.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.workflow import lay_out
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine, sessions, upgrades

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
VERSIONS = {'keystone': '27.1.0', 'glance': '30.2.0', 'placement': '13.0.1', 'nova': '31.3.1', 'neutron': '26.0.6'}


def _component(binary, host, zone=None):
    service = 'placement' if binary == 'placement-api' else binary.split('-')[0]
    return {'service': service, 'binary': binary, 'host': host, 'state': 'up', 'release': '2025.1',
            'version': VERSIONS[service], 'extra': {'zone': zone} if zone else {}}


def _lab(tmp_path, url):
    """Environment, inventory and a store at ``url`` holding cluster lab (2025.1: a controller, two computes)."""
    store = engine.open_store(url)
    try:
        clusters.upsert_cluster(
            store, 'lab', 'openstack_api',
            hosts=[{'name': name, 'roles': [role]} for name, role in
                   (('controller', 'control'), ('compute1', 'compute'), ('compute2', 'compute'))],
            components=[_component(b, '') for b in ('keystone', 'glance-api', 'placement-api', 'nova-api',
                                                    'neutron-server')]
            + [_component('nova-conductor', 'controller', 'internal'), _component('nova-compute', 'compute1', 'nova'),
               _component('nova-compute', 'compute2', 'nova')])
    finally:
        store.close()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default')
    env.pop('OSOPS_STORE_URL', None)
    inventory = tmp_path / 'controller.ini'
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return {'url': url, 'env': env, 'inventory': str(inventory)}


@pytest.fixture
def lab(tmp_path):
    """Cluster lab in a SQLite store."""
    return _lab(tmp_path, 'sqlite:///%s' % (tmp_path / 'store.db'))


@pytest.fixture(params=['sqlite', 'postgresql'])
def lab_any(request, tmp_path):
    """Cluster lab in a SQLite store, and in a PostgreSQL one."""
    if request.param == 'sqlite':
        return _lab(tmp_path, 'sqlite:///%s' % (tmp_path / 'store.db'))
    return _lab(tmp_path, request.getfixturevalue('postgres').empty_database())


def module(lab, name, **args):
    proc = subprocess.run([os.path.join(BIN, 'ansible'), 'localhost', '-i', lab['inventory'], '-m',
                           'osops.lifecycle.%s' % name, '-a', json.dumps(dict(args, store=lab['url']))],
                          env=lab['env'], capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc


def playbook(lab, name, **variables):
    variables = dict({'osops_upgrade_store': lab['url'], 'osops_store': lab['url'],
                      'osops_maintenance_store': lab['url']}, **variables)
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', lab['inventory'], '-e', json.dumps(variables),
                           os.path.join(ROOT, 'playbooks', '%s.yml' % name)],
                          env=lab['env'], capture_output=True, text=True, check=False, timeout=300)


def printed(proc):
    """The lines the playbook's last debug task printed."""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    start = proc.stdout.rindex('"msg": [')
    return json.JSONDecoder().raw_decode(proc.stdout[start + len('"msg": '):])[0]


def stored(lab):
    store = engine.open_store(lab['url'])
    try:
        return upgrades.list_upgrades(store, 'lab')
    finally:
        store.close()


def test_status_list_pause_and_cancel(lab):
    assert printed(playbook(lab, 'upgrades')) == ['No upgrade in the store.']
    missing = playbook(lab, 'upgrade_status', osops_upgrade_cluster='lab')
    assert missing.returncode != 0 and 'No upgrade found for lab' in missing.stdout

    module(lab, 'upgrade', cluster='lab', target_release='2026.1', started_by='ops@bastion')
    (upgrade,) = stored(lab)
    lines = printed(playbook(lab, 'upgrade_status', osops_upgrade_cluster='lab'))
    shown = dict(table(lines))
    assert shown.pop('Field') == 'Value'
    assert {key: shown[key] for key in ('upgrade', 'cluster', 'releases', 'status', 'started by', 'step')} == {
        'upgrade': upgrade['id'], 'cluster': 'lab', 'releases': '2025.1 -> 2026.1', 'status': 'pending',
        'started by': 'ops@bastion', 'step': '1 of %d' % upgrade['steps_total']}
    assert shown['phase'].startswith('prepare, batch 1 of ')
    assert shown['hosts upgraded'] == '0 of 3' and shown['nova'] == '31.3.1 on 3 hosts'
    assert printed(playbook(lab, 'upgrade_status', osops_upgrade_id=upgrade['id'])) == lines
    # both set (the cluster in a vars file, the id on the command line): the id names the upgrade
    assert printed(playbook(lab, 'upgrade_status', osops_upgrade_id=upgrade['id'], osops_upgrade_cluster='old')) == lines

    module(lab, 'upgrade_step', cluster='lab', state='claimed')  # the upgrade runs its first batch
    paused = printed(playbook(lab, 'upgrade_pause', osops_upgrade_cluster='lab'))
    assert paused[0].endswith('running → paused.') and ['status', 'paused'] in table(paused[1:])
    assert [u['status'] for u in stored(lab)] == ['paused']
    again = playbook(lab, 'upgrade_pause', osops_upgrade_id=upgrade['id'], osops_upgrade_cluster='lab')
    assert ['status', 'paused'] in table(printed(again)) and 'changed=0' in again.stdout
    assert [u['status'] for u in stored(lab)] == ['paused']

    cancelled = printed(playbook(lab, 'upgrade_cancel', osops_upgrade_cluster='lab'))
    assert ['upgrade', upgrade['id']] in table(cancelled[1:])
    assert dict(table(cancelled[1:]))['status'] in ('cancelling', 'cancelled')
    assert stored(lab)[0]['status'] in ('cancelling', 'cancelled')
    listed = table(printed(playbook(lab, 'upgrades')))
    assert listed[0] == ['upgrade', 'cluster', 'from', 'to', 'status', 'steps', 'started by', 'started', 'finished']
    (row,) = listed[1:]
    assert row[:5] == [upgrade['id'], 'lab', '2025.1', '2026.1', stored(lab)[0]['status']]
    assert row[5].startswith('done: ') or row[5].startswith('pending: ')
    assert row[6] == 'ops@bastion' and row[8] in ('-', stored(lab)[0]['finished_at'])


def table(lines):
    """The rows of a table the table filter printed, each a list of its cells (a wrapped row's lines joined)."""
    rows = []
    for line in lines:
        if not line.startswith('|'):
            continue
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        if rows and cells[0] == '':  # the continuation of a wrapped row
            rows[-1] = [(old + ' ' + new).strip() for old, new in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return rows


def test_cluster_verbs_as_playbooks(lab):
    status = table(printed(playbook(lab, 'cluster_status', osops_cluster='lab')))
    assert status[0] == ['cluster', 'state', 'why', 'release', 'hosts', 'upgrade', 'discovered']
    assert status[1][:6] == ['lab', 'active', '-', '2025.1', '3', '-']
    assert printed(playbook(lab, 'check_upgrade', osops_cluster='lab')) == ['No upgrade of lab in progress.']

    components = table(printed(playbook(lab, 'cluster_components', osops_cluster='lab', osops_target_release='2026.1')))
    assert components[0] == ['service', 'binary', 'hosts', 'versions', 'releases', 'can upgrade', 'why']
    (compute,) = [row for row in components if row[1] == 'nova-compute']
    assert compute[:6] == ['nova', 'nova-compute', 'compute1, compute2', '31.3.1', '2025.1', 'yes'], compute
    assert '2026.1' in compute[6], compute
    assert len(components) == 1 + 7  # five APIs, nova-conductor, nova-compute

    versions = printed(playbook(lab, 'upgrade_versions', osops_cluster='lab'))
    assert versions[0].startswith('From 2025.1: ')
    rows = dict((row[0], row) for row in table(versions[1:])[1:])
    assert rows['2026.1'][1:4] == ['gazpacho', 'yes', 'yes'] and rows['2025.2'][3] == 'yes'
    assert rows['2026.2'][3] == 'no' and 'skips 2026.1' in rows['2026.2'][4]

    methods = table(printed(playbook(lab, 'discovery_methods')))
    assert [row[0] for row in methods[1:]] == ['ansible_inventory', 'kolla_ansible', 'openstack_ansible', 'openstack_api']
    assert 'inventory' in methods[3][1].split(', ')

    module(lab, 'upgrade', cluster='lab', target_release='2026.1', started_by='ops@bastion')
    (upgrade,) = stored(lab)
    started = printed(playbook(lab, 'check_upgrade', osops_cluster='lab'))
    assert started[0].startswith('Upgrade of lab in progress')
    assert table(started[1:])[1] == [upgrade['id'], '2025.1', '2026.1', 'pending']
    assert table(printed(playbook(lab, 'cluster_status', osops_cluster='lab')))[1][5] == upgrade['id']

    unknown = playbook(lab, 'cluster_status', osops_cluster='nowhere')
    assert unknown.returncode != 0 and 'No cluster nowhere in the store: discover it first' in unknown.stdout


def test_maintenance_list_get_and_delete(lab):
    assert printed(playbook(lab, 'maintenance_list')) == ['No maintenance session in the store.']
    store = engine.open_store(lab['url'])
    try:
        created = sessions.create_session(store, 'lab', [{'host': 'compute1', 'batch': 1}, {'host': 'compute2', 'batch': 2}],
                                          steps=lay_out('default', [['compute1'], ['compute2']], [], []))
    finally:
        store.close()
    listed = table(printed(playbook(lab, 'maintenance_list', osops_maintenance_cluster='lab')))
    assert listed[0] == ['session', 'cluster', 'state', 'workflow', 'at', 'updated']
    assert listed[1][:4] == [created['id'], 'lab', 'MAINTENANCE', 'default'] and len(listed) == 2

    shown = printed(playbook(lab, 'maintenance_get', osops_maintenance_session_id=created['id']))
    # two tables: the session's, then its steps' (from the border above their header)
    split = next(index for index, line in enumerate(shown) if line.startswith('| step ')) - 1
    session_rows, step_rows = shown[:split], shown[split:]
    assert table(session_rows)[1][:3] == [created['id'], 'lab', 'MAINTENANCE']
    steps = table(step_rows)
    assert steps[0][:7] == ['step', 'phase', 'batch', 'host', 'action', 'plugin', 'status']
    assert [row[3] for row in steps[1:] if row[4] == 'disable'] == ['compute1', 'compute2']
    assert {row[6] for row in steps[1:]} == {'pending'} and len(steps) - 1 == len(created['steps'])

    refused = playbook(lab, 'maintenance_delete', osops_maintenance_session_id=created['id'])
    assert refused.returncode != 0 and 'is MAINTENANCE, not finished: continue it, or delete it with force=true' in refused.stdout, refused.stdout[-1500:]
    assert len(table(printed(playbook(lab, 'maintenance_list')))) == 2  # nothing deleted
    deleted = printed(playbook(lab, 'maintenance_delete', osops_maintenance_session_id=created['id'],
                               osops_maintenance_force=True))
    assert created['id'] in deleted[0]
    assert printed(playbook(lab, 'maintenance_list')) == ['No maintenance session in the store.']
    missing = playbook(lab, 'maintenance_get', osops_maintenance_session_id=created['id'])
    assert missing.returncode != 0 and 'No maintenance session %s in the store' % created['id'] in missing.stdout


# The controller's Python for the role's controller tasks (osops_upgrade_controller_python), holding
# each module at the store's create_upgrade until both runs are there: both have looked for an active
# upgrade of the cluster and found none, so the database's one-active-upgrade constraint decides,
# every run. (A start that comes a moment later finds the winner's upgrade instead: the same target
# returns it unchanged, which is how a run again continues an upgrade.)
BARRIER_PYTHON = r"""#!%(python)s
import os, runpy, sys, time

def _wait_for_both(frame, event, _arg):
    code = frame.f_code
    if event == 'call' and code.co_name == 'create_upgrade' and code.co_filename.endswith('/_store/upgrades.py'):
        sys.setprofile(None)
        open(os.path.join(%(barrier)r, str(os.getpid())), 'w').close()
        deadline = time.monotonic() + 60
        while len(os.listdir(%(barrier)r)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)

sys.setprofile(_wait_for_both)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _failure(stdout, task):
    """The result of the failed task ``task`` (the JSON the default callback printed after its fatal line)."""
    block = stdout[stdout.index('TASK [osops.lifecycle.upgrade : %s' % task):]
    line = block[block.index('FAILED! => ') + len('FAILED! => '):]
    return json.JSONDecoder().raw_decode(line)[0]


def test_two_upgrades_started_at_once_exactly_one_wins(lab_any, tmp_path):
    barrier = tmp_path / 'barrier'
    barrier.mkdir()
    python = tmp_path / 'barrier-python'
    python.write_text(BARRIER_PYTHON % {'python': sys.executable, 'barrier': str(barrier)})
    python.chmod(0o755)
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', lab_any['inventory'], '-e', json.dumps({
        'osops_upgrade_store': lab_any['url'], 'osops_upgrade_cluster': 'lab', 'osops_upgrade_target_release': '2026.1',
        'osops_upgrade_controller_python': str(python)}), os.path.join(ROOT, 'playbooks', 'upgrade.yml')]
    began = time.monotonic()
    runs = [subprocess.Popen(command, env=lab_any['env'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _run in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    took = time.monotonic() - began
    assert len(os.listdir(barrier)) == 2, outputs  # both reached the write, neither had seen an upgrade

    (upgrade,) = stored(lab_any)
    upgrade_id = upgrade['id']
    won = [out for out in outputs if 'TASK [osops.lifecycle.upgrade : Note the upgrade and its batches]' in out]
    lost = [out for out in outputs if out not in won]
    assert len(won) == 1 and len(lost) == 1, outputs
    start = 'TASK [osops.lifecycle.upgrade : Start the upgrade to 2026.1]'
    assert won[0][won[0].index(start):].split('\n')[1] == 'changed: [localhost]'
    # The winner went on past the start, to the check that every host of the plan is in the play
    # (this play has only the controller: no real cloud here), and stopped there.
    assert 'The plan of upgrade %s has steps on compute1, compute2, controller' % upgrade_id in won[0]
    # The loser stopped at the start, naming the winner's upgrade and how to go on.
    refused = _failure(lost[0], 'Start the upgrade to 2026.1')
    assert refused['msg'].startswith('Cluster lab already has an active upgrade: %s (2025.1 → 2026.1, status '
                                     'pending, started by ' % upgrade_id), refused
    for how in ('upgrade_status', 'upgrade_continue', 'upgrade_cancel'):
        assert 'ansible-playbook osops.lifecycle.%s -e osops_upgrade_id=%s' % (how, upgrade_id) in refused['msg']
    assert refused['upgrade_id'] == upgrade_id and refused['status'] == 'pending'
    assert lost[0].count('FAILED!') == 1 and 'failed=1' in lost[0]
    assert all('Traceback' not in out for out in outputs)

    # Nothing half-written: one upgrade, still pending, and only its own plan's steps.
    db = sa.create_engine(lab_any['url'])
    try:
        with db.connect() as connection:
            assert connection.execute(sa.text('SELECT id, status FROM upgrades')).fetchall() == [(upgrade_id, 'pending')]
            assert connection.execute(sa.text(
                'SELECT upgrade_id, count(*), min(position), max(position) FROM upgrade_steps GROUP BY upgrade_id')
            ).fetchall() == [(upgrade_id, upgrade['steps_total'], 1, upgrade['steps_total'])]
    finally:
        db.dispose()
    assert took < 60, took
