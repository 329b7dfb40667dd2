# -*- coding: utf-8 -*-
# Copyright (c) osops.lifecycle contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The upgrade role's computing: what a claimed step asks of the host, progress lines, readiness warnings.

Documented in upgrade_step_task.yml, upgrade_progress_lines.yml, upgrade_plan_lines.yml,
upgrade_outcomes.yml, check_warnings.yml and check_failures.yml.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.module_utils._upgrade.progress import step_label

# Steps with nothing to run on a host: the planner checked the path; readiness runs the check role.
_NOTHING = ('check_path',)
_DB_ACTIONS = ('db_expand', 'db_migrate', 'db_sync', 'api_db_sync', 'online_data_migrations', 'db_contract')
_CODE_ACTIONS = ('switch', 'restart', 'wait_ready')


def _need(settings, key):
    if key not in settings:
        raise AnsibleFilterError('upgrade_step_task: settings has no %r' % key)
    return settings[key]


def upgrade_step_task(step, settings):
    """What the upgrade role runs for one claimed step (or revert entry) on its host.

    Returns ``{'kind': ..., 'position': ..., 'label': ..., ...}``; ``kind`` is ``nothing``,
    ``readiness``, ``check_code`` (``venvs``: service -> venv to find), ``rpc_pin`` (the
    service_config_option options), ``driver`` (``vars``: the variables of the driver's one
    action), ``drain`` or ``enable``.
    """
    if not isinstance(step, dict) or 'position' not in step or 'action' not in step:
        raise AnsibleFilterError('upgrade_step_task expects a step as upgrade_step claimed it, got %r' % (step,))
    detail = step.get('detail') or {}
    action, service = step['action'], step.get('service')
    base = {'position': step['position'], 'label': step.get('label') or action, 'action': action}
    if action is None or action in _NOTHING:  # a revert entry that only marks its step reverted
        return dict(base, kind='nothing')
    if action == 'readiness':
        return dict(base, kind='readiness', release=detail.get('release'), when=detail.get('when'),
                    fail_on_warning=bool(detail.get('fail_on_warning')),
                    compared_detail=step.get('compared_detail'))
    venvs_dir = _need(settings, 'venvs_dir').rstrip('/')
    if action == 'check_code':
        versions = detail.get('versions') or {}
        return dict(base, kind='check_code', venvs=dict(
            (name, '%s/%s-%s' % (venvs_dir, name, version)) for name, version in sorted(versions.items())))
    if action == 'rpc_pin':
        return dict(base, kind='rpc_pin', options={
            'path': _need(settings, 'nova_config_file'), 'section': detail.get('section', 'upgrade_levels'),
            'option': detail.get('option', 'compute'), 'value': detail.get('value', 'auto'),
            'mode': detail.get('mode', 'set')})
    if action in ('drain', 'enable'):
        return dict(base, kind=action, binary=detail.get('binary') or 'nova-compute')
    config_files = _need(settings, 'config_files')
    if action in _DB_ACTIONS:
        if not detail.get('command'):
            raise AnsibleFilterError('upgrade_step_task: step %s (%s) has no command' % (step['position'], action))
        return dict(base, kind='driver', vars={
            'osops_upgrade_service': service, 'osops_upgrade_action': 'db',
            'osops_upgrade_version': step['to_version'],
            'osops_upgrade_venv': '%s/%s-%s' % (venvs_dir, service, step['to_version']),
            'osops_upgrade_db_commands': [list(detail['command'])],
            'osops_upgrade_db_repeat_while_rc': detail.get('repeat_while_rc'),
            'osops_upgrade_config_files': list(config_files.get(service) or ['/etc/%s/%s.conf' % (service, service)])})
    if action not in _CODE_ACTIONS:
        raise AnsibleFilterError('upgrade_step_task: step %s has action %r, which the upgrade role does not know'
                                 % (step['position'], action))
    binary = detail.get('binary') or service
    reverting = 'reverts' in step
    service_version = detail.get('from_service_version' if reverting else 'service_version') or 0
    nova_binary = (settings.get('nova_binaries') or {}).get(binary, binary)
    if reverting and action == 'restart' and service == 'nova' and detail.get('from_service_version'):
        # nova refuses to start code older than its own record: lower it first (nova_service_version)
        base['nova_record'] = {'host': step.get('host'), 'binary': nova_binary,
                               'version': detail['from_service_version'],
                               'python': '%s/nova-%s/bin/python' % (venvs_dir, step['to_version'])}
    return dict(base, kind='driver', vars={
        'osops_upgrade_service': (settings.get('units') or {}).get(binary, binary),
        'osops_upgrade_action': action,
        'osops_upgrade_version': step['to_version'],
        'osops_upgrade_venv': '',
        'osops_upgrade_wait_url': (settings.get('wait_urls') or {}).get(binary, ''),
        'osops_upgrade_haproxy_backend': (settings.get('haproxy_backends') or {}).get(binary, ''),
        'osops_upgrade_nova_service_version': service_version if action == 'wait_ready' else 0,
        'osops_upgrade_nova_binary': nova_binary,
        'osops_upgrade_nova_host': step.get('host'),
        'osops_upgrade_nova_config_files': [_need(settings, 'nova_config_file')],
        'osops_upgrade_config_files': list(config_files.get(service) or []),
        # finalize restarts nova's control units that run their target code already: [upgrade_levels]
        # compute = auto lifts the pin only when they start again
        'osops_upgrade_restart_always': step.get('phase') == 'finalize' and action == 'restart' and not reverting})


