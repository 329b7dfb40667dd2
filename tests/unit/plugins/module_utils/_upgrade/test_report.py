"""The upgrade report's model and page: edge cases without a store (the module's tests use a real one)."""

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.report import render, report_model


def _step(position, host, status='pending', started=None, finished=None, **extra):
    step = {'position': position, 'phase': 'compute' if host else 'prepare', 'service': 'nova' if host else None,
            'host': host, 'action': 'switch' if host else 'check_path', 'status': status, 'started_at': started,
            'finished_at': finished, 'from_version': '31.3.1' if host else None,
            'to_version': '33.0.2' if host else None, 'detail': {'binary': 'nova-compute'} if host else {},
            'error': None, 'batch': position}
    step.update(extra)
    return step


def _upgrade(steps, status='pending', **extra):
    upgrade = {'id': 'u-1', 'cluster': 'prod', 'from_release': '2025.1', 'to_release': '2026.1', 'status': status,
               'error': None, 'started_by': 'ops@bastion', 'started_at': None, 'finished_at': None,
               'created_at': '2026-12-05T10:00:00+00:00', 'updated_at': '2026-12-05T10:00:00+00:00',
               'options': {}, 'current_batch': None, 'current_position': None, 'steps': steps}
    upgrade.update(extra)
    return upgrade


def test_an_upgrade_that_never_started_has_rows_and_no_bars():
    model = report_model(_upgrade([_step(1, None), _step(2, 'compute1')]), [])
    assert [(r['host'], r['bars'], r['not_run']) for r in model['rows']] == [('prod', [], 1), ('compute1', [], 1)]
    assert model['seconds'] is None and model['marks'] == []
    assert model['checks'] == {'before': None, 'after': None}
    page = render(model)
    assert 'class="bar"' not in page and 'not in the plan' in page and 'not started' not in page


def test_bars_are_placed_on_the_upgrade_s_span_and_a_running_step_lasts_until_the_last_moment():
    steps = [_step(1, None, 'done', '2026-12-05T10:00:00+00:00', '2026-12-05T10:00:10+00:00'),
             _step(2, 'compute1', 'running', '2026-12-05T10:00:30+00:00')]
    events = [{'at': '2026-12-05T10:01:40+00:00', 'from_status': 'running', 'to_status': 'paused', 'batch': 2,
               'reason': None}]
    model = report_model(_upgrade(steps, 'paused'), events)
    (first,), (second,) = model['rows'][0]['bars'], model['rows'][1]['bars']
    assert (first['left'], first['width'], first['seconds']) == (0.0, 10.0, 10.0)
    assert (second['left'], second['width'], second['status']) == (30.0, 70.0, 'running')
    assert [(m['status'], m['left']) for m in model['marks']] == [('paused', 100.0)]
    assert model['versions'] == {'before': {'nova': {'31.3.1': 1}}, 'after': {'nova': {'31.3.1': 1}}}


def test_what_the_store_holds_is_escaped_never_markup():
    hostile = '<script>alert(1)</script>'
    steps = [_step(1, hostile, 'failed', '2026-12-05T10:00:00+00:00', '2026-12-05T10:00:05+00:00',
                   error='nova said "<b>no</b>"')]
    page = render(report_model(_upgrade(steps, 'failed', error=hostile, cluster='a&b'), []))
    assert '<script>' not in page and '&lt;script&gt;' in page and '<b>no</b>' not in page
    assert 'a&amp;b' in page


def test_checks_before_and_after_side_by_side():
    detail = {'when': 'before', 'result': 'Warning', 'counts': {'Success': 1, 'Warning': 1},
              'warnings': ['nova: x'], 'checks': [{'host': 'prod', 'project': 'nova', 'check': 'x', 'result': 'Warning'},
                                                  {'host': 'prod', 'project': 'nova', 'check': 'y', 'result': 'Success'}]}
    after = dict(detail, when='after', result='Success', counts={'Success': 2}, warnings=[],
                 checks=[{'host': 'prod', 'project': 'nova', 'check': 'x', 'result': 'Success'},
                         {'host': 'prod', 'project': 'nova', 'check': 'y', 'result': 'Success'}])
    steps = [_step(1, None, 'done', '2026-12-05T10:00:00+00:00', '2026-12-05T10:00:05+00:00', action='readiness',
                   detail=detail),
             _step(2, None, 'done', '2026-12-05T10:01:00+00:00', '2026-12-05T10:01:05+00:00', action='readiness',
                   detail=after)]
    model = report_model(_upgrade(steps, 'completed'), [])
    assert model['checks']['before']['counts'] == {'Success': 1, 'Warning': 1, 'Failure': 0, 'Error': 0}
    assert model['checks']['after']['warnings'] == []
    page = render(model)
    assert page.count('<tr class="changed">') == 1  # x went from Warning to Success; y did not change
