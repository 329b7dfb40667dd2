"""The store's schema: created and migrated on open, refused when newer, migrated from a zip too."""

import multiprocessing
import os
import subprocess
import sys
import zipfile

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters as store_clusters
from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine as store_engine
from ansible_collections.osops.lifecycle.plugins.module_utils._store import models as store_models
from ansible_collections.osops.lifecycle.plugins.module_utils._store import sessions as store_sessions
from ansible_collections.osops.lifecycle.plugins.module_utils._store import migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._store import upgrades as store_upgrades
from ansible_collections.osops.lifecycle.plugins.module_utils._store.engine import StoreError
from ansible_collections.osops.lifecycle.tests.unit.plugins.module_utils._store.helpers import TABLES, _raw


def test_opening_an_empty_database_creates_the_schema_at_head(store):
    assert set(sa.inspect(store.engine).get_table_names()) == TABLES
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == migrations.HEAD


def test_migrated_schema_matches_the_models(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), store_models.Base.metadata)
    assert differences == []


def test_opening_again_changes_nothing(store_url, store, writes):
    store_clusters.upsert_cluster(store, 'c1', 'api')
    assert writes  # the recorder works
    writes.clear()
    store_engine.open_store(store_url).close()
    assert writes == []
    assert [c['name'] for c in store_clusters.list_clusters(store)] == ['c1']
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


def _snapshot(url):
    engine = sa.create_engine(url)
    try:
        tables = sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return tables, _raw(url, 'SELECT version_num FROM alembic_version'), _raw(url, 'SELECT name FROM clusters')


def test_a_store_from_a_newer_collection_is_refused_untouched(store_url, store):
    store_clusters.upsert_cluster(store, 'c1', 'api')
    store.close()
    _raw(store_url, "UPDATE alembic_version SET version_num = '0042_from_the_future'")
    before = _snapshot(store_url)
    with pytest.raises(StoreError) as info:
        store_engine.open_store(store_url)
    assert info.value.msg.startswith('Store %s was written by a newer osops.lifecycle '
                                     '(revision 0042_from_the_future); upgrade the collection'
                                     % sa.engine.make_url(store_url).render_as_string(hide_password=True))
    assert _snapshot(store_url) == before


def _open_and_report(url, barrier, results):
    barrier.wait()
    try:
        store_engine.open_store(url).close()
        results.put('ok')
    except StoreError as exc:
        results.put(exc.msg)


def test_two_processes_opening_an_empty_store_at_once_both_succeed(store_url):
    context = multiprocessing.get_context('fork')
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_open_and_report, args=(store_url, barrier, results))
               for _worker in range(2)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(60)
    assert outcomes == ['ok', 'ok']
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


# --------------------------------------------------------------------------
# Inside an AnsiballZ payload
# --------------------------------------------------------------------------

ZIP_PROBE = '''
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.osops.lifecycle.plugins.module_utils._store import clusters, engine
assert '.zip' in engine.__file__, engine.__file__
store = engine.open_store(sys.argv[2])
print(clusters.upsert_cluster(store, 'lab', 'api')['created'])
'''


