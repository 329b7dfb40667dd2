"""The state store's fixtures: an empty store on SQLite and on PostgreSQL, and the SQL it writes.

Every test taking ``store_url`` (or ``store``) runs twice: on a SQLite file and on a fresh
database of the PostgreSQL server that the ``postgres`` fixture
(tests/unit/plugins/conftest.py) starts (from Debian's ``postgresql``
package) on 127.0.0.1 for the session.  Without PostgreSQL the
PostgreSQL variants are skipped, or fail when ``OSOPS_REQUIRE_POSTGRES=1``
(CI sets it).
"""

import pytest
import sqlalchemy as sa

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine


@pytest.fixture(params=['sqlite', 'postgresql'])
def store_url(request, tmp_path):
    """The URL of an empty store on each backend."""
    if request.param == 'sqlite':
        return 'sqlite:///%s' % (tmp_path / 'store.db')
    return request.getfixturevalue('postgres').empty_database()


@pytest.fixture
def store(store_url):
    opened = store_engine.open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def writes():
    """The data- and schema-changing SQL statements any engine sends (clear() to start afresh)."""
    seen = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.split(None, 1)[0].upper() in ('INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'DROP'):
            seen.append(statement)
    sa.event.listen(sa.engine.Engine, 'before_cursor_execute', record)
    yield seen
    sa.event.remove(sa.engine.Engine, 'before_cursor_execute', record)