def _code_part(step, driver):
    """``(host, service, binary)`` when ``step`` can join a venv driver's one-run code change, else None."""
    if driver != 'venv' or 'reverts' in step or step.get('action') not in _CODE_ACTIONS:
        return None
    return step.get('host'), step.get('service'), (step.get('detail') or {}).get('binary') or step.get('service')


def _db_part(step, driver):
    """True when ``step`` can join a venv driver's one-run database commands."""
    return driver == 'venv' and 'reverts' not in step and step.get('action') in _DB_ACTIONS


def upgrade_step_groups(by_host, driver):
    """A batch's steps by host (upgrade_step's ``by_host``) in the groups the role runs at once, per host.

    With the venv driver, a host's consecutive ``switch``, ``restart`` and ``wait_ready`` of one unit
    (not a rollback's) make one group - one service_code run - and its consecutive database steps one
    group - one service_command run; every other step is a group of its own.
    """
    if not isinstance(by_host, dict):
        raise AnsibleFilterError('upgrade_step_groups expects the claim\'s by_host (host -> steps), got %r' % (by_host,))
    groups = {}
    for host, steps in by_host.items():
        groups[host] = []
        for step in steps or []:
            last = groups[host][-1] if groups[host] else None
            part = _code_part(step, driver)
            if (part is not None and last and _code_part(last[-1], driver) == part
                    and _CODE_ACTIONS.index(step['action']) > _CODE_ACTIONS.index(last[-1]['action'])):
                last.append(step)
            elif last and _db_part(step, driver) and _db_part(last[-1], driver):
                last.append(step)
            else:
                groups[host].append([step])
    return groups


def upgrade_group_task(group, settings):
    """What the role runs for one group of upgrade_step_groups: upgrade_step_task's answer for one step; for
    several, kind ``driver`` and ``parts`` (each step's position and action): one unit's code change with
    action ``code`` and ``osops_upgrade_actions``, or database steps with action ``db`` and
    ``osops_upgrade_db_runs`` (every step's commands, each part's ``runs`` its slice of them). Every answer
    has ``positions``."""
    if not isinstance(group, list) or not group:
        raise AnsibleFilterError('upgrade_group_task expects a group of upgrade_step_groups, got %r' % (group,))
    tasks = [upgrade_step_task(step, settings) for step in group]
    if len(tasks) == 1:
        return dict(tasks[0], positions=[tasks[0]['position']], parts=[])
    last = tasks[-1]
    actions = [task['action'] for task in tasks]
    common = dict(last, label=' + '.join(actions), positions=[task['position'] for task in tasks])
    if all(task['vars']['osops_upgrade_action'] == 'db' for task in tasks):
        runs, parts = [], []
        for task in tasks:
            step_vars = task['vars']
            first = len(runs)
            # settings' db_parallel: each service's commands in a lane of their own, the services' at once
            lane = {'lane': step_vars['osops_upgrade_service']} if settings.get('db_parallel') else {}
            runs += [dict({'venv': step_vars['osops_upgrade_venv'], 'argv': argv,
                           'config_files': step_vars['osops_upgrade_config_files'],
                           'repeat_while_rc': step_vars['osops_upgrade_db_repeat_while_rc']}, **lane)
                     for argv in step_vars['osops_upgrade_db_commands']]
            parts.append(dict({'position': task['position'], 'action': task['action'], 'runs': [first, len(runs)]},
                              **lane))
        return dict(common, parts=parts, vars=dict(last['vars'], osops_upgrade_db_runs=runs))
    return dict(common, parts=[{'position': task['position'], 'action': task['action']} for task in tasks],
                vars=dict(last['vars'], osops_upgrade_action='code', osops_upgrade_actions=actions,
                          osops_upgrade_restart_always=any(task['vars']['osops_upgrade_restart_always'] for task in tasks)))


