"""A service's database and message queue: transport URLs parsed as oslo.messaging does, reasons with passwords masked."""

import socket
import sys
from types import SimpleNamespace

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.backends import reach_amqp, reach_database, transport_hosts


def test_transport_hosts_of_a_cluster_url():
    hosts = transport_hosts('rabbit://nova:p%40ss@mq1:5672,mq2,other:pw2@[::1]/nova?ssl=1')
    assert [(h['host'], h['port'], h['user'], h['password'], h['vhost'], h['ssl']) for h in hosts] == [
        ('mq1', 5672, 'nova', 'p@ss', 'nova', True),
        ('mq2', 5672, 'nova', 'p@ss', 'nova', True),  # no credentials: the previous host's
        ('[::1]', 5672, 'other', 'pw2', 'nova', True),
    ]
    assert [h['url'] for h in hosts] == ['rabbit://nova:***@mq1:5672/nova', 'rabbit://nova:***@mq2:5672/nova',
                                         'rabbit://other:***@[::1]:5672/nova']
    (default,) = transport_hosts('rabbit://guest:guest@127.0.0.2:5672/')
    assert (default['vhost'], default['ssl']) == ('/', False)


@pytest.mark.parametrize('url,message', [
    ('not a url', 'transport_url not a url is not a URL of the form rabbit://user:password@host:port/vhost.'),
    ('kafka://u:s3cr3t@k1:9092/', 'transport_url kafka://u:***@k1:9092/ uses driver kafka; this check reaches RabbitMQ (rabbit://) only.'),
    ('rabbit://u:s3cr3t@mq:56x/', 'transport_url rabbit://u:***@mq:56x/: port 56x of mq is not a number.'),
])
def test_bad_transport_urls_are_clear_errors_without_the_password(url, message):
    with pytest.raises(OsopsError) as exc:
        transport_hosts(url)
    assert exc.value.msg == message


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_a_database_that_refuses_is_the_reason_without_the_password():
    pytest.importorskip('pymysql')
    reason = reach_database('mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:%d/nova' % _closed_port(), 2)
    assert 'Connection refused' in reason or "Can't connect" in reason, reason
    assert 's3cr3t-pw' not in reason


def test_a_database_that_answers(tmp_path):
    assert reach_database('sqlite:///%s' % (tmp_path / 'db.sqlite'), 2) is None


def test_amqp_reasons_are_masked(monkeypatch):
    class Connection:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def connect(self):
            raise PermissionError('(0, 0): (403) ACCESS_REFUSED - Login was refused using PLAIN for %s'
                                  % self.kwargs['password'])

        def release(self):
            pass

    monkeypatch.setitem(sys.modules, 'kombu', SimpleNamespace(Connection=Connection))
    (host,) = transport_hosts('rabbit://nova:s3cr3t-pw@mq:5672/')
    assert reach_amqp(host, 2) == '(0, 0): (403) ACCESS_REFUSED - Login was refused using PLAIN for ***'


def test_without_the_libraries_the_error_names_the_interpreter_to_use(monkeypatch):
    monkeypatch.setitem(sys.modules, 'kombu', None)
    (host,) = transport_hosts('rabbit://nova:pw@mq:5672/')
    with pytest.raises(OsopsError, match=r'kombu cannot be imported here: run this check with the interpreter'):
        reach_amqp(host, 2)


class _Config:
    """What drivers_missing reads of a parsed service configuration."""

    def __init__(self, **options):
        self.options = options

    def get(self, section, option, default=None):
        return self.options.get('%s_%s' % (section, option), default)


def test_drivers_missing_names_what_this_interpreter_lacks(tmp_path, monkeypatch):
    from ansible_collections.osops.lifecycle.plugins.module_utils._service.backends import drivers_missing
    assert drivers_missing(_Config()) == []  # nothing to reach: nothing needed
    sqlite = 'sqlite:///%s' % (tmp_path / 'nova.db')
    assert drivers_missing(_Config(database_connection=sqlite)) == []
    # MySQLdb is not in the test environment; PyMySQL is
    assert drivers_missing(_Config(database_connection='mysql+mysqldb://nova:s3cr3t@db/nova',
                                   api_database_connection='mysql+pymysql://nova:s3cr3t@db/nova_api')) == [
        'the driver of mysql+mysqldb']
    # a URL SQLAlchemy cannot read is not a missing driver: reaching it says what is wrong
    assert drivers_missing(_Config(database_connection='nonsense://x')) == []
    real_import = __import__

    def without(*names):
        def fake(name, *args, **kwargs):
            if name.split('.')[0] in names:
                raise ImportError('No module named %s' % name)
            return real_import(name, *args, **kwargs)
        return fake
    monkeypatch.setattr('builtins.__import__', without('kombu', 'amqp'))
    assert drivers_missing(_Config(DEFAULT_transport_url='rabbit://nova:s3cr3t@mq:5672/')) == ['kombu', 'amqp']
    monkeypatch.setattr('builtins.__import__', without('sqlalchemy'))
    assert drivers_missing(_Config(database_connection=sqlite)) == ['sqlalchemy']
