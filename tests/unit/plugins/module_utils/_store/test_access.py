"""A module's store: its password masked in every output, nothing created to read or predict."""

import os
import socket
import types

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store.access import module_store
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError


def osops_module(store):
    """What module_store uses of an OsopsModule: its params and its AnsibleModule's no_log values."""
    return types.SimpleNamespace(params={'store': store}, ansible=types.SimpleNamespace(no_log_values=set()))


def _closed_port():
    with socket.socket() as sock:  # nothing listens there once the probe socket is closed
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('password, decoded', [
    ('s3cret', 's3cret'),
    ('p%40ss%2Fw%3Ard', 'p@ss/w:rd'),  # percent-encoded, as a URL must carry @, / and :
])
def test_the_password_is_masked_as_written_and_as_the_driver_decodes_it(password, decoded):
    module = osops_module('postgresql+psycopg://osops:%s@127.0.0.1:%d/osops' % (password, _closed_port()))
    with pytest.raises(StoreError) as info:
        with module_store(module):
            pass
    assert module.ansible.no_log_values == {password, decoded}
    assert password not in info.value.msg and decoded not in info.value.msg


def test_a_url_without_a_password_masks_nothing(tmp_path):
    module = osops_module('sqlite:///%s' % (tmp_path / 'store.db'))
    with module_store(module) as store:
        assert store.url == module.params['store']
    assert module.ansible.no_log_values == set()


def test_reading_a_store_that_does_not_exist_creates_nothing(tmp_path):
    path = tmp_path / 'osops' / 'store.db'
    with module_store(osops_module('sqlite:///%s' % path), read_only=True) as store:
        assert store is None
    assert not os.path.exists(tmp_path / 'osops')


def test_predicting_without_a_store_uses_an_empty_one_in_memory(tmp_path):
    path = tmp_path / 'osops' / 'store.db'
    with module_store(osops_module('sqlite:///%s' % path), predict=True) as store:
        assert store.url == 'sqlite://'
        assert store_clusters.upsert_cluster(store, 'lab', 'api')['created'] is True
    assert not os.path.exists(tmp_path / 'osops')


@pytest.mark.parametrize('mode', [{'read_only': True}, {'predict': True}, {}])
def test_an_existing_store_is_the_one_opened(tmp_path, mode):
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    existing = store_engine.open_store(url)
    store_clusters.upsert_cluster(existing, 'lab', 'api')
    existing.close()
    with module_store(osops_module(url), **mode) as store:
        assert store.url == url
        assert [c['name'] for c in store_clusters.list_clusters(store)] == ['lab']


def test_without_the_option_the_environment_names_the_store(tmp_path, monkeypatch):
    path = tmp_path / 'env' / 'store.db'
    monkeypatch.setenv(store_engine.STORE_URL_ENV, 'sqlite:///%s' % path)
    with module_store(osops_module(None), read_only=True) as store:
        assert store is None
    with module_store(osops_module(None)) as store:
        assert store.url == 'sqlite:///%s' % path
    assert path.is_file()
