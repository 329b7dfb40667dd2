"""upgrade_commands: what osops_upgrade_commands gives for an action, as argument lists to run without a shell."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.upgrade_commands import upgrade_commands


@pytest.mark.parametrize('given,expected', [
    # a command line, split as a shell splits words (quotes kept together), no shell
    ("sed -i -E 's#/openstack/venvs/keystone-[0-9.]+#/x#g' /etc/keystone/keystone-uwsgi.ini",
     [['sed', '-i', '-E', 's#/openstack/venvs/keystone-[0-9.]+#/x#g', '/etc/keystone/keystone-uwsgi.ini']]),
    ('echo a|b > c', [['echo', 'a|b', '>', 'c']]),  # no pipe, no redirection: words
    # a list of strings is one argument list
    (['supervisorctl', 'restart', 'nova compute'], [['supervisorctl', 'restart', 'nova compute']]),
    # a list with a list in it: several commands
    (['supervisorctl reread', ['supervisorctl', 'update', 'keystone']],
     [['supervisorctl', 'reread'], ['supervisorctl', 'update', 'keystone']]),
    ([['/bin/sh', '-c', 'a && b']], [['/bin/sh', '-c', 'a && b']]),
    ([], []),
])
def test_commands(given, expected):
    assert upgrade_commands(given, 'switch') == expected


def test_before_comes_first():
    assert upgrade_commands('b 2', 'db', [('a', '1')]) == [['a', '1'], ['b', '2']]


@pytest.mark.parametrize('given,message', [
    ('', "osops_upgrade_commands.restart has an empty command line; give a command line, an argument list"),
    ('   ', 'has an empty command line'),
    ({'cmd': 'x'}, "osops_upgrade_commands.restart is a mapping ({'cmd': 'x'}); give"),
    (7, 'osops_upgrade_commands.restart is a int (7); give'),
    (None, 'osops_upgrade_commands.restart is a NoneType (None); give'),
    (['a', ['b', 7]], "osops_upgrade_commands.restart: ['b', 7] is not a command (in ['a', ['b', 7]]); give"),
    ([['a'], []], 'osops_upgrade_commands.restart: [] is not a command'),
    ("sed 's/a", "osops_upgrade_commands.restart: cannot split the command line \"sed 's/a\" (No closing quotation)"),
])
def test_refused_with_what_and_how(given, message):
    with pytest.raises(AnsibleFilterError) as error:
        upgrade_commands(given, 'restart')
    assert message in str(error.value)
    assert '[/bin/sh, -c, "..."]' in str(error.value)
