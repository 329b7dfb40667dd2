"""A small OpenStack served over real HTTP on 127.0.0.1, so openstacksdk and keystoneauth run unchanged.

Keystone, nova, placement, neutron and (``with_volume``) cinder: authentication, the
token's catalog, version discovery and pagination for the discovery and check
modules; nova's compute services (PUT /os-services/{id} as nova 2.53+ answers it),
servers, live and cold migrations, confirm and abort for the maintenance modules;
for the maintenance planner, servers' embedded flavors, server groups, and
placement's inventories and usages (each compute's usage is the sum of its servers' flavors).
Module tests get one through the ``fake_cloud`` fixture of conftest.py, which
stops it when the test ends (``with`` stops it at the end of a block).  The real
cloud is the lab (tests/integration/lab).

A migration advances one step each time its server is read (GET /servers/{id}):
after ``steps`` reads a live migration has completed and a cold one waits in
VERIFY_RESIZE for its confirm.  ``behaviour[server_id]`` scripts it per method:
``{'live': 'refuse' | 'fail' | 'stuck'}`` (refused with HTTP 400, ended with
migration status error, or running until aborted); ``'no_valid_host': N``: the
first N migrations asked for it are refused as nova's scheduler refuses them
(HTTP 400 "No valid host was found."); ``'confirm': N``: a confirm leaves it in
VERIFY_RESIZE, its migration ``confirming``, for N more reads (as nova does while
the source compute cleans up; a second confirm meanwhile is refused as nova
refuses it, "Instance has not been resized.").
"""

import itertools
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


# nova's power_state of a server in each status (while it moves: the status it had).
POWER_STATES = {'ACTIVE': 1, 'PAUSED': 3, 'SHUTOFF': 4}


def free_port():
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def uuid(kind, number):
    return '%08d-0000-4000-8000-%012d' % (kind, number)


# What a server has unless a test says otherwise (the token's project is p1).
SERVER_DEFAULTS = dict(status='ACTIVE', task_state=None, host='compute1', project='p1',
                       flavor={'vcpus': 2, 'ram': 2048, 'disk': 20, 'ephemeral': 0, 'swap': 0,
                               'original_name': 'm1.small', 'extra_specs': {}})


