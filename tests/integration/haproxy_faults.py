"""HAProxy (Debian's ``haproxy``) in front of OpenStack APIs, answering some requests with a fault.

A fault hits every ``every``-th request of each path (HAProxy counts the
requests of a path in a stick table: the 1st, the ``every+1``-th, ...), so a
run is the same every time, and a retry of a request that met the fault (the
next request of its path) passes when ``every`` is 2 or more; ``every=1``
faults every request.  The kinds:

- ``503``: HAProxy answers ``503 Service Unavailable`` itself (``http-request return``);
- ``reset``: HAProxy closes the connection without an answer (``http-request reject``);
- ``delay``: the request waits ``delay_ms`` in HAProxy before it goes on (a Lua action:
  ``tcp-request inspect-delay`` does not hold a complete HTTP request in HTTP mode);
- ``hang``: HAProxy drops the connection silently (``http-request silent-drop``): the
  client hears nothing and gives up after its timeout;
- ``mixed``: ``503`` and ``reset`` by turns (the 1st request of a path answered 503, the
  ``every+1``-th reset, the ``2*every+1``-th 503 again ...);
- ``none``: no fault, a plain proxy.

``paths``: only requests whose path starts with one of these meet the fault
(all requests when empty).  Started in the foreground (``-db``) by the test,
stopped by its pid.  Servers listen on the addresses the test gives (127.0.0.1,
or the lab's controller in the lab test) and on free ports.
"""

import os
import re
import shutil
import socket
import subprocess
import time

LUA = '''core.register_action("osops_delay", { "http-req" }, function(txn, ms)
    core.msleep(tonumber(ms))
end, 1)
'''

KINDS = ('none', '503', 'reset', 'delay', 'hang', 'mixed')

# One log line a request: frontend, method and path, status (-1: no answer), total time (ms), termination state.
LOG_FORMAT = '%ft %HM %HP %ST %Tt %ts'


def free_port(host='127.0.0.1'):
    """A port on ``host`` where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def available():
    return shutil.which('haproxy') is not None


class FaultProxy:
    """HAProxy with one frontend per backend: ``backends`` maps a name to ``(host, port)``.

    ``address`` is where the frontends listen; ``urls[name]`` is each frontend's base URL;
    ``faulty`` names the frontends with the fault rules (default: all).
    """

    def __init__(self, directory, backends, kind='none', every=3, delay_ms=1500, paths=(), address='127.0.0.1',
                 faulty=None):
        if kind not in KINDS:
            raise ValueError('unknown fault %r: one of %s' % (kind, ', '.join(KINDS)))
        self.directory = str(directory)
        self.backends = dict(backends)
        self.kind, self.every, self.delay_ms, self.paths = kind, every, delay_ms, tuple(paths)
        self.address = address
        self.faulty = set(self.backends if faulty is None else faulty)
        self.ports = dict((name, free_port(address)) for name in self.backends)
        self.urls = dict((name, 'http://%s:%d' % (address, port)) for name, port in self.ports.items())
        self.config_path = os.path.join(self.directory, 'haproxy.cfg')
        self.log_path = os.path.join(self.directory, 'haproxy.log')
        self.process = None

    def _rules(self):
        if self.kind == 'none':
            return []
        actions = {
            '503': 'http-request return status 503 content-type application/json '
                   'string "{\\"message\\": \\"fault: 503 from haproxy\\"}"',
            'reset': 'http-request reject',
            'delay': 'http-request lua.osops_delay %d' % self.delay_ms,
            'hang': 'http-request silent-drop',
        }
        where = '{ path_beg %s } ' % ' '.join(self.paths) if self.paths else ''
        if self.kind == 'mixed':
            turn = 2 * self.every
            return ['http-request track-sc0 path',
                    actions['503'] + ' if %s{ sc0_http_req_cnt,mod(%d) eq 1 }' % (where, turn),
                    actions['reset'] + ' if %s{ sc0_http_req_cnt,mod(%d) eq %d }' % (where, turn, (self.every + 1) % turn)]
        nth = '{ sc0_http_req_cnt,mod(%d) eq 1 }' % self.every if self.every > 1 else ''
        when = (where + nth).strip()
        return ['http-request track-sc0 path', actions[self.kind] + (' if ' + when if when else '')]

    def config(self):
        lines = ['global', '    log stderr format raw local0 info', '    lua-load %s' % os.path.join(self.directory, 'delay.lua'),
                 'defaults', '    mode http', '    log global', '    log-format "%s"' % LOG_FORMAT,
                 '    timeout connect 5s', '    timeout client 120s', '    timeout server 120s']
        for name, (host, port) in sorted(self.backends.items()):
            lines += ['frontend fe_%s' % name, '    bind %s:%d' % (self.address, self.ports[name]),
                      '    stick-table type string len 200 size 10k expire 1h store http_req_cnt']
            lines += ['    ' + rule for rule in (self._rules() if name in self.faulty else [])]
            lines += ['    default_backend be_%s' % name,
                      'backend be_%s' % name, '    server %s %s:%d' % (name, host, port)]
        return '\n'.join(lines) + '\n'

    def start(self, timeout=10):
        with open(os.path.join(self.directory, 'delay.lua'), 'w', encoding='utf-8') as handle:
            handle.write(LUA)
        with open(self.config_path, 'w', encoding='utf-8') as handle:
            handle.write(self.config())
        log = open(self.log_path, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        try:
            self.process = subprocess.Popen(['haproxy', '-f', self.config_path, '-db'],  # pylint: disable=consider-using-with
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        for port in self.ports.values():
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError('haproxy exited with %s: %s' % (self.process.returncode, self.log()))
                try:
                    socket.create_connection((self.address, port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError('haproxy does not listen on %s:%d: %s' % (self.address, port, self.log()))
                    time.sleep(0.05)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # this one process, by its pid
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        try:
            with open(self.log_path, encoding='utf-8') as handle:
                return handle.read()
        except OSError:
            return ''

    def requests(self):
        """``(frontend name, method, path, status, total ms)`` of every request HAProxy logged (status -1: no answer)."""
        found = []
        for line in self.log().splitlines():
            match = re.match(r'^fe_(\S+) (\S+) (\S+) (-?\d+) (-?\d+) \S+$', line.strip())
            if match and match.group(2) != '<BADREQ>':  # not start()'s probe of the port
                found.append((match.group(1), match.group(2), match.group(3).split('?')[0], int(match.group(4)),
                              int(match.group(5))))
        return found

    def faulted(self):
        """How many requests met the fault, by what HAProxy logged: a 503 it answered, a connection it closed
        or dropped, a request it held ``delay_ms``."""
        if self.kind == 'delay':
            return sum(1 for request in self.requests() if request[4] >= self.delay_ms)
        return sum(1 for request in self.requests() if request[3] in (503, -1))
