"""Retries of idempotent API requests (keystoneauth's, turned on per method) and the error when they run out.

A scripted HTTP server on 127.0.0.1 answers each path what its script says, one
entry per request: a status, ``'reset'`` (the connection closed without an
answer) or ``'slow'`` (an answer after 0.5 s).
"""

import socket
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keystoneauth1.session
import pytest
from keystoneauth1 import exceptions as ksa_exceptions

from ansible_collections.osops.lifecycle.plugins.module_utils._base import api_retries
from ansible_collections.osops.lifecycle.plugins.module_utils._base.api_retries import ApiUnavailable, describe, install, retriable
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError

SLEEP = time.sleep  # the server's own, when a test records keystoneauth's waits instead (slept)


class Scripted:
    def __init__(self):
        self.scripts, self.seen = {}, []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                scripted.seen.append((self.command, self.path))
                script = scripted.scripts.get(self.path.split('?')[0]) or []
                step = script.pop(0) if script else 200
                if step == 'reset':
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if step == 'slow':
                    SLEEP(0.5)
                    step = 200
                status, headers = (step if isinstance(step, tuple) else (step, {}))
                body = b'{}'
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # a client that stopped waiting (a timeout)
                    self.close_connection = True

            do_GET = do_PUT = do_POST = do_DELETE = answer

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    scripted = Scripted()
    yield scripted
    scripted.stop()


@pytest.fixture
def slept(monkeypatch):
    """The waits keystoneauth asked for between tries (none actually waited)."""
    waits = []
    monkeypatch.setattr(keystoneauth1.session.time, 'sleep', waits.append)
    return waits


def session(retries=3, timeout=None):
    return install(types.SimpleNamespace(session=keystoneauth1.session.Session(timeout=timeout)), retries)


@pytest.mark.parametrize('method,url,expected', [
    ('GET', 'http://nova/v2.1/servers', True), ('get', 'http://nova/', True), ('HEAD', 'http://x/', True),
    ('PUT', 'http://nova/v2.1/os-services/1', True), ('OPTIONS', 'http://x/', True),
    ('POST', 'http://nova/v2.1/servers/1/action', False), ('PATCH', 'http://x/', False),
    ('DELETE', 'http://nova/v2.1/servers/1/migrations/2', False),
    ('POST', 'http://keystone:5000/v3/auth/tokens', True), ('POST', 'http://keystone:5000/v3/auth/tokens/', True),
])
def test_which_requests_are_sent_again(method, url, expected):
    assert retriable(method, url) is expected


def test_the_message_names_the_request_what_each_try_met_and_what_to_do():
    assert describe('GET http://nova:8774/v2.1/os-services (compute API)', [503, 503, 503, 503], 3.52, 3, 60) == (
        'GET http://nova:8774/v2.1/os-services (compute API) answered 503 Service Unavailable 4 times in 3.5 s '
        '(retried 3 times with backoff, api_retries is 3). The service, or the load balancer in front of it, is '
        "not ready: check its API processes and the load balancer's backends, then run again (api_retries allows "
        'more tries).')
    assert describe('GET u', [502, 'reset', 'timeout'], 64.0, 2, 60) == (
        'GET u answered 502 Bad Gateway once, closed or reset the connection without an answer once, gave no '
        'answer within 60 s once in 64.0 s (retried twice with backoff, api_retries is 2). Check the service; if '
        'it is only slow, raise api_timeout.')
    assert describe('PUT u', ['refused'], 0.0, 0, 60).startswith(
        'PUT u refused the connection once in 0.0 s (not retried, api_retries is 0). Is the service running')


def test_a_url_shows_no_query_and_no_password():
    assert api_retries.shown_url('http://admin:s3cret@nova:8774/v2.1/servers?marker=x&limit=2') == (
        'http://admin:***@nova:8774/v2.1/servers')


def test_a_get_is_tried_again_after_503s_and_resets(server, slept):
    server.scripts['/v2.1/os-services'] = [503, 'reset', 502, 200]
    answer = session().get(server.url + '/v2.1/os-services', authenticated=False)
    assert answer.status_code == 200
    assert server.seen == [('GET', '/v2.1/os-services')] * 4
    assert slept == [0.5, 0.5, 1.0]  # keystoneauth's backoff: the connection retries and the status retries each double


