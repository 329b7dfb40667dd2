"""check_schema_migrations: the module runs the project's tool from the venv, with the config, and reads its answer.

The tool here is a stand-in script in a venv's bin/ that records its arguments and answers as told; the real
tools' answers are in tests/unit/plugins/module_utils/_service/test_schema.py, and on the lab in
tests/integration/lab/test_opchecks_lab.py.
"""

import json
import sqlite3

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_schema_migrations

SCRIPT = '''#!/bin/sh
printf '%s\\n' "$*" >> "{log}"
case "$*" in
  *current*) printf 'Running current for neutron ...\\n{current}\\nOK\\n' ;;
  *) printf 'Expand: 47147121 (head: 742c857f1dfb)\\nContract: c88cdce8f248 (head: c88cdce8f248)\\n' >&2 ;;
esac
exit {rc}
'''


def venv_with(tmp_path, tool, rc=0, current=''):
    venv = tmp_path / 'venvs' / 'x-1.0.0'
    (venv / 'bin').mkdir(parents=True)
    script = venv / 'bin' / tool
    script.write_text(SCRIPT.format(log=tmp_path / 'calls', rc=rc, current=current))
    script.chmod(0o755)
    conf = tmp_path / 'service.conf'
    conf.write_text('[database]\n')
    return str(venv), str(conf)


def calls(tmp_path):
    return (tmp_path / 'calls').read_text().splitlines()


def test_keystone_expand_left_is_a_failure_naming_the_command(run_module, tmp_path):
    venv, conf = venv_with(tmp_path, 'keystone-manage', rc=2)
    out = run_module(check_schema_migrations.main, {'project': 'keystone', 'venv': venv, 'config_files': [conf]}, check_mode=True)
    (check,) = out['upgrade_checks']
    assert (check['project'], check['name'], check['result'], out['code']) == ('keystone', 'Database schema migrations', 'Failure', 2)
    assert '`keystone-manage db_sync --expand`' in check['details']
    assert '(expand 47147121 of head 742c857f1dfb, contract c88cdce8f248 of head c88cdce8f248)' in check['details']
    assert (out['pending'], out['commands'], out['changed']) == (
        ['expand'], [{'cmd': 'keystone-manage db_sync --check', 'exit_code': 2}], False)
    assert calls(tmp_path) == ['--config-file %s --log-file /dev/stderr db_sync --check' % conf]


def test_neutron_both_heads_in_the_database_is_a_success(run_module, tmp_path):
    venv, conf = venv_with(tmp_path, 'neutron-db-manage', current='Rev: 5c85685d616d (head)\\nBranch names: contract\\n\\n'
                                                                  'Rev: b1bca967e19d (head)\\nBranch names: expand\\n')
    out = run_module(check_schema_migrations.main, {'project': 'neutron', 'venv': venv, 'config_files': [conf]})
    assert [(c['result'], c['code']) for c in out['upgrade_checks']] == [('Success', 0)]
    assert out['pending'] == [] and [c['cmd'] for c in out['commands']] == ['neutron-db-manage current --verbose']
    assert calls(tmp_path) == ['--config-file %s current --verbose' % conf]
    details = out['upgrade_checks'][0]['details']
    assert details.endswith("marks every revision of the database its branch's head (5c85685d616d, b1bca967e19d).")


@pytest.mark.parametrize('args,message', [
    ({'project': 'glance', 'venv': '/nonexistent/glance-30.2.0'}, '/nonexistent/glance-30.2.0/bin/glance-manage is not an executable file'),
    ({'project': 'glance', 'config_files': ['/nonexistent/glance-api.conf']}, 'Config file /nonexistent/glance-api.conf not found'),
])
def test_no_tool_or_no_config_is_an_error_of_the_check(run_module, tmp_path, args, message):
    venv, _conf = venv_with(tmp_path, 'glance-manage')
    out = run_module(check_schema_migrations.main, dict({'venv': venv}, **args))
    (check,) = out['upgrade_checks']
    assert check['result'] == 'Error' and check['details'].startswith(message), check
    assert (out['pending'], out['commands']) == ([], [])


def test_placement_is_refused_by_the_options(run_module, tmp_path):
    out = run_module(check_schema_migrations.main, {'project': 'placement', 'venv': str(tmp_path)})
    assert out['failed'] and 'placement' in out['msg'] and 'glance, keystone, neutron' in out['msg'], json.dumps(out)


# --- the database already at the heads of the venv's scripts: the tool is not started ---------------------------


def keystone_at(tmp_path, held):
    """A keystone venv (stand-in tool, two scripts: expand 47147121, contract c88cdce8f248) and a SQLite database
    whose alembic_version holds ``held``; the config names it."""
    venv, conf = venv_with(tmp_path, 'keystone-manage', rc=2)
    versions = tmp_path / 'venvs' / 'x-1.0.0' / 'lib' / 'python3.11' / 'site-packages' / 'keystone' / 'common' / 'sql' / 'migrations' / 'versions'
    for branch, revision in (('expand', '47147121'), ('contract', 'c88cdce8f248')):
        (versions / '2024.01' / branch).mkdir(parents=True)
        (versions / '2024.01' / branch / ('%s.py' % revision)).write_text(
            "revision = '%s'\ndown_revision = None\nbranch_labels = ('%s',)\n" % (revision, branch))
    database = tmp_path / 'keystone.db'
    with sqlite3.connect(database) as db:
        db.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)')
        db.executemany('INSERT INTO alembic_version VALUES (?)', [(rev,) for rev in held])
    (tmp_path / 'service.conf').write_text('[database]\nconnection = sqlite:///%s\n' % database)
    return venv, conf


def test_the_database_at_the_scripts_heads_is_a_success_without_the_tool(run_module, tmp_path):
    venv, conf = keystone_at(tmp_path, ['47147121', 'c88cdce8f248'])
    out = run_module(check_schema_migrations.main, {'project': 'keystone', 'venv': venv, 'config_files': [conf]})
    (check,) = out['upgrade_checks']
    assert (check['result'], out['pending'], out['commands'], out['answered_by']) == ('Success', [], [], 'revisions')
    assert check['details'] == ('No schema step left for the code in %s: the database is at the heads of its migrations '
                                '(expand 47147121, contract c88cdce8f248; alembic_version holds 47147121, c88cdce8f248).' % venv)
    assert not (tmp_path / 'calls').exists()  # the tool was not started


@pytest.mark.parametrize('held, ask_tool', [
    (['e25ffa003242', 'c88cdce8f248'], False),  # expand left: the tool says so, in its words
    (['47147121'], False),  # no contract revision
    (['47147121', 'c88cdce8f248', 'ffffffffffff'], False),  # a revision the scripts do not define
    (['47147121', 'c88cdce8f248'], True),  # asked for the tool
])
def test_anything_but_the_heads_or_ask_tool_is_answered_by_the_tool(run_module, tmp_path, held, ask_tool):
    venv, conf = keystone_at(tmp_path, held)
    out = run_module(check_schema_migrations.main, {'project': 'keystone', 'venv': venv, 'config_files': [conf],
                                                    'ask_tool': ask_tool})
    assert (out['upgrade_checks'][0]['result'], out['answered_by']) == ('Failure', 'tool')  # the stand-in tool exits 2
    assert calls(tmp_path) == ['--config-file %s --log-file /dev/stderr db_sync --check' % conf]
