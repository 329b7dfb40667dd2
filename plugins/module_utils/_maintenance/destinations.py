# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the instances of a host being emptied can go: the planner's capacity model.  Pure code.

Every compute host has a free capacity per resource class (placement's
capacity ``int((total - reserved) * allocation_ratio)`` less its usage) and
is one of: ``outside`` the session, ``pending`` (a session host not
maintained yet) or ``maintained``.  Taking a host out places each of its
units (an instance, or the members of an affinity group on that host) on the
first enabled host of the same availability zone that has room and holds no
member of the unit's anti-affinity groups: maintained hosts first, then hosts
outside the session, then (when allowed) pending hosts, from which the unit
moves again.  Every change is logged, so a host that does not fit is undone.

At 200,000 instances first-fit must not rescan full hosts: per availability
zone, kind and unit shape (its resources: one per flavor) a cursor marks the
first host that may still fit it.  A destination's free capacity only
shrinks until a rollback, which restores the cursors too.
"""

from __future__ import annotations

# Where a unit may land, in order of preference.
DESTINATIONS = ('maintained', 'outside', 'pending')


class Host:
    __slots__ = ('name', 'az', 'enabled', 'state', 'capacity', 'free', 'units', 'count', 'groups', 'out')

    def __init__(self, name, az, enabled, state, capacity, free):
        self.name, self.az, self.enabled, self.state = name, az, enabled, state
        self.capacity, self.free = capacity, free
        self.units = []  # what moves when the host's turn comes
        self.count = 0  # instances in the units
        self.groups = {}  # hard anti-affinity group -> members on the host
        self.out = False  # in the batch being formed

    def anti_groups(self):
        """Every anti-affinity group (hard or soft) with a member on the host."""
        return set(group for unit in self.units for group in unit[3])


def size(unit):
    """How many instances a unit holds (an affinity group's unit holds one item: a tuple of ids)."""
    return len(unit[0][0]) if unit[0] and isinstance(unit[0][0], tuple) else len(unit[0])


_NO_RESOURCES = {}


def capacity(inventory):
    """Placement's capacity of one inventory."""
    return int((inventory.get('total', 0) - inventory.get('reserved', 0)) * inventory.get('allocation_ratio', 1.0))


def _groups(groups):
    """``(hard anti-affinity ids, every anti-affinity id, affinity id or None)`` of server groups."""
    hard, anti, affinity = (), (), None
    for group in groups:
        policy = group.get('policy')
        if policy == 'anti-affinity':
            hard += (group['id'],)
        if policy in ('anti-affinity', 'soft-anti-affinity'):
            anti += (group['id'],)
        elif policy == 'affinity':
            affinity = group['id']
    return hard, anti, affinity


def units_by_host(instances, known):
    """``(resource classes, {host: [unit]})`` for the instances on hosts in ``known``.

    A unit is ``(items, need, hard anti-affinity groups, every anti-affinity
    group)``: items that move alike, each needing ``need`` (a tuple in the
    order of the resource classes).  An item is an instance id, or a tuple of
    the ids of an affinity group's members on one host, which move together.
    Instances of one flavor and the same groups on one host share a unit, so
    that they are placed in bulk.
    """
    flavors = {}  # id() of a resources dict -> the dict (kept alive, so that ids stay unique)
    for instance in instances:
        resources = instance.get('resources') or _NO_RESOURCES
        flavors.setdefault(id(resources), resources)
    classes = sorted(set(rc for resources in flavors.values() for rc in resources))
    shapes, needs = {}, {}
    for key, resources in flavors.items():
        need = tuple(resources.get(rc, 0) for rc in classes)
        needs[key] = shapes.setdefault(need, need)
    per_host, bundles = {}, {}
    for instance in instances:
        host = instance.get('host')
        if host not in known:
            continue
        key = id(instance.get('resources') or _NO_RESOURCES)
        groups = instance.get('server_groups')
        if groups:
            hard, anti, affinity = _groups(groups)
            if affinity is not None:
                bundles.setdefault((host, affinity), []).append((instance['id'], needs[key], hard, anti))
                continue
            key = (key, hard, anti)
        try:
            per_host[host][key].append(instance['id'])
        except KeyError:
            per_host.setdefault(host, {}).setdefault(key, []).append(instance['id'])
    per_host = dict((host, [(items, needs[key[0]], key[1], key[2]) if isinstance(key, tuple) else
                            (items, needs[key], (), ()) for key, items in units.items()])
                    for host, units in per_host.items())
    for (host, _group), members in sorted(bundles.items()):
        members.sort()
        need = tuple(sum(m[1][k] for m in members) for k in range(len(classes)))
        per_host.setdefault(host, []).append((
            [tuple(m[0] for m in members)], need, tuple(sorted(set(g for m in members for g in m[2]))),
            tuple(sorted(set(g for m in members for g in m[3])))))
    return classes, per_host


def amounts(classes, values):
    return ', '.join('%s %s' % (rc, v) for rc, v in zip(classes, values) if v)


def az_name(az):
    return 'availability zone %s' % az if az else 'the hosts without an availability zone'


class Destinations:
    """The hosts of one cloud, where units fit, and the moves made (undone until committed)."""

    def __init__(self, hosts, instances, session):
        self.classes, units = units_by_host(instances, set(h['name'] for h in hosts))
        self.hosts, self.lists, self.az_free = {}, {}, {}
        for entry in sorted(hosts, key=lambda h: h['name']):
            inventories, usages = entry.get('inventories') or {}, entry.get('usages') or {}
            room = [capacity(inventories[rc]) if rc in inventories else 0 for rc in self.classes]
            host = Host(entry['name'], entry.get('az'), bool(entry.get('enabled', True)),
                        'pending' if entry['name'] in session else 'outside', room,
                        [c - usages.get(rc, 0) for c, rc in zip(room, self.classes)])
            host.units = units.get(host.name, [])
            host.count = sum(size(unit) for unit in host.units)
            for unit in host.units:
                for group in unit[2]:
                    host.groups[group] = host.groups.get(group, 0) + len(unit[0])
            self.hosts[host.name] = host
            self.az_free.setdefault(host.az, [0] * len(self.classes))
            if host.enabled:
                self.add(host, host.state)
        # moves: (unit, source, batch, kind, destination) in order; log: what to undo.
        self.cursor, self.log, self.moves = {}, [], []

    def add(self, host, kind):
        """``host`` takes instances as ``kind`` from now on."""
        self.lists.setdefault((host.az, kind), []).append(host)
        free = self.az_free[host.az]
        for k, value in enumerate(host.free):
            free[k] += value

    def take_out(self, host):
        host.out = True
        if host.enabled and host.state == 'pending':
            total = self.az_free[host.az]
            for k, value in enumerate(host.free):
                total[k] -= value
        self.log.append(('out', host))

    def undo(self, mark):
        """Undo every change logged after ``mark``."""
        while len(self.log) > mark:
            entry = self.log.pop()
            if entry[0] == 'cursor':
                self.cursor[entry[1]] = entry[2]
            elif entry[0] == 'place':
                unit, host, kind = entry[1:]
                count = len(unit[0])
                free, total = host.free, self.az_free[host.az]
                for k, amount in enumerate(unit[1]):
                    free[k] += amount * count
                    total[k] += amount * count
                for group in unit[2]:
                    host.groups[group] -= count
                    if not host.groups[group]:
                        del host.groups[group]
                if kind == 'pending':
                    host.units.pop()
                    host.count -= size(unit)
                self.moves.pop()
            else:
                host = entry[1]
                host.out = False
                if host.enabled and host.state == 'pending':
                    total = self.az_free[host.az]
                    for k, value in enumerate(host.free):
                        total[k] += value

    def empty(self, host, beside, kinds, batch):
        """Take ``host`` out beside the hosts ``beside`` and place its units on ``kinds``.

        None when every item found room; else why not, with nothing changed.
        """
        mark = len(self.log)
        self.take_out(host)
        total, units = self.az_free[host.az], host.units
        needed = [0] * len(total)
        for unit in units:
            for k, amount in enumerate(unit[1]):
                needed[k] += amount * len(unit[0])
        if any(n > f for n, f in zip(needed, total)):
            why = '%s%s cannot absorb the instances of %s (%s)' % (
                _beside(beside), az_name(host.az), host.name, '; '.join(
                    '%s: %s needed, %s free' % (rc, n, f) for rc, n, f in zip(self.classes, needed, total) if n > f))
            self.undo(mark)  # after the figures are read: it gives the host's own room back
            return why
        lists = [(kind, self.lists[(host.az, kind)]) for kind in kinds if (host.az, kind) in self.lists]
        for unit in sorted(units, key=_NEED, reverse=True) if len(units) > 1 else units:
            items, need = unit[0], unit[1]
            while items:
                for kind, hosts in lists:
                    target, count = self._first_fit(host.az, kind, hosts, unit[1:], len(items))
                    if target is not None:
                        break
                else:
                    self.undo(mark)
                    return '%sno %s in %s has room for %s (%s)' % (
                        _beside(beside), ' or '.join(WORDS[k] for k in kinds), az_name(host.az),
                        _item(items[0]), amounts(self.classes, need))
                moved = (items[:count],) + unit[1:]
                items = items[count:]
                free = target.free
                for k, amount in enumerate(need):
                    free[k] -= amount * count
                    total[k] -= amount * count
                for group in unit[2]:
                    target.groups[group] = target.groups.get(group, 0) + count
                if kind == 'pending':
                    target.units.append(moved)  # they move again at that host's turn
                    target.count += size(moved)
                self.log.append(('place', moved, target, kind))
                self.moves.append((moved, host.name, batch, kind, target.name))
        return None

    def _first_fit(self, az, kind, hosts, shape, wanted):
        """The first of ``hosts`` (of ``kind``) with room for items of ``shape`` (need, hard and
        soft anti-affinity groups) and how many of ``wanted`` it takes; ``(None, 0)`` when none has."""
        need, hard = shape[0], shape[1]
        key = (az, kind, need)
        start = index = self.cursor.get(key, 0)
        found, count = None, 0
        while index < len(hosts):
            candidate = hosts[index]
            index += 1
            count = 0
            if not candidate.out and candidate.state == kind:
                count = 1 if hard else wanted  # anti-affinity: one member a host
                for free, amount in zip(candidate.free, need):
                    if amount and free < amount * count:
                        count = int(free // amount)
                        if count < 1:
                            break
            if count < 1:  # for good: the cursor skips it from now on
                if start == index - 1:
                    start = index
                continue
            if hard and any(g in candidate.groups for g in hard):
                continue  # another unit of this shape may still land there
            found = candidate
            break
        old = self.cursor.get(key, 0)
        if old != start:
            self.log.append(('cursor', key, old))
            self.cursor[key] = start
        return found, count

    def commit(self, hosts):
        """``hosts`` are maintained: empty, enabled again, and destinations from now on."""
        for host in hosts:
            host.state, host.out, host.units, host.count, host.groups = 'maintained', False, [], 0, {}
            host.free = list(host.capacity)
            self.add(host, 'maintained')
        self.log = []  # a committed batch is never undone


def _NEED(unit):
    return unit[1]


def _beside(hosts):
    return 'with %s out, ' % ', '.join(h.name for h in hosts) if hosts else ''


def _item(item):
    return 'the affinity group of %s' % ', '.join(item) if isinstance(item, tuple) else 'instance %s' % item


WORDS = {'maintained': 'maintained host', 'outside': 'enabled host outside the session',
         'pending': 'enabled session host not maintained yet'}
