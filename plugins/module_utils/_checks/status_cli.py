# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a project's ``<project>-status upgrade check`` and read what it says.

Pure functions (argument building, output parsing, classification) plus one
runner that goes through ``AnsibleModule.run_command`` with an argument list.
Standard library only: this runs on service hosts.

What the tools accept, measured on real releases: ``nova-status`` rejects
``--json`` (argparse error, rc 2) in every release from 2024.1 to 2026.2;
``placement-status`` accepts it and prints the table anyway; ``keystone-status``,
``neutron-status`` and ``cloudkitty-status`` honour it.  The table is
parsed whenever JSON is not what came back.
"""

from __future__ import annotations

import json
import re

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import (
    Code,
    RESULT_CODES,
    CheckResult,
    result_name,
)

# Projects whose status command prints JSON when given --json.
JSON_CAPABLE = frozenset(('keystone', 'neutron', 'cloudkitty', 'cinder', 'glance', 'octavia',
                          'designate', 'barbican', 'heat', 'manila', 'ironic'))

_RULE = re.compile(r'^\+-+\+$')
_ROW = re.compile(r'^\| (.*?) *\|$')


def status_command(executable, config_files, config_dir, use_json, prefix=()):
    """The argument list for one run."""
    args = list(prefix) + [executable]
    for path in config_files or ():
        args += ['--config-file', path]
    if config_dir:
        args += ['--config-dir', config_dir]
    args += ['upgrade', 'check']
    if use_json:
        args.append('--json')
    return args


def parse_json(stdout):
    """Checks from oslo.upgradecheck's JSON output, or None if it is not that."""
    text = stdout.strip()
    start = text.find('{"name"')
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
        return [(c['check'], int(c['result']), c.get('details')) for c in data['checks']]
    except (ValueError, KeyError, TypeError):
        return None


def _cell_lines(stdout):
    """The text lines of every table cell, one list per cell (title excluded)."""
    cells, current, rules = [], None, 0
    for line in stdout.splitlines():
        line = line.rstrip()
        if _RULE.match(line):
            rules += 1
            if current:
                cells.append(current)
            current = [] if rules >= 2 else None  # rules 1 and 2 frame the title
            continue
        match = _ROW.match(line)
        if match and current is not None:
            current.append(match.group(1))
    return cells


def _join_wrapped(lines):
    """Undo textwrap's wrapping at 60 columns with a two-space continuation.

    A line that ends in a hyphen, or fills all 60 columns, ended inside a
    word (textwrap breaks on hyphens and breaks over-long words); other
    line ends were spaces.
    """
    text, previous = '', None
    for line in lines:
        piece = line[2:] if previous is not None and line.startswith('  ') else line
        if previous is None:
            text = piece
        elif previous.endswith('-') or len(previous) >= 60:
            text += piece
        else:
            text += ' ' + piece
        previous = line
    return text


def parse_table(stdout):
    """Checks from the "Upgrade Check Results" table, or None if there is none."""
    if 'Upgrade Check Results' not in stdout:
        return None
    checks = []
    for cell in _cell_lines(stdout):
        if len(cell) < 3 or not cell[0].startswith('Check: ') or not cell[1].startswith('Result: '):
            return None
        name = cell[0][len('Check: '):]
        result = cell[1][len('Result: '):]
        if result not in RESULT_CODES or not cell[2].startswith('Details:'):
            return None
        details = _join_wrapped([cell[2][len('Details:'):].lstrip(' ')] + cell[3:])
        checks.append((name, RESULT_CODES[result], None if details == 'None' else details))
    return checks


def _last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ''


def classify(project, command_name, rc, stdout, stderr, duration=0.0):
    """Turn one run into check results.

    Returns ``(results, run_error)``.  When the tool printed its results
    (JSON or table), ``results`` are those checks, and an exit code that
    disagrees with them is a ``run_error``.  When it did not - a usage
    error, a traceback, a missing interpreter - ``results`` is a single
    ``Error`` record named after the command, so the table shows that the
    run failed, and ``run_error`` says why.
    """
    parsed = parse_json(stdout)
    if parsed is None:
        parsed = parse_table(stdout)
    if parsed is not None:
        share = duration / max(len(parsed), 1)
        results = [CheckResult(name=name, code=code, details=details, duration=share,
                               project=project) for name, code, details in parsed]
        worst = max([r.code for r in results] or [Code.SUCCESS])
        run_error = None
        if rc != worst:
            run_error = ('%s exited %s but its results say %s (%d)'
                         % (command_name, rc, result_name(worst), worst))
        return results, run_error
    if 'usage:' in stderr or 'usage:' in stdout:
        reason = 'usage error: %s' % (_last_line(stderr) or _last_line(stdout))
    elif 'Traceback (most recent call last)' in stdout + stderr:
        reason = 'it raised %s' % (_last_line(stdout if 'Traceback' in stdout else stderr))
    else:
        reason = _last_line(stderr) or _last_line(stdout) or 'no output'
    run_error = '%s exited %s without results: %s' % (command_name, rc, reason)
    return [CheckResult(name=command_name, code=Code.ERROR, details=run_error,
                        duration=duration, project=project)], run_error
