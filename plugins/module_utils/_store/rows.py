# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plain data out of the store, normalised data in (shared by the aggregates' functions)."""

from __future__ import annotations

import datetime
import json

from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import SECRET_KEY
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models

try:
    import sqlalchemy as sa
except ImportError:
    pass  # engine.open_store says what is missing before any of this runs


def iso(value):
    """ISO 8601 in UTC; naive values (SQLite, MySQL) are UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).isoformat()


def plain(obj):
    """A model instance as a dict keyed by column name, datetimes as ISO text.

    Internal columns are left out: integer surrogate keys, foreign keys and
    the active-upgrade slot.  Upgrades and sessions keep their uuid ``id``.
    """
    result = {}
    for attr in sa.inspect(obj).mapper.column_attrs:
        column = attr.columns[0]
        if internal_column(column):
            continue
        value = getattr(obj, attr.key)
        result[column.name] = iso(value) if isinstance(value, datetime.datetime) else value
    return result


def internal_column(column):
    return (bool(column.foreign_keys) or column.name == 'active_cluster_id'
            or (column.primary_key and isinstance(column.type, sa.Integer)))


def plain_select(model, leave_out=()):
    """A SELECT of the columns ``plain`` gives for ``model`` but ``leave_out``; callers add the rest."""
    return sa.select(*[c for c in model.__table__.columns if not internal_column(c) and c.name not in leave_out])


def plain_rows(session, statement):
    """What ``plain`` gives for each row of ``statement`` (a ``plain_select``).

    The rows are read as rows, without building a model instance each: at
    thousands of hosts that is about five times faster.
    """
    result = session.execute(statement)
    names = list(result.keys())
    return [dict(zip(names, [iso(v) if isinstance(v, datetime.datetime) else v for v in row])) for row in result]


def as_json(value, what):
    """``value`` as it reads back from a JSON column (tuples become lists ...)."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise StoreError('%s cannot be stored as JSON: %s' % (what, exc)) from None


def without_secrets(params):
    """``params`` with every key that names a secret (password, token, ...) removed."""
    if isinstance(params, dict):
        return dict((key, without_secrets(value)) for key, value in params.items()
                    if not SECRET_KEY.search(str(key)))
    if isinstance(params, list):
        return [without_secrets(value) for value in params]
    return params


def cluster_id_of(session, name):
    cluster_id = session.scalar(sa.select(models.Cluster.id).where(models.Cluster.name == name))
    if cluster_id is None:
        raise StoreError('No cluster named %r in the store; discover it first '
                         '(osops.lifecycle.cluster_discover).' % name)
    return cluster_id
