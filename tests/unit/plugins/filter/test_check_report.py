"""The check_report filter aggregates registered results as the callback does."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.osops.lifecycle.plugins.filter.check_report import check_report


def check(name, code, project='nova'):
    return {'project': project, 'name': name, 'code': code, 'details': None, 'duration': 0.0,
            'result': ['Success', 'Warning', 'Failure'][code]}


def test_single_and_loop_results_in_order():
    api = {'changed': False, 'upgrade_checks': [check('Placement API', 0)], 'code': 0}
    loop = {'results': [
        {'item': {'key': 'nova'}, 'upgrade_checks': [check('Policy', 2)]},
        {'item': {'key': 'cinder'}, 'skipped': True},
        {'item': {'key': 'keystone'}, 'upgrade_checks': [check('Policy', 1, 'keystone')]},
    ]}
    report = check_report({'localhost': api}, {'api1': loop, 'compute1': {}})
    assert [(h['host'], [p['project'] for p in h['projects']]) for h in report['hosts']] == [
        ('localhost', ['nova']), ('api1', ['nova', 'keystone'])]
    assert (report['code'], report['result']) == (2, 'Failure')
    assert report['counts'] == {'Success': 1, 'Warning': 1, 'Failure': 1, 'Error': 0}


def test_nothing_registered_is_an_empty_success():
    assert check_report({'h': {}})['hosts'] == []


def test_wrong_input_type_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match='expects dicts of host name to registered check results, got list'):
        check_report([])


def test_lost_hosts_are_error_rows_once_each():
    api = {'upgrade_checks': [check('Placement API', 0)]}
    report = check_report({'localhost': api}, {'compute2': []},
                          lost_hosts=['compute2', 'compute3', 'compute2'])
    assert (report['code'], report['result']) == (255, 'Error')
    assert [(h['host'], p['project'], c['name'], c['code'])
            for h in report['hosts'] for p in h['projects'] for c in p['checks']] == [
        ('localhost', 'nova', 'Placement API', 0),
        ('compute2', 'ansible', 'Tasks completed', 255),
        ('compute3', 'ansible', 'Tasks completed', 255),
    ]
    assert report['hosts'][1]['projects'][0]['checks'][0]['details'].startswith(
        'compute2 left the play before its checks finished: it was unreachable or a task failed')


def test_no_lost_hosts_changes_nothing():
    api = {'upgrade_checks': [check('Placement API', 0)]}
    assert check_report({'localhost': api}, lost_hosts=[]) == check_report({'localhost': api})


def test_lost_hosts_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match='lost_hosts must be a list'):
        check_report({}, lost_hosts='compute2')
