# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the planner needs, read from the cloud through an openstacksdk connection.

- nova's compute services: host, availability zone, and whether the host can
  take instances (enabled and up);
- placement: each compute's resource provider (named after the host), its
  inventories and usages;
- nova's servers of every project (one paginated listing, flavors embedded
  from microversion 2.47): host and resources, from the flavor as nova asks
  placement for them (VCPU, MEMORY_MB, DISK_GB: root disk unless booted from
  a volume, ephemeral, swap in GiB rounded up; ``resources:*`` extra specs
  override them);
- server groups of every project, with their members and policy.

Placement has no bulk read of inventories: two GETs per compute, four at a
time.  The JSON is read as it is, without building openstacksdk resources.
"""

from __future__ import annotations

import concurrent.futures
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError

# Flavors embedded in servers (2.47); server groups with one ``policy`` (2.64).
SERVERS_MICROVERSION = '2.47'
SERVER_GROUPS_MICROVERSION = '2.64'
PAGE = 1000
PARALLEL_READS = 4


def _get(proxy, what, path, params=None, microversion=None):
    # pylint: disable=import-outside-toplevel
    from keystoneauth1 import exceptions as ksa_exceptions
    from openstack import exceptions as sdk_exceptions
    try:
        response = proxy.get(path, params=params, microversion=microversion)
        sdk_exceptions.raise_from_response(response)  # the proxy does not raise on HTTP errors
        return response.json()
    except sdk_exceptions.HttpException as exc:
        raise CloudError('Cannot read %s (GET %s): HTTP %s, %s' % (what, path, exc.status_code, exc.details or exc)) from None
    except (ksa_exceptions.ClientException, sdk_exceptions.SDKException) as exc:
        raise CloudError('Cannot read %s (GET %s): %s' % (what, path, exc)) from None
    except ValueError:
        raise CloudError('Cannot read %s: GET %s did not answer JSON.' % (what, path)) from None


def _listing(proxy, what, path, key, params=None, microversion=None):
    """Every item of a listing that pages with ``<key>_links`` (rel next)."""
    items, params = [], dict(params or {})
    while True:
        body = _get(proxy, what, path, params, microversion)
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise CloudError('Cannot read %s: GET %s has no %s list.' % (what, path, key))
        items.extend(page)
        following = [link.get('href') for link in body.get(key + '_links') or []
                     if isinstance(link, dict) and link.get('rel') == 'next' and link.get('href')]
        if not following or not page:
            return items
        params = dict(parse_qsl(urlsplit(following[0]).query, keep_blank_values=True))


def _server_groups(compute):
    """Server groups of every project (they page with limit and offset, without links)."""
    groups, offset = [], 0
    while True:
        page = _listing(compute, 'server groups', '/os-server-groups', 'server_groups',
                        {'all_projects': 'True', 'limit': PAGE, 'offset': offset}, SERVER_GROUPS_MICROVERSION)
        groups.extend(page)
        if len(page) < PAGE:
            return groups
        offset += len(page)


def flavor_resources(flavor, volume_backed):
    """What an instance of ``flavor`` (as embedded in a server) takes from placement."""
    flavor = flavor or {}
    swap = flavor.get('swap') or 0
    resources = {'VCPU': flavor.get('vcpus') or 0, 'MEMORY_MB': flavor.get('ram') or 0,
                 'DISK_GB': (0 if volume_backed else flavor.get('disk') or 0) + (flavor.get('ephemeral') or 0)
                 + (int(swap) + 1023) // 1024}
    for key, value in (flavor.get('extra_specs') or {}).items():
        if key.startswith('resources:'):
            try:
                resources[key[len('resources:'):]] = int(value)
            except ValueError:
                continue  # nova refuses such a flavor; nothing to count
    return dict((rc, amount) for rc, amount in resources.items() if amount)


def _provider_room(placement, uuid):
    inventories = _get(placement, 'inventories of resource provider %s' % uuid,
                       '/resource_providers/%s/inventories' % uuid).get('inventories') or {}
    usages = _get(placement, 'usages of resource provider %s' % uuid,
                  '/resource_providers/%s/usages' % uuid).get('usages') or {}
    return inventories, usages


def read_capacity(conn):
    """``(hosts, instances)`` of the cloud, as ``planner.plan_maintenance`` takes them."""
    services = [s for s in _listing(conn.compute, 'compute services', '/os-services', 'services',
                                    {'binary': 'nova-compute'}) if s.get('binary') == 'nova-compute']
    providers = dict((p.get('name'), p.get('uuid')) for p in _listing(
        conn.placement, 'resource providers', '/resource_providers', 'resource_providers'))
    short = dict((name.split('.')[0], uuid) for name, uuid in providers.items() if name)
    uuids = dict((s['host'], providers.get(s['host']) or short.get(s['host'].split('.')[0])) for s in services)
    with concurrent.futures.ThreadPoolExecutor(PARALLEL_READS) as pool:
        rooms = dict(zip(uuids, pool.map(lambda uuid: _provider_room(conn.placement, uuid) if uuid else ({}, {}),
                                         uuids.values())))
    hosts = [{'name': s['host'], 'az': s.get('zone'), 'enabled': s.get('status') == 'enabled' and s.get('state') == 'up',
              'inventories': rooms[s['host']][0], 'usages': rooms[s['host']][1]} for s in services]
    groups = {}
    for group in _server_groups(conn.compute):
        policy = group.get('policy') or (group.get('policies') or [None])[0]
        for member in group.get('members') or []:
            groups.setdefault(member, []).append({'id': group.get('id'), 'policy': policy})
    flavors, instances = {}, []
    for server in _listing(conn.compute, 'servers', '/servers/detail', 'servers',
                           {'all_tenants': 'True', 'limit': PAGE}, SERVERS_MICROVERSION):
        resources = flavor_resources(server.get('flavor'), not server.get('image'))
        resources = flavors.setdefault(tuple(sorted(resources.items())), resources)  # one dict per flavor
        instances.append({'id': server.get('id'), 'host': server.get('OS-EXT-SRV-ATTR:host'), 'resources': resources,
                          'server_groups': groups.get(server.get('id'), [])})
    return hosts, instances
