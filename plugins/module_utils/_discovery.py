# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery methods: what a cloud is made of, from its APIs or its deployment inventory.

Every method turns its source into the same shape, the one
``_store.upsert_cluster`` takes: ``hosts`` (name, address, roles) and
``components`` (service, binary, host, version, release, state, extra).
The parsers are pure functions over plain data, so each method is tested on
fixtures without Ansible or a cloud; the OpenStack method takes an
openstacksdk connection.

Releases are inferred honestly: from a project version (``release_of``),
from a series the deployment names (kolla's ``openstack_release``,
openstack-ansible's venv tag), or from a maximum API microversion measured
for exactly one release.  When nothing tells, ``release`` is None and
``extra.release_reason`` says why; it is never guessed.

The summaries used by the ``*_info`` modules (releases per component, mixed
versions, where a cluster may upgrade to) are here too.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import os
import threading
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import CloudError, OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases import (
    ReleaseError,
    all_series,
    check_upgrade_path,
    release_of,
    series,
)

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # _releases reports it first
    Version = None


class DiscoveryError(OsopsError):
    """A discovery source that cannot be read or understood."""


# --------------------------------------------------------------------------
# Methods and their parameters
# --------------------------------------------------------------------------

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
                               'as 2025.1); also read from the inventory variables.'},
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


def validate_params(method, params):
    """``params`` of ``method`` checked and normalised; OptionError names the bad parameter."""
    if method not in METHODS:
        raise OptionError('method', method, 'one of %s' % ', '.join(sorted(METHODS)))
    spec = METHODS[method]['parameters']
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise OptionError('params.%s' % unknown[0], params[unknown[0]],
                          'one of the parameters of method %s: %s' % (method, ', '.join(sorted(spec))))
    for name, pspec in spec.items():
        option = 'params.%s' % name
        value = params.get(name)
        if value is None:
            if pspec['required']:
                raise OptionError(option, None, '%s (required by method %s)'
                                  % (_TYPE_NAMES[pspec['type']], method))
            continue
        if 'choices' in pspec and value not in pspec['choices']:
            raise OptionError(option, value, 'one of %s' % ', '.join(pspec['choices']))
        kind = pspec['type']
        if kind == 'dict' and not isinstance(value, dict):
            raise OptionError(option, value, 'a dict')
        if kind in ('str', 'path') and not isinstance(value, str):
            raise OptionError(option, value, _TYPE_NAMES[kind])
        if kind == 'path_or_dict' and not isinstance(value, (str, dict)):
            raise OptionError(option, value, _TYPE_NAMES[kind])
        if kind in ('path', 'path_or_dict') and isinstance(value, str):
            params[name] = os.path.expanduser(value)
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
        result[str(group)] = [(project_of(b), b) for b in binaries]
    return result


# --------------------------------------------------------------------------
# Services, binaries and roles
# --------------------------------------------------------------------------

# Binaries whose project is not the part before the first dash.
_BINARY_PROJECTS = {'placement-api': 'placement'}
# Role of a host running a binary; control for everything not listed.
_ROLE_OF_BINARY = {
    'nova-compute': 'compute', 'nova-compute-ironic': 'compute',
    'cinder-volume': 'storage', 'cinder-backup': 'storage',
    'neutron-l3-agent': 'network', 'neutron-dhcp-agent': 'network',
    'neutron-metadata-agent': 'network', 'neutron-openvswitch-agent': 'network',
    'neutron-linuxbridge-agent': 'network', 'neutron-ovn-metadata-agent': 'network',
    'ovn-controller': 'network', 'neutron-sriov-nic-agent': 'network',
}


def project_of(binary):
    """The project a service binary belongs to (nova-compute -> nova)."""
    return _BINARY_PROJECTS.get(binary, binary.split('-', 1)[0])


def role_of(binary):
    return _ROLE_OF_BINARY.get(binary, 'control')


