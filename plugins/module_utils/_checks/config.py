# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read a service's configuration files (one class per check module).

The check modules (``check_policy_json`` ...) and ``check_batch`` run these
classes; they live here so that one process can run several.  Standard
library only.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import ServiceConfigCheckModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import is_json


class ProjectConfigCheckModule(ServiceConfigCheckModule):
    """A configuration check of the project its ``project`` option names."""

    @property
    def project(self):
        return self.params['project']


# --- check_policy_json -----------------------------------------------------
JSON_POLICY_DETAILS = (
    'Your policy file {path} is JSON-formatted, which is deprecated. Convert '
    'it to YAML with oslopolicy-convert-json-to-yaml (backwards-compatible), '
    'point [oslo_policy] policy_file at the YAML file, and remove the JSON '
    'one: https://docs.openstack.org/oslo.policy/latest/cli/'
    'oslopolicy-convert-json-to-yaml.html')


class CheckPolicyJsonModule(ProjectConfigCheckModule):
    check_name = 'Policy File JSON to YAML Migration'
    argument_spec = dict(
        project=dict(type='str', required=True),
    )

    policy_file = None

    def checks(self):
        return [(self.check_name, self.check_policy_json)]

    def check_policy_json(self):
        name = self.config.get('oslo_policy', 'policy_file', 'policy.yaml')
        self.policy_file = self.config.find_file(name)
        if self.policy_file and is_json(self.policy_file):
            return failure(JSON_POLICY_DETAILS.format(path=self.policy_file))
        return success()

    def extra_results(self):
        return dict(policy_file=self.policy_file)


# --- check_service_user_token ----------------------------------------------
SERVICE_USER_TOKEN_DETAILS = (
    'Service user token configuration is required for all Nova services: set '
    '[service_user] send_service_user_token = true with the service user\'s '
    'credentials in that section. See '
    'https://docs.openstack.org/nova/latest/admin/configuration/service-user-token.html')


class CheckServiceUserTokenModule(ProjectConfigCheckModule):
    check_name = 'Service User Token Configuration'
    argument_spec = dict(
        project=dict(type='str', default='nova', choices=['nova']),
    )

    def checks(self):
        return [(self.check_name, self.check_service_user_token)]

    def check_service_user_token(self):
        if self.config.get_bool('service_user', 'send_service_user_token'):
            return success()
        return failure(SERVICE_USER_TOKEN_DETAILS)


# --- check_cloudkitty_storage ----------------------------------------------
class CheckCloudkittyStorageModule(ProjectConfigCheckModule):
    check_name = 'Storage version'
    argument_spec = dict(
        project=dict(type='str', default='cloudkitty', choices=['cloudkitty']),
    )

    storage_version = None

    def checks(self):
        return [(self.check_name, self.check_storage_version)]

    def check_storage_version(self):
        version = self.config.get_int('storage', 'version', 2)
        if version not in (1, 2):
            raise OsopsError('[storage] version = %d in the cloudkitty config is not 1 or 2.' % version)
        self.storage_version = version
        if version < 2:
            return warning('Storage version is inferior to 2. Support for v1 storage will be '
                           'dropped in a future release: migrate with cloudkitty-storage-init '
                           'and set [storage] version = 2.')
        return success()

    def extra_results(self):
        return dict(storage_version=self.storage_version)
