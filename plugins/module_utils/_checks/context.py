# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a check reads, built on first use, and what it found.

A check function receives one :class:`CheckContext`.  A config file that is
missing, a database or cloud that cannot be reached raises inside the check,
so it is an Error of that check only.  Within ``check_batch`` the checks
share one ``shared`` cache: one parsed config per project and files, one
nova database object, one openstacksdk connection per connection options.

openstacksdk and SQLAlchemy are imported only by the checks that use them.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import ServiceConfig, files_key


class CheckContext:
    """A check's options, its config, nova's databases, the cloud; ``found``: its extra return values.

    ``run_command`` is the module's ``AnsibleModule.run_command``, for the
    checks that ask a project's own tool.
    """

    def __init__(self, params, project, found, shared=None, run_command=None):
        self.params = params
        self.project = project
        self.found = found
        self._shared = {} if shared is None else shared
        self.run_command = run_command

    def shared(self, key, build):
        """``build()``, once per ``key`` for every check that shares this context's cache."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    def service_config(self, project):
        """``project``'s configuration, from the ``config_files`` / ``config_dir`` options."""
        files, directory = self.params['config_files'], self.params['config_dir']
        return self.shared(('config', project, files_key(files), directory),
                           lambda: ServiceConfig(project, files, directory))

    @property
    def config(self):
        """The configuration of the check's project."""
        return self.service_config(self.project)

    @property
    def database(self):
        """nova's API and cell databases, as nova's configuration names them."""
        from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import NovaDatabase
        config = self.service_config('nova')
        return self.shared(('nova database', id(config)), lambda: NovaDatabase(config))

    @property
    def conn(self):
        """The openstacksdk connection the authentication options describe."""
        from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import connect, connection_kwargs
        kwargs, retries = connection_kwargs(self.params), self.params.get('api_retries')
        return self.shared(('openstack', repr(sorted(kwargs.items())), retries), lambda: connect(kwargs, retries))
