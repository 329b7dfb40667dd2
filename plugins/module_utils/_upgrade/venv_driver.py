# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The venv driver's text work: where a service's files name its venv, and the same files naming another.

openstack-ansible runs each service from ``/openstack/venvs/<project>-<tag>``
and names that venv in the files that start it:

* a systemd unit ``/etc/systemd/system/<service>.service`` (``ExecStart=``,
  often ``Environment=PATH=...``), maybe overridden by drop-ins
  ``<service>.service.d/*.conf``;
* or, where supervisord is the host's process manager (the lab), the
  service's ``[program:<service>]`` section (``command =``, ``environment =``);
* for an API under uWSGI, also its ini (``virtualenv =``/``home =``,
  ``wsgi-file =`` or paths in ``env =``), the file ``--ini`` names.

The venv a service runs from is the one its uWSGI ini names, else the one
holding the program its command starts (``<venv>/bin/<program>``). Switching
replaces that path, as a whole path, in those files (only inside the
program's section of a supervisord config); nothing else changes.

Pure functions, standard library only: they run on service hosts and are
tested without Ansible.
"""

from __future__ import annotations

import os
import re
import shlex

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError

#: uWSGI's names for its virtualenv option (``home``, ``virtualenv``, ``venv``, ``pyhome`` are aliases).
UWSGI_VENV_KEYS = ('virtualenv', 'venv', 'home', 'pyhome')
_SECTION = re.compile(r'^\s*\[([^\]]+)\]\s*$')
_KEY = re.compile(r'^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$')
_PYTHON = re.compile(r'^python(\d+(\.\d+)*)?$')
# <name>-<version>: the version starts with a digit and holds no dash (uwsgi-31.0.0-python3 is no such name).
_VERSIONED = re.compile(r'^(.+)-(\d[0-9A-Za-z.+!]*)$')
# Characters that may follow a venv path inside a longer word: a path, a PATH list, quotes, an env list.
_PATH_END = r'(?=$|[/\s"\',;:=)])'
_PATH_START = r'(?<![\w./-])'


class LayoutError(OsopsError):
    """A unit, program or ini this driver does not know how to switch (nothing was changed)."""


def _lines(text):
    return text.splitlines(True)


def sections(text):
    """``[(name, first_line, end_line)]`` of an ini-style file (0-based, end excluded)."""
    found = []
    lines = _lines(text)
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if match:
            if found:
                found[-1][2] = index
            found.append([match.group(1).strip(), index, len(lines)])
    return [tuple(entry) for entry in found]


def program_section(text, program):
    """``(first_line, end_line)`` of supervisord's ``[program:<program>]`` section in ``text``, or None."""
    matches = [(start, end) for name, start, end in sections(text) if name == 'program:%s' % program]
    if len(matches) > 1:
        raise LayoutError('supervisord config names [program:%s] %d times; supervisord itself refuses '
                          'that. Keep one section.' % (program, len(matches)))
    return matches[0] if matches else None


def _values(lines, key, continuation):
    """Every value of ``key`` in ``lines``, with its continuation lines joined."""
    values, current = [], None
    for line in lines:
        stripped = line.rstrip('\n')
        if current is not None and continuation(current, stripped):
            current[1] = current[1].rstrip('\\').rstrip() + ' ' + stripped.strip()
            continue
        current = None
        match = _KEY.match(stripped)
        if match and match.group(1).lower() == key.lower():
            current = [key, match.group(2).strip()]
            values.append(current)
    return [value for _key, value in values]


def supervisord_value(text, program, key):
    """``key``'s value in ``[program:<program>]`` (ConfigParser continuation lines joined), or None."""
    found = program_section(text, program)
    if found is None:
        return None
    values = _values(_lines(text)[found[0] + 1:found[1]], key,
                     lambda _current, line: line[:1] in (' ', '\t') and line.strip() != '')
    return values[-1] if values else None


def supervisord_command(text, program):
    """The ``command`` of ``[program:<program>]``."""
    return supervisord_value(text, program, 'command')


def unit_exec_start(texts):
    """The ``ExecStart`` systemd runs, from the unit's text then its drop-ins' texts, in order.

    A later file's assignment wins; an empty ``ExecStart=`` resets the list
    (how drop-ins replace the command). None when no file sets one.
    """
    command = None
    for text in texts:
        for name, start, end in sections(text):
            if name != 'Service':
                continue
            for value in _values(_lines(text)[start + 1:end], 'ExecStart',
                                 lambda current, _line: current[1].endswith('\\')):
                command = value or None
    return command


def command_words(command):
    """The words of a command line; systemd's ``-@:+!`` prefixes of the program are dropped."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise LayoutError('cannot split the command %r: %s' % (command, exc)) from None
    if words:
        words[0] = words[0].lstrip('-@:+!')
    return words


def uwsgi_ini(words):
    """The ini a uWSGI command line loads (``--ini X``, ``--ini=X``, or a bare ``X.ini``), or None."""
    if not words or os.path.basename(words[0]) != 'uwsgi':
        return None
    for index, word in enumerate(words[1:], 1):
        if word == '--ini' and index + 1 < len(words):
            return words[index + 1]
        if word.startswith('--ini='):
            return word[len('--ini='):]
    bare = [word for word in words[1:] if word.endswith('.ini') and not word.startswith('-')]
    return bare[0] if bare else None


def uwsgi_venv(text):
    """The virtualenv a uWSGI ini's ``[uwsgi]`` section sets, or None."""
    for name, start, end in sections(text):
        if name != 'uwsgi':
            continue
        for line in _lines(text)[start + 1:end]:
            match = _KEY.match(line.strip())
            if match and match.group(1) in UWSGI_VENV_KEYS and match.group(2).strip():
                return match.group(2).strip().rstrip('/')
    return None


def uwsgi_modules(text):
    """The Python modules a uWSGI ini's ``[uwsgi]`` section loads its application from (``module = a.b:app``)."""
    found = []
    for name, start, end in sections(text):
        if name != 'uwsgi':
            continue
        for line in _lines(text)[start + 1:end]:
            match = _KEY.match(line.strip())
            if match and match.group(1) in ('module', 'wsgi') and match.group(2).strip():
                found.append(match.group(2).strip().split(':')[0])
    return found


def program_venv(words):
    """``<venv>`` when the command starts ``<venv>/bin/<program>`` (or ``<venv>/bin/python <venv>/bin/x``)."""
    if not words:
        return None
    program = words[0]
    if _PYTHON.match(os.path.basename(program)):
        scripts = [word for word in words[1:] if not word.startswith('-')]
        if scripts and scripts[0].startswith('/') and '/bin/' in scripts[0]:
            program = scripts[0]
    directory, _name = os.path.split(os.path.normpath(program))
    if not program.startswith('/') or os.path.basename(directory) != 'bin':
        return None
    return os.path.dirname(directory)


def versioned_name(venv):
    """``(name, version)`` of a venv called ``<name>-<version>``, or None."""
    match = _VERSIONED.match(os.path.basename(venv.rstrip('/')))
    return (match.group(1), match.group(2)) if match else None


def venv_for_version(current_venv, version):
    """The venv beside ``current_venv`` named for ``version``: nova-31.3.1 and 33.0.2 give nova-33.0.2."""
    found = versioned_name(current_venv)
    if found is None:
        raise LayoutError('the current venv %s is not named <name>-<version>, so version %s does not say '
                          'which venv to use; give the target venv path instead.' % (current_venv, version))
    return os.path.join(os.path.dirname(current_venv.rstrip('/')), '%s-%s' % (found[0], version))


def _venv_pattern(venv):
    return re.compile(_PATH_START + re.escape(venv.rstrip('/')) + _PATH_END)


def replace_venv(text, old, new, first=0, end=None):
    """``(new_text, changes)``: every whole-path ``old`` replaced by ``new`` in lines ``first:end``.

    ``changes`` lists ``(line_number, before, after)`` (1-based, without the
    newline). ``/openstack/venvs/nova-31.3.1-python3`` or ``...-31.3.10`` do
    not contain ``/openstack/venvs/nova-31.3.1``.
    """
    pattern = _venv_pattern(old)
    lines = _lines(text)
    end = len(lines) if end is None else end
    changes = []
    for index in range(first, end):
        replaced = pattern.sub(lambda _match: new.rstrip('/'), lines[index])
        if replaced != lines[index]:
            changes.append((index + 1, lines[index].rstrip('\n'), replaced.rstrip('\n')))
            lines[index] = replaced
    return ''.join(lines), changes


def venv_references(text, venv):
    """Every path ``text`` names inside ``venv`` (the venv itself included), in order, without repeats."""
    pattern = re.compile(_PATH_START + re.escape(venv.rstrip('/')) + r'(/[^\s"\',;:=)]*)?' + _PATH_END)
    found = []
    for match in pattern.finditer(text):
        path = match.group(0).rstrip('/') or '/'
        if path not in found:
            found.append(path)
    return found
