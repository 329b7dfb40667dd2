# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``upgrade_info`` module: the upgrade role reads the upgrade's status with it at its end.

It runs inside ansible-playbook when the module would run on the controller
with ansible-playbook's own Python (plugin_utils/_in_process.py).
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import InProcessAction


class ActionModule(InProcessAction):
    MODULE = 'upgrade_info'
    MODULE_CLASS = 'UpgradeInfoModule'
