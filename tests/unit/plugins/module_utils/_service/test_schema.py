"""_service.schema: the read-only commands of each project's tool, and what their answers mean.

The outputs are the tools' own, as the lab's venvs printed them (2025.1 and 2026.1).
"""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.schema import DatabaseAhead, commands, describe, pending_steps, revisions

KEYSTONE = commands('keystone', '/v/keystone-29.1.0/bin/keystone-manage', ['/etc/keystone/keystone.conf'])
GLANCE = commands('glance', '/v/glance-30.2.0/bin/glance-manage', ['/etc/glance/glance-api.conf'], '/etc/glance/conf.d')
NEUTRON = commands('neutron', '/v/neutron-28.0.2/bin/neutron-db-manage', ['/etc/neutron/neutron.conf'])

KEYSTONE_LOG = ('2026-12-04 18:31:13.170 12490 INFO keystone.cmd.cli [-] Expand version is ahead of contract. Your next step is '
                'to run `keystone-manage db_sync --contract`.\n'
                '2026-12-04 18:31:13.170 12490 INFO keystone.cmd.cli [-] Current repository versions:\n'
                'Expand: 742c857f1dfb (head: 742c857f1dfb)\nContract: 99de3849d860 (head: c88cdce8f248)\n')
UNKNOWN = ("2026-12-04 18:30:59.213 11588 ERROR keystone     raise util.CommandError(resolution) from re\n"
           "2026-12-04 18:30:59.213 11588 ERROR keystone alembic.util.exc.CommandError: Can't locate revision identified by "
           "'742c857f1dfb'\n2026-12-04 18:30:59.213 11588 ERROR keystone \n")


def entry(rev, branch, head=True, parent='2e0d7a8a1586', release='2025.1'):
    """One revision's entry in alembic's verbose log, as neutron-db-manage current --verbose prints it."""
    return ('Rev: %s%s\nParent: %s\nBranch names: %s\nPath: /openstack/venvs/neutron-28.0.2/lib/python3.11/site-packages/'
            'neutron/db/migration/alembic_migrations/versions/%s/%s/%s_x.py\n\n    Its docstring.\n\n'
            % (rev, ' (head)' if head else '', parent, branch, release, branch, rev))


def current(*entries, project='neutron'):
    return 'Running current for %s ...\n%s' % (project, ''.join(entries))


PREAMBLE = ('INFO  [alembic.runtime.migration] Context impl MySQLImpl.\nINFO  [alembic.runtime.migration] Will assume '
            'non-transactional DDL.\n')
# The 2025.1 database (its heads ad80a9f07c5c expand, 5c85685d616d contract) read by the 2026.1 tool (expand head
# b1bca967e19d): 2025.1's expand revision is no head there.
CURRENT_2025_1 = (0, PREAMBLE + current(entry('ad80a9f07c5c', 'expand', head=False), entry('5c85685d616d', 'contract'))
                  + 'OK\n', '')


def test_commands_are_read_only_with_the_config_options_first():
    assert KEYSTONE == [['/v/keystone-29.1.0/bin/keystone-manage', '--config-file', '/etc/keystone/keystone.conf',
                         '--log-file', '/dev/stderr', 'db_sync', '--check']]
    assert GLANCE == [['/v/glance-30.2.0/bin/glance-manage', '--config-file', '/etc/glance/glance-api.conf',
                       '--config-dir', '/etc/glance/conf.d', 'db', 'check']]
    assert [argv[3:] for argv in NEUTRON] == [['current', '--verbose']]
    assert [describe(argv) for argv in KEYSTONE + GLANCE + NEUTRON] == [
        'keystone-manage db_sync --check', 'glance-manage db check', 'neutron-db-manage current --verbose']


@pytest.mark.parametrize('rc,steps', [(0, []), (2, ['expand']), (4, ['contract'])])
def test_keystone_exit_codes(rc, steps):
    assert pending_steps('keystone', KEYSTONE, [(rc, '', '')])[0] == steps


def test_keystone_says_which_revisions_it_compared():
    steps, why = pending_steps('keystone', KEYSTONE, [(4, '', KEYSTONE_LOG)])
    assert (steps, why) == (['contract'], '`keystone-manage db_sync --check` exited 4 (expand 742c857f1dfb of head '
                                          '742c857f1dfb, contract 99de3849d860 of head c88cdce8f248)')


@pytest.mark.parametrize('rc,steps', [(0, []), (3, ['expand']), (4, ['migrate']), (5, ['contract'])])
def test_glance_exit_codes(rc, steps):
    assert pending_steps('glance', GLANCE, [(rc, 'Your database is not up to date.', '')]) == (
        steps, '`glance-manage db check` exited %d' % rc)


