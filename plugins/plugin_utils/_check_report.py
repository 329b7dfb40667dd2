# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure functions that turn collected check results into the table and report.

The table is the one ``oslo_upgradecheck.upgradecheck.UpgradeCommands.check``
prints: one column titled "Upgrade Check Results", a rule between every row,
each cell ``Check: / Result: / Details:`` with the details wrapped at 60
characters and continued with a two-space indent.  It is rendered with
prettytable, as oslo does, so the bytes are the same.
"""

from __future__ import annotations

import textwrap

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import (
    Code,
    result_name,
    worst,
)
from ansible_collections.osops.lifecycle.plugins.module_utils._checks.registry import TOOL_ORDER

try:
    import prettytable
except ImportError:
    prettytable = None

TITLE = 'Upgrade Check Results'
REPORT_SCHEMA_VERSION = 1
CHECK_FIELDS = ('name', 'result', 'code', 'details', 'duration')

# Results about the run itself rather than about OpenStack: a host Ansible
# could not reach, a task that failed before the checks after it could run.
ANSIBLE_PROJECT = 'ansible'
UNREACHABLE_CHECK = 'Host reachable'
TASK_FAILED_CHECK = 'Tasks completed'
# Ansible's messages can be long (module stderr, ssh debug): keep the row readable.
MESSAGE_LIMIT = 500

# The fact the check role aggregates every host's results in (its summary); its host order is the play's.
REPORT_FACT = 'osops_check_report'


def wrap_details(details):
    """Details as oslo prints them: wrapped at 60, two-space continuation."""
    if details is None:
        return None
    return '\n'.join(textwrap.wrap(details, 60, subsequent_indent='  '))


def render_table(checks):
    """Render a list of check dicts (``name``, ``code``, ``details``) as oslo does."""
    if prettytable is None:
        raise ImportError('the prettytable Python library is required to render '
                          'the upgrade check table; pip install prettytable')
    table = prettytable.PrettyTable([TITLE], hrules=prettytable.HRuleStyle.ALL)
    table.align = 'l'
    for check in checks:
        table.add_row(['Check: %s\nResult: %s\nDetails: %s' % (
            check['name'], result_name(check['code']),
            wrap_details(check['details']))])
    return table.get_string()


def add_check(report, host, check, cloud=False):
    """Add one module-returned check dict to ``report`` (see :func:`new_report`).

    ``host`` is where the check ran, or with ``cloud`` the cloud it is about.
    Hosts and projects keep the order in which they were first seen.
    """
    hosts = report['hosts']
    scope = 'cloud' if cloud else 'host'
    entry = next((h for h in hosts if h['host'] == host and h.get('scope', 'host') == scope), None)
    if entry is None:
        entry = {'host': host, 'projects': []}
        if cloud:
            entry['scope'] = 'cloud'
        hosts.append(entry)
    project = check.get('project') or 'unknown'
    section = next((p for p in entry['projects'] if p['project'] == project), None)
    if section is None:
        section = {'project': project, 'checks': []}
        entry['projects'].append(section)
    section['checks'].append(dict((k, check.get(k)) for k in CHECK_FIELDS))


def report_order(data):
    """``[((host, scope), [(project, [check name, ...]), ...])]`` of the check role's aggregated report when
    ``data`` (a task result) sets it, else None."""
    facts = data.get('ansible_facts') if isinstance(data, dict) else None
    report = facts.get(REPORT_FACT) if isinstance(facts, dict) else None
    if not isinstance(report, dict) or not isinstance(report.get('hosts'), list):
        return None
    return [((h.get('host'), h.get('scope', 'host')),
             [(p.get('project'), [c.get('name') for c in p.get('checks') or [] if isinstance(c, dict)])
              for p in h.get('projects') or [] if isinstance(p, dict)])
            for h in report['hosts'] if isinstance(h, dict)]


def _ranked(items, names, name_of):
    """``items`` in the order of ``names`` (by ``name_of``), the others after, as they came."""
    return sorted(items, key=lambda item: names.index(name_of(item)) if name_of(item) in names else len(names))


def in_report_order(hosts, order):
    """A report's ``hosts`` entries, their projects and checks in ``order`` (:func:`report_order`): the order the
    check role's report gives, whichever order the results came in; the others after, as they came."""
    order = order or ()
    projects = dict(order)
    ordered = []
    for host in _ranked(hosts, [key for key, _projects in order], lambda h: (h['host'], h.get('scope', 'host'))):
        given = projects.get((host['host'], host.get('scope', 'host'))) or []
        checks = dict(given)
        ordered.append(dict(host, projects=[
            dict(project, checks=_ranked(project['checks'], checks.get(project['project']) or [], lambda c: c['name']))
            for project in _ranked(host['projects'], [name for name, _checks in given], lambda p: p['project'])]))
    return ordered


def in_tool_order(project, checks):
    """``checks`` in the order of the project's own status tool (``TOOL_ORDER``), the others after as they came."""
    order = TOOL_ORDER.get(project, ())
    return sorted(checks, key=lambda c: order.index(c['name']) if c['name'] in order else len(order))


