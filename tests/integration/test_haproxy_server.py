"""haproxy_server and the upgrade role's restarts behind a real HAProxy (Debian's ``haproxy``), with
requests flowing through it the whole time.

HAProxy listens on 127.0.0.1 (a free port) with an admin socket, in front of one backend of two
servers (small HTTP servers on 127.0.0.1, ``option httpchk``, ``check inter 500ms rise 1 fall 1``) and
``retries 0``, so a request sent to a server that does not answer fails instead of being retried. What
runs is ``ansible-playbook``; the servers' states are read from the socket by the test itself, not
through the collection.

- the module: check mode changes nothing; a drain waits for a request in flight, then no request
  reaches the drained server; again, nothing changes; ready brings it back to traffic; unknown
  backend, unknown server, a socket below level admin and a missing socket fail with their message.
- the role's venv driver on a local "host" (the supervisorctl stand-in of the driver tests) whose
  keystone is an HTTP server that takes 0.5 s to start: its code change and a forced restart drain
  the server first and put it back once keystone answers - no request fails; without HAProxy hosts
  the same restart loses requests (what the drain prevents; HAProxy's health check of the server
  turned off, so that it cannot see the restart first); a server a cut-short run left drained
  is made ready by the next run; check mode changes nothing.
"""

import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from driver_play import BIN, FAKECTL, ROOT, run, venv  # noqa: E402  (shared by the driver tests)
from haproxy_faults import available, free_port  # noqa: E402

pytestmark = pytest.mark.skipif(not available(), reason='haproxy is not installed (make setup installs it)')

BACKEND = 'keystone_service-back'


def ask(path, command):
    """HAProxy's answer to one command on its socket (the test's own reader)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(command.encode() + b'\n')
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b''.join(chunks).decode()
            chunks.append(chunk)


def servers(path, backend=BACKEND):
    """``{server: (admin state bits, status)}`` as HAProxy reports them."""
    lines = [line for line in ask(path, 'show servers state %s' % backend).splitlines() if line.strip()]
    fields = lines[1][2:].split()
    rows = [dict(zip(fields, line.split())) for line in lines[2:]]
    admin = dict((row['srv_name'], int(row['srv_admin_state'])) for row in rows)
    stat = [line.split(',') for line in ask(path, 'show stat').splitlines() if line.strip()]
    columns = stat[0]
    status = dict((row[1], row[columns.index('status')]) for row in stat[1:] if row[0] == backend
                  and row[1] not in ('FRONTEND', 'BACKEND'))
    return dict((name, (bits, status[name])) for name, bits in admin.items())


class Haproxy:
    """HAProxy in the foreground (``-db``), stopped by its pid: frontend ``fe`` on a free port in front of
    ``servers`` (name -> port) in one backend; sockets ``admin.sock`` (level admin) and ``user.sock``."""

    def __init__(self, servers_by_name):
        self.directory = tempfile.mkdtemp(prefix='osops-hx-')  # a unix socket's path is at most 107 bytes
        self.socket = os.path.join(self.directory, 'admin.sock')
        self.user_socket = os.path.join(self.directory, 'user.sock')
        self.port = free_port()
        self.servers = servers_by_name
        lines = ['global', '    stats socket %s mode 600 level admin' % self.socket,
                 '    stats socket %s mode 600 level user' % self.user_socket,
                 'defaults', '    mode http', '    retries 0', '    timeout connect 2s', '    timeout client 30s',
                 '    timeout server 30s',
                 'frontend fe', '    bind 127.0.0.1:%d' % self.port, '    default_backend %s' % BACKEND,
                 'backend %s' % BACKEND, '    balance roundrobin', '    option httpchk GET /healthcheck']
        lines += ['    server %s 127.0.0.1:%d check inter 500ms rise 1 fall 1' % item for item in servers_by_name.items()]
        self.config = os.path.join(self.directory, 'haproxy.cfg')
        with open(self.config, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines) + '\n')
        self.log = os.path.join(self.directory, 'haproxy.log')
        with open(self.log, 'w', encoding='utf-8') as log:
            self.process = subprocess.Popen(['haproxy', '-f', self.config, '-db'], stdout=log,  # pylint: disable=consider-using-with
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_up(self, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('haproxy exited: %s' % open(self.log, encoding='utf-8').read())
            try:
                seen = servers(self.socket)
                if all(status == 'UP' for _bits, status in seen.values()):
                    return seen
            except (OSError, IndexError):
                seen = None
            if time.monotonic() > deadline:
                raise RuntimeError('HAProxy does not see every server UP: %s' % (seen,))
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # this one process, by its pid
            self.process.wait(10)
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)


class Client(threading.Thread):
    """Requests through the frontend, one connection each, until stopped: ``(time, status or error, body)``."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.answers, self.running = port, [], True

    def run(self):
        while self.running:
            try:
                conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
                conn.request('GET', '/')
                response = conn.getresponse()
                self.answers.append((time.monotonic(), response.status, response.read().decode()))
                conn.close()
            except (OSError, http.client.HTTPException) as exc:
                self.answers.append((time.monotonic(), repr(exc), ''))
            time.sleep(0.02)  # ~40 requests a second: enough to meet any restart, light on the CPU

    def stop(self):
        self.running = False
        self.join(15)
        return self.answers

    def failed(self, since=0.0):
        return [answer for answer in self.answers if answer[0] >= since and answer[1] != 200]

    def served_by(self, name, since=0.0, until=None):
        return [answer for answer in self.answers
                if since <= answer[0] and (until is None or answer[0] <= until) and name in answer[2]]