# openstack-ansible component groups -> binary.  Both spellings are real:
# these groups were always underscored; only the *_hosts groups changed.
OSA_GROUPS = {
    'keystone_all': 'keystone',
    'glance_api': 'glance-api', 'glance_all': 'glance-api',
    'placement_all': 'placement-api',
    'nova_api_os_compute': 'nova-api', 'nova_api_metadata': 'nova-api-metadata',
    'nova_conductor': 'nova-conductor', 'nova_scheduler': 'nova-scheduler',
    'nova_novncproxy': 'nova-novncproxy', 'nova_spice_console': 'nova-spicehtml5proxy',
    'nova_serialconsole_proxy': 'nova-serialproxy', 'nova_compute': 'nova-compute',
    'neutron_server': 'neutron-server', 'neutron_l3_agent': 'neutron-l3-agent',
    'neutron_dhcp_agent': 'neutron-dhcp-agent', 'neutron_metadata_agent': 'neutron-metadata-agent',
    'neutron_openvswitch_agent': 'neutron-openvswitch-agent',
    'neutron_linuxbridge_agent': 'neutron-linuxbridge-agent',
    'neutron_ovn_controller': 'ovn-controller', 'neutron_ovn_northd': 'ovn-northd',
    'cinder_api': 'cinder-api', 'cinder_scheduler': 'cinder-scheduler',
    'cinder_volume': 'cinder-volume', 'cinder_backup': 'cinder-backup',
    'heat_api': 'heat-api', 'heat_engine': 'heat-engine',
    'horizon_all': 'horizon', 'cloudkitty_all': 'cloudkitty-api',
}
# openstack-ansible host groups -> role; dashed before 2026.1, underscored after.
OSA_ROLE_GROUPS = {}
for _group, _role in (('shared-infra_hosts', 'control'), ('os-infra_hosts', 'control'),
                      ('identity_hosts', 'control'), ('compute_hosts', 'compute'),
                      ('network_hosts', 'network'), ('network-infra_hosts', 'network'),
                      ('network-agent_hosts', 'network'), ('storage_hosts', 'storage'),
                      ('storage-infra_hosts', 'control'), ('log_hosts', 'monitoring')):
    OSA_ROLE_GROUPS[_group] = _role
    OSA_ROLE_GROUPS[_group.replace('-', '_')] = _role

# kolla-ansible service groups are the binaries themselves.
KOLLA_GROUPS = dict((binary, binary) for binary in (
    'keystone', 'glance-api', 'placement-api',
    'nova-api', 'nova-conductor', 'nova-super-conductor', 'nova-scheduler',
    'nova-novncproxy', 'nova-spicehtml5proxy', 'nova-serialproxy', 'nova-compute',
    'nova-compute-ironic', 'neutron-server', 'neutron-dhcp-agent', 'neutron-l3-agent',
    'neutron-metadata-agent', 'neutron-ovn-metadata-agent', 'neutron-openvswitch-agent',
    'cinder-api', 'cinder-scheduler', 'cinder-volume', 'cinder-backup',
    'heat-api', 'heat-engine', 'horizon', 'cloudkitty-api'))
KOLLA_ROLE_GROUPS = dict((role, role) for role in ('control', 'compute', 'network', 'storage', 'monitoring'))

# Catalog service type -> project, and the binary that serves its API.
SERVICE_PROJECTS = {
    'identity': 'keystone', 'compute': 'nova', 'placement': 'placement', 'image': 'glance',
    'network': 'neutron', 'block-storage': 'cinder', 'volumev3': 'cinder', 'volume': 'cinder',
    'orchestration': 'heat', 'rating': 'cloudkitty', 'load-balancer': 'octavia',
    'key-manager': 'barbican', 'object-store': 'swift', 'dns': 'designate',
    'baremetal': 'ironic', 'shared-file-system': 'manila', 'sharev2': 'manila',
}
API_BINARIES = {'keystone': 'keystone', 'neutron': 'neutron-server', 'swift': 'swift-proxy-server',
                'placement': 'placement-api'}


# --------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------

def release_from_version(project, version):
    """``(release id or None, reason)`` for a version of ``project``."""
    found = release_of(project, version)
    if found is None:
        return None, ('%s %s is in no release the release data knows (%s)'
                      % (project, version, ', '.join(s.id for s in all_series() if s.projects)))
    return found.id, '%s %s shipped in %s' % (project, version, found.id)


def release_from_osa_tag(tag):
    """The series of an openstack-ansible release tag (its venv_tag).

    openstack-ansible numbers its releases as nova does (31.x is 2025.1), so
    the tag's major is looked up in nova's versions.
    """
    found = release_of('nova', tag)
    if found is None:
        return None, 'openstack-ansible venv_tag %s is in no known release' % tag
    return found.id, ('openstack-ansible venv_tag %s is %s (openstack-ansible majors follow nova\'s)'
                      % (tag, found.id))


_MICROVERSION_FIELDS = {'nova': 'nova_max_microversion', 'placement': 'placement_max_microversion'}


def release_from_microversion(project, maximum):
    """``(release id or None, reason)`` from an API's maximum microversion.

    A release is named only when it is the one release whose recorded maximum
    equals ``maximum`` and the release after it has a recorded maximum too
    (each release may add microversions, so an unrecorded later one could
    answer the same).  Releases that share a maximum (nova 2.100 is 2025.1
    and 2025.2; placement answers 1.39 from 2022.1 on) are named as
    candidates in the reason, never picked from.
    """
    field = _MICROVERSION_FIELDS.get(project)
    if field is None or maximum is None:
        return None, None
    known = [s for s in all_series() if s.projects]
    observed = Version(maximum)
    matches = [s for s in known if getattr(s, field) == observed]
    if len(matches) > 1:
        return None, ('%s API maximum microversion %s is the maximum of %s: the API alone cannot tell '
                      'them apart; pass params.versions or params.host_versions'
                      % (project, maximum, ' and '.join(s.id for s in matches)))
    if matches:
        position = known.index(matches[0])
        later = known[position + 1:]
        if not later or getattr(later[0], field) is not None:
            return matches[0].id, ('%s API maximum microversion %s is the maximum of %s only'
                                   % (project, maximum, matches[0].id))
        return None, ('%s API maximum microversion %s is the maximum of %s, and %s, whose maximum is not '
                      'recorded, may answer the same' % (project, maximum, matches[0].id, later[0].id))
    recorded = ', '.join('%s in %s' % (getattr(s, field), s.id) for s in known if getattr(s, field))
    return None, ('%s API maximum microversion %s identifies no release: the recorded maximums are %s'
                  % (project, maximum, recorded or 'none'))


