# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan of an upgrade: from a stored cluster, a target release and options, the ordered steps.

Pure code (no Ansible, no database): ``plan_upgrade(cluster, target, options)`` takes a cluster as
``_store.clusters.get_cluster`` returns it and returns the steps ``_store.upgrades.create_upgrade``
takes - dicts with ``phase``, ``service``, ``host``, ``action``, ``from_version``, ``to_version`` and
``detail``.  The same input always gives the same plan.

``detail['batch']`` numbers the batches (from 1, along the plan): the steps of a batch are claimed and
finished together; its hosts run in parallel. ``detail['binary']`` names the unit (systemd unit,
supervisord program) of a code step.  ``service`` is the project (``nova``), whose code lives in
``/openstack/venvs/<service>-<version>`` with the venv driver.

Phases, batches and actions (what the driver does):

``prepare``
  * ``check_path`` (no host): the target is allowed from every component's
    release (checked here too: a plan is only made when it is); detail
    ``from_releases`` (release -> reason), ``to_release``, ``services``
    planned and ``not_planned`` (present, not upgraded).
  * ``check_code`` (every host, in check_path's batch): the target code is
    there; detail ``versions`` (service -> target version on that host).
  * ``readiness`` (no host; one batch): the ``check`` role for the target
    release reports no Failure (a Warning blocks with ``fail_on_warning``).
  * ``rpc_pin`` (every nova host, one batch, when nova is upgraded): nova's
    ``[upgrade_levels] compute = auto`` - detail ``mode`` ``set`` (write it)
    or ``require`` (fail unless it is there).
``expand``, one batch: every service's commands on its first control host (one host's one after the other,
service by service; the hosts at once)
  * ``db_expand``, ``db_migrate``, ``db_sync``, ``api_db_sync``: detail
    ``command`` (argv from ``commands.DB_COMMANDS``), run from the target venv.
``control``, per service (keystone, glance, cinder, placement, nova, neutron) and binary in order, one host per batch
  * ``switch`` (the unit to the target venv), ``restart``, ``wait_ready``
    (the service answers; for nova with detail ``service_version``, it
    records that service version).
``compute``, batches of ``batch_size`` nova-compute hosts, never across two availability zones (detail
``zone``, ``compute_batch`` of ``compute_batches``)
  * per host: ``drain`` first when ``drain`` is asked (a maintenance session
    moves the instances off), then per unit on the host (nova-compute,
    neutron agents) ``switch``, ``restart``, ``wait_ready``, then ``enable``
    after a drain.
``finalize``
  * ``restart`` and ``wait_ready`` of every nova control unit, one batch per
    host (its units in order): ``compute = auto`` lifts the pin;
  * one batch: ``online_data_migrations`` (again while it exits
    ``repeat_while_rc``) of every service, then ``db_contract`` per service;
  * ``readiness`` again (detail ``compare_with: before``: no Failure, and no
    Warning that was not there before).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._releases.rules import ReleaseError, check_upgrade_path, release_of, series
from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.commands import FINALIZE_ORDER, db_commands


class PlanError(OsopsError):
    """The cluster cannot be upgraded as asked; the message says why and what to do."""


class NothingToUpgrade(PlanError):
    """Every planned component already runs the target release."""


# Services in order of their control units' upgrade (kolla, openstack-ansible), binaries in order; others follow by name.
CONTROL_ORDER = (
    ('keystone', ('keystone',)),
    ('glance', ('glance-api',)),
    # cinder's documented order: scheduler, volume, backup, api last.
    ('cinder', ('cinder-scheduler', 'cinder-volume', 'cinder-backup', 'cinder-api')),
    ('placement', ('placement-api',)),
    ('nova', ('nova-super-conductor', 'nova-conductor', 'nova-scheduler', 'nova-api', 'nova-api-metadata',
              'nova-novncproxy', 'nova-spicehtml5proxy', 'nova-serialproxy')),
    ('neutron', ('neutron-server',)),
)
SERVICES = tuple(service for service, _binaries in CONTROL_ORDER)
COMPUTE_BINARIES = ('nova-compute', 'nova-compute-ironic')

OPTION_DEFAULTS = {
    'batch_size': 1, 'drain': False, 'services': None, 'target_versions': {}, 'service_hosts': {},
    'rpc_pin': 'set', 'fail_on_warning': False,
}
RPC_PIN_MODES = ('set', 'require')

# One service binary on one host: what a code step changes.
_Unit = namedtuple('_Unit', 'service binary host version release')