class FakeCloud:
    """Keystone, nova, placement, neutron and (with_volume) cinder, served on 127.0.0.1.

    What the services answer is data the tests change:

    - nova's services: ``services`` (as PUT /os-services/{id} leaves them; ``service(host)``
      finds one), ``down`` (hosts whose every service is down) and ``disabled`` (host ->
      disabled_reason, None for none: every service of the host disabled);
    - nova's servers: ``servers`` (id -> server; ``add_server()`` adds one, assigning a list
      of dicts with id, status, task_state, host, project replaces them all), listed
      ``server_page`` a page; ``migrations``, ``behaviour`` and ``steps`` (see the module);
    - ``max_microversion`` (nova's), ``volume_version`` (cinder's maximum microversion);
    - neutron's agents: ``dead_agents`` and ``disabled_agents`` (by host);
    - cinder: ``volume_services`` (its listing), ``volume_service_type`` (its catalog type);
    - ``errors`` (path -> HTTP status), ``gates`` (path -> threading.Event answered once
      set), ``endpoints`` (service type -> catalog URL instead of the fake's own).

    Every request is recorded: ``requests`` (method, path), ``microversions`` (path,
    OpenStack-API-Version header) and ``bodies`` (method, path, JSON body).
    """

    def __init__(self, computes=2, page=2, with_network=True, link_prefix=None, with_volume=False,
                 server_page=1000, max_microversion='2.104'):
        self.computes = ['compute%d' % i for i in range(1, computes + 1)]
        self.page = page
        self.with_network = with_network
        self.with_volume = with_volume
        # Where next links point (nova's [api] compute_link_prefix); the server by default.
        self.link_prefix = link_prefix
        self.max_microversion = max_microversion
        self.requests = []
        self.microversions = []  # (path, OpenStack-API-Version header)
        self.bodies = []  # (method, path, JSON body) of every request with a body
        self.down = set()
        self.disabled = {}  # host -> disabled_reason (None: no reason) of its nova services
        self.services = [dict(id=uuid(1, i), binary=binary, host=host, zone=zone, status='enabled',
                              disabled_reason=None, forced_down=False)
                         for i, (binary, host, zone) in enumerate(
                             [('nova-conductor', 'controller', 'internal'),
                              ('nova-scheduler', 'controller', 'internal')]
                             + [('nova-compute', c, 'nova') for c in self.computes], 1)]
        self.dead_agents = set()
        self.disabled_agents = set()
        self.volume_services = [
            {'binary': 'cinder-scheduler', 'host': 'controller', 'status': 'enabled', 'state': 'up',
             'disabled_reason': None},
            {'binary': 'cinder-volume', 'host': 'controller@lvm', 'status': 'enabled', 'state': 'up',
             'disabled_reason': None}]
        self.volume_version = '3.70'
        self.volume_service_type = 'block-storage'  # as devstack registers it; kolla-ansible: volumev3
        self._servers = {}
        self.server_page = server_page  # servers a page, as nova's [api] max_limit
        self.server_groups = []  # dicts: id, policy, members
        self.inventories = {}  # host -> placement inventories (default: 8 VCPU, 8192 MEMORY_MB, 100 DISK_GB)
        self.migrations = []
        self.behaviour = {}
        self.confirms = []  # server ids, one per confirm nova accepted
        self.projects = {}  # Keystone project id -> its extra attributes (``openstack project set --property``)
        self.steps = 2
        self._ids = itertools.count(1)
        # path -> threading.Event: a GET of that path is answered once the event is set (at most
        # after 20 s, then with HTTP 503 so that a test waiting for it fails instead of hanging).
        self.gates = {}
        self.errors = {}  # path (with or without its trailing /) -> HTTP status it answers, with a message
        self.endpoints = {}  # service type -> the URL its catalog entry names
        self.lock = threading.Lock()
        self.started = self.stopped = False
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                cloud.handle(self, 'GET')

            def do_POST(self):
                cloud.handle(self, 'POST')

            def do_PUT(self):
                cloud.handle(self, 'PUT')

            def do_DELETE(self):
                cloud.handle(self, 'DELETE')

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

    # ------------------------------------------------------------------ compute state
    @property
    def servers(self):
        """id -> server, in the order nova lists them."""
        return self._servers

    @servers.setter
    def servers(self, servers):
        """Replace every server by these (dicts with an id; SERVER_DEFAULTS for what they leave out)."""
        self._servers = {}
        for server in servers.values() if isinstance(servers, dict) else servers:
            self._keep(server)

    def _keep(self, server):
        kept = dict(SERVER_DEFAULTS, name='vm-%s' % server['id'])
        kept.update(server)
        self._servers[kept['id']] = kept
        return kept['id']

    def add_server(self, name, host='compute1', status='ACTIVE', task_state=None, project='p1', flavor=None):
        """A server; ``flavor`` as nova embeds it from 2.47 (default 2 VCPU, 2 GiB, 20 GB)."""
        server = dict(id=uuid(2, next(self._ids)), name=name, host=host, status=status,
                      task_state=task_state, project=project)
        if flavor:
            server['flavor'] = flavor
        return self._keep(server)

    def service(self, host, binary='nova-compute'):
        return next(s for s in self.services if (s['host'], s['binary']) == (host, binary))

    def _service_view(self, s):
        up = s['host'] not in self.down and not s['forced_down']
        view = dict(s, state='up' if up else 'down', updated_at='2026-11-22T05:00:00.000000')
        if s['host'] in self.disabled:
            view.update(status='disabled', disabled_reason=self.disabled[s['host']])
        return view

    def _server_view(self, s):
        view = {'id': s['id'], 'name': s['name'], 'status': s['status'], 'tenant_id': s['project'],
                'user_id': 'u1', 'links': [], 'OS-EXT-STS:task_state': s['task_state'],
                'OS-EXT-SRV-ATTR:host': s['host'], 'OS-EXT-STS:vm_state': s['status'].lower(),
                'flavor': s['flavor'], 'image': {'id': 'img-1'}, 'metadata': s.get('metadata') or {},
                'OS-EXT-STS:power_state': POWER_STATES.get(s.get('was', s['status']), 0)}
        if s['status'] == 'ERROR':
            view['fault'] = {'code': 500, 'message': 'fake fault'}
        return view

    def _server_list(self, query):
        # As nova: the token's project's servers, every project's with all_tenants; on the hosts
        # asked (host); server_page a page, the next link carrying the other filters.
        everyone = query.get('all_tenants', ['0'])[0].lower() in ('1', 'true')
        hosts = query.get('host')
        servers = [s for s in self._servers.values()
                   if (everyone or s['project'] == 'p1') and (hosts is None or s['host'] in hosts)]
        ids = [s['id'] for s in servers]
        start = ids.index(query['marker'][0]) + 1 if 'marker' in query else 0
        chunk = servers[start:start + self.server_page]
        body = {'servers': [self._server_view(s) for s in chunk]}
        if start + self.server_page < len(servers):
            filters = [(key, value) for key, values in query.items() if key != 'marker' for value in values]
            body['servers_links'] = [{'rel': 'next', 'href': '%s/compute/v2.1/servers/detail?%s'
                                      % (self.url, urlencode([('marker', chunk[-1]['id'])] + filters))}]
        return body

    def _update_service(self, service_id, body):
        service = next((s for s in self.services if s['id'] == service_id), None)
        if service is None:
            return 404, {'itemNotFound': {'code': 404, 'message': 'Service %s could not be found.' % service_id}}
        if service['binary'] != 'nova-compute':
            return 400, {'badRequest': {'code': 400, 'message': 'Updating a %s service is not supported. Only '
                                        'nova-compute services can be updated.' % service['binary']}}
        if body.get('status') == 'enabled' and body.get('disabled_reason'):
            return 400, {'badRequest': {'code': 400, 'message': "Specifying 'disabled_reason' with status "
                                                                "'enabled' is invalid."}}
        if not set(body) & {'status', 'forced_down'}:
            return 400, {'badRequest': {'code': 400, 'message': 'No updates were requested.'}}
        if 'status' in body:
            service['status'] = body['status']
            service['disabled_reason'] = body.get('disabled_reason') if body['status'] == 'disabled' else None
        if 'forced_down' in body:
            service['forced_down'] = body['forced_down']
        return 200, {'service': self._service_view(service)}

    def _schedule(self, source, host):
        """The destination nova's scheduler would pick (None: no valid host)."""
        for s in self.services:
            view = self._service_view(s)
            if (s['binary'] == 'nova-compute' and s['host'] != source and (host is None or s['host'] == host)
                    and view['state'] == 'up' and view['status'] == 'enabled'):
                return s['host']
        return None

    def _action(self, server, body):
        live, cold = 'os-migrateLive' in body, 'migrate' in body
        if 'os-stop' in body or 'os-start' in body:  # nova: ACTIVE -> powering-off -> SHUTOFF (and back)
            if server['status'] != ('ACTIVE' if 'os-stop' in body else 'SHUTOFF') or server['task_state']:
                return 409, {'conflictingRequest': {'code': 409, 'message': 'Cannot %s instance %s while it is in '
                                                    'vm_state %s' % (list(body)[0], server['id'], server['status'])}}
            server.update(power_to='SHUTOFF' if 'os-stop' in body else 'ACTIVE',
                          task_state='powering-off' if 'os-stop' in body else 'powering-on')
            return 202, None
        if 'confirmResize' in body:
            finished = [m for m in self.migrations if m['instance_uuid'] == server['id'] and m['status'] == 'finished']
            if not finished:  # nova: Migration.get_by_instance_and_status(..., 'finished') -> MigrationNotFound
                return 400, {'badRequest': {'code': 400, 'message': 'Instance has not been resized.'}}
            self.confirms.append(server['id'])
            finished[-1]['status'] = 'confirming'
            finished[-1]['confirm_reads'] = self.behaviour.get(server['id'], {}).get('confirm', 0)
            self._confirmed(server)
            return 204, None
        if not (live or cold):
            return 400, {'badRequest': {'code': 400, 'message': 'unknown action %s' % list(body)}}
        method = 'live' if live else 'cold'
        allowed = ('ACTIVE', 'PAUSED') if live else ('ACTIVE', 'SHUTOFF')
        if server['status'] not in allowed or server['task_state']:
            return 409, {'conflictingRequest': {'code': 409, 'message': 'Cannot migrate instance %s while it is '
                                                'in vm_state %s' % (server['id'], server['status'].lower())}}
        if self.behaviour.get(server['id'], {}).get(method) == 'refuse':
            return 400, {'badRequest': {'code': 400, 'message': 'Migration pre-check error: fake refusal'}}
        if self.behaviour.get(server['id'], {}).get('no_valid_host', 0) > 0:
            self.behaviour[server['id']]['no_valid_host'] -= 1
            return 400, {'badRequest': {'code': 400, 'message': 'No valid host was found. There are not enough '
                                        'hosts available.'}}
        host = (body['os-migrateLive'] if live else body['migrate'] or {}).get('host')
        if host and host not in self.computes:
            return 400, {'badRequest': {'code': 400, 'message': 'Compute host %s could not be found.' % host}}
        migration = dict(id=next(self._ids), uuid=uuid(3, len(self.migrations) + 1), instance_uuid=server['id'],
                         migration_type='live-migration' if live else 'migration',
                         status='running' if live else 'migrating', source_compute=server['host'],
                         dest_compute=self._schedule(server['host'], host), steps=self.steps, method=method,
                         created_at='2026-11-22T05:00:00.000000', updated_at=None)
        self.migrations.append(migration)
        server.update(was=server['status'], status='MIGRATING' if live else 'RESIZE',
                      task_state='migrating' if live else 'resize_prep')
        return 202, None

    def _confirmed(self, server):
        """The source compute's part of a confirm: done once the migration's confirm_reads are used up."""
        migration = self._migration_of(server)
        if migration['status'] != 'confirming':
            return
        if migration['confirm_reads'] > 0:
            migration['confirm_reads'] -= 1
            return
        server.update(status=server.pop('was'))
        migration['status'] = 'confirmed'

    def _migration_of(self, server):
        return [m for m in self.migrations if m['instance_uuid'] == server['id']][-1]

    def _advance(self, server):
        """One step of the server's migration (or stop, or start) in progress (each time the server is read)."""
        if server.get('power_to'):
            server.update(status=server.pop('power_to'), task_state=None)
            return
        if server['status'] == 'VERIFY_RESIZE':
            self._confirmed(server)
        if not server['task_state'] or 'was' not in server:
            return
        migration = self._migration_of(server)
        how = self.behaviour.get(server['id'], {}).get(migration['method'])
        if how == 'stuck':
            return
        migration['steps'] -= 1
        if migration['steps'] > 0:
            return
        if how == 'fail' or migration['dest_compute'] is None:
            migration['status'] = 'error'
            server.update(status=server.pop('was'), task_state=None)
        elif migration['method'] == 'live':
            migration['status'] = 'completed'
            server.update(status=server.pop('was'), task_state=None, host=migration['dest_compute'])
        else:
            migration['status'] = 'finished'
            server.update(status='VERIFY_RESIZE', task_state=None, host=migration['dest_compute'])

    def _abort(self, server, migration_id):
        migration = next((m for m in self.migrations if str(m['id']) == migration_id
                          and m['instance_uuid'] == server['id']), None)
        if migration is None:
            return 404, {'itemNotFound': {'code': 404, 'message': 'migration %s not found' % migration_id}}
        if migration['method'] != 'live' or migration['status'] not in ('queued', 'preparing', 'running'):
            return 400, {'badRequest': {'code': 400, 'message': 'Migration %s state of instance %s is %s. Cannot '
                                        'abort live migration.' % (migration_id, server['id'], migration['status'])}}
        migration['status'] = 'cancelled'
        server.update(status=server.pop('was'), task_state=None)
        return 202, None

    def _compute_routes(self, method, path, query, body):
        """nova's services updates, servers and migrations (None: a path for _routes)."""
        parts = path[len('/compute/v2.1/'):].split('/')
        if method == 'PUT' and parts[0] == 'os-services' and len(parts) == 2:
            return self._update_service(parts[1], body)
        if method == 'GET' and path == '/compute/v2.1/os-server-groups':
            start, limit = int(query.get('offset', ['0'])[0]), int(query.get('limit', ['1000'])[0])
            return 200, {'server_groups': self.server_groups[start:start + limit]}
        if method == 'GET' and path == '/compute/v2.1/os-migrations':
            found = [m for m in self.migrations if m['instance_uuid'] in query.get('instance_uuid', [m['instance_uuid']])]
            return 200, {'migrations': [dict((k, v) for k, v in m.items() if k not in ('steps', 'method'))
                                        for m in found]}
        if parts[0] != 'servers':
            return None
        if method == 'GET' and parts[1:] == ['detail']:
            return 200, self._server_list(query)
        server = self._servers.get(parts[1]) if len(parts) > 1 else None
        if server is None:
            return 404, {'itemNotFound': {'code': 404, 'message': 'Instance could not be found.'}}
        if method == 'GET' and len(parts) == 2:
            self._advance(server)
            return 200, {'server': self._server_view(server)}
        if method == 'POST' and parts[2:] == ['action']:
            return self._action(server, body)
        if method == 'DELETE' and len(parts) == 4 and parts[2] == 'migrations':
            return self._abort(server, parts[3])
        return None

    # ------------------------------------------------------------------ routes
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

    def _routes(self, path, query):
        url = self.url
        if path.rstrip('/') == '/identity/v3':
            return 200, {'version': {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z',
                                     'links': [{'rel': 'self', 'href': url + '/identity/v3/'}],
                                     'media-types': [{'base': 'application/json',
                                                      'type': 'application/vnd.openstack.identity-v3+json'}]}}
        if path.rstrip('/') == '/compute/v2.1':
            return 200, {'version': {'id': 'v2.1', 'status': 'CURRENT', 'version': self.max_microversion,
                                     'min_version': '2.1', 'updated': '2013-07-23T11:33:21Z',
                                     'links': [{'rel': 'self', 'href': url + '/compute/v2.1/'}]}}
        if path.rstrip('/') == '/compute':
            return 200, {'versions': [{'id': 'v2.1', 'status': 'CURRENT', 'version': self.max_microversion,
                                       'min_version': '2.1',
                                       'links': [{'rel': 'self', 'href': url + '/compute/v2.1/'}]}]}
        if path == '/compute/v2.1/os-services':
            return 200, {'services': [self._service_view(s) for s in self.services]}
        if path.startswith('/identity/v3/projects/'):
            project_id = path.rsplit('/', 1)[1]
            if project_id not in self.projects:
                return 404, {'error': {'code': 404, 'message': 'Could not find project: %s.' % project_id}}
            return 200, {'project': dict(self.projects[project_id], id=project_id, name=project_id,
                                         domain_id='default', enabled=True, is_domain=False, parent_id='default')}
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
        if path.startswith('/placement/resource_providers/rp-'):
            host, _slash, what = path[len('/placement/resource_providers/rp-'):].partition('/')
            if what == 'inventories':
                return 200, {'resource_provider_generation': 1, 'inventories': self.inventories.get(host, {
                    rc: {'total': total, 'reserved': 0, 'allocation_ratio': 1.0, 'min_unit': 1, 'max_unit': total,
                         'step_size': 1} for rc, total in (('VCPU', 8), ('MEMORY_MB', 8192), ('DISK_GB', 100))})}
            if what == 'usages':
                on_host = [s['flavor'] for s in self.servers.values() if s['host'] == host]
                return 200, {'resource_provider_generation': 1, 'usages': {
                    'VCPU': sum(f['vcpus'] for f in on_host), 'MEMORY_MB': sum(f['ram'] for f in on_host),
                    'DISK_GB': sum(f['disk'] for f in on_host)}}
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
        body = json.loads(request.rfile.read(length)) if length else None
        if body is not None:
            self.bodies.append((method, parsed.path, body))
        headers = {}
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
            status = error
            body = {'computeFault': {'code': status, 'message': 'Unexpected API Error (fake).'}}
        elif parsed.path in self.gates and not self.gates[parsed.path].wait(20):
            status, body = 503, {'error': {'message': 'the gate of %s never opened' % parsed.path}}
        else:
            query = parse_qs(parsed.query)
            with self.lock:
                routed = (self._compute_routes(method, parsed.path, query, body)
                          if parsed.path.startswith('/compute/v2.1/') else None)
                status, body = routed or self._routes(parsed.path, query)
        data = json.dumps(body).encode() if body is not None else b''
        request.send_response(status)
        if body is not None:
            request.send_header('Content-Type', 'application/json')
        request.send_header('Content-Length', str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)
