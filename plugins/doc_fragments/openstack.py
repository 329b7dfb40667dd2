# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The authentication options of every OpenStack-facing module.  Names and
    # meaning match openstack.cloud, so existing module_defaults carry over.
    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Name of a cloud in C(clouds.yaml), or a dict with the whole cloud
        configuration (then O(auth), O(auth_type), O(region_name),
        O(validate_certs), O(ca_cert), O(client_cert), O(client_key) and
        O(api_timeout) must not be set).
      - When omitted, openstacksdk picks the cloud as usual - E(OS_CLOUD),
        the only cloud of the file named by E(OS_CLIENT_CONFIG_FILE) (AWX
        injects its OpenStack credential this way, as a cloud named
        C(devstack)), or the E(OS_*) environment variables.
    type: raw
  auth:
    description:
      - Authentication parameters (C(auth_url), C(username), C(password),
        C(project_name), ...) as in C(clouds.yaml).
    type: dict
  auth_type:
    description:
      - The keystoneauth plugin, for example C(password) or C(token).
    type: str
  region_name:
    description:
      - Region of the cloud to use.
    type: str
  interface:
    description:
      - Endpoint interface to use from the catalog.
    type: str
    default: public
    choices: [public, internal, admin]
    aliases: [endpoint_type]
  validate_certs:
    description:
      - Whether to verify TLS certificates. Defaults to the cloud's setting.
    type: bool
    aliases: [verify]
  ca_cert:
    description:
      - Path of a CA bundle that verifies the cloud's certificates.
    type: path
    aliases: [cacert]
  client_cert:
    description:
      - Path of a client certificate for mutual TLS.
    type: path
    aliases: [cert]
  client_key:
    description:
      - Path of the key of O(client_cert).
    type: path
    aliases: [key]
  api_timeout:
    description:
      - Timeout in seconds for each API call (each try of it, see O(api_retries)).
      - When neither this option nor the cloud's C(api_timeout) in C(clouds.yaml) sets one, 60 seconds,
        so that an API that never answers cannot hang the task.
    type: int
  api_retries:
    description:
      - How many more times an idempotent request (GET, HEAD, OPTIONS, PUT, and keystone's token request)
        is sent when it meets a refused, reset or timed-out connection or a 429, 502, 503 or 504 answer,
        with keystoneauth's exponential backoff (0.5 s, 1 s, 2 s, ... doubling, at most 60 s; a
        C(Retry-After) answer is honoured up to 10 s). The default 3 waits at most 3.5 s in all
        between the four tries. POST, PATCH and DELETE requests are never sent twice.
      - When every try fails, the module (or the readiness check, as an Error of that check only) says
        which request (method, URL, service type), what each try met and what to do.
      - From 0 (no retry) to 10.
    type: int
    default: 3
requirements:
  - python >= 3.9
  - openstacksdk >= 4.0.0
notes:
  - Runs where the task runs. Delegate it to the controller (C(delegate_to=localhost))
    or run it on the host that holds the credentials (the utility container in
    openstack-ansible).
'''
