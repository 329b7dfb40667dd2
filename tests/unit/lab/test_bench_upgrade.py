"""bench_upgrade's figures per phase: batches' wall time against the driver's seconds in them."""
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


def step(phase, batch, start, end, seconds=None, action='restart'):
    return {'phase': phase, 'batch': batch, 'action': action, 'started': '2026-12-06 18:00:%06.3f' % start,
            'finished': '2026-12-06 18:00:%06.3f' % end, 'detail': {} if seconds is None else {'driver_seconds': seconds}}


def test_a_phase_counts_each_batch_once_from_its_first_start_to_its_last_end():
    steps = [step('prepare', 1, 0, 2.5), step('prepare', 2, 2.5, 14),  # readiness: no driver seconds
             # expand: one batch, two services' commands at once (7 s of commands in 5 s)
             step('expand', 4, 14, 19, 4.0, 'db_expand'), step('expand', 4, 14, 19, 3.0, 'db_sync'),
             # compute: two batches of two hosts at once
             step('compute', 12, 20, 30, 9.0), step('compute', 12, 20, 30, 9.5),
             step('compute', 13, 30, 41, 10.0), step('compute', 13, 30, 41, 8.0)]
    assert bench.phase_seconds(steps) == {'prepare': (14.0, 0.0), 'expand': (5.0, 7.0), 'compute': (21.0, 36.5)}


def test_the_overlap_of_database_lanes_counts_once_and_the_compute_hosts_still_each():
    steps = [step('expand', 4, 14, 19, 4.0, 'db_expand'), step('expand', 4, 14, 19, 3.0, 'db_sync'),
             step('finalize', 14, 50, 59, 3.0, 'db_contract'),  # shorter than its batch: as it is
             step('compute', 12, 20, 30, 9.0), step('compute', 12, 20, 30, 9.5)]
    assert bench.driver_db_overlap_once(steps) == 5.0 + 3.0 + 18.5