def test_a_get_answered_503_every_time_raises_the_error_naming_the_endpoint(server, slept):
    server.scripts['/v2.1/os-services'] = [503] * 10
    with pytest.raises(ApiUnavailable) as raised:
        session().get(server.url + '/v2.1/os-services?limit=5', authenticated=False)
    message = raised.value.msg
    assert message.startswith('GET %s/v2.1/os-services answered 503 Service Unavailable 4 times in ' % server.url)
    assert '(retried 3 times with backoff, api_retries is 3)' in message
    assert len(server.seen) == 4 and slept == [0.5, 1.0, 2.0]
    # what callers already catch: keystoneauth's HTTP error (with the answer) and the collection's CloudError
    assert isinstance(raised.value, ksa_exceptions.HttpError) and isinstance(raised.value, CloudError)
    assert raised.value.http_status == 503 and raised.value.response.status_code == 503
    assert str(raised.value) == message


def test_without_raise_exc_the_last_503_still_raises(server, slept):
    server.scripts['/placement/'] = [503] * 10
    with pytest.raises(ApiUnavailable, match='answered 503 Service Unavailable twice'):
        session(retries=1).get(server.url + '/placement/', authenticated=False, raise_exc=False)
    assert slept == [0.5]


def test_other_errors_are_answered_at_once(server, slept):
    server.scripts['/v2.1/servers'] = [500, 404]
    assert session().get(server.url + '/v2.1/servers', authenticated=False, raise_exc=False).status_code == 500
    with pytest.raises(ksa_exceptions.NotFound):
        session().get(server.url + '/v2.1/servers', authenticated=False)
    assert len(server.seen) == 2 and slept == []


def test_a_post_is_never_sent_twice(server, slept):
    server.scripts['/v2.1/servers/1/action'] = [503, 'reset']
    answer = session().post(server.url + '/v2.1/servers/1/action', json={'os-stop': None}, authenticated=False,
                            raise_exc=False)
    assert answer.status_code == 503
    with pytest.raises(ksa_exceptions.ConnectFailure) as raised:
        session().post(server.url + '/v2.1/servers/1/action', json={'os-stop': None}, authenticated=False)
    assert not isinstance(raised.value, ApiUnavailable)
    assert len(server.seen) == 2 and slept == []


def test_keystones_token_request_is_tried_again(server, slept):
    server.scripts['/v3/auth/tokens'] = [503, (201, {'X-Subject-Token': 'x'})]
    assert session().post(server.url + '/v3/auth/tokens', json={}, authenticated=False).status_code == 201
    assert len(server.seen) == 2


def test_resets_every_time_raise_a_connection_error_naming_the_endpoint(server, slept):
    server.scripts['/v2.1/servers/detail'] = ['reset'] * 10
    with pytest.raises(ApiUnavailable) as raised:
        session(retries=2).get(server.url + '/v2.1/servers/detail', authenticated=False)
    assert isinstance(raised.value, ksa_exceptions.ConnectFailure)
    assert raised.value.msg.startswith('GET %s/v2.1/servers/detail closed or reset the connection without an '
                                       'answer 3 times in ' % server.url)
    assert raised.value.msg.endswith('Check the service and the load balancer in front of it, then run again '
                                     '(api_retries allows more tries).')


def test_a_refused_connection_says_so():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        url = 'http://127.0.0.1:%d/v3' % sock.getsockname()[1]
    with pytest.raises(ApiUnavailable, match=r'^GET %s refused the connection twice in ' % url):
        session(retries=1).get(url, authenticated=False)


def test_a_slow_answer_is_tried_again_within_the_timeout(server, slept):
    server.scripts['/slow'] = ['slow', 'slow', 200]
    with pytest.raises(ApiUnavailable) as raised:
        session(retries=1, timeout=0.2).get(server.url + '/slow', authenticated=False)
    assert isinstance(raised.value, ksa_exceptions.ConnectTimeout)
    assert 'gave no answer within 0.2 s twice' in raised.value.msg and 'raise api_timeout' in raised.value.msg
    assert session(retries=1, timeout=2).get(server.url + '/slow', authenticated=False).status_code == 200


def test_a_session_without_a_timeout_gets_the_default():
    assert session().timeout == api_retries.DEFAULT_TIMEOUT
    assert session(timeout=7).timeout == 7


def test_a_long_retry_after_is_bounded(server, slept):
    server.scripts['/v2.1/os-services'] = [(503, {'Retry-After': '3600'}), (429, {'Retry-After': '2'}), 200]
    assert session().get(server.url + '/v2.1/os-services', authenticated=False).status_code == 200
    assert slept == [api_retries.MAX_RETRY_AFTER, 2]


def test_installing_twice_wraps_once(server, slept):
    conn = types.SimpleNamespace(session=keystoneauth1.session.Session())
    install(conn, 1)
    install(conn, 5)
    server.scripts['/x'] = [503] * 10
    with pytest.raises(ApiUnavailable, match='twice'):
        conn.session.get(server.url + '/x', authenticated=False)
