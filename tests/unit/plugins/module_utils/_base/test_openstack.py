"""The OpenStack base module: option translation and cloud selection."""

import pytest
import yaml

from ansible_collections.osops.lifecycle.plugins.module_utils._base import openstack as _openstack
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError


def params(**overrides):
    base = dict((name, spec.get('default')) for name, spec in _openstack.openstack_argument_spec().items())
    base.update(overrides)
    return base


def test_defaults_pass_only_what_is_set():
    assert _openstack.connection_kwargs(params()) == {'interface': 'public'}


def test_named_cloud_and_tls_options_are_translated():
    kwargs = _openstack.connection_kwargs(params(
        cloud='lab', region_name='RegionOne', validate_certs=False, ca_cert='/ca.pem',
        client_cert='/c.pem', client_key='/k.pem', api_timeout=30, interface='internal'))
    assert kwargs == {'cloud': 'lab', 'region_name': 'RegionOne', 'verify': False,
                      'cacert': '/ca.pem', 'cert': '/c.pem', 'key': '/k.pem',
                      'api_timeout': 30, 'interface': 'internal'}


def test_cloud_dict_is_the_whole_configuration():
    cloud = {'auth': {'auth_url': 'http://127.0.0.2:5000/v3'}, 'region_name': 'R'}
    assert _openstack.connection_kwargs(params(cloud=cloud)) == cloud


@pytest.mark.parametrize('option,value', [
    ('auth', {'password': 'hunter2'}), ('region_name', 'R'), ('api_timeout', 5), ('validate_certs', False),
])
def test_cloud_dict_conflicts_name_the_option_and_never_the_value(option, value):
    with pytest.raises(OptionError) as info:
        _openstack.connection_kwargs(params(cloud={'auth': {}}, **{option: value}))
    assert info.value.msg.startswith('Option %s:' % option)
    assert 'cloud is a dict' in info.value.msg
    assert 'hunter2' not in info.value.msg


def test_cloud_dict_with_non_default_interface():
    with pytest.raises(OptionError, match='Option interface:'):
        _openstack.connection_kwargs(params(cloud={}, interface='admin'))


def test_cloud_of_the_wrong_type():
    with pytest.raises(OptionError, match=r"Option cloud: got 5, expected a cloud name"):
        _openstack.connection_kwargs(params(cloud=5))


def write_clouds(tmp_path, name):
    path = tmp_path / 'clouds.yaml'
    path.write_text(yaml.safe_dump({'clouds': {name: {
        'auth': {'auth_url': 'http://127.0.0.2:5000/v3', 'username': 'admin',
                 'password': 'secret', 'project_name': 'admin',
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'region_name': 'RegionOne'}}}))
    return str(path)


@pytest.fixture
def clean_os_env(monkeypatch):
    for name in list(__import__('os').environ):
        if name.startswith('OS_'):
            monkeypatch.delenv(name)
    return monkeypatch


def test_awx_injected_devstack_cloud_is_used_without_a_cloud_option(tmp_path, clean_os_env):
    # AWX's OpenStack credential writes a clouds.yaml with one cloud named
    # "devstack" and points OS_CLIENT_CONFIG_FILE at it.
    clean_os_env.setenv('OS_CLIENT_CONFIG_FILE', write_clouds(tmp_path, 'devstack'))
    conn = _openstack.openstack.connect(**_openstack.connection_kwargs(params()))
    assert conn.config.name == 'devstack'
    assert conn.config.get_auth_args()['auth_url'] == 'http://127.0.0.2:5000/v3'


def test_named_cloud_from_os_client_config_file(tmp_path, clean_os_env):
    clean_os_env.setenv('OS_CLIENT_CONFIG_FILE', write_clouds(tmp_path, 'lab'))
    conn = _openstack.openstack.connect(**_openstack.connection_kwargs(params(cloud='lab', region_name='RegionOne')))
    assert (conn.config.name, conn.config.region_name) == ('lab', 'RegionOne')
