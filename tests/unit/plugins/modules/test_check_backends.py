"""check_backends as a module: real connections to a SQLite database and to a closed port, passwords masked."""

import socket

import pytest

from ansible_collections.osops.lifecycle.plugins.modules import check_backends


def closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run(run_module, tmp_path, text, **options):
    conf = tmp_path / 'nova.conf'
    conf.write_text(text)
    result = run_module(check_backends.main, dict(project='nova', config_files=[str(conf)], **options))
    assert result['changed'] is False
    (check,) = result['upgrade_checks']
    assert (check['project'], check['name']) == ('nova', 'Database and message queue reachable')
    return check, result


def test_a_database_reached(run_module, tmp_path):
    check, result = run(run_module, tmp_path, '[database]\nconnection = sqlite:///%s\n' % (tmp_path / 'n.sqlite'))
    assert check['result'] == 'Success' and check['details'].startswith('Reached [database] connection sqlite:///')
    assert [b['reached'] for b in result['backends']] == [True]


def test_nothing_configured(run_module, tmp_path):
    check, result = run(run_module, tmp_path, '[DEFAULT]\nhost = compute1\n')
    assert (check['result'], check['details']) == (
        'Success', 'No database connection or transport_url is set in the nova config of this host.')
    assert result['backends'] == []


def test_a_database_refused_is_a_failure_without_the_password(run_module, tmp_path):
    pytest.importorskip('pymysql')
    port = closed_port()
    check, result = run(run_module, tmp_path, '[api_database]\nconnection = mysql+pymysql://nova:s3cr3t-pw@127.0.0.1:%d/nova_api\n'
                        % port, timeout=2)
    assert check['result'] == 'Failure'
    assert check['details'].startswith('Cannot reach [api_database] connection mysql+pymysql://nova:***@127.0.0.1:%d/nova_api: ' % port)
    assert 's3cr3t-pw' not in str(result)


def test_a_bad_timeout_is_refused(run_module, tmp_path):
    conf = tmp_path / 'nova.conf'
    conf.write_text('')
    result = run_module(check_backends.main, dict(project='nova', config_files=[str(conf)], timeout=0))
    assert result['failed'] is True
    assert 'timeout' in result['msg'] and '1 or more' in result['msg']
