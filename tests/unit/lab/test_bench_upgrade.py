"""bench_upgrade's busy time: work done at once counts once."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    'bench_upgrade', Path(__file__).resolve().parents[3] / 'tests' / 'lab' / 'bench_upgrade.py')
bench = importlib.util.module_from_spec(SPEC)
_BYTECODE = sys.dont_write_bytecode
SPEC.loader.exec_module(bench)  # it turns bytecode off, for labctl's sake
sys.dont_write_bytecode = _BYTECODE


def step(batch, host, service, action, seconds):
    return {'batch': batch, 'host': host, 'service': service, 'action': action, 'detail': {'driver_seconds': seconds}}


def test_busy_time_counts_a_batch_by_its_busiest_host_and_database_lanes_by_the_longest():
    steps = [
        # expand on one host: keystone's lane 3 s, nova's 5 s, at once
        step(4, 'controller', 'keystone', 'db_expand', 2.0), step(4, 'controller', 'keystone', 'db_migrate', 1.0),
        step(4, 'controller', 'nova', 'api_db_sync', 3.0), step(4, 'controller', 'nova', 'db_sync', 2.0),
        # a control batch: one after the other
        step(5, 'controller', 'nova', 'switch', 0.5), step(5, 'controller', 'nova', 'restart', 4.0),
        # a compute batch of two hosts at once: the busier one
        step(12, 'compute1', 'nova', 'restart', 4.0), step(12, 'compute1', 'nova', 'wait_ready', 8.0),
        step(12, 'compute2', 'nova', 'restart', 6.0), step(12, 'compute2', 'nova', 'wait_ready', 9.0),
        # readiness: no driver time
        {'batch': 15, 'host': None, 'service': None, 'action': 'readiness', 'detail': {'seconds': 12.0}}]
    assert bench.driver_busy_seconds(steps) == 5.0 + 4.5 + 15.0
