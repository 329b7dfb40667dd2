"""_service.revisions: a release's alembic heads read in its scripts as text, and the database's revisions.

The real scripts of every lab release are compared with alembic's own reading of them on the lab
(tests/integration/lab/test_opchecks_lab.py); here, the edge cases on scripts written for the test.
"""

import sqlite3

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._service import revisions

KEYSTONE = 'lib/python3.11/site-packages/keystone/common/sql/migrations/versions'


def script(directory, name, text):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)


def keystone_venv(tmp_path, extra=()):
    """A venv with keystone's layout: an initial revision, then an expand and a contract branch per release."""
    venv = tmp_path / 'keystone-27.1.0'
    versions = venv / KEYSTONE
    script(versions, '__init__.py', '')
    script(versions, '27e647c0fad4_initial_version.py', "revision = '27e647c0fad4'\ndown_revision = None\n")
    script(versions / 'yoga' / 'expand', 'e25ffa003242_initial.py',
           "import sqlalchemy as sa\nrevision = 'e25ffa003242'\ndown_revision = '27e647c0fad4'\nbranch_labels = ('expand',)\n")
    script(versions / 'yoga' / 'contract', '29e87d24a316_initial.py',
           "revision = '29e87d24a316'\ndown_revision = '27e647c0fad4'\nbranch_labels = ('contract',)\n")
    # annotated assignments, as newer alembic templates write them; no label: the branch is inherited
    script(versions / '2024.01' / 'expand', '47147121_add_identity.py',
           "from typing import Union\nrevision: str = '47147121'\ndown_revision: Union[str, None] = 'e25ffa003242'\n"
           "branch_labels = None\ndepends_on = None\n")
    script(versions / '2024.01' / 'contract', 'c88cdce8f248_remove.py',
           "revision = 'c88cdce8f248'\ndown_revision = '29e87d24a316'\n")
    for directory, name, text in extra:
        script(versions / directory, name, text)
    return venv


def test_heads_and_their_branches_as_alembic_finds_them(tmp_path):
    venv = keystone_venv(tmp_path)
    assert revisions.code_heads('keystone', str(venv)) == {'47147121': 'expand', 'c88cdce8f248': 'contract'}
    assert revisions.describe_heads({'c88cdce8f248': 'contract', '47147121': 'expand'}) == 'expand 47147121, contract c88cdce8f248'


def test_a_merge_revision_ends_both_parents(tmp_path):
    scripts = {'a': ((), ('expand',), '/v/a.py'), 'b': (('a',), (), '/v/b.py'), 'c': (('a',), (), '/v/c.py'),
               'm': (('b', 'c'), (), '/v/m.py')}
    assert revisions.heads(scripts) == ['m']
    assert revisions.branch(scripts, 'm') == 'expand'


@pytest.mark.parametrize('name, text', [
    ('bad_dynamic.py', "revision = make_id()\ndown_revision = '47147121'\n"),  # not a literal
    ('bad_no_revision.py', "down_revision = '47147121'\n"),
    ('bad_syntax.py', "revision = '1234'\ndown_revision = (\n"),
    ('bad_type.py', "revision = '1234'\ndown_revision = 5\n"),
    ('again_47147121.py', "revision = '47147121'\ndown_revision = 'e25ffa003242'\n"),  # defined twice
])
def test_scripts_that_cannot_be_read_as_text_leave_the_answer_to_the_tool(tmp_path, name, text):
    venv = keystone_venv(tmp_path, extra=[('2024.01/expand', name, text)])
    assert revisions.code_heads('keystone', str(venv)) is None


def test_no_scripts_or_no_single_site_packages_decide_nothing(tmp_path):
    assert revisions.code_heads('keystone', str(tmp_path / 'missing')) is None
    (tmp_path / 'empty' / KEYSTONE).mkdir(parents=True)
    assert revisions.code_heads('keystone', str(tmp_path / 'empty')) is None


