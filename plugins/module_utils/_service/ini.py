# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One option of an oslo.config file, read and written in place.

The file is edited as text, line by line: comments, blank lines, the order
of sections and options and every other line stay as they are. Only the
option's own line changes (the last one in its section, the one oslo.config
reads), or one line is added at the end of the section (a new section at
the end of the file). Standard library only: it runs on service hosts.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r'^\s*\[([^\]]+)\]\s*$')
_OPTION = re.compile(r'^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$')


def _locate(lines, section, option):
    """(index of the section's header or None, index of the option's last line or None, end of the section)."""
    header = found = None
    end = len(lines)
    current = None
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if match:
            if current == section:
                end = index
                break
            current = match.group(1).strip()
            if current == section and header is None:
                header = index
            continue
        if current == section:
            match = _OPTION.match(line)
            if match and match.group(1) == option:
                found = index
    if header is None:
        end = len(lines)
    return header, found, end


def get_option(text, section, option):
    """The option's value in ``section`` (the last one, as oslo.config reads it), or None."""
    lines = text.splitlines(True)
    _header, found, _end = _locate(lines, section, option)
    return _OPTION.match(lines[found]).group(2) if found is not None else None


def set_option(text, section, option, value):
    """``text`` with ``option = value`` in ``section``; the rest of the text unchanged."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n'
    header, found, end = _locate(lines, section, option)
    line = '%s = %s\n' % (option, value)
    if found is not None:
        lines[found] = line
    elif header is not None:
        # after the section's last line that is not blank
        at = end
        while at > header + 1 and not lines[at - 1].strip():
            at -= 1
        lines.insert(at, line)
    else:
        if lines and lines[-1].strip():
            lines.append('\n')
        lines.extend(['[%s]\n' % section, line])
    return ''.join(lines)
