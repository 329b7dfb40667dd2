# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The base class every module of the collection subclasses.

``OsopsModule`` owns the edges: it builds the AnsibleModule from the class's
``argument_spec`` and ``module_kwargs``, calls ``run()``, and turns the typed
errors module_utils raise into one ``fail_json``.

Standard library only (plus ansible-core): host-side modules use it.
The OpenStack-facing base is ``_base.openstack``.
"""

from __future__ import annotations

import getpass
import os
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError


class OsopsModule:
    """Base of every module: a declaration and a short ``run()``."""

    argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        self.ansible = AnsibleModule(argument_spec=self.full_argument_spec(), **self.module_kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self.setup()

    def setup(self):
        """Once the options are read, before validate(): e.g. add secrets to hide (``self.ansible.no_log_values``)."""

    def full_argument_spec(self):
        """Every option of the module: its own and its bases' (authentication, config files)."""
        return dict(self.argument_spec)

    @staticmethod
    def actor():
        """Who runs this module, for the records it writes: ``user@host`` of the process."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for the uid (a container's arbitrary user)
            user = 'uid-%d' % os.getuid()
        return '%s@%s' % (user, socket.gethostname())

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
