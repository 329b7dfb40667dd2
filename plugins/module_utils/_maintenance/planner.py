# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order in which a maintenance session takes hosts out, keeping capacity.  Pure code.

``plan_maintenance`` returns ordered batches of hosts with the reason for
each choice:

- empty hosts first, then the lightest load left (the highest share of any
  resource class its instances use), then by name;
- a batch never takes out more than the rest can absorb: every instance of
  its hosts is placed (``destinations``) on another enabled host of the same
  availability zone;
- hosts of a batch share no anti-affinity server group (nor a
  soft-anti-affinity one) and stay in one availability zone;
- instances land on hosts already maintained, then on hosts outside the
  session; on a session host not maintained yet (they move twice) only when
  the first host of a batch cannot be emptied otherwise.  A host that would
  make instances move twice does not join a batch: it waits for its turn.

A host the others cannot absorb at its turn is tried again after the
others; if it still cannot be emptied the plan is refused with the reason.
Deterministic: the same input gives the same plan.
"""

from __future__ import annotations

import gc

from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OsopsError
from ansible_collections.osops.lifecycle.plugins.module_utils._maintenance.destinations import DESTINATIONS, Destinations, az_name, size

DESTINATION_WORDS = {'maintained': 'maintained hosts', 'outside': 'hosts outside the session',
                     'pending': 'session hosts not maintained yet, from which they move again'}
# The first host of a batch may send instances to pending hosts; a host joining it may not.
SEED_KINDS = DESTINATIONS
JOIN_KINDS = ('maintained', 'outside')


class PlanError(OsopsError):
    """The session cannot be planned as asked."""


def _count(host):
    count = host.count
    return 'empty' if not count else '%d instance%s' % (count, '' if count == 1 else 's')


class _Planner:
    def __init__(self, hosts, instances, session_hosts, max_parallel):
        names = [h['name'] for h in hosts]
        twice = sorted(set(n for n in names if names.count(n) > 1)) if len(set(names)) != len(names) else []
        if twice:
            raise PlanError('A compute host is listed twice: %s.' % ', '.join(twice))
        session = set(names if session_hosts is None else session_hosts)
        unknown = sorted(session - set(names))
        if unknown:
            raise PlanError('Not compute hosts of the cloud: %s.' % ', '.join(unknown), hosts=unknown)
        self.max_parallel = max_parallel
        self.model = Destinations(hosts, instances, session)
        self.batches, self.refused, self.deferred, self.host_plan = [], [], {}, {}
        self.committed = 0  # moves already counted in a batch

    def order(self):
        """``[(host, load share, its resource class)]``: empty hosts first, then by load, then by name."""
        keyed = []
        for host in self.model.hosts.values():
            if host.state != 'pending':
                continue
            share, rc = 0.0, None
            for k, name in enumerate(self.model.classes):
                used = sum(u[1][k] * len(u[0]) for u in host.units)
                if used and host.capacity[k]:
                    share, rc = max((share, rc or ''), (used / host.capacity[k], name))
            keyed.append(((1 if host.units else 0, round(share, 6), host.name), host, share, rc))
        return [(host, share, rc) for _key, host, share, rc in sorted(keyed, key=lambda k: k[0])]

    def form(self, queue, load, final):
        """Batches from ``queue`` (hosts in order); the first hosts that cannot be emptied yet are
        returned (refused when ``final``)."""
        deferred, taken, by_az, first, left = [], set(), {}, {}, {}
        for host in queue:
            by_az.setdefault(host.az, []).append(host)
            left[host.az] = left.get(host.az, 0) + 1
        for seed in queue:
            if seed.name in taken:
                continue
            taken.add(seed.name)
            left[seed.az] -= 1
            mark = len(self.model.moves)
            why = self.model.empty(seed, [], SEED_KINDS, len(self.batches) + 1)
            if why:
                if final:
                    self.refused.append({'host': seed.name, 'reason': why})
                else:
                    deferred.append(seed)
                    self.deferred[seed.name] = why
                continue
            batch, notes = [seed], []
            reasons = {seed.name: self._seed_reason(seed, load, final)}
            if self.max_parallel > 1:
                received = set(m[4] for m in self.model.moves[mark:] if m[3] == 'pending')
                self._fill(batch, reasons, notes, (by_az[seed.az], first, taken, left), received)
            self._commit(batch, reasons, notes)
        return deferred

    def _fill(self, batch, reasons, notes, queue, received):
        """Add to the batch of ``batch[0]`` the next hosts of its zone that may join it."""
        candidates, first, taken, left = queue
        seed = batch[0]
        groups = seed.anti_groups()
        index = first.get(seed.az, 0)
        while index < len(candidates) and candidates[index].name in taken:
            index += 1
        first[seed.az] = index
        while index < len(candidates) and len(batch) < self.max_parallel:
            candidate = candidates[index]
            index += 1
            if candidate.name in taken:
                continue
            shared = sorted(groups & candidate.anti_groups())
            if shared:
                notes.append('%s waits: it shares anti-affinity group %s with this batch'
                             % (candidate.name, ', '.join(shared)))
                continue
            if candidate.name in received:
                notes.append('%s waits: it takes instances of this batch' % candidate.name)
                continue
            why = self.model.empty(candidate, batch, JOIN_KINDS, len(self.batches) + 1)
            if why:
                notes.append('%s waits, though max_parallel is %d, and so do the hosts after it: %s'
                             % (candidate.name, self.max_parallel, why))
                return
            batch.append(candidate)
            taken.add(candidate.name)
            left[candidate.az] -= 1
            reasons[candidate.name] = '%s (%s) joins: %s absorbs it too' % (
                candidate.name, _count(candidate), az_name(candidate.az))
            groups |= candidate.anti_groups()
        if len(batch) < self.max_parallel:
            waiting = sorted((az or '') for az, count in left.items() if count and az != seed.az)
            if waiting:
                notes.append('no other host of %s can join; hosts of %s wait: a batch stays in one '
                             'availability zone' % (az_name(seed.az), ', '.join(waiting)))

    def _seed_reason(self, seed, load, final):
        if not seed.units:
            text = '%s (empty): empty hosts go first' % seed.name
        else:
            share, rc = load[seed.name]
            text = '%s (%s): the lightest load left (%d%% of its %s)' % (
                seed.name, _count(seed), round(share * 100), rc)
        if final:
            text += '; at its first turn %s' % self.deferred[seed.name]
        return text

    def _commit(self, batch, reasons, notes):
        number = len(self.batches) + 1
        counts = dict((kind, 0) for kind in DESTINATIONS)
        per_host = {}
        for unit, source, _batch, kind, _host in self.model.moves[self.committed:]:
            count = size(unit)
            counts[kind] += count
            if source not in per_host:
                per_host[source] = dict.fromkeys(DESTINATIONS, 0)
            per_host[source][kind] += count
        self.committed = len(self.model.moves)
        for host in batch:
            where = per_host.get(host.name)
            if where:
                reasons[host.name] += '; its instances go to %s' % ', '.join(
                    '%s (%d)' % (DESTINATION_WORDS[k], where[k]) for k in DESTINATIONS if where[k])
            self.host_plan[host.name] = {'batch': number, 'az': host.az, 'instances': host.count,
                                         'reason': reasons[host.name]}
        self.model.commit(batch)
        self.batches.append({
            'batch': number, 'az': batch[0].az, 'hosts': [h.name for h in batch],
            'instances': sum(counts.values()), 'destinations': counts,
            'reason': '; '.join(reasons[h.name] for h in batch), 'notes': notes,
        })

    def run(self):
        ordered = self.order()
        load = dict((host.name, (share, rc)) for host, share, rc in ordered)
        deferred = self.form([host for host, _share, _rc in ordered], load, final=False)
        if deferred:
            self.form(deferred, load, final=True)
        if self.refused:
            raise PlanError(
                'Cannot plan the maintenance session: %s. Free capacity there (scale in, enable or add '
                'hosts) or leave %s out of the session.' % ('; '.join(
                    '%s cannot be emptied: %s' % (r['host'], r['reason']) for r in self.refused),
                    'it' if len(self.refused) == 1 else 'them'),
                refused=self.refused)
        # Where each instance moves first: an instance moving from a host that took none is on its
        # own host; the others are told apart one by one.
        first, moves, twice, later = dict((kind, []) for kind in DESTINATIONS), {}, set(), []
        received = set(move[4] for move in self.model.moves if move[3] == 'pending')
        for unit, source, batch, kind, host in self.model.moves:
            ids = list(unit[0][0]) if isinstance(unit[0][0], tuple) else unit[0]
            if source in received:
                later.append((ids, kind))
            else:
                first[kind].extend(ids)
            key = (batch, source, kind, host)
            if key in moves:
                moves[key]['instances'].extend(ids)
            else:
                moves[key] = {'batch': batch, 'host': source, 'destination': kind, 'destination_host': host,
                              'instances': list(ids)}
        instances = {}
        for kind, ids in first.items():
            instances.update(dict.fromkeys(ids, kind))
        for ids, kind in later:
            for instance_id in ids:
                if instance_id in instances:
                    twice.add(instance_id)
                else:
                    instances[instance_id] = kind
        return {
            'max_parallel': self.max_parallel,
            'batches': self.batches,
            'hosts': self.host_plan,
            'instances': instances,
            'moves': list(moves.values()),
            'moves_twice': sorted(twice),
        }


def plan_maintenance(hosts, instances, session_hosts=None, max_parallel=1):
    """The batches of a maintenance session over ``session_hosts`` (None: every host).

    ``hosts``: every compute host of the cloud, dicts with ``name``, ``az``,
    ``enabled``, ``inventories`` (resource class -> ``total``, ``reserved``,
    ``allocation_ratio``) and ``usages`` (resource class -> amount used).
    ``instances``: every instance (the server groups of those on other hosts
    constrain where instances may land), dicts with ``id``, ``host``,
    ``resources`` (resource class -> amount, from its flavor; instances of one
    flavor may share one dict) and ``server_groups`` (``id`` and ``policy``:
    ``anti-affinity``, ``soft-anti-affinity``, ``affinity``, ``soft-affinity``;
    soft-affinity is no constraint).  The power state does not matter: a
    stopped instance keeps its allocation and needs the same room.

    Returns a dict:
    ``batches`` in order (``batch``, ``az``, ``hosts``, ``instances`` moved,
    ``destinations`` (instances by kind), ``reason``, ``notes`` on the hosts
    that could have joined and why they wait);
    ``hosts`` (name -> ``batch``, ``az``, ``instances``, ``reason``);
    ``instances`` (id of each instance that moves -> the kind of host it
    moves to first: ``maintained``, ``outside`` the session, or ``pending``,
    a session host not maintained yet, from which it moves again);
    ``moves`` (``batch``, ``host``, ``destination`` kind,
    ``destination_host`` where the capacity model puts them, ``instances``);
    ``moves_twice`` (ids, sorted).
    Raises PlanError when a host cannot be emptied, naming each and why.
    """
    if max_parallel < 1:
        raise PlanError('max_parallel must be at least 1, got %r.' % max_parallel)
    # Hundreds of thousands of small objects and no reference cycles: the cyclic garbage collector
    # would walk them again and again (a third of the time at 200,000 instances) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Planner(hosts, instances, session_hosts, max_parallel).run()
    finally:
        if collecting:
            gc.enable()
