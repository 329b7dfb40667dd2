"""cluster_discover: every method into a real store; check -> apply -> check -> apply; errors.

The openstack_api method meets a small OpenStack served over real HTTP on
127.0.0.1 (FakeCloud, through the fake_cloud fixture of conftest.py), so
openstacksdk and keystoneauth run unchanged: authentication, the token's
catalog, version discovery, pagination.  The real cloud is proven by
tests/integration/lab/labdiscover.py (run by test_lab.py).
"""

import json
import os
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.modules import cluster_discover, cluster_info

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'discovery')
OSA = os.path.join(FIXTURES, 'openstack_inventory.json')


@pytest.fixture
def store_url(tmp_path):
    return 'sqlite:///%s' % (tmp_path / 'store.db')


@pytest.fixture(params=['sqlite', 'postgresql'])
def any_store_url(request, tmp_path):
    # postgres: the session's PostgreSQL server (tests/unit/plugins/conftest.py)
    if request.param == 'sqlite':
        return 'sqlite:///%s' % (tmp_path / 'store.db')
    return request.getfixturevalue('postgres').empty_database()


def stored(url, name):
    store = store_engine.open_store(url)
    try:
        return store_clusters.get_cluster(store, name), store_clusters.last_discovery_run(store, name)
    finally:
        store.close()


def discover(run_module, store_url, check_mode=False, **args):
    args.setdefault('name', 'prod')
    args.setdefault('method', 'openstack_ansible')
    args.setdefault('params', {'inventory': OSA})
    return run_module(cluster_discover.main, dict(args, store=store_url), check_mode=check_mode)


def test_check_apply_check_apply(run_module, any_store_url):
    store_url = any_store_url
    first = discover(run_module, store_url, check_mode=True)
    assert (first['changed'], first['diff']['created']) == (True, True)
    assert len(first['diff']['hosts']['added']) == 14 and len(first['diff']['components']['added']) == 22
    if store_url.startswith('sqlite'):
        assert not os.path.exists(store_url[len('sqlite:///'):])  # check mode did not even create the store
    else:
        assert stored(store_url, 'prod') == (None, None)
        assert sa.engine.make_url(store_url).password not in json.dumps(first)
    applied = discover(run_module, store_url)
    assert applied['changed'] is True and applied['diff'] == first['diff']
    cluster, run = stored(store_url, 'prod')
    assert applied['cluster'] == cluster  # returned as read back
    assert first['cluster']['hosts'] == cluster['hosts'] and first['cluster']['components'] == cluster['components']
    assert (run['status'], run['method'], run['api_calls']) == ('ok', 'openstack_ansible', None)
    assert applied['api_calls'] is None
    for check_mode in (True, False):
        again = discover(run_module, store_url, check_mode=check_mode)
        assert again['changed'] is False
        assert again['diff'] == {'created': False, 'cluster': {},
                                 'hosts': {'added': [], 'removed': [], 'changed': []},
                                 'components': {'added': [], 'removed': [], 'changed': []}}
        assert stored(store_url, 'prod') == (cluster, run)  # nothing written, not even a run


def test_rediscovery_reports_what_changed(run_module, store_url, tmp_path):
    discover(run_module, store_url)
    data = json.load(open(OSA))
    data['compute_hosts']['hosts'].remove('compute2')
    data['nova_compute']['hosts'].remove('compute2')
    data['neutron_ovn_controller']['hosts'].remove('compute2')
    data['_meta']['hostvars']['compute1']['ansible_local']['openstack_ansible']['nova']['venv_tag'] = '32.0.0'
    path = tmp_path / 'openstack_inventory.json'
    path.write_text(json.dumps(data))
    predicted = discover(run_module, store_url, check_mode=True, params={'inventory': str(path)})
    result = discover(run_module, store_url, params={'inventory': str(path)})
    assert predicted['diff'] == result['diff'] and result['changed'] is True
    diff = result['diff']
    assert diff['cluster'] == {'params': {'before': {'inventory': OSA}, 'after': {'inventory': str(path)}}}
    assert [h['name'] for h in diff['hosts']['removed']] == ['compute2']
    assert [(c['binary'], c['host']) for c in diff['components']['removed']] == [
        ('nova-compute', 'compute2'), ('ovn-controller', 'compute2')]
    assert diff['components']['changed'] == [{
        'service': 'nova', 'binary': 'nova-compute', 'host': 'compute1',
        'before': {'release': '2025.1', 'extra': {'venv_tag': '31.1.0', 'release_reason': (
            "openstack-ansible venv_tag 31.1.0 is 2025.1 (openstack-ansible majors follow nova's)")}},
        'after': {'release': '2025.2', 'extra': {'venv_tag': '32.0.0', 'release_reason': (
            "openstack-ansible venv_tag 32.0.0 is 2025.2 (openstack-ansible majors follow nova's)")}}}]
    assert discover(run_module, store_url, params={'inventory': str(path)})['changed'] is False


