"""Reading the planner's input from nova's and placement's answers (JSON as the APIs give it)."""

import json

import pytest
import requests

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance import capacity

INVENTORY = {'VCPU': {'total': 8, 'reserved': 0, 'allocation_ratio': 4.0, 'min_unit': 1, 'max_unit': 8, 'step_size': 1},
             'MEMORY_MB': {'total': 16384, 'reserved': 512, 'allocation_ratio': 1.0, 'min_unit': 1,
                           'max_unit': 16384, 'step_size': 1}}


def flavor(vcpus=2, ram=2048, disk=20, ephemeral=0, swap=0, extra_specs=None):
    return {'vcpus': vcpus, 'ram': ram, 'disk': disk, 'ephemeral': ephemeral, 'swap': swap,
            'original_name': 'm1', 'extra_specs': extra_specs or {}}


def response(status, body):
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body).encode()  # pylint: disable=protected-access
    answer.headers['Content-Type'] = 'application/json'
    return answer


class Proxy:
    """An openstacksdk proxy's ``get`` over canned answers; records every call."""

    def __init__(self, routes):
        self.routes, self.calls = routes, []

    def get(self, path, params=None, microversion=None):
        self.calls.append((path, dict(params or {}), microversion))
        status, body = self.routes[path](dict(params or {})) if path in self.routes else (404, {'itemNotFound': {
            'message': 'no %s' % path}})
        return response(status, body)


class Conn:
    def __init__(self, servers, groups, services=None, providers=None, page=2):
        services = services or [
            {'host': 'controller', 'binary': 'nova-conductor', 'zone': 'internal', 'status': 'enabled', 'state': 'up'},
            {'host': 'compute1', 'binary': 'nova-compute', 'zone': 'az1', 'status': 'enabled', 'state': 'up'},
            {'host': 'compute2', 'binary': 'nova-compute', 'zone': 'az2', 'status': 'disabled', 'state': 'up'},
            {'host': 'compute3', 'binary': 'nova-compute', 'zone': 'az1', 'status': 'enabled', 'state': 'down'}]
        providers = providers or [{'uuid': 'rp-1', 'name': 'compute1.example.com'}, {'uuid': 'rp-2', 'name': 'compute2'},
                                  {'uuid': 'rp-3', 'name': 'compute3'}]

        def servers_page(params):
            start = int(params.get('marker', 0))
            body = {'servers': servers[start:start + page]}
            if start + page < len(servers):
                body['servers_links'] = [{'rel': 'next', 'href': 'http://nova.example.com/v2.1/servers/detail?'
                                                                 'all_tenants=True&limit=2&marker=%d' % (start + page)}]
            return 200, body

        def groups_page(params):
            start = int(params['offset'])
            return 200, {'server_groups': groups[start:start + int(params['limit'])]}
        self.compute = Proxy({'/os-services': lambda params: (200, {'services': services}),
                              '/servers/detail': servers_page, '/os-server-groups': groups_page})
        routes = {'/resource_providers': lambda params: (200, {'resource_providers': providers})}
        for provider in providers:
            routes['/resource_providers/%s/inventories' % provider['uuid']] = lambda params: (
                200, {'inventories': INVENTORY, 'resource_provider_generation': 3})
            routes['/resource_providers/%s/usages' % provider['uuid']] = lambda params, uuid=provider['uuid']: (
                200, {'usages': {'VCPU': 2 if uuid == 'rp-1' else 0, 'MEMORY_MB': 2048 if uuid == 'rp-1' else 0}})
        self.placement = Proxy(routes)


def server(sid, host, **kwargs):
    return dict({'id': sid, 'OS-EXT-SRV-ATTR:host': host, 'image': {'id': 'img'}, 'flavor': flavor(),
                 'status': 'ACTIVE', 'OS-EXT-STS:power_state': 1}, **kwargs)