def _code_parts(task, driver_result, error):
    """``(part, state, value)`` of a unit's code change: ``failed``, ``not run`` (value: why) or ``done``
    (value: its action's seconds), by driver_result's ``failed_action``."""
    actions = driver_result.get('actions') or {}
    failed = driver_result.get('failed_action') if error is not None else None
    if error is not None and failed not in [part['action'] for part in task['parts']]:
        failed = next((p['action'] for p in task['parts'] if p['action'] not in actions), task['parts'][-1]['action'])
    for part in task['parts']:
        action = part['action']
        if failed is not None and action == failed:
            yield part, 'failed', None
        elif failed is not None and _CODE_ACTIONS.index(action) > _CODE_ACTIONS.index(failed):
            yield part, 'not run', 'not run: %s failed before it' % failed
        else:
            yield part, 'done', float((actions.get(action) or {}).get('duration') or 0.0)


def _db_parts(task, driver_result, error):
    """``(part, state, value)`` of database steps run in one service_command run.

    By driver_result's ``failed_indexes`` (or ``failed_index``; a failure before the commands ran: the
    first step's) and ``actions.db``'s ``durations`` (of the commands run; ``indexes``: which, else the
    first ones). After a failure, a step whose commands did not all run was not run: a step of its lane
    (service) failed before it, or, without lanes, the failed step.
    """
    db = (driver_result.get('actions') or {}).get('db') or {}
    durations = db.get('durations') or []
    ran = dict(zip(db.get('indexes') or range(len(durations)), durations))
    failed = set()
    if error is not None:
        failed = set(driver_result.get('failed_indexes') or [])
        if not failed and isinstance(driver_result.get('failed_index'), int):
            failed = {driver_result['failed_index']}
        if not failed:
            failed = {task['parts'][0]['runs'][0]}
    failed_parts = [part for part in task['parts'] if failed & set(range(*part['runs']))]
    for part in task['parts']:
        indexes = range(*part['runs'])
        if part in failed_parts:
            yield part, 'failed', None
        elif failed and not all(index in ran for index in indexes):
            before = [p for p in failed_parts if p.get('lane') == part.get('lane')] or failed_parts
            yield part, 'not run', 'not run: step %s failed before it' % before[0]['position']
        else:
            yield part, 'done', sum(float(ran.get(index) or 0.0) for index in indexes)


def upgrade_task_outcomes(task, driver_result, status, seconds, error=None):
    """The outcomes of a task of upgrade_group_task, for upgrade_step's ``results``.

    One step: its outcome. A code change: one per step, its seconds and driver seconds its action's (the
    role's own time above the actions goes to the last step run); after a failure, the steps done before
    the failed action (driver_result's ``failed_action``) are done, the failed one carries ``error``, and
    the ones after it failed as not run. Database steps in one run: the same, by the failed command
    (driver_result's ``failed_index``) and each step's durations from ``actions.db.durations``.
    """
    driver_result = driver_result or {}
    seconds = round(float(seconds or 0), 3)
    if not task.get('parts'):
        detail = {'seconds': seconds}
        if error is None:
            detail['driver_seconds'] = driver_result.get('duration')
        outcome = {'position': task['position'], 'status': status, 'detail': detail}
        if error is not None:
            outcome.update(status='failed', error=error)
        return [outcome]
    parts = _db_parts if 'runs' in task['parts'][0] else _code_parts
    outcomes, spent, ran = [], 0.0, None
    for part, state, value in parts(task, driver_result, error):
        if state == 'failed':
            outcomes.append({'position': part['position'], 'status': 'failed', 'error': error, 'detail': {}})
            ran = outcomes[-1]
        elif state == 'not run':
            outcomes.append({'position': part['position'], 'status': 'failed', 'detail': {'seconds': 0.0},
                             'error': value})
        else:
            spent += value
            outcomes.append({'position': part['position'], 'status': status,
                             'detail': {'seconds': round(value, 3), 'driver_seconds': round(value, 3)}})
            ran = outcomes[-1]
    if ran is not None:  # the role's own time above the actions goes to the last step run
        ran['detail']['seconds'] = round(float(ran['detail'].get('seconds') or 0.0) + max(seconds - spent, 0.0), 3)
    return outcomes


