# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nova-compute service of a host: enabled or disabled (with a reason), forced down or not.

Planning is pure (``compute_services``, ``plan_service``, ``service_diff``):
from the services nova lists and what is asked, the update each service
needs and the record it will have.  ``ensure_services`` reads nova, plans
every host, and only then writes (one ``PUT /os-services/{id}`` per host
that needs a change, compute API 2.53 or later), so a bad host changes
nothing.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError, MaintenanceError

try:
    from openstack import exceptions as sdk_exceptions
except ImportError:  # the OpenStack base module reports the missing library
    sdk_exceptions = None

COMPUTE_BINARY = 'nova-compute'
# PUT /os-services/{id}: status, disabled_reason and forced_down of one service by id.
SERVICE_UPDATE_MICROVERSION = (2, 53)
# The fields the modules set; ``state`` (up or down) is nova's observation.
SETTABLE = ('status', 'disabled_reason', 'forced_down')


def version_text(version):
    return '%d.%d' % tuple(version[:2])


def require_compute_microversion(conn, version, purpose):
    """Raise CloudError unless the compute API offers ``version`` (a (major, minor) tuple)."""
    data = conn.compute.get_endpoint_data()
    maximum = tuple(data.max_microversion or ()) if data else ()
    if maximum and maximum[:2] >= tuple(version):
        return
    raise CloudError('%s needs the compute API at microversion %s or later; this cloud offers %s. '
                     'Upgrade nova first.' % (purpose, version_text(version),
                                              version_text(maximum) if maximum else 'no microversions'))


def service_record(service):
    """A plain dict of one openstacksdk compute Service."""
    return dict(host=service.host, binary=service.binary, id=service.id, status=service.status,
                state=service.state, forced_down=bool(service.is_forced_down),
                disabled_reason=service.disabled_reason)


def compute_services(services, hosts):
    """{host: record} of the nova-compute service of each of ``hosts``.

    Raises MaintenanceError naming every host that is unknown or runs no
    nova-compute, and the hosts that do.
    """
    binaries = {}
    computes = {}
    for service in services:
        binaries.setdefault(service['host'], []).append(service['binary'])
        if service['binary'] == COMPUTE_BINARY:
            computes.setdefault(service['host'], []).append(service)
    problems = []
    for host in hosts:
        if host not in binaries:
            problems.append('%s (unknown to nova)' % host)
        elif host not in computes:
            problems.append('%s (runs %s, no nova-compute)' % (host, ', '.join(sorted(binaries[host]))))
        elif len(computes[host]) > 1:
            problems.append('%s (%d nova-compute services: one per cell? delete the stale one)'
                            % (host, len(computes[host])))
    if problems:
        raise MaintenanceError(
            'Not a nova-compute host: %s. nova-compute runs on: %s. Nothing was changed.'
            % ('; '.join(problems), ', '.join(sorted(computes)) or 'no host'),
            invalid_hosts=[p.split(' ', 1)[0] for p in problems], computes=sorted(computes))
    return dict((host, computes[host][0]) for host in hosts)


def plan_service(current, state=None, reason=None, forced_down=None):
    """(update, after): the body of the PUT that makes ``current`` as asked ({} when it already is),
    and the record it will have.

    ``state`` is ``enabled``, ``disabled`` or None (leave it); ``reason`` is
    set only with ``disabled`` (None keeps the reason of a disabled service;
    nova clears it when it enables one); ``forced_down`` None leaves it.
    A service forced down is reported ``down`` by nova; the state after
    un-forcing is the one read now (nova tells from its heartbeat).
    """
    update = {}
    if state == 'enabled' and current['status'] != 'enabled':
        update['status'] = 'enabled'
    elif state == 'disabled' and (current['status'] != 'disabled'
                                  or reason is not None and reason != current['disabled_reason']):
        update['status'] = 'disabled'
        if reason is not None:
            update['disabled_reason'] = reason
    if forced_down is not None and forced_down != current['forced_down']:
        update['forced_down'] = forced_down
    after = dict(current)
    if 'status' in update:
        after.update(status=update['status'], disabled_reason=update.get('disabled_reason'))
    if update.get('forced_down'):
        after['state'] = 'down'
    after['forced_down'] = update.get('forced_down', current['forced_down'])
    return update, after


def service_diff(befores, afters):
    """Ansible's ``diff`` of the settable fields, per host."""
    return dict(before=dict((b['host'], dict((k, b[k]) for k in SETTABLE)) for b in befores),
                after=dict((a['host'], dict((k, a[k]) for k in SETTABLE)) for a in afters))


def update_service(conn, service_id, update):
    """PUT one service's update; the record nova answers."""
    return service_record(conn.compute.update_service(service_id, **update))


def ensure_services(conn, hosts, state=None, reason=None, forced_down=None, check_mode=False, services=None):
    """Make the nova-compute service of every host as asked.

    Returns ``(results, diff)``: per host the record after (predicted in check
    mode) with ``changed``.  Every host is validated before any is changed; an
    update that fails names the hosts already changed.  ``services`` are the
    records already read (``conn.compute.services()``), when the caller has them.
    """
    require_compute_microversion(conn, SERVICE_UPDATE_MICROVERSION, 'Updating a nova-compute service')
    if services is None:
        services = [service_record(s) for s in conn.compute.services()]
    current = compute_services(services, hosts)
    plans = [(current[host],) + plan_service(current[host], state, reason, forced_down) for host in hosts]
    results = []
    for before, update, after in plans:
        if update and not check_mode:
            try:
                after = update_service(conn, before['id'], update)
            except sdk_exceptions.SDKException as exc:
                done = [r['host'] for r in results if r['changed']]
                raise MaintenanceError(
                    'Updating nova-compute on %s failed: %s. Already changed: %s.'
                    % (before['host'], exc, ', '.join(done) or 'nothing'),
                    changed=bool(done), services=results)
        results.append(dict(after, changed=bool(update)))
    return results, service_diff([p[0] for p in plans], results)
