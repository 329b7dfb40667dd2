# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read a service's configuration files: functions of a :class:`CheckContext`.

``_checks.registry`` names them (and their options) per check module.
Standard library only, but for check_backends, which imports SQLAlchemy and kombu
when it runs (with the interpreter of the service's environment).
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import CLOUDKITTY_STORAGE_INIT, CONVERT_POLICY
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import mask_url
from ansible_collections.osops.lifecycle.plugins.module_utils._service.backends import (
    DATABASE_OPTIONS,
    TRANSPORT_OPTIONS,
    reach_amqp,
    reach_database,
    transport_hosts,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import is_json


# --- check_policy_json -----------------------------------------------------
JSON_POLICY_DETAILS = (
    'Your policy file {path} is JSON-formatted, which is deprecated. Convert '
    'it to YAML with `%s` (backwards-compatible), '
    'point [oslo_policy] policy_file at the YAML file, and remove the JSON '
    'one: https://docs.openstack.org/oslo.policy/latest/cli/'
    'oslopolicy-convert-json-to-yaml.html' % CONVERT_POLICY)


def policy_json(ctx):
    name = ctx.config.get('oslo_policy', 'policy_file', 'policy.yaml')
    path = ctx.found['policy_file'] = ctx.config.find_file(name)
    if path and is_json(path):
        return failure(JSON_POLICY_DETAILS.format(path=path))
    return success()


# --- check_service_user_token ----------------------------------------------
SERVICE_USER_TOKEN_DETAILS = (
    'Service user token configuration is required for all Nova services: set '
    '[service_user] send_service_user_token = true with the service user\'s '
    'credentials in that section. See '
    'https://docs.openstack.org/nova/latest/admin/configuration/service-user-token.html')


def service_user_token(ctx):
    if ctx.config.get_bool('service_user', 'send_service_user_token'):
        return success()
    return failure(SERVICE_USER_TOKEN_DETAILS)


# --- check_cloudkitty_storage ----------------------------------------------
def cloudkitty_storage(ctx):
    version = ctx.config.get_int('storage', 'version', 2)
    if version not in (1, 2):
        raise OsopsError('[storage] version = %d in the cloudkitty config is not 1 or 2.' % version)
    ctx.found['storage_version'] = version
    if version < 2:
        # cloudkitty-status's own details, then what to do
        return warning('Storage version is inferior to 2. Support for v1 storage will be '
                       'dropped in a future release. Set [storage] version = 2 with a v2 '
                       'backend, then run `%s` to initialize it (rated data in the v1 '
                       'storage is not moved).' % CLOUDKITTY_STORAGE_INIT)
    return success()


# --- check_backends --------------------------------------------------------
def backends_options(params):
    if params['timeout'] < 1:
        raise OptionError('timeout', params['timeout'], 'a number of seconds, 1 or more')


def _reached(ctx, option, url, reason):
    ctx.found['backends'].append(dict(option=option, url=url, reached=reason is None, reason=reason))
    return reason is None


def backends(ctx):
    timeout = ctx.params['timeout']
    lost, degraded, reached = [], [], []
    for section, option in DATABASE_OPTIONS:
        url = ctx.config.get(section, option)
        if url:
            name = '[%s] %s' % (section, option)
            reason = reach_database(url, timeout)
            (reached if _reached(ctx, name, mask_url(url), reason) else lost).append(
                '%s %s%s' % (name, mask_url(url), ': %s' % reason if reason else ''))
    for section, option in TRANSPORT_OPTIONS:
        url = ctx.config.get(section, option)
        if url:
            name = '[%s] %s' % (section, option)
            hosts = [(host, reach_amqp(host, timeout)) for host in transport_hosts(url)]
            down = ['%s: %s' % (host['url'], reason) for host, reason in hosts if not _reached(ctx, name, host['url'], reason)]
            up = [host['url'] for host, reason in hosts if reason is None]
            if up:
                reached.append('%s %s' % (name, ', '.join(up)))
            if down:
                (degraded if up else lost).append('%s %s' % (name, '; '.join(down)))
    where = 'with the %s config of this host' % ctx.project
    if lost:
        return failure('Cannot reach %s (%s). Fix the address, port or credentials in the config, or start the '
                       'database or message queue, before upgrading.' % ('; '.join(lost), where))
    if degraded:
        return warning('Some message queue hosts do not answer (%s): %s. The service still reaches %s.'
                       % (where, '; '.join(degraded), ', '.join(reached)))
    if not reached:
        return success('No database connection or transport_url is set in the %s config of this host.' % ctx.project)
    return success('Reached %s.' % '; '.join(reached))