def plan_options(options=None):
    """``options`` with the defaults filled in, checked; PlanError naming a bad one."""
    unknown = sorted(set(options or {}) - set(OPTION_DEFAULTS))
    if unknown:
        raise PlanError('Unknown plan option(s) %s; expected %s.' % (', '.join(unknown), ', '.join(OPTION_DEFAULTS)))
    result = dict(OPTION_DEFAULTS)
    result.update((k, v) for k, v in (options or {}).items() if v is not None)
    size = result['batch_size']
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise PlanError('Option batch_size: got %r, expected a whole number of hosts, 1 or more.' % (size,))
    if result['rpc_pin'] not in RPC_PIN_MODES:
        raise PlanError('Option rpc_pin: got %r, expected one of %s.' % (result['rpc_pin'], ', '.join(RPC_PIN_MODES)))
    for name in ('services', 'target_versions', 'service_hosts'):
        strange = sorted(set(result[name] or ()) - set(SERVICES))
        if strange:
            raise PlanError('Option %s: %s %s not a service this collection upgrades (%s).' % (
                name, ', '.join(strange), 'is' if len(strange) == 1 else 'are', ', '.join(SERVICES)))
    result['services'] = None if result['services'] is None else [s for s in SERVICES if s in result['services']]
    result['target_versions'] = dict((k, str(v)) for k, v in sorted(result['target_versions'].items()))
    result['service_hosts'] = dict((k, sorted(set(v))) for k, v in sorted(result['service_hosts'].items()))
    return result


_BINARY_RANK = dict((service, dict((binary, rank) for rank, binary in enumerate(binaries)))
                    for service, binaries in CONTROL_ORDER)


def _binary_key(service, binary):
    rank = _BINARY_RANK[service]
    return (rank.get(binary, len(rank)), binary)


def _where(components):
    names = sorted('%s on %s' % (c['binary'], c['host'] or '(cluster)') for c in components)
    return ', '.join(names[:5]) + (', ... (%d in all)' % len(names) if len(names) > 5 else '')


def _planned_services(cluster, options):
    present = set(c['service'] for c in cluster['components'])
    wanted = options['services']
    if wanted is not None:
        missing = [s for s in wanted if s not in present]
        if missing:
            raise PlanError('Cluster %s has no %s (option services); it has %s.' % (
                cluster['name'], ', '.join(missing), ', '.join(sorted(present)) or 'no components'))
        planned = wanted
    else:
        planned = [s for s in SERVICES if s in present]
    if not planned:
        raise PlanError('Cluster %s runs none of the services this collection upgrades (%s); it has %s.' % (
            cluster['name'], ', '.join(SERVICES), ', '.join(sorted(present)) or 'no components'))
    return planned, sorted(present - set(planned))


def _check_paths(cluster, components, target):
    """``{release: reason}`` of every release the components leave; PlanError when one may not go."""
    unknown = [c for c in components if not c['release']]
    if unknown:
        raise PlanError('Cannot check the path to %s of cluster %s: the release of %s is unknown; rediscover '
                        'it with params.versions or params.host_versions.' % (target.id, cluster['name'], _where(unknown)))
    releases = sorted(set(c['release'] for c in components), key=series)
    reasons, refused = {}, []
    for release in releases:
        if series(release) == target:
            continue
        allowed, _rule, reason = check_upgrade_path(release, target)
        if allowed:
            reasons[release] = reason
        else:
            refused.append('%s (%s)' % (reason, _where([c for c in components if c['release'] == release])))
    if refused:
        raise PlanError('Cluster %s cannot be upgraded to %s: %s' % (cluster['name'], target.id, ' '.join(refused)),
                        reason=' '.join(refused))
    if not reasons:
        raise NothingToUpgrade('Cluster %s already runs %s (%s): nothing to upgrade.' % (
            cluster['name'], target.id, ', '.join(sorted(set(c['service'] for c in components)))))
    return reasons


def _target_versions(planned, target, options):
    versions = {}
    for service in planned:
        given = options['target_versions'].get(service)
        if given is None:
            shipped = target.projects.get(service)
            if not shipped:
                raise PlanError('No %s version of %s is known to this collection; give option target_versions '
                                '(%s: VERSION).' % (service, target.id, service))
            versions[service] = str(shipped[1])
            continue
        try:
            found = release_of(service, given)
        except ReleaseError as exc:
            raise PlanError('Option target_versions: %s' % exc.msg) from None
        if found != target:
            raise PlanError('Option target_versions: %s %s is %s, not %s.' % (
                service, given, found.id if found else 'of no known release', target.id))
        versions[service] = given
    return versions