def test_a_neutron_subproject_with_its_own_migrations_leaves_the_answer_to_the_tool(tmp_path):
    venv = tmp_path / 'neutron-26.0.6'
    packages = venv / 'lib' / 'python3.11' / 'site-packages'
    script(packages / 'neutron' / 'db' / 'migration' / 'alembic_migrations' / 'versions' / '2025.1' / 'expand', 'ad80a9f07c5c_x.py',
           "revision = 'ad80a9f07c5c'\ndown_revision = None\nbranch_labels = ('expand',)\n")
    script(packages / 'neutron-26.0.6.dist-info', 'entry_points.txt',
           '[neutron.db.alembic_migrations]\nneutron = neutron.db.migration:alembic_migrations\n')
    assert revisions.code_heads('neutron', str(venv)) == {'ad80a9f07c5c': 'expand'}
    script(packages / 'neutron_vpnaas-24.0.0.dist-info', 'entry_points.txt',
           '[neutron.db.alembic_migrations]\nneutron-vpnaas = neutron_vpnaas.db.migration:alembic_migrations\n')
    assert revisions.code_heads('neutron', str(venv)) is None


def test_the_database_revisions_are_read_from_alembic_version(tmp_path):
    path = tmp_path / 'keystone.db'
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)')
        db.executemany('INSERT INTO alembic_version VALUES (?)', [('47147121',), ('c88cdce8f248',)])
    assert revisions.database_revisions('sqlite:///%s' % path, 5) == {'47147121', 'c88cdce8f248'}
    # no such table, no such driver: not decided here (the tool says why)
    assert revisions.database_revisions('sqlite:///%s' % (tmp_path / 'other.db'), 5) is None
    assert revisions.database_revisions('nosuchdriver://u:p@127.0.0.1/x', 5) is None


def test_the_projects_branch_constants_count_as_labels(tmp_path):
    """glance writes ``branch_labels = migration.EXPAND_BRANCH``, neutron ``(cli.CONTRACT_BRANCH,)``."""
    venv = keystone_venv(tmp_path, extra=[
        ('2025.1/expand', 'aa01_x.py', "revision = 'aa01'\ndown_revision = '47147121'\nbranch_labels = migration.EXPAND_BRANCH\n"),
        ('2025.1/contract', 'bb01_y.py', "revision = 'bb01'\ndown_revision = 'c88cdce8f248'\nbranch_labels = ('x1', cli.CONTRACT_BRANCH)\n")])
    assert revisions.code_heads('keystone', str(venv)) == {'aa01': 'expand', 'bb01': 'contract'}
    assert revisions.read_script(str(venv / KEYSTONE / '2025.1' / 'contract' / 'bb01_y.py')) == ('bb01', ('c88cdce8f248',), ('x1', 'contract'))
    # any other name is not a literal
    script(venv / KEYSTONE / '2025.1' / 'expand', 'cc01_z.py', "revision = 'cc01'\ndown_revision = 'aa01'\nbranch_labels = (OTHER,)\n")
    assert revisions.code_heads('keystone', str(venv)) is None


@pytest.mark.parametrize('project, held, url, done', [
    ('keystone', {'47147121', 'c88cdce8f248'}, 'mysql+pymysql://k@db/keystone', True),
    ('keystone', {'c88cdce8f248'}, 'mysql+pymysql://k@db/keystone', False),  # expand not under version control
    ('neutron', {'47147121', 'c88cdce8f248', 'aaaa'}, 'mysql+pymysql://n@db/neutron', False),
    # glance-manage db check: the contract head among the revisions is "up to date" (alembic keeps no expand row)
    ('glance', {'c88cdce8f248'}, 'mysql+pymysql://g@db/glance', True),
    ('glance', {'c88cdce8f248'}, 'sqlite:////var/lib/glance/glance.sqlite', True),
    ('glance', {'47147121'}, 'mysql+pymysql://g@db/glance', False),
    ('glance', {'c88cdce8f248'}, 'postgresql://g@db/glance', False),  # refused by glance-manage: its own words
])
def test_at_heads_is_each_tools_rule_for_done(project, held, url, done):
    assert revisions.at_heads(project, {'47147121': 'expand', 'c88cdce8f248': 'contract'}, held, url) is done
