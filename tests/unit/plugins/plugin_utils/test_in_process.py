"""A module's class run inside ansible-playbook (plugin_utils/_in_process.py): its edges.

The real runs, in ansible-playbook against the module's own runs, are in
tests/integration/test_in_process_actions.py.
"""

import os
import subprocess
import sys

from ansible_collections.osops.lifecycle.plugins.module_utils._base.module import OsopsModule
from ansible_collections.osops.lifecycle.plugins.module_utils._errors import OptionError
from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import find_module_class, run_module_class


class Echo(OsopsModule):
    argument_spec = dict(word=dict(type='str'))

    def validate(self):
        if self.params['word'] == 'bad':
            raise OptionError('word', 'bad', 'a good word')

    def run(self):
        if self.params['word'] == 'secret':
            self.ansible.no_log_values.add('hush')
        self.ansible.warn('said %s' % self.params['word'])
        if self.params['word'] != 'silent':
            self.exit_json(word=self.params['word'], check_mode=self.check_mode)


def test_a_run_returns_what_exit_json_gets_with_its_warnings():
    hidden = set()
    assert run_module_class(Echo, {'word': 'hi'}, True, hidden) == {
        'word': 'hi', 'check_mode': True, 'changed': False, 'warnings': ['said hi']}
    assert hidden == set()


def test_an_osops_error_is_the_modules_failure():
    result = run_module_class(Echo, {'word': 'bad'}, False, set())
    assert result == {'failed': True, 'msg': "Option word: got 'bad', expected a good word.", 'option': 'word'}


def test_what_the_module_hides_reaches_the_caller():
    hidden = set()
    run_module_class(Echo, {'word': 'secret'}, False, hidden)
    assert hidden == {'hush'}


def test_a_module_that_never_exits_fails():
    result = run_module_class(Echo, {'word': 'silent'}, False, set())
    assert result['failed'] and result['msg'] == 'Echo ended without a result' and result['warnings'] == ['said silent']


def test_the_module_classes_are_found_by_name():
    assert find_module_class('upgrade_info', 'UpgradeInfoModule').__name__ == 'UpgradeInfoModule'
    assert find_module_class('no_such_module', 'Nothing') is None


def test_a_module_without_the_store_does_not_import_it():
    # check_batch's plugin loads before the check role's first API task: the store's libraries (SQLAlchemy and
    # its migrations, a third of a second) are not among its imports; upgrade_info's are.
    code = ('import sys\n'
            'from ansible_collections.osops.lifecycle.plugins.plugin_utils._in_process import find_module_class\n'
            'assert find_module_class(sys.argv[1], sys.argv[2], sys.argv[3] == "store")\n'
            'print("_store.engine" in " ".join(sys.modules))\n')
    for args, imported in ((['check_batch', 'CheckBatchModule', 'none'], 'False'),
                           (['upgrade_info', 'UpgradeInfoModule', 'store'], 'True')):
        out = subprocess.run([sys.executable, '-c', code] + args, capture_output=True, text=True, check=True,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        assert out.stdout.strip() == imported, (args, out.stderr)
