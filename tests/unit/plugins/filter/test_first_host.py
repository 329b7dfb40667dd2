"""The first_host filter picks one host of the play for a job of the whole cloud."""

import pytest

from ansible_collections.osops.lifecycle.plugins.filter.first_host import first_host

GROUPS = {
    'nova_api_os_compute': ['api2', 'api1'],
    'nova_conductor': ['cond1', 'api1'],
    'nova_compute': ['compute1', 'compute2'],
    'empty': [],
}
EVERY_HOST = ['api1', 'api2', 'cond1', 'compute1', 'compute2']


@pytest.mark.parametrize('group_names,play_hosts,expected', [
    # the groups in the order given, each group's hosts in inventory order
    (['nova_api_os_compute', 'nova_conductor'], EVERY_HOST, 'api2'),
    (['nova_conductor', 'nova_api_os_compute'], EVERY_HOST, 'cond1'),
    # hosts that left the play (or were not in it) are passed over
    (['nova_api_os_compute', 'nova_conductor'], ['api1', 'cond1'], 'api1'),
    (['nova_conductor', 'nova_compute'], ['compute2'], 'compute2'),
    # groups the inventory does not have, and empty ones, are skipped
    (['no_such_group', 'empty', 'nova_compute'], EVERY_HOST, 'compute1'),
    (['nova_compute'], ['api1'], None),
    (['no_such_group'], EVERY_HOST, None),
    ([], EVERY_HOST, None),
])
def test_first_host(group_names, play_hosts, expected):
    assert first_host(group_names, GROUPS, play_hosts) == expected
