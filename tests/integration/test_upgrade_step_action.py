"""upgrade_step's action plugin: on the controller with ansible-playbook's own Python it runs in-process.

The same claim and finish on two copies of one store, in real ansible-playbook
runs: once in-process (the task's interpreter is ansible_playbook_python) and
once as the module (another interpreter: a wrapper script around the same
Python). Both record and return the same; -vvv shows the module's transfer
only in the second. Bad options and an unknown upgrade get the module's own
messages either way; a store URL's password never shows.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.osops.lifecycle.plugins.module_utils._store import engine, upgrades
from ansible_collections.osops.lifecycle.tests.secretscan import STORE_URL_PASSWORD

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_upgrade_playbooks import BIN, _lab, module  # noqa: E402  (the stored cluster lab)

WRAPPER = '#!%s\nimport runpy, sys\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name="__main__")\n'


@pytest.fixture
def stores(tmp_path):
    """Two SQLite stores holding the same started upgrade of cluster lab, and a wrapper interpreter."""
    lab = _lab(tmp_path, 'sqlite:///%s' % (tmp_path / 'store.db'))
    module(lab, 'upgrade', cluster='lab', target_release='2026.1', started_by='ops@bastion')
    shutil.copy(tmp_path / 'store.db', tmp_path / 'copy.db')
    wrapper = tmp_path / 'python-wrapper'
    wrapper.write_text(WRAPPER % sys.executable)
    wrapper.chmod(0o755)
    return dict(lab, copy='sqlite:///%s' % (tmp_path / 'copy.db'), wrapper=str(wrapper), tmp=tmp_path)


def play(stores, tasks, python, name='play', *options):
    """Run ``tasks`` (upgrade_step args) on localhost with ``python`` as the task's interpreter, at -vvv."""
    body = [{'name': 'step %d' % index, 'osops.lifecycle.upgrade_step': args, 'delegate_to': 'localhost',
             'vars': {'ansible_python_interpreter': python}, 'register': 'out%d' % index, 'ignore_errors': True}
            for index, args in enumerate(tasks)]
    body.append({'ansible.builtin.copy': {'dest': str(stores['tmp'] / ('%s.json' % name)),
                                          'content': '{{ [%s] | to_json }}' % ', '.join(
                                              'out%d' % index for index in range(len(tasks)))},
                 'check_mode': False})
    path = stores['tmp'] / ('%s.yml' % name)
    path.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': body}]))
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-vvv', *options, '-i', stores['inventory'], str(path)],
                          env=stores['env'], capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout, json.loads((stores['tmp'] / ('%s.json' % name)).read_text())


def _same(result):
    """What a claim or finish returns, without its times."""
    def steps(items):
        return [dict((key, step[key]) for key in ('position', 'phase', 'service', 'host', 'action', 'status', 'label',
                                                  'batch', 'error')) for step in items]
    out = dict((key, result.get(key)) for key in ('changed', 'failed', 'msg', 'batch', 'phase', 'hosts', 'stop'))
    out['steps'] = steps(result.get('steps', []))
    if 'next' in result:
        out['next'] = _same(result['next'])
    return out


def both(stores, tasks, name, *options):
    """The results of ``tasks`` run in-process on the store, then as the module on its copy (-vvv tells which)."""
    here, in_process = play(stores, [dict(task, store=task.get('store', stores['url'])) for task in tasks],
                            sys.executable, name + '-here', *options)
    there, as_module = play(stores, [dict(task, store=task.get('store', stores['copy'])) for task in tasks],
                            stores['wrapper'], name + '-there', *options)
    assert 'AnsiballZ_upgrade_step' not in here and 'AnsiballZ_upgrade_step' in there
    return here + there, in_process, as_module


def stored(url):
    """``(status, [(position, status, batch)])`` of cluster lab's upgrade in the store at ``url``."""
    store = engine.open_store(url)
    try:
        (upgrade,) = upgrades.list_upgrades(store, 'lab')
        steps = upgrades.get_upgrade(store, upgrade['id'])['steps']
        return upgrade['status'], [(step['position'], step['status'], step['batch']) for step in steps]
    finally:
        store.close()


def test_in_process_and_as_module_do_the_same(stores):
    claim = {'cluster': 'lab', 'state': 'claimed', 'claimed_by': 'ops@bastion'}
    _out, (claim_here,), (claim_there,) = both(stores, [claim], 'claim')
    assert claim_here['batch'] == 1 and claim_here['steps'] and not claim_here.get('failed')
    # every claimed step done; the finish claims the next batch
    finish = {'cluster': 'lab', 'state': 'finished', 'batch': 1, 'claim_next': True, 'claimed_by': 'ops@bastion',
              'results': [{'position': step['position'], 'status': 'done'} for step in claim_here['steps']]}
    _out, (finish_here,), (finish_there,) = both(stores, [finish], 'finish')
    assert finish_here['next']['batch'] == 2 and finish_here['changed'] and not finish_here.get('failed')
    assert _same(claim_here) == _same(claim_there) and _same(finish_here) == _same(finish_there)
    recorded = [stored(url)[1] for url in (stores['url'], stores['copy'])]
    assert recorded[0] == recorded[1]
    assert [status for _p, status, _b in recorded[0]].count('done') == len(claim_here['steps'])


def test_check_mode_in_process_predicts_and_writes_nothing(stores):
    claim = {'cluster': 'lab', 'state': 'claimed', 'claimed_by': 'ops@bastion'}
    _out, (predicted,), (as_module,) = both(stores, [claim], 'check', '--check')
    assert predicted['changed'] and predicted['batch'] == 1 and predicted['steps']
    assert _same(predicted) == _same(as_module)
    for url in (stores['url'], stores['copy']):
        status, steps = stored(url)
        assert status == 'pending'
        assert all(step_status == 'pending' for _p, step_status, _b in steps)


def test_bad_input_gets_the_modules_messages(stores):
    secret = STORE_URL_PASSWORD  # also looked for by the tier's secret scan (tests/secretscan.py)
    bad = [{'cluster': 'lab', 'state': 'claimed', 'store': stores['url'], 'colour': 'red'},
           {'cluster': 'lab', 'id': 'x', 'state': 'claimed', 'store': stores['url']},
           {'id': '00000000-0000-0000-0000-000000000000', 'state': 'claimed', 'store': stores['url']},
           {'cluster': 'lab', 'state': 'finished', 'store': stores['url']},
           {'cluster': 'lab', 'state': 'claimed', 'store': 'postgresql://osops:%s@127.0.0.1:1/osops' % secret}]
    output, results_here, results_there = both(stores, bad, 'bad')
    assert [r['failed'] for r in results_here] == [True] * len(bad)
    assert [r['msg'] for r in results_here] == [r['msg'] for r in results_there]
    assert results_here[0]['msg'].startswith('Unsupported parameters for (osops.lifecycle.upgrade_step) module: colour.')
    assert results_here[1]['msg'] == 'parameters are mutually exclusive: cluster|id'
    assert results_here[3]['msg'] == 'state is finished but all of the following are missing: batch'
    assert results_here[4]['msg'].startswith('Cannot open store postgresql://osops:***@127.0.0.1:1/osops: ')
    for text in (output, json.dumps(results_here), json.dumps(results_there)):
        assert secret not in text
    # nothing changed: the upgrade still waits for its first batch
    assert stored(stores['url'])[0] == 'pending'
