"""The lab's CloudKitty option: release data, configs, and what a lab without the option keeps."""

import configparser

import pytest

from osops_lab import cloudkitty, releases, services
from osops_lab.hosts import Host
from osops_lab.paths import LabPaths
from osops_lab.releases import RELEASES, UnknownRelease, check_options, venvs_for

#: cloudkitty of each lab release: the newest point release of its series on PyPI.
CLOUDKITTY = {'2024.1': '20.1.0', '2025.1': '22.1.0', '2025.2': '23.0.0', '2026.1': '24.0.0', '2026.2': '25.0.0'}


@pytest.mark.parametrize('name', list(CLOUDKITTY))
def test_every_release_has_its_cloudkitty_with_the_release_s_constraints(name):
    release = RELEASES[name]
    spec = release.spec('cloudkitty')
    assert (spec.name, spec.constraints) == ('cloudkitty-' + CLOUDKITTY[name], release.nova.constraints)
    assert spec.packages[0] == 'cloudkitty==' + CLOUDKITTY[name]
    assert releases.UWSGI in spec.packages and 'PyMySQL' in spec.packages
    assert ('setuptools<81' in spec.packages) == (name == '2024.1')


@pytest.mark.parametrize('name', list(CLOUDKITTY))
def test_a_lab_without_the_option_builds_the_five_venvs_only(name):
    release = RELEASES[name]
    assert 'cloudkitty' not in {s.service for s in venvs_for(release)}
    assert venvs_for(release, ('cloudkitty',)) == (*venvs_for(release), release.spec('cloudkitty'))


def test_options_checked_and_ordered():
    assert check_options(()) == ()
    assert check_options(('cloudkitty', 'cloudkitty')) == ('cloudkitty',)
    with pytest.raises(UnknownRelease) as info:
        check_options(('cloudkitty', 'gnocchi'))
    assert str(info.value) == "unknown lab option 'gnocchi'; the lab can add: cloudkitty"


def test_storage_sections():
    assert cloudkitty.storage_sections(1) == {'storage': {'version': 1, 'backend': 'sqlalchemy'}}
    v2 = cloudkitty.storage_sections(2)
    assert v2['storage'] == {'version': 2, 'backend': 'influxdb'}
    assert v2['storage_influxdb'] == {'host': services.CONTROLLER_ADDRESS, 'port': 8086, 'database': 'cloudkitty',
                                      'version': 1}
    for bad in (0, 3, '2'):
        with pytest.raises(ValueError, match='is not 1 or 2'):
            cloudkitty.storage_sections(bad)


@pytest.fixture(name='controller')
def controller_host(tmp_path):
    return Host('controller', services.CONTROLLER_ADDRESS, ('controller',), LabPaths(tmp_path / 'cache', tmp_path / 'home'))


@pytest.mark.parametrize('version,backend', [(1, 'sqlalchemy'), (2, 'influxdb')])
def test_cloudkitty_conf(controller, version, backend):
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(cloudkitty.cloudkitty_conf(controller, version))
    assert conf['storage']['version'] == str(version) and conf['storage']['backend'] == backend
    assert conf.has_section('storage_influxdb') == (version == 2)
    assert conf['database']['connection'] == services.db_url('cloudkitty')
    assert conf['DEFAULT']['transport_url'] == services.transport_url()
    assert conf['fetcher']['backend'] == 'keystone' and conf['fetcher_keystone']['username'] == 'cloudkitty'
    assert conf['keystone_authtoken']['username'] == 'cloudkitty'
    assert conf['orchestrator']['max_workers'] == '1'
    assert conf['DEFAULT']['api_paste_config'] == '/etc/cloudkitty/api_paste.ini'


def test_influxdb_listens_on_the_controller_only(controller):
    text = cloudkitty.influxdb_conf(controller)
    assert 'bind-address = "%s:8088"' % services.CONTROLLER_ADDRESS in text
    assert 'bind-address = "%s:8086"' % services.CONTROLLER_ADDRESS in text
    assert text.count('bind-address') == 2
    assert str(controller.lib / 'influxdb') in text
    assert 'reporting-disabled = true' in text


