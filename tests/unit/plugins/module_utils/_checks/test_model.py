"""The check model: worst result wins, an exception is recorded, never lost."""

import types

import pytest
from oslo_upgradecheck import upgradecheck

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import model as _checks
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import Code
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


@pytest.mark.parametrize('codes,expected', [
    ([], 0), ([0], 0), ([0, 1], 1), ([1, 2, 0], 2), ([2, 255, 0], 255), ([255], 255),
])
def test_worst(codes, expected):
    assert _checks.worst(codes) == expected


@pytest.mark.parametrize('code', list(upgradecheck.Code), ids=lambda code: code.name)
def test_result_codes_and_names_are_oslo_upgradechecks(code):
    """What *-status upgrade check prints and exits with means the same here."""
    name = _checks.result_name(code.value)
    assert name == upgradecheck.UPGRADE_CHECK_MSG_MAP[code]
    assert _checks.RESULT_CODES[name] == code.value


def test_error_is_the_code_oslo_upgradecheck_returns_when_a_check_raises(capsys):
    def boom():
        raise RuntimeError('cell0 is gone')

    command = types.SimpleNamespace(command=types.SimpleNamespace(action_fn=boom))
    assert upgradecheck.run(command) == Code.ERROR
    assert 'cell0 is gone' in capsys.readouterr().out
    assert _checks.RESULT_CODES[_checks.result_name(Code.ERROR)] == Code.ERROR
    assert Code.ERROR not in [code.value for code in upgradecheck.Code]  # never a check's own result


def test_unknown_code_is_a_clear_error():
    with pytest.raises(ValueError, match=r'unknown check result code 3; expected one of 0, 1, 2, 255'):
        _checks.result_name(3)
    with pytest.raises(ValueError):
        _checks.Outcome(7)


def ticking_clock():
    ticks = iter(range(100))
    return lambda: next(ticks) * 0.5


def test_exception_in_one_check_keeps_the_others():
    def boom():
        raise KeyError('cell0')

    run = _checks.run_checks('nova', [
        ('first', _checks.success),
        ('broken', boom),
        ('last', lambda: _checks.failure('fix it')),
    ], clock=ticking_clock())
    assert [(r.name, r.result) for r in run.results] == [
        ('first', 'Success'), ('broken', 'Error'), ('last', 'Failure')]
    assert run.results[1].details == "The check raised KeyError: 'cell0'"
    assert run.code == 255
    assert [d['duration'] for d in run.as_dicts()] == [0.5, 0.5, 0.5]
    assert all(d['project'] == 'nova' for d in run.as_dicts())


def test_our_errors_keep_their_message():
    def unreadable():
        raise OsopsError('Config file /etc/nova/nova.conf of nova does not exist.')

    result = _checks.run_check('x', unreadable)
    assert (result.code, result.details) == (255, 'Config file /etc/nova/nova.conf of nova does not exist.')


def test_a_check_returning_the_wrong_type_is_an_error():
    result = _checks.run_check('x', lambda: 0)
    assert result.code == Code.ERROR
    assert 'instead of an Outcome' in result.details


def test_exception_without_message():
    def silent():
        raise RuntimeError()

    assert _checks.run_check('x', silent).details == 'The check raised RuntimeError: no message'


def test_worst_of_results_without_error():
    run = _checks.run_checks('p', [('a', lambda: _checks.warning('w')), ('b', _checks.success)])
    assert run.code == 1
    assert [d['result'] for d in run.as_dicts()] == ['Warning', 'Success']


def test_a_check_may_name_its_own_project():
    run = _checks.run_checks('nova', [('a', _checks.success), ('b', _checks.success, 'neutron')])
    assert [d['project'] for d in run.as_dicts()] == ['nova', 'neutron']
