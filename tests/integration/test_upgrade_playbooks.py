"""The upgrade verbs as playbooks (Kostyor's upgrade-status, list-upgrades, upgrade-pause, upgrade-cancel).

A real ansible-playbook run of each against a SQLite store holding a planned
upgrade; what they change is read back from the store directly.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine, upgrades

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
VERSIONS = {'keystone': '27.1.0', 'glance': '30.2.0', 'placement': '13.0.1', 'nova': '31.3.1', 'neutron': '26.0.6'}


def _component(binary, host, zone=None):
    service = 'placement' if binary == 'placement-api' else binary.split('-')[0]
    return {'service': service, 'binary': binary, 'host': host, 'state': 'up', 'release': '2025.1',
            'version': VERSIONS[service], 'extra': {'zone': zone} if zone else {}}


@pytest.fixture
def lab(tmp_path):
    """Environment, inventory and a store holding cluster lab (2025.1: a controller, two computes)."""
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
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


def module(lab, name, **args):
    proc = subprocess.run([os.path.join(BIN, 'ansible'), 'localhost', '-i', lab['inventory'], '-m',
                           'osops.lifecycle.%s' % name, '-a', json.dumps(dict(args, store=lab['url']))],
                          env=lab['env'], capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc


def playbook(lab, name, **variables):
    variables = dict({'osops_upgrade_store': lab['url']}, **variables)
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', lab['inventory'], '-e', json.dumps(variables),
                           os.path.join(ROOT, 'playbooks', '%s.yml' % name)],
                          env=lab['env'], capture_output=True, text=True, check=False, timeout=300)


def printed(proc):
    """The lines the playbook's last debug task printed."""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    start = proc.stdout.rindex('"msg": [')
    return json.loads(proc.stdout[start + len('"msg": '):proc.stdout.index(']', start) + 1])


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
    assert lines[0] == 'Upgrade %s of lab: 2025.1 -> 2026.1, pending (started by ops@bastion)' % upgrade['id']
    assert lines[1].startswith('Phase prepare, batch 1 of ') and 'step 1 of %d' % upgrade['steps_total'] in lines[1]
    assert 'Hosts upgraded: 0 of 3' in lines and 'nova: 31.3.1 on 3 hosts' in lines
    assert printed(playbook(lab, 'upgrade_status', osops_upgrade_id=upgrade['id'])) == lines

    module(lab, 'upgrade_step', cluster='lab', state='claimed')  # the upgrade runs its first batch
    paused = printed(playbook(lab, 'upgrade_pause', osops_upgrade_cluster='lab'))
    assert paused[0].endswith('running → paused.') and ', paused (started by ops@bastion)' in paused[1]
    assert [u['status'] for u in stored(lab)] == ['paused']
    again = playbook(lab, 'upgrade_pause', osops_upgrade_id=upgrade['id'])
    assert ', paused (started by' in printed(again)[1] and 'changed=0' in again.stdout
    assert [u['status'] for u in stored(lab)] == ['paused']

    cancelled = printed(playbook(lab, 'upgrade_cancel', osops_upgrade_cluster='lab'))
    assert cancelled[1].startswith('Upgrade %s of lab: 2025.1 -> 2026.1, cancel' % upgrade['id'])
    assert stored(lab)[0]['status'] in ('cancelling', 'cancelled')
    assert printed(playbook(lab, 'upgrades')) == [cancelled[1]]
