"""The check_table rendering against the real oslo.upgradecheck library."""

import contextlib
import io
import json
import os
import random

import jsonschema
import pytest
from oslo_upgradecheck import upgradecheck

from ansible_collections.osops.lifecycle.plugins.module_utils._checks.model import Code
from ansible_collections.osops.lifecycle.plugins.plugin_utils import _check_report as report_mod

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 4))
SCHEMA = os.path.join(ROOT, 'docs', 'schemas', 'check-report.schema.json')

LONG = ('Current Nova version does not support computes older than Gazpacho but '
        'the minimum compute service level in your system is 67 and the oldest '
        'supported service level is 72.')
UNBREAKABLE = 'x' * 150  # one "word" longer than the wrap width

CASES = {
    'all-success-none-details': [('Cells v2', 0, None), ('Placement API', 0, None)],
    'long-wrapped-details': [('Older than N-1 computes', 2, LONG)],
    'mixed': [('Cells v2', 0, ('No host mappings or compute nodes were found. Remember '
                               "to run command 'nova-manage cell_v2 discover_hosts' when "
                               'new compute hosts are deployed.')),
              ('hw_machine_type unset', 1, 'Instances found without hw_machine_type set.'),
              ('Service User Token Configuration', 2,
               'Service user token configuration is required for all Nova services.')],
    'unbreakable-word-and-newlines': [('Weird', 1, UNBREAKABLE), ('Lines', 2, 'one\ntwo  three')],
    'empty-details': [('Empty', 0, '')],
    'many-checks': [('Check %d' % i, i % 3, ('detail %d ' % i) * (i % 20) or None)
                    for i in range(40)],
}


def oslo_table(rows):
    """What the real oslo.upgradecheck prints for the same results."""
    def make(code, details):
        return lambda self: upgradecheck.Result(upgradecheck.Code(code), details)

    class Commands(upgradecheck.UpgradeCommands):
        _upgrade_checks = tuple((name, make(code, details)) for name, code, details in rows)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        Commands().check()
    return out.getvalue()


@pytest.mark.parametrize('case', sorted(CASES))
def test_table_equals_oslo_byte_for_byte(case):
    rows = CASES[case]
    ours = report_mod.render_table([{'name': n, 'code': c, 'details': d} for n, c, d in rows])
    assert (ours + '\n').encode() == oslo_table(rows).encode()


def test_wrap_details_keeps_none():
    assert report_mod.wrap_details(None) is None


def test_error_result_renders_as_error():
    table = report_mod.render_table([{'name': 'Boom', 'code': Code.ERROR,
                                      'details': 'The check raised KeyError: x'}])
    assert '| Result: Error' in table


def build(records):
    report = report_mod.new_report()
    for host, check in records:
        report_mod.add_check(report, host, check)
    return report_mod.finish_report(report)


def check(project, name, code, details=None, duration=0.1):
    return {'project': project, 'name': name, 'code': code,
            'result': ['Success', 'Warning', 'Failure'][code] if code < 3 else 'Error',
            'details': details, 'duration': duration}


def test_report_groups_by_host_and_project_in_first_seen_order():
    report = build([
        ('c2', check('nova', 'a', 0)),
        ('c1', check('nova', 'b', 1)),
        ('c2', check('placement', 'c', 2)),
        ('c2', check('nova', 'd', 0)),
    ])
    assert [h['host'] for h in report['hosts']] == ['c2', 'c1']
    assert [p['project'] for p in report['hosts'][0]['projects']] == ['nova', 'placement']
    assert [c['name'] for c in report['hosts'][0]['projects'][0]['checks']] == ['a', 'd']
    assert report['hosts'][0]['code'] == 2 and report['hosts'][1]['code'] == 1
    assert (report['code'], report['result']) == (2, 'Failure')


NOVA_STATUS_ORDER = ['Cells v2', 'Placement API', 'Cinder API', 'Policy File JSON to YAML Migration',
                     'Older than N-1 computes', 'hw_machine_type unset', 'Service User Token Configuration']
OURS = ['Services up and enabled', 'Compute RPC version pin', 'Instances in transitional states']


@pytest.mark.parametrize('seed', range(5))
def test_a_project_keeps_its_own_tools_order_ours_after_as_they_came(seed):
    names = NOVA_STATUS_ORDER + OURS
    random.Random(seed).shuffle(names)
    records = [('h', check('nova', name, 0)) for name in names]
    report = build(records + [('h', check('keystone', 'z', 0)), ('h', check('keystone', 'a', 0))])
    (nova, keystone) = report['hosts'][0]['projects']
    assert [c['name'] for c in nova['checks']] == NOVA_STATUS_ORDER + [n for n in names if n in OURS]
    assert [c['name'] for c in keystone['checks']] == ['z', 'a']  # no tool order known: as they came


def test_cloudkitty_keeps_cloudkitty_status_order():
    # what the check role's batch gives on a cloudkitty host: policy first (config_checks), then storage
    report = build([('h', check('cloudkitty', 'Policy File JSON to YAML Migration', 0)),
                    ('h', check('cloudkitty', 'Storage version', 1)),
                    ('h', check('cloudkitty', 'Database and message queue reachable', 0))])
    (cloudkitty,) = report['hosts'][0]['projects']
    assert [c['name'] for c in cloudkitty['checks']] == [
        'Storage version', 'Policy File JSON to YAML Migration', 'Database and message queue reachable']