def _units(cluster, components, options):
    """Every planned component as units on hosts, in no particular order.

    A component without a host (an API discovery saw only in the catalog)
    runs on the hosts of option ``service_hosts``, else on the hosts with the
    control role - unless the same binary was also found on hosts.
    """
    known = set(h['name'] for h in cluster['hosts'])
    control = sorted(h['name'] for h in cluster['hosts'] if 'control' in (h.get('roles') or ()))
    hosted = set(c['binary'] for c in components if c['host'])
    units = set()
    for c in components:
        if c['host']:
            units.add(_Unit(c['service'], c['binary'], c['host'], c['version'], c['release']))
            continue
        if c['binary'] in hosted:
            continue
        hosts = options['service_hosts'].get(c['service']) or control
        strange = sorted(set(hosts) - known)
        if strange:
            raise PlanError('Option service_hosts: %s %s not a host of cluster %s.' % (
                ', '.join(strange), 'is' if len(strange) == 1 else 'are', cluster['name']))
        if not hosts:
            raise PlanError('The hosts running %s of cluster %s are unknown: discovery found it only in the catalog '
                            'and no host has the control role; give option service_hosts (%s: [HOST, ...]).'
                            % (c['binary'], cluster['name'], c['service']))
        units.update(_Unit(c['service'], c['binary'], host, c['version'], c['release']) for host in hosts)
    return units


def _compute_batches(hosts, batch_size, zones):
    """Batches of compute hosts: ``batch_size`` at most, each inside one availability zone."""
    by_zone = {}
    for host in sorted(hosts):
        by_zone.setdefault(zones.get(host), []).append(host)
    batches = []
    for zone in sorted(by_zone, key=lambda z: (z is None, z or '')):
        members = by_zone[zone]
        batches.extend((zone, members[i:i + batch_size]) for i in range(0, len(members), batch_size))
    return batches


class _Plan:
    """What the phases share while the steps are written, and the steps so far."""

    def __init__(self, cluster, target, options, planned, components):
        self.target, self.options = target, options
        self.steps, self.batch = [], 0
        units = _units(cluster, components, options)
        at_target = set(release for release in set(u.release for u in units) if series(release) == target)
        self.todo = set(u for u in units if u.release not in at_target)
        self.services = [s for s in planned if any(u.service == s for u in self.todo)]
        self.versions = _target_versions(self.services, target, options)
        self.computes = set(u.host for u in self.todo if u.binary in COMPUTE_BINARIES)
        self.zones = dict((c['host'], (c.get('extra') or {}).get('zone')) for c in components
                          if c['binary'] in COMPUTE_BINARIES and c['host'])
        order = dict((service, index) for index, service in enumerate(SERVICES))
        self.units = sorted(units, key=lambda u: (order[u.service], _binary_key(u.service, u.binary), u.host))
        self.first_host, self.from_version = {}, {}
        for unit in self.units:
            if self.phase_of(unit) == 'control':
                self.first_host.setdefault(unit.service, unit.host)
            if unit in self.todo:
                self.from_version.setdefault(unit.service, unit.version)

    def phase_of(self, unit):
        """``compute`` for nova-compute and the neutron agents beside one being upgraded, else ``control``."""
        if unit.binary in COMPUTE_BINARIES or (
                unit.service == 'neutron' and unit.binary != 'neutron-server' and unit.host in self.computes):
            return 'compute'
        return 'control'

    def new_batch(self):
        self.batch += 1

    def add(self, phase, action, service=None, host=None, from_version=None, to_version=None, **detail):
        detail['batch'] = self.batch
        self.steps.append({'phase': phase, 'service': service, 'host': host, 'action': action,
                           'from_version': from_version, 'to_version': to_version, 'detail': detail})

    def code_steps(self, phase, unit, **detail):
        source = release_of('nova', unit.version) if unit.service == 'nova' and unit.version else None
        for action in ('switch', 'restart', 'wait_ready'):
            extra = dict(detail, binary=unit.binary)
            if action == 'wait_ready' and unit.service == 'nova' and self.target.nova_compute_service_version:
                extra['service_version'] = self.target.nova_compute_service_version
            if source is not None and source.nova_compute_service_version:
                # what the code reports once a rollback switched it back (its nova record is lowered to it)
                extra['from_service_version'] = source.nova_compute_service_version
            self.add(phase, action, unit.service, unit.host, unit.version, self.versions[unit.service], **extra)

    def db_batch(self, phase, orders=(None,)):
        """Every service's database commands of ``phase`` in one batch, each on its service's first control
        host (the commands of one host one after the other, the hosts at once); ``orders``: the actions in
        the order they run (each a tuple, None: every one), service by service within each."""
        batched = False
        for actions in orders:
            for service in self.services:
                commands = [c for c in db_commands(service, phase, self.target)
                            if actions is None or c.action in actions]
                if not commands:
                    continue
                if service not in self.first_host:
                    raise PlanError('No control host of %s is known to run its database commands on; give option '
                                    'service_hosts (%s: [HOST, ...]).' % (service, service))
                if not batched:
                    self.new_batch()
                    batched = True
                for command in commands:
                    extra = {'repeat_while_rc': command.repeat_while_rc} if command.repeat_while_rc else {}
                    self.add(phase, command.action, service, self.first_host[service], self.from_version[service],
                             self.versions[service], command=list(command.argv), **extra)


