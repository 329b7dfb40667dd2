"""The host_versions and merge_host_versions filters give the discovery the versions the hosts run."""

import copy

import pytest

from ansible_collections.osops.lifecycle.plugins.filter.service_versions import host_versions, merge_host_versions

HOSTVARS = {
    'controller1': {'running': {'changed': False, 'host_versions_entry': {'nova': '32.2.1', 'keystone': '28.0.0'}}},
    'compute1': {'running': {'changed': False, 'host_versions_entry': {'nova': '32.2.1'}}},
    'db1': {'running': {'changed': False, 'host_versions_entry': {}}},  # answered, runs no known service
    'compute3': {'running': {'failed': True, 'msg': 'cannot read /proc'}},
    'spare1': {'running': {'unreachable': True, 'msg': 'Connection refused'}},
    'new1': {},  # did not run the module
}


def test_host_versions_of_the_hosts_that_answered():
    assert host_versions(list(HOSTVARS), HOSTVARS, 'running') == {
        'controller1': {'nova': '32.2.1', 'keystone': '28.0.0'}, 'compute1': {'nova': '32.2.1'}, 'db1': {}}


def test_host_versions_only_of_the_hosts_asked_and_the_name_registered():
    assert host_versions(['compute1', 'spare1'], HOSTVARS, 'running') == {'compute1': {'nova': '32.2.1'}}
    assert host_versions(list(HOSTVARS), HOSTVARS, 'other') == {}


READ = {'controller1': {'nova': '32.2.1', 'placement': '14.0.0'}, 'compute2': {'nova': '31.3.1'}, 'db1': {}}


@pytest.mark.parametrize('given,expected', [
    (None, {'controller1': {'nova': '32.2.1', 'placement': '14.0.0'}, 'compute2': {'nova': '31.3.1'}}),
    ({}, {'controller1': {'nova': '32.2.1', 'placement': '14.0.0'}, 'compute2': {'nova': '31.3.1'}}),
    # given versions win per host and project; the rest read is kept; given hosts not read stay
    ({'controller1': {'placement': '13.0.0'}, 'other1': {'glance': '31.0.0'}},
     {'controller1': {'nova': '32.2.1', 'placement': '13.0.0'}, 'compute2': {'nova': '31.3.1'},
      'other1': {'glance': '31.0.0'}}),
])
def test_merge_host_versions_given_versions_win(given, expected):
    params = {'inventory': '/etc/ansible/hosts', 'host_versions': given}
    before = copy.deepcopy(params)
    merged = merge_host_versions(params, READ)
    assert merged == {'inventory': '/etc/ansible/hosts', 'host_versions': expected}
    assert params == before


@pytest.mark.parametrize('read', [{}, {'db1': {}, 'db2': {}}])
def test_merge_host_versions_nothing_read_keeps_the_params(read):
    for params in ({'inventory': 'x'}, {'inventory': 'x', 'host_versions': None}):
        assert merge_host_versions(params, read) == params
