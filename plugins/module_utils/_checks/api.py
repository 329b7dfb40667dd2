# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read OpenStack APIs (one class per check module).

The check modules (``check_placement_api`` ...) and ``check_batch`` run
these classes; they live here so that one process can run several.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack import (
    OpenStackModule,
    api_max_microversion,
    catalog_endpoint,
    required_microversion,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule


class OpenStackCheckModule(OpenStackModule, CheckModule):
    """A readiness-check module that reads OpenStack APIs.

    Malformed options fail the module.  A cloud that cannot be loaded,
    reached or authenticated against is recorded as an Error of each check
    that needed it, so a run still reports every other check.
    """


class ApiMicroversionCheckModule(OpenStackCheckModule):
    """A check that an API is in the catalog, answers, and offers a microversion.

    Subclasses name the ``service_type``, the openstacksdk ``proxy``, the
    ``check_name`` and the ``result_key`` of what was found, and say what a
    missing endpoint and a too-old API mean.  The ``required_microversion``
    option (with the subclass's default) is in their argument spec.
    """

    project = 'nova'
    service_type = proxy = check_name = result_key = None

    def validate(self):
        super().validate()
        self.required = required_microversion(self.params)

    def checks(self):
        self.found = dict(endpoint=None, max_microversion=None)
        return [(self.check_name, self.check_api)]

    def missing(self):
        """The outcome when the catalog has no endpoint of ``service_type``."""
        raise NotImplementedError

    def too_old(self, maximum):
        """The outcome when the API's maximum microversion is below the required one."""
        raise NotImplementedError

    def check_api(self):
        self.found['endpoint'] = catalog_endpoint(self.conn, self.service_type)
        if not self.found['endpoint']:
            return self.missing()
        maximum, problem = api_max_microversion(self.conn, self.proxy, self.found['endpoint'])
        if problem:
            return failure('%s: %s' % (self.check_name, problem))
        self.found['max_microversion'] = str(maximum)
        if maximum < self.required:
            return self.too_old(maximum)
        return success()

    def extra_results(self):
        return {self.result_key: self.found}


# --- check_placement_api ---------------------------------------------------
class CheckPlacementApiModule(ApiMicroversionCheckModule):
    argument_spec = dict(
        required_microversion=dict(type='str', default='1.36'),
    )

    service_type = 'placement'
    proxy = 'placement'
    check_name = 'Placement API'
    result_key = 'placement'

    def missing(self):
        return failure('Placement API endpoint not found in the service catalog '
                       '(interface %s). Register the placement service and its endpoints '
                       'in keystone.' % self.params['interface'])

    def too_old(self, maximum):
        return failure('Placement API version %s needed, you have %s. Upgrade placement '
                       'before nova.' % (self.required, maximum))


# --- check_cinder_api ------------------------------------------------------
class CheckCinderApiModule(ApiMicroversionCheckModule):
    argument_spec = dict(
        required_microversion=dict(type='str', default='3.44'),
    )

    service_type = 'block-storage'
    proxy = 'block_storage'
    check_name = 'Cinder API'
    result_key = 'cinder'

    def missing(self):
        return success('Cinder is not in the service catalog; nothing to check.')

    def too_old(self, maximum):
        return failure('Cinder API %s or greater is required, it offers %s. Upgrade cinder '
                       'before nova.' % (self.required, maximum))


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
SOURCES = (
    ('nova', 'compute', _compute),
    ('neutron', 'network', _network),
    ('cinder', 'block-storage', _volume),
)


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


class CheckServicesModule(OpenStackCheckModule):
    check_name = 'Services up and enabled'
    project = 'nova'

    def checks(self):
        self.found = []
        return [(self.check_name, self._checker(project, service_type, lister), project)
                for project, service_type, lister in SOURCES]

    def _checker(self, project, service_type, lister):
        def check():
            if not catalog_endpoint(self.conn, service_type):
                return success('%s (%s) is not in the service catalog; nothing to check.'
                               % (project, service_type))
            services = lister(self.conn)
            self.found.extend(dict(s, project=project) for s in services)
            return judge_services(services)
        return check

    def extra_results(self):
        return dict(services=self.found)


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


class CheckInstanceStatesModule(OpenStackCheckModule):
    check_name = 'Instances in transitional states'
    argument_spec = dict(
        list_limit=dict(type='int', default=5),
    )

    project = 'nova'
    unsettled = ()

    def checks(self):
        return [(self.check_name, self.check_instances)]

    def check_instances(self):
        servers = [dict(id=s.id, status=s.status, task_state=s.task_state)
                   for s in self.conn.compute.servers(details=True, all_projects=True)]
        self.unsettled = [s for s in servers if s['task_state'] or s['status'] in IN_FLIGHT | NEEDS_DECISION]
        return judge_instances(servers, self.params['list_limit'])

    def extra_results(self):
        return dict(instances=list(self.unsettled))
