# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The discovery methods and their parameters: the registry ``cluster_discover`` dispatches on."""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, series

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # _releases reports it first
    Version = None

_VERSIONS = {
    'type': 'dict', 'required': False,
    'description': 'Project (nova, keystone, ...) to the version it runs everywhere, '
                   'for example {nova: 31.3.1}; sets version and release of its components.'}
_HOST_VERSIONS = {
    'type': 'dict', 'required': False,
    'description': 'Host to {project: version}, from host facts (installed packages or venvs); '
                   'wins over versions for the components on that host.'}
_INVENTORY = {
    'type': 'path', 'required': True, 'description': None}

#: With ``params.hypervisors: auto``, hypervisors are listed only up to this many nova-compute services.
HYPERVISORS_AUTO_LIMIT = 500
HYPERVISORS_CHOICES = ('auto', 'always', 'never')
_HYPERVISORS = {
    'type': 'str', 'required': False, 'choices': list(HYPERVISORS_CHOICES), 'default': 'auto',
    'description': 'Whether to list GET /os-hypervisors/detail, the only source of a compute\'s hypervisor '
                   'type, version and host address: auto lists them when the cloud has at most %d '
                   'nova-compute services (counted in the compute service listing) and skips them above, '
                   'always and never as they say. nova-api looks each hypervisor up one by one (its host '
                   'mapping and service), several milliseconds per hypervisor, so at thousands of computes '
                   'this one listing is most of the discovery. When they are not read, notes says so and the '
                   'hosts have no address.' % HYPERVISORS_AUTO_LIMIT}

METHODS = {
    'openstack_api': {
        'description': 'The OpenStack APIs through openstacksdk: service catalog, compute '
                       'services, hypervisors, placement resource providers, network agents '
                       'and volume services when present, and each API version document. '
                       'Uses the authentication options of the module.',
        'parameters': {'versions': _VERSIONS, 'host_versions': _HOST_VERSIONS, 'hypervisors': _HYPERVISORS},
    },
    'openstack_ansible': {
        'description': "openstack-ansible's openstack_inventory.json (group names with dashes "
                       'or, from 2026.1, underscores). Venv tags in the hosts\' '
                       'ansible_local.openstack_ansible facts give the release.',
        'parameters': {
            'inventory': dict(_INVENTORY, description='Path of openstack_inventory.json '
                                                      '(usually /etc/openstack_deploy/openstack_inventory.json).'),
            'fact_cache': {
                'type': 'path', 'required': False,
                'description': "Directory of Ansible's jsonfile fact cache, one file per host "
                               '(openstack-ansible: /etc/openstack_deploy/ansible_facts); the '
                               'ansible_local.openstack_ansible facts found there give venv tags.'},
            'versions': _VERSIONS, 'host_versions': _HOST_VERSIONS},
    },
    'kolla_ansible': {
        'description': "kolla-ansible's multinode inventory (INI): [control], [compute], "
                       '[network], [storage], [monitoring] and the service groups such as '
                       '[nova-api:children].',
        'parameters': {
            'inventory': dict(_INVENTORY, description='Path of the multinode inventory file.'),
            'openstack_release': {
                'type': 'str', 'required': False,
                'description': "kolla-ansible's openstack_release from globals.yml (a series such "
                               'as 2025.1); also read from globals and the inventory variables.'},
            'globals': {
                'type': 'dict', 'required': False,
                'description': "kolla-ansible's globals.yml as a dict (for example \"{{ lookup('ansible.builtin.file', "
                               "'/etc/kolla/globals.yml') | from_yaml }}\"). Its settings that decide which "
                               'services run (neutron_plugin_agent, nova_console, enable_cinder, '
                               'enable_cinder_backup, enable_cinder_backend_lvm, enable_heat, enable_horizon, '
                               'enable_cloudkitty, enable_ironic, enable_cells, enable_nova_serialconsole_proxy, '
                               'enable_neutron_dvr, neutron_ovn_dhcp_agent, enable_mariadb, enable_rabbitmq, '
                               'enable_memcached, enable_openvswitch) win over inventory variables; kolla\'s '
                               'defaults apply to the others. Its openstack_release is used when '
                               'params.openstack_release is not given.'},
            'versions': _VERSIONS, 'host_versions': _HOST_VERSIONS},
    },
    'ansible_inventory': {
        'description': 'Any Ansible inventory (INI or YAML file, or a dict in the JSON format '
                       'of ansible-inventory --list) with a map of groups to services.',
        'parameters': {
            'inventory': {'type': 'path_or_dict', 'required': True,
                          'description': 'Path of an INI or YAML inventory, or the inventory '
                                         'as a dict ({_meta: {hostvars: ...}, GROUP: {hosts: [...], '
                                         'children: [...]}}).'},
            'groups': {'type': 'dict', 'required': True,
                       'description': 'Group name to the service binaries its hosts run (a '
                                      'string or a list), for example {controllers: [nova-api, '
                                      'nova-conductor, keystone], computes: nova-compute}.'},
            'versions': _VERSIONS, 'host_versions': _HOST_VERSIONS},
    },
}

