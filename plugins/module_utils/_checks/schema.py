# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The check that a project's database schema steps are done: its own tool, run read-only from its venv.

``_service.schema`` says which command each project's tool offers and how
to read its answer; ``_checks.registry`` names the check and its options.
Before the tool, ``_service.revisions`` compares the heads of the venv's
migration scripts, read as text, with the database's ``alembic_version``:
when they are the same, every step is done and the tool is not started
(what it would answer, for a fraction of its CPU time); in every other case
the tool answers, as before.
"""

from __future__ import annotations

import os

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import SCHEMA_STEPS
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.revisions import (
    at_heads,
    code_heads,
    database_revisions,
    describe_heads,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._service.schema import (
    CONTRACT,
    TOOLS,
    DatabaseAhead,
    commands,
    describe,
    pending_steps,
)

# What a step needs before it runs, beside its command.
WHEN = {
    'keystone': {CONTRACT: ' once every keystone host runs that code'},
    'glance': {CONTRACT: ' once every glance host runs that code'},
    'neutron': {CONTRACT: ' with every neutron-server stopped (contract migrations need them all down)'},
}


def run_tool(ctx, argv):
    """``(rc, stdout, stderr)`` of one read-only run, through the module's run_command."""
    return ctx.run_command(argv, environ_update=dict(PYTHONWARNINGS='ignore'))


def heads_held(ctx, timeout=10):
    """``({head: branch}, the database's revisions)`` when the database is at the heads of the code in the check's
    venv (:func:`at_heads`), else None."""
    project = ctx.project
    heads = code_heads(project, ctx.params['venv'])
    if not heads:
        return None
    try:
        url = ctx.config.get('database', 'connection')
    except OsopsError:
        return None  # the tool, asked next, says what is wrong with the config
    held = database_revisions(url, timeout) if url else None
    return (heads, held) if held is not None and at_heads(project, heads, held, url) else None


def schema_migrations(ctx):
    project, venv = ctx.project, ctx.params['venv']
    tool = os.path.join(venv, 'bin', TOOLS[project][0])
    if not os.access(tool, os.X_OK):
        raise OsopsError('%s is not an executable file: venv must be the venv of %s the service runs '
                         '(/openstack/venvs/%s-<version>).' % (tool, project, project))
    files = ctx.params['config_files'] or ['/etc/%s/%s.conf' % (project, project)]
    missing = [path for path in files if not os.path.isfile(path)]
    if missing:
        raise OsopsError('Config file %s not found: name the files %s runs with in config_files.'
                         % (', '.join(missing), project))
    if not ctx.params['ask_tool']:
        found = heads_held(ctx)
        if found:
            ctx.found.update(pending=[], answered_by='revisions')
            return success('No schema step left for the code in %s: the database is at the heads of its migrations (%s; '
                           'alembic_version holds %s).' % (venv, describe_heads(found[0]), ', '.join(sorted(found[1]))))
    ctx.found['answered_by'] = 'tool'
    argvs = commands(project, tool, files, ctx.params['config_dir'])
    runs = []
    for argv in argvs:
        runs.append(run_tool(ctx, argv))
        ctx.found['commands'].append(dict(cmd=describe(argv), exit_code=runs[-1][0]))
    try:
        steps, why = pending_steps(project, argvs, runs)
    except DatabaseAhead as exc:
        return warning(
            'The code in %s cannot tell: %s. A later release already ran a schema step here: an upgrade under way, '
            'or one rolled back to this code on its expanded schema (expand keeps the older code working). That '
            'upgrade does the steps left; run this check with the venv of the release it installs to see them.'
            % (venv, exc.msg))
    except OsopsError as exc:
        raise OsopsError('The code in %s: %s' % (venv, exc.msg))
    ctx.found['pending'] = steps
    if not steps:
        return success('No schema step left for the code in %s: %s.' % (venv, why))
    todo = ['`%s`%s' % (SCHEMA_STEPS[project][step], WHEN.get(project, {}).get(step, '')) for step in steps]
    return failure(
        'The %s step%s of the %s database schema %s not done for the code in %s: %s. A later release builds on this '
        'schema; finish it before the next upgrade. Run %s, from that venv with the config the service runs with.'
        % (' and '.join(steps), 's' if len(steps) > 1 else '', project, 'is' if len(steps) == 1 else 'are', venv, why, ', then '.join(todo)))
