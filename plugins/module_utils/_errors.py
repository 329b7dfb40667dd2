# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed errors raised by module_utils.

module_utils never call ``fail_json``: they raise one of these, and the base
module turns it into a single clear failure.  Messages say what was wrong,
what was expected and how to fix it; they never carry secrets.
"""

from __future__ import annotations


class OsopsError(Exception):
    """Base class of every error this collection raises on purpose."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        # Extra, secret-free fields the module returns next to ``msg``.
        self.result = result


class OptionError(OsopsError):
    """An option value that cannot be used."""

    def __init__(self, option, value, expected, hint=None):
        msg = 'Option %s: got %r, expected %s.' % (option, value, expected)
        if hint:
            msg += ' ' + hint
        super().__init__(msg, option=option)


class CloudError(OsopsError):
    """The cloud could not be reached, authenticated against or understood."""


class MaintenanceError(OsopsError):
    """A maintenance step was refused or failed; its message says what was changed, if anything."""
