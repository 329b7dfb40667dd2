# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Base of every OpenStack-facing module.

``OpenStackModule`` adds the openstack.cloud-compatible authentication
options (documented in the ``osops.lifecycle.openstack`` doc fragment) and a
lazily opened openstacksdk connection, so ``clouds.yaml``,
``OS_CLIENT_CONFIG_FILE``, ``OS_CLOUD`` and AWX's injected cloud work as they
do with openstack.cloud.
"""

from __future__ import annotations

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import (
    CloudError,
    OptionError,
    OsopsError,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._base.api_retries import ApiUnavailable, install
from ansible_collections.osops.lifecycle.plugins.module_utils._base.openstack_options import (
    DEFAULT_RETRIES,
    MAX_RETRIES,
    hide_cloud_secrets,
    openstack_argument_spec,
)

try:
    import openstack
    from keystoneauth1 import exceptions as ksa_exceptions
    from packaging.version import InvalidVersion, Version
except ImportError as exc:
    openstack = None
    OPENSTACK_IMPORT_ERROR = str(exc)
else:
    OPENSTACK_IMPORT_ERROR = None


# Options that cannot be combined with a ``cloud`` given as a dict: the
# dict is the whole configuration (as in openstack.cloud).
_CLOUD_DICT_EXCLUSIVE = ('auth', 'auth_type', 'region_name', 'validate_certs',
                         'ca_cert', 'client_cert', 'client_key', 'api_timeout')


def retry_options(params):
    """Refuse an ``api_retries`` or ``api_timeout`` out of range (OptionError)."""
    retries = params.get('api_retries')
    if retries is not None and not 0 <= retries <= MAX_RETRIES:
        raise OptionError('api_retries', retries, 'a number of retries from 0 to %d' % MAX_RETRIES)
    timeout = params.get('api_timeout')
    if timeout is not None and timeout < 1:
        raise OptionError('api_timeout', timeout, 'a number of seconds of 1 or more')


def connection_kwargs(params):
    """Translate module parameters into ``openstack.connect()`` arguments.

    Pure function, so the translation is tested without a cloud.  ``api_retries``
    is not one of them: :func:`connect` takes it.
    """
    retry_options(params)
    cloud = params.get('cloud')
    if isinstance(cloud, dict):
        for name in _CLOUD_DICT_EXCLUSIVE:
            if params.get(name) is not None:
                raise OptionError(
                    name, '(set)', 'no value when cloud is a dict',
                    'Put %s inside the cloud dict, or name a cloud from '
                    'clouds.yaml in cloud instead.' % name)
        if params.get('interface', 'public') != 'public':
            raise OptionError(
                'interface', params['interface'],
                'the default (public) when cloud is a dict',
                'Put interface inside the cloud dict.')
        return dict(cloud)
    if cloud is not None and not isinstance(cloud, str):
        raise OptionError('cloud', cloud,
                          'a cloud name from clouds.yaml or a dict of settings')
    kwargs = dict(
        cloud=cloud,
        auth_type=params.get('auth_type'),
        auth=params.get('auth'),
        region_name=params.get('region_name'),
        interface=params.get('interface'),
        verify=params.get('validate_certs'),
        cacert=params.get('ca_cert'),
        cert=params.get('client_cert'),
        key=params.get('client_key'),
        api_timeout=params.get('api_timeout'),
    )
    return dict((k, v) for k, v in kwargs.items() if v is not None)


def microversion(text):
    """Parse an API microversion such as ``1.36``; None when it is not one."""
    try:
        version = Version(str(text))
    except InvalidVersion:
        return None
    return version if len(version.release) == 2 and str(version) == str(text) else None


def required_microversion(params):
    """The ``required_microversion`` option, parsed; OptionError when malformed."""
    value = microversion(params['required_microversion'])
    if value is None:
        raise OptionError('required_microversion', params['required_microversion'],
                          'a microversion such as 1.36')
    return value


def describe_api_error(exc, endpoint):
    """An operator-readable reason why a call to ``endpoint`` (a URL or a name) failed."""
    cause = exc if isinstance(exc, ApiUnavailable) else exc.__context__  # keystoneauth's discovery wraps it
    if isinstance(cause, ApiUnavailable):  # names its URL, what every try met and what to do
        return cause.msg
    if isinstance(exc, ksa_exceptions.Unauthorized):
        return ('the cloud rejected the credentials (HTTP 401); check auth in '
                'clouds.yaml or the auth option')
    if isinstance(exc, ksa_exceptions.ConnectFailure):
        return 'cannot connect to %s: is the service running?' % endpoint
    if isinstance(exc, ksa_exceptions.ConnectTimeout):
        return 'connection to %s timed out' % endpoint
    return 'request to %s failed: %s' % (endpoint, exc)


def catalog_endpoint(conn, service_type):
    """The endpoint of ``service_type`` in the catalog, or None when there is none.

    Raises CloudError when the catalog itself cannot be read (keystone down,
    credentials refused).
    """
    try:
        return conn.endpoint_for(service_type)
    except ksa_exceptions.ClientException as exc:
        # Not the auth_url itself: Ansible masks every value of the no_log auth option.
        raise CloudError('Cannot read the service catalog: %s'
                         % describe_api_error(exc, 'the identity service (auth_url)'))


def api_max_microversion(conn, proxy, endpoint):
    """Read the maximum microversion from a service's root version document.

    ``proxy`` names the openstacksdk proxy (``placement``); building it runs
    version discovery, which fails like the request when the service is
    down.  Returns ``(Version, None)``, or ``(None, reason)`` when the
    document could not be read.
    """
    try:
        response = getattr(conn, proxy).get(_version_document_path(conn, endpoint), raise_exc=False)
    except (ksa_exceptions.ClientException, openstack.exceptions.SDKException) as exc:
        return None, describe_api_error(exc, endpoint)
    if response.status_code != 200:
        return None, 'GET %s answered HTTP %s' % (endpoint, response.status_code)
    try:
        versions = response.json()['versions']
        # Most services name the maximum max_version; cinder names it version.
        found = [microversion(v.get('max_version') or v['version'])
                 for v in versions if v.get('max_version') or v.get('version')]
        maximum = max(version for version in found if version is not None)
    except (ValueError, KeyError, TypeError):
        return None, 'the version document at %s is not one of an OpenStack API' % endpoint
    return maximum, None


def _version_document_path(conn, endpoint):
    """Where the version document of ``endpoint`` is: its root, or the URL without a trailing project id.

    Legacy deployments register cinder as ``.../v3/<project_id>``; only ``.../v3/`` serves the document.
    """
    project = getattr(conn, 'current_project_id', None)
    trimmed = (endpoint or '').rstrip('/')
    if project and trimmed.endswith('/' + project):
        return trimmed[:-len(project)]
    return '/'


def require_openstacksdk():
    """Raise the error of a module that needs openstacksdk where it cannot be imported."""
    if openstack is None:
        raise OsopsError(missing_required_lib('openstacksdk'), import_error=OPENSTACK_IMPORT_ERROR)


def connect(kwargs, retries=DEFAULT_RETRIES):
    """An openstacksdk connection from ``connection_kwargs``; the cloud configuration is loaded, no API call is made.

    Its idempotent requests are tried ``retries`` more times on a connection
    failure, a timeout or a 429/502/503/504 answer (``_base.api_retries``).
    """
    try:
        conn = openstack.connect(**kwargs)
        install(conn, DEFAULT_RETRIES if retries is None else retries)
        return conn
    except (openstack.exceptions.ConfigException, ksa_exceptions.OptionError) as exc:
        raise CloudError(
            'Cannot load the cloud configuration: %s. Name a cloud '
            'defined in clouds.yaml (or OS_CLIENT_CONFIG_FILE) with '
            'the cloud option, set OS_CLOUD, or pass auth.' % str(exc).rstrip('.'))


class OpenStackModule(OsopsModule):
    """Base of every module that talks to an OpenStack API."""

    def __init__(self):
        super().__init__()
        hide_cloud_secrets(self.ansible, self.params)
        try:
            require_openstacksdk()
        except OsopsError as exc:
            self.fail_json(exc.msg, **exc.result)
        self._conn = None

    def full_argument_spec(self):
        spec = openstack_argument_spec()
        spec.update(self.argument_spec)
        return spec

    @property
    def conn(self):
        """The openstacksdk connection, opened on first use."""
        if self._conn is None:
            self._conn = connect(self._connection_kwargs, self.params.get('api_retries'))
        return self._conn

    def validate(self):
        self._connection_kwargs = connection_kwargs(self.params)

    def __call__(self):
        try:
            super().__call__()
        except openstack.exceptions.SDKException as exc:
            self.fail_json('OpenStack API error: %s' % exc)
        except ksa_exceptions.ClientException as exc:
            self.fail_json('Cannot reach or authenticate to the cloud: %s' % exc)
