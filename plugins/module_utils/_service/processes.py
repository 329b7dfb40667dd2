# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which OpenStack service versions the processes of a host run.

openstack-ansible runs every service from a venv named
``<venvs_dir>/<project>-<version>/``; several can be installed side by side,
only the one a running process was started from counts.  The command line of
each process (``/proc/<pid>/cmdline``) names it:

* ``<venv>/bin/nova-compute ...`` (a console script run directly),
* ``<venv>/bin/python3 <venv>/bin/nova-compute ...`` (the kernel shows the
  interpreter of the script's shebang first),
* ``<venv>/bin/uwsgi --ini ...`` (an API under uWSGI: the venv gives the project).

Standard library only, so it runs on hosts whose Python has nothing else;
versions are parsed with ``packaging`` when that Python has it, else with the
release-number pattern below.
"""

from __future__ import annotations

import os
import re

try:
    from packaging.version import InvalidVersion, Version
except ImportError:
    Version = None
    InvalidVersion = ValueError

# A release version: 32.2.1, 32.0.0.0rc1, 2025.1.post1, 33.1.0.dev12.
_RELEASE = re.compile(r'^(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?$')
# <project>-<version>: the project is lowercase words joined by dashes, the version starts with a digit.
_VENV = re.compile(r'^([a-z][a-z0-9_]*(?:-[a-z][a-z0-9_]*)*)-(\d[^/]*)$')
_PYTHON = re.compile(r'^python(\d+(\.\d+)?)?$')
_PRE_ORDER = {'a': 0, 'b': 1, 'rc': 2}


def version_key(text):
    """A sort key for a version, or None when ``text`` is not a version.

    ``packaging``'s ordering when it is importable; otherwise release numbers,
    then pre-releases before the release, dev releases first.
    """
    if Version is not None:
        try:
            return Version(text)
        except InvalidVersion:
            return None
    match = _RELEASE.match(text)
    if match is None:
        return None
    release, pre, pre_n, post, dev = match.groups()
    numbers = [int(part) for part in release.split('.')]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    pre_key = (_PRE_ORDER[pre], int(pre_n)) if pre else (3, 0)
    if dev is not None and not pre and post is None:
        pre_key = (-1, 0)
    return (tuple(numbers), pre_key, int(post) if post is not None else -1,
            int(dev) if dev is not None else float('inf'))


def parse_venv(path, venvs_dir):
    """``(project, version, venv)`` when ``path`` is ``<venvs_dir>/<project>-<version>/bin/<name>``, else None."""
    if not path.startswith('/'):
        return None
    path = os.path.normpath(path)
    prefix = os.path.normpath(venvs_dir).rstrip('/') + '/'
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix):].split('/')
    if len(parts) != 3 or parts[1] != 'bin' or not parts[2]:
        return None
    match = _VENV.match(parts[0])
    if match is None or version_key(match.group(2)) is None:
        return None
    return match.group(1), match.group(2), prefix + parts[0]


def split_cmdline(raw):
    """The arguments of a ``/proc/<pid>/cmdline``.

    A process that rewrote its title (setproctitle) has one argument with
    spaces in it; that one is split on whitespace.
    """
    text = raw.decode('utf-8', errors='replace')
    args = text.split('\0')
    while args and args[-1] == '':
        args.pop()
    if len(args) == 1 and ' ' in args[0]:
        args = args[0].split()
    return args


def _script(args):
    """The script an interpreter runs: python3 -u -W ignore <venv>/bin/nova-compute."""
    args = iter(args)
    for arg in args:
        if arg in ('-c', '-m', '-'):
            return None
        if arg in ('-W', '-X', '-Q'):
            next(args, None)
            continue
        if not arg.startswith('-'):
            return arg
    return None


def service_of(args, venvs_dir):
    """``(project, version, binary, venv)`` of a command line, or None when it runs no venv service."""
    if not args:
        return None
    program = args[0]
    name = os.path.basename(program)
    if _PYTHON.match(name):
        script = _script(args[1:])
        if script is None:
            return None
        found = parse_venv(script, venvs_dir)
        if found is None:
            return None
        return found[0], found[1], os.path.basename(os.path.normpath(script)), found[2]
    found = parse_venv(program, venvs_dir)
    if found is None:
        return None
    return found[0], found[1], name, found[2]


def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def _namespace(proc_path, pid):
    try:
        return os.readlink(os.path.join(proc_path, pid, 'ns', 'mnt'))
    except OSError:
        return None


def scan(proc_path, venvs_dir, same_mount_namespace=True):
    """The venv service processes under ``proc_path``, and how many entries were skipped.

    Returns ``(processes, skipped)``: ``processes`` a list of dicts (``pid``,
    ``project``, ``version``, ``binary``, ``venv``) ordered by pid;
    ``skipped`` the number of process entries that vanished or could not be
    read.  With ``same_mount_namespace``, a process whose mount namespace is
    known and differs from this process's (``<proc_path>/self``) is left out:
    a container's processes are visible from its host but are not the host's.
    """
    entries = os.listdir(proc_path)
    own = _namespace(proc_path, 'self') if same_mount_namespace else None
    processes, skipped = [], 0
    for entry in sorted((e for e in entries if e.isdigit()), key=int):
        try:
            raw = _read(os.path.join(proc_path, entry, 'cmdline'))
        except OSError:  # the process ended, or its entry is not readable
            skipped += 1
            continue
        found = service_of(split_cmdline(raw), venvs_dir)
        if found is None:
            continue
        if own is not None:
            theirs = _namespace(proc_path, entry)
            if theirs is not None and theirs != own:
                continue
        project, version, binary, venv = found
        processes.append({'pid': int(entry), 'project': project, 'version': version,
                          'binary': binary, 'venv': venv})
    return processes, skipped


def installed(venvs_dir):
    """The venvs under ``venvs_dir``: dicts of ``project``, ``version`` and ``path``, by project then version.

    A directory counts when its name is ``<project>-<version>`` (a link to one
    too); anything else is left out, and so is a ``venvs_dir`` that does not exist.
    """
    venvs_dir = os.path.normpath(venvs_dir)
    try:
        entries = [(entry.name, entry.is_dir()) for entry in os.scandir(venvs_dir)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name, is_dir in entries:
        match = _VENV.match(name)
        if is_dir and match is not None and version_key(match.group(2)) is not None:
            found.append({'project': match.group(1), 'version': match.group(2), 'path': os.path.join(venvs_dir, name)})
    return sorted(found, key=lambda v: (v['project'], version_key(v['version'])))


def summarise(processes):
    """``(projects, host_versions_entry, notes)`` of the processes.

    ``projects`` maps a project to its versions in use, lowest first;
    ``host_versions_entry`` a project to its lowest version in use, with a
    note for each project running more than one version.
    """
    projects = {}
    for process in processes:
        projects.setdefault(process['project'], set()).add(process['version'])
    projects = dict((project, sorted(versions, key=version_key)) for project, versions in sorted(projects.items()))
    entry, notes = {}, []
    for project, versions in projects.items():
        entry[project] = versions[0]
        if len(versions) > 1:
            binaries = dict((version, sorted(set(p['binary'] for p in processes
                                                 if p['project'] == project and p['version'] == version)))
                            for version in versions)
            notes.append('%s runs %d versions on this host (%s); host_versions_entry reports the lowest, %s: '
                         'restart the services still on the old venv or finish the upgrade.' % (
                             project, len(versions),
                             '; '.join('%s: %s' % (v, ', '.join(binaries[v])) for v in versions), versions[0]))
    return projects, entry, notes


class ReadError(Exception):
    """A directory ``read_host`` needs cannot be read; the message says which and why."""


def read_host(proc_path, venvs_dir, same_mount_namespace=True):
    """service_version_info's result for this host (without ``changed``): what runs, and what is installed.

    The module runs it, and so does its action plugin's lean run (the host's
    Python given this file and a call, no module around it). Raises
    ``ReadError`` when ``proc_path`` or ``venvs_dir`` cannot be listed.
    """
    try:
        processes, unreadable = scan(proc_path, venvs_dir, same_mount_namespace)
    except OSError as exc:
        raise ReadError('Cannot list the processes in %s: %s.' % (proc_path, exc.strerror or exc)) from None
    try:
        venvs = installed(venvs_dir)
    except OSError as exc:
        raise ReadError('Cannot list the venvs in %s: %s. Give venvs_dir a directory this user can read.' % (
            venvs_dir, exc.strerror or exc)) from None
    projects, entry, notes = summarise(processes)
    return dict(projects=projects, processes=processes, host_versions_entry=entry, notes=notes,
                unreadable=unreadable, installed=venvs)