def env_for(root):
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'), ANSIBLE_NOCOLOR='1',
                HOME=str(root), ANSIBLE_LOCAL_TEMP=str(root / 'tmp'))


# ---------------------------------------------------------------- the module

class Named(http.server.BaseHTTPRequestHandler):
    """Answers with its server's name; ``/slow`` takes ``server.slow`` seconds; ``hits``: every request but
    HAProxy's health checks."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path != '/healthcheck':
            self.server.hits.append(time.monotonic())
        if self.path == '/slow':
            self.server.slow_started.set()
            time.sleep(self.server.slow)
        body = ('{"served_by": "%s"}' % self.server.name).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def named_server(name, slow=0.0):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Named)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # HAProxy's checks close the connection early
    server.name, server.hits, server.slow, server.slow_started = name, [], slow, threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def two_servers():
    a, b = named_server('server-a', slow=6.0), named_server('server-b')
    proxy = Haproxy({'a': a.server_address[1], 'b': b.server_address[1]})
    try:
        proxy.wait_up()
        yield proxy, a, b
    finally:
        proxy.stop()
        a.shutdown()
        b.shutdown()


def play(tmp_path, tasks, *options):
    """A play of ``tasks`` on localhost; every ``register``ed result written to results.json (name -> result)."""
    names = [task['register'] for task in tasks if 'register' in task]
    write = {'name': 'Write the results', 'ansible.builtin.copy': {
        'content': '{{ {%s} | to_json }}' % ', '.join("'%s': %s | default(none)" % (name, name) for name in names),
        'dest': str(tmp_path / 'results.json'), 'mode': '0600'}, 'check_mode': False, 'changed_when': False}
    playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks + [write]}]
    (tmp_path / 'play.yml').write_text(yaml.safe_dump(playbook))
    (tmp_path / 'inventory.ini').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    results = tmp_path / 'results.json'
    if results.exists():
        results.unlink()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(tmp_path / 'inventory.ini'),
                           str(tmp_path / 'play.yml')] + list(options), env=env_for(tmp_path), capture_output=True,
                          text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(results.read_text())


def server_task(proxy, register, state, server='a', **more):
    return dict({'name': '%s %s' % (state, server), 'osops.lifecycle.haproxy_server': dict(
        {'socket': proxy.socket, 'backend': BACKEND, 'server': server, 'state': state}, **more.pop('options', {})),
        'register': register}, **more)


def test_drain_and_ready_with_requests_flowing(tmp_path, two_servers):
    proxy, a, b = two_servers
    client = Client(proxy.port)
    client.start()
    try:
        # check mode: predicted, nothing sent
        checked = play(tmp_path, [server_task(proxy, 'checked', 'drain')], '--check')['checked']
        assert (checked['changed'], checked['previous_state'], checked['state'], checked['waited']) == (
            True, 'ready', 'drain', False)
        assert servers(proxy.socket) == {'a': (0, 'UP'), 'b': (0, 'UP')}

        # a request in flight on a (6 s), then the drain: it waits until that session ended
        slow = []

        def slow_request():
            for _attempt in range(10):  # roundrobin: the request goes to a one time in two
                conn = http.client.HTTPConnection('127.0.0.1', proxy.port, timeout=30)
                conn.request('GET', '/slow')
                response = conn.getresponse()
                slow.append((response.status, response.read().decode(), time.monotonic()))
                conn.close()
                if 'server-a' in slow[-1][1]:
                    return
        slow_thread = threading.Thread(target=slow_request, daemon=True)
        slow_thread.start()
        assert a.slow_started.wait(30)
        results = play(tmp_path, [server_task(proxy, 'drained', 'drain'), server_task(proxy, 'again', 'drain')])
        drained_at = time.monotonic()
        slow_thread.join(30)
        drained, again = results['drained'], results['again']
        assert (drained['changed'], drained['previous_state'], drained['state'], drained['sessions']) == (
            True, 'ready', 'drain', 0)
        assert drained['status'] == 'DRAIN' and drained['waited'] and drained['elapsed'] >= 0.5
        assert slow[-1][:2] == (200, '{"served_by": "server-a"}') and slow[-1][2] <= drained_at
        assert (again['changed'], again['previous_state'], again['state']) == (False, 'drain', 'drain')
        assert servers(proxy.socket) == {'a': (8, 'DRAIN'), 'b': (0, 'UP')}

        # drained: every request goes to b
        hits = len(a.hits)
        time.sleep(1.5)
        assert len(a.hits) == hits
        assert len(client.served_by('server-b', since=drained_at)) > 20
        assert client.served_by('server-a', since=drained_at) == []

        checked = play(tmp_path, [server_task(proxy, 'checked', 'ready')], '--check')['checked']
        assert (checked['changed'], checked['previous_state'], checked['state']) == (True, 'drain', 'ready')
        assert servers(proxy.socket)['a'] == (8, 'DRAIN')

        results = play(tmp_path, [server_task(proxy, 'ready', 'ready'), server_task(proxy, 'again', 'ready')])
        ready_at = time.monotonic()
        assert (results['ready']['changed'], results['ready']['state'], results['ready']['status']) == (
            True, 'ready', 'UP')
        assert (results['again']['changed'], results['again']['previous_state']) == (False, 'ready')
        assert servers(proxy.socket) == {'a': (0, 'UP'), 'b': (0, 'UP')}
        time.sleep(1.5)
        assert len(client.served_by('server-a', since=ready_at)) > 20
    finally:
        answers = client.stop()
    assert len(answers) > 100 and client.failed() == [], client.failed()[:5]


def test_errors_name_what_was_wrong(tmp_path, two_servers):
    proxy, _a, _b = two_servers
    tasks = [server_task(proxy, name, 'drain', ignore_errors=True, **extra) for name, extra in (
        ('no_backend', {'options': {'backend': 'keystone-back'}}),
        ('no_server', {'server': 'infra9'}),
        ('not_admin', {'options': {'socket': proxy.user_socket}}),
        ('no_socket', {'options': {'socket': os.path.join(proxy.directory, 'haproxy.stat')}}))]
    results = play(tmp_path, tasks)
    assert all(result['failed'] and 'Traceback' not in json.dumps(result) for result in results.values())
    host = socket.gethostname()
    assert results['no_backend']['msg'].startswith(
        "HAProxy on %s has no backend 'keystone-back'; its backends: %s. Set the option backend" % (host, BACKEND))
    assert results['no_server']['msg'].startswith(
        "Backend %s on %s has no server 'infra9'; its servers: a, b." % (BACKEND, host))
    assert results['not_admin']['msg'].startswith(
        'HAProxy refused "set server %s/a state drain" on HAProxy\'s admin socket %s on %s: Permission denied. '
        'The socket\'s level is not admin' % (BACKEND, proxy.user_socket, host))
    assert "does not exist. Is HAProxy running on this host" in results['no_socket']['msg']
    assert servers(proxy.socket) == {'a': (0, 'UP'), 'b': (0, 'UP')}  # nothing changed


# ---------------------------------------------------------------- the upgrade role's restarts

# keystone's "uwsgi": an HTTP server on a fixed port answering with its venv's version, after 0.5 s of loading
KEYSTONE = '''#!%(python)s
import http.server, json, time

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"version": {"id": "v3.14"}, "served_by": "keystone %(version)s"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

time.sleep(0.5)
server = http.server.ThreadingHTTPServer(("127.0.0.1", %(port)d), Handler)
server.daemon_threads = True
server.serve_forever()
'''


@pytest.fixture
def behind_haproxy(tmp_path):
    """keystone on "host" controller (supervisord's stand-in) and server other behind one HAProxy, whose host is
    haproxy1; both inventory hosts are local."""
    ran, port = tmp_path / 'ran.log', free_port()
    old, new = venv(tmp_path, '27.1.0', ran, package=True), venv(tmp_path, '29.1.0', ran, package=True)
    for path, version in ((old, '27.1.0'), (new, '29.1.0')):
        with open(os.path.join(path, 'bin', 'uwsgi'), 'w', encoding='utf-8') as handle:
            handle.write(KEYSTONE % {'python': os.path.realpath(sys.executable), 'version': version, 'port': port})
    ini = tmp_path / 'keystone-uwsgi.ini'
    ini.write_text('[uwsgi]\nvirtualenv = %s\nmodule = keystone.wsgi.api:application\n' % old)
    conf = tmp_path / 'supervisord.conf'
    conf.write_text('[program:keystone]\ncommand = %s/bin/uwsgi --ini %s\n' % (old, ini))
    sbin = tmp_path / 'sbin'
    sbin.mkdir()
    with open(FAKECTL, encoding='utf-8') as fake:
        (sbin / 'supervisorctl').write_text('#!%s\n%s' % (sys.executable, fake.read()))
    (sbin / 'supervisorctl').chmod(0o755)
    subprocess.run([str(sbin / 'supervisorctl'), '-c', str(conf), 'start', 'keystone'], check=True,
                   capture_output=True)
    other = named_server('other')
    proxy = Haproxy({'controller': port, 'other': other.server_address[1]})
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'controller': local, 'haproxy1': local}}}))
    try:
        proxy.wait_up()
        yield dict(root=tmp_path, old=old, new=new, ini=ini, inventory=str(inventory), proxy=proxy,
                   url='http://127.0.0.1:%d/v3' % port,
                   common={'osops_upgrade_service': 'keystone', 'osops_upgrade_supervisord_config': str(conf),
                           'osops_upgrade_supervisorctl': str(sbin / 'supervisorctl'),
                           'osops_upgrade_haproxy_hosts': ['haproxy1'], 'osops_upgrade_haproxy_socket': proxy.socket,
                           'osops_upgrade_haproxy_timeout': 30})
    finally:
        proxy.stop()
        other.shutdown()
        for pid in json.loads((sbin / 'state.json').read_text())['pid'].values():
            try:
                os.killpg(pid, signal.SIGKILL)  # the stand-in's service, by its pid
            except OSError:
                pass


def step(host, *options, **variables):
    """One driver step (default: keystone's code change to 29.1.0) with requests flowing through HAProxy:
    (process, driver result, client)."""
    client = Client(host['proxy'].port)
    client.start()
    time.sleep(0.3)
    try:
        proc, results = run(host, [dict({'osops_upgrade_action': 'code', 'osops_upgrade_version': '29.1.0',
                                         'osops_upgrade_wait_url': host['url']}, **variables)], *options)
    finally:
        time.sleep(0.3)
        client.stop()
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc, results[0], client


def test_the_venv_driver_drains_a_restart_and_no_request_fails(behind_haproxy):
    host, proxy = behind_haproxy, behind_haproxy['proxy']
    before = servers(proxy.socket)

    # check mode: the drain predicted, nothing sent
    _proc, checked, _client = step(host, '--check')
    assert checked['actions']['restart']['restarted'] and checked['actions']['restart']['haproxy']['drain']['changed']
    assert servers(proxy.socket) == before == {'controller': (0, 'UP'), 'other': (0, 'UP')}
    assert 'virtualenv = %s\n' % host['old'] in host['ini'].read_text()

    # the code change: drained, switched, restarted, answered, back - no request lost
    _proc, code, client = step(host)
    assert client.failed() == [], client.failed()[:5]
    assert code['changed'] and code['version'] == '29.1.0' and not code['failed']
    haproxy = code['actions']['restart']['haproxy']
    assert (haproxy['backend'], haproxy['server']) == (BACKEND, 'controller')
    assert haproxy['drain']['changed'] and haproxy['drain']['previous'] == {'haproxy1': 'ready'}
    assert haproxy['ready']['changed'] and haproxy['ready']['status'] == {'haproxy1': 'UP'}
    assert code['actions']['restart']['duration'] >= haproxy['drain']['seconds'] + haproxy['ready']['seconds']
    assert servers(proxy.socket) == {'controller': (0, 'UP'), 'other': (0, 'UP')}
    assert client.served_by('keystone 27.1.0') and client.served_by('other')
    last_old = client.served_by('keystone 27.1.0')[-1][0]
    assert not client.served_by('keystone 29.1.0', until=last_old)  # never both at once

    # a forced restart alone (venv_restart.yml, as finalize and a rollback run it)
    _proc, restart, client = step(host, osops_upgrade_action='restart', osops_upgrade_force_restart=True)
    assert client.failed() == [], client.failed()[:5]
    assert restart['actions']['restart']['changed'] and restart['actions']['restart']['haproxy']['answered'] > 0
    assert restart['actions']['restart']['haproxy']['drain']['changed']
    assert restart['duration'] >= restart['actions']['restart']['duration']
    time.sleep(1)
    assert servers(proxy.socket) == {'controller': (0, 'UP'), 'other': (0, 'UP')}

    # nothing to do: no drain, the server only found ready
    _proc, nothing, client = step(host)
    assert not nothing['changed'] and client.failed() == []
    assert 'drain' not in nothing['actions']['restart']['haproxy']
    assert nothing['actions']['restart']['haproxy']['ready']['changed'] is False


def test_without_haproxy_hosts_the_same_restart_loses_requests(behind_haproxy):
    # What the drain prevents: HAProxy sends requests to keystone while it restarts, until its check sees
    # it down. That check (every 0.5 s) may see it down before any request came in between, so it is
    # turned off here: every request HAProxy sends keystone while it restarts (at least 0.5 s) fails.
    proxy = behind_haproxy['proxy']
    assert ask(proxy.socket, 'disable health %s/controller' % BACKEND).strip() == ''
    _proc, restart, client = step(behind_haproxy, osops_upgrade_action='restart', osops_upgrade_force_restart=True,
                                  osops_upgrade_haproxy_hosts=[])
    assert restart['actions']['restart']['changed'] and 'haproxy' not in restart['actions']['restart']
    assert len(client.failed()) > 0, 'no request failed: the test would not see a missing drain'


def test_a_server_left_drained_is_put_back_by_the_next_run(behind_haproxy):
    host, proxy = behind_haproxy, behind_haproxy['proxy']
    step(host)  # at 29.1.0
    assert ask(proxy.socket, 'set server %s/controller state drain' % BACKEND).strip() == ''  # a run cut short
    _proc, again, client = step(host)
    assert again['changed'] and client.failed() == []
    assert again['actions']['restart']['haproxy']['ready'] == {
        'changed': True, 'seconds': again['actions']['restart']['haproxy']['ready']['seconds'],
        'previous': {'haproxy1': 'drain'}, 'status': {'haproxy1': 'UP'}}
    assert servers(proxy.socket)['controller'] == (0, 'UP')