def scoped(project, name, code, scope=None):
    return dict(check(project, name, code), **({'scope': scope} if scope else {}))


def test_cloud_wide_checks_belong_to_the_cloud_in_nova_status_order():
    # What the check role registers: the API batch (delegated to localhost), then each host's
    # batch (the first nova control host has nova's database checks too), all with cluster prod.
    report = report_mod.new_report()
    report_mod.add_results(report, 'localhost', {'upgrade_checks': [
        scoped('nova', 'Placement API', 0, 'prod'), scoped('nova', 'Cinder API', 0, 'prod'),
        scoped('nova', 'Services up and enabled', 0, 'prod'), scoped('neutron', 'Services up and enabled', 0, 'prod'),
        scoped('nova', 'Instances in transitional states', 0, 'prod')]})
    report_mod.add_results(report, 'controller', {'upgrade_checks': [
        scoped('nova', 'Policy File JSON to YAML Migration', 0), scoped('nova', 'Service User Token Configuration', 0),
        scoped('nova', 'Compute RPC version pin', 0), scoped('nova', 'Cells v2', 0, 'prod'),
        scoped('nova', 'Older than N-1 computes', 1, 'prod'), scoped('nova', 'hw_machine_type unset', 0, 'prod'),
        scoped('openstack', 'Upgrade path (SLURP)', 0, 'prod')]})
    report_mod.add_results(report, 'compute1', {'upgrade_checks': [scoped('nova', 'Policy File JSON to YAML Migration', 0)]})
    report = report_mod.finish_report(report)
    assert [(h['host'], h.get('scope')) for h in report['hosts']] == [
        ('prod', 'cloud'), ('controller', None), ('compute1', None)]  # no localhost
    sections = dict(((h['host'], p['project']), [c['name'] for c in p['checks']])
                    for h in report['hosts'] for p in h['projects'])
    assert sections == {
        ('prod', 'nova'): ['Cells v2', 'Placement API', 'Cinder API', 'Older than N-1 computes', 'hw_machine_type unset',
                           'Services up and enabled', 'Instances in transitional states'],
        ('prod', 'neutron'): ['Services up and enabled'],
        ('prod', 'openstack'): ['Upgrade path (SLURP)'],
        ('controller', 'nova'): ['Policy File JSON to YAML Migration', 'Service User Token Configuration',
                                 'Compute RPC version pin'],
        ('compute1', 'nova'): ['Policy File JSON to YAML Migration']}
    text = report_mod.render_report(report)
    assert [line for line in text.splitlines() if ' on ' in line and line.endswith(('Success', 'Warning'))] == [
        'nova on cloud prod: Warning', 'neutron on cloud prod: Success', 'openstack on cloud prod: Success',
        'nova on controller: Success', 'nova on compute1: Success']
    with open(SCHEMA, encoding='utf-8') as handle:
        jsonschema.validate(report, json.load(handle))
    # a host named like the cloud is still its own entry, and Ansible's errors are the host's
    report_mod.add_host_error(report, 'prod', report_mod.lost_host_check('prod'))
    assert [(h['host'], h.get('scope')) for h in report['hosts']][-1] == ('prod', None)


def test_error_outranks_failure_and_keeps_other_checks():
    report = build([('h', check('nova', 'ok', 0)), ('h', check('nova', 'bad', 2)),
                    ('h', check('nova', 'boom', 255, 'The check raised KeyError: x'))])
    assert report['code'] == 255
    assert [c['result'] for c in report['hosts'][0]['projects'][0]['checks']] == [
        'Success', 'Failure', 'Error']
    assert report['counts'] == {'Success': 1, 'Warning': 0, 'Failure': 1, 'Error': 1}


def test_empty_report_is_success():
    report = build([])
    assert (report['code'], report['hosts']) == (0, [])
    assert report_mod.overall_line(report) == 'Overall upgrade check result: Success (code 0)'


def test_render_report_has_a_table_per_host_and_project_then_overall_line():
    report = build([('h1', check('nova', 'a', 0)), ('h2', check('nova', 'b', 1))])
    text = report_mod.render_report(report)
    assert text.count('| Upgrade Check Results') == 2
    assert text.startswith('nova on h1: Success\n+')
    assert text.endswith('Overall upgrade check result: Warning (code 1): 1 Success, 1 Warning')


@pytest.mark.parametrize('records', [
    [],
    [('h', check('nova', 'a', 0)), ('h', check('cloudkitty', 'b', 255, 'x'))],
])
def test_report_validates_against_documented_schema(records):
    with open(SCHEMA, encoding='utf-8') as handle:
        schema = json.load(handle)
    jsonschema.validate(build(records), schema)


def test_schema_rejects_a_report_missing_the_overall_code():
    with open(SCHEMA, encoding='utf-8') as handle:
        schema = json.load(handle)
    report = build([('h', check('nova', 'a', 0))])
    del report['code']
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)