def test_return_inventory_false_returns_numbers_and_stores_the_same(run_module, store_url, tmp_path):
    full_url = 'sqlite:///%s' % (tmp_path / 'full.db')
    full = discover(run_module, full_url)
    predicted = discover(run_module, store_url, check_mode=True, return_inventory=False)
    compact = discover(run_module, store_url, return_inventory=False)
    counts = {'hosts': {'total': 14, 'added': 14, 'removed': 0, 'changed': 0},
              'components': {'total': 22, 'added': 22, 'removed': 0, 'changed': 0}}
    assert full['counts'] == predicted['counts'] == compact['counts'] == counts
    for result in (predicted, compact):
        assert 'hosts' not in result['cluster'] and 'components' not in result['cluster']
        assert result['diff'] == {'created': True, 'cluster': {}}
    assert compact['cluster']['name'] == 'prod' and compact['cluster']['method'] == 'openstack_ansible'
    assert compact['cluster'] == dict((k, v) for k, v in stored(store_url, 'prod')[0].items()
                                      if k not in ('hosts', 'components'))
    # the record, and the diff of its discovery run, are those of a full return
    (cluster, run), (full_cluster, full_run) = stored(store_url, 'prod'), stored(full_url, 'prod')
    strip = ('created_at', 'updated_at')
    assert dict((k, v) for k, v in cluster.items() if k not in strip) == dict(
        (k, v) for k, v in full_cluster.items() if k not in strip)
    assert run['diff'] == full_run['diff'] and len(run['diff']['hosts']['added']) == 14
    again = discover(run_module, store_url, return_inventory=False)
    assert again['changed'] is False and again['counts']['components'] == {
        'total': 22, 'added': 0, 'removed': 0, 'changed': 0}


def test_status_is_read_back_as_cluster_info_reports_it(run_module, store_url, tmp_path):
    assert discover(run_module, store_url, check_mode=True)['status'] is None  # nothing stored yet
    result = discover(run_module, store_url, return_inventory=False)
    info = run_module(cluster_info.main, {'name': 'prod', 'store': store_url})
    assert result['status'] == info['clusters'][0]
    assert result['status']['hosts'] == 14 and result['status']['last_discovery']['status'] == 'ok'
    # check mode: the status of the record as it is stored, not of the prediction
    data = json.load(open(OSA))
    for group in ('compute_hosts', 'nova_compute', 'neutron_ovn_controller'):
        data[group]['hosts'].remove('compute2')
    path = tmp_path / 'openstack_inventory.json'
    path.write_text(json.dumps(data))
    predicted = discover(run_module, store_url, check_mode=True, params={'inventory': str(path)})
    assert predicted['counts']['hosts']['total'] == 13 and predicted['status'] == info['clusters'][0]


