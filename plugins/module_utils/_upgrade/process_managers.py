# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The process managers the venv driver restarts services with: systemd and supervisord.

Each knows where a service's start-up files are, how to make the manager
read them again (``daemon-reload``, ``reread``), a service's state and main
pid, and how to restart it. Commands go through the ``run`` callable they
are given (``AnsibleModule.run_command``) with argument lists; failures
raise :class:`ManagerError` naming the command and its output.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import time

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_driver import (
    LayoutError,
    command_words,
    program_section,
    sections,
    supervisord_command,
    supervisord_value,
    unit_exec_start,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_host import host_name, mount_namespace

#: Where supervisord looks for its config when started without ``-c`` (after paths relative to itself).
SUPERVISORD_CONFIGS = ('/etc/supervisord.conf', '/etc/supervisor/supervisord.conf')
SYSTEMD_UNIT_DIR = '/etc/systemd/system'
_STATUS_PID = re.compile(r'\bpid (\d+)')


class ManagerError(OsopsError):
    """A process manager command failed, or a service did not reach the state asked."""


def _text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


class ProcessManager:
    """What the venv driver asks of a process manager."""

    kind = None

    def __init__(self, run, name):
        self.run = run
        self.name = name

    def _call(self, args):
        rc, out, err = self.run(args)
        if rc != 0:
            why = (err or out).strip()[-2000:]
            raise ManagerError('%s failed on %s (rc %s): %s' % (shlex.join(args), host_name(), rc, why),
                               cmd=args, stdout=out, stderr=err)
        return out

    def files(self):
        """``[(path, text, first_line, end_line)]``: the start-up files, the lines of them that are the service's."""
        raise NotImplementedError

    def command(self):
        """The command line the manager starts the service with."""
        raise NotImplementedError


class Systemd(ProcessManager):
    """A systemd unit: ``/etc/systemd/system/<name>.service`` and its drop-ins."""

    kind = 'systemd'

    def __init__(self, run, name, systemctl, unit_path=None):
        super().__init__(run, name if name.endswith('.service') else name + '.service')
        self.systemctl = systemctl
        self.unit_path = unit_path or os.path.join(SYSTEMD_UNIT_DIR, self.name)

    def files(self):
        if not os.path.isfile(self.unit_path):
            raise LayoutError('systemd unit file %s does not exist on %s; give unit_path.' % (
                self.unit_path, host_name()))
        paths = [self.unit_path] + sorted(glob.glob(self.unit_path + '.d/*.conf'))
        return [(path, _text(path), 0, None) for path in paths]

    def command(self):
        return unit_exec_start([text for _path, text, _first, _end in self.files()])

    def reload(self):
        self._call([self.systemctl, 'daemon-reload'])

    def status(self):
        out = self._call([self.systemctl, 'show', '--property=ActiveState,SubState,MainPID,NeedDaemonReload',
                          self.name])
        props = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
        pid = int(props.get('MainPID') or 0) or None
        running = props.get('ActiveState') == 'active' and pid is not None
        return {'state': '%s/%s' % (props.get('ActiveState', '?'), props.get('SubState', '?')),
                'running': running, 'pid': pid, 'pending_reload': props.get('NeedDaemonReload') == 'yes'}

    def restart(self):
        if self.status()['pending_reload']:
            self.reload()
        self._call([self.systemctl, 'restart', self.name])
        return self.status()


class Supervisord(ProcessManager):
    """A supervisord program: its ``[program:<name>]`` section, in the main config or an included file."""

    kind = 'supervisord'

    start_attempts = 3
    start_delay = 2.0
    #: how often a stop in progress is looked at, and how long past the program's stopwaitsecs it may last
    stop_poll = 0.5
    stop_margin = 5.0
    sleep = staticmethod(time.sleep)
    clock = staticmethod(time.monotonic)

    def __init__(self, run, name, config, supervisorctl):
        super().__init__(run, name)
        self.config = config
        self.supervisorctl = supervisorctl

    def _ctl(self, *args):
        return [self.supervisorctl, '-c', self.config] + list(args)

    def _config_files(self):
        """The main config, then the files its ``[include] files`` globs name (relative to it)."""
        if not os.path.isfile(self.config):
            raise LayoutError('supervisord config %s does not exist on %s; give supervisord_config.' % (
                self.config, host_name()))
        text = _text(self.config)
        found = [(self.config, text)]
        for name, start, end in sections(text):
            if name != 'include':
                continue
            for line in text.splitlines()[start + 1:end]:
                key, _sep, value = line.partition('=')
                if key.strip() != 'files':
                    continue
                for pattern in value.split():
                    pattern = os.path.join(os.path.dirname(self.config), pattern)
                    found += [(path, _text(path)) for path in sorted(glob.glob(pattern)) if os.path.isfile(path)]
        return found

    def files(self):
        for path, text in self._config_files():
            section = program_section(text, self.name)
            if section is not None:
                return [(path, text, section[0], section[1])]
        raise LayoutError('supervisord config %s (with its includes) on %s has no [program:%s].' % (
            self.config, host_name(), self.name))

    def command(self):
        path, text, _first, _end = self.files()[0]
        return supervisord_command(text, self.name)

    def reload(self):
        self._call(self._ctl('reread'))

    def status(self):
        """The program's state; ``ABSENT`` when its section is in the config but supervisord has no such group.

        ``supervisorctl update`` of a changed program removes its group and adds it again, in two calls: one
        cut short between them (its run killed) leaves the group out until the next ``update`` adds it.
        """
        args = self._ctl('status', self.name)
        rc, out, err = self.run(args)
        fields = out.split()
        if rc == 4 and out.strip() == '%s: ERROR (no such process)' % self.name:
            self.files()  # the section must be there: else the LayoutError that names the config
            return {'state': 'ABSENT', 'running': False, 'pid': None, 'pending_reload': True}
        if rc not in (0, 3) or len(fields) < 2 or fields[0] != self.name:
            raise ManagerError('%s failed on %s (rc %s): %s' % (shlex.join(args), host_name(), rc, (out + err).strip()),
                               cmd=args, stdout=out, stderr=err)
        match = _STATUS_PID.search(out)
        pid = int(match.group(1)) if match and fields[1] == 'RUNNING' else None
        return {'state': fields[1], 'running': fields[1] == 'RUNNING', 'pid': pid, 'pending_reload': False}

    def restart(self):
        """Apply the program's config (``update``) and have it run from it.

        ``update`` re-reads the config and, when the program's section
        changed, stops it and adds it again (starting it only when its
        ``autostart`` says so); then it is started, or restarted when
        ``update`` left the old process running.
        """
        before = self.status()
        if before['state'] == 'STOPPING':
            before = self._stopped()
        self._call(self._ctl('update', self.name))
        after = self.status()
        if after['running'] and after['pid'] != before['pid']:
            return after
        # A program whose old process was killed (it did not stop within stopwaitsecs) may exit at once on
        # its first start - its port or files not released yet - which supervisord reports as a spawn error:
        # it is started again, a few times, before the restart is called failed.
        outputs = []
        for attempt in range(self.start_attempts):
            if attempt:
                self.sleep(self.start_delay)
            rc, out, err = self.run(self._ctl('restart' if after['running'] else 'start', self.name))
            outputs.append((out + err).strip())
            after = self.status()
            if after['running']:
                return after
        tail = self.run(self._ctl('tail', self.name))[1]
        raise ManagerError('supervisord on %s did not start %s (%s) in %d attempts: %s; its output ends with: %s' % (
            host_name(), self.name, after['state'], self.start_attempts, ' / '.join(outputs), tail.strip()[-1500:]))

    def _stop_wait(self):
        """The program's ``stopwaitsecs`` (supervisord's default 10): how long a stop lasts at most before the kill."""
        _path, text, _first, _end = self.files()[0]
        value = supervisord_value(text, self.name, 'stopwaitsecs')
        try:
            return max(0, int(value)) if value is not None else 10
        except ValueError:
            return 10

    def _stopped(self):
        """The program's status once the stop in progress is over.

        A stop asked before (a run killed in ``supervisorctl update`` or
        ``stop``: supervisord goes on stopping the program) leaves it
        ``STOPPING`` for up to ``stopwaitsecs``; ``update`` would then stop
        nothing and fail to remove the group (``STILL_RUNNING``).
        """
        stop_wait = self._stop_wait()
        began = self.clock()
        while True:
            status = self.status()
            if status['state'] != 'STOPPING':
                return status
            waited = self.clock() - began
            if waited >= stop_wait + self.stop_margin:
                raise ManagerError('supervisord on %s is still stopping %s after %.0f s (its stopwaitsecs is %d); '
                                   'see supervisorctl -c %s status %s, and continue once it has stopped.' % (
                                       host_name(), self.name, waited, stop_wait, self.config, self.name))
            self.sleep(self.stop_poll)


def running_supervisord(proc_path='/proc'):
    """``(config, supervisorctl)`` of the supervisord running in this mount namespace, or None.

    The config is the ``-c``/``--configuration`` it was started with, else
    the first of supervisord's default places that exists; supervisorctl is
    the one beside the supervisord script.
    """
    own = mount_namespace('self', proc_path)
    for entry in sorted((e for e in os.listdir(proc_path) if e.isdigit()), key=int):
        try:
            with open(os.path.join(proc_path, entry, 'cmdline'), 'rb') as handle:
                args = handle.read().decode('utf-8', 'replace').split('\0')
        except OSError:
            continue
        scripts = [index for index, arg in enumerate(args[:2]) if os.path.basename(arg) == 'supervisord']
        if not scripts or mount_namespace(entry, proc_path) != own:
            continue
        script, rest = args[scripts[0]], args[scripts[0] + 1:]
        config = None
        for index, arg in enumerate(rest):
            if arg in ('-c', '--configuration') and index + 1 < len(rest):
                config = rest[index + 1]
            elif arg.startswith('--configuration='):
                config = arg.split('=', 1)[1]
        if config and not config.startswith('/'):
            try:
                config = os.path.join(os.readlink(os.path.join(proc_path, entry, 'cwd')), config)
            except OSError:
                continue
        config = config or next((path for path in SUPERVISORD_CONFIGS if os.path.isfile(path)), None)
        if config:
            return config, os.path.join(os.path.dirname(script), 'supervisorctl')
    return None


def words_of(manager):
    """The words of the command the manager starts the service with; a LayoutError when it has none."""
    command = manager.command()
    if not command:
        raise LayoutError('%s %s on %s starts no command (no ExecStart / command).' % (
            manager.kind, manager.name, host_name()))
    return command_words(command)