def _prepare(plan, reasons, not_planned):
    target, options = plan.target, plan.options
    plan.new_batch()
    plan.add('prepare', 'check_path', from_releases=reasons, to_release=target.id, services=plan.services,
             not_planned=not_planned)
    by_host = {}
    for unit in plan.todo:
        by_host.setdefault(unit.host, {})[unit.service] = plan.versions[unit.service]
    for host in sorted(by_host):
        plan.add('prepare', 'check_code', host=host, versions=dict(sorted(by_host[host].items())))
    plan.new_batch()
    plan.add('prepare', 'readiness', release=target.id, fail_on_warning=options['fail_on_warning'], when='before')
    if 'nova' in plan.services:
        plan.new_batch()
        for host in sorted(set(u.host for u in plan.units if u.service == 'nova')):
            plan.add('prepare', 'rpc_pin', 'nova', host, mode=options['rpc_pin'], section='upgrade_levels',
                     option='compute', value='auto')


def _control(plan):
    for unit in plan.units:
        if unit in plan.todo and plan.phase_of(unit) == 'control':
            plan.new_batch()
            plan.code_steps('control', unit)


def _compute(plan):
    on_host = {}
    for unit in plan.units:
        if unit in plan.todo and plan.phase_of(unit) == 'compute':
            on_host.setdefault(unit.host, []).append(unit)
    batches = _compute_batches(on_host, plan.options['batch_size'], plan.zones)
    drain = plan.options['drain']
    for number, (zone, hosts) in enumerate(batches, 1):
        plan.new_batch()
        where = {'zone': zone, 'compute_batch': number, 'compute_batches': len(batches)}
        for host in hosts:
            if drain:
                plan.add('compute', 'drain', 'nova', host, binary='nova-compute', **where)
            for unit in on_host[host]:
                plan.code_steps('compute', unit, **where)
            if drain:
                plan.add('compute', 'enable', 'nova', host, binary='nova-compute', **where)


def _finalize(plan):
    if 'nova' in plan.services:
        version = plan.versions['nova']
        control = [u for u in plan.units if u.service == 'nova' and plan.phase_of(u) == 'control']
        for host in sorted(set(u.host for u in control)):
            plan.new_batch()
            for unit in [u for u in control if u.host == host]:
                for action in ('restart', 'wait_ready'):
                    plan.add('finalize', action, 'nova', unit.host, version, version, binary=unit.binary,
                             reason='lift the RPC pin ([upgrade_levels] compute = auto)')
    plan.db_batch('finalize', [(action,) for action in FINALIZE_ORDER])
    plan.new_batch()
    plan.add('finalize', 'readiness', release=plan.target.id, fail_on_warning=plan.options['fail_on_warning'],
             when='after', compare_with='before')


def plan_upgrade(cluster, target, options=None):
    """The ordered steps that take stored cluster ``cluster`` to release ``target``.

    ``options``: ``batch_size`` (compute hosts per batch, 1), ``drain``
    (move instances off each compute first, false), ``services`` (the
    services to upgrade, default every one the cluster runs), ``target_versions``
    (service -> version to install, default the newest of the target this
    collection knows), ``service_hosts`` (service -> hosts, for services
    discovered without hosts), ``rpc_pin`` (``set`` or ``require``),
    ``fail_on_warning``.  Components already at the target get no steps.
    Raises PlanError (with ``reason`` when the path is not allowed), or
    ReleaseError for an unknown target.
    """
    options = plan_options(options)
    target = series(target)
    planned, not_planned = _planned_services(cluster, options)
    components = [c for c in cluster['components'] if c['service'] in planned]
    reasons = _check_paths(cluster, components, target)
    plan = _Plan(cluster, target, options, planned, components)
    _prepare(plan, reasons, not_planned)
    plan.db_batch('expand')
    _control(plan)
    _compute(plan)
    _finalize(plan)
    return plan.steps


def from_release(steps):
    """The oldest release a plan upgrades from (its ``check_path`` step says)."""
    return min(steps[0]['detail']['from_releases'], key=series)
