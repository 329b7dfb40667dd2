"""Faults in the APIs: a real HAProxy in front of nova and placement answers 503, resets, delays, drops.

The cloud is the tests' small OpenStack over HTTP (``fake_cloud.py``: keystone, nova,
placement, neutron) on 127.0.0.1, every request of it through one HAProxy frontend
(``haproxy_faults.py``) whose rules fault the requests under ``/compute`` and ``/placement``
only: one in three of each path (the 1st, 4th, 7th ... request of a path, counted by
HAProxy, so every run meets the same faults), or every one.  What runs is
``ansible-playbook``: the ``discover`` playbook (openstack_api), the API checks of the
``check`` role in one ``check_batch`` task, and ``compute_service`` (the upgrade's
disable / enable of a compute).  docs/reliability.md#faults-in-the-apis has the table.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.osops.lifecycle.tests.integration.haproxy_faults import FaultProxy, available
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
FAULTY = ('/compute', '/placement')

pytestmark = pytest.mark.skipif(not available(), reason='haproxy is not installed (make setup installs it)')


@pytest.fixture
def cloud():
    with FakeCloud(computes=2) as fake:
        yield fake


def proxied(tmp_path, fake, kind, every):
    """HAProxy in front of the whole fake cloud; every URL the cloud hands out (catalog, links) names it."""
    proxy = FaultProxy(tmp_path, {'cloud': fake.server.server_address}, kind=kind, every=every, delay_ms=1000,
                       paths=FAULTY)
    proxy.start()
    fake.url = proxy.urls['cloud']
    return proxy


def env_for(tmp_path, fake, **cloud_settings):
    config = dict(fake.cloud(), **cloud_settings)
    (tmp_path / 'clouds.yaml').write_text(json.dumps({'clouds': {'faulty': config}}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_NOCOLOR='1', HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'),
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default', OS_CLIENT_CONFIG_FILE=str(tmp_path / 'clouds.yaml'))
    env.pop('OSOPS_STORE_URL', None)
    env.pop('OS_CLOUD', None)
    return env


def inventory(tmp_path):
    path = tmp_path / 'controller.ini'
    path.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return str(path)


def discover(tmp_path, env):
    variables = {'osops_discover_cluster': 'faulty', 'osops_discover_method': 'openstack_api',
                 'osops_discover_cloud': 'faulty', 'osops_discover_store': 'sqlite:///%s' % (tmp_path / 'store.db')}
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory(tmp_path), '-e', json.dumps(variables),
                           os.path.join(ROOT, 'playbooks', 'discover.yml')],
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def play(tmp_path, env, tasks):
    """A play of ``tasks`` on localhost; every registered ``result_*`` written to result_*.json."""
    playbook = tmp_path / 'play.yml'
    playbook.write_text(json.dumps([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory(tmp_path), str(playbook)],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    return proc


# The check role's API checks (roles/check/tasks/api.yml), registered as checks.
API_CHECKS = {
    'name': 'API checks',
    'osops.lifecycle.check_batch': {'cloud': 'faulty', 'checks': [
        {'module': 'check_placement_api'}, {'module': 'check_cinder_api'},
        {'module': 'check_services'}, {'module': 'check_instance_states'}]},
    'register': 'checks',
}


def save(name):
    return {'name': 'Save %s' % name, 'ansible.builtin.copy': {
        'content': '{{ %s | to_json }}' % name, 'dest': '{{ playbook_dir }}/%s.json' % name, 'mode': '0600'},
        'delegate_to': 'localhost'}


def rows(tmp_path):
    result = json.loads((tmp_path / 'checks.json').read_text())
    return [(r['name'], r['project'], r['result'], r['details']) for r in result['upgrade_checks']]


def stored_components(tmp_path):
    import sqlite3
    with sqlite3.connect(str(tmp_path / 'store.db')) as db:
        return sorted(db.execute('SELECT binary, host, state FROM components').fetchall())


# What discovery records of the fake cloud when every request is answered.
DISCOVERED = [('keystone', '', 'up'), ('neutron-ovn-metadata-agent', 'compute1', 'up'),
              ('neutron-ovn-metadata-agent', 'compute2', 'up'), ('neutron-server', '', 'up'),
              ('nova-api', '', 'up'), ('nova-compute', 'compute1', 'up'), ('nova-compute', 'compute2', 'up'),
              ('nova-conductor', 'controller', 'up'), ('nova-scheduler', 'controller', 'up'),
              ('placement-api', '', 'up')]


@pytest.mark.parametrize('kind', ['503', 'reset', 'delay', 'hang'])
def test_discovery_and_the_checks_survive_one_request_in_three_failing(tmp_path, cloud, kind):
    proxy = proxied(tmp_path, cloud, kind, every=3)
    try:
        # hang: HAProxy never answers the request: the client gives up after api_timeout and tries again
        env = env_for(tmp_path, cloud, api_timeout=1 if kind == 'hang' else 10)
        found = discover(tmp_path, env)
        checked = play(tmp_path, env, [API_CHECKS, save('checks')])
    finally:
        proxy.stop()
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-2000:]
    assert stored_components(tmp_path) == DISCOVERED
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    assert {(name, project, result) for name, project, result, _details in rows(tmp_path)} == {
        ('Placement API', 'nova', 'Success'), ('Cinder API', 'nova', 'Success'),
        ('Services up and enabled', 'nova', 'Success'), ('Services up and enabled', 'neutron', 'Success'),
        ('Services up and enabled', 'cinder', 'Success'), ('Instances in transitional states', 'nova', 'Success')}
    faulted = [r for r in proxy.requests() if r[2].startswith(FAULTY)]
    # every path under /compute and /placement met its fault on its first request, and passed on the retry
    assert proxy.faulted() >= len(set(r[2] for r in faulted)) >= 4, proxy.log()
    assert all(r[3] not in (503, -1) for r in proxy.requests() if not r[2].startswith(FAULTY)), proxy.log()


def test_nova_answering_503_every_time_is_an_error_of_the_nova_checks_naming_the_endpoint(tmp_path, cloud):
    proxy = FaultProxy(tmp_path, {'cloud': cloud.server.server_address}, kind='503', every=1, paths=('/compute',))
    proxy.start()
    cloud.url = proxy.urls['cloud']
    try:
        env = env_for(tmp_path, cloud)
        checked = play(tmp_path, env, [dict(API_CHECKS, ignore_errors=True), save('checks')])
        found = discover(tmp_path, env)
    finally:
        proxy.stop()
    assert checked.returncode == 0, checked.stdout[-3000:]
    outcome = dict(((name, project), (result, details)) for name, project, result, details in rows(tmp_path))
    assert {key: result for key, (result, _details) in outcome.items()} == {
        ('Placement API', 'nova'): 'Success', ('Cinder API', 'nova'): 'Success',
        ('Services up and enabled', 'nova'): 'Error', ('Services up and enabled', 'neutron'): 'Success',
        ('Services up and enabled', 'cinder'): 'Success', ('Instances in transitional states', 'nova'): 'Error'}
    for key, path in ((('Services up and enabled', 'nova'), '/compute/v2.1/os-services'),
                      (('Instances in transitional states', 'nova'), '/compute/v2.1/servers/detail')):
        details = outcome[key][1]
        assert details.startswith('GET %s%s (compute API) answered 503 Service Unavailable 4 times in '
                                  % (proxy.urls['cloud'], path)), details
        assert ('(retried 3 times with backoff, api_retries is 3). The service, or the load balancer in front '
                "of it, is not ready: check its API processes and the load balancer's backends") in details
    # discovery: refused with the listing that could not be read, nothing written
    assert found.returncode != 0
    assert ('Cannot list compute services: GET %s/compute/v2.1/os-services (compute API) answered 503 Service '
            'Unavailable 4 times in ' % proxy.urls['cloud']) in found.stdout, found.stdout[-3000:]
    assert not (tmp_path / 'store.db').exists() or stored_components(tmp_path) == []


def test_the_upgrades_compute_service_changes_survive_503s_and_resets(tmp_path, cloud):
    # PUT /os-services/{id} is idempotent: sent again after a 503 or a reset, it changes the service once
    tasks = [{'name': 'Disable compute1', 'osops.lifecycle.compute_service': {
        'cloud': 'faulty', 'hosts': ['compute1'], 'state': 'disabled', 'disabled_reason': 'upgrade'},
        'register': 'disabled'}, save('disabled'),
        {'name': 'Enable compute1', 'osops.lifecycle.compute_service': {
            'cloud': 'faulty', 'hosts': ['compute1'], 'state': 'enabled'}, 'register': 'enabled'}, save('enabled')]
    proxy = proxied(tmp_path, cloud, 'mixed', every=2)  # a path's 1st request answered 503, its 3rd reset
    try:
        proc = play(tmp_path, env_for(tmp_path, cloud), tasks)
    finally:
        proxy.stop()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert json.loads((tmp_path / 'disabled.json').read_text())['changed'] is True
    assert json.loads((tmp_path / 'enabled.json').read_text())['changed'] is True
    puts = [r[3] for r in proxy.requests() if r[1] == 'PUT']
    assert puts == [503, 200, -1, 200], proxy.log()  # the disable met a 503, the enable a reset
    assert cloud.service('compute1')['status'] == 'enabled'
    assert [body for method, _path, body in cloud.bodies if method == 'PUT'] == [
        {'status': 'disabled', 'disabled_reason': 'upgrade'}, {'status': 'enabled'}]  # each change made once
