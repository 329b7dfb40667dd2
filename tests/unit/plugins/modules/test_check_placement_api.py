"""check_placement_api edge cases; the real proof runs against the lab's Placement."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._base import openstack as _openstack
from ansible_collections.osops.lifecycle.plugins.modules import check_placement_api


@pytest.mark.parametrize('text,expected', [
    ('1.36', (1, 36)), ('1.4', (1, 4)), ('2.104', (2, 104)),
    ('1', None), ('1.2.3', None), ('latest', None), ('', None), ('1.036', None),
])
def test_microversion(text, expected):
    parsed = _openstack.microversion(text)
    assert (parsed.release if parsed else None) == expected


def test_microversions_compare_numerically():
    assert _openstack.microversion('1.36') > _openstack.microversion('1.4')


class FakeResponse:
    def __init__(self, status, body):
        self.status_code, self._body = status, body

    def json(self):
        if isinstance(self._body, Exception):
            raise self._body
        return self._body


class BrokenDiscovery:
    """A connection whose proxy fails while it is built, as openstacksdk's does for a down service."""

    @property
    def placement(self):
        raise _openstack.openstack.exceptions.ServiceDiscoveryException('Failed to discover placement')


def test_a_proxy_that_fails_to_build_is_a_reason_not_a_crash():
    maximum, problem = _openstack.api_max_microversion(BrokenDiscovery(), 'placement', URL)
    assert maximum is None and problem.startswith('request to %s failed: Failed to discover' % URL)


class FakeProxy:
    def __init__(self, outcome):
        self.outcome = outcome

    def get(self, path, raise_exc=True):
        assert (path, raise_exc) == ('/', False)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


URL = 'http://127.0.0.2:8778'


@pytest.mark.parametrize('outcome,expected', [
    (FakeResponse(200, {'versions': [{'id': 'v1.0', 'max_version': '1.39', 'min_version': '1.0'}]}),
     ((1, 39), None)),
    (FakeResponse(503, {}), (None, 'GET %s answered HTTP 503' % URL)),
    (FakeResponse(200, ValueError('not json')), (None, 'the version document at %s is not one of an OpenStack API' % URL)),
    (FakeResponse(200, {'versions': []}), (None, 'the version document at %s is not one of an OpenStack API' % URL)),
    (_openstack.ksa_exceptions.ConnectFailure('refused'),
     (None, 'cannot connect to %s: is the service running?' % URL)),
    (_openstack.ksa_exceptions.Unauthorized('no'),
     (None, 'the cloud rejected the credentials (HTTP 401); check auth in clouds.yaml or the auth option')),
])
def test_api_max_microversion(outcome, expected):
    conn = type('Conn', (), {'placement': FakeProxy(outcome)})()
    maximum, problem = _openstack.api_max_microversion(conn, 'placement', URL)
    assert ((maximum.release if maximum else None), problem) == expected


def test_bad_required_microversion_fails_naming_the_option(run_module, tmp_path, monkeypatch):
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text('clouds: {lab: {auth: {auth_url: "http://127.0.0.2:5000/v3"}}}\n')
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds))
    result = run_module(check_placement_api.main, {'cloud': 'lab', 'required_microversion': 'new'})
    assert result['failed'] is True
    assert result['msg'] == "Option required_microversion: got 'new', expected a microversion such as 1.36."


def test_unknown_cloud_is_an_error_of_the_check(run_module, tmp_path, monkeypatch):
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text('clouds: {lab: {auth: {auth_url: "http://127.0.0.2:5000/v3"}}}\n')
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds))
    result = run_module(check_placement_api.main, {'cloud': 'nope'})
    assert 'failed' not in result
    (check,) = result['upgrade_checks']
    assert (check['result'], result['code']) == ('Error', 255)
    assert check['details'].startswith('Cannot load the cloud configuration: Cloud nope was not found. '
                                       'Name a cloud defined in clouds.yaml')
    assert result['placement'] == {'endpoint': None, 'max_microversion': None}


def test_no_cloud_at_all_is_an_error_of_the_check(run_module, tmp_path, monkeypatch):
    for name in [n for n in __import__('os').environ if n.startswith('OS_')]:
        monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(tmp_path / 'absent.yaml'))
    result = run_module(check_placement_api.main, {})
    (check,) = result['upgrade_checks']
    assert check['result'] == 'Error'
    assert 'auth_url' in check['details'] and 'OS_CLOUD' in check['details']


def test_cloud_dict_conflict_fails_the_module(run_module):
    result = run_module(check_placement_api.main, {'cloud': {'auth': {}}, 'region_name': 'R'})
    assert result['failed'] is True
    assert result['msg'].startswith('Option region_name: ')


def test_credentials_never_appear_in_the_result(run_module, tmp_path, monkeypatch):
    monkeypatch.delenv('OS_CLIENT_CONFIG_FILE', raising=False)
    monkeypatch.setenv('HOME', str(tmp_path))
    result = run_module(check_placement_api.main, {
        'auth': {'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin',
                 'password': 'sup3r-s3cret', 'project_name': 'admin',
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'api_timeout': 2})
    assert 'sup3r-s3cret' not in str(result)
    (check,) = result['upgrade_checks']
    # The auth_url is a value of the no_log auth option: Ansible shows it as ********.
    assert check['result'] == 'Error'
    assert check['details'].startswith(
        'Cannot read the service catalog: POST ********/auth/tokens (identity API, the auth_url) refused the '
        'connection 4 times in '), check['details']
    assert check['details'].endswith(
        '(retried 3 times with backoff, api_retries is 3). Is the service running, and is this its address?')


def test_credentials_in_a_cloud_dict_never_appear_in_the_result(run_module, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    result = run_module(check_placement_api.main, {'cloud': {
        'auth': {'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin', 'password': 'dict-s3cret',
                 'project_name': 'admin', 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'api_timeout': 2}})
    assert 'dict-s3cret' not in str(result)
    assert result['upgrade_checks'][0]['result'] == 'Error'