# --------------------------------------------------------------------------
# Inventories
# --------------------------------------------------------------------------

def read_json(path, what):
    """The JSON document at ``path``; DiscoveryError naming the file when it cannot be read."""
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DiscoveryError('%s %s does not exist.' % (what, path)) from None
    except OSError as exc:
        raise DiscoveryError('Cannot read %s %s: %s.' % (what, path, exc.strerror)) from None
    except ValueError as exc:
        raise DiscoveryError('%s %s is not valid JSON: %s.' % (what, path, exc)) from None


def parse_inventory(data, source):
    """Groups (each with every host, children resolved) and hostvars of a JSON inventory.

    ``data`` has the format of ``ansible-inventory --list`` and of
    openstack-ansible's openstack_inventory.json: ``_meta.hostvars`` and one
    key per group holding ``hosts``, ``children`` and ``vars`` (or just a
    list of hosts).
    """
    if not isinstance(data, dict):
        raise DiscoveryError('%s is not an inventory: expected a JSON object of groups, got %s.'
                             % (source, type(data).__name__))
    meta = data.get('_meta') or {}
    hostvars = meta.get('hostvars') if isinstance(meta, dict) else None
    if not isinstance(hostvars if hostvars is not None else {}, dict):
        raise DiscoveryError('%s: _meta.hostvars is not a mapping of host to variables.' % source)
    direct, children = {}, {}
    for name, group in data.items():
        if name == '_meta':
            continue
        if isinstance(group, list):
            group = {'hosts': group}
        if not isinstance(group, dict):
            raise DiscoveryError('%s: group %s is not an object with hosts and children.' % (source, name))
        hosts, kids = group.get('hosts') or [], group.get('children') or []
        if not isinstance(hosts, list) or not isinstance(kids, list):
            raise DiscoveryError('%s: hosts and children of group %s must be lists.' % (source, name))
        direct[name], children[name] = [str(h) for h in hosts], [str(c) for c in kids]

    def members(name, seen):
        if name in seen:
            return set()
        seen.add(name)
        found = set(direct.get(name, ()))
        for child in children.get(name, ()):
            found |= members(child, seen)
        return found

    groups = dict((name, members(name, set())) for name in direct)
    return groups, dict(hostvars or {})


def _address(hostvars):
    for key in ('ansible_host', 'container_address', 'ansible_ssh_host'):
        if hostvars.get(key):
            return str(hostvars[key])
    return None


def _osa_tag(hostvars, project):
    facts = ((hostvars.get('ansible_local') or {}).get('openstack_ansible') or {}).get(project) or {}
    return facts.get('venv_tag') if isinstance(facts, dict) else None


def build_cluster(groups, hostvars, group_binaries, role_groups, params, release_source=None):
    """Hosts and components from resolved inventory groups.

    ``group_binaries`` maps a group to ``[(project, binary), ...]``;
    ``role_groups`` a group to a role.  ``release_source(host, project,
    hostvars)`` may return ``(release, reason, extra)`` for components whose
    version is not given in ``params``.
    """
    versions = params.get('versions') or {}
    host_versions = params.get('host_versions') or {}
    components, roles = {}, {}
    for group in sorted(group_binaries):
        for host in sorted(groups.get(group, ())):
            for project, binary in group_binaries[group]:
                roles.setdefault(host, set()).add(role_of(binary))
                if (project, binary, host) in components:
                    continue
                component = {'service': project, 'binary': binary, 'host': host,
                             'version': None, 'release': None, 'state': None, 'extra': {}}
                version = host_versions.get(host, {}).get(project) or versions.get(project)
                vars_ = hostvars.get(host) or {}
                if version:
                    component['version'] = version
                    component['release'], reason = release_from_version(project, version)
                    component['extra'] = {'release_reason': reason}
                elif release_source is not None:
                    component['release'], reason, extra = release_source(host, project, vars_)
                    component['extra'] = dict(extra, release_reason=reason)
                else:
                    component['extra'] = {'release_reason': _UNKNOWN}
                components[(project, binary, host)] = component
    for group, role in role_groups.items():
        for host in groups.get(group, ()):
            roles.setdefault(host, set()).add(role)
    hosts = [{'name': host, 'address': _address(hostvars.get(host) or {}), 'roles': sorted(found)}
             for host, found in sorted(roles.items())]
    return hosts, [components[key] for key in sorted(components)]


_UNKNOWN = ('the source does not say which version runs; pass params.versions or '
            'params.host_versions (from host facts)')


