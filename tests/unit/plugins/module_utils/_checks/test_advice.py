"""Every command the checks and the docs recommend is declared in ``_checks.advice`` (the lab runs them)."""

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import ADVICE, Advice
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import CHECKS
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.commands import DB_COMMANDS
from ansible_collections.osops.lifecycle.tests.advice import (
    SCENARIOS,
    bare_tools,
    commands_in,
    detail_commands,
    doc_commands,
    every_outcome,
    outcome_lines,
    traced,
)

OUTCOMES, EXECUTED = traced(every_outcome)
DECLARED = {check: {a.argv for a in advice} for check, advice in ADVICE.items()}
# Commands the upgrade runs (docs/upgrades.md and modules.md show them): _upgrade.commands declares those.
UPGRADE = {c.argv[:next((i for i, w in enumerate(c.argv) if w.startswith('--')), len(c.argv))]
           for commands in DB_COMMANDS.values() for c in commands}


def test_every_check_has_scenarios_and_every_outcome_ran():
    assert set(s.check for s in SCENARIOS) == set(CHECKS)
    missing = sorted((path.rsplit('/', 1)[-1], line) for path, line in outcome_lines() - EXECUTED)
    assert not missing, 'outcomes no scenario of tests/advice.py builds (file, line): %s' % missing
    assert {o.code for o in OUTCOMES} == {0, 1, 2, 255}


@pytest.mark.parametrize('outcome', OUTCOMES, ids=lambda o: '%s-%s' % (o.check, o.label))
def test_details_name_tools_only_in_code_spans(outcome):
    assert bare_tools(outcome.details) == [], outcome.details


def test_every_command_of_the_details_is_declared_for_its_check():
    undeclared = sorted('%s (%s)' % (' '.join(c.argv), c.source)
                        for check, c in detail_commands(OUTCOMES) if c.argv not in DECLARED.get(check, ()))
    assert not undeclared, 'commands the details recommend that _checks/advice.py does not declare: %s' % undeclared


def test_every_declared_command_is_named_by_its_check():
    named = {}
    for check, command in detail_commands(OUTCOMES):
        named.setdefault(check, set()).add(command.argv)
    for check, command in doc_commands():
        if check:
            named.setdefault(check, set()).add(command.argv)
    assert set(ADVICE) <= set(CHECKS)
    stale = sorted((check, ' '.join(argv)) for check, argvs in DECLARED.items() for argv in argvs - named.get(check, set()))
    assert not stale, 'declared but named by neither the check nor its docs section: %s' % stale


def test_every_command_of_the_docs_is_declared():
    everything = set().union(*DECLARED.values()) | UPGRADE
    undeclared = []
    for check, command in doc_commands():
        if command.argv[0] == 'openstack' or len(command.argv) == 1 and command.argv[0].endswith('-status'):
            continue  # the client's commands and the status tools by name: the lab test runs them where it has them
        if command.argv[0].endswith('-status') and command.argv[1:] == ('upgrade', 'check'):
            continue
        allowed = DECLARED.get(check, set()) if check else everything
        if command.argv not in allowed:
            undeclared.append('%s (%s%s)' % (' '.join(command.argv), command.source, ', %s' % check if check else ''))
    assert not undeclared, 'commands the docs recommend that no declaration holds: %s' % sorted(undeclared)


def test_the_docs_name_the_commands_of_their_checks():
    found = {(check, command.argv) for check, command in doc_commands() if check}
    assert ('check_hw_machine_type', ('nova-manage', 'libvirt', 'list_unset_machine_type')) in found
    assert ('check_cells_v2', ('nova-manage', 'cell_v2', 'map_cell0')) in found


@pytest.mark.parametrize('text,commands', [
    ("Run command 'nova-manage cell_v2 simple_cell_setup' and then retry.", [('nova-manage', 'cell_v2', 'simple_cell_setup')]),
    ('Use `nova-manage libvirt update_machine_type <instance uuid> <machine type>`',
     [('nova-manage', 'libvirt', 'update_machine_type')]),
    ('`keystone-manage db_sync --expand`', [('keystone-manage', 'db_sync')]),
    ('`neutron-db-manage upgrade --contract`; `openstack compute service list`',
     [('neutron-db-manage', 'upgrade'), ('openstack', 'compute', 'service', 'list')]),
    ('see https://docs.openstack.org/oslo.policy/latest/cli/oslopolicy-convert-json-to-yaml.html', []),
    ('`/openstack/venvs/nova-33.0.2`, `osops.lifecycle.openstack`, `cluster-status`, `<project>-status`', []),
])
def test_commands_in(text, commands):
    assert [c.argv for c in commands_in(text, 'test')] == commands


def test_options_are_kept_to_be_found_in_the_help():
    (command,) = commands_in('`oslopolicy-convert-json-to-yaml --namespace <project> --output-file <f>`', 'test')
    assert command.options == ('--namespace', '--output-file')


def test_bare_tools_outside_code_spans():
    assert bare_tools('migrate with cloudkitty-storage-init and set `nova-manage db sync`') == ['cloudkitty-storage-init']


@pytest.mark.parametrize('count,start', [(1, '1 instance found without'), (2, '2 instances found without')])
def test_hw_machine_type_counts_in_words(count, start):
    (outcome,) = [o for o in OUTCOMES if o.check == 'check_hw_machine_type' and o.code == 1 and o.details[0] == str(count)]
    assert outcome.details.startswith(start)
    assert '`nova-manage libvirt list_unset_machine_type`' in outcome.details
    assert '`nova-manage libvirt update_machine_type <instance uuid> <machine type>`' in outcome.details


def test_advice_renders_its_usage():
    assert str(Advice(('nova-manage', 'libvirt', 'update_machine_type'), '<uuid>')) == \
        'nova-manage libvirt update_machine_type <uuid>'
