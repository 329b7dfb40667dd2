# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The readiness checks that read nova's databases, and the upgrade path: functions of a :class:`CheckContext`.

``_checks.registry`` names them (and their options) per check module.
"""

from __future__ import annotations

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.advice import (
    DISCOVER_HOSTS,
    LIST_UNSET_MACHINE_TYPE,
    ONLINE_DATA_MIGRATIONS,
    SIMPLE_CELL_SETUP,
    UPDATE_MACHINE_TYPE,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import failure, success, warning
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError, OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_db import (
    CELL0_UUID,
    COMPUTE_BINARY,
    CONTROL_BINARIES,
    service_summary,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._service.nova_migrations import pending_online_migrations
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import (
    all_series,
    check_upgrade_path,
    release_of,
    series,
    upgrade_paths,
)


# --- check_cells_v2 --------------------------------------------------------
def cells_v2(ctx):
    cells = ctx.found['cells'] = [dict(name=c['name'], uuid=c['uuid']) for c in ctx.database.cell_mappings()]
    setup = "Run command '%s' and then retry." % SIMPLE_CELL_SETUP
    if len(cells) < 2:
        return failure('There needs to be at least two cell mappings, one for cell0 and '
                       'one for your first cell. ' + setup)
    if not any(c['uuid'] == CELL0_UUID for c in cells):
        return failure('No cell0 mapping found. ' + setup)
    if ctx.database.host_mapping_count() == 0:
        if ctx.database.compute_node_count() > 0:
            return failure('No host mappings found but there are compute nodes. ' + setup)
        return success("No host mappings or compute nodes were found. Remember to run "
                       "command '%s' when new compute hosts are deployed." % DISCOVER_HOSTS)
    return success()


# --- check_old_computes ----------------------------------------------------
def release_label(version):
    """``2024.1`` for a compute service version the release data knows, else the number."""
    for candidate in all_series():
        if candidate.nova_compute_service_version == version:
            return '%d (%s)' % (version, candidate.id)
    return str(version)


def old_computes_options(params):
    """The oldest compute service version the target release accepts; OsopsError when it is not known."""
    target = series(params['target_release'])
    if target.nova_oldest_compute_service_version is None:
        raise OsopsError(
            'The oldest nova-compute service version %s (%s) accepts is not known to '
            'this collection; this check cannot be made for that target.'
            % (target.id, target.name))
    return dict(oldest_supported_version=target.nova_oldest_compute_service_version)


def old_computes(ctx):
    target = series(ctx.params['target_release'])
    oldest = target.nova_oldest_compute_service_version
    computes = ctx.found['computes'] = [dict(cell=c['cell'], host=c['host'], version=c['version'])
                                        for c in ctx.database.services([COMPUTE_BINARY])]
    too_old = sorted((c for c in computes if c['version'] < oldest), key=lambda c: (c['version'], c['host']))
    if not too_old:
        return success()
    oldest_series = next((s for s in all_series() if s.nova_compute_service_version == oldest), None)
    return failure(
        'Nova %s does not support computes older than %s but the minimum compute '
        'service level in your system is %s (on %s) and the oldest supported service '
        'level is %d. Upgrade those computes first, or choose an earlier target release.'
        % (target.id, oldest_series.id if oldest_series else 'version %d' % oldest,
           release_label(too_old[0]['version']),
           ', '.join(sorted(set(c['host'] for c in too_old))), oldest))


# --- check_hw_machine_type -------------------------------------------------
def hw_machine_type(ctx):
    instances = ctx.found['instances'] = ctx.database.instances_without_machine_type()
    if not instances:
        return success()
    return warning(
        '%s without hw_machine_type set. This warning can be ignored if your environment '
        'does not contain libvirt based compute hosts. Use `%s` to list these instances and '
        '`%s` to record their type. See https://docs.openstack.org/nova/latest/admin/hw-machine-type.html'
        % ('1 instance found' if len(instances) == 1 else '%d instances found' % len(instances),
           LIST_UNSET_MACHINE_TYPE, UPDATE_MACHINE_TYPE))


# --- check_online_migrations -----------------------------------------------
def _rows(count):
    return '1 row' if count == 1 else '%d rows' % count


def _listed(found, key):
    return '; '.join('%s: %s in %s' % (f['migration'], _rows(f[key]), f['database']) for f in found if f[key])


def online_migrations(ctx):
    found = ctx.found['online_migrations'] = pending_online_migrations(ctx.database)
    pending = sum(f['pending'] for f in found)
    stuck = sum(f['stuck'] for f in found)
    cannot = ('%s cannot be migrated (%s): %s.' % (
        _rows(stuck), '; '.join(sorted(set(f['why'] for f in found if f['stuck']))), _listed(found, 'stuck'))) if stuck else ''
    if pending:
        return failure(
            '%s of the online data migrations of nova are not done: %s. The next release may drop the code '
            'that migrates them. Run `%s` of the current release, once with the config of each cell named, '
            'until it reports nothing left to migrate.%s'
            % (_rows(pending), _listed(found, 'pending'), ONLINE_DATA_MIGRATIONS, ' ' + cannot if cannot else ''))
    if stuck:
        return warning('The online data migrations of nova are done, but %s The tool reports them as matched and '
                       'not migrated on every run; fix or delete those records.' % cannot)
    return success()


# --- check_rpc_pin ---------------------------------------------------------
RPC_PIN_HOW = ('Set [upgrade_levels] compute = auto in nova.conf on every nova API, conductor and '
               'scheduler host and restart those services.')


def rpc_pin(ctx):
    pin = ctx.found['pin'] = (ctx.config.get('upgrade_levels', 'compute') or '').strip() or None
    if pin:
        return success('Compute RPC is pinned to %s.' % pin)
    services = ctx.database.services((COMPUTE_BINARY,) + CONTROL_BINARIES)
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


# --- check_upgrade_path ----------------------------------------------------
def _given(params):
    """``(current, fallback, target)`` releases of the options; current is None when nova's database decides."""
    current = fallback = None
    if params['current_release']:
        current = series(params['current_release'])
    elif params['version']:
        fallback = release_of(params['project'], params['version'])
        if fallback is None:
            raise OptionError('version', params['version'],
                              'a %s version of a release this collection knows' % params['project'])
        if not params['from_nova_database']:
            current = fallback
    elif not params['from_nova_database']:
        raise OptionError('from_nova_database', False, 'true when neither current_release nor version is given')
    return current, fallback, series(params['target_release'])


