"""The check_table callback's handling of unreachable hosts and failed tasks.

Fake task results stand in for Ansible's; the real ansible-playbook runs are
in tests/integration (test_check_role.py, test_check_table_callback.py).
"""

import json
import os

import jsonschema
import pytest

from ansible_collections.osops.lifecycle.plugins.callback import check_table
from ansible_collections.osops.lifecycle.plugins.plugin_utils import _check_report as report_mod


class Block:
    def __init__(self, rescue=None, parent=None):
        self.rescue = rescue or []
        self._parent = parent


class Task:
    def __init__(self, name='Some task', delegate_to=None, ignore_unreachable=False,
                 task_vars=None, parent=None, action='ansible.builtin.command'):
        self.name = name
        self.delegate_to = delegate_to
        self.ignore_unreachable = ignore_unreachable
        self.vars = task_vars or {}
        self._parent = parent or Block()
        self.action = action

    def get_name(self):
        return self.name

    def get_vars(self):
        return dict(self.vars)


class Host:
    def __init__(self, name):
        self.name = name

    def get_name(self):
        return self.name


class Result:
    def __init__(self, host, data, task=None):
        self.host = Host(host)
        self.result = data
        self.task = task or Task()


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 4))
SCHEMA = os.path.join(ROOT, 'docs', 'schemas', 'check-report.schema.json')
CHECK = {'project': 'nova', 'name': 'Cells v2', 'result': 'Success', 'code': 0,
         'details': None, 'duration': 0.01}
REFUSED = {'unreachable': True, 'changed': False,
           'msg': 'Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 '
                  'port 2: Connection refused'}


@pytest.fixture
def callback():
    return check_table.CallbackModule()


def finish(callback):
    return report_mod.finish_report(callback._report)


def rows(callback):
    return [(h['host'], p['project'], c['name'], c['code'])
            for h in finish(callback)['hosts'] for p in h['projects'] for c in p['checks']]


def test_unreachable_host_is_an_error_row_and_the_run_is_255(callback):
    callback.v2_runner_on_ok(Result('api1', {'upgrade_checks': [CHECK]}))
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, Task('Policy file')))
    report = finish(callback)
    assert rows(callback) == [('api1', 'nova', 'Cells v2', 0),
                              ('compute2', 'ansible', 'Host reachable', 255)]
    assert (report['code'], report['result'], report['counts']['Error']) == (255, 'Error', 1)
    details = report['hosts'][1]['projects'][0]['checks'][0]['details']
    assert details.startswith('Ansible could not reach compute2 (task "Policy file"): Failed to '
                              'connect to the host via ssh: ssh: connect to host 127.0.0.1 port 2: '
                              'Connection refused. The checks of this host did not run')
    assert callback._seen


def test_unreachable_host_is_reported_once(callback):
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, Task('first')))
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, Task('second play')))
    assert rows(callback) == [('compute2', 'ansible', 'Host reachable', 255)]


def test_ignore_unreachable_is_not_reported(callback):
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, Task(ignore_unreachable=True)))
    assert rows(callback) == [] and not callback._seen


def test_unreachable_delegated_host_is_the_one_named(callback):
    data = dict(REFUSED, _ansible_delegated_vars={'ansible_host': '127.0.0.1'})
    callback.v2_runner_on_unreachable(Result('compute1', data, Task(delegate_to='api1')))
    assert rows(callback) == [('api1', 'ansible', 'Host reachable', 255)]


def test_unreachable_loop_names_the_item_message(callback):
    data = {'msg': 'All items completed', 'unreachable': True,
            'results': [{'unreachable': True, 'msg': 'ssh: Connection timed out'}]}
    callback.v2_runner_on_unreachable(Result('compute2', data))
    assert 'ssh: Connection timed out. The checks' in finish(callback)['hosts'][0]['projects'][0]['checks'][0]['details']


def test_failed_task_without_checks_is_an_error_row(callback):
    data = {'failed': True, 'msg': 'No nova environment under /openstack/venvs on controller'}
    callback.v2_runner_on_failed(Result('controller', data, Task("Nova's interpreter must exist")))
    (host,) = finish(callback)['hosts']
    (check,) = host['projects'][0]['checks']
    assert (host['host'], check['name'], check['code']) == ('controller', 'Tasks completed', 255)
    assert check['details'] == (
        'Task "Nova\'s interpreter must exist" failed on controller: No nova environment under '
        '/openstack/venvs on controller. The checks after it did not run on this host.')


@pytest.mark.parametrize('task, ignore_errors', [
    (Task(), True),  # ignore_errors: true
    (Task(task_vars={'osops_check_verdict': True}), False),  # the role's verdict
    (Task(task_vars={'osops_check_verdict': 'true'}), False),
    (Task(parent=Block(parent=Block(rescue=[object()]))), False),  # a rescue handles it
])
def test_failures_that_are_not_errors_of_the_run(callback, task, ignore_errors):
    callback.v2_runner_on_failed(Result('controller', {'failed': True, 'msg': 'no'}, task),
                                 ignore_errors=ignore_errors)
    assert rows(callback) == []


def test_failed_task_that_returned_checks_keeps_only_its_checks(callback):
    # failed_when on a check task: its results are the report, not an error of the run.
    data = {'failed': True, 'upgrade_checks': [dict(CHECK, code=2, result='Failure')]}
    callback.v2_runner_on_failed(Result('controller', data))
    assert rows(callback) == [('controller', 'nova', 'Cells v2', 2)]


