# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A release's alembic heads, read in its migration scripts without running them, and the database's revisions.

keystone-manage, glance-manage and neutron-db-manage answer from alembic:
the revisions a release's scripts define (each script's ``revision``,
``down_revision`` and ``branch_labels``) against the ``alembic_version``
rows of the database.  Starting a tool imports the project and every script
(1.3-2.4 CPU-seconds each on the lab); the same scripts parsed as text
(``ast``, nothing imported or run) give the same heads in milliseconds.
When the database is at those heads as the tool reads them
(:func:`at_heads`), every schema step of that release is done - the one
answer the tools need not be asked for (``_checks.schema``).  Anything
else - a step left, a revision the code does not know, a script whose
values are not plain literals, a neutron subproject with migrations of its
own - is not decided here: ``None``, and the tool answers.

Where the scripts are in each project's package (the same from 2024.1 to
2026.2: keystone 25.0.0 to 30.0.0, glance 28.2.0 to 33.0.0, neutron 24.2.2
to 29.0.0), and each keeps its revisions in the table ``alembic_version`` of
its database (their ``env.py`` names no other).
"""

from __future__ import annotations

import ast
import glob
import os

from ansible_collections.osops.lifecycle.plugins.module_utils._service.backends import timeout_args

SCRIPTS = {
    'keystone': 'keystone/common/sql/migrations/versions',
    'glance': 'glance/db/sqlalchemy/alembic_migrations/versions',
    'neutron': 'neutron/db/migration/alembic_migrations/versions',
}
BRANCHES = ('expand', 'contract')
# glance.db.migration's and neutron.db.migration.cli's names for them, in branch_labels
BRANCH_CONSTANTS = {'EXPAND_BRANCH': 'expand', 'CONTRACT_BRANCH': 'contract'}
# neutron-db-manage reads the migrations of every package registered here; only neutron's own are read here.
NEUTRON_MIGRATIONS = '[neutron.db.alembic_migrations]'
_FIELDS = ('revision', 'down_revision', 'branch_labels')


def _literal(node, field):
    """The value of a literal node; ValueError when it is not one.

    In ``branch_labels``, the projects' own names of the two branches count
    as literals: glance's ``migration.EXPAND_BRANCH`` and neutron's
    ``cli.CONTRACT_BRANCH`` are the strings ``expand`` and ``contract``.
    """
    if field == 'branch_labels':
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        if name in BRANCH_CONSTANTS:
            return BRANCH_CONSTANTS[name]
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(_literal(item, field) for item in node.elts)
    return ast.literal_eval(node)


def _as_tuple(value):
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def read_script(path):
    """``(revision, down_revisions, branch_labels)`` of one script; None when it is not one with literal values."""
    try:
        with open(path, encoding='utf-8') as handle:
            tree = ast.parse(handle.read(), path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in _FIELDS:
            try:
                values[target.id] = _literal(value, target.id)
            except ValueError:
                return None
    revision = values.get('revision')
    if not isinstance(revision, str) or not revision:
        return None
    try:
        down, labels = _as_tuple(values.get('down_revision')), _as_tuple(values.get('branch_labels'))
    except TypeError:
        return None
    if not all(isinstance(item, str) for item in down + labels):
        return None
    return revision, down, labels


def read_scripts(directory):
    """``{revision: (down_revisions, branch_labels, path)}`` of every script under ``directory``; None when unreadable.

    Unreadable: no script, a script without literal values, or one revision defined twice.
    """
    found = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if not name.endswith('.py') or name == '__init__.py':
                continue
            path = os.path.join(root, name)
            script = read_script(path)
            if script is None or script[0] in found:
                return None
            found[script[0]] = (script[1], script[2], path)
    return found or None


def heads(scripts):
    """The revisions no other revision names as its ``down_revision``, sorted (alembic's heads)."""
    parents = set(down for entry in scripts.values() for down in entry[0])
    return sorted(revision for revision in scripts if revision not in parents)


def branch(scripts, revision):
    """``expand`` or ``contract``: the first such label from ``revision`` down, else its directory; None if neither."""
    seen, todo = set(), [revision]
    while todo:
        current = todo.pop(0)
        if current in seen or current not in scripts:
            continue
        seen.add(current)
        down, labels, _path = scripts[current]
        for label in labels:
            if label in BRANCHES:
                return label
        todo.extend(down)
    parts = scripts[revision][2].split(os.sep) if revision in scripts else []
    return next((part for part in reversed(parts) if part in BRANCHES), None)


def site_packages(venv):
    """The venv's ``site-packages`` directory; None unless there is exactly one."""
    found = glob.glob(os.path.join(venv, 'lib', 'python3*', 'site-packages'))
    return found[0] if len(found) == 1 else None


def _other_migrations(packages, project):
    """True when a package other than neutron registers migrations with neutron-db-manage."""
    for path in glob.glob(os.path.join(packages, '*.dist-info', 'entry_points.txt')):
        if os.path.basename(os.path.dirname(path)).split('-')[0] == project:
            continue
        try:
            with open(path, encoding='utf-8') as handle:
                if NEUTRON_MIGRATIONS in handle.read():
                    return True
        except (OSError, UnicodeDecodeError):
            return True
    return False


def code_heads(project, venv):
    """``{head revision: its branch}`` of the migrations in ``venv``'s code of ``project``; None when not decidable."""
    packages = site_packages(venv)
    if packages is None or (project == 'neutron' and _other_migrations(packages, project)):
        return None
    scripts = read_scripts(os.path.join(packages, SCRIPTS[project]))
    if scripts is None:
        return None
    return dict((revision, branch(scripts, revision)) for revision in heads(scripts))


def at_heads(project, heads, held, url):
    """True when the database holding revisions ``held`` is what ``project``'s tool calls done, for code ``heads``.

    keystone-manage ``db_sync --check`` and neutron-db-manage ``current``:
    the database's revision of each branch is that branch's head, so the
    database holds exactly the heads.  glance-manage ``db check``: its first
    answer is "up to date" when the contract branch's head is among the
    database's revisions (on MySQL or SQLite, the engines it accepts; the
    database keeps no row for the expand head then: glance's contract
    revisions depend on their expand revisions).
    """
    if project == 'glance':
        return url.split(':', 1)[0].split('+')[0] in ('mysql', 'sqlite') and any(
            branch == 'contract' and revision in held for revision, branch in heads.items())
    return held == set(heads)


def database_revisions(url, timeout):
    """The set of revisions in the ``alembic_version`` table of the database at ``url``; None when it cannot be read.

    With SQLAlchemy and the database's driver of this interpreter; the reason
    it could not be read (passwords masked) is not needed: the tool, asked
    next, says it in its own words.
    """
    try:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool
    except ImportError:
        return None
    try:
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=timeout_args(url, timeout))
        try:
            with engine.connect() as conn:
                return set(row[0] for row in conn.execute(sa.text('SELECT version_num FROM alembic_version')))
        finally:
            engine.dispose()
    except Exception:  # pylint: disable=broad-except
        # any failure (driver missing, refused, no such table) leaves the answer to the tool
        return None


def describe_heads(found):
    """``expand 47147121, contract c88cdce8f248``: the heads with their branches, expand first."""
    order = dict((name, index) for index, name in enumerate(BRANCHES))
    return ', '.join('%s%s' % ('%s ' % found[rev] if found[rev] else '', rev)
                     for rev in sorted(found, key=lambda rev: (order.get(found[rev], len(order)), rev)))
