# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""kolla-ansible: which services run on which hosts, as its roles decide.

kolla's inventory lists where each service would run; its settings (globals.yml, with the
defaults of ``ansible/group_vars/all``) decide which run at all. Each service's hosts
below follow its role's ``group`` / ``host_in_groups`` in kolla-ansible 2024.1 to 2026.1
(``roles/*/defaults/main.yml``). Pure data and functions.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.osops.lifecycle.plugins.module_utils._discovery.topology import DiscoveryError

# kolla's top-level groups: the roles of their hosts.
ROLE_GROUPS = dict((role, role) for role in ('control', 'compute', 'network', 'storage', 'monitoring'))

# kolla-ansible's defaults of the settings that decide which services run.
DEFAULTS = {
    'neutron_plugin_agent': 'openvswitch', 'nova_console': 'novnc',
    'enable_cells': False, 'enable_nova_serialconsole_proxy': False,
    'enable_ironic': False, 'enable_neutron_dvr': False, 'neutron_ovn_dhcp_agent': False,
    'enable_cinder': False, 'enable_cinder_backup': True, 'enable_cinder_backend_lvm': False,
    'enable_heat': True, 'enable_horizon': True, 'enable_cloudkitty': False,
    'enable_mariadb': True, 'enable_rabbitmq': True, 'enable_memcached': True, 'enable_openvswitch': True,
}
# Services that run on their own group when kolla runs them at all.
# (a kolla inventory that places none of them on a host is no deployment: discovery refuses it)
_ALWAYS = CONTROL = ('keystone', 'glance-api', 'placement-api', 'nova-api', 'nova-scheduler', 'nova-conductor',
                     'neutron-server', 'neutron-rpc-server')
_SWITCHED = (  # (setting, binaries)
    ('enable_heat', ('heat-api', 'heat-api-cfn', 'heat-engine')),
    ('enable_horizon', ('horizon',)),
    ('enable_cinder', ('cinder-api', 'cinder-scheduler')),
    ('enable_cloudkitty', ('cloudkitty-api', 'cloudkitty-processor')),
    ('enable_cells', ('nova-super-conductor',)),
    ('enable_ironic', ('nova-compute-ironic',)),
    ('enable_nova_serialconsole_proxy', ('nova-serialproxy',)),
    ('enable_mariadb', ('mariadb',)),
    ('enable_rabbitmq', ('rabbitmq',)),
    ('enable_memcached', ('memcached',)),
)
# Hosts of neutron's agents and of Open vSwitch (kolla's host_in_groups).
_AGENT_GROUPS = ('compute', 'neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent')


class Settings(object):
    """kolla's settings for one host: defaults, then its inventory variables, then globals (extra vars)."""

    def __init__(self, globals_, hostvars, host=None):
        self.values = dict(DEFAULTS)
        self.values.update((k, v) for k, v in hostvars.items() if k in DEFAULTS)
        self.values.update((k, v) for k, v in globals_.items() if k in DEFAULTS)
        self.host = host

    def __getitem__(self, name):
        return self.values[name]

    def flag(self, name):
        value = self.values[name]
        text = value.lower() if isinstance(value, str) else value
        if text in BOOLEANS_TRUE:
            return True
        if text in BOOLEANS_FALSE:
            return False
        raise DiscoveryError('kolla-ansible setting %s%s is %r, expected a boolean (yes, no, true, false); '
                             'fix it in params.globals or the inventory.'
                             % (name, ' of %s' % self.host if self.host else '', value))


def settings(globals_, hostvars, host=None):
    return Settings(globals_ or {}, hostvars or {}, host)


def service_groups(s):
    """Binary -> the inventory groups whose hosts run it, for the settings ``s``."""
    found = dict((binary, (binary,)) for binary in _ALWAYS)
    found['nova-api-metadata'] = ('nova-metadata',)
    found['neutron-periodic-workers'] = ('neutron-periodic-worker',)
    for setting, binaries in _SWITCHED:
        if s.flag(setting):
            found.update((binary, (binary,)) for binary in binaries)
    found['nova-compute'] = ('compute',)
    if s['nova_console'] == 'novnc':
        found['nova-novncproxy'] = ('nova-novncproxy',)
    elif s['nova_console'] == 'spice':
        found['nova-spicehtml5proxy'] = ('nova-spicehtml5proxy',)
    if s.flag('enable_cinder'):
        lvm = '-lvm' if s.flag('enable_cinder_backend_lvm') else ''
        found['cinder-volume'] = ('cinder-volume' + lvm,)
        if s.flag('enable_cinder_backup'):
            found['cinder-backup'] = ('cinder-backup' + lvm,)
    if s.flag('enable_openvswitch'):
        found['openvswitch-db-server'] = found['openvswitch-vswitchd'] = _AGENT_GROUPS
    dvr = ('compute',) if s.flag('enable_neutron_dvr') else ()
    if s['neutron_plugin_agent'] == 'ovn':
        for binary in ('ovn-controller', 'ovn-northd', 'ovn-nb-db', 'ovn-sb-db', 'ovn-sb-db-relay',
                       'neutron-ovn-metadata-agent', 'neutron-ovn-maintenance-worker'):
            found[binary] = (binary,)
        if s.flag('neutron_ovn_dhcp_agent'):
            found['neutron-dhcp-agent'] = ('neutron-dhcp-agent',)
    else:
        found['neutron-dhcp-agent'] = ('neutron-dhcp-agent',)
        found['neutron-l3-agent'] = ('neutron-l3-agent',) + dvr
        found['neutron-metadata-agent'] = ('neutron-metadata-agent',) + dvr
        if s['neutron_plugin_agent'] == 'openvswitch':
            found['neutron-openvswitch-agent'] = _AGENT_GROUPS
    return found


def placements(groups, hostvars, globals_):
    """``[(host, binary)]`` of every service kolla runs, each host read with its own settings."""
    hosts = sorted(set().union(*groups.values()) if groups else ())
    found = []
    for host in hosts:
        for binary, where in sorted(service_groups(settings(globals_, hostvars.get(host), host)).items()):
            if any(host in groups.get(group, ()) for group in where):
                found.append((host, binary))
    return found
