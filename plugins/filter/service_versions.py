# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The versions M(osops.lifecycle.service_version_info) read on the hosts, for
# the discovery's params.host_versions. Each filter is documented in its own
# file beside this one (host_versions.yml, merge_host_versions.yml), as
# ansible-core documents a file of several filters.

from __future__ import annotations


def host_versions(hosts, hostvars, registered):
    found = {}
    for host in hosts:
        result = hostvars[host].get(registered) or {}
        if 'host_versions_entry' in result:
            found[host] = result['host_versions_entry']
    return found


def _merge(base, override):
    """``override`` merged into ``base``, dicts recursively, as ansible.builtin.combine(recursive=true)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            value = _merge(merged[key], value)
        merged[key] = value
    return merged


def merge_host_versions(params, read):
    read = dict((host, versions) for host, versions in read.items() if versions)
    if not read:
        return params
    return dict(params, host_versions=_merge(read, params.get('host_versions') or {}))


class FilterModule:
    def filters(self):
        return {'host_versions': host_versions, 'merge_host_versions': merge_host_versions}
