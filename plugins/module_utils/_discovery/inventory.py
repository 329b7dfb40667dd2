# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery from deployment inventories: openstack-ansible, kolla-ansible, any Ansible inventory.

Each parser is a pure function over plain data (the inventory, host facts),
tested on fixtures without Ansible; only ``list_inventory`` runs a command
(``ansible-inventory --list``, through the module's ``run_command``).
"""

from __future__ import annotations

import json
import os
import re

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery import kolla
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.inference import release_from_osa_tag
from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.topology import (
    OSA_GROUPS,
    OSA_ROLE_GROUPS,
    DiscoveryError,
    host_roles,
    project_of,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, release_from_version, series


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
        raise DiscoveryError('%s %s is not valid JSON: %s. Fix the file, or give the one its tool wrote.'
                             % (what, path, exc)) from None


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


def group_placements(groups, group_binaries):
    """``[(host, binary)]`` from ``group_binaries`` (a group to the binaries its hosts run)."""
    return [(host, binary) for group in sorted(group_binaries) for host in sorted(groups.get(group, ()))
            for binary in group_binaries[group]]


def build_cluster(groups, hostvars, placements, role_groups, params, release_source=None):
    """Hosts and components from ``placements`` (``[(host, binary), ...]``).

    A host's roles are those of the ``role_groups`` (a group to a role) it is in; a host in
    none of them gets the roles of the binaries it runs.  ``release_source(host, project,
    hostvars)`` may return ``(release, reason, extra)`` for components whose version is not
    given in ``params``.
    """
    versions = params.get('versions') or {}
    host_versions = params.get('host_versions') or {}
    components, binaries = {}, {}
    for host, binary in placements:
        project = project_of(binary)
        binaries.setdefault(host, set()).add(binary)
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
    roles = {}
    for group, role in role_groups.items():
        for host in groups.get(group, ()):
            roles.setdefault(host, set()).add(role)
    for host, found in binaries.items():
        roles.setdefault(host, set(host_roles(found)))
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


def _osa_hosts_known(data, hostvars, path):
    """openstack-ansible's inventory holds every host's variables in ``_meta.hostvars``; DiscoveryError if not."""
    meta = data.get('_meta')
    if not isinstance(meta, dict) or not isinstance(meta.get('hostvars'), dict):
        raise DiscoveryError('%s has no _meta.hostvars: openstack-ansible\'s openstack_inventory.json holds every '
                             'host\'s variables (address, container) there. Give the file openstack-ansible wrote '
                             '(/etc/openstack_deploy/openstack_inventory.json), not a copy cut short or edited by hand.'
                             % path)
    unknown = sorted('%s (group %s)' % (host, name) for name, group in data.items() if name != '_meta'
                     for host in (group if isinstance(group, list) else group.get('hosts') or [])
                     if str(host) not in hostvars)
    if unknown:
        raise DiscoveryError('%s names host%s %s, which _meta.hostvars does not hold: expected every host of a group '
                             'there, as openstack-ansible writes it. Regenerate the inventory (openstack-ansible\'s '
                             'dynamic_inventory.py) or remove the stray host%s from %s.'
                             % (path, 's' if len(unknown) > 1 else '', ', '.join(unknown[:5]) + (
                                 ', ... (%d in all)' % len(unknown) if len(unknown) > 5 else ''),
                                's' if len(unknown) > 1 else '', 'that group' if len(unknown) == 1 else 'those groups'))


def discover_openstack_ansible(params):
    """openstack-ansible's openstack_inventory.json, with venv tags from host facts."""
    path = params['inventory']
    data = read_json(path, 'openstack-ansible inventory')
    groups, hostvars = parse_inventory(data, path)
    _osa_hosts_known(data, hostvars, path)
    if params.get('fact_cache'):
        for host, local in _cached_local_facts(params['fact_cache'], hostvars).items():
            hostvars[host] = dict(hostvars[host], ansible_local=local)
    known = dict((group, [binary]) for group, binary in OSA_GROUPS.items())
    hosts, components = build_cluster(groups, hostvars, group_placements(groups, known), OSA_ROLE_GROUPS,
                                      params, _osa_release)
    if not components:
        raise DiscoveryError('%s names no OpenStack service group openstack-ansible deploys (such as '
                             'nova_compute or keystone_all); is it an openstack_inventory.json?' % path)
    return {'region': None, 'hosts': hosts, 'components': components}


def _inventory_errors(text):
    """What each inventory plugin said of a source it could not parse, one clause each, without the noise."""
    said = re.findall(r"Failed to parse inventory with '(\w+)' plugin: (?:Failed to parse inventory: )?(.*)", text)
    if said:
        return '; '.join('as %s, %s' % (plugin.upper() if plugin != 'yaml' else 'YAML', reason.strip().rstrip('.'))
                         for plugin, reason in said)
    return ' '.join(line.strip() for line in text.splitlines() if line.strip()).rstrip('.')


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
        raise DiscoveryError('Cannot parse inventory %s: %s. Fix the file (ansible-inventory -i %s --list shows '
                             'the same error).' % (path, _inventory_errors(err or out) or 'rc %s' % rc, path))
    try:
        return json.loads(out)
    except ValueError as exc:
        raise DiscoveryError('ansible-inventory printed no JSON for %s: %s.' % (path, exc)) from None


def _kolla_release(params):
    wanted = params.get('openstack_release') or (params.get('globals') or {}).get('openstack_release')

    def source(host, project, vars_):
        value = wanted or vars_.get('openstack_release')
        if not value:
            return None, _UNKNOWN + ' (or openstack_release for kolla-ansible)', {}
        try:
            found = series(str(value)).id
        except ReleaseError:
            return None, 'kolla-ansible openstack_release %r is not a known series' % value, {}
        return found, 'kolla-ansible openstack_release is %s' % found, {}
    return source


def discover_kolla_ansible(params, run_command, ansible_inventory):
    """kolla-ansible's inventory (multinode, all-in-one) and settings (``params.globals``)."""
    path = params['inventory']
    groups, hostvars = parse_inventory(list_inventory(run_command, ansible_inventory, path), path)
    placements = kolla.placements(groups, hostvars, params.get('globals'))
    hosts, components = build_cluster(groups, hostvars, placements, kolla.ROLE_GROUPS, params,
                                      _kolla_release(params))
    if not components:
        raise DiscoveryError('%s has no host in a kolla-ansible service group (such as nova-api or '
                             'compute); is it a kolla-ansible multinode inventory?' % path)
    if not any(binary in kolla.CONTROL for binary in set(c['binary'] for c in components)):
        raise DiscoveryError('%s places none of kolla-ansible\'s control services (%s) on a host: expected hosts in '
                             'its control group (kolla\'s service groups, such as [nova:children], name it). Add '
                             'the control hosts, or restore the [SERVICE:children] sections of kolla\'s multinode '
                             'inventory.' % (path, ', '.join(kolla.CONTROL)))
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
    missing = sorted(name for name in params['groups'] if not groups.get(name))
    if missing:
        raise DiscoveryError('params.groups names %s, which %s has no host in (its groups with hosts: %s). Add the '
                             'hosts to %s, or map the groups that hold them in params.groups.' % (
                                 ', '.join(missing), source, ', '.join(sorted(
                                     g for g in groups if groups[g] and g not in ('all', 'ungrouped'))) or 'none',
                                 'that group' if len(missing) == 1 else 'those groups'))
    hosts, components = build_cluster(groups, hostvars, group_placements(groups, params['groups']), {}, params)
    return {'region': None, 'hosts': hosts, 'components': components}