def test_kolla_and_any_inventory_methods(run_module, store_url, kolla_inventory):
    kolla = discover(run_module, store_url, name='kolla', method='kolla_ansible',
                     params={'inventory': kolla_inventory('multinode'), 'openstack_release': '2025.2',
                             'globals': {'neutron_plugin_agent': 'ovn'}})
    assert kolla['changed'] and {c['release'] for c in kolla['cluster']['components']} == {'2025.2'}
    assert 'ovn-controller' in [c['binary'] for c in kolla['cluster']['components']]
    plain = discover(run_module, store_url, name='plain', method='ansible_inventory',
                     params={'inventory': os.path.join(FIXTURES, 'inventory.ini'),
                             'groups': {'computes': 'nova-compute'}})
    assert [h['name'] for h in plain['cluster']['hosts']] == ['cmp1', 'cmp2']


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_openstack_api_calls_grow_with_pages_not_hosts(run_module, store_url, fake_cloud):
    calls = {}
    for computes in (2, 9):
        with fake_cloud(computes=computes, page=5) as cloud:
            result = discover(run_module, store_url, name='api%d' % computes, method='openstack_api',
                              params={'host_versions': {'compute1': {'nova': '34.0.0'}}}, cloud=cloud.cloud())
            assert result['api_calls'] == len(cloud.requests)
            calls[computes] = [path for _method, path in cloud.requests]
            # the same cloud discovered again: nothing changes
            again = discover(run_module, store_url, name='api%d' % computes, method='openstack_api',
                             params={'host_versions': {'compute1': {'nova': '34.0.0'}}}, cloud=cloud.cloud())
            assert again['changed'] is False and again['cluster'] == result['cluster']
        cluster = result['cluster']
        assert cluster['region'] == 'RegionOne'
        computes_found = [c for c in cluster['components'] if c['binary'] == 'nova-compute']
        assert len(computes_found) == computes
        first = computes_found[0]
        assert (first['host'], first['release'], first['state']) == ('compute1', '2026.2', 'up')
        assert first['extra']['hypervisor_type'] == 'fake' and first['extra']['resource_provider'] == 'rp-compute1'
        assert computes_found[1]['release'] is None
        assert 'does not tell which version nova-compute runs' in computes_found[1]['extra']['release_reason']
        hosts = dict((h['name'], h) for h in cluster['hosts'])
        # the OVN metadata agent runs there too: it makes no network node of a compute
        assert 'neutron-ovn-metadata-agent' in [c['binary'] for c in cluster['components'] if c['host'] == 'compute2']
        assert hosts['compute2'] == {'name': 'compute2', 'address': '127.0.1.2', 'roles': ['compute']}
        assert hosts['controller']['roles'] == ['control']
        api = dict((c['binary'], c) for c in cluster['components'] if c['host'] == '')
        assert (api['nova-api']['release'], api['placement-api']['release']) == ('2026.2', None)
        assert 'cannot tell them apart' in api['placement-api']['extra']['release_reason']
        assert api['keystone']['release'] is None and api['keystone']['extra']['api_version'] == 'v3.14'
    # 9 computes: one more page of hypervisors (5 a page), nothing per host
    assert len(calls[9]) == len(calls[2]) + 1
    assert calls[9].count('/compute/v2.1/os-hypervisors/detail') == 2
    assert not any('compute3' in path for path in calls[9])


def test_hypervisors_below_the_uptime_microversion_and_next_links_on_the_endpoint(run_module, store_url, fake_cloud):
    # The fake's nova offers 2.104: the hypervisors are asked at 2.87 (from 2.88 nova-api makes one
    # RPC call per hypervisor for its uptime).  Its next links name an unreachable host, as behind
    # a proxy with another compute_link_prefix: the pages are still read from the catalog's endpoint.
    with fake_cloud(computes=5, page=2, link_prefix='http://127.0.0.1:%d' % free_port()) as cloud:
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
    assert not result.get('failed'), result
    assert sorted(c['host'] for c in result['cluster']['components'] if c['binary'] == 'nova-compute') == [
        'compute%d' % i for i in range(1, 6)]
    pages = [version for path, version in cloud.microversions if path == '/compute/v2.1/os-hypervisors/detail']
    assert pages == ['compute 2.87'] * 3


HYPERVISORS = '/compute/v2.1/os-hypervisors/detail'
NOT_READ = 'hypervisor details (type, version, host address) not read'


def computes_of(result):
    return dict((c['host'], c) for c in result['cluster']['components'] if c['binary'] == 'nova-compute')


def test_hypervisors_auto_reads_them_up_to_the_limit(run_module, store_url, warned, fake_cloud):
    with fake_cloud(computes=3, page=2) as cloud:
        result = discover(run_module, store_url, method='openstack_api', params={'hypervisors': 'auto'},
                          cloud=cloud.cloud())
    assert not result.get('failed'), result
    assert [path for _method, path in cloud.requests].count(HYPERVISORS) == 2
    assert result['notes'] == [] and warned == []
    assert computes_of(result)['compute3']['extra']['hypervisor_type'] == 'fake'
    assert dict((h['name'], h['address']) for h in result['cluster']['hosts'])['compute3'] == '127.0.1.3'


