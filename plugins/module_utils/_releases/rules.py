# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenStack release series and the upgrade paths between them.

Pure functions over the facts in ``_release_data``: look a series up by name
or id, find which series shipped a project version, and tell whether an
upgrade from one series to another is supported.

Upgrade rules (OpenStack's SLURP cadence), all decided by
:func:`check_upgrade_path`: one release forward (N -> N+1) is supported; a
SLURP release may also go to the next SLURP release, skipping the one
non-SLURP release between them; nothing goes further, nothing goes backwards,
and nothing goes to a release that is not released yet (its release date, in
the data, is after today).

Versions are parsed with ``packaging``.
"""

from __future__ import annotations

import datetime
import functools
from collections import namedtuple
from dataclasses import dataclass, field
from types import MappingProxyType

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.data import SERIES

try:
    from packaging.version import InvalidVersion, Version
except ImportError as exc:
    PACKAGING_IMPORT_ERROR = str(exc)
else:
    PACKAGING_IMPORT_ERROR = None


class ReleaseError(OsopsError):
    """An unknown release, or a version that cannot be parsed."""


@dataclass(frozen=True, order=True)
class Series:
    """One OpenStack release series.  Series order by release (oldest first)."""

    index: int
    name: str = field(compare=False)
    id: str = field(compare=False)
    official_id: bool = field(compare=False)
    slurp: bool = field(compare=False)
    released: datetime.date = field(compare=False)
    status: str = field(compare=False)
    eol: datetime.date | None = field(compare=False)
    # project -> (first Version, last Version) shipped in this series
    projects: MappingProxyType = field(compare=False)
    nova_compute_service_version: int | None = field(compare=False)
    # The oldest nova-compute service version this release's control plane accepts.
    nova_oldest_compute_service_version: int | None = field(compare=False)
    nova_min_placement_microversion: Version | None = field(compare=False)
    nova_max_microversion: Version | None = field(compare=False)
    placement_max_microversion: Version | None = field(compare=False)

    def __str__(self):
        return self.id

    def as_dict(self):
        """The series as plain data, for a module's return value."""
        return {
            'name': self.name,
            'id': self.id,
            'official_id': self.official_id,
            'slurp': self.slurp,
            'released': self.released.isoformat(),
            'status': self.status,
            'eol': _optional(datetime.date.isoformat, self.eol),
            'projects': dict((project, {'first': str(first), 'last': str(last)})
                             for project, (first, last) in self.projects.items()),
            'nova_compute_service_version': self.nova_compute_service_version,
            'nova_oldest_compute_service_version': self.nova_oldest_compute_service_version,
            'nova_min_placement_microversion': _optional(str, self.nova_min_placement_microversion),
            'nova_max_microversion': _optional(str, self.nova_max_microversion),
            'placement_max_microversion': _optional(str, self.placement_max_microversion),
        }


def _optional(parse, value):
    return None if value is None else parse(value)


def _build(rows):
    """Parse the data rows into Series records, oldest first."""
    return tuple(
        Series(
            index=index,
            name=row['name'],
            id=row['id'],
            official_id=row['official_id'],
            slurp=row['slurp'],
            released=datetime.date.fromisoformat(row['released']),
            status=row['status'],
            eol=_optional(datetime.date.fromisoformat, row['eol']),
            projects=MappingProxyType(dict(
                (project, (Version(first), Version(last)))
                for project, (first, last) in row['projects'].items())),
            nova_compute_service_version=row['nova_compute_service_version'],
            nova_oldest_compute_service_version=row['nova_oldest_compute_service_version'],
            nova_min_placement_microversion=_optional(Version, row['nova_min_placement_microversion']),
            nova_max_microversion=_optional(Version, row['nova_max_microversion']),
            placement_max_microversion=_optional(Version, row['placement_max_microversion']),
        )
        for index, row in enumerate(rows))


@functools.lru_cache(maxsize=None)
def all_series():
    """Every known series, oldest first (a tuple)."""
    if PACKAGING_IMPORT_ERROR is not None:
        raise ReleaseError('The Python library packaging is required on the controller: %s'
                           % PACKAGING_IMPORT_ERROR)
    return _build(SERIES)


def series(name_or_id):
    """The series named ``name_or_id`` (``2026.1``, ``gazpacho``, ``Gazpacho``).

    A :class:`Series` is returned as it is.  Raises :class:`ReleaseError`
    naming the known releases when there is no such series.
    """
    if isinstance(name_or_id, Series):
        return name_or_id
    key = str(name_or_id).strip().lower()
    for candidate in all_series():
        if key in (candidate.id, candidate.name):
            return candidate
    raise ReleaseError('Unknown OpenStack release %r; known releases: %s.' % (
        name_or_id, ', '.join('%s (%s)' % (s.id, s.name) for s in all_series())))


def release_of(project, version):
    """The series that shipped ``version`` of ``project``, or None.

    Matched on the major version, so any point release or development version
    of a series' major maps to that series.  Raises :class:`ReleaseError` when
    ``version`` is not a version at all.
    """
    known = all_series()
    try:
        major = Version(str(version)).major
    except InvalidVersion:
        raise ReleaseError('%s version %r is not a version (expected something like 29.2.1).'
                           % (project, version))
    for candidate in known:
        shipped = candidate.projects.get(project)
        if shipped and shipped[0].major <= major <= shipped[1].major:
            return candidate
    return None


def release_from_version(project, version):
    """``(release id or None, reason)`` for a version of ``project``: what discovery records, and what the
    store records of a version an upgrade left on a host."""
    found = release_of(project, version)
    if found is None:
        return None, ('%s %s is in no release the release data knows (%s)'
                      % (project, version, ', '.join(s.id for s in all_series() if s.projects)))
    return found.id, '%s %s shipped in %s' % (project, version, found.id)


def _join(names):
    names = list(names)
    if len(names) < 2:
        return ''.join(names)
    return '%s and %s' % (', '.join(names[:-1]), names[-1])


UpgradePath = namedtuple('UpgradePath', 'allowed rule reason')
UpgradePath.__doc__ = """Whether an upgrade may go ahead (``allowed``), the rule that decided, and the reason."""

# The rules, in the order they are applied: the first that refuses decides.
ALLOWED_RULES = ('next', 'slurp')
REFUSED_RULES = ('same', 'backwards', 'too_far', 'unreleased')


def check_upgrade_path(source, target, today=None):
    """Whether an upgrade from ``source`` to ``target`` is supported: THE rule, every caller asks it.

    Both are series names, ids or :class:`Series`; ``today`` (a date, default
    today's) tells which releases are out: a release is released on its
    ``released`` date.  Returns an :class:`UpgradePath`: ``allowed``, ``rule``
    and ``reason`` (a sentence an operator reads either way).  ``rule`` is
    ``next`` (N→N+1) or ``slurp`` (a SLURP release to the next SLURP release,
    skipping the one non-SLURP release between them) when allowed; when
    refused, the first that applies of ``same``, ``backwards``, ``too_far``
    (anything longer) and ``unreleased`` (a target not released on ``today``).
    """
    source, target = series(source), series(target)
    today = today or datetime.date.today()
    arrow = '%s → %s' % (source.id, target.id)
    if target == source:
        return UpgradePath(False, 'same', '%s is not an upgrade: both are the same release.' % arrow)
    if target < source:
        return UpgradePath(False, 'backwards', '%s goes backwards: downgrades are not supported.' % arrow)
    skipped = all_series()[source.index + 1:target.index]
    if not skipped:
        allowed = UpgradePath(True, 'next', '%s is one release forward (N→N+1).' % arrow)
    elif source.slurp and target.slurp and len(skipped) == 1 and not skipped[0].slurp:
        allowed = UpgradePath(True, 'slurp', '%s goes from a SLURP release to the next SLURP release, skipping %s.'
                              % (arrow, skipped[0].id))
    else:
        return UpgradePath(False, 'too_far', _too_far(arrow, source, skipped))
    if target.released > today:
        return UpgradePath(False, 'unreleased', '%s: %s is not released yet (planned for %s).'
                           % (arrow, target.id, target.released.isoformat()))
    return allowed


def _too_far(arrow, source, skipped):
    if source.slurp and not skipped[0].slurp:
        # Skipping the release right after a SLURP release is allowed: name
        # only the releases the path skips beyond that.
        skipped = skipped[1:]
    reason = '%s skips %s: only N→N+1 or SLURP→next SLURP is supported' % (
        arrow, _join('%s (SLURP)' % s.id if s.slurp else s.id for s in skipped))
    if not source.slurp:
        reason += '; %s is not a SLURP release, so it only upgrades to %s' % (
            source.id, all_series()[source.index + 1].id)
    return reason + '.'


def upgrade_paths(source, today=None):
    """The series ``source`` can be upgraded to, oldest first."""
    source = series(source)
    return [s for s in all_series()[source.index + 1:] if check_upgrade_path(source, s, today).allowed]


def release_of_nova_service_version(version):
    """The series whose nova services record service version ``version``.

    Returns ``(series, note)``.  Matched on the measured
    ``nova_compute_service_version`` of each series (one number per nova
    release, written by every nova binary):

    * an exact match is that series; the note says when the series before
      it is not measured (it may record the same number);
    * a number between two measured series is the older one, with a note
      (a development or patched nova, or a release in between);
    * anything else - no version, 0, below the oldest or above the newest
      measured series - is ``(None, reason)``.
    """
    measured = [s for s in all_series() if s.nova_compute_service_version is not None]
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        return None, 'no service version recorded (%r)' % (version,)
    if version <= 0:
        return None, ('service version %d: the service never recorded a version '
                      '(nova writes it when the service starts)' % version)
    known = ', '.join('%d=%s' % (s.nova_compute_service_version, s.id) for s in measured)
    for index, candidate in enumerate(measured):
        if candidate.nova_compute_service_version == version:
            previous = all_series()[candidate.index - 1] if candidate.index else None
            if previous is not None and previous.nova_compute_service_version is None:
                return candidate, (
                    'service version %d is %s\'s (measured); %s\'s is not measured and may '
                    'be the same number' % (version, candidate.id, previous.id))
            return candidate, None
        if candidate.nova_compute_service_version > version:
            if index == 0:
                return None, ('service version %d is older than any release this collection '
                              'has measured (%s)' % (version, known))
            older = measured[index - 1]
            return older, (
                'service version %d lies between %s (%d) and %s (%d): taken as the older, %s'
                % (version, older.id, older.nova_compute_service_version, candidate.id,
                   candidate.nova_compute_service_version, older.id))
    return None, ('service version %d is newer than any release this collection has '
                  'measured (%s)' % (version, known))
