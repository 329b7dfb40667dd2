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
HEADS = (0, 'Running heads for neutron ...\n5c85685d616d (contract) (head)\nb1bca967e19d (expand) (head)\nOK\n', '')
CURRENT_2025_1 = (0, 'INFO  [alembic.runtime.migration] Context impl MySQLImpl.\nRunning current for neutron ...\n'
                     'ad80a9f07c5c (head)\n5c85685d616d (head)\nOK\n', '')


def test_commands_are_read_only_with_the_config_options_first():
    assert KEYSTONE == [['/v/keystone-29.1.0/bin/keystone-manage', '--config-file', '/etc/keystone/keystone.conf',
                         '--log-file', '/dev/stderr', 'db_sync', '--check']]
    assert GLANCE == [['/v/glance-30.2.0/bin/glance-manage', '--config-file', '/etc/glance/glance-api.conf',
                       '--config-dir', '/etc/glance/conf.d', 'db', 'check']]
    assert [argv[3:] for argv in NEUTRON] == [['current'], ['heads']]
    assert [describe(argv) for argv in KEYSTONE + GLANCE + NEUTRON] == [
        'keystone-manage db_sync --check', 'glance-manage db check', 'neutron-db-manage current', 'neutron-db-manage heads']


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


@pytest.mark.parametrize('current,steps,why', [
    (CURRENT_2025_1, ['expand'], '`neutron-db-manage current` lists 5c85685d616d, ad80a9f07c5c, not the head b1bca967e19d '
                                 '(expand) of `neutron-db-manage heads`'),
    ((0, 'Running current for neutron ...\n5c85685d616d (head)\nb1bca967e19d (head)\nOK\n', ''), [],
     '`neutron-db-manage current` lists every head of `neutron-db-manage heads` (5c85685d616d, b1bca967e19d)'),
    ((0, 'Running current for neutron ...\nad80a9f07c5c\n1e0744e4ffea\nOK\n', ''), ['expand', 'contract'],
     '`neutron-db-manage current` lists 1e0744e4ffea, ad80a9f07c5c, not the heads b1bca967e19d (expand), 5c85685d616d '
     '(contract) of `neutron-db-manage heads`'),
    # a database never migrated: current lists nothing
    ((0, 'Running current for neutron ...\nOK\n', ''), ['expand', 'contract'],
     '`neutron-db-manage current` lists no revision, not the heads b1bca967e19d (expand), 5c85685d616d (contract) of '
     '`neutron-db-manage heads`'),
])
def test_neutron_current_against_heads(current, steps, why):
    assert pending_steps('neutron', NEUTRON, [current, HEADS]) == (steps, why)


def test_neutron_subprojects_are_compared_each_with_its_own_heads():
    heads = (0, HEADS[1] + 'Running heads for neutron-vpnaas ...\n2a2c2b1f2d3e (expand) (head)\nOK\n', '')
    current = (0, CURRENT_2025_1[1].replace('ad80a9f07c5c', 'b1bca967e19d') + 'Running current for neutron-vpnaas ...\nOK\n', '')
    steps, why = pending_steps('neutron', NEUTRON, [current, heads])
    assert steps == ['expand'] and '2a2c2b1f2d3e (expand, neutron-vpnaas)' in why
    assert revisions(heads[1])['neutron-vpnaas'] == [('2a2c2b1f2d3e', '(expand) (head)')]


@pytest.mark.parametrize('project,argvs,runs,message,revision', [
    ('keystone', KEYSTONE, [(1, '', UNKNOWN)],
     '`keystone-manage db_sync --check` exited 1: the database holds revision 742c857f1dfb, which this release does not know',
     '742c857f1dfb'),
    ('neutron', NEUTRON, [(255, "Running current for neutron ...\nFAILED: Can't locate revision identified by 'b1bca967e19d'\n", ''),
                          HEADS], '`neutron-db-manage current` exited 255: the database holds revision b1bca967e19d', 'b1bca967e19d'),
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
    ('neutron', NEUTRON, [CURRENT_2025_1, (0, 'Running heads for neutron ...\nOK\n', '')], '`neutron-db-manage heads` printed no heads: OK'),
])
def test_no_answer_is_an_error_that_says_why(project, argvs, runs, message):
    with pytest.raises(OsopsError) as error:
        pending_steps(project, argvs, runs)
    assert not isinstance(error.value, DatabaseAhead)
    assert error.value.msg.startswith(message)
    assert 's3cret' not in error.value.msg
