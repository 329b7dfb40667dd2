# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness-check model shared by every check module.

A check is a callable that returns an :class:`Outcome` (a :class:`Code` and
optional details: the fix an operator applies).  :func:`run_checks` runs a
list of them, times each one and turns an exception raised by one check into
an ``Error`` record for that check only, so the results of the other checks
are never lost.  The run's code is the worst result: 0 (Success), 1 (Warning),
2 (Failure), or 255 when any check raised.

Standard library only: check modules run on service hosts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


class Code:
    """Result codes, as ``oslo_upgradecheck.upgradecheck.Code`` plus ERROR."""

    SUCCESS = 0
    WARNING = 1
    FAILURE = 2
    # Not a check result in oslo.upgradecheck: the code its main() returns
    # when a check raised.  Here it is recorded against the check that raised.
    ERROR = 255


RESULT_NAMES = {
    Code.SUCCESS: 'Success',
    Code.WARNING: 'Warning',
    Code.FAILURE: 'Failure',
    Code.ERROR: 'Error',
}
RESULT_CODES = dict((name, code) for code, name in RESULT_NAMES.items())


def result_name(code):
    """Return the display name of a result code (``Success`` ...)."""
    try:
        return RESULT_NAMES[code]
    except KeyError:
        raise ValueError(
            'unknown check result code %r; expected one of %s'
            % (code, ', '.join(str(c) for c in sorted(RESULT_NAMES))))


def worst(codes):
    """Return the run code for an iterable of result codes.

    255 (an error) outranks every result; otherwise the highest of 0/1/2
    wins; no codes at all is a success.
    """
    codes = list(codes)
    if Code.ERROR in codes:
        return Code.ERROR
    return max(codes) if codes else Code.SUCCESS


@dataclass(frozen=True)
class Outcome:
    """What one check found: a code and the details an operator reads."""

    code: int
    details: str | None = None

    def __post_init__(self):
        result_name(self.code)  # validates the code


def success(details=None):
    return Outcome(Code.SUCCESS, details)


def warning(details):
    return Outcome(Code.WARNING, details)


def failure(details):
    return Outcome(Code.FAILURE, details)


@dataclass(frozen=True)
class CheckResult:
    """One check's recorded result, as modules return it and the report stores it."""

    name: str
    code: int
    details: str | None = None
    duration: float = 0.0
    project: str | None = None

    @property
    def result(self):
        return result_name(self.code)

    def as_dict(self):
        return {
            'project': self.project,
            'name': self.name,
            'result': self.result,
            'code': self.code,
            'details': self.details,
            'duration': round(self.duration, 3),
        }


@dataclass
class CheckRun:
    """The results of running a list of checks for one project."""

    project: str
    results: list = field(default_factory=list)

    @property
    def code(self):
        return worst(r.code for r in self.results)

    def as_dicts(self):
        return [r.as_dict() for r in self.results]


def describe_error(exc):
    """A one-line, operator-readable description of why a check could not run.

    Our own errors already say what is wrong and how to fix it; anything else
    is unexpected and is named by its type.
    """
    if isinstance(exc, OsopsError):
        return exc.msg
    text = str(exc).strip() or 'no message'
    return 'The check raised %s: %s' % (type(exc).__name__, text)


def run_check(name, func, project=None, clock=time.monotonic):
    """Run one check callable and return its :class:`CheckResult`.

    Any exception from ``func`` becomes an ``Error`` result naming the
    exception; it never propagates.  A callable that returns something other
    than an :class:`Outcome` is a programming error, recorded the same way.
    """
    start = clock()
    try:
        outcome = func()
        if not isinstance(outcome, Outcome):
            raise TypeError('check returned %r instead of an Outcome' % (outcome,))
    except Exception as exc:  # pylint: disable=broad-except
        # Recording the failure against this check is the point of the model:
        # one broken check must not hide the others' results.
        outcome = Outcome(Code.ERROR, describe_error(exc))
    return CheckResult(name=name, code=outcome.code, details=outcome.details,
                       duration=clock() - start, project=project)


def run_checks(project, checks, clock=time.monotonic):
    """Run ``checks`` for ``project``.

    ``checks`` is an iterable of ``(name, callable)``, or of
    ``(name, callable, project)`` for a check about another project.
    """
    run = CheckRun(project=project)
    for name, func, *other in checks:
        run.results.append(run_check(name, func, project=other[0] if other else project,
                                     clock=clock))
    return run
