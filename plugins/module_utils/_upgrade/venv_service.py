# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One service on its host under the venv driver: its venv, a switch to another, restart, readiness.

``VenvService`` reads where the service's process manager starts it (unit
and drop-ins, or its supervisord section) and its uWSGI ini, plans a switch
to another venv (which lines of which files change, refused before any write
when the target venv is missing or lacks a file the new lines would name),
writes it with the module's atomic writer, and tells whether the running
process already runs the configured venv. ``VenvServiceModule`` is the base
of the modules that act on one service.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade import venv_host
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.process_managers import (
    SUPERVISORD_CONFIGS,
    SYSTEMD_UNIT_DIR,
    ManagerError,
    Supervisord,
    Systemd,
    running_supervisord,
    words_of,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_driver import (
    LayoutError,
    program_venv,
    replace_venv,
    unit_exec_start,
    uwsgi_ini,
    uwsgi_modules,
    uwsgi_venv,
    venv_for_version,
    venv_references,
)

#: Options of every module that acts on one service (doc fragment osops.lifecycle.venv_service).
SERVICE_OPTIONS = dict(
    name=dict(type='str', required=True),
    manager=dict(type='str', choices=['auto', 'systemd', 'supervisord'], default='auto'),
    unit_path=dict(type='path'),
    supervisord_config=dict(type='path'),
    supervisorctl=dict(type='path'),
    uwsgi_ini=dict(type='path'),
)
BUILD_HINT = ("Build it first (openstack-ansible: the service's install playbook of the target release; "
              "the osops lab: labctl install --release <release>); nothing was changed.")


class VenvMissing(OsopsError):
    """The venv asked for does not exist on the host."""


def missing_venv(venv, what='target venv'):
    """The error for a venv that is not on this host, naming the host, the path and how to build it."""
    return VenvMissing('%s %s does not exist on %s (no %s). %s' % (
        what, venv, venv_host.host_name(), os.path.join(venv, 'pyvenv.cfg'), BUILD_HINT),
        venv=venv, host=venv_host.host_name())


def manager_for(params, run, get_bin_path, proc_path='/proc'):
    """The Systemd or Supervisord of the service ``params['name']``, detected when ``manager`` is auto."""
    name, kind = params['name'], params['manager']
    unit = params['unit_path'] or os.path.join(SYSTEMD_UNIT_DIR, name if name.endswith('.service')
                                               else name + '.service')
    found = None
    if kind == 'auto':
        if params['supervisord_config']:
            kind = 'supervisord'
        elif params['unit_path'] or os.path.isfile(unit):
            kind = 'systemd'
        else:
            found = running_supervisord(proc_path)
            if found or any(os.path.isfile(path) for path in SUPERVISORD_CONFIGS):
                kind = 'supervisord'
            else:
                raise LayoutError('%s on %s: no systemd unit %s and no supervisord (none runs here, no %s); '
                                  'give manager and its options.' % (name, venv_host.host_name(), unit,
                                                                     ' or '.join(SUPERVISORD_CONFIGS)))
    if kind == 'systemd':
        systemctl = get_bin_path('systemctl')
        if not systemctl:
            raise LayoutError('systemctl is not on this host (%s); is systemd its process manager?'
                              % venv_host.host_name())
        return Systemd(run, name, systemctl, params['unit_path'])
    config, ctl = params['supervisord_config'], params['supervisorctl']
    if not config or not ctl:
        found = found or running_supervisord(proc_path)
        config = config or (found[0] if found else next(
            (path for path in SUPERVISORD_CONFIGS if os.path.isfile(path)), None))
        if not ctl and found and os.access(found[1], os.X_OK):
            ctl = found[1]
        ctl = ctl or get_bin_path('supervisorctl')
    if not config:
        raise LayoutError('no supervisord config found on %s; give supervisord_config.' % venv_host.host_name())
    if not ctl:
        raise LayoutError('no supervisorctl found on %s; give supervisorctl.' % venv_host.host_name())
    return Supervisord(run, name, config, ctl)


class VenvService:
    """One service's start-up files, venv and process, through its process manager."""

    def __init__(self, manager, ini_path=None, proc_path='/proc'):
        self.manager = manager
        self.name = manager.name
        self.ini_option = ini_path
        self.proc_path = proc_path

    def layout(self):
        """The service's files, its uWSGI ini and the venv they name (refused when there is none)."""
        files = self.manager.files()
        words = words_of(self.manager)
        ini_path = self.ini_option or uwsgi_ini(words)
        ini = None
        if ini_path:
            if not os.path.isfile(ini_path):
                raise LayoutError('%s: the uWSGI ini %s does not exist; give uwsgi_ini.' % (self.name, ini_path))
            with open(ini_path, encoding='utf-8') as handle:
                ini = (ini_path, handle.read())
        venv, source = (uwsgi_venv(ini[1]), 'uwsgi_ini') if ini else (None, None)
        if venv is None:
            venv, source = program_venv(words), 'command'
        if venv is None:
            raise LayoutError('%s: cannot tell which venv it runs from: its command %r starts no '
                              '<venv>/bin/<program>%s. The venv driver switches venvs only.' % (
                                  self.name, ' '.join(words), ' and its uWSGI ini %s sets no virtualenv/home'
                                  % ini[0] if ini else ''))
        if os.path.exists(venv) and not venv_host.is_venv(venv):
            raise LayoutError('%s runs %s from %s, which is not a virtualenv (no pyvenv.cfg), for example a '
                              'distribution package. The venv driver switches venvs only.' % (
                                  self.name, words[0], venv))
        return {'files': files, 'ini': ini, 'venv': venv, 'source': source, 'command': ' '.join(words)}

    def _primary(self, layout):
        """The file the current venv is read from: written last, so an interrupted switch is redone whole."""
        if layout['source'] == 'uwsgi_ini':
            return layout['ini'][0]
        with_command = [path for path, text, _first, _end in layout['files']
                        if unit_exec_start([text]) is not None] if self.manager.kind == 'systemd' else []
        return with_command[-1] if with_command else layout['files'][0][0]

    def plan(self, venv=None, version=None):
        """What switching to ``venv`` (or the venv named for ``version``) changes: ``(layout, target, edits)``.

        ``edits`` lists ``{path, before, after, changes}``, empty when the
        service already uses the target. Raises before anything is written
        when the target venv is missing or lacks a path the new lines name.
        """
        layout = self.layout()
        current = layout['venv']
        target = (venv or venv_for_version(current, version)).rstrip('/')
        if venv_host.same_venv(current, target):
            return layout, target, []
        if not venv_host.is_venv(target):
            raise missing_venv(target)
        sources = list(layout['files'])
        if layout['ini']:
            sources.append((layout['ini'][0], layout['ini'][1], 0, None))
        edits = []
        for path, text, first, end in sources:
            after, changes = replace_venv(text, current, target, first, end)
            if changes:
                edits.append({'path': path, 'before': text, 'after': after, 'changes': [
                    {'path': path, 'line': line, 'before': old, 'after': new} for line, old, new in changes]})
        missing = []
        for edit in edits:
            for change in edit['changes']:
                missing += [(edit['path'], ref) for ref in venv_host.missing_paths(
                    venv_references(change['after'], target)) if (edit['path'], ref) not in missing]
        if layout['ini'] and edits:
            missing += [(layout['ini'][0], 'the Python module %s' % module) for module in uwsgi_modules(
                layout['ini'][1]) if not venv_host.has_module(target, module)]
        if missing:
            raise LayoutError('%s on %s: the target venv %s lacks %s, which the service would use after the '
                              'switch. The release changed its layout (for example a WSGI script replaced by a '
                              'module): adapt these files with the deployment tool; nothing was changed.' % (
                                  self.name, venv_host.host_name(), target,
                                  '; '.join('%s (named in %s)' % (ref, path) for path, ref in missing)))
        primary = self._primary(layout)
        edits.sort(key=lambda edit: edit['path'] == primary)
        return layout, target, edits

    def apply(self, edits, write):
        """Write the edits (in plan order) with ``write(path, text)``, then have the manager read them."""
        for edit in edits:
            write(edit['path'], edit['after'])
        if edits:
            self.manager.reload()

    def process(self, venv):
        """The manager's view of the service and whether its processes run ``venv``."""
        status = self.manager.status()
        pids = venv_host.descendants(status['pid'], self.proc_path) if status['pid'] else []
        venvs = venv_host.process_venvs(pids, self.proc_path)
        runs = venv_host.runs_venv(venvs, venv)
        status.update(venvs=venvs, pids=pids, runs_venv=runs,
                      restart_required=not status['running'] or not runs or status['pending_reload'])
        return status


def http_get(url, timeout):
    """``(status, document, error)`` of a GET without proxy: any HTTP answer has a status; JSON is parsed."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers={'Accept': 'application/json'}),
                         timeout=timeout) as response:
            status, body = response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(65536)
    except (OSError, ValueError) as exc:  # refused, reset, timeout, bad URL
        return None, None, str(getattr(exc, 'reason', None) or exc)
    try:
        document = json.loads(body.decode('utf-8'))
    except ValueError:
        document = None
    return status, document, None


def wait_ready(service, venv, url=None, timeout=120.0, request_timeout=5.0, clock=time.monotonic,
               sleep=time.sleep, settle=1.0):
    """Wait until the service runs ``venv``, its main process up for ``settle`` seconds, and ``url`` answers below 500.

    Returns the last observation with ``elapsed``; raises ManagerError
    naming what was still missing when ``timeout`` runs out.
    """
    start = clock()
    answer = None
    while True:
        now = clock()
        state = service.process(venv)
        age = venv_host.process_age(state['pid'], service.proc_path) if state['pid'] else None
        settled = state['running'] and state['runs_venv'] and age is not None and age >= settle
        answer = http_get(url, request_timeout) if settled and url else None
        if settled and (not url or (answer[0] is not None and answer[0] < 500)):
            state.update(elapsed=round(clock() - start, 3), http_status=answer[0] if answer else None,
                         document=answer[1] if answer else None)
            return state
        if now - start >= timeout:
            if not state['running']:
                why = 'it is not running (%s %s)' % (service.manager.kind, state['state'])
            elif not state['runs_venv']:
                why = 'pid %s runs %s, not %s' % (state['pid'], ', '.join(state['venvs']) or 'no venv', venv)
            elif not settled:
                why = 'pid %s started less than %.0f s ago' % (state['pid'], settle)
            else:
                why = '%s answered %s' % (url, answer[0] if answer[0] is not None else answer[2])
            raise ManagerError('%s on %s is not ready after %.0f s: %s.' % (
                service.name, venv_host.host_name(), timeout, why), state=state)
        sleep(0.5)


def switch(service, write, venv=None, version=None, check_mode=False):
    """Point the service's files at ``venv`` (or the venv of ``version``); the service_venv module's work.

    Returns what service_venv returns (without ``duration``).
    """
    layout, target, edits = service.plan(venv, version)
    if not check_mode:
        service.apply(edits, write)
    restart_required = bool(edits) if check_mode and edits else service.process(target)['restart_required']
    return dict(
        changed=bool(edits), venv=target, previous_venv=layout['venv'], version=venv_host.venv_version(target),
        previous_version=venv_host.venv_version(layout['venv']), manager=service.manager.kind,
        files=[edit['path'] for edit in edits], changes=[change for edit in edits for change in edit['changes']],
        restart_required=restart_required,
        diff=[dict(before_header=edit['path'], after_header=edit['path'], before=edit['before'], after=edit['after'])
              for edit in edits])


def restart(service, venv=None, force=False, check_mode=False):
    """Restart the service unless it already runs ``venv`` (default: the one its files name); service_restart's work.

    In check mode ``venv`` may differ from the files (a switch predicted in the same run).
    """
    configured = service.layout()['venv']
    venv = venv or configured
    if not check_mode and not venv_host.same_venv(venv, configured):
        raise OsopsError('%s on %s: its files name %s, not %s; switch it first (service_venv). Nothing was '
                         'restarted.' % (service.name, venv_host.host_name(), configured, venv))
    before = service.process(venv)
    if force:
        reason = 'forced'
    elif not before['running']:
        reason = 'not running (%s)' % before['state']
    elif not before['runs_venv']:
        reason = 'pid %s runs %s, not %s' % (before['pid'], ', '.join(before['venvs']) or 'no venv', venv)
    elif before['pending_reload']:
        reason = 'its unit changed on disk since systemd read it'
    else:
        reason = None
    after = before
    if reason and not check_mode:
        after = service.manager.restart()
    return dict(changed=bool(reason), restarted=bool(reason), reason=reason or 'pid %s already runs %s' % (
        before['pid'], venv), venv=venv, pid_before=before['pid'], pid=after['pid'], state=after['state'],
        manager=service.manager.kind)


class VenvServiceModule(OsopsModule):
    """Base of the modules that act on one service's venv: builds its VenvService."""

    argument_spec = dict(SERVICE_OPTIONS)

    def service(self):
        manager = manager_for(self.params, self.ansible.run_command, self.ansible.get_bin_path)
        return VenvService(manager, self.params['uwsgi_ini'])

    def write(self, path, text):
        """Replace ``path`` atomically, keeping its owner, mode and SELinux context."""
        handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.%s.' % os.path.basename(path))
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                out.write(text)
            self.ansible.atomic_move(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
