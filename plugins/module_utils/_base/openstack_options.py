# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The authentication options of OpenStack-facing modules, without importing openstacksdk.

``check_batch`` takes them for its API checks; a batch of database checks
must not pay openstacksdk's import for options it does not use.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._secrets import secret_values


# Tries of an idempotent request after the first one (the api_retries option), and the most allowed.
DEFAULT_RETRIES = 3
MAX_RETRIES = 10


def openstack_argument_spec():
    """The authentication options shared by every OpenStack-facing module."""
    return dict(
        cloud=dict(type='raw'),
        auth=dict(type='dict', no_log=True),
        auth_type=dict(type='str'),
        region_name=dict(type='str'),
        interface=dict(type='str', default='public',
                       choices=['public', 'internal', 'admin'],
                       aliases=['endpoint_type']),
        validate_certs=dict(type='bool', aliases=['verify']),
        ca_cert=dict(type='path', aliases=['cacert']),
        client_cert=dict(type='path', aliases=['cert']),
        client_key=dict(type='path', no_log=False, aliases=['key']),
        api_timeout=dict(type='int'),
        api_retries=dict(type='int', default=DEFAULT_RETRIES),
    )


def hide_cloud_secrets(ansible_module, params):
    """Mask the credentials of a ``cloud`` given as a dict in every output, as the no_log ``auth`` is masked."""
    ansible_module.no_log_values.update(secret_values(params.get('cloud')))
