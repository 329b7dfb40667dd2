"""Fixtures for module tests: stores seeded with the lab's clusters or a maintenance session; a small OpenStack over real HTTP on 127.0.0.1
(FakeCloud, fake_cloud.py).

run_module, for module_utils tests too, is in tests/unit/plugins/conftest.py.
"""

import os

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.fake_cloud import FakeCloud


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """keystoneauth's backoff between retries of an API request from 10 ms (0.5 s in use): the modules' tests
    retry every 503 and refused connection of the fake cloud (api_retries) without waiting seconds for it."""
    import keystoneauth1.session
    monkeypatch.setattr(keystoneauth1.session, '_EXPONENTIAL_DELAY_START', 0.01)


@pytest.fixture
def warned(monkeypatch):
    """The messages the module passed to ``AnsibleModule.warn``.

    Recorded at the call: where the warning then goes depends on whether Ansible's controller code
    was imported into the test process before (it is by the inventory plugin's tests).
    """
    messages = []
    original = AnsibleModule.warn

    def warn(self, warning, *args, **kwargs):
        messages.append(warning)
        return original(self, warning, *args, **kwargs)

    monkeypatch.setattr(AnsibleModule, 'warn', warn)
    return messages


# The lab as openstack_api discovery records it at 2025.1: the APIs without a host, nova's services with
# one; and a cluster still at 2024.1.
LAB_VERSIONS = {'keystone': '27.1.0', 'glance': '30.2.0', 'placement': '13.0.1', 'nova': '31.3.1', 'neutron': '26.0.6'}
LAB_TARGET_VERSIONS = {'nova': '33.0.2', 'keystone': '29.1.0', 'placement': '15.0.0', 'glance': '32.0.0',
                       'neutron': '28.0.2'}


def _component(binary, host, zone=None, release='2025.1', version=None):
    service = 'placement' if binary == 'placement-api' else binary.split('-')[0]
    return {'service': service, 'binary': binary, 'host': host, 'state': 'up', 'release': release,
            'version': version or LAB_VERSIONS[service], 'extra': {'zone': zone} if zone else {}}


def seed_lab(url):
    """Record clusters ``lab`` (2025.1: a controller, two computes) and ``old`` (2024.1) in the store at ``url``."""
    from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine
    store = engine.open_store(url)
    try:
        hosts = [{'name': 'controller', 'roles': ['control']}, {'name': 'compute1', 'roles': ['compute']},
                 {'name': 'compute2', 'roles': ['compute']}]
        components = [_component(b, '') for b in ('keystone', 'glance-api', 'placement-api', 'nova-api',
                                                  'neutron-server')]
        components += [_component('nova-conductor', 'controller', 'internal'),
                       _component('nova-scheduler', 'controller', 'internal'),
                       _component('nova-compute', 'compute1', 'nova'), _component('nova-compute', 'compute2', 'nova')]
        clusters.upsert_cluster(store, 'lab', 'openstack_api', hosts=hosts, components=components)
        clusters.upsert_cluster(store, 'old', 'openstack_api', hosts=hosts[:2], components=[
            _component('nova-conductor', 'controller', release='2024.1', version='29.4.0'),
            _component('nova-compute', 'compute1', release='2024.1', version='29.4.0')])
    finally:
        store.close()
    return url


@pytest.fixture
def lab_store(tmp_path):
    """A SQLite store holding clusters lab and old."""
    return seed_lab('sqlite:///%s' % (tmp_path / 'store.db'))


@pytest.fixture(params=['sqlite', 'postgresql'])
def lab_store_any(request, tmp_path):
    """The same on each backend (SQLite and PostgreSQL)."""
    if request.param == 'sqlite':
        return seed_lab('sqlite:///%s' % (tmp_path / 'store.db'))
    return seed_lab(request.getfixturevalue('postgres').empty_database())


@pytest.fixture
def fake_cloud():
    """``fake_cloud(**options)`` starts a FakeCloud and returns it; each is stopped when the test ends.

    A started cloud is also a context manager (``with fake_cloud() as cloud:``) that stops it
    at the end of the block.
    """
    clouds = []

    def start(**options):
        cloud = FakeCloud(**options)
        clouds.append(cloud)
        return cloud.start()

    yield start
    for cloud in clouds:
        cloud.stop()


@pytest.fixture
def maintenance_store(tmp_path):
    """A SQLite store with cluster lab (computes c1, c2) and a session over both (batch 1: c1, batch 2: c2)
    with a pre action and a host action, laid out by the default workflow: ``(store URL, session id)``."""
    # pylint: disable=import-outside-toplevel
    from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.workflow import lay_out
    from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine, sessions
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    store = engine.open_store(url)
    clusters.upsert_cluster(store, 'lab', 'api', hosts=[{'name': h, 'roles': ['compute']} for h in ('c1', 'c2')])
    actions = [{'plugin': 'site.ops.announce', 'type': 'pre', 'metadata': {}},
               {'plugin': 'site.ops.patch', 'type': 'host', 'metadata': {'reboot': True}}]
    created = sessions.create_session(store, 'lab', [{'host': 'c1', 'batch': 1}, {'host': 'c2', 'batch': 2}],
                                      actions=actions, steps=lay_out('default', [['c1'], ['c2']], actions, []))
    store.close()
    return url, created['id']


@pytest.fixture(autouse=True)
def no_user_cloud_config(tmp_path, monkeypatch):
    """No clouds.yaml or OS_* variable of the machine running the tests."""
    for name in [n for n in os.environ if n.startswith('OS_')]:
        monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(tmp_path / 'absent-clouds.yaml'))
