"""Where an upgrade stands: progress, versions per service, time left, batches, labels."""

import datetime

import pytest

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.progress import batch_summary, describe, step_label

T0 = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.timezone.utc)


def _at(seconds):
    return (T0 + datetime.timedelta(seconds=seconds)).isoformat()


def _step(position, batch, phase, action, host, status='pending', start=None, end=None, binary='nova-compute',
          frm='31.3.1', to='33.0.2', **detail):
    return {'position': position, 'batch': batch, 'phase': phase, 'service': binary.split('-')[0], 'host': host,
            'action': action, 'status': status, 'from_version': frm, 'to_version': to, 'error': None,
            'started_at': None if start is None else _at(start), 'finished_at': None if end is None else _at(end),
            'detail': dict(detail, batch=batch, binary=binary)}


def _upgrade(steps, status='running', started=0, finished=None):
    return {'id': 'u1', 'cluster': 'lab', 'from_release': '2025.1', 'to_release': '2026.1', 'status': status,
            'error': None, 'options': {}, 'started_by': 'ops@bastion', 'created_at': _at(-5), 'updated_at': _at(0),
            'started_at': None if started is None else _at(started),
            'finished_at': None if finished is None else _at(finished), 'steps': steps}


def _code(first, batch, phase, host, status, start, took, binary='nova-compute', frm='31.3.1', to='33.0.2', **detail):
    return [_step(first + i, batch, phase, action, host, status, start if status != 'pending' else None,
                  start + took if status == 'done' else None, binary=binary, frm=frm, to=to, **detail)
            for i, action in enumerate(('switch', 'restart', 'wait_ready'))]


def lab_in_the_compute_phase():
    """control done (10 s a batch), compute batch 1 done (40 s), batch 2 running, batch 3 pending."""
    where = {'compute_batches': 3}
    return ([_step(1, 1, 'prepare', 'check_code', 'ctl', 'done', 0, 2, binary='keystone')]
            + _code(2, 2, 'control', 'ctl', 'done', 10, 10, binary='keystone', frm='27.1.0', to='29.1.0')
            + _code(5, 3, 'control', 'ctl', 'done', 20, 10, binary='nova-conductor')
            + _code(8, 4, 'compute', 'cmp1', 'done', 30, 40, compute_batch=1, **where)
            + _code(11, 5, 'compute', 'cmp2', 'running', 70, 0, compute_batch=2, **where)
            + _code(14, 6, 'compute', 'cmp3', 'pending', 0, 0, compute_batch=3, **where)
            + [_step(17, 7, 'finalize', 'db_contract', 'ctl', binary='keystone', frm='27.1.0', to='29.1.0')])


def test_describe_a_running_upgrade():
    steps = lab_in_the_compute_phase()
    info = describe(_upgrade(steps), now=T0 + datetime.timedelta(seconds=75))
    assert (info['status'], info['phase'], info['batch'], info['steps_total'], info['batches_total']) == (
        'running', 'compute', 5, 17, 7)
    assert info['step_counts'] == {'done': 10, 'running': 3, 'pending': 4}
    assert info['step'] == {'position': 11, 'phase': 'compute', 'service': 'nova', 'host': 'cmp2', 'action': 'switch',
                            'status': 'running', 'from_version': '31.3.1', 'to_version': '33.0.2', 'error': None,
                            'batch': 5, 'label': 'compute batch 2/3: switch nova-compute on cmp2 31.3.1 → 33.0.2'}
    # ctl and cmp1 are done; per service, hosts at each version (ctl counts for keystone and for nova).
    assert (info['hosts_upgraded'], info['hosts_total']) == (2, 4)
    assert info['services'] == {'keystone': {'29.1.0': 1}, 'nova': {'33.0.2': 2, '31.3.1': 2}}
    assert info['failed_step'] is None and info['elapsed'] == 75
    # Batches left: compute 5 and 6 (a done compute batch took 40 s), finalize 7 (no done one: the mean
    # of every done batch, (2 + 10 + 10 + 40) / 4 = 15.5).
    assert info['remaining'] == round(40 + 40 + 15.5)
    assert (info['id'], info['started_by'], info['options']) == ('u1', 'ops@bastion', {})


def test_describe_a_failed_one_names_the_step_and_why():
    steps = lab_in_the_compute_phase()
    steps[10].update(status='failed', error='nova-compute did not start')
    info = describe(_upgrade(steps, status='failed'), now=T0)
    assert info['failed_step']['position'] == 11 and info['failed_step']['error'] == 'nova-compute did not start'
    assert info['step']['position'] == 11


def test_describe_before_the_start_and_after_the_end():
    pending = [dict(s, status='pending', started_at=None, finished_at=None) for s in lab_in_the_compute_phase()]
    info = describe(_upgrade(pending, status='pending', started=None))
    assert (info['elapsed'], info['remaining'], info['phase'], info['hosts_upgraded']) == (None, None, 'prepare', 0)
    done = [dict(s, status='done', started_at=_at(0), finished_at=_at(1)) for s in lab_in_the_compute_phase()]
    info = describe(_upgrade(done, status='completed', finished=300), now=T0 + datetime.timedelta(days=1))
    assert (info['elapsed'], info['remaining'], info['phase'], info['step']) == (300, None, None, None)
    assert (info['hosts_upgraded'], info['hosts_total']) == (4, 4)
    assert info['services'] == {'keystone': {'29.1.0': 1}, 'nova': {'33.0.2': 4}}


def test_describe_a_rollback_points_at_the_last_step_to_undo():
    steps = lab_in_the_compute_phase()
    for step in steps[7:10]:
        step['status'] = 'reverted'
    for step in steps[10:13]:
        step['status'] = 'done'
    info = describe(_upgrade(steps, status='rolling_back'))
    assert info['step']['position'] == 13 and info['remaining'] is None
    # cmp1 reverted counts at its old version again; ctl and cmp2 are still at the new one.
    assert info['services']['nova'] == {'31.3.1': 2, '33.0.2': 2}


@pytest.mark.parametrize('step,label', [
    (_step(3, 2, 'control', 'restart', 'ctl', binary='keystone', frm='27.1.0', to='29.1.0'),
     'control: restart keystone on ctl 27.1.0 → 29.1.0'),
    (_step(9, 8, 'finalize', 'restart', 'ctl', binary='nova-api', frm='33.0.2'),
     'finalize: restart nova-api on ctl'),
    (dict(_step(1, 1, 'prepare', 'readiness', None, frm=None, to=None), service=None, detail={'batch': 1}),
     'prepare: readiness'),
])
def test_step_labels(step, label):
    assert step_label(step) == label


def test_batch_summary():
    steps = lab_in_the_compute_phase()
    steps[9]['status'] = 'failed'
    summary = batch_summary(steps)
    assert [(b['batch'], b['phase'], b['status'], b['steps'], b['hosts']) for b in summary] == [
        (1, 'prepare', 'done', 1, ['ctl']), (2, 'control', 'done', 3, ['ctl']), (3, 'control', 'done', 3, ['ctl']),
        (4, 'compute', 'failed', 3, ['cmp1']), (5, 'compute', 'running', 3, ['cmp2']),
        (6, 'compute', 'pending', 3, ['cmp3']), (7, 'finalize', 'pending', 1, ['ctl'])]
    assert summary[1]['services'] == ['keystone']
    mixed = batch_summary([dict(steps[7], status='done'), dict(steps[8], status='pending', host='cmp9')])
    assert (mixed[0]['status'], mixed[0]['hosts']) == ('partial', ['cmp1', 'cmp9'])
