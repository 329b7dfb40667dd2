"""playbooks/discover.yml with osops_discover_host_versions, in a real ansible-playbook run.

An inventory with openstack-ansible's (underscored) group names, as the lab
writes it; every host is local (``ansible_connection=local``) and reads its
own fake /proc (``osops_discover_proc_path``).  compute2 was restarted on the
previous release's venv: service_version_info reads it from the process
command lines, the ansible_inventory method records it, and
cluster_component_info reports nova-compute mixed and not upgradable.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.osops.lifecycle.tests.integration.test_upgrade_playbooks import printed, table

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
VENVS = '/openstack/venvs'
GROUPS = {'nova_compute': 'nova-compute', 'nova_conductor': 'nova-conductor',
          'nova_api_os_compute': 'nova-api', 'keystone_all': 'keystone', 'placement_all': 'placement-api'}
PROCESSES = {
    'controller1': [
        ('%s/nova-32.2.1/bin/python3' % VENVS, '%s/nova-32.2.1/bin/nova-conductor' % VENVS, '--config-file',
         '/etc/nova/nova.conf'),
        ('%s/nova-32.2.1/bin/uwsgi' % VENVS, '--ini', '/etc/nova/nova-api-uwsgi.ini'),
        ('%s/keystone-28.0.0/bin/uwsgi' % VENVS, '--ini', '/etc/keystone/keystone-uwsgi.ini'),
        ('%s/placement-14.0.0/bin/uwsgi' % VENVS, '--ini', '/etc/placement/placement-uwsgi.ini'),
        ('/usr/sbin/mariadbd', '--defaults-file=/etc/mysql/my.cnf'),
    ],
    'compute1': [('%s/nova-32.2.1/bin/python3' % VENVS, '%s/nova-32.2.1/bin/nova-compute' % VENVS)],
    # restarted on the old venv, still installed beside the new one
    'compute2': [('%s/nova-31.3.1/bin/nova-compute' % VENVS, '--config-file', '/etc/nova/nova.conf')],
}


@pytest.fixture
def env(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default')
    env.pop('OSOPS_STORE_URL', None)
    return env


def fake_proc(root, processes):
    root.mkdir()
    for pid, args in enumerate(processes, start=100):
        (root / str(pid)).mkdir()
        (root / str(pid) / 'cmdline').write_bytes(b''.join(arg.encode() + b'\0' for arg in args))
    return str(root)


def lab_like_inventory(tmp_path):
    """The lab's inventory.yml shape; compute3's /proc cannot be read, spare1 cannot be reached."""
    hosts = {}
    for host, processes in PROCESSES.items():
        hosts[host] = {'osops_discover_proc_path': fake_proc(tmp_path / ('proc-' + host), processes)}
    hosts['compute3'] = {'osops_discover_proc_path': str(tmp_path / 'proc-compute3')}
    # in no service group, and unreachable: nothing listens on port 1
    hosts['spare1'] = {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1}
    members = {'nova_compute': ['compute1', 'compute2', 'compute3']}
    children = dict((group, {'hosts': dict((h, None) for h in members.get(group, ['controller1']))})
                    for group in GROUPS)
    children['compute_hosts'] = {'hosts': dict((h, None) for h in members['nova_compute'])}
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                                  'ansible_ssh_common_args': '-o ConnectTimeout=5 -o BatchMode=yes'},
                         'hosts': hosts, 'children': children}}
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    return str(path)


def run(tmp_path, env, *argv):
    return subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]), env=env, capture_output=True, text=True,
                          check=False, timeout=300)


def test_versions_read_from_the_hosts_show_a_mixed_nova_compute(tmp_path, env):
    inventory = lab_like_inventory(tmp_path)
    store = 'sqlite:///%s' % (tmp_path / 'store.db')
    variables = {'osops_discover_cluster': 'lab', 'osops_discover_method': 'ansible_inventory',
                 'osops_discover_host_versions': True, 'osops_discover_store': store,
                 'osops_discover_params': {'inventory': inventory, 'groups': GROUPS,
                                           # given by hand: wins over what controller1 runs
                                           'host_versions': {'controller1': {'placement': '13.0.0'}}}}
    proc = run(tmp_path, env, 'ansible-playbook', '-i', inventory, '-e', json.dumps(variables),
               os.path.join(ROOT, 'playbooks', 'discover.yml'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert ('Service versions read on 3 of 5 hosts; not read on compute3, spare1 (unreachable or failed)'
            in proc.stdout), proc.stdout[-4000:]
    shown = dict(table(printed(proc)))
    assert (shown['cluster'], shown['hosts'], shown['components']) == (
        'lab', '4 (added 4, removed 0, changed 0)', '7 (added 7, removed 0, changed 0)'), shown
    assert shown['release'].startswith('unknown (mixed releases: 2025.1'), shown

    listed = run(tmp_path, env, 'ansible', 'localhost', '-o', '-m', 'osops.lifecycle.cluster_component_info',
                 '-a', json.dumps({'name': 'lab', 'store': store, 'target_release': '2026.1'}),
                 '-e', 'ansible_python_interpreter=%s' % sys.executable)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    components = dict((c['binary'], c) for c in json.loads(listed.stdout.split('=>', 1)[1])['components'])
    compute = components['nova-compute']
    assert compute['hosts'] == ['compute1', 'compute2', 'compute3']
    assert (compute['versions'], compute['releases'], compute['mixed']) == (
        ['31.3.1', '32.2.1'], ['2025.1', '2025.2'], True)
    assert compute['unknown_release_hosts'] == ['compute3']
    assert compute['can_upgrade'] is False
    assert compute['reason'] == ('nova-compute runs mixed releases (2025.1 on compute2; 2025.2 on compute1): '
                                 'finish the previous upgrade first.')
    assert (components['nova-conductor']['versions'], components['nova-conductor']['mixed'],
            components['nova-conductor']['can_upgrade']) == (['32.2.1'], False, True)
    assert components['nova-api']['versions'] == ['32.2.1']  # from uWSGI's venv
    assert components['keystone']['releases'] == ['2025.2']
    assert components['placement-api']['versions'] == ['13.0.0']  # the explicit parameter won


def test_without_the_option_only_localhost_runs(tmp_path, env):
    inventory = lab_like_inventory(tmp_path)
    variables = {'osops_discover_cluster': 'lab', 'osops_discover_method': 'ansible_inventory',
                 'osops_discover_store': 'sqlite:///%s' % (tmp_path / 'store.db'),
                 'osops_discover_params': {'inventory': inventory, 'groups': GROUPS}}
    proc = run(tmp_path, env, 'ansible-playbook', '-i', inventory, '-e', json.dumps(variables),
               os.path.join(ROOT, 'playbooks', 'discover.yml'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert 'Read the service versions' not in proc.stdout
    recap = [line.split()[0] for line in proc.stdout.splitlines() if ' ok=' in line]
    assert recap == ['localhost']
    shown = dict(table(printed(proc)))
    assert shown['release'].startswith('unknown (the release of no component is known'), shown