def _osa_release(host, project, hostvars):
    tag = _osa_tag(hostvars, project)
    if not tag:
        return None, _UNKNOWN, {}
    release, reason = release_from_osa_tag(tag)
    return release, reason, {'venv_tag': str(tag)}


def _cached_local_facts(directory, hosts):
    """``{host: ansible_local}`` from a jsonfile fact cache (hosts without a file are left out)."""
    if not os.path.isdir(directory):
        raise DiscoveryError('Fact cache %s is not a directory.' % directory)
    found = {}
    for host in hosts:
        path = os.path.join(directory, host)
        if os.path.isfile(path):
            facts = read_json(path, 'Cached facts of %s,' % host)
            local = facts.get('ansible_local', facts.get('local')) if isinstance(facts, dict) else None
            if isinstance(local, dict):
                found[host] = local
    return found


def discover_openstack_ansible(params):
    """openstack-ansible's openstack_inventory.json, with venv tags from host facts."""
    path = params['inventory']
    data = read_json(path, 'openstack-ansible inventory')
    groups, hostvars = parse_inventory(data, path)
    if params.get('fact_cache'):
        for host, local in _cached_local_facts(params['fact_cache'], hostvars).items():
            hostvars[host] = dict(hostvars[host], ansible_local=local)
    known = dict((group, [(project_of(binary), binary)]) for group, binary in OSA_GROUPS.items())
    hosts, components = build_cluster(groups, hostvars, known, OSA_ROLE_GROUPS, params, _osa_release)
    if not components:
        raise DiscoveryError('%s names no OpenStack service group openstack-ansible deploys (such as '
                             'nova_compute or keystone_all); is it an openstack_inventory.json?' % path)
    return {'region': None, 'hosts': hosts, 'components': components}


def list_inventory(run_command, ansible_inventory, path):
    """``ansible-inventory --list`` of ``path`` (INI, YAML or TOML; scripts never run)."""
    if not os.path.isfile(path):
        raise DiscoveryError('Inventory %s does not exist.' % path)
    rc, out, err = run_command(
        [ansible_inventory, '-i', path, '--list'],
        environ_update={'ANSIBLE_INVENTORY_ENABLED': 'ini,yaml,toml',
                        'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True',
                        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'True',
                        'ANSIBLE_NOCOLOR': '1'})
    if rc != 0:
        detail = ' '.join(line.strip() for line in (err or out).splitlines() if line.strip())
        raise DiscoveryError('Cannot parse inventory %s: %s' % (path, detail or 'rc %s' % rc))
    try:
        return json.loads(out)
    except ValueError as exc:
        raise DiscoveryError('ansible-inventory printed no JSON for %s: %s.' % (path, exc)) from None


def _kolla_release(params):
    wanted = params.get('openstack_release')

    def source(host, project, vars_):
        value = wanted or vars_.get('openstack_release')
        if not value:
            return None, _UNKNOWN + ' (or openstack_release for kolla-ansible)', {}
        try:
            found = series(value).id
        except ReleaseError:
            return None, 'kolla-ansible openstack_release %r is not a known series' % value, {}
        return found, 'kolla-ansible openstack_release is %s' % found, {}
    return source


def discover_kolla_ansible(params, run_command, ansible_inventory):
    """kolla-ansible's multinode inventory."""
    path = params['inventory']
    groups, hostvars = parse_inventory(list_inventory(run_command, ansible_inventory, path), path)
    known = dict((group, [(project_of(binary), binary)]) for group, binary in KOLLA_GROUPS.items())
    hosts, components = build_cluster(groups, hostvars, known, KOLLA_ROLE_GROUPS, params,
                                      _kolla_release(params))
    if not components:
        raise DiscoveryError('%s has no host in a kolla-ansible service group (such as nova-compute '
                             'or keystone); is it a kolla-ansible multinode inventory?' % path)
    return {'region': None, 'hosts': hosts, 'components': components}


def discover_ansible_inventory(params, run_command, ansible_inventory):
    """Any inventory, with the groups -> services map of ``params.groups``."""
    inventory = params['inventory']
    if isinstance(inventory, dict):
        source = 'params.inventory'
        groups, hostvars = parse_inventory(inventory, source)
    else:
        source = inventory
        groups, hostvars = parse_inventory(list_inventory(run_command, ansible_inventory, inventory), inventory)
    missing = sorted(set(params['groups']) - set(groups))
    if missing:
        raise DiscoveryError('params.groups names %s, which %s does not have (its groups: %s).' % (
            ', '.join(missing), source, ', '.join(sorted(g for g in groups if g not in ('all', 'ungrouped')))))
    hosts, components = build_cluster(groups, hostvars, params['groups'], {}, params)
    return {'region': None, 'hosts': hosts, 'components': components}


# --------------------------------------------------------------------------
# The OpenStack APIs
# --------------------------------------------------------------------------