_TYPE_NAMES = {'str': 'a string', 'path': 'a path', 'dict': 'a dict',
               'path_or_dict': 'a path or a dict'}


def method_list():
    """The methods with their parameters, as plain data."""
    return [{'name': name, 'description': method['description'],
             'parameters': [dict(name=pname, **spec) for pname, spec in sorted(method['parameters'].items())]}
            for name, method in sorted(METHODS.items())]


def _version_map(option, value):
    if not isinstance(value, dict):
        raise OptionError(option, value, 'a dict of project to version, such as {nova: 31.3.1}')
    result = {}
    for project, version in value.items():
        text = str(version)
        try:
            Version(text)
        except InvalidVersion:
            raise OptionError('%s.%s' % (option, project), version, 'a version such as 31.3.1') from None
        result[str(project)] = text
    return result


def _typed(kind):
    """The type checker of a parameter ``kind``: it refuses what Ansible's own types would convert (3 to '3')."""
    accepted = {'str': str, 'path': str, 'dict': dict, 'path_or_dict': (str, dict)}[kind]

    def check(value):
        if not isinstance(value, accepted):
            raise TypeError('expected %s' % _TYPE_NAMES[kind])
        if kind in ('path', 'path_or_dict') and isinstance(value, str):
            return os.path.expanduser(value)
        return value
    return check


def argument_spec(method):
    """The parameters of ``method`` as an Ansible argument spec (no defaults: unset stays unset)."""
    return dict((name, dict(dict((key, spec[key]) for key in ('required', 'choices') if key in spec),
                            type=_typed(spec['type'])))
                for name, spec in METHODS[method]['parameters'].items())


def _refusal(method, name, value):
    """The OptionError for parameter ``name`` of ``method`` that the validator refused."""
    spec = METHODS[method]['parameters'][name]
    if value is None:
        return OptionError('params.%s' % name, None, '%s (required by method %s)' % (_TYPE_NAMES[spec['type']], method))
    if 'choices' in spec:
        return OptionError('params.%s' % name, value, 'one of %s' % ', '.join(spec['choices']))
    return OptionError('params.%s' % name, value, _TYPE_NAMES[spec['type']])


def validate_params(method, params):
    """``params`` of ``method`` checked and normalised; OptionError names the bad parameter."""
    if method not in METHODS:
        raise OptionError('method', method, 'one of %s' % ', '.join(sorted(METHODS)))
    spec = argument_spec(method)
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise OptionError('params.%s' % unknown[0], params[unknown[0]],
                          'one of the parameters of method %s: %s' % (method, ', '.join(sorted(spec))))
    validated = ArgumentSpecValidator(spec).validate(params)
    if validated.error_messages:
        # Name the first parameter (in the method's order) that is refused on its own.
        for name in spec:
            alone = dict((key, params[key]) for key in (name,) if key in params)
            if ArgumentSpecValidator({name: spec[name]}).validate(alone).error_messages:
                raise _refusal(method, name, params.get(name))
        raise OptionError('params', params, 'parameters of method %s' % method, '; '.join(validated.error_messages))
    for name, value in params.items():
        if value is not None:
            params[name] = validated.validated_parameters[name]
    if params.get('versions') is not None:
        params['versions'] = _version_map('params.versions', params['versions'])
    if params.get('host_versions') is not None:
        params['host_versions'] = dict(
            (str(host), _version_map('params.host_versions.%s' % host, versions))
            for host, versions in params['host_versions'].items())
    if method == 'ansible_inventory':
        params['groups'] = _group_binaries(params['groups'])
    if params.get('openstack_release') is not None:
        try:
            params['openstack_release'] = series(params['openstack_release']).id
        except ReleaseError as exc:
            raise OptionError('params.openstack_release', params['openstack_release'],
                              'an OpenStack series', exc.msg) from None
    return params


def _group_binaries(groups):
    result = {}
    for group, binaries in groups.items():
        if isinstance(binaries, str):
            binaries = [binaries]
        if not isinstance(binaries, list) or not binaries or not all(isinstance(b, str) and b for b in binaries):
            raise OptionError('params.groups.%s' % group, binaries,
                              'a service binary such as nova-compute, or a list of them')
        result[str(group)] = list(binaries)
    return result
