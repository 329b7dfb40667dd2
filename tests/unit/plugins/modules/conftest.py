"""Fixtures for module tests: run a module in-process; a small OpenStack over real HTTP on 127.0.0.1;
a store holding a maintenance session."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


@pytest.fixture
def run_module(capsys):
    def run(main, args, check_mode=False):
        args = dict(args)
        if check_mode:
            args['_ansible_check_mode'] = True
        # AnsibleModule.warn() records into a process-wide dict that exit_json() returns: without
        # this, a warning of one in-process run is returned again by every later run.
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                main()
        result = json.loads(capsys.readouterr().out)
        result['_rc'] = exit_info.value.code
        return result
    return run


# --------------------------------------------------------------------------
# A small OpenStack over real HTTP on 127.0.0.1
# --------------------------------------------------------------------------

def free_port():
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class FakeCloud:
    """Keystone, nova, placement, neutron and (with_volume) cinder, served on 127.0.0.1.

    openstacksdk and keystoneauth run unchanged against it: authentication, the token's
    catalog, version discovery, pagination.  What the services answer is data the tests
    change: ``down`` and ``disabled`` (nova services by host), ``dead_agents`` and
    ``disabled_agents`` (neutron agents by host), ``volume_services`` (cinder's listing),
    ``servers`` (nova's servers), ``volume_version`` (cinder's maximum microversion),
    ``errors`` (path -> HTTP status), ``endpoints`` (service type -> catalog URL instead of
    the fake's own).  Every request is recorded in ``requests``.
    """

    def __init__(self, computes=2, page=2, with_network=True, link_prefix=None, with_volume=False,
                 server_page=1000):
        self.computes = ['compute%d' % i for i in range(1, computes + 1)]
        self.page = page
        self.with_network = with_network
        self.with_volume = with_volume
        # Where next links point (nova's [api] compute_link_prefix); the server by default.
        self.link_prefix = link_prefix
        self.requests = []
        self.microversions = []  # (path, OpenStack-API-Version header)
        self.down = set()
        self.disabled = {}  # host -> disabled_reason (None: no reason) of its nova services
        self.dead_agents = set()
        self.disabled_agents = set()
        self.volume_services = [
            {'binary': 'cinder-scheduler', 'host': 'controller', 'status': 'enabled', 'state': 'up',
             'disabled_reason': None},
            {'binary': 'cinder-volume', 'host': 'controller@lvm', 'status': 'enabled', 'state': 'up',
             'disabled_reason': None}]
        self.volume_version = '3.70'
        self.volume_service_type = 'block-storage'  # as devstack registers it; kolla-ansible: volumev3
        self.servers = []  # dicts: id, status, task_state (None when settled), project (default p1, the token's)
        self.server_page = server_page  # servers a page, as nova's [api] max_limit
        # path -> threading.Event: a GET of that path is answered once the event is set (at most
        # after 20 s, then with HTTP 503 so that a test waiting for it fails instead of hanging).
        self.gates = {}
        self.errors = {}  # path (with or without its trailing /) -> HTTP status it answers, with a message
        self.endpoints = {}  # service type -> the URL its catalog entry names
        self.started = self.stopped = False
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                cloud.handle(self, 'GET')

            def do_POST(self):
                cloud.handle(self, 'POST')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        # A short poll interval: stop() waits for one (0.5 s by default, at every test's end).
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05},
                                       daemon=True)

    def start(self):
        if not self.started:
            self.started = True
            self.thread.start()
        return self

    def stop(self):
        if not self.stopped:
            self.stopped = True
            if self.started:
                self.server.shutdown()
            self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def cloud(self, password='fake-Secret-1'):
        return {'auth': {'auth_url': self.url + '/identity/v3', 'username': 'admin', 'password': password,
                         'project_name': 'admin', 'user_domain_name': 'Default',
                         'project_domain_name': 'Default'},
                'auth_type': 'password', 'region_name': 'RegionOne', 'interface': 'public'}

    def write_clouds_yaml(self, path, name='fake', password='fake-Secret-1'):
        """Write a clouds.yaml naming this cloud ``name`` (JSON is YAML); return its path as a str."""
        path.write_text(json.dumps({'clouds': {name: self.cloud(password)}}))
        return str(path)

    @staticmethod
    def closed_url(path=''):
        """A URL on 127.0.0.1 where nothing listens."""
        return 'http://127.0.0.1:%d%s' % (free_port(), path)

    def paths(self):
        """The paths asked, in order (the token request included)."""
        return [path for _method, path in self.requests]

    # ------------------------------------------------------------------
    def _catalog(self):
        services = [('identity', 'keystone', '/identity/v3'), ('compute', 'nova', '/compute/v2.1'),
                    ('placement', 'placement', '/placement')]
        if self.with_network:
            services.append(('network', 'neutron', '/network'))
        if self.with_volume:
            services.append((self.volume_service_type, 'cinder', '/volume/v3'))
        return [{'type': kind, 'name': name, 'id': name,
                 'endpoints': [{'interface': interface, 'region': 'RegionOne', 'region_id': 'RegionOne',
                                'url': self.endpoints.get(kind, self.url + path),
                                'id': '%s-%s' % (name, interface)}
                               for interface in ('public', 'internal')]}
                for kind, name, path in services]

    def _nova_services(self):
        return [{'id': i, 'binary': binary, 'host': host, 'zone': zone,
                 'status': 'disabled' if host in self.disabled else 'enabled',
                 'state': 'down' if host in self.down else 'up',
                 'updated_at': '2026-11-22T05:00:00.000000', 'disabled_reason': self.disabled.get(host),
                 'forced_down': False}
                for i, (binary, host, zone) in enumerate(
                    [('nova-conductor', 'controller', 'internal'), ('nova-scheduler', 'controller', 'internal')]
                    + [('nova-compute', c, 'nova') for c in self.computes], 1)]

    def _servers(self, query):
        # As nova: the token's project's servers, every project's with all_tenants.
        everyone = query.get('all_tenants', ['0'])[0].lower() in ('1', 'true')
        servers = [s for s in self.servers if everyone or s.get('project', 'p1') == 'p1']
        ids = [s['id'] for s in servers]
        start = ids.index(query['marker'][0]) + 1 if 'marker' in query else 0
        chunk = servers[start:start + self.server_page]
        body = {'servers': [{'id': s['id'], 'name': 'vm-%s' % s['id'], 'status': s['status'],
                             'OS-EXT-STS:task_state': s.get('task_state'),
                             'OS-EXT-STS:vm_state': s['status'].lower(), 'tenant_id': s.get('project', 'p1'),
                             'user_id': 'u1', 'links': []}
                            for s in chunk]}
        if start + self.server_page < len(servers):
            body['servers_links'] = [{'rel': 'next', 'href': '%s/compute/v2.1/servers/detail?marker=%s%s'
                                      % (self.url, chunk[-1]['id'], '&all_tenants=True' if everyone else '')}]
        return body

    def _routes(self, path, query):
        url = self.url
        if path.rstrip('/') == '/identity/v3':
            return 200, {'version': {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
                                     'links': [{'rel': 'self', 'href': url + '/identity/v3/'}],
                                     'media-types': [{'base': 'application/json',
                                                      'type': 'application/vnd.openstack.identity-v3+json'}]}}
        if path.rstrip('/') == '/compute/v2.1':
            return 200, {'version': {'id': 'v2.1', 'status': 'CURRENT', 'version': '2.104', 'min_version': '2.1',
                                     'updated': '2013-07-23T11:33:21Z',
                                     'links': [{'rel': 'self', 'href': url + '/compute/v2.1/'}]}}
        if path.rstrip('/') == '/compute':
            return 200, {'versions': [{'id': 'v2.1', 'status': 'CURRENT', 'version': '2.104', 'min_version': '2.1',
                                       'links': [{'rel': 'self', 'href': url + '/compute/v2.1/'}]}]}
        if path == '/compute/v2.1/os-services':
            return 200, {'services': self._nova_services()}
        if path == '/compute/v2.1/servers/detail':
            return 200, self._servers(query)
        if path == '/compute/v2.1/os-hypervisors/detail':
            start = self.computes.index(query['marker'][0]) + 1 if 'marker' in query else 0
            chunk = self.computes[start:start + self.page]
            body = {'hypervisors': [{'id': c, 'hypervisor_hostname': c, 'hypervisor_type': 'fake',
                                     'hypervisor_version': 1000, 'host_ip': '127.0.1.%d' % (i + start + 1),
                                     'state': 'up', 'status': 'enabled',
                                     'service': {'host': c, 'id': c, 'disabled_reason': None}}
                                    for i, c in enumerate(chunk)]}
            if start + self.page < len(self.computes):
                body['hypervisors_links'] = [{'rel': 'next', 'href': '%s/compute/v2.1/os-hypervisors/detail?marker=%s'
                                              % (self.link_prefix or url, chunk[-1])}]
            return 200, body
        if path.rstrip('/') == '/placement':
            return 200, {'versions': [{'id': 'v1.0', 'max_version': '1.39', 'min_version': '1.0',
                                       'status': 'CURRENT',
                                       'links': [{'rel': 'self', 'href': ''}]}]}
        if path == '/placement/resource_providers':
            return 200, {'resource_providers': [{'uuid': 'rp-%s' % c, 'name': c, 'generation': 1,
                                                 'links': []} for c in self.computes]}
        if path.rstrip('/') == '/network':
            return 300, {'versions': [{'id': 'v2.0', 'status': 'CURRENT',
                                       'links': [{'rel': 'self', 'href': url + '/network/v2.0/'}]}]}
        if path == '/network/v2.0/agents':
            return 200, {'agents': [{'id': 'a-%s' % c, 'binary': 'neutron-ovn-metadata-agent', 'host': c,
                                     'agent_type': 'OVN Metadata agent', 'alive': c not in self.dead_agents,
                                     'admin_state_up': c not in self.disabled_agents} for c in self.computes]}
        if path.rstrip('/') in ('/volume', '/volume/v3'):
            # cinder names its maximum microversion "version" (placement names it max_version)
            return 300 if path.rstrip('/') == '/volume' else 200, {'versions': [{
                'id': 'v3.0', 'status': 'CURRENT', 'version': self.volume_version, 'min_version': '3.0',
                'updated': '2023-08-31T00:00:00Z', 'links': [{'rel': 'self', 'href': url + '/volume/v3/'}],
                'media-types': [{'base': 'application/json',
                                 'type': 'application/vnd.openstack.volume+json;version=3'}]}]}
        if path == '/volume/v3/os-services':
            return 200, {'services': [dict(s, zone='nova', updated_at='2026-11-22T05:00:00.000000')
                                      for s in self.volume_services]}
        return 404, {'error': {'message': 'not found: %s' % path}}

    def handle(self, request, method):
        parsed = urlparse(request.path)
        self.requests.append((method, parsed.path))
        self.microversions.append((parsed.path, request.headers.get('OpenStack-API-Version')))
        length = int(request.headers.get('Content-Length') or 0)
        if length:
            request.rfile.read(length)
        error = self.errors.get(parsed.path) or self.errors.get(parsed.path.rstrip('/'))
        if method == 'POST' and parsed.path == '/identity/v3/auth/tokens':
            status, body = 201, {'token': {
                'methods': ['password'], 'expires_at': '2099-01-01T00:00:00.000000Z',
                'issued_at': '2026-11-22T05:00:00.000000Z',
                'user': {'id': 'u1', 'name': 'admin', 'domain': {'id': 'default', 'name': 'Default'}},
                'project': {'id': 'p1', 'name': 'admin', 'domain': {'id': 'default', 'name': 'Default'}},
                'roles': [{'id': 'r1', 'name': 'admin'}], 'catalog': self._catalog()}}
            headers = {'X-Subject-Token': 'fake-token'}
        elif error:
            status, headers = error, {}
            body = {'computeFault': {'code': status, 'message': 'Unexpected API Error (fake).'}}
        elif parsed.path in self.gates and not self.gates[parsed.path].wait(20):
            status, body, headers = 503, {'error': {'message': 'the gate of %s never opened' % parsed.path}}, {}
        else:
            status, body = self._routes(parsed.path, parse_qs(parsed.query))
            headers = {}
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header('Content-Type', 'application/json')
        request.send_header('Content-Length', str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)


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
