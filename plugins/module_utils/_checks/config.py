# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read a service's configuration files: functions of a :class:`CheckContext`.

``_checks.registry`` names them (and their options) per check module.
Standard library only.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import CLOUDKITTY_STORAGE_INIT, CONVERT_POLICY
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
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
        return warning('Storage version is inferior to 2. Support for v1 storage will be '
                       'dropped in a future release: set [storage] version = 2 with a v2 '
                       'backend, then run `%s` to initialize it (rated data in the v1 '
                       'storage is not moved).' % CLOUDKITTY_STORAGE_INIT)
    return success()
