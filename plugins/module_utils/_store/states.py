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
    # A paused or failed upgrade can also be cancelled: it stays where it stopped.
    'paused': ('running', 'cancelling', 'rolling_back'),
    # cancelling lasts while the batch that was running finishes.
    'cancelling': ('cancelled',),
    'cancelled': ('rolling_back',),
    # continue after a fix retries the failed step; or roll back.
    'failed': ('running', 'cancelling', 'rolling_back'),
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

# The phases of an upgrade plan, in order (``_upgrade.planner`` builds them).
PHASES = ('prepare', 'expand', 'control', 'compute', 'finalize')
# Phases whose steps change the code a host runs: what a rollback reverts.
# prepare and expand steps stay done (the expanded schema stays: the old
# code runs on it).
CODE_PHASES = ('control', 'compute')
# Once a step of this phase has started, a rollback is refused: the contract
# steps remove what the old code needs.
NO_RETURN_PHASE = 'finalize'

# Maintenance session states after which a host is back in service (Fenix's final states).
FINISHED_SESSION_STATES = ('MAINTENANCE_DONE', 'MAINTENANCE_FAILED')