def _seconds(value):
    value = float(value or 0)
    return '%d s' % round(value) if value >= 1 else '%.1f s' % value


def upgrade_progress_lines(steps, results, total):
    """``[38/54] compute batch 1/2: switch nova-compute on compute1 31.3.1 → 33.0.2 … done in 4 s`` per step
    (the seconds from each outcome's ``detail.seconds``)."""
    by_position = dict((result['position'], result) for result in results or [])
    lines = []
    for step in steps or []:
        result = by_position.get(step['position'])
        if result is None:
            outcome = 'no outcome (its host did not answer)'
        else:
            outcome = '%s in %s' % (result['status'], _seconds((result.get('detail') or {}).get('seconds')))
            if result.get('error'):
                outcome += ': %s' % result['error']
        lines.append('[%s/%s] %s … %s' % (step['position'], total, step.get('label') or step.get('action'), outcome))
    return lines


def upgrade_outcomes(tasks, status, seconds=0.0, error=None):
    """``[{position, status, detail: {seconds}}]`` for tasks (as upgrade_step_task returns them, or claimed
    steps) that ended alike; with ``error``, each failed with it."""
    outcomes = [{'position': task['position'], 'status': status, 'detail': {'seconds': round(float(seconds), 3)}}
                for task in tasks or []]
    if error is not None:
        for outcome in outcomes:
            outcome.update(status='failed', error=error)
    return outcomes


def upgrade_plan_lines(plan):
    """A plan as check mode returns it, one line per step: ``batch 13  control: switch nova-conductor on ...``."""
    return ['batch %-4s %s' % ((step.get('detail') or {}).get('batch'), step_label(step)) for step in plan or []]


def check_warnings(report):
    """The Warnings of a check role report, as sorted ``project: check`` names (whichever host warned)."""
    if not isinstance(report, dict):
        raise AnsibleFilterError('check_warnings expects the check role\'s osops_check_report, got %r' % (report,))
    found = set()
    for host in report.get('hosts') or []:
        for section in host.get('projects') or []:
            for check in section.get('checks') or []:
                if check.get('result') == 'Warning':
                    found.add('%s: %s' % (section.get('project'), check.get('name')))
    return sorted(found)


def check_failures(report):
    """The checks of a check role report that failed or could not run, one line each:
    ``nova on controller: Cells v2 (Failure): <first line of its details>``."""
    if not isinstance(report, dict):
        raise AnsibleFilterError('check_failures expects the check role\'s osops_check_report, got %r' % (report,))
    found = []
    for host in report.get('hosts') or []:
        for section in host.get('projects') or []:
            for check in section.get('checks') or []:
                if check.get('result') in ('Failure', 'Error'):
                    details = (check.get('details') or '').strip().splitlines()
                    first = ': ' + details[0] if details else ''
                    found.append('%s on %s: %s (%s)%s' % (section.get('project'), host.get('host'), check.get('name'),
                                                          check.get('result'), first))
    return found


def check_rows(report):
    """Every check of a check role report, one compact row each: ``host``, ``project``, ``check``, ``result``
    (what an upgrade keeps of its readiness runs, for its report)."""
    if not isinstance(report, dict):
        raise AnsibleFilterError('check_rows expects the check role\'s osops_check_report, got %r' % (report,))
    return [{'host': host.get('host'), 'project': section.get('project'), 'check': check.get('name'),
             'result': check.get('result')}
            for host in report.get('hosts') or [] for section in host.get('projects') or []
            for check in section.get('checks') or []]


class FilterModule:
    def filters(self):
        return {'upgrade_step_task': upgrade_step_task, 'upgrade_progress_lines': upgrade_progress_lines,
                'upgrade_step_groups': upgrade_step_groups, 'upgrade_group_task': upgrade_group_task,
                'upgrade_task_outcomes': upgrade_task_outcomes,
                'upgrade_plan_lines': upgrade_plan_lines, 'upgrade_outcomes': upgrade_outcomes,
                'check_warnings': check_warnings, 'check_failures': check_failures, 'check_rows': check_rows}
