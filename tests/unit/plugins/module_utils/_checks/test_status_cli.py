"""Parsing what *-status upgrade check prints, against tables the real oslo renders."""

import contextlib
import io
import json

import pytest
from oslo_upgradecheck import upgradecheck

from ansible_collections.osops.lifecycle.plugins.module_utils._checks import status_cli as cli

# Real nova-status output from the lab (nova 34 over 2024.1 computes), stdout only.
NOVA_TOO_OLD = """+--------------------------------------------------------------------+
| Upgrade Check Results                                              |
+--------------------------------------------------------------------+
| Check: Cells v2                                                    |
| Result: Success                                                    |
| Details: None                                                      |
+--------------------------------------------------------------------+
| Check: Older than N-1 computes                                     |
| Result: Failure                                                    |
| Details: Current Nova version does not support computes older than |
|   Gazpacho but the minimum compute service level in your           |
|   system is 67 and the oldest supported service level is 72.       |
+--------------------------------------------------------------------+
"""


def oslo_output(rows, as_json=False):
    def make(code, details):
        return lambda self: upgradecheck.Result(upgradecheck.Code(code), details)

    class Commands(upgradecheck.UpgradeCommands):
        _upgrade_checks = tuple((name, make(code, details)) for name, code, details in rows)

    saved = upgradecheck.CONF
    if as_json:
        upgradecheck.CONF = type('C', (), {'command': type('J', (), {'json': True})})()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            Commands().check()
    finally:
        upgradecheck.CONF = saved
    return out.getvalue()


ROWS = [
    ('Cells v2', 0, None),
    ('Placement API', 2, 'Placement API endpoint not found.'),
    ('Policy File JSON to YAML Migration', 2,
     'Your policy file is JSON-formatted which is deprecated. Use the '
     '``oslopolicy-convert-json-to-yaml`` tool to convert the existing JSON-formatted files '
     'to YAML in a backwards-compatible manner: https://docs.openstack.org/oslo.policy/'
     'latest/cli/oslopolicy-convert-json-to-yaml.html.'),
    ('Long word', 1, 'x' * 130 + ' tail'),
    ('Empty details', 0, ''),
]


def test_real_nova_output():
    assert cli.parse_table(NOVA_TOO_OLD) == [
        ('Cells v2', 0, None),
        ('Older than N-1 computes', 2,
         'Current Nova version does not support computes older than Gazpacho but the minimum '
         'compute service level in your system is 67 and the oldest supported service level is 72.'),
    ]


@pytest.mark.parametrize('row', ROWS, ids=[r[0] for r in ROWS])
def test_table_round_trip(row):
    (parsed,) = cli.parse_table(oslo_output([row]))
    assert parsed == row


def test_json_output():
    assert cli.parse_json(oslo_output(ROWS, as_json=True)) == ROWS


def test_json_after_log_lines():
    noise = 'WARNING something\n' + json.dumps({'name': 'Upgrade Check Results', 'checks': [
        {'check': 'A', 'result': 1, 'details': 'd'}]})
    assert cli.parse_json(noise) == [('A', 1, 'd')]


@pytest.mark.parametrize('text', ['', 'not json', '{"name": "x"}', 'Error:\nTraceback ...'])
def test_no_results(text):
    assert cli.parse_json(text) is None
    assert cli.parse_table(text) is None


def test_command_line():
    assert cli.status_command('/openstack/venvs/nova-31.3.1/bin/nova-status',
                              ['/etc/nova/nova.conf'], None, False) == [
        '/openstack/venvs/nova-31.3.1/bin/nova-status', '--config-file', '/etc/nova/nova.conf',
        'upgrade', 'check']
    assert cli.status_command('keystone-status', [], '/etc/keystone/conf.d', True,
                              prefix=['docker', 'exec', 'keystone']) == [
        'docker', 'exec', 'keystone', 'keystone-status', '--config-dir', '/etc/keystone/conf.d',
        'upgrade', 'check', '--json']


def test_classify_results_and_agreeing_rc():
    results, error = cli.classify('nova', 'nova-status upgrade check', 2, NOVA_TOO_OLD, 'warnings', 1.0)
    assert error is None
    assert [(r.name, r.result, r.project) for r in results] == [
        ('Cells v2', 'Success', 'nova'), ('Older than N-1 computes', 'Failure', 'nova')]
    assert [r.duration for r in results] == [0.5, 0.5]


def test_classify_rc_disagreeing_with_results():
    error = cli.classify('nova', 'nova-status upgrade check', 0, NOVA_TOO_OLD, '')[1]
    assert error == 'nova-status upgrade check exited 0 but its results say Failure (2)'


def test_classify_usage_error_is_an_error_of_the_run():
    stderr = ('usage: nova-status [-h] [--config-dir DIR]\n'
              'nova-status: error: unrecognized arguments: --json\n')
    results, error = cli.classify('nova', 'nova-status upgrade check', 2, '', stderr)
    assert error == ('nova-status upgrade check exited 2 without results: usage error: '
                     'nova-status: error: unrecognized arguments: --json')
    assert [(r.name, r.result, r.code) for r in results] == [('nova-status upgrade check', 'Error', 255)]


def test_classify_traceback_is_an_error_of_the_run():
    stdout = ('Error:\nTraceback (most recent call last):\n  File "x", line 1\n'
              'keystoneauth1.exceptions.connection.ConnectFailure: Unable to establish connection\n')
    results, error = cli.classify('nova', 'nova-status upgrade check', 255, stdout, '')
    assert error.endswith('without results: it raised keystoneauth1.exceptions.connection.ConnectFailure: '
                          'Unable to establish connection')
    assert results[0].code == 255
