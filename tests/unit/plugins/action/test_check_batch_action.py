"""check_batch's action plugin: when the controller_checks' thread starts.

The real runs (ansible-playbook, the host's batch run as the module) are in
tests/integration/test_in_process_actions.py; these pin the order of the
thread and the module's build, which a real run cannot show reliably.
"""

import threading
from unittest import mock

import pytest
from ansible.plugins.action import ActionBase

from ansible_collections.osops.lifecycle.plugins.action.check_batch import ActionModule

HOST_CHECK = {'module': 'check_policy_json', 'options': {'project': 'nova'}}
API_CHECK = {'module': 'check_placement_api'}
ROW = {'project': 'nova', 'name': 'Policy File JSON to YAML Migration', 'result': 'Success', 'code': 0}
API_ROW = {'project': 'placement', 'name': 'Placement API', 'result': 'Success', 'code': 0, 'scope': 'prod'}


class Recorder:
    """Stands in for the module's build and run on the host, and for the controller's checks."""

    def __init__(self, build_fails=False):
        self.events = []
        self.build_fails = build_fails
        self.controller_running = threading.Event()

    def configure_module(self, action, module_name, module_args, task_vars):
        # the build takes a while: had the controller's thread been started, it would be running by now
        self.events.append(('build', self.controller_running.wait(0.2)))
        if self.build_fails:
            raise RuntimeError('the build failed')
        return mock.Mock(), '/path/of/check_batch.py'

    def execute_module(self, action, module_name=None, module_args=None, task_vars=None, **kwargs):
        action._configure_module(module_name, module_args, task_vars)
        self.events.append(('host', module_args['checks']))
        return {'changed': False, 'upgrade_checks': [ROW], 'modules': [{'module': 'check_policy_json'}], 'code': 0}

    def from_controller(self, action, params):
        self.controller_running.set()
        self.events.append(('controller', params['checks']))
        return {'changed': False, 'upgrade_checks': [API_ROW], 'modules': [{'module': 'check_placement_api'}]}


@pytest.fixture
def action(monkeypatch):
    def make(checks, recorder):
        monkeypatch.setattr(ActionBase, 'run', lambda self, tmp=None, task_vars=None: {})
        for cls, name, stand_in in ((ActionBase, '_configure_module', recorder.configure_module),
                                    (ActionBase, '_execute_module', recorder.execute_module),
                                    (ActionModule, '_from_controller', recorder.from_controller)):
            monkeypatch.setattr(cls, name, lambda self, *args, _stand_in=stand_in, **kwargs: _stand_in(self, *args, **kwargs))
        task = mock.Mock(args={'cluster': 'prod', 'checks': checks, 'controller_checks': [API_CHECK]},
                         environment=[], delegate_to=None, check_mode=False)
        connection = mock.Mock(transport='ssh')
        return ActionModule(task, connection, mock.Mock(), loader=None, templar=mock.Mock(), shared_loader_obj=None)
    return make


def test_the_controller_checks_start_once_the_hosts_module_is_built(action):
    recorder = Recorder()
    result = action([HOST_CHECK], recorder).run(task_vars={})
    assert recorder.events[0] == ('build', False)  # the controller's thread had not started during the build
    assert sorted(recorder.events[1:], key=str) == sorted([('controller', [API_CHECK]), ('host', [HOST_CHECK])], key=str)
    assert result['upgrade_checks'] == [API_ROW, ROW] and result['from_controller'] == 1


def test_with_nothing_for_the_host_they_start_at_once(action):
    recorder = Recorder()
    result = action([], recorder).run(task_vars={})
    assert recorder.events == [('controller', [API_CHECK])]  # no build, no module run
    assert result['upgrade_checks'] == [API_ROW] and result['from_controller'] == 1


def test_a_build_that_fails_runs_no_controller_check(action):
    # the task fails, and the role runs the API checks on their own: they must not have run here too
    recorder = Recorder(build_fails=True)
    with pytest.raises(RuntimeError):
        action([HOST_CHECK], recorder).run(task_vars={})
    assert recorder.events == [('build', False)]
