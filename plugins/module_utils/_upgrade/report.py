# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An upgrade as one self-contained HTML page: its plan as a timeline, its versions and checks before and after.

:func:`report_model` reads what the store holds - the upgrade with its steps
(``upgrades.get_upgrade``) and the statuses it took (``upgrades.upgrade_events``)
- into plain data; :func:`render` writes that as HTML with its style inline:
no script, no font, no image, nothing fetched, so the file opens anywhere and
can be mailed or attached to a change ticket.

The timeline has one row per host (the cluster's own row first, for the
steps without a host: the path and readiness checks), one bar per step that
ran, placed at its start and as long as it took, coloured by its status; a
mark at each pause, failure, cancel and rollback the upgrade went through.
Every bar and mark carries ``data-*`` attributes with what it shows, so a
browser test can compare the page with the store.
"""

from __future__ import annotations

import datetime
import html

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.progress import CODE_PHASES, describe

# Step status -> bar colour; upgrade status of an event -> mark colour and word.
STEP_COLOURS = {'done': '#2e7d32', 'failed': '#c62828', 'reverted': '#6a1b9a', 'running': '#1565c0',
                'pending': '#9e9e9e'}
MARKS = {'paused': ('#ef6c00', 'paused'), 'failed': ('#c62828', 'failed'), 'cancelling': ('#5d4037', 'cancel'),
         'cancelled': ('#5d4037', 'cancelled'), 'rolling_back': ('#6a1b9a', 'rollback'),
         'rolled_back': ('#6a1b9a', 'rolled back'), 'completed': ('#2e7d32', 'completed')}
RESULTS = ('Success', 'Warning', 'Failure', 'Error')
RESULT_COLOURS = {'Success': '#2e7d32', 'Warning': '#ef6c00', 'Failure': '#c62828', 'Error': '#c62828'}


def _time(value):
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _label(step):
    what = (step.get('detail') or {}).get('binary') or step.get('service') or ''
    words = ['#%d' % step['position'], step['phase'], step['action']]
    if what:
        words.append(what)
    if step.get('host'):
        words.append('on %s' % step['host'])
    if step.get('from_version') and step.get('to_version') and step['action'] == 'switch':
        words.append('%s → %s' % (step['from_version'], step['to_version']))
    return ' '.join(words)


def versions_before(steps):
    """``{service: {version: hosts}}`` the code steps started from (each service's hosts before the upgrade)."""
    units = {}
    for step in steps:
        if step['phase'] in CODE_PHASES and step['action'] == 'switch':
            units.setdefault((step['service'], step['host']), step['from_version'])
    before = {}
    for (service, _host), version in sorted(units.items()):
        counts = before.setdefault(service, {})
        counts[str(version or 'unknown')] = counts.get(str(version or 'unknown'), 0) + 1
    return before


def _readiness(steps, when):
    """The readiness step ``when`` (before, after) as the report shows it, or None when the plan has none."""
    step = next((s for s in steps if s['action'] == 'readiness'
                 and (s.get('detail') or {}).get('when') == when), None)
    if step is None:
        return None
    detail = step.get('detail') or {}
    return {'position': step['position'], 'status': step['status'], 'result': detail.get('result'),
            'counts': dict((name, (detail.get('counts') or {}).get(name, 0)) for name in RESULTS),
            'warnings': list(detail.get('warnings') or []), 'checks': list(detail.get('checks') or []),
            'error': step.get('error')}


def report_model(upgrade, events):
    """What the page shows, as plain data: the upgrade with its steps, and its events oldest first."""
    steps = upgrade['steps']
    status = describe(upgrade)
    moments = [_time(s[key]) for s in steps for key in ('started_at', 'finished_at')]
    moments += [_time(e['at']) for e in events]
    moments += [_time(upgrade.get(key)) for key in ('started_at', 'finished_at')]
    moments = [m for m in moments if m is not None]
    start = min(moments) if moments else None
    end = max(moments) if moments else None
    span = max((end - start).total_seconds(), 1.0) if start else 1.0

    def at(moment):
        return round(100.0 * (moment - start).total_seconds() / span, 3)

    # hosts in the order the plan changes them (the controllers, then the computes by batch)
    first = {}
    for step in steps:
        if step['host']:
            rank = (step['phase'] == 'prepare', step['position'])
            first[step['host']] = min(first.get(step['host'], rank), rank)
    hosts = [None] + sorted(first, key=first.get)
    rows = []
    for host in hosts:
        mine = [s for s in steps if s['host'] == host]
        bars = []
        for step in mine:
            began = _time(step['started_at'])
            if began is None:
                continue
            ended = _time(step['finished_at']) or end
            bars.append({'position': step['position'], 'phase': step['phase'], 'action': step['action'],
                         'status': step['status'], 'label': _label(step), 'error': step.get('error'),
                         'seconds': round((ended - began).total_seconds(), 1),
                         'left': at(began), 'width': max(at(ended) - at(began), 0.0)})
        rows.append({'host': host or upgrade['cluster'], 'cluster': host is None, 'bars': bars,
                     'steps': len(mine), 'not_run': len(mine) - len(bars)})
    marks = []
    for event in events:
        if event['to_status'] in MARKS and start is not None:
            colour, word = MARKS[event['to_status']]
            marks.append({'status': event['to_status'], 'word': word, 'colour': colour, 'at': event['at'],
                          'left': at(_time(event['at'])), 'batch': event.get('batch'), 'reason': event.get('reason')})
    return {
        'id': upgrade['id'], 'cluster': upgrade['cluster'], 'from_release': upgrade['from_release'],
        'to_release': upgrade['to_release'], 'status': upgrade['status'], 'error': upgrade.get('error'),
        'started_by': upgrade.get('started_by'), 'started_at': upgrade.get('started_at'),
        'finished_at': upgrade.get('finished_at'), 'seconds': round(span, 1) if start else None,
        'steps_total': len(steps), 'step_counts': status['step_counts'],
        'rows': rows, 'marks': marks, 'events': [dict(e) for e in events],
        'versions': {'before': versions_before(steps), 'after': status['services']},
        'checks': {'before': _readiness(steps, 'before'), 'after': _readiness(steps, 'after')},
        'failed': [{'position': s['position'], 'label': _label(s), 'error': s.get('error')}
                   for s in steps if s['status'] == 'failed'],
    }


STYLE = '''
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #212121; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #555; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; }
.timeline { border: 1px solid #ddd; padding: 8px 8px 4px; }
.row { display: flex; align-items: center; height: 26px; }
.host { width: 160px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.track { position: relative; flex: auto; height: 18px; background: #f5f5f5; }
.bar { position: absolute; top: 2px; height: 14px; min-width: 3px; border-radius: 2px; }
.mark { position: absolute; top: -4px; bottom: -4px; width: 2px; }
.axis { display: flex; justify-content: space-between; margin-left: 160px; color: #777; font-size: 12px; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #fafafa; }
tr.changed td { background: #fff8e1; }
'''


def _when(value):
    """An ISO time as people read it: ``2026-12-05 11:14:45 UTC``."""
    moment = _time(value)
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC') if moment else ''


def _e(value):
    return html.escape('' if value is None else str(value), quote=True)


def _versions_table(versions):
    services = sorted(set(versions['before']) | set(versions['after']))
    lines = ['<table id="versions"><tr><th>service</th><th>before</th><th>after</th></tr>']
    for service in services:
        cells = []
        for when in ('before', 'after'):
            counts = versions[when].get(service, {})
            cells.append('<td data-when="%s">%s</td>' % (when, ', '.join(
                '<span class="version" data-version="%s" data-hosts="%d">%s × %d</span>'
                % (_e(version), hosts, _e(version), hosts) for version, hosts in sorted(counts.items()))))
        lines.append('<tr data-service="%s"><td>%s</td>%s</tr>' % (_e(service), _e(service), ''.join(cells)))
    lines.append('</table>')
    return '\n'.join(lines)


def _checks_table(checks):
    lines = ['<table id="checks"><tr><th></th>%s<th>Warnings</th></tr>' % ''.join(
        '<th>%s</th>' % name for name in RESULTS)]
    for when in ('before', 'after'):
        found = checks[when]
        if found is None:
            lines.append('<tr data-when="%s"><td>%s</td><td colspan="%d">not in the plan</td></tr>'
                         % (when, when, len(RESULTS) + 1))
            continue
        if found['result'] is None:
            word = 'not run yet' if found['status'] == 'pending' else (found['error'] or found['status'])
            lines.append('<tr data-when="%s"><td>%s</td><td colspan="%d">%s</td></tr>'
                         % (when, when, len(RESULTS) + 1, _e(word)))
            continue
        cells = ''.join('<td data-result="%s">%d</td>' % (name, found['counts'][name]) for name in RESULTS)
        lines.append('<tr data-when="%s" data-overall="%s"><td>%s: <b style="color:%s">%s</b></td>%s<td>%s</td></tr>'
                     % (when, _e(found['result']), when, RESULT_COLOURS.get(found['result'], '#212121'),
                        _e(found['result']), cells, _e('; '.join(found['warnings']) or 'none')))
    lines.append('</table>')
    # every check once, its result before and after side by side (the order of the first run that has it)
    results, order = {}, []
    for when in ('before', 'after'):
        for check in (checks[when] or {}).get('checks') or []:
            key = (check.get('host'), check.get('project'), check.get('check'))
            if key not in results:
                results[key] = {}
                order.append(key)
            results[key][when] = check.get('result')
    if order:
        lines.append('<h2>Every check</h2><table id="check-rows"><tr><th>host</th><th>project</th><th>check</th>'
                     '<th>before</th><th>after</th></tr>')
        for key in order:
            cells = ''.join('<td data-when="%s" style="color:%s">%s</td>' % (
                when, RESULT_COLOURS.get(results[key].get(when), '#212121'), _e(results[key].get(when, '-')))
                for when in ('before', 'after'))
            lines.append('<tr%s><td>%s</td><td>%s</td><td>%s</td>%s</tr>' % (
                ' class="changed"' if len(set(results[key].values())) > 1 else '',
                _e(key[0]), _e(key[1]), _e(key[2]), cells))
        lines.append('</table>')
    return '\n'.join(lines)


def render(model):
    """The page, one string of HTML."""
    colour = {'completed': '#2e7d32', 'failed': '#c62828', 'paused': '#ef6c00', 'rolled_back': '#6a1b9a',
              'rolling_back': '#6a1b9a'}.get(model['status'], '#1565c0')
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
           '<title>Upgrade %s of %s: %s → %s, %s</title>' % (
               _e(model['id']), _e(model['cluster']), _e(model['from_release']), _e(model['to_release']),
               _e(model['status'])),
           '<style>%s</style></head><body>' % STYLE,
           '<h1>Upgrade of %s: %s → %s <span id="status" class="status" style="background:%s" data-status="%s">%s'
           '</span></h1>' % (_e(model['cluster']), _e(model['from_release']), _e(model['to_release']), colour,
                             _e(model['status']), _e(model['status'].replace('_', ' '))),
           '<p class="meta">id <code id="upgrade-id">%s</code> · started %s by %s · %s · %d steps (%s)</p>' % (
               _e(model['id']), _e(_when(model['started_at']) or 'not yet'), _e(model['started_by'] or 'unknown'),
               ('ended %s' % _e(_when(model['finished_at']))) if model['finished_at'] else 'not finished',
               model['steps_total'], _e(', '.join('%d %s' % (n, s) for s, n in sorted(model['step_counts'].items()))))]
    if model['error']:
        out.append('<p id="error"><b>Why it stopped:</b> %s</p>' % _e(model['error']))
    out.append('<h2>Timeline</h2><div class="legend">%s%s</div>' % (
        ''.join('<span><i class="swatch" style="background:%s"></i>step %s</span>' % (c, s)
                for s, c in STEP_COLOURS.items() if s != 'pending'),
        ''.join('<span><i class="swatch" style="background:%s"></i>%s</span>' % (c, w)
                for c, w in sorted(set(MARKS.values())))))
    out.append('<div class="timeline" id="timeline">')
    for row in model['rows']:
        out.append('<div class="row" data-host="%s"%s><div class="host" title="%s">%s%s</div><div class="track">' % (
            _e(row['host']), ' data-cluster="true"' if row['cluster'] else '', _e(row['host']), _e(row['host']),
            ' (%d not run)' % row['not_run'] if row['not_run'] else ''))
        for shown in row['bars']:
            title = '%s: %s in %s s%s' % (shown['label'], shown['status'], shown['seconds'],
                                          ' - %s' % shown['error'] if shown['error'] else '')
            out.append('<div class="bar" data-position="%d" data-status="%s" data-phase="%s" title="%s" '
                       'style="left:%s%%;width:%s%%;background:%s"></div>' % (
                           shown['position'], _e(shown['status']), _e(shown['phase']), _e(title), shown['left'],
                           shown['width'], STEP_COLOURS.get(shown['status'], '#9e9e9e')))
        for mark in model['marks']:
            out.append('<div class="mark" data-mark="%s" title="%s at %s%s" style="left:%s%%;background:%s"></div>' % (
                _e(mark['status']), _e(mark['word']), _e(_when(mark['at'])),
                ' - %s' % mark['reason'] if mark['reason'] else '', mark['left'], mark['colour']))
        out.append('</div></div>')
    out.append('</div><div class="axis"><span>%s</span><span>%s s</span></div>' % (
        _e(_when(model['started_at'])), _e(model['seconds'] if model['seconds'] is not None else 0)))
    if model['marks']:
        out.append('<h2>Pauses, failures, rollbacks</h2><table id="events"><tr><th>when</th><th>became</th>'
                   '<th>batch</th><th>why</th></tr>')
        for mark in model['marks']:
            out.append('<tr data-mark="%s"><td>%s</td><td style="color:%s">%s</td><td>%s</td><td>%s</td></tr>' % (
                _e(mark['status']), _e(_when(mark['at'])), mark['colour'], _e(mark['word']), _e(mark['batch']),
                _e(mark['reason'] or '')))
        out.append('</table>')
    if model['failed']:
        out.append('<h2>Failed steps</h2><table id="failed"><tr><th>step</th><th>error</th></tr>%s</table>' % ''.join(
            '<tr data-position="%d"><td>%s</td><td>%s</td></tr>' % (f['position'], _e(f['label']), _e(f['error']))
            for f in model['failed']))
    out.append('<h2>Versions (hosts per version)</h2>')
    out.append(_versions_table(model['versions']))
    out.append('<h2>Readiness checks, before and after</h2>')
    out.append(_checks_table(model['checks']))
    out.append('</body></html>')
    return '\n'.join(out) + '\n'
