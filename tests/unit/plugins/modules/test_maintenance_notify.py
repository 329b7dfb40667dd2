"""maintenance_notify: real HTTP both ways - nova's API (FakeCloud) and an application manager on 127.0.0.1."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import MaintenanceError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.notify import group_instances, judge_reply
from ansible_collections.osops.lifecycle.plugins.modules import maintenance_notify


class Manager:
    """An application manager: answers ``answer`` (bytes), or sleeps ``delay`` seconds first."""

    def __init__(self, answer=b'{"reply": "ACK"}', status=200, delay=0.0):
        self.answer, self.status, self.delay, self.received = answer, status, delay, []
        manager = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                manager.received.append(json.loads(self.rfile.read(int(self.headers['Content-Length']))))
                time.sleep(manager.delay)
                try:
                    self.send_response(manager.status)
                    self.send_header('Content-Length', str(len(manager.answer)))
                    self.end_headers()
                    self.wfile.write(manager.answer)
                except OSError:  # the client gave up (timeout)
                    pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/maintenance' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def manager():
    made = []

    def make(**kwargs):
        made.append(Manager(**kwargs))
        return made[-1]
    yield make
    for one in made:
        one.close()


@pytest.fixture
def cloud(fake_cloud):
    fake = fake_cloud(computes=2, with_network=False)
    fake.ids = dict((name, fake.add_server(name, 'compute1', status))
                    for name, status in (('web-1', 'ACTIVE'), ('db-1', 'SHUTOFF')))
    fake.add_server('elsewhere', 'compute2')
    return fake


def run(run_module, cloud, check_mode=False, **args):
    args = dict(dict(host='compute1', session='s-1', timeout=5), **args)
    return run_module(maintenance_notify.main, dict(args, cloud=cloud.cloud()), check_mode=check_mode)


def test_ack_goes_on_and_the_manager_gets_session_host_and_instances(run_module, cloud, manager):
    app = manager()
    result = run(run_module, cloud, webhook=app.url)
    assert result['changed'] is True and not result.get('failed'), result
    (reply,) = result['replies']
    assert (reply['reply'], reply['action'], reply['url']) == ('ACK', 'ACK', app.url)
    assert sorted(reply['instances']) == sorted(cloud.ids.values())
    (sent,) = app.received
    assert (sent['event'], sent['session'], sent['host'], sent['reply_timeout']) == ('MAINTENANCE', 's-1', 'compute1', 5)
    assert [i['name'] for i in sent['instances']] == ['db-1', 'web-1']
    assert result['msg'] == 'host compute1: %s ACK' % app.url


def test_nack_fails_with_the_managers_reason(run_module, cloud, manager):
    app = manager(answer=b'{"reply": "NACK", "reason": "database resync running"}')
    result = run(run_module, cloud, webhook=app.url)
    assert result['failed'] is True
    assert 'refused the maintenance of host compute1' in result['msg']
    assert 'answered NACK: database resync running' in result['msg']
    assert result['replies'][0]['reply'] == 'NACK'


@pytest.mark.parametrize('default, failed', [('ACK', False), ('NACK', True)])
def test_silence_is_the_default_action(run_module, cloud, manager, default, failed):
    app = manager(delay=3)
    result = run(run_module, cloud, webhook=app.url, timeout=1, default_action=default)
    assert bool(result.get('failed')) is failed, result
    (reply,) = result['replies']
    assert (reply['reply'], reply['action']) == ('TIMEOUT', default)
    assert 1 <= reply['seconds'] < 3
    if failed:
        assert 'nothing within 1 s (default action NACK)' in result['msg']
    else:
        assert 'no reply (default action ACK)' in result['msg']


@pytest.mark.parametrize('answer, status, expected', [
    (b'<html>oops</html>', 200, "answered something that is not a reply: '<html>oops</html>'"),
    (b'{"reply": "MAYBE"}', 200, 'answered something that is not a reply'),
    (b'', 500, 'answered HTTP 500'),
])
def test_garbage_is_a_clear_error(run_module, cloud, manager, answer, status, expected):
    app = manager(answer=answer, status=status)
    result = run(run_module, cloud, webhook=app.url)
    assert result['failed'] is True and expected in result['msg'], result['msg']
    assert 'Expected' in result['msg'] or 'expected' in result['msg']


def test_unreachable_manager_is_not_a_timeout(run_module, cloud):
    result = run(run_module, cloud, webhook=cloud.closed_url('/maintenance'))
    assert result['failed'] is True and 'Cannot reach the application manager' in result['msg']


def test_instance_metadata_names_its_own_manager_and_check_mode_sends_nothing(run_module, cloud, manager):
    session_app, own_app = manager(), manager(answer=b'ACK')
    cloud.servers[cloud.ids['db-1']]['metadata'] = {'maintenance_webhook': own_app.url}
    planned = run(run_module, cloud, check_mode=True, webhook=session_app.url)
    assert planned['changed'] is True and not session_app.received and not own_app.received
    assert {r['url']: r['reply'] for r in planned['replies']} == {session_app.url: None, own_app.url: None}
    result = run(run_module, cloud, webhook=session_app.url)
    assert {r['url']: r['instances'] for r in result['replies']} == {
        session_app.url: [cloud.ids['web-1']], own_app.url: [cloud.ids['db-1']]}
    assert [[i['name'] for i in sent['instances']] for sent in own_app.received] == [['db-1']]


def test_no_manager_nothing_to_notify(run_module, cloud):
    result = run(run_module, cloud)
    assert result['changed'] is False and result['replies'] == []
    assert sorted(result['unmanaged']) == sorted(cloud.ids.values())
    assert result['msg'] == 'host compute1: no application manager to notify (2 instances)'


def test_bad_options(run_module, cloud):
    assert 'expected an http:// or https:// URL' in run(run_module, cloud, webhook='ftp://x')['msg']
    assert 'expected a positive number of seconds' in run(run_module, cloud, webhook='http://x', timeout=0)['msg']


def test_pure_helpers():
    groups, unmanaged = group_instances([{'id': 'b', 'name': 'b'}, {'id': 'a', 'name': 'a', 'metadata': {'k': 'http://o'}}],
                                        None, 'k')
    assert groups == [('http://o', [{'id': 'a', 'name': 'a', 'status': None, 'project_id': None}])]
    assert [u['id'] for u in unmanaged] == ['b']
    assert judge_reply('http://x', b' ack\n') == ('ACK', None)
    assert judge_reply('http://x', '{"reply": "nack", "reason": 3}') == ('NACK', '3')
    with pytest.raises(MaintenanceError, match=r'http://u:\*\*\*@x'):
        judge_reply('http://u:pw@x', '[]')


def test_the_projects_manager_comes_after_the_instances_and_before_the_sessions(run_module, cloud, manager):
    session_app, project_app, own_app = manager(), manager(), manager()
    cloud.ids['other'] = cloud.add_server('other', 'compute1', project='p2')  # p2 has no property
    cloud.ids['theirs'] = cloud.add_server('theirs', 'compute1', project='p3')  # its own and its project's
    cloud.projects.update({'p1': {'maintenance_webhook': project_app.url}, 'p2': {'description': 'x'},
                           'p3': {'maintenance_webhook': project_app.url + '/p3'}})
    cloud.servers[cloud.ids['theirs']]['metadata'] = {'maintenance_webhook': own_app.url}
    result = run(run_module, cloud, webhook=session_app.url)
    assert not result.get('failed'), result['msg']
    assert {r['url']: sorted(r['instances']) for r in result['replies']} == {
        project_app.url: sorted([cloud.ids['web-1'], cloud.ids['db-1']]), own_app.url: [cloud.ids['theirs']],
        session_app.url: [cloud.ids['other']]}
    assert result['unread_projects'] == []
    # Keystone was asked for the projects of the instances without their own manager only
    asked = sorted(path for method, path in cloud.requests if path.startswith('/identity/v3/projects/'))
    assert asked == ['/identity/v3/projects/p1', '/identity/v3/projects/p2']


def test_a_project_that_cannot_be_read_falls_back_to_the_sessions_manager(run_module, cloud, manager):
    session_app = manager()
    cloud.errors['/identity/v3/projects/p1'] = 403
    result = run(run_module, cloud, webhook=session_app.url)
    assert not result.get('failed'), result['msg']
    assert [r['url'] for r in result['replies']] == [session_app.url]
    assert [u['project_id'] for u in result['unread_projects']] == ['p1']
    assert result['msg'].endswith("(the properties of project p1 could not be read: their instances went to the "
                                  "session's webhook)")
