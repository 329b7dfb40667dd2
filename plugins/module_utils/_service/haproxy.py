# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One server of an HAProxy backend, read and set through HAProxy's runtime API (its admin socket).

One command a connection, as HAProxy's stats socket answers outside interactive mode:
``show servers state <backend>`` (the server's administrative state), ``show stat <backend> 4 -1``
(its status and current sessions, CSV), ``show backend`` (the names, for an error) and
``set server <backend>/<server> state ready|drain|maint``. Standard library only: it runs on the
HAProxy host.
"""

from __future__ import annotations

import csv
import errno
import os
import re
import socket
import stat
import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError

STATES = ('ready', 'drain', 'maint')

# The characters HAProxy allows in a proxy's or server's name; nothing else reaches the socket (";" would
# start another command).
_NAME = re.compile(r'^[A-Za-z0-9_.:-]+$')

# srv_admin_state bits of ``show servers state`` (HAProxy's enum srv_admin)
_MAINT = 0x01 | 0x02 | 0x04 | 0x20  # forced, inherited from a tracked server, "disabled" in the config, DNS
_DRAIN = 0x08 | 0x10  # forced, inherited

# Per asked state: when a wait is over, what it waits for and what to do when it runs out.
SETTLED = {
    'ready': (lambda server: server['status'] in ('UP', 'no check'), 'HAProxy to see it UP',
              'HAProxy sends it requests once its health check passes: is the service answering on the address '
              'and port HAProxy checks? Raise the option timeout if it starts slowly.'),
    'drain': (lambda server: server['sessions'] == 0, 'its sessions to end',
              'HAProxy sends it no new sessions; the open ones end when their clients or the server end them '
              '(long uploads, streamed answers). Raise the option timeout, or look at them with "show sess".'),
    'maint': (lambda server: server['sessions'] == 0, 'its sessions to end',
              'HAProxy sends it nothing new; the open sessions end when their clients or the server end them. '
              'Raise the option timeout, or look at them with "show sess".'),
}


class RuntimeApi:
    """HAProxy's admin socket at ``path``: ``ask(command)`` is HAProxy's answer, one connection each."""

    def __init__(self, path, timeout=10.0):
        self.path, self.timeout = path, timeout
        self.host = socket.gethostname()

    def _where(self):
        return "HAProxy's admin socket %s on %s" % (self.path, self.host)

    def _connect(self):
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            raise OsopsError(
                '%s does not exist. Is HAProxy running on this host, with "stats socket %s level admin" in its '
                'global section (openstack-ansible: /var/run/haproxy.stat)? Set the option socket to the path its '
                'stats socket names (the upgrade role: osops_upgrade_haproxy_socket), or run the task on the '
                'HAProxy hosts (osops_upgrade_haproxy_hosts).' % (self._where(), self.path)) from None
        except OSError as exc:
            raise OsopsError('%s cannot be looked at: %s. Run the task as root (become: true).'
                             % (self._where(), exc.strerror)) from None
        if not stat.S_ISSOCK(mode):
            raise OsopsError('%s is not a unix socket. Set the option socket to the path of HAProxy\'s "stats '
                             'socket" (openstack-ansible: /var/run/haproxy.stat).' % self._where())
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EACCES, errno.EPERM):
                why = 'Permission denied. Run the task as root (become: true), or as the user the socket belongs to'
            elif exc.errno == errno.ECONNREFUSED:
                why = ('nothing listens on it (connection refused): HAProxy is not running, or the file is left '
                       'from a run before. Start HAProxy, or set the option socket to the socket it has now')
            else:
                why = str(exc)
            raise OsopsError('Cannot connect to %s: %s.' % (self._where(), why)) from None
        return sock

    def ask(self, command):
        """HAProxy's answer to ``command``; "Permission denied" (a socket below level admin) raises."""
        sock = self._connect()
        chunks = []
        try:
            sock.sendall(command.encode('ascii') + b'\n')
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as exc:
            raise OsopsError('%s did not answer "%s": %s.' % (self._where(), command, exc)) from None
        finally:
            sock.close()
        answer = b''.join(chunks).decode('utf-8', 'replace')
        if answer.strip() == 'Permission denied':
            raise OsopsError(
                'HAProxy refused "%s" on %s: Permission denied. The socket\'s level is not admin; give it "level '
                'admin" ("stats socket %s mode 600 level admin", as openstack-ansible does).'
                % (command, self._where(), self.path))
        return answer


def parse_servers_state(text):
    """``{server: {field: value}}`` of ``show servers state``'s answer (a version line, a ``#`` header, rows);
    None when the answer is not that (an error message)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].strip().isdigit() or not lines[1].startswith('#'):
        return None
    fields = lines[1][1:].split()
    rows = (dict(zip(fields, line.split())) for line in lines[2:])
    return dict((row['srv_name'], row) for row in rows if 'srv_name' in row)


def parse_stat(text):
    """``{svname: {field: value}}`` of ``show stat``'s CSV; None when the answer is not CSV (an error message)."""
    if not text.startswith('# '):
        return None
    reader = csv.DictReader(line for line in text[2:].splitlines() if line.strip())
    return dict((row['svname'], row) for row in reader)


def admin_state(bits):
    """``ready``, ``drain`` or ``maint`` of a server's srv_admin_state (a number)."""
    bits = int(bits)
    if bits & _MAINT:
        return 'maint'
    return 'drain' if bits & _DRAIN else 'ready'


def _number(value):
    return int(value) if value and value.isdigit() else 0


def _unknown_backend(api, backend):
    names = [line.strip() for line in api.ask('show backend').splitlines() if line.strip() and line[0] != '#']
    return OsopsError('HAProxy on %s has no backend %r; its backends: %s. Set the option backend to one of them '
                      '(the upgrade role: osops_upgrade_haproxy_backends, binary -> backend; openstack-ansible '
                      'names them <haproxy_service_name>-back, for example keystone_service-back).'
                      % (api.host, backend, ', '.join(names) or 'none'), backends=names)


def read_server(api, backend, server):
    """``{'state', 'status', 'sessions', 'check'}`` of ``server`` in ``backend``: its administrative state
    (ready, drain, maint), HAProxy's status (UP, DOWN, DRAIN, MAINT, no check, ...), its current sessions (those
    queued for it included) and its last check."""
    states = parse_servers_state(api.ask('show servers state %s' % backend))
    if states is None:
        raise _unknown_backend(api, backend)
    if server not in states:
        names = sorted(states)
        raise OsopsError('Backend %s on %s has no server %r; its servers: %s. Set the option server to one of them '
                         '(openstack-ansible names them by inventory hostname; the upgrade role: '
                         'osops_upgrade_haproxy_server).' % (backend, api.host, server, ', '.join(names) or 'none'),
                         servers=names)
    stats = parse_stat(api.ask('show stat %s 4 -1' % backend))
    row = (stats or {}).get(server)
    if row is None:
        raise OsopsError('HAProxy on %s listed server %s/%s in "show servers state" but not in "show stat"; '
                         'was its configuration reloaded meanwhile? Run the task again.' % (api.host, backend, server))
    check = ' '.join(part for part in (row.get('check_status'), row.get('check_desc')) if part)
    return {'state': admin_state(states[server]['srv_admin_state']), 'status': row['status'],
            'sessions': _number(row.get('scur')) + _number(row.get('qcur')), 'check': check or None}


def set_state(api, backend, server, state):
    """``set server <backend>/<server> state <state>``; any answer but an empty one is HAProxy's refusal."""
    command = 'set server %s/%s state %s' % (backend, server, state)
    answer = api.ask(command).strip()
    if answer:
        raise OsopsError('HAProxy on %s refused "%s": %s' % (api.host, command, answer))


def ensure(api, backend, server, state, wait=True, timeout=60.0, check_mode=False, interval=0.5,
           clock=time.monotonic, sleep=time.sleep):
    """Put ``server`` of ``backend`` in ``state`` unless it is, then (``wait``) wait until it settled: no
    session left (drain, maint), or UP (ready; at once without a health check).

    Check mode reads only; it waits only when nothing would change. Returns ``changed``,
    ``previous_state``, ``state``, ``status``, ``sessions``, ``check``, ``elapsed``, ``waited``; raises
    OsopsError when ``timeout`` runs out, saying what was seen (the state set stays).
    """
    for option, value in (('backend', backend), ('server', server)):
        if not _NAME.match(value or ''):
            raise OptionError(option, value, 'a name as HAProxy allows it (letters, digits, "-", "_", ".", ":")')
    start = clock()
    before = read_server(api, backend, server)
    changed = before['state'] != state
    now = before
    if changed and not check_mode:
        set_state(api, backend, server, state)
        now = read_server(api, backend, server)
    waited = wait and not (changed and check_mode)  # nothing was set in check mode: nothing to wait for
    settled, what, hint = SETTLED[state]
    while waited and not settled(now):
        elapsed = clock() - start
        if elapsed >= timeout:
            seen = ('%d session(s) left' % now['sessions'] if state != 'ready'
                    else 'it is %s (last check: %s)' % (now['status'], now['check'] or 'none'))
            raise OsopsError(
                'Server %s/%s on %s is in state %s but did not settle within %.0f s: %s. Waited for %s. '
                '%s' % (backend, server, api.host, now['state'], timeout, seen, what, hint),
                previous_state=before['state'], state=now['state'], status=now['status'], sessions=now['sessions'],
                elapsed=round(elapsed, 3), changed=changed)
        sleep(interval)
        now = read_server(api, backend, server)
    return {'changed': changed, 'previous_state': before['state'], 'state': state if check_mode else now['state'],
            'status': now['status'], 'sessions': now['sessions'], 'check': now['check'], 'waited': waited,
            'elapsed': round(clock() - start, 3)}