@contextlib.contextmanager
def counting_requests(session):
    """Count every HTTP request made through a keystoneauth session (auth included)."""
    counter = {'calls': 0}
    original = session.request
    lock = threading.Lock()  # discovery lists the compute services in a thread of its own

    def request(*args, **kwargs):
        with lock:
            counter['calls'] += 1
        return original(*args, **kwargs)

    session.request = request
    try:
        yield counter
    finally:
        session.request = original


def _openstack():
    """keystoneauth's and openstacksdk's exceptions and ``describe_api_error``, imported when first needed.

    Only the openstack_api method needs them (OpenStackModule reports when they are missing); the
    info modules and the inventory plugin import this module too, and importing openstacksdk takes
    about half a second.
    """
    # pylint: disable=import-outside-toplevel
    from keystoneauth1 import exceptions as ksa_exceptions
    from openstack import exceptions as sdk_exceptions

    from ansible_collections.osops.lifecycle.plugins.module_utils._openstack import describe_api_error
    return ksa_exceptions, sdk_exceptions, describe_api_error


def _api_errors():
    ksa_exceptions, sdk_exceptions = _openstack()[:2]
    return (ksa_exceptions.ClientException, sdk_exceptions.SDKException)


def read_catalog(conn, interface, region):
    """``{service type: {'url', 'region', 'name'}}`` from the token's catalog (no extra API call)."""
    ksa_exceptions, describe_api_error = _openstack()[::2]
    try:
        access = conn.session.auth.get_access(conn.session)
    except ksa_exceptions.DiscoveryFailure as exc:
        # keystoneauth wraps a refused connection in its version discovery error.
        reason = ('cannot connect to the identity service (auth_url): is the service running?'
                  if 'Unable to establish connection' in str(exc) else
                  'the identity service (auth_url) answered no version document; check auth_url')
        raise CloudError(_sentence('Cannot authenticate to read the service catalog: %s' % reason)) from None
    except _api_errors() as exc:
        raise CloudError(_sentence('Cannot authenticate to read the service catalog: %s'
                                   % describe_api_error(exc, 'the identity service (auth_url)'))) from None
    catalog = {}
    for entry in access.service_catalog.catalog or []:
        for endpoint in entry.get('endpoints') or []:
            if endpoint.get('interface') != interface:
                continue
            where = endpoint.get('region_id') or endpoint.get('region')
            if region and where != region:
                continue
            catalog.setdefault(entry.get('type'), {'url': endpoint.get('url'), 'region': where,
                                                   'name': entry.get('name')})
    return catalog


def version_document(conn, url):
    """``(api_version, max_microversion, problem)`` read from an endpoint's version document."""
    describe_api_error = _openstack()[2]
    try:
        response = conn.session.get(url, raise_exc=False, authenticated=True)
    except _api_errors() as exc:
        return None, None, describe_api_error(exc, url)
    if response.status_code not in (200, 300):
        return None, None, 'GET %s answered HTTP %s' % (url, response.status_code)
    try:
        body = response.json()
        entries = body['versions'] if 'versions' in body else [body['version']]
        if isinstance(entries, dict):  # keystone: {"versions": {"values": [...]}}
            entries = entries['values']
        current = [e for e in entries if str(e.get('status', '')).upper() in ('CURRENT', 'STABLE', 'SUPPORTED')]
        entry = max(current or entries, key=lambda e: Version(str(e['id']).lstrip('v')))
    except (ValueError, KeyError, TypeError, AttributeError, InvalidVersion):
        return None, None, 'the document at %s is not an OpenStack version document' % url
    return str(entry['id']), (entry.get('max_version') or entry.get('version') or None), None


# From 2.88 each hypervisor of GET /os-hypervisors/detail carries an uptime that
# nova-api asks that host's nova-compute for, one RPC call per hypervisor
# (waiting up to rpc_response_timeout for every unreachable one).  2.87 has
# every field discovery reads (type, version, host_ip, service host) and pages.
HYPERVISORS_MICROVERSION = '2.87'


def hypervisor_microversion(maximum):
    """Microversion to list hypervisors at: the server's maximum, capped at 2.87 (None: the SDK's choice)."""
    try:
        return min(Version(str(maximum)), Version(HYPERVISORS_MICROVERSION)).base_version if maximum else None
    except InvalidVersion:
        return None


_NOT_READ = 'hypervisor details (type, version, host address) not read'


def hypervisors_skipped(choice, computes):
    """Why hypervisors are not listed with ``params.hypervisors`` ``choice`` and ``computes`` nova-compute
    services, or None when they are."""
    if choice == 'always' or (choice == 'auto' and computes <= HYPERVISORS_AUTO_LIMIT):
        return None
    if choice == 'never':
        return 'params.hypervisors is never: %s.' % _NOT_READ
    return ('{:,} nova-compute services > {:,}: {}; nova-api looks each hypervisor up one by one; pass '
            'params.hypervisors: always to read them.'.format(computes, HYPERVISORS_AUTO_LIMIT, _NOT_READ))


def _sentence(text):
    return text if text.endswith(('.', '?', '!')) else text + '.'


