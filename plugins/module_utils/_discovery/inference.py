# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Releases inferred from facts: a project version (``_releases.rules.release_from_version``, the
wording the store also gives a version an upgrade left), a deployment's release tag, an API microversion.

A release is named only when the fact identifies exactly one; otherwise the
answer is None with the reason, never a guess.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import all_series, release_of

try:
    from packaging.version import Version
except ImportError:  # _releases reports it first
    Version = None


def release_from_osa_tag(tag):
    """The series of an openstack-ansible release tag (its venv_tag).

    openstack-ansible numbers its releases as nova does (31.x is 2025.1), so
    the tag's major is looked up in nova's versions.
    """
    found = release_of('nova', tag)
    if found is None:
        return None, 'openstack-ansible venv_tag %s is in no known release' % tag
    return found.id, ('openstack-ansible venv_tag %s is %s (openstack-ansible majors follow nova\'s)'
                      % (tag, found.id))


_MICROVERSION_FIELDS = {'nova': 'nova_max_microversion', 'placement': 'placement_max_microversion'}


def release_from_microversion(project, maximum):
    """``(release id or None, reason)`` from an API's maximum microversion.

    A release is named only when it is the one release whose recorded maximum
    equals ``maximum`` and the release after it has a recorded maximum too
    (each release may add microversions, so an unrecorded later one could
    answer the same).  Releases that share a maximum (nova 2.100 is 2025.1
    and 2025.2; placement answers 1.39 from 2022.1 on) are named as
    candidates in the reason, never picked from.
    """
    field = _MICROVERSION_FIELDS.get(project)
    if field is None or maximum is None:
        return None, None
    known = [s for s in all_series() if s.projects]
    observed = Version(maximum)
    matches = [s for s in known if getattr(s, field) == observed]
    if len(matches) > 1:
        return None, ('%s API maximum microversion %s is the maximum of %s: the API alone cannot tell '
                      'them apart; pass params.versions or params.host_versions'
                      % (project, maximum, ' and '.join(s.id for s in matches)))
    if matches:
        position = known.index(matches[0])
        later = known[position + 1:]
        if not later or getattr(later[0], field) is not None:
            return matches[0].id, ('%s API maximum microversion %s is the maximum of %s only'
                                   % (project, maximum, matches[0].id))
        return None, ('%s API maximum microversion %s is the maximum of %s, and %s, whose maximum is not '
                      'recorded, may answer the same' % (project, maximum, matches[0].id, later[0].id))
    recorded = ', '.join('%s in %s' % (getattr(s, field), s.id) for s in known if getattr(s, field))
    return None, ('%s API maximum microversion %s identifies no release: the recorded maximums are %s'
                  % (project, maximum, recorded or 'none'))