def test_hosts_instances_and_groups_as_the_planner_takes_them(monkeypatch):
    monkeypatch.setattr(capacity, 'PAGE', 2)
    servers = [server('s1', 'compute1'), server('s2', 'compute1', image=''), server('s3', 'compute3'),
               server('s4', 'compute2', flavor=flavor(swap=512, ephemeral=10))]
    groups = [{'id': 'g1', 'policy': 'anti-affinity', 'members': ['s1', 's3']},
              {'id': 'g2', 'policies': ['affinity'], 'members': ['s2']},  # before microversion 2.64
              {'id': 'g3', 'policy': 'soft-anti-affinity', 'members': []}]
    conn = Conn(servers, groups)
    hosts, instances = capacity.read_capacity(conn)
    assert hosts == [
        {'name': 'compute1', 'az': 'az1', 'enabled': True, 'inventories': INVENTORY,
         'usages': {'VCPU': 2, 'MEMORY_MB': 2048}},
        {'name': 'compute2', 'az': 'az2', 'enabled': False, 'inventories': INVENTORY, 'usages': {'VCPU': 0, 'MEMORY_MB': 0}},
        {'name': 'compute3', 'az': 'az1', 'enabled': False, 'inventories': INVENTORY, 'usages': {'VCPU': 0, 'MEMORY_MB': 0}}]
    assert instances == [
        {'id': 's1', 'host': 'compute1', 'resources': {'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 20},
         'server_groups': [{'id': 'g1', 'policy': 'anti-affinity'}]},
        {'id': 's2', 'host': 'compute1', 'resources': {'VCPU': 2, 'MEMORY_MB': 2048},  # booted from a volume
         'server_groups': [{'id': 'g2', 'policy': 'affinity'}]},
        {'id': 's3', 'host': 'compute3', 'resources': {'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 20},
         'server_groups': [{'id': 'g1', 'policy': 'anti-affinity'}]},
        {'id': 's4', 'host': 'compute2', 'resources': {'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 31},
         'server_groups': []}]
    assert instances[0]['resources'] is instances[2]['resources']  # one dict per flavor
    # Every listing paged; flavors embedded (2.47), one policy per group (2.64); services of nova-compute only.
    assert [(path, params.get('marker'), micro) for path, params, micro in conn.compute.calls
            if path == '/servers/detail'] == [('/servers/detail', None, '2.47'), ('/servers/detail', '2', '2.47')]
    assert [(params['offset'], micro) for path, params, micro in conn.compute.calls
            if path == '/os-server-groups'] == [(0, '2.64'), (2, '2.64')]
    assert conn.compute.calls[0] == ('/os-services', {'binary': 'nova-compute'}, None)


@pytest.mark.parametrize('extra_specs,expected', [
    ({}, {'VCPU': 4, 'MEMORY_MB': 4096, 'DISK_GB': 40}),
    ({'resources:VCPU': '0', 'resources:PCPU': '4'}, {'PCPU': 4, 'MEMORY_MB': 4096, 'DISK_GB': 40}),
    ({'resources:CUSTOM_GPU': '1', 'hw:cpu_policy': 'dedicated'}, {'VCPU': 4, 'MEMORY_MB': 4096, 'DISK_GB': 40,
                                                                   'CUSTOM_GPU': 1}),
    ({'resources:VCPU': 'lots'}, {'VCPU': 4, 'MEMORY_MB': 4096, 'DISK_GB': 40}),
])
def test_flavor_resources_follow_nova(extra_specs, expected):
    assert capacity.flavor_resources(flavor(4, 4096, 40, extra_specs=extra_specs), False) == expected


def test_a_compute_without_a_resource_provider_has_no_room():
    services = [{'host': 'compute9', 'binary': 'nova-compute', 'zone': 'nova', 'status': 'enabled', 'state': 'up'}]
    hosts, _instances = capacity.read_capacity(Conn([], [], services=services))
    assert hosts == [{'name': 'compute9', 'az': 'nova', 'enabled': True, 'inventories': {}, 'usages': {}}]


def test_an_api_error_is_named():
    conn = Conn([], [])
    conn.compute.routes['/servers/detail'] = lambda params: (403, {'forbidden': {'message': 'Policy does not allow '
                                                                                            'os_compute_api:servers:detail'}})
    with pytest.raises(CloudError) as info:
        capacity.read_capacity(conn)
    assert info.value.msg == ('Cannot read servers (GET /servers/detail): HTTP 403, Policy does not allow '
                              'os_compute_api:servers:detail')
    conn.compute.routes['/servers/detail'] = lambda params: (200, {'nothing': []})
    with pytest.raises(CloudError) as info:
        capacity.read_capacity(conn)
    assert info.value.msg == 'Cannot read servers: GET /servers/detail has no servers list.'