def module_results(value):
    """Every module result inside a task result or registered value (loops included)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        yield item
        for sub in item.get('results') or []:
            if isinstance(sub, dict):
                yield sub


def add_results(report, host, value):
    """Add the checks of every module result in ``value`` to ``report``; return how many."""
    count = 0
    for result in module_results(value):
        for check in result.get('upgrade_checks') or []:
            if isinstance(check, dict) and 'code' in check:
                # a cloud-wide check run with check_batch's cluster: reported under the cloud
                scope = check.get('scope')
                add_check(report, scope or host, check, cloud=bool(scope))
                count += 1
    return count


def _one_line(text):
    text = ' '.join(str(text).split())
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT - 3].rstrip() + '...'
    return text


def ansible_message(data):
    """The reason Ansible gives in a failed or unreachable task result, on one line.

    For a loop, the message of the first failed item.  ``no_log`` results
    reach callbacks already censored, so their message is the censor notice.
    """
    if not isinstance(data, dict):
        return 'no message'
    # A loop's own msg is a summary ("All items completed", "One or more
    # items failed"): the failed item's message says what went wrong.
    for item in data.get('results') or []:
        if isinstance(item, dict) and (item.get('failed') or item.get('unreachable')):
            found = ansible_message(dict(item, results=None))
            if found != 'no message':
                return found
    msg = (data.get('msg') or data.get('module_stderr') or data.get('stderr')
           or data.get('reason'))
    return _one_line(msg) if msg else 'no message'


def _error_row(name, details):
    """A row of project ``ansible`` with result Error: something kept checks from running."""
    return {
        'project': ANSIBLE_PROJECT,
        'name': name,
        'result': result_name(Code.ERROR),
        'code': Code.ERROR,
        'details': details,
        'duration': None,
    }


def unreachable_check(host, task, data):
    """The Error row of a host Ansible could not reach while running ``task``."""
    return _error_row(UNREACHABLE_CHECK, (
        'Ansible could not reach %s (task "%s"): %s. The checks of this host did '
        'not run; make it reachable (address, port, user, keys) or leave it out '
        'of the inventory, then run the checks again.'
        % (host, task, ansible_message(data).rstrip('.'))))


def task_failed_check(host, task, data):
    """The Error row of a task that failed on ``host`` without returning any check."""
    return _error_row(TASK_FAILED_CHECK, (
        'Task "%s" failed on %s: %s. The checks after it did not run on this '
        'host.' % (task, host, ansible_message(data).rstrip('.'))))


def lost_host_check(host):
    """The Error row of a host that left the play before its checks finished.

    What the ``check`` role's summary knows of a host that is in the play
    but no longer active: it was unreachable or a task failed there.
    """
    return _error_row(TASK_FAILED_CHECK, (
        '%s left the play before its checks finished: it was unreachable or a '
        'task failed there (the Ansible output says which). Its checks are '
        'missing from this report.' % host))


def add_host_error(report, host, check):
    """Add an Ansible-level Error row for ``host`` unless it already has one of that name.

    Returns whether it was added: a host is reported unreachable once, however
    many tasks or plays met it.
    """
    for entry in report['hosts']:
        if entry['host'] != host or entry.get('scope') == 'cloud':
            continue
        for section in entry['projects']:
            if section['project'] == check['project'] and any(
                    c['name'] == check['name'] for c in section['checks']):
                return False
    add_check(report, host, check)
    return True


def new_report():
    return {'schema_version': REPORT_SCHEMA_VERSION, 'hosts': []}


def _summarised(name_key, name, codes, children_key, children, **extra):
    """A dict whose code and result (the worst of ``codes``) come before its children."""
    code = worst(codes)
    return dict({name_key: name, 'code': code, 'result': result_name(code)}, **dict(extra, **{children_key: children}))


def finish_report(report):
    """The report with the code and result of every project, host and the run."""
    hosts = []
    for host in report['hosts']:
        projects = [_summarised('project', p['project'], (c['code'] for c in p['checks']),
                                'checks', in_tool_order(p['project'], p['checks']))
                    for p in host['projects']]
        scope = dict(scope='cloud') if host.get('scope') == 'cloud' else {}
        hosts.append(_summarised('host', host['host'], (p['code'] for p in projects),
                                 'projects', projects, **scope))
    checks = [c for h in hosts for p in h['projects'] for c in p['checks']]
    code = worst(h['code'] for h in hosts)
    return {
        'schema_version': REPORT_SCHEMA_VERSION,
        'code': code,
        'result': result_name(code),
        'counts': dict((name, sum(1 for c in checks if c['result'] == name))
                       for name in ('Success', 'Warning', 'Failure', 'Error')),
        'hosts': hosts,
    }


def render_report(report):
    """The text the callback prints: a table per cloud or host and project, then the overall line.

    A cloud's tables say so (``nova on cloud prod: Success``); a host's name the host.
    """
    blocks = []
    for host in report['hosts']:
        where = ('cloud %s' if host.get('scope') == 'cloud' else '%s') % host['host']
        for project in host['projects']:
            blocks.append('%s on %s: %s\n%s' % (
                project['project'], where, project['result'],
                render_table(project['checks'])))
    blocks.append(overall_line(report))
    return '\n\n'.join(blocks)


def overall_line(report):
    counts = ', '.join('%d %s' % (n, name) for name, n in report['counts'].items() if n)
    return 'Overall upgrade check result: %s (code %d)%s' % (
        report['result'], report['code'], ': ' + counts if counts else '')
