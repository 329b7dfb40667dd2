"""playbooks/discover.yml in a real ansible-playbook run, then the cluster inventory plugin.

openstack-ansible's method on a fixture inventory, into a SQLite store in
tmp_path: check mode predicts without writing, the first run records, the
second changes nothing; then ``ansible-inventory`` reads the cluster back
through ``osops.lifecycle.cluster``.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import printed, table

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'discovery', 'openstack_inventory.json')


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default', ANSIBLE_SHOW_CUSTOM_STATS='1')
    env.pop('OSOPS_STORE_URL', None)
    return env


def playbook(tmp_path, env, *extra):
    inventory = tmp_path / 'controller.ini'
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    variables = {'osops_discover_cluster': 'osa-prod', 'osops_discover_method': 'openstack_ansible',
                 'osops_discover_params': {'inventory': FIXTURE},
                 'osops_discover_store': 'sqlite:///%s' % (tmp_path / 'store.db')}
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), '-e', json.dumps(variables),
                           os.path.join(ROOT, 'playbooks', 'discover.yml')] + list(extra),
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def plain(value):
    """ansible-inventory marks values from inventory sources untrusted ({"__ansible_unsafe": ...})."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def recap(proc):
    line = next(line for line in proc.stdout.splitlines() if line.startswith('localhost ') and 'ok=' in line)
    return dict(item.split('=') for item in line.split(':', 1)[1].split())


def test_discover_playbook_then_the_inventory_plugin(tmp_path, env):
    check = playbook(tmp_path, env, '--check')
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
    assert recap(check)['changed'] == '1'
    assert not (tmp_path / 'store.db').exists()  # check mode created nothing

    first = playbook(tmp_path, env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert recap(first)['changed'] == '1'
    shown = table(printed(first))
    assert shown[:3] + shown[4:] == [['Field', 'Value'], ['cluster', 'osa-prod'], ['state', 'active'],
                                     ['hosts', '14 (added 14, removed 0, changed 0)'],
                                     ['components', '22 (added 22, removed 0, changed 0)']]
    assert shown[3][0] == 'release' and shown[3][1].startswith('unknown (mixed releases: 2025.1'), shown
    assert '"osops_discover": {' in first.stdout  # set_stats for AWX

    second = playbook(tmp_path, env)
    assert second.returncode == 0 and recap(second)['changed'] == '0', second.stdout[-3000:]
    assert table(printed(second))[4:] == [['hosts', '14 (added 0, removed 0, changed 0)'],
                                          ['components', '22 (added 0, removed 0, changed 0)']]

    config = tmp_path / 'prod.osops_cluster.yml'
    config.write_text('plugin: osops.lifecycle.cluster\ncluster: osa-prod\nstore: sqlite:///%s\n'
                      % (tmp_path / 'store.db'))
    listed = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', str(config), '--list'],
                            env=env, capture_output=True, text=True, check=False, timeout=120)
    assert listed.returncode == 0, listed.stderr
    inventory = json.loads(listed.stdout)
    assert inventory['nova_compute']['hosts'] == ['compute1', 'compute2']
    assert inventory['role_compute']['hosts'] == ['compute1', 'compute2']
    assert 'infra1' in inventory['role_control']['hosts']
    assert set(inventory['cluster_osa_prod']['children']) >= {'nova_compute', 'nova_conductor', 'service_nova',
                                                              'role_compute', 'role_control', 'keystone'}
    assert len(inventory['service_nova']['hosts']) == 4  # two api containers, two computes
    compute2 = plain(inventory['_meta']['hostvars']['compute2'])
    assert compute2['ansible_host'] == '127.29.236.22' and compute2['osops_cluster'] == 'osa-prod'
    assert {'service': 'nova', 'binary': 'nova-compute', 'version': None, 'release': '2025.2',
            'state': None} in compute2['osops_components']

    unknown = tmp_path / 'other.osops_cluster.yml'
    unknown.write_text('plugin: osops.lifecycle.cluster\ncluster: nope\nstore: sqlite:///%s\n'
                       % (tmp_path / 'store.db'))
    refused = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', str(unknown), '--list'],
                             env=dict(env, ANSIBLE_INVENTORY_UNPARSED_FAILED='1'),
                             capture_output=True, text=True, check=False, timeout=120)
    assert refused.returncode != 0 and "no cluster named 'nope' in the store" in refused.stderr