def test_failed_task_messages_are_one_line_and_bounded(callback):
    data = {'failed': True, 'msg': 'MODULE FAILURE', 'module_stderr': 'x\n' * 2000}
    callback.v2_runner_on_failed(Result('controller', {'failed': True, 'module_stderr': 'line1\nline2'}))
    callback.v2_runner_on_failed(Result('compute1', data))
    callback.v2_runner_on_failed(Result('compute2', {'failed': True}))
    details = [c['details'] for h in finish(callback)['hosts'] for p in h['projects'] for c in p['checks']]
    assert 'failed on controller: line1 line2.' in details[0]
    assert 'failed on compute1: MODULE FAILURE.' in details[1]
    assert 'failed on compute2: no message.' in details[2]
    long = report_mod.ansible_message({'msg': 'word ' * 400})
    assert len(long) == report_mod.MESSAGE_LIMIT and long.endswith('...')


def test_report_with_host_errors_validates_against_the_schema(callback, tmp_path):
    callback.v2_runner_on_ok(Result('api1', {'upgrade_checks': [CHECK]}))
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED))
    callback.v2_runner_on_failed(Result('compute3', {'failed': True, 'msg': 'boom'}))
    callback._report_path = str(tmp_path / 'report.json')
    callback.v2_playbook_on_stats(None)
    report = json.loads((tmp_path / 'report.json').read_text())
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    assert report['counts'] == {'Success': 1, 'Warning': 0, 'Failure': 0, 'Error': 2}
    assert report['code'] == 255


def test_hosts_come_in_the_order_of_the_check_roles_report(callback):
    # results as they came: a compute's before the controller's (one task over both hosts)
    callback.v2_runner_on_ok(Result('localhost', {'upgrade_checks': [dict(CHECK, scope='lab')]}))
    callback.v2_runner_on_ok(Result('compute1', {'upgrade_checks': [dict(CHECK, name='Policy File JSON to YAML Migration')]}))
    callback.v2_runner_on_ok(Result('controller', {'upgrade_checks': [CHECK]}))
    assert [h for h, _p, _c, _code in rows(callback)] == ['lab', 'compute1', 'controller']
    # the role's summary: its report lists the cloud, then the play's hosts
    aggregated = {'ansible_facts': {'osops_check_report': {'hosts': [
        {'host': 'lab', 'scope': 'cloud'}, {'host': 'controller'}, {'host': 'compute1'}]}}}
    callback.v2_runner_on_ok(Result('controller', aggregated))
    printed = []
    callback._display = type('Display', (), {'display': lambda self, text: printed.append(text)})()
    callback.v2_playbook_on_stats(None)
    assert [h for h, _p, _c, _code in rows(callback)] == ['lab', 'controller', 'compute1']
    text = printed[0]
    assert text.index('nova on cloud lab') < text.index('nova on controller') < text.index('nova on compute1')


class Role:
    def __init__(self, name):
        self.name = name

    def get_name(self):
        return self.name


def stats_output(callback, tmp_path):
    """What the callback prints at the end of the run, and whether it wrote its report."""
    printed = []
    callback._display = type('Display', (), {'display': lambda self, text: printed.append(text),
                                             'warning': lambda self, text: printed.append(text)})()
    callback._report_path = str(tmp_path / 'report.json')
    callback.v2_playbook_on_stats(None)
    return '\n'.join(printed), os.path.exists(callback._report_path)


def test_a_run_without_readiness_checks_says_nothing(callback, tmp_path):
    # ansible.builtin.fail in a playbook with no check: no table, no "Error (code 255)", no report
    task = Task('Something that fails', action='ansible.builtin.fail')
    callback.v2_playbook_on_task_start(task, False)
    callback.v2_runner_on_failed(Result('controller', {'failed': True, 'msg': 'boom'}, task))
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, Task('ping', action='ansible.builtin.ping')))
    assert stats_output(callback, tmp_path) == ('', False)


@pytest.mark.parametrize('task', [
    Task('Cells', action='osops.lifecycle.check_cells_v2'),
    Task('Batch', action='osops.lifecycle.check_batch'),
    Task('Tool', action='osops.lifecycle.status_check'),
    Task('A set_fact of the check role', action='ansible.builtin.set_fact'),
])
def test_a_run_where_a_check_task_started_reports_the_failures(callback, tmp_path, task):
    if task.action == 'ansible.builtin.set_fact':
        task._role = Role('osops.lifecycle.check')
    callback.v2_playbook_on_task_start(task, False)
    callback.v2_runner_on_unreachable(Result('compute2', REFUSED, task))
    printed, written = stats_output(callback, tmp_path)
    assert 'Check: Host reachable' in printed and 'Overall upgrade check result: Error (code 255)' in printed
    assert written


def test_another_collections_check_module_or_role_is_not_a_readiness_check(callback, tmp_path):
    task = Task('Not ours', action='other.collection.check_disk')
    task._role = Role('other.collection.check')
    callback.v2_playbook_on_task_start(task, False)
    callback.v2_runner_on_failed(Result('controller', {'failed': True, 'msg': 'boom'}, task))
    assert stats_output(callback, tmp_path) == ('', False)
