"""The lab's service layout: WSGI entry points of each release, addresses and ports of a lab."""

import importlib.util
import sys

import pytest

from osops_lab import services
from osops_lab.releases import RELEASES

VIEW = '/openstack/venvs/%s'


def fake_venv(tmp_path, modules=()):
    """A venv tree with an empty site-packages, plus the given dotted modules as files."""
    site = tmp_path / 'venv' / 'lib' / 'python3.11' / 'site-packages'
    site.mkdir(parents=True)
    for module in modules:
        path = site.joinpath(*module.split('.')).with_suffix('.py')
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('application = None\n')
    return tmp_path / 'venv'


@pytest.mark.parametrize('service,module', [
    ('keystone', 'keystone.wsgi.api'),
    ('placement', 'placement.wsgi.api'),
    ('glance', 'glance.wsgi.api'),
    ('neutron', 'neutron.wsgi.api'),
])
def test_wsgi_app_module_when_present(tmp_path, service, module):
    venv = fake_venv(tmp_path, [module, module.rsplit('.', 1)[0] + '.__init__'])
    spec = RELEASES['2026.2'].spec(service)
    assert services.wsgi_app(service, venv, VIEW % spec.name) == ('module', module + ':application')


@pytest.mark.parametrize('service,script', [
    ('keystone', 'keystone-wsgi-public'),
    ('placement', 'placement-api'),
    ('glance', 'glance-wsgi-api'),
    ('neutron', 'neutron-api'),
])
def test_wsgi_app_script_when_module_absent(tmp_path, service, script):
    # another module of the package does not count: only <service>.wsgi.api does
    venv = fake_venv(tmp_path, [service + '.wsgi.__init__', service + '.wsgi.other'])
    spec = RELEASES['2024.1'].spec(service)
    assert services.wsgi_app(service, venv, VIEW % spec.name) == (
        'wsgi-file', '/openstack/venvs/%s-%s/bin/%s' % (service, spec.version, script))


def test_wsgi_app_looks_in_the_given_venv_only(tmp_path):
    with_module = fake_venv(tmp_path / 'a', ['glance.wsgi.api'])
    without = fake_venv(tmp_path / 'b')
    assert services.wsgi_app('glance', with_module, '/v')[0] == 'module'
    assert services.wsgi_app('glance', without, '/v') == ('wsgi-file', '/v/bin/glance-wsgi-api')


def test_wsgi_app_unknown_service(tmp_path):
    with pytest.raises(KeyError):
        services.wsgi_app('nova', fake_venv(tmp_path), '/v')


def test_nova_api_app(tmp_path):
    old = services.NovaLayout(fake_venv(tmp_path / 'old'), '/openstack/venvs/nova-29.4.0')
    new = services.NovaLayout(fake_venv(tmp_path / 'new', ['nova.wsgi.osapi_compute']), '/openstack/venvs/nova-33.0.2')
    assert old.api_app() == ('wsgi-file', '/openstack/venvs/nova-29.4.0/bin/nova-api-wsgi')
    assert new.api_app() == ('module', 'nova.wsgi.osapi_compute:application')


def test_lab_net_default(monkeypatch):
    monkeypatch.delenv('OSOPS_LAB_NET', raising=False)
    assert services._lab_net() == '127.0.0'


@pytest.mark.parametrize('net', ['127.0.1', '127.0.0', '127.255.255', '127.1.0'])
def test_lab_net_accepted(monkeypatch, net):
    monkeypatch.setenv('OSOPS_LAB_NET', net)
    assert services._lab_net() == net


@pytest.mark.parametrize('net', ['10.0.0', '127.0', '127.0.300', 'garbage', '127.0.1.2', '127.0.-1', '', '127.0.1 '])
def test_lab_net_refused(monkeypatch, net):
    monkeypatch.setenv('OSOPS_LAB_NET', net)
    with pytest.raises(SystemExit) as info:
        services._lab_net()
    assert info.value.code == 'OSOPS_LAB_NET=%r is not three octets inside 127.0.0.0/8 (e.g. 127.0.1)' % net


def load_services(monkeypatch, net):
    """A fresh copy of osops_lab.services imported with ``OSOPS_LAB_NET=net`` (the shared one is untouched)."""
    if net is None:
        monkeypatch.delenv('OSOPS_LAB_NET', raising=False)
    else:
        monkeypatch.setenv('OSOPS_LAB_NET', net)
    name = 'osops_lab._services_under_test'
    spec = importlib.util.spec_from_file_location(name, services.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up
    monkeypatch.setattr(sys, 'dont_write_bytecode', True)
    spec.loader.exec_module(module)
    return module


def test_default_net_addresses_and_ports(monkeypatch):
    lab = load_services(monkeypatch, None)
    assert lab.CONTROLLER_ADDRESS == '127.0.0.2'
    assert [lab.host_address(i) for i in range(3)] == ['127.0.0.2', '127.0.0.3', '127.0.0.4']
    assert lab.CONTROLLER_PORTS['epmd'] == 4369
    assert lab.CONTROLLER_PORTS['rabbitmq-dist'] == 25672
    assert lab.keystone_url() == 'http://127.0.0.2:5000/v3'


@pytest.mark.parametrize('net,offset', [('127.0.1', 1), ('127.0.255', 255), ('127.1.0', 256), ('127.2.3', 515)])
def test_second_net_moves_addresses_and_node_ports(monkeypatch, net, offset):
    lab = load_services(monkeypatch, net)
    assert lab.CONTROLLER_ADDRESS == net + '.2'
    assert lab.host_address(2) == net + '.4'
    assert lab.CONTROLLER_PORTS['epmd'] == 4369 + offset
    assert lab.CONTROLLER_PORTS['rabbitmq-dist'] == 25672 + offset
    # the servers that bind the lab's own address keep their ports
    for name in ('keystone', 'placement', 'nova-api', 'glance', 'neutron', 'rabbitmq', 'mariadb'):
        assert lab.CONTROLLER_PORTS[name] == services.CONTROLLER_PORTS[name]
    assert lab.transport_url() == 'rabbit://guest:guest@%s.2:5672/' % net
    assert lab.db_url('nova') == 'mysql+pymysql://osops:secret@%s.2:3306/nova?charset=utf8' % net


def test_two_labs_do_not_share_ports(monkeypatch):
    first = load_services(monkeypatch, '127.0.0').CONTROLLER_PORTS
    second = load_services(monkeypatch, '127.0.1').CONTROLLER_PORTS
    moved = {first['epmd'], first['rabbitmq-dist']} & {second['epmd'], second['rabbitmq-dist']}
    assert not moved
    assert len(set(first.values())) == len(first)
