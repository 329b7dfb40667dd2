# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
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
)
from ansible_collections.osops.lifecycle.plugins.module_utils._module import OsopsModule

try:
    import openstack
    from keystoneauth1 import exceptions as ksa_exceptions
except ImportError as exc:
    openstack = None
    OPENSTACK_IMPORT_ERROR = str(exc)
else:
    OPENSTACK_IMPORT_ERROR = None


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
    )


# Options that cannot be combined with a ``cloud`` given as a dict: the
# dict is the whole configuration (as in openstack.cloud).
_CLOUD_DICT_EXCLUSIVE = ('auth', 'auth_type', 'region_name', 'validate_certs',
                         'ca_cert', 'client_cert', 'client_key', 'api_timeout')


def connection_kwargs(params):
    """Translate module parameters into ``openstack.connect()`` arguments.

    Pure function, so the translation is tested without a cloud.
    """
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


class OpenStackModule(OsopsModule):
    """Base of every module that talks to an OpenStack API."""

    def __init__(self):
        super().__init__()
        if openstack is None:
            self.fail_json(missing_required_lib('openstacksdk'),
                           import_error=OPENSTACK_IMPORT_ERROR)
        self._conn = None

    def _full_argument_spec(self):
        spec = openstack_argument_spec()
        spec.update(self.argument_spec)
        return spec

    @property
    def conn(self):
        """The openstacksdk connection, opened on first use."""
        if self._conn is None:
            try:
                self._conn = openstack.connect(**connection_kwargs(self.params))
            except openstack.exceptions.ConfigException as exc:
                raise CloudError(
                    'Cannot load the cloud configuration: %s. Name a cloud '
                    'defined in clouds.yaml (or OS_CLIENT_CONFIG_FILE) with '
                    'the cloud option, or pass auth.' % exc)
        return self._conn

    def __call__(self):
        try:
            super().__call__()
        except openstack.exceptions.SDKException as exc:
            self.fail_json('OpenStack API error: %s' % exc)
        except ksa_exceptions.ClientException as exc:
            self.fail_json('Cannot reach or authenticate to the cloud: %s' % exc)
