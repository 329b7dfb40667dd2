"""The upgrade role's filters: what a claimed step asks of its host, progress lines, readiness warnings."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.upgrade_run import (
    check_failures,
    check_warnings,
    upgrade_group_task,
    upgrade_outcomes,
    upgrade_plan_lines,
    upgrade_progress_lines,
    upgrade_step_groups,
    upgrade_step_task,
    upgrade_task_outcomes,
)

SETTINGS = {'venvs_dir': '/openstack/venvs/', 'nova_config_file': '/etc/nova/nova.conf',
            'config_files': {'nova': ['/etc/nova/nova.conf'], 'glance': ['/etc/glance/glance-api.conf']},
            'units': {'glance-api': 'glance'}, 'wait_urls': {'glance-api': 'http://127.0.0.2:9292/'},
            'nova_binaries': {'nova-api': 'nova-osapi_compute'}}


def step(action, **extra):
    base = {'position': 7, 'phase': 'control', 'service': 'nova', 'host': 'controller', 'action': action,
            'from_version': '31.3.1', 'to_version': '33.0.2', 'detail': {}, 'label': 'a label'}
    return dict(base, **extra)


def test_code_steps_go_to_the_driver_with_the_unit_url_and_service_version():
    wait = upgrade_step_task(step('wait_ready', detail={'binary': 'nova-api', 'service_version': 72,
                                                        'from_service_version': 68}), SETTINGS)
    assert wait['kind'] == 'driver' and wait['position'] == 7
    assert wait['vars']['osops_upgrade_service'] == 'nova-api'
    assert wait['vars']['osops_upgrade_nova_binary'] == 'nova-osapi_compute'
    assert (wait['vars']['osops_upgrade_nova_service_version'], wait['vars']['osops_upgrade_version']) == (72, '33.0.2')
    glance = upgrade_step_task(step('switch', service='glance', to_version='32.0.0', detail={'binary': 'glance-api'}),
                               SETTINGS)
    assert glance['vars']['osops_upgrade_service'] == 'glance'  # the host's name of the unit
    assert glance['vars']['osops_upgrade_wait_url'] == 'http://127.0.0.2:9292/'
    assert glance['vars']['osops_upgrade_nova_service_version'] == 0  # only a wait waits for it
    # rolling back (a revert entry: versions swapped) waits for the version the old code reports
    revert = step('wait_ready', reverts='wait_ready', from_version='33.0.2', to_version='31.3.1',
                  detail={'binary': 'nova-compute', 'service_version': 72, 'from_service_version': 68})
    assert upgrade_step_task(revert, SETTINGS)['vars']['osops_upgrade_nova_service_version'] == 68
    assert upgrade_step_task(revert, SETTINGS)['vars']['osops_upgrade_version'] == '31.3.1'
    assert 'nova_record' not in upgrade_step_task(revert, SETTINGS)
    # the revert's restart first lowers nova's record (nova refuses older code than its record)
    restart = dict(revert, action='restart', reverts='restart', detail={'binary': 'nova-api', 'from_service_version': 68})
    assert upgrade_step_task(restart, SETTINGS)['nova_record'] == {
        'host': 'controller', 'binary': 'nova-osapi_compute', 'version': 68,
        'python': '/openstack/venvs/nova-31.3.1/bin/python'}
    forward = step('restart', detail={'binary': 'nova-api', 'from_service_version': 68})
    assert 'nova_record' not in upgrade_step_task(forward, SETTINGS)


def test_an_api_step_names_its_haproxy_backend_by_binary():
    settings = dict(SETTINGS, haproxy_backends={'glance-api': 'glance_api-back'})
    glance = step('restart', service='glance', to_version='32.0.0', detail={'binary': 'glance-api'})
    assert upgrade_step_task(glance, settings)['vars']['osops_upgrade_haproxy_backend'] == 'glance_api-back'
    compute = step('restart', detail={'binary': 'nova-compute'})
    assert upgrade_step_task(compute, settings)['vars']['osops_upgrade_haproxy_backend'] == ''
    assert upgrade_step_task(glance, SETTINGS)['vars']['osops_upgrade_haproxy_backend'] == ''  # settings without it
    # a unit's code change in one run keeps it
    group = [dict(glance, position=p, action=a) for p, a in ((7, 'switch'), (8, 'restart'), (9, 'wait_ready'))]
    assert upgrade_group_task(group, settings)['vars']['osops_upgrade_haproxy_backend'] == 'glance_api-back'


def test_db_steps_run_the_command_from_the_target_venv():
    task = upgrade_step_task(step('online_data_migrations', phase='finalize', detail={
        'command': ['nova-manage', 'db', 'online_data_migrations'], 'repeat_while_rc': 1}), SETTINGS)
    assert task['kind'] == 'driver'
    assert task['vars']['osops_upgrade_venv'] == '/openstack/venvs/nova-33.0.2'
    assert task['vars']['osops_upgrade_db_commands'] == [['nova-manage', 'db', 'online_data_migrations']]
    assert task['vars']['osops_upgrade_db_repeat_while_rc'] == 1
    assert task['vars']['osops_upgrade_config_files'] == ['/etc/nova/nova.conf']
    keystone = upgrade_step_task(step('db_expand', service='keystone', to_version='29.1.0',
                                      detail={'command': ['keystone-manage', 'db_sync', '--expand']}), SETTINGS)
    assert keystone['vars']['osops_upgrade_config_files'] == ['/etc/keystone/keystone.conf']  # the default


def test_the_other_kinds():
    assert upgrade_step_task(step('check_path', host=None), SETTINGS)['kind'] == 'nothing'
    assert upgrade_step_task(step(None, reverts='enable'), SETTINGS)['kind'] == 'nothing'
    code = upgrade_step_task(step('check_code', detail={'versions': {'nova': '33.0.2', 'keystone': '29.1.0'}}), SETTINGS)
    assert code == {'kind': 'check_code', 'position': 7, 'label': 'a label', 'action': 'check_code',
                    'venvs': {'keystone': '/openstack/venvs/keystone-29.1.0', 'nova': '/openstack/venvs/nova-33.0.2'}}
    pin = upgrade_step_task(step('rpc_pin', detail={'mode': 'require', 'section': 'upgrade_levels',
                                                    'option': 'compute', 'value': 'auto'}), SETTINGS)
    assert pin['options'] == {'path': '/etc/nova/nova.conf', 'section': 'upgrade_levels', 'option': 'compute',
                              'value': 'auto', 'mode': 'require'}
    ready = upgrade_step_task(step('readiness', host=None, detail={'release': '2026.1', 'when': 'after',
                                                                   'compare_with': 'before'},
                                   compared_detail={'warnings': ['nova: x']}), SETTINGS)
    assert (ready['kind'], ready['release'], ready['compared_detail']) == ('readiness', '2026.1', {'warnings': ['nova: x']})
    assert upgrade_step_task(step('drain', detail={'binary': 'nova-compute'}), SETTINGS)['kind'] == 'drain'


@pytest.mark.parametrize('bad, message', [
    ('not a step', 'expects a step'),
    (step('teleport'), "action 'teleport'"),
    (step('db_sync'), 'has no command'),
])
def test_bad_steps_are_named(bad, message):
    with pytest.raises(AnsibleFilterError, match=message):
        upgrade_step_task(bad, SETTINGS)


def test_progress_lines_say_the_outcome_and_seconds():
    steps = [step('switch', position=38, label='compute batch 1/2: switch nova-compute on compute1'),
             step('restart', position=39, label='compute batch 1/2: restart nova-compute on compute1'),
             step('wait_ready', position=40, label='compute batch 1/2: wait_ready nova-compute on compute1')]
    results = [{'position': 38, 'status': 'done', 'detail': {'seconds': 0.42}},
               {'position': 39, 'status': 'failed', 'error': 'supervisorctl failed', 'detail': {'seconds': 4.6}}]
    assert upgrade_progress_lines(steps, results, 54) == [
        '[38/54] compute batch 1/2: switch nova-compute on compute1 … done in 0.4 s',
        '[39/54] compute batch 1/2: restart nova-compute on compute1 … failed in 5 s: supervisorctl failed',
        '[40/54] compute batch 1/2: wait_ready nova-compute on compute1 … no outcome (its host did not answer)']


def test_outcomes_and_plan_lines():
    tasks = [{'position': 1}, {'position': 2}]
    assert upgrade_outcomes(tasks, 'done') == [{'position': 1, 'status': 'done', 'detail': {'seconds': 0.0}},
                                               {'position': 2, 'status': 'done', 'detail': {'seconds': 0.0}}]
    assert upgrade_outcomes(tasks, 'done', error='not run: db_expand keystone failed before it') == [
        {'position': p, 'status': 'failed', 'error': 'not run: db_expand keystone failed before it',
         'detail': {'seconds': 0.0}} for p in (1, 2)]
    plan = [step('switch', detail={'batch': 13, 'binary': 'nova-conductor'})]
    assert upgrade_plan_lines(plan) == ['batch 13   control: switch nova-conductor on controller 31.3.1 → 33.0.2']


def code(position, action, binary='nova-compute', **extra):
    return step(action, position=position, host='compute1', detail={'binary': binary, 'service_version': 72}, **extra)


def test_a_units_code_steps_make_one_group_with_the_venv_driver():
    by_host = {'compute1': [step('drain', position=37, host='compute1'), code(38, 'switch'), code(39, 'restart'),
                            code(40, 'wait_ready'), code(41, 'switch', 'neutron-openvswitch-agent', service='neutron'),
                            code(42, 'restart', 'neutron-openvswitch-agent', service='neutron'),
                            step('enable', position=43, host='compute1')],
               'compute2': []}
    groups = upgrade_step_groups(by_host, 'venv')
    assert [[s['position'] for s in group] for group in groups['compute1']] == [[37], [38, 39, 40], [41, 42], [43]]
    assert groups['compute2'] == []
    # the command driver runs each action as its own command; a rollback's entries stay alone too
    assert [len(group) for group in upgrade_step_groups(by_host, 'command')['compute1']] == [1] * 7
    reverting = [code(38, 'switch', reverts='switch'), code(39, 'restart', reverts='restart')]
    assert [len(group) for group in upgrade_step_groups({'compute1': reverting}, 'venv')['compute1']] == [1, 1]
    # a unit's actions out of order (a restart before a switch) are not one run
    assert len(upgrade_step_groups({'compute1': [code(39, 'restart'), code(40, 'switch')]}, 'venv')['compute1']) == 2
    with pytest.raises(AnsibleFilterError):
        upgrade_step_groups([code(38, 'switch')], 'venv')

    task = upgrade_group_task(groups['compute1'][1], SETTINGS)
    assert (task['kind'], task['positions'], task['vars']['osops_upgrade_action']) == ('driver', [38, 39, 40], 'code')
    assert task['vars']['osops_upgrade_actions'] == ['switch', 'restart', 'wait_ready']
    assert task['vars']['osops_upgrade_nova_service_version'] == 72  # the wait's
    single = upgrade_group_task(groups['compute1'][0], SETTINGS)
    assert (single['kind'], single['positions'], single['parts']) == ('drain', [37], [])


def test_finalize_restarts_even_a_unit_on_its_target_code():
    restart = upgrade_step_task(step('restart', phase='finalize'), SETTINGS)
    assert restart['vars']['osops_upgrade_restart_always'] is True
    group = upgrade_group_task([step('restart', phase='finalize'), step('wait_ready', phase='finalize')], SETTINGS)
    assert group['vars']['osops_upgrade_actions'] == ['restart', 'wait_ready']
    assert group['vars']['osops_upgrade_restart_always'] is True
    for other in (step('restart'), step('wait_ready', phase='finalize'),
                  step('restart', phase='finalize', reverts='restart')):
        assert upgrade_step_task(other, SETTINGS)['vars']['osops_upgrade_restart_always'] is False


def test_a_code_change_has_an_outcome_per_step():
    task = upgrade_group_task([code(38, 'switch'), code(39, 'restart'), code(40, 'wait_ready')], SETTINGS)
    driver = {'duration': 9.0, 'actions': {'switch': {'duration': 0.5}, 'restart': {'duration': 2.5},
                                           'wait_ready': {'duration': 6.0}}}
    done = upgrade_task_outcomes(task, driver, 'done', 10.0)
    assert [(o['position'], o['status'], o['detail']) for o in done] == [
        (38, 'done', {'seconds': 0.5, 'driver_seconds': 0.5}), (39, 'done', {'seconds': 2.5, 'driver_seconds': 2.5}),
        (40, 'done', {'seconds': 7.0, 'driver_seconds': 6.0})]  # the role's own second goes to the last
    failed = upgrade_task_outcomes(task, {'failed_action': 'restart', 'actions': {'switch': {'duration': 0.5}}},
                                   'done', 4.0, error='supervisorctl failed (on compute1)')
    assert [(o['position'], o['status'], o.get('error')) for o in failed] == [
        (38, 'done', None), (39, 'failed', 'supervisorctl failed (on compute1)'),
        (40, 'failed', 'not run: restart failed before it')]
    # a failure after the module (nova's service version): the first action without a result, else the last
    late = upgrade_task_outcomes(task, driver, 'done', 4.0, error='x')
    assert [o['status'] for o in late] == ['done', 'done', 'failed']
    early = upgrade_task_outcomes(task, {}, 'done', 4.0, error='x')
    assert [o['status'] for o in early] == ['failed', 'failed', 'failed']
    one = upgrade_group_task([code(38, 'switch')], SETTINGS)
    assert upgrade_task_outcomes(one, {'duration': 0.4}, 'reverted', 1.0) == [
        {'position': 38, 'status': 'reverted', 'detail': {'seconds': 1.0, 'driver_seconds': 0.4}}]
    assert upgrade_task_outcomes(one, {}, 'done', 1.0, error='boom') == [
        {'position': 38, 'status': 'failed', 'error': 'boom', 'detail': {'seconds': 1.0}}]


def db(position, action, service, command, **detail):
    return step(action, position=position, phase='expand', service=service, to_version='29.1.0',
                detail=dict(detail, command=command))


def test_a_hosts_database_steps_make_one_group_and_one_run_with_the_venv_driver():
    steps = [db(5, 'db_expand', 'keystone', ['keystone-manage', 'db_sync', '--expand']),
             db(6, 'db_migrate', 'keystone', ['keystone-manage', 'db_sync', '--migrate']),
             db(7, 'db_sync', 'glance', ['glance-manage', 'db', 'sync']),
             db(8, 'online_data_migrations', 'nova', ['nova-manage', 'db', 'online_data_migrations'],
                repeat_while_rc=1),
             code(9, 'switch')]
    groups = upgrade_step_groups({'controller': steps}, 'venv')
    assert [[s['position'] for s in group] for group in groups['controller']] == [[5, 6, 7, 8], [9]]
    assert [len(group) for group in upgrade_step_groups({'controller': steps}, 'command')['controller']] == [1] * 5
    task = upgrade_group_task(groups['controller'][0], SETTINGS)
    assert (task['kind'], task['positions'], task['vars']['osops_upgrade_action']) == ('driver', [5, 6, 7, 8], 'db')
    assert task['vars']['osops_upgrade_db_runs'] == [
        {'venv': '/openstack/venvs/keystone-29.1.0', 'argv': ['keystone-manage', 'db_sync', '--expand'],
         'config_files': ['/etc/keystone/keystone.conf'], 'repeat_while_rc': None},
        {'venv': '/openstack/venvs/keystone-29.1.0', 'argv': ['keystone-manage', 'db_sync', '--migrate'],
         'config_files': ['/etc/keystone/keystone.conf'], 'repeat_while_rc': None},
        {'venv': '/openstack/venvs/glance-29.1.0', 'argv': ['glance-manage', 'db', 'sync'],
         'config_files': ['/etc/glance/glance-api.conf'], 'repeat_while_rc': None},
        {'venv': '/openstack/venvs/nova-29.1.0', 'argv': ['nova-manage', 'db', 'online_data_migrations'],
         'config_files': ['/etc/nova/nova.conf'], 'repeat_while_rc': 1}]
    assert [p['runs'] for p in task['parts']] == [[0, 1], [1, 2], [2, 3], [3, 4]]

    driver = {'duration': 6.0, 'actions': {'db': {'durations': [1.0, 2.0, 1.5, 1.5]}}}
    done = upgrade_task_outcomes(task, driver, 'done', 7.0)
    assert [(o['position'], o['status'], o['detail']) for o in done] == [
        (5, 'done', {'seconds': 1.0, 'driver_seconds': 1.0}), (6, 'done', {'seconds': 2.0, 'driver_seconds': 2.0}),
        (7, 'done', {'seconds': 1.5, 'driver_seconds': 1.5}),
        (8, 'done', {'seconds': 2.5, 'driver_seconds': 1.5})]  # the role's own second goes to the last
    failed = upgrade_task_outcomes(task, {'failed_index': 1, 'actions': {'db': {'durations': [1.0, 0.5]}}},
                                   'done', 2.0, error='keystone-manage failed (on controller)')
    assert [(o['position'], o['status'], o.get('error')) for o in failed] == [
        (5, 'done', None), (6, 'failed', 'keystone-manage failed (on controller)'),
        (7, 'failed', 'not run: step 6 failed before it'), (8, 'failed', 'not run: step 6 failed before it')]
    # a failure before the commands ran (a missing venv): the first step has it
    early = upgrade_task_outcomes(task, {'failed_index': 0, 'actions': {'db': {'durations': []}}}, 'done', 1.0,
                                  error='venv missing')
    assert [o['status'] for o in early] == ['failed'] * 4 and early[0]['error'] == 'venv missing'
    assert upgrade_task_outcomes(task, {}, 'done', 1.0, error='x')[0]['error'] == 'x'


def test_with_db_parallel_each_services_commands_make_a_lane_and_a_failure_stops_only_its_lane():
    steps = [db(5, 'db_expand', 'keystone', ['keystone-manage', 'db_sync', '--expand']),
             db(6, 'db_migrate', 'keystone', ['keystone-manage', 'db_sync', '--migrate']),
             db(7, 'db_expand', 'glance', ['glance-manage', 'db', 'expand']),
             db(8, 'db_migrate', 'glance', ['glance-manage', 'db', 'migrate']),
             db(9, 'db_sync', 'placement', ['placement-manage', 'db', 'sync'])]
    group = upgrade_step_groups({'controller': steps}, 'venv')['controller'][0]
    task = upgrade_group_task(group, dict(SETTINGS, db_parallel=True))
    lanes = [run['lane'] for run in task['vars']['osops_upgrade_db_runs']]
    assert lanes == ['keystone', 'keystone', 'glance', 'glance', 'placement']
    assert [p['lane'] for p in task['parts']] == lanes
    assert 'lane' not in upgrade_group_task(group, SETTINGS)['vars']['osops_upgrade_db_runs'][0]

    # keystone's migrate (index 1) failed; glance's and placement's lanes ran to their end meanwhile
    driver = {'failed_index': 1, 'failed_indexes': [1],
              'actions': {'db': {'indexes': [0, 1, 2, 3, 4], 'durations': [1.0, 0.5, 2.0, 1.0, 3.0]}}}
    outcomes = upgrade_task_outcomes(task, driver, 'done', 4.0, error='keystone-manage failed (on controller)')
    assert [(o['position'], o['status'], o.get('error'), o['detail'].get('driver_seconds')) for o in outcomes] == [
        (5, 'done', None, 1.0), (6, 'failed', 'keystone-manage failed (on controller)', None),
        (7, 'done', None, 2.0), (8, 'done', None, 1.0), (9, 'done', None, 3.0)]
    # glance's expand (index 2) failed too, and its migrate did not run; placement's did
    driver = {'failed_index': 1, 'failed_indexes': [1, 2],
              'actions': {'db': {'indexes': [0, 1, 2, 4], 'durations': [1.0, 0.5, 2.0, 3.0]}}}
    outcomes = upgrade_task_outcomes(task, driver, 'done', 4.0, error='failed')
    assert [(o['position'], o['status'], o.get('error')) for o in outcomes] == [
        (5, 'done', None), (6, 'failed', 'failed'), (7, 'failed', 'failed'),
        (8, 'failed', 'not run: step 7 failed before it'), (9, 'done', None)]
    assert outcomes[4]['detail'] == {'seconds': 3.0, 'driver_seconds': 3.0}  # no role time over the work


def test_check_warnings_by_project_and_check_whichever_host():
    report = {'hosts': [
        {'host': 'controller', 'projects': [{'project': 'nova', 'checks': [
            {'name': 'hw_machine_type unset', 'result': 'Warning'}, {'name': 'Cells v2', 'result': 'Success'}]}]},
        {'host': 'compute1', 'projects': [{'project': 'nova', 'checks': [
            {'name': 'hw_machine_type unset', 'result': 'Warning'},
            {'name': 'Policy File JSON to YAML Migration', 'result': 'Failure'}]}]}]}
    assert check_warnings(report) == ['nova: hw_machine_type unset']
    report['hosts'][1]['projects'][0]['checks'][1]['details'] = 'policy.json found.\nMigrate it.'
    assert check_failures(report) == [
        'nova on compute1: Policy File JSON to YAML Migration (Failure): policy.json found.']
    with pytest.raises(AnsibleFilterError):
        check_warnings(None)


def test_every_documented_filter_is_registered():
    # each filter documentation file (plugins/filter/<name>.yml) names a filter some FilterModule hands to Ansible
    import glob
    import importlib
    import os

    import yaml

    from ansible_collections.osops.lifecycle.plugins.filter import upgrade_run
    here = os.path.dirname(upgrade_run.__file__)
    registered = set()
    for path in glob.glob(os.path.join(here, '*.py')):
        module = importlib.import_module('ansible_collections.osops.lifecycle.plugins.filter.'
                                         + os.path.basename(path)[:-3])
        registered.update(module.FilterModule().filters())
    documented = set()
    for path in glob.glob(os.path.join(here, '*.yml')):
        with open(path) as handle:
            documented.add(yaml.safe_load(handle)['DOCUMENTATION']['name'])
    assert documented - registered == set()
    assert 'check_failures' in registered
