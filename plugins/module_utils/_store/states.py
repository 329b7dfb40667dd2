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
# A prepare or expand step a crash left running when a rollback starts: it will never run again.
CUT_SHORT = 'cut short (its controller stopped while it ran); not run again: the upgrade was rolled back'

# Maintenance sessions: Fenix's states, plus SCHEDULED (created to start at maintenance_at).
# MAINTENANCE is Fenix's initial state: created, nothing run yet.  A session is in the state of the
# phase of the steps it runs: PREPARE_MAINTENANCE (downloads, pre actions), PLANNED_MAINTENANCE (the
# hosts, batch after batch), MAINTENANCE_COMPLETE (post actions).  A failed step fails the session;
# continuing it (Fenix's update) returns it to the phase of the step that failed.
SESSION_TRANSITIONS = {
    'SCHEDULED': ('MAINTENANCE',),
    'MAINTENANCE': ('PREPARE_MAINTENANCE', 'PLANNED_MAINTENANCE'),
    'PREPARE_MAINTENANCE': ('PLANNED_MAINTENANCE', 'MAINTENANCE_FAILED'),
    'PLANNED_MAINTENANCE': ('MAINTENANCE_COMPLETE', 'MAINTENANCE_DONE', 'MAINTENANCE_FAILED'),
    'MAINTENANCE_COMPLETE': ('MAINTENANCE_DONE', 'MAINTENANCE_FAILED'),
    'MAINTENANCE_FAILED': ('PREPARE_MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_COMPLETE'),
    'MAINTENANCE_DONE': (),
}
# The session state while it runs steps of a phase.
SESSION_PHASE_STATES = {'prepare': 'PREPARE_MAINTENANCE', 'host': 'PLANNED_MAINTENANCE',
                        'complete': 'MAINTENANCE_COMPLETE'}
# States in which steps may be claimed (the first claim starts a MAINTENANCE session).
RUNNABLE_SESSION_STATES = ('MAINTENANCE', 'PREPARE_MAINTENANCE', 'PLANNED_MAINTENANCE', 'MAINTENANCE_COMPLETE')
# A scheduled session holds its hosts but has not touched them: its cluster is not in maintenance yet.
WAITING_SESSION_STATES = ('SCHEDULED',)
# Every host of a session that is not finished stays in it (one active session per host), a failed
# session included: it is continued, or deleted with force once the role re-enabled its hosts.
FINISHED_SESSION_STATES = ('MAINTENANCE_DONE',)

# Every allowed change of a session step's status.  A step found ``running`` is claimed again (the
# controller died during it); a failed one becomes pending again when its session is continued.
SESSION_STEP_TRANSITIONS = {
    'pending': ('running',),
    'running': ('running', 'done', 'failed', 'skipped'),
    'done': (),
    'failed': ('pending',),
    'skipped': (),
}
# How a step ends.
STEP_OUTCOMES = ('done', 'failed', 'skipped')
# A host's state in its session: running from its first claimed step of the host phase (out of service),
# failed with a failed one, done once every step of it is done or skipped.
MAINTENANCE_HOST_TRANSITIONS = {
    'pending': ('running',),
    'running': ('done', 'failed'),
    'failed': ('running',),
    'done': (),
}
