"""The action plugins of upgrade_step, upgrade, upgrade_info and upgrade_report: in-process on the controller.

With ansible-playbook's own Python as the task's interpreter, they run the
module's class inside ansible-playbook (plugin_utils/_in_process.py). The same
tasks on two copies of one store, in real ansible-playbook runs: once
in-process (the task's interpreter is ansible_playbook_python) and once as the
module (another interpreter: a wrapper script around the same Python). Both
record, write and return the same, warnings included; -vvv shows the module's
transfer only in the second. Bad options and an unknown upgrade get the
module's own messages either way; a store URL's password never shows.
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
KEEPER = ('#!%s\nimport os, runpy, shutil, sys\nsys.argv = sys.argv[1:]\nkept = %r\n'
          'shutil.copy(sys.argv[0], os.path.join(kept, "%%d.py" %% len(os.listdir(kept))))\n'
          'runpy.run_path(sys.argv[0], run_name="__main__")\n')


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


def play(stores, tasks, python, name='play', *options, module='upgrade_step'):
    """Run ``tasks`` (``module``'s args) on localhost with ``python`` as the task's interpreter, at -vvv."""
    body = [{'name': 'step %d' % index, 'osops.lifecycle.' + module: args, 'delegate_to': 'localhost',
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


def both(stores, tasks, name, *options, module='upgrade_step'):
    """The results of ``tasks`` run in-process on the store, then as the module on its copy (-vvv tells which)."""
    here, in_process = play(stores, [dict(task, store=task.get('store', stores['url'])) for task in tasks],
                            sys.executable, name + '-here', *options, module=module)
    there, as_module = play(stores, [dict(task, store=task.get('store', stores['copy'])) for task in tasks],
                            stores['wrapper'], name + '-there', *options, module=module)
    assert 'AnsiballZ_%s' % module not in here and 'AnsiballZ_%s' % module in there
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


def _upgrade_id(stores):
    store = engine.open_store(stores['url'])
    try:
        return upgrades.list_upgrades(store, 'lab')[0]['id']
    finally:
        store.close()


def test_upgrade_in_process_and_as_module_do_the_same(stores):
    again = {'cluster': 'lab', 'target_release': '2026.1', 'batch_size': 2}  # other options: the module warns
    run = {'cluster': 'lab', 'state': 'running'}
    _out, (again_here, run_here), (again_there, run_there) = both(stores, [again, run], 'upgrade', module='upgrade')
    for here, there in ((again_here, again_there), (run_here, run_there)):
        assert not here.get('failed') and here['msg'] == there['msg'] and here['changed'] == there['changed']
        assert here.get('warnings') == there.get('warnings')
    assert not again_here['changed'] and again_here['upgrade']['id'] == _upgrade_id(stores)
    assert again_here['warnings'] == ['Upgrade %s keeps the options it was planned with (batch_size=1); the options '
                                      'given now are not applied.' % _upgrade_id(stores)]
    assert run_here['changed'] and run_here['diff'] == run_there['diff'] == {
        'before': {'status': 'pending'}, 'after': {'status': 'running'}}
    assert stored(stores['url'])[0] == stored(stores['copy'])[0] == 'running'
    # check mode predicts, records nothing
    pause = {'cluster': 'lab', 'state': 'paused'}
    _out, (predicted,), (as_module,) = both(stores, [pause], 'pause', '--check', module='upgrade')
    assert predicted['changed'] and predicted['diff'] == as_module['diff'] == {
        'before': {'status': 'running'}, 'after': {'status': 'paused'}}
    assert stored(stores['url'])[0] == stored(stores['copy'])[0] == 'running'


def test_upgrade_info_and_report_in_process_and_as_module_do_the_same(stores):
    upgrade_id = _upgrade_id(stores)
    _out, (one_here, all_here), (one_there, all_there) = both(
        stores, [{'id': upgrade_id}, {'cluster': 'lab'}], 'info', module='upgrade_info')
    assert one_here == one_there and all_here == all_there
    assert one_here['upgrade']['id'] == upgrade_id and one_here['upgrade']['status'] == 'pending'
    assert [u['id'] for u in all_here['upgrades']] == [upgrade_id]
    results, pages = [], []
    for where, python, url in (('here', sys.executable, stores['url']), ('there', stores['wrapper'], stores['copy'])):
        task = {'id': upgrade_id, 'path': str(stores['tmp'] / where) + '/', 'store': url}
        output, written = play(stores, [task, task], python, 'report-' + where, module='upgrade_report')
        assert ('AnsiballZ_upgrade_report' in output) == (where == 'there')
        results.append(written)
        pages.append((stores['tmp'] / where / ('upgrade-%s.html' % upgrade_id)).read_bytes())
    (wrote_here, again_here), (wrote_there, again_there) = results
    assert wrote_here['changed'] and wrote_there['changed'] and not again_here['changed'] and not again_there['changed']
    assert wrote_here['report'] == wrote_there['report']
    assert pages[0] and pages[0] == pages[1]


def test_bad_input_to_the_other_modules_gets_their_messages(stores):
    secret = STORE_URL_PASSWORD
    cases = {
        'upgrade': [{'cluster': 'lab', 'state': 'paused', 'store': stores['url'], 'colour': 'red'},
                    {'cluster': 'lab', 'target_release': '2099.9', 'store': stores['url']},
                    {'cluster': 'nowhere', 'target_release': '2026.1', 'store': stores['url']},
                    {'cluster': 'lab', 'state': 'paused',
                     'store': 'postgresql://osops:%s@127.0.0.1:1/osops' % secret}],
        'upgrade_info': [{'id': 'x', 'cluster': 'lab', 'store': stores['url']}],
        'upgrade_report': [{'cluster': 'lab', 'store': stores['url']},
                           {'id': '00000000-0000-0000-0000-000000000000', 'path': str(stores['tmp']) + '/',
                            'store': stores['url']}],
    }
    for module, bad in cases.items():
        output, results_here, results_there = both(stores, bad, 'bad-' + module, module=module)
        assert [r['failed'] for r in results_here] == [True] * len(bad), results_here
        assert [r['msg'] for r in results_here] == [r['msg'] for r in results_there]
        for text in (output, json.dumps(results_here), json.dumps(results_there)):
            assert secret not in text
    assert stored(stores['url'])[0] == 'pending'


def test_a_batch_of_api_checks_runs_in_process_and_reports_as_the_module(stores):
    """check_batch's API checks in-process against a cloud that does not answer: the module's Error rows, the
    cloud's password hidden; a batch with a check of another kind runs as the module even on the controller."""
    secret = STORE_URL_PASSWORD
    cloud = {'auth': {'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin', 'password': secret,
                      'project_name': 'admin', 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
             'region_name': 'RegionOne', 'api_timeout': 5}
    batch = {'cluster': 'prod', 'cloud': cloud,
             'checks': [{'module': 'check_placement_api'}, {'module': 'osops.lifecycle.check_services'}]}
    outputs, rows = [], []
    for python in (sys.executable, stores['wrapper']):
        output, (result,) = play(stores, [batch], python, 'api-%d' % len(rows), module='check_batch')
        outputs.append(output)
        rows.append([(row['project'], row['name'], row['result'], row['details'], row.get('scope'))
                     for row in result['upgrade_checks']])
        assert result['code'] == 255 and not result.get('failed')
    assert 'AnsiballZ_check_batch' not in outputs[0] and 'AnsiballZ_check_batch' in outputs[1]
    assert rows[0] == rows[1] and {row[2] for row in rows[0]} == {'Error'}
    assert {row[4] for row in rows[0]} == {'prod'}  # cloud-wide rows belong to the cluster
    assert secret not in ''.join(outputs) + json.dumps(rows)
    policy = stores['tmp'] / 'policy.conf'
    policy.write_text('[oslo_policy]\npolicy_file = policy.yaml\n')
    mixed = dict(batch, checks=batch['checks'] + [{'module': 'check_policy_json', 'options': {
        'project': 'nova', 'config_files': [str(policy)]}}])
    output, (result,) = play(stores, [mixed], sys.executable, 'mixed', module='check_batch')
    assert 'AnsiballZ_check_batch' in output and secret not in output
    assert [row['result'] for row in result['upgrade_checks']][-1] == 'Success'


def test_controller_checks_run_from_here_while_the_host_runs_its_batch(stores):
    """check_batch's controller_checks: API checks in-process beside the host's batch (run as the module, through
    the wrapper interpreter), their rows first and marked, the cloud's password never sent to the host nor shown;
    with no checks for the host, no module run; checks that may not run from here leave the host's results alone."""
    secret = STORE_URL_PASSWORD
    cloud = {'auth': {'auth_url': 'http://127.0.0.1:9/v3', 'username': 'admin', 'password': secret,
                      'project_name': 'admin', 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
             'region_name': 'RegionOne', 'api_timeout': 5}
    policy = stores['tmp'] / 'policy.conf'
    policy.write_text('[oslo_policy]\npolicy_file = policy.yaml\n')
    host_check = {'module': 'check_policy_json', 'options': {'project': 'nova', 'config_files': [str(policy)]}}
    api = [{'module': 'check_placement_api'}, {'module': 'check_services'}]
    common = {'cluster': 'prod', 'cloud': cloud, 'api_retries': 0}
    tasks = [dict(common, checks=[host_check], controller_checks=api), dict(common, checks=[], controller_checks=api),
             dict(common, checks=[host_check], controller_checks=[host_check])]
    kept = stores['tmp'] / 'modules'
    kept.mkdir()
    keeper = stores['tmp'] / 'python-keeper'  # the wrapper, keeping a copy of each module it runs
    keeper.write_text(KEEPER % (sys.executable, str(kept)))
    keeper.chmod(0o755)
    output, (both_ways, controller_only, refused) = play(stores, tasks, str(keeper), 'controller', module='check_batch')
    assert secret not in output + json.dumps([both_ways, controller_only, refused])
    # the host's batch ran as the module for tasks 1 and 3 only, without the authentication options
    sent = []
    for copy in sorted(kept.iterdir(), key=lambda path: int(path.stem)):
        subprocess.run([sys.executable, str(copy), 'explode'], cwd=kept, check=True, capture_output=True)
        sent.append(json.loads((kept / 'debug_dir' / 'args').read_text())['ANSIBLE_MODULE_ARGS'])
        shutil.rmtree(kept / 'debug_dir')
    assert [sorted(key for key in args if not key.startswith('_ansible')) for args in sent] == [
        ['checks', 'cluster']] * 2
    assert secret not in json.dumps(sent)
    rows = [(row['project'], row['name'], row['result'], row.get('scope')) for row in both_ways['upgrade_checks']]
    assert rows[-1] == ('nova', 'Policy File JSON to YAML Migration', 'Success', None)
    assert {row[2] for row in rows[:-1]} == {'Error'} and {row[3] for row in rows[:-1]} == {'prod'}
    assert [module['module'] for module in both_ways['modules']] == ['check_placement_api', 'check_services',
                                                                     'check_policy_json']
    assert [module.get('from_controller', False) for module in both_ways['modules']] == [True, True, False]
    assert (both_ways['from_controller'], both_ways['code']) == (2, 255) and not both_ways.get('failed')
    assert controller_only['from_controller'] == 2  # and no module run (the two kept above are tasks 1 and 3)
    theirs = [(row['project'], row['name'], row['result']) for row in controller_only['upgrade_checks']]
    assert [row[:3] for row in rows[:-1]] == theirs
    assert refused['from_controller'] == 0 and not refused.get('failed')
    assert [row['name'] for row in refused['upgrade_checks']] == ['Policy File JSON to YAML Migration']
    assert refused['warnings'][-1].startswith("The controller_checks could not run from the controller "
                                              "(controller_checks may only name checks that read the cloud's APIs")