def _path_found(current, target):
    """The extra return values: the current release (None: not found), the target, where current may go."""
    return dict(current_release=current.id if current else None, target_release=target.id,
                allowed_targets=[s.id for s in upgrade_paths(current)] if current else [])


def upgrade_path_options(params):
    current, _fallback, target = _given(params)
    return _path_found(current, target)


def _source(ctx, current, fallback):
    """The current release and how it was found (reading nova's database when asked)."""
    params = ctx.params
    given = (params['current_release_source'] or '').strip().rstrip('.')
    if current is not None:
        return current, given
    try:
        lowest = service_summary(ctx.database.service_versions(), CONTROL_BINARIES)['min']
    except OsopsError as exc:
        lowest = dict(release=None, note=exc.msg.rstrip('.'))
    if lowest['release']:
        return series(lowest['release']), (
            "from nova's database: the lowest service version of nova's control services is %s%s"
            % (lowest['version'], ' (%s)' % lowest['note'] if lowest['note'] else ''))
    if fallback is None:
        raise OsopsError("Nova's database gave no current release (%s); pass current_release, or version "
                         'as the fallback.' % lowest['note'])
    return fallback, "%s, because nova's database gave no release: %s" % (
        given or 'from %s %s' % (params['project'], params['version']), lowest['note'])


def upgrade_path(ctx):
    current, fallback, target = _given(ctx.params)
    current, source = _source(ctx, current, fallback)
    ctx.found.update(_path_found(current, target))
    allowed, _rule, reason = check_upgrade_path(current, target)
    if source:
        reason = '%s Current release %s: %s.' % (reason, current.id, source.rstrip('.'))
    return success(reason) if allowed else failure(reason)
