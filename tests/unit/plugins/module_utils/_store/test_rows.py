"""Rows as plain data: what is kept of discovery parameters."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import rows as store_rows


@pytest.mark.parametrize('params,kept', [
    ({'password': 'x', 'username': 'admin'}, {'username': 'admin'}),
    ({'auth': {'token': 'x', 'auth_url': 'u'}}, {'auth': {'auth_url': 'u'}}),
    ({'keystone_url': 'u', 'api_key': 'x', 'client_key': '/k.pem'}, {'keystone_url': 'u'}),
    ({'hosts': [{'name': 'a', 'ssh_passwd': 'x'}]}, {'hosts': [{'name': 'a'}]}),
    ({'db_password': 'x', 'secret': 'x', 'credentials': {}}, {}),
])
def test_secrets_are_removed_from_discovery_params(params, kept):
    assert store_rows.without_secrets(params) == kept