def test_hypervisors_auto_skips_them_above_the_limit_and_says_why(run_module, store_url, warned, fake_cloud):
    # 501 nova-compute services: one more than HYPERVISORS_AUTO_LIMIT (the real constant, not patched).
    with fake_cloud(computes=501, page=1000) as cloud:
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
        paths = [path for _method, path in cloud.requests]
        always = discover(run_module, store_url, name='always', method='openstack_api',
                          params={'hypervisors': 'always'}, cloud=cloud.cloud())
        always_paths = [path for _method, path in cloud.requests][len(paths):]
    assert not result.get('failed'), result
    assert HYPERVISORS not in paths and '/compute/v2.1/os-services' in paths
    note = ('501 nova-compute services > 500: %s; nova-api looks each hypervisor up one by one; '
            'pass params.hypervisors: always to read them.' % NOT_READ)
    assert result['notes'] == [note] and warned == [note]  # the second discovery (always) warns nothing
    assert result['api_calls'] == len(paths) and always['api_calls'] == len(always_paths) == len(paths) + 1
    computes = computes_of(result)
    assert len(computes) == 501
    # placement is still read; what only the hypervisors tell is not there
    assert computes['compute501']['extra']['resource_provider'] == 'rp-compute501'
    assert 'hypervisor_type' not in computes['compute501']['extra']
    assert all(h['address'] is None for h in result['cluster']['hosts'])
    # always: read whatever the number of computes, and nothing to say
    assert always['notes'] == []
    assert always_paths.count(HYPERVISORS) == 1
    assert computes_of(always)['compute501']['extra']['hypervisor_type'] == 'fake'
    assert dict((h['name'], h['address']) for h in always['cluster']['hosts'])['compute2'] == '127.0.1.2'


def test_hypervisors_never_is_a_note_not_a_warning(run_module, store_url, warned, fake_cloud):
    with fake_cloud(computes=2) as cloud:
        result = discover(run_module, store_url, method='openstack_api', params={'hypervisors': 'never'},
                          cloud=cloud.cloud())
    assert HYPERVISORS not in [path for _method, path in cloud.requests]
    assert result['notes'] == ['params.hypervisors is never: %s.' % NOT_READ] and warned == []
    assert 'hypervisor_type' not in computes_of(result)['compute1']['extra']
    cluster, run = stored(store_url, 'prod')
    assert cluster['params'] == {'hypervisors': 'never'} and run['api_calls'] == result['api_calls']


def test_notes_of_the_inventory_methods_are_empty(run_module, store_url):
    assert discover(run_module, store_url)['notes'] == []


def test_a_service_going_down_is_a_change(run_module, store_url, fake_cloud):
    with fake_cloud(computes=2, with_network=False) as cloud:
        discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
        cloud.down.add('compute2')
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
    assert result['diff']['components']['changed'] == [{
        'service': 'nova', 'binary': 'nova-compute', 'host': 'compute2',
        'before': {'state': 'up'}, 'after': {'state': 'down'}}]


class OpenGate(threading.Event):
    """A gate that opens when ``path`` is asked of ``cloud`` (polled: the server logs every request)."""

    def __init__(self, cloud, path):
        super().__init__()
        threading.Thread(target=self._watch, args=(cloud, path), daemon=True).start()

    def _watch(self, cloud, path):
        for _tick in range(200):
            if ('GET', path) in cloud.requests:
                self.set()
                return
            self.wait(0.1)


def test_compute_services_are_listed_while_the_other_services_are_read(run_module, store_url, fake_cloud):
    # nova's compute service listing is answered only once placement's providers have been asked for,
    # and placement's only once nova's has been: discovery reading them one after the other, in either
    # order, would wait 20 s for a 503.
    services, providers = '/compute/v2.1/os-services', '/placement/resource_providers'
    with fake_cloud(computes=3) as cloud:
        cloud.gates.update({services: OpenGate(cloud, providers), providers: OpenGate(cloud, services)})
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
        requests = [path for _method, path in cloud.requests]
    assert not result.get('failed'), result.get('msg')
    assert result['counts']['components']['total'] == 5 + 3 + 4  # nova's 2 + 3 computes, 3 agents, 4 APIs
    cluster, run = stored(store_url, 'prod')
    assert [c['binary'] for c in cluster['components'] if c['host'] == 'compute3'] == [
        'neutron-ovn-metadata-agent', 'nova-compute']
    # Every request counted once, the listing's thread's included.
    assert run['api_calls'] == result['api_calls'] == len(requests)


