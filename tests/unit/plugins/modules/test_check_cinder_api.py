"""check_cinder_api end to end: main() against the fake cloud over real HTTP through openstacksdk.

The fake (fake_cloud, conftest.py) serves keystone with a catalog, and cinder at /volume/v3
(with_volume) with its version document; the module reads that document as it would a real
cinder's.  The lab has no cinder, so this is the module's whole proof.
"""

import json

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_cinder_api
from ansible_collections.osops.lifecycle.tests.unit.plugins.modules.check_helpers import CHECK_FIELDS, outcome, without_durations

pytestmark = pytest.mark.usefixtures('no_user_cloud_config')

PASSWORD = 'cinder-Secret-9'


def run(run_module, fake, check_mode=False, **args):
    args.setdefault('cloud', fake.cloud(password=PASSWORD))
    return run_module(check_cinder_api.main, args, check_mode=check_mode)


def only_check(result):
    """The module's one check, after what every run must be (it returned, changed nothing, documented keys)."""
    assert result['_rc'] == 0 and 'failed' not in result, result
    assert result['changed'] is False
    (check,) = result['upgrade_checks']
    assert set(check) == CHECK_FIELDS
    assert (check['project'], check['name']) == ('nova', 'Cinder API')
    assert isinstance(check['duration'], float) and check['duration'] >= 0
    assert result['code'] == check['code']
    assert set(result['cinder']) == {'endpoint', 'max_microversion'}
    assert PASSWORD not in json.dumps(result)
    return check