def in_background(work):
    """Start ``work()`` in a thread now; a ``concurrent.futures.Future`` of what it returns or raises.

    The thread is a daemon: a module that fails in the meantime (a store
    that cannot be opened) exits at once instead of waiting for an API.
    """
    future = concurrent.futures.Future()

    def run():
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(work())
            except Exception as exc:  # pylint: disable=broad-exception-caught  # raised by future.result()
                future.set_exception(exc)

    threading.Thread(target=run, name='osops-discovery', daemon=True).start()
    return future


def _listing(what, proxy, path, key, endpoint, microversion=None):
    """Every item of a listing as plain dicts, one request per page.

    The JSON is read as it is: building an openstacksdk resource per item
    costs about a millisecond each, which at thousands of hosts was most of
    discovery's own time.  A next page (``<key>_links``, rel next) is asked of
    ``path`` with the link's query only, so a link naming another host or
    scheme (a proxy in front of the API) is not followed elsewhere.  A
    listing the service does not have (HTTP 404) is empty.
    """
    ksa_exceptions, sdk_exceptions, describe_api_error = _openstack()
    items, params = [], None
    while True:
        try:
            response = proxy.get(path, params=params, microversion=microversion)
            sdk_exceptions.raise_from_response(response)  # the proxy does not raise on HTTP errors
            body = response.json()
        except sdk_exceptions.NotFoundException:
            return items
        except ksa_exceptions.NotFound:
            return items
        except _api_errors() as exc:
            raise CloudError(_sentence('Cannot list %s: %s' % (what, describe_api_error(exc, endpoint)))) from None
        except ValueError:
            raise CloudError('Cannot list %s: GET %s%s did not answer JSON.' % (what, endpoint, path)) from None
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise CloudError('Cannot list %s: GET %s%s has no %s list.' % (what, endpoint, path, key))
        items.extend(page)
        following = [link.get('href') for link in body.get(key + '_links') or []
                     if isinstance(link, dict) and link.get('rel') == 'next' and link.get('href')]
        if not following or not page:
            return items
        params = dict(parse_qsl(urlsplit(following[0]).query, keep_blank_values=True))


def _state(up, enabled):
    return ('up' if up else 'down') + ('' if enabled else ' (disabled)')


def discover_openstack_api(conn, params, interface, region):
    """Read the cloud through openstacksdk.  Every listing is one paginated call, never per host.

    Besides ``region``, ``hosts`` and ``components``, returns ``notes`` (what was not read and why)
    and ``warnings`` (the notes the operator did not ask for, such as hypervisors skipped by
    ``params.hypervisors: auto`` above ``HYPERVISORS_AUTO_LIMIT`` computes).
    """
    catalog = read_catalog(conn, interface, region)
    if not catalog:
        raise CloudError('The service catalog has no %s endpoint%s; check interface and region_name.'
                         % (interface, ' in region %s' % region if region else ''))
    found = []  # (project, binary, host, state, extra)
    api = {}
    for service_type in sorted(catalog):
        project = SERVICE_PROJECTS.get(service_type, catalog[service_type]['name'] or service_type)
        if project in api:  # cinder is in the catalog under several types
            continue
        url = catalog[service_type]['url']
        api_version, maximum, problem = version_document(conn, url)
        api[project] = {'service_type': service_type, 'endpoint': url, 'api_version': api_version,
                        'max_microversion': maximum}
        extra = dict(api[project])
        if problem:
            extra['problem'] = problem
        binary = API_BINARIES.get(project, '%s-api' % project)
        found.append((project, binary, '', 'up' if not problem else 'down', extra))
    # nova-api takes longest to answer (about 3 s for 5,000 compute services): its listing runs in
    # a thread while the other services' listings are read.
    compute_services = None
    if 'compute' in catalog:
        compute_services = in_background(functools.partial(_listing, 'compute services', conn.compute,
                                                           '/os-services', 'services', catalog['compute']['url']))
    versions = params.get('versions') or {}
    host_versions = params.get('host_versions') or {}
    providers, agents = {}, []  # agents: neutron's agents and cinder's services, listed after nova's
    if 'placement' in catalog:
        url = catalog['placement']['url']
        for p in _listing('placement resource providers', conn.placement, '/resource_providers',
                          'resource_providers', url):
            providers[p.get('name')] = p.get('uuid')
    if 'network' in catalog:
        for a in _listing('network agents', conn.network, '/agents', 'agents', catalog['network']['url']):
            agents.append(('neutron', a.get('binary'), a.get('host'),
                           _state(bool(a.get('alive')), bool(a.get('admin_state_up'))),
                           {'agent_type': a.get('agent_type')}))
    volume_url = (catalog.get('block-storage') or catalog.get('volumev3') or {}).get('url')
    if volume_url:
        for s in _listing('volume services', conn.block_storage, '/os-services', 'services', volume_url):
            host = s.get('host') or ''
            agents.append(('cinder', s.get('binary'), host.split('@')[0],
                           _state(s.get('state') == 'up', s.get('status') == 'enabled'),
                           {'zone': s.get('zone'), 'backend_host': host}))
    addresses, hypervisors, notes, warnings = {}, {}, [], []
    if compute_services is not None:
        url = catalog['compute']['url']
        computes = 0
        for s in compute_services.result():
            found.append(('nova', s.get('binary'), s.get('host'),
                          _state(s.get('state') == 'up', s.get('status') == 'enabled'),
                          {'zone': s.get('zone'), 'disabled_reason': s.get('disabled_reason')}))
            computes += s.get('binary') == 'nova-compute'
        choice = params.get('hypervisors') or 'auto'
        skipped = hypervisors_skipped(choice, computes)
        if skipped:
            notes.append(skipped)
            if choice == 'auto':  # not asked for: also a warning
                warnings.append(skipped)
        microversion = hypervisor_microversion(api.get('nova', {}).get('max_microversion'))
        for h in [] if skipped else _listing('hypervisors', conn.compute, '/os-hypervisors/detail', 'hypervisors',
                                             url, microversion):
            name = (h.get('service') or {}).get('host') or h.get('hypervisor_hostname')
            hypervisors[name] = {'hypervisor_type': h.get('hypervisor_type'),
                                 'hypervisor_version': h.get('hypervisor_version')}
            if h.get('host_ip'):
                addresses[name] = h['host_ip']
    components, roles = [], {}
    for project, binary, host, state, extra in found + agents:
        if binary == 'nova-compute':
            extra.update(hypervisors.get(host, {}))
            if host in providers:
                extra['resource_provider'] = providers[host]
        component = {'service': project, 'binary': binary, 'host': host, 'state': state,
                     'version': host_versions.get(host, {}).get(project) or versions.get(project)}
        if component['version']:
            component['release'], reason = release_from_version(project, component['version'])
        else:
            component['release'], reason = release_from_microversion(project, api.get(project, {}).get('max_microversion'))
            if binary != API_BINARIES.get(project, '%s-api' % project) or host:
                component['release'], reason = None, None
            reason = reason or ('the %s API does not tell which version %s runs; pass params.versions '
                                'or params.host_versions (from host facts)' % (project, binary))
        extra['release_reason'] = reason
        component['extra'] = dict((k, v) for k, v in extra.items() if v is not None)
        components.append(component)
        if host:
            roles.setdefault(host, set()).add(role_of(binary))
    hosts = [{'name': host, 'address': addresses.get(host), 'roles': sorted(found_roles)}
             for host, found_roles in sorted(roles.items())]
    regions = sorted(set(entry['region'] for entry in catalog.values() if entry['region']))
    return {'region': ','.join(regions) or None, 'hosts': hosts, 'components': components,
            'notes': notes, 'warnings': warnings}


