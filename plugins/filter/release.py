# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Each filter is documented in its own file beside this one (release.yml,
# newest_version.yml), as ansible-core documents a file of several filters.

from ansible.errors import AnsibleFilterError

try:
    from packaging.version import InvalidVersion, Version
except ImportError:
    Version = None

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import release_of, series


def release(value, project=None):
    try:
        found = release_of(project, value) if project else series(value)
    except OsopsError as exc:
        raise AnsibleFilterError(exc.msg)
    return found.as_dict() if found else None


def newest_version(versions, below=None):
    """The newest of ``versions`` (strings), optionally only those below ``below``; or None."""
    if Version is None:
        raise AnsibleFilterError('newest_version needs the Python library packaging on the controller')
    parsed = []
    for text in versions:
        try:
            parsed.append((Version(str(text)), text))
        except InvalidVersion:
            continue
    if below is not None:
        limit = Version(str(below))
        parsed = [p for p in parsed if p[0] < limit]
    return max(parsed)[1] if parsed else None


class FilterModule:
    def filters(self):
        return {'release': release, 'newest_version': newest_version}
