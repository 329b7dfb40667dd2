# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module base of readiness checks: run the checks a module declares, return them as data."""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import run_checks
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import ServiceConfigMixin


class CheckModule(OsopsModule):
    """A module that runs readiness checks and reports them as data.

    Subclasses set ``project`` (or override it from a parameter) and return
    ``(name, callable)`` pairs from ``checks()``.  Findings never fail the
    module: roles decide what a Failure means.
    """

    module_kwargs = dict(supports_check_mode=True)

    @property
    def project(self):
        raise NotImplementedError

    def checks(self):
        raise NotImplementedError

    def run(self):
        self.exit_json(**self.check_results())

    def check_results(self):
        """Run the checks: the module's return values, ``changed`` aside."""
        result = run_checks(self.project, self.checks())
        return dict(upgrade_checks=result.as_dicts(), code=result.code, **self.extra_results())

    def extra_results(self):
        """Module-specific return values beside the check results."""
        return {}


class ServiceConfigCheckModule(ServiceConfigMixin, CheckModule):
    """A check that reads one service's configuration on its host.

    ``config`` is read on first use, inside the check, so a missing or
    broken file is an Error of that check.
    """
