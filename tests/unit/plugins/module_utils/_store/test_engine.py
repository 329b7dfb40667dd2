"""Opening the store: which URL, and errors that are clear and never show a password."""

import socket

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import SECRET


def _closed_port():
    with socket.socket() as sock:  # nothing listens there once the probe socket is closed
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('url,expected', [
    ('postgresql+psycopg://osops:%s@127.0.0.1:{port}/osops' % SECRET,
     'Cannot open store postgresql+psycopg://osops:***@127.0.0.1:{port}/osops: '),
    ('mysql+pymysql://osops:%s@127.0.0.1:{port}/osops' % SECRET,
     'Cannot open store mysql+pymysql://osops:***@127.0.0.1:{port}/osops: '),
    ('postgresql+psycopg://osops:%s@127.0.0.1:notaport/osops' % SECRET,
     'Cannot parse the store URL postgresql+psycopg://osops:***@127.0.0.1:notaport/osops; '),
    ('oracle+oracledb://osops:%s@127.0.0.1/osops' % SECRET,
     'Cannot open store oracle+oracledb://osops:***@127.0.0.1/osops: oracle databases are not supported'),
    ('postgresql+nosuchdriver://osops:%s@127.0.0.1/osops' % SECRET,
     'Cannot open store postgresql+nosuchdriver://osops:***@127.0.0.1/osops: '),
    ('not a url at all', 'Cannot parse the store URL not a url at all; expected sqlite:///PATH'),
])
def test_open_errors_are_clear_and_hide_the_password(url, expected):
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url.format(port=port))
    error = info.value
    assert isinstance(error, OsopsError)
    assert error.msg.startswith(expected.format(port=port))
    for text in (error.msg, str(error), repr(error.result), repr(error)):
        assert SECRET not in text
    # No chained database exception (whose text could hold the URL) in a traceback.
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


@pytest.mark.parametrize('password', ['Xq7z@Kv9w-1', 'Xq7z@Kv9w@Lm3n-2'])
def test_an_unencoded_at_in_the_password_is_refused_without_showing_any_of_it(password):
    url = 'postgresql+psycopg://osops:%s@127.0.0.1:%d/osops' % (password, _closed_port())
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert info.value.msg.startswith('Cannot open store postgresql+psycopg://osops:***@127.0.0.1:')
    assert 'percent-encode it (@ as %40' in info.value.msg
    for part in password.split('@'):
        assert part not in info.value.msg


def test_a_percent_encoded_password_is_hidden_in_both_forms(postgres):
    password = 'p@ss-Word-9'
    url = postgres.url().replace(':%s@' % postgres.password, ':%s@' % password.replace('@', '%40'))
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert 'password authentication failed' in info.value.msg
    assert password not in info.value.msg and 'p%40ss' not in info.value.msg


def test_a_sqlite_file_that_cannot_be_created_is_named(tmp_path):
    (tmp_path / 'file').write_text('not a directory')
    url = 'sqlite:///%s' % (tmp_path / 'file' / 'sub' / 'store.db')
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert info.value.msg.startswith('Cannot open store %s: ' % url)
    assert str(tmp_path / 'file') in info.value.msg


def test_connection_refused_is_named():
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        store_engine.open_store('postgresql+psycopg://osops:%s@127.0.0.1:%d/osops' % (SECRET, port))
    assert 'Connection refused' in info.value.msg


def test_a_wrong_password_on_a_real_server_is_not_echoed(postgres):
    url = postgres.url().replace(postgres.password, SECRET)
    with pytest.raises(StoreError) as info:
        store_engine.open_store(url)
    assert 'password authentication failed for user "osops"' in info.value.msg
    assert SECRET not in info.value.msg and postgres.password not in info.value.msg


def test_default_store_is_a_sqlite_file_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv(store_engine.STORE_URL_ENV, raising=False)
    opened = store_engine.open_store()
    opened.close()
    assert opened.url == 'sqlite:///%s' % (tmp_path / '.ansible' / 'osops' / 'store.db')
    assert (tmp_path / '.ansible' / 'osops' / 'store.db').is_file()


def test_the_environment_names_the_store_unless_the_option_does(tmp_path, monkeypatch):
    from_env = 'sqlite:///%s' % (tmp_path / 'env' / 'store.db')
    monkeypatch.setenv(store_engine.STORE_URL_ENV, from_env)
    assert store_engine.store_url() == from_env
    assert store_engine.store_url('sqlite:///x.db') == 'sqlite:///x.db'
    store_engine.open_store().close()
    assert (tmp_path / 'env' / 'store.db').is_file()


def test_a_damaged_sqlite_file_is_named_with_the_way_out(tmp_path):
    path = tmp_path / 'store.db'
    path.write_bytes(b'\x13not sqlite at all\x00' * 512)
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        store_engine.open_store('sqlite:///%s' % path)
    assert info.value.msg == ('Cannot open store sqlite:///%s: file is not a database: the file is not a SQLite '
                              'database or it is damaged (cut short, overwritten). Restore it from a backup (sqlite3 '
                              'FILE .recover saves what can be read), or give another store.' % path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ['store.db']
