# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A project's database schema steps its own tool says are left, asked read-only.

Each project's tool answers from the venv it is run from: what that release's
code expects against what the database holds.  What the tools offer, read in
their source in the lab's venvs (2024.1 to 2026.2: keystone 25.0.0 to 30.0.0,
glance 28.2.0 to 33.0.0, neutron 24.2.2 to 29.0.0, placement 11.0.1 to
16.0.0), the same in every one of these releases:

* ``keystone-manage db_sync --check`` (``keystone/cmd/cli.py``,
  ``DbSync.check_db_sync_status``) exits 0 when both branches are at this
  release's heads, 2 when the expand branch is not (or the database is not
  under version control), 4 when expand is ahead of contract.  It logs why to
  keystone's log file; given ``--log-file /dev/stderr`` (an oslo.log option
  of every keystone-manage) it logs to its stderr instead, so its words (the
  expand and contract revisions against their heads, or what it raised) come
  back and keystone's log is left alone.  The exit code is its answer; any
  other exit code is an error (1: it raised - the database unreachable, or a
  revision this release does not know).
* ``glance-manage db check`` (``glance/cmd/manage.py``, ``DbCommands.check``)
  exits 0 (up to date), 3 (expand needed), 4 (data migrations needed),
  5 (contract needed) and prints the same; 1 with a message otherwise.
* ``neutron-db-manage`` has no check of both branches: ``has_offline_migrations``
  tells only whether a contract revision is missing.  ``current --verbose``
  (alembic's log entry of each revision the database holds, per project:
  ``Rev: 5c85685d616d (head)``, its parent, ``Branch names: contract`` -
  alembic gives every revision of a labelled branch its label - and its
  path) is read-only; a revision not marked ``(head)`` is a branch whose
  step is pending, and so is a branch (expand, contract) the database holds
  no revision of.  ``current`` exits 255 when it fails.

A database that holds a revision the tool's release does not know (a later
release's expand already ran: an upgrade under way, or rolled back to this
code on the expanded schema, which expand allows) makes keystone-manage and
neutron-db-manage fail with alembic's ``Can't locate revision identified by
'<revision>'``; that is told apart from other failures (:class:`DatabaseAhead`).  glance-manage
compares revision names without resolving them and would ask for expand, but
glance's schema has not changed since 2024.1 (its last revisions are
``2024_1_expand01``/``2024_1_contract01`` through 2026.2).
* ``placement-manage`` has no read-only check: ``db version`` prints the
  database's revision, not whether the code expects another, and ``db sync``
  writes.  Placement is therefore not checked here.