@pytest.mark.parametrize('run,steps,why', [
    (CURRENT_2025_1, ['expand'], "`neutron-db-manage current --verbose` lists ad80a9f07c5c, 5c85685d616d: ad80a9f07c5c, "
                                 "not its branch's head (expand)"),
    ((0, current(entry('b1bca967e19d', 'expand'), entry('5c85685d616d', 'contract')) + 'OK\n', ''), [],
     "`neutron-db-manage current --verbose` marks every revision of the database its branch's head "
     "(b1bca967e19d, 5c85685d616d)"),
    ((0, current(entry('ad80a9f07c5c', 'expand', head=False), entry('1e0744e4ffea', 'contract', head=False)) + 'OK\n', ''),
     ['expand', 'contract'], "`neutron-db-manage current --verbose` lists ad80a9f07c5c, 1e0744e4ffea: ad80a9f07c5c, not its "
                             "branch's head (expand), 1e0744e4ffea, not its branch's head (contract)"),
    # no Branch names line: the branch from the revision's path
    ((0, current(entry('b1bca967e19d', 'expand').replace('Branch names: expand\n', ''),
                 entry('1e0744e4ffea', 'contract', head=False).replace('Branch names: contract\n', '')) + 'OK\n', ''),
     ['contract'], "`neutron-db-manage current --verbose` lists b1bca967e19d, 1e0744e4ffea: 1e0744e4ffea, not its branch's "
                   "head (contract)"),
    # only one branch in the database: the other's step is left
    ((0, current(entry('b1bca967e19d', 'expand')) + 'OK\n', ''), ['contract'],
     '`neutron-db-manage current --verbose` lists b1bca967e19d: no contract revision'),
    # a database never migrated: current lists nothing
    ((0, current() + 'OK\n', ''), ['expand', 'contract'],
     '`neutron-db-manage current --verbose` lists no revision: no expand revision, no contract revision'),
])
def test_neutron_current_marks_the_heads(run, steps, why):
    assert pending_steps('neutron', NEUTRON, [run]) == (steps, why)


def test_neutron_subprojects_are_read_each_with_its_own_branches():
    run = (0, current(entry('b1bca967e19d', 'expand'), entry('5c85685d616d', 'contract'))
           + current(entry('2a2c2b1f2d3e', 'expand', head=False), entry('3b3c3d3e3f30', 'contract'), project='neutron-vpnaas')
           + 'OK\n', '')
    steps, why = pending_steps('neutron', NEUTRON, [run])
    assert steps == ['expand'] and why.endswith(": 2a2c2b1f2d3e, not its branch's head (expand, neutron-vpnaas)")
    assert '2a2c2b1f2d3e (neutron-vpnaas)' in why
    assert revisions(run[1])['neutron-vpnaas'] == [('2a2c2b1f2d3e', False, ['expand']), ('3b3c3d3e3f30', True, ['contract'])]


@pytest.mark.parametrize('project,argvs,runs,message,revision', [
    ('keystone', KEYSTONE, [(1, '', UNKNOWN)],
     '`keystone-manage db_sync --check` exited 1: the database holds revision 742c857f1dfb, which this release does not know',
     '742c857f1dfb'),
    ('neutron', NEUTRON, [(255, "Running current for neutron ...\nFAILED: Can't locate revision identified by 'b1bca967e19d'\n", '')],
     '`neutron-db-manage current --verbose` exited 255: the database holds revision b1bca967e19d', 'b1bca967e19d'),
])
def test_a_revision_the_release_does_not_know_is_told_apart(project, argvs, runs, message, revision):
    with pytest.raises(DatabaseAhead) as error:
        pending_steps(project, argvs, runs)
    assert error.value.msg.startswith(message) and error.value.revision == revision


@pytest.mark.parametrize('project,argvs,runs,message', [
    # another exit code: the last line the tool logged, its oslo.log prefix and the URL's password gone
    ('keystone', KEYSTONE, [(1, '', '2026-12-04 18:31:09.579 12137 ERROR keystone oslo_db.exception.DBConnectionError: '
                                    '(2003) mysql+pymysql://keystone:s3cret@db/keystone\n2026-12-04 18:31:09.579 12137 ERROR keystone \n')],
     '`keystone-manage db_sync --check` exited 1 without an answer: oslo_db.exception.DBConnectionError: (2003) '
     'mysql+pymysql://keystone:***@db/keystone'),
    ('glance', GLANCE, [(1, '', '')], '`glance-manage db check` exited 1 without an answer: no output'),
    ('neutron', NEUTRON, [(0, PREAMBLE + 'OK\n', '')], '`neutron-db-manage current --verbose` printed no project: OK'),
])
def test_no_answer_is_an_error_that_says_why(project, argvs, runs, message):
    with pytest.raises(OsopsError) as error:
        pending_steps(project, argvs, runs)
    assert not isinstance(error.value, DatabaseAhead)
    assert error.value.msg.startswith(message)
    assert 's3cret' not in error.value.msg
