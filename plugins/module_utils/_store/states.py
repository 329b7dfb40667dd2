# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The states of upgrades, their steps and maintenance sessions, and the changes allowed between them.

Pure data: the store's compare-and-set writers enforce these tables, and the
upgrade engine and maintenance workflow read them, without importing
SQLAlchemy.
"""

from __future__ import annotations

# Every allowed upgrade status change, in one place.
UPGRADE_TRANSITIONS = {
    # A plan that never started can be dropped without a rollback.
    'pending': ('running', 'cancelled'),
    'running': ('paused', 'cancelling', 'failed', 'rolling_back', 'completed'),
    'paused': ('running', 'rolling_back'),
    'cancelling': ('cancelled',),
    'cancelled': ('rolling_back',),
    # continue after a fix retries the failed step; or roll back.
    'failed': ('running', 'rolling_back'),
    'rolling_back': ('rolled_back',),
    'rolled_back': (),
    'completed': (),
}

# Every allowed step status change.  A step found ``running`` is run again
# (the controller died during it: driver steps are idempotent); rollback
# reverts whatever a step may have changed.
STEP_TRANSITIONS = {
    'pending': ('running',),
    'running': ('running', 'done', 'failed', 'reverted'),
    'done': ('reverted',),
    'failed': ('running', 'reverted'),
    'reverted': (),
}

# Maintenance session states after which a host is back in service (Fenix's final states).
FINISHED_SESSION_STATES = ('MAINTENANCE_DONE', 'MAINTENANCE_FAILED')