"""

from __future__ import annotations

import re

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import mask_url

# The steps, in the order an upgrade runs them.
EXPAND, MIGRATE, CONTRACT = 'expand', 'migrate', 'contract'

# project -> (tool, the read-only subcommands run in order)
TOOLS = {
    'keystone': ('keystone-manage', (('--log-file', '/dev/stderr', 'db_sync', '--check'),)),
    'glance': ('glance-manage', (('db', 'check'),)),
    'neutron': ('neutron-db-manage', (('current', '--verbose'),)),
}
PROJECTS = tuple(sorted(TOOLS))

# The exit codes of the checks that have one, and what is pending then.
KEYSTONE_CODES = {0: (), 2: (EXPAND,), 4: (CONTRACT,)}
GLANCE_CODES = {0: (), 3: (EXPAND,), 4: (MIGRATE,), 5: (CONTRACT,)}

_REVISION = re.compile(r'^Rev: (\S+)(.*)$')
_LABELS = re.compile(r'^Branch names: (.*)$')
_PATH = re.compile(r'^Path: .*/(expand|contract)/[^/]*$')
_UNKNOWN = re.compile(r"Can't locate revision identified by '([^']+)'")
# oslo.log's line prefix: date, time, pid, level, logger, request ids
_LOG_PREFIX = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \d+ [A-Z]+ \S+(?: \[[^\]]*\])? ?')
_KEYSTONE_VERSIONS = re.compile(r'^(Expand|Contract): (\S+) \(head: (\S+)\)$', re.M)
_RUNNING = re.compile(r'^Running current for (\S+) \.\.\.$')


class DatabaseAhead(OsopsError):
    """The database holds ``revision``, which the tool's release does not know: a later release's step ran."""

    def __init__(self, command, rc, revision):
        super().__init__('`%s` exited %s: the database holds revision %s, which this release does not know'
                         % (command, rc, revision))
        self.revision = revision


def commands(project, tool, config_files=None, config_dir=None):
    """The argument lists to run, in order: ``tool`` (its path) with the config options, each subcommand."""
    options = []
    for path in config_files or ():
        options += ['--config-file', path]
    if config_dir:
        options += ['--config-dir', config_dir]
    return [[tool] + options + list(sub) for sub in TOOLS[project][1]]


def describe(argv):
    """``keystone-manage db_sync --check``: a command as an operator reads it (the tool's name, no config options)."""
    words, skip = [argv[0].rsplit('/', 1)[-1]], False
    for word in argv[1:]:
        if skip:
            skip = False
        elif word in ('--config-file', '--config-dir', '--log-file'):
            skip = True
        else:
            words.append(word)
    return ' '.join(words)


def _last_line(text):
    """The last line of ``text`` with something to say, its oslo.log prefix removed."""
    lines = [_LOG_PREFIX.sub('', line).strip() for line in (text or '').splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else ''


def tool_failed(argv, rc, stdout, stderr):
    """The OsopsError for a run whose exit code is not one of the tool's answers (passwords masked)."""
    unknown = _UNKNOWN.search((stdout or '') + (stderr or ''))
    if unknown:
        return DatabaseAhead(describe(argv), rc, unknown.group(1))
    return OsopsError('`%s` exited %s without an answer: %s' % (
        describe(argv), rc, mask_url(_last_line(stderr) or _last_line(stdout) or 'no output')))


def _by_code(codes, argv, run):
    rc, stdout, stderr = run
    if rc not in codes:
        raise tool_failed(argv, rc, stdout, stderr)
    versions = ['%s %s of head %s' % (branch.lower(), rev, head) for branch, rev, head in _KEYSTONE_VERSIONS.findall(stderr or '')]
    return list(codes[rc]), '`%s` exited %d%s' % (describe(argv), rc, ' (%s)' % ', '.join(versions) if versions else '')


def revisions(stdout):
    """``{project: [(revision, is a head, its branches)]}`` of ``neutron-db-manage current --verbose``.

    A revision's branches are its ``Branch names`` (else the ``expand`` or
    ``contract`` directory of its path) among expand and contract.
    """
    found, project, entry = {}, None, None
    for line in stdout.splitlines():
        running = _RUNNING.match(line.strip())
        if running:
            project, entry = running.group(1), None
            found.setdefault(project, [])
            continue
        match = _REVISION.match(line)
        if match and project:
            entry = [match.group(1), '(head)' in match.group(2), set()]
            found[project].append(entry)
            continue
        labels, path = _LABELS.match(line), _PATH.match(line)
        if entry is not None and labels:
            entry[2].update(label.strip() for label in labels.group(1).split(',') if label.strip() in (EXPAND, CONTRACT))
        elif entry is not None and path and not entry[2]:
            entry[2].add(path.group(1))
    return dict((name, [(rev, head, sorted(branches)) for rev, head, branches in revs]) for name, revs in found.items())


def _neutron(argvs, runs):
    (argv,), ((rc, stdout, stderr),) = argvs, runs
    if rc != 0:
        raise tool_failed(argv, rc, stdout, stderr)
    current = revisions(stdout)
    if not current:
        raise OsopsError('`%s` printed no project: %s' % (describe(argv), _last_line(stdout)))
    pending = []  # (step, project, revision or None: no revision of that branch)
    for project, revs in sorted(current.items()):
        held = set()
        for rev, head, branches in revs:
            held.update(branches or (EXPAND, CONTRACT))
            if not head:
                pending += [(step, project, rev) for step in branches or (EXPAND, CONTRACT)]
        pending += [(step, project, None) for step in (EXPAND, CONTRACT) if step not in held]
    steps = [step for step in (EXPAND, CONTRACT) if any(p[0] == step for p in pending)]
    listed = ', '.join('%s%s' % (rev, '' if project == 'neutron' else ' (%s)' % project)
                       for project, revs in sorted(current.items()) for rev, _head, _branches in revs)
    if not pending:
        return [], '`%s` marks every revision of the database its branch\'s head (%s)' % (describe(argv), listed)
    return steps, '`%s` lists %s: %s' % (describe(argv), listed or 'no revision', ', '.join(
        ('%s, not its branch\'s head (%s%s)' % (rev, step, '' if project == 'neutron' else ', %s' % project)) if rev
        else 'no %s revision%s' % (step, '' if project == 'neutron' else ' of %s' % project)
        for step, project, rev in pending))


def pending_steps(project, argvs, runs):
    """``(steps left, why)`` from the runs of :func:`commands`: ``expand``, ``migrate``, ``contract`` in order.

    ``runs`` are ``(rc, stdout, stderr)`` per argument list; ``why`` is the
    tool's answer in words.  Raises :class:`DatabaseAhead` when the database
    holds a revision the tool does not know, OsopsError when a tool did not
    answer otherwise (its exit code is not one of its answers, or neutron's
    output names no project).
    """
    if project == 'keystone':
        return _by_code(KEYSTONE_CODES, argvs[0], runs[0])
    if project == 'glance':
        return _by_code(GLANCE_CODES, argvs[0], runs[0])
    return _neutron(argvs, runs)
