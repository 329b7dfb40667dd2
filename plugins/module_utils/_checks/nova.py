# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read nova's databases, and the upgrade path (one class per check module).

The check modules (``check_cells_v2`` ...) and ``check_batch`` run these
classes; they live here so that one process can run several.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.module import CheckModule, ServiceConfigCheckModule
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import (
    CELL0_UUID,
    COMPUTE_BINARY,
    CONTROL_BINARIES,
    NovaDatabaseAccess,
    service_summary,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import (
    all_series,
    check_upgrade_path,
    release_of,
    series,
    upgrade_paths,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._service.config import ServiceConfig, ServiceConfigMixin, files_key


class NovaDatabaseCheckModule(NovaDatabaseAccess, ServiceConfigCheckModule):
    """A check that reads nova's API and cell databases."""


# --- check_cells_v2 --------------------------------------------------------
class CheckCellsV2Module(NovaDatabaseCheckModule):
    check_name = 'Cells v2'
    cells = ()

    def checks(self):
        return [(self.check_name, self.check_cells_v2)]

    def check_cells_v2(self):
        self.cells = [dict(name=c['name'], uuid=c['uuid']) for c in self.database.cell_mappings()]
        if len(self.cells) < 2:
            return failure('There needs to be at least two cell mappings, one for cell0 and '
                           'one for your first cell. Run command \'nova-manage cell_v2 '
                           'simple_cell_setup\' and then retry.')
        if not any(c['uuid'] == CELL0_UUID for c in self.cells):
            return failure('No cell0 mapping found. Run command \'nova-manage cell_v2 '
                           'simple_cell_setup\' and then retry.')
        if self.database.host_mapping_count() == 0:
            if self.database.compute_node_count() > 0:
                return failure('No host mappings found but there are compute nodes. Run '
                               'command \'nova-manage cell_v2 simple_cell_setup\' and then retry.')
            return success('No host mappings or compute nodes were found. Remember to run '
                           'command \'nova-manage cell_v2 discover_hosts\' when new compute '
                           'hosts are deployed.')
        return success()

    def extra_results(self):
        return dict(cells=list(self.cells))


# --- check_old_computes ----------------------------------------------------
def release_label(version):
    """``2024.1`` for a compute service version the release data knows, else the number."""
    for candidate in all_series():
        if candidate.nova_compute_service_version == version:
            return '%d (%s)' % (version, candidate.id)
    return str(version)


class CheckOldComputesModule(NovaDatabaseCheckModule):
    check_name = 'Older than N-1 computes'
    argument_spec = dict(
        target_release=dict(type='str', required=True),
    )

    computes = ()

    def validate(self):
        self.target = series(self.params['target_release'])
        self.oldest = self.target.nova_oldest_compute_service_version
        if self.oldest is None:
            raise OsopsError(
                'The oldest nova-compute service version %s (%s) accepts is not known to '
                'this collection; this check cannot be made for that target.'
                % (self.target.id, self.target.name))

    def checks(self):
        return [(self.check_name, self.check_old_computes)]

    def check_old_computes(self):
        self.computes = [dict(cell=c['cell'], host=c['host'], version=c['version'])
                         for c in self.database.services([COMPUTE_BINARY])]
        too_old = sorted((c for c in self.computes if c['version'] < self.oldest),
                         key=lambda c: (c['version'], c['host']))
        if not too_old:
            return success()
        oldest_series = next((s for s in all_series()
                              if s.nova_compute_service_version == self.oldest), None)
        return failure(
            'Nova %s does not support computes older than %s but the minimum compute '
            'service level in your system is %s (on %s) and the oldest supported service '
            'level is %d. Upgrade those computes first, or choose an earlier target release.'
            % (self.target.id, oldest_series.id if oldest_series else 'version %d' % self.oldest,
               release_label(too_old[0]['version']),
               ', '.join(sorted(set(c['host'] for c in too_old))), self.oldest))

    def extra_results(self):
        return dict(oldest_supported_version=self.oldest, computes=list(self.computes))


# --- check_hw_machine_type -------------------------------------------------
class CheckHwMachineTypeModule(NovaDatabaseCheckModule):
    check_name = 'hw_machine_type unset'
    instances = ()

    def checks(self):
        return [(self.check_name, self.check_machine_type)]

    def check_machine_type(self):
        self.instances = self.database.instances_without_machine_type()
        if not self.instances:
            return success()
        return warning(
            '%d instances found without hw_machine_type set. This warning can be ignored if '
            'your environment does not contain libvirt based compute hosts. Use the '
            '`nova-manage machine_type list_unset` command to list these instances and '
            '`nova-manage machine_type update` to record their type. See '
            'https://docs.openstack.org/nova/latest/admin/hw-machine-type.html'
            % len(self.instances))

    def extra_results(self):
        return dict(instances=list(self.instances))


# --- check_rpc_pin ---------------------------------------------------------
RPC_PIN_HOW = ('Set [upgrade_levels] compute = auto in nova.conf on every nova API, conductor and '
               'scheduler host and restart those services.')


class CheckRpcPinModule(NovaDatabaseCheckModule):
    check_name = 'Compute RPC version pin'
    pin = None

    def checks(self):
        return [(self.check_name, self.check_rpc_pin)]

    def check_rpc_pin(self):
        self.pin = (self.config.get('upgrade_levels', 'compute') or '').strip() or None
        if self.pin:
            return success('Compute RPC is pinned to %s.' % self.pin)
        services = self.database.services((COMPUTE_BINARY,) + CONTROL_BINARIES)
        control = [s['version'] for s in services if s['binary'] != COMPUTE_BINARY]
        behind = sorted(set(s['host'] for s in services if s['binary'] == COMPUTE_BINARY
                            and control and s['version'] < max(control)))
        if behind:
            return failure(
                'Computes %s run an older service version than the control services (%d) '
                'and [upgrade_levels] compute is not set: the control services send compute '
                'RPC those computes cannot read, and live migrations hang. %s'
                % (', '.join(behind), max(control), RPC_PIN_HOW))
        return warning('[upgrade_levels] compute is not set. A rolling upgrade runs newer '
                       'control services over older computes; without the pin they send '
                       'compute RPC the older computes cannot read. %s' % RPC_PIN_HOW)

    def extra_results(self):
        return dict(pin=self.pin)


# --- check_upgrade_path ----------------------------------------------------
class CheckUpgradePathModule(NovaDatabaseAccess, ServiceConfigMixin, CheckModule):
    check_name = 'Upgrade path (SLURP)'
    argument_spec = dict(
        current_release=dict(type='str'),
        project=dict(type='str', default='nova'),
        version=dict(type='str'),
        from_nova_database=dict(type='bool'),
        target_release=dict(type='str', required=True),
        current_release_source=dict(type='str'),
    )
    module_kwargs = dict(
        supports_check_mode=True,
        required_one_of=[('current_release', 'version', 'from_nova_database')],
        mutually_exclusive=[('current_release', 'version'), ('current_release', 'from_nova_database')],
    )

    project = 'openstack'
    current = None

    @property
    def config(self):
        # nova's configuration names nova's databases, whatever this check's project.
        if getattr(self, '_config', None) is None:
            self._config = self.shared(
                ('config', 'nova', files_key(self.params['config_files']), self.params['config_dir']),
                lambda: ServiceConfig('nova', self.params['config_files'], self.params['config_dir']))
        return self._config

    def validate(self):
        self.fallback = None
        if self.params['current_release']:
            self.current = series(self.params['current_release'])
        elif self.params['version']:
            self.fallback = release_of(self.params['project'], self.params['version'])
            if self.fallback is None:
                raise OptionError('version', self.params['version'],
                                  'a %s version of a release this collection knows'
                                  % self.params['project'])
            if not self.params['from_nova_database']:
                self.current = self.fallback
        elif not self.params['from_nova_database']:
            raise OptionError('from_nova_database', False, 'true when neither current_release nor version is given')
        self.target = series(self.params['target_release'])

    def checks(self):
        return [(self.check_name, self.check_path)]

    def _source(self):
        """The current release and how it was found (reading nova's database when asked)."""
        given = (self.params['current_release_source'] or '').strip().rstrip('.')
        if self.current is not None:
            return self.current, given
        try:
            lowest = service_summary(self.database.service_versions(), CONTROL_BINARIES)['min']
        except OsopsError as exc:
            lowest = dict(release=None, note=exc.msg.rstrip('.'))
        if lowest['release']:
            return series(lowest['release']), (
                "from nova's database: the lowest service version of nova's control services is %s%s"
                % (lowest['version'], ' (%s)' % lowest['note'] if lowest['note'] else ''))
        if self.fallback is None:
            raise OsopsError("Nova's database gave no current release (%s); pass current_release, or version "
                             'as the fallback.' % lowest['note'])
        return self.fallback, "%s, because nova's database gave no release: %s" % (
            given or 'from %s %s' % (self.params['project'], self.params['version']), lowest['note'])

    def check_path(self):
        self.current, source = self._source()
        allowed, reason = check_upgrade_path(self.current, self.target)
        if source:
            reason = '%s Current release %s: %s.' % (reason, self.current.id, source.rstrip('.'))
        return success(reason) if allowed else failure(reason)

    def extra_results(self):
        if self.current is None:
            return dict(current_release=None, target_release=self.target.id, allowed_targets=[])
        return dict(current_release=self.current.id, target_release=self.target.id,
                    allowed_targets=[s.id for s in upgrade_paths(self.current)])
