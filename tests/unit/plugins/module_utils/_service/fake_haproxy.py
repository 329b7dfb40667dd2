"""A stand-in for HAProxy's admin socket: a real unix socket served by a thread, answering the runtime API's
commands the haproxy_server module sends (one a connection) as HAProxy 2.6 does, from a dict of backends.

``servers[backend][server]`` holds ``admin`` (srv_admin_state bits), ``status`` (show stat's), ``scur``,
``qcur`` and ``check``; ``on_stat(fake)`` runs before each ``show stat`` answer (sessions ending, a check
passing); ``commands`` lists every command received; ``level`` other than ``admin`` refuses ``set``.
"""

import os
import shutil
import socket
import tempfile
import threading

HEADER_STATE = ('be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight '
                'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state '
                'srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl '
                'srv_check_port srv_check_addr srv_agent_addr srv_agent_port')
# The first columns of show stat's CSV as HAProxy 2.6 names them (the module reads them by name).
STAT_FIELDS = ('pxname', 'svname', 'qcur', 'qmax', 'scur', 'smax', 'slim', 'stot', 'status', 'check_status',
               'check_desc')
ADMIN = {'ready': 0, 'drain': 0x08, 'maint': 0x01}


class FakeHaproxy:
    def __init__(self, servers, level='admin', on_stat=None):
        self.servers, self.level, self.on_stat = servers, level, on_stat
        self.commands = []
        # a short directory: a unix socket's path is at most 107 bytes
        self.directory = tempfile.mkdtemp(prefix='osops-hx-')
        self.path = os.path.join(self.directory, 'admin.sock')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:  # a timeout: look at stopped again
                continue
            conn.settimeout(5)
            with conn:
                data = b''
                while not data.endswith(b'\n'):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                command = data.decode().strip()
                self.commands.append(command)
                conn.sendall(self.answer(command).encode())

    def answer(self, command):
        words = command.split()
        if words[:3] == ['show', 'servers', 'state']:
            backend = self.servers.get(words[3])
            if backend is None:
                return "Can't find backend.\n\n"
            rows = ['3 %s %d %s 127.0.0.1 2 %d 1 1 5 15 3 1 6 0 0 0 - 8080 - 0 0 - - 0'
                    % (words[3], index, name, server['admin'])
                    for index, (name, server) in enumerate(sorted(backend.items()), 1)]
            return '1\n# %s\n%s\n\n' % (HEADER_STATE, '\n'.join(rows))
        if words[:2] == ['show', 'stat']:
            if self.on_stat:
                self.on_stat(self)
            backend = self.servers.get(words[2])
            if backend is None:
                return 'No such proxy.\n\n'
            rows = [','.join([words[2], name, str(server.get('qcur', 0)), '0', str(server.get('scur', 0)), '0', '',
                              '0', server['status']] + list(server.get('check') or ('', '')))
                    for name, server in sorted(backend.items())]
            return '# %s,\n%s\n\n' % (','.join(STAT_FIELDS), ',\n'.join(rows) + ',')
        if words[:2] == ['show', 'backend']:
            return '# name\n%s\n\n' % '\n'.join(sorted(self.servers))
        if words[:2] == ['set', 'server'] and len(words) == 5 and words[3] == 'state':
            if self.level != 'admin':
                return 'Permission denied\n\n'
            backend, _slash, name = words[2].partition('/')
            if backend not in self.servers:
                return 'No such backend.\n\n'
            if name not in self.servers[backend]:
                return 'No such server.\n\n'
            if words[4] not in ADMIN:
                return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n"
            server = self.servers[backend][name]
            server['admin'] = ADMIN[words[4]]
            if words[4] == 'maint':
                server['status'] = 'MAINT'
            elif words[4] == 'drain' and server['status'] == 'UP':
                server['status'] = 'DRAIN'
            elif words[4] == 'ready' and server['status'] in ('DRAIN', 'MAINT'):
                server['status'] = 'UP' if server.get('check') else 'no check'
            return '\n'
        return 'Unknown command: %r\n\n' % command

    def sets(self):
        return [command for command in self.commands if command.startswith('set ')]

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()
        shutil.rmtree(self.directory, ignore_errors=True)
