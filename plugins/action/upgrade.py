# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``upgrade`` module: the upgrade role starts, continues and rolls back with it.

It runs inside ansible-playbook when the module would run on the controller
with ansible-playbook's own Python (plugin_utils/_in_process.py).
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = 'upgrade'
    MODULE_CLASS = 'UpgradeModule'