def test_a_store_that_cannot_be_opened_does_not_wait_for_the_api(run_module, fake_cloud):
    # The API discovery runs while the store is opened; when the store fails, the module fails at
    # once with the store's error instead of waiting for nova (held here for 20 s).
    url = 'postgresql+psycopg://osops:db-Secret-42@127.0.0.1:%d/osops' % free_port()
    with fake_cloud() as cloud:
        cloud.gates['/compute/v2.1/os-services'] = threading.Event()
        began = time.monotonic()
        result = run_module(cluster_discover.main, {'name': 'prod', 'method': 'openstack_api', 'params': {},
                                                    'cloud': cloud.cloud(), 'store': url})
        took = time.monotonic() - began
        cloud.gates['/compute/v2.1/os-services'].set()
    assert result['failed'] and result['msg'].startswith('Cannot open store postgresql+psycopg://osops:***@127.0.0.1:')
    assert took < 15, took
    assert 'db-Secret-42' not in json.dumps(result)


@pytest.mark.parametrize('path', ['/compute/v2.1/os-services', '/placement/resource_providers'])
def test_an_api_error_in_a_listing_is_named_and_writes_nothing(run_module, store_url, path, fake_cloud):
    with fake_cloud() as cloud:
        cloud.errors[path] = 500
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
    what, endpoint = (('compute services', '/compute/v2.1') if 'os-services' in path
                      else ('placement resource providers', '/placement'))
    assert result['failed'] and result['msg'].startswith('Cannot list %s: request to %s%s failed'
                                                         % (what, cloud.url, endpoint)), result['msg']
    assert '500' in result['msg'] and 'Unexpected API Error (fake).' in result['msg'], result['msg']
    assert stored(store_url, 'prod') == (None, None)


def test_a_listing_the_service_does_not_have_is_empty(run_module, store_url, fake_cloud):
    with fake_cloud(computes=2) as cloud:
        cloud.errors['/network/v2.0/agents'] = 404
        result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud.cloud())
    assert not result.get('failed'), result.get('msg')
    cluster, _run = stored(store_url, 'prod')
    assert [c['binary'] for c in cluster['components'] if c['service'] == 'neutron'] == ['neutron-server']


def test_unreachable_api_fails_clearly_and_writes_nothing(run_module, store_url, fake_cloud):
    cloud = fake_cloud().cloud(password='api-Secret-77')
    cloud['auth']['auth_url'] = 'http://127.0.0.1:%d/identity/v3' % free_port()
    result = discover(run_module, store_url, method='openstack_api', params={}, cloud=cloud)
    assert result['failed'] and result['msg'].startswith(
        'Cannot authenticate to read the service catalog: GET %s (identity API, the auth_url) refused the connection '
        '4 times in ' % cloud['auth']['auth_url']), result['msg']
    assert 'Is the service running' in result['msg']
    assert 'Traceback' not in json.dumps(result) and 'api-Secret-77' not in json.dumps(result)
    assert stored(store_url, 'prod') == (None, None)


def test_a_failed_rediscovery_keeps_the_record_and_is_recorded(run_module, store_url, tmp_path):
    discover(run_module, store_url)
    before, _run = stored(store_url, 'prod')
    broken = tmp_path / 'broken.json'
    broken.write_text('{"_meta": ')
    result = discover(run_module, store_url, params={'inventory': str(broken)})
    assert result['failed'] and result['msg'].startswith('openstack-ansible inventory %s is not valid JSON' % broken)
    after, run = stored(store_url, 'prod')
    assert after == before
    assert (run['status'], run['error']) == ('failed', result['msg'])


