"""The highly available lab's layout (``up --controllers 2``): hosts, HAProxy's configuration, the VIP,
the inventory the collection's upgrade role reads. Pure logic: nothing is started."""

import yaml

from osops_lab import services
from osops_lab.lab import Lab
from osops_lab.paths import LabPaths


def lab(tmp_path):
    return Lab(LabPaths(home=tmp_path / 'run', cache=tmp_path / 'cache'), log=lambda message: None)


def test_two_controllers_add_controller2_after_the_computes(tmp_path):
    hosts = lab(tmp_path).make_hosts(3, controllers=2)
    assert [(h.name, h.address, h.roles) for h in hosts] == [
        ('controller', services.host_address(0), ('controller',)),
        ('compute1', services.host_address(1), ('compute',)),
        ('compute2', services.host_address(2), ('compute',)),
        ('compute3', services.host_address(3), ('compute',)),
        ('controller2', services.CONTROLLER2_ADDRESS, ('api',)),
    ]
    assert [h.name for h in Lab.api_hosts(hosts)] == ['controller', 'controller2']
    assert [h.name for h in lab(tmp_path).make_hosts(2)] == ['controller', 'compute1', 'compute2']


def test_haproxy_serves_every_api_on_the_vip_over_both_controllers(tmp_path):
    hosts = lab(tmp_path).make_hosts(2, controllers=2)
    hosts[0].dir.mkdir(parents=True)
    program = services.haproxy_program(hosts[0], Lab.api_hosts(hosts))
    config = (hosts[0].dir / 'haproxy.cfg').read_text()
    assert program.command == f"/usr/sbin/haproxy -db -f {hosts[0].dir / 'haproxy.cfg'}"
    assert f"stats socket {services.haproxy_socket(hosts[0])} mode 600 level admin" in config
    for service, backend in services.HAPROXY_BACKENDS.items():
        port = services.CONTROLLER_PORTS[service]
        section = config.split(f"backend {backend}\n", 1)[1].split("\n\n", 1)[0]
        assert f"bind {services.VIP_ADDRESS}:{port}\n    default_backend {backend}" in config
        assert f"server controller {services.host_address(0)}:{port} check" in section
        assert f"server controller2 {services.CONTROLLER2_ADDRESS}:{port} check" in section
    # openstack-ansible's names, which the upgrade role's osops_upgrade_haproxy_backends default to
    assert services.HAPROXY_BACKENDS == {'keystone': 'keystone_service-back', 'placement': 'placement-back',
                                         'glance': 'glance_api-back', 'nova-api': 'nova_api_os_compute-back',
                                         'neutron': 'neutron_server-back'}


def test_clients_name_the_vip_and_servers_their_own_address():
    try:
        services.use_vip(True)
        assert services.keystone_url() == f"http://{services.VIP_ADDRESS}:5000/v3"
        assert services.url('nova-api', services.CONTROLLER2_ADDRESS) == f"http://{services.CONTROLLER2_ADDRESS}:8774"
    finally:
        services.use_vip(False)
    assert services.keystone_url() == f"http://{services.CONTROLLER_ADDRESS}:5000/v3"


def test_inventory_puts_controller2_in_the_api_groups_only(tmp_path):
    the_lab = lab(tmp_path)
    hosts = the_lab.make_hosts(2, controllers=2)
    the_lab.paths.home.mkdir(parents=True)
    the_lab._write_inventory(hosts)  # pylint: disable=protected-access
    inventory = yaml.safe_load(the_lab.paths.inventory.read_text())['all']
    groups = inventory['children']
    for group in ('keystone_all', 'placement_all', 'glance_all', 'neutron_server', 'nova_api_os_compute',
                  'nova_conductor', 'nova_scheduler'):
        assert list(groups[group]['hosts']) == ['controller', 'controller2'], group
    for group in ('galera_all', 'rabbitmq_all', 'haproxy_all'):
        assert list(groups[group]['hosts']) == ['controller'], group
    assert inventory['vars']['osops_upgrade_haproxy_socket'] == str(services.haproxy_socket(hosts[0]))
    the_lab._write_inventory(the_lab.make_hosts(2))  # pylint: disable=protected-access
    single = yaml.safe_load(the_lab.paths.inventory.read_text())['all']
    assert 'haproxy_all' not in single['children'] and 'osops_upgrade_haproxy_socket' not in single['vars']
