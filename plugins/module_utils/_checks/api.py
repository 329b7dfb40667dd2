# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read OpenStack APIs: functions of a :class:`CheckContext`.

``_checks.registry`` names them (and their options) per check module.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import (
    api_max_microversion,
    catalog_endpoint,
    required_microversion,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning


def microversion_option(params):
    """Refuse a ``required_microversion`` that is not a microversion (OptionError)."""
    required_microversion(params)


def list_limit_option(params):
    """Refuse a ``list_limit`` below 1 (OptionError)."""
    if params['list_limit'] < 1:
        raise OptionError('list_limit', params['list_limit'], 'a number of instances of 1 or more')


def _api_version(ctx, name, service_type, proxy, found, missing, too_old):
    """Whether ``service_type`` is in the catalog, answers, and offers ``required_microversion``.

    What it finds goes in ``found``; ``missing`` is the outcome without an
    endpoint, ``too_old`` the details of a Failure (``{required}``, ``{maximum}``).
    """
    found['endpoint'] = catalog_endpoint(ctx.conn, service_type)
    if not found['endpoint']:
        return missing
    maximum, problem = api_max_microversion(ctx.conn, proxy, found['endpoint'])
    if problem:
        return failure('%s: %s' % (name, problem))
    found['max_microversion'] = str(maximum)
    required = required_microversion(ctx.params)
    if maximum < required:
        return failure(too_old.format(required=required, maximum=maximum))
    return success()


# --- check_placement_api ---------------------------------------------------
def placement_api(ctx):
    return _api_version(
        ctx, 'Placement API', 'placement', 'placement', ctx.found['placement'],
        missing=failure('Placement API endpoint not found in the service catalog (interface %s). Register the '
                        'placement service and its endpoints in keystone.' % ctx.params['interface']),
        too_old='Placement API version {required} needed, you have {maximum}. Upgrade placement before nova.')


# --- check_cinder_api ------------------------------------------------------
def cinder_api(ctx):
    return _api_version(
        ctx, 'Cinder API', 'block-storage', 'block_storage', ctx.found['cinder'],
        missing=success('Cinder is not in the service catalog; nothing to check.'),
        too_old='Cinder API {required} or greater is required, it offers {maximum}. Upgrade cinder before nova.')


# --- check_services --------------------------------------------------------
def _compute(conn):
    return [dict(binary=s.binary, host=s.host, up=s.state == 'up',
                 enabled=s.status == 'enabled', reason=s.disabled_reason)
            for s in conn.compute.services()]


def _network(conn):
    return [dict(binary=a.binary, host=a.host, up=bool(a.is_alive),
                 enabled=bool(a.is_admin_state_up), reason=None)
            for a in conn.network.agents()]


def _volume(conn):
    return [dict(binary=s.binary, host=s.host, up=s.state == 'up',
                 enabled=s.status == 'enabled', reason=s.disabled_reason)
            for s in conn.block_storage.services()]


# project -> (catalog service type, lister)
SOURCES = {
    'nova': ('compute', _compute),
    'neutron': ('network', _network),
    'cinder': ('block-storage', _volume),
}


def _service_label(service):
    return '%s on %s' % (service['binary'], service['host'])


def judge_services(services):
    """The outcome for one project's services (pure, so it is tested alone)."""
    down = [s for s in services if s['enabled'] and not s['up']]
    disabled = [s for s in services if not s['enabled']]
    if down:
        return failure('Enabled but down: %s. Start them or disable them with a reason '
                       'before the upgrade.' % ', '.join(_service_label(s) for s in down))
    if disabled:
        return warning('Disabled: %s. Enable them, or keep them out of the upgrade '
                       'on purpose.' % ', '.join(
                           _service_label(s) + (' (%s)' % s['reason'] if s['reason'] else '')
                           for s in disabled))
    return success()


def services(ctx, project):
    """The services of ``project`` (one result per project of ``SOURCES``)."""
    service_type, lister = SOURCES[project]
    if not catalog_endpoint(ctx.conn, service_type):
        return success('%s (%s) is not in the service catalog; nothing to check.' % (project, service_type))
    found = lister(ctx.conn)
    ctx.found['services'].extend(dict(s, project=project) for s in found)
    return judge_services(found)


# --- check_instance_states -------------------------------------------------
# Server statuses of an operation in flight (compute API server statuses).
IN_FLIGHT = frozenset(('BUILD', 'MIGRATING', 'RESIZE', 'REVERT_RESIZE', 'REBUILD',
                       'REBOOT', 'HARD_REBOOT', 'PASSWORD', 'RESCUE'))
NEEDS_DECISION = frozenset(('VERIFY_RESIZE', 'ERROR'))


def _describe_servers(servers, limit):
    by_state = {}
    for server in servers:
        state = server['status'] + ('/%s' % server['task_state'] if server['task_state'] else '')
        by_state.setdefault(state, []).append(server['id'])
    return '; '.join('%d %s (%s%s)' % (len(ids), state, ', '.join(ids[:limit]),
                                       ', ...' if len(ids) > limit else '')
                     for state, ids in sorted(by_state.items()))


def judge_instances(servers, limit=5):
    """The outcome for a list of server dicts (id, status, task_state)."""
    busy = [s for s in servers if s['task_state'] or s['status'] in IN_FLIGHT]
    waiting = [s for s in servers if s not in busy and s['status'] in NEEDS_DECISION]
    if busy:
        return failure('Operations in flight: %s. Wait for them to finish, or resolve them, '
                       'before restarting nova.' % _describe_servers(busy, limit))
    if waiting:
        return warning('Waiting for an operator: %s. Confirm or revert resizes; rebuild, '
                       'reset or delete servers in ERROR.' % _describe_servers(waiting, limit))
    return success()


def instance_states(ctx):
    servers = [dict(id=s.id, status=s.status, task_state=s.task_state)
               for s in ctx.conn.compute.servers(details=True, all_projects=True)]
    ctx.found['instances'] = [s for s in servers if s['task_state'] or s['status'] in IN_FLIGHT | NEEDS_DECISION]
    return judge_instances(servers, ctx.params['list_limit'])