@pytest.mark.parametrize('method', ['openstack_ansible', 'openstack_api'])
def test_a_failed_first_discovery_creates_no_store_file(run_module, tmp_path, method, monkeypatch, fake_cloud):
    # the default store (no store option): the file is created by the first discovery that succeeds
    path = tmp_path / 'home' / 'store.db'
    monkeypatch.setenv('OSOPS_STORE_URL', 'sqlite:///%s' % path)
    broken = tmp_path / 'broken.json'
    broken.write_text('{"_meta": ')
    if method == 'openstack_api':
        cloud = fake_cloud().cloud()
        cloud['auth']['auth_url'] = 'http://127.0.0.1:%d/identity/v3' % free_port()
        result = run_module(cluster_discover.main, dict(name='prod', method=method, params={}, cloud=cloud))
    else:
        result = run_module(cluster_discover.main, dict(name='prod', method=method, params={'inventory': str(broken)}))
    assert result['failed'], result
    assert not path.exists() and not path.parent.exists()
    # the same discovery once it can succeed creates it
    if method == 'openstack_ansible':
        result = run_module(cluster_discover.main, dict(name='prod', method=method, params={'inventory': OSA}))
        assert not result.get('failed'), result.get('msg')
        assert stored('sqlite:///%s' % path, 'prod')[0]['name'] == 'prod'


@pytest.mark.parametrize('args, message', [
    ({'method': 'ssh'}, 'value of method must be one of: ansible_inventory, kolla_ansible, openstack_ansible, '
                        'openstack_api, got: ssh'),
    ({'params': {'inventory': OSA, 'groups': {}}}, 'Option params.groups: got {}, expected one of the parameters '
                                                   'of method openstack_ansible: fact_cache, host_versions, inventory, versions.'),
    ({'params': {}}, 'Option params.inventory: got None, expected a path (required by method openstack_ansible).'),
    ({'params': {'inventory': '/nonexistent/openstack_inventory.json'}},
     'openstack-ansible inventory /nonexistent/openstack_inventory.json does not exist.'),
    ({'method': 'openstack_api', 'params': {'hypervisors': 'some'},
      'cloud': {'auth': {'auth_url': 'http://127.0.0.1:9/identity/v3'}, 'auth_type': 'password'}},
     "Option params.hypervisors: got 'some', expected one of auto, always, never."),
])
def test_bad_input_is_named(run_module, store_url, args, message):
    result = discover(run_module, store_url, **args)
    assert result['failed'] and result['msg'] == message
    assert stored(store_url, 'prod') == (None, None)


def test_a_store_that_cannot_be_opened_hides_its_password(run_module):
    url = 'postgresql+psycopg://osops:db-Secret-42@127.0.0.1:%d/osops' % free_port()
    result = run_module(cluster_discover.main, {'name': 'prod', 'method': 'openstack_ansible',
                                                'params': {'inventory': OSA}, 'store': url})
    assert result['failed'] and result['msg'].startswith(
        'Cannot open store postgresql+psycopg://osops:***@127.0.0.1:')
    assert 'db-Secret-42' not in json.dumps(result)


def test_a_store_from_a_newer_collection_is_refused_untouched(run_module, store_url):
    discover(run_module, store_url)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    result = discover(run_module, store_url, name='other')
    engine.dispose()
    assert result['failed'] and 'was written by a newer osops.lifecycle (revision 9999_future)' in result['msg']
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        assert connection.scalar(sa.text('SELECT count(*) FROM clusters')) == 1
    engine.dispose()


def test_openstack_api_apis_take_the_version_their_control_hosts_report(run_module, store_url, fake_cloud):
    # host facts (discover role, osops_discover_host_versions): the controller runs every API, the
    # computes an older nova; the catalog names the APIs without a host
    with fake_cloud(computes=2) as cloud:
        facts = {'controller': {'keystone': '29.1.0', 'placement': '15.0.0', 'nova': '33.0.2'},
                 'compute1': {'nova': '31.3.1'}, 'compute2': {'nova': '31.3.1'}}
        result = discover(run_module, store_url, name='facts', method='openstack_api',
                          params={'host_versions': facts}, cloud=cloud.cloud())
    api = dict((c['binary'], c) for c in result['cluster']['components'] if c['host'] == '')
    assert (api['keystone']['version'], api['keystone']['release']) == ('29.1.0', '2026.1')
    assert (api['nova-api']['version'], api['nova-api']['release']) == ('33.0.2', '2026.1')
    assert api['nova-api']['extra']['version_from'] == 'params.host_versions of controller'
    # neutron is on no host's list: still unknown, and says how to tell
    assert api['neutron-server']['version'] is None and 'version_from' not in api['neutron-server']['extra']
    assert 'params.host_versions' in api['neutron-server']['extra']['release_reason']
    computes = [c for c in result['cluster']['components'] if c['binary'] == 'nova-compute']
    assert {c['version'] for c in computes} == {'31.3.1'}
