# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``store`` option of the modules that read or write the state store.

Documented in the ``osops.lifecycle.store`` doc fragment; ``_store.access``
opens the store it names.
"""

from __future__ import annotations

STORE_ARGUMENT_SPEC = dict(store=dict(type='str'))