# --------------------------------------------------------------------------
# Summaries for the *_info modules
# --------------------------------------------------------------------------

def component_summary(components, target=None):
    """Components of a cluster grouped by (service, binary), with mixed versions flagged."""
    grouped = {}
    for component in components:
        grouped.setdefault((component['service'], component['binary']), []).append(component)
    result = []
    for (service, binary), members in sorted(grouped.items()):
        releases = sorted(set(m['release'] for m in members if m['release']))
        versions = sorted(set(m['version'] for m in members if m['version']))
        unknown = sorted(m['host'] or '(cluster)' for m in members if not m['release'])
        entry = {
            'service': service, 'binary': binary,
            'hosts': sorted(m['host'] for m in members if m['host']),
            'versions': versions, 'releases': releases,
            'mixed': len(releases) > 1 or len(versions) > 1,
            'unknown_release_hosts': unknown,
            'release_reasons': sorted(set(m['extra'].get('release_reason') for m in members
                                          if not m['release'] and m['extra'].get('release_reason'))),
        }
        if target is not None:
            entry['can_upgrade'], entry['reason'] = _can_upgrade(binary, members, releases, unknown, target)
        result.append(entry)
    return result


def _where(members, release):
    return ', '.join(sorted(m['host'] or '(cluster)' for m in members if m['release'] == release))


def _can_upgrade(binary, members, releases, unknown, target):
    if len(releases) > 1:
        return False, ('%s runs mixed releases (%s): finish the previous upgrade first.' % (
            binary, '; '.join('%s on %s' % (r, _where(members, r)) for r in releases)))
    if unknown or not releases:
        return False, ('the release of %s on %s is unknown: rediscover with params.versions or '
                       'params.host_versions.' % (binary, ', '.join(unknown)))
    return check_upgrade_path(releases[0], target)


