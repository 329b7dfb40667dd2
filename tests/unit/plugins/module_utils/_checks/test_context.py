"""CheckContext: what a check reads is built on first use, once per key of its shared cache."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._base import openstack as _openstack
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.context import CheckContext
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service import nova_db as _nova_db


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / 'nova.conf'
    path.write_text('[upgrade_levels]\ncompute = auto\n')
    return dict(config_files=[str(path)], config_dir=None)


def test_config_is_read_once_per_project_and_files(conf, tmp_path):
    shared = {}
    first = CheckContext(conf, 'nova', {}, shared)
    second = CheckContext(dict(conf), 'nova', {}, shared)
    assert first.config is second.config is first.service_config('nova')
    assert first.config.get('upgrade_levels', 'compute') == 'auto'
    other = tmp_path / 'other.conf'
    other.write_text('')
    assert CheckContext(dict(conf, config_files=[str(other)]), 'nova', {}, shared).config is not first.config
    assert first.service_config('cinder') is not first.config and len(shared) == 3


def test_a_missing_config_raises_every_time_it_is_asked_for(tmp_path):
    ctx = CheckContext(dict(config_files=[str(tmp_path / 'absent.conf')], config_dir=None), 'nova', {})
    for attempt in (1, 2):
        with pytest.raises(OsopsError, match='absent.conf of nova does not exist'):
            ctx.config


def test_nova_database_is_opened_once_from_nova_config(conf, monkeypatch):
    opened = []

    class Database:
        def __init__(self, config):
            opened.append(config)

    monkeypatch.setattr(_nova_db, 'NovaDatabase', Database)
    shared = {}
    # The upgrade path check's project is openstack; nova's database still comes from nova's config.
    ctx = CheckContext(conf, 'openstack', {}, shared)
    assert ctx.database is ctx.database is CheckContext(conf, 'nova', {}, shared).database
    assert [config.project for config in opened] == ['nova']


def test_one_connection_per_connection_options(monkeypatch):
    made = []
    monkeypatch.setattr(_openstack.openstack, 'connect', lambda **kwargs: made.append(kwargs) or object())
    monkeypatch.setattr(_openstack, 'install', lambda conn, retries: conn)  # no session to retry with
    shared = {}
    lab = CheckContext({'cloud': 'lab', 'interface': 'public'}, 'nova', {}, shared)
    assert lab.conn is lab.conn is CheckContext({'cloud': 'lab', 'interface': 'public'}, 'nova', {}, shared).conn
    assert CheckContext({'cloud': 'lab', 'interface': 'internal'}, 'nova', {}, shared).conn is not lab.conn
    assert made == [{'cloud': 'lab', 'interface': 'public'}, {'cloud': 'lab', 'interface': 'internal'}]


def test_a_cloud_that_cannot_be_loaded_is_a_cloud_error(monkeypatch):
    def connect(**kwargs):
        raise _openstack.openstack.exceptions.ConfigException('Cloud nope was not found.')

    monkeypatch.setattr(_openstack.openstack, 'connect', connect)
    with pytest.raises(CloudError, match=r'^Cannot load the cloud configuration: Cloud nope was not found\. Name a'):
        CheckContext({'cloud': 'nope'}, 'nova', {}).conn