def test_api_app_module_when_present_else_the_script(tmp_path):
    site = tmp_path / 'lib' / 'python3.11' / 'site-packages' / 'cloudkitty' / 'wsgi'
    site.mkdir(parents=True)
    assert cloudkitty.api_app(tmp_path, '/openstack/venvs/cloudkitty-20.1.0') == (
        'wsgi-file', '/openstack/venvs/cloudkitty-20.1.0/bin/cloudkitty-api')
    (site / 'api.py').write_text('')
    assert cloudkitty.api_app(tmp_path, '/v') == ('module', 'cloudkitty.wsgi.api:application')


def test_programs_and_their_configs(controller, tmp_path):
    for d in cloudkitty.ETC:
        (controller.etc / d).mkdir(parents=True)
    venv = tmp_path / 'venv'
    (venv / 'lib' / 'python3.11' / 'site-packages' / 'cloudkitty' / 'wsgi').mkdir(parents=True)
    (venv / 'lib' / 'python3.11' / 'site-packages' / 'cloudkitty' / 'wsgi' / 'api.py').write_text('')
    spec = RELEASES['2025.1'].spec('cloudkitty')
    programs = cloudkitty.programs(controller, spec, venv, 2)
    assert [p.name for p in programs] == list(cloudkitty.PROGRAMS)
    assert programs[0].command == '/usr/bin/influxd run -config /etc/influxdb/influxdb.conf'
    assert programs[2].command.startswith('/openstack/venvs/cloudkitty-22.1.0/bin/cloudkitty-processor ')
    uwsgi = (controller.etc / 'cloudkitty' / 'cloudkitty-uwsgi.ini').read_text()
    assert 'http-socket = %s:8889\n' % services.CONTROLLER_ADDRESS in uwsgi
    assert 'module = cloudkitty.wsgi.api:application\n' in uwsgi
    for name in ('cloudkitty.conf', 'api_paste.ini', 'metrics.yml'):
        assert (controller.etc / 'cloudkitty' / name).is_file()


def test_the_option_s_ports_are_not_the_lab_s():
    assert not set(cloudkitty.PORTS.values()) & set(services.CONTROLLER_PORTS.values())
    assert cloudkitty.url() == 'http://%s:8889' % services.CONTROLLER_ADDRESS
    assert [p[1] for p in cloudkitty.ports()] == [8889, 8086, 8088]


def test_inventory_ports_and_etc_only_with_the_option(tmp_path):
    import yaml

    from osops_lab.lab import Lab

    paths = LabPaths(tmp_path / 'cache', tmp_path / 'home')
    paths.home.mkdir(parents=True)
    lab = Lab(paths, log=lambda _m: None)
    hosts = lab.make_hosts(2)
    groups = {}
    for options in ((), ('cloudkitty',)):
        lab._write_inventory(hosts, options)  # pylint: disable=protected-access
        groups[options] = yaml.safe_load(paths.inventory.read_text())['all']['children']
    assert 'cloudkitty_all' not in groups[()]
    assert groups[('cloudkitty',)].pop('cloudkitty_all') == {'hosts': {'controller': None}}
    assert groups[('cloudkitty',)] == groups[()]
    plain, with_ck = lab.lab_ports(2), lab.lab_ports(2, ('cloudkitty',))
    assert sorted(with_ck) == sorted(plain + cloudkitty.ports())
    assert Lab.etc_dirs(hosts[0]) == services.CONTROLLER_ETC
    assert Lab.etc_dirs(hosts[0], ('cloudkitty',)) == services.CONTROLLER_ETC + ('cloudkitty', 'influxdb')
    assert Lab.etc_dirs(hosts[1], ('cloudkitty',)) == services.COMPUTE_ETC