def test_the_store_migrates_when_imported_from_a_zip(tmp_path):
    """Modules import module_utils through zipimport: no migration may need files."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(store_engine.__file__)))
    payload = tmp_path / 'payload.zip'
    package = 'ansible_collections/osops/lifecycle/plugins/module_utils'
    with zipfile.ZipFile(payload, 'w') as archive:
        parts = package.split('/')
        for depth in range(1, len(parts) + 1):  # AnsiballZ adds these too
            archive.writestr('/'.join(parts[:depth]) + '/__init__.py', '')
        # what the store imports, as AnsiballZ follows the imports: the store and the release data
        names = ['_errors.py', '_secrets.py'] + ['%s/%s' % (package_dir, name) for package_dir in ('_store', '_releases')
                                                 for name in os.listdir(os.path.join(root, package_dir))
                                                 if name.endswith('.py')]
        for name in names:
            archive.write(os.path.join(root, name), '%s/%s' % (package, name))
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    env = dict(os.environ, PYTHONPATH='')  # only the zip provides the collection
    result = subprocess.run([sys.executable, '-c', ZIP_PROBE, str(payload), url], capture_output=True,
                            text=True, timeout=120, check=False, env=env, cwd=str(tmp_path))
    assert (result.returncode, result.stdout.strip()) == (0, 'True'), result.stderr
    assert _raw(url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


def _store_at_0001(url, monkeypatch):
    """A store migrated to revision 0001 only, as an older collection left it."""
    with monkeypatch.context() as patch:
        patch.setattr(migrations, 'REVISIONS', migrations.REVISIONS[:1])
        patch.setattr(migrations, 'KNOWN_REVISIONS', migrations.KNOWN_REVISIONS[:1])
        patch.setattr(migrations, 'HEAD', migrations.KNOWN_REVISIONS[0])
        store_engine.open_store(url).close()
    assert _raw(url, 'SELECT version_num FROM alembic_version') == [('0001_initial',)]


def test_a_0001_store_migrates_to_head_keeping_its_upgrades(store_url, monkeypatch):
    _store_at_0001(store_url, monkeypatch)
    _raw(store_url, "INSERT INTO clusters (id, name, method, params, state, created_at, updated_at) VALUES "
                    "(1, 'lab', 'api', '{}', 'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    _raw(store_url, "INSERT INTO upgrades (id, cluster_id, active_cluster_id, from_release, to_release, status, "
                    "created_at, updated_at) VALUES ('u1', 1, 1, '2024.1', '2025.1', 'running', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)")
    for position in (1, 2):
        _raw(store_url, "INSERT INTO upgrade_steps (upgrade_id, position, phase, action, status, detail) VALUES "
                        "('u1', :position, 'control', 'upgrade', 'pending', '{}')", position=position)
    opened = store_engine.open_store(store_url)
    try:
        upgrade = store_upgrades.get_upgrade(opened, 'u1')
        assert (upgrade['status'], upgrade['options'], upgrade['started_by']) == ('running', {}, None)
        assert [(s['position'], s['batch'], s['claimed_by']) for s in upgrade['steps']] == [(1, 1, None), (2, 2, None)]
        assert store_upgrades.active_upgrade(opened, 'lab')['id'] == 'u1'
        with opened.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), store_models.Base.metadata) == []
    finally:
        opened.close()
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]


def test_a_store_at_0001_migrates_with_its_sessions_kept(store_url, monkeypatch):
    _store_at_0001(store_url, monkeypatch)
    now = "'2026-11-01 00:00:00'"
    _raw(store_url, "INSERT INTO clusters (id, name, method, params, state, created_at, updated_at) "
                    "VALUES (1, 'lab', 'api', '{}', 'active', %s, %s)" % (now, now))
    _raw(store_url, "INSERT INTO maintenance_sessions (id, cluster_id, state, workflow, metadata, download, "
                    "created_at, updated_at) VALUES ('s-old', 1, 'MAINTENANCE_DONE', 'default', '{}', '[]', %s, %s)"
         % (now, now))
    _raw(store_url, "INSERT INTO maintenance_hosts (session_id, host, state, position, detail) "
                    "VALUES ('s-old', 'cmp1', 'pending', 1, '{}')")
    _raw(store_url, "INSERT INTO maintenance_actions (session_id, plugin, type, metadata, state, detail) "
                    "VALUES ('s-old', 'noop', 'pre', '{}', 'pending', '{}')")
    opened = store_engine.open_store(store_url)
    try:
        old = store_sessions.get_session(opened, 's-old')
        assert (old['max_parallel'], old['plan'], old['steps']) == (1, None, [])
        assert [(h['host'], h['batch']) for h in old['hosts']] == [('cmp1', None)]
        assert [a['plugin'] for a in old['actions']] == ['noop']
        with opened.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), store_models.Base.metadata) == []
    finally:
        opened.close()
    assert _raw(store_url, 'SELECT version_num FROM alembic_version') == [(migrations.HEAD,)]
