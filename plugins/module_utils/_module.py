# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Base classes every module of the collection subclasses.

``OsopsModule`` owns the edges: it builds the AnsibleModule from the class's
``argument_spec`` and ``module_kwargs``, calls ``run()``, and turns the typed
errors module_utils raise into one ``fail_json``.  ``CheckModule`` runs the
readiness checks a module declares and returns them in the check model.

Standard library only (plus ansible-core): host-side modules use these.
The OpenStack-facing base lives in ``_openstack``.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import run_checks
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service_config import ServiceConfig


def files_key(files):
    """A hashable key for a ``config_files`` option (None, the default, differs from [])."""
    return None if files is None else tuple(files)


class OsopsModule:
    """Base of every module: a declaration and a short ``run()``."""

    argument_spec = {}
    module_kwargs = {}

    def __init__(self, params=None, batch=None):
        """Build the module from Ansible's arguments, or as one check of a batch.

        ``check_batch`` runs several check classes in one process: it validates
        each one's ``params`` itself and passes its own module as ``batch``,
        whose AnsibleModule (no_log values, warnings, check mode) they share.
        """
        if batch is None:
            self.ansible = AnsibleModule(argument_spec=self.full_argument_spec(),
                                         **self.module_kwargs)
            self.params = self.ansible.params
        else:
            self.ansible = batch.ansible
            self.params = params
        self.batch = batch
        self.check_mode = self.ansible.check_mode

    @classmethod
    def full_argument_spec(cls):
        """Every option of the module: its own and its bases' (authentication, config files)."""
        return dict(cls.argument_spec)

    def shared(self, key, build):
        """``build()``, once per ``key`` for every check of a batch (a config, a database, a connection)."""
        if self.batch is None:
            return build()
        return self.batch.shared(key, build)

    def validate(self):
        """Check option values the argument spec cannot express; raise OptionError."""

    def run(self):
        raise NotImplementedError

    def exit_json(self, **result):
        result.setdefault('changed', False)
        self.ansible.exit_json(**result)

    def fail_json(self, msg, **result):
        self.ansible.fail_json(msg=msg, **result)

    def __call__(self):
        try:
            self.validate()
            self.run()
        except OsopsError as exc:
            self.fail_json(exc.msg, **exc.result)


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


class ServiceConfigMixin:
    """The ``config_files`` / ``config_dir`` options and the config they name.

    The options are documented in the ``osops.lifecycle.service_config`` doc
    fragment.  ``config`` is read on first use.
    """

    config_argument_spec = dict(
        config_files=dict(type='list', elements='path'),
        config_dir=dict(type='path'),
    )

    @classmethod
    def full_argument_spec(cls):
        spec = dict(cls.config_argument_spec)
        spec.update(cls.argument_spec)
        return spec

    @property
    def config(self):
        if getattr(self, '_config', None) is None:
            self._config = self.shared(
                ('config', self.project, files_key(self.params['config_files']), self.params['config_dir']),
                lambda: ServiceConfig(self.project, self.params['config_files'], self.params['config_dir']))
        return self._config


class ServiceConfigCheckModule(ServiceConfigMixin, CheckModule):
    """A check that reads one service's configuration on its host.

    ``config`` is read on first use, inside the check, so a missing or
    broken file is an Error of that check.
    """


class ServiceConfigModule(ServiceConfigMixin, OsopsModule):
    """A module (not a check) that reads one service's configuration on its host.

    A missing or broken file fails the module with the reason.
    """