def cluster_release(components):
    """``(release or None, reason)`` of a whole cluster from its components."""
    if not components:
        return None, 'the cluster has no components'
    releases = sorted(set(c['release'] for c in components if c['release']), key=series)
    unknown = [c for c in components if not c['release']]
    if len(releases) > 1:
        where = dict((r, sorted(set('%s on %s' % (c['binary'], c['host'] or '(cluster)')
                                    for c in components if c['release'] == r))) for r in releases)
        return None, 'mixed releases: %s' % '; '.join('%s (%s)' % (r, ', '.join(where[r][:3]) + (
            ', ...' if len(where[r]) > 3 else '')) for r in releases)
    if not releases:
        return None, 'the release of no component is known; rediscover with params.versions'
    if unknown:
        names = sorted(set('%s on %s' % (c['binary'], c['host'] or '(cluster)') for c in unknown))
        return None, ('%d of %d components run %s; the release of the others is unknown (%s): '
                      'rediscover with params.versions or params.host_versions'
                      % (len(components) - len(unknown), len(components), releases[0],
                         ', '.join(names[:5]) + (', ...' if len(names) > 5 else '')))
    return releases[0], 'every component runs %s' % releases[0]


def upgrade_options(current, reason_if_unknown=None):
    """Where ``current`` may upgrade to (``allowed``) and why not elsewhere (``refused``)."""
    allowed, refused = [], []
    for candidate in all_series():
        entry = {'release': candidate.id, 'name': candidate.name, 'slurp': candidate.slurp}
        if current is not None and candidate <= series(current):
            continue
        if current is None:
            refused.append(dict(entry, reason=reason_if_unknown))
            continue
        ok, reason = check_upgrade_path(current, candidate)
        if ok and not candidate.projects:
            ok, reason = False, '%s is not released yet.' % candidate.id
        (allowed if ok else refused).append(dict(entry, reason=reason))
    return allowed, refused


# --------------------------------------------------------------------------
# The store, as the discovery and cluster modules open it
# --------------------------------------------------------------------------

STORE_ARGUMENT_SPEC = dict(store=dict(type='str'))


@contextlib.contextmanager
def module_store(module, read_only=False, predict=False):
    """Open the store of ``module``'s ``store`` option; its password is masked in every output.

    With ``read_only``, a SQLite store file that does not exist yet is not
    created: None is yielded and the caller reports that nothing is stored.
    With ``predict`` (check mode of a state module), an empty in-memory store
    stands in for it, so changes are predicted without creating the file.
    """
    # pylint: disable=import-outside-toplevel
    # Imported here, not with this module: SQLAlchemy and alembic take most of a second to import,
    # which cluster_discover spends while its API discovery runs (in_background).
    from ansible_collections.osops.lifecycle.plugins.module_utils._store import (
        open_store,
        sqlite_path,
        store_url,
        url_password,
    )
    url = store_url(module.params.get('store'))
    password = url_password(url)
    if password:
        module.ansible.no_log_values.add(password)
    path = sqlite_path(url)
    if (read_only or predict) and path is not None and not os.path.exists(path):
        if not predict:
            yield None
            return
        url = 'sqlite://'
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


# Maintenance session states after which a host is back in service (Fenix's final states).
_FINISHED_SESSION_STATES = ('MAINTENANCE_DONE', 'MAINTENANCE_FAILED')


def cluster_status(cluster, upgrade, sessions, last_run):
    """Cluster-status of one stored cluster: region(s), releases, state with reason, upgrade.

    ``cluster`` is a stored cluster with its hosts and components.
    ``state`` is the stored one when it is not active (set by whoever put the
    cluster in maintenance or error), else ``error`` when the last discovery
    failed or an enabled component is down, else ``maintenance`` while a
    maintenance session is open, else ``active``.
    """
    components = cluster['components']
    release, release_reason = cluster_release(components)
    releases = {}
    for component in components:
        entry = releases.setdefault('%s/%s' % (component['service'], component['binary']), set())
        entry.add(component['release'])
    state, reason = cluster['state'], cluster.get('state_reason')
    down = sorted('%s on %s' % (c['binary'], c['host'] or '(cluster)') for c in components
                  if c['state'] == 'down')
    open_sessions = [s for s in sessions if s['state'] not in _FINISHED_SESSION_STATES]
    if state == 'active':
        if last_run and last_run['status'] == 'failed':
            state, reason = 'error', 'the last discovery (%s) failed: %s' % (last_run['started_at'], last_run['error'])
        elif down:
            state, reason = 'error', 'down: %s' % ', '.join(down)
        elif open_sessions:
            state, reason = 'maintenance', 'maintenance session %s is %s' % (
                open_sessions[0]['id'], open_sessions[0]['state'])
    return {
        'name': cluster['name'],
        'regions': [r for r in (cluster['region'] or '').split(',') if r],
        'method': cluster['method'],
        'state': state,
        'state_reason': reason,
        'release': release,
        'release_reason': release_reason,
        'component_releases': dict((key, sorted(r or 'unknown' for r in value))
                                   for key, value in sorted(releases.items())),
        'hosts': len(cluster['hosts']),
        'upgrade_in_progress': upgrade is not None,
        'upgrade': None if upgrade is None else dict(
            (k, upgrade[k]) for k in ('id', 'from_release', 'to_release', 'status')),
        'discovered_at': cluster['updated_at'],
        'last_discovery': None if last_run is None else dict(
            (k, last_run[k]) for k in ('started_at', 'status', 'api_calls', 'error')),
    }