def test_a_recent_cinder_is_a_success_read_from_its_version_document(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == ('Success', 0, None)
    assert result['cinder'] == {'endpoint': cloud.url + '/volume/v3', 'max_microversion': '3.70'}
    # read, not assumed: cinder's version document was asked for, and nothing but GETs (and the token)
    assert ('GET', '/volume/v3/') in cloud.requests
    assert {method for method, path in cloud.requests if path != '/identity/v3/auth/tokens'} == {'GET'}


def test_check_mode_gives_the_same_answer_the_same_way(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_version = '3.40'
    applied = run(run_module, cloud)
    asked = list(cloud.requests)
    checked = run(run_module, cloud, check_mode=True)
    assert outcome(only_check(checked))[0] == 'Failure'
    assert without_durations(checked) == without_durations(applied)
    assert cloud.requests[len(asked):] == asked


@pytest.mark.parametrize('offered,required,expected', [
    ('3.44', '3.44', 'Success'),  # exactly the minimum
    ('3.100', '3.44', 'Success'),  # compared as numbers: 3.100 is newer than 3.44
    ('3.43', '3.44', 'Failure'),
    ('3.9', '3.44', 'Failure'),  # compared as numbers: 3.9 is older than 3.44
    ('3.70', '3.71', 'Failure'),  # the option, not a constant
    ('3.27', '3.27', 'Success'),
])
def test_the_offered_microversion_against_the_required_one(run_module, fake_cloud, offered, required, expected):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_version = offered
    result = run(run_module, cloud, required_microversion=required)
    check = only_check(result)
    assert check['result'] == expected
    assert result['cinder']['max_microversion'] == offered
    if expected == 'Failure':
        assert (check['code'], check['details']) == (
            2, 'Cinder API %s or greater is required, it offers %s. Upgrade cinder before nova.'
            % (required, offered))
    else:
        assert (check['code'], check['details']) == (0, None)


def test_the_default_requirement_is_3_44(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_version = '3.43'
    check = only_check(run(run_module, cloud))
    assert check['details'].startswith('Cinder API 3.44 or greater is required, it offers 3.43.')


def test_cinder_registered_as_volumev3_is_found(run_module, fake_cloud):
    # kolla-ansible registers cinder with the type volumev3, an alias of block-storage.
    cloud = fake_cloud(with_volume=True)
    cloud.volume_service_type = 'volumev3'
    cloud.volume_version = '3.43'
    result = run(run_module, cloud)
    assert only_check(result)['result'] == 'Failure'
    assert result['cinder'] == {'endpoint': cloud.url + '/volume/v3', 'max_microversion': '3.43'}


def test_no_cinder_in_the_catalog_is_a_success_that_says_so(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=False)
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Success', 0, 'Cinder is not in the service catalog; nothing to check.')
    assert result['cinder'] == {'endpoint': None, 'max_microversion': None}
    assert not [path for path in cloud.paths() if path.startswith('/volume')]


def test_the_catalog_of_a_clouds_yaml_cloud(run_module, fake_cloud, tmp_path, monkeypatch):
    cloud = fake_cloud(with_volume=True)
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', cloud.write_clouds_yaml(tmp_path / 'clouds.yaml', 'lab', PASSWORD))
    result = run(run_module, cloud, cloud='lab')
    assert outcome(only_check(result)) == ('Success', 0, None)
    assert result['cinder']['endpoint'] == cloud.url + '/volume/v3'


def test_cinder_answering_an_error_is_a_failure_naming_the_endpoint(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.errors['/volume/v3'] = 500
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Failure', 2, 'Cinder API: GET %s/volume/v3 answered HTTP 500' % cloud.url)
    assert result['cinder'] == {'endpoint': cloud.url + '/volume/v3', 'max_microversion': None}
    assert 'Traceback' not in json.dumps(result)


def test_cinder_answering_503_every_try_is_a_failure_naming_the_endpoint(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.errors['/volume/v3'] = 503
    result = run(run_module, cloud)
    result_name, code, details = outcome(only_check(result))
    assert (result_name, code) == ('Failure', 2)
    assert details.startswith('Cinder API: GET %s/volume/v3/ (block-storage API) answered 503 Service Unavailable '
                              '4 times in ' % cloud.url), details
    assert details.endswith('(retried 3 times with backoff, api_retries is 3). The service, or the load balancer '
                            'in front of it, is not ready: check its API processes and the load balancer\'s '
                            'backends, then run again (api_retries allows more tries).')
    assert result['cinder'] == {'endpoint': cloud.url + '/volume/v3', 'max_microversion': None}
    assert 'Traceback' not in json.dumps(result)


def test_cinder_not_answering_is_a_failure_naming_the_endpoint(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    endpoint = cloud.closed_url('/volume/v3')
    cloud.endpoints['block-storage'] = endpoint
    result = run(run_module, cloud)
    result_name, code, details = outcome(only_check(result))
    assert (result_name, code) == ('Failure', 2)
    assert details.startswith('Cinder API: GET %s/ (block-storage API) refused the connection 4 times in '
                              % endpoint), details
    assert details.endswith('Is the service running, and is this its address?')
    assert result['cinder'] == {'endpoint': endpoint, 'max_microversion': None}


def test_a_version_document_that_is_not_one_is_a_failure(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_version = None  # no maximum named at all
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Failure', 2, 'Cinder API: the version document at %s/volume/v3 is not one of an OpenStack API' % cloud.url)
    assert result['cinder']['max_microversion'] is None


def test_a_version_number_that_is_not_a_microversion_is_a_failure(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.volume_version = 'three'
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == (
        'Failure', 2, 'Cinder API: the version document at %s/volume/v3 is not one of an OpenStack API' % cloud.url)
    assert result['cinder']['max_microversion'] is None


def test_keystone_not_answering_is_an_error_of_the_check(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    config = cloud.cloud(password=PASSWORD)
    config['auth']['auth_url'] = cloud.closed_url('/identity/v3')
    result = run(run_module, cloud, cloud=config)
    check = only_check(result)
    assert (check['result'], check['code'], result['code']) == ('Error', 255, 255)
    assert check['details'].startswith('Cannot read the service catalog: ')
    assert config['auth']['auth_url'] in check['details']
    assert result['cinder'] == {'endpoint': None, 'max_microversion': None}
    assert cloud.requests == []


@pytest.mark.parametrize('value', ['3', '3.44.1', 'latest', '', 'v3.44', '3.044'])
def test_a_malformed_required_microversion_fails_the_module(run_module, fake_cloud, value):
    cloud = fake_cloud(with_volume=True)
    result = run(run_module, cloud, required_microversion=value)
    assert result['failed'] is True and result['_rc'] == 1
    assert result['msg'] == "Option required_microversion: got %r, expected a microversion such as 1.36." % value
    assert 'upgrade_checks' not in result
    assert cloud.requests == []  # refused before any request


def test_an_unknown_option_fails_the_module(run_module, fake_cloud):
    result = run(run_module, fake_cloud(with_volume=True), microversion='3.44')
    assert result['failed'] is True
    assert 'microversion' in result['msg'] and 'Supported parameters include' in result['msg']


@pytest.mark.parametrize('broken', [False, True])
def test_a_password_in_a_cloud_dict_never_appears_in_the_output(run_module, fake_cloud, broken):
    cloud = fake_cloud(with_volume=True)
    if broken:
        cloud.errors['/volume/v3'] = 500
    result = run(run_module, cloud, cloud=cloud.cloud(password='dict-Pa55-word'))
    output = json.dumps(result)
    assert result['upgrade_checks'][0]['result'] == ('Failure' if broken else 'Success')
    assert 'dict-Pa55-word' not in output and 'fake-token' not in output
    # the dict is returned (invocation), its password masked
    assert result['invocation']['module_args']['cloud']['auth']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_a_password_in_the_auth_option_never_appears_in_the_output(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    config = cloud.cloud(password='auth-Pa55-word')
    result = run(run_module, cloud, cloud=None, auth=config['auth'], auth_type='password',
                 region_name='RegionOne')
    assert only_check(result)['result'] == 'Success'
    assert 'auth-Pa55-word' not in json.dumps(result)


def test_a_catalog_url_with_the_project_id_reads_the_version_document(run_module, fake_cloud):
    cloud = fake_cloud(with_volume=True)
    cloud.endpoints['block-storage'] = cloud.url + '/volume/v3/p1'
    result = run(run_module, cloud)
    assert outcome(only_check(result)) == ('Success', 0, None)
