# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Venvs on a host and the venvs its processes run from.

A process runs from a venv when its command line names a file of it (the
program, ``<venv>/bin/python3 <venv>/bin/nova-compute``) or when it has a file
of it mapped (a uWSGI worker whose ``virtualenv`` loaded the venv's
libraries: openstack-ansible's uWSGI lives in a venv of its own). Two paths
are the same venv when their ``pyvenv.cfg`` is the same file, so a venv seen
through a symlink or a bind mount (the lab's ``/openstack/venvs``) is
recognised.

Standard library only: this runs on service hosts.
"""

from __future__ import annotations

import glob
import os
import re
import socket

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.venv_driver import versioned_name

_NORMALISE = re.compile(r'[-_.]+')


def host_name():
    """This host's name, for messages."""
    return socket.gethostname()


def is_venv(path):
    """Whether ``path`` is a virtualenv (it has ``pyvenv.cfg``)."""
    return bool(path) and os.path.isfile(os.path.join(path, 'pyvenv.cfg'))


def _identity(venv):
    try:
        found = os.stat(os.path.join(venv, 'pyvenv.cfg'))
    except OSError:
        return None
    return found.st_dev, found.st_ino


def same_venv(first, second):
    """Whether two paths are the same venv (same ``pyvenv.cfg``), or the same path when neither is one."""
    one, other = _identity(first), _identity(second)
    if one is None or other is None:
        return os.path.normpath(first) == os.path.normpath(second)
    return one == other


def venv_version(venv, project=None):
    """The version of ``project`` installed in ``venv`` (its ``*.dist-info``), else the one its name tells.

    ``project`` defaults to the name part of ``<name>-<version>``; the
    distributions ``<project>`` and ``openstack-<project>`` (placement) are
    looked for. None when neither says.
    """
    named = versioned_name(venv)
    project = project or (named[0] if named else None)
    if project:
        wanted = set(_NORMALISE.sub('_', name).lower() for name in (project, 'openstack-' + project))
        for info in glob.glob(os.path.join(venv, 'lib', 'python3*', 'site-packages', '*.dist-info')):
            name, _sep, version = os.path.basename(info)[:-len('.dist-info')].rpartition('-')
            if _NORMALISE.sub('_', name).lower() in wanted and version:
                return version
    return named[1] if named else None


def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def descendants(pid, proc_path='/proc'):
    """``pid`` and every process below it (uWSGI's workers, a shell's child), pid first."""
    children = {}
    for entry in os.listdir(proc_path):
        if not entry.isdigit():
            continue
        try:
            stat = _read(os.path.join(proc_path, entry, 'stat')).decode('utf-8', 'replace')
        except OSError:
            continue
        parent = int(stat.rsplit(')', 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        if current in found:
            continue
        found.append(current)
        todo.extend(sorted(children.get(current, ())))
    return found


def _candidates(path):
    """Venv roots a file path may be inside: ``<venv>/bin/...``, ``<venv>/lib/python3.X/...``."""
    found = []
    for marker in ('/bin/', '/lib/python', '/lib64/python'):
        index = path.rfind(marker)
        if index > 0:
            found.append(path[:index])
    return found


def process_paths(pid, proc_path='/proc'):
    """Absolute paths a process names on its command line or has mapped (unreadable parts are skipped)."""
    paths = []
    try:
        args = _read(os.path.join(proc_path, str(pid), 'cmdline')).decode('utf-8', 'replace').split('\0')
    except OSError:
        args = []
    # The arguments before the program: a script's path names its venv as the service's files do, where the
    # interpreter the kernel shows first may be the venv's real path. A process that set its title has one
    # argument: "nova-scheduler: master process [/v/bin/nova-scheduler ...]".
    paths += [word.strip('[]()') for arg in args[1:] + args[:1] for word in arg.split()
              if word.strip('[]()').startswith('/')]
    try:
        for line in _read(os.path.join(proc_path, str(pid), 'maps')).decode('utf-8', 'replace').splitlines():
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith('/'):
                paths.append(fields[5])
    except OSError:
        pass
    return paths


def process_venvs(pids, proc_path='/proc'):
    """The venvs the processes run from, as first seen, without repeats (same venv, one path)."""
    venvs, checked = [], set()
    for pid in pids:
        for path in process_paths(pid, proc_path):
            for root in _candidates(path):
                if root in checked:
                    continue
                checked.add(root)
                if is_venv(root) and not any(same_venv(root, known) for known in venvs):
                    venvs.append(root)
    return venvs


def runs_venv(venvs, venv):
    """Whether ``venv`` is one of ``venvs`` (as :func:`process_venvs` returns them)."""
    return any(same_venv(found, venv) for found in venvs)


def has_module(venv, module):
    """Whether ``venv``'s site-packages hold the Python module ``module`` (``keystone.wsgi.api``)."""
    relative = module.replace('.', '/')
    for site in glob.glob(os.path.join(venv, 'lib', 'python3*', 'site-packages')):
        if os.path.isfile(os.path.join(site, relative + '.py')) or os.path.isfile(
                os.path.join(site, relative, '__init__.py')):
            return True
    return False


def missing_paths(paths):
    """The paths that do not exist on this host."""
    return [path for path in paths if not os.path.exists(path)]


def process_age(pid, proc_path='/proc'):
    """Seconds since the process started, or None when it is gone."""
    try:
        stat = _read(os.path.join(proc_path, str(pid), 'stat')).decode('utf-8', 'replace')
        uptime = float(_read(os.path.join(proc_path, 'uptime')).split()[0])
        started = int(stat.rsplit(')', 1)[1].split()[19]) / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return None
    return max(uptime - started, 0.0)


def mount_namespace(pid='self', proc_path='/proc'):
    """The mount namespace of a process (``mnt:[4026531840]``), or None."""
    try:
        return os.readlink(os.path.join(proc_path, str(pid), 'ns', 'mnt'))
    except OSError:
        return None


def venv_command(venv, argv, config_files=()):
    """The argument list running ``argv`` from ``venv``, with ``--config-file`` options after the program.

    ``argv[0]`` is a program of ``<venv>/bin`` (``keystone-manage``) or an
    absolute path. ``(command, problem)``: ``problem`` says what is missing
    on this host, else None.
    """
    program = argv[0] if argv[0].startswith('/') else os.path.join(venv, 'bin', argv[0])
    command = [program]
    for path in config_files:
        command += ['--config-file', path]
    command += list(argv[1:])
    if not is_venv(venv):
        return command, 'venv %s does not exist on %s (no %s)' % (venv, host_name(), os.path.join(venv, 'pyvenv.cfg'))
    if not os.access(program, os.X_OK):
        return command, '%s is not an executable on %s' % (program, host_name())
    return command, None
